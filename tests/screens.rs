//! Snapshots of the whole frame on ratatui's TestBackend (80×24 and 120×40), and the
//! screenshots in screenshots/, regenerated from the same frames.

use crossterm::event::KeyCode;
use droplift::course::{StageId, StageStatus};
use droplift::logbuf::LineKind;
use droplift::remote::{HostKeyInfo, Stream, WorkerEvent};
use droplift::theme::{Theme, ThemeName};
use droplift::wizard::drive::{ctrl, press, type_text};
use droplift::wizard::{App, Event, update};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;

fn render(app: &mut App, width: u16, height: u16) -> Buffer {
    update(app, Event::Resize(width, height));
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test backend");
    terminal
        .draw(|frame| droplift::ui::draw(app, frame))
        .expect("draw");
    terminal.backend().buffer().clone()
}

fn text(buffer: &Buffer) -> String {
    let area = buffer.area;
    let mut out = String::new();
    for y in 0..area.height {
        let mut line = String::new();
        for x in 0..area.width {
            line.push_str(buffer.cell((x, y)).map_or(" ", |c| c.symbol()));
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// A frame with some history: a few stages done, one running, output in the log.
fn busy_app() -> App {
    let mut app = App::new(Theme::new(ThemeName::Default, false), 1000);
    type_text(&mut app, "203.0.113.7");
    app.set_status(StageId::Connect, StageStatus::Done);
    app.set_status(StageId::Update, StageStatus::Running);
    app.log_line(LineKind::Command, "apt-get update");
    app.log_line(
        LineKind::Stdout,
        "Hit:1 http://deb.debian.org/debian bookworm InRelease",
    );
    app.log_line(
        LineKind::Stderr,
        "W: waiting for apt: unattended-upgrades, pid 812, 40 s",
    );
    app
}

fn save_screenshot(name: &str, buffer: &Buffer) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("screenshots")
        .join(format!("{name}.svg"));
    let svg = droplift::ui::svg::to_svg(buffer);
    if std::fs::read_to_string(&path).ok().as_deref() == Some(svg.as_str()) {
        return;
    }
    // scripts/screenshots sets this to regenerate; any other run fails on a stale picture, so
    // the committed screenshots always show what the app draws now.
    if std::env::var_os("DROPLIFT_WRITE_SCREENSHOTS").is_some() {
        std::fs::create_dir_all(path.parent().expect("screenshots dir")).expect("mkdir");
        std::fs::write(&path, svg).expect("write screenshot");
    } else {
        panic!(
            "screenshots/{name}.svg is stale (or missing): the app draws this screen differently \
             now. Run scripts/screenshots and commit the result."
        );
    }
}

#[test]
fn main_frame_80x24() {
    let mut app = busy_app();
    let buffer = render(&mut app, 80, 24);
    save_screenshot("main", &buffer);
    insta::assert_snapshot!(text(&buffer));
}

#[test]
fn main_frame_120x40() {
    let mut app = busy_app();
    let buffer = render(&mut app, 120, 40);
    insta::assert_snapshot!(text(&buffer));
}

#[test]
fn every_stage_is_listed_at_80x24() {
    let mut app = busy_app();
    let screen = text(&render(&mut app, 80, 24));
    for stage in StageId::ALL {
        assert!(
            screen.contains(stage.title()),
            "{} missing:\n{screen}",
            stage.title()
        );
    }
}

#[test]
fn too_small_terminal_asks_to_enlarge() {
    let mut app = busy_app();
    let screen = text(&render(&mut app, 60, 20));
    assert!(screen.contains("Please enlarge the terminal"), "{screen}");
    assert!(screen.contains("60×20"), "{screen}");
}

#[test]
fn help_overlay() {
    let mut app = busy_app();
    press(&mut app, KeyCode::F(1));
    let buffer = render(&mut app, 80, 24);
    save_screenshot("help", &buffer);
    insta::assert_snapshot!(text(&buffer));
}

#[test]
fn field_error_is_shown_at_the_field() {
    let mut app = App::new(Theme::new(ThemeName::Default, false), 1000);
    type_text(&mut app, "root@1.2.3.4");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Enter);
    let buffer = render(&mut app, 80, 24);
    insta::assert_snapshot!(text(&buffer));
}

#[test]
fn high_contrast_and_no_color_differ_only_in_style() {
    let mut plain = App::new(Theme::new(ThemeName::Default, true), 1000);
    let mut contrast = App::new(Theme::new(ThemeName::HighContrast, false), 1000);
    let a = render(&mut plain, 80, 24);
    let b = render(&mut contrast, 80, 24);
    assert_eq!(text(&a), text(&b));
    // NO_COLOR: no cell has a colour.
    assert!(
        a.content
            .iter()
            .all(|c| c.fg == ratatui::style::Color::Reset && c.bg == ratatui::style::Color::Reset)
    );
    save_screenshot("high-contrast", &b);
}

fn connect_form(app: &mut App) {
    type_text(app, "203.0.113.7");
    press(app, KeyCode::Tab);
    press(app, KeyCode::Tab);
    type_text(app, "pw");
    press(app, KeyCode::Enter);
}

fn worker(app: &mut App, event: WorkerEvent) -> Vec<droplift::wizard::Effect> {
    update(app, Event::Worker(event))
}

fn fresh() -> App {
    App::new(Theme::new(ThemeName::Default, false), 1000)
}

#[test]
fn host_key_question() {
    let mut app = fresh();
    connect_form(&mut app);
    worker(
        &mut app,
        WorkerEvent::HostKeyUnknown(HostKeyInfo {
            host: "203.0.113.7".into(),
            key_type: "ssh-ed25519".into(),
            fingerprint: "SHA256:n3FCHl4nxWxgk/U9dpK6Z+EwfLWurlH9GQ4GC4kTbTU".into(),
        }),
    );
    let buffer = render(&mut app, 80, 24);
    save_screenshot("host-key", &buffer);
    insta::assert_snapshot!(text(&buffer));
}

#[test]
fn changed_host_key_asks_for_the_host_name() {
    let mut app = fresh();
    connect_form(&mut app);
    worker(
        &mut app,
        WorkerEvent::HostKeyChanged(HostKeyInfo {
            host: "203.0.113.7".into(),
            key_type: "ecdsa-sha2-nistp256".into(),
            fingerprint: "SHA256:AAAAC3NzaC1lZDI1NTE5AAAAIGZpbmdlcnByaW50".into(),
        }),
    );
    insta::assert_snapshot!(text(&render(&mut app, 80, 24)));
}

#[test]
fn new_root_password_rejected_by_the_server() {
    let mut app = fresh();
    connect_form(&mut app);
    worker(&mut app, WorkerEvent::PasswordChangeRequired);
    worker(
        &mut app,
        WorkerEvent::PasswordChangeRejected {
            reason: "You must choose a longer password.".into(),
        },
    );
    let buffer = render(&mut app, 80, 24);
    save_screenshot("password-change", &buffer);
    insta::assert_snapshot!(text(&buffer));
}

/// Logged in, the connect stage done, and on to the update stage's preview.
fn at_update_preview() -> App {
    let mut app = fresh();
    connect_form(&mut app);
    let effects = worker(
        &mut app,
        WorkerEvent::Connected {
            user: "root".into(),
            host: "203.0.113.7".into(),
            port: 22,
        },
    );
    let id = first_id(&effects);
    worker(
        &mut app,
        WorkerEvent::Output {
            id,
            stream: Stream::Stdout,
            line: "droplift-state: done logged in to Debian GNU/Linux 12 (bookworm) as root".into(),
        },
    );
    let effects = worker(&mut app, WorkerEvent::Finished { id, exit_code: 0 });
    // Logged in: the background download starts (its one line in the log) …
    let download = first_id(&effects);
    worker(
        &mut app,
        WorkerEvent::Output {
            id: download,
            stream: Stream::Stdout,
            line: "Fetching in the background (niced; nothing is installed early): postgresql"
                .into(),
        },
    );
    let effects = worker(
        &mut app,
        WorkerEvent::Finished {
            id: download,
            exit_code: 0,
        },
    );
    // … and every stage is checked at once (a new droplet: nothing done yet).
    let all = first_id(&effects);
    for line in [
        "\u{1e}droplift-stage: update",
        "droplift-state: pending 18 updates are waiting",
        "\u{1e}droplift-probe-rc: 0",
    ] {
        worker(
            &mut app,
            WorkerEvent::Output {
                id: all,
                stream: Stream::Stdout,
                line: line.into(),
            },
        );
    }
    worker(
        &mut app,
        WorkerEvent::Finished {
            id: all,
            exit_code: 0,
        },
    );
    press(&mut app, KeyCode::Enter);
    let id = first_id(&press(&mut app, KeyCode::Enter));
    for line in [
        "upgrades waiting: 18",
        "droplift-state: pending 18 updates are waiting",
    ] {
        worker(
            &mut app,
            WorkerEvent::Output {
                id,
                stream: Stream::Stdout,
                line: line.into(),
            },
        );
    }
    worker(&mut app, WorkerEvent::Finished { id, exit_code: 0 });
    app
}

fn first_id(effects: &[droplift::wizard::Effect]) -> u64 {
    match effects.first() {
        Some(droplift::wizard::Effect::Perform(request)) => request.id(),
        other => panic!("expected a request, got {other:?}"),
    }
}

#[test]
fn preview_of_the_exact_commands() {
    let mut app = at_update_preview();
    let buffer = render(&mut app, 80, 24);
    save_screenshot("preview", &buffer);
    insta::assert_snapshot!(text(&buffer));
}

#[test]
fn running_stage_and_its_error_card() {
    let mut app = at_update_preview();
    let id = first_id(&press(&mut app, KeyCode::Enter));
    worker(
        &mut app,
        WorkerEvent::Output {
            id,
            stream: Stream::Stdout,
            line: "waiting for apt: The droplet is installing its own security updates (2–10 minutes on a new one). droplift waits; 40 s so far.".into(),
        },
    );
    let buffer = render(&mut app, 80, 24);
    save_screenshot("running", &buffer);
    insta::assert_snapshot!("running", text(&buffer));
    worker(
        &mut app,
        WorkerEvent::Output {
            id,
            stream: Stream::Stderr,
            line: "apt is still busy after 15 minutes (unattended-upgr, pid 812). Don't restart the droplet while it installs: wait a few minutes, then press Enter to try again.".into(),
        },
    );
    worker(&mut app, WorkerEvent::Finished { id, exit_code: 1 });
    let buffer = render(&mut app, 80, 24);
    save_screenshot("error-card", &buffer);
    insta::assert_snapshot!("error_card", text(&buffer));
}

#[test]
fn working_ahead_the_next_form_while_a_stage_applies() {
    let mut app = at_update_preview();
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('n'));
    type_text(&mut app, "johndoe");
    for _ in 0..2 {
        press(&mut app, KeyCode::Tab);
        type_text(&mut app, "correct horse 42");
    }
    let buffer = render(&mut app, 80, 24);
    assert_nothing_cut("working ahead", &buffer);
    let screen = text(&buffer);
    assert!(screen.contains("Stage 2 is still running"), "{screen}");
    insta::assert_snapshot!("work_ahead", screen);
    press(&mut app, KeyCode::Enter);
    let buffer = render(&mut app, 80, 24);
    assert_nothing_cut("answers queued", &buffer);
    save_screenshot("work-ahead", &buffer);
    let screen = text(&buffer);
    assert!(screen.contains("Your answers are in"), "{screen}");
    insta::assert_snapshot!("work_ahead_queued", screen);
    no_cuts_noted();
}

