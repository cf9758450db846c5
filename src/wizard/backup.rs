//! `s` on the finished screen of the app, uWSGI or domain stage (issue 29): the course's optional
//! backup step. A popup says what a nightly backup is and why, and lists its steps (each
//! command shows in the log as it runs, as a stage's do); Enter sets it up (the same plans as `droplift backup now`: the script, its
//! unit and timer, checked and switched on, skipped when its check finds them there) and takes
//! one backup at once by the unit the timer starts. The stage's own status is never touched;
//! the health board is read again at the end, so its backup row says what is true now.

use super::{App, Effect, ErrorCard, Overlay, SideRun, View, flow};
use crate::course::StageId;
use crate::course::backup;
use crate::course::plan::StagePlans;
use crate::logbuf::LineKind;
use crate::runner::{Outcome, StageRun};

/// Which of the two runs is out: the set-up (when its check finds it missing), then one backup.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    SetUp,
    Now,
}

/// The popup's text: what the step does and why, and what each of its steps does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BackupOffer {
    pub site: String,
    pub db: String,
    /// What each step does (its whole title, on one line), in order.
    pub steps: Vec<String>,
}

/// Where `s` works: the end of the app, uWSGI or domain stage, once the database stage is done
/// (there is a database to keep).
pub(super) fn offered(app: &App) -> bool {
    // A squad's key runs only its sealed steps: not the doctor's or a backup's.
    app.squad.is_none()
        && super::board::offered(app.current)
        && app.status(StageId::Postgres) == crate::course::StageStatus::Done
}

fn plans(app: &App) -> Result<(StagePlans, StagePlans, backup::BackupValues), String> {
    let values = backup::values(&app.answers).map_err(|e| e.to_string())?;
    let setup = backup::setup_plans(&values).map_err(|e| e.to_string())?;
    let now = backup::now_plans(&values).map_err(|e| e.to_string())?;
    Ok((setup, now, values))
}

/// `s`: the popup that explains the step and lists its commands (nothing runs yet).
pub(super) fn offer(app: &mut App) -> Vec<Effect> {
    let (setup, now, values) = match plans(app) {
        Ok(found) => found,
        Err(e) => {
            app.log_line(LineKind::Error, &format!("Backups cannot be set up: {e}"));
            return Vec::new();
        }
    };
    let steps = setup
        .apply
        .steps
        .iter()
        .chain(&now.apply.steps)
        .map(|step| step.title.replace('\n', " "))
        .collect();
    app.overlay = Some(Overlay::Backup(BackupOffer {
        site: values.site.to_string(),
        db: values.db.to_string(),
        steps,
    }));
    Vec::new()
}

/// Enter in the popup: the set-up's run (its check first: what is there is left alone).
pub(super) fn confirm(app: &mut App) -> Vec<Effect> {
    app.overlay = None;
    if app.run.is_some() {
        app.info("A stage is running: set up the backups once it is done (s).");
        return Vec::new();
    }
    let Ok((setup, _, values)) = plans(app) else {
        return Vec::new();
    };
    app.log_line(
        LineKind::Info,
        &format!("── Nightly backups of the database {} ──", values.db),
    );
    start(app, Phase::SetUp, setup)
}

fn start(app: &mut App, phase: Phase, plans: StagePlans) -> Vec<Effect> {
    flow::settle_secrets(app);
    let mut run = StageRun::new(app.current, plans, app.next_id);
    let progress = match phase {
        Phase::SetUp => run.start(),
        Phase::Now => run.start_apply(),
    };
    app.run = Some(run);
    app.side_run = Some(SideRun::Backup(phase));
    app.view = View::Running;
    flow::advance(app, progress)
}

/// A run of the backup step ended: after the set-up, the backup itself; after that, what it
/// kept, and the board read again.
pub(super) fn ended(app: &mut App, run: &StageRun, outcome: &Outcome) -> Vec<Effect> {
    let phase = match app.side_run.take() {
        Some(SideRun::Backup(phase)) => Some(phase),
        _ => None,
    };
    app.view = View::Finished;
    if !outcome.succeeded() {
        let what = match phase {
            Some(Phase::Now) => "The nightly backup is set up, but the backup taken now failed",
            _ => "The nightly backup could not be set up",
        };
        app.log_line(LineKind::Error, &format!("{what}: {}", outcome.note()));
        app.overlay = Some(Overlay::Error(ErrorCard {
            title: "Backups: droplift stopped".to_owned(),
            what: format!("{what}. Nothing that serves changed."),
            server: server_lines(outcome),
            next: "Press d: the doctor reads what the server says (a full disk, PostgreSQL \
                   stopped). Then press s to try again."
                .to_owned(),
        }));
        return Vec::new();
    }
    match phase {
        Some(Phase::SetUp) => match plans(app) {
            Ok((_, now, _)) => start(app, Phase::Now, now),
            Err(e) => {
                app.log_line(LineKind::Error, &e);
                Vec::new()
            }
        },
        _ => {
            let kept = run
                .output()
                .lines()
                .find_map(|l| l.strip_prefix("backup: "))
                .map(str::to_owned);
            app.log_line(
                LineKind::Success,
                &match kept {
                    Some(kept) => format!(
                        "Backed up: {kept}. Every night at 3 another one; `droplift backup \
                         list` shows them, `droplift restore NAME --drill` proves one."
                    ),
                    None => "Backed up. Every night at 3 another one; `droplift backup list` \
                             shows them."
                        .to_owned(),
                },
            );
            super::board::start(app)
        }
    }
}

/// The server's own lines of a failure, for the card.
fn server_lines(outcome: &Outcome) -> Vec<String> {
    match outcome {
        Outcome::Failed {
            message, detail, ..
        } if detail.is_empty() => vec![message.clone()],
        Outcome::Failed { detail, .. } => detail.clone(),
        _ => Vec::new(),
    }
}
