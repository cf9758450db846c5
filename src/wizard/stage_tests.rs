//! The wizard's screens for the stages' forms (PostgreSQL, the firewall's list, the app, and the
//! service stage's rollback), driven by key events as the loop would: bad input is explained at
//! its field and nothing starts; good input starts the read-only check.

use super::drive::{press, type_text};
use super::tests::error;
use super::*;
use crate::runner::Request;
use crate::secret::SecretName;
use crate::theme::ThemeName;
use crossterm::event::KeyCode;

fn app_at(stage: StageId) -> App {
    let mut app = App::new(Theme::new(ThemeName::Default, false), 100);
    app.answers = Answers::new("203.0.113.7", "johndoe");
    app.link = Link::Connected {
        user: "root".into(),
    };
    app.enter_stage(stage);
    app
}

fn clear_field(app: &mut App) {
    for _ in 0..80 {
        press(app, KeyCode::Backspace);
    }
}

#[test]
fn the_role_starts_as_the_user_and_bad_names_are_explained_when_leaving_the_field() {
    let mut app = app_at(StageId::Postgres);
    assert_eq!(app.form.value("role"), "johndoe");
    assert_eq!(app.form.value("database"), "", "empty: the role's name");
    let long = "r".repeat(64);
    for (name, expected) in [
        ("select", "reserved"),
        ("a\"b", "double quote"),
        (long.as_str(), "63 bytes"),
    ] {
        clear_field(&mut app);
        type_text(&mut app, name);
        press(&mut app, KeyCode::Tab);
        assert!(
            error(&app, "role").contains(expected),
            "{name}: {:?}",
            error(&app, "role")
        );
        press(&mut app, KeyCode::BackTab);
    }
    // Empty is judged on Enter: the form stays, nothing runs.
    clear_field(&mut app);
    for _ in 0..3 {
        press(&mut app, KeyCode::Tab);
    }
    let effects = press(&mut app, KeyCode::Enter);
    assert!(effects.is_empty(), "nothing starts: {effects:?}");
    assert!(error(&app, "role").contains("Choose a role name"));
    assert_eq!(app.status(StageId::Postgres), StageStatus::Pending);
}

#[test]
fn names_that_need_quoting_and_an_odd_password_start_the_check() {
    let mut app = app_at(StageId::Postgres);
    clear_field(&mut app);
    type_text(&mut app, "items app");
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "items-db");
    press(&mut app, KeyCode::Tab);
    let password = r"it's $HOME \ 100% a@b:c/d #x";
    type_text(&mut app, password);
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, password);
    let effects = press(&mut app, KeyCode::Enter);
    let Some(Effect::Perform(request)) = effects.first() else {
        panic!("the check starts: {effects:?}");
    };
    let Request::Run { command, .. } = request.as_ref() else {
        panic!("a command");
    };
    assert!(
        command.script.contains("role='items app'"),
        "{}",
        command.script
    );
    assert!(
        !command.script.contains(password),
        "the password is not in the script"
    );
    assert_eq!(
        app.secrets.get(SecretName::DbPassword).map(|s| s.expose()),
        Some(password)
    );
    assert_eq!(app.form.value("db_password"), "", "the field is wiped");
    assert_eq!(app.answers.db_name(), "items-db");
}

#[test]
fn the_passwords_must_match() {
    let mut app = app_at(StageId::Postgres);
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "long enough 1");
    press(&mut app, KeyCode::Tab);
    assert_eq!(error(&app, "db_password"), "", "judged once both are typed");
    type_text(&mut app, "long enough 2");
    assert!(press(&mut app, KeyCode::Enter).is_empty());
    assert!(error(&app, "db_password").contains("differ"));
}

