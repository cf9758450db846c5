//! The course as data: the stages in the order the course teaches them, each with its teaching
//! text, inputs and probe / apply / verify plans. Nothing here does I/O.

use std::fmt;

/// The stages, in course order. The order of `ALL` is the order of the wizard.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StageId {
    Connect,
    Update,
    User,
    SshHardening,
    Postgres,
    Firewall,
    Nginx,
    App,
    Service,
    Domain,
}

impl StageId {
    pub const ALL: [StageId; 10] = [
        StageId::Connect,
        StageId::Update,
        StageId::User,
        StageId::SshHardening,
        StageId::Postgres,
        StageId::Firewall,
        StageId::Nginx,
        StageId::App,
        StageId::Service,
        StageId::Domain,
    ];

    /// Short title for the stage list (fits a 22-column sidebar with its badge).
    pub fn title(self) -> &'static str {
        match self {
            StageId::Connect => "Connect",
            StageId::Update => "Update system",
            StageId::User => "New sudo user",
            StageId::SshHardening => "SSH key & hardening",
            StageId::Postgres => "PostgreSQL",
            StageId::Firewall => "Firewall",
            StageId::Nginx => "nginx site",
            StageId::App => "The app",
            StageId::Service => "uWSGI service",
            StageId::Domain => "Domain & TLS",
        }
    }

    /// The name used on the command line (`--only user`) and in saved progress.
    pub fn key(self) -> &'static str {
        match self {
            StageId::Connect => "connect",
            StageId::Update => "update",
            StageId::User => "user",
            StageId::SshHardening => "ssh",
            StageId::Postgres => "postgres",
            StageId::Firewall => "firewall",
            StageId::Nginx => "nginx",
            StageId::App => "app",
            StageId::Service => "service",
            StageId::Domain => "domain",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.key() == key)
    }

    pub fn index(self) -> usize {
        Self::ALL.iter().position(|s| *s == self).unwrap_or(0)
    }
}

impl fmt::Display for StageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.title())
    }
}

/// Where a stage stands, as shown by its badge.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum StageStatus {
    #[default]
    Pending,
    Running,
    Done,
    Failed,
    Skipped,
    /// Was done, but the server no longer matches (someone changed it by hand).
    Drifted,
}

impl StageStatus {
    pub fn label(self) -> &'static str {
        match self {
            StageStatus::Pending => "pending",
            StageStatus::Running => "running",
            StageStatus::Done => "done",
            StageStatus::Failed => "failed",
            StageStatus::Skipped => "skipped",
            StageStatus::Drifted => "drifted",
        }
    }

    /// A one-cell symbol so the badge reads without colour (NO_COLOR, projectors).
    pub fn symbol(self) -> &'static str {
        match self {
            StageStatus::Pending => "·",
            StageStatus::Running => "▶",
            StageStatus::Done => "✓",
            StageStatus::Failed => "✗",
            StageStatus::Skipped => "–",
            StageStatus::Drifted => "≠",
        }
    }
}

pub mod inputs;

pub use inputs::{InputSpec, inputs, validate};
pub mod advice;
pub mod answers;
// ── Stages 8–9: the app and its service ──
pub mod app;
pub mod apprules;
pub mod domain;
pub mod service;
// ── end stages 8–9 ──
pub mod connect;
// ── nginx (stage 7) ──
pub mod nginx;
// ── end nginx ──
pub mod plan;
pub mod prefetch;
pub mod probe;
pub mod ssh;
pub mod text;
pub mod update;
pub mod user;
// ── Stages 5 and 6 ──
pub mod firewall;
pub mod pgname;
pub mod ports;
pub mod postgres;

use answers::Answers;
use plan::StagePlans;

/// The stages this version runs (the rest arrive with later issues).
pub const BUILT: [StageId; 10] = [
    StageId::Connect,
    StageId::Update,
    StageId::User,
    StageId::SshHardening,
    StageId::Postgres,
    StageId::Firewall,
    // ── nginx (stage 7) ──
    StageId::Nginx,
    // ── end nginx ──
    // ── Stages 8–10 ──
    StageId::App,
    StageId::Service,
    StageId::Domain,
];

