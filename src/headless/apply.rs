//! `droplift apply` and `droplift status`: log in, then run (or only probe) the stages in course
//! order with plain output. apply stops at the first failed stage and says why.

use std::io::{BufRead, IsTerminal, Write};

use clap::Args;

use super::session::{ConnectOptions, Session};
use super::{AnswersArgs, HeadlessError, load_answers, selected};
use crate::course::answers::Answers;
use crate::course::probe::Probe;
use crate::course::{self, StageId};
use crate::remote::HostKeyPolicy;
use crate::runner::Outcome;
use crate::secret::{Redactor, SecretName, Secrets};

/// How to log in without screens.
#[derive(Debug, Args)]
pub struct LoginArgs {
    /// Read secrets from stdin as name=value lines (root_password, new_root_password,
    /// user_password, db_password, key_passphrase) instead of asking.
    #[arg(long)]
    pub secrets_stdin: bool,
    /// Accept and record the host key of a server seen for the first time (like OpenSSH's
    /// StrictHostKeyChecking=accept-new). Without it an unknown host is an error.
    #[arg(long)]
    pub accept_new_host_key: bool,
}

#[derive(Debug, Args)]
pub struct ApplyArgs {
    #[command(flatten)]
    pub answers: AnswersArgs,
    /// Run every stage without asking first.
    #[arg(long)]
    pub yes: bool,
    #[command(flatten)]
    pub login: LoginArgs,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// The server, when there is no answers file (only the stages that need no answers are
    /// checked then).
    #[arg(required_unless_present = "answers", conflicts_with = "answers")]
    pub host: Option<String>,
    /// The answers file (TOML).
    #[arg(long, value_name = "FILE")]
    pub answers: Option<std::path::PathBuf>,
    /// Only these stages, by key (connect, update, user, ssh, postgres, firewall, nginx, …).
    #[arg(long, value_name = "STAGE", value_parser = super::parse_stage, num_args = 1..)]
    pub only: Vec<StageId>,
    #[command(flatten)]
    pub login: LoginArgs,
}

/// Secrets given on stdin, checked before anything runs: a database password by stage 5's rules
/// (when `db_password` is one the run uses), and each secret setting one the answers name.
fn check_typed(
    secrets: &Secrets,
    answers: &course::answers::Answers,
    db_password: bool,
) -> Result<(), HeadlessError> {
    if let (Some(pw), true) = (secrets.get(SecretName::DbPassword), db_password) {
        course::stages::postgres::names::validate_password(pw.expose(), pw.expose())
            .map_err(HeadlessError::DbPassword)?;
    }
    if let Some(name) = secrets
        .app_secret_names()
        .into_iter()
        .find(|n| !answers.app.secrets.contains(n))
    {
        return Err(HeadlessError::Invalid(format!(
            "--secrets-stdin gives env.{name}, which is not in [app] secrets: add it there, or \
             leave the line out"
        )));
    }
    Ok(())
}

