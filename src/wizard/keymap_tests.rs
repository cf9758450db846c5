//! The key table against the screens, so keys, status bar and help cannot drift apart unseen: in
//! each snapshot's state (and every other popup and view) the bar's keys are taken and do things.

use super::drive::{press, type_text};
use super::keymap::{self, Binding, Label, TABLE};
use super::tests::{answer, app, connected, finish_update_saying, to_update_preview};
use super::*;
use crate::cloud::worker::{Catalog, CloudEvent};
use crate::remote::{ConnectErrorKind, HostKeyInfo};
use crossterm::event::{KeyCode, KeyModifiers};

/// A state to try keys in: how to get there, and the screen snapshot that shows it.
struct State {
    name: &'static str,
    /// `tests/snapshots/screens__{snapshot}.snap` draws this state.
    snapshot: Option<&'static str>,
    build: fn() -> App,
}

const fn state(name: &'static str, snapshot: Option<&'static str>, build: fn() -> App) -> State {
    State {
        name,
        snapshot,
        build,
    }
}

/// Every screen snapshot's state, then the popups, views and create screens no snapshot shows.
const STATES: &[State] = &[
    state("main frame", Some("main_frame_80x24"), typed_host),
    state("main frame 120", Some("main_frame_120x40"), typed_host),
    state(
        "field error",
        Some("field_error_is_shown_at_the_field"),
        field_error,
    ),
    state("help", Some("help_overlay"), help),
    state("new host key", Some("host_key_question"), new_host_key),
    state(
        "changed host key",
        Some("changed_host_key_asks_for_the_host_name"),
        changed_host_key,
    ),
    state(
        "password change",
        Some("new_root_password_rejected_by_the_server"),
        password_change,
    ),
    state("preview", Some("preview_of_the_exact_commands"), preview),
    state("running", Some("running"), applying),
    state("error card", Some("error_card"), error_card),
    state(
        "release error",
        Some("a_release_that_does_not_start_shows_the_unit_s_words_and_the_usual_fix"),
        error_card,
    ),
    state("work ahead", Some("work_ahead"), work_ahead),
    state(
        "work ahead queued",
        Some("work_ahead_queued"),
        work_ahead_queued,
    ),
    state(
        "user stage",
        Some("the_user_stage_shows_password_strength_while_typing"),
        user_stage,
    ),
    state(
        "root refused",
        Some("root_refused_offers_the_students_own_user"),
        root_refused,
    ),
    state(
        "resume as user",
        Some("resuming_a_hardened_server_offers_the_students_own_user_first"),
        resume_as_user,
    ),
    state(
        "postgres",
        Some("the_postgres_stage_explains_a_bad_name_at_the_field"),
        postgres,
    ),
    state(
        "firewall",
        Some("the_firewall_stage_lists_its_rules_and_keeps_ssh"),
        firewall,
    ),
    state(
        "nginx editor",
        Some("the_nginx_site_in_the_editor_pane"),
        nginx_editor,
    ),
    state(
        "nginx complaint",
        Some("the_nginx_editor_shows_nginx_t_s_complaint_at_its_line"),
        nginx_editor,
    ),
    state(
        "paused",
        Some("instructor_mode_shows_the_next_command_and_waits_for_space"),
        paused,
    ),
    state(
        "known servers",
        Some("known_servers_are_offered_on_the_first_screen"),
        known_servers,
    ),
    state(
        "practice os",
        Some("f2_asks_which_system_the_practice_droplet_runs"),
        practice_os,
    ),
    state(
        "create token",
        Some("cloud_screens__create_token"),
        cloud_token,
    ),
    state(
        "create token refused",
        Some("cloud_screens__create_token_refused"),
        cloud_token,
    ),
    state(
        "create region",
        Some("cloud_screens__create_region"),
        cloud_region,
    ),
    state(
        "create size",
        Some("cloud_screens__create_size"),
        cloud_size,
    ),
    state(
        "create summary",
        Some("cloud_screens__create_summary"),
        cloud_summary,
    ),
    state(
        "create progress",
        Some("cloud_screens__create_progress"),
        cloud_creating,
    ),
    state(
        "squad choice",
        Some("squad_screens__squad_choice"),
        squad_choice,
    ),
    state(
        "squad form",
        Some("squad_screens__squad_form"),
        squad_refused,
    ),
    state(
        "squad stages",
        Some("squad_screens__squad_stages"),
        super::squad_tests::squad_logged_in,
    ),
    state(
        "squad shipped",
        Some("squad_screens__squad_shipped"),
        super::squad_tests::squad_shipped,
    ),
    // No snapshot shows these.
    state("first choice", None, first_choice),
    state("checking token", None, cloud_checking),
    state("create image", None, cloud_image),
    state("create backups", None, cloud_backups),
    state("create key", None, cloud_key),
    state("create name", None, cloud_name),
    state("confirm quit", None, confirm_quit),
    state("confirm cancel", None, confirm_cancel),
    state("confirm discard", None, confirm_discard),
    state("editor preview", None, editor_preview),
    state("form without questions", None, form_without_questions),
    state("checking", None, checking),
    state("finished", None, finished),
    state("nginx finished", None, nginx_finished),
    state("service finished", None, service_finished),
    state(
        "doctor",
        Some("the_doctor_names_the_cause_at_the_end_of_a_failed_uwsgi_stage"),
        doctor_cards,
    ),
    state(
        "logs",
        Some("the_app_s_logs_open_from_their_end"),
        logs_popup,
    ),
    state(
        "backup step",
        Some("the_backup_step_explains_itself_before_anything_runs"),
        backup_offer,
    ),
    state(
        "class roster",
        Some("the_class_s_roster_is_asked_for_and_a_bad_one_refused_at_its_lines"),
        class_asking,
    ),
    state(
        "class board",
        Some("the_class_s_roster_check_and_board_fit_a_projector"),
        class_board,
    ),
    state("class apply?", None, class_confirm),
    state("class applying", None, class_applying),
    state("class remove?", None, class_removing),
    state("update finished, restart", None, update_restart_offered),
    state("update form, restart", None, update_form_restart),
    state("firewall, own rule", None, firewall_own_rule),
];