#[test]
fn bad_ports_are_refused_at_the_field_and_nothing_is_added() {
    let mut app = app_at(StageId::Firewall);
    for (port, expected) in [
        ("0", "no port 0"),
        ("70000", "too big"),
        ("22/xyz", "\"xyz\" is not a protocol"),
    ] {
        clear_field(&mut app);
        type_text(&mut app, port);
        assert!(press(&mut app, KeyCode::Enter).is_empty());
        assert!(
            error(&app, "add_port").contains(expected),
            "{port}: {:?}",
            error(&app, "add_port")
        );
        assert!(app.answers.extra_ports.is_empty());
    }
}

#[test]
fn ports_are_added_and_removed_but_ssh_and_the_web_stay() {
    let mut app = app_at(StageId::Firewall);
    type_text(&mut app, "8080, 53/udp");
    press(&mut app, KeyCode::Enter);
    let rules: Vec<String> = firewall_list::listed(&app)
        .into_iter()
        .map(|(r, _)| r)
        .collect();
    assert_eq!(rules, ["22/tcp", "80/tcp", "8080/tcp", "53/udp"]);
    assert_eq!(
        app.form.value("add_port"),
        "",
        "the field is ready for the next port"
    );
    type_text(&mut app, "80");
    press(&mut app, KeyCode::Enter);
    assert!(error(&app, "add_port").contains("open already"));
    clear_field(&mut app);

    // The chosen rule is the last one added; remove it.
    press(&mut app, KeyCode::Delete);
    assert_eq!(app.answers.extra_ports.len(), 1);
    // SSH cannot be removed, and the screen says why; nor can the web rule.
    for _ in 0..5 {
        press(&mut app, KeyCode::Up);
    }
    press(&mut app, KeyCode::Delete);
    assert!(error(&app, "add_port").contains("The SSH rule stays"));
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Delete);
    assert!(error(&app, "add_port").contains("The web rule stays"));
    assert_eq!(firewall_list::listed(&app).len(), 3);

    // Enter on the empty field goes on to the check, with the list as it stands.
    let effects = press(&mut app, KeyCode::Enter);
    let Some(Effect::Perform(request)) = effects.first() else {
        panic!("the check starts: {effects:?}");
    };
    let Request::Run { command, .. } = request.as_ref() else {
        panic!("a command");
    };
    assert!(
        command.script.contains("extra=8080/tcp\n"),
        "{}",
        command.script
    );
}

// ── Stages 8–10 ──

#[test]
fn a_folder_in_the_app_form_is_sent_to_deploy_and_a_git_url_needs_a_good_ref() {
    let mut app = app_at(StageId::App);
    assert_eq!(app.form.value("ref"), "main");
    assert_eq!(app.form.value("module"), "app:app");
    type_text(&mut app, "~/code/myapp");
    for _ in 0..3 {
        press(&mut app, KeyCode::Enter);
    }
    assert!(error(&app, "source").contains("droplift deploy --source"));
    assert_eq!(app.view, View::Form, "nothing started");
}

#[test]
fn the_sample_app_starts_the_app_stage_s_check() {
    let mut app = app_at(StageId::App);
    let mut effects = Vec::new();
    for _ in 0..11 {
        effects = press(&mut app, KeyCode::Enter);
    }
    let started = effects.iter().any(|e| {
        matches!(e, Effect::Perform(request) if matches!(request.as_ref(),
            Request::Run { command, .. } if command.script.contains("release_with_digest")))
    });
    assert!(started, "the check runs: {effects:?}");
}

#[test]
fn b_on_the_service_stage_s_last_screen_starts_a_rollback() {
    let mut app = app_at(StageId::Service);
    app.view = View::Finished;
    let effects = press(&mut app, KeyCode::Char('b'));
    let rollback = effects.iter().any(|e| {
        matches!(e, Effect::Perform(request) if matches!(request.as_ref(),
            Request::Run { command, .. } if command.script.contains("target=previous")))
    });
    assert!(rollback, "{effects:?}");
}

