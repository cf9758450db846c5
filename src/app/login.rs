//! Logging in from the wizard: the connect form becomes a worker Connect, and the worker's login
//! events become popups (the host key question, the expired root password) or an error card
//! with advice for each kind of failure.

use super::flow::{check_current, run_current, take};
use super::{App, Effect, ErrorCard, Field, FieldKind, Form, Link, Overlay, View};
use crate::course::{self, StageId, StageStatus};
use crate::logbuf::LineKind;
use crate::remote::{ConnectErrorKind, Credentials, HostKeyPolicy, Job, Target, WorkerEvent};
use crate::secret::SecretName;

/// The connect form, checked: log in as root (the e-mailed password, or a key when empty).
pub(super) fn connect(app: &mut App) -> Vec<Effect> {
    let host = app.form.value("host").trim().to_owned();
    let port = course::inputs::validate_port(&app.form.value("port")).unwrap_or(22);
    app.answers.host = host.clone();
    app.answers.port = port;
    let password = take(&mut app.form, "root_password");
    let password = (!password.is_empty()).then_some(password);
    if let Some(p) = &password {
        app.secrets
            .set(SecretName::RootPassword, p.clone(), &app.redactor);
    }
    app.link = Link::Connecting;
    app.login_user = "root".into();
    app.set_status(StageId::Connect, StageStatus::Running);
    app.view = View::Running;
    app.info(&format!("Connecting to {host}:{port} as root …"));
    vec![Effect::Worker(Box::new(Job::Connect {
        target: Target {
            host,
            port: crate::remote::typed_port(port),
            user: Some("root".into()),
        },
        credentials: Credentials {
            use_agent: true,
            identity_files: Vec::new(),
            key_passphrase: None,
            password,
        },
        host_keys: HostKeyPolicy::Ask,
    }))]
}

fn user_login_form(user: &str) -> Form {
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
    if let Err(message) = course::inputs::validate_username(form.value("user").trim()) {
        form.set_error("user", message);
    }
    let password = form.value("user_password");
    if password.is_empty() {
        form.set_error(
            "user_password",
            "sudo will ask for it: type your user's password.",
        );
    } else if let Err(message) = course::inputs::validate_password(&password) {
        form.set_error("user_password", message);
    }
    if form.focus_first_error() {
        app.overlay = Some(Overlay::UserLogin(form));
        return Vec::new();
    }
    let user = form.value("user").trim().to_owned();
    let password = take(&mut form, "user_password");
    app.answers.user = user.clone();
    app.secrets
        .set(SecretName::UserPassword, password.clone(), &app.redactor);
    app.link = Link::Connecting;
    app.login_user = user.clone();
    app.set_status(StageId::Connect, StageStatus::Running);
    app.info(&format!("Connecting as {user} with your SSH key …"));
    let key = crate::home::expand_home(&app.answers.key, &app.home);
    vec![
        Effect::Worker(Box::new(Job::SetSudoPassword(password))),
        Effect::Worker(Box::new(Job::Connect {
            target: Target {
                host: app.answers.host.clone(),
                port: crate::remote::typed_port(app.answers.port),
                user: Some(user),
            },
            credentials: Credentials {
                use_agent: true,
                identity_files: vec![key],
                key_passphrase: app.secrets.get(SecretName::KeyPassphrase).cloned(),
                password: None,
            },
            host_keys: HostKeyPolicy::Ask,
        })),
    ]
}

/// Esc on the user login: back to the connect form, with the usual advice for a refused root.
pub(super) fn decline_user_login(app: &mut App) -> Vec<Effect> {
    app.set_status(StageId::Connect, StageStatus::Failed);
    app.view = View::Form;
    app.form = super::form_for(StageId::Connect, &app.answers);
    app.overlay = Some(Overlay::Error(ErrorCard {
        title: "Could not log in".into(),
        what: "The server refused root's password.".into(),
        server: Vec::new(),
        next: connect_advice(ConnectErrorKind::AuthFailed).into(),
    }));
    Vec::new()
}

