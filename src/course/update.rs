//! Stage 2, update the system: refresh the package lists and install the fixes released since
//! the image was made, waiting politely while another program (unattended-upgrades) holds apt.

use std::time::Duration;

use super::plan::{Command, Plan, StagePlans, Step};
use super::probe::verdict;

/// Waits while another program holds the dpkg lock, saying who and for how long. The holder is
/// found in /proc/locks by the lock file's inode, so no extra tool is needed.
pub const WAIT_FOR_APT: &str = r#"waited=0
while :; do
  holder=""
  for lock in /var/lib/dpkg/lock-frontend /var/lib/dpkg/lock /var/lib/apt/lists/lock; do
    [ -e "$lock" ] || continue
    inode=$(stat -c %i "$lock")
    holder=$(awk -v ino="$inode" '{ n = split($6, a, ":"); if (a[n] == ino) { print $5; exit } }' /proc/locks)
    [ -n "$holder" ] && break
  done
  [ -z "$holder" ] && break
  name=$(cat "/proc/$holder/comm" 2>/dev/null || echo "another program")
  echo "waiting for apt: $name, pid $holder, $waited s"
  if [ "$waited" -ge 900 ]; then
    echo "apt has been busy for 15 minutes; try again later or reboot the droplet" >&2
    exit 1
  fi
  sleep 5
  waited=$((waited + 5))
done
echo "apt is free""#;

/// The first words of the line the restart check prints when a restart is needed.
pub const REBOOT_NEEDED: &str = "A restart is needed";

/// Touched after a successful update; the probe trusts it for a day.
pub const STAMP: &str = "/var/lib/droplift/updated";

/// apt options: never ask, keep config files the provider changed, wait for the lock anyway.
const APT: &str = "DEBIAN_FRONTEND=noninteractive NEEDRESTART_MODE=a apt-get -y -q \
                   -o DPkg::Lock::Timeout=300 \
                   -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold";

pub fn plans() -> StagePlans {
    // droplift leaves a stamp after a full update: a new droplet's package lists can look fresh
    // (made with the image) and still not cover its updates and security suites.
    let probe = format!(
        r#"pending=$(apt-get -s -o Debug::NoLocking=1 upgrade 2>/dev/null | grep -c '^Inst ' || true)
stamp=$(find {STAMP} -mmin -1440 2>/dev/null)
echo "upgrades waiting: $pending"
if [ -z "$stamp" ]; then {}
elif [ "$pending" -gt 0 ]; then {}
else {}
fi"#,
        verdict(
            "pending",
            "droplift has not updated this system in the last day"
        ),
        verdict("pending", "$pending packages can be upgraded"),
        verdict("done", "the system is up to date"),
    );
    let reboot = format!(
        r#"if [ -f /var/run/reboot-required ]; then
  echo "{REBOOT_NEEDED} to finish the update (reboot-required):"
  cat /var/run/reboot-required.pkgs 2>/dev/null || true
else
  echo "No restart needed."
fi"#
    );
    StagePlans {
        probe: Plan::new(vec![Step::run(
            "Are the package lists fresh, and is anything waiting to be upgraded?",
            Command::root(probe),
        )]),
        apply: Plan::new(vec![
            Step::run(
                "Wait until no other program is using apt (a new droplet updates itself at first)",
                Command::root(WAIT_FOR_APT).timeout(Duration::from_secs(960)),
            ),
            Step::run(
                "Download the current list of packages",
                Command::root(format!("{APT} update")).timeout(Duration::from_secs(600)),
            ),
            Step::run(
                "Install every available update, keeping existing configuration files",
                Command::root(format!("{APT} upgrade")).timeout(Duration::from_secs(1800)),
            ),
            Step::run("Does the system need a restart?", Command::root(reboot)),
            Step::run(
                "Remember when the system was last brought up to date",
                Command::root(format!("mkdir -p /var/lib/droplift && touch {STAMP}")),
            ),
        ]),
        verify: Plan::new(vec![Step::run(
            "Check that nothing is left to upgrade",
            Command::root(
                "n=$(apt-get -s -o Debug::NoLocking=1 upgrade | grep -c '^Inst ' || true); \
                 echo \"upgrades left: $n\"; test \"$n\" -eq 0",
            ),
        )]),
    }
}