/// (state, keys on the bar) where the named key does nothing in that state, in `STATES` order.
/// Kept as they were (no key changed its meaning with the table); PgUp/PgDn on the error card,
/// while a cloud call is out and on the create summary never did anything anywhere.
const INERT: &[(&str, &str)] = &[
    ("error card", "PgUp/PgDn"),
    ("release error", "PgUp/PgDn"),
    // Del on the SSH rule explains again why it stays, in the same words.
    ("firewall", "Del"),
    ("create summary", "PgUp/PgDn"),
    ("create progress", "PgUp/PgDn"),
    ("checking token", "PgUp/PgDn"),
    // The key screen has one key to show: nothing to choose.
    ("create key", "↑/↓"),
];

// ── Getting there: as the screen tests do, by events where it is cheap ──

fn typed_host() -> App {
    let mut app = app();
    type_text(&mut app, "203.0.113.7");
    app
}

fn field_error() -> App {
    let mut app = app();
    type_text(&mut app, "root@1.2.3.4");
    for _ in 0..3 {
        press(&mut app, KeyCode::Enter);
    }
    app
}

fn help() -> App {
    let mut app = typed_host();
    press(&mut app, KeyCode::F(1));
    app
}

/// The connect form filled in and sent: connecting.
fn connecting() -> App {
    let mut app = typed_host();
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "pw");
    press(&mut app, KeyCode::Enter);
    app
}

fn host_key_info() -> HostKeyInfo {
    HostKeyInfo {
        host: "203.0.113.7".into(),
        key_type: "ssh-ed25519".into(),
        fingerprint: "SHA256:n3FCHl4nxWxgk/U9dpK6Z+EwfLWurlH9GQ4GC4kTbTU".into(),
    }
}

fn new_host_key() -> App {
    let mut app = connecting();
    update(
        &mut app,
        Event::Worker(WorkerEvent::HostKeyUnknown(host_key_info())),
    );
    app
}

fn changed_host_key() -> App {
    let mut app = connecting();
    update(
        &mut app,
        Event::Worker(WorkerEvent::HostKeyChanged(host_key_info())),
    );
    app
}

fn password_change() -> App {
    let mut app = connecting();
    update(&mut app, Event::Worker(WorkerEvent::PasswordChangeRequired));
    update(
        &mut app,
        Event::Worker(WorkerEvent::PasswordChangeRejected {
            reason: "You must choose a longer password.".into(),
        }),
    );
    app
}

