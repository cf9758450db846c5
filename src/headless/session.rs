//! One headless session: the SSH worker, the secrets, and a blocking loop that drives the shared
//! login machine and the runner with the worker's events, answers the machine's questions from
//! the secrets given (or the terminal), and prints what happens through `print`.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver};

use super::print;
use super::secrets::SecretsError;
use crate::course::answers::Answers;
use crate::course::plan::{Plan, StagePlans, Step};
use crate::course::probe::StageProbe;
use crate::course::{self, StageId};
use crate::driver;
use crate::login::{Login, LoginError, LoginPolicy, Out, Question};
use crate::remote::sshconfig::SshPaths;
use crate::remote::worker::{self, WorkerConfig, WorkerHandle};
use crate::remote::{HostKeyPolicy, JobId, WorkerEvent};
use crate::runner::{Outcome, Progress, Request, StageRun};
use crate::secret::{Redactor, Secret, SecretName, Secrets};

/// Why a session stopped; plain sentences for the terminal.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error(transparent)]
    Login(#[from] LoginError),
    /// Asking for a new root password on the terminal failed.
    #[error(transparent)]
    Secrets(#[from] SecretsError),
    #[error("the SSH worker stopped unexpectedly")]
    WorkerGone,
    /// A plan could not be built from the answers (the key and the rule it broke).
    #[error(transparent)]
    Plan(course::PlanError),
    #[error("the connection kept dropping; try again when the network is steadier")]
    KeptDropping,
    /// The check of every stage could not run at all (sudo refused, …): the server's words.
    #[error("checking the stages failed: {message}{}", detail.iter().map(|l| format!("\n  server said: {l}")).collect::<String>())]
    Check {
        message: String,
        detail: Vec<String>,
    },
}

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
    /// `ConnectOptions::learn_new_host_key`.
    learn_new_host_key: bool,
    login: Login,
    /// When the session began: step lines say how far in they start.
    pub started: std::time::Instant,
    /// Run consecutive root steps of a plan as one sealed command (`course::joint`): `deploy`
    /// with the deploy key sets it.
    pub join: bool,
}

/// How `connect` should treat host keys and prompts.
pub struct ConnectOptions {
    pub host_keys: HostKeyPolicy,
    pub interactive: bool,
    /// The home whose ~/.ssh (known_hosts, config, keys) is used and where `~` points.
    pub home: PathBuf,
    /// May an expired root password be changed? Not for `status`, which changes nothing.
    pub change_password: bool,
    /// A droplet droplift has just created: its first key is learned (and its fingerprint
    /// printed, as the wizard shows it); a key that differs from one recorded is still refused.
    pub learn_new_host_key: bool,
    /// Log in with this deploy key, and run root's part as the site's sealed steps
    /// (`course::deploy_key`): the key file and the site.
    pub deploy_key: Option<(PathBuf, String)>,
}

/// What a batch of the machine's output brought that the loop waits for.
enum Wake {
    LoggedIn,
    Progress(Box<Progress>),
}

/// The combined check's result: each checked stage's part, the stages left out, and what the
/// extra part (the health board) printed.
pub type Checked = (Vec<StageProbe>, Vec<StageId>, Option<String>);

