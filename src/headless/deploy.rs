//! `droplift deploy`, `releases` and `rollback`: ship a new release without redoing the setup
//! stages (they are only checked), list the releases, and put the previous one back.

use std::path::{Path, PathBuf};

use clap::Args;

use super::apply::{LoginArgs, connect, connect_with_key, report};
use super::{HeadlessError, load_answers_with};
use crate::course::answers::{AnswerError, Answers, AnswersError};
use crate::course::plan::{StagePlans, Step};
use crate::course::stages::app::rules::{self, SourceKind};
use crate::course::stages::{app, service};
use crate::course::values::ReleaseName;
use crate::course::{self, StageId};
use crate::refused::Refused;
use crate::runner::Outcome;

/// `[app]` values given on the command line instead of the answers file.
#[derive(Debug, Default, Args)]
pub struct AppOverrides {
    /// Deploy this branch or tag (a git source), e.g. v1.1.0.
    #[arg(long = "ref", value_name = "TAG")]
    pub git_ref: Option<String>,
    /// Deploy from here instead of `[app] source`: a git URL or a folder on this computer.
    #[arg(long, value_name = "URL_OR_FOLDER")]
    pub source: Option<String>,
    /// The app's health path instead of `[app] health`, e.g. /store: the smoke test asks it
    /// before the release goes live (2xx is healthy).
    #[arg(long, value_name = "PATH")]
    pub health: Option<String>,
}

/// `--deploy-key FILE`: log in with the site's deploy key instead of your own login.
#[derive(Debug, Default, Args)]
pub struct DeployKeyArg {
    /// Log in with the site's deploy key (made by `droplift deploy-key`): no password is asked,
    /// and the key may only ship, roll back, list this site's releases and read its logs.
    #[arg(long, value_name = "FILE")]
    pub deploy_key: Option<PathBuf>,
}

/// Logs in with the deploy key when one is given, else as `apply` does.
pub(super) fn login(
    answers: Answers,
    args: &LoginArgs,
    key: &DeployKeyArg,
    stages: &[StageId],
    probe_only: bool,
) -> Result<super::session::Session, HeadlessError> {
    match &key.deploy_key {
        Some(file) => connect_with_key(answers, args, file),
        None => connect(answers, args, stages, probe_only),
    }
}

#[derive(Debug, Args)]
pub struct DeployArgs {
    /// The answers file (TOML); see assets/answers.example.toml.
    #[arg(long, value_name = "FILE")]
    pub answers: PathBuf,
    #[command(flatten)]
    pub app: AppOverrides,
    #[command(flatten)]
    pub key: DeployKeyArg,
    #[command(flatten)]
    pub login: LoginArgs,
}

#[derive(Debug, Args)]
pub struct ReleasesArgs {
    /// The answers file (TOML).
    #[arg(long, value_name = "FILE")]
    pub answers: PathBuf,
    #[command(flatten)]
    pub key: DeployKeyArg,
    #[command(flatten)]
    pub login: LoginArgs,
}

#[derive(Debug, Args)]
pub struct RollbackArgs {
    /// The answers file (TOML).
    #[arg(long, value_name = "FILE")]
    pub answers: PathBuf,
    /// The release to serve (as `droplift releases` names it); default: the previous good one.
    pub release: Option<String>,
    #[command(flatten)]
    pub key: DeployKeyArg,
    #[command(flatten)]
    pub login: LoginArgs,
}

/// Puts command-line values over the answers file's. A folder given on the command line is
/// relative to the current folder, so it is made absolute here. A refused value is named by
/// its flag.
pub fn apply_overrides(
    answers: &mut Answers,
    overrides: &AppOverrides,
) -> Result<(), HeadlessError> {
    if let Some(source) = &overrides.source {
        let source = source.trim();
        match rules::source_kind(source) {
            SourceKind::Git => rules::validate_git_url(source).map_err(|m| flag("--source", m))?,
            SourceKind::Folder => {
                let cwd = std::env::current_dir().unwrap_or_default();
                answers.app.source = app::folder_path(source, &crate::home::home_dir(), &cwd)
                    .display()
                    .to_string();
                answers.app.source_line = 0;
                return apply_ref(answers, overrides);
            }
            SourceKind::Sample => {}
        }
        answers.app.source = source.to_owned();
        answers.app.source_line = 0;
    }
    apply_ref(answers, overrides)
}

fn apply_ref(answers: &mut Answers, overrides: &AppOverrides) -> Result<(), HeadlessError> {
    if let Some(git_ref) = &overrides.git_ref {
        rules::validate_git_ref(git_ref).map_err(|m| flag("--ref", m))?;
        answers.app.git_ref = git_ref.clone();
    }
    if let Some(health) = &overrides.health {
        let health = health.trim();
        app::health::validate_health_path(health).map_err(|m| flag("--health", m))?;
        answers.app.health = health.to_owned();
        answers.app.health_line = 0;
    }
    Ok(())
}

