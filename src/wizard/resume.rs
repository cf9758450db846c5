//! Carrying on where the student left off: known servers are offered on the first screen with
//! their answers, and once logged in every stage is checked at once so the list tells the truth.

use super::{App, Effect, Overlay, View, flow};
use crate::course::plan::{Plan, StagePlans, Step};
use crate::course::probe::{Probe, split};
use crate::course::{self, StageId, StageStatus};
use crate::logbuf::LineKind;
use crate::runner::{Outcome, StageRun};
use crate::state::{Progress, SavedServer};

/// Hands the saved progress to the wizard (the loop read it at start) and offers the known
/// servers, the most recent first.
pub fn offer(app: &mut App, progress: Progress, now: u64) {
    app.now = now;
    app.saved = progress;
    if !app.saved.servers.is_empty() {
        app.overlay = Some(Overlay::Resume { selected: 0 });
    }
}

/// The rows of the resume popup: each known server, then "a new droplet".
pub fn rows(app: &App) -> Vec<String> {
    let mut rows: Vec<String> = app
        .saved
        .recent()
        .iter()
        .map(|s| s.summary(app.now))
        .collect();
    rows.push("A new droplet".to_owned());
    rows
}

/// The student chose row `index`: a known server fills the answers and the last known statuses
/// (checked again after logging in); the last row starts afresh.
pub fn pick(app: &mut App, index: usize) {
    let recent: Vec<SavedServer> = app.saved.recent().into_iter().cloned().collect();
    let Some(server) = recent.get(index) else {
        super::cloud::offer_first_choice(app);
        return;
    };
    app.answers
        .restore(&server.host, server.port, &server.answers);
    for stage in StageId::ALL {
        if let (Some(status), Some(saved)) =
            (server.stage_status(stage), server.stages.get(stage.key()))
        {
            app.set_status(stage, status);
            app.set_note(stage, format!("last time: {}", saved.note));
        }
    }
    app.form = super::form_for(StageId::Connect, &app.answers);
    // The text below asks for the root password: the cursor waits there, not in the Host
    // field, where a password would be typed in clear.
    if let Some(index) = app
        .form
        .fields
        .iter()
        .position(|f| f.key == "root_password")
    {
        app.form.focus = index;
    }
    // Stage 4 done last time: root may no longer log in, so the student's own user comes first.
    if server.stage_status(StageId::SshHardening) == Some(StageStatus::Done)
        && !app.answers.user.is_empty()
    {
        // The user is known: the cursor waits in the password field.
        let mut form = super::login::user_login_form(app.answers.login_name());
        form.next();
        app.overlay = Some(Overlay::ResumeAsUser(form));
        app.info(&format!(
            "Resuming {}: the stage list shows what was true last time; droplift checks the \
             server again once you are logged in. Stage 4 was done, so you log in as {} with \
             your key.",
            server.host,
            app.answers.login_name()
        ));
        return;
    }
    app.info(&format!(
        "Resuming {}: the stage list shows what was true last time; droplift checks the server \
         again once you are logged in. Type the root password (or leave it empty to use your key).",
        server.host
    ));
}

/// After logging in: check every stage in one command. Stages without their answers yet are
/// left as they are.
pub fn check_all(app: &mut App) -> Vec<Effect> {
    let secrets = &app.secrets;
    let known = |name| secrets.get(name).is_some();
    let (command, _left_out) = match course::probe_all(&StageId::ALL, &app.answers, &known) {
        Ok(built) => built,
        Err(e) => {
            app.log_line(LineKind::Error, &format!("Could not check the stages: {e}"));
            return Vec::new();
        }
    };
    app.log_line(
        LineKind::Info,
        "Checking every stage on the server at once (read-only) …",
    );
    // Right after the first login the background download starts (it returns at once), so the
    // later stages' packages arrive while the student reads and types; then the check, whose
    // output is what the badges come from (a run's output is its last step's).
    let mut steps = Vec::new();
    match course::prefetch::command(&StageId::ALL, &app.answers) {
        Ok(Some(prefetch)) => steps.push(Step::run(
            "Start downloading, in the background, what the later stages install",
            prefetch,
        )),
        Ok(None) => {}
        Err(e) => app.log_line(LineKind::Info, &format!("No background download: {e}")),
    }
    steps.push(Step::run("Check every stage at once", command));
    let plans = StagePlans {
        probe: Plan::new(steps),
        ..StagePlans::default()
    };
    let mut run = StageRun::new(StageId::Connect, plans, app.next_id).probe_only();
    let progress = run.start();
    app.run = Some(run);
    app.checking_all = true;
    app.view = View::Running;
    flow::advance(app, progress)
}

/// The combined check ended: every stage's badge from what the server says. The connect stage's
/// result stays on screen; Enter then goes to the first stage not done (`flow::next_stage`).
pub fn all_checked(app: &mut App, run: &StageRun, outcome: &Outcome) -> Vec<Effect> {
    app.checking_all = false;
    if let Outcome::Interrupted { .. } | Outcome::Cancelled { .. } = outcome {
        app.log_line(
            LineKind::Error,
            "The check of every stage did not finish; each stage is checked when you open it.",
        );
        return Vec::new();
    }
    for part in split(run.output()) {
        let (status, note) = match &part.verdict {
            Some(Probe::Done(why)) => (StageStatus::Done, why.clone()),
            Some(Probe::Pending(why)) => (StageStatus::Pending, why.clone()),
            Some(Probe::Drifted(why)) => (StageStatus::Drifted, why.clone()),
            Some(Probe::Skipped(why)) => (StageStatus::Skipped, why.clone()),
            None => (StageStatus::Failed, "its check did not finish".to_owned()),
        };
        app.set_status(part.stage, status);
        app.set_note(part.stage, note);
    }
    let tally = course::Tally::of(StageId::ALL.iter().map(|s| app.status(*s)));
    app.log_line(LineKind::Success, &format!("On this server: {tally}."));
    save(app);
    app.view = View::Finished;
    // A finished server (the app serves; every other stage done or, optional, skipped): what a
    // student back on it wants is its health, so straight to the last stage done, whose
    // finished screen reads the board (issue 29).
    if finished(app) {
        let last = [StageId::Domain, StageId::Service]
            .into_iter()
            .find(|s| app.status(*s) == StageStatus::Done)
            .unwrap_or(StageId::Service);
        app.enter_stage(last);
        app.view = View::Finished;
        app.log_line(
            LineKind::Info,
            "Every stage is done: the server's health is read below (d: the doctor; Alt-↑: \
             the stages before).",
        );
        return super::board::start(app);
    }
    Vec::new()
}

/// Every stage done, or skipped when it is optional, and the app served by its service.
fn finished(app: &App) -> bool {
    app.status(StageId::Service) == StageStatus::Done
        && StageId::ALL
            .iter()
            .all(|s| matches!(app.status(*s), StageStatus::Done | StageStatus::Skipped))
}

/// The current answers and badges, to be saved for next time (never a secret): the loop writes
/// `app.unsaved` after the event, as it writes the log file, so `update` stays pure.
pub fn save(app: &mut App) {
    // A squad's account cannot resume as the instructor's stages would (root, the owner's
    // login): the squad's file is the way back in.
    if app.squad.is_some() {
        return;
    }
    let now = app.now;
    let server = app.saved.touch(&app.answers, now);
    for entry in &app.stages {
        if !matches!(entry.status, StageStatus::Running) {
            server.set_stage(entry.id, entry.status, &entry.note, now);
        }
    }
    app.unsaved = Some(app.saved.clone());
}