fn root_refused() -> App {
    let mut app = connecting();
    update(
        &mut app,
        Event::Worker(WorkerEvent::ConnectFailed {
            kind: ConnectErrorKind::AuthFailed,
            message: "The server refused to log in as \"root\"".into(),
        }),
    );
    app
}

fn preview() -> App {
    let mut app = app();
    connected(&mut app);
    press(&mut app, KeyCode::Enter);
    to_update_preview(&mut app);
    app
}

/// The update stage's changes running (the next stage can be answered meanwhile).
fn applying() -> App {
    let mut app = preview();
    press(&mut app, KeyCode::Enter);
    app
}

fn error_card() -> App {
    let mut app = preview();
    let effects = press(&mut app, KeyCode::Enter);
    answer(&mut app, &effects, "E: apt is still busy", 1);
    assert!(matches!(app.overlay, Some(Overlay::Error(_))));
    app
}

fn work_ahead() -> App {
    let mut app = applying();
    press(&mut app, KeyCode::Char('n'));
    type_text(&mut app, "johndoe");
    for _ in 0..2 {
        press(&mut app, KeyCode::Tab);
        type_text(&mut app, "correct horse 42");
    }
    app
}

fn work_ahead_queued() -> App {
    let mut app = work_ahead();
    press(&mut app, KeyCode::Enter);
    app
}

fn confirm_quit() -> App {
    let mut app = applying();
    press(&mut app, KeyCode::Char('q'));
    assert!(matches!(app.overlay, Some(Overlay::ConfirmQuit)));
    app
}

fn confirm_cancel() -> App {
    let mut app = applying();
    press(&mut app, KeyCode::Esc);
    assert!(matches!(app.overlay, Some(Overlay::ConfirmCancel)));
    app
}

fn paused() -> App {
    let mut app = preview();
    app.instructor.on = true;
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('e'));
    assert!(app.instructor.paused.is_some());
    app
}

/// Connected: on to the update stage's form, which asks nothing.
fn form_without_questions() -> App {
    let mut app = app();
    connected(&mut app);
    press(&mut app, KeyCode::Enter);
    assert!(app.form.is_empty() && app.view == View::Form);
    app
}

/// The update stage's check running (nothing to work ahead on during a check).
fn checking() -> App {
    let mut app = form_without_questions();
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.view, View::Running);
    app
}

/// The connect stage done.
fn finished() -> App {
    let mut app = app();
    connected(&mut app);
    app
}

fn update_restart_offered() -> App {
    let mut app = preview();
    let effects = press(&mut app, KeyCode::Enter);
    finish_update_saying(
        &mut app,
        effects,
        "A restart is needed to finish the update (reboot-required):",
    );
    assert!(app.reboot_needed && app.view == View::Finished);
    app
}

fn update_form_restart() -> App {
    let mut app = update_restart_offered();
    press(&mut app, KeyCode::Esc);
    app
}

fn user_stage() -> App {
    let mut app = app();
    app.enter_stage(StageId::User);
    type_text(&mut app, "johndoe");
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "correct horse 42");
    app
}

fn resume_as_user() -> App {
    let mut app = app();
    let mut progress = crate::state::Progress::default();
    let server = progress.server_mut("203.0.113.7", 22);
    server.touched = 1_000;
    server.remember("user", "carol").expect("not secret");
    for stage in [
        StageId::Connect,
        StageId::Update,
        StageId::User,
        StageId::SshHardening,
    ] {
        server.set_stage(stage, StageStatus::Done, "done", 900);
    }
    resume::offer(&mut app, progress, 1_060);
    press(&mut app, KeyCode::Enter);
    assert!(matches!(app.overlay, Some(Overlay::ResumeAsUser(_))));
    app
}

fn known_servers() -> App {
    let mut app = app();
    let mut progress = crate::state::Progress::default();
    progress.server_mut("203.0.113.7", 22).touched = 1_000;
    progress.server_mut("198.51.100.23", 22).touched = 500;
    resume::offer(&mut app, progress, 8_200);
    app
}

fn practice_os() -> App {
    let mut app = app();
    press(&mut app, KeyCode::F(2));
    app
}

