//! `droplift env list`, `env set NAME` and `env unset NAME` (issue 26): the app's settings on
//! the server, by name; a value only ever travels on stdin, as the app's secret settings do.

use std::io::{IsTerminal, Read};
use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::apply::{LoginArgs, connect, connect_with, gather_secrets, report};
use super::deploy::{AppOverrides, require_health};
use super::{HeadlessError, load_answers_with};
use crate::course::env::{self as env_plans, Change, Origin};
use crate::course::values::EnvName;
use crate::course::{self, StageId, stages::service};
use crate::runner::Outcome;
use crate::secret::{Redactor, Secret, SecretName, Secrets};

#[derive(Debug, Subcommand)]
pub enum EnvCommand {
    /// The names in the app's environment on the server and where each comes from (the
    /// answers' [app.env], [app] secrets, droplift, or set by hand); never a value.
    List(ListArgs),
    /// Set one setting (or rotate a secret one) on the server. The value comes from stdin:
    /// an `env.NAME=value` line with --secrets-stdin, else asked without echo.
    Set(ChangeArgs),
    /// Remove one setting from the server's environment file.
    Unset(ChangeArgs),
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// The answers file (TOML).
    #[arg(long, value_name = "FILE")]
    pub answers: PathBuf,
    #[command(flatten)]
    pub login: LoginArgs,
}

#[derive(Debug, Args)]
pub struct ChangeArgs {
    /// The setting's name, e.g. SECRET_KEY.
    pub name: String,
    /// The answers file (TOML).
    #[arg(long, value_name = "FILE")]
    pub answers: PathBuf,
    /// Restart the app with the new environment now: the release serving goes live again in
    /// the other slot (no request dropped; if it fails, the one serving serves on, unchanged).
    /// Without it, the next deploy (or a later --restart) picks the change up.
    #[arg(long)]
    pub restart: bool,
    #[command(flatten)]
    pub login: LoginArgs,
}

/// The settings' commands run under the app's stage: its name is on any failure they report
/// (a restart's go-live under the service's).
const STAGE: StageId = StageId::App;

pub fn run(command: &EnvCommand) -> Result<i32, HeadlessError> {
    match command {
        EnvCommand::List(args) => list(args),
        EnvCommand::Set(args) => change(args, Change::Set),
        EnvCommand::Unset(args) => change(args, Change::Unset),
    }
}

fn list(args: &ListArgs) -> Result<i32, HeadlessError> {
    let answers = load_answers_with(&args.answers, &AppOverrides::default())?;
    let values = env_plans::values(&answers)?;
    let plans = env_plans::list_plans(&values).map_err(course::PlanError::from)?;
    let mut session = connect(answers, &args.login, &[], true)?;
    println!("\n== The app's settings on the server (names only) ==");
    match session.run_plans(STAGE, &plans, false)? {
        Outcome::AlreadyDone(_) | Outcome::Pending(_) => Ok(0),
        other => Ok(i32::from(!report(STAGE, other, &session.answers))),
    }
}

/// A NAME the command line gave, refused as `NAME: why`.
fn name_error(refused: impl std::fmt::Display) -> HeadlessError {
    HeadlessError::Invalid(format!("NAME: {refused}"))
}

fn change(args: &ChangeArgs, change: Change) -> Result<i32, HeadlessError> {
    let mut answers = load_answers_with(&args.answers, &AppOverrides::default())?;
    let (name, origin) = env_plans::check_name(&answers, &args.name).map_err(name_error)?;
    let values = env_plans::values(&answers)?;
    let service = if args.restart {
        require_health(&answers, &args.answers)?;
        // The restart starts the serving release with the uwsgi.ini it went live with: the
        // entry point is not asked, so one droplift would detect in a folder is not needed.
        if answers.app.module.is_empty() {
            "app:app".clone_into(&mut answers.app.module);
        }
        Some(service::values(&answers)?)
    } else {
        None
    };
    let plans = env_plans::change_plans(&values, &name, change, service.as_ref())
        .map_err(course::PlanError::from)?;
    let redactor = Redactor::new();
    let secrets = gather(args, &answers, &name, origin, change, &redactor)?;
    let mut session = connect_with(answers, &args.login, secrets, redactor, false)?;
    println!(
        "\n== {} {name} on the server{} ==",
        match change {
            Change::Set => "Set",
            Change::Unset => "Unset",
        },
        if args.restart {
            ", then restart the app with it"
        } else {
            ""
        }
    );
    let stage = if args.restart {
        StageId::Service
    } else {
        STAGE
    };
    let outcome = session.run_plans(stage, &plans, false)?;
    if !report(stage, outcome, &session.answers) {
        return Ok(1);
    }
    match (args.restart, change, origin) {
        (true, _, _) => println!("The app serving has the new environment."),
        (false, Change::Unset, Origin::Secret) => println!(
            "{name} is in [app] secrets: the next `droplift deploy` makes a new random value \
             for it unless one is given (env.{name}= on --secrets-stdin)."
        ),
        (false, _, _) => println!(
            "The app serving keeps the values it started with: the next `droplift deploy`, or \
             `droplift env {} {name} --answers {} --restart`, picks the change up.",
            match change {
                Change::Set => "set",
                Change::Unset => "unset",
            },
            args.answers.display()
        ),
    }
    Ok(0)
}

