//! The classroom, the instructor's side (`droplift class`, issue 28): a roster of squads becomes,
//! per squad, a site of its own set up by the instructor's login (its answers derived from the
//! host site's), and its members' keys, each limited to that site's sealed steps.

pub mod roster;

use std::path::PathBuf;

use crate::course::answers::{Answers, AnswersError};
use crate::course::plan::{Action, Command, Plan, StagePlans, StdinPart, Step};
use crate::course::values::{PgDatabase, PgRole, SiteName, UserName};
use crate::course::{PlanError, answer};
use crate::secret::SecretName;
use crate::shell::Script;
use roster::{Roster, Squad};

const DBURL: &str = include_str!("../stages/app/dburl.sh");
const DB_PROBE: &str = include_str!("db_probe.sh");
const SEED_ENV: &str = include_str!("seed_env.sh");
const SAVE_DB: &str = include_str!("save_db.sh");
const SAVE_CODE: &str = include_str!("save_code.sh");
const REMOVE: &str = include_str!("remove.sh");
const BOARD: &str = include_str!("board.sh");
const MARK: &str = include_str!("mark.sh");
const MARK_APPLY: &str = include_str!("mark_apply.sh");
const MARKED: &str = include_str!("marked.sh");

/// A TOML string, quoted.
fn quoted(text: &str) -> String {
    toml::Value::String(text.to_owned()).to_string()
}

/// The squad's answers file: the host site's server and login, an owner with no sudo, its own
/// site, role and database, served under the host site (or by its own name when the class has a
/// domain), its app's entry point, health path and limits. `class apply` sets the site up from
/// it; the squad deploys with it and a member's key (`--source` their folder).
pub fn squad_answers_text(host: &Answers, roster: &Roster, squad: &Squad) -> String {
    let name = &squad.name;
    let nginx = match &roster.domain {
        Some(domain) => format!("server_name = {}\n", quoted(&format!("{name}.{domain}"))),
        None => format!(
            "server_name = {}\nunder = {}\n",
            quoted(&host.nginx.server_name),
            quoted(&host.nginx.site)
        ),
    };
    format!(
        "# The squad {name}'s site, written by `droplift class apply` (edit the roster, not this).\n\
         # Deploy with a member's own key:\n\
         #   droplift deploy --answers {name}.toml --source YOUR_APP_FOLDER --deploy-key ~/.ssh/id_ed25519\n\
         [server]\nhost = {}\nport = {}\n\n\
         [user]\nname = {}\nlogin = {}\nsudo = false\n\n\
         [postgres]\nrole = {}\ndatabase = {}\n\n\
         [nginx]\nsite = {}\n{nginx}\n\
         [app]\nsource = \"app\"\nmodule = {}\nhealth = {}\n\
         memory_max = {}\ncpu_quota = {}\ntasks_max = {}\n",
        quoted(&host.host),
        host.port,
        quoted(name),
        quoted(host.login_name()),
        quoted(name),
        quoted(name),
        quoted(name),
        quoted(&squad.module),
        quoted(&squad.health),
        quoted(&squad.memory_max),
        quoted(&squad.cpu_quota),
        squad.tasks_max,
    )
}

/// The squad's answers as `class apply` uses them: read back from `squad_answers_text` with the
/// answers file's own checks, logged in as the host's login with its key. The code is the
/// squad's, not known here: a placeholder folder stands for it (its path and digest are not in
/// any sealed step: the digest is a run-time value).
pub fn squad_answers(
    host: &Answers,
    roster: &Roster,
    squad: &Squad,
) -> Result<Answers, AnswersError> {
    let (mut answers, _) =
        crate::course::answers_file::parse(&squad_answers_text(host, roster, squad))?;
    answers.key = host.key.clone();
    answers.alias = None;
    answers.root_by_key = host.root_by_key;
    answers.app.folder = Some(PathBuf::from(format!("/{}/app", squad.name)));
    answers.app.folder_digest = Some("0".repeat(64));
    Ok(answers)
}

/// The names a squad may not take on this class's server.
pub fn taken(host: &Answers) -> Vec<String> {
    let mut names = vec![
        host.login_name().to_owned(),
        host.user.clone(),
        host.nginx.site.clone(),
        host.db_role().to_owned(),
        host.db_name().to_owned(),
    ];
    names.sort();
    names.dedup();
    names
}

