//! Stage 5, PostgreSQL: installs the database server, creates the app's role with a SCRAM
//! password (sent on stdin only) and its database, and makes socket logins need a password.

pub mod names;
pub mod section;

use std::time::Duration;

use crate::course::advice::{Known, known};
use crate::course::answers::Answers;
use crate::course::apt::{APT_INSTALL, APT_PRESENT, WAIT_FOR_APT};
use crate::course::plan::{Command, Plan, StagePlans, StdinPart, Step};
use crate::course::stage::{
    FieldError, FieldErrors, FieldText, FormInput, Stage, note_nothing, secret, text,
};
use crate::course::values::{PgDatabase, PgRole};
use crate::course::{StageId, answer};
use crate::secret::Secret;
use crate::secret::SecretName;
use crate::shell::{Const, QuoteError, Script, quote};

/// Where droplift keeps the backup of pg_hba.conf.
pub const STATE_DIR: &str = "/var/lib/droplift/postgres";
/// The packages the course installs.
pub const PACKAGES: &str = "postgresql postgresql-contrib";

const LIB: &str = include_str!("lib.sh");
const PROBE: &str = include_str!("probe.sh");
const START: &str = include_str!("start.sh");
const ROLE_DB: &str = include_str!("role_db.sh");
const HBA: &str = include_str!("hba.sh");
const VERIFY: &str = include_str!("verify.sh");

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
                    &crate::course::apt::apt_script(&[APT_PRESENT, WAIT_FOR_APT, APT_INSTALL])
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

/// A stage 5 login refused (its check or verify logs in with the role's password): the case
/// every stage can meet says the app's DATABASE_URL differs, which is not this stage's cause.
const ADVICE: &[Known] = &[known(
    &["password authentication failed for user"],
    "PostgreSQL refused the password for that role.",
    "Use the database password from stage 5 (not your login password). To set it again: \
     `sudo -u postgres psql -c '\\password ROLE'`.",
)];

// ── The stage, as the rest of droplift sees it ──

pub const STAGE: Stage = Stage {
    id: StageId::Postgres,
    key: "postgres",
    title: "PostgreSQL",
    explanation: "PostgreSQL keeps your API's data. We create a role (a database login) and its \
                  database. Logins on the server use peer (your Linux name proves who you \
                  are); your app uses the role's password.",
    inputs: &[
        text("role", "Role", "database user; empty: your user"),
        text("database", "Database", "empty: the same name as the role"),
        secret("db_password", "Password", "the app's; 8+ characters"),
        secret("db_password_again", "Again", "the same password once more"),
    ],
    validate,
    fill,
    note: note_nothing,
    take,
    plans: |answers| {
        Ok(plans(
            &answer("postgres.role", PgRole::parse(answers.db_role()))?,
            &answer("postgres.database", PgDatabase::parse(answers.db_name()))?,
        )?)
    },
    fetch: |_, fetch| fetch.packages.extend(PACKAGES.split(' ')),
    rollback_after: None,
    advice: ADVICE,
    ansible_tasks: Some(include_str!("tasks.yml")),
};

fn validate(value: &FieldText<'_>) -> Vec<FieldError> {
    let mut errors = FieldErrors::default();
    errors.check("role", names::validate_role(&value("role")));
    let database = value("database");
    if !database.is_empty() {
        errors.check("database", names::validate_database(&database));
    }
    errors.check(
        "db_password",
        names::validate_password(&value("db_password"), &value("db_password_again")),
    );
    errors.into_vec()
}

fn fill(answers: &Answers, key: &str) -> Option<String> {
    Some(match key {
        "role" => answers.db_role().to_owned(),
        "database" => answers.db_name.clone().unwrap_or_default(),
        _ => return None,
    })
}

fn take(answers: &mut Answers, form: &mut dyn FormInput) -> Vec<(SecretName, Secret)> {
    let role = form.value("role");
    answers.db_role = (role != answers.user).then_some(role);
    let database = form.value("database");
    answers.db_name = (!database.is_empty()).then_some(database);
    let password = form.take_secret("db_password");
    form.take_secret("db_password_again");
    vec![(SecretName::DbPassword, password)]
}
