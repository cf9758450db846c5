//! Runs one stage's plans step by step: probe, then (if needed) apply and verify, with rollback
//! when a risky step fails. Pure: it asks for work (`Request`) and is told what happened (worker
//! events); the wizard and the headless commands both drive it, so they behave the same.

use crate::course::StageId;
use crate::course::plan::{
    Action, CodeSource, Command, Expect, LocalAction, LoginAuth, Plan, StagePlans, Step,
};
use crate::course::probe::Probe;
use crate::driver::DriverError;
use crate::remote::{JobId, Stream, WorkerEvent};

/// Which of a stage's plans is running.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    Probe,
    Apply,
    Verify,
    Rollback,
}

impl Phase {
    pub fn label(self) -> &'static str {
        match self {
            Phase::Probe => "check",
            Phase::Apply => "apply",
            Phase::Verify => "verify",
            Phase::Rollback => "undo",
        }
    }
}

/// Work the caller must do and report back with the same id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Request {
    /// Run a command over the open session (secrets and local files still to be filled in).
    Run { id: JobId, command: Command },
    /// Log in on a brand-new connection, optionally run a command there.
    FreshLogin {
        id: JobId,
        user: String,
        auth: LoginAuth,
        command: Option<Command>,
    },
    /// Do something on this computer; report with `local_done` (`driver::perform` does it).
    Local { id: JobId, action: LocalAction },
    /// Pack the code here and upload it to `path` on the server.
    Upload {
        id: JobId,
        source: CodeSource,
        path: String,
    },
    /// Copy the file the command hands over into `dest_dir` here.
    Download {
        id: JobId,
        command: Command,
        dest_dir: std::path::PathBuf,
    },
}

impl Request {
    /// The id the request's result will come back with.
    pub fn id(&self) -> JobId {
        match self {
            Request::Run { id, .. }
            | Request::FreshLogin { id, .. }
            | Request::Local { id, .. }
            | Request::Upload { id, .. }
            | Request::Download { id, .. } => *id,
        }
    }
}

/// How a stage ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The probe found the work already done; nothing was changed.
    AlreadyDone(String),
    /// An optional stage not asked for (stage 10 without a domain): nothing changed, and it
    /// does not count as done.
    Skipped(String),
    /// Probe only (`status`): the work is still to do.
    Pending(String),
    /// The server has something in the way that the stage must not overwrite (e.g. the chosen
    /// user name belongs to a system account). Nothing was changed.
    Drifted(String),
    /// Applied and verified.
    Applied,
    /// A step failed. `detail` is the server's own words (last lines of stderr) when there are any.
    Failed {
        phase: Phase,
        step: String,
        message: String,
        detail: Vec<String>,
        rolled_back: bool,
    },
    /// The connection dropped during a step: its outcome is unknown; probe again after
    /// reconnecting.
    Interrupted {
        step: String,
    },
    Cancelled {
        step: String,
    },
}

/// What to do after an event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Progress {
    Next(Request),
    /// The event was not for this stage, or more output is expected.
    Wait,
    Finished(Outcome),
}

/// A stage in progress.
#[derive(Clone, Debug)]
pub struct StageRun {
    pub stage: StageId,
    plans: StagePlans,
    phase: Phase,
    index: usize,
    /// The id of the request in flight.
    current: Option<JobId>,
    next_id: JobId,
    stdout: String,
    stderr_tail: Vec<String>,
    pub probe: Option<Probe>,
    /// Set when apply failed and the rollback is running.
    failure: Option<Outcome>,
    /// Stop after the probe (for `status`): never change anything.
    probe_only: bool,
    /// Run consecutive root steps as one command each (`course::joint`).
    join: bool,
    /// When the command in flight is a joint: the steps it runs (phase and index: an apply's
    /// joint may end with the verify's first steps), and which of them runs now (its marks).
    group: Option<(Vec<(Phase, usize)>, usize)>,
}

const STDERR_TAIL: usize = 6;
/// A step's stdout kept for the verdict (the last line counts): at most this much of its end,
/// whatever a server sends.
pub const STDOUT_KEPT: usize = 1024 * 1024;