#[test]
fn the_user_stage_shows_password_strength_while_typing() {
    let mut app = fresh();
    app.enter_stage(StageId::User);
    type_text(&mut app, "johndoe");
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "correct horse 42");
    let buffer = render(&mut app, 80, 24);
    save_screenshot("user", &buffer);
    let screen = text(&buffer);
    assert!(screen.contains("Password strength: strong"), "{screen}");
    assert!(
        !screen.contains("correct horse"),
        "the password is masked:\n{screen}"
    );
    insta::assert_snapshot!(screen);
}

#[test]
fn root_refused_offers_the_students_own_user() {
    let mut app = fresh();
    connect_form(&mut app);
    worker(
        &mut app,
        WorkerEvent::ConnectFailed {
            kind: droplift::remote::ConnectErrorKind::AuthFailed,
            message: "The server refused to log in as \"root\"".into(),
        },
    );
    let buffer = render(&mut app, 80, 24);
    save_screenshot("user-login", &buffer);
    insta::assert_snapshot!(text(&buffer));
}

#[test]
fn resuming_a_hardened_server_offers_the_students_own_user_first() {
    let mut app = fresh();
    let mut progress = droplift::state::Progress::default();
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
    droplift::wizard::resume::offer(&mut app, progress, 1_060);
    press(&mut app, KeyCode::Enter);
    let buffer = render(&mut app, 80, 24);
    assert_nothing_cut("resume as user", &buffer);
    no_cuts_noted();
    save_screenshot("resume-as-user", &buffer);
    insta::assert_snapshot!(text(&buffer));
}

// ── Stages 5 and 6 ──

#[test]
fn the_postgres_stage_explains_a_bad_name_at_the_field() {
    let mut app = fresh();
    app.answers.user = "johndoe".into();
    app.enter_stage(StageId::Postgres);
    // The role is the user's name at first; the student types a reserved word instead.
    for _ in 0.."johndoe".len() {
        press(&mut app, KeyCode::Backspace);
    }
    type_text(&mut app, "select");
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "items-db");
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "it's a $ecret #1");
    let buffer = render(&mut app, 80, 24);
    save_screenshot("postgres", &buffer);
    let screen = text(&buffer);
    assert!(screen.contains("reserved"), "{screen}");
    assert!(screen.contains("items-db"), "{screen}");
    assert!(
        !screen.contains("ecret"),
        "the password is masked:\n{screen}"
    );
    insta::assert_snapshot!(screen);
}

#[test]
fn the_app_stage_proposes_the_entry_point_it_found_and_says_why() {
    let mut app = fresh();
    app.answers.user = "johndoe".into();
    app.enter_stage(StageId::App);
    let buffer = render(&mut app, 80, 24);
    let screen = text(&buffer);
    assert!(screen.contains("app:app"), "{screen}");
    assert!(
        screen.contains("found app = Flask(__name__) in app.py"),
        "the reason is under the field:\n{screen}"
    );
    insta::assert_snapshot!(screen);
}

#[test]
fn a_form_longer_than_the_screen_scrolls_to_the_field_being_typed_in() {
    // Stage 8 has more questions than 80x24 has rows for: Tab to the last one, the database
    // password, and it is on screen with its hint (a field typed in blind would be a trap).
    let mut app = fresh();
    app.answers.user = "johndoe".into();
    app.enter_stage(StageId::App);
    for _ in 0..4 {
        press(&mut app, KeyCode::Tab);
    }
    let buffer = render(&mut app, 80, 24);
    save_screenshot("long-form", &buffer);
    let screen = text(&buffer);
    assert!(screen.contains("› DB password"), "{screen}");
    assert!(screen.contains("stage 5's"), "its hint:\n{screen}");
    insta::assert_snapshot!(screen);
    // Back at the first field, the first questions show again.
    for _ in 0..4 {
        press(&mut app, KeyCode::BackTab);
    }
    let screen = text(&render(&mut app, 80, 24));
    assert!(screen.contains("› Code"), "{screen}");
}

#[test]
fn a_prefilled_field_shows_its_hint_and_typing_replaces_it() {
    // Stage 5's role starts as the student's user: selected, with its hint under it (the hint
    // says where the value came from); the first letter typed replaces it, never appends.
    let mut app = fresh();
    app.answers.user = "deploy_2".into();
    app.enter_stage(StageId::Postgres);
    let screen = text(&render(&mut app, 80, 24));
    assert!(screen.contains("› Role         deploy_2"), "{screen}");
    assert!(
        screen.contains("↳ database user; empty: your user"),
        "the hint of a prefilled field shows:\n{screen}"
    );
    type_text(&mut app, "items");
    assert_eq!(app.form.value("role"), "items");
    let screen = text(&render(&mut app, 80, 24));
    assert!(!screen.contains("deploy_2"), "{screen}");
    // Every field of every stage, focused in turn at 80x24: the field and its hint (or its
    // note or error) are on screen.
    for stage in StageId::ALL {
        let mut app = answered();
        app.enter_stage(stage);
        for index in 0..app.form.fields.len() {
            app.form.focus = index;
            let field = &app.form.fields[index];
            let (label, hint) = (field.label, field.hint);
            let screen = text(&render(&mut app, 80, 24));
            assert!(
                screen.contains(&format!("› {label}")),
                "{stage:?} {label}:\n{screen}"
            );
            let flat = screen.split_whitespace().collect::<Vec<_>>().join(" ");
            let first_words = hint.split(' ').take(3).collect::<Vec<_>>().join(" ");
            let field = &app.form.fields[index];
            if field.note.is_none() && field.error.is_none() {
                assert!(
                    flat.contains(&first_words),
                    "{stage:?} {label}: its hint {hint:?}:\n{screen}"
                );
            }
        }
    }
}

#[test]
fn the_app_stage_asks_for_release_commands_and_settings_and_masks_secret_values() {
    // The last questions of stage 8: what runs before a release serves, and the app's settings;
    // a secret value typed shows as dots, never as text.
    let mut app = fresh();
    app.answers.user = "johndoe".into();
    app.answers.app.release = vec!["flask --app shop db upgrade".into()];
    app.answers.app.env = vec![("FLASK_DEBUG".into(), "0".into())];
    app.answers.app.secrets = vec!["SECRET_KEY".into(), "JWT_SECRET_KEY".into()];
    app.enter_stage(StageId::App);
    for _ in 0..8 {
        press(&mut app, KeyCode::Tab);
    }
    type_text(&mut app, "SECRET_KEY=not-on-screen-1");
    let screen = text(&render(&mut app, 80, 24));
    assert!(screen.contains("› Secret values"), "{screen}");
    assert!(screen.contains("flask --app shop db upgrade"), "{screen}");
    assert!(!screen.contains("not-on-screen-1"), "{screen}");
    insta::assert_snapshot!(screen);
}