fn postgres() -> App {
    let mut app = app();
    app.answers.user = "johndoe".into();
    app.enter_stage(StageId::Postgres);
    for _ in 0.."johndoe".len() {
        press(&mut app, KeyCode::Backspace);
    }
    type_text(&mut app, "select");
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "items-db");
    app
}

/// Two ports added, then Del on the SSH rule: refused, and the screen says why.
fn firewall() -> App {
    let mut app = firewall_own_rule();
    for _ in 0..4 {
        press(&mut app, KeyCode::Up);
    }
    press(&mut app, KeyCode::Delete);
    app
}

/// A port added: the list's cursor on it.
fn firewall_own_rule() -> App {
    let mut app = app();
    app.answers.user = "johndoe".into();
    app.enter_stage(StageId::Firewall);
    type_text(&mut app, "8080/tcp");
    press(&mut app, KeyCode::Enter);
    type_text(&mut app, "53/udp");
    press(&mut app, KeyCode::Enter);
    app
}

/// Logged in, the nginx stage's check found work to do: the site file in the editor.
fn nginx_editor() -> App {
    let mut app = app();
    connected(&mut app);
    app.enter_stage(StageId::Nginx);
    app.form.focus = app.form.fields.len() - 1;
    let check = press(&mut app, KeyCode::Enter);
    answer(
        &mut app,
        &check,
        "droplift-state: pending nginx is not installed yet",
        0,
    );
    assert_eq!(app.view, View::Editor);
    app
}

fn confirm_discard() -> App {
    let mut app = nginx_editor();
    press(&mut app, KeyCode::Char('x'));
    press(&mut app, KeyCode::Esc);
    assert!(matches!(app.overlay, Some(Overlay::ConfirmDiscard)));
    app
}

/// Ctrl-P in the editor: the commands, Esc back to the text.
fn editor_preview() -> App {
    let mut app = nginx_editor();
    update(
        &mut app,
        Event::Key(KeyEvent::new(KeyCode::Char('p'), KeyModifiers::CONTROL)),
    );
    assert!(matches!(app.view, View::Preview { .. }));
    app
}

fn nginx_finished() -> App {
    let mut app = app();
    app.enter_stage(StageId::Nginx);
    app.set_status(StageId::Nginx, StageStatus::Done);
    app.view = View::Finished;
    app
}

fn service_finished() -> App {
    let mut app = app();
    app.answers = crate::course::answers::Answers::new("203.0.113.7", "johndoe");
    app.link = Link::Connected {
        user: "root".into(),
    };
    app.enter_stage(StageId::Service);
    // The database stage is done (the backup step is offered).
    app.set_status(StageId::Postgres, StageStatus::Done);
    app.view = View::Finished;
    app
}

/// `c` over the finished uWSGI stage: the roster's path asked.
fn class_asking() -> App {
    let mut app = service_finished();
    press(&mut app, KeyCode::Char('c'));
    assert!(matches!(app.overlay, Some(Overlay::Class)));
    app
}

/// The roster checked and the board read (two squads, one broken).
fn class_board() -> App {
    let mut app = class_asking();
    // The fixture's path from the package's folder, where cargo runs the tests.
    type_text(&mut app, "tests/fixtures/class/class.toml");
    let effects = press(&mut app, KeyCode::Enter);
    let Some(Effect::Perform(request)) = effects.first() else {
        panic!("the board is read: {effects:?}");
    };
    let id = request.id();
    for line in include_str!("../../tests/fixtures/class/board.txt").lines() {
        super::update(
            &mut app,
            Event::Worker(WorkerEvent::Output {
                id,
                stream: crate::remote::Stream::Stdout,
                line: line.to_owned(),
            }),
        );
    }
    super::update(
        &mut app,
        Event::Worker(WorkerEvent::Finished { id, exit_code: 0 }),
    );
    assert!(app.class.checked() && app.class.read_at.is_some());
    app
}

/// `a` on the board: apply the roster?
fn class_confirm() -> App {
    let mut app = class_board();
    press(&mut app, KeyCode::Char('a'));
    assert!(app.class.confirming);
    app
}

/// `x` on the board: which squad?
fn class_removing() -> App {
    let mut app = class_board();
    press(&mut app, KeyCode::Char('x'));
    assert!(app.class.removing.is_some());
    app
}

