//! `droplift backup now` and `droplift backup list` (issue 29): the nightly backup of the
//! site's database set up on the server when it is not yet, one taken at once by the same unit
//! the timer starts, and the list of what the server keeps.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::apply::{LoginArgs, connect, report};
use super::deploy::AppOverrides;
use super::{HeadlessError, load_answers_with};
use crate::course::{self, StageId, backup};
use crate::runner::Outcome;

#[derive(Debug, Subcommand)]
pub enum BackupCommand {
    /// Set up the nightly backup of the site's database (a systemd timer) if it is not yet,
    /// and take one now, as the timer would.
    Now(BackupArgs),
    /// List the backups the server keeps, and when the timer ran last and runs next.
    List(BackupArgs),
    /// Copy the newest backup to this computer (droplift's data folder, mode 600): a copy that
    /// survives the droplet.
    Pull(BackupArgs),
}

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// The answers file (TOML).
    #[arg(long, value_name = "FILE")]
    pub answers: PathBuf,
    #[command(flatten)]
    pub login: LoginArgs,
}

/// The backups run under the database's stage: its name is on any failure they report.
const STAGE: StageId = StageId::Postgres;

pub fn run(command: &BackupCommand) -> Result<i32, HeadlessError> {
    match command {
        BackupCommand::Now(args) => now(args),
        BackupCommand::List(args) => list(args),
        BackupCommand::Pull(args) => pull(args),
    }
}

fn now(args: &BackupArgs) -> Result<i32, HeadlessError> {
    let answers = load_answers_with(&args.answers, &AppOverrides::default())?;
    let values = backup::values(&answers)?;
    let setup = backup::setup_plans(&values).map_err(course::PlanError::from)?;
    let once = backup::now_plans(&values).map_err(course::PlanError::from)?;
    let mut session = connect(answers, &args.login, &[], false)?;
    println!("\n== The nightly backup of {} ==", values.db);
    let outcome = session.run_plans(STAGE, &setup, false)?;
    if !report(STAGE, outcome, &session.answers) {
        return Ok(1);
    }
    println!("\n== A backup now ==");
    let outcome = session.run_plans(STAGE, &once, false)?;
    Ok(i32::from(!report(STAGE, outcome, &session.answers)))
}

fn list(args: &BackupArgs) -> Result<i32, HeadlessError> {
    let answers = load_answers_with(&args.answers, &AppOverrides::default())?;
    let values = backup::values(&answers)?;
    let plans = backup::list_plans(&values).map_err(course::PlanError::from)?;
    let mut session = connect(answers, &args.login, &[], true)?;
    match session.run_plans(STAGE, &plans, false)? {
        Outcome::AlreadyDone(_) | Outcome::Pending(_) => Ok(0),
        other => Ok(i32::from(!report(STAGE, other, &session.answers))),
    }
}

fn pull(args: &BackupArgs) -> Result<i32, HeadlessError> {
    let answers = load_answers_with(&args.answers, &AppOverrides::default())?;
    let values = backup::values(&answers)?;
    let data = crate::state::data_dir().ok_or(HeadlessError::NoDataDir)?;
    let dest = data
        .join("backups")
        .join(&answers.host)
        .join(values.site.as_str());
    let plans = backup::pull_plans(&values, &dest).map_err(course::PlanError::from)?;
    let mut session = connect(answers, &args.login, &[], false)?;
    println!("\n== The newest backup of {} ==", values.db);
    let outcome = session.run_plans(STAGE, &plans, false)?;
    Ok(i32::from(!report(STAGE, outcome, &session.answers)))
}

#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// The answers file (TOML).
    #[arg(long, value_name = "FILE")]
    pub answers: PathBuf,
    /// The backup, as `droplift backup list` names it.
    pub backup: String,
    /// Only prove the backup: restore it into a scratch database and compare it with the live
    /// one, table by table. The site is not touched.
    #[arg(long)]
    pub drill: bool,
    /// The site's name, to restore without being asked to type it (the live data is replaced).
    #[arg(long, value_name = "SITE")]
    pub confirm: Option<String>,
    #[command(flatten)]
    pub login: LoginArgs,
}

/// `droplift restore BACKUP [--drill]`.
pub fn restore(args: &RestoreArgs) -> Result<i32, HeadlessError> {
    let answers = load_answers_with(&args.answers, &AppOverrides::default())?;
    let values = backup::values(&answers)?;
    let name = backup::backup_name(&args.backup)
        .map_err(|m| HeadlessError::Invalid(format!("BACKUP: {m}")))?;
    if args.drill {
        // With the app's answers, the release serving now is started on the copy too.
        let app = course::stages::service::values(&answers).ok();
        let plans =
            backup::drill_plans(&values, &name, app.as_ref()).map_err(course::PlanError::from)?;
        let mut session = connect(answers, &args.login, &[], false)?;
        println!("\n== A restore drill of {name} (the site is not touched) ==");
        let outcome = session.run_plans(STAGE, &plans, false)?;
        return Ok(i32::from(!report(STAGE, outcome, &session.answers)));
    }
    super::deploy::require_health(&answers, &args.answers)?;
    let health = course::stages::app::health::health(&answers)?;
    let server_name = course::answer(
        "nginx.server_name",
        course::values::ServerName::parse(&answers.nginx.server_name),
    )?;
    let site = values.site.as_str();
    let confirmed = match &args.confirm {
        Some(given) => given.trim() == site,
        None if args.login.secrets_stdin || !std::io::stdin().is_terminal() => {
            return Err(HeadlessError::Invalid(format!(
                "a restore replaces the live data of {site}: give --confirm {site} (or run it \
                 in a terminal, which asks)"
            )));
        }
        None => ask_site(site),
    };
    if !confirmed {
        return Err(HeadlessError::Invalid(format!(
            "--confirm: the site is {site}; nothing was restored"
        )));
    }
    let plans = backup::restore_plans(&values, &name, &server_name, &health.path)
        .map_err(course::PlanError::from)?;
    let mut session = connect(answers, &args.login, &[], false)?;
    println!("\n== Restore {name} into {} ==", values.db);
    let outcome = session.run_plans(STAGE, &plans, false)?;
    Ok(i32::from(!report(STAGE, outcome, &session.answers)))
}

/// Asks on the terminal to type the site's name; true when it was typed exactly.
fn ask_site(site: &str) -> bool {
    use std::io::Write;
    print!(
        "A restore replaces the live data of {site} (a backup of it is taken first). Type the \
         site's name to go on: "
    );
    let _ = std::io::stdout().flush();
    let mut line = String::new();
    let _ = std::io::stdin().read_line(&mut line);
    line.trim() == site
}