/// The new root password, typed twice: sent to the worker's password-change dialog.
pub(super) fn submit_new_root_password(app: &mut App, mut form: Form) -> Vec<Effect> {
    form.clear_errors();
    let new = form.value("new");
    let again = form.value("again");
    let problem = if new.is_empty() {
        Some("Choose a new password for root.".to_owned())
    } else if let Err(message) = course::inputs::validate_password(&new) {
        Some(message)
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
    let new = take(&mut form, "new");
    take(&mut form, "again");
    app.secrets
        .set(SecretName::NewRootPassword, new.clone(), &app.redactor);
    let current = app
        .secrets
        .get(SecretName::RootPassword)
        .cloned()
        .unwrap_or_default();
    app.info("Changing root's password on the server …");
    vec![Effect::Worker(Box::new(Job::ChangePassword {
        current,
        new,
    }))]
}

pub(super) fn abandon_connect(app: &mut App) -> Vec<Effect> {
    app.link = Link::Offline;
    app.set_status(StageId::Connect, StageStatus::Pending);
    app.view = View::Form;
    vec![Effect::Worker(Box::new(Job::Disconnect))]
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

/// The worker's login events (everything but a command's output and end).
pub(super) fn on_event(app: &mut App, event: WorkerEvent) -> Vec<Effect> {
    match &event {
        WorkerEvent::Connecting { host, port } => {
            app.info(&format!("Opening a connection to {host}:{port}"));
            Vec::new()
        }
        WorkerEvent::HostKeyUnknown(info) => {
            app.overlay = Some(Overlay::HostKey {
                info: info.clone(),
                changed: false,
                confirm: Form::default(),
            });
            Vec::new()
        }
        WorkerEvent::HostKeyChanged(info) => {
            app.overlay = Some(Overlay::HostKey {
                info: info.clone(),
                changed: true,
                confirm: Form::new(vec![
                    Field::new("confirm", "Host name", FieldKind::Text)
                        .with_hint("type it to replace the key"),
                ]),
            });
            Vec::new()
        }
        WorkerEvent::PasswordChangeRequired => {
            app.info("The server asks for a new root password before anything else (a new droplet does this once).");
            app.overlay = Some(Overlay::PasswordChange(password_form(None)));
            Vec::new()
        }
        WorkerEvent::PasswordChangeRejected { reason } => {
            app.log_line(LineKind::Stderr, &format!("passwd: {reason}"));
            app.overlay = Some(Overlay::PasswordChange(password_form(Some(format!(
                "The server refused it: {}. Choose a longer, less common one.",
                reason.trim_end_matches('.')
            )))));
            Vec::new()
        }
        WorkerEvent::PasswordChanged => {
            if let Some(new) = app.secrets.get(SecretName::NewRootPassword).cloned() {
                app.secrets
                    .set(SecretName::RootPassword, new, &app.redactor);
            }
            app.log_line(
                LineKind::Success,
                "root's password is changed. Keep it somewhere safe; droplift does not store it.",
            );
            Vec::new()
        }
        WorkerEvent::Connected { user, host, port } => {
            app.link = Link::Connected { user: user.clone() };
            app.log_line(
                LineKind::Success,
                &format!("Connected to {host}:{port} as {user}."),
            );
            if let Some(stage) = app.interrupted.take() {
                // Check again before anything is re-run; the preview then shows what is left.
                app.current = stage;
                return if stage == StageId::Connect {
                    run_current(app)
                } else {
                    check_current(app)
                };
            }
            if app.status(StageId::Connect) == StageStatus::Running && app.run.is_none() {
                app.current = StageId::Connect;
                return run_current(app);
            }
            Vec::new()
        }
        WorkerEvent::ConnectFailed {
            kind: ConnectErrorKind::AuthFailed,
            message,
        } if app.login_user == "root" && app.status(StageId::Connect) == StageStatus::Running => {
            // Perhaps droplift hardened this server already: offer the student's own user.
            app.link = Link::Offline;
            app.log_line(LineKind::Error, message);
            app.overlay = Some(Overlay::UserLogin(user_login_form(&app.answers.user)));
            Vec::new()
        }
        WorkerEvent::ConnectFailed { kind, message } => {
            app.link = Link::Offline;
            if app.status(StageId::Connect) == StageStatus::Running {
                app.set_status(StageId::Connect, StageStatus::Failed);
                app.view = View::Form;
                app.form = super::form_for(StageId::Connect, &app.answers);
            }
            if let Some(stage) = app.interrupted.take() {
                app.set_status(stage, StageStatus::Failed);
            }
            app.log_line(LineKind::Error, message);
            app.overlay = Some(Overlay::Error(ErrorCard {
                title: "Could not log in".into(),
                what: message.clone(),
                server: Vec::new(),
                next: connect_advice(*kind).into(),
            }));
            Vec::new()
        }
        WorkerEvent::Disconnected { reason } => {
            if matches!(app.link, Link::Connected { .. }) {
                app.link = Link::Reconnecting;
            }
            app.log_line(LineKind::Error, &format!("Disconnected: {reason}"));
            Vec::new()
        }
        WorkerEvent::Reconnecting { attempt, delay } => {
            app.link = Link::Reconnecting;
            app.info(&format!(
                "Reconnecting (attempt {attempt}) in {} s …",
                delay.as_secs()
            ));
            Vec::new()
        }
        _ => Vec::new(),
    }
}
