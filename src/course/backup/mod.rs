//! Day two, backups (issue 29): the site's database dumped every night by a systemd timer on
//! the server (pg_dump's custom format, checked with pg_restore --list, in a folder only root
//! may open, the oldest removed), `droplift backup now` running that same unit at once, and
//! `droplift backup list`. The script the timer runs is root's, built here from checked values.

use crate::course::answers::Answers;
use crate::course::plan::{Action, Command, Plan, StagePlans, StdinPart, Step};
use crate::course::stages::app::site_answer;
use crate::course::stages::app::{LOCK, Layout};
use crate::course::stages::service::ServiceValues;
use crate::course::values::{Made, PgDatabase, PgRole, ServerName, SiteName, UserName};
use crate::course::{PlanError, answer};
use crate::refused::Refused;
use crate::shell::{QuoteError, Script};

const BACKUP: &str = include_str!("backup.sh");
/// `dump_db` and `thin_before`: the nightly backup's and a deploy's (before its release
/// commands) one way to dump the database.
pub const DUMP: &str = include_str!("dump.sh");
const SERVICE: &str = include_str!("backup.service");
const TIMER: &str = include_str!("backup.timer");
const PUT: &str = include_str!("put.sh");
const SCHEDULE: &str = include_str!("schedule.sh");
const NOW: &str = include_str!("now.sh");
const LIST: &str = include_str!("list.sh");
const PROBE: &str = include_str!("probe.sh");
const PULL: &str = include_str!("pull.sh");
const DRILL: &str = include_str!("drill.sh");
const DRILL_RELEASE: &str = include_str!("drill_release.sh");
const RESTORE: &str = include_str!("restore.sh");

/// What a site's backup needs, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BackupValues {
    pub site: SiteName,
    pub db: PgDatabase,
    /// The app's role (stage 5's): a drill's scratch copy is theirs, as the live database is.
    pub role: PgRole,
    /// Who logs in (and receives a pulled backup).
    pub user: UserName,
}

pub fn values(answers: &Answers) -> Result<BackupValues, PlanError> {
    Ok(BackupValues {
        site: answer("nginx.site", SiteName::parse(site_answer(answers)))?,
        db: answer("postgres.database", PgDatabase::parse(answers.db_name()))?,
        role: answer("postgres.role", PgRole::parse(answers.db_role()))?,
        user: answer("user", UserName::parse(&answers.user))?,
    })
}

/// The unit (and timer) name of the site's backup.
fn unit(v: &BackupValues) -> Made {
    Made::new(format!("droplift-backup-{}", v.site))
}

/// Where the script the timer runs is installed (root's).
fn script_path(v: &BackupValues) -> Made {
    Made::new(format!("/usr/local/lib/droplift/backup-{}", v.site))
}

/// The backup script with the site's values in its preamble: the file the server keeps.
pub fn backup_script(v: &BackupValues) -> Result<String, QuoteError> {
    Ok(format!(
        "#!/bin/bash\n{}",
        Script::new(&[DUMP, BACKUP])
            .set("site", &v.site)
            .set("db", &v.db)
            .text()?
    ))
}

fn fill(template: &str, v: &BackupValues) -> String {
    template.replace("{{site}}", v.site.as_str())
}

/// A step putting `text` at `path` with `mode` (root's file, in a root-owned folder).
fn put(title: String, path: &Made, mode: &str, text: String) -> Result<Step, QuoteError> {
    Ok(Step::run(
        title,
        Command::root(
            &Script::new(&[PUT])
                .set("path", path)
                .set("mode", &Made::new(mode)),
        )?
        .stdin(vec![StdinPart::Text(text)]),
    ))
}

