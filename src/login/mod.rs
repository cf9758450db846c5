//! Logging in and staying logged in, as one pure state machine that the wizard and the headless
//! commands both drive: worker events in; jobs, notices and questions out; no I/O.

pub mod credentials;
mod error;

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::course::answers::Answers;
use crate::course::{self, StageId};
use crate::remote::{
    ConnectErrorKind, Credentials, HostKeyInfo, HostKeyPolicy, Job, Stream, WorkerEvent,
};
use crate::runner::{Outcome, Phase, Progress, StageRun};
use crate::secret::{Secret, SecretName, Secrets};

pub use error::LoginError;

/// How a front end logs in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoginPolicy {
    /// `Ask` turns an unknown or changed host key into a question; otherwise it is refused here.
    pub host_keys: HostKeyPolicy,
    /// May an expired root password be changed? Not for `status`, which changes nothing.
    pub change_password: bool,
    /// Log in with this site's deploy key only (`course::deploy_key`): no agent, no password,
    /// no root.
    pub deploy_key: Option<DeployKeyLogin>,
}

/// A login with a site's deploy key: the key file, and the site whose sealed steps root's part
/// runs as (the squad's own key in a class is one too).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeployKeyLogin {
    pub key: std::path::PathBuf,
    pub site: String,
}

/// The connection as the student sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Link {
    Offline,
    Connecting,
    Connected {
        user: String,
    },
    /// Dropped; the worker is reconnecting.
    Reconnecting,
}

/// Something to tell the student; each front end words it its own way.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Notice {
    /// A login begins: as root, or as the student's user `with_key`.
    LoggingIn {
        host: String,
        port: u16,
        user: String,
        with_key: bool,
    },
    /// The worker opens the connection (the address after ~/.ssh/config).
    Connecting {
        host: String,
        port: u16,
    },
    /// root was refused (hardened earlier?): the student's own user comes next.
    RootRefused {
        message: String,
    },
    PasswordChangeRequired,
    ChangingPassword,
    PasswordRejected {
        reason: String,
    },
    PasswordChanged,
    Disconnected {
        reason: String,
    },
    Reconnecting {
        attempt: u32,
        delay: Duration,
    },
    /// The update stage says a restart is needed to finish (`line` is its own words).
    RebootNeeded {
        line: String,
    },
}

/// A question for the student. Answer it with the matching `Login` method; a front end that
/// cannot ask reports `unanswered()`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Question {
    /// Trust this host key? Answer with `Job::HostKey`.
    HostKey { info: HostKeyInfo, changed: bool },
    /// root's password has expired: a new one (again, when the server `refused` the last), set as
    /// `SecretName::NewRootPassword`, then `change_root_password`.
    NewRootPassword { refused: Option<String> },
    /// root was refused: the student's user (this one suggested) and its password for sudo, set
    /// in the answers and as `SecretName::UserPassword`, then `as_user`.
    UserLogin { user: String },
}

impl Question {
    /// The error when there is no one to ask (headless, secrets from a script).
    pub fn unanswered(&self) -> LoginError {
        match self {
            Question::HostKey { info, .. } => LoginError::UnknownHostKey(info.clone()),
            Question::NewRootPassword { refused: None } => LoginError::NewPasswordNeeded,
            Question::NewRootPassword {
                refused: Some(reason),
            } => LoginError::NewPasswordRefused {
                reason: reason.clone(),
            },
            Question::UserLogin { .. } => LoginError::NoUserPassword,
        }
    }
}

