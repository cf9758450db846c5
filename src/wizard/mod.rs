//! The wizard's state and its pure `update`: an `Event` in, the state changed, `Effect`s out.
//! No I/O happens here, so every screen can be driven by a test without terminal or network.

mod ahead;
pub mod backup;
pub mod board;
pub mod class;
pub mod editor;
pub use ahead::Elsewhere;
pub mod cloud;
pub mod doctor;
pub mod drive;
pub mod firewall_list;
mod flow;
pub mod form;
pub mod keymap;
mod keys;
mod login;
pub mod logs;
pub mod practice;
pub mod resume;
pub mod squad;
mod stage_end;
mod submit;

use crossterm::event::{KeyEvent, KeyEventKind};
use ratatui::layout::Rect;

use crate::course::answers::Answers;
use crate::course::{StageId, StageStatus};
use crate::layout::Areas;
use crate::logbuf::{LineKind, LogBuffer};
use crate::login::{Login, LoginPolicy};
use crate::remote::{HostKeyInfo, HostKeyPolicy, Job, JobId, WorkerEvent};
use crate::runner::{Request, StageRun};
use crate::secret::{Redactor, Secrets};
use crate::theme::Theme;

pub use crate::login::Link;
pub use form::{Field, FieldKind, Form};

/// Everything that can happen, from any source, in the one channel the loop reads.
#[derive(Clone, Debug)]
pub enum Event {
    Key(KeyEvent),
    Paste(String),
    Resize(u16, u16),
    /// Sent by the loop while something runs (spinner); never while idle.
    Tick,
    Worker(WorkerEvent),
    /// A step on this computer finished, or a request could not be sent (`Effect::Perform`).
    LocalDone {
        id: JobId,
        result: Result<String, crate::driver::DriverError>,
    },
    /// Progress of `Effect::PracticeUp`.
    Practice(PracticeEvent),
    /// What a cloud job (`Effect::Cloud`) reported.
    Cloud(crate::cloud::worker::CloudEvent),
    /// A line of a headless command the wizard runs (`Effect::Headless`), or its end.
    Headless(HeadlessEvent),
    /// What `Effect::ReadSquad` read: the squad's login, or refusals at the form's fields.
    Squad(Result<Box<crate::squad::SquadLogin>, Vec<crate::squad::SquadRefusal>>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HeadlessEvent {
    /// A line it printed (stdout or stderr).
    Line(String),
    /// It ended: its exit status (None: it could not start, or a signal ended it).
    Ended(Option<i32>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PracticeEvent {
    Progress(String),
    /// Up and waiting for its first login; the password is handed to the form, never logged.
    Ready {
        name: String,
        address: String,
        password: crate::secret::Secret,
    },
    Failed(String),
}

/// What `update` asks the loop to do.
#[derive(Clone, Debug)]
pub enum Effect {
    Worker(Box<Job>),
    /// Carry out a runner request: fill in secrets and send it to the worker, or do it locally.
    Perform(Box<Request>),
    /// Create a practice droplet on this computer (in a thread; progress comes back as events).
    PracticeUp(crate::practice::PracticeOs),
    /// Run a DigitalOcean API job on a thread of its own; its events come back as `Event::Cloud`.
    Cloud(Box<crate::cloud::worker::CloudJob>),
    /// Write this text (the runbook) to a file the student keeps as notes.
    SaveRunbook(String),
    /// Run one of droplift's own headless commands (`class apply …`) as a child of this
    /// process, `stdin` (its `--secrets-stdin` lines) on its standard input; its lines and its
    /// end come back as `Event::Headless`.
    Headless {
        args: Vec<String>,
        stdin: crate::secret::Secret,
    },
    /// Read the squad's file, key and app folder (`crate::squad::load`); the result comes back
    /// as `Event::Squad`.
    ReadSquad(crate::squad::SquadInput),
    Quit,
}

/// What one part of the wizard tells the others; `update` hands each on once the event that
/// caused it is done (gitui's internal events), so the parts never call each other in a circle.
#[derive(Debug)]
pub(crate) enum Msg {
    /// A run ended: a stage on screen or behind the student, or the check of every stage.
    RunEnded {
        run: Box<StageRun>,
        outcome: crate::runner::Outcome,
    },
    /// A worker event the wizard makes itself (a paused command stopped before it ran).
    Worker(WorkerEvent),
}

/// A popup over the frame; it takes the keys while open.
#[derive(Clone, Debug)]
pub enum Overlay {
    Help,
    ConfirmQuit,
    /// Stop the running step?
    ConfirmCancel,
    /// The server's key is new (`changed == false`) or differs from known_hosts.
    HostKey {
        info: HostKeyInfo,
        changed: bool,
        /// For a changed key: the host name typed to confirm the replacement.
        confirm: Form,
    },
    /// A new droplet demands a new root password before anything else.
    PasswordChange(Form),
    /// Root was refused (a server hardened earlier): log in as the student's own user instead.
    UserLogin(Form),
    /// Resuming a server whose saved progress has stage 4 done: root may no longer log in, so
    /// the student's own user and key come first (Esc: root after all).
    ResumeAsUser(Form),
    /// Something failed: what happened, the server's own words, what to do next.
    Error(ErrorCard),
    /// F2: which system the practice droplet runs (`selected` indexes `PracticeOs::ALL`).
    PracticeOs {
        selected: usize,
    },
    /// Known servers from saved progress, and "a new droplet"; `selected` is the highlighted row.
    Resume {
        selected: usize,
    },
    /// The first screen's choice: "I have a droplet" (0), "Create one for me" (1), or "My
    /// class gave me an account on a shared droplet" (2).
    FirstChoice {
        selected: usize,
    },
    /// Esc in the site editor with edits: drop them?
    ConfirmDiscard,
    /// `d` at the end of the app or uWSGI stage: the doctor's cards.
    Doctor(doctor::DoctorView),
    /// `s` at the end of the app, uWSGI or domain stage: the nightly backup, explained, with
    /// its commands; Enter sets it up and takes one.
    Backup(backup::BackupOffer),
    /// `l` at the end of the app, uWSGI or domain stage: the app's logs.
    Logs(logs::LogsView),
    /// `c` at the end of stages 8–10: the class's roster and board (`app.class`).
    Class,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErrorCard {
    pub title: String,
    pub what: String,
    pub server: Vec<String>,
    pub next: String,
}

/// A run started from a stage's finished screen that is not the stage's own: its status is
/// never touched, and its end is handed back to the module that started it (`stage_end`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SideRun {
    /// `d`: the doctor's read-only command (`doctor::start`).
    Doctor,
    /// `l`: the logs' read (`logs::start`).
    Logs,
    /// `s`: the backup step's runs (`backup::confirm`), which of its two.
    Backup(backup::Phase),
}

impl SideRun {
    /// Its lines are read into a popup, not shown in the log one by one.
    pub fn quiet(self) -> bool {
        matches!(self, Self::Doctor | Self::Logs)
    }
}

/// Where the current stage's screen is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum View {
    /// Explanation and questions.
    Form,
    /// What the check found and the exact commands, before anything changes; Enter runs them.
    Preview { scroll: u16 },
    /// Steps running; output streams into the log.
    Running,
    /// The stage ended (done or failed); Enter goes on.
    Finished,
    /// The nginx site file in the editor pane (`app.editor`); Ctrl-S tests and applies it.
    Editor,
}

#[derive(Clone, Debug)]
pub struct StageEntry {
    pub id: StageId,
    pub status: StageStatus,
    /// The last word on the stage: the probe's reason, or why it failed.
    pub note: String,
}

pub struct App {
    pub stages: Vec<StageEntry>,
    /// The stage whose screen is shown.
    pub current: StageId,
    pub view: View,
    pub form: Form,
    pub answers: Answers,
    pub secrets: Secrets,
    /// What the status bar shows; follows `login` after every worker event.
    pub link: Link,
    /// Logging in and staying logged in (shared with the headless commands).
    pub login: Login,
    pub run: Option<StageRun>,
    /// A stage whose answers are in while another stage runs: checked as soon as that one is
    /// done (`ahead.rs`).
    pub queued: Option<StageId>,
    /// Secrets typed into a later stage's form while another stage runs: they join `secrets`
    /// when that run ends, so a running stage keeps the passwords it started with.
    pub later_secrets: Secrets,
    /// Ids for worker jobs, unique across the session.
    pub next_id: JobId,
    pub log: LogBuffer,
    /// Rows scrolled up from the newest log line; 0 follows new output.
    pub log_scroll: usize,
    pub overlay: Option<Overlay>,
    pub theme: Theme,
    pub redactor: Redactor,
    pub size: Rect,
    /// Ticks seen while busy, for the spinner.
    pub spinner: usize,
    pub should_quit: bool,
    /// Set when the state changed and the frame must be redrawn.
    pub dirty: bool,
    /// A practice droplet is being created.
    pub practice_busy: bool,
    /// The update stage found /var/run/reboot-required: a restart is offered.
    pub reboot_needed: bool,
    /// The preview's own state: what the check printed, and which commands it shows.
    pub preview: flow::Preview,
    /// The student's home, where `~` in key paths points (set by the loop at start).
    pub home: std::path::PathBuf,
    /// Saved progress (read by the loop at start; written through `Effect::SaveProgress`).
    pub saved: crate::state::Progress,
    /// Seconds since 1970 when the wizard started (for "last touched 2 h ago").
    pub now: u64,
    /// The running check is the one of every stage at once (`resume::check_all`).
    pub checking_all: bool,
    /// The run out is not a stage's own but one started from a finished screen (the doctor,
    /// the logs, the backup step): its end goes back to what started it.
    pub side_run: Option<SideRun>,
    /// The doctor's question to DigitalOcean about cloud firewalls, when a token is known.
    pub doctor_cloud: doctor::CloudLook,
    /// The health board on the finished screen of stages 8–10, and its read.
    pub board: board::BoardView,
    /// The class's popup (`c`): its roster, check, board and read.
    pub class: class::ClassView,
    /// Progress to write (answers and badges per server; never a secret); the loop takes it.
    pub unsaved: Option<crate::state::Progress>,
    /// Instructor mode (`--present`) and the command it holds for the class to read.
    pub instructor: flow::Instructor,
    /// The firewall screen's list of rules.
    pub firewall: firewall_list::FirewallList,
    /// The site file being edited (the nginx stage's editor pane).
    pub editor: Option<editor::SiteEditor>,
    /// "Create one for me": the create screens, while they are open.
    pub cloud: Option<cloud::CloudFlow>,
    /// The API's address, DIGITALOCEAN_ACCESS_TOKEN, the time zone (set by the loop).
    pub cloud_env: cloud::CloudEnv,
    /// "My class gave me an account on a shared droplet": the squad's path, once chosen.
    pub squad: Option<squad::SquadView>,
    /// Messages between the wizard's parts, handed on at the end of `update`.
    msgs: std::collections::VecDeque<Msg>,
}

impl App {
    pub fn new(theme: Theme, log_capacity: usize) -> Self {
        let stages = StageId::ALL
            .iter()
            .map(|&id| StageEntry {
                id,
                status: StageStatus::Pending,
                note: String::new(),
            })
            .collect();
        let mut app = Self {
            stages,
            current: StageId::Connect,
            view: View::Form,
            form: Form::default(),
            answers: Answers::new("", ""),
            secrets: Secrets::new(),
            link: Link::Offline,
            login: Login::new(LoginPolicy {
                host_keys: HostKeyPolicy::Ask,
                change_password: true,
                deploy_key: None,
            }),
            run: None,
            queued: None,
            later_secrets: Secrets::new(),
            next_id: 1,
            log: LogBuffer::new(log_capacity),
            log_scroll: 0,
            overlay: None,
            theme,
            redactor: Redactor::new(),
            size: Rect::new(0, 0, 80, 24),
            spinner: 0,
            should_quit: false,
            dirty: true,
            practice_busy: false,
            reboot_needed: false,
            preview: flow::Preview::default(),
            home: std::path::PathBuf::from("."),
            saved: crate::state::Progress::default(),
            now: 0,
            checking_all: false,
            side_run: None,
            doctor_cloud: doctor::CloudLook::default(),
            board: board::BoardView::default(),
            class: class::ClassView::default(),
            unsaved: None,
            instructor: flow::Instructor::default(),
            firewall: firewall_list::FirewallList::default(),
            editor: None,
            cloud: None,
            cloud_env: cloud::CloudEnv::default(),
            squad: None,
            msgs: std::collections::VecDeque::new(),
        };
        app.enter_stage(StageId::Connect);
        app.info("Welcome to droplift. Fill in your droplet's details to begin.");
        app
    }

    /// Queues a message for another part of the wizard (handled at the end of `update`).
    pub(crate) fn tell(&mut self, msg: Msg) {
        self.msgs.push_back(msg);
    }

    pub fn status(&self, id: StageId) -> StageStatus {
        self.entry(id).map(|s| s.status).unwrap_or_default()
    }

    pub fn entry(&self, id: StageId) -> Option<&StageEntry> {
        self.stages.iter().find(|s| s.id == id)
    }

    pub fn set_status(&mut self, id: StageId, status: StageStatus) {
        if let Some(entry) = self.stages.iter_mut().find(|s| s.id == id) {
            entry.status = status;
        }
    }

    pub fn set_note(&mut self, id: StageId, note: impl Into<String>) {
        if let Some(entry) = self.stages.iter_mut().find(|s| s.id == id) {
            entry.note = note.into();
        }
    }

    /// True while something runs on the server or here (quitting then asks first).
    /// The loop sends ticks: while busy (the spinner), and while the class's board is open (it
    /// is read again every `class::EVERY` seconds, for a projector).
    pub fn wants_ticks(&self) -> bool {
        self.is_busy() || class::open_board(self)
    }

    pub fn is_busy(&self) -> bool {
        self.practice_busy
            || cloud::busy(self)
            || matches!(self.link, Link::Connecting | Link::Reconnecting)
            || self.stages.iter().any(|s| s.status == StageStatus::Running)
            || self.class.running()
    }

    /// A line in the log panel; every line passes the redactor first.
    pub fn log_line(&mut self, kind: LineKind, text: &str) {
        let text = self.redactor.redact(text);
        self.log.push(kind, text);
        // Keep the view where the student scrolled it, unless it follows the newest line.
        if self.log_scroll > 0 {
            self.log_scroll += 1;
        }
    }

    pub fn info(&mut self, text: &str) {
        self.log_line(LineKind::Info, text);
    }

    fn log_rows(&self) -> usize {
        Areas::new(self.size).log_rows()
    }

    /// Shows a stage's screen, its questions pre-filled from the answers given so far.
    pub fn enter_stage(&mut self, id: StageId) {
        self.current = id;
        self.view = if self.status(id) == StageStatus::Running {
            View::Running
        } else {
            squad::view_for(self, id).unwrap_or(View::Form)
        };
        self.form = match &self.squad {
            Some(view) => squad::form_for(view, id),
            None => form_for(id, &self.answers),
        };
    }

    /// True when keys should go to a text field rather than be read as commands.
    fn typing(&self) -> bool {
        match &self.overlay {
            Some(Overlay::PasswordChange(_) | Overlay::UserLogin(_) | Overlay::ResumeAsUser(_)) => {
                true
            }
            Some(Overlay::HostKey { changed: true, .. }) => true,
            Some(_) => false,
            None if self.view == View::Editor => true,
            None => self.view == View::Form && !self.form.is_empty(),
        }
    }

    fn scroll_log(&mut self, delta: isize) {
        let max = self.log.max_scroll(self.log_rows());
        self.log_scroll = self.log_scroll.saturating_add_signed(delta).min(max);
    }
}

/// The form a stage shows, built from the questions the course defines for it; answers given
/// earlier are filled in (never secrets).
pub fn form_for(id: StageId, answers: &Answers) -> Form {
    Form::new(
        crate::course::inputs(id)
            .iter()
            .map(|spec| {
                let kind = if spec.secret {
                    FieldKind::Secret
                } else {
                    FieldKind::Text
                };
                // A field its stage cannot fill is a bug a test catches (form_fills_every_field).
                let known = (id.stage().fill)(answers, spec.key).unwrap_or_default();
                let value = if known.is_empty() {
                    spec.default.to_owned()
                } else {
                    known
                };
                Field::new(spec.key, spec.label, kind)
                    .with_hint(spec.hint)
                    .with_value(&value)
                    .with_note((id.stage().note)(answers, spec.key))
            })
            .collect(),
    )
}

/// The heart of the program: state in, effects out. Pure: no terminal, no network, no files.
pub fn update(app: &mut App, event: Event) -> Vec<Effect> {
    let mut effects = handle(app, event);
    while let Some(msg) = app.msgs.pop_front() {
        effects.extend(match msg {
            Msg::RunEnded { run, outcome } => stage_end::on_end(app, *run, outcome),
            Msg::Worker(event) => login::on_worker(app, event),
        });
    }
    effects
}

/// One event, by where it came from.
fn handle(app: &mut App, event: Event) -> Vec<Effect> {
    match event {
        Event::Key(key) if key.kind == KeyEventKind::Release => Vec::new(),
        Event::Key(key) => {
            app.dirty = true;
            // The first binding of the key table that takes it.
            keymap::dispatch(app, key)
        }
        Event::Paste(text) => {
            if app.view == View::Editor && app.overlay.is_none() {
                editor::paste(app, &text);
                app.dirty = true;
            } else if app.overlay.is_none() && app.cloud.is_some() {
                if let Some(form) = cloud::form_mut(app) {
                    form.paste(&text);
                    app.dirty = true;
                }
            } else if app.typing() {
                keys::focused_form(app).paste(&text);
                app.dirty = true;
            }
            Vec::new()
        }
        Event::Resize(width, height) => {
            app.size = Rect::new(0, 0, width, height);
            app.log_scroll = app.log_scroll.min(app.log.max_scroll(app.log_rows()));
            app.dirty = true;
            Vec::new()
        }
        Event::Tick => {
            if app.is_busy() {
                app.spinner = app.spinner.wrapping_add(1);
                app.dirty = true;
            }
            class::on_tick(app, crate::state::now())
        }
        Event::Worker(event) => {
            app.dirty = true;
            // The board's read is a job of its own, beside whatever runs.
            if let Some(effects) = board::on_worker(app, &event) {
                return effects;
            }
            if let Some(effects) = class::on_worker(app, &event) {
                return effects;
            }
            login::on_worker(app, event)
        }
        Event::Headless(event) => {
            app.dirty = true;
            class::on_headless(app, event)
        }
        Event::LocalDone { id, result } => {
            app.dirty = true;
            flow::on_local_done(app, id, result)
        }
        Event::Practice(event) => {
            app.dirty = true;
            practice::on_practice(app, event)
        }
        Event::Cloud(crate::cloud::worker::CloudEvent::Firewalls(view)) => {
            app.dirty = true;
            doctor::on_cloud(app, view)
        }
        Event::Cloud(event) => {
            app.dirty = true;
            cloud::on_cloud(app, event)
        }
        Event::Squad(result) => {
            app.dirty = true;
            squad::on_read(app, result)
        }
    }
}

#[cfg(test)]
mod ahead_tests;
#[cfg(test)]
mod keymap_tests;
#[cfg(test)]
mod squad_tests;
#[cfg(test)]
mod stage_tests;
#[cfg(test)]
mod tests;
