//! One headless session: the SSH worker, the secrets, and the blocking loop that logs in (root
//! with its password, changing an expired one; or, on a hardened server, the user's key) and
//! runs stages through the runner, printing plain text.

use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver};

use crate::course::answers::Answers;
use crate::course::plan::{StagePlans, Step};
use crate::course::{self, StageId};
use crate::driver;
use crate::remote::sshconfig::SshPaths;
use crate::remote::worker::{self, WorkerConfig, WorkerHandle};
use crate::remote::{
    ConnectErrorKind, Credentials, HostKeyPolicy, Job, JobId, Stream, Target, WorkerEvent,
};
use crate::runner::{Outcome, Progress, Request, StageRun};
use crate::secret::{Redactor, Secret, SecretName, Secrets};

pub struct Session {
    worker: WorkerHandle,
    rx: Receiver<WorkerEvent>,
    pub redactor: Redactor,
    pub secrets: Secrets,
    pub answers: Answers,
    home: PathBuf,
    /// Who we are logged in as.
    pub user: String,
    next_id: JobId,
    /// May ask on the terminal (false with --secrets-stdin or no tty).
    interactive: bool,
    change_password: bool,
}

/// How `connect` should treat host keys and prompts.
pub struct ConnectOptions {
    pub host_keys: HostKeyPolicy,
    pub interactive: bool,
    /// The home whose ~/.ssh (known_hosts, config, keys) is used and where `~` points.
    pub home: PathBuf,
    /// May an expired root password be changed? Not for `status`, which changes nothing.
    pub change_password: bool,
}

fn say(text: &str) {
    println!("{text}");
}

impl Session {
    /// Starts the worker and logs in. Errors are plain sentences for the terminal.
    pub fn connect(
        answers: Answers,
        secrets: Secrets,
        redactor: Redactor,
        options: ConnectOptions,
    ) -> Result<Self, String> {
        let (tx, rx) = mpsc::channel();
        let worker = worker::spawn_with(
            move |event| {
                let _ = tx.send(event);
            },
            redactor.clone(),
            WorkerConfig {
                paths: SshPaths::in_home(&options.home),
                ..WorkerConfig::default()
            },
        );
        let mut session = Self {
            worker,
            rx,
            redactor,
            secrets,
            answers,
            home: options.home.clone(),
            user: String::new(),
            next_id: 1,
            interactive: options.interactive,
            change_password: options.change_password,
        };
        session.login(options.host_keys)?;
        Ok(session)
    }

    fn next_event(&self) -> Result<WorkerEvent, String> {
        self.rx
            .recv()
            .map_err(|_| "the SSH worker stopped unexpectedly".to_owned())
    }

    fn target(&self, user: &str) -> Target {
        Target {
            host: self.answers.host.clone(),
            port: crate::remote::typed_port(self.answers.port),
            user: Some(user.to_owned()),
        }
    }

    fn login(&mut self, host_keys: HostKeyPolicy) -> Result<(), String> {
        if let Some(password) = self.secrets.get(SecretName::RootPassword).cloned() {
            say(&format!("Logging in to {} as root …", self.answers.host));
            self.worker.send(Job::Connect {
                target: self.target("root"),
                credentials: Credentials {
                    use_agent: true,
                    identity_files: Vec::new(),
                    key_passphrase: None,
                    password: Some(password),
                },
                host_keys,
            });
            match self.await_login(host_keys)? {
                true => return Ok(()),
                false => say(&format!(
                    "root may not log in (the server is hardened already?); trying {} with your key …",
                    self.answers.user
                )),
            }
        }
        let user = self.answers.user.clone();
        let password = self
            .secrets
            .get(SecretName::UserPassword)
            .cloned()
            .ok_or("give root_password, or user_password to work as your own user with sudo")?;
        self.worker.send(Job::SetSudoPassword(password));
        say(&format!(
            "Logging in to {} as {user} with your key …",
            self.answers.host
        ));
        self.worker.send(Job::Connect {
            target: self.target(&user),
            credentials: Credentials {
                use_agent: true,
                identity_files: vec![crate::home::expand_home(&self.answers.key, &self.home)],
                key_passphrase: self.secrets.get(SecretName::KeyPassphrase).cloned(),
                password: None,
            },
            host_keys,
        });
        if self.await_login(host_keys)? {
            Ok(())
        } else {
            Err(format!(
                "the server refused both root and {user}: check root_password, and that your key {} is the one installed",
                self.answers.key.display()
            ))
        }
    }

