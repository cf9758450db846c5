//! Drives `update` with events, as the loop would, and checks the state: no terminal involved.

use super::drive::{chord, ctrl, press, type_text};
use super::*;
use crate::remote::{HostKeyDecision, JobId, Stream};
use crate::secret::{Secret, SecretName};
use crate::theme::ThemeName;
use crossterm::event::{KeyCode, KeyModifiers};

pub(super) fn app() -> App {
    App::new(Theme::new(ThemeName::Default, false), 100)
}

#[test]
fn tab_and_shift_tab_move_between_fields() {
    let mut app = app();
    assert_eq!(app.form.focus, 0);
    press(&mut app, KeyCode::Tab);
    assert_eq!(app.form.focus, 1);
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Tab);
    assert_eq!(app.form.focus, 0, "wraps around");
    press(&mut app, KeyCode::BackTab);
    assert_eq!(app.form.focus, 2);
}

#[test]
fn typing_goes_to_the_focused_field_even_q_and_question_mark() {
    let mut app = app();
    type_text(&mut app, "q?x");
    assert_eq!(app.form.value("host"), "q?x");
    assert!(!app.should_quit);
    assert!(app.overlay.is_none());
}

#[test]
fn enter_on_last_field_validates_and_marks_the_bad_field() {
    let mut app = app();
    type_text(&mut app, "a b");
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Backspace);
    press(&mut app, KeyCode::Backspace);
    type_text(&mut app, "99999");
    press(&mut app, KeyCode::Tab);
    let effects = press(&mut app, KeyCode::Enter);
    assert!(effects.is_empty(), "nothing is run with bad input");
    assert!(
        app.form
            .field("host")
            .and_then(|f| f.error.clone())
            .is_some()
    );
    assert!(
        app.form
            .field("port")
            .and_then(|f| f.error.clone())
            .is_some()
    );
    assert_eq!(app.form.focus, 0, "focus jumps to the first bad field");
    assert_eq!(app.form.value("host"), "a b", "what was typed is kept");
    // Typing in the field clears its message.
    press(&mut app, KeyCode::Backspace);
    assert!(
        app.form
            .field("host")
            .and_then(|f| f.error.clone())
            .is_none()
    );
}

#[test]
fn f1_opens_help_and_esc_closes_it() {
    let mut app = app();
    press(&mut app, KeyCode::F(1));
    assert!(matches!(app.overlay, Some(Overlay::Help)));
    type_text(&mut app, "abc");
    assert_eq!(
        app.form.value("host"),
        "",
        "keys go to the overlay while it is open"
    );
    press(&mut app, KeyCode::Esc);
    assert!(app.overlay.is_none());
}

#[test]
fn ctrl_c_quits_at_once_when_idle() {
    let mut app = app();
    let effects = ctrl(&mut app, 'c');
    assert!(app.should_quit);
    assert!(effects.iter().any(|e| matches!(e, Effect::Quit)));
}

#[test]
fn quitting_while_busy_asks_first() {
    let mut app = app();
    app.set_status(StageId::Update, StageStatus::Running);
    ctrl(&mut app, 'c');
    assert!(matches!(app.overlay, Some(Overlay::ConfirmQuit)));
    assert!(!app.should_quit);
    press(&mut app, KeyCode::Char('n'));
    assert!(app.overlay.is_none());
    assert!(!app.should_quit);
    ctrl(&mut app, 'c');
    let effects = press(&mut app, KeyCode::Char('y'));
    assert!(app.should_quit);
    assert!(effects.iter().any(|e| matches!(e, Effect::Quit)));
}

#[test]
fn alt_arrows_peek_at_other_stages_and_esc_goes_back() {
    let mut app = app();
    chord(&mut app, KeyModifiers::ALT, KeyCode::Down);
    chord(&mut app, KeyModifiers::ALT, KeyCode::Down);
    assert_eq!(app.current, StageId::User);
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.current, StageId::Update);
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Esc);
    assert_eq!(
        app.current,
        StageId::Connect,
        "Esc stops at the first stage"
    );
}

#[test]
fn log_scrolls_by_page_and_end_follows_again() {
    let mut app = app();
    update(&mut app, Event::Resize(80, 24));
    for i in 0..50 {
        update(
            &mut app,
            Event::Worker(WorkerEvent::Output {
                id: 1,
                stream: Stream::Stdout,
                line: format!("line {i}"),
            }),
        );
    }
    let rows = crate::layout::Areas::new(app.size).log_rows();
    press(&mut app, KeyCode::PageUp);
    assert_eq!(app.log_scroll, rows);
    // New output keeps the scrolled view still.
    update(
        &mut app,
        Event::Worker(WorkerEvent::Output {
            id: 1,
            stream: Stream::Stderr,
            line: "more".into(),
        }),
    );
    assert_eq!(app.log_scroll, rows + 1);
    press(&mut app, KeyCode::Home);
    assert_eq!(app.log_scroll, app.log.max_scroll(rows));
    press(&mut app, KeyCode::End);
    assert_eq!(app.log_scroll, 0);
}

#[test]
fn secrets_are_masked_in_the_log() {
    let mut app = app();
    app.redactor.add(&crate::secret::Secret::new("s3cret pass"));
    app.info("the password is s3cret pass, ok");
    assert_eq!(
        app.log.last().map(|l| l.text.as_str()),
        Some("the password is ••••, ok")
    );
}

#[test]
fn idle_ticks_do_not_redraw() {
    let mut app = app();
    app.dirty = false;
    update(&mut app, Event::Tick);
    assert!(!app.dirty, "idle means no redraw");
    app.set_status(StageId::Update, StageStatus::Running);
    update(&mut app, Event::Tick);
    assert!(app.dirty, "the spinner moves while busy");
}

#[test]
fn pasted_text_keeps_only_the_first_line() {
    let mut app = app();
    update(&mut app, Event::Paste("203.0.113.7\nrm -rf /".into()));
    assert_eq!(app.form.value("host"), "203.0.113.7");
}

fn jobs(effects: &[Effect]) -> Vec<&Job> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Worker(job) => Some(job.as_ref()),
            _ => None,
        })
        .collect()
}

fn connect_to(app: &mut App, host: &str, password: &str) -> Vec<Effect> {
    type_text(app, host);
    press(app, KeyCode::Tab);
    press(app, KeyCode::Tab);
    type_text(app, password);
    press(app, KeyCode::Enter)
}

