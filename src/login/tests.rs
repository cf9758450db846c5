//! The login machine's decisions, driven with hand-made worker events (the real worker and a
//! real droplet are in tests/e2e_wizard.rs and tests/e2e_access.rs).

use std::path::PathBuf;

use super::*;
use crate::remote::{Credentials, Target};
use crate::secret::Redactor;

fn answers() -> Answers {
    Answers::new("203.0.113.7", "carol")
}

fn wizard() -> Login {
    Login::new(LoginPolicy {
        host_keys: HostKeyPolicy::Ask,
        change_password: true,
        deploy_key: None,
    })
}

fn headless(change_password: bool) -> Login {
    Login::new(LoginPolicy {
        host_keys: HostKeyPolicy::Strict,
        change_password,
        deploy_key: None,
    })
}

fn secrets(pairs: &[(SecretName, &str)]) -> Secrets {
    let redactor = Redactor::new();
    let mut secrets = Secrets::new();
    for (name, value) in pairs {
        secrets.set(*name, Secret::new(*value), &redactor);
    }
    secrets
}

fn jobs(out: &[Out]) -> Vec<&Job> {
    out.iter()
        .filter_map(|o| match o {
            Out::Job(job) => Some(job),
            _ => None,
        })
        .collect()
}

fn connect_job(out: &[Out]) -> (&Target, &Credentials) {
    match jobs(out).last() {
        Some(Job::Connect {
            target,
            credentials,
            ..
        }) => (target, credentials),
        other => panic!("expected a Connect job, got {other:?}"),
    }
}

fn connected(user: &str) -> WorkerEvent {
    WorkerEvent::Connected {
        user: user.into(),
        host: "203.0.113.7".into(),
        port: 22,
    }
}

fn auth_failed() -> WorkerEvent {
    WorkerEvent::ConnectFailed {
        kind: ConnectErrorKind::AuthFailed,
        message: "Permission denied".into(),
    }
}

