//! The end of a stage's run, handled in one place whichever screen the student is on: the check
//! of every stage after logging in, a stage that ended behind the student (who went ahead), or
//! the stage on screen. `flow` reports the end as a message (`Msg::RunEnded`); this decides.

use super::{App, Effect, Overlay, SideRun, flow};
use crate::course::StageId;
use crate::runner::{Outcome, StageRun};

/// A run ended (`Msg::RunEnded`).
pub(super) fn on_end(app: &mut App, run: StageRun, outcome: Outcome) -> Vec<Effect> {
    flow::settle_secrets(app);
    if app.checking_all {
        return super::resume::all_checked(app, &run, &outcome);
    }
    match app.side_run {
        Some(SideRun::Doctor) => return super::doctor::ended(app, &run, &outcome),
        Some(SideRun::Logs) => return super::logs::ended(app, &run, &outcome),
        Some(SideRun::Backup(_)) => return super::backup::ended(app, &run, &outcome),
        None => {}
    }
    if run.stage != app.current {
        return behind(app, run.stage, outcome);
    }
    // The student came back to watch this stage end: answers queued elsewhere wait for their
    // own Enter, never start by surprise later.
    app.queued = None;
    let connected = run.stage == StageId::Connect && outcome.succeeded();
    on_screen(app, run.stage, outcome);
    if connected {
        // Logged in and looked around: now find out what else is already done.
        return super::resume::check_all(app);
    }
    super::resume::save(app);
    // The app, its service or the domain reached its goal: the server's health on its screen.
    if app.view == super::View::Finished && super::board::shown(app) {
        return super::board::start(app);
    }
    Vec::new()
}

/// The end of the stage on screen: its result, preview or error card. The nginx stage's editor
/// opens on its preview, and takes the place of the card when nginx -t named a line of the site.
fn on_screen(app: &mut App, stage: StageId, outcome: Outcome) {
    let pending = matches!(outcome, Outcome::Pending(_));
    let failed = match &outcome {
        Outcome::Failed { detail, .. } => Some(detail.clone()),
        _ => None,
    };
    let card = flow::finish(app, stage, outcome);
    if stage == StageId::Nginx {
        if pending {
            super::editor::open(app);
        }
        if failed.is_some_and(|detail| super::editor::on_failure(app, stage, &detail)) {
            return;
        }
    }
    if let Some(card) = card {
        app.overlay = Some(Overlay::Error(card));
    }
}

/// A stage ended while the student was on another stage's screen. Done: say so and start the
/// check the student queued. Anything else needs the student where it happened (a failure to
/// read, a preview to confirm): back there, and the queue is dropped. A restart the update asks
/// for waits: it is offered on stage 2's screen whenever the student chooses.
fn behind(app: &mut App, stage: StageId, outcome: Outcome) -> Vec<Effect> {
    if !outcome.succeeded() {
        if let Some(queued) = app.queued.take() {
            app.info(&format!(
                "Stage {} needs you first; stage {}'s answers are kept for when you get there.",
                stage.index() + 1,
                queued.index() + 1
            ));
        }
        app.enter_stage(stage);
        on_screen(app, stage, outcome);
        super::resume::save(app);
        return Vec::new();
    }
    flow::record_end(app, stage, &outcome);
    if stage == StageId::Update && app.reboot_needed {
        app.info(
            "The update asks for a restart to finish. Whenever it suits you (nothing running): \
             Alt-↑ back to stage 2 and press r; droplift reconnects by itself.",
        );
    }
    super::resume::save(app);
    if app.queued.take() == Some(app.current) {
        return flow::check_current(app);
    }
    Vec::new()
}