#[test]
fn connecting_sends_the_password_only_inside_the_job_and_wipes_the_field() {
    let mut app = app();
    let effects = connect_to(&mut app, "203.0.113.7", "e-mailed pw");
    match jobs(&effects).as_slice() {
        [
            Job::Connect {
                target,
                credentials,
                host_keys,
            },
        ] => {
            assert_eq!(target.host, "203.0.113.7");
            assert_eq!(target.user.as_deref(), Some("root"));
            assert_eq!(
                credentials.password.as_ref().map(Secret::expose),
                Some("e-mailed pw")
            );
            assert_eq!(*host_keys, crate::remote::HostKeyPolicy::Ask);
        }
        other => panic!("expected one Connect job, got {other:?}"),
    }
    assert_eq!(
        app.form.value("root_password"),
        "",
        "the field no longer holds it"
    );
    assert_eq!(app.status(StageId::Connect), StageStatus::Running);
    app.info("typed e-mailed pw by mistake");
    assert!(
        !app.log
            .last()
            .map(|l| l.text.clone())
            .unwrap_or_default()
            .contains("e-mailed pw")
    );
}

#[test]
fn unknown_host_key_is_asked_and_accepted_with_y() {
    let mut app = app();
    connect_to(&mut app, "203.0.113.7", "pw");
    update(
        &mut app,
        Event::Worker(WorkerEvent::HostKeyUnknown(crate::remote::HostKeyInfo {
            host: "203.0.113.7".into(),
            key_type: "ssh-ed25519".into(),
            fingerprint: "SHA256:abc".into(),
        })),
    );
    assert!(matches!(
        app.overlay,
        Some(Overlay::HostKey { changed: false, .. })
    ));
    type_text(&mut app, "x");
    assert!(app.overlay.is_some(), "other keys do not answer");
    let effects = press(&mut app, KeyCode::Char('y'));
    assert!(matches!(
        jobs(&effects).as_slice(),
        [Job::HostKey(HostKeyDecision::Accept)]
    ));
    assert!(app.overlay.is_none());
}

#[test]
fn a_changed_host_key_is_replaced_only_after_typing_the_host() {
    let mut app = app();
    connect_to(&mut app, "203.0.113.7", "pw");
    update(
        &mut app,
        Event::Worker(WorkerEvent::HostKeyChanged(crate::remote::HostKeyInfo {
            host: "203.0.113.7".into(),
            key_type: "ssh-ed25519".into(),
            fingerprint: "SHA256:new".into(),
        })),
    );
    type_text(&mut app, "203.0.113.8");
    let effects = press(&mut app, KeyCode::Enter);
    assert!(jobs(&effects).is_empty(), "a wrong name replaces nothing");
    press(&mut app, KeyCode::Backspace);
    type_text(&mut app, "7");
    let effects = press(&mut app, KeyCode::Enter);
    assert!(matches!(
        jobs(&effects).as_slice(),
        [Job::HostKey(HostKeyDecision::Replace)]
    ));
}

#[test]
fn expired_password_is_changed_through_the_popup_and_a_rejection_is_shown_at_the_field() {
    let mut app = app();
    connect_to(&mut app, "203.0.113.7", "old pw");
    update(&mut app, Event::Worker(WorkerEvent::PasswordChangeRequired));
    assert!(matches!(app.overlay, Some(Overlay::PasswordChange(_))));
    type_text(&mut app, "short");
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "shorT");
    let effects = press(&mut app, KeyCode::Enter);
    assert!(jobs(&effects).is_empty(), "mismatch: nothing sent");
    let Some(Overlay::PasswordChange(form)) = &app.overlay else {
        panic!("the popup stays open");
    };
    assert!(form.field("new").and_then(|f| f.error.clone()).is_some());
    // Fix the retype and send it.
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Backspace);
    type_text(&mut app, "t");
    let effects = press(&mut app, KeyCode::Enter);
    match jobs(&effects).as_slice() {
        [Job::ChangePassword { current, new }] => {
            assert_eq!(current.expose(), "old pw");
            assert_eq!(new.expose(), "short");
        }
        other => panic!("{other:?}"),
    }
    update(
        &mut app,
        Event::Worker(WorkerEvent::PasswordChangeRejected {
            reason: "BAD PASSWORD: The password is shorter than 8 characters".into(),
        }),
    );
    let Some(Overlay::PasswordChange(form)) = &app.overlay else {
        panic!("asked again");
    };
    let error = form
        .field("new")
        .and_then(|f| f.error.clone())
        .unwrap_or_default();
    assert!(error.contains("shorter than 8"), "{error}");
    update(&mut app, Event::Worker(WorkerEvent::PasswordChanged));
    assert_eq!(
        app.secrets
            .get(SecretName::RootPassword)
            .map(Secret::expose),
        Some("short"),
        "the new password is the root password from now on"
    );
}

/// The message a form field shows under it (empty: none).
pub(super) fn error(app: &App, key: &str) -> String {
    app.form
        .field(key)
        .and_then(|f| f.error.clone())
        .unwrap_or_default()
}

pub(super) fn request_id(effects: &[Effect]) -> JobId {
    match effects.first() {
        Some(Effect::Perform(request)) => request.id(),
        other => panic!("expected a request, got {other:?}"),
    }
}

/// Answers the request in `effects` with one stdout line and an exit code; returns what follows.
pub(super) fn answer(app: &mut App, effects: &[Effect], line: &str, exit_code: i32) -> Vec<Effect> {
    let id = request_id(effects);
    update(
        app,
        Event::Worker(WorkerEvent::Output {
            id,
            stream: Stream::Stdout,
            line: line.into(),
        }),
    );
    update(app, Event::Worker(WorkerEvent::Finished { id, exit_code }))
}

/// From the update stage's form: Enter runs the check; a pending verdict opens the preview.
pub(super) fn to_update_preview(app: &mut App) {
    let effects = press(app, KeyCode::Enter);
    assert_eq!(
        app.status(StageId::Update),
        StageStatus::Running,
        "checking"
    );
    update(
        app,
        Event::Worker(WorkerEvent::Output {
            id: request_id(&effects),
            stream: Stream::Stdout,
            line: "upgrades waiting: 3".into(),
        }),
    );
    let after = answer(
        app,
        &effects,
        "droplift-state: pending 3 packages can be upgraded",
        0,
    );
    assert!(
        after.is_empty(),
        "nothing changes before the student confirms"
    );
    assert!(matches!(app.view, View::Preview { .. }));
    assert_eq!(app.status(StageId::Update), StageStatus::Pending);
    assert_eq!(app.preview.report, ["upgrades waiting: 3"]);
}