/// Whether any of `stages` asks the health path: the service stage's smoke test, and the
/// domain stage's HTTPS check when there is a domain.
pub fn needs_health(stages: &[StageId], answers: &Answers) -> bool {
    stages.contains(&StageId::Service)
        || (stages.contains(&StageId::Domain) && answers.domain.is_some())
}

/// Before anything connects: the student's own app (not the sample) must name its health path,
/// or the smoke test would have nothing to ask. The error names `app.health` at its line (or
/// the line of `source`, which made it needed), with the fix and the routes seen in the code.
pub fn require_health(answers: &Answers, answers_path: &Path) -> Result<(), HeadlessError> {
    let Err(course::PlanError::Answer { key, message }) = app::health::health(answers) else {
        return Ok(());
    };
    let app = &answers.app;
    let line = if app.health_line > 0 {
        app.health_line
    } else {
        app.source_line
    };
    if line == 0 {
        return Err(HeadlessError::Invalid(format!(
            "{key}: {message} (or give --health PATH)"
        )));
    }
    Err(HeadlessError::Answers {
        path: answers_path.to_path_buf(),
        cause: AnswersError::Invalid(vec![AnswerError {
            key: key.into(),
            line,
            message: message.into(),
        }]),
    })
}

/// A command-line value refused, as `--flag: why`.
fn flag(flag: &str, refused: Refused) -> HeadlessError {
    HeadlessError::Invalid(format!("{flag}: {refused}"))
}

/// For a folder source: packs the folder (relative paths from the answers file's folder), finds
/// the entry point when `[app] module` is not given (so for the sample app too), and checks it
/// holds requirements.txt and the module, recording its digest for the plans. An error names
/// `app.source` and its line, or `--source` when it came from the command line.
pub fn read_folder(
    answers: &mut Answers,
    answers_path: &Path,
    relative_to: &Path,
    home: &Path,
) -> Result<(), HeadlessError> {
    match rules::source_kind(&answers.app.source) {
        SourceKind::Folder => {}
        SourceKind::Sample => {
            if !answers.app.module_given {
                if let Ok(found) = app::entry::sample() {
                    answers.app.module = found.module;
                    answers.app.module_found = Some(found.reason);
                }
            }
            return Ok(());
        }
        // The code is on the server only once cloned: app:app unless [app] module says.
        SourceKind::Git => return Ok(()),
    }
    let folder = app::folder_path(&answers.app.source, home, relative_to);
    let line = answers.app.source_line;
    let fail = |message: String| {
        if line == 0 {
            return HeadlessError::Invalid(format!("--source: {message}"));
        }
        HeadlessError::Answers {
            path: answers_path.to_path_buf(),
            cause: AnswersError::Invalid(vec![AnswerError {
                key: "app.source".into(),
                line,
                message,
            }]),
        }
    };
    crate::source::read_app_folder(answers, folder).map_err(fail)
}

/// `droplift deploy`: checks the setup stages (a drifted one stops the deploy), then runs the
/// app and service stages: a new release, live only once the smoke test passes.
pub fn deploy(args: &DeployArgs) -> Result<i32, HeadlessError> {
    let answers = load_answers_with(&args.answers, &args.app)?;
    require_health(&answers, &args.answers)?;
    let setup: Vec<StageId> = StageId::ALL
        .into_iter()
        .filter(|s| *s < StageId::App)
        .collect();
    let ship = [StageId::App, StageId::Service];
    // Saved like `apply` saves: the wizard and `status` see what the deploy found and did.
    let mut saved = super::Saved::load()?;
    let mut session = login(answers, &args.login, &args.key, &ship, false)?;
    if args.key.deploy_key.is_some() {
        println!(
            "\n== The setup stages are not checked: the deploy key may only ship this site \
             (`droplift status` checks them with your own login) =="
        );
    } else {
        println!("\n== Checking the setup stages (nothing is changed) ==");
    }
    for stage in setup.into_iter().filter(|_| args.key.deploy_key.is_none()) {
        let verdict = session.run_stage(stage, true)?;
        saved.record(&session.answers, stage, verdict.status(), &verdict.note());
        match verdict {
            Outcome::Drifted(why) => {
                println!(
                    "FAILED: stage {} ({}) has drifted: {why}. Nothing was deployed; run \
                     `droplift apply` to see and fix it.",
                    stage.key(),
                    stage.title()
                );
                return Ok(1);
            }
            Outcome::AlreadyDone(_) => println!("  {:<20} done", stage.title()),
            Outcome::Skipped(why) => println!("  {:<20} skipped ({why})", stage.title()),
            Outcome::Pending(why) => println!("  {:<20} pending ({why})", stage.title()),
            other => println!("  {:<20} {other:?}", stage.title()),
        }
    }
    // With the deploy key, the root steps that need nothing from this computer between them run
    // as one sealed command each (`course::joint`): the same steps and headings, a login through
    // the gate, sudo and the helper spared for each. Not with the student's own login: there a
    // command travels whole in one SSH packet (at most 35000 bytes), and a joint is bigger.
    session.join = args.key.deploy_key.is_some();
    for stage in ship {
        println!("\n== Stage {}: {} ==", stage.index() + 1, stage.title());
        say_entry_point(stage, &session.answers);
        let outcome = session.run_stage(stage, false)?;
        saved.record(&session.answers, stage, outcome.status(), &outcome.note());
        if !report(stage, outcome, &session.answers) {
            return Ok(1);
        }
    }
    // Only for the answers file as it is: a --source or --health given here is for this deploy
    // (a folder from this computer, while CI ships tags), not what the key should ship.
    if args.key.deploy_key.is_none() && args.app.source.is_none() && args.app.health.is_none() {
        return reseal(&mut session);
    }
    Ok(0)
}

