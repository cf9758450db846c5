//! Stage 5, PostgreSQL: installs the database server, creates the app's role with a SCRAM
//! password (sent on stdin only) and its database, and makes socket logins need a password.

use std::time::Duration;

use super::plan::{Command, Plan, StagePlans, StdinPart, Step};
use super::values::{PgDatabase, PgRole};
use crate::secret::SecretName;
use crate::shell::{Const, QuoteError, Script, quote};

/// Where droplift keeps the backup of pg_hba.conf.
pub const STATE_DIR: &str = "/var/lib/droplift/postgres";
/// The packages the course installs.
pub const PACKAGES: &str = "postgresql postgresql-contrib";

const LIB: &str = include_str!("scripts/postgres/lib.sh");
const PROBE: &str = include_str!("scripts/postgres/probe.sh");
const START: &str = include_str!("scripts/postgres/start.sh");
const ROLE_DB: &str = include_str!("scripts/postgres/role_db.sh");
const HBA: &str = include_str!("scripts/postgres/hba.sh");
const VERIFY: &str = include_str!("scripts/postgres/verify.sh");
/// Shared with the firewall stage: install packages only when missing, waiting for apt.
pub const APT_PRESENT: &str = include_str!("scripts/apt/present.sh");
pub const APT_INSTALL: &str = include_str!("scripts/apt/install.sh");
/// Stage 2's wait for the dpkg lock (a new droplet updates itself for a while).
pub const WAIT_FOR_APT: &str = include_str!("scripts/update/wait_for_apt.sh");

/// The password on stdin, one line: the scripts read it with `read -r`.
fn password() -> Vec<StdinPart> {
    vec![
        StdinPart::Secret(SecretName::DbPassword),
        StdinPart::Text("\n".into()),
    ]
}

pub fn plans(role: &PgRole, db: &PgDatabase) -> Result<StagePlans, QuoteError> {
    // The course's commands for the same jobs, for the runbook: createuser and psql ask for the
    // password themselves, so nothing secret is pasted.
    let (q_role, q_db) = (quote(role.as_str())?, quote(db.as_str())?);
    let create_by_hand = format!(
        "sudo -u postgres createuser --login --pwprompt {q_role}\n\
         sudo -u postgres createdb --owner={q_role} {q_db}"
    );
    let login_by_hand = format!(
        "psql -h 127.0.0.1 -U {q_role} -d {q_db} -c 'SELECT current_user'   # asks for the password"
    );
    let with_names = |files: &[&'static str]| {
        let mut all = vec![LIB];
        all.extend_from_slice(files);
        Script::new(&all).set("role", role).set("db", db)
    };
    Ok(StagePlans {
        probe: Plan::new(vec![Step::run(
            format!(
                "Is PostgreSQL running, does {role} log in with its password, and does {db} \
                 belong to it?"
            ),
            Command::root(&with_names(&[PROBE]))?
                .stdin(password())
                .by_hand("sudo systemctl status postgresql"),
        )]),
        apply: Plan::new(vec![
            Step::run(
                "Install PostgreSQL and its extra modules (postgresql-contrib), waiting while \
                 another program uses apt",
                Command::root(
                    &super::prefetch::apt_script(&[APT_PRESENT, WAIT_FOR_APT, APT_INSTALL])
                        .set("packages", &Const(PACKAGES)),
                )?
                .by_hand(format!("sudo apt install {PACKAGES}"))
                .timeout(Duration::from_secs(1800)),
            ),
            Step::run(
                "Make sure PostgreSQL runs now and starts at boot",
                Command::root(&with_names(&[START]))?
                    .by_hand("sudo systemctl enable --now postgresql")
                    .timeout(Duration::from_secs(60)),
            ),
            Step::run(
                format!(
                    "Create the role {role} with its password and the database {db}, owned by it\n\
                     (the course's createuser -P and createdb; the password goes to psql on \
                     stdin as an SQL string, stored as scram-sha-256)"
                ),
                Command::root(&with_names(&[ROLE_DB]))?
                    .stdin(password())
                    .by_hand(create_by_hand),
            ),
            Step::run(
                "Make socket logins need a password: `local all all peer` becomes \
                 `scram-sha-256` in pg_hba.conf\n\
                 peer lets a system account in as the role of the same name with no password; \
                 scram-sha-256 asks for the password.\n\
                 It is the safer successor of the course's md5: the server keeps only a salted \
                 proof of the password, where an md5 hash is as good as the password to a thief \
                 (an md5 line still accepts a SCRAM password).\n\
                 The postgres administrator's own peer line stays first: rules are read top-down. \
                 A backup comes first; PostgreSQL reloads the file and must report no error, \
                 else the old file comes back.",
                Command::root(&with_names(&[HBA]).set("state", &Const(STATE_DIR)))?.by_hand(
                    "sudo nano /etc/postgresql/*/main/pg_hba.conf   # local all all scram-sha-256\n\
                     sudo systemctl reload postgresql",
                ),
            ),
        ]),
        verify: Plan::new(vec![Step::run(
            format!(
                "Log in as {role} with its password over the socket and over 127.0.0.1; a \
                 wrong one must be refused; {db} must belong to {role}"
            ),
            Command::root(&with_names(&[VERIFY]))?
                .stdin(password())
                .by_hand(login_by_hand),
        )]),
    })
}
