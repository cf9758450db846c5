//! Logging in from the wizard: the forms and popups answer the shared `login::Login` machine, and
//! what it says becomes log lines, popups and error cards. `on_worker` is the worker's one door.

use super::flow::{advance, check_current, on_output, run_current};
use super::{App, Effect, ErrorCard, Field, FieldKind, Form, Overlay, View};
use crate::course::stage::FormInput;
use crate::course::{self, StageId, StageStatus};
use crate::logbuf::LineKind;
use crate::login::{LoginError, Notice, Out, Question};
use crate::remote::{ConnectErrorKind, WorkerEvent};
use crate::secret::SecretName;

/// The connect form, checked: log in as root (the e-mailed password, or a key when empty).
pub(super) fn connect(app: &mut App) -> Vec<Effect> {
    let host = app.form.value("host").trim().to_owned();
    let port = course::check::validate_port(&app.form.value("port")).unwrap_or(22);
    app.answers.host = host;
    app.answers.port = port;
    let password = app.form.take_secret("root_password");
    let password = (!password.is_empty()).then_some(password);
    // No password: root logs in with a key, as on a droplet made with one (which takes no
    // password logins, so stage 3 proves the new password with sudo instead).
    app.answers.root_by_key = password.is_none();
    if let Some(p) = &password {
        app.secrets
            .set(SecretName::RootPassword, p.clone(), &app.redactor);
    }
    app.set_status(StageId::Connect, StageStatus::Running);
    app.view = View::Running;
    let out = match password {
        Some(password) => app.login.as_root(&app.answers, Some(password)),
        // The key of the answers (a droplet droplift created), the agent and OpenSSH's defaults.
        None => app
            .login
            .as_root_by_key(&app.answers, &app.home, &app.secrets),
    };
    present(app, out)
}

pub(super) fn user_login_form(user: &str) -> Form {
    Form::new(vec![
        Field::new("user", "Your user", FieldKind::Text)
            .with_hint("the user made in stage 3")
            .with_value(user),
        Field::new("user_password", "Its password", FieldKind::Secret)
            .with_hint("for sudo; the key logs you in"),
    ])
}

/// Logs in as the student's own user with their SSH key (root refused: hardened earlier). The
/// user's password is for sudo only; it is sent to the worker, never on a command line.
pub(super) fn submit_user_login(app: &mut App, mut form: Form) -> Vec<Effect> {
    form.clear_errors();
    if let Err(message) = course::check::validate_username(form.value("user").trim()) {
        form.set_error("user", message);
    }
    let password = form.value("user_password");
    if password.is_empty() {
        form.set_error(
            "user_password",
            "sudo will ask for it: type your user's password.",
        );
    } else if let Err(message) = course::check::validate_password(&password) {
        form.set_error("user_password", message);
    }
    if form.focus_first_error() {
        app.overlay = Some(Overlay::UserLogin(form));
        return Vec::new();
    }
    let user = form.value("user").trim().to_owned();
    let password = form.take_secret("user_password");
    // The account typed is who logs in: the owner, unless the answers name another login.
    if app.answers.owner_is_not_login() {
        app.answers.login = Some(user);
    } else {
        app.answers.user = user;
    }
    app.secrets
        .set(SecretName::UserPassword, password, &app.redactor);
    app.set_status(StageId::Connect, StageStatus::Running);
    app.view = View::Running;
    let out = app
        .login
        .as_user(&app.answers, &app.home, &app.secrets)
        .unwrap_or_else(|error| {
            vec![Out::Failed {
                error,
                interrupted: None,
            }]
        });
    present(app, out)
}

/// Esc on the user login offered when resuming: root's password after all (the connect form,
/// nothing marked wrong).
pub(super) fn root_after_all(app: &mut App) -> Vec<Effect> {
    app.view = View::Form;
    app.form = super::form_for(StageId::Connect, &app.answers);
    app.info("Log in as root: type its password, or leave it empty to use your key.");
    Vec::new()
}

/// Esc on the user login: back to the connect form, the refused password's field marked (a typo
/// is by far the likeliest cause on a new droplet).
pub(super) fn decline_user_login(app: &mut App) -> Vec<Effect> {
    app.set_status(StageId::Connect, StageStatus::Failed);
    app.view = View::Form;
    app.form = super::form_for(StageId::Connect, &app.answers);
    app.form.set_error(
        "root_password",
        "The server refused it: paste it again from the e-mail (no spaces around it).",
    );
    app.form.focus_first_error();
    Vec::new()
}