/// Whether the squad's account is this class's (`mark.sh`), and the mark made for a new one
/// before its first stage: an account of the same name that droplift class did not make is
/// refused (drifted), never taken over; `class remove` removes only marked squads.
pub fn mark_plans(answers: &Answers, host_site: &str) -> Result<StagePlans, PlanError> {
    let user = answer("user", UserName::parse(&answers.user))?;
    let host_site = answer("nginx.site", SiteName::parse(host_site))?;
    let script = |body: &'static str| {
        Script::new(&[body])
            .set("u", &user)
            .set("host_site", &host_site)
    };
    Ok(StagePlans {
        probe: Plan::new(vec![Step::run(
            format!("Is {user} a squad of this class, or a new name on the server?"),
            Command::root(&script(MARK))?,
        )]),
        apply: Plan::new(vec![Step::run(
            format!(
                "Mark {user} a squad of the class on {host_site} (/var/lib/droplift/class/{user}, root's)"
            ),
            Command::root(&script(MARK_APPLY))?,
        )]),
        ..StagePlans::default()
    })
}

/// The squads marked on the server (read-only), for `marked_squads`.
pub fn marked_plans() -> Result<StagePlans, PlanError> {
    Ok(StagePlans {
        probe: Plan::new(vec![Step::run(
            "Which squads has droplift class set up on this server?",
            Command::root(&Script::new(&[MARKED]))?,
        )]),
        ..StagePlans::default()
    })
}

/// The squads `marked.sh` names that the roster does not list.
pub fn unlisted_squads(output: &str, roster: &Roster) -> Vec<String> {
    output
        .lines()
        .filter_map(|line| line.trim_start_matches([' ', '|']).strip_prefix("marked|"))
        .map(str::trim)
        .filter(|name| !roster.squads.iter().any(|s| s.name == *name))
        .map(str::to_owned)
        .collect()
}

/// The squad's database, the first time: stage 5 runs with a password made for it, then the
/// squad's environment file gets DATABASE_URL (`seed_env.sh`). The probe says done when that
/// file already has it, and stage 5 is then left alone (its password would change).
pub fn database_plans(answers: &Answers) -> Result<StagePlans, PlanError> {
    let site = answer("nginx.site", SiteName::parse(&answers.nginx.site))?;
    let role = answer("postgres.role", PgRole::parse(answers.db_role()))?;
    let db = answer("postgres.database", PgDatabase::parse(answers.db_name()))?;
    let script = |body: &'static str| {
        Script::new(&[DBURL, body])
            .set("site", &site)
            .set("role", &role)
            .set("db", &db)
    };
    Ok(StagePlans {
        probe: Plan::new(vec![Step::run(
            format!("Is the database of {site} set up (a DATABASE_URL in its environment file)?"),
            Command::root(&script(DB_PROBE))?,
        )]),
        apply: Plan::new(vec![Step::run(
            format!(
                "Write DATABASE_URL for the role {role} into /var/lib/droplift/app/{site}/app.env \
                 (root's, 600): the squad's first deploy with a member's key keeps it"
            ),
            Command::root(&script(SEED_ENV))?.stdin(vec![
                StdinPart::Secret(SecretName::DbPassword),
                StdinPart::Text("\n".into()),
            ]),
        )]),
        ..StagePlans::default()
    })
}

/// A database password made on this computer for one run: 32 random letters and digits, sent
/// on stdin only, never saved (the server keeps it in the squad's environment file).
pub fn new_db_password() -> Result<crate::secret::Secret, std::io::Error> {
    use std::io::Read;
    const LETTERS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let mut bytes = [0u8; 32];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut bytes)?;
    // 62 letters: 256 % 62 leaves a bias of under 2%, harmless for 190 bits.
    let text: String = bytes
        .iter()
        .map(|b| char::from(LETTERS[usize::from(*b) % LETTERS.len()]))
        .collect();
    bytes.fill(0);
    Ok(crate::secret::Secret::new(text))
}

