//! `droplift class` (issue 28, the instructor's side): `check` reads the roster whole and
//! connects nowhere; `apply` sets up each squad's site with the instructor's login (stages 3, 5
//! and 7 from the squad's derived answers) and lets its members' keys ship it and nothing else;
//! `remove` saves a squad's database and code to this computer, then clears it from the server.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};

use super::apply::{LoginArgs, connect, report};
use super::{HeadlessError, load_answers_for_login};
use crate::course::answers::Answers;
use crate::course::class::{self, roster};
use crate::course::{self, StageId};
use crate::runner::Outcome;
use crate::secret::SecretName;

#[derive(Debug, Subcommand)]
pub enum ClassCommand {
    /// Check the roster (class.toml) as a whole: names, keys, limits. Connects nowhere.
    Check(RosterArgs),
    /// Set up every squad of the roster: its account (no password, no sudo), database, site
    /// and its members' keys. Applying again changes only what the roster changed.
    Apply(ClassApplyArgs),
    /// Save a squad's database and current code to this computer, then remove everything of
    /// it from the server.
    Remove(ClassRemoveArgs),
    /// The class's board: each squad's serving release, when it went live, its health through
    /// nginx, its failed releases and last error line. Read-only, one command over SSH.
    Status(ClassStatusArgs),
}

#[derive(Debug, Args)]
pub struct ClassStatusArgs {
    #[command(flatten)]
    pub roster: RosterArgs,
    /// Print the board as JSON on stdout (what droplift says while logging in goes to stderr),
    /// for a grading script.
    #[arg(long)]
    pub json: bool,
    /// Read the board again every SECONDS (5 when not given), over the same connection, until
    /// Ctrl-C: for a projector.
    #[arg(long, value_name = "SECONDS", num_args = 0..=1, default_missing_value = "5", conflicts_with = "json")]
    pub watch: Option<u64>,
    #[command(flatten)]
    pub login: LoginArgs,
}

#[derive(Debug, Args)]
pub struct RosterArgs {
    /// The roster: the host site's answers file, an optional domain, and one [[squad]] per
    /// squad with its name and members' public keys.
    #[arg(long, value_name = "FILE")]
    pub roster: PathBuf,
}

#[derive(Debug, Args)]
pub struct ClassApplyArgs {
    #[command(flatten)]
    pub roster: RosterArgs,
    #[command(flatten)]
    pub login: LoginArgs,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("which").required(true).args(["squad", "all"])))]
pub struct ClassRemoveArgs {
    #[command(flatten)]
    pub roster: RosterArgs,
    /// The squad to remove.
    pub squad: Option<String>,
    /// Every squad of the roster (the end of term).
    #[arg(long)]
    pub all: bool,
    /// Remove without saving the database and code first (a squad whose setup never finished).
    #[arg(long)]
    pub without_saving: bool,
    #[command(flatten)]
    pub login: LoginArgs,
}

pub fn run(command: &ClassCommand) -> Result<i32, HeadlessError> {
    match command {
        ClassCommand::Check(args) => check(args),
        ClassCommand::Apply(args) => apply(args),
        ClassCommand::Remove(args) => super::class_remove::remove(args),
        ClassCommand::Status(args) => status(args),
    }
}