/// What the front end must do or show after a call, in order.
#[derive(Clone, Debug)]
pub enum Out {
    /// Send this to the worker.
    Job(Job),
    Notice(Notice),
    Ask(Question),
    /// Logged in (at first, or again after a drop). `reprobe`: the stage a dropped connection
    /// interrupted; check it again before anything is re-run.
    LoggedIn {
        user: String,
        host: String,
        port: u16,
        reprobe: Option<StageId>,
    },
    /// Logging in failed for good. `interrupted`: the stage that was waiting to be checked again.
    Failed {
        error: LoginError,
        interrupted: Option<StageId>,
    },
    /// A line a command printed. `probe_of`: the stage whose check printed it (not its verdict
    /// line), for the wizard's preview.
    Output {
        stream: Stream,
        line: String,
        probe_of: Option<StageId>,
    },
    /// The stage run's next move.
    Progress(Progress),
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum State {
    Offline,
    LoggingIn { user: String, root: bool },
    Connected { user: String },
    Reconnecting,
}

/// The login in progress and the session it keeps.
///
/// It builds the credentials (root with its password; when root is refused, the student's user
/// with the key), handles the expired root password (ask, change, then the new one is root's),
/// and after a dropped connection names the interrupted stage to check again once logged back
/// in. `on_event` is the one place every `WorkerEvent` is matched (no wildcard, so a new event
/// does not compile until it is handled): a command's output and end go to the `StageRun`, and
/// the update stage's reboot notice is spotted. Front ends present the `Out`s and answer the
/// `Question`s in their own way.
#[derive(Clone, Debug)]
pub struct Login {
    policy: LoginPolicy,
    state: State,
    /// Offered when root is refused: the answers' user when the login began.
    suggested_user: String,
    /// The key the user login tried, for the message when it is refused.
    key: PathBuf,
    /// A stage a dropped connection cut off: checked again once logged in.
    interrupted: Option<StageId>,
    /// Tried when root's password is refused: the new root password of the secrets, which an
    /// earlier run (killed after it changed root's expired password) may have set already.
    root_retry: Option<(String, u16, Secret)>,
}

impl Login {
    pub fn new(policy: LoginPolicy) -> Self {
        Self {
            policy,
            state: State::Offline,
            suggested_user: String::new(),
            key: PathBuf::new(),
            interrupted: None,
            root_retry: None,
        }
    }

    pub fn link(&self) -> Link {
        match &self.state {
            State::Offline => Link::Offline,
            State::LoggingIn { .. } => Link::Connecting,
            State::Connected { user } => Link::Connected { user: user.clone() },
            State::Reconnecting => Link::Reconnecting,
        }
    }

    /// The headless start: root when its password is given, else the student's user and key.
    pub fn start(
        &mut self,
        answers: &Answers,
        home: &Path,
        secrets: &Secrets,
    ) -> Result<Vec<Out>, LoginError> {
        if let Some(deploy) = self.policy.deploy_key.clone() {
            return Ok(self.with_deploy_key(answers, deploy, home));
        }
        match secrets.get(SecretName::RootPassword) {
            Some(password) => {
                let out = self.as_root(answers, Some(password.clone()));
                self.root_retry = secrets
                    .get(SecretName::NewRootPassword)
                    .filter(|new| new.expose() != password.expose())
                    .map(|new| (answers.host.clone(), answers.port, new.clone()));
                Ok(out)
            }
            None if answers.root_by_key => Ok(self.as_root_by_key(answers, home, secrets)),
            None => self.as_user(answers, home, secrets),
        }
    }

    /// Logs in as root with the student's key: a droplet created with it (`cloud create`) has
    /// no root password at all, so there is nothing to change. Refused (hardened since), the
    /// student's own user comes next, as after a refused password.
    pub fn as_root_by_key(
        &mut self,
        answers: &Answers,
        home: &Path,
        secrets: &Secrets,
    ) -> Vec<Out> {
        self.state = State::LoggingIn {
            user: "root".into(),
            root: true,
        };
        self.suggested_user = answers.login_name().to_owned();
        self.key = answers.key.clone();
        vec![
            Out::Notice(Notice::LoggingIn {
                host: answers.host.clone(),
                port: answers.port,
                user: "root".into(),
                with_key: true,
            }),
            Out::Job(Job::Connect {
                target: credentials::target(&answers.host, answers.port, "root"),
                credentials: credentials::root_key(&answers.key, home, secrets),
                host_keys: self.policy.host_keys,
            }),
        ]
    }

    /// Logs in as root with `password` (the e-mailed one), or with the agent and keys when none.
    pub fn as_root(&mut self, answers: &Answers, password: Option<Secret>) -> Vec<Out> {
        self.state = State::LoggingIn {
            user: "root".into(),
            root: true,
        };
        self.suggested_user = answers.login_name().to_owned();
        vec![
            Out::Notice(Notice::LoggingIn {
                host: answers.host.clone(),
                port: answers.port,
                user: "root".into(),
                with_key: false,
            }),
            Out::Job(Job::Connect {
                target: credentials::target(&answers.host, answers.port, "root"),
                credentials: credentials::root(password),
                host_keys: self.policy.host_keys,
            }),
        ]
    }

    /// Logs in as the answers' user with their key; the user's password (a secret) is for sudo
    /// only and goes to the worker, never on a command line.
    pub fn as_user(
        &mut self,
        answers: &Answers,
        home: &Path,
        secrets: &Secrets,
    ) -> Result<Vec<Out>, LoginError> {
        let password = secrets
            .get(SecretName::UserPassword)
            .cloned()
            .ok_or(LoginError::NoUserPassword)?;
        let user = answers.login_name().to_owned();
        self.state = State::LoggingIn {
            user: user.clone(),
            root: false,
        };
        self.key = answers.key.clone();
        Ok(vec![
            Out::Notice(Notice::LoggingIn {
                host: answers.host.clone(),
                port: answers.port,
                user: user.clone(),
                with_key: true,
            }),
            Out::Job(Job::SetSudoPassword(password)),
            Out::Job(Job::Connect {
                target: credentials::target(&answers.host, answers.port, &user),
                credentials: credentials::user_key(&answers.key, home, secrets),
                host_keys: self.policy.host_keys,
            }),
        ])
    }