#[test]
fn the_firewall_stage_lists_its_rules_and_keeps_ssh() {
    let mut app = fresh();
    app.answers.user = "johndoe".into();
    app.enter_stage(StageId::Firewall);
    type_text(&mut app, "8080/tcp");
    press(&mut app, KeyCode::Enter);
    type_text(&mut app, "53/udp");
    press(&mut app, KeyCode::Enter);
    // Up to the SSH rule and try to remove it: refused, and the screen says why.
    for _ in 0..4 {
        press(&mut app, KeyCode::Up);
    }
    press(&mut app, KeyCode::Delete);
    let buffer = render(&mut app, 80, 24);
    save_screenshot("firewall", &buffer);
    let screen = text(&buffer);
    for rule in ["22/tcp", "80/tcp", "8080/tcp", "53/udp", "deny"] {
        assert!(screen.contains(rule), "{rule}:\n{screen}");
    }
    assert!(screen.contains("The SSH rule stays"), "{screen}");
    assert_eq!(
        screen.matches('›').count(),
        1,
        "one marker: the field\n{screen}"
    );
    insta::assert_snapshot!(screen);
}

// ── nginx (stage 7) ──
/// Logged in, on the nginx stage, its check found work to do: the site file in the editor.
fn at_nginx_editor() -> App {
    let mut app = fresh();
    connect_form(&mut app);
    let probe = first_id(&worker(
        &mut app,
        WorkerEvent::Connected {
            user: "johndoe".into(),
            host: "203.0.113.7".into(),
            port: 22,
        },
    ));
    let mut effects = worker(
        &mut app,
        WorkerEvent::Finished {
            id: probe,
            exit_code: 0,
        },
    );
    // The background download and the check of every stage follow the login: let them end
    // (a stage's Enter waits while another stage runs).
    while let Some(droplift::wizard::Effect::Perform(request)) = effects.first() {
        let id = request.id();
        effects = worker(&mut app, WorkerEvent::Finished { id, exit_code: 0 });
    }
    assert!(app.run.is_none());
    for stage in [
        StageId::Connect,
        StageId::Update,
        StageId::User,
        StageId::SshHardening,
        StageId::Postgres,
        StageId::Firewall,
    ] {
        app.set_status(stage, StageStatus::Done);
    }
    app.enter_stage(StageId::Nginx);
    app.form.focus = app.form.fields.len() - 1;
    let id = first_id(&press(&mut app, KeyCode::Enter));
    worker(
        &mut app,
        WorkerEvent::Output {
            id,
            stream: Stream::Stdout,
            line: "droplift-state: pending nginx is not installed yet".into(),
        },
    );
    worker(&mut app, WorkerEvent::Finished { id, exit_code: 0 });
    assert_eq!(app.view, droplift::wizard::View::Editor);
    app
}

#[test]
fn the_nginx_site_in_the_editor_pane() {
    let mut app = at_nginx_editor();
    let screen = text(&render(&mut app, 80, 24));
    assert!(screen.contains("Ctrl-S test & apply"), "{screen}");
    assert!(
        screen.contains("/etc/nginx/sites-available/items-rest"),
        "{screen}"
    );
    insta::assert_snapshot!(screen);
}

#[test]
fn the_nginx_editor_shows_nginx_t_s_complaint_at_its_line() {
    let mut app = at_nginx_editor();
    // The student deletes the `;` at the end of line 34, then applies with Ctrl-S.
    for _ in 0..33 {
        press(&mut app, KeyCode::Down);
    }
    press(&mut app, KeyCode::End);
    press(&mut app, KeyCode::Backspace);
    let install = first_id(&ctrl(&mut app, 's'));
    let test = first_id(&worker(
        &mut app,
        WorkerEvent::Finished {
            id: install,
            exit_code: 0,
        },
    ));
    for line in [
        "2026/11/25 03:33:53 [emerg] 796#796: unexpected \"}\" in /etc/nginx/sites-available/items-rest:35",
        "nginx: configuration file /etc/nginx/nginx.conf test failed",
        "Nothing was changed: the old configuration keeps serving.",
    ] {
        worker(
            &mut app,
            WorkerEvent::Output {
                id: test,
                stream: Stream::Stderr,
                line: line.into(),
            },
        );
    }
    worker(
        &mut app,
        WorkerEvent::Finished {
            id: test,
            exit_code: 1,
        },
    );
    let buffer = render(&mut app, 80, 24);
    save_screenshot("nginx-editor", &buffer);
    let screen = text(&buffer);
    assert!(screen.contains("✗ Line 35: nginx found a }"), "{screen}");
    assert!(
        screen.contains("Line 34 probably lacks a ; at its end"),
        "{screen}"
    );
    assert!(screen.contains("nginx said: unexpected"), "{screen}");
    assert!(
        screen.lines().any(|l| l.contains("34         uwsgi_param")),
        "the line at fault is in view:\n{screen}"
    );
    insta::assert_snapshot!(screen);
}

#[test]
fn a_missing_semicolon_is_shown_at_the_line_that_lacks_it() {
    // The `;` after `listen 80` deleted on line 6: nginx names line 7 ("invalid parameter"),
    // the screen names line 6, the cursor is there, and the log says it in whole sentences.
    let mut app = at_nginx_editor();
    for _ in 0..5 {
        press(&mut app, KeyCode::Down);
    }
    press(&mut app, KeyCode::End);
    press(&mut app, KeyCode::Backspace);
    let install = first_id(&ctrl(&mut app, 's'));
    let test = first_id(&worker(
        &mut app,
        WorkerEvent::Finished {
            id: install,
            exit_code: 0,
        },
    ));
    for line in [
        "2026/12/06 13:00:00 [emerg] 812#812: invalid parameter \"listen\" in /etc/nginx/sites-available/items-rest:7",
        "nginx: configuration file /etc/nginx/nginx.conf test failed",
        "Nothing was changed: the old configuration keeps serving.",
    ] {
        worker(
            &mut app,
            WorkerEvent::Output {
                id: test,
                stream: Stream::Stderr,
                line: line.into(),
            },
        );
    }
    worker(
        &mut app,
        WorkerEvent::Finished {
            id: test,
            exit_code: 1,
        },
    );
    let buffer = render(&mut app, 80, 24);
    save_screenshot("nginx-semicolon", &buffer);
    let screen = text(&buffer);
    let flat = screen.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains("Line 7: nginx did not expect \"listen\" here."),
        "{screen}"
    );
    assert!(
        flat.contains("Line 6 probably lacks a ; at its end"),
        "{screen}"
    );
    assert_eq!(
        app.editor.as_ref().map(|e| e.area.cursor().0),
        Some(5),
        "the cursor is on line 6"
    );
    let log = app
        .log
        .window(app.log.rows(), 0)
        .iter()
        .filter_map(|row| match row {
            droplift::logbuf::Row::Line(l) => Some(l.text.clone()),
            droplift::logbuf::Row::Dropped(_) => None,
        })
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        !log.contains("\"listen\" Nothing"),
        "sentences do not run together:\n{log}"
    );
    assert_eq!(
        log.matches("Nothing was changed").count(),
        1,
        "said once:\n{log}"
    );
    insta::assert_snapshot!(screen);
}
// ── end nginx ──

/// The course's last stage done: its screen says the course can go to more droplets.
#[test]
fn the_last_stage_done_mentions_the_ansible_export() {
    let mut app = fresh();
    let last = *droplift::course::StageId::ALL.last().expect("a stage");
    app.enter_stage(last);
    app.set_status(last, StageStatus::Done);
    app.view = droplift::wizard::View::Finished;
    let buffer = render(&mut app, 80, 24);
    assert_nothing_cut("the last stage done", &buffer);
    let screen = text(&buffer);
    assert!(screen.contains("More droplets the same way"), "{screen}");
    assert!(screen.contains("droplift export"), "{screen}");
    // Any other stage done: not there.
    app.enter_stage(StageId::Update);
    app.set_status(StageId::Update, StageStatus::Done);
    app.view = droplift::wizard::View::Finished;
    assert!(!text(&render(&mut app, 80, 24)).contains("More droplets"));
}

// ── Nothing cut at 80×24 ──

/// Words that run into the right edge of a pane or popup: a letter in a pane's last column with
/// another letter before it. Text that wraps keeps a column free there, so anything touching the
/// edge was cut (or is crammed against the border, which reads as cut too).
fn cut_words(buffer: &Buffer) -> Vec<String> {
    let area = buffer.area;
    let areas = droplift::layout::Areas::new(area);
    let symbol = |x: u16, y: u16| buffer.cell((x, y)).map_or(" ", |c| c.symbol()).to_owned();
    let wordy = |s: &str| {
        s.chars()
            .next()
            .is_some_and(|c| !c.is_whitespace() && !"│┐┘┤╮╯┃─".contains(c))
    };
    // Popups: a box from its ┌ to its ┐ and down to its └; what lies under it is hidden.
    let mut boxes = Vec::new();
    for y in 0..area.height {
        for x in 0..area.width {
            if symbol(x, y) != "┌" {
                continue;
            }
            let right = (x + 1..area.width).find(|&r| symbol(r, y) == "┐");
            let bottom = (y + 1..area.height).find(|&b| symbol(x, b) == "└");
            if let (Some(right), Some(bottom)) = (right, bottom) {
                boxes.push(ratatui::layout::Rect::new(
                    x,
                    y,
                    right - x + 1,
                    bottom - y + 1,
                ));
            }
        }
    }
    let covered = |x: u16, y: u16| {
        boxes
            .iter()
            .any(|b| b.contains(ratatui::layout::Position::new(x, y)))
    };
    let mut found = Vec::new();
    for y in 0..area.height {
        let mut edges: Vec<u16> = vec![area.width - 1];
        if y >= areas.main.y && y < areas.main.bottom() {
            // The sidebar ends before its divider; the stage pane keeps two blank columns.
            edges.push(areas.sidebar.right() - 2);
            edges.push(areas.main.right() - 3);
        }
        edges.retain(|&x| !covered(x, y));
        for b in &boxes {
            if y > b.y && y + 1 < b.bottom() {
                edges.push(b.right() - 2);
            }
        }
        for x in edges {
            if x > 0 && wordy(&symbol(x, y)) && wordy(&symbol(x - 1, y)) {
                let row: String = (0..area.width).map(|x| symbol(x, y)).collect();
                found.push(format!("row {y:>2}, column {x}: {}", row.trim_end()));
            }
        }
    }
    found
}

