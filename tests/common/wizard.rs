//! The wizard driven without a terminal, for end-to-end tests: keys go into `update`, its
//! effects are performed by the same `event::perform` the real loop uses (the real SSH worker,
//! the real driver), and worker events come back through the channel.
#![allow(dead_code)] // each test binary uses a different part of the harness

use std::sync::mpsc::{self, Receiver, Sender};
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyModifiers};
use droplift::course::{StageId, StageStatus};
use droplift::remote::sshconfig::SshPaths;
use droplift::remote::worker::{self, WorkerConfig, WorkerHandle};
use droplift::theme::{Theme, ThemeName};
use droplift::wizard::{App, Effect, Event, Overlay, View, drive, update};

pub struct Wizard {
    pub app: App,
    tx: Sender<Event>,
    rx: Receiver<Event>,
    worker: WorkerHandle,
    home: std::path::PathBuf,
}

impl Wizard {
    pub fn new(home: &std::path::Path) -> Self {
        let mut app = App::new(Theme::new(ThemeName::Default, true), 10_000);
        app.home = home.to_path_buf();
        let (tx, rx) = mpsc::channel();
        let sink = tx.clone();
        let worker = worker::spawn_with(
            move |event| {
                let _ = sink.send(Event::Worker(event));
            },
            app.redactor.clone(),
            WorkerConfig {
                paths: SshPaths::in_home(home),
                ..WorkerConfig::default()
            },
        );
        Self {
            app,
            tx,
            rx,
            worker,
            home: home.to_path_buf(),
        }
    }

    pub fn handle(&mut self, event: Event) {
        let effects = update(&mut self.app, event);
        self.perform(effects);
    }

    fn perform(&mut self, effects: Vec<Effect>) {
        perform_all(effects, &mut self.app, &self.worker, &self.tx, &self.home);
    }

    pub fn press(&mut self, code: KeyCode) {
        let effects = drive::press(&mut self.app, code);
        self.perform(effects);
    }

    /// A key with modifiers: Ctrl-S, Alt-↓.
    pub fn chord(&mut self, modifiers: KeyModifiers, code: KeyCode) {
        let effects = drive::chord(&mut self.app, modifiers, code);
        self.perform(effects);
    }

    /// Types `text` a key at a time, performing each key's effects before the next key, as the
    /// loop does.
    pub fn type_text(&mut self, text: &str) {
        let (worker, tx, home) = (&self.worker, &self.tx, &self.home);
        drive::type_text_with(&mut self.app, text, |app, effects| {
            perform_all(effects, app, worker, tx, home);
        });
    }

    /// Types into the form's fields from the focused one on, Tab between them; "" leaves a
    /// field as it is (a default, or a value filled in earlier).
    pub fn fill(&mut self, values: &[&str]) {
        for (i, value) in values.iter().enumerate() {
            if i > 0 {
                self.press(KeyCode::Tab);
            }
            self.type_text(value);
        }
    }

    /// Processes events until `done` holds (or fails after `limit`, showing the log).
    pub fn until(&mut self, what: &str, limit: Duration, done: impl Fn(&App) -> bool) {
        let start = Instant::now();
        while !done(&self.app) {
            let left = limit.saturating_sub(start.elapsed());
            match self.rx.recv_timeout(left.max(Duration::from_millis(1))) {
                Ok(event) => self.handle(event),
                Err(_) => panic!(
                    "timed out waiting for {what}; on stage {} ({:?}, run: {:?}), log:\n{}",
                    self.app.current,
                    self.app.view,
                    self.app.run.as_ref().map(|r| (r.stage, r.phase())),
                    self.log_text(400)
                ),
            }
            if let Some(Overlay::Error(card)) = &self.app.overlay {
                panic!("{what}: error card {card:?}\nlog:\n{}", self.log_tail());
            }
        }
    }

    pub fn log_tail(&self) -> String {
        self.log_text(60)
    }

    pub fn log_text(&self, rows: usize) -> String {
        self.app
            .log
            .window(rows, 0)
            .iter()
            .map(|row| match row {
                droplift::logbuf::Row::Line(l) => l.text.clone(),
                droplift::logbuf::Row::Dropped(n) => format!("<{n} dropped>"),
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Form answered: the check finds the stage done already; nothing is applied.
    pub fn already_done(&mut self, stage: StageId, limit: Duration) {
        assert_eq!(self.app.current, stage);
        self.press(KeyCode::Enter);
        self.until(&format!("{stage} checked"), limit, |app| {
            app.view != View::Running && app.status(stage) != StageStatus::Running
        });
        assert_eq!(
            self.app.view,
            View::Finished,
            "{stage}: {}",
            self.log_tail()
        );
        assert_eq!(self.app.status(stage), StageStatus::Done);
        self.press(KeyCode::Enter);
    }

    /// Form answered: check, preview, Enter, until the stage is done.
    pub fn run_stage(&mut self, stage: StageId, limit: Duration) {
        assert_eq!(self.app.current, stage);
        self.press(KeyCode::Enter);
        self.until(&format!("{stage} preview"), limit, |app| {
            matches!(app.view, View::Preview { .. })
        });
        self.apply_previewed(stage, limit);
    }

    /// On the stage's preview: Enter, until the stage is done, then on to the next.
    pub fn apply_previewed(&mut self, stage: StageId, limit: Duration) {
        assert_eq!(self.app.current, stage);
        assert!(matches!(self.app.view, View::Preview { .. }));
        self.press(KeyCode::Enter);
        self.until(&format!("{stage} done"), limit, |app| {
            app.view == View::Finished && app.status(stage) != StageStatus::Running
        });
        assert_eq!(
            self.app.status(stage),
            StageStatus::Done,
            "{}",
            self.log_tail()
        );
        self.press(KeyCode::Enter);
    }
}

/// What the real loop does with `update`'s effects, in order.
fn perform_all(
    effects: Vec<Effect>,
    app: &mut App,
    worker: &WorkerHandle,
    tx: &Sender<Event>,
    home: &std::path::Path,
) {
    for effect in effects {
        droplift::event::perform(effect, app, worker, tx, home);
    }
}
