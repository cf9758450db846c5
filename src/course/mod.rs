//! The course as data: the stages in the order the course teaches them, each with its teaching
//! text, inputs and probe / apply / verify plans. Nothing here does I/O.

use std::fmt;

/// The course: each stage's id and its folder under `stages/`, in course order. This is the one
/// list that names every stage: it makes `StageId` and `STAGES`, and everything else loops over
/// `STAGES`. A new stage is its folder, a line here and its `pub mod` line in `stages/mod.rs`.
macro_rules! course {
    ($($id:ident => $folder:ident),+ $(,)?) => {
        /// The stages, in course order.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum StageId {
            $($id),+
        }

        /// Every stage's descriptor, in course order.
        pub const STAGES: &[&Stage] = &[$(&stages::$folder::STAGE),+];
    };
}

course! {
    Connect => connect,
    Update => update,
    User => user,
    SshHardening => ssh,
    Postgres => postgres,
    Firewall => firewall,
    Nginx => nginx,
    App => app,
    Service => service,
    Domain => domain,
}

impl StageId {
    /// Every stage in course order: the order of the wizard, of `apply`, of the runbook.
    pub const ALL: [StageId; STAGES.len()] = {
        let mut all = [StageId::Connect; STAGES.len()];
        let mut i = 0;
        while i < all.len() {
            all[i] = STAGES[i].id;
            i += 1;
        }
        all
    };

    /// The stage's descriptor: everything droplift knows of it.
    pub fn stage(self) -> &'static Stage {
        STAGES[self as usize]
    }

    /// Short title for the stage list (fits a 22-column sidebar with its badge).
    pub fn title(self) -> &'static str {
        self.stage().title
    }

    /// The name used on the command line (`--only user`) and in saved progress.
    pub fn key(self) -> &'static str {
        self.stage().key
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.key() == key)
    }

    pub fn index(self) -> usize {
        self as usize
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

/// How far a server is along the course: the one count the header, the resume list, the log
/// and `droplift status` show. A skipped stage (optional, not asked for) is not done.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tally {
    pub done: usize,
    pub skipped: usize,
    pub total: usize,
}

impl Tally {
    /// The count from the statuses of the stages it is about (every stage of the course, or
    /// the ones `status --only` checked), one status each.
    pub fn of(statuses: impl IntoIterator<Item = StageStatus>) -> Self {
        let mut tally = Tally {
            done: 0,
            skipped: 0,
            total: 0,
        };
        for status in statuses {
            tally.total += 1;
            match status {
                StageStatus::Done => tally.done += 1,
                StageStatus::Skipped => tally.skipped += 1,
                _ => {}
            }
        }
        tally
    }
}

/// "9 of 10 stages done, 1 skipped".
impl std::fmt::Display for Tally {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} of {} stages done", self.done, self.total)?;
        if self.skipped > 0 {
            write!(f, ", {} skipped", self.skipped)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tally_tests {
    use super::{StageStatus, Tally};

    #[test]
    fn a_skipped_stage_is_counted_apart_from_the_done_ones() {
        let mut statuses = vec![StageStatus::Done; 9];
        statuses.push(StageStatus::Skipped);
        let tally = Tally::of(statuses);
        assert_eq!(tally.to_string(), "9 of 10 stages done, 1 skipped");
        let only = Tally::of([StageStatus::Done, StageStatus::Pending]);
        assert_eq!(only.to_string(), "1 of 2 stages done");
    }
}

pub mod advice;
pub mod answers;
pub mod answers_file;
pub mod apt;
pub mod backup;
pub mod board;
pub mod check;
pub mod class;
pub mod deploy_key;
pub mod doctor;
pub mod env;
pub mod joint;
pub mod plan;
pub mod prefetch;
pub mod probe;
pub mod runbook;
pub mod stage;
pub mod stages;
pub mod values;

pub use stage::{FieldError, InputSpec, Stage};

use crate::refused::Refused;
use answers::Answers;
use plan::StagePlans;

// A folder whose descriptor names another stage's id fails the build.
const _: () = {
    let mut i = 0;
    while i < STAGES.len() {
        assert!(STAGES[i].id as usize == i);
        i += 1;
    }
};

/// Why a stage's plans could not be built.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// An answer the stage needs is missing or wrong (the form or the answers file says which).
    #[error("{key}: {message}")]
    Answer { key: &'static str, message: Refused },
    #[error(transparent)]
    Quote(#[from] crate::shell::QuoteError),
}

pub(crate) fn answer<T>(key: &'static str, parsed: Result<T, Refused>) -> Result<T, PlanError> {
    parsed.map_err(|message| PlanError::Answer { key, message })
}

/// The probe / apply / verify plans of a stage for these answers. The answers are checked into
/// the types the plans take (`values`), so no plan is ever built from unchecked text.
pub fn plans(stage: StageId, answers: &Answers) -> Result<StagePlans, PlanError> {
    (stage.stage().plans)(answers)
}

/// The questions a stage asks on its screen, in order.
pub fn inputs(stage: StageId) -> &'static [InputSpec] {
    stage.stage().inputs
}

/// Checks a stage's answers as typed (`value` gives the text of a field): each wrong field, in
/// field order; empty means everything is acceptable.
pub fn validate(stage: StageId, value: &dyn Fn(&str) -> String) -> Vec<FieldError> {
    (stage.stage().validate)(value)
}

const PROBE_ALL: &str = include_str!("scripts/probe_all.sh");
const RUN_FROM_STDIN: &str = include_str!("scripts/run_from_stdin.sh");

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
    probe_all_with(stages, answers, has_secret, None)
}