thread_local! {
    static CUT: std::cell::RefCell<Vec<String>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Notes the words cut in this frame; `no_cuts_noted` fails the test with all of them at once.
fn assert_nothing_cut(what: &str, buffer: &Buffer) {
    let cut = cut_words(buffer);
    if !cut.is_empty() {
        let report = format!("{what}:\n{}\n\n{}", cut.join("\n"), text(buffer));
        CUT.with(|c| c.borrow_mut().push(report));
    }
}

fn no_cuts_noted() {
    let all = CUT.with(|c| std::mem::take(&mut *c.borrow_mut()));
    assert!(
        all.is_empty(),
        "words cut at a border in {} frames:\n{}",
        all.len(),
        all.join("\n")
    );
}

/// A wizard with the course's example answers, logged in as the student's own user.
fn answered() -> App {
    let mut app = fresh();
    app.answers = droplift::course::answers::Answers::new("203.0.113.7", "johndoe");
    app.answers.alias = Some("mydroplet".into());
    app.answers.domain = Some("items.example.org".into());
    app
}

#[test]
fn every_stage_screen_fits_80x24() {
    for stage in StageId::ALL {
        let mut app = answered();
        app.enter_stage(stage);
        let buffer = render(&mut app, 80, 24);
        assert_nothing_cut(&format!("{stage:?} questions"), &buffer);
        // Nothing falls off the bottom either: the explanation's end and the key line show.
        let screen = text(&buffer)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let explanation = stage.stage().explanation;
        let last = explanation.split_whitespace().last().unwrap_or_default();
        assert!(
            screen.contains(last),
            "{stage:?}: the explanation is cut:\n{}",
            text(&buffer)
        );
        assert!(
            screen.contains("Enter"),
            "{stage:?}: the key line is missing:\n{}",
            text(&buffer)
        );
        if droplift::course::plans(stage, &app.answers).is_ok() {
            // Every scroll position of the preview.
            let mut last = String::new();
            for scroll in 0..400u16 {
                app.view = droplift::wizard::View::Preview { scroll };
                let buffer = render(&mut app, 80, 24);
                assert_nothing_cut(&format!("{stage:?} preview at {scroll}"), &buffer);
                let now = text(&buffer);
                if now == last {
                    break;
                }
                last = now;
            }
        }
        for status in [StageStatus::Done, StageStatus::Failed, StageStatus::Drifted] {
            app.set_status(stage, status);
            app.stages[stage.index()].note =
                "the server said something rather long about what it found there".into();
            app.view = droplift::wizard::View::Finished;
            app.reboot_needed = true;
            assert_nothing_cut(
                &format!("{stage:?} finished {status:?}"),
                &render(&mut app, 80, 24),
            );
        }
    }
    no_cuts_noted();
}

#[test]
fn every_popup_fits_80x24() {
    let overlays = [
        droplift::wizard::Overlay::Help,
        droplift::wizard::Overlay::ConfirmQuit,
        droplift::wizard::Overlay::ConfirmCancel,
        droplift::wizard::Overlay::ConfirmDiscard,
        droplift::wizard::Overlay::Resume { selected: 0 },
        droplift::wizard::Overlay::PracticeOs { selected: 2 },
    ];
    for overlay in overlays {
        let mut app = busy_app();
        let what = format!("{overlay:?}");
        app.overlay = Some(overlay);
        assert_nothing_cut(&what, &render(&mut app, 80, 24));
    }
    let mut app = fresh();
    connect_form(&mut app);
    assert_nothing_cut("connecting", &render(&mut app, 80, 24));
    for (name, mut app) in [
        ("host key", {
            let mut app = fresh();
            connect_form(&mut app);
            worker(
                &mut app,
                WorkerEvent::HostKeyUnknown(HostKeyInfo {
                    host: "203.0.113.7".into(),
                    key_type: "ssh-ed25519".into(),
                    fingerprint: "SHA256:n3FCHl4nxWxgk/U9dpK6Z+EwfLWurlH9GQ4GC4kTbTU".into(),
                }),
            );
            app
        }),
        ("changed host key", {
            let mut app = fresh();
            connect_form(&mut app);
            worker(
                &mut app,
                WorkerEvent::HostKeyChanged(HostKeyInfo {
                    host: "203.0.113.7".into(),
                    key_type: "ecdsa-sha2-nistp256".into(),
                    fingerprint: "SHA256:AAAAC3NzaC1lZDI1NTE5AAAAIGZpbmdlcnByaW50".into(),
                }),
            );
            app
        }),
        ("password change", {
            let mut app = fresh();
            connect_form(&mut app);
            worker(&mut app, WorkerEvent::PasswordChangeRequired);
            app
        }),
        ("password change rejected", {
            let mut app = fresh();
            connect_form(&mut app);
            worker(&mut app, WorkerEvent::PasswordChangeRequired);
            worker(
                &mut app,
                WorkerEvent::PasswordChangeRejected {
                    reason: "You must choose a longer password.".into(),
                },
            );
            app
        }),
        ("root refused", {
            let mut app = fresh();
            connect_form(&mut app);
            worker(
                &mut app,
                WorkerEvent::ConnectFailed {
                    kind: droplift::remote::ConnectErrorKind::AuthFailed,
                    message: "The server refused to log in as \"root\"".into(),
                },
            );
            app
        }),
        ("update preview", at_update_preview()),
        ("error card", {
            let mut app = at_update_preview();
            let id = first_id(&press(&mut app, KeyCode::Enter));
            assert_nothing_cut("running", &render(&mut app, 80, 24));
            worker(
                &mut app,
                WorkerEvent::Output {
                    id,
                    stream: Stream::Stderr,
                    line: "apt is still busy after 15 minutes (unattended-upgr, pid 812). Don't restart the droplet while it installs: wait a few minutes, then press Enter to try again."
                        .into(),
                },
            );
            worker(&mut app, WorkerEvent::Finished { id, exit_code: 1 });
            app
        }),
        ("nginx editor", at_nginx_editor()),
    ] {
        assert_nothing_cut(name, &render(&mut app, 80, 24));
    }
    no_cuts_noted();
}

#[test]
fn long_log_lines_wrap_instead_of_being_cut() {
    let mut app = busy_app();
    app.log_line(
        LineKind::Info,
        "The server asks for a new root password before anything else (a new droplet does this once); its root password is filled in from the e-mail",
    );
    let buffer = render(&mut app, 80, 24);
    assert_nothing_cut("long log line", &buffer);
    no_cuts_noted();
    assert!(
        text(&buffer).contains("filled in from the e-mail"),
        "{}",
        text(&buffer)
    );
}

/// After stage 4 the student must know how to log in from now on: the alias when one was set,
/// else the whole command, and that root and passwords are refused.
#[test]
fn after_stage_4_the_done_screen_says_how_to_log_in_from_now_on() {
    let mut app = fresh();
    app.answers.host = "203.0.113.7".into();
    app.answers.user = "johndoe".into();
    app.answers.key = "~/.ssh/id_ed25519".into();
    app.current = StageId::SshHardening;
    app.set_status(StageId::SshHardening, StageStatus::Done);
    app.view = droplift::wizard::View::Finished;
    let without_alias = text(&render(&mut app, 80, 24));
    assert!(
        without_alias.contains("ssh -i ~/.ssh/id_ed25519 johndoe@203.0.113.7"),
        "{without_alias}"
    );
    let flat = without_alias
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        flat.contains("SSH refuses root and passwords"),
        "{without_alias}"
    );
    assert_eq!(
        flat.matches("refuse").count(),
        1,
        "said once:\n{without_alias}"
    );
    app.answers.alias = Some("mydroplet".into());
    let buffer = render(&mut app, 80, 24);
    save_screenshot("ssh-done", &buffer);
    let with_alias = text(&buffer);
    assert!(with_alias.contains("ssh mydroplet"), "{with_alias}");
    assert!(!with_alias.contains("ssh -i"));
}

/// Instructor mode relies on it: a password typed into a secret field never shows on screen, so
/// neither the projector nor a `--record` file can show it.
#[test]
fn a_typed_secret_never_shows_on_screen_or_in_a_recording() {
    let mut app = fresh();
    for _ in 0..2 {
        press(&mut app, KeyCode::Tab);
    }
    type_text(&mut app, "Hunter2-secret");
    let buffer = render(&mut app, 80, 24);
    let shown = text(&buffer);
    assert!(
        shown.contains('•'),
        "the secret field was not the one typed into:\n{shown}"
    );
    assert!(!shown.contains("Hunter2"), "{shown}");
    assert!(!droplift::record::ansi(&buffer).contains("Hunter2"));
}

