//! The squad's path in the wizard, driven by keys and events as the loop would: the choice, the
//! form's refusals at their fields, the login through the deploy key's gate, the instructor's
//! stages skipped with why, and the squad's own stages.

use super::drive::{chord, press, type_text};
use super::tests::{app, error};
use super::*;
use crate::course::StageStatus;
use crate::remote::Job;
use crate::squad::{SquadLogin, SquadRefusal};
use crossterm::event::{KeyCode, KeyModifiers};

/// A squad file as `class apply` writes it (no domain: served under the first site).
pub(super) const SQUAD: &str = "[server]\nhost = \"203.0.113.7\"\nport = 22\n\n\
    [user]\nname = \"avengers\"\nlogin = \"erin\"\nsudo = false\n\n\
    [postgres]\nrole = \"avengers\"\ndatabase = \"avengers\"\n\n\
    [nginx]\nsite = \"avengers\"\nserver_name = \"203.0.113.7\"\nunder = \"items\"\n\n\
    [app]\nsource = \"app\"\nmodule = \"app:app\"\nhealth = \"/health\"\n";

/// What the loop's read of a good squad file, key and folder hands back.
pub(super) fn squad_login() -> SquadLogin {
    let (mut answers, _) = crate::course::answers_file::parse(SQUAD).expect("squad file");
    answers.app.source = "/home/alice/myapi".into();
    answers.app.folder = Some("/home/alice/myapi".into());
    answers.app.folder_digest = Some("ab".repeat(32));
    SquadLogin {
        url: crate::squad::url(&answers),
        answers,
        key: "/home/alice/.ssh/id_ed25519".into(),
        site: "avengers".into(),
    }
}

/// The first screen, the third choice taken.
pub(super) fn squad_form() -> App {
    let mut app = app();
    cloud::offer_first_choice(&mut app);
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Enter);
    app
}

/// Logged in as the squad: on stage 8.
pub(super) fn squad_logged_in() -> App {
    let mut app = squad_form();
    update(&mut app, Event::Squad(Ok(Box::new(squad_login()))));
    update(
        &mut app,
        Event::Worker(WorkerEvent::Connected {
            user: "avengers".into(),
            host: "203.0.113.7".into(),
            port: 22,
        }),
    );
    app
}

/// Stage 9 done on the squad's path.
pub(super) fn squad_shipped() -> App {
    let mut app = squad_logged_in();
    app.set_status(StageId::App, StageStatus::Done);
    app.set_status(StageId::Service, StageStatus::Done);
    app.set_note(StageId::Service, "release 20261207T031500Z serves");
    app.enter_stage(StageId::Service);
    app.view = View::Finished;
    app
}

#[test]
fn the_third_choice_asks_for_the_squad_s_file_key_and_folder() {
    let mut app = app();
    cloud::offer_first_choice(&mut app);
    // ↑ from the first row wraps to the last.
    press(&mut app, KeyCode::Up);
    assert!(matches!(
        app.overlay,
        Some(Overlay::FirstChoice { selected: 2 })
    ));
    press(&mut app, KeyCode::Enter);
    assert!(app.overlay.is_none());
    assert!(app.squad.is_some());
    assert_eq!(app.current, StageId::Connect);
    let keys: Vec<&str> = app.form.fields.iter().map(|f| f.key).collect();
    assert_eq!(keys, ["file", "key", "folder"]);
    assert_eq!(app.form.value("key"), "~/.ssh/id_ed25519", "the usual key");
    // Esc: the first choice again, on the squad's row; stage 1 is the droplet's form again.
    press(&mut app, KeyCode::Esc);
    assert!(app.squad.is_none());
    assert!(matches!(
        app.overlay,
        Some(Overlay::FirstChoice { selected: 2 })
    ));
    assert!(app.form.field("file").is_none(), "{:?}", app.form);
}

#[test]
fn the_squad_form_refuses_at_the_field_and_keeps_what_was_typed() {
    let mut app = squad_form();
    // No file: refused before anything is read.
    let mut effects = Vec::new();
    for _ in 0..3 {
        effects = press(&mut app, KeyCode::Enter);
    }
    assert!(effects.is_empty(), "{effects:?}");
    assert!(
        error(&app, "file").contains("squad file"),
        "{}",
        error(&app, "file")
    );
    assert_eq!(app.form.focus, 0);
    type_text(&mut app, "~/avengers.toml");
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "~/myapi");
    let effects = press(&mut app, KeyCode::Enter);
    let [Effect::ReadSquad(input)] = effects.as_slice() else {
        panic!("the loop reads the files: {effects:?}");
    };
    assert_eq!(input.file, "~/avengers.toml");
    assert_eq!(input.key, "~/.ssh/id_ed25519");
    assert_eq!(input.folder, "~/myapi");
    // What the loop found wrong comes back to its fields.
    update(
        &mut app,
        Event::Squad(Err(vec![
            SquadRefusal {
                field: "key",
                message: "this is the PUBLIC half".into(),
            },
            SquadRefusal {
                field: "folder",
                message: "no requirements.txt".into(),
            },
        ])),
    );
    assert_eq!(error(&app, "key"), "this is the PUBLIC half");
    assert_eq!(error(&app, "folder"), "no requirements.txt");
    assert_eq!(app.form.focus, 1, "the first bad field");
    assert_eq!(app.form.value("file"), "~/avengers.toml", "nothing lost");
    assert_eq!(app.form.value("folder"), "~/myapi");
    assert_eq!(app.link, Link::Offline, "no login tried");
}

