//! Host keys through the worker against a real sshd: the unknown-key question with the same
//! fingerprint `ssh-keygen -lf` prints, recording it in known_hosts, and a changed key refused.

mod common;

use std::os::unix::fs::PermissionsExt;

use common::events::{is_end_of_connect, start};
use common::sshd::{Sshd, make_key, require_root};
use droplift::remote::{ConnectErrorKind, HostKeyDecision, HostKeyPolicy, Job, WorkerEvent};

fn is_connected(e: &WorkerEvent) -> bool {
    matches!(e, WorkerEvent::Connected { .. })
}

#[test]
fn unknown_key_is_asked_with_the_openssh_fingerprint_then_remembered() {
    if !require_root() {
        return;
    }
    let mut sshd = Sshd::start();
    let user = sshd.add_user();
    let paths = sshd.paths();
    assert!(!paths.known_hosts.exists());

    // Strict: an unknown key is refused without a question, and nothing is written.
    let mut w = start(paths.clone());
    w.worker
        .send(sshd.password_login(&user.name, &user.password, HostKeyPolicy::Strict));
    let end = w.wait_for("connect end", is_end_of_connect);
    assert!(
        matches!(
            &end,
            WorkerEvent::ConnectFailed {
                kind: ConnectErrorKind::HostKeyRejected,
                ..
            }
        ),
        "{end:?}"
    );
    assert!(!paths.known_hosts.exists());

    w.worker
        .send(sshd.password_login(&user.name, &user.password, HostKeyPolicy::Ask));
    let ev = w.wait_for("HostKeyUnknown", |e| {
        matches!(e, WorkerEvent::HostKeyUnknown(_))
    });
    let WorkerEvent::HostKeyUnknown(info) = ev else {
        unreachable!()
    };
    assert_eq!(info.fingerprint, sshd.fingerprint());
    assert_eq!(info.key_type, "ssh-ed25519");
    assert_eq!(info.host, format!("[127.0.0.1]:{}", sshd.port));
    w.worker.send(Job::HostKey(HostKeyDecision::Accept));
    w.wait_for("Connected", is_connected);

    let text = std::fs::read_to_string(&paths.known_hosts).unwrap();
    let server_key: Vec<String> = sshd
        .host_key_pub()
        .split_whitespace()
        .take(2)
        .map(str::to_owned)
        .collect();
    assert_eq!(
        text,
        format!(
            "[127.0.0.1]:{} {} {}\n",
            sshd.port, server_key[0], server_key[1]
        )
    );
    let mode = std::fs::metadata(&paths.known_hosts)
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600);
    let dir_mode = std::fs::metadata(paths.known_hosts.parent().unwrap())
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(dir_mode, 0o700);
    // OpenSSH itself agrees with the entry we wrote.
    let found = common::sshd::sh(&format!(
        "ssh-keygen -F '[127.0.0.1]:{}' -f {}",
        sshd.port,
        paths.known_hosts.display()
    ));
    assert!(found.contains("ssh-ed25519"), "{found}");
    drop(w);

    // A second connect, even under Ask, asks nothing.
    let mut w = start(paths.clone());
    w.worker
        .send(sshd.password_login(&user.name, &user.password, HostKeyPolicy::Ask));
    w.wait_for("Connected", is_end_of_connect);
    assert!(
        w.seen.iter().all(|e| !matches!(
            e,
            WorkerEvent::HostKeyUnknown(_) | WorkerEvent::ConnectFailed { .. }
        )),
        "{:#?}",
        w.seen
    );
}

#[test]
fn hashed_entry_is_recognised() {
    if !require_root() {
        return;
    }
    let mut sshd = Sshd::start();
    let user = sshd.add_user();
    let paths = sshd.paths();
    sshd.trust(&paths);
    // Hash it as OpenSSH's HashKnownHosts does.
    common::sshd::sh(&format!(
        "ssh-keygen -q -H -f {} 2>/dev/null",
        paths.known_hosts.display()
    ));
    assert!(
        std::fs::read_to_string(&paths.known_hosts)
            .unwrap()
            .starts_with("|1|")
    );
    let mut w = start(paths);
    w.worker
        .send(sshd.password_login(&user.name, &user.password, HostKeyPolicy::Strict));
    let end = w.wait_for("connect end", is_end_of_connect);
    assert!(is_connected(&end), "{:#?}", w.seen);
}