/// The login's secrets and, for `set`, NAME's value: from `--secrets-stdin` (the login's lines
/// and one `env.NAME=value` line), else asked on the terminal without echo. The value is taken
/// out of stdin's text before the login's lines are parsed (`secrets::parse` holds `env.` lines
/// to `[app] secrets`' rule, and a setting set by hand may be short), checked, and handed on as
/// the one `NAME=value` line of the app's secret settings: the redactor knows it from here on.
fn gather(
    args: &ChangeArgs,
    answers: &course::answers::Answers,
    name: &EnvName,
    origin: Origin,
    change: Change,
    redactor: &Redactor,
) -> Result<Secrets, HeadlessError> {
    let prefix = format!("env.{name}=");
    if args.login.secrets_stdin {
        let mut bytes = Vec::new();
        std::io::stdin()
            .lock()
            .read_to_end(&mut bytes)
            .map_err(|e| HeadlessError::Secrets(super::secrets::SecretsError::Stdin(e)))?;
        let text = Secret::new(String::from_utf8(bytes).map_err(|_| {
            HeadlessError::Invalid("--secrets-stdin: stdin is not valid UTF-8".into())
        })?);
        let mut rest = String::new();
        let mut value: Option<Secret> = None;
        for line in text.expose().split('\n') {
            let line = line.strip_suffix('\r').unwrap_or(line);
            if let Some(v) = line.strip_prefix(&prefix) {
                let v = Secret::new(v);
                redactor.add(&v);
                value = Some(v);
            } else if line.trim_start().starts_with("env.") {
                return Err(HeadlessError::Invalid(format!(
                    "--secrets-stdin: only {prefix}… is read by `droplift env`; leave the other \
                     env. lines out"
                )));
            } else {
                rest.push_str(line);
                rest.push('\n');
            }
        }
        let rest = Secret::new(rest);
        let mut secrets = super::secrets::parse(rest.expose().as_bytes(), redactor)?;
        if !secrets.contains(SecretName::RootPassword)
            && !secrets.contains(SecretName::UserPassword)
            && !answers.root_by_key
        {
            return Err(HeadlessError::NoLoginSecret);
        }
        match (change, value) {
            (Change::Set, Some(value)) => take_value(&mut secrets, name, origin, &value, redactor)?,
            (Change::Set, None) => {
                return Err(HeadlessError::Invalid(format!(
                    "--secrets-stdin: no {prefix}… line: the value comes on stdin, never on the \
                     command line"
                )));
            }
            (Change::Unset, Some(_)) => {
                return Err(HeadlessError::Invalid(format!(
                    "--secrets-stdin: `env unset` takes no value: leave the {prefix}… line out"
                )));
            }
            (Change::Unset, None) => {}
        }
        return Ok(secrets);
    }
    if !std::io::stdin().is_terminal() {
        return Err(HeadlessError::NoTerminal);
    }
    let mut secrets = gather_secrets(&args.login, &[], false, answers, redactor)?;
    if change == Change::Set {
        let value = super::secrets::ask(&format!("value of {name} (not shown): "))?;
        redactor.add(&value);
        take_value(&mut secrets, name, origin, &value, redactor)?;
    }
    Ok(secrets)
}

/// Checks NAME's value (the message never holds it) and keeps it as the one `NAME=value` line.
fn take_value(
    secrets: &mut Secrets,
    name: &EnvName,
    origin: Origin,
    value: &Secret,
    redactor: &Redactor,
) -> Result<(), HeadlessError> {
    env_plans::check_value(name, origin, value.expose())
        .map_err(|m| HeadlessError::Invalid(format!("the value of {m}")))?;
    secrets.set_app_secret(name.as_str(), value, redactor);
    Ok(())
}
