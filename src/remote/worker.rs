//! The SSH worker thread: owns the one ssh2 session, takes `Job`s, sends back `WorkerEvent`s.
//! A thin loop around the blocking functions in `exec`, `run`, `passwd` and `upload`.

use std::collections::VecDeque;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender, TryRecvError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::exec::{self, ConnectError, Connection, ExpiredPassword, HostKeyQuestion};
use super::passwd::{self, PasswordChange};
use super::protocol::{
    ConnectErrorKind, Credentials, HostKeyDecision, HostKeyPolicy, Job, JobId, RemoteCommand,
    Stream, Target, WorkerEvent,
};
use super::run::{self, Control, RunOutcome};
use super::sshconfig::{SshPaths, resolve};
use super::{download, upload};
use crate::secret::{Redactor, Secret};

/// Tunables; `Default` is what the app uses, tests shorten the waits.
#[derive(Clone, Debug)]
pub struct WorkerConfig {
    pub paths: SshPaths,
    /// How often an idle session sends a keepalive (and so notices a dead connection).
    pub keepalive: Duration,
    /// Reconnection after a drop: first delay, doubled per attempt up to `backoff_cap`.
    pub backoff_start: Duration,
    pub backoff_cap: Duration,
    pub reconnect_attempts: u32,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        Self {
            paths: SshPaths::from_home(),
            keepalive: Duration::from_secs(u64::from(exec::KEEPALIVE_INTERVAL)),
            backoff_start: Duration::from_secs(1),
            backoff_cap: Duration::from_secs(30),
            reconnect_attempts: 8,
        }
    }
}

/// The app's end of the worker. Dropping it stops a running command (the remote process is
/// killed) and ends the thread; it waits for the step in progress, at most a libssh2 timeout.
pub struct WorkerHandle {
    jobs: Option<Sender<Job>>,
    thread: Option<JoinHandle<()>>,
}

impl WorkerHandle {
    pub fn send(&self, job: Job) {
        if let Some(jobs) = &self.jobs {
            // The thread only ends when the handle goes away, so a failed send has no one to tell.
            let _ = jobs.send(job);
        }
    }