/// `y`: the roster is being applied (sudo's password known from the login).
fn class_applying() -> App {
    let mut app = class_confirm();
    app.secrets.set(
        crate::secret::SecretName::UserPassword,
        crate::secret::Secret::new("a long password"),
        &app.redactor,
    );
    let effects = press(&mut app, KeyCode::Char('y'));
    assert!(
        matches!(effects.first(), Some(Effect::Headless { .. })),
        "{effects:?}"
    );
    app
}

/// The app's logs over the finished uWSGI stage.
fn logs_popup() -> App {
    let mut app = service_finished();
    app.overlay = Some(Overlay::Logs(super::logs::LogsView {
        title: "The logs of items (newest last)".into(),
        lines: super::logs::lines_of("── journal of uwsgi-items@* (last 60 lines)\n"),
        scroll: 0,
    }));
    app
}

/// The backup step's popup over the finished uWSGI stage (stage 5 done).
fn backup_offer() -> App {
    let mut app = service_finished();
    super::backup::offer(&mut app);
    assert!(matches!(app.overlay, Some(Overlay::Backup(_))));
    app
}

/// The doctor's cards open over the finished uWSGI stage (the fixture of an import error).
fn doctor_cards() -> App {
    let mut app = service_finished();
    let text = include_str!("../../tests/fixtures/doctor/import-error.txt");
    let cx = crate::course::doctor::Context {
        site: "items".into(),
        user: "ola".into(),
        host: "203.0.113.7".into(),
        domain: None,
        laptop_dns: None,
        cloud: None,
    };
    let cards = crate::course::doctor::diagnose(&crate::course::doctor::Sections::split(text), &cx);
    app.overlay = Some(Overlay::Doctor(super::doctor::DoctorView {
        cards,
        scroll: 0,
    }));
    app
}

// ── The create screens ──

fn catalog() -> Catalog {
    crate::practice::cloud::sample_catalog()
}

fn squad_choice() -> App {
    let mut app = first_choice();
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Down);
    app
}

/// The squad's form, its key refused at the field (as the screen test does).
fn squad_refused() -> App {
    let mut app = super::squad_tests::squad_form();
    type_text(&mut app, "~/avengers.toml");
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "~/myapi");
    press(&mut app, KeyCode::Enter);
    update(
        &mut app,
        Event::Squad(Err(vec![crate::squad::SquadRefusal {
            field: "key",
            message: "this is the PUBLIC half: give the private key".into(),
        }])),
    );
    app
}

fn first_choice() -> App {
    let mut app = app();
    app.cloud_env.tz = Some("Europe/Berlin".into());
    app.cloud_env.key_name = "droplift@laptop".into();
    cloud::offer_first_choice(&mut app);
    app
}

fn cloud_token() -> App {
    let mut app = first_choice();
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Enter);
    update(
        &mut app,
        Event::Paste("dop_v1_keymap_test_token_0123456789".into()),
    );
    app
}

fn cloud_checking() -> App {
    let mut app = cloud_token();
    press(&mut app, KeyCode::Enter);
    assert!(cloud::busy(&app));
    app
}

fn cloud_image() -> App {
    let mut app = cloud_checking();
    update(
        &mut app,
        Event::Cloud(CloudEvent::Catalog(Box::new(catalog()))),
    );
    app
}

/// `n` Enters on from the image screen.
fn cloud_after(n: usize) -> App {
    let mut app = cloud_image();
    for _ in 0..n {
        press(&mut app, KeyCode::Enter);
    }
    app
}

fn cloud_region() -> App {
    cloud_after(1)
}

fn cloud_size() -> App {
    cloud_after(2)
}

fn cloud_backups() -> App {
    cloud_after(3)
}

fn cloud_key() -> App {
    cloud_after(4)
}

fn cloud_name() -> App {
    cloud_after(5)
}

fn cloud_summary() -> App {
    let app = cloud_after(6);
    assert_eq!(
        app.cloud.as_ref().map(|c| c.screen),
        Some(cloud::Screen::Summary)
    );
    app
}

fn cloud_creating() -> App {
    let mut app = cloud_summary();
    press(&mut app, KeyCode::Enter);
    update(
        &mut app,
        Event::Cloud(CloudEvent::Waiting("Waiting for items-api: 0:42".into())),
    );
    app
}