/// Collects the secrets the chosen stages need, before anything runs.
pub(super) fn gather_secrets(
    args: &LoginArgs,
    stages: &[StageId],
    probe_only: bool,
    answers: &course::answers::Answers,
    redactor: &Redactor,
) -> Result<Secrets, HeadlessError> {
    let mut needed: Vec<SecretName> = stages
        .iter()
        .filter_map(|s| course::plans(*s, answers).ok())
        .flat_map(|p| {
            let mut v = p.probe.required_secrets();
            if !probe_only {
                v.extend(p.apply.required_secrets());
                v.extend(p.verify.required_secrets());
            }
            v
        })
        .collect();
    // The root password may be absent only when the server is already hardened (key login);
    // an optional one (the app's secret settings) is kept or made on the server when not given.
    let app_secrets = needed.contains(&SecretName::AppSecrets);
    needed.retain(|n| *n != SecretName::RootPassword && !n.optional());
    // status without the database password reports that stage as unknown instead.
    if probe_only {
        needed.retain(|n| *n != SecretName::DbPassword);
    }
    needed.sort();
    needed.dedup();
    if args.secrets_stdin {
        let secrets = super::secrets::parse(std::io::stdin().lock(), redactor)?;
        // The wizard's rules for new passwords hold here too; a wrong value is reported even
        // when another secret is missing.
        if let Some(pw) = secrets.get(SecretName::UserPassword) {
            if needed.contains(&SecretName::UserPassword) {
                course::check::validate_user_password(pw.expose(), pw.expose())
                    .map_err(HeadlessError::UserPassword)?;
            }
        }
        check_typed(
            &secrets,
            answers,
            !probe_only && needed.contains(&SecretName::DbPassword),
        )?;
        let missing: Vec<&str> = needed
            .iter()
            .filter(|n| !secrets.contains(**n))
            .map(|n| n.key())
            .collect();
        if !missing.is_empty() {
            return Err(HeadlessError::MissingSecrets(missing));
        }
        if !secrets.contains(SecretName::RootPassword)
            && !secrets.contains(SecretName::UserPassword)
            && !answers.root_by_key
        {
            return Err(HeadlessError::NoLoginSecret);
        }
        return Ok(secrets);
    }
    if !std::io::stdin().is_terminal() {
        return Err(HeadlessError::NoTerminal);
    }
    let mut secrets = Secrets::new();
    let root = super::secrets::ask(&format!(
        "root password for {} (empty if root login is off): ",
        answers.host
    ))?;
    if !root.is_empty() {
        secrets.set(SecretName::RootPassword, root, redactor);
    }
    if needed.contains(&SecretName::UserPassword) || !secrets.contains(SecretName::RootPassword) {
        let prompt = format!("password for {} (new or existing): ", answers.login_name());
        let pw = super::secrets::ask_new(&prompt)?;
        course::check::validate_user_password(pw.expose(), pw.expose())
            .map_err(|m| HeadlessError::Invalid(m.into()))?;
        secrets.set(SecretName::UserPassword, pw, redactor);
    }
    if stages.contains(&StageId::Postgres) {
        let prompt = format!("password of the database role {}: ", answers.db_role());
        let pw = if probe_only {
            super::secrets::ask(&prompt)?
        } else {
            let pw = super::secrets::ask_new(&prompt)?;
            course::stages::postgres::names::validate_password(pw.expose(), pw.expose())
                .map_err(|m| HeadlessError::Invalid(m.into()))?;
            pw
        };
        if !pw.is_empty() {
            secrets.set(SecretName::DbPassword, pw, redactor);
        }
    }
    // ── Stages 8–9: the app writes DATABASE_URL with the role's password ──
    if needed.contains(&SecretName::DbPassword) && !secrets.contains(SecretName::DbPassword) {
        let prompt = format!(
            "password of the database role {} (from the PostgreSQL stage): ",
            answers.db_role()
        );
        secrets.set(
            SecretName::DbPassword,
            super::secrets::ask(&prompt)?,
            redactor,
        );
    }
    // The app's secret settings: a value typed now replaces the server's; empty keeps it (or
    // makes a random one the first time, on the server).
    if app_secrets && !probe_only {
        for name in &answers.app.secrets {
            let prompt = format!(
                "value of the secret setting {name} (empty: the server's, or a new random one \
                 made there): "
            );
            let value = super::secrets::ask(&prompt)?;
            if value.is_empty() {
                continue;
            }
            course::stages::app::settings::validate_secret_value(name, value.expose())
                .map_err(|m| HeadlessError::Invalid(m.into()))?;
            secrets.set_app_secret(name, &value, redactor);
        }
    }
    Ok(secrets)
}

/// Asks on the terminal whether to run a stage.
fn confirm(stage: StageId) -> bool {
    let Ok(tty) = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
    else {
        return false;
    };
    let mut writer = &tty;
    let _ = write!(
        writer,
        "Run stage {} ({})? [y/N] ",
        stage.index() + 1,
        stage.title()
    );
    let _ = writer.flush();
    let mut line = String::new();
    let _ = std::io::BufReader::new(&tty).read_line(&mut line);
    matches!(line.trim(), "y" | "Y" | "yes")
}

pub(super) fn connect(
    answers: course::answers::Answers,
    login: &LoginArgs,
    stages: &[StageId],
    probe_only: bool,
) -> Result<Session, HeadlessError> {
    if answers.host.is_empty() {
        let name = answers.droplet.as_ref().map(|d| d.name.clone());
        return Err(name.map_or(HeadlessError::NoHost, HeadlessError::NotCreated));
    }
    let redactor = Redactor::new();
    let secrets = gather_secrets(login, stages, probe_only, &answers, &redactor)?;
    connect_with(answers, login, secrets, redactor, probe_only)
}