/// Why a stage's plans could not be built.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("the stage \"{0}\" arrives in a later version")]
    NotBuilt(StageId),
    /// An answer the stage needs is missing or wrong (the form or the answers file says which).
    #[error("{key}: {message}")]
    Answer { key: &'static str, message: String },
    #[error(transparent)]
    Quote(#[from] crate::shell::QuoteError),
}

pub(crate) fn answer<T>(key: &'static str, parsed: Result<T, String>) -> Result<T, PlanError> {
    parsed.map_err(|message| PlanError::Answer { key, message })
}

/// The probe / apply / verify plans of a stage for these answers. The answers are checked into
/// the types the plans take (`values`), so no plan is ever built from unchecked text.
pub fn plans(stage: StageId, answers: &Answers) -> Result<StagePlans, PlanError> {
    Ok(match stage {
        StageId::Connect => connect::plans()?,
        StageId::Update => update::plans()?,
        StageId::User => user::plans(
            &answer("user", UserName::parse(&answers.user))?,
            answers.root_by_key,
        )?,
        StageId::SshHardening => {
            let alias = match &answers.alias {
                Some(alias) => Some(answer("alias", Alias::parse(alias))?),
                None => None,
            };
            ssh::plans(
                &answer("user", UserName::parse(&answers.user))?,
                &answers.key,
                alias.as_ref(),
                &answer("host", Host::parse(&answers.host))?,
                answers.port,
            )?
        }
        // ── Stage 5: PostgreSQL ──
        StageId::Postgres => postgres::plans(
            &answer("postgres.role", PgRole::parse(answers.db_role()))?,
            &answer("postgres.database", PgDatabase::parse(answers.db_name()))?,
        )?,
        // ── Stage 6: firewall ──
        StageId::Firewall => firewall::plans(
            &answer("user", UserName::parse(&answers.user))?,
            &answers.key,
            &firewall::web_ports(answers.domain.is_some()),
            &PortList(answers.extra_ports.clone()),
        )?,
        // ── nginx (stage 7) ──
        StageId::Nginx => {
            let answers = &answers.nginx;
            let site = answer("site", SiteName::parse(&answers.site))?;
            let server_name = answer("server_name", ServerName::parse(&answers.server_name))?;
            answer(
                "remove_default",
                inputs::check_default_site(answers.remove_default, server_name.as_str()),
            )?;
            let text = match &answers.site_text {
                Some(text) => {
                    answer("site_file", inputs::validate_site_text(text))?;
                    text.clone()
                }
                None => nginx::site_from_template(&site, &server_name),
            };
            nginx::plans(&site, &server_name, answers.remove_default, &text)?
        }
        // ── end nginx ──
        // ── Stages 8–9: the app and its service ──
        StageId::App => app::plans(&app::values(answers)?)?,
        StageId::Service => service::plans(&service::values(answers)?)?,
        StageId::Domain => domain::plans_for(answers)?,
    })
}
pub mod runbook;
pub mod values;

const PROBE_ALL: &str = include_str!("scripts/probe_all.sh");
const RUN_FROM_STDIN: &str = include_str!("scripts/run_from_stdin.sh");

impl StageId {
    /// The preamble variable holding this stage's check in the combined check.
    fn probe_var(self) -> &'static str {
        match self {
            StageId::Connect => "probe_connect",
            StageId::Update => "probe_update",
            StageId::User => "probe_user",
            StageId::SshHardening => "probe_ssh",
            StageId::Postgres => "probe_postgres",
            StageId::Firewall => "probe_firewall",
            StageId::Nginx => "probe_nginx",
            StageId::App => "probe_app",
            StageId::Service => "probe_service",
            StageId::Domain => "probe_domain",
        }
    }
}