    /// End the thread and wait for it (also done by Drop).
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        self.jobs = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for WorkerHandle {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Start the worker with the student's own ~/.ssh files.
pub fn spawn(sink: impl Fn(WorkerEvent) + Send + 'static, redactor: Redactor) -> WorkerHandle {
    spawn_with(sink, redactor, WorkerConfig::default())
}

/// Start the worker with explicit paths and timings (tests, headless runs).
pub fn spawn_with(
    sink: impl Fn(WorkerEvent) + Send + 'static,
    redactor: Redactor,
    config: WorkerConfig,
) -> WorkerHandle {
    let (tx, rx) = mpsc::channel();
    let worker = Worker {
        sink: Box::new(sink),
        redactor,
        rx,
        config,
        queue: VecDeque::new(),
        conn: None,
        last: None,
        sudo_password: None,
        closing: false,
        expired_login: None,
    };
    let thread = std::thread::Builder::new()
        .name("ssh-worker".into())
        .spawn(move || worker.main_loop())
        .ok();
    WorkerHandle {
        jobs: Some(tx),
        thread,
    }
}

struct LastConnect {
    target: Target,
    credentials: Credentials,
}

struct Worker {
    sink: Box<dyn Fn(WorkerEvent) + Send>,
    redactor: Redactor,
    rx: Receiver<Job>,
    config: WorkerConfig,
    /// Jobs that arrived while something else was running; handled in order afterwards.
    queue: VecDeque<Job>,
    conn: Option<Connection>,
    /// What to reconnect with after a drop (None after Disconnect).
    last: Option<LastConnect>,
    sudo_password: Option<Secret>,
    /// The handle was dropped: finish up and end the thread.
    closing: bool,
    /// A keyboard-interactive login that stopped at "New password:", waiting for ChangePassword.
    expired_login: Option<LastConnect>,
}

impl Worker {
    fn emit(&self, event: WorkerEvent) {
        (self.sink)(event);
    }

    fn main_loop(mut self) {
        // Idle: look at the socket every second, send a keepalive every `keepalive`.
        let tick = self.config.keepalive.min(Duration::from_secs(1));
        let mut last_keepalive = Instant::now();
        while !self.closing {
            let job = match self.queue.pop_front() {
                Some(job) => job,
                None if self.conn.is_some() => match self.rx.recv_timeout(tick) {
                    Ok(job) => job,
                    Err(RecvTimeoutError::Timeout) => {
                        let keepalive_due = last_keepalive.elapsed() >= self.config.keepalive;
                        if keepalive_due {
                            last_keepalive = Instant::now();
                        }
                        self.idle_check(keepalive_due);
                        continue;
                    }
                    Err(RecvTimeoutError::Disconnected) => break,
                },
                None => match self.rx.recv() {
                    Ok(job) => job,
                    Err(_) => break,
                },
            };
            self.handle(job);
        }
        if let Some(conn) = self.conn.take() {
            let _ = conn.session().disconnect(None, "bye", None);
        }
    }

    fn idle_check(&mut self, send_keepalive: bool) {
        let Some(conn) = self.conn.as_ref() else {
            return;
        };
        let lost = if conn.peer_closed() {
            Some("the server closed the connection")
        } else if send_keepalive && {
            conn.session().set_blocking(true);
            conn.session().keepalive_send().is_err()
        } {
            Some("the server stopped answering keepalives")
        } else {
            None
        };
        if let Some(reason) = lost {
            self.connection_lost(reason.into());
        }
    }

    fn handle(&mut self, job: Job) {
        match job {
            Job::Connect {
                target,
                credentials,
                host_keys,
            } => self.connect(target, credentials, host_keys),
            // Nobody asked: a late answer to a question already withdrawn.
            Job::HostKey(_) => {}
            Job::ChangePassword { current, new } => self.change_password(current, new),
            Job::SetSudoPassword(secret) => {
                self.redactor.add(&secret);
                self.sudo_password = Some(secret);
            }
            Job::Run { id, command } => self.run(id, command),
            // Not running (a running job's Cancel is taken inside the streaming loop).
            Job::Cancel { .. } => {}
            Job::Upload {
                id,
                path,
                contents,
                mode,
                owner,
            } => self.upload(id, &path, &contents, mode, owner.as_deref()),
            Job::Download {
                id,
                command,
                dest_dir,
            } => self.download(id, &command, &dest_dir),
            Job::FreshLogin {
                id,
                user,
                credentials,
                command,
                sudo_password,
            } => self.fresh_login(id, user, credentials, command, sudo_password),
            Job::Disconnect => {
                self.last = None;
                self.expired_login = None;
                if let Some(conn) = self.conn.take() {
                    let _ = conn.session().disconnect(None, "bye", None);
                    self.emit(WorkerEvent::Disconnected {
                        reason: "disconnected as asked".into(),
                    });
                }
            }
        }
    }

    fn remember_secrets(&self, credentials: &Credentials) {
        for s in [&credentials.password, &credentials.key_passphrase]
            .into_iter()
            .flatten()
        {
            self.redactor.add(s);
        }
    }

    /// A job that needs the session, and there is none.
    fn not_connected(&mut self, id: JobId) {
        self.emit(WorkerEvent::JobFailed {
            id,
            message: "not connected to the server".into(),
        });
    }

    fn sudo_password(&self) -> Option<Secret> {
        self.sudo_password.clone().or_else(|| {
            self.last
                .as_ref()
                .and_then(|l| l.credentials.password.clone())
        })
    }

    /// A job that arrived while we wait (for a host key answer, or during backoff).
    fn park(&mut self, job: Job) {
        match job {
            Job::SetSudoPassword(secret) => {
                self.redactor.add(&secret);
                self.sudo_password = Some(secret);
            }
            Job::Run { id, .. }
            | Job::Upload { id, .. }
            | Job::Download { id, .. }
            | Job::FreshLogin { id, .. } => self.not_connected(id),
            Job::Cancel { .. } | Job::HostKey(_) | Job::ChangePassword { .. } => {}
            Job::Connect { .. } | Job::Disconnect => self.queue.push_back(job),
        }
    }

    fn open(
        &mut self,
        target: &Target,
        credentials: &Credentials,
        policy: HostKeyPolicy,
        new_password: Option<&Secret>,
    ) -> Result<Connection, ConnectError> {
        if let Ok(r) = resolve(target, &self.config.paths) {
            self.emit(WorkerEvent::Connecting {
                host: r.hostname,
                port: r.port,
            });
        }
        let paths = if credentials.sealed.is_some() {
            // The deploy key alone: never the student's own keys or ~/.ssh/config, which would
            // log in as the account with a key of theirs instead.
            SshPaths {
                config: None,
                default_keys: Vec::new(),
                ..self.config.paths.clone()
            }
        } else {
            self.config.paths.clone()
        };
        let mut decide = |question: HostKeyQuestion| -> HostKeyDecision {
            self.emit(match question {
                HostKeyQuestion::Unknown(info) => WorkerEvent::HostKeyUnknown(info),
                HostKeyQuestion::Changed(info) => WorkerEvent::HostKeyChanged(info),
            });
            loop {
                match self.rx.recv() {
                    Ok(Job::HostKey(decision)) => return decision,
                    Ok(job @ (Job::Connect { .. } | Job::Disconnect)) => {
                        self.queue.push_back(job);
                        return HostKeyDecision::Reject;
                    }
                    Ok(job) => self.park(job),
                    Err(_) => {
                        self.closing = true;
                        return HostKeyDecision::Reject;
                    }
                }
            }
        };
        exec::without_panics(|| {
            exec::connect_changing_password(
                target,
                credentials,
                &paths,
                policy,
                &mut decide,
                new_password,
            )
        })
    }

    fn connect(&mut self, target: Target, credentials: Credentials, policy: HostKeyPolicy) {
        self.remember_secrets(&credentials);
        if let Some(old) = self.conn.take() {
            let _ = old.session().disconnect(None, "reconnecting", None);
        }
        self.last = None;
        self.expired_login = None;
        match self.open(&target, &credentials, policy, None) {
            Ok(conn) => {
                self.last = Some(LastConnect {
                    target,
                    credentials,
                });
                self.logged_in(conn);
            }
            Err(ConnectError {
                expired: Some(_), ..
            }) => {
                // Keyboard-interactive only: the change happens in the next login itself.
                self.expired_login = Some(LastConnect {
                    target,
                    credentials,
                });
                self.emit(WorkerEvent::PasswordChangeRequired);
            }
            Err(e) => self.emit(WorkerEvent::ConnectFailed {
                kind: e.kind,
                message: self.redactor.redact(&e.message),
            }),
        }
    }

    /// The expired password on a keyboard-interactive-only server: log in again, answering
    /// PAM's "New password:" during login.
    fn change_password_at_login(&mut self, pending: LastConnect, current: Secret, new: Secret) {
        let mut credentials = pending.credentials.clone();
        credentials.password = Some(current);
        match self.open(
            &pending.target,
            &credentials,
            HostKeyPolicy::Strict,
            Some(&new),
        ) {
            Ok(conn) => {
                self.emit(WorkerEvent::PasswordChanged);
                credentials.password = Some(new);
                self.last = Some(LastConnect {
                    target: pending.target,
                    credentials,
                });
                self.logged_in(conn);
            }
            Err(ConnectError {
                expired: Some(ExpiredPassword::NewRejected(reason)),
                ..
            }) => {
                self.expired_login = Some(pending);
                self.emit(WorkerEvent::PasswordChangeRejected {
                    reason: self.redactor.redact(&reason),
                });
            }
            Err(e) => {
                self.expired_login = Some(pending);
                self.emit(WorkerEvent::ConnectFailed {
                    kind: e.kind,
                    message: self.redactor.redact(&e.message),
                });
            }
        }
    }

    /// After a login: either the session is ready, or the server first wants a new password.
    fn logged_in(&mut self, mut conn: Connection) {
        conn.sealed = self
            .last
            .as_ref()
            .and_then(|last| last.credentials.sealed.clone());
        let change = passwd::password_change_required(&conn).unwrap_or(false);
        let event = if change {
            WorkerEvent::PasswordChangeRequired
        } else {
            WorkerEvent::Connected {
                user: conn.user.clone(),
                host: conn.host.clone(),
                port: conn.port,
            }
        };
        self.conn = Some(conn);
        self.emit(event);
    }

    fn change_password(&mut self, current: Secret, new: Secret) {
        self.redactor.add(&current);
        self.redactor.add(&new);
        // Refused before the server sees it: over a PTY, DEL, ^U or ^W would edit the line and
        // set a password other than the one we keep; and a password we choose has 8 characters.
        if let Err(reason) = crate::secret::check_chosen(new.expose()) {
            self.emit(WorkerEvent::PasswordChangeRejected {
                reason: reason.into(),
            });
            return;
        }
        if self.conn.is_none() {
            if let Some(pending) = self.expired_login.take() {
                self.change_password_at_login(pending, current, new);
                return;
            }
        }
        let Some(conn) = self.conn.as_ref() else {
            self.emit(WorkerEvent::ConnectFailed {
                kind: ConnectErrorKind::Other,
                message: "not connected: connect again before changing the password".into(),
            });
            return;
        };
        match passwd::change_password(conn, &current, &new) {
            Ok(PasswordChange::Rejected(reason)) => {
                self.emit(WorkerEvent::PasswordChangeRejected {
                    reason: self.redactor.redact(&reason),
                })
            }
            Ok(PasswordChange::Changed) => {
                self.emit(WorkerEvent::PasswordChanged);
                self.conn = None;
                let Some(mut last) = self.last.take() else {
                    return;
                };
                last.credentials.password = Some(new);
                let (target, credentials) = (last.target, last.credentials);
                // The host key was settled on the first login; it must not change in between.
                self.connect(target, credentials, HostKeyPolicy::Strict);
            }
            Err(e) => self.connection_lost(e.to_string()),
        }
    }

    fn run(&mut self, id: JobId, command: super::protocol::RemoteCommand) {
        if let Some(s) = &command.stdin {
            self.redactor.add(s);
        }
        let Some(conn) = self.conn.take() else {
            self.not_connected(id);
            return;
        };
        let sudo = self.sudo_password();
        let redactor = self.redactor.clone();
        let outcome = {
            // Output goes to the sink while `control` reads the job channel: disjoint borrows.
            let Worker {
                sink,
                rx,
                queue,
                closing,
                ..
            } = self;
            let mut on_line = |stream, line| sink(WorkerEvent::Output { id, stream, line });
            let mut control = || poll_jobs(rx, queue, closing, &**sink, id);
            run::run(
                &conn,
                &command,
                sudo.as_ref(),
                &redactor,
                &mut on_line,
                &mut control,
            )
        };
        self.conn = Some(conn);
        match outcome {
            Ok(RunOutcome::Finished(exit_code)) => {
                self.emit(WorkerEvent::Finished { id, exit_code })
            }
            Ok(RunOutcome::TimedOut) => self.emit(WorkerEvent::TimedOut { id }),
            Ok(RunOutcome::Cancelled) => self.emit(WorkerEvent::Cancelled { id }),
            Ok(RunOutcome::Interrupted(reason)) => {
                self.emit(WorkerEvent::Interrupted { id });
                self.connection_lost(reason);
            }
            Err(e) => {
                self.emit(WorkerEvent::Interrupted { id });
                self.connection_lost(e.to_string());
            }
        }
    }

    /// A second, short-lived connection that proves a login works (or is refused) without
    /// touching the main session: the lockout guard of the hardening stage.
    fn fresh_login(
        &mut self,
        id: JobId,
        user: String,
        credentials: Credentials,
        command: Option<RemoteCommand>,
        sudo_password: Option<Secret>,
    ) {
        self.remember_secrets(&credentials);
        if let Some(s) = &sudo_password {
            self.redactor.add(s);
        }
        let Some((host, port)) = self.conn.as_ref().map(|c| (c.host.clone(), c.port)) else {
            self.not_connected(id);
            return;
        };
        let target = Target {
            host,
            port: Some(port),
            user: Some(user),
        };
        // Only what the job names: no ~/.ssh/config, no default keys, no agent.
        let paths = SshPaths {
            config: None,
            default_keys: Vec::new(),
            ..self.config.paths.clone()
        };
        let mut reject = |_: HostKeyQuestion| HostKeyDecision::Reject;
        let conn = match exec::without_panics(|| {
            exec::connect(
                &target,
                &credentials,
                &paths,
                HostKeyPolicy::Strict,
                &mut reject,
            )
        }) {
            Ok(conn) => conn,
            Err(e) if e.kind == ConnectErrorKind::AuthFailed => {
                self.emit(WorkerEvent::LoginRefused {
                    id,
                    message: self.redactor.redact(&e.message),
                    offered: e.offered,
                });
                return;
            }
            Err(e) => {
                self.emit(WorkerEvent::JobFailed {
                    id,
                    message: self.redactor.redact(&e.message),
                });
                return;
            }
        };
        let Some(command) = command else {
            let _ = conn.session().disconnect(None, "checked", None);
            self.emit(WorkerEvent::Finished { id, exit_code: 0 });
            return;
        };
        let redactor = self.redactor.clone();
        let sink = &self.sink;
        let outcome = run::run(
            &conn,
            &command,
            sudo_password.as_ref(),
            &redactor,
            &mut |stream, line| sink(WorkerEvent::Output { id, stream, line }),
            &mut || Control::Continue,
        );
        let _ = conn.session().disconnect(None, "checked", None);
        match outcome {
            Ok(RunOutcome::Finished(exit_code)) => {
                self.emit(WorkerEvent::Finished { id, exit_code })
            }
            Ok(RunOutcome::TimedOut) => self.emit(WorkerEvent::TimedOut { id }),
            Ok(other) => self.emit(WorkerEvent::JobFailed {
                id,
                message: format!("the check on the new connection did not finish: {other:?}"),
            }),
            Err(e) => self.emit(WorkerEvent::JobFailed {
                id,
                message: self.redactor.redact(&e.to_string()),
            }),
        }
    }

    fn download(&mut self, id: JobId, command: &RemoteCommand, dest_dir: &std::path::Path) {
        let Some(conn) = self.conn.as_ref() else {
            self.not_connected(id);
            return;
        };
        let sudo = self.sudo_password();
        match download::download(conn, command, dest_dir, sudo.as_ref(), &self.redactor) {
            Ok((path, bytes)) => {
                self.emit(WorkerEvent::Output {
                    id,
                    stream: Stream::Stdout,
                    line: format!(
                        "saved on this computer: {} ({bytes} bytes; only you can read it)",
                        path.display()
                    ),
                });
                self.emit(WorkerEvent::Downloaded { id, path, bytes });
            }
            Err(e) => self.emit(WorkerEvent::JobFailed {
                id,
                message: self.redactor.redact(&e.to_string()),
            }),
        }
    }

    fn upload(&mut self, id: JobId, path: &str, contents: &[u8], mode: u32, owner: Option<&str>) {
        let Some(conn) = self.conn.as_ref() else {
            self.not_connected(id);
            return;
        };
        let sudo = self.sudo_password();
        match upload::upload(
            conn,
            path,
            contents,
            mode,
            owner,
            sudo.as_ref(),
            &self.redactor,
        ) {
            Ok(()) => self.emit(WorkerEvent::Uploaded { id }),
            Err(e) => self.emit(WorkerEvent::JobFailed {
                id,
                message: self.redactor.redact(&e.to_string()),
            }),
        }
    }

    /// The connection died: say so, then reconnect with backoff using the last login.
    fn connection_lost(&mut self, reason: String) {
        self.conn = None;
        self.emit(WorkerEvent::Disconnected {
            reason: self.redactor.redact(&reason),
        });
        let Some(last) = self.last.take() else {
            return;
        };
        let mut delay = self.config.backoff_start;
        let mut last_error = None;
        for attempt in 1..=self.config.reconnect_attempts {
            self.emit(WorkerEvent::Reconnecting { attempt, delay });
            if !self.sleep_attending(delay) {
                // Disconnect, a new Connect, or the handle went away: stop trying.
                return;
            }
            match self.open(&last.target, &last.credentials, HostKeyPolicy::Strict, None) {
                Ok(conn) => {
                    self.last = Some(last);
                    self.logged_in(conn);
                    return;
                }
                Err(e) => {
                    let fatal = matches!(
                        e.kind,
                        ConnectErrorKind::AuthFailed | ConnectErrorKind::HostKeyRejected
                    );
                    last_error = Some(e);
                    if fatal {
                        break;
                    }
                }
            }
            delay = (delay * 2).min(self.config.backoff_cap);
        }
        if let Some(e) = last_error {
            self.emit(WorkerEvent::ConnectFailed {
                kind: e.kind,
                message: self
                    .redactor
                    .redact(&format!("Reconnecting failed: {}", e.message)),
            });
        }
    }

    /// Wait `delay` while still answering jobs; false when waiting should end early.
    fn sleep_attending(&mut self, delay: Duration) -> bool {
        let until = Instant::now() + delay;
        loop {
            if !self.queue.is_empty() || self.closing {
                return false;
            }
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return true;
            }
            match self.rx.recv_timeout(left) {
                Ok(job) => self.park(job),
                Err(RecvTimeoutError::Timeout) => return true,
                Err(RecvTimeoutError::Disconnected) => {
                    self.closing = true;
                    return false;
                }
            }
        }
    }
}

/// Between reads of a running command: a Cancel for it stops it; a Cancel for a queued job drops
/// that job; Connect/Disconnect stop the command and are handled next; anything else waits.
fn poll_jobs(
    rx: &Receiver<Job>,
    queue: &mut VecDeque<Job>,
    closing: &mut bool,
    sink: &dyn Fn(WorkerEvent),
    running: JobId,
) -> Control {
    loop {
        match rx.try_recv() {
            Ok(Job::Cancel { id }) if id == running => return Control::Cancel,
            Ok(Job::Cancel { id }) => {
                let before = queue.len();
                queue.retain(|j| {
                    !matches!(j, Job::Run { id: q, .. } | Job::Upload { id: q, .. } | Job::Download { id: q, .. } if *q == id)
                });
                if queue.len() != before {
                    sink(WorkerEvent::Cancelled { id });
                }
            }
            Ok(job) => {
                let urgent = matches!(job, Job::Disconnect | Job::Connect { .. });
                queue.push_back(job);
                if urgent {
                    return Control::Cancel;
                }
            }
            Err(TryRecvError::Empty) => return Control::Continue,
            Err(TryRecvError::Disconnected) => {
                *closing = true;
                return Control::Cancel;
            }
        }
    }
}