/// What a grader needs, copied to `dest_dir` on this computer (files of mode 600) before a
/// squad goes: its database (pg_dump's custom format) and its serving release's code (a tar).
/// `owner` is the login, who reads the hand-over copies.
pub fn save_plans(
    answers: &Answers,
    owner: &UserName,
    dest_dir: &std::path::Path,
) -> Result<StagePlans, PlanError> {
    let (site, user) = crate::course::deploy_key::site_and_user(answers)?;
    let db = answer("postgres.database", PgDatabase::parse(answers.db_name()))?;
    let download = |title: String, command: Command| Step {
        title,
        action: Action::Download {
            command,
            dest_dir: dest_dir.to_path_buf(),
        },
    };
    Ok(StagePlans {
        apply: Plan::new(vec![
            download(
                format!(
                    "Save the database {db} to this computer ({}, mode 600)",
                    dest_dir.display()
                ),
                Command::root(
                    &Script::new(&[SAVE_DB])
                        .set("site", &site)
                        .set("db", &db)
                        .set("owner", owner),
                )?,
            ),
            download(
                format!(
                    "Save the code of {site}'s serving release to this computer (a tar, mode 600)"
                ),
                Command::root(
                    &Script::new(&[SAVE_CODE])
                        .set("site", &site)
                        .set("u", &user)
                        .set("owner", owner),
                )?,
            ),
        ]),
        ..StagePlans::default()
    })
}

/// Everything of the squad on the server goes (`remove.sh`): its logins first, then nginx's
/// files (tested), units, database and role, root's state, and the account with its folders.
pub fn remove_plans(answers: &Answers) -> Result<StagePlans, PlanError> {
    let (site, user) = crate::course::deploy_key::site_and_user(answers)?;
    Ok(StagePlans {
        apply: Plan::new(vec![Step::run(
            format!(
                "Remove the squad {user} from the server: its logins, its nginx files (nginx -t \
                 before the reload), its units, its database and role, droplift's state for \
                 {site}, and its account with its home and site folder"
            ),
            Command::root(&Script::new(&[REMOVE]).set("site", &site).set("u", &user))?
                .timeout(std::time::Duration::from_secs(300)),
        )]),
        ..StagePlans::default()
    })
}

/// Where a squad is reached: its own name under the class's domain, else a path under the host
/// site's address.
pub fn address(host: &Answers, roster: &Roster, squad: &str) -> String {
    match &roster.domain {
        Some(domain) => format!("http://{squad}.{domain}/"),
        None => format!("http://{}/{squad}/", host.host),
    }
}

/// What `class check` (and the wizard's check) says of a roster that passed, before its squads.
pub fn summary(host: &Answers, roster: &Roster) -> String {
    let keys: usize = roster.squads.iter().map(|s| s.keys.len()).sum();
    format!(
        "{} squads, {keys} members' keys, on {} (set up by {}):",
        roster.squads.len(),
        host.host,
        host.login_name()
    )
}

/// A squad's members' keys, counted in words: "1 key", "3 keys".
pub fn keys_said(squad: &Squad) -> String {
    match squad.keys.len() {
        1 => "1 key".to_owned(),
        n => format!("{n} keys"),
    }
}

/// A squad of a roster that passed, as `class check` says it.
pub fn squad_line(host: &Answers, roster: &Roster, squad: &Squad) -> String {
    format!(
        "  {:<16} {:<7} {}  (limits: memory {}, CPU {}, {} tasks)",
        squad.name,
        keys_said(squad),
        address(host, roster, &squad.name),
        squad.memory_max,
        squad.cpu_quota,
        squad.tasks_max
    )
}

/// The class's board: one read-only root command over every squad (`board.sh`).
pub fn board_plans(host: &Answers, roster: &Roster) -> Result<StagePlans, PlanError> {
    let mut lines = Vec::new();
    for squad in &roster.squads {
        let (host_name, prefix) = match &roster.domain {
            Some(domain) => (format!("{}.{domain}", squad.name), "-".to_owned()),
            None if host.nginx.server_name == "_" => {
                ("localhost".to_owned(), format!("/{}", squad.name))
            }
            None => (
                host.nginx
                    .server_name
                    .split_whitespace()
                    .next()
                    .unwrap_or("localhost")
                    .to_owned(),
                format!("/{}", squad.name),
            ),
        };
        // Every part is checked (a squad's name, a health path, a server name): no spaces.
        lines.push(format!(
            "{} {} {host_name} {prefix}",
            squad.name, squad.health
        ));
    }
    let squads = crate::course::values::Made::new(lines.join("\n"));
    Ok(StagePlans {
        probe: Plan::new(vec![Step::run(
            format!(
                "The class's board: each squad's serving release, its health through nginx, its \
                 failed releases and last error ({} squads, read-only)",
                roster.squads.len()
            ),
            Command::root(&Script::new(&[BOARD]).set("squads", &squads))?,
        )]),
        ..StagePlans::default()
    })
}

