//! The worker thread against a real sshd: the expired-password dialog, secrets on stdin, sudo,
//! timeout and cancel that really kill the remote process, a dropped connection, and uploads.

mod common;

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::time::{Duration, Instant};

use common::events::{change_to, connected, expired, is_end, start};
use common::sshd::{Sshd, password, processes_matching, random_hex, require_root, sh};
use droplift::remote::exec::connect;
use droplift::remote::{
    ConnectErrorKind, HostKeyDecision, HostKeyPolicy, Job, RemoteCommand, Stream, WorkerEvent,
};
use droplift::secret::{MASK, Secret};

fn cmd(script: &str, sudo: bool, stdin: Option<&str>, timeout: Duration) -> RemoteCommand {
    RemoteCommand {
        script: script.into(),
        sudo,
        stdin: stdin.map(Secret::new),
        timeout,
        runtime: None,
    }
}

/// Processes whose whole command line is one of `commands`.
fn running(commands: &[&str]) -> Vec<String> {
    let out = sh("ps -eo args");
    out.lines()
        .filter(|l| commands.contains(&l.trim()))
        .map(str::to_owned)
        .collect()
}

/// Wait (bounded) until each of `commands` runs (`echo` runs before the `sleep` after it
/// exists); returns what runs.
fn all_running(commands: &[&str]) -> Vec<String> {
    let until = Instant::now() + Duration::from_secs(10);
    loop {
        let now = running(commands);
        if now.len() >= commands.len() || Instant::now() > until {
            return now;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Wait (bounded) until none of `commands` runs; returns what is left.
fn gone(commands: &[&str]) -> Vec<String> {
    let until = Instant::now() + Duration::from_secs(10);
    loop {
        let left = running(commands);
        if left.is_empty() || Instant::now() > until {
            return left;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn expired_password_is_changed_over_a_pty() {
    if !require_root() {
        return;
    }
    let mut sshd = Sshd::start();
    let user = sshd.add_user();
    sh(&format!("chage -d 0 {}", user.name));
    let paths = sshd.paths();
    sshd.trust(&paths);
    let mut w = start(paths.clone());
    w.worker
        .send(sshd.password_login(&user.name, &user.password, HostKeyPolicy::Strict));
    w.wait_for("PasswordChangeRequired", |e| {
        matches!(
            e,
            WorkerEvent::PasswordChangeRequired
                | WorkerEvent::Connected { .. }
                | WorkerEvent::ConnectFailed { .. }
        )
    });
    assert_eq!(
        w.seen.last(),
        Some(&WorkerEvent::PasswordChangeRequired),
        "{:#?}",
        w.seen
    );

    // The same password again: the server's own words come back, and the old password still
    // works. (A too-short one never reaches the server: droplift asks for 8 characters.)
    w.worker.send(Job::ChangePassword {
        current: Secret::new(&user.password),
        new: Secret::new(&user.password),
    });
    let ev = w.wait_for("rejection", |e| {
        matches!(
            e,
            WorkerEvent::PasswordChangeRejected { .. } | WorkerEvent::PasswordChanged
        )
    });
    let WorkerEvent::PasswordChangeRejected { reason } = ev else {
        panic!("{:#?}", w.seen)
    };
    assert!(
        reason.contains("not been changed") || reason.contains("unchanged"),
        "{reason}"
    );

    let new = "n3w 'pass' \"word\" $(id) \\ ünï";
    w.worker.send(Job::ChangePassword {
        current: Secret::new(&user.password),
        new: Secret::new(new),
    });
    w.wait_for("PasswordChanged", |e| {
        matches!(
            e,
            WorkerEvent::PasswordChanged | WorkerEvent::PasswordChangeRejected { .. }
        )
    });
    assert_eq!(
        w.seen.last(),
        Some(&WorkerEvent::PasswordChanged),
        "{:#?}",
        w.seen
    );
    w.wait_for("Connected", |e| matches!(e, WorkerEvent::Connected { .. }));
    assert_eq!(
        w.run(1, cmd("id -un", false, None, Duration::from_secs(30))),
        WorkerEvent::Finished {
            id: 1,
            exit_code: 0
        }
    );
    assert_eq!(w.lines(1, Stream::Stdout), vec![user.name.clone()]);
    drop(w);

    // A fresh login: the new password works, the old one no longer does.
    let reject = &mut |_| HostKeyDecision::Reject;
    assert!(
        connect(
            &sshd.target(&user.name),
            &password(new),
            &paths,
            HostKeyPolicy::Strict,
            reject
        )
        .is_ok()
    );
    let err = connect(
        &sshd.target(&user.name),
        &password(&user.password),
        &paths,
        HostKeyPolicy::Strict,
        reject,
    )
    .err()
    .expect("old password refused");
    assert_eq!(err.kind, ConnectErrorKind::AuthFailed);
}

#[test]
fn stdin_secret_never_on_a_command_line_nor_in_output() {
    if !require_root() {
        return;
    }
    let mut sshd = Sshd::start();
    let user = sshd.add_user();
    let mut w = connected(&sshd, &user);
    let secret = format!("s3cret-{}", random_hex(8));
    let script = "read -r x; echo ready; sleep 2; echo \"value=$x\"; echo \"$x\" >&2";
    w.worker.send(Job::Run {
        id: 7,
        command: cmd(script, false, Some(&secret), Duration::from_secs(60)),
    });
    w.wait_for(
        "ready",
        |e| matches!(e, WorkerEvent::Output { id: 7, line, .. } if line == "ready"),
    );
    // While the command sleeps, with the secret in its shell variable:
    assert!(
        processes_matching(&secret).is_empty(),
        "{:?}",
        processes_matching(&secret)
    );
    assert_eq!(
        w.wait_for("end", is_end(7)),
        WorkerEvent::Finished {
            id: 7,
            exit_code: 0
        }
    );
    assert_eq!(
        w.lines(7, Stream::Stdout),
        vec!["ready".to_owned(), format!("value={MASK}")]
    );
    assert_eq!(w.lines(7, Stream::Stderr), vec![MASK.to_owned()]);
    assert!(!format!("{:?}", w.seen).contains(&secret));
}

#[test]
fn sudo_as_a_normal_user_with_its_password() {
    if !require_root() {
        return;
    }
    let mut sshd = Sshd::start();
    let user = sshd.add_user_with_password("sp ace 'q' \"d\" $(id) \\ é");
    sshd.grant_sudo(&user);
    let mut w = connected(&sshd, &user);
    let marker = random_hex(6);
    // Every stdin secret is masked in output, so the command reports what it got by length.
    let script = format!("id -u; read -r line; echo \"got ${{#line}}\"; sleep 2 # {marker}");
    w.worker.send(Job::Run {
        id: 1,
        command: cmd(&script, true, Some("hello there"), Duration::from_secs(60)),
    });
    w.wait_for("uid", |e| matches!(e, WorkerEvent::Output { id: 1, .. }));
    // The sudo password is not on any command line while sudo runs.
    assert!(processes_matching("sp ace").is_empty());
    assert!(
        !processes_matching(&marker).is_empty(),
        "the command should be running now"
    );
    assert_eq!(
        w.wait_for("end", is_end(1)),
        WorkerEvent::Finished {
            id: 1,
            exit_code: 0
        },
        "{:#?}",
        w.seen
    );
    assert_eq!(
        w.lines(1, Stream::Stdout),
        vec!["0".to_owned(), "got 11".to_owned()]
    );

    // Without sudo the same user is not root; with a wrong sudo password, sudo refuses.
    w.run(2, cmd("id -u", false, None, Duration::from_secs(30)));
    assert_ne!(w.lines(2, Stream::Stdout), vec!["0".to_owned()]);
    w.worker.send(Job::SetSudoPassword(Secret::new("wrong")));
    let end = w.run(3, cmd("id -u", true, None, Duration::from_secs(30)));
    assert!(
        matches!(end, WorkerEvent::Finished { id: 3, exit_code } if exit_code != 0),
        "{:#?}",
        w.seen
    );
    assert!(w.lines(3, Stream::Stdout).is_empty());

    // The right password again: sudo is among the command's ancestors (ssh_root checks the
    // opposite for root, with the same script).
    w.worker
        .send(Job::SetSudoPassword(Secret::new(&user.password)));
    let ancestry = "p=$$; while [ \"$p\" -gt 1 ]; do ps -o comm= -p \"$p\"; \
                    p=$(ps -o ppid= -p \"$p\" | tr -d ' '); done | grep -cx sudo || true";
    assert_eq!(
        w.run(4, cmd(ancestry, true, None, Duration::from_secs(30))),
        WorkerEvent::Finished {
            id: 4,
            exit_code: 0
        }
    );
    assert_eq!(w.lines(4, Stream::Stdout), vec!["1".to_owned()]);
}

#[test]
fn timeout_kills_the_remote_process_group() {
    if !require_root() {
        return;
    }
    let mut sshd = Sshd::start();
    let user = sshd.add_user();
    let mut w = connected(&sshd, &user);
    let n = 40000 + u32::from_str_radix(&random_hex(1), 16).unwrap();
    // A background child too: the whole group must go, not just the shell.
    let script = format!("sleep {n}.5 & echo started; sleep {n}.25; wait");
    w.worker.send(Job::Run {
        id: 4,
        command: cmd(&script, false, None, Duration::from_secs(2)),
    });
    w.wait_for("started", |e| {
        matches!(e, WorkerEvent::Output { id: 4, .. })
    });
    let both = [format!("sleep {n}.5"), format!("sleep {n}.25")];
    let both: Vec<&str> = both.iter().map(String::as_str).collect();
    let now = all_running(&both);
    assert_eq!(now.len(), 2, "{now:?}");
    assert_eq!(
        w.wait_for("end", is_end(4)),
        WorkerEvent::TimedOut { id: 4 }
    );
    assert_eq!(gone(&both), Vec::<String>::new());
    // The session is still good for the next command.
    assert_eq!(
        w.run(5, cmd("exit 4", false, None, Duration::from_secs(30))),
        WorkerEvent::Finished {
            id: 5,
            exit_code: 4
        }
    );
}

#[test]
fn cancel_kills_a_sudo_command_and_queued_jobs_can_be_cancelled() {
    if !require_root() {
        return;
    }
    let mut sshd = Sshd::start();
    let user = sshd.add_user();
    sshd.grant_sudo(&user);
    let mut w = connected(&sshd, &user);
    let n = 50000 + u32::from_str_radix(&random_hex(1), 16).unwrap();
    let script = format!("echo started; sleep {n}.5");
    w.worker.send(Job::Run {
        id: 8,
        command: cmd(&script, true, None, Duration::from_secs(600)),
    });
    w.worker.send(Job::Run {
        id: 9,
        command: cmd("echo never", false, None, Duration::from_secs(60)),
    });
    w.wait_for("started", |e| {
        matches!(e, WorkerEvent::Output { id: 8, .. })
    });
    let sleeping = format!("sleep {n}.5");
    let now = all_running(&[&sleeping]);
    assert_eq!(now.len(), 1, "{now:?}");
    w.worker.send(Job::Cancel { id: 9 });
    w.worker.send(Job::Cancel { id: 8 });
    assert_eq!(
        w.wait_for("end 9", is_end(9)),
        WorkerEvent::Cancelled { id: 9 }
    );
    assert_eq!(
        w.wait_for("end 8", is_end(8)),
        WorkerEvent::Cancelled { id: 8 }
    );
    assert_eq!(gone(&[&format!("sleep {n}.5")]), Vec::<String>::new());
    assert!(w.lines(9, Stream::Stdout).is_empty());
}

#[test]
fn dropped_connection_interrupts_then_reconnects() {
    if !require_root() {
        return;
    }
    let mut sshd = Sshd::start();
    let user = sshd.add_user();
    let mut w = connected(&sshd, &user);
    w.worker.send(Job::Run {
        id: 3,
        command: cmd(
            "echo started; sleep 30",
            false,
            None,
            Duration::from_secs(120),
        ),
    });
    w.wait_for("started", |e| {
        matches!(e, WorkerEvent::Output { id: 3, .. })
    });
    assert!(!sshd.session_pids().is_empty());
    sshd.kill_sessions();
    assert_eq!(
        w.wait_for("end", is_end(3)),
        WorkerEvent::Interrupted { id: 3 }
    );
    w.wait_for("Disconnected", |e| {
        matches!(e, WorkerEvent::Disconnected { .. })
    });
    let ev = w.wait_for("Reconnecting", |e| {
        matches!(e, WorkerEvent::Reconnecting { .. })
    });
    assert!(
        matches!(ev, WorkerEvent::Reconnecting { attempt: 1, .. }),
        "{ev:?}"
    );
    w.wait_for("Connected", |e| matches!(e, WorkerEvent::Connected { .. }));
    assert_eq!(
        w.run(4, cmd("echo back", false, None, Duration::from_secs(30))),
        WorkerEvent::Finished {
            id: 4,
            exit_code: 0
        }
    );
    assert_eq!(w.lines(4, Stream::Stdout), vec!["back".to_owned()]);
}

#[test]
fn uploads_land_whole_with_mode_and_owner() {
    if !require_root() {
        return;
    }
    let mut sshd = Sshd::start();
    let user = sshd.add_user();
    sshd.grant_sudo(&user);
    let mut w = connected(&sshd, &user);
    let contents: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();

    // In the user's own home: written directly, owned by the user.
    let home_file = user.home.join("app.ini");
    w.worker.send(Job::Upload {
        id: 1,
        path: home_file.display().to_string(),
        contents: contents.clone(),
        mode: 0o640,
        owner: None,
    });
    assert_eq!(
        w.wait_for("end", is_end(1)),
        WorkerEvent::Uploaded { id: 1 },
        "{:#?}",
        w.seen
    );
    let meta = std::fs::metadata(&home_file).unwrap();
    assert_eq!(std::fs::read(&home_file).unwrap(), contents);
    assert_eq!(meta.permissions().mode() & 0o7777, 0o640);
    assert_eq!(
        meta.uid(),
        sh(&format!("id -u {}", user.name))
            .trim()
            .parse::<u32>()
            .unwrap()
    );

    // In a directory only root may write, replacing an existing file, owned by root:
    let dir = tempfile::Builder::new()
        .prefix("droplift-upload-")
        .tempdir_in("/var/tmp")
        .unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let target = dir.path().join("site.conf");
    std::fs::write(&target, "old\n").unwrap();
    w.worker.send(Job::Upload {
        id: 2,
        path: target.display().to_string(),
        contents: contents.clone(),
        mode: 0o600,
        owner: Some("root:root".into()),
    });
    assert_eq!(
        w.wait_for("end", is_end(2)),
        WorkerEvent::Uploaded { id: 2 },
        "{:#?}",
        w.seen
    );
    let meta = std::fs::metadata(&target).unwrap();
    assert_eq!(std::fs::read(&target).unwrap(), contents);
    assert_eq!(
        (meta.permissions().mode() & 0o7777, meta.uid(), meta.gid()),
        (0o600, 0, 0)
    );
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        vec!["site.conf".to_owned()],
        "no temporary file is left behind"
    );
    assert!(
        sh("ls -a /tmp")
            .lines()
            .all(|l| !l.starts_with(".droplift-upload-"))
    );

    // Somewhere the user cannot write and without sudo rights there: a clear failure.
    w.worker.send(Job::Upload {
        id: 3,
        path: "/proc/droplift/nope".into(),
        contents: b"x".to_vec(),
        mode: 0o644,
        owner: None,
    });
    assert!(matches!(
        w.wait_for("end", is_end(3)),
        WorkerEvent::JobFailed { id: 3, .. }
    ));
}

#[test]
fn an_idle_connection_that_drops_is_noticed_and_reopened() {
    if !require_root() {
        return;
    }
    let mut sshd = Sshd::start();
    let user = sshd.add_user();
    let mut w = connected(&sshd, &user);
    let before = sshd.session_pids();
    assert!(!before.is_empty());
    sshd.kill_sessions();
    w.wait_for("Disconnected", |e| {
        matches!(e, WorkerEvent::Disconnected { .. })
    });
    w.wait_for("Reconnecting", |e| {
        matches!(e, WorkerEvent::Reconnecting { attempt: 1, .. })
    });
    w.wait_for("Connected", |e| matches!(e, WorkerEvent::Connected { .. }));
    // A new server-side session, not the killed one.
    assert!(sshd.session_pids().iter().all(|p| !before.contains(p)));
    assert_eq!(
        w.run(1, cmd("echo again", false, None, Duration::from_secs(30))),
        WorkerEvent::Finished {
            id: 1,
            exit_code: 0
        }
    );
}

#[test]
fn expired_password_on_a_keyboard_interactive_only_server() {
    if !require_root() {
        return;
    }
    let mut sshd = Sshd::start_with("PasswordAuthentication no");
    let user = sshd.add_user();
    let mut w = expired(&mut sshd, &user);
    let ev = change_to(&mut w, &user, &user.password);
    let WorkerEvent::PasswordChangeRejected { reason } = ev else {
        panic!("{:#?}", w.seen)
    };
    assert!(
        reason.contains("not been changed") || reason.contains("unchanged"),
        "{reason}"
    );
    let new = "kbd 'new' $(id) \\ pässword";
    w.worker.send(Job::ChangePassword {
        current: Secret::new(&user.password),
        new: Secret::new(new),
    });
    w.wait_for("PasswordChanged", |e| {
        matches!(
            e,
            WorkerEvent::PasswordChanged
                | WorkerEvent::PasswordChangeRejected { .. }
                | WorkerEvent::ConnectFailed { .. }
        )
    });
    assert_eq!(
        w.seen.last(),
        Some(&WorkerEvent::PasswordChanged),
        "{:#?}",
        w.seen
    );
    w.wait_for("Connected", |e| matches!(e, WorkerEvent::Connected { .. }));
    assert_eq!(
        w.run(1, cmd("id -un", false, None, Duration::from_secs(30))),
        WorkerEvent::Finished {
            id: 1,
            exit_code: 0
        }
    );
    drop(w);
    // The change is real: a fresh login with the new password works.
    let paths = sshd.paths();
    let creds = password(new);
    assert!(
        connect(
            &sshd.target(&user.name),
            &creds,
            &paths,
            HostKeyPolicy::Strict,
            &mut |_| HostKeyDecision::Reject
        )
        .is_ok()
    );
}

#[test]
fn fresh_login_proves_other_credentials_without_touching_the_session() {
    if !require_root() {
        return;
    }
    let mut sshd = Sshd::start();
    let user = sshd.add_user();
    let other = sshd.add_user();
    let mut w = connected(&sshd, &user);
    w.worker.send(Job::FreshLogin {
        id: 1,
        user: other.name.clone(),
        credentials: password("wrong"),
        command: None,
        sudo_password: None,
    });
    let end = w.wait_for("end", |e| {
        matches!(
            e,
            WorkerEvent::LoginRefused { id: 1, .. }
                | WorkerEvent::Finished { id: 1, .. }
                | WorkerEvent::JobFailed { id: 1, .. }
        )
    });
    assert!(
        matches!(end, WorkerEvent::LoginRefused { id: 1, .. }),
        "{end:?}"
    );
    // The refusal says what the server still offers: this test sshd takes passwords.
    let WorkerEvent::LoginRefused { offered, .. } = &end else {
        unreachable!("checked above")
    };
    assert!(offered.iter().any(|m| m == "password"), "{offered:?}");
    w.worker.send(Job::FreshLogin {
        id: 2,
        user: other.name.clone(),
        credentials: password(&other.password),
        command: Some(cmd("id -un", false, None, Duration::from_secs(30))),
        sudo_password: None,
    });
    assert_eq!(
        w.wait_for("end", is_end(2)),
        WorkerEvent::Finished {
            id: 2,
            exit_code: 0
        }
    );
    assert_eq!(w.lines(2, Stream::Stdout), vec![other.name.clone()]);
    // The main session is still the first user's.
    assert_eq!(
        w.run(3, cmd("id -un", false, None, Duration::from_secs(30))),
        WorkerEvent::Finished {
            id: 3,
            exit_code: 0
        }
    );
    assert_eq!(w.lines(3, Stream::Stdout), vec![user.name.clone()]);
}