// ── Reading the words ──

/// The keys named in a label's words (`n / Esc`, `PgUp/PgDn`, `Tab, Shift-Tab`, `F1 or ?`).
fn named_keys(words: &str) -> Vec<KeyEvent> {
    words
        .split(" or ")
        .flat_map(|part| part.split([',', '/']))
        .map(str::trim)
        .map(|name| {
            let (code, held) = match name {
                "Enter" => (KeyCode::Enter, KeyModifiers::NONE),
                "Esc" => (KeyCode::Esc, KeyModifiers::NONE),
                "Tab" => (KeyCode::Tab, KeyModifiers::NONE),
                "Shift-Tab" => (KeyCode::BackTab, KeyModifiers::SHIFT),
                "Space" => (KeyCode::Char(' '), KeyModifiers::NONE),
                "Del" => (KeyCode::Delete, KeyModifiers::NONE),
                "PgUp" => (KeyCode::PageUp, KeyModifiers::NONE),
                "PgDn" => (KeyCode::PageDown, KeyModifiers::NONE),
                "↑" => (KeyCode::Up, KeyModifiers::NONE),
                "↓" => (KeyCode::Down, KeyModifiers::NONE),
                "Alt-↑" => (KeyCode::Up, KeyModifiers::ALT),
                "Alt-↓" => (KeyCode::Down, KeyModifiers::ALT),
                "F1" => (KeyCode::F(1), KeyModifiers::NONE),
                "F2" => (KeyCode::F(2), KeyModifiers::NONE),
                _ => match name.strip_prefix("Ctrl-").map(str::to_lowercase) {
                    Some(letter) if letter.chars().count() == 1 => (
                        KeyCode::Char(letter.chars().next().unwrap_or(' ')),
                        KeyModifiers::CONTROL,
                    ),
                    _ if name.chars().count() == 1 => (
                        KeyCode::Char(name.chars().next().unwrap_or(' ')),
                        KeyModifiers::NONE,
                    ),
                    _ => panic!("the words {words:?} name a key this test cannot read: {name:?}"),
                },
            };
            KeyEvent::new(code, held)
        })
        .collect()
}

/// The status bar as the screen draws it (`ui::status_bar`), trailing spaces cut as in a
/// snapshot.
fn bar_line(app: &App) -> String {
    keymap::bar(app)
        .iter()
        .map(|l| format!(" {} {} ", l.keys, l.action))
        .collect::<String>()
        .trim_end()
        .to_owned()
}

/// What a key can change: all the state a screen or the loop reads.
fn fingerprint(app: &App) -> String {
    let screen = (
        &app.overlay,
        app.view,
        app.current,
        &app.form,
        app.log_scroll,
        app.log.last(),
        app.should_quit,
        app.instructor.explaining,
        app.firewall.cursor,
        app.preview.scripts,
    );
    let more = (
        app.editor
            .as_ref()
            .map(|e| (e.text(), e.area.cursor(), e.error.clone())),
        &app.cloud,
        &app.answers,
        app.stages.iter().map(|s| s.status).collect::<Vec<_>>(),
        app.instructor.paused.is_some(),
        app.queued,
        app.reboot_needed,
        app.practice_busy,
        &app.class,
    );
    format!("{screen:?} {more:?}")
}

/// The state, with a log long enough for PgUp to have somewhere to go.
fn build(state: &State) -> App {
    let mut app = (state.build)();
    for n in 0..60 {
        app.info(&format!("earlier line {n}"));
    }
    app
}

/// Presses `key` in a fresh copy of the state: did anything change or was anything asked of the
/// loop?
fn does_something(state: &State, key: KeyEvent) -> bool {
    let mut app = build(state);
    let before = fingerprint(&app);
    let effects = update(&mut app, Event::Key(key));
    !effects.is_empty() || fingerprint(&app) != before
}

fn is(a: &Binding, b: Option<&Binding>) -> bool {
    b.is_some_and(|b| std::ptr::eq(a, b))
}

// ── The tests ──