#[test]
fn instructor_mode_shows_the_next_command_and_waits_for_space() {
    let mut app = at_update_preview();
    app.instructor.on = true;
    press(&mut app, KeyCode::Enter);
    assert!(app.instructor.paused.is_some());
    press(&mut app, KeyCode::Char('e'));
    let buffer = render(&mut app, 80, 24);
    let screen = text(&buffer);
    assert!(screen.contains("Next, on your droplet:"), "{screen}");
    assert!(screen.contains("Space: run"), "{screen}");
    assert!(
        cut_words(&buffer).is_empty(),
        "{:?}\n{screen}",
        cut_words(&buffer)
    );
    save_screenshot("present", &buffer);
    insta::assert_snapshot!(screen);
}

#[test]
fn known_servers_are_offered_on_the_first_screen() {
    let mut app = fresh();
    let mut progress = droplift::state::Progress::default();
    let server = progress.server_mut("203.0.113.7", 22);
    server.touched = 1_000;
    server.remember("user", "johndoe").expect("not secret");
    for stage in [
        StageId::Connect,
        StageId::Update,
        StageId::User,
        StageId::SshHardening,
    ] {
        server.set_stage(stage, StageStatus::Done, "", 1_000);
    }
    progress.server_mut("198.51.100.23", 22).touched = 500;
    droplift::wizard::resume::offer(&mut app, progress, 1_000 + 7_200);
    let buffer = render(&mut app, 80, 24);
    let screen = text(&buffer);
    assert!(
        screen.contains("Resume 203.0.113.7 — 4 of 10 stages done, last touched 2 h ago"),
        "{screen}"
    );
    assert!(cut_words(&buffer).is_empty(), "{:?}", cut_words(&buffer));
    save_screenshot("resume", &buffer);
    insta::assert_snapshot!(screen);
}

/// Saved progress of a finished course without a domain: stages 1–9 done, the tenth skipped.
fn finished_course() -> droplift::state::Progress {
    let mut progress = droplift::state::Progress::default();
    let server = progress.server_mut("203.0.113.7", 22);
    server.touched = 1_000;
    server.remember("user", "johndoe").expect("not secret");
    for stage in StageId::ALL {
        if stage == StageId::Domain {
            server.set_stage(
                stage,
                StageStatus::Skipped,
                "no domain: the API is served over http only",
                1_000,
            );
        } else {
            server.set_stage(stage, StageStatus::Done, "", 1_000);
        }
    }
    progress
}

#[test]
fn the_resume_screen_after_a_finished_course_counts_as_every_screen_does() {
    let mut app = fresh();
    droplift::wizard::resume::offer(&mut app, finished_course(), 1_000 + 7_200);
    let screen = text(&render(&mut app, 80, 24));
    let flat: String = screen.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains("9 of 10 stages done, 1 skipped, last touched 2 h ago"),
        "{screen}"
    );
    // No other count beside it before a server is chosen (the header had "0/10").
    assert_eq!(screen.matches("stages done").count(), 1, "{screen}");
    insta::assert_snapshot!("resume_finished_popup", screen);
    // Chosen: stage 4 was done, so the student's own user logs in; the header counts the
    // saved badges the same way.
    press(&mut app, KeyCode::Enter);
    let screen = text(&render(&mut app, 80, 24));
    assert!(
        screen
            .lines()
            .next()
            .unwrap_or_default()
            .ends_with("9 of 10 stages done, 1 skipped"),
        "{screen}"
    );
    assert!(screen.contains("– 10"), "{screen}");
    insta::assert_snapshot!("resume_finished_chosen", screen);
}

#[test]
fn on_resume_the_cursor_waits_in_the_root_password_field() {
    // Stage 4 not done: root logs in, and the log asks for root's password; the cursor is in
    // that field, so what the student types as told is hidden.
    let mut app = fresh();
    let mut progress = droplift::state::Progress::default();
    let server = progress.server_mut("10.77.23.2", 22);
    server.touched = 1_000;
    server.set_stage(StageId::Connect, StageStatus::Done, "", 1_000);
    droplift::wizard::resume::offer(&mut app, progress, 1_000 + 60);
    press(&mut app, KeyCode::Enter);
    type_text(&mut app, "Kill test root pw 1!");
    let screen = text(&render(&mut app, 80, 24));
    assert!(screen.contains("› Root password"), "{screen}");
    assert!(screen.contains("Host          10.77.23.2"), "{screen}");
    assert!(
        !screen.contains("Kill"),
        "the password is hidden:\n{screen}"
    );
    // Typed into the Host field all the same (after Shift-Tab twice): Enter refuses it, says
    // why at the field, and does not keep it on screen.
    let mut app = fresh();
    press(&mut app, KeyCode::End);
    type_text(&mut app, "10.77.23.2Kill test root pw 1!");
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Enter);
    let screen = text(&render(&mut app, 80, 24));
    assert!(!screen.contains("Kill"), "{screen}");
    assert!(screen.contains("looks like a password"), "{screen}");
    assert_eq!(app.form.value("host"), "");
}

/// Stage 10 without a domain: skipped, never done, and the last stage offers no next one.
#[test]
fn a_skipped_stage_10_is_not_counted_done() {
    let mut app = fresh();
    app.answers.host = "203.0.113.7".into();
    for stage in StageId::ALL {
        app.set_status(stage, StageStatus::Done);
    }
    app.enter_stage(StageId::Domain);
    app.set_status(StageId::Domain, StageStatus::Skipped);
    app.stages[StageId::Domain.index()].note = "no domain: the API is served over http only".into();
    app.view = droplift::wizard::View::Finished;
    let buffer = render(&mut app, 80, 24);
    assert_nothing_cut("stage 10 skipped", &buffer);
    let screen = text(&buffer);
    assert!(
        screen.contains("Domain & TLS is skipped (no domain"),
        "{screen}"
    );
    assert!(
        screen.contains("9 of 10 stages done, 1 skipped"),
        "{screen}"
    );
    assert!(screen.contains("– 10 Domain & TLS"), "{screen}");
    for wrong in ["[tls]", "is done", "on to the next stage", "Enter next"] {
        assert!(!screen.contains(wrong), "{wrong}:\n{screen}");
    }
    insta::assert_snapshot!(screen);
    // Enter goes back to its questions (to give a domain after all).
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.view, droplift::wizard::View::Form);
    assert_eq!(app.current, StageId::Domain);
}

#[test]
fn f2_asks_which_system_the_practice_droplet_runs() {
    let mut app = fresh();
    press(&mut app, KeyCode::F(2));
    let buffer = render(&mut app, 80, 24);
    let screen = text(&buffer);
    assert!(
        screen.contains("▶ Ubuntu 24.04 LTS (what a new droplet runs)"),
        "{screen}"
    );
    assert!(screen.contains("Debian 12"), "{screen}");
    assert!(cut_words(&buffer).is_empty(), "{:?}", cut_words(&buffer));
    save_screenshot("practice-os", &buffer);
    insta::assert_snapshot!(screen);
}

// ── Stages 8–9 ──

fn out(app: &mut App, id: u64, stream: Stream, line: &str) {
    worker(
        app,
        WorkerEvent::Output {
            id,
            stream,
            line: line.into(),
        },
    );
}

#[test]
fn a_release_that_does_not_start_shows_the_unit_s_words_and_the_usual_fix() {
    let mut app = at_update_preview();
    app.answers.user = "johndoe".into();
    app.enter_stage(StageId::Service);
    let id = first_id(&press(&mut app, KeyCode::Enter));
    out(
        &mut app,
        id,
        Stream::Stdout,
        "droplift-state: pending release 20261125T041247Z waits to go live",
    );
    worker(&mut app, WorkerEvent::Finished { id, exit_code: 0 });
    // The preview, then the two staging steps, then the go-live step, which fails.
    let mut id = first_id(&press(&mut app, KeyCode::Enter));
    for _ in 0..2 {
        id = first_id(&worker(
            &mut app,
            WorkerEvent::Finished { id, exit_code: 0 },
        ));
    }
    for line in [
        "uwsgi-items-rest@b did not start",
        "service uwsgi-items-rest@b: activating (exit-code)",
        "the app's log says: ModuleNotFoundError: No module named 'flask_cors'",
        "GET /items through nginx: not asked: the service did not start",
        "release 20261125T041247Z is marked failed; current is 20261125T034252Z",
    ] {
        out(&mut app, id, Stream::Stderr, line);
    }
    worker(&mut app, WorkerEvent::Finished { id, exit_code: 1 });
    let buffer = render(&mut app, 80, 24);
    save_screenshot("go-live-failed", &buffer);
    let screen = text(&buffer);
    assert!(screen.contains("ModuleNotFoundError"), "{screen}");
    assert!(
        screen.contains("requirements.txt"),
        "the usual fix:\n{screen}"
    );
    insta::assert_snapshot!(screen);
}

