//! Drives a real worker in tests: collects its events from the sink and waits for one that
//! matches, with a generous limit so a hang fails the test instead of blocking it.
#![allow(dead_code)]

use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use droplift::remote::sshconfig::SshPaths;
use droplift::remote::worker::{WorkerConfig, WorkerHandle, spawn_with};
use droplift::remote::{HostKeyPolicy, Job, JobId, RemoteCommand, Stream, WorkerEvent};
use droplift::secret::{Redactor, Secret};

use super::sshd::{Sshd, TestUser};

pub const LIMIT: Duration = Duration::from_secs(60);

pub struct Driven {
    pub worker: WorkerHandle,
    pub events: Receiver<WorkerEvent>,
    /// Every event seen so far, in order.
    pub seen: Vec<WorkerEvent>,
    pub redactor: Redactor,
}

pub fn start(paths: SshPaths) -> Driven {
    let (tx, rx) = channel();
    let redactor = Redactor::new();
    let config = WorkerConfig {
        paths,
        keepalive: Duration::from_secs(5),
        backoff_start: Duration::from_millis(500),
        backoff_cap: Duration::from_secs(4),
        reconnect_attempts: 6,
    };
    let worker = spawn_with(
        move |ev| {
            let _ = tx.send(ev);
        },
        redactor.clone(),
        config,
    );
    Driven {
        worker,
        events: rx,
        seen: Vec::new(),
        redactor,
    }
}

/// A worker logged in to `sshd` as `user` by password, the host key trusted beforehand; fails
/// with every event seen if the login does not succeed.
pub fn connected(sshd: &Sshd, user: &TestUser) -> Driven {
    let paths = sshd.paths();
    sshd.trust(&paths);
    let mut w = start(paths);
    w.worker
        .send(sshd.password_login(&user.name, &user.password, HostKeyPolicy::Strict));
    let end = w.wait_for("connect end", is_end_of_connect);
    assert!(
        matches!(end, WorkerEvent::Connected { .. }),
        "{:#?}",
        w.seen
    );
    w
}

/// Matches the event that ends a login, however it ended.
pub fn is_end_of_connect(e: &WorkerEvent) -> bool {
    matches!(
        e,
        WorkerEvent::Connected { .. } | WorkerEvent::ConnectFailed { .. }
    )
}

/// Matches the event that ends job `id`, however it ended.
pub fn is_end(id: JobId) -> impl Fn(&WorkerEvent) -> bool {
    move |e| {
        matches!(e,
            WorkerEvent::Finished { id: i, .. } | WorkerEvent::TimedOut { id: i }
            | WorkerEvent::Cancelled { id: i } | WorkerEvent::Interrupted { id: i }
            | WorkerEvent::JobFailed { id: i, .. } | WorkerEvent::Uploaded { id: i } if *i == id)
    }
}

impl Driven {
    /// Runs `command` as job `id` and waits for the event that ends it.
    pub fn run(&mut self, id: JobId, command: RemoteCommand) -> WorkerEvent {
        self.worker.send(Job::Run { id, command });
        self.wait_for("end", is_end(id))
    }

    /// Wait for the first event matching `want`; panics with everything seen if none comes.
    pub fn wait_for(&mut self, what: &str, want: impl Fn(&WorkerEvent) -> bool) -> WorkerEvent {
        let until = Instant::now() + LIMIT;
        loop {
            let left = until.saturating_duration_since(Instant::now());
            match self.events.recv_timeout(left) {
                Ok(ev) => {
                    self.seen.push(ev.clone());
                    if want(&ev) {
                        return ev;
                    }
                }
                Err(_) => panic!("no {what} event; saw {:#?}", self.seen),
            }
        }
    }

    /// Output lines of job `id` seen so far, per stream.
    pub fn lines(&self, id: JobId, stream: Stream) -> Vec<String> {
        self.seen
            .iter()
            .filter_map(|e| match e {
                WorkerEvent::Output {
                    id: i,
                    stream: s,
                    line,
                } if *i == id && *s == stream => Some(line.clone()),
                _ => None,
            })
            .collect()
    }
}

/// Waits for the expired-password question after connecting as `user` (whose password
/// `chage -d 0` expired).
pub fn expired(sshd: &mut Sshd, user: &TestUser) -> Driven {
    super::sshd::sh(&format!("chage -d 0 {}", user.name));
    let paths = sshd.paths();
    sshd.trust(&paths);
    let mut w = start(paths);
    w.worker
        .send(sshd.password_login(&user.name, &user.password, HostKeyPolicy::Strict));
    let ev = w.wait_for("PasswordChangeRequired", |e| {
        matches!(
            e,
            WorkerEvent::PasswordChangeRequired
                | WorkerEvent::Connected { .. }
                | WorkerEvent::ConnectFailed { .. }
        )
    });
    assert_eq!(ev, WorkerEvent::PasswordChangeRequired, "{:#?}", w.seen);
    w
}

/// Answers the expired-password question with `new`; the change's end (rejected, changed, or
/// the connection gone).
pub fn change_to(w: &mut Driven, user: &TestUser, new: &str) -> WorkerEvent {
    w.worker.send(Job::ChangePassword {
        current: Secret::new(&user.password),
        new: Secret::new(new),
    });
    w.wait_for("the change's end", |e| {
        matches!(
            e,
            WorkerEvent::PasswordChangeRejected { .. }
                | WorkerEvent::PasswordChanged
                | WorkerEvent::ConnectFailed { .. }
        )
    })
}
