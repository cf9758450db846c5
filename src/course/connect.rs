//! Stage 1, connect: logging in is done by the worker (host key check, the expired-password
//! change); these plans only look around once we are in and check we may act as root.

use super::plan::{Command, Plan, StagePlans, Step};
use crate::shell::{Const, QuoteError, Script};

/// The systems the course is built and tested for, as os-release's `ID:VERSION_ID`.
pub const SUPPORTED: &str = "ubuntu:24.04 ubuntu:22.04 debian:12";
/// The same, as a person reads it (the first words of the refusal, which advice.rs knows).
pub const SUPPORTED_NAMES: &str = "Ubuntu 22.04/24.04 and Debian 12";

const PROBE: &str = include_str!("scripts/connect/probe.sh");
const VERIFY: &str = include_str!("scripts/connect/verify.sh");

pub fn plans() -> Result<StagePlans, QuoteError> {
    Ok(StagePlans {
        probe: Plan::new(vec![Step::run(
            "Look at the server: its system and who we are",
            Command::user(
                &Script::new(&[PROBE])
                    .set("os_release", &Const("/etc/os-release"))
                    .set("supported", &Const(SUPPORTED))
                    .set("supported_names", &Const(SUPPORTED_NAMES)),
            )?,
        )]),
        apply: Plan::default(),
        verify: Plan::new(vec![Step::run(
            "Check that we can act as root (directly, or with sudo)",
            Command::root(&Script::new(&[VERIFY]))?,
        )]),
    })
}