/// Right after the first login: the request is the one that starts the background download
/// (its script on stdin), whose one line lands in the log; the next request follows.
fn start_download(app: &mut App, effects: &[Effect]) -> Vec<Effect> {
    let Some(Effect::Perform(request)) = effects.first() else {
        panic!("the background download starts: {effects:?}");
    };
    let crate::runner::Request::Run { command, .. } = request.as_ref() else {
        panic!("a command");
    };
    assert!(
        command.script.contains("systemd-run"),
        "the download runs under systemd: {}",
        command.script
    );
    let line = "Fetching in the background (niced; nothing is installed early): postgresql";
    let next = answer(app, effects, line, 0);
    assert!(
        app.log.window(200, 0).iter().any(|row| matches!(
            row,
            crate::logbuf::Row::Line(l) if l.text.contains("Fetching in the background")
        )),
        "the log says what is fetched"
    );
    next
}

pub(super) fn connected(app: &mut App) {
    connect_to(app, "203.0.113.7", "pw");
    let effects = update(
        app,
        Event::Worker(WorkerEvent::Connected {
            user: "root".into(),
            host: "203.0.113.7".into(),
            port: 22,
        }),
    );
    // The connect stage looks around (its probe) once logged in.
    let Some(Effect::Perform(request)) = effects.first() else {
        panic!("expected the connect probe, got {effects:?}");
    };
    let crate::runner::Request::Run { id, .. } = request.as_ref() else {
        panic!("a command");
    };
    let id = *id;
    update(
        app,
        Event::Worker(WorkerEvent::Output {
            id,
            stream: Stream::Stdout,
            line: "droplift-state: done connected".into(),
        }),
    );
    let effects = update(
        app,
        Event::Worker(WorkerEvent::Finished { id, exit_code: 0 }),
    );
    assert_eq!(app.status(StageId::Connect), StageStatus::Done);
    // The background download starts first (it returns at once) …
    let effects = start_download(app, &effects);
    // … then every stage is checked at once; a new droplet has nothing done yet.
    let all = answer(
        app,
        &effects,
        "\u{1e}droplift-stage: update\ndroplift-state: pending 3 packages can be upgraded\n\u{1e}droplift-probe-rc: 0",
        0,
    );
    assert!(all.is_empty());
    assert_eq!(app.view, View::Finished);
}

#[test]
fn a_stage_is_checked_then_previewed_then_applied_and_a_failure_shows_the_error_card() {
    let mut app = app();
    connected(&mut app);
    press(&mut app, KeyCode::Enter); // on to the next stage: Update
    assert_eq!(app.current, StageId::Update);
    to_update_preview(&mut app);
    let effects = press(&mut app, KeyCode::Enter);
    assert_eq!(
        app.run.as_ref().map(|r| r.phase()),
        Some(crate::runner::Phase::Apply)
    );
    let id = request_id(&effects);
    update(
        &mut app,
        Event::Worker(WorkerEvent::Output {
            id,
            stream: Stream::Stderr,
            line: "E: dpkg was interrupted".into(),
        }),
    );
    update(
        &mut app,
        Event::Worker(WorkerEvent::Finished { id, exit_code: 100 }),
    );
    assert_eq!(app.status(StageId::Update), StageStatus::Failed);
    let Some(Overlay::Error(card)) = &app.overlay else {
        panic!("an error card");
    };
    assert_eq!(card.server, ["E: dpkg was interrupted"]);
    assert!(card.what.contains("exit status 100"));
}

#[test]
fn a_stage_found_done_is_not_applied() {
    let mut app = app();
    connected(&mut app);
    press(&mut app, KeyCode::Enter);
    let effects = press(&mut app, KeyCode::Enter);
    let after = answer(
        &mut app,
        &effects,
        "droplift-state: done the system is up to date",
        0,
    );
    assert!(after.is_empty());
    assert_eq!(app.status(StageId::Update), StageStatus::Done);
    assert_eq!(app.view, View::Finished);
}

#[test]
fn the_user_form_rejects_bad_names_at_the_field_and_keeps_the_input() {
    let mut app = app();
    connected(&mut app);
    press(&mut app, KeyCode::Enter);
    app.enter_stage(StageId::User);
    type_text(&mut app, "$(reboot)");
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "long enough pw");
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "long enough pw");
    let effects = press(&mut app, KeyCode::Enter);
    assert!(effects.is_empty());
    assert_eq!(app.view, View::Form);
    let error = app
        .form
        .field("user")
        .and_then(|f| f.error.clone())
        .unwrap_or_default();
    assert!(error.contains("start with a letter"), "{error}");
    assert_eq!(app.form.value("user"), "$(reboot)");
    assert_eq!(
        app.form.value("user_password"),
        "long enough pw",
        "nothing is lost"
    );
    assert!(
        !app.secrets.contains(SecretName::UserPassword),
        "nothing is applied"
    );
}

#[test]
fn a_dropped_connection_marks_the_step_interrupted_and_reprobes_after_reconnecting() {
    let mut app = app();
    connected(&mut app);
    press(&mut app, KeyCode::Enter);
    to_update_preview(&mut app);
    let effects = press(&mut app, KeyCode::Enter);
    let id = request_id(&effects);
    update(&mut app, Event::Worker(WorkerEvent::Interrupted { id }));
    update(
        &mut app,
        Event::Worker(WorkerEvent::Disconnected {
            reason: "gone".into(),
        }),
    );
    assert_eq!(
        app.status(StageId::Update),
        StageStatus::Pending,
        "interrupted, not failed"
    );
    assert_eq!(app.link, Link::Reconnecting);
    let effects = update(
        &mut app,
        Event::Worker(WorkerEvent::Connected {
            user: "root".into(),
            host: "h".into(),
            port: 22,
        }),
    );
    assert!(
        matches!(effects.first(), Some(Effect::Perform(_))),
        "checked again"
    );
    assert_eq!(
        app.run.as_ref().map(|r| r.phase()),
        Some(crate::runner::Phase::Probe)
    );
}

/// Answers every request of the running update stage with success until it ends, the restart
/// check with `restart_check`; returns what follows.
pub(super) fn finish_update_saying(
    app: &mut App,
    mut effects: Vec<Effect>,
    restart_check: &str,
) -> Vec<Effect> {
    while app.run.as_ref().is_some_and(|r| r.stage == StageId::Update) {
        let Some(Effect::Perform(request)) = effects.first() else {
            panic!("a request: {effects:?}");
        };
        let crate::runner::Request::Run { id, command } = request.as_ref() else {
            panic!("only commands in the update stage");
        };
        let id = *id;
        let line = if command.script.contains("reboot-required") {
            restart_check
        } else {
            "ok"
        };
        update(
            app,
            Event::Worker(WorkerEvent::Output {
                id,
                stream: Stream::Stdout,
                line: line.into(),
            }),
        );
        effects = update(
            app,
            Event::Worker(WorkerEvent::Finished { id, exit_code: 0 }),
        );
    }
    effects
}

