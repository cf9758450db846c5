//! The one descriptor every stage fills in: what the wizard, the answers file, the background
//! download and the runbook need to know of a stage, so that nothing else matches on a stage.

use super::advice::Known;
use super::answers::Answers;
use super::apt::Fetch;
use super::plan::StagePlans;
use super::{PlanError, StageId};
use crate::secret::{Secret, SecretName};

/// Everything the rest of droplift knows of one stage. Each stage's folder defines one
/// (`stages/<stage>/mod.rs`, `STAGE`); `course::STAGES` lists them in course order.
pub struct Stage {
    pub id: StageId,
    /// The name used on the command line (`--only user`) and in saved progress.
    pub key: &'static str,
    /// Short title for the stage list (fits a 22-column sidebar with its badge).
    pub title: &'static str,
    /// What the stage does, and why, in a few short sentences: its screen and the runbook.
    pub explanation: &'static str,
    /// The questions its screen asks, in order.
    pub inputs: &'static [InputSpec],
    /// Checks what was typed on its screen (`value` gives a field's text): each wrong field in
    /// field order; none means everything is acceptable.
    pub validate: fn(value: &FieldText<'_>) -> Vec<FieldError>,
    /// The value a non-secret field of its screen starts with, from the answers; None for a key
    /// that is not one of its fields (a test holds every stage to all of its own).
    pub fill: fn(&Answers, key: &str) -> Option<String>,
    /// A line shown under a field when its screen opens: why its start value is what it is
    /// (the app's entry point, found in the code); None for most fields.
    pub note: fn(&Answers, key: &str) -> Option<String>,
    /// Reads its screen back into the answers, once `validate` found nothing wrong; returns the
    /// secrets typed (the wizard keeps them, zeroized, never in the answers).
    pub take: fn(&mut Answers, &mut dyn FormInput) -> Vec<(SecretName, Secret)>,
    /// Its probe / apply / verify plans for these answers (checked into typed values first).
    pub plans: fn(&Answers) -> Result<StagePlans, PlanError>,
    /// What the background download fetches for it (`fetch_nothing` when it installs nothing).
    pub fetch: fn(&Answers, &mut Fetch),
    /// When its apply plan has a rollback, the moment after which it applies, as the runbook
    /// says it: "If any step above fails after {rollback_after}:". A test holds every stage with
    /// a rollback to saying it.
    pub rollback_after: Option<&'static str>,
    /// The failures only this stage meets, recognised from the server's words before the cases
    /// any stage can meet (`advice::KNOWN`).
    pub advice: &'static [Known],
    /// Its tasks in the exported Ansible play (`tasks.yml` beside it), which `site.yml`
    /// imports under the stage's tag; None for the login, which the play's connection does.
    pub ansible_tasks: Option<&'static str>,
}

/// For a stage that installs nothing.
pub fn fetch_nothing(_: &Answers, _: &mut Fetch) {}

/// For a stage whose screen asks nothing, or whose screen is read elsewhere (the login).
pub fn take_nothing(_: &mut Answers, _: &mut dyn FormInput) -> Vec<(SecretName, Secret)> {
    Vec::new()
}

/// For a stage whose screen asks nothing.
pub fn fill_nothing(_: &Answers, _: &str) -> Option<String> {
    None
}

/// For a stage whose fields need no note under them.
pub fn note_nothing(_: &Answers, _: &str) -> Option<String> {
    None
}

/// For a stage whose screen asks nothing.
pub fn nothing_to_check(_: &FieldText<'_>) -> Vec<FieldError> {
    Vec::new()
}

/// The text typed in a field of a screen, by the field's key.
pub type FieldText<'a> = dyn Fn(&str) -> String + 'a;

/// A screen's fields as a stage reads them back: the wizard's form implements it.
pub trait FormInput {
    /// The text typed in a field (empty for a key the screen does not have).
    fn value(&self, key: &str) -> String;
    /// A secret field's text, moved out of the field (which is left empty).
    fn take_secret(&mut self, key: &str) -> Secret;
}

/// What is wrong with one field, in words for the student.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct FieldError {
    /// The field's key on the stage's screen.
    pub field: &'static str,
    pub message: String,
}

/// Collects a stage's field errors in field order.
#[derive(Default)]
pub struct FieldErrors(Vec<FieldError>);

impl FieldErrors {
    /// Records the field's error, if the check found one.
    pub fn check<T, E: std::fmt::Display>(&mut self, field: &'static str, result: Result<T, E>) {
        if let Err(message) = result {
            self.0.push(FieldError {
                field,
                message: message.to_string(),
            });
        }
    }

    pub fn into_vec(self) -> Vec<FieldError> {
        self.0
    }
}

/// One question a stage asks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InputSpec {
    /// The key in the answers file and in the form.
    pub key: &'static str,
    pub label: &'static str,
    /// Shown greyed in the empty field.
    pub hint: &'static str,
    /// Masked while typed, never saved, sent only over stdin.
    pub secret: bool,
    pub default: &'static str,
}

/// A plain question.
pub const fn text(key: &'static str, label: &'static str, hint: &'static str) -> InputSpec {
    InputSpec {
        key,
        label,
        hint,
        secret: false,
        default: "",
    }
}

/// A question whose answer is masked and never saved.
pub const fn secret(key: &'static str, label: &'static str, hint: &'static str) -> InputSpec {
    InputSpec {
        key,
        label,
        hint,
        secret: true,
        default: "",
    }
}