impl Session {
    /// Starts the worker and logs in: root with its password (changing an expired one), or, when
    /// root is refused or has no password, the user with the key.
    pub fn connect(
        answers: Answers,
        secrets: Secrets,
        redactor: Redactor,
        options: ConnectOptions,
    ) -> Result<Self, SessionError> {
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
            learn_new_host_key: options.learn_new_host_key,
            login: Login::new(LoginPolicy {
                host_keys: if options.learn_new_host_key {
                    HostKeyPolicy::Ask
                } else {
                    options.host_keys
                },
                change_password: options.change_password,
                deploy_key: options.deploy_key.as_ref().map(|(key, site)| {
                    crate::login::DeployKeyLogin {
                        key: key.clone(),
                        site: site.clone(),
                    }
                }),
            }),
            started: std::time::Instant::now(),
            join: false,
        };
        let out = session
            .login
            .start(&session.answers, &session.home, &session.secrets)?;
        if !matches!(session.pump(out, false)?, Some(Wake::LoggedIn)) {
            session.await_login()?;
        }
        Ok(session)
    }

    fn next_event(&self) -> Result<WorkerEvent, SessionError> {
        self.rx.recv().map_err(|_| SessionError::WorkerGone)
    }

    /// Feeds worker events to the login machine until it says logged in (or fails).
    fn await_login(&mut self) -> Result<(), SessionError> {
        loop {
            let event = self.next_event()?;
            let out = self.login.on_event(event, None, &mut self.secrets);
            if let Some(Wake::LoggedIn) = self.pump(out, false)? {
                return Ok(());
            }
        }
    }

    /// Prints and carries out the machine's output, answering its questions; returns the
    /// login or runner progress it brought, if any.
    fn pump(&mut self, out: Vec<Out>, quiet: bool) -> Result<Option<Wake>, SessionError> {
        let mut queue = VecDeque::from(out);
        let mut wake = None;
        while let Some(item) = queue.pop_front() {
            for line in print::out_lines(&item, quiet, &self.redactor) {
                println!("{line}");
            }
            match item {
                Out::Job(job) => self.worker.send(job),
                Out::Notice(_) | Out::Output { .. } => {}
                Out::Ask(question) => queue.extend(self.answer(question)?),
                Out::LoggedIn { user, .. } => {
                    self.user = user;
                    wake = Some(Wake::LoggedIn);
                }
                Out::Failed { error, .. } => return Err(error.into()),
                Out::Progress(progress) => wake = Some(Wake::Progress(Box::new(progress))),
            }
        }
        Ok(wake)
    }

    /// Headless answers from what it was given: the answers file, the secrets, and the terminal
    /// when there is one. Anything else cannot be answered here.
    fn answer(&mut self, question: Question) -> Result<Vec<Out>, SessionError> {
        match question {
            Question::HostKey {
                info,
                changed: false,
            } if self.learn_new_host_key => {
                println!(
                    "  the droplet's host key is {} {} (learned on this first connection and \
                     recorded in ~/.ssh/known_hosts)",
                    info.key_type, info.fingerprint
                );
                Ok(vec![Out::Job(crate::remote::Job::HostKey(
                    crate::remote::HostKeyDecision::Accept,
                ))])
            }
            Question::NewRootPassword { refused: None }
                if self.secrets.contains(SecretName::NewRootPassword) =>
            {
                Ok(self.login.change_root_password(&self.secrets))
            }
            Question::NewRootPassword { .. } if self.interactive => {
                let new = super::secrets::ask_new("New root password: ")?;
                self.secrets
                    .set(SecretName::NewRootPassword, new, &self.redactor);
                Ok(self.login.change_root_password(&self.secrets))
            }
            Question::UserLogin { .. } => {
                Ok(self
                    .login
                    .as_user(&self.answers, &self.home, &self.secrets)?)
            }
            other => Err(other.unanswered().into()),
        }
    }

    /// Runs one stage (or only its probe) to its end, printing as it goes. A dropped connection
    /// waits for the worker's reconnection and probes again before anything is re-run.
    pub fn run_stage(&mut self, stage: StageId, probe_only: bool) -> Result<Outcome, SessionError> {
        let plans = course::plans(stage, &self.answers).map_err(SessionError::Plan)?;
        self.run_plans(stage, &plans, probe_only)
    }

    /// Runs given plans for a stage (tests use this to inject a fault into a real plan).
    pub fn run_plans(
        &mut self,
        stage: StageId,
        plans: &StagePlans,
        probe_only: bool,
    ) -> Result<Outcome, SessionError> {
        for _attempt in 0..3 {
            let mut run = StageRun::new(stage, plans.clone(), self.next_id);
            if probe_only {
                run = run.probe_only();
            }
            if self.join {
                run = run.joined();
            }
            let outcome = self.attempt(&mut run, probe_only)?;
            if let Outcome::Interrupted { step } = &outcome {
                println!("{}", print::interrupted_line(step));
                // The machine names this stage to check again once logged back in.
                self.await_login()?;
                continue;
            }
            return Ok(outcome);
        }
        Err(SessionError::KeptDropping)
    }

    /// Runs a check-only plan and returns its outcome with everything its steps printed, for a
    /// caller that reads the output itself (the doctor). Nothing is printed here.
    pub fn read_plans(
        &mut self,
        stage: StageId,
        plans: &StagePlans,
    ) -> Result<(Outcome, String), SessionError> {
        for _attempt in 0..3 {
            let mut run = StageRun::new(stage, plans.clone(), self.next_id).probe_only();
            match self.attempt(&mut run, true)? {
                Outcome::Interrupted { step } => {
                    println!("{}", print::interrupted_line(&step));
                    self.await_login()?;
                }
                outcome => return Ok((outcome, run.output().to_owned())),
            }
        }
        Err(SessionError::KeptDropping)
    }

    /// Checks every given stage in ONE command over the open session (`course::probe_all`).
    /// Returns each checked stage's part, and the stages that could not be checked (no answers
    /// for them, or not in this version). Changes nothing.
    pub fn probe_all(
        &mut self,
        stages: &[StageId],
    ) -> Result<(Vec<StageProbe>, Vec<StageId>), SessionError> {
        let (parts, left_out, _) = self.probe_all_with(stages, None)?;
        Ok((parts, left_out))
    }

    /// `probe_all` with one more read-only part in the same command (the health board): also
    /// returns what that part printed, when it ran.
    pub fn probe_all_with(
        &mut self,
        stages: &[StageId],
        extra: Option<(&str, &course::plan::Command)>,
    ) -> Result<Checked, SessionError> {
        let (command, left_out) = course::probe_all_with(
            stages,
            &self.answers,
            &|name| self.secrets.get(name).is_some(),
            extra,
        )
        .map_err(SessionError::Plan)?;
        let plans = StagePlans {
            probe: Plan::new(vec![Step::run("Check every stage at once", command)]),
            ..StagePlans::default()
        };
        for _attempt in 0..3 {
            // Named after the first stage: nothing in a check-only run depends on the name.
            let mut run = StageRun::new(StageId::Connect, plans.clone(), self.next_id).probe_only();
            match self.attempt(&mut run, true)? {
                Outcome::Interrupted { step } => {
                    println!("{}", print::interrupted_line(&step));
                    self.await_login()?;
                    continue;
                }
                // The command itself failed before any check ran (e.g. sudo refused): say so
                // rather than report nothing.
                Outcome::Failed {
                    message, detail, ..
                } if !run.output().contains("droplift-stage:") => {
                    return Err(SessionError::Check { message, detail });
                }
                _ => {}
            }
            let extra_out = extra.and_then(|(key, _)| course::probe::extra_part(run.output(), key));
            return Ok((course::probe::split(run.output()), left_out, extra_out));
        }
        Err(SessionError::KeptDropping)
    }

    /// Drives one run to its end (or to a dropped connection).
    fn attempt(&mut self, run: &mut StageRun, probe_only: bool) -> Result<Outcome, SessionError> {
        let mut progress = run.start();
        // The step whose heading was printed last (a joint prints the next ones as they begin).
        let mut shown = None;
        let outcome = loop {
            progress = match progress {
                Progress::Finished(outcome) => break outcome,
                Progress::Next(request) => {
                    if !probe_only {
                        if let Some(step) = run.current_step() {
                            println!(
                                "{}",
                                print::step_line(run.phase(), step, self.started.elapsed())
                            );
                        }
                    }
                    shown = Some(run.progress_at());
                    self.perform(run, &request)
                }
                Progress::Wait => {
                    let event = self.next_event()?;
                    let out = self.login.on_event(event, Some(run), &mut self.secrets);
                    let progress = match self.pump(out, probe_only)? {
                        Some(Wake::Progress(progress)) => *progress,
                        Some(Wake::LoggedIn) | None => Progress::Wait,
                    };
                    // A joint began its next step: its heading, as if it had been sent alone.
                    if matches!(progress, Progress::Wait)
                        && run.in_joint()
                        && shown != Some(run.progress_at())
                    {
                        shown = Some(run.progress_at());
                        if let (false, Some(step)) = (probe_only, run.current_step()) {
                            println!(
                                "{}",
                                print::step_line(run.phase(), step, self.started.elapsed())
                            );
                        }
                    }
                    progress
                }
            };
        };
        self.next_id = run.next_id();
        Ok(outcome)
    }

    fn perform(&mut self, run: &mut StageRun, request: &Request) -> Progress {
        match driver::perform(request, &self.secrets, &self.home, &self.worker) {
            None => Progress::Wait,
            Some(done) => {
                if let Ok(line) = &done.result {
                    println!("{}", print::local_line(line));
                }
                run.local_done(done.id, done.result.map(|_| ()))
            }
        }
    }

    /// The secret value for a name, if known (for tests and callers that check inputs).
    pub fn secret(&self, name: SecretName) -> Option<&Secret> {
        self.secrets.get(name)
    }
}
