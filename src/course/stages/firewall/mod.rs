//! Stage 6, the firewall (ufw): SSH on the port sshd really uses, the web, the student's own
//! ports, everything else incoming denied. It is switched on only behind stage 4's safety net:
//! an automatic undo (the firewall back as it was before the stage: on with its old rules, or
//! off) is scheduled first and cancelled once a fresh login gets through.

pub mod ports;
pub mod section;

use std::path::Path;
use std::time::Duration;

use crate::course::apt::{APT_INSTALL, APT_PRESENT, WAIT_FOR_APT};
use crate::course::plan::{Command, Expect, LoginAuth, Plan, StagePlans, StdinPart, Step};
use crate::course::stage::{
    FieldError, FieldErrors, FieldText, Stage, fetch_nothing, note_nothing, take_nothing, text,
};
use crate::course::stages::firewall::ports::{PortList, PortRule};
use crate::course::values::UserName;
use crate::course::{StageId, answer};
use crate::shell::{Const, QuoteError, Script};

/// Where droplift keeps the revert script, the firewall's state from before the stage
/// (`before/`) and the "change in progress" marker.
pub const STATE_DIR: &str = "/var/lib/droplift/ufw";
/// The transient systemd unit that puts the firewall back as it was if nobody cancels it.
pub const UNDO_UNIT: &str = "droplift-ufw-undo";
/// How long the fresh login has before the automatic undo.
pub const UNDO_AFTER_SECS: u32 = 180;

const LIB: &str = include_str!("lib.sh");
const PROBE: &str = include_str!("probe.sh");
const PREPARE: &str = include_str!("prepare.sh");
/// Installed on the server by `prepare.sh` (it reads it from stdin); run by the undo timer.
const REVERT: &str = include_str!("revert.sh");
const RULES: &str = include_str!("rules.sh");
const ENABLE: &str = include_str!("enable.sh");
const VERIFY: &str = include_str!("verify.sh");
const ROLLBACK: &str = include_str!("rollback.sh");
/// A second site's answers (an owner without sudo): the firewall is the server's, left alone.
const SERVER_ONLY: &str = include_str!("server_only.sh");
// Stage 4's guard, reused as it is: schedule the revert, stop it (waiting for a revert that has
// started), and cancel it.
const SCHEDULE_UNDO: &str = include_str!("../../scripts/undo/schedule.sh");
const STOP_UNDO: &str = include_str!("../../scripts/undo/stop.sh");
const CANCEL_UNDO: &str = include_str!("../../scripts/undo/cancel.sh");

/// The web's ports: HTTP always (nginx arrives in stage 7, after this stage, so its 'Nginx HTTP'
/// profile does not exist yet: the rule names the port the profile would), HTTPS with a domain.
pub fn web_ports(domain: bool) -> PortList {
    let mut ports = vec![PortRule::HTTP];
    if domain {
        ports.push(PortRule::HTTPS);
    }
    PortList(ports)
}

/// Why each rule is there, for the screen before anything runs (the SSH port is read from the
/// server by the check; `ssh_port` is the one droplift connects to until then).
pub fn rule_lines(ssh_port: u16, web: &PortList, extra: &PortList) -> Vec<(String, &'static str)> {
    let mut lines = vec![(format!("{ssh_port}/tcp"), "SSH: you log in here; stays")];
    for rule in &web.0 {
        let why = if *rule == PortRule::HTTPS {
            "HTTPS: your domain"
        } else {
            "web: nginx, stage 7"
        };
        lines.push((rule.to_string(), why));
    }
    for rule in &extra.0 {
        lines.push((rule.to_string(), "you added it"));
    }
    lines
}