/// Stage keys as one shell word list (the combined check loops over it).
struct StageList(String);

impl crate::shell::ShellArg for StageList {
    fn shell_text(&self) -> std::borrow::Cow<'_, str> {
        std::borrow::Cow::Borrowed(&self.0)
    }
}

/// A check script droplift built (from checked values), handed to the combined check.
struct BuiltScript<'a>(&'a str);

impl crate::shell::ShellArg for BuiltScript<'_> {
    fn shell_text(&self) -> std::borrow::Cow<'_, str> {
        std::borrow::Cow::Borrowed(self.0)
    }
}

/// Every given stage's read-only check as ONE command (one round trip over the open session),
/// run as root; `probe::split` reads its output. Stages whose answers are missing or that this
/// version does not have are left out and listed second. The connect stage is left out too:
/// being logged in is its check, and so is a check whose secret `has_secret` denies. A check that reads stdin reads one line (a public key, a
/// password: neither can hold a line break); the command's stdin is those lines in course
/// order, and each such check is handed its own line.
pub fn probe_all(
    stages: &[StageId],
    answers: &Answers,
    has_secret: &dyn Fn(crate::secret::SecretName) -> bool,
) -> Result<(plan::Command, Vec<StageId>), PlanError> {
    let mut checks: Vec<(StageId, plan::Command)> = Vec::new();
    let mut left_out = Vec::new();
    for &stage in stages {
        if stage == StageId::Connect {
            continue;
        }
        match plans(stage, answers) {
            Ok(p) => match p.probe.steps.as_slice() {
                [
                    plan::Step {
                        action: plan::Action::Run(command),
                        ..
                    },
                ] if command.secrets().all(has_secret) => checks.push((stage, command.clone())),
                // A check that needs a secret nobody gave yet (the database password) waits
                // until its stage is opened.
                _ => left_out.push(stage),
            },
            Err(PlanError::NotBuilt(_) | PlanError::Answer { .. }) => left_out.push(stage),
            Err(e) => return Err(e),
        }
    }
    let stdin: Vec<plan::StdinPart> = checks
        .iter()
        .flat_map(|(_, c)| c.stdin.iter().cloned())
        .collect();
    let readers: Vec<&str> = checks
        .iter()
        .filter(|(_, c)| !c.stdin.is_empty())
        .map(|(s, _)| s.key())
        .collect();
    let keys: Vec<&str> = checks.iter().map(|(s, _)| s.key()).collect();
    let mut script = crate::shell::Script::new(&[PROBE_ALL])
        .set("stages", &StageList(keys.join(" ")))
        .set("readers", &StageList(readers.join(" ")));
    for (stage, command) in &checks {
        script = script.set(stage.probe_var(), &BuiltScript(&command.script));
    }
    let timeout = checks
        .iter()
        .map(|(_, c)| c.timeout)
        .max()
        .unwrap_or(std::time::Duration::from_secs(120));
    // Every stage's check together is too long for an SSH command line ("Unable to send channel
    // request"): the script goes first on stdin, read back by a short loader.
    let text = script.text()?;
    let size = u32::try_from(text.len()).unwrap_or(u32::MAX);
    let mut input = vec![plan::StdinPart::Text(text)];
    input.extend(stdin);
    let loader = crate::shell::Script::new(&[RUN_FROM_STDIN]).set("size", &size);
    Ok((
        plan::Command::root(&loader)?.stdin(input).timeout(timeout),
        left_out,
    ))
}

/// The script of the check of every stage, as `probe_all`'s command sends it on stdin.
pub fn probe_all_script(command: &plan::Command) -> &str {
    match command.stdin.first() {
        Some(plan::StdinPart::Text(text)) => text,
        _ => "",
    }
}

use ports::PortList;
use values::{Alias, Host, PgDatabase, PgRole, UserName};
// ── nginx (stage 7) ──
use values::{ServerName, SiteName};
// ── end nginx ──
