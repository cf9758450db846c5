//! Stage 1, connect: logging in is done by the worker (host key check, the expired-password
//! change); these plans only look around once we are in and check we may act as root.

use super::plan::{Command, Plan, StagePlans, Step};
use super::probe::verdict;

/// Facts that later stages depend on, printed for the student and the log.
const LOOK_AROUND: &str = r#". /etc/os-release 2>/dev/null
echo "system: ${PRETTY_NAME:-unknown}"
echo "logged in as: $(id -un)"
if [ -d /etc/ssh/sshd_config.d ]; then echo "sshd drop-in folder: yes"; else echo "sshd drop-in folder: no"; fi
"#;

pub fn plans() -> StagePlans {
    let probe = format!(
        "{LOOK_AROUND}{}",
        verdict(
            "done",
            "logged in to ${PRETTY_NAME:-the server} as $(id -un)"
        )
    );
    StagePlans {
        probe: Plan::new(vec![Step::run(
            "Look at the server: its system and who we are",
            Command::user(probe),
        )]),
        apply: Plan::default(),
        verify: Plan::new(vec![Step::run(
            "Check that we can act as root (directly, or with sudo)",
            Command::root("test \"$(id -u)\" -eq 0"),
        )]),
    }
}