/// Logs in with secrets gathered by the caller (`droplift env set` reads its value beside them).
pub(super) fn connect_with(
    answers: course::answers::Answers,
    login: &LoginArgs,
    secrets: Secrets,
    redactor: Redactor,
    probe_only: bool,
) -> Result<Session, HeadlessError> {
    let options = ConnectOptions {
        host_keys: if login.accept_new_host_key {
            HostKeyPolicy::AcceptNew
        } else {
            HostKeyPolicy::Strict
        },
        interactive: !login.secrets_stdin && std::io::stdin().is_terminal(),
        home: crate::home::home_dir(),
        change_password: !probe_only,
        learn_new_host_key: false,
        deploy_key: None,
    };
    Ok(Session::connect(answers, secrets, redactor, options)?)
}

/// Logs in with the site's deploy key (`droplift deploy-key` made it): no password is asked.
/// Secrets come only from `--secrets-stdin` (a new database password, the app's secret
/// settings); without them the server keeps its own.
pub(super) fn connect_with_key(
    mut answers: course::answers::Answers,
    login: &LoginArgs,
    key: &std::path::Path,
) -> Result<Session, HeadlessError> {
    if answers.host.is_empty() {
        let name = answers.droplet.as_ref().map(|d| d.name.clone());
        return Err(name.map_or(HeadlessError::NoHost, HeadlessError::NotCreated));
    }
    let (site, _) = course::deploy_key::site_and_user(&answers)?;
    let redactor = Redactor::new();
    let secrets = if login.secrets_stdin {
        super::secrets::parse(std::io::stdin().lock(), &redactor)?
    } else {
        Secrets::new()
    };
    check_typed(&secrets, &answers, true)?;
    answers.root_by_key = false;
    let options = ConnectOptions {
        host_keys: if login.accept_new_host_key {
            HostKeyPolicy::AcceptNew
        } else {
            HostKeyPolicy::Strict
        },
        interactive: false,
        home: crate::home::home_dir(),
        change_password: false,
        learn_new_host_key: false,
        deploy_key: Some((key.to_path_buf(), site.to_string())),
    };
    Ok(Session::connect(answers, secrets, redactor, options)?)
}

/// `droplift apply`: exit 0 when every stage that ran succeeded.
pub fn apply(args: &ApplyArgs) -> Result<i32, HeadlessError> {
    let stages = selected(&args.answers.only);
    let answers = load_answers(&args.answers.answers)?;
    if super::deploy::needs_health(&stages, &answers) {
        super::deploy::require_health(&answers, &args.answers.answers)?;
    }
    let mut saved = super::Saved::load()?;
    let mut session = connect(answers, &args.login, &stages, false)?;
    // On a server seen done before, one check of every stage usually settles them all; on a new
    // one it would only repeat the checks each stage makes anyway.
    let mut done = if saved.done_before(&session.answers) > 1 {
        already_done(&mut session, &stages)
    } else {
        std::collections::HashMap::new()
    };
    start_prefetch(&mut session, &stages, &done);
    for stage in stages {
        println!("\n== Stage {}: {} ==", stage.index() + 1, stage.title());
        super::deploy::say_entry_point(stage, &session.answers);
        if !args.yes && !confirm(stage) {
            println!("skipped");
            continue;
        }
        // The check of every stage at once said done, and nothing changed since: that is the
        // verdict this stage's own check would give, one round trip cheaper.
        let outcome = match done.remove(&stage) {
            Some(outcome) => outcome,
            None => session.run_stage(stage, false)?,
        };
        if !matches!(outcome, Outcome::AlreadyDone(_) | Outcome::Skipped(_)) {
            // Something ran: the server may differ from what the check of every stage saw.
            done.clear();
        }
        saved.record(&session.answers, stage, outcome.status(), &outcome.note());
        if !report(stage, outcome, &session.answers) {
            return Ok(1);
        }
    }
    println!(
        "\nAll done in {:.1} s.",
        session.started.elapsed().as_secs_f64()
    );
    Ok(0)
}