#[test]
fn every_snapshot_s_status_bar_is_the_one_the_table_gives_its_state() {
    for state in STATES {
        let Some(snapshot) = state.snapshot else {
            continue;
        };
        let path = format!(
            "{}/tests/snapshots/screens__{snapshot}.snap",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(&path).expect("the snapshot");
        let drawn = text.lines().last().unwrap_or_default();
        assert_eq!(bar_line(&build(state)), drawn, "{}: {path}", state.name);
    }
}

#[test]
fn every_key_the_bar_names_is_taken_by_the_binding_that_names_it() {
    for state in STATES {
        let app = build(state);
        let mut seen = Vec::new();
        for binding in TABLE {
            let Some(label) = binding.bar_label(&app) else {
                continue;
            };
            assert!(
                !seen.contains(&label.keys),
                "{}: the bar names {} twice",
                state.name,
                label.keys
            );
            seen.push(label.keys);
            for key in named_keys(label.keys) {
                assert!(
                    is(binding, keymap::binding_for(&app, key)),
                    "{}: the bar says \"{} {}\" but {key:?} goes to {:?}",
                    state.name,
                    label.keys,
                    label.action,
                    keymap::binding_for(&app, key).map(|b| b.bar)
                );
            }
        }
        assert!(!seen.is_empty(), "{}: an empty status bar", state.name);
    }
}

#[test]
fn every_key_the_bar_names_does_something_but_the_known_few() {
    let mut inert = Vec::new();
    for state in STATES {
        for label in keymap::bar(&build(state)) {
            if !named_keys(label.keys)
                .into_iter()
                .any(|key| does_something(state, key))
            {
                inert.push((state.name, label.keys));
            }
        }
    }
    assert_eq!(inert, INERT);
}

#[test]
fn every_bar_label_of_the_table_shows_in_some_state() {
    for binding in TABLE {
        let Some((label, _)) = binding.bar else {
            continue;
        };
        assert!(
            STATES
                .iter()
                .any(|state| binding.bar_label(&build(state)).is_some()),
            "\"{} {}\" shows in none of the states: a state is missing here, or the label is dead",
            label.keys,
            label.action
        );
    }
}

#[test]
fn every_key_the_help_names_does_something_somewhere() {
    for (group, labels) in keymap::help() {
        assert!(!labels.is_empty(), "{group}: an empty group");
        for Label { keys, action } in labels {
            for key in named_keys(keys) {
                assert!(
                    STATES.iter().any(|state| does_something(state, key)),
                    "help, {group}: \"{keys}\" ({action}): {key:?} does nothing in any state"
                );
            }
        }
    }
}

#[test]
fn a_help_entry_sits_on_a_binding_that_takes_a_key_it_names_and_does_something() {
    for binding in TABLE {
        let Some((_, label)) = binding.help else {
            continue;
        };
        let reached = STATES.iter().any(|state| {
            let app = build(state);
            named_keys(label.keys).into_iter().any(|key| {
                is(binding, keymap::binding_for(&app, key)) && does_something(state, key)
            })
        });
        assert!(
            reached,
            "help \"{}\": in no state does its binding take one of those keys and act",
            label.keys
        );
    }
}

#[test]
fn in_a_text_field_q_and_question_mark_are_text_but_f1_and_ctrl_c_still_work() {
    let typed = |app: &App, key| {
        matches!(
            keymap::binding_for(app, key).map(|b| b.keys),
            Some(keymap::Keys::Typed)
        )
    };
    let help_of = |app: &App, key| {
        keymap::binding_for(app, key)
            .and_then(|b| b.help)
            .map(|(_, label)| label.keys)
    };
    let mut fields = 0;
    for state in STATES {
        let app = build(state);
        if !typed(&app, KeyEvent::new(KeyCode::Char('x'), KeyModifiers::NONE)) {
            continue;
        }
        fields += 1;
        for ch in "q?ynewbr ".chars() {
            let key = KeyEvent::new(KeyCode::Char(ch), KeyModifiers::NONE);
            assert!(typed(&app, key), "{}: {ch:?} is not text", state.name);
        }
        let f1 = KeyEvent::new(KeyCode::F(1), KeyModifiers::NONE);
        assert_eq!(help_of(&app, f1), Some("F1 or ?"), "{}", state.name);
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(help_of(&app, ctrl_c), Some("q or Ctrl-C"), "{}", state.name);
    }
    assert!(fields >= 10, "only {fields} states with a text field");
}
