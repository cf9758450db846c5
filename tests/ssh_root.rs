//! Logged in as root (a new droplet's first login): sudo commands run without sudo, uploads are
//! written in place with their owner. Root's key lives in the test sshd's own AuthorizedKeysFile,
//! so the machine's /root/.ssh is never touched.

mod common;

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::time::Duration;

use common::events::{is_end_of_connect, start};
use common::sshd::{Sshd, make_key, require_root, sh};
use droplift::remote::{
    Credentials, HostKeyPolicy, Job, RemoteCommand, Stream, Target, WorkerEvent,
};

#[test]
fn root_runs_sudo_steps_directly_and_uploads_in_place() {
    if !require_root() {
        return;
    }
    let keys = tempfile::tempdir().unwrap();
    let key = make_key(keys.path(), "root_key", "");
    std::fs::copy(
        key.with_extension("pub"),
        keys.path().join("authorized_root"),
    )
    .unwrap();
    let sshd = Sshd::start_with(&format!(
        "AuthorizedKeysFile {}/authorized_%u\nAllowUsers root",
        keys.path().display()
    ));
    let paths = sshd.paths();
    sshd.trust(&paths);
    let mut w = start(paths);
    w.worker.send(Job::Connect {
        target: Target {
            host: "127.0.0.1".into(),
            port: Some(sshd.port),
            user: None,
        },
        credentials: Credentials {
            identity_files: vec![key],
            ..Credentials::default()
        },
        host_keys: HostKeyPolicy::Strict,
    });
    let ev = w.wait_for("connect end", is_end_of_connect);
    assert!(
        matches!(&ev, WorkerEvent::Connected { user, .. } if user == "root"),
        "{ev:?}"
    );

    // No password anywhere: a sudo step must not go through sudo at all.
    w.worker.send(Job::Run {
        id: 1,
        command: RemoteCommand {
            // How many sudo processes are among this shell's ancestors.
            script: "id -u; p=$$; while [ \"$p\" -gt 1 ]; do ps -o comm= -p \"$p\"; \
                     p=$(ps -o ppid= -p \"$p\" | tr -d ' '); done | grep -cx sudo || true"
                .into(),
            sudo: true,
            stdin: None,
            timeout: Duration::from_secs(30),
            runtime: None,
        },
    });
    let end = w.wait_for("end", |e| {
        matches!(
            e,
            WorkerEvent::Finished { id: 1, .. } | WorkerEvent::JobFailed { .. }
        )
    });
    assert_eq!(
        end,
        WorkerEvent::Finished {
            id: 1,
            exit_code: 0
        }
    );
    assert_eq!(
        w.lines(1, Stream::Stdout),
        vec!["0".to_owned(), "0".to_owned()]
    );

    let dir = tempfile::Builder::new()
        .prefix("droplift-root-")
        .tempdir_in("/var/tmp")
        .unwrap();
    let target = dir.path().join("uwsgi.ini");
    std::fs::write(&target, "old").unwrap();
    w.worker.send(Job::Upload {
        id: 2,
        path: target.display().to_string(),
        contents: b"[uwsgi]\nneed-app = true\n".to_vec(),
        mode: 0o640,
        owner: Some("nobody:nogroup".into()),
    });
    let end = w.wait_for("end", |e| {
        matches!(
            e,
            WorkerEvent::Uploaded { .. } | WorkerEvent::JobFailed { .. }
        )
    });
    assert_eq!(end, WorkerEvent::Uploaded { id: 2 }, "{:#?}", w.seen);
    let meta = std::fs::metadata(&target).unwrap();
    assert_eq!(
        std::fs::read_to_string(&target).unwrap(),
        "[uwsgi]\nneed-app = true\n"
    );
    let nobody: u32 = sh("id -u nobody").trim().parse().unwrap();
    let nogroup: u32 = sh("getent group nogroup | cut -d: -f3")
        .trim()
        .parse()
        .unwrap();
    assert_eq!(
        (meta.permissions().mode() & 0o7777, meta.uid(), meta.gid()),
        (0o640, nobody, nogroup)
    );
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no temporary file left"
    );
}