/// The roster's folder: key files and the host's answers file are read from it.
fn folder_of(path: &Path) -> PathBuf {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// Reads and checks the roster and the host site's answers (which must be a first site: its
/// owner logs in and may sudo).
pub fn load(path: &Path) -> Result<(roster::Roster, Answers), HeadlessError> {
    let text = std::fs::read_to_string(path).map_err(|cause| HeadlessError::ReadAnswers {
        path: path.to_path_buf(),
        cause,
    })?;
    let folder = folder_of(path);
    // The host's file first: its names are the ones a squad may not take.
    let host_path = toml::from_str::<toml::Table>(&text)
        .ok()
        .and_then(|t| t.get("host").and_then(|h| h.as_str()).map(str::to_owned))
        .map(|h| folder.join(h.trim()));
    let host = match &host_path {
        Some(p) => Some(load_answers_for_login(p)?),
        None => None,
    };
    let names = host.as_ref().map(class::taken).unwrap_or_default();
    let taken = roster::Taken {
        names: names.iter().map(String::as_str).collect(),
    };
    let read = |p: &Path| std::fs::read_to_string(folder.join(p));
    let roster = roster::parse(&text, &taken, &read).map_err(|cause| HeadlessError::Answers {
        path: path.to_path_buf(),
        cause,
    })?;
    // parse refused a roster without `host`; the host file was read above.
    let host = host.ok_or(HeadlessError::NoHost)?;
    if host.owner_is_not_login() || host.nginx.under.is_some() {
        return Err(HeadlessError::Invalid(format!(
            "{}: host: {} is not the server's first site (its owner must be its login, with \
             sudo, and it must have a server block of its own)",
            path.display(),
            roster.host.display()
        )));
    }
    Ok((roster, host))
}

fn check(args: &RosterArgs) -> Result<i32, HeadlessError> {
    let (roster, host) = load(&args.roster)?;
    println!(
        "{}: {}",
        args.roster.display(),
        class::summary(&host, &roster)
    );
    for squad in &roster.squads {
        class::squad_answers(&host, &roster, squad).map_err(|cause| HeadlessError::Answers {
            path: args.roster.clone(),
            cause,
        })?;
        println!("{}", class::squad_line(&host, &roster, squad));
    }
    Ok(0)
}

/// The folder the squads' answers files are written to: `squads/` beside the roster.
pub(super) fn squads_folder(roster: &Path) -> PathBuf {
    folder_of(roster).join("squads")
}

fn apply(args: &ClassApplyArgs) -> Result<i32, HeadlessError> {
    let (roster, host) = load(&args.roster.roster)?;
    let mut squads = Vec::new();
    for squad in &roster.squads {
        let answers = class::squad_answers(&host, &roster, squad).map_err(|cause| {
            HeadlessError::Answers {
                path: args.roster.roster.clone(),
                cause,
            }
        })?;
        squads.push((squad, answers));
    }
    // Each squad's answers file, for the squad: they deploy with it and a member's key.
    let out = squads_folder(&args.roster.roster);
    std::fs::create_dir_all(&out)
        .map_err(|e| HeadlessError::Invalid(format!("cannot make {}: {e}", out.display())))?;
    for (squad, _) in &squads {
        let file = out.join(format!("{}.toml", squad.name));
        std::fs::write(&file, class::squad_answers_text(&host, &roster, squad))
            .map_err(|e| HeadlessError::Invalid(format!("cannot write {}: {e}", file.display())))?;
    }
    let mut saved = super::Saved::load()?;
    let mut session = connect(
        host.clone(),
        &args.login,
        &[StageId::User, StageId::Nginx],
        false,
    )?;
    for (squad, answers) in &squads {
        println!("\n==== The squad {} ====", squad.name);
        session.answers = answers.clone();
        if !squad_stages(&mut session, &mut saved, &host.nginx.site)? {
            println!(
                "\nFAILED: the squad {} is not set up (the squads before it are). Fix what is said \
                 above and run `droplift class apply` again: what is done is checked, not redone.",
                squad.name
            );
            return Ok(1);
        }
        let (site, user) = course::deploy_key::site_and_user(answers)?;
        println!("\n== The members' keys of {} ==", squad.name);
        let plans = course::deploy_key::install_plans_for_keys(answers, &site, &user, &squad.keys)?;
        let outcome = session.run_plans(StageId::Service, &plans, false)?;
        if !report(StageId::Service, outcome, &session.answers) {
            return Ok(1);
        }
    }
    // Squads set up before and no longer listed stay (with their code and data) until
    // `class remove` saves and removes them: said, never done silently.
    let (_, marked) = session.read_plans(StageId::User, &class::marked_plans()?)?;
    let unlisted = class::unlisted_squads(&marked, &roster);
    println!("\nThe class is set up:");
    for (squad, _) in &squads {
        println!(
            "  {:<16} {}  answers: {}",
            squad.name,
            class::address(&host, &roster, &squad.name),
            out.join(format!("{}.toml", squad.name)).display()
        );
    }
    for name in &unlisted {
        println!(
            "  {name:<16} still on the server, no longer in the roster: `droplift class remove \
             {name} --roster {}` saves its database and code, then removes it",
            args.roster.roster.display()
        );
    }
    println!(
        "Hand each squad its answers file. A member deploys with their own key, no password:\n  \
         droplift deploy --answers SQUAD.toml --source THEIR_APP_FOLDER --deploy-key ~/.ssh/id_ed25519"
    );
    Ok(0)
}

/// A squad's setup stages with the instructor's login: the account, the database (once: a
/// password made for it, kept only on the server), the site.
fn squad_stages(
    session: &mut super::session::Session,
    saved: &mut super::Saved,
    host_site: &str,
) -> Result<bool, HeadlessError> {
    let mut run = |session: &mut super::session::Session, stage: StageId| {
        println!("\n== Stage {}: {} ==", stage.index() + 1, stage.title());
        let outcome = session.run_stage(stage, false)?;
        saved.record(&session.answers, stage, outcome.status(), &outcome.note());
        Ok::<bool, HeadlessError>(report(stage, outcome, &session.answers))
    };
    println!("\n== A squad of this class? ==");
    let mark = class::mark_plans(&session.answers, host_site)?;
    let outcome = session.run_plans(StageId::User, &mark, false)?;
    if !report(StageId::User, outcome, &session.answers) {
        return Ok(false);
    }
    if !run(session, StageId::User)? {
        return Ok(false);
    }
    let database = class::database_plans(&session.answers)?;
    match session.run_plans(StageId::Postgres, &database, true)? {
        Outcome::AlreadyDone(why) => println!(
            "\n== Stage {}: {} ==\n  done: {why}",
            StageId::Postgres.index() + 1,
            StageId::Postgres.title()
        ),
        Outcome::Pending(_) => {
            let password = class::new_db_password()
                .map_err(|e| HeadlessError::Invalid(format!("no random password: {e}")))?;
            session
                .secrets
                .set(SecretName::DbPassword, password, &session.redactor);
            if !run(session, StageId::Postgres)? {
                return Ok(false);
            }
            let outcome = session.run_plans(StageId::Postgres, &database, false)?;
            if !report(StageId::Postgres, outcome, &session.answers) {
                return Ok(false);
            }
        }
        other => {
            report(StageId::Postgres, other, &session.answers);
            return Ok(false);
        }
    }
    run(session, StageId::Nginx)
}

/// `class status`: one read-only pass over every squad (`course::class::board_plans`).
fn status(args: &ClassStatusArgs) -> Result<i32, HeadlessError> {
    let (roster, host) = load(&args.roster.roster)?;
    let plans = class::board_plans(&host, &roster)?;
    // With --json, stdout carries the JSON alone: the login's lines go to stderr meanwhile.
    let quiet = args.json.then(StdoutToStderr::start);
    let session = connect(host, &args.login, &[], true);
    let mut session = match session {
        Ok(session) => session,
        Err(e) => {
            drop(quiet);
            return Err(e);
        }
    };
    let read = read_board(&mut session, &plans, &roster);
    drop(quiet);
    let rows = read?;
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&rows)
                .map_err(|e| HeadlessError::Invalid(format!("JSON: {e}")))?
        );
        return Ok(i32::from(rows.iter().any(|r| !r.healthy)));
    }
    let Some(every) = args.watch else {
        println!();
        for line in class::board_table(&rows) {
            println!("{line}");
        }
        return Ok(i32::from(rows.iter().any(|r| !r.healthy)));
    };
    // --watch: the same read again every few seconds over the same connection, the screen
    // cleared before each board, until Ctrl-C.
    let every = std::time::Duration::from_secs(every.max(2));
    let mut rows = rows;
    for refresh in 1.. {
        print!("\x1b[H\x1b[2J");
        println!(
            "The class's board at {} (refresh {refresh}, every {} s; Ctrl-C stops)\n",
            crate::civil::rfc3339(crate::state::now()),
            every.as_secs()
        );
        for line in class::board_table(&rows) {
            println!("{line}");
        }
        std::thread::sleep(every);
        rows = read_board(&mut session, &plans, &roster)?;
    }
    Ok(0)
}