/// The nightly backup set up: the script, its unit and timer written, checked and switched on.
pub fn setup_plans(v: &BackupValues) -> Result<StagePlans, QuoteError> {
    let unit = unit(v);
    let script = script_path(v);
    let probe = || -> Result<Plan, QuoteError> {
        Ok(Plan::new(vec![Step::run(
            format!("Is the nightly backup of the database {} set up?", v.db),
            Command::root(
                &Script::new(&[PROBE])
                    .set("unit", &unit)
                    .set("script_path", &script),
            )?,
        )]))
    };
    Ok(StagePlans {
        probe: probe()?,
        apply: Plan::new(vec![
            put(
                format!(
                    "Write the backup script {script} (root's): pg_dump of {}, checked with \
                     pg_restore --list,\nkept in /var/lib/droplift/backups/{} (root only), \
                     the newest of 7 days and 4 weeks",
                    v.db, v.site
                ),
                &script,
                "700",
                backup_script(v)?,
            )?,
            put(
                format!("Write the systemd unit {unit}.service that runs it"),
                &Made::new(format!("/etc/systemd/system/{unit}.service")),
                "644",
                fill(SERVICE, v),
            )?,
            put(
                format!("Write the timer {unit}.timer: every night at 3 (spread over an hour)"),
                &Made::new(format!("/etc/systemd/system/{unit}.timer")),
                "644",
                fill(TIMER, v),
            )?,
            Step::run(
                "Check both with systemd-analyze verify and switch the timer on".to_owned(),
                Command::root(&Script::new(&[SCHEDULE]).set("unit", &unit))?,
            ),
        ]),
        verify: probe()?,
    })
}

/// One backup now, by the same unit the timer starts.
pub fn now_plans(v: &BackupValues) -> Result<StagePlans, QuoteError> {
    let unit = unit(v);
    Ok(StagePlans {
        apply: Plan::new(vec![Step::run(
            format!(
                "Back up the database {} now ({unit}.service, as the timer does)",
                v.db
            ),
            Command::root(&Script::new(&[NOW]).set("unit", &unit))?
                .timeout(std::time::Duration::from_secs(1800)),
        )]),
        ..StagePlans::default()
    })
}

/// The site's backups and the timer's last and next run (changes nothing).
pub fn list_plans(v: &BackupValues) -> Result<StagePlans, QuoteError> {
    Ok(StagePlans {
        probe: Plan::new(vec![Step::run(
            format!("The backups of {} on the server", v.site),
            Command::root(
                &Script::new(&[LIST])
                    .set("site", &v.site)
                    .set("unit", &unit(v)),
            )?,
        )]),
        ..StagePlans::default()
    })
}

/// The newest backup copied to `dest_dir` on this computer (mode 600).
pub fn pull_plans(v: &BackupValues, dest_dir: &std::path::Path) -> Result<StagePlans, QuoteError> {
    Ok(StagePlans {
        apply: Plan::new(vec![Step {
            title: format!(
                "Copy the newest backup of {} to this computer ({})",
                v.db,
                dest_dir.display()
            ),
            action: Action::Download {
                command: Command::root(
                    &Script::new(&[PULL])
                        .set("site", &v.site)
                        .set("owner", &v.user),
                )?,
                dest_dir: dest_dir.to_path_buf(),
            },
        }]),
        ..StagePlans::default()
    })
}

/// A backup's file name as `droplift backup list` shows it (`DB-STAMP.dump`): checked, so it
/// names a file in the site's backup folder and nothing else.
pub fn backup_name(text: &str) -> Result<Made, Refused> {
    let text = text.trim();
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
    if text.is_empty() {
        return Err(Refused::new(
            "name the backup, as `droplift backup list` shows it",
        ));
    }
    if !text.ends_with(".dump") || text.starts_with('.') || !text.chars().all(allowed) {
        return Err(Refused::new(format!(
            "{text:?} is not a backup's name: `droplift backup list` shows them, e.g. \
             items-db-20261206T030512Z.dump"
        )));
    }
    Ok(Made::new(text))
}

