//! `droplift logs`: the app's logs on the server, read-only, through the same login and plan
//! machinery as `droplift releases` (one read-only command as root; the redactor sees every
//! line, so a secret droplift knows is never printed).

use std::path::PathBuf;

use clap::Args;

use super::HeadlessError;
use super::apply::{LoginArgs, report};
use crate::course::plan::{Plan, StagePlans, Step};
use crate::course::stages::service;
use crate::course::{self, StageId};
use crate::runner::Outcome;

#[derive(Debug, Args)]
pub struct LogsArgs {
    /// The answers file (TOML).
    #[arg(long, value_name = "FILE")]
    pub answers: PathBuf,
    /// How many of the newest lines of each log to show.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=i64::from(service::MAX_LOG_LINES)))]
    pub lines: u32,
    /// Keep printing new lines as they come (Ctrl-C stops).
    #[arg(long, short = 'f')]
    pub follow: bool,
    #[command(flatten)]
    pub key: super::deploy::DeployKeyArg,
    #[command(flatten)]
    pub login: LoginArgs,
}

/// Prints the site's uWSGI journal, its uWSGI log and nginx's error lines for it.
pub fn logs(args: &LogsArgs) -> Result<i32, HeadlessError> {
    // Its server, login and names only: a folder source is not read (a squad's file names
    // one that is not on every member's computer, and the logs do not need it).
    let answers = super::load_answers_for_login(&args.answers)?;
    let values = service::values(&answers)?;
    let command = service::logs_command(&values.site, &values.user, args.lines, args.follow)
        .map_err(course::PlanError::from)?;
    let plans = StagePlans {
        probe: Plan::new(vec![Step::run(
            format!("The logs of {} on the server", values.site),
            command,
        )]),
        ..StagePlans::default()
    };
    let mut session = super::deploy::login(answers, &args.login, &args.key, &[], true)?;
    match session.run_plans(StageId::Service, &plans, false)? {
        Outcome::AlreadyDone(_) => Ok(0),
        other => Ok(i32::from(!report(
            StageId::Service,
            other,
            &session.answers,
        ))),
    }
}