impl StageRun {
    /// `first_id` keeps job ids unique across stages run on one worker.
    pub fn new(stage: StageId, plans: StagePlans, first_id: JobId) -> Self {
        Self {
            stage,
            plans,
            phase: Phase::Probe,
            index: 0,
            current: None,
            next_id: first_id,
            stdout: String::new(),
            stderr_tail: Vec::new(),
            probe: None,
            failure: None,
            probe_only: false,
            join: false,
            group: None,
        }
    }

    /// A run that joins consecutive root steps into one command (`course::joint`): the same
    /// steps, headings and failures, fewer round trips.
    pub fn joined(mut self) -> Self {
        self.join = true;
        self
    }

    /// A run that only probes: it reports done / pending / drifted and changes nothing.
    pub fn probe_only(mut self) -> Self {
        self.probe_only = true;
        self
    }

    /// The next id this run would use; pass it to the next stage's run.
    pub fn next_id(&self) -> JobId {
        self.next_id
    }

    pub fn phase(&self) -> Phase {
        self.phase
    }

    fn plan(&self) -> &Plan {
        match self.phase {
            Phase::Probe => &self.plans.probe,
            Phase::Apply => &self.plans.apply,
            Phase::Verify => &self.plans.verify,
            Phase::Rollback => &self.plans.apply,
        }
    }

    fn steps(&self) -> &[Step] {
        match self.phase {
            Phase::Rollback => &self.plan().rollback,
            _ => &self.plan().steps,
        }
    }

    /// The current phase's steps and the index of the one running (for the progress list).
    pub fn progress(&self) -> (Phase, &[Step], usize) {
        (self.phase, self.steps(), self.index)
    }

    /// Where the run is: its phase and the step's index in it.
    pub fn progress_at(&self) -> (Phase, usize) {
        (self.phase, self.index)
    }

    /// The step running now (for headers and the preview highlight).
    pub fn current_step(&self) -> Option<&Step> {
        self.current.and_then(|_| self.steps().get(self.index))
    }

    pub fn current_id(&self) -> Option<JobId> {
        self.current
    }

    /// Starts the stage with its probe.
    pub fn start(&mut self) -> Progress {
        self.phase = Phase::Probe;
        self.index = 0;
        self.request()
    }

    /// Starts the stage's apply directly (the wizard, after the student confirmed the preview
    /// of a stage the probe found pending).
    pub fn start_apply(&mut self) -> Progress {
        self.phase = Phase::Apply;
        self.index = 0;
        self.request()
    }

    /// The request for the step at `index` in the current phase, or the phase's end.
    fn request(&mut self) -> Progress {
        let Some(step) = self.steps().get(self.index).cloned() else {
            return self.phase_done();
        };
        let id = self.next_id;
        self.next_id += 1;
        self.current = Some(id);
        self.stdout.clear();
        self.stderr_tail.clear();
        self.group = None;
        // The undo is one step, and stays apart from what failed.
        if self.join && self.phase != Phase::Rollback {
            let (steps, places) = self.ahead();
            let end = crate::course::joint::group_end(&steps, 0);
            if end > 1 {
                if let Some(command) = crate::course::joint::joint(&steps[..end]) {
                    self.group = Some((places[..end].to_vec(), 0));
                    return Progress::Next(Request::Run { id, command });
                }
            }
        }
        Progress::Next(match step.action {
            Action::Run(command) => Request::Run { id, command },
            Action::FreshLogin {
                user,
                auth,
                command,
                ..
            } => Request::FreshLogin {
                id,
                user,
                auth,
                command,
            },
            Action::Local(action) => Request::Local { id, action },
            Action::Upload { source, path } => Request::Upload { id, source, path },
            Action::Download { command, dest_dir } => Request::Download {
                id,
                command,
                dest_dir,
            },
        })
    }