    /// Waits for the login's end. Ok(true): logged in; Ok(false): the login was refused.
    fn await_login(&mut self, host_keys: HostKeyPolicy) -> Result<bool, String> {
        loop {
            match self.next_event()? {
                WorkerEvent::Connecting { host, port } => {
                    say(&format!("  connecting to {host}:{port}"))
                }
                WorkerEvent::PasswordChangeRequired if !self.change_password => {
                    return Err(
                        "root's password has expired, so nothing has been set up on this server \
                         yet: run `droplift apply` (or the wizard) first; status changes nothing"
                            .into(),
                    );
                }
                WorkerEvent::PasswordChangeRequired => self.change_root_password()?,
                WorkerEvent::PasswordChangeRejected { reason } => {
                    say(&format!("  the server refused the new password: {reason}"));
                    if !self.interactive {
                        return Err(format!(
                            "the new root password was refused by the server ({reason}); choose a longer, less common one for new_root_password"
                        ));
                    }
                    self.secrets.set(
                        SecretName::NewRootPassword,
                        super::secrets::ask_new("New root password: ")?,
                        &self.redactor,
                    );
                    self.change_root_password()?;
                }
                WorkerEvent::PasswordChanged => {
                    say("  root's password is changed; logging in again with the new one");
                    if let Some(new) = self.secrets.get(SecretName::NewRootPassword).cloned() {
                        self.secrets
                            .set(SecretName::RootPassword, new, &self.redactor);
                    }
                }
                WorkerEvent::Connected { user, host, port } => {
                    say(&format!("Connected to {host}:{port} as {user}."));
                    self.user = user;
                    return Ok(true);
                }
                WorkerEvent::ConnectFailed {
                    kind: ConnectErrorKind::AuthFailed,
                    message,
                } => {
                    say(&format!("  {message}"));
                    return Ok(false);
                }
                WorkerEvent::ConnectFailed {
                    kind: ConnectErrorKind::HostKeyRejected,
                    message,
                } if host_keys == HostKeyPolicy::Strict => {
                    return Err(format!(
                        "{message}\nIf this is a new server, compare its fingerprint with the droplet's console, then run again with --accept-new-host-key."
                    ));
                }
                WorkerEvent::ConnectFailed { message, .. } => return Err(message),
                WorkerEvent::HostKeyUnknown(info) | WorkerEvent::HostKeyChanged(info) => {
                    // Headless never answers a host key question: refuse.
                    self.worker
                        .send(Job::HostKey(crate::remote::HostKeyDecision::Reject));
                    return Err(format!(
                        "{} offered an unknown key {} ({}); run again with --accept-new-host-key after checking it",
                        info.host, info.fingerprint, info.key_type
                    ));
                }
                _ => {}
            }
        }
    }

    fn change_root_password(&mut self) -> Result<(), String> {
        say("  the server asks for a new root password (a new droplet does this once)");
        let new = match self.secrets.get(SecretName::NewRootPassword).cloned() {
            Some(new) => new,
            None if self.interactive => {
                let new = super::secrets::ask_new("New root password: ")?;
                self.secrets
                    .set(SecretName::NewRootPassword, new.clone(), &self.redactor);
                new
            }
            None => {
                return Err(
                    "root's password has expired and must be changed: give new_root_password"
                        .into(),
                );
            }
        };
        let current = self
            .secrets
            .get(SecretName::RootPassword)
            .cloned()
            .unwrap_or_default();
        self.worker.send(Job::ChangePassword { current, new });
        Ok(())
    }

