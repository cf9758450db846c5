//! Stage 1, connect: logging in is done by the worker (host key check, the expired-password
//! change); these plans only look around once we are in and check we may act as root.

use crate::course::StageId;
use crate::course::answers::Answers;
use crate::course::check;
use crate::course::plan::{Command, Plan, StagePlans, Step};
use crate::course::stage::{
    FieldError, FieldErrors, FieldText, InputSpec, Stage, fetch_nothing, note_nothing, secret,
    take_nothing, text,
};
use crate::shell::{Const, QuoteError, Script};

/// The systems the course is built and tested for, as os-release's `ID:VERSION_ID`.
pub const SUPPORTED: &str = "ubuntu:24.04 ubuntu:22.04 debian:12";
/// The same, as a person reads it (the first words of the refusal, which advice.rs knows).
pub const SUPPORTED_NAMES: &str = "Ubuntu 22.04/24.04 and Debian 12";

const PROBE: &str = include_str!("probe.sh");
const VERIFY: &str = include_str!("verify.sh");

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

// ── The stage, as the rest of droplift sees it ──

pub const STAGE: Stage = Stage {
    id: StageId::Connect,
    key: "connect",
    title: "Connect",
    explanation: "Your droplet is a computer in a data centre. SSH, an encrypted remote terminal, \
                  reaches it. The first login is as root (the all-powerful administrator) with \
                  the e-mailed password; a new droplet then asks for a new one.",
    inputs: &[
        text("host", "Host", "IP, name or ~/.ssh/config alias"),
        InputSpec {
            default: "22",
            ..text("port", "Port", "22 unless told otherwise")
        },
        secret(
            "root_password",
            "Root password",
            "from the e-mail (empty: a key)",
        ),
    ],
    validate,
    fill,
    note: note_nothing,
    // The login reads this screen itself (the worker logs in with it).
    take: take_nothing,
    plans: |_| Ok(plans()?),
    fetch: fetch_nothing,
    rollback_after: None,
    advice: &[],
    ansible_tasks: None,
};

fn validate(value: &FieldText<'_>) -> Vec<FieldError> {
    let mut errors = FieldErrors::default();
    if check::looks_like_a_password(&value("host")) {
        errors.check(
            "host",
            Err::<(), _>(
                "That looks like a password, not an address: it is not kept. Type the address \
                 here; the password goes in Root password, where it is hidden.",
            ),
        );
    } else {
        errors.check("host", check::validate_host(&value("host")));
    }
    errors.check("port", check::validate_port(&value("port")));
    errors.check(
        "root_password",
        check::validate_password(&value("root_password")),
    );
    errors.into_vec()
}

fn fill(answers: &Answers, key: &str) -> Option<String> {
    Some(match key {
        "host" => answers.host.clone(),
        // A new host starts from the field's default.
        "port" if answers.host.is_empty() => String::new(),
        "port" => answers.port.to_string(),
        _ => return None,
    })
}
