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
pub mod connect;
// ── nginx (stage 7) ──
pub mod nginx;
// ── end nginx ──
pub mod plan;
pub mod probe;
pub mod ssh;
pub mod text;
pub mod update;
pub mod user;

use answers::Answers;
use plan::StagePlans;

/// The stages this version runs (the rest arrive with later issues).
pub const BUILT: [StageId; 5] = [
    StageId::Connect,
    StageId::Update,
    StageId::User,
    StageId::SshHardening,
    // ── nginx (stage 7) ──
    StageId::Nginx,
    // ── end nginx ──
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

fn answer<T>(key: &'static str, parsed: Result<T, String>) -> Result<T, PlanError> {
    parsed.map_err(|message| PlanError::Answer { key, message })
}

/// The probe / apply / verify plans of a stage for these answers. The answers are checked into
/// the types the plans take (`values`), so no plan is ever built from unchecked text.
pub fn plans(stage: StageId, answers: &Answers) -> Result<StagePlans, PlanError> {
    Ok(match stage {
        StageId::Connect => connect::plans()?,
        StageId::Update => update::plans()?,
        StageId::User => user::plans(&answer("user", UserName::parse(&answers.user))?)?,
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
        other => return Err(PlanError::NotBuilt(other)),
    })
}
pub mod runbook;
pub mod values;

use values::{Alias, Host, UserName};
// ── nginx (stage 7) ──
use values::{ServerName, SiteName};
// ── end nginx ──
