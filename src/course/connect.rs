//! Stage 1, connect: logging in is done by the worker (host key check, the expired-password
//! change); these plans only look around once we are in and check we may act as root.

use super::plan::{Command, Plan, StagePlans, Step};
use crate::shell::{QuoteError, Script};

const PROBE: &str = include_str!("scripts/connect/probe.sh");
const VERIFY: &str = include_str!("scripts/connect/verify.sh");

pub fn plans() -> Result<StagePlans, QuoteError> {
    Ok(StagePlans {
        probe: Plan::new(vec![Step::run(
            "Look at the server: its system and who we are",
            Command::user(&Script::new(&[PROBE]))?,
        )]),
        apply: Plan::default(),
        verify: Plan::new(vec![Step::run(
            "Check that we can act as root (directly, or with sudo)",
            Command::root(&Script::new(&[VERIFY]))?,
        )]),
    })
}
