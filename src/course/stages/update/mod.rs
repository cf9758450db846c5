//! Stage 2, update the system: refresh the package lists and install the fixes released since
//! the image was made, waiting politely while another program (unattended-upgrades) holds apt.

use std::time::Duration;

use crate::course::StageId;
use crate::course::apt::{WAIT_FOR_APT, with_upgrades};
use crate::course::plan::{Command, Plan, StagePlans, Step};
use crate::course::stage::{Stage, fill_nothing, note_nothing, nothing_to_check, take_nothing};
use crate::shell::{Const, QuoteError, Script};

const APT: &str = include_str!("apt.sh");
const PROBE: &str = include_str!("probe.sh");
const REBOOT_CHECK: &str = include_str!("reboot_check.sh");
const STAMP_SCRIPT: &str = include_str!("stamp.sh");
const VERIFY: &str = include_str!("verify.sh");
const AUTO_SECURITY: &str = include_str!("auto_security.sh");
const RESTART_SERVICES: &str = include_str!("restart_services.sh");

/// How long `apt-get update` and `apt-get upgrade` may take before they are stopped and
/// explained (the step's own time limit is a little longer, so the script's words come first).
const UPDATE_MINUTES: u32 = 10;
const UPGRADE_MINUTES: u32 = 25;

/// droplift's unattended-upgrades settings (sorted after the package's own 50unattended-upgrades).
pub const AUTO_SECURITY_CONF: &str = "/etc/apt/apt.conf.d/52droplift-security-updates";

/// The first words of the line the restart check prints when a restart is needed.
pub const REBOOT_NEEDED: &str = "A restart is needed";

/// Touched after a successful update; the probe trusts it for a day.
pub const STAMP: &str = "/var/lib/droplift/updated";

fn apt(command: &'static str, minutes: u32) -> Script {
    Script::new(&[APT])
        .set("apt_command", &Const(command))
        .set("apt_minutes", &minutes)
}

/// The step's own limit: the script's time box, its kill grace and some slack.
fn apt_timeout(minutes: u32) -> Duration {
    Duration::from_secs(u64::from(minutes) * 60 + 90)
}

pub fn plans() -> Result<StagePlans, QuoteError> {
    let stamp = Const(STAMP);
    Ok(StagePlans {
        probe: Plan::new(vec![Step::run(
            "Are the package lists fresh, and is anything waiting to be upgraded?",
            Command::root(&with_upgrades(&[PROBE]).set("stamp", &stamp))?,
        )]),
        apply: Plan::new(vec![
            Step::run(
                "Wait until no other program is using apt (a new droplet updates itself at first)",
                Command::root(&Script::new(&[WAIT_FOR_APT]))?
                    .by_hand("sudo fuser -v /var/lib/dpkg/lock-frontend")
                    .timeout(Duration::from_secs(960)),
            ),
            Step::run(
                "Download the current list of packages",
                Command::root(&apt("update", UPDATE_MINUTES))?
                    .by_hand("sudo apt update")
                    .timeout(apt_timeout(UPDATE_MINUTES)),
            ),
            Step::run(
                "Install every available update, keeping existing configuration files",
                Command::root(&apt("upgrade", UPGRADE_MINUTES))?
                    .by_hand("sudo apt upgrade")
                    .timeout(apt_timeout(UPGRADE_MINUTES)),
            ),
            Step::run(
                "Restart the services the update replaced (needrestart, where the system has it)",
                Command::root(&Script::new(&[RESTART_SERVICES]))?
                    .by_hand("sudo needrestart -r a   # Ubuntu; on Debian: the next step")
                    .timeout(Duration::from_secs(300)),
            ),
            Step::run(
                "Does the system need a restart?",
                Command::root(
                    &Script::new(&[REBOOT_CHECK]).set("reboot_needed", &Const(REBOOT_NEEDED)),
                )?
                .by_hand("ls /var/run/reboot-required   # present: sudo reboot"),
            ),
            Step::run(
                "Turn on automatic security updates: from now on the droplet installs security \
                 fixes every day by itself (and only those)",
                Command::root(
                    &crate::course::apt::apt_script(&[AUTO_SECURITY])
                        .set("conf", &Const(AUTO_SECURITY_CONF)),
                )?
                .by_hand(
                    "sudo apt install unattended-upgrades\n\
                     sudo dpkg-reconfigure --priority=low unattended-upgrades   # answer Yes",
                )
                .timeout(Duration::from_secs(600)),
            ),
            Step::run(
                "Remember when the system was last brought up to date",
                Command::root(&with_upgrades(&[STAMP_SCRIPT]).set("stamp", &stamp))?.by_hand(
                    format!("sudo mkdir -p /var/lib/droplift && sudo touch {STAMP}"),
                ),
            ),
        ]),
        verify: Plan::new(vec![Step::run(
            "Check that nothing is left to upgrade and that security updates are automatic",
            Command::root(&with_upgrades(&[VERIFY]))?,
        )]),
    })
}

// ── The stage, as the rest of droplift sees it ──

pub const STAGE: Stage = Stage {
    id: StageId::Update,
    key: "update",
    title: "Update system",
    explanation: "A new server image is months old. apt, the package manager of Ubuntu and \
                  Debian, fetches the list of current packages (apt update) and installs the \
                  security fixes released since (apt upgrade), keeping the provider's \
                  configuration files. Programs still running old code are restarted \
                  (needrestart, on Ubuntu). Then the droplet learns to install future security \
                  fixes by itself every day (unattended-upgrades).",
    inputs: &[],
    validate: nothing_to_check,
    fill: fill_nothing,
    note: note_nothing,
    take: take_nothing,
    plans: |_| Ok(plans()?),
    // Installed for the automatic security updates.
    fetch: |_, fetch| fetch.packages.push("unattended-upgrades"),
    rollback_after: None,
    advice: &[],
    ansible_tasks: Some(include_str!("tasks.yml")),
};