    /// Logs in as the site's user with its deploy key alone: the key's forced command lets it run
    /// the site's sealed steps and nothing else, and sudo asks it for no password.
    fn with_deploy_key(
        &mut self,
        answers: &Answers,
        deploy: DeployKeyLogin,
        home: &Path,
    ) -> Vec<Out> {
        let DeployKeyLogin { key, site } = deploy;
        let user = answers.user.clone();
        self.state = State::LoggingIn {
            user: user.clone(),
            root: false,
        };
        self.key.clone_from(&key);
        vec![
            Out::Notice(Notice::LoggingIn {
                host: answers.host.clone(),
                port: answers.port,
                user: user.clone(),
                with_key: true,
            }),
            Out::Job(Job::Connect {
                target: credentials::target(&answers.host, answers.port, &user),
                credentials: Credentials {
                    sealed: Some(site),
                    ..credentials::proof(
                        &crate::course::plan::LoginAuth::Key(key),
                        &Secrets::new(),
                        home,
                    )
                },
                host_keys: self.policy.host_keys,
            }),
        ]
    }

    /// Answers the expired-password dialog with the new root password from `secrets`.
    pub fn change_root_password(&mut self, secrets: &Secrets) -> Vec<Out> {
        let Some(new) = secrets.get(SecretName::NewRootPassword).cloned() else {
            return vec![Out::Ask(Question::NewRootPassword { refused: None })];
        };
        let current = secrets
            .get(SecretName::RootPassword)
            .cloned()
            .unwrap_or_default();
        vec![
            Out::Notice(Notice::ChangingPassword),
            Out::Job(Job::ChangePassword { current, new }),
        ]
    }

    /// The student gave up on this login (the password change): close the connection.
    pub fn abandon(&mut self) -> Vec<Out> {
        self.state = State::Offline;
        vec![Out::Job(Job::Disconnect)]
    }

    /// Feeds a worker event. `run` is the stage in progress, if any: a command's output and end
    /// go to it. `secrets` receives the new root password once it is changed.
    pub fn on_event(
        &mut self,
        event: WorkerEvent,
        run: Option<&mut StageRun>,
        secrets: &mut Secrets,
    ) -> Vec<Out> {
        match event {
            WorkerEvent::Connecting { host, port } => {
                vec![Out::Notice(Notice::Connecting { host, port })]
            }
            WorkerEvent::HostKeyUnknown(info) => self.host_key(info, false),
            WorkerEvent::HostKeyChanged(info) => self.host_key(info, true),
            WorkerEvent::PasswordChangeRequired if !self.policy.change_password => {
                self.failed(LoginError::PasswordExpired)
            }
            WorkerEvent::PasswordChangeRequired => vec![
                Out::Notice(Notice::PasswordChangeRequired),
                Out::Ask(Question::NewRootPassword { refused: None }),
            ],
            WorkerEvent::PasswordChangeRejected { reason } => vec![
                Out::Notice(Notice::PasswordRejected {
                    reason: reason.clone(),
                }),
                Out::Ask(Question::NewRootPassword {
                    refused: Some(reason),
                }),
            ],
            WorkerEvent::PasswordChanged => {
                secrets.copy(SecretName::NewRootPassword, SecretName::RootPassword);
                vec![Out::Notice(Notice::PasswordChanged)]
            }
            WorkerEvent::Connected { user, host, port } => {
                self.state = State::Connected { user: user.clone() };
                vec![Out::LoggedIn {
                    user,
                    host,
                    port,
                    reprobe: self.interrupted.take(),
                }]
            }
            WorkerEvent::ConnectFailed { kind, message } => self.connect_failed(kind, message),
            WorkerEvent::Disconnected { reason } => {
                if matches!(self.state, State::Connected { .. }) {
                    self.state = State::Reconnecting;
                }
                vec![Out::Notice(Notice::Disconnected { reason })]
            }
            WorkerEvent::Reconnecting { attempt, delay } => {
                self.state = State::Reconnecting;
                vec![Out::Notice(Notice::Reconnecting { attempt, delay })]
            }
            WorkerEvent::Output {
                id: _,
                ref stream,
                ref line,
            } => {
                let (stream, line) = (*stream, line.clone());
                let mut out = Vec::new();
                let probe_of = run.as_ref().and_then(|r| {
                    (r.phase() == Phase::Probe && !line.starts_with(course::probe::PREFIX))
                        .then_some(r.stage)
                });
                let reboot = run.as_ref().is_some_and(|r| {
                    r.stage == StageId::Update && line.starts_with(course::stages::update::REBOOT_NEEDED)
                });
                // A joint's mark says which step runs (the heading), it is not the step's output.
                let mark = stream == Stream::Stdout
                    && run.as_ref().is_some_and(|r| r.in_joint())
                    && course::joint::mark(&line).is_some();
                if !mark {
                    out.push(Out::Output {
                        stream,
                        line: line.clone(),
                        probe_of,
                    });
                }
                if reboot {
                    out.push(Out::Notice(Notice::RebootNeeded { line }));
                }
                out.extend(self.feed(run, &event));
                out
            }
            WorkerEvent::Finished { .. }
            | WorkerEvent::TimedOut { .. }
            | WorkerEvent::Cancelled { .. }
            | WorkerEvent::Interrupted { .. }
            | WorkerEvent::JobFailed { .. }
            | WorkerEvent::LoginRefused { .. }
            // The app stage uploads its code, `backup pull` downloads a backup: the transfer's
            // end is that step's end.
            | WorkerEvent::Uploaded { .. }
            | WorkerEvent::Downloaded { .. } => self.feed(run, &event).into_iter().collect(),
        }
    }