    /// Runs one stage (or only its probe) to its end, printing as it goes. A dropped connection
    /// waits for the worker's reconnection and probes again before anything is re-run.
    pub fn run_stage(&mut self, stage: StageId, probe_only: bool) -> Result<Outcome, String> {
        let plans = course::plans(stage, &self.answers)
            .ok_or_else(|| format!("the {} stage is not in this version", stage.key()))?;
        self.run_plans(stage, &plans, probe_only)
    }

    /// Runs given plans for a stage (tests use this to inject a fault into a real plan).
    pub fn run_plans(
        &mut self,
        stage: StageId,
        plans: &StagePlans,
        probe_only: bool,
    ) -> Result<Outcome, String> {
        for _attempt in 0..3 {
            let mut run = StageRun::new(stage, plans.clone(), self.next_id);
            if probe_only {
                run = run.probe_only();
            }
            let mut progress = run.start();
            let outcome = loop {
                match progress {
                    Progress::Finished(outcome) => break outcome,
                    Progress::Next(request) => {
                        if !probe_only {
                            if let Some(step) = run.current_step() {
                                print_step(run.phase().label(), step);
                            }
                        }
                        progress = self.perform(&mut run, &request);
                    }
                    Progress::Wait => {
                        let event = self.next_event()?;
                        self.print_event(&event, probe_only);
                        progress = run.on_event(&event);
                    }
                }
            };
            self.next_id = run.next_id();
            if let Outcome::Interrupted { step } = &outcome {
                say(&format!(
                    "  the connection dropped during \"{step}\"; reconnecting …"
                ));
                self.await_reconnect()?;
                continue;
            }
            return Ok(outcome);
        }
        Err("the connection kept dropping; try again when the network is steadier".into())
    }

    fn perform(&mut self, run: &mut StageRun, request: &Request) -> Progress {
        match driver::perform(request, &self.secrets, &self.home, &self.worker) {
            None => Progress::Wait,
            Some(done) => {
                if let Ok(line) = &done.result {
                    say(&format!("    {line}"));
                }
                run.local_done(done.id, done.result.map(|_| ()))
            }
        }
    }

    fn print_event(&self, event: &WorkerEvent, quiet: bool) {
        match event {
            WorkerEvent::Output { line, .. }
                if line.starts_with(crate::course::update::REBOOT_NEEDED) =>
            {
                say(&format!("    | {line}"));
                say(
                    "    The update needs a restart to finish: restart the droplet (sudo reboot), then run droplift again.",
                );
            }
            WorkerEvent::Output { line, stream, .. } if !quiet => {
                let mark = if *stream == Stream::Stderr { "!" } else { "|" };
                say(&format!("    {mark} {}", self.redactor.redact(line)));
            }
            WorkerEvent::Disconnected { reason } => say(&format!("  disconnected: {reason}")),
            WorkerEvent::Reconnecting { attempt, delay } => say(&format!(
                "  reconnecting (attempt {attempt}, in {} s)",
                delay.as_secs()
            )),
            _ => {}
        }
    }

    fn await_reconnect(&mut self) -> Result<(), String> {
        loop {
            match self.next_event()? {
                WorkerEvent::Connected { user, .. } => {
                    say(&format!(
                        "  connected again as {user}; checking the stage again"
                    ));
                    return Ok(());
                }
                WorkerEvent::ConnectFailed { message, .. } => return Err(message),
                other => self.print_event(&other, false),
            }
        }
    }

    /// The secret value for a name, if known (for tests and callers that check inputs).
    pub fn secret(&self, name: SecretName) -> Option<&Secret> {
        self.secrets.get(name)
    }
}

fn print_step(phase: &str, step: &Step) {
    say(&format!("  → [{phase}] {}", step.headline()));
}
