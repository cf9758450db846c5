//! "My class gave me an account on a shared droplet" (issue 28, the squad's side): the student
//! gives the squad file their instructor handed out, their own private key and their app's
//! folder; droplift logs in with the key as the squad's account (through the deploy key's gate:
//! the same login `droplift deploy --deploy-key` makes), shows stages 1–7 and 10 as the
//! instructor's, and walks them through stages 8–9 for their app. Reading the files is an
//! effect (`Effect::ReadSquad`); its result comes back as `Event::Squad`.

use super::{App, Effect, ErrorCard, Field, FieldKind, Form, Overlay, View};
use crate::course::{StageId, StageStatus};
use crate::logbuf::LineKind;
use crate::login::{DeployKeyLogin, Login, LoginPolicy};
use crate::remote::HostKeyPolicy;
use crate::squad::{SquadInput, SquadLogin, SquadRefusal};

/// The first screen's third choice.
pub const CHOICE: &str = "My class gave me an account on a shared droplet";

/// Why the instructor's stages are skipped, on their screens and in the log.
pub const WHY_SKIPPED: &str =
    "your instructor set up the server; your account may only ship your squad's app";

/// Stage 1's explanation on this path.
pub const EXPLANATION: &str = "Your instructor gave your squad an account on the \
    class's droplet. droplift logs in as your squad with your own key, which may only ship, \
    roll back and list your squad's releases.";

/// Stages 8 and 9's line on this path, where their questions would be.
pub const FIXED: &str = "Your squad's file fixes this stage's answers: your instructor \
    sealed its steps on the server, and your key may run only those.";

/// What to do when the server refused the squad's login with the key given.
pub const KEY_REFUSED: &str = "The server did not take this key for your squad's account. Is it \
    the private half of the key you gave your instructor (and is your squad file the newest)? \
    Fix the Your key field and press Enter again.";

/// The squad path's state, while it is the one taken.
#[derive(Clone, Debug, Default)]
pub struct SquadView {
    /// What the student typed, kept: the next release reads the folder again.
    pub input: SquadInput,
    /// Where the squad's API answers, once the file was read.
    pub url: Option<String>,
}

/// The squad's own stages: the ones its key may run.
pub fn ships(stage: StageId) -> bool {
    matches!(stage, StageId::App | StageId::Service)
}

/// "My class gave me an account …": the squad's form in stage 1's place.
pub(super) fn start(app: &mut App) {
    app.squad = Some(SquadView {
        input: SquadInput {
            key: crate::squad::DEFAULT_KEY.into(),
            ..SquadInput::default()
        },
        url: None,
    });
    app.enter_stage(StageId::Connect);
    app.info(
        "Give your squad's file, your key and your app's folder; Enter logs in as your squad.",
    );
}

/// The form a stage shows on this path: stage 1 asks for the squad's file, key and folder;
/// the others ask nothing (the file fixed their answers, or they are the instructor's).
pub(super) fn form_for(view: &SquadView, id: StageId) -> Form {
    if id != StageId::Connect {
        return Form::default();
    }
    let input = &view.input;
    Form::new(vec![
        Field::new("file", "Squad file", FieldKind::Text)
            .with_hint("the .toml your instructor gave you")
            .with_value(&input.file),
        Field::new("key", "Your key", FieldKind::Text)
            .with_hint("your private key (not the .pub)")
            .with_value(&input.key),
        Field::new("folder", "App folder", FieldKind::Text)
            .with_hint("empty: the file's [app] source")
            .with_value(&input.folder),
    ])
}

/// The screen a stage opens on: the instructor's stages say why they are skipped.
pub(super) fn view_for(app: &App, id: StageId) -> Option<View> {
    (app.squad.is_some() && id != StageId::Connect && !ships(id)).then_some(View::Finished)
}

/// Enter on the squad's form: the file is needed before anything is read; then the loop reads
/// the file, the key and the folder (`Effect::ReadSquad`).
pub(super) fn submit(app: &mut App) -> Vec<Effect> {
    app.form.clear_errors();
    let input = SquadInput {
        file: app.form.value("file").trim().to_owned(),
        key: app.form.value("key").trim().to_owned(),
        folder: app.form.value("folder").trim().to_owned(),
    };
    if input.file.is_empty() {
        app.form.set_error(
            "file",
            "give the squad file your instructor handed out (e.g. ~/avengers.toml)",
        );
        app.form.focus_first_error();
        return Vec::new();
    }
    read(app, input)
}

fn read(app: &mut App, input: SquadInput) -> Vec<Effect> {
    if let Some(view) = &mut app.squad {
        view.input = input.clone();
    }
    app.info("Reading your squad's file, your key and your app's folder …");
    vec![Effect::ReadSquad(input)]
}