/// The new root password, typed twice: sent to the worker's password-change dialog.
pub(super) fn submit_new_root_password(app: &mut App, mut form: Form) -> Vec<Effect> {
    form.clear_errors();
    let new = form.value("new");
    let again = form.value("again");
    let problem = if new.is_empty() {
        Some("Choose a new password for root.".to_owned())
    } else if let Err(message) = course::check::validate_password(&new) {
        Some(message.into())
    } else if new != again {
        Some("The two passwords differ; type them again.".to_owned())
    } else {
        None
    };
    if let Some(message) = problem {
        form.set_error("new", message);
        form.focus = 0;
        app.overlay = Some(Overlay::PasswordChange(form));
        return Vec::new();
    }
    let new = form.take_secret("new");
    form.take_secret("again");
    app.secrets
        .set(SecretName::NewRootPassword, new, &app.redactor);
    let out = app.login.change_root_password(&app.secrets);
    present(app, out)
}

pub(super) fn abandon_connect(app: &mut App) -> Vec<Effect> {
    app.set_status(StageId::Connect, StageStatus::Pending);
    app.view = View::Form;
    let out = app.login.abandon();
    present(app, out)
}

fn password_form(error: Option<String>) -> Form {
    let mut form = Form::new(vec![
        Field::new("new", "New password", FieldKind::Secret)
            .with_hint("long is strong: a few random words"),
        Field::new("again", "Again", FieldKind::Secret).with_hint("the same once more"),
    ]);
    if let Some(error) = error {
        form.set_error("new", error);
    }
    form
}

/// What a failed connection means, in plain words (the worker's own sentence is quoted below it).
fn connect_what(kind: ConnectErrorKind) -> &'static str {
    match kind {
        ConnectErrorKind::NameNotFound => {
            "That name could not be looked up: it is mistyped, or there is no working DNS right now."
        }
        ConnectErrorKind::Refused => {
            "The server answered, but nothing accepts SSH connections on that port."
        }
        ConnectErrorKind::Timeout | ConnectErrorKind::NoRoute => {
            "Nothing answered at that address."
        }
        ConnectErrorKind::Handshake => "Something other than an SSH server answered.",
        ConnectErrorKind::AuthFailed => "The server refused the login.",
        ConnectErrorKind::HostKeyRejected => {
            "droplift did not trust the server's key, so it did not log in."
        }
        ConnectErrorKind::Other => "Logging in failed.",
    }
}

fn connect_advice(kind: ConnectErrorKind) -> &'static str {
    match kind {
        ConnectErrorKind::NameNotFound => {
            "Check the address for typos: a droplet's address looks like 203.0.113.7."
        }
        ConnectErrorKind::Refused => {
            "The droplet answered, but nothing listens on that port. A new droplet may still be starting: wait a minute. Is the port right?"
        }
        ConnectErrorKind::Timeout | ConnectErrorKind::NoRoute => {
            "Nothing answered. Check the address and your network; a new droplet can take a minute to boot."
        }
        ConnectErrorKind::Handshake => {
            "Something other than SSH answered on that port: check the port."
        }
        ConnectErrorKind::AuthFailed => {
            "Check the password (copy it from the e-mail; no spaces around it). If you already hardened this server, root may no longer log in."
        }
        ConnectErrorKind::HostKeyRejected => {
            "You refused the server's key, so droplift did not log in."
        }
        ConnectErrorKind::Other => "Read the message above; press Enter on the form to try again.",
    }
}

/// What the worker reports: the login machine reads it (handing a command's output and end to
/// the stage run), and the wizard presents what comes out.
pub(super) fn on_worker(app: &mut App, event: WorkerEvent) -> Vec<Effect> {
    let out = app
        .login
        .on_event(event, app.run.as_mut(), &mut app.secrets);
    present(app, out)
}

/// Shows what the login machine said and turns its jobs into effects, in order.
pub(super) fn present(app: &mut App, out: Vec<Out>) -> Vec<Effect> {
    app.link = app.login.link();
    let mut effects = Vec::new();
    for item in out {
        match item {
            Out::Job(job) => effects.push(Effect::Worker(Box::new(job))),
            Out::Notice(notice) => tell(app, notice),
            Out::Ask(question) => ask(app, question),
            Out::LoggedIn {
                user,
                host,
                port,
                reprobe,
            } => effects.extend(logged_in(app, &user, &host, port, reprobe)),
            Out::Failed { error, interrupted } => failed(app, &error, interrupted),
            Out::Output {
                stream,
                line,
                probe_of,
            } => on_output(app, stream, &line, probe_of),
            Out::Progress(progress) => effects.extend(advance(app, progress)),
        }
    }
    effects
}