#[test]
fn the_app_form_proposes_the_entry_point_with_its_reason_and_a_typed_one_wins() {
    let mut app = app_at(StageId::App);
    let note = |app: &App| app.form.field("module").and_then(|f| f.note.clone());
    assert_eq!(
        note(&app).as_deref(),
        Some("found app = Flask(__name__) in app.py")
    );
    // Kept as proposed: still droplift's choice.
    for _ in 0..11 {
        press(&mut app, KeyCode::Enter);
    }
    assert_eq!(app.answers.app.module, "app:app");
    assert!(!app.answers.app.module_given);

    // Code from git cannot be looked at: the start value says it is a guess.
    let mut app = app_at(StageId::App);
    app.answers.app.source = "https://example.com/me/shop.git".into();
    app.enter_stage(StageId::App);
    assert_eq!(
        note(&app).as_deref(),
        Some("a guess: code in git is not looked at")
    );
    // Typing in the field drops the note; a factory typed is the student's own answer.
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Tab);
    clear_field(&mut app);
    type_text(&mut app, "shop:create_app()");
    assert_eq!(note(&app), None);
    press(&mut app, KeyCode::Enter);
    type_text(&mut app, "/store");
    for _ in 0..8 {
        press(&mut app, KeyCode::Enter);
    }
    assert_eq!(app.answers.app.module, "shop:create_app()");
    assert!(app.answers.app.module_given);

    // Arguments are refused at the field, with what to do instead.
    let mut app = app_at(StageId::App);
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Tab);
    clear_field(&mut app);
    type_text(&mut app, "app:create_app('production')");
    press(&mut app, KeyCode::Enter);
    assert!(
        error(&app, "module").contains("no arguments"),
        "{}",
        error(&app, "module")
    );
}

#[test]
fn the_app_form_asks_a_students_app_for_its_health_path_and_never_assumes_items() {
    let mut app = app_at(StageId::App);
    let health_note = |app: &App| app.form.field("health").and_then(|f| f.note.clone());
    assert_eq!(app.form.value("health"), "", "nothing is proposed");
    assert_eq!(
        health_note(&app).as_deref(),
        Some("empty: the sample's /items, with JSON")
    );
    // Code from git with the field left empty: asked at the field, nothing starts.
    app.answers.app.source = "https://example.com/me/shop.git".into();
    app.enter_stage(StageId::App);
    assert_eq!(
        health_note(&app).as_deref(),
        Some("code in git is not looked at: give one of your routes")
    );
    let mut effects = Vec::new();
    for _ in 0..11 {
        effects = press(&mut app, KeyCode::Enter);
    }
    assert!(
        error(&app, "health").contains("/items is only the sample's"),
        "{}",
        error(&app, "health")
    );
    assert!(effects.iter().all(|e| !matches!(e, Effect::Perform(_))));
    type_text(&mut app, "store");
    press(&mut app, KeyCode::Enter);
    assert!(error(&app, "health").contains("starts with /"));
    // Enter on the last field refuses and brings the cursor back to the field at fault.
    for _ in 0..7 {
        press(&mut app, KeyCode::Enter);
    }
    clear_field(&mut app);
    type_text(&mut app, "/store");
    for _ in 0..8 {
        press(&mut app, KeyCode::Enter);
    }
    assert_eq!(app.answers.app.health, "/store");
    // Routes seen in a folder's code are offered in the note.
    let mut app = app_at(StageId::App);
    app.answers.app.source = "https://example.com/me/shop.git".into();
    app.answers.app.routes = vec!["/store".into(), "/stores".into()];
    app.enter_stage(StageId::App);
    assert_eq!(
        health_note(&app).as_deref(),
        Some("routes in the code: /store, /stores")
    );
}