/// `probe_all` with one more read-only part beside the stages' checks, run in the same command
/// (the health board, `board::command`): its output is framed as a part named `key`, which
/// `probe::split` leaves out and `probe::extra_part` reads. It takes no stdin.
pub fn probe_all_with(
    stages: &[StageId],
    answers: &Answers,
    has_secret: &dyn Fn(crate::secret::SecretName) -> bool,
    extra: Option<(&str, &plan::Command)>,
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
            Err(PlanError::Answer { .. }) => left_out.push(stage),
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
    let mut keys: Vec<&str> = checks.iter().map(|(s, _)| s.key()).collect();
    if let Some((key, _)) = extra {
        keys.push(key);
    }
    let mut script = crate::shell::Script::new(&[PROBE_ALL])
        .set("stages", &StageList(keys.join(" ")))
        .set("readers", &StageList(readers.join(" ")));
    for (stage, command) in &checks {
        script = script.set_named(
            format!("probe_{}", stage.key()),
            &BuiltScript(&command.script),
        );
    }
    if let Some((key, command)) = extra {
        script = script.set_named(format!("probe_{key}"), &BuiltScript(&command.script));
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

#[cfg(test)]
mod tests {
    use super::*;

    fn example() -> Answers {
        answers_file::parse(include_str!("../../assets/answers.example.toml"))
            .expect("the example parses")
            .0
    }

    #[test]
    fn every_stage_fills_its_own_fields_and_only_those() {
        let answers = example();
        for stage in STAGES {
            for spec in stage.inputs.iter().filter(|s| !s.secret) {
                assert!(
                    (stage.fill)(&answers, spec.key).is_some(),
                    "{}: the field {} is not filled from the answers",
                    stage.key,
                    spec.key
                );
            }
            assert_eq!(
                (stage.fill)(&answers, "no_such_field"),
                None,
                "{}",
                stage.key
            );
        }
    }

    #[test]
    fn every_rollback_says_when_it_applies() {
        let answers = example();
        for stage in STAGES {
            let plans = (stage.plans)(&answers).expect("the example answers every stage");
            assert_eq!(
                !plans.apply.rollback.is_empty(),
                stage.rollback_after.is_some(),
                "{}: a rollback and its wording go together",
                stage.key
            );
        }
    }

    #[test]
    fn every_package_a_stage_fetches_is_one_its_own_scripts_install() {
        let with_domain = answers_file::parse(include_str!(
            "../../tests/fixtures/export/git-and-domain.toml"
        ))
        .expect("the fixture parses")
        .0;
        for answers in [example(), with_domain] {
            for stage in STAGES {
                let mut fetch = apt::Fetch::default();
                (stage.fetch)(&answers, &mut fetch);
                let plans = (stage.plans)(&answers).expect("plans");
                let scripts: String = plans
                    .apply
                    .steps
                    .iter()
                    .filter_map(|step| match &step.action {
                        plan::Action::Run(command) => Some(command.script.as_str()),
                        _ => None,
                    })
                    .collect();
                for package in &fetch.packages {
                    assert!(
                        scripts
                            .split(|c: char| !(c.is_ascii_alphanumeric() || "-.+".contains(c)))
                            .any(|word| word == *package),
                        "{}: fetches {package} but its scripts do not install it",
                        stage.key
                    );
                }
            }
        }
    }

    #[test]
    fn keys_are_unique_and_name_their_stage() {
        for stage in StageId::ALL {
            assert_eq!(StageId::from_key(stage.key()), Some(stage));
            assert_eq!(stage.stage().id, stage);
        }
    }

    #[test]
    fn a_field_error_names_its_field() {
        let errors = validate(StageId::User, &|key| {
            if key == "user" { "Root" } else { "" }.to_owned()
        });
        assert_eq!(errors[0].field, "user");
        assert!(errors[0].message.contains("lower-case"), "{}", errors[0]);
    }
}