/// `r` at the end of stage 9: a new release from the folder as it is now (read again).
pub(super) fn ship_again(app: &mut App) -> Vec<Effect> {
    let Some(view) = &app.squad else {
        return Vec::new();
    };
    let input = view.input.clone();
    read(app, input)
}

/// What the loop read: refusals at their fields (or on a card after a release), else the login
/// as the squad, or — logged in already — stage 8's check of the new release.
pub(super) fn on_read(
    app: &mut App,
    result: Result<Box<SquadLogin>, Vec<SquadRefusal>>,
) -> Vec<Effect> {
    let login = match result {
        Ok(login) => login,
        Err(refusals) => {
            refused(app, &refusals);
            return Vec::new();
        }
    };
    let SquadLogin {
        answers,
        key,
        site,
        url,
    } = *login;
    app.answers = answers;
    if let Some(view) = &mut app.squad {
        view.url = Some(url);
    }
    if matches!(app.link, super::Link::Connected { .. }) {
        app.set_status(StageId::App, StageStatus::Pending);
        app.set_status(StageId::Service, StageStatus::Pending);
        app.enter_stage(StageId::App);
        return super::flow::check_current(app);
    }
    app.login = Login::new(LoginPolicy {
        host_keys: HostKeyPolicy::Ask,
        change_password: false,
        deploy_key: Some(DeployKeyLogin { key, site }),
    });
    app.set_status(StageId::Connect, StageStatus::Running);
    app.view = View::Running;
    let out = match app.login.start(&app.answers, &app.home, &app.secrets) {
        Ok(out) => out,
        Err(e) => {
            app.log_line(LineKind::Error, &e.what());
            app.set_status(StageId::Connect, StageStatus::Failed);
            app.view = View::Form;
            return Vec::new();
        }
    };
    super::login::present(app, out)
}

fn refused(app: &mut App, refusals: &[SquadRefusal]) {
    for r in refusals {
        app.log_line(LineKind::Error, &r.message);
    }
    if app.current == StageId::Connect && app.view == View::Form {
        for r in refusals {
            app.form.set_error(r.field, r.message.clone());
        }
        app.form.focus_first_error();
        return;
    }
    app.overlay = Some(Overlay::Error(ErrorCard {
        title: "Nothing was shipped".into(),
        what: "droplift could not read what a new release needs.".into(),
        server: refusals.iter().map(|r| r.message.clone()).collect(),
        next: "Fix it on this computer, then press r again.".into(),
    }));
}

/// Logged in as the squad: stage 1 is done, the instructor's stages are skipped with why, and
/// stage 8 is next.
pub(super) fn logged_in(app: &mut App, user: &str) -> Vec<Effect> {
    app.set_status(StageId::Connect, StageStatus::Done);
    app.set_note(
        StageId::Connect,
        format!("logged in as your squad's account {user}, with your key"),
    );
    for stage in StageId::ALL {
        if stage != StageId::Connect && !ships(stage) {
            app.set_status(stage, StageStatus::Skipped);
            app.set_note(stage, WHY_SKIPPED);
        }
    }
    app.info(&format!(
        "Stages 2–7 and 10 are skipped: {WHY_SKIPPED}. Stages 8–9 ship your app."
    ));
    app.enter_stage(StageId::App);
    Vec::new()
}

/// At the end of stage 9 on this path: where the squad's API answers, and what the key allows.
pub fn finished_lines(app: &App) -> Vec<String> {
    let Some(view) = &app.squad else {
        return Vec::new();
    };
    if app.current != StageId::Service || app.status(StageId::Service) != StageStatus::Done {
        return Vec::new();
    }
    let url = view.url.clone().unwrap_or_default();
    vec![
        format!("Your squad's API answers at {url}"),
        String::new(),
        "Your key may ship, roll back and list your squad's releases and read its logs, and \
         nothing else: r ships your folder again as a new release; b puts the previous \
         release back; l shows your app's logs."
            .into(),
    ]
}

/// The line under stages 8 and 9 on this path: what ships, and where it will answer.
pub fn hint(app: &App) -> String {
    let url = app
        .squad
        .as_ref()
        .and_then(|v| v.url.clone())
        .unwrap_or_default();
    format!(
        "Your app: {} → {url}. Enter: check the server and see the exact commands.",
        app.answers.app.source
    )
}

/// The squad's last stage ended well: `r` and `b` are its keys there.
pub(super) fn shipped(app: &App) -> bool {
    app.squad.is_some()
        && app.current == StageId::Service
        && app.view == View::Finished
        && app.status(StageId::Service) == StageStatus::Done
}