#[test]
fn root_refused_leads_to_the_students_user_with_the_key_and_the_password_only_for_sudo() {
    let mut login = wizard();
    let mut secrets = secrets(&[(SecretName::RootPassword, "e-mailed")]);
    let out = login.as_root(&answers(), secrets.get(SecretName::RootPassword).cloned());
    let (target, credentials) = connect_job(&out);
    assert_eq!(target.user.as_deref(), Some("root"));
    assert_eq!(
        credentials.password.as_ref().map(Secret::expose),
        Some("e-mailed")
    );
    assert_eq!(login.link(), Link::Connecting);

    let out = login.on_event(auth_failed(), None, &mut secrets);
    assert!(matches!(
        out.as_slice(),
        [
            Out::Notice(Notice::RootRefused { .. }),
            Out::Ask(Question::UserLogin { user })
        ] if user == "carol"
    ));
    assert_eq!(login.link(), Link::Offline);

    secrets.set(
        SecretName::UserPassword,
        Secret::new("carol's pw"),
        &Redactor::new(),
    );
    let out = login
        .as_user(&answers(), std::path::Path::new("/home/me"), &secrets)
        .expect("the user's password is known");
    match jobs(&out).as_slice() {
        [Job::SetSudoPassword(pw), Job::Connect { credentials, .. }] => {
            assert_eq!(pw.expose(), "carol's pw");
            assert_eq!(credentials.password, None);
            assert_eq!(
                credentials.identity_files,
                [PathBuf::from("/home/me/.ssh/id_ed25519")]
            );
        }
        other => panic!("{other:?}"),
    }
    // Refused as the user too: the end, with what to check.
    let out = login.on_event(auth_failed(), None, &mut secrets);
    match out.as_slice() {
        [Out::Failed { error, .. }] => {
            let text = error.to_string();
            assert!(text.contains("refused both root and carol"), "{text}");
            assert_eq!(error.what(), "Permission denied");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_headless_start_uses_the_user_when_there_is_no_root_password() {
    let home = std::path::Path::new("/home/me");
    let none = Secrets::new();
    assert_eq!(
        headless(true).start(&answers(), home, &none).err(),
        Some(LoginError::NoUserPassword)
    );
    let user = secrets(&[(SecretName::UserPassword, "pw for sudo")]);
    let out = headless(true)
        .start(&answers(), home, &user)
        .expect("user login");
    assert_eq!(connect_job(&out).0.user.as_deref(), Some("carol"));
}

#[test]
fn an_expired_root_password_is_asked_changed_and_becomes_roots() {
    let mut login = wizard();
    let mut secrets = secrets(&[(SecretName::RootPassword, "old")]);
    login.as_root(&answers(), secrets.get(SecretName::RootPassword).cloned());
    let out = login.on_event(WorkerEvent::PasswordChangeRequired, None, &mut secrets);
    assert!(matches!(
        out.last(),
        Some(Out::Ask(Question::NewRootPassword { refused: None }))
    ));
    secrets.set(
        SecretName::NewRootPassword,
        Secret::new("short"),
        &Redactor::new(),
    );
    let out = login.change_root_password(&secrets);
    match jobs(&out).as_slice() {
        [Job::ChangePassword { current, new }] => {
            assert_eq!((current.expose(), new.expose()), ("old", "short"));
        }
        other => panic!("{other:?}"),
    }
    let reason = "BAD PASSWORD: it is too short".to_owned();
    let out = login.on_event(
        WorkerEvent::PasswordChangeRejected {
            reason: reason.clone(),
        },
        None,
        &mut secrets,
    );
    assert!(matches!(
        out.last(),
        Some(Out::Ask(Question::NewRootPassword { refused: Some(r) })) if *r == reason
    ));
    secrets.set(
        SecretName::NewRootPassword,
        Secret::new("a longer one"),
        &Redactor::new(),
    );
    login.change_root_password(&secrets);
    login.on_event(WorkerEvent::PasswordChanged, None, &mut secrets);
    assert_eq!(
        secrets.get(SecretName::RootPassword).map(Secret::expose),
        Some("a longer one")
    );
    let out = login.on_event(connected("root"), None, &mut secrets);
    assert!(matches!(
        out.as_slice(),
        [Out::LoggedIn { reprobe: None, .. }]
    ));
    assert_eq!(
        login.link(),
        Link::Connected {
            user: "root".into()
        }
    );
}

#[test]
fn unanswerable_questions_become_plain_errors() {
    let refused = Question::NewRootPassword {
        refused: Some("You must choose a longer password".into()),
    };
    assert!(
        refused
            .unanswered()
            .to_string()
            .contains("choose a longer, less common one for new_root_password")
    );
    assert!(
        Question::NewRootPassword { refused: None }
            .unanswered()
            .to_string()
            .contains("give new_root_password")
    );
}

#[test]
fn status_never_changes_an_expired_password() {
    let mut login = headless(false);
    let mut secrets = secrets(&[(SecretName::RootPassword, "old")]);
    login.as_root(&answers(), secrets.get(SecretName::RootPassword).cloned());
    let out = login.on_event(WorkerEvent::PasswordChangeRequired, None, &mut secrets);
    assert!(jobs(&out).is_empty(), "nothing is sent");
    match out.as_slice() {
        [Out::Failed { error, .. }] => assert!(error.to_string().contains("has expired")),
        other => panic!("{other:?}"),
    }
}

#[test]
fn strict_host_keys_are_refused_with_the_way_out() {
    let info = HostKeyInfo {
        host: "203.0.113.7".into(),
        key_type: "ssh-ed25519".into(),
        fingerprint: "SHA256:abc".into(),
    };
    let mut login = headless(true);
    let mut secrets = Secrets::new();
    login.as_root(&answers(), None);
    let out = login.on_event(
        WorkerEvent::HostKeyUnknown(info.clone()),
        None,
        &mut secrets,
    );
    assert!(matches!(
        jobs(&out).as_slice(),
        [Job::HostKey(crate::remote::HostKeyDecision::Reject)]
    ));
    let out = login.on_event(
        WorkerEvent::ConnectFailed {
            kind: ConnectErrorKind::HostKeyRejected,
            message: "unknown host key".into(),
        },
        None,
        &mut secrets,
    );
    match out.as_slice() {
        [Out::Failed { error, .. }] => {
            assert!(error.to_string().contains("--accept-new-host-key"));
        }
        other => panic!("{other:?}"),
    }
    // The wizard asks instead.
    let mut login = wizard();
    login.as_root(&answers(), None);
    let out = login.on_event(WorkerEvent::HostKeyChanged(info), None, &mut secrets);
    assert!(matches!(
        out.as_slice(),
        [Out::Ask(Question::HostKey { changed: true, .. })]
    ));
}

fn update_run() -> StageRun {
    let plans = course::plans(StageId::Update, &answers()).expect("plans");
    StageRun::new(StageId::Update, plans, 10)
}

fn first_id(progress: &Progress) -> crate::remote::JobId {
    match progress {
        Progress::Next(request) => request.id(),
        other => panic!("expected a request, got {other:?}"),
    }
}

#[test]
fn a_dropped_connection_interrupts_the_stage_and_the_next_login_checks_it_again() {
    let mut login = wizard();
    let mut secrets = Secrets::new();
    login.as_root(&answers(), None);
    login.on_event(connected("root"), None, &mut secrets);
    let mut run = update_run();
    let id = first_id(&run.start());
    let out = login.on_event(
        WorkerEvent::Interrupted { id },
        Some(&mut run),
        &mut secrets,
    );
    assert!(matches!(
        out.as_slice(),
        [Out::Progress(Progress::Finished(
            Outcome::Interrupted { .. }
        ))]
    ));
    login.on_event(
        WorkerEvent::Disconnected {
            reason: "gone".into(),
        },
        None,
        &mut secrets,
    );
    assert_eq!(login.link(), Link::Reconnecting);
    let out = login.on_event(connected("root"), None, &mut secrets);
    assert!(matches!(
        out.as_slice(),
        [Out::LoggedIn {
            reprobe: Some(StageId::Update),
            ..
        }]
    ));
    // Checked once: a later reconnection has nothing to check again.
    let out = login.on_event(connected("root"), None, &mut secrets);
    assert!(matches!(
        out.as_slice(),
        [Out::LoggedIn { reprobe: None, .. }]
    ));
}

#[test]
fn a_failed_reconnection_names_the_interrupted_stage() {
    let mut login = wizard();
    let mut secrets = Secrets::new();
    login.as_root(&answers(), None);
    login.on_event(connected("root"), None, &mut secrets);
    let mut run = update_run();
    let id = first_id(&run.start());
    login.on_event(
        WorkerEvent::Interrupted { id },
        Some(&mut run),
        &mut secrets,
    );
    let out = login.on_event(
        WorkerEvent::ConnectFailed {
            kind: ConnectErrorKind::Timeout,
            message: "Reconnecting failed: timed out".into(),
        },
        None,
        &mut secrets,
    );
    assert!(matches!(
        out.as_slice(),
        [Out::Failed {
            interrupted: Some(StageId::Update),
            ..
        }]
    ));
}

#[test]
fn the_update_stages_reboot_notice_and_the_probes_report_are_spotted() {
    let mut login = wizard();
    let mut secrets = Secrets::new();
    let mut run = update_run();
    let id = first_id(&run.start());
    let line = |text: &str| WorkerEvent::Output {
        id,
        stream: Stream::Stdout,
        line: text.into(),
    };
    let out = login.on_event(line("upgrades waiting: 3"), Some(&mut run), &mut secrets);
    assert!(matches!(
        out.as_slice(),
        [Out::Output {
            probe_of: Some(StageId::Update),
            ..
        }]
    ));
    let verdict = format!("{} pending 3 upgrades", course::probe::PREFIX);
    let out = login.on_event(line(&verdict), Some(&mut run), &mut secrets);
    assert!(
        matches!(out.as_slice(), [Out::Output { probe_of: None, .. }]),
        "the verdict is not part of the report"
    );
    let notice = format!(
        "{} to finish the update",
        course::stages::update::REBOOT_NEEDED
    );
    let out = login.on_event(line(&notice), Some(&mut run), &mut secrets);
    assert!(matches!(
        out.last(),
        Some(Out::Notice(Notice::RebootNeeded { .. }))
    ));
    // Without a stage running, output is only output.
    let out = login.on_event(line(&notice), None, &mut secrets);
    assert!(matches!(out.as_slice(), [Out::Output { .. }]));
}

#[test]
fn a_fresh_login_proves_exactly_one_credential() {
    let home = std::path::Path::new("/home/me");
    let key = credentials::proof(
        &crate::course::plan::LoginAuth::Key("~/.ssh/id_ed25519".into()),
        &Secrets::new(),
        home,
    );
    assert!(!key.use_agent && key.password.is_none());
    assert_eq!(
        key.identity_files,
        [PathBuf::from("/home/me/.ssh/id_ed25519")]
    );
    let password = credentials::proof(
        &crate::course::plan::LoginAuth::Password(SecretName::RootPassword),
        &secrets(&[(SecretName::RootPassword, "root pw")]),
        home,
    );
    assert!(!password.use_agent && password.identity_files.is_empty());
    assert_eq!(
        password.password.as_ref().map(Secret::expose),
        Some("root pw")
    );
}

#[test]
fn a_refused_root_password_is_tried_again_with_the_new_one_an_earlier_run_set() {
    // Killed after stage 1 changed root's expired password, the next run with the same secrets
    // meets a root that refuses the e-mailed password: the new one is tried, once.
    let home = std::path::Path::new("/home/carol");
    let mut secrets = secrets(&[
        (SecretName::RootPassword, "e-mailed"),
        (SecretName::NewRootPassword, "chosen later"),
    ]);
    let mut login = headless(true);
    let out = login.start(&answers(), home, &secrets).expect("root login");
    assert_eq!(connect_job(&out).0.user.as_deref(), Some("root"));
    let refused = || WorkerEvent::ConnectFailed {
        kind: ConnectErrorKind::AuthFailed,
        message: "Permission denied".into(),
    };
    let out = login.on_event(refused(), None, &mut secrets);
    match jobs(&out).as_slice() {
        [
            Job::Connect {
                target,
                credentials,
                ..
            },
        ] => {
            assert_eq!(target.user.as_deref(), Some("root"));
            assert_eq!(
                credentials.password.as_ref().map(Secret::expose),
                Some("chosen later")
            );
        }
        other => panic!("{other:?}"),
    }
    // Refused again: the student's own user comes next, as before.
    let out = login.on_event(refused(), None, &mut secrets);
    assert!(
        matches!(out.last(), Some(Out::Ask(Question::UserLogin { .. }))),
        "{out:?}"
    );
}