/// One squad on the board.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct BoardRow {
    pub squad: String,
    /// The serving release; None before the squad's first deploy.
    pub release: Option<String>,
    /// When it went live, UTC (RFC 3339).
    pub deployed: Option<String>,
    /// The health path's HTTP status through nginx (0: no answer).
    pub health: u16,
    pub healthy: bool,
    pub failed_releases: u32,
    pub last_error: Option<String>,
}

/// The board's rows from `board.sh`'s output (its `squad|…` lines).
pub fn board_rows(output: &str) -> Vec<BoardRow> {
    output
        .lines()
        .filter_map(|line| line.trim_start_matches([' ', '|']).strip_prefix("squad|"))
        .filter_map(|rest| {
            let parts: Vec<&str> = rest.splitn(6, '|').collect();
            let [squad, release, deployed, code, failed, error] = parts[..] else {
                return None;
            };
            let health = code.trim().parse().unwrap_or(0);
            Some(BoardRow {
                squad: squad.to_owned(),
                release: (!release.is_empty()).then(|| release.to_owned()),
                deployed: deployed
                    .trim()
                    .parse::<u64>()
                    .ok()
                    .map(crate::civil::rfc3339),
                health,
                healthy: (200..300).contains(&health),
                failed_releases: failed.trim().parse().unwrap_or(0),
                last_error: (!error.trim().is_empty()).then(|| error.trim().to_owned()),
            })
        })
        .collect()
}

/// A squad's health in words: before its first release there is nothing to fail.
fn row_health(row: &BoardRow) -> String {
    match row.health {
        _ if row.release.is_none() && !row.healthy => "not yet".to_owned(),
        0 => "no answer".to_owned(),
        code if row.healthy => format!("ok {code}"),
        code => format!("FAIL {code}"),
    }
}

/// The board as a table for a terminal.
pub fn board_table(rows: &[BoardRow]) -> Vec<String> {
    let mut lines = vec![format!(
        "{:<16} {:<18} {:<21} {:<10} {:<6} {}",
        "SQUAD", "RELEASE", "DEPLOYED (UTC)", "HEALTH", "FAILED", "LAST ERROR"
    )];
    for row in rows {
        let health = row_health(row);
        lines.push(format!(
            "{:<16} {:<18} {:<21} {:<10} {:<6} {}",
            row.squad,
            row.release.as_deref().unwrap_or("(none yet)"),
            row.deployed.as_deref().map_or_else(
                || "-".to_owned(),
                |d| d.replace('T', " ").trim_end_matches('Z').to_owned()
            ),
            health,
            row.failed_releases,
            row.last_error.as_deref().unwrap_or("-")
        ));
    }
    lines
}

/// The board in 74 columns (the wizard's popup, a projector at 80×24): a row per squad, its
/// last error under it.
pub fn board_compact(rows: &[BoardRow]) -> Vec<String> {
    let mut lines = vec![format!(
        "{:<14} {:<10} {:<22} {:<11} {}",
        "SQUAD", "HEALTH", "RELEASE", "DEPLOYED", "FAILED"
    )];
    for row in rows {
        let health = row_health(row);
        // "2026-12-07T03:10:02Z" → "12-07 03:10" (UTC, said in the popup's title).
        let deployed = row.deployed.as_deref().map_or_else(
            || "-".to_owned(),
            |d| d.get(5..16).unwrap_or(d).replace('T', " "),
        );
        lines.push(format!(
            "{:<14} {:<10} {:<22} {:<11} {}",
            row.squad,
            health,
            row.release.as_deref().unwrap_or("(none yet)"),
            deployed,
            row.failed_releases
        ));
        if let Some(error) = &row.last_error {
            lines.push(format!("   last error: {error}"));
        }
    }
    lines
}

#[cfg(test)]
mod tests;