    fn phase_done(&mut self) -> Progress {
        self.current = None;
        match self.phase {
            Phase::Probe => match Probe::parse(&self.stdout) {
                Some(Probe::Done(why)) => {
                    self.probe = Some(Probe::Done(why.clone()));
                    Progress::Finished(Outcome::AlreadyDone(why))
                }
                Some(Probe::Drifted(why)) => {
                    self.probe = Some(Probe::Drifted(why.clone()));
                    Progress::Finished(Outcome::Drifted(why))
                }
                Some(Probe::Skipped(why)) => {
                    self.probe = Some(Probe::Skipped(why.clone()));
                    Progress::Finished(Outcome::Skipped(why))
                }
                pending if self.probe_only => {
                    let why = pending.map(|p| p.reason().to_owned()).unwrap_or_default();
                    self.probe = Some(Probe::Pending(why.clone()));
                    Progress::Finished(Outcome::Pending(why))
                }
                pending => {
                    // No verdict at all (an empty probe) counts as pending: apply decides.
                    self.probe = pending.or(Some(Probe::Pending(String::new())));
                    self.start_apply()
                }
            },
            Phase::Apply => {
                self.phase = Phase::Verify;
                self.index = 0;
                self.request()
            }
            Phase::Verify => Progress::Finished(Outcome::Applied),
            Phase::Rollback => {
                let failure = self.failure.take().unwrap_or(Outcome::Failed {
                    phase: Phase::Apply,
                    step: String::new(),
                    message: String::new(),
                    detail: Vec::new(),
                    rolled_back: true,
                });
                Progress::Finished(match failure {
                    Outcome::Failed {
                        phase,
                        step,
                        message,
                        detail,
                        ..
                    } => Outcome::Failed {
                        phase,
                        step,
                        message,
                        detail,
                        rolled_back: true,
                    },
                    other => other,
                })
            }
        }
    }

    fn step_ok(&mut self) -> Progress {
        // A joint that succeeded ran all its steps: on from its last.
        if let Some((places, _)) = self.group.take() {
            if let Some(&(phase, index)) = places.last() {
                self.phase = phase;
                self.index = index;
            }
        }
        self.index += 1;
        self.request()
    }

    fn step_failed(&mut self, message: String) -> Progress {
        self.group = None;
        let title = self.step_title();
        let failure = Outcome::Failed {
            phase: self.phase,
            step: title,
            message,
            detail: self.stderr_tail.clone(),
            rolled_back: false,
        };
        if self.phase == Phase::Apply && !self.plans.apply.rollback.is_empty() {
            self.failure = Some(failure);
            self.phase = Phase::Rollback;
            self.index = 0;
            return self.request();
        }
        if self.phase == Phase::Rollback {
            // The undo itself failed: report the first failure, and say the undo did not finish.
            self.current = None;
            return Progress::Finished(self.failure.take().unwrap_or(failure));
        }
        self.current = None;
        Progress::Finished(failure)
    }

    fn expect(&self) -> Expect {
        match self.steps().get(self.index).map(|s| &s.action) {
            Some(Action::FreshLogin { expect, .. }) => *expect,
            _ => Expect::Success,
        }
    }