/// The stages the check of every stage at once (one command) finds done, with why. On a
/// finished server that is all of them, and apply changes nothing without a probe per stage.
/// A check that could not run costs only time: every stage is then checked on its own.
fn already_done(
    session: &mut Session,
    stages: &[StageId],
) -> std::collections::HashMap<StageId, Outcome> {
    let mut done = std::collections::HashMap::new();
    if stages.len() < 2 {
        return done;
    }
    if let Ok((checked, _)) = session.probe_all(stages) {
        for part in checked {
            match part.verdict {
                Some(Probe::Done(why)) => done.insert(part.stage, Outcome::AlreadyDone(why)),
                Some(Probe::Skipped(why)) => done.insert(part.stage, Outcome::Skipped(why)),
                _ => None,
            };
        }
    }
    done
}

/// Starts the background download of what the stages still to run will install (it returns at
/// once). It changes nothing the course checks, and a failure only costs time: say so, go on.
fn start_prefetch(
    session: &mut Session,
    stages: &[StageId],
    done: &std::collections::HashMap<StageId, Outcome>,
) {
    let to_run: Vec<StageId> = stages
        .iter()
        .copied()
        .filter(|s| !done.contains_key(s))
        .collect();
    let command = match course::prefetch::command(&to_run, &session.answers) {
        Ok(Some(command)) => command,
        Ok(None) => return,
        Err(e) => {
            println!("  (no background download: {e})");
            return;
        }
    };
    let plans = course::plan::StagePlans {
        apply: course::plan::Plan::new(vec![course::plan::Step::run(
            "Start downloading, in the background, what the later stages install",
            command,
        )]),
        ..course::plan::StagePlans::default()
    };
    match session.run_plans(StageId::Update, &plans, false) {
        Ok(Outcome::Applied) => {}
        Ok(other) => println!(
            "  (the background download did not start: {}; each stage downloads its own packages)",
            other.note()
        ),
        Err(e) => println!("  (the background download did not start: {e})"),
    }
}

/// Prints how a stage ended; false when the command must stop there (failed or drifted).
pub(super) fn report(stage: StageId, outcome: Outcome, answers: &Answers) -> bool {
    let advice = outcome.advice(stage);
    match outcome {
        Outcome::AlreadyDone(why) => println!("done (nothing to change: {why})"),
        Outcome::Skipped(why) => println!("skipped ({why})"),
        Outcome::Applied => println!("done"),
        Outcome::Pending(why) => println!("pending: {why}"),
        Outcome::Drifted(why) => {
            println!(
                "FAILED: stage {} ({}): {why}. Nothing was changed.",
                stage.key(),
                stage.title()
            );
            if let Some(usual) = advice {
                println!("What to do: {usual}");
            }
            return false;
        }
        Outcome::Failed {
            phase,
            step,
            message,
            detail,
            rolled_back,
        } => {
            println!(
                "FAILED: stage {} ({}), {} step \"{step}\": {message}",
                stage.key(),
                stage.title(),
                phase.label()
            );
            for line in &detail {
                println!("  server said: {line}");
            }
            if stage == StageId::Nginx {
                let site = course::values::SiteName::parse(&answers.nginx.site);
                let text = answers.nginx.site_text.clone().or_else(|| {
                    let site = course::values::SiteName::parse(&answers.nginx.site).ok()?;
                    let name =
                        course::values::ServerName::parse(&answers.nginx.server_name).ok()?;
                    Some(course::stages::nginx::site_from_template(&site, &name))
                });
                if let Some(error) = site
                    .ok()
                    .and_then(|s| course::stages::nginx::site_error(&detail, &s, text.as_deref()))
                {
                    let file = match &answers.nginx.site_file {
                        Some((path, _)) => path.display().to_string(),
                        None => "the site file".to_owned(),
                    };
                    println!("In {file}: {}", error.message);
                }
            }
            if let Some(usual) = advice {
                println!("What to do: {usual}");
            }
            if rolled_back && stage == StageId::App {
                println!(
                    "The new release is marked failed; the release serving (if any) was not touched."
                );
            } else if rolled_back {
                println!("The change was undone: the server is as it was before this stage.");
            }
            return false;
        }
        Outcome::Interrupted { step } | Outcome::Cancelled { step } => {
            println!("FAILED: stage {} stopped during \"{step}\"", stage.key());
            return false;
        }
    }
    true
}

/// `droplift status`: probes only; prints done / pending / drifted per stage.
fn verdict_line(outcome: &Outcome) -> String {
    match outcome {
        Outcome::AlreadyDone(why) => format!("done      {why}"),
        Outcome::Skipped(why) => format!("skipped   {why}"),
        Outcome::Pending(why) => format!("pending   {why}"),
        Outcome::Drifted(why) => format!("drifted   {why}"),
        Outcome::Failed { message, .. } => format!("failed    {message}"),
        other => format!("unknown   {other:?}"),
    }
}

