//! Working ahead, driven by events as the loop would: `n` while a stage applies opens the next
//! stage's questions, its answers wait for the running stage, and its check follows; a stage
//! that needs the student (a failure, a preview) brings them back, and nothing is clobbered.

use super::drive::{chord, press, type_text};
use super::tests::{answer, app, connected, finish_update_saying, request_id, to_update_preview};
use super::*;
use crate::runner::Phase;
use crate::secret::SecretName;
use crossterm::event::{KeyCode, KeyModifiers};

/// Connected, on the update stage, its changes started: the effects of the first step.
fn applying_update(app: &mut App) -> Vec<Effect> {
    connected(app);
    press(app, KeyCode::Enter);
    to_update_preview(app);
    let effects = press(app, KeyCode::Enter);
    assert_eq!(app.run.as_ref().map(|r| r.phase()), Some(Phase::Apply));
    effects
}

/// Answers every request of the running update stage with success until it ends; what follows.
fn finish_update(app: &mut App, effects: Vec<Effect>) -> Vec<Effect> {
    finish_update_saying(app, effects, "ok")
}

fn fill_user_form(app: &mut App) {
    type_text(app, "carol");
    press(app, KeyCode::Tab);
    type_text(app, "long enough pw");
    press(app, KeyCode::Tab);
    type_text(app, "long enough pw");
}

/// The update applying, the student went ahead (`n`) and answered stage 3: its answers wait.
/// The effects of the update's first step.
fn user_queued_while_updating(app: &mut App) -> Vec<Effect> {
    let effects = applying_update(app);
    press(app, KeyCode::Char('n'));
    fill_user_form(app);
    press(app, KeyCode::Enter);
    assert_eq!(app.queued, Some(StageId::User));
    effects
}

#[test]
fn n_while_a_stage_applies_opens_the_next_form_and_its_check_follows_the_running_stage() {
    let mut app = app();
    let effects = applying_update(&mut app);
    assert_eq!(app.work_ahead_target(), Some(StageId::User));
    press(&mut app, KeyCode::Char('n'));
    assert_eq!(app.current, StageId::User);
    assert_eq!(app.view, View::Form);
    assert_eq!(
        app.status(StageId::Update),
        StageStatus::Running,
        "still going"
    );

    fill_user_form(&mut app);
    let queued = press(&mut app, KeyCode::Enter);
    assert!(
        queued.is_empty(),
        "nothing is sent while stage 2 runs: {queued:?}"
    );
    assert_eq!(app.queued, Some(StageId::User));
    assert_eq!(app.run.as_ref().map(|r| r.stage), Some(StageId::Update));
    assert_eq!(app.answers.user, "carol");
    assert!(
        !app.secrets.contains(SecretName::UserPassword),
        "the running stage keeps the secrets it started with"
    );
    assert!(app.later_secrets.contains(SecretName::UserPassword));
    assert_eq!(app.form.value("user_password"), "", "the field is wiped");

    let after = finish_update(&mut app, effects);
    assert_eq!(app.status(StageId::Update), StageStatus::Done);
    assert!(app.secrets.contains(SecretName::UserPassword));
    assert_eq!(
        app.current,
        StageId::User,
        "the student stays where they are"
    );
    assert_eq!(app.queued, None);
    let run = app.run.as_ref().expect("the user stage's check runs");
    assert_eq!((run.stage, run.phase()), (StageId::User, Phase::Probe));
    let Some(Effect::Perform(request)) = after.first() else {
        panic!("the check is sent: {after:?}");
    };
    let crate::runner::Request::Run { command, .. } = request.as_ref() else {
        panic!("a command");
    };
    assert!(command.script.contains("carol"), "{}", command.script);
    // Its check finds work: the preview of stage 3, as if the student had waited.
    answer(
        &mut app,
        &after,
        "droplift-state: pending no user carol yet",
        0,
    );
    assert!(matches!(app.view, View::Preview { .. }));
}

#[test]
fn a_stage_that_fails_while_the_student_is_ahead_brings_them_back_to_its_error() {
    let mut app = app();
    let effects = user_queued_while_updating(&mut app);

    let id = request_id(&effects);
    update(
        &mut app,
        Event::Worker(WorkerEvent::Finished { id, exit_code: 100 }),
    );
    assert_eq!(app.status(StageId::Update), StageStatus::Failed);
    assert_eq!(app.current, StageId::Update, "back where it failed");
    assert!(matches!(app.overlay, Some(Overlay::Error(_))));
    assert_eq!(app.queued, None, "nothing else starts");
    assert!(app.run.is_none());
    assert_eq!(app.answers.user, "carol", "the answers are kept");
}