pub fn plans(
    user: &UserName,
    key: &Path,
    web: &PortList,
    extra: &PortList,
) -> Result<StagePlans, QuoteError> {
    let with_rules = |files: &[&'static str]| {
        let mut all = vec![LIB];
        all.extend_from_slice(files);
        Script::new(&all).set("web", web).set("extra", extra)
    };
    let state = Const(STATE_DIR);
    let unit = Const(UNDO_UNIT);
    let listed = if extra.0.is_empty() {
        String::new()
    } else {
        format!(", your ports {extra}")
    };
    Ok(StagePlans {
        probe: Plan::new(vec![Step::run(
            "Which rules will the firewall have, and which does it have now?",
            Command::root(&with_rules(&[PROBE]))?.by_hand("sudo ufw status verbose"),
        )]),
        apply: Plan::new(vec![
            Step::run(
                "Install ufw (the firewall tool) if it is missing",
                Command::root(
                    &crate::course::apt::apt_script(&[APT_PRESENT, WAIT_FOR_APT, APT_INSTALL])
                        .set("packages", &Const("ufw")),
                )?
                .by_hand("sudo apt install ufw")
                .timeout(Duration::from_secs(1200)),
            ),
            Step::run(
                "Note how the firewall is now (on or off, its rules), install the script that \
                 puts it back so, and mark the change as in progress",
                Command::root(&Script::new(&[PREPARE]).set("state", &state))?
                    .stdin(vec![StdinPart::Text(REVERT.into())]),
            ),
            Step::run(
                format!(
                    "Safety net, before anything changes: schedule an automatic undo (the \
                     firewall back as it was) in {UNDO_AFTER_SECS} seconds"
                ),
                Command::root(
                    &Script::new(&[SCHEDULE_UNDO])
                        .set("state", &state)
                        .set("undo_unit", &unit)
                        .set("undo_after", &UNDO_AFTER_SECS),
                )?
                .by_hand(format!(
                    "sudo systemd-run --unit=ufw-undo --on-active={UNDO_AFTER_SECS} bash \
                     {STATE_DIR}/revert.sh"
                )),
            ),
            Step::run(
                format!(
                    "Give the firewall its rules, SSH first: allow SSH (the port from sshd -T), \
                     web {web}{listed}; deny everything else coming in"
                ),
                Command::root(&with_rules(&[RULES]))?.by_hand(
                    "sudo ufw allow OpenSSH\n\
                     sudo ufw allow 'Nginx Full'\n\
                     sudo ufw default deny incoming",
                ),
            ),
            Step::run(
                "Turn the firewall on (only if the SSH rule is in place)",
                Command::root(&with_rules(&[ENABLE]))?.by_hand("sudo ufw enable"),
            ),
            Step::login(
                format!("From a brand-new connection: log in as {user} with your key, through the firewall"),
                user.as_str(),
                LoginAuth::Key(key.to_path_buf()),
                None,
                Expect::Success,
            ),
            Step::run(
                "SSH gets through: cancel the automatic undo",
                Command::root(
                    &Script::new(&[STOP_UNDO, CANCEL_UNDO])
                        .set("state", &state)
                        .set("undo_unit", &unit),
                )?
                .by_hand("sudo systemctl stop ufw-undo.timer"),
            ),
        ])
        .with_rollback(vec![Step::run(
            "Something failed: put the firewall back as it was now (on with its old rules, or off)",
            Command::root(
                &Script::new(&[STOP_UNDO, ROLLBACK])
                    .set("state", &state)
                    .set("undo_unit", &unit),
            )?
            .by_hand(format!("sudo bash {STATE_DIR}/revert.sh"))
            .timeout(Duration::from_secs(60)),
        )]),
        verify: Plan::new(vec![Step::run(
            "Ask ufw what is in force now (ufw status verbose)",
            Command::root(&with_rules(&[VERIFY]))?.by_hand("sudo ufw status verbose"),
        )]),
    })
}

// ── The stage, as the rest of droplift sees it ──

pub const STAGE: Stage = Stage {
    id: StageId::Firewall,
    key: "firewall",
    title: "Firewall",
    explanation: "ufw, the uncomplicated firewall, opens only these ports; all else coming in is \
                  refused.",
    inputs: &[text(
        "add_port",
        "Add a port",
        "8080/tcp or 53/udp, then Enter",
    )],
    validate,
    // The field adds one rule at a time to the list shown beside it: it starts empty.
    fill: |_, key| (key == "add_port").then(String::new),
    note: note_nothing,
    // The rules are in the answers already: the list edits them as the student goes.
    take: take_nothing,
    plans: |answers| {
        if !answers.user_sudo {
            return Ok(StagePlans {
                probe: Plan::new(vec![Step::run(
                    "Is the firewall this site's to set? (No: it is the server's.)",
                    Command::root(&Script::new(&[SERVER_ONLY]))?,
                )]),
                ..StagePlans::default()
            });
        }
        Ok(plans(
            &answer("user", UserName::parse(answers.login_name()))?,
            &answers.key,
            &web_ports(answers.domain.is_some()),
            &PortList(answers.extra_ports.clone()),
        )?)
    },
    fetch: fetch_nothing,
    rollback_after: Some("the firewall was changed"),
    advice: &[],
    ansible_tasks: Some(include_str!("tasks.yml")),
};

fn validate(value: &FieldText<'_>) -> Vec<FieldError> {
    let mut errors = FieldErrors::default();
    let port = value("add_port");
    if !port.trim().is_empty() {
        errors.check("add_port", PortRule::parse(&port));
    }
    errors.into_vec()
}
