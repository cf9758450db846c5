//! The course without screens: `plan` prints the runbook, `apply` runs the stages, `status`
//! probes them. Same plans, same runner, same SSH worker as the wizard; plain text output.

pub mod apply;
pub mod backup;
pub mod class;
mod class_remove;
pub mod cloud;
pub mod deploy;
pub mod doctor;
pub mod env;
pub mod logs;
mod print;
pub mod secrets;
pub mod session;

use std::path::{Path, PathBuf};

use clap::Args;

use crate::course::answers::{Answers, AnswersError};
use crate::course::answers_file;
use crate::course::{self, StageId};
use crate::refused::Refused;
use secrets::SecretsError;
use session::SessionError;

/// Why a headless command stopped: plain sentences, printed as `droplift: …` (exit status 2).
#[derive(Debug, thiserror::Error)]
pub enum HeadlessError {
    #[error("cannot read {}: {cause}", .path.display())]
    ReadAnswers {
        path: PathBuf,
        cause: std::io::Error,
    },
    #[error("{}:\n{cause}", .path.display())]
    Answers { path: PathBuf, cause: AnswersError },
    #[error(transparent)]
    Secrets(#[from] SecretsError),
    #[error(transparent)]
    Session(#[from] SessionError),
    /// A plan (the runbook) could not be built from the answers.
    #[error(transparent)]
    Plan(#[from] course::PlanError),
    #[error("these secrets are needed and were not on stdin: {}", .0.join(", "))]
    MissingSecrets(Vec<&'static str>),
    /// The user password breaks the wizard's rule (the rule's own sentence).
    #[error("user_password: {0}")]
    UserPassword(Refused),
    /// The database password breaks the wizard's rule (stage 5).
    #[error("db_password: {0}")]
    DbPassword(Refused),
    #[error("give root_password (a new droplet) or user_password (a hardened one)")]
    NoLoginSecret,
    #[error("no terminal to ask for passwords: use --secrets-stdin")]
    NoTerminal,
    /// A value typed on the command line or the terminal breaks its rule (the rule's sentence).
    #[error("{0}")]
    Invalid(String),
    #[error("give a host or --answers FILE")]
    NoHost,
    #[error(
        "no folder for droplift's data on this computer (no home folder?): set DROPLIFT_DATA_DIR"
    )]
    NoDataDir,
    #[error(
        "the droplet {0} has no address yet: create it first with `droplift cloud create \
         --answers FILE` (or give [server] host)"
    )]
    NotCreated(String),
    #[error(transparent)]
    Export(#[from] crate::export::ExportError),
    #[error(transparent)]
    State(#[from] crate::state::StateError),
    /// `[nginx] site_file` cannot be read or cannot be a site file (`path` is the answers file).
    #[error("{}:\nline {line}: `nginx.site_file`: {message}", .path.display())]
    SiteFile {
        path: PathBuf,
        line: usize,
        message: String,
    },
}

/// A stage name on the command line that is not one.
#[derive(Debug, thiserror::Error)]
#[error("unknown stage {:?}; the stages are {}", .0, stage_keys())]
pub struct UnknownStage(String);

fn stage_keys() -> String {
    let keys: Vec<&str> = StageId::ALL.iter().map(|s| s.key()).collect();
    keys.join(", ")
}

/// Options shared by the headless commands.
#[derive(Debug, Args)]
pub struct AnswersArgs {
    /// The answers file (TOML); see assets/answers.example.toml.
    #[arg(long, value_name = "FILE")]
    pub answers: PathBuf,
    /// Only these stages, by key (connect, update, user, ssh, postgres, firewall, nginx, …);
    /// may be repeated.
    #[arg(long, value_name = "STAGE", value_parser = parse_stage, num_args = 1..)]
    pub only: Vec<StageId>,
    /// `plan` only: print the one command that checks every stage at once (for bench/probe.sh).
    #[arg(long, hide = true)]
    pub check_all: bool,
}

pub(crate) fn parse_stage(text: &str) -> Result<StageId, UnknownStage> {
    StageId::from_key(text).ok_or_else(|| UnknownStage(text.to_owned()))
}

/// Reads and checks the answers file; warnings go to stderr.
pub fn load_answers(path: &Path) -> Result<Answers, HeadlessError> {
    load_answers_with(path, &deploy::AppOverrides::default())
}

/// Reads and checks the answers file with `[app]` values from the command line, then reads a
/// folder source (packed and checked here, so a folder without requirements.txt or its module
/// is refused before anything connects).
pub fn load_answers_with(
    path: &Path,
    overrides: &deploy::AppOverrides,
) -> Result<Answers, HeadlessError> {
    let text = std::fs::read_to_string(path).map_err(|cause| HeadlessError::ReadAnswers {
        path: path.to_path_buf(),
        cause,
    })?;
    let (mut answers, warnings) =
        answers_file::parse(&text).map_err(|cause| HeadlessError::Answers {
            path: path.to_path_buf(),
            cause,
        })?;
    for warning in warnings {
        eprintln!("warning: {}: {warning}", path.display());
    }
    let relative_to = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    resolve_droplet(&mut answers);
    deploy::apply_overrides(&mut answers, overrides)?;
    deploy::read_folder(&mut answers, path, &relative_to, &crate::home::home_dir())?;
    read_site_file(&mut answers, path)?;
    Ok(answers)
}

/// Reads and checks an answers file for its server, login and names only (`droplift class`
/// uses the host site's this way): its app's folder and site file are not read, so a folder
/// that moved since does not stop the class's commands.
pub fn load_answers_for_login(path: &Path) -> Result<Answers, HeadlessError> {
    let text = std::fs::read_to_string(path).map_err(|cause| HeadlessError::ReadAnswers {
        path: path.to_path_buf(),
        cause,
    })?;
    let (mut answers, _) = answers_file::parse(&text).map_err(|cause| HeadlessError::Answers {
        path: path.to_path_buf(),
        cause,
    })?;
    resolve_droplet(&mut answers);
    Ok(answers)
}

/// `[nginx] site_file`: its text replaces the template. A relative path is read from the answers
/// file's folder; a problem names the key and line like every other answer.
fn read_site_file(answers: &mut Answers, answers_path: &Path) -> Result<(), HeadlessError> {
    let Some((file, line)) = answers.nginx.site_file.clone() else {
        return Ok(());
    };
    let full = match answers_path.parent() {
        Some(dir) if file.is_relative() => dir.join(&file),
        _ => file.clone(),
    };
    let fail = |message: String| HeadlessError::SiteFile {
        path: answers_path.to_path_buf(),
        line,
        message,
    };
    let text = std::fs::read_to_string(&full)
        .map_err(|e| fail(format!("cannot read {}: {e}", full.display())))?;
    crate::course::stages::nginx::checks::validate_site_text(&text)
        .map_err(|refused| fail(refused.into()))?;
    answers.nginx.site_text = Some(text);
    Ok(())
}

/// The stages to run: the ones asked for (or all), in course order.
pub fn selected(only: &[StageId]) -> Vec<StageId> {
    StageId::ALL
        .into_iter()
        .filter(|s| only.is_empty() || only.contains(s))
        .collect()
}

/// `droplift plan`: the runbook on stdout.
pub fn plan(args: &AnswersArgs) -> Result<i32, HeadlessError> {
    let answers = load_answers(&args.answers)?;
    if deploy::needs_health(&selected(&args.only), &answers) {
        deploy::require_health(&answers, &args.answers)?;
    }
    if args.check_all {
        let (command, _) = course::probe_all(&selected(&args.only), &answers, &|_| true)?;
        println!("{}", course::probe_all_script(&command));
        return Ok(0);
    }
    let runbook = course::runbook::render(&answers, &selected(&args.only))?;
    print!("{runbook}");
    Ok(0)
}

/// `droplift export ansible`: where the answers are and where the project goes.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The answers file (TOML); see assets/answers.example.toml.
    #[arg(long, value_name = "FILE")]
    pub answers: PathBuf,
    /// The folder to write (made if missing; a folder with other files is refused).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

/// Writes the Ansible project and says how to run it.
pub fn export_ansible(args: &ExportArgs) -> Result<i32, HeadlessError> {
    let answers = load_answers(&args.answers)?;
    deploy::require_health(&answers, &args.answers)?;
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_default();
    // Stage 8's code goes beside the play, packed as droplift uploads it (the folder was
    // checked when the answers were read).
    let code = match course::stages::app::code(&answers)? {
        course::stages::app::Code::Archive { source, .. } => {
            let archive = crate::driver::pack(&source, &home)
                .map_err(|e| HeadlessError::Invalid(format!("app.source: {e}")))?;
            Some((source, archive))
        }
        course::stages::app::Code::Git { .. } => None,
    };
    let code = code.as_ref().map(|(source, archive)| (source, archive));
    let files = crate::export::ansible(&answers, &home, code)?;
    crate::export::write(&args.out, &files)?;
    println!(
        "Wrote an Ansible project to {}. Run it with:\n  cd {} && ansible-playbook -i inventory.ini site.yml -u root\n(see its README.md: the first run needs root's password already changed)",
        args.out.display(),
        args.out.display()
    );
    Ok(0)
}

/// `droplift export ci`: which CI, the answers, and the repository the pipeline goes into.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("ci").required(true).args(["github", "gitlab", "jenkins"])))]
pub struct ExportCiArgs {
    /// A GitHub Actions workflow (.github/workflows/droplift-deploy.yml).
    #[arg(long)]
    pub github: bool,
    /// A GitLab CI pipeline (.gitlab-ci.yml).
    #[arg(long)]
    pub gitlab: bool,
    /// A Jenkins pipeline (Jenkinsfile).
    #[arg(long)]
    pub jenkins: bool,
    /// The answers file (TOML): its `[app] source` must be the app's git repository.
    #[arg(long, value_name = "FILE")]
    pub answers: PathBuf,
    /// The app's repository (its top folder), where the pipeline and `deploy/` are written.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

/// Writes the CI pipeline that deploys a pushed tag with the site's deploy key.
pub fn export_ci(args: &ExportCiArgs) -> Result<i32, HeadlessError> {
    use crate::export_ci::CiKind;
    let kind = if args.github {
        CiKind::Github
    } else if args.gitlab {
        CiKind::Gitlab
    } else {
        CiKind::Jenkins
    };
    let answers = load_answers(&args.answers)?;
    deploy::require_health(&answers, &args.answers)?;
    if !matches!(
        course::stages::app::code(&answers)?,
        course::stages::app::Code::Git { .. }
    ) {
        return Err(HeadlessError::Invalid(format!(
            "{}: app.source: a pipeline deploys a tag from git: set [app] source to the app's \
             repository (the URL the server clones, e.g. https://github.com/you/shop.git)",
            args.answers.display()
        )));
    }
    let (site, _) = course::deploy_key::site_and_user(&answers)?;
    let data = crate::state::data_dir().ok_or(HeadlessError::NoDataDir)?;
    let key = course::deploy_key::key_path(&data, &answers.host, &site);
    if !key.exists() {
        return Err(HeadlessError::Invalid(format!(
            "there is no deploy key for {site} yet: run `droplift deploy-key --answers {}` first \
             (once, with sudo's password)",
            args.answers.display()
        )));
    }
    let home = crate::home::home_dir();
    let known = crate::remote::hostkey::KnownHostsFile::new(home.join(".ssh/known_hosts"))
        .pinned_lines(&answers.host, answers.port)
        .map_err(|e| HeadlessError::Invalid(e.to_string()))?;
    if known.is_empty() {
        return Err(HeadlessError::Invalid(format!(
            "~/.ssh/known_hosts holds no host key for {}: log in there once (`droplift status \
             --answers {}`), so the pipeline can pin the key you checked",
            answers.host,
            args.answers.display()
        )));
    }
    let text = std::fs::read_to_string(&args.answers).map_err(|e| {
        HeadlessError::Invalid(format!("cannot read {}: {e}", args.answers.display()))
    })?;
    let files = crate::export_ci::files(kind, site.as_str(), &text, &known, &key);
    crate::export_ci::write(&args.out, &files)?;
    println!(
        "Wrote {} with {} and {} (the droplet's host key, pinned) to {}.\n\
         Add the deploy key as the CI's one secret — {}:\n  {}\n\
         Then commit them, and push a tag: git tag v1.0.1 && git push --tags",
        kind.path(),
        crate::export_ci::ANSWERS,
        crate::export_ci::KNOWN_HOSTS,
        args.out.display(),
        kind.secret_hint(),
        key.display()
    );
    Ok(0)
}

/// Saved progress for the headless commands, as the wizard keeps it: loaded first (a damaged
/// file is moved aside with a warning; a newer one stops the command before anything runs), and
/// written after every stage, so the wizard can resume from where `apply` stopped.
pub struct Saved {
    store: Option<crate::state::Store>,
}

impl Saved {
    pub fn load() -> Result<Self, HeadlessError> {
        let Some(dir) = crate::state::data_dir() else {
            return Ok(Self { store: None });
        };
        let (store, warnings) = crate::state::Store::load(&dir)?;
        for warning in warnings {
            eprintln!("warning: {warning}");
        }
        Ok(Self { store: Some(store) })
    }

    /// How many stages this computer last saw done on the server (0 for a server never seen).
    pub fn done_before(&self, answers: &Answers) -> usize {
        self.store
            .as_ref()
            .and_then(|s| {
                s.progress
                    .site_entry(&answers.host, answers.port, &answers.nginx.site)
                    .or_else(|| s.progress.server(&answers.host, answers.port))
            })
            .map_or(0, |server| server.done_count())
    }

    /// Records a stage's status and the answers (never a secret), and saves.
    pub fn record(
        &mut self,
        answers: &Answers,
        stage: StageId,
        status: course::StageStatus,
        note: &str,
    ) {
        let Some(store) = &mut self.store else {
            return;
        };
        let now = crate::state::now();
        store
            .progress
            .touch(answers, now)
            .set_stage(stage, status, note, now);
        if let Err(e) = store.save() {
            eprintln!("warning: progress could not be saved ({e}); the server still knows");
        }
    }

    /// A droplet droplift has just created: its server, answers and id (never the token).
    pub fn remember_droplet(&mut self, answers: &Answers, droplet: &crate::cloud::api::Droplet) {
        let Some(store) = &mut self.store else {
            return;
        };
        let server = store.progress.touch(answers, crate::state::now());
        server.droplet = Some(droplet.into());
        if let Err(e) = store.save() {
            eprintln!("warning: progress could not be saved ({e})");
        }
    }

    /// A removed site (a squad at the end of term) is forgotten on this computer: the first
    /// screen no longer offers to resume it.
    pub fn forget_site(&mut self, answers: &Answers) {
        let Some(store) = &mut self.store else {
            return;
        };
        if store
            .progress
            .forget_site(&answers.host, answers.port, &answers.nginx.site)
        {
            if let Err(e) = store.save() {
                eprintln!("warning: progress could not be saved ({e})");
            }
        }
    }

    /// A destroyed droplet's server is forgotten.
    pub fn forget_droplet(&mut self, id: u64) {
        let Some(store) = &mut self.store else {
            return;
        };
        if store.progress.forget_droplet(id).is_some() {
            if let Err(e) = store.save() {
                eprintln!("warning: progress could not be saved ({e})");
            }
        }
    }
}

/// A `[droplet]` created earlier gives the answers their host (from the saved progress), and a
/// server droplift created logs in as root with the key.
fn resolve_droplet(answers: &mut Answers) {
    let Some(dir) = crate::state::data_dir() else {
        return;
    };
    let Ok((store, _)) = crate::state::Store::load(&dir) else {
        return;
    };
    if answers.host.is_empty() {
        if let Some(server) = answers
            .droplet
            .as_ref()
            .and_then(|d| store.progress.by_droplet_name(&d.name))
        {
            answers.host = server.host.clone();
            answers.port = server.port;
        }
    }
    if let Some(server) = store.progress.server(&answers.host, answers.port) {
        if server.droplet.is_some() || server.answers.get("root_login").is_some_and(|l| l == "key")
        {
            answers.root_by_key = true;
        }
    }
}
