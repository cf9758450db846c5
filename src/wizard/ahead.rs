//! Working ahead: while a stage makes its changes, the student may read and answer the next
//! stage's questions (`n`); that stage's check waits until the running one is done, so the
//! student's reading and typing overlap the server's work instead of following it.

use super::{App, Effect, flow};
use crate::course::{StageId, StageStatus};
use crate::runner::Phase;

/// The stage on screen while another stage runs: what Enter on its form does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Elsewhere {
    /// Its answers are in; its check follows the running stage.
    Queued,
    /// Enter keeps the answers and queues the check.
    Queueable,
    /// The running stage is being checked (its preview will need the student): Enter waits.
    Checking,
    /// The connect form: logging in again waits until the running stage is done.
    Connect,
}

impl App {
    /// Another stage runs while this one is on screen: that stage, and what Enter does here.
    pub fn elsewhere(&self) -> Option<(StageId, Elsewhere)> {
        let running = self.run.as_ref()?.stage;
        if running == self.current {
            return None;
        }
        let what = if self.current == StageId::Connect {
            Elsewhere::Connect
        } else if self.running_apply().is_none() {
            Elsewhere::Checking
        } else if self.queued == Some(self.current) {
            Elsewhere::Queued
        } else {
            Elsewhere::Queueable
        };
        Some((running, what))
    }

    /// The stage making its changes now, when the student may leave its screen meanwhile: an
    /// apply (or its verification) after the login. Not in instructor mode (the class watches
    /// each command) and not while stages are being checked: a check ends in a preview that
    /// needs the student.
    pub fn running_apply(&self) -> Option<StageId> {
        let run = self.run.as_ref()?;
        let changing = matches!(run.phase(), Phase::Apply | Phase::Verify);
        (changing && !self.instructor.on && !self.checking_all && run.stage != StageId::Connect)
            .then_some(run.stage)
    }

    /// The stage `n` opens while `running` applies: the next one not done yet.
    pub fn work_ahead_target(&self) -> Option<StageId> {
        let running = self.running_apply()?;
        if self.current != running {
            return None;
        }
        StageId::ALL[running.index() + 1..]
            .iter()
            .copied()
            .find(|s| self.status(*s) != StageStatus::Done)
    }
}

/// `n` while a stage applies: the next stage's questions; the running one goes on.
pub(super) fn go(app: &mut App) -> Vec<Effect> {
    let Some(next) = app.work_ahead_target() else {
        return Vec::new();
    };
    let running = app.current;
    app.enter_stage(next);
    app.info(&format!(
        "Stage {} keeps running (its steps go on in this log); answer stage {} meanwhile.",
        running.index() + 1,
        next.index() + 1
    ));
    Vec::new()
}

/// Enter on a stage's form while another stage runs. With a change being made, the answers are
/// taken now and the check follows as soon as it is done; during a check, the student is asked
/// to wait (that check ends in a preview to read). `None`: nothing runs, go on as usual.
pub(super) fn submit_while_running(app: &mut App) -> Option<Vec<Effect>> {
    let (running, what) = app.elsewhere()?;
    let number = running.index() + 1;
    let said = match what {
        Elsewhere::Connect => format!("Stage {number} is running: log in again once it is done."),
        Elsewhere::Checking => {
            format!("Stage {number} is being checked: press Enter here again once it is done.")
        }
        Elsewhere::Queued => {
            format!("Your answers are in: this stage is checked as soon as stage {number} is done.")
        }
        Elsewhere::Queueable if app.current.index() < running.index() => format!(
            "Stage {number} runs with the answers it started with: stage {}'s answers can change \
             once it is done (press Enter here again then).",
            app.current.index() + 1
        ),
        Elsewhere::Queueable => {
            flow::take_answers(app);
            app.queued = Some(app.current);
            format!(
                "Answers kept: stage {} is checked as soon as stage {number} is done.",
                app.current.index() + 1
            )
        }
    };
    app.info(&said);
    Some(Vec::new())
}