pub fn status(args: &StatusArgs) -> Result<i32, HeadlessError> {
    let answers = match (&args.answers, &args.host) {
        (Some(path), _) => load_answers(path)?,
        (None, Some(host)) => {
            course::check::validate_host(host).map_err(|m| HeadlessError::Invalid(m.into()))?;
            course::answers::Answers::new(host.trim(), "")
        }
        (None, None) => return Err(HeadlessError::NoHost),
    };
    let stages = selected(&args.only);
    let mut saved = super::Saved::load()?;
    // Without a user name only the stages that need none can be checked.
    let (checkable, unknown): (Vec<StageId>, Vec<StageId>) = stages
        .into_iter()
        .partition(|s| !answers.user.is_empty() || matches!(s, StageId::Connect | StageId::Update));
    let mut session = connect(answers, &args.login, &checkable, true)?;
    // Logged in: the connect stage is done. Every other stage is checked in one round trip.
    let mut lines: Vec<(StageId, course::StageStatus, String)> = Vec::new();
    if checkable.contains(&StageId::Connect) {
        let outcome = session.run_stage(StageId::Connect, true)?;
        lines.push((StageId::Connect, outcome.status(), verdict_line(&outcome)));
    }
    // The health board runs in the same command when the app's service is asked about.
    let board = checkable
        .contains(&StageId::Service)
        .then(|| course::board::command(&session.answers).ok())
        .flatten();
    let (checked, left_out, board_text) =
        session.probe_all_with(&checkable, board.as_ref().map(|c| (course::board::KEY, c)))?;
    let service_health = checked
        .iter()
        .find(|p| p.stage == StageId::Service)
        .and_then(|p| course::board::Health::of(p.verdict.as_ref()));
    for part in checked {
        let verdict = match (&part.verdict, part.exit_code) {
            (Some(Probe::Done(why)), _) => format!("done      {why}"),
            (Some(Probe::Pending(why)), _) => format!("pending   {why}"),
            (Some(Probe::Drifted(why)), _) => format!("drifted   {why}"),
            (Some(Probe::Skipped(why)), _) => format!("skipped   {why}"),
            (None, Some(code)) => format!("failed    its check ended with exit status {code}"),
            (None, None) => "unknown   the connection dropped during its check".to_owned(),
        };
        let (status, note) = match &part.verdict {
            Some(Probe::Done(why)) => (course::StageStatus::Done, why.as_str()),
            Some(Probe::Pending(why)) => (course::StageStatus::Pending, why.as_str()),
            Some(Probe::Drifted(why)) => (course::StageStatus::Drifted, why.as_str()),
            Some(Probe::Skipped(why)) => (course::StageStatus::Skipped, why.as_str()),
            None => (course::StageStatus::Failed, "its check did not finish"),
        };
        saved.record(&session.answers, part.stage, status, note);
        lines.push((part.stage, status, verdict));
    }
    for stage in left_out {
        let why = if stage == StageId::Postgres && session.secret(SecretName::DbPassword).is_none()
        {
            "unknown   needs db_password (the role's password) to check"
        } else {
            "unknown   its answers are missing"
        };
        lines.push((stage, course::StageStatus::Pending, why.to_owned()));
    }
    lines.sort_by_key(|(stage, _, _)| *stage);
    for (stage, _, verdict) in &lines {
        println!("{:>2} {:<20} {verdict}", stage.index() + 1, stage.title());
    }
    for stage in &unknown {
        println!(
            "{:>2} {:<20} unknown   needs --answers (the user name)",
            stage.index() + 1,
            stage.title()
        );
    }
    // Of the stages asked about (all, or `--only`'s): those not checked are not done.
    let statuses = lines.iter().map(|(_, status, _)| *status);
    let unchecked = unknown.iter().map(|_| course::StageStatus::Pending);
    println!("{}", course::Tally::of(statuses.chain(unchecked)));
    // A server whose app has gone live gets the health board.
    if let (Some(text), Some(health)) = (board_text, service_health) {
        let cx = course::board::Context {
            health,
            domain: session.answers.domain.clone(),
        };
        println!();
        for line in course::board::lines(&course::board::rows(&text, &cx)) {
            println!("{line}");
        }
    }
    Ok(0)
}