#[test]
fn enter_on_another_stage_during_a_check_waits_and_the_check_ends_in_its_own_preview() {
    let mut app = app();
    connected(&mut app);
    press(&mut app, KeyCode::Enter);
    let check = press(&mut app, KeyCode::Enter);
    assert_eq!(app.run.as_ref().map(|r| r.phase()), Some(Phase::Probe));
    assert_eq!(app.work_ahead_target(), None, "no n during a check");
    press(&mut app, KeyCode::Char('n'));
    assert_eq!(app.current, StageId::Update);

    // Alt-↓ still looks ahead; Enter there neither replaces the check nor queues anything.
    chord(&mut app, KeyModifiers::ALT, KeyCode::Down);
    assert_eq!(app.current, StageId::User);
    fill_user_form(&mut app);
    assert!(press(&mut app, KeyCode::Enter).is_empty());
    assert_eq!(app.queued, None);
    assert_eq!(app.run.as_ref().map(|r| r.stage), Some(StageId::Update));

    answer(
        &mut app,
        &check,
        "droplift-state: pending 3 packages can be upgraded",
        0,
    );
    assert_eq!(
        app.current,
        StageId::Update,
        "its preview needs the student"
    );
    assert!(matches!(app.view, View::Preview { .. }));
}

#[test]
fn instructor_mode_keeps_the_class_on_the_running_stage() {
    let mut app = app();
    app.instructor.on = true;
    applying_update(&mut app);
    assert_eq!(app.work_ahead_target(), None);
    press(&mut app, KeyCode::Char('n'));
    assert_eq!(app.current, StageId::Update);
}

#[test]
fn a_restart_the_update_asks_for_waits_until_the_student_goes_back_to_stage_2() {
    let mut app = app();
    let effects = user_queued_while_updating(&mut app);
    let after = finish_update_saying(
        &mut app,
        effects,
        "A restart is needed to finish the update (reboot-required):",
    );
    assert!(app.reboot_needed);
    assert_eq!(app.current, StageId::User, "the student stays on stage 3");
    assert_eq!(
        app.run.as_ref().map(|r| r.stage),
        Some(StageId::User),
        "its check runs"
    );
    assert!(
        app.log.window(5, 0).iter().any(|row| matches!(
            row,
            crate::logbuf::Row::Line(l) if l.text.contains("press r")
        )),
        "the log says how to restart later"
    );
    // Back on stage 2 while the check runs: r waits; once it is done, r restarts.
    chord(&mut app, KeyModifiers::ALT, KeyCode::Up);
    assert_eq!(app.current, StageId::Update);
    assert!(
        press(&mut app, KeyCode::Char('r')).is_empty(),
        "not mid-step"
    );
    // The check of stage 3 ends in its preview, which brings the student there.
    answer(
        &mut app,
        &after,
        "droplift-state: pending no user carol yet",
        0,
    );
    assert!(app.run.is_none());
    assert_eq!(app.current, StageId::User);
    assert!(matches!(app.view, View::Preview { .. }));
    chord(&mut app, KeyModifiers::ALT, KeyCode::Up);
    let effects = press(&mut app, KeyCode::Char('r'));
    let [Effect::Worker(job)] = effects.as_slice() else {
        panic!("the restart: {effects:?}");
    };
    let crate::remote::Job::Run { command, .. } = job.as_ref() else {
        panic!("a command");
    };
    assert_eq!(command.script, "systemctl reboot");
}

#[test]
fn a_student_who_goes_back_to_watch_the_stage_end_starts_nothing_by_surprise() {
    let mut app = app();
    let effects = user_queued_while_updating(&mut app);
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.current, StageId::Update);
    assert_eq!(app.view, View::Running, "back to the running stage");

    let after = finish_update_saying(&mut app, effects, "ok");
    assert!(after.is_empty(), "no check starts: {after:?}");
    assert_eq!(app.view, View::Finished);
    assert_eq!(app.queued, None);
    // Enter goes on to stage 3 as usual; its name was kept.
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.current, StageId::User);
    assert_eq!(app.form.value("user"), "carol");
}