    /// Feeds a worker event. Events for other ids are ignored (`Wait`).
    pub fn on_event(&mut self, event: &WorkerEvent) -> Progress {
        let Some(current) = self.current else {
            return Progress::Wait;
        };
        match event {
            WorkerEvent::Output { id, stream, line } if *id == current => {
                match stream {
                    Stream::Stdout if self.joint_mark(line) => {}
                    Stream::Stdout => {
                        self.stdout.push_str(line);
                        self.stdout.push('\n');
                        if self.stdout.len() > 2 * STDOUT_KEPT {
                            // Trimmed in halves, so the copying stays linear in the output.
                            let mut from = self.stdout.len() - STDOUT_KEPT;
                            while !self.stdout.is_char_boundary(from) {
                                from += 1;
                            }
                            self.stdout.drain(..from);
                        }
                    }
                    Stream::Stderr => {
                        if self.stderr_tail.len() == STDERR_TAIL {
                            self.stderr_tail.remove(0);
                        }
                        self.stderr_tail.push(crate::course::advice::shorten(line));
                    }
                }
                Progress::Wait
            }
            WorkerEvent::Finished { id, exit_code } if *id == current => {
                match (self.expect(), *exit_code) {
                    (Expect::Success, 0) => self.step_ok(),
                    (Expect::Success, code) => {
                        self.step_failed(format!("the command ended with exit status {code}"))
                    }
                    (Expect::Refused, _) => self.step_failed(
                        "this login should have been refused, but the server let it in".into(),
                    ),
                }
            }
            WorkerEvent::LoginRefused {
                id,
                message,
                offered,
            } if *id == current => match self.expect() {
                // "Refused" must mean the door is shut, not that our try failed: while the server
                // still offers password logins, a refusal proves nothing (we may not even have
                // had the real password to try).
                Expect::Refused
                    if offered
                        .iter()
                        .any(|m| m == "password" || m == "keyboard-interactive") =>
                {
                    self.step_failed(format!(
                        "not tested: the server still offers password logins ({}), so a refusal \
                         proves nothing",
                        offered.join(", ")
                    ))
                }
                Expect::Refused => self.step_ok(),
                Expect::Success => self.step_failed(format!("the new login failed: {message}")),
            },
            WorkerEvent::Uploaded { id } | WorkerEvent::Downloaded { id, .. } if *id == current => {
                self.step_ok()
            }
            WorkerEvent::JobFailed { id, message } if *id == current => {
                self.step_failed(message.clone())
            }
            WorkerEvent::TimedOut { id } if *id == current => {
                self.step_failed("the step took too long and was stopped".into())
            }
            WorkerEvent::Cancelled { id } if *id == current => {
                let step = self.step_title();
                // A stop in the middle of a risky apply (stage 4 between moving the new sshd
                // settings in and checking them) must not leave a half-made change: undo first.
                if self.phase == Phase::Apply && !self.plans.apply.rollback.is_empty() {
                    self.failure = Some(Outcome::Cancelled { step });
                    self.phase = Phase::Rollback;
                    self.index = 0;
                    return self.request();
                }
                self.current = None;
                Progress::Finished(Outcome::Cancelled { step })
            }
            WorkerEvent::Interrupted { id } if *id == current => {
                let step = self.step_title();
                self.current = None;
                Progress::Finished(Outcome::Interrupted { step })
            }
            _ => Progress::Wait,
        }
    }

    /// Whether the command in flight is a joint (its marks are not the steps' output).
    pub fn in_joint(&self) -> bool {
        self.group.is_some()
    }

    /// A joint's line that its next step begins: `index` moves on to it, and what the step
    /// before printed is no longer the current step's. Only forward, within the joint.
    fn joint_mark(&mut self, line: &str) -> bool {
        let Some((places, at)) = &mut self.group else {
            return false;
        };
        match crate::course::joint::mark(line) {
            Some(n) if n < places.len() && n >= *at => {
                if n > *at {
                    *at = n;
                    (self.phase, self.index) = places[n];
                    self.stdout.clear();
                    self.stderr_tail.clear();
                }
                true
            }
            _ => false,
        }
    }

    /// The steps from the current one to the phase's end, and where each is; an apply's are
    /// followed by the verify's, which a joint may take in (`course::joint::sequence`).
    fn ahead(&self) -> (Vec<Step>, Vec<(Phase, usize)>) {
        let mut steps: Vec<Step> = self.steps()[self.index..].to_vec();
        let mut places: Vec<(Phase, usize)> = (self.index..self.steps().len())
            .map(|i| (self.phase, i))
            .collect();
        if self.phase == Phase::Apply {
            steps.extend(self.plans.verify.steps.iter().cloned());
            places.extend((0..self.plans.verify.steps.len()).map(|i| (Phase::Verify, i)));
        }
        (steps, places)
    }

    /// What the current (or last) step printed on stdout: a finished check's whole output.
    pub fn output(&self) -> &str {
        &self.stdout
    }

    fn step_title(&self) -> String {
        self.steps()
            .get(self.index)
            .map(|s| s.headline().to_owned())
            .unwrap_or_default()
    }

    /// Reports a local action's result.
    pub fn local_done(&mut self, id: JobId, result: Result<(), DriverError>) -> Progress {
        if self.current != Some(id) {
            return Progress::Wait;
        }
        match result {
            Ok(()) => self.step_ok(),
            Err(error) => self.step_failed(error.to_string()),
        }
    }
}

mod describe;
#[cfg(test)]
mod tests;