fn tell(app: &mut App, notice: Notice) {
    match notice {
        Notice::LoggingIn {
            host,
            port,
            user,
            with_key: false,
        } => app.info(&format!("Connecting to {host}:{port} as {user} …")),
        Notice::LoggingIn {
            user,
            with_key: true,
            ..
        } => app.info(&format!("Connecting as {user} with your SSH key …")),
        Notice::Connecting { host, port } => {
            app.info(&format!("Opening a connection to {host}:{port}"));
        }
        Notice::RootRefused { message } => app.log_line(LineKind::Error, &message),
        Notice::PasswordChangeRequired => app.info(
            "The server asks for a new root password before anything else (a new droplet does this once).",
        ),
        Notice::ChangingPassword => app.info("Changing root's password on the server …"),
        Notice::PasswordRejected { reason } => {
            app.log_line(LineKind::Stderr, &format!("passwd: {reason}"));
        }
        Notice::PasswordChanged => app.log_line(
            LineKind::Success,
            "root's password is changed. Keep it somewhere safe; droplift does not store it.",
        ),
        Notice::Disconnected { reason } => {
            app.log_line(LineKind::Error, &format!("Disconnected: {reason}"));
        }
        Notice::Reconnecting { attempt, delay } => app.info(&format!(
            "Reconnecting (attempt {attempt}) in {} s …",
            delay.as_secs()
        )),
        // The line itself is in the log already; the finished stage offers the restart.
        Notice::RebootNeeded { .. } => app.reboot_needed = true,
    }
}

fn ask(app: &mut App, question: Question) {
    app.overlay = Some(match question {
        Question::HostKey {
            info,
            changed: false,
        } => Overlay::HostKey {
            info,
            changed: false,
            confirm: Form::default(),
        },
        Question::HostKey {
            info,
            changed: true,
        } => Overlay::HostKey {
            info,
            changed: true,
            confirm: Form::new(vec![
                Field::new("confirm", "Host name", FieldKind::Text)
                    .with_hint("type it to replace the key"),
            ]),
        },
        Question::NewRootPassword { refused } => {
            Overlay::PasswordChange(password_form(refused.map(|reason| {
                format!(
                    "The server said: \"{}\". {}",
                    reason.trim_end_matches('.'),
                    course::advice::new_password_sentence(&reason)
                )
            })))
        }
        Question::UserLogin { user } => Overlay::UserLogin(user_login_form(&user)),
    });
}

fn logged_in(
    app: &mut App,
    user: &str,
    host: &str,
    port: u16,
    reprobe: Option<StageId>,
) -> Vec<Effect> {
    app.log_line(
        LineKind::Success,
        &format!("Connected to {host}:{port} as {user}."),
    );
    if let Some(stage) = reprobe {
        // Check again before anything is re-run; the preview then shows what is left. A student
        // who went ahead comes back to that stage: it needs them first.
        app.queued = None;
        if app.current != stage {
            app.enter_stage(stage);
        }
        return if stage == StageId::Connect {
            run_current(app)
        } else {
            check_current(app)
        };
    }
    if app.status(StageId::Connect) == StageStatus::Running && app.run.is_none() {
        if app.squad.is_some() {
            return super::squad::logged_in(app, user);
        }
        app.current = StageId::Connect;
        return run_current(app);
    }
    Vec::new()
}

fn failed(app: &mut App, error: &LoginError, interrupted: Option<StageId>) {
    if app.status(StageId::Connect) == StageStatus::Running {
        app.set_status(StageId::Connect, StageStatus::Failed);
        app.view = View::Form;
        app.form = match &app.squad {
            Some(view) => super::squad::form_for(view, StageId::Connect),
            None => super::form_for(StageId::Connect, &app.answers),
        };
    }
    if let Some(stage) = interrupted {
        app.set_status(stage, StageStatus::Failed);
    }
    app.log_line(LineKind::Error, &error.what());
    // The card says it plainly and quotes the worker's own sentence under it.
    let (what, server) = match error {
        LoginError::Connect { kind, message } => {
            (connect_what(*kind).to_owned(), vec![message.clone()])
        }
        LoginError::UserRefused { message, .. } => (error.to_string(), vec![message.clone()]),
        _ => (error.what(), Vec::new()),
    };
    let next = match (&app.squad, error.kind()) {
        // A squad's key refused: not root's password, but a key the roster does not list.
        (Some(_), ConnectErrorKind::AuthFailed) => super::squad::KEY_REFUSED.to_owned(),
        _ => connect_advice(error.kind()).to_owned(),
    };
    app.overlay = Some(Overlay::Error(ErrorCard {
        title: "Could not log in".into(),
        what,
        server,
        next,
    }));
}