/// A restore drill: `backup` restored into a scratch database and compared with the live one,
/// table by table; with the app's answers (`app`), the release serving now is started against
/// the copy on a socket of its own and asked its health path. The site is never touched.
pub fn drill_plans(
    v: &BackupValues,
    backup: &Made,
    app: Option<&ServiceValues>,
) -> Result<StagePlans, QuoteError> {
    let (script, then) = match app {
        Some(app) => (
            crate::course::stages::service::smoke_script_of(app, &[DRILL_RELEASE, DRILL])
                .set("release_check", &Made::new("yes"))
                .set("role", &v.role),
            format!(
                ",
then start the release serving now against it on a socket of its own and ask \
                 GET {} there",
                app.health.path
            ),
        ),
        None => (
            Script::new(&[DRILL]).set("release_check", &Made::new("no")),
            String::new(),
        ),
    };
    Ok(StagePlans {
        apply: Plan::new(vec![Step::run(
            format!(
                "Restore {backup} into a scratch database beside {} and count its rows{then} \
                 (then remove everything scratch)",
                v.db
            ),
            Command::root(
                &script
                    .set("site", &v.site)
                    .set("db", &v.db)
                    .set("backup", backup),
            )?,
        )]),
        ..StagePlans::default()
    })
}

/// A real restore of `backup` into the site's database (the state before kept as a backup,
/// the app stopped meanwhile and asked on `health` afterwards, everything put back when it does
/// not answer).
pub fn restore_plans(
    v: &BackupValues,
    backup: &Made,
    server_name: &ServerName,
    health: &crate::course::values::HealthPath,
) -> Result<StagePlans, QuoteError> {
    let layout = Layout::new(&v.site, &v.user);
    // pg_restore of a big database, and the backup of the present state before it: up to
    // half an hour.
    let command = Command::root(
        &layout
            .with_site(Script::new(&[LOCK, RESTORE]), &[LOCK, RESTORE])
            .set("site", &v.site)
            .set("db", &v.db)
            .set("backup", backup)
            .set("server_name", server_name)
            .set("health", health),
    )?
    .timeout(std::time::Duration::from_secs(1800));
    Ok(StagePlans {
        apply: Plan::new(vec![Step::run(
            format!(
                "Restore {backup} into {}: a backup of the present state first, the app \
                 stopped meanwhile,\nthen GET {health} through nginx (if it fails, the present \
                 state is put back)",
                v.db
            ),
            command,
        )]),
        ..StagePlans::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> BackupValues {
        BackupValues {
            site: SiteName::parse("items-rest").expect("site"),
            db: PgDatabase::parse("items-db").expect("db"),
            role: PgRole::parse("items").expect("role"),
            user: UserName::parse("erin").expect("user"),
        }
    }

    #[test]
    fn the_installed_script_names_the_site_and_database_in_its_preamble_only() {
        let text = backup_script(&sample()).expect("script");
        assert!(text.starts_with("#!/bin/bash\n"));
        assert!(text.contains("\nsite=items-rest\n"), "{text}");
        assert!(text.contains("\ndb=items-db\n"), "{text}");
        assert!(text.contains("pg_restore --list"));
    }

    #[test]
    fn a_backup_name_names_a_file_in_the_folder_and_nothing_else() {
        assert!(backup_name("items-db-20261206T030512Z.dump").is_ok());
        for bad in [
            "",
            "../x.dump",
            "a/b.dump",
            ".x.dump",
            "x.sql",
            "x y.dump",
            "x;rm.dump",
        ] {
            assert!(backup_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_unit_and_timer_are_filled_for_the_site() {
        let v = sample();
        let service = fill(SERVICE, &v);
        assert!(service.contains("ExecStart=/usr/local/lib/droplift/backup-items-rest"));
        assert!(!service.contains("{{"));
        let timer = fill(TIMER, &v);
        assert!(timer.contains("Persistent=true") && !timer.contains("{{"));
    }
}