#[test]
fn the_squad_logs_in_with_its_key_alone_through_the_gate() {
    let mut app = squad_form();
    let effects = update(&mut app, Event::Squad(Ok(Box::new(squad_login()))));
    let connect = effects.iter().find_map(|e| match e {
        Effect::Worker(job) => match job.as_ref() {
            Job::Connect {
                target,
                credentials,
                ..
            } => Some((target.clone(), credentials.clone())),
            _ => None,
        },
        _ => None,
    });
    let (target, credentials) = connect.expect("a login");
    assert_eq!(target.user.as_deref(), Some("avengers"), "as the squad");
    assert_eq!(
        credentials.sealed.as_deref(),
        Some("avengers"),
        "sealed steps only"
    );
    assert_eq!(
        credentials.identity_files,
        [std::path::PathBuf::from("/home/alice/.ssh/id_ed25519")]
    );
    assert!(!credentials.use_agent && credentials.password.is_none());
    assert_eq!(app.status(StageId::Connect), StageStatus::Running);
}

#[test]
fn logged_in_the_instructor_s_stages_are_skipped_with_why_and_stage_8_asks_nothing() {
    let mut app = squad_logged_in();
    assert_eq!(app.status(StageId::Connect), StageStatus::Done);
    for stage in StageId::ALL {
        let entry = app.entry(stage).expect("stage");
        if squad::ships(stage) {
            assert_eq!(entry.status, StageStatus::Pending, "{stage}");
        } else if stage != StageId::Connect {
            assert_eq!(entry.status, StageStatus::Skipped, "{stage}");
            assert_eq!(entry.note, squad::WHY_SKIPPED);
        }
    }
    assert_eq!(app.current, StageId::App);
    assert_eq!(app.view, View::Form);
    assert!(app.form.is_empty(), "the squad's file fixed the answers");
    // Enter checks the app stage as the squad's answers say (nothing taken from a form).
    let effects = press(&mut app, KeyCode::Enter);
    let checked = effects.iter().any(|e| {
        matches!(e, Effect::Perform(request) if matches!(request.as_ref(),
            crate::runner::Request::Run { command, .. } if command.sudo))
    });
    assert!(checked, "{effects:?}");
    assert_eq!(app.answers.app.module, "app:app");
    assert_eq!(app.answers.user, "avengers");
    // An instructor's stage opens on why it is skipped, and Enter there only goes on.
    chord(&mut app, KeyModifiers::ALT, KeyCode::Up);
    assert_eq!(app.current, StageId::Nginx);
    assert_eq!(app.view, View::Finished);
    assert!(press(&mut app, KeyCode::Enter).is_empty());
    assert_eq!(app.current, StageId::App, "on to the squad's stage");
}

#[test]
fn the_squad_s_last_screen_says_where_it_answers_and_ships_again_or_rolls_back() {
    let mut app = squad_shipped();
    let lines = squad::finished_lines(&app);
    assert_eq!(
        lines[0],
        "Your squad's API answers at http://203.0.113.7/avengers/"
    );
    let labels: Vec<String> = keymap::bar(&app)
        .iter()
        .map(|l| l.keys.to_string())
        .collect();
    assert!(labels.contains(&"r".to_owned()), "{labels:?}");
    assert!(labels.contains(&"b".to_owned()), "{labels:?}");
    assert!(labels.contains(&"l".to_owned()), "its own logs: {labels:?}");
    for absent in ["d", "s", "Enter"] {
        assert!(!labels.contains(&absent.to_owned()), "{absent}: {labels:?}");
    }
    // r: the folder is read again for a new release; with it, stage 8 is checked again.
    let effects = press(&mut app, KeyCode::Char('r'));
    assert!(
        matches!(effects.as_slice(), [Effect::ReadSquad(_)]),
        "{effects:?}"
    );
    let effects = update(&mut app, Event::Squad(Ok(Box::new(squad_login()))));
    assert_eq!(app.current, StageId::App);
    assert!(
        effects.iter().any(|e| matches!(e, Effect::Perform(_))),
        "{effects:?}"
    );
    // b at the end of stage 9 rolls back, as the key allows.
    let mut app = squad_shipped();
    let effects = press(&mut app, KeyCode::Char('b'));
    assert!(
        effects.iter().any(|e| matches!(e, Effect::Perform(r) if matches!(r.as_ref(),
            crate::runner::Request::Run { command, .. } if command.script.contains("target=previous")))),
        "{effects:?}"
    );
    // Nothing of a squad's session is saved as a server to resume as its owner.
    assert!(app.unsaved.is_none());
}

#[test]
fn a_key_the_server_refuses_says_so_and_keeps_the_form() {
    let mut app = squad_form();
    type_text(&mut app, "~/avengers.toml");
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "~/myapi");
    press(&mut app, KeyCode::Enter);
    update(&mut app, Event::Squad(Ok(Box::new(squad_login()))));
    update(
        &mut app,
        Event::Worker(WorkerEvent::ConnectFailed {
            kind: crate::remote::ConnectErrorKind::AuthFailed,
            message: "The server refused to log in as \"avengers\"".into(),
        }),
    );
    let Some(Overlay::Error(card)) = &app.overlay else {
        panic!("a card: {:?}", app.overlay);
    };
    assert_eq!(card.next, squad::KEY_REFUSED);
    assert_eq!(app.status(StageId::Connect), StageStatus::Failed);
    assert_eq!(app.form.value("file"), "~/avengers.toml", "nothing lost");
    assert_eq!(app.form.value("folder"), "~/myapi");
}