/// After a deploy with the student's own login: when this computer holds the site's deploy key,
/// its sealed steps follow the answers just deployed, so the key keeps working after an answer
/// changed (without it, its next deploy would be refused until `deploy-key` ran again).
fn reseal(session: &mut super::session::Session) -> Result<i32, HeadlessError> {
    let answers = session.answers.clone();
    let (site, user) = course::deploy_key::site_and_user(&answers)?;
    let Some(data) = crate::state::data_dir() else {
        return Ok(0);
    };
    let key = course::deploy_key::key_path(&data, &answers.host, &site);
    let Ok(text) = std::fs::read_to_string(crate::keyfile::public_key(&key)) else {
        return Ok(0);
    };
    let line = course::deploy_key::public_key_line(&text).map_err(HeadlessError::Invalid)?;
    println!("\n== The deploy key of {site}: its sealed steps follow these answers ==");
    let plans = course::deploy_key::install_plans(&answers, &site, &user, &line)?;
    let outcome = session.run_plans(StageId::Service, &plans, false)?;
    Ok(i32::from(!report(
        StageId::Service,
        outcome,
        &session.answers,
    )))
}

/// Under stage 8's heading: the entry point droplift chose, and from what, when `[app] module`
/// did not say.
pub fn say_entry_point(stage: StageId, answers: &Answers) {
    if let (StageId::App, Some(why)) = (stage, &answers.app.module_found) {
        println!(
            "The app's entry point: {} ({why}; [app] module chooses another)",
            answers.app.module
        );
    }
    if stage == StageId::App {
        for proposal in &answers.app.proposed {
            println!("Proposed from your code: {proposal}");
        }
    }
}

/// The site's values for releases and rollback.
fn service_values(answers: &Answers) -> Result<service::ServiceValues, HeadlessError> {
    Ok(service::values(answers)?)
}

/// `droplift releases`: every release, newest first, with its mark and which one serves.
pub fn releases(args: &ReleasesArgs) -> Result<i32, HeadlessError> {
    // Names only: a folder source is not needed to list releases.
    let answers = super::load_answers_for_login(&args.answers)?;
    let values = service_values(&answers)?;
    let command =
        service::releases_command(&values.site, &values.user).map_err(course::PlanError::from)?;
    let plans = StagePlans {
        probe: course::plan::Plan::new(vec![Step::run(
            format!("The releases of {} on the server", values.site),
            command,
        )]),
        ..StagePlans::default()
    };
    let mut session = login(answers, &args.login, &args.key, &[], true)?;
    match session.run_plans(StageId::Service, &plans, false)? {
        Outcome::AlreadyDone(current) => {
            println!(
                "({})",
                if current.is_empty() {
                    "nothing serves yet".into()
                } else {
                    current
                }
            );
            Ok(0)
        }
        other => Ok(i32::from(!report(
            StageId::Service,
            other,
            &session.answers,
        ))),
    }
}