#[test]
fn a_restart_is_offered_after_an_update_that_needs_one() {
    let mut app = app();
    connected(&mut app);
    press(&mut app, KeyCode::Enter);
    to_update_preview(&mut app);
    let effects = press(&mut app, KeyCode::Enter);
    // Every request succeeds; the restart check says a restart is needed.
    finish_update_saying(
        &mut app,
        effects,
        "A restart is needed to finish the update (reboot-required):",
    );
    assert_eq!(app.status(StageId::Update), StageStatus::Done);
    assert!(app.reboot_needed);
    let effects = press(&mut app, KeyCode::Char('r'));
    match jobs(&effects).as_slice() {
        [Job::Run { command, .. }] => {
            assert_eq!(command.script, "systemctl reboot");
            assert!(command.sudo);
        }
        other => panic!("{other:?}"),
    }
    assert!(!app.reboot_needed, "offered once");
}

#[test]
fn leaving_a_field_with_a_mistake_explains_it_there() {
    let mut app = app();
    type_text(&mut app, "root@203.0.113.7");
    press(&mut app, KeyCode::Tab);
    let error = app
        .form
        .field("host")
        .and_then(|f| f.error.clone())
        .unwrap_or_default();
    assert!(error.contains("only the address"), "{error}");
    assert_eq!(app.form.focus, 1, "the student may still move on");
    // An empty field is not judged until the form is confirmed.
    press(&mut app, KeyCode::BackTab);
    for _ in 0.."root@203.0.113.7".len() {
        press(&mut app, KeyCode::Backspace);
    }
    press(&mut app, KeyCode::Tab);
    assert!(
        app.form
            .field("host")
            .and_then(|f| f.error.clone())
            .is_none()
    );
}

#[test]
fn a_drifted_check_stops_the_stage_without_changing_anything() {
    let mut app = app();
    connected(&mut app);
    app.enter_stage(StageId::User);
    type_text(&mut app, "tss");
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "long enough pw");
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "long enough pw");
    let effects = press(&mut app, KeyCode::Enter);
    let after = answer(
        &mut app,
        &effects,
        "droplift-state: drifted tss is a system account (uid 104), not a person's: choose another name",
        0,
    );
    assert!(after.is_empty(), "nothing is applied");
    assert_eq!(app.status(StageId::User), StageStatus::Drifted);
    let Some(Overlay::Error(card)) = &app.overlay else {
        panic!("a card says why");
    };
    assert!(card.what.contains("system account"));
}