    /// Hands a command's event to the stage run; an interruption is remembered for the reprobe.
    fn feed(&mut self, run: Option<&mut StageRun>, event: &WorkerEvent) -> Option<Out> {
        let run = run?;
        match run.on_event(event) {
            Progress::Wait => None,
            progress => {
                if let Progress::Finished(Outcome::Interrupted { .. }) = progress {
                    self.interrupted = Some(run.stage);
                }
                Some(Out::Progress(progress))
            }
        }
    }

    fn host_key(&mut self, info: HostKeyInfo, changed: bool) -> Vec<Out> {
        if self.policy.host_keys == HostKeyPolicy::Ask {
            return vec![Out::Ask(Question::HostKey { info, changed })];
        }
        // The worker asks only under `Ask`; anything else never trusts a key here.
        let mut out = vec![Out::Job(Job::HostKey(
            crate::remote::HostKeyDecision::Reject,
        ))];
        out.extend(self.failed(LoginError::UnknownHostKey(info)));
        out
    }

    fn connect_failed(&mut self, kind: ConnectErrorKind, message: String) -> Vec<Out> {
        let state = std::mem::replace(&mut self.state, State::Offline);
        match (kind, state) {
            (ConnectErrorKind::AuthFailed, State::LoggingIn { root: true, .. })
                if self.root_retry.is_some() =>
            {
                let Some((host, port, password)) = self.root_retry.take() else {
                    return Vec::new();
                };
                self.state = State::LoggingIn {
                    user: "root".into(),
                    root: true,
                };
                vec![
                    Out::Notice(Notice::RootRefused {
                        message: format!(
                            "root refused the password it had ({message}); an earlier run may \
                             have changed it already: trying the new root password"
                        ),
                    }),
                    Out::Notice(Notice::LoggingIn {
                        host: host.clone(),
                        port,
                        user: "root".into(),
                        with_key: false,
                    }),
                    Out::Job(Job::Connect {
                        target: credentials::target(&host, port, "root"),
                        credentials: credentials::root(Some(password)),
                        host_keys: self.policy.host_keys,
                    }),
                ]
            }
            (ConnectErrorKind::AuthFailed, State::LoggingIn { root: true, .. }) => vec![
                Out::Notice(Notice::RootRefused { message }),
                Out::Ask(Question::UserLogin {
                    user: self.suggested_user.clone(),
                }),
            ],
            (ConnectErrorKind::AuthFailed, State::LoggingIn { user, root: false }) => {
                self.failed(LoginError::UserRefused {
                    user,
                    key: self.key.display().to_string(),
                    message,
                })
            }
            (ConnectErrorKind::HostKeyRejected, _)
                if self.policy.host_keys == HostKeyPolicy::Strict =>
            {
                self.failed(LoginError::HostKeyRejected { message })
            }
            _ => self.failed(LoginError::Connect { kind, message }),
        }
    }

    fn failed(&mut self, error: LoginError) -> Vec<Out> {
        self.state = State::Offline;
        vec![Out::Failed {
            error,
            interrupted: self.interrupted.take(),
        }]
    }
}

#[cfg(test)]
mod tests;
