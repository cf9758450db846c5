//! What a stage's outcome means, said once for both front ends: the status it leaves, the note
//! beside the stage, and the usual fix for a failure. Each front end words the rest its own way.

use super::Outcome;
use crate::course::{self, StageStatus};

impl Outcome {
    /// The stage's status afterwards. An interrupted or stopped stage is still to do.
    pub fn status(&self) -> StageStatus {
        match self {
            Outcome::AlreadyDone(_) | Outcome::Applied => StageStatus::Done,
            Outcome::Pending(_) | Outcome::Interrupted { .. } | Outcome::Cancelled { .. } => {
                StageStatus::Pending
            }
            Outcome::Drifted(_) => StageStatus::Drifted,
            Outcome::Skipped(_) => StageStatus::Skipped,
            Outcome::Failed { .. } => StageStatus::Failed,
        }
    }

    /// The last word on the stage: why it is done, pending or in the way, or why it failed.
    pub fn note(&self) -> String {
        match self {
            Outcome::AlreadyDone(why)
            | Outcome::Pending(why)
            | Outcome::Drifted(why)
            | Outcome::Skipped(why) => why.clone(),
            Outcome::Applied => "the changes were made and checked".into(),
            Outcome::Failed { message, .. } => message.clone(),
            Outcome::Interrupted { .. } => {
                "interrupted: checked again when the connection is back".into()
            }
            Outcome::Cancelled { step } => format!("stopped during \"{step}\""),
        }
    }

    /// A failure's (or a refusal's) usual cause and fix, when the server's words are a known case.
    pub fn advice(&self, stage: course::StageId) -> Option<&'static str> {
        match self {
            Outcome::Failed {
                message, detail, ..
            } => course::advice::advice(stage, detail, message),
            Outcome::Drifted(why) => course::advice::advice(stage, &[], why),
            _ => None,
        }
    }

    /// The stage reached its goal (or found it reached, or had none): the next one may run.
    pub fn succeeded(&self) -> bool {
        matches!(self.status(), StageStatus::Done | StageStatus::Skipped)
    }
}
