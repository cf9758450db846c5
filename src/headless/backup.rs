//! `droplift backup now` and `droplift backup list` (issue 29): the nightly backup of the
//! site's database set up on the server when it is not yet, one taken at once by the same unit
//! the timer starts, and the list of what the server keeps.

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