#[test]
fn the_app_form_takes_the_database_password_after_a_resume_and_keeps_one_typed_before() {
    // Resumed after stage 5 was done: the password is not known (never saved): typed here.
    let mut app = app_at(StageId::App);
    assert!(app.secrets.get(SecretName::DbPassword).is_none());
    for _ in 0..4 {
        press(&mut app, KeyCode::Enter);
    }
    type_text(&mut app, "the db pw 12");
    for _ in 0..7 {
        press(&mut app, KeyCode::Enter);
    }
    assert_eq!(
        app.secrets.get(SecretName::DbPassword).map(|s| s.expose()),
        Some("the db pw 12")
    );
    assert_eq!(app.form.value("db_password"), "", "the field is wiped");
    // Typed at stage 5 in this session: an empty field keeps it.
    let mut app = app_at(StageId::App);
    app.secrets.set(
        SecretName::DbPassword,
        crate::secret::Secret::new("typed at stage 5"),
        &crate::secret::Redactor::new(),
    );
    for _ in 0..11 {
        press(&mut app, KeyCode::Enter);
    }
    assert_eq!(
        app.secrets.get(SecretName::DbPassword).map(|s| s.expose()),
        Some("typed at stage 5")
    );
}

#[test]
fn the_app_form_takes_release_commands_settings_and_masked_secret_values() {
    let mut app = app_at(StageId::App);
    for _ in 0..5 {
        press(&mut app, KeyCode::Enter);
    }
    type_text(
        &mut app,
        "flask --app shop db upgrade; flask --app shop seed",
    );
    press(&mut app, KeyCode::Enter);
    type_text(&mut app, "DATABASE_URL=x");
    press(&mut app, KeyCode::Enter);
    type_text(&mut app, "SECRET_KEY, JWT_SECRET_KEY");
    press(&mut app, KeyCode::Enter);
    type_text(&mut app, "SECRET_KEY=short");
    press(&mut app, KeyCode::Enter);
    type_text(&mut app, "/static=staticfiles");
    press(&mut app, KeyCode::Enter);
    type_text(&mut app, "instance ../media");
    press(&mut app, KeyCode::Enter);
    assert!(
        error(&app, "static").contains("starts and ends with /"),
        "{}",
        error(&app, "static")
    );
    assert!(
        error(&app, "shared").contains("no . or .."),
        "{}",
        error(&app, "shared")
    );
    assert!(
        error(&app, "env").contains("droplift writes DATABASE_URL"),
        "{}",
        error(&app, "env")
    );
    let said = error(&app, "secret_values");
    assert!(said.contains("SECRET_KEY: Use at least 8"), "{said}");
    assert!(!said.contains("short"), "the value is never said: {said}");
    // The cursor is back at the first field at fault: the settings.
    clear_field(&mut app);
    type_text(&mut app, "FLASK_DEBUG=0; GREETING=hi there");
    for _ in 0..2 {
        press(&mut app, KeyCode::Enter);
    }
    clear_field(&mut app);
    type_text(&mut app, "SECRET_KEY=typed-secret-1");
    press(&mut app, KeyCode::Enter);
    clear_field(&mut app);
    type_text(&mut app, "/static/=staticfiles; /media/=media");
    press(&mut app, KeyCode::Enter);
    clear_field(&mut app);
    type_text(&mut app, "instance media");
    press(&mut app, KeyCode::Enter);
    let answers = &app.answers.app;
    assert_eq!(
        answers.static_dirs,
        [
            ("/static/".to_owned(), "staticfiles".to_owned()),
            ("/media/".to_owned(), "media".to_owned())
        ]
    );
    assert_eq!(answers.shared, ["instance", "media"]);
    assert_eq!(
        answers.release,
        ["flask --app shop db upgrade", "flask --app shop seed"]
    );
    assert_eq!(
        answers.env,
        [
            ("FLASK_DEBUG".to_owned(), "0".to_owned()),
            ("GREETING".to_owned(), "hi there".to_owned())
        ]
    );
    assert_eq!(answers.secrets, ["SECRET_KEY", "JWT_SECRET_KEY"]);
    assert_eq!(
        app.secrets.get(SecretName::AppSecrets).map(|s| s.expose()),
        Some("SECRET_KEY=typed-secret-1\n")
    );
    assert_eq!(app.form.value("secret_values"), "", "the field is wiped");
    assert_eq!(app.redactor.redact("typed-secret-1"), crate::secret::MASK);
}