/// `droplift rollback`: `current` back to the previous good release (or the one named), the
/// service restarted and smoke-tested; if that fails, the release serving now stays.
pub fn rollback(args: &RollbackArgs) -> Result<i32, HeadlessError> {
    let answers = load_answers_with(&args.answers, &AppOverrides::default())?;
    require_health(&answers, &args.answers)?;
    let release = match &args.release {
        Some(name) => Some(ReleaseName::parse(name).map_err(|m| HeadlessError::Invalid(m.into()))?),
        None => None,
    };
    let values = service_values(&answers)?;
    let mut saved = super::Saved::load()?;
    let mut session = login(answers, &args.login, &args.key, &[], false)?;
    // "The previous good release" is named once, before anything changes: a check run again
    // after a dropped connection then asks whether that release serves, not which one is
    // before the one serving by then (the rollback itself).
    let release = match release {
        Some(name) => Some(name),
        None => {
            let probe = service::rollback_plans(&values, None).map_err(course::PlanError::from)?;
            let only = StagePlans {
                probe: probe.probe,
                ..StagePlans::default()
            };
            match session.run_plans(StageId::Service, &only, true)? {
                Outcome::Pending(why) => {
                    rollback_target(&why).and_then(|name| ReleaseName::parse(name).ok())
                }
                _ => None,
            }
        }
    };
    let plans =
        service::rollback_plans(&values, release.as_ref()).map_err(course::PlanError::from)?;
    println!("\n== Rollback ==");
    let outcome = session.run_plans(StageId::Service, &plans, false)?;
    saved.record(
        &session.answers,
        StageId::Service,
        outcome.status(),
        &format!("rollback: {}", outcome.note()),
    );
    Ok(i32::from(!report(
        StageId::Service,
        outcome,
        &session.answers,
    )))
}

/// The release a pending rollback goes to, from its check's words ("release A → B", or "… then
/// release B goes live" after a go-live cut short).
fn rollback_target(why: &str) -> Option<&str> {
    let rest = why
        .rsplit_once(" → ")
        .map(|(_, rest)| rest)
        .or_else(|| why.rsplit_once("then release ").map(|(_, rest)| rest))?;
    rest.split_whitespace().next()
}

#[derive(Debug, Args)]
pub struct DeployKeyArgs {
    /// The answers file (TOML).
    #[arg(long, value_name = "FILE")]
    pub answers: PathBuf,
    #[command(flatten)]
    pub app: AppOverrides,
    #[command(flatten)]
    pub login: LoginArgs,
}

/// `droplift deploy-key`: makes the site's deploy key on this computer (once) and, with your own
/// login and sudo's password, lets it ship this site and nothing else (`course::deploy_key`).
/// Run again after changing the app's answers: the steps the key may run are sealed anew.
pub fn deploy_key(args: &DeployKeyArgs) -> Result<i32, HeadlessError> {
    let answers = load_answers_with(&args.answers, &args.app)?;
    require_health(&answers, &args.answers)?;
    let (site, user) = course::deploy_key::site_and_user(&answers)?;
    let data = crate::state::data_dir().ok_or(HeadlessError::NoDataDir)?;
    let key = course::deploy_key::key_path(&data, &answers.host, &site);
    if let Some(dir) = key.parent() {
        crate::fsutil::create_private_dir(dir)
            .map_err(|e| HeadlessError::Invalid(format!("cannot make {}: {e}", dir.display())))?;
    }
    let made =
        crate::driver::ensure_key(&key, None).map_err(|e| HeadlessError::Invalid(e.to_string()))?;
    let public = crate::keyfile::public_key(&key);
    let line = std::fs::read_to_string(&public)
        .map_err(|e| HeadlessError::Invalid(format!("cannot read {}: {e}", public.display())))
        .and_then(|text| {
            course::deploy_key::public_key_line(&text)
                .map_err(|m| HeadlessError::Invalid(format!("{}: {m}", public.display())))
        })?;
    println!("The deploy key for {site}: {made}");
    let plans = course::deploy_key::install_plans(&answers, &site, &user, &line)?;
    let mut session = connect(answers, &args.login, &[], false)?;
    println!("\n== The deploy key of {site} ==");
    let outcome = session.run_plans(StageId::Service, &plans, false)?;
    if !report(StageId::Service, outcome, &session.answers) {
        return Ok(1);
    }
    println!(
        "\nDeploy with it, no password asked:\n  droplift deploy --answers {} --deploy-key {}\n\
         It may only ship, roll back and list the releases of {site}. Change an answer of the \
         app (module, health path, settings, release commands) and run `droplift deploy-key` \
         again; the key stays the same.",
        args.answers.display(),
        key.display()
    );
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::rollback_target;

    #[test]
    fn a_pending_rollback_names_its_release_from_its_check_s_words() {
        assert_eq!(
            rollback_target("release v3 → v2"),
            Some("v2"),
            "rollback_probe.sh's pending line"
        );
        assert_eq!(
            rollback_target("release none → 20261206T194425Z"),
            Some("20261206T194425Z")
        );
        assert_eq!(
            rollback_target(
                "a go-live of release v3 was cut short: it is undone first, then release v1 goes live"
            ),
            Some("v1")
        );
        assert_eq!(
            rollback_target("there is no good release older than v1"),
            None
        );
    }
}