/// `d` at the end of a failed uWSGI stage: the doctor's one read-only command runs (the output
/// fed here is the real one, captured on a practice droplet whose app raised at import) and its
/// card names the Python error and the fix.
#[test]
fn the_doctor_names_the_cause_at_the_end_of_a_failed_uwsgi_stage() {
    let mut app = at_update_preview();
    // The practice droplet the fixture was captured on: site items, user ola.
    app.answers.user = "ola".into();
    app.answers.nginx.site = "items".into();
    app.enter_stage(StageId::Service);
    let id = first_id(&press(&mut app, KeyCode::Enter));
    out(
        &mut app,
        id,
        Stream::Stdout,
        "droplift-state: pending uwsgi-items@a is not running",
    );
    worker(&mut app, WorkerEvent::Finished { id, exit_code: 0 });
    let mut id = first_id(&press(&mut app, KeyCode::Enter));
    for _ in 0..2 {
        id = first_id(&worker(
            &mut app,
            WorkerEvent::Finished { id, exit_code: 0 },
        ));
    }
    out(&mut app, id, Stream::Stderr, "uwsgi-items@a did not start");
    worker(&mut app, WorkerEvent::Finished { id, exit_code: 1 });
    press(&mut app, KeyCode::Enter); // the error card closes: the finished screen
    let screen = text(&render(&mut app, 80, 24));
    assert!(screen.contains("d doctor"), "the bar offers it:\n{screen}");
    let id = first_id(&press(&mut app, KeyCode::Char('d')));
    let fixture = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/doctor/import-error.txt"
    ))
    .expect("fixture");
    for line in fixture.lines() {
        out(&mut app, id, Stream::Stdout, line);
    }
    worker(&mut app, WorkerEvent::Finished { id, exit_code: 0 });
    let buffer = render(&mut app, 80, 24);
    save_screenshot("doctor", &buffer);
    let screen = text(&buffer);
    assert!(screen.contains("The doctor: 1 problem"), "{screen}");
    assert!(
        screen.contains("RuntimeError: the settings module is missing"),
        "{screen}"
    );
    assert!(screen.contains("droplift rollback"), "{screen}");
    insta::assert_snapshot!(screen);
    // Esc closes the cards; the finished screen is back.
    press(&mut app, KeyCode::Esc);
    assert!(app.overlay.is_none());
}

// ── Creating the droplet ("Create one for me") ──

mod cloud_screens {
    use super::*;
    use droplift::cloud::worker::{Catalog, CloudEvent, CloudJob};
    use droplift::wizard::Effect;
    use droplift::wizard::cloud::Screen;

    const TOKEN: &str = "dop_v1_screen_test_token_0123456789";

    fn catalog() -> Catalog {
        droplift::practice::cloud::sample_catalog()
    }

    fn app() -> App {
        let mut app = fresh();
        app.cloud_env.tz = Some("Europe/Berlin".into());
        app.cloud_env.key_name = "droplift@laptop".into();
        droplift::wizard::cloud::offer_first_choice(&mut app);
        app
    }

    fn screen(app: &App) -> Screen {
        app.cloud.as_ref().expect("create screens open").screen
    }