#[test]
fn changed_key_is_refused_unless_replaced() {
    if !require_root() {
        return;
    }
    let mut sshd = Sshd::start();
    let user = sshd.add_user();
    let paths = sshd.paths();
    // known_hosts holds another key for this host, plus an unrelated entry that must survive.
    let other = make_key(sshd.dir.path(), "impostor", "");
    let other_pub = std::fs::read_to_string(other.with_extension("pub")).unwrap();
    let fields: Vec<&str> = other_pub.split_whitespace().collect();
    std::fs::create_dir_all(paths.known_hosts.parent().unwrap()).unwrap();
    let unrelated = format!("example.org {} {}", fields[0], fields[1]);
    std::fs::write(
        &paths.known_hosts,
        format!(
            "{unrelated}\n[127.0.0.1]:{} {} {}\n",
            sshd.port, fields[0], fields[1]
        ),
    )
    .unwrap();

    for policy in [HostKeyPolicy::Strict, HostKeyPolicy::AcceptNew] {
        let mut w = start(paths.clone());
        w.worker
            .send(sshd.password_login(&user.name, &user.password, policy));
        let end = w.wait_for("connect end", is_end_of_connect);
        assert!(
            matches!(
                &end,
                WorkerEvent::ConnectFailed {
                    kind: ConnectErrorKind::HostKeyRejected,
                    ..
                }
            ),
            "{policy:?}: {end:?}"
        );
    }

    let mut w = start(paths.clone());
    w.worker
        .send(sshd.password_login(&user.name, &user.password, HostKeyPolicy::Ask));
    let ev = w.wait_for("HostKeyChanged", |e| {
        matches!(e, WorkerEvent::HostKeyChanged(_))
    });
    let WorkerEvent::HostKeyChanged(info) = ev else {
        unreachable!()
    };
    assert_eq!(info.fingerprint, sshd.fingerprint());
    // Accept is not enough for a changed key: only Replace.
    w.worker.send(Job::HostKey(HostKeyDecision::Accept));
    let end = w.wait_for("connect end", is_end_of_connect);
    assert!(!is_connected(&end), "{end:?}");

    w.worker
        .send(sshd.password_login(&user.name, &user.password, HostKeyPolicy::Ask));
    w.wait_for("HostKeyChanged", |e| {
        matches!(e, WorkerEvent::HostKeyChanged(_))
    });
    w.worker.send(Job::HostKey(HostKeyDecision::Replace));
    let end = w.wait_for("connect end", is_end_of_connect);
    assert!(is_connected(&end), "{:#?}", w.seen);

    let text = std::fs::read_to_string(&paths.known_hosts).unwrap();
    let server: Vec<String> = sshd
        .host_key_pub()
        .split_whitespace()
        .take(2)
        .map(str::to_owned)
        .collect();
    assert_eq!(
        text,
        format!(
            "{unrelated}\n[127.0.0.1]:{} {} {}\n",
            sshd.port, server[0], server[1]
        )
    );
}

#[test]
fn the_recorded_key_type_is_negotiated_first() {
    if !require_root() {
        return;
    }
    let keys = tempfile::tempdir().unwrap();
    let ecdsa = keys.path().join("host_ecdsa");
    common::sshd::sh(&format!(
        "ssh-keygen -q -t ecdsa -N '' -f {}",
        ecdsa.display()
    ));
    // The server offers ed25519 (preferred by default) and ECDSA; we know only its ECDSA key.
    let mut sshd = Sshd::start_with(&format!("HostKey {}", ecdsa.display()));
    let user = sshd.add_user();
    let paths = sshd.paths();
    let public = std::fs::read_to_string(ecdsa.with_extension("pub")).unwrap();
    let f: Vec<&str> = public.split_whitespace().collect();
    std::fs::create_dir_all(paths.known_hosts.parent().unwrap()).unwrap();
    std::fs::write(
        &paths.known_hosts,
        format!("[127.0.0.1]:{} {} {}\n", sshd.port, f[0], f[1]),
    )
    .unwrap();
    let mut w = start(paths);
    w.worker
        .send(sshd.password_login(&user.name, &user.password, HostKeyPolicy::Strict));
    let end = w.wait_for("connect end", is_end_of_connect);
    assert!(is_connected(&end), "{:#?}", w.seen);
}

#[test]
fn accept_new_records_an_unknown_key_without_asking() {
    if !require_root() {
        return;
    }
    let mut sshd = Sshd::start();
    let user = sshd.add_user();
    let paths = sshd.paths();
    let mut w = start(paths.clone());
    w.worker
        .send(sshd.password_login(&user.name, &user.password, HostKeyPolicy::AcceptNew));
    let end = w.wait_for("connect end", is_end_of_connect);
    assert!(is_connected(&end), "{:#?}", w.seen);
    assert!(
        w.seen
            .iter()
            .all(|e| !matches!(e, WorkerEvent::HostKeyUnknown(_)))
    );
    let found = common::sshd::sh(&format!(
        "ssh-keygen -F '[127.0.0.1]:{}' -f {}",
        sshd.port,
        paths.known_hosts.display()
    ));
    let server_key = sshd.host_key_pub();
    let blob = server_key.split_whitespace().nth(1).unwrap();
    assert!(found.contains(blob), "{found}");
}
