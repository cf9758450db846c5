//! Regressions from the trust review (issue 11) against a real sshd: sudo's password only on
//! sudo's own prompt, control characters kept out of a PTY dialog, and what a server can make us hold.

mod common;

use std::time::Duration;

use common::events::{Driven, start};
use common::sshd::{Sshd, TestUser, random_hex, require_root};
use droplift::remote::{
    Credentials, HostKeyPolicy, Job, RemoteCommand, Stream, Target, WorkerEvent,
};
use droplift::secret::Secret;

fn target(sshd: &Sshd, user: &TestUser) -> Target {
    Target {
        host: "127.0.0.1".into(),
        port: Some(sshd.port),
        user: Some(user.name.clone()),
    }
}

fn connect_job(sshd: &Sshd, user: &TestUser, password: &str) -> Job {
    Job::Connect {
        target: target(sshd, user),
        credentials: Credentials {
            password: Some(Secret::new(password)),
            ..Credentials::default()
        },
        host_keys: HostKeyPolicy::Strict,
    }
}

fn connected(sshd: &mut Sshd, user: &TestUser) -> Driven {
    let paths = sshd.paths();
    sshd.trust(&paths);
    let mut w = start(paths);
    w.worker.send(connect_job(sshd, user, &user.password));
    let end = w.wait_for("connect end", |e| {
        matches!(
            e,
            WorkerEvent::Connected { .. } | WorkerEvent::ConnectFailed { .. }
        )
    });
    assert!(
        matches!(end, WorkerEvent::Connected { .. }),
        "{:#?}",
        w.seen
    );
    w
}

fn sudo_cmd(script: &str, stdin: &str) -> RemoteCommand {
    RemoteCommand {
        script: script.into(),
        sudo: true,
        stdin: Some(Secret::new(stdin)),
        timeout: Duration::from_secs(60),
    }
}

/// Item 6: a NOPASSWD sudo never asks, so the password must not become the command's first
/// line of input (chpasswd would then print a fragment of it and the stage could never pass).
#[test]
fn nopasswd_sudo_never_gets_the_password_on_stdin() {
    if !require_root() {
        return;
    }
    let mut sshd = Sshd::start();
    let user = sshd.add_user();
    sshd.grant_sudo_nopasswd(&user);
    let mut w = connected(&mut sshd, &user);
    w.worker
        .send(Job::SetSudoPassword(Secret::new(&user.password)));
    let script = "id -u; IFS= read -r first; echo \"name=${first%%:*}\"; rest=$(cat); echo \"rest=${#rest}\"";
    let end = w.run(1, sudo_cmd(script, "bob:pw-of-bob\n"));
    assert_eq!(
        end,
        WorkerEvent::Finished {
            id: 1,
            exit_code: 0
        },
        "{:#?}",
        w.seen
    );
    assert_eq!(
        w.lines(1, Stream::Stdout),
        vec!["0".to_owned(), "name=bob".to_owned(), "rest=0".to_owned()],
        "the command's stdin must start with its own input"
    );
}

/// Item 6, the other side: with a wrong sudo password, sudo is answered once and then given
/// EOF; the command's own input (secrets) is never read by sudo as further password attempts.
#[test]
fn a_wrong_sudo_password_is_tried_once_and_the_command_input_is_not_tried() {
    if !require_root() {
        return;
    }
    let mut sshd = Sshd::start();
    let user = sshd.add_user();
    sshd.grant_sudo(&user);
    let mut w = connected(&mut sshd, &user);
    w.worker.send(Job::SetSudoPassword(Secret::new(format!(
        "wrong-{}",
        random_hex(4)
    ))));
    let end = w.run(1, sudo_cmd("id -u", "line-one\nline-two\nline-three\n"));
    assert!(
        matches!(end, WorkerEvent::Finished { id: 1, exit_code } if exit_code != 0),
        "{:#?}",
        w.seen
    );
    assert!(w.lines(1, Stream::Stdout).is_empty());
    let said = w.lines(1, Stream::Stderr).join("\n");
    assert!(
        said.contains("1 incorrect password attempt"),
        "sudo said: {said}"
    );
    assert!(
        !said.contains("droplift-sudo"),
        "the prompt is not output: {said}"
    );
}