#[test]
fn w_on_the_preview_asks_to_save_the_runbook_with_placeholders_only() {
    let mut app = app();
    connected(&mut app);
    press(&mut app, KeyCode::Enter);
    to_update_preview(&mut app);
    // The user stage's commands need its answer (a plan is never built from an empty name).
    app.answers.user = "johndoe".into();
    let effects = press(&mut app, KeyCode::Char('w'));
    match effects.as_slice() {
        [Effect::SaveRunbook(text)] => {
            assert!(text.contains("apt-get"));
            assert!(text.contains("<user_password>"));
            assert!(!text.contains("pw\n"), "no secret value");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn root_refused_offers_the_students_own_user_with_the_key() {
    let mut app = app();
    app.home = "/home/student".into();
    connect_to(&mut app, "203.0.113.7", "old pw");
    update(
        &mut app,
        Event::Worker(WorkerEvent::ConnectFailed {
            kind: crate::remote::ConnectErrorKind::AuthFailed,
            message: "Permission denied".into(),
        }),
    );
    assert!(matches!(app.overlay, Some(Overlay::UserLogin(_))));
    type_text(&mut app, "carol");
    press(&mut app, KeyCode::Tab);
    let effects = press(&mut app, KeyCode::Enter);
    assert!(jobs(&effects).is_empty(), "the password is needed for sudo");
    type_text(&mut app, "carol's pw");
    let effects = press(&mut app, KeyCode::Enter);
    match jobs(&effects).as_slice() {
        [
            Job::SetSudoPassword(pw),
            Job::Connect {
                target,
                credentials,
                ..
            },
        ] => {
            assert_eq!(pw.expose(), "carol's pw");
            assert_eq!(target.user.as_deref(), Some("carol"));
            assert_eq!(
                credentials.password, None,
                "the key logs in, not the password"
            );
            assert_eq!(
                credentials.identity_files,
                [std::path::PathBuf::from("/home/student/.ssh/id_ed25519")]
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(app.answers.user, "carol");
}

#[test]
fn known_servers_are_offered_first_and_picking_one_fills_the_form() {
    let mut app = app();
    let mut progress = crate::state::Progress::default();
    let server = progress.server_mut("203.0.113.7", 2222);
    server.touched = 1_000;
    server.remember("user", "carol").expect("not secret");
    server.set_stage(StageId::User, StageStatus::Done, "carol exists", 900);
    super::resume::offer(&mut app, progress, 1_000 + 7_200);
    assert!(matches!(app.overlay, Some(Overlay::Resume { selected: 0 })));
    assert_eq!(
        super::resume::rows(&app),
        [
            "Resume 203.0.113.7 — 1 of 10 stages done, last touched 2 h ago",
            "A new droplet"
        ]
    );
    press(&mut app, KeyCode::Enter);
    assert!(app.overlay.is_none());
    assert_eq!(app.answers.host, "203.0.113.7");
    assert_eq!(app.answers.port, 2222);
    assert_eq!(app.answers.user, "carol");
    assert_eq!(app.form.value("host"), "203.0.113.7");
    assert_eq!(app.form.value("port"), "2222");
    assert_eq!(app.status(StageId::User), StageStatus::Done);
}

#[test]
fn resuming_a_hardened_server_logs_in_as_the_students_user_first() {
    let saved = || {
        let mut progress = crate::state::Progress::default();
        let server = progress.server_mut("203.0.113.7", 22);
        server.touched = 1_000;
        server.remember("user", "carol").expect("not secret");
        server.set_stage(StageId::SshHardening, StageStatus::Done, "key only", 900);
        progress
    };
    let mut app = app();
    app.home = "/home/student".into();
    super::resume::offer(&mut app, saved(), 1_060);
    press(&mut app, KeyCode::Enter);
    let Some(Overlay::ResumeAsUser(form)) = &app.overlay else {
        panic!("the user's login comes first: {:?}", app.overlay);
    };
    assert_eq!(form.value("user"), "carol");
    // Esc: root after all, with nothing marked wrong.
    press(&mut app, KeyCode::Esc);
    assert!(app.overlay.is_none());
    assert_eq!(app.view, View::Form);
    assert_ne!(app.status(StageId::Connect), StageStatus::Failed);
    assert_eq!(app.form.value("host"), "203.0.113.7");

    // Again, with the password typed: the user with the key, the password for sudo only.
    super::resume::offer(&mut app, saved(), 1_060);
    press(&mut app, KeyCode::Enter);
    type_text(&mut app, "carol's pw");
    let effects = press(&mut app, KeyCode::Enter);
    match jobs(&effects).as_slice() {
        [
            Job::SetSudoPassword(pw),
            Job::Connect {
                target,
                credentials,
                ..
            },
        ] => {
            assert_eq!(pw.expose(), "carol's pw");
            assert_eq!(target.user.as_deref(), Some("carol"));
            assert_eq!(credentials.password, None);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(app.view, View::Running);
}

/// The job `id` prints `lines` on stdout and ends with exit status 0: what follows.
fn said(app: &mut App, id: JobId, lines: &[&str]) -> Vec<Effect> {
    for line in lines {
        update(
            app,
            Event::Worker(WorkerEvent::Output {
                id,
                stream: Stream::Stdout,
                line: (*line).to_owned(),
            }),
        );
    }
    update(
        app,
        Event::Worker(WorkerEvent::Finished { id, exit_code: 0 }),
    )
}

/// Logged in as root to 203.0.113.7 (carol's answers), stage 1 done, the background download
/// started: the effects that follow, the check of every stage's request first.
fn logged_in_to_check_every_stage(app: &mut App) -> Vec<Effect> {
    app.answers.user = "carol".into();
    connect_to(app, "203.0.113.7", "pw");
    let effects = update(
        app,
        Event::Worker(WorkerEvent::Connected {
            user: "root".into(),
            host: "203.0.113.7".into(),
            port: 22,
        }),
    );
    let effects = answer(app, &effects, "droplift-state: done connected", 0);
    start_download(app, &effects)
}

#[test]
fn the_check_of_every_stage_sets_each_badge_and_enter_goes_to_the_first_not_done() {
    let mut app = app();
    let effects = logged_in_to_check_every_stage(&mut app);
    let Some(Effect::Perform(request)) = effects.first() else {
        panic!("the check of every stage starts: {effects:?}");
    };
    let crate::runner::Request::Run { id, command } = request.as_ref() else {
        panic!("one command");
    };
    assert!(
        crate::course::probe_all_script(command).contains("probe_ssh="),
        "all stages in one command"
    );
    let id = *id;
    for line in [
        "\u{1e}droplift-stage: update",
        "droplift-state: done the system is up to date",
        "\u{1e}droplift-probe-rc: 0",
        "\u{1e}droplift-stage: user",
        "droplift-state: done carol exists and may use sudo",
        "\u{1e}droplift-probe-rc: 0",
        "\u{1e}droplift-stage: ssh",
        "droplift-state: drifted PermitRootLogin is yes again",
        "\u{1e}droplift-probe-rc: 0",
    ] {
        update(
            &mut app,
            Event::Worker(WorkerEvent::Output {
                id,
                stream: Stream::Stdout,
                line: line.into(),
            }),
        );
    }
    update(
        &mut app,
        Event::Worker(WorkerEvent::Finished { id, exit_code: 0 }),
    );
    assert_eq!(app.status(StageId::Update), StageStatus::Done);
    assert_eq!(app.status(StageId::User), StageStatus::Done);
    assert_eq!(app.status(StageId::SshHardening), StageStatus::Drifted);
    assert_eq!(
        app.entry(StageId::SshHardening).map(|e| e.note.as_str()),
        Some("PermitRootLogin is yes again")
    );
    let saved = app.unsaved.take().expect("progress to save");
    let server = saved.server("203.0.113.7", 22).expect("this server");
    assert_eq!(
        server.answers.get("user").map(String::as_str),
        Some("carol")
    );
    assert!(server.answers.keys().all(|k| !k.contains("password")));
    press(&mut app, KeyCode::Enter);
    assert_eq!(
        app.current,
        StageId::SshHardening,
        "the first stage not done"
    );
}

/// Logged in to a server the course finished (the domain skipped): the wizard goes to the last
/// stage done and reads the health board, instead of stopping on stage 1 (issue 29).
#[test]
fn logging_in_to_a_finished_server_shows_its_health() {
    let mut app = app();
    let effects = logged_in_to_check_every_stage(&mut app);
    let id = request_id(&effects);
    let mut lines: Vec<String> = Vec::new();
    for stage in &StageId::ALL[1..] {
        let verdict = if *stage == StageId::Domain {
            "droplift-state: skipped no domain: the API is served over http only"
        } else {
            "droplift-state: done as it should be"
        };
        lines.extend([
            format!("\u{1e}droplift-stage: {}", stage.key()),
            verdict.to_owned(),
            "\u{1e}droplift-probe-rc: 0".to_owned(),
        ]);
    }
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    let effects = said(&mut app, id, &lines);
    assert_eq!(app.current, StageId::Service, "the last stage done");
    assert_eq!(app.view, View::Finished);
    assert!(app.board.reading(), "the board is being read");
    let board = request_id(&effects);
    assert_ne!(board, id, "a read of its own");
}

#[test]
fn instructor_mode_pauses_before_each_command_of_a_change() {
    let mut app = app();
    app.instructor.on = true;
    connected(&mut app);
    press(&mut app, KeyCode::Enter);
    to_update_preview(&mut app);
    // Enter on the preview: the first command waits for Space instead of running.
    assert!(
        press(&mut app, KeyCode::Enter).is_empty(),
        "nothing runs yet"
    );
    assert!(app.instructor.paused.is_some());
    assert!(press(&mut app, KeyCode::Char('e')).is_empty());
    assert!(app.instructor.explaining, "e explains the paused command");
    let effects = press(&mut app, KeyCode::Char(' '));
    let id = request_id(&effects);
    assert!(app.instructor.paused.is_none() && !app.instructor.explaining);
    // The next command pauses again once this one ends.
    update(
        &mut app,
        Event::Worker(WorkerEvent::Finished { id, exit_code: 0 }),
    );
    assert!(app.instructor.paused.is_some());
    // Esc stops a paused command before it ever reaches the server.
    press(&mut app, KeyCode::Esc);
    assert!(matches!(app.overlay, Some(Overlay::ConfirmCancel)));
    assert!(press(&mut app, KeyCode::Char('y')).is_empty());
    assert!(app.instructor.paused.is_none());
    assert_ne!(app.status(StageId::Update), StageStatus::Running);
}

#[test]
fn f2_asks_which_system_and_creates_the_one_chosen() {
    use crate::practice::PracticeOs;
    let mut app = app();
    assert!(
        press(&mut app, KeyCode::F(2)).is_empty(),
        "nothing starts yet"
    );
    assert!(matches!(
        app.overlay,
        Some(Overlay::PracticeOs { selected: 0 })
    ));
    // Esc: nothing is created.
    assert!(press(&mut app, KeyCode::Esc).is_empty());
    assert!(app.overlay.is_none() && !app.practice_busy);
    // Enter at once: a new droplet's default.
    press(&mut app, KeyCode::F(2));
    let effects = press(&mut app, KeyCode::Enter);
    assert!(matches!(
        effects.as_slice(),
        [Effect::PracticeUp(PracticeOs::Ubuntu2404)]
    ));
    assert!(app.practice_busy);
    // A second F2 while one is being made asks nothing.
    assert!(press(&mut app, KeyCode::F(2)).is_empty());
    assert!(app.overlay.is_none());

    let mut app = super::tests::app();
    press(&mut app, KeyCode::F(2));
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Down); // stays on the last row
    let effects = press(&mut app, KeyCode::Enter);
    assert!(matches!(
        effects.as_slice(),
        [Effect::PracticeUp(PracticeOs::Debian12)]
    ));
}

#[test]
fn an_unsupported_system_gets_its_own_card_not_edit_your_answer() {
    let mut app = app();
    let why = format!(
        "droplift supports {}; this server runs CentOS Stream 9",
        crate::course::stages::connect::SUPPORTED_NAMES
    );
    let card = super::flow::finish(
        &mut app,
        StageId::Connect,
        crate::runner::Outcome::Drifted(why.clone()),
    )
    .expect("an error card");
    assert_eq!(card.title, "Connect: droplift stops here");
    assert!(card.what.contains("changed nothing"), "{}", card.what);
    assert_eq!(card.server, vec![why]);
    assert!(card.next.contains("Ubuntu 24.04 LTS"), "{}", card.next);
    assert!(!card.next.contains("Change your answer"));
    assert_eq!(app.status(StageId::Connect), StageStatus::Drifted);
}

/// `s` on a finished uWSGI stage: the backup step's popup lists each step; Enter sets the
/// nightly backup up (check, the four steps, the check again) and takes one; the stages keep
/// their status, the log names the file, and the board is read again (issue 29).
#[test]
fn the_backup_step_explains_sets_up_and_backs_up_without_touching_the_stages() {
    let mut app = app();
    app.answers.user = "ola".into();
    app.answers.nginx.site = "items".into();
    for stage in StageId::ALL {
        app.set_status(stage, StageStatus::Done);
    }
    app.set_status(StageId::Domain, StageStatus::Skipped);
    app.enter_stage(StageId::Service);
    app.view = View::Finished;
    assert!(
        press(&mut app, KeyCode::Char('s')).is_empty(),
        "nothing runs yet"
    );
    let Some(Overlay::Backup(offer)) = &app.overlay else {
        panic!("the popup: {:?}", app.overlay);
    };
    let headlines = &offer.steps;
    assert_eq!(headlines.len(), 5, "{headlines:?}");
    assert!(headlines[2].starts_with("Write the timer"), "{headlines:?}");
    assert!(
        headlines[4].starts_with("Back up the database"),
        "{headlines:?}"
    );
    assert!(headlines.iter().all(|h| !h.contains('\n')), "{headlines:?}");
    // Esc: not now; nothing ran.
    press(&mut app, KeyCode::Esc);
    assert!(app.overlay.is_none() && app.run.is_none());
    press(&mut app, KeyCode::Char('s'));
    let mut effects = press(&mut app, KeyCode::Enter);
    assert!(app.overlay.is_none());
    effects = answer(
        &mut app,
        &effects,
        "droplift-state: pending the nightly backup is not set up",
        0,
    );
    for _ in 0..4 {
        effects = answer(&mut app, &effects, "", 0);
    }
    effects = answer(
        &mut app,
        &effects,
        "droplift-state: done the nightly backup is on",
        0,
    );
    assert_eq!(
        app.side_run,
        Some(super::SideRun::Backup(super::backup::Phase::Now))
    );
    let board = answer(
        &mut app,
        &effects,
        "backup: /var/lib/droplift/backups/items/items-20261206T230000Z.dump (2048 bytes)",
        0,
    );
    assert!(app.side_run.is_none());
    assert_eq!(app.view, View::Finished);
    assert_eq!(app.status(StageId::Service), StageStatus::Done);
    assert_eq!(app.status(StageId::Domain), StageStatus::Skipped);
    assert!(
        app.log.last().is_some_and(|l| l
            .text
            .starts_with("Backed up: /var/lib/droplift/backups/items/")),
        "{:?}",
        app.log.last()
    );
    assert!(app.board.reading(), "the board is read again");
    request_id(&board);
}

/// A backup that fails says so in a card; the stages keep their status.
#[test]
fn a_failed_backup_step_is_a_card() {
    let mut app = app();
    app.answers.user = "ola".into();
    for stage in StageId::ALL {
        app.set_status(stage, StageStatus::Done);
    }
    app.enter_stage(StageId::App);
    app.view = View::Finished;
    press(&mut app, KeyCode::Char('s'));
    let effects = press(&mut app, KeyCode::Enter);
    answer(
        &mut app,
        &effects,
        "droplift-state: drifted the timer is off",
        0,
    );
    let Some(Overlay::Error(card)) = &app.overlay else {
        panic!("a card: {:?}", app.overlay);
    };
    assert!(card.what.contains("could not be set up"), "{card:?}");
    assert_eq!(app.status(StageId::App), StageStatus::Done);
    assert!(app.side_run.is_none() && app.run.is_none());
}

/// `l` on a finished uWSGI stage: one read-only command (the same as `droplift logs`), its
/// lines never in the log panel, then the popup from its end; a known line explained.
#[test]
fn the_logs_open_in_a_popup_from_their_end() {
    let mut app = app();
    app.answers.user = "ola".into();
    app.answers.nginx.site = "items".into();
    for stage in StageId::ALL {
        app.set_status(stage, StageStatus::Done);
    }
    app.enter_stage(StageId::Service);
    app.view = View::Finished;
    let effects = press(&mut app, KeyCode::Char('l'));
    let id = request_id(&effects);
    let before = app.log.rows();
    said(
        &mut app,
        id,
        &[
            "── journal of uwsgi-items@* (last 60 lines)",
            "2026-12-06T10:00:00+0000 srv uwsgi[9]: ModuleNotFoundError: No module named 'flask'",
            "droplift-state: done logs of items",
        ],
    );
    assert_eq!(app.log.rows(), before, "the logs stay out of the log panel");
    let Some(Overlay::Logs(view)) = &app.overlay else {
        panic!("the popup: {:?}", app.overlay);
    };
    assert_eq!(view.lines.len(), 3, "{view:?}");
    assert!(view.lines[2].contains("not installed"), "{view:?}");
    assert!(view.scroll >= 3, "from the end: {view:?}");
    assert_eq!(app.status(StageId::Service), StageStatus::Done);
    assert!(app.run.is_none() && app.side_run.is_none());
    press(&mut app, KeyCode::Esc);
    assert!(app.overlay.is_none());
}

/// ola's site items with every stage done, on the uWSGI stage's finished screen, a DigitalOcean
/// token in the environment.
fn finished_with_a_token() -> App {
    let mut app = app();
    app.answers.user = "ola".into();
    app.answers.nginx.site = "items".into();
    app.answers.host = "203.0.113.7".into();
    for stage in StageId::ALL {
        app.set_status(stage, StageStatus::Done);
    }
    app.enter_stage(StageId::Service);
    app.view = View::Finished;
    app.cloud_env.token = Some(crate::secret::Secret::new("dop_v1_test"));
    app
}

/// A cloud firewall with SSH only, in front of the droplet `items-droplet`.
fn ssh_only() -> crate::cloud::firewall::CloudView {
    let page: crate::cloud::api::FirewallsPage = serde_json::from_value(serde_json::json!({
        "firewalls": [{"id": "fw-1", "name": "ssh-only", "status": "succeeded",
                       "inbound_rules": [{"protocol": "tcp", "ports": "22",
                                          "sources": {"addresses": ["0.0.0.0/0"]}}],
                       "droplet_ids": [7]}]
    }))
    .expect("a page");
    crate::cloud::firewall::CloudView::Found {
        droplet: "items-droplet".into(),
        firewalls: page.firewalls,
    }
}

/// `d` with a token: the server's read and DigitalOcean's question go out together, and the
/// cards wait for both, whichever answers first (issue 29).
#[test]
fn the_doctor_asks_digitalocean_too_and_waits_for_both() {
    let healthy = include_str!("../../tests/fixtures/doctor/healthy.txt");
    let lines: Vec<&str> = healthy.lines().collect();
    for cloud_first in [false, true] {
        let mut app = finished_with_a_token();
        let effects = press(&mut app, KeyCode::Char('d'));
        let id = request_id(&effects);
        let Some(Effect::Cloud(job)) = effects.last() else {
            panic!("the cloud question: {effects:?}");
        };
        let crate::cloud::worker::CloudJob::Firewalls { host, token, .. } = job.as_ref() else {
            panic!("{job:?}");
        };
        assert_eq!(
            (host.as_str(), token.expose()),
            ("203.0.113.7", "dop_v1_test")
        );
        let cloud = Event::Cloud(crate::cloud::worker::CloudEvent::Firewalls(ssh_only()));
        if cloud_first {
            update(&mut app, cloud.clone());
            assert!(app.overlay.is_none(), "the server's read is still out");
        }
        said(&mut app, id, &lines);
        if !cloud_first {
            assert!(app.overlay.is_none(), "DigitalOcean's answer is still out");
            update(&mut app, cloud);
        }
        let Some(Overlay::Doctor(view)) = &app.overlay else {
            panic!("the cards: {:?}", app.overlay);
        };
        assert_eq!(view.cards.len(), 1, "{view:?}");
        assert_eq!(
            view.cards[0].title,
            "DigitalOcean's cloud firewall blocks port 80, where nginx listens"
        );
        assert_eq!(app.doctor_cloud, super::doctor::CloudLook::NotAsked);
    }
}

/// Without a token the doctor asks nothing of DigitalOcean.
#[test]
fn the_doctor_without_a_token_asks_the_server_only() {
    let mut app = finished_with_a_token();
    app.cloud_env.token = None;
    let effects = press(&mut app, KeyCode::Char('d'));
    assert!(
        !effects.iter().any(|e| matches!(e, Effect::Cloud(_))),
        "{effects:?}"
    );
    let lines: Vec<&str> = include_str!("../../tests/fixtures/doctor/healthy.txt")
        .lines()
        .collect();
    said(&mut app, request_id(&effects), &lines);
    let Some(Overlay::Doctor(view)) = &app.overlay else {
        panic!("the cards: {:?}", app.overlay);
    };
    assert!(view.cards.is_empty(), "{view:?}");
}

/// `c` with the path of a roster, from the package's folder (where cargo runs the tests).
fn class_roster(app: &mut App, path: &str) -> Vec<Effect> {
    press(app, KeyCode::Char('c'));
    type_text(app, path);
    press(app, KeyCode::Enter)
}

/// A class on another server than the one logged in to is refused at the roster's field, and
/// nothing is read from the server.
#[test]
fn a_class_on_another_server_is_refused_at_the_roster() {
    let mut app = finished_with_a_token();
    app.answers.host = "198.51.100.9".into();
    let effects = class_roster(&mut app, "tests/fixtures/class/class.toml");
    assert!(effects.is_empty(), "{effects:?}");
    let error = app.class.form.field("roster").and_then(|f| f.error.clone());
    assert!(
        error.as_deref().is_some_and(
            |e| e.contains("This class is on 203.0.113.7") && e.contains("198.51.100.9")
        ),
        "{error:?}"
    );
    assert!(!app.class.checked());
}

/// The roster passes and the board is read at once; `r` reads it again (replacing it, under the
/// same check), Esc closes, and `c` again checks the roster again and reads the board again.
#[test]
fn the_class_s_board_is_read_again_with_r_and_with_c() {
    let mut app = finished_with_a_token();
    let board: Vec<&str> = include_str!("../../tests/fixtures/class/board.txt")
        .lines()
        .collect();
    let effects = class_roster(&mut app, "tests/fixtures/class/class.toml");
    said(&mut app, request_id(&effects), &board);
    let boards = |app: &App| {
        app.class
            .lines
            .iter()
            .filter(|l| l.as_str() == super::class::BOARD_HEADING)
            .count()
    };
    assert_eq!(boards(&app), 1, "{:#?}", app.class.lines);
    assert!(app.class.lines.iter().any(|l| l.contains("FAIL 502")));
    // While a read is out, r sends no second one.
    let again = press(&mut app, KeyCode::Char('r'));
    assert_eq!(again.len(), 1, "{again:?}");
    assert!(press(&mut app, KeyCode::Char('r')).is_empty());
    said(&mut app, request_id(&again), &board);
    assert_eq!(boards(&app), 1, "{:#?}", app.class.lines);
    // For a projector: read again by itself 15 s after the last read was sent, not before.
    let sent = crate::state::now();
    assert!(update(&mut app, Event::Tick).is_empty());
    let ticked = super::class::on_tick(&mut app, sent + super::class::EVERY);
    assert_eq!(ticked.len(), 1, "{ticked:?}");
    said(&mut app, request_id(&ticked), &board);
    press(&mut app, KeyCode::Esc);
    assert!(app.overlay.is_none());
    assert!(!app.wants_ticks());
    assert!(
        super::class::on_tick(&mut app, sent + 100).is_empty(),
        "closed: no read"
    );
    let reopened = press(&mut app, KeyCode::Char('c'));
    assert_eq!(reopened.len(), 1, "{reopened:?}");
    // A board the server could not give (no squad set up yet) says so, under the check.
    said(&mut app, request_id(&reopened), &["droplift-state: done"]);
    let last = app.class.lines.last().cloned().unwrap_or_default();
    assert!(
        last.contains("could not be read") && last.contains("class apply"),
        "{last}"
    );
    // After a read that failed, nothing is sent by itself.
    assert!(super::class::on_tick(&mut app, crate::state::now() + 100).is_empty());
}

/// The class's popup on the test roster, its board read (empty), with the instructor's sudo
/// password known.
fn class_with_a_password() -> App {
    let mut app = finished_with_a_token();
    app.secrets.set(
        SecretName::UserPassword,
        Secret::new("erin's long password"),
        &app.redactor,
    );
    let effects = class_roster(&mut app, "tests/fixtures/class/class.toml");
    said(&mut app, request_id(&effects), &["droplift-state: done"]);
    app
}

/// `a` asks first; `y` runs `droplift class apply` as a child with the sudo password on its
/// stdin (never in its arguments), its lines in the popup and redacted, nothing else sent while
/// it runs; at its end the board is read again.
#[test]
fn the_roster_is_applied_by_droplift_s_own_command_after_asking() {
    let mut app = class_with_a_password();
    assert!(
        press(&mut app, KeyCode::Char('a')).is_empty(),
        "it asks first"
    );
    assert!(press(&mut app, KeyCode::Char('n')).is_empty());
    assert!(!app.class.confirming);
    press(&mut app, KeyCode::Char('a'));
    let effects = press(&mut app, KeyCode::Char('y'));
    let [Effect::Headless { args, stdin }] = &effects[..] else {
        panic!("{effects:?}");
    };
    assert_eq!(
        args,
        &[
            "class",
            "apply",
            "--roster",
            "tests/fixtures/class/class.toml",
            "--secrets-stdin"
        ]
    );
    assert_eq!(stdin.expose(), "user_password=erin's long password\n");
    assert!(app.is_busy(), "quitting asks first while it runs");
    assert!(
        press(&mut app, KeyCode::Char('r')).is_empty(),
        "no read meanwhile"
    );
    update(
        &mut app,
        Event::Headless(HeadlessEvent::Line("== The squad avengers ==".to_owned())),
    );
    update(
        &mut app,
        Event::Headless(HeadlessEvent::Line(
            "a line that names erin's long password".to_owned(),
        )),
    );
    let effects = update(&mut app, Event::Headless(HeadlessEvent::Ended(Some(0))));
    assert_eq!(effects.len(), 1, "the board is read again: {effects:?}");
    let text = app.class.lines.join("\n");
    assert!(text.contains("== The squad avengers =="), "{text}");
    assert!(!text.contains("erin's long password"), "{text}");
    assert!(text.contains("The roster is applied"), "{text}");
    assert!(!app.is_busy());
}

/// `x` asks which squad; a name that cannot be a squad's is refused at the field; a squad's name
/// runs `droplift class remove NAME --roster …` (and `all` runs `--all`) with the password on
/// stdin, whose end says the squad was saved, then removed, and reads the board again.
#[test]
fn a_squad_is_removed_by_droplift_s_own_command_after_its_name() {
    let mut app = class_with_a_password();
    press(&mut app, KeyCode::Char('x'));
    type_text(&mut app, "X Men");
    assert!(press(&mut app, KeyCode::Enter).is_empty());
    let error = app
        .class
        .removing
        .as_ref()
        .and_then(|f| f.field("squad"))
        .and_then(|f| f.error.clone());
    assert!(error.is_some_and(|e| e.contains("lower-case")));
    press(&mut app, KeyCode::Esc);
    assert!(app.class.removing.is_none());
    press(&mut app, KeyCode::Char('x'));
    type_text(&mut app, "xmen");
    let effects = press(&mut app, KeyCode::Enter);
    let [Effect::Headless { args, stdin }] = &effects[..] else {
        panic!("{effects:?}");
    };
    assert_eq!(
        args,
        &[
            "class",
            "remove",
            "xmen",
            "--roster",
            "tests/fixtures/class/class.toml",
            "--secrets-stdin"
        ]
    );
    assert_eq!(stdin.expose(), "user_password=erin's long password\n");
    let effects = update(&mut app, Event::Headless(HeadlessEvent::Ended(Some(0))));
    assert_eq!(effects.len(), 1, "the board is read again: {effects:?}");
    assert!(
        app.class.lines.iter().any(|l| l.contains("Removed (xmen)")),
        "{:#?}",
        app.class.lines
    );
    said(&mut app, request_id(&effects), &["droplift-state: done"]);
    press(&mut app, KeyCode::Char('x'));
    type_text(&mut app, "all");
    let effects = press(&mut app, KeyCode::Enter);
    let [Effect::Headless { args, .. }] = &effects[..] else {
        panic!("{effects:?}");
    };
    assert_eq!(args[..3], ["class", "remove", "--all"]);
}