    /// The stage pane's words (right of the sidebar, above the log) with line breaks and
    /// padding as single spaces, so wrapped text reads as one sentence.
    fn flat(screen: &str) -> String {
        screen
            .lines()
            .take_while(|l| !l.starts_with(" Log "))
            .map(|l| l.chars().skip(27).collect::<String>())
            .collect::<Vec<_>>()
            .join(" ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn shot(app: &mut App, name: Option<&str>, what: &str) -> String {
        let buffer = render(app, 80, 24);
        assert_nothing_cut(what, &buffer);
        if let Some(name) = name {
            save_screenshot(name, &buffer);
        }
        let shown = text(&buffer);
        assert!(!shown.contains(TOKEN), "the token is on screen:\n{shown}");
        shown
    }

    /// From the first choice to the token's check, then the catalogue answered.
    fn to_image(app: &mut App) {
        press(app, KeyCode::Down);
        press(app, KeyCode::Enter);
        update(app, Event::Paste(TOKEN.into()));
        let effects = press(app, KeyCode::Enter);
        assert!(
            matches!(effects.as_slice(), [Effect::Cloud(job)] if matches!(**job, CloudJob::Catalog { .. })),
            "Enter checks the token on the cloud thread: {effects:?}"
        );
        update(app, Event::Cloud(CloudEvent::Catalog(Box::new(catalog()))));
        assert_eq!(screen(app), Screen::Image);
    }

    #[test]
    fn the_create_screens_at_80x24() {
        let mut app = app();
        let first = shot(&mut app, Some("create-choice"), "first choice");
        assert!(first.contains("Create one for me"), "{first}");
        press(&mut app, KeyCode::Down);
        press(&mut app, KeyCode::Enter);
        assert_eq!(screen(&app), Screen::Token);
        update(&mut app, Event::Paste(TOKEN.into()));
        let token = shot(&mut app, Some("create-token"), "token");
        assert!(token.contains("API → Tokens"), "{token}");
        assert!(token.contains("•••"), "masked:\n{token}");
        insta::assert_snapshot!("create_token", token);
        press(&mut app, KeyCode::Enter);
        update(
            &mut app,
            Event::Cloud(CloudEvent::Catalog(Box::new(catalog()))),
        );

        let image = shot(&mut app, None, "image");
        assert!(
            image.contains("▶ Ubuntu 24.04 LTS (recommended)"),
            "{image}"
        );
        press(&mut app, KeyCode::Enter);
        let region = shot(&mut app, Some("create-region"), "region");
        insta::assert_snapshot!("create_region", region);
        // Nearest first from Europe/Berlin: Frankfurt, with its country.
        assert!(
            region.contains("▶ Frankfurt 1     fra1  Germany"),
            "{region}"
        );
        press(&mut app, KeyCode::Enter);
        let size = shot(&mut app, Some("create-size"), "size");
        insta::assert_snapshot!("create_size", size);
        assert!(
            size.contains("▶ 1 vCPU · 1 GB · 25 GB disk  $6.00/month"),
            "the course's size is preselected:\n{size}"
        );
        press(&mut app, KeyCode::Enter);
        let backups = shot(&mut app, None, "backups");
        assert!(
            backups.contains("▶ On  +$1.20/month: $7.20/month in all"),
            "{backups}"
        );
        press(&mut app, KeyCode::Enter);
        let key_screen = shot(&mut app, None, "key");
        assert!(
            flat(&key_screen).contains("uploaded as droplift@laptop")
                && key_screen.contains("2b:ef:37:43:33:be:68:27:7e:2f:58:27:06:15:89:ec"),
            "{key_screen}"
        );
        press(&mut app, KeyCode::Enter);
        // A bad name is said at the field.
        for _ in 0.."items-api".len() {
            press(&mut app, KeyCode::Backspace);
        }
        type_text(&mut app, "items_api");
        press(&mut app, KeyCode::Enter);
        let name = shot(&mut app, None, "name");
        assert!(
            flat(&name).contains("Only letters, digits, - and . ('_' is not allowed)."),
            "{name}"
        );
        press(&mut app, KeyCode::Left);
        press(&mut app, KeyCode::Left);
        press(&mut app, KeyCode::Left);
        press(&mut app, KeyCode::Backspace);
        press(&mut app, KeyCode::Char('-'));
        press(&mut app, KeyCode::Enter);
        assert_eq!(screen(&app), Screen::Summary);
        let summary = shot(&mut app, Some("create-summary"), "summary");
        insta::assert_snapshot!("create_summary", summary);
        assert!(flat(&summary).contains("Costs $7.20 a month"), "{summary}");

        let effects = press(&mut app, KeyCode::Enter);
        let Some(Effect::Cloud(job)) = effects.first() else {
            panic!("Enter sends the create: {effects:?}");
        };
        let CloudJob::Create { order, .. } = &**job else {
            panic!("a create: {job:?}");
        };
        assert_eq!(
            (
                order.name.as_str(),
                order.region.as_str(),
                order.size.as_str()
            ),
            ("items-api", "fra1", "s-1vcpu-1gb")
        );
        assert!(order.backups);
        update(
            &mut app,
            Event::Cloud(CloudEvent::Waiting(
                "Waiting for items-api to become active: 0:42, status new (create in-progress)"
                    .into(),
            )),
        );
        let progress = shot(&mut app, Some("create-progress"), "progress");
        insta::assert_snapshot!("create_progress", progress);
        no_cuts_noted();
    }

    #[test]
    fn the_api_s_refusals_are_said_where_they_belong() {
        // 401 at the token field.
        let mut app = app();
        press(&mut app, KeyCode::Down);
        press(&mut app, KeyCode::Enter);
        update(&mut app, Event::Paste(TOKEN.into()));
        press(&mut app, KeyCode::Enter);
        let refused =
            droplift::cloud::create::CreateError::Api(droplift::cloud::ApiError::Unauthorized {
                message: "Unable to authenticate you.".into(),
            });
        update(
            &mut app,
            Event::Cloud(CloudEvent::Failed {
                field: refused.field(),
                message: refused.to_string(),
            }),
        );
        assert_eq!(screen(&app), Screen::Token);
        let shown = shot(&mut app, Some("create-token-refused"), "401");
        insta::assert_snapshot!("create_token_refused", shown);
        assert!(flat(&shown).contains("did not accept the token"), "{shown}");

        // 422 after the summary: back at the size list, with the API's sentence.
        let mut app = self::app();
        to_image(&mut app);
        for _ in 0..6 {
            press(&mut app, KeyCode::Enter);
        }
        assert_eq!(screen(&app), Screen::Summary);
        press(&mut app, KeyCode::Enter);
        let sold_out =
            droplift::cloud::create::CreateError::Api(droplift::cloud::ApiError::Unprocessable {
                message: "Size is not available in this region.".into(),
            });
        update(
            &mut app,
            Event::Cloud(CloudEvent::Failed {
                field: sold_out.field(),
                message: sold_out.to_string(),
            }),
        );
        assert_eq!(screen(&app), Screen::Size);
        let shown = shot(&mut app, None, "422");
        assert!(
            flat(&shown).contains(
                "✗ DigitalOcean refused the request: Size is not available in this region."
            ),
            "{shown}"
        );

        // 403 (read-only) at the create: back at the token, which says so.
        press(&mut app, KeyCode::Enter);
        for _ in 0..4 {
            press(&mut app, KeyCode::Enter);
        }
        press(&mut app, KeyCode::Enter);
        let forbidden =
            droplift::cloud::create::CreateError::Api(droplift::cloud::ApiError::Forbidden {
                message: "You do not have access for the attempted action.".into(),
            });
        update(
            &mut app,
            Event::Cloud(CloudEvent::Failed {
                field: forbidden.field(),
                message: forbidden.to_string(),
            }),
        );
        assert_eq!(screen(&app), Screen::Token);
        let shown = flat(&shot(&mut app, None, "403"));
        assert!(shown.contains("probably a read-only token"), "{shown}");

        // A rate limit is waited out in the log; a droplet never active is an error card that
        // says what to check in the web page.
        let mut app = self::app();
        to_image(&mut app);
        for _ in 0..6 {
            press(&mut app, KeyCode::Enter);
        }
        press(&mut app, KeyCode::Enter);
        update(
            &mut app,
            Event::Cloud(CloudEvent::Line(
                droplift::cloud::client::Wait::RateLimited { seconds: 2 }.line(),
            )),
        );
        let never = droplift::cloud::create::CreateError::NeverActive {
            name: "items-api".into(),
            id: 3164444,
            status: "new".into(),
            waited: "5 min".into(),
        };
        update(
            &mut app,
            Event::Cloud(CloudEvent::Failed {
                field: never.field(),
                message: never.to_string(),
            }),
        );
        let shown = shot(&mut app, Some("create-never-active"), "never active");
        let words = shown.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(words.contains("The droplet was not created"), "{shown}");
        let log: Vec<String> = app
            .log
            .window(50, 0)
            .iter()
            .filter_map(|row| match row {
                droplift::logbuf::Row::Line(l) => Some(l.text.clone()),
                droplift::logbuf::Row::Dropped(_) => None,
            })
            .collect();
        assert!(
            log.iter()
                .any(|l| l.contains("rate limit is reached: waiting 2 s")),
            "{log:?}"
        );
        assert!(
            shown.contains("after 5 min") && shown.contains("Droplets → items-api"),
            "{shown}"
        );
        assert_eq!(screen(&app), Screen::Summary, "Enter tries again from here");
        no_cuts_noted();
    }

    #[test]
    fn an_active_droplet_goes_on_to_stage_one_as_root_by_key() {
        let mut app = app();
        to_image(&mut app);
        for _ in 0..6 {
            press(&mut app, KeyCode::Enter);
        }
        press(&mut app, KeyCode::Enter);
        let created: droplift::cloud::api::DropletResponse = serde_json::from_str(
            &std::fs::read_to_string(
                std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("tests/fixtures/digitalocean/droplet.json"),
            )
            .expect("fixture"),
        )
        .expect("droplet");
        let effects = update(
            &mut app,
            Event::Cloud(CloudEvent::Created(Box::new(created.droplet))),
        );
        assert!(app.cloud.is_none(), "the create screens close");
        assert_eq!(app.answers.host, "192.241.165.154");
        assert!(app.answers.root_by_key);
        let connect = effects.iter().find_map(|e| match e {
            Effect::Worker(job) => match &**job {
                droplift::remote::Job::Connect {
                    target,
                    credentials,
                    ..
                } => Some((target.clone(), credentials.clone())),
                _ => None,
            },
            _ => None,
        });
        let (target, credentials) = connect.expect("a login job");
        assert_eq!(target.user.as_deref(), Some("root"));
        assert!(credentials.password.is_none(), "no password: the key");
        assert_eq!(credentials.identity_files.len(), 1);
        let saved = app.unsaved.as_ref().expect("progress to save");
        let server = saved
            .server("192.241.165.154", 22)
            .expect("the new server is saved");
        assert_eq!(server.droplet.as_ref().map(|d| d.id), Some(3164444));
        assert_eq!(
            server.answers.get("root_login").map(String::as_str),
            Some("key")
        );
    }
}

// ── The health board on the finished screen of stages 8–10 ──

/// The combined check the board's read prints: the uWSGI stage's verdict, then `board.sh`'s
/// facts (a fixture captured on a practice droplet).
fn board_output(verdict: &str, fixture: &str) -> Vec<String> {
    let facts = std::fs::read_to_string(format!(
        "{}/tests/fixtures/doctor/{fixture}.txt",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("fixture");
    let mut lines = vec![
        "\u{1e}droplift-stage: service".to_owned(),
        format!("droplift-state: {verdict}"),
        "\u{1e}droplift-probe-rc: 0".to_owned(),
        "\u{1e}droplift-stage: board".to_owned(),
    ];
    lines.extend(fixture_lines(&facts));
    lines.push("\u{1e}droplift-probe-rc: 0".to_owned());
    lines
}

fn fixture_lines(text: &str) -> Vec<String> {
    text.lines().map(str::to_owned).collect()
}

/// Stage 10 checked without a domain (skipped): its screen then reads the board, as `status`
/// prints it, fitted into the pane at 80×24: the rows that are ok on one line, the others whole.
#[test]
fn the_last_stage_s_screen_shows_the_health_board() {
    let mut app = at_update_preview();
    app.answers.user = "ola".into();
    app.answers.nginx.site = "items".into();
    for stage in StageId::ALL {
        app.set_status(stage, StageStatus::Done);
    }
    app.enter_stage(StageId::Domain);
    // Enter walks the fields; on the last one it checks the stage.
    let mut effects = Vec::new();
    for _ in 0..app.form.fields.len() {
        effects = press(&mut app, KeyCode::Enter);
    }
    let id = first_id(&effects);
    out(
        &mut app,
        id,
        Stream::Stdout,
        "droplift-state: skipped no domain: the API is served over http only",
    );
    let effects = worker(&mut app, WorkerEvent::Finished { id, exit_code: 0 });
    let screen = text(&render(&mut app, 80, 24));
    assert!(
        screen.contains("Reading the server's health"),
        "the board is being read:\n{screen}"
    );
    let id = first_id(&effects);
    for line in board_output(
        "done uwsgi-items@a serves release 20261206T101500Z; GET /items answers 2xx with JSON",
        "board-healthy",
    ) {
        out(&mut app, id, Stream::Stdout, &line);
    }
    worker(&mut app, WorkerEvent::Finished { id, exit_code: 0 });
    let buffer = render(&mut app, 80, 24);
    assert_nothing_cut("the board on stage 10", &buffer);
    let screen = text(&buffer);
    assert!(screen.contains("Health (1 warning)"), "{screen}");
    assert!(screen.contains("ok   site, disk, memory"), "{screen}");
    assert!(
        screen.contains("WARN backup: none, and no nightly"),
        "{screen}"
    );
    assert!(screen.contains("droplift backup now"), "{screen}");
    assert!(screen.contains("plain http"), "{screen}");
    assert!(
        screen.contains("d doctor"),
        "the doctor is offered:\n{screen}"
    );
    assert!(
        !screen.contains("\u{1e}") && !screen.contains("doctor: disk"),
        "the raw output never shows:\n{screen}"
    );
    save_screenshot("health-board", &buffer);
    insta::assert_snapshot!(screen);
    // A bigger terminal has room for the whole board, as status prints it.
    let screen = text(&render(&mut app, 120, 40));
    assert!(
        screen.contains("ok   site: uwsgi-items@a serves"),
        "{screen}"
    );
    assert!(screen.contains("ok   memory: "), "{screen}");
    insta::assert_snapshot!(
        "the_last_stage_s_screen_shows_the_health_board_120x40",
        screen
    );
}

/// ola's site items with every stage done, on the uWSGI stage's finished screen.
fn service_finished() -> App {
    let mut app = at_update_preview();
    app.answers.user = "ola".into();
    app.answers.nginx.site = "items".into();
    for stage in StageId::ALL {
        app.set_status(stage, StageStatus::Done);
    }
    app.enter_stage(StageId::Service);
    app.view = droplift::wizard::View::Finished;
    app
}

/// `s` on the uWSGI stage's finished screen: the optional backup step, what it does and why,
/// each step with its command, at 80×24 with nothing cut (issue 29).
#[test]
fn the_backup_step_explains_itself_before_anything_runs() {
    let mut app = service_finished();
    let bar = text(&render(&mut app, 80, 24));
    assert!(bar.contains("s backups"), "the bar offers it:\n{bar}");
    press(&mut app, KeyCode::Char('s'));
    let buffer = render(&mut app, 80, 24);
    assert_nothing_cut("the backup step", &buffer);
    let screen = text(&buffer);
    for part in [
        "Nightly backups (optional)",
        "/var/lib/droplift/backups/items",
        "Why:",
        "Write the timer",
        "Enter set it up and back up now",
    ] {
        assert!(screen.contains(part), "{part}:\n{screen}");
    }
    save_screenshot("backup-step", &buffer);
    insta::assert_snapshot!(screen);
}

/// `l` at the end of the uWSGI stage: the app's logs from their end, a known line explained,
/// at 80×24 with nothing cut (issue 26).
#[test]
fn the_app_s_logs_open_from_their_end() {
    let mut app = service_finished();
    let effects = press(&mut app, KeyCode::Char('l'));
    let id = first_id(&effects);
    for line in include_str!("fixtures/logs-import-error.txt").lines() {
        out(&mut app, id, Stream::Stdout, line);
    }
    worker(&mut app, WorkerEvent::Finished { id, exit_code: 0 });
    let buffer = render(&mut app, 80, 24);
    assert_nothing_cut("the logs", &buffer);
    let screen = text(&buffer);
    assert!(
        screen.contains("The logs of items (newest last)"),
        "{screen}"
    );
    assert!(
        screen.contains("Your app imports a library that is not installed"),
        "{screen}"
    );
    save_screenshot("logs", &buffer);
    insta::assert_snapshot!(screen);
}

/// Stage 8 for a student's own Flask API from git: its entry point (a factory), health path,
/// migration, a plain setting and the names of its secret settings, at 80×24 (issue 26: the
/// README's picture of the app's settings).
#[test]
fn your_own_app_s_settings() {
    let mut app = fresh();
    app.answers.user = "ola".into();
    app.answers.app.source = "https://github.com/ola/shop-api.git".into();
    app.answers.app.git_ref = "v1.2.0".into();
    app.answers.app.module = "shop:create_app()".into();
    app.answers.app.module_given = true;
    app.answers.app.health = "/health".into();
    app.answers.app.release = vec!["flask db upgrade".into()];
    app.answers.app.env = vec![("SHOP_CURRENCY".into(), "EUR".into())];
    app.answers.app.secrets = vec!["SECRET_KEY".into(), "JWT_SECRET_KEY".into()];
    app.enter_stage(StageId::App);
    // On the secret settings' names: the questions before it scroll up as far as needed.
    for _ in 0..7 {
        press(&mut app, KeyCode::Tab);
    }
    let buffer = render(&mut app, 80, 24);
    assert_nothing_cut("your own app's settings", &buffer);
    let screen = text(&buffer);
    for part in [
        "/health",
        "flask db upgrade",
        "SHOP_CURRENCY=EUR",
        "SECRET_KEY JWT_SECRET_KEY",
    ] {
        assert!(screen.contains(part), "{part}:\n{screen}");
    }
    save_screenshot("app-settings", &buffer);
    insta::assert_snapshot!(screen);
}

// ── The squad's side of a class ("My class gave me an account on a shared droplet") ──

mod squad_screens {
    use super::*;
    use droplift::squad::{SquadLogin, SquadRefusal};

    const SQUAD: &str = "[server]\nhost = \"203.0.113.7\"\nport = 22\n\n\
        [user]\nname = \"avengers\"\nlogin = \"erin\"\nsudo = false\n\n\
        [postgres]\nrole = \"avengers\"\ndatabase = \"avengers\"\n\n\
        [nginx]\nsite = \"avengers\"\nserver_name = \"203.0.113.7\"\nunder = \"items\"\n\n\
        [app]\nsource = \"app\"\nmodule = \"app:app\"\nhealth = \"/health\"\n";

    fn login() -> SquadLogin {
        let (mut answers, _) = droplift::course::answers_file::parse(SQUAD).expect("a squad file");
        answers.app.source = "/home/alice/myapi".into();
        answers.app.folder = Some("/home/alice/myapi".into());
        answers.app.folder_digest = Some("ab".repeat(32));
        SquadLogin {
            url: droplift::squad::url(&answers),
            answers,
            key: "/home/alice/.ssh/id_ed25519".into(),
            site: "avengers".into(),
        }
    }

    fn shot(app: &mut App, what: &str) -> String {
        let buffer = render(app, 80, 24);
        assert_nothing_cut(what, &buffer);
        text(&buffer)
    }

    #[test]
    fn the_squad_s_screens_at_80x24() {
        let mut app = fresh();
        droplift::wizard::cloud::offer_first_choice(&mut app);
        press(&mut app, KeyCode::Down);
        press(&mut app, KeyCode::Down);
        let choice = shot(&mut app, "first choice");
        assert!(
            choice.contains("▶ My class gave me an account on a shared droplet"),
            "{choice}"
        );
        insta::assert_snapshot!("squad_choice", choice);

        press(&mut app, KeyCode::Enter);
        type_text(&mut app, "~/avengers.toml");
        press(&mut app, KeyCode::Tab);
        press(&mut app, KeyCode::Tab);
        type_text(&mut app, "~/myapi");
        press(&mut app, KeyCode::Enter);
        update(
            &mut app,
            Event::Squad(Err(vec![SquadRefusal {
                field: "key",
                message: "this is the PUBLIC half: give the private key".into(),
            }])),
        );
        let form = shot(&mut app, "the squad's form");
        assert!(form.contains("Squad file"), "{form}");
        assert!(form.contains("PUBLIC half"), "{form}");
        insta::assert_snapshot!("squad_form", form);

        update(&mut app, Event::Squad(Ok(Box::new(login()))));
        update(
            &mut app,
            Event::Worker(WorkerEvent::Connected {
                user: "avengers".into(),
                host: "203.0.113.7".into(),
                port: 22,
            }),
        );
        let stages = shot(&mut app, "the squad's stages");
        assert!(stages.contains("Stage 8 of 10"), "{stages}");
        insta::assert_snapshot!("squad_stages", stages);

        // An instructor's stage says why it is skipped, in one line.
        droplift::wizard::drive::chord(&mut app, crossterm::event::KeyModifiers::ALT, KeyCode::Up);
        let skipped = shot(&mut app, "an instructor's stage");
        assert!(
            skipped.contains("your instructor set up the server"),
            "{skipped}"
        );

        app.set_status(StageId::App, StageStatus::Done);
        app.set_status(StageId::Service, StageStatus::Done);
        app.set_note(StageId::Service, "release 20261207T031500Z serves");
        app.enter_stage(StageId::Service);
        app.view = droplift::wizard::View::Finished;
        let shipped = shot(&mut app, "the squad's app shipped");
        assert!(
            shipped.contains("http://203.0.113.7/avengers/"),
            "{shipped}"
        );
        insta::assert_snapshot!("squad_shipped", shipped);
    }
}

/// Types the roster's path over the one the popup offers, and Enter.
fn roster_entered(app: &mut App, path: &str) -> Vec<droplift::wizard::Effect> {
    press(app, KeyCode::Char('c'));
    type_text(app, path);
    press(app, KeyCode::Enter)
}

/// `c` at the end of the uWSGI stage: the roster is asked for, and one with mistakes is refused
/// at its lines with nothing run, at 80×24 with nothing cut (issue 28).
#[test]
fn the_class_s_roster_is_asked_for_and_a_bad_one_refused_at_its_lines() {
    let mut app = service_finished();
    let effects = roster_entered(&mut app, "tests/fixtures/class/bad.toml");
    assert!(effects.is_empty(), "nothing runs: {effects:?}");
    let buffer = render(&mut app, 80, 24);
    assert_nothing_cut("the refused roster", &buffer);
    let screen = text(&buffer);
    for said in ["line 7", "line 10", "line 11", "nothing was applied"] {
        assert!(screen.contains(said), "{said}: {screen}");
    }
    save_screenshot("class-roster", &buffer);
    insta::assert_snapshot!(screen);
}

/// The roster passes: its squads, where each is reached, the command that sets the class up,
/// and the class's board read at once (one squad serving, one failing), fit for a projector at
/// 80×24 (issue 28).
#[test]
fn the_class_s_roster_check_and_board_fit_a_projector() {
    let mut app = service_finished();
    let effects = roster_entered(&mut app, "tests/fixtures/class/class.toml");
    let id = first_id(&effects);
    for line in include_str!("fixtures/class/board.txt").lines() {
        out(&mut app, id, Stream::Stdout, line);
    }
    worker(&mut app, WorkerEvent::Finished { id, exit_code: 0 });
    // 03:16:00 UTC, whenever the test runs.
    app.class.read_at = Some(1_796_613_360);
    let buffer = render(&mut app, 80, 24);
    assert_nothing_cut("the class's board", &buffer);
    let screen = text(&buffer);
    for said in [
        "2 squads, 3 members' keys, on 203.0.113.7",
        "http://203.0.113.7/avengers/",
        "droplift class apply --roster tests/fixtures/class/class.toml",
        "read at 03:16:00 UTC (every 15 s; r: now)",
        "ok 200",
        "FAIL 502",
        "last error: ModuleNotFoundError",
    ] {
        assert!(screen.contains(said), "{said}: {screen}");
    }
    save_screenshot("class-board", &buffer);
    insta::assert_snapshot!(screen);
}