/// One read of the board: every squad's row, or why the server did not give them.
fn read_board(
    session: &mut super::session::Session,
    plans: &course::plan::StagePlans,
    roster: &roster::Roster,
) -> Result<Vec<class::BoardRow>, HeadlessError> {
    let (outcome, output) = session.read_plans(StageId::Service, plans)?;
    let rows = class::board_rows(&output);
    if rows.len() != roster.squads.len() {
        let why = match outcome {
            Outcome::Failed {
                message, detail, ..
            } => format!("{message} {}", detail.join(" ")),
            other => format!("{other:?}"),
        };
        return Err(HeadlessError::Invalid(format!(
            "the board could not be read from the server: {why}"
        )));
    }
    Ok(rows)
}

/// While it lives, what is printed on stdout goes to stderr (the file descriptor itself, so
/// every `println!` of the session is moved); dropping it puts stdout back.
struct StdoutToStderr {
    saved: libc::c_int,
}

impl StdoutToStderr {
    fn start() -> Self {
        use std::io::Write;
        let _ = std::io::stdout().flush();
        // SAFETY: dup and dup2 on the process's own standard descriptors; a failure leaves
        // stdout as it was (saved is then -1 and nothing is restored).
        let saved = unsafe { libc::dup(1) };
        if saved >= 0 {
            // SAFETY: as above.
            unsafe { libc::dup2(2, 1) };
        }
        Self { saved }
    }
}

impl Drop for StdoutToStderr {
    fn drop(&mut self) {
        use std::io::Write;
        let _ = std::io::stdout().flush();
        if self.saved >= 0 {
            // SAFETY: the descriptor saved by `start`, put back once and closed.
            unsafe {
                libc::dup2(self.saved, 1);
                libc::close(self.saved);
            }
        }
    }
}
