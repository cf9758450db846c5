//! The wizard's state and its pure `update`: an `Event` in, the state changed, `Effect`s out.
//! No I/O happens here, so every screen can be driven by a test without terminal or network.

pub mod form;

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use ratatui::layout::Rect;

use crate::course::{StageId, StageStatus};
use crate::layout::Areas;
use crate::logbuf::{LineKind, LogBuffer};
use crate::remote::{Job, WorkerEvent};
use crate::secret::Redactor;
use crate::ui::theme::Theme;

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
}

/// What `update` asks the loop to do.
#[derive(Clone, Debug)]
pub enum Effect {
    Worker(Box<Job>),
    Quit,
}

/// A popup over the frame; it takes the keys while open.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Overlay {
    Help,
    ConfirmQuit,
}

#[derive(Clone, Debug)]
pub struct StageEntry {
    pub id: StageId,
    pub status: StageStatus,
}

pub struct App {
    pub stages: Vec<StageEntry>,
    /// The stage whose screen is shown.
    pub current: StageId,
    pub form: Form,
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
}

impl App {
    pub fn new(theme: Theme, log_capacity: usize) -> Self {
        let stages = StageId::ALL
            .iter()
            .map(|&id| StageEntry {
                id,
                status: StageStatus::Pending,
            })
            .collect();
        let mut app = Self {
            stages,
            current: StageId::Connect,
            form: Form::default(),
            log: LogBuffer::new(log_capacity),
            log_scroll: 0,
            overlay: None,
            theme,
            redactor: Redactor::new(),
            size: Rect::new(0, 0, 80, 24),
            spinner: 0,
            should_quit: false,
            dirty: true,
        };
        app.enter_stage(StageId::Connect);
        app.info("Welcome to droplift. Fill in your droplet's details to begin.");
        app
    }

    pub fn status(&self, id: StageId) -> StageStatus {
        self.stages
            .iter()
            .find(|s| s.id == id)
            .map(|s| s.status)
            .unwrap_or_default()
    }

    pub fn set_status(&mut self, id: StageId, status: StageStatus) {
        if let Some(entry) = self.stages.iter_mut().find(|s| s.id == id) {
            entry.status = status;
        }
    }

    /// True while a step runs on the server (quitting then asks first).
    pub fn is_busy(&self) -> bool {
        self.stages.iter().any(|s| s.status == StageStatus::Running)
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

    fn enter_stage(&mut self, id: StageId) {
        self.current = id;
        self.form = form_for(id);
    }

    /// True when keys should go to a text field rather than be read as commands.
    fn typing(&self) -> bool {
        self.overlay.is_none() && !self.form.is_empty()
    }

    fn scroll_log(&mut self, delta: isize) {
        let max = self.log.max_scroll(self.log_rows());
        self.log_scroll = self.log_scroll.saturating_add_signed(delta).min(max);
    }
}

/// The form a stage shows, built from the questions the course defines for it.
pub fn form_for(id: StageId) -> Form {
    Form::new(
        crate::course::inputs(id)
            .iter()
            .map(|spec| {
                let kind = if spec.secret {
                    FieldKind::Secret
                } else {
                    FieldKind::Text
                };
                Field::new(spec.key, spec.label, kind)
                    .with_hint(spec.hint)
                    .with_value(spec.default)
            })
            .collect(),
    )
}

/// The heart of the program: state in, effects out. Pure: no terminal, no network, no files.
pub fn update(app: &mut App, event: Event) -> Vec<Effect> {
    match event {
        Event::Key(key) if key.kind == KeyEventKind::Release => Vec::new(),
        Event::Key(key) => {
            app.dirty = true;
            handle_key(app, key)
        }
        Event::Paste(text) => {
            if app.typing() {
                app.form.paste(&text);
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
            Vec::new()
        }
        Event::Worker(event) => {
            app.dirty = true;
            handle_worker(app, event)
        }
    }
}

fn handle_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    if ctrl && matches!(key.code, KeyCode::Char('c')) {
        return request_quit(app);
    }
    if let Some(overlay) = app.overlay.clone() {
        return handle_overlay_key(app, overlay, key);
    }
    match key.code {
        KeyCode::F(1) => {
            app.overlay = Some(Overlay::Help);
            return Vec::new();
        }
        KeyCode::PageUp => {
            let page = app.log_rows().max(1) as isize;
            app.scroll_log(page);
            return Vec::new();
        }
        KeyCode::PageDown => {
            let page = app.log_rows().max(1) as isize;
            app.scroll_log(-page);
            return Vec::new();
        }
        KeyCode::Home => {
            app.log_scroll = app.log.max_scroll(app.log_rows());
            return Vec::new();
        }
        KeyCode::End => {
            app.log_scroll = 0;
            return Vec::new();
        }
        KeyCode::Up | KeyCode::Down if key.modifiers.contains(KeyModifiers::ALT) => {
            // Peek at another stage's explanation (instructors walking a class through).
            let index = app.current.index();
            let next = if key.code == KeyCode::Up {
                index.checked_sub(1)
            } else {
                Some(index + 1)
            };
            if let Some(&id) = next.and_then(|i| StageId::ALL.get(i)) {
                app.enter_stage(id);
            }
            return Vec::new();
        }
        KeyCode::Esc => {
            if let Some(&previous) = app
                .current
                .index()
                .checked_sub(1)
                .and_then(|i| StageId::ALL.get(i))
            {
                app.enter_stage(previous);
            }
            return Vec::new();
        }
        _ => {}
    }
    if app.typing() {
        match key.code {
            KeyCode::Tab | KeyCode::Down => app.form.next(),
            KeyCode::BackTab | KeyCode::Up => app.form.prev(),
            KeyCode::Enter => {
                if app.form.focus + 1 < app.form.fields.len() {
                    app.form.next();
                } else {
                    return submit(app);
                }
            }
            _ => app.form.input(key),
        }
        return Vec::new();
    }
    match key.code {
        KeyCode::Char('?') => app.overlay = Some(Overlay::Help),
        KeyCode::Char('q') => return request_quit(app),
        KeyCode::Enter => return submit(app),
        _ => {}
    }
    Vec::new()
}

fn handle_overlay_key(app: &mut App, overlay: Overlay, key: KeyEvent) -> Vec<Effect> {
    match overlay {
        Overlay::Help => {
            if matches!(
                key.code,
                KeyCode::Esc | KeyCode::Enter | KeyCode::F(1) | KeyCode::Char('?' | 'q')
            ) {
                app.overlay = None;
            }
            Vec::new()
        }
        Overlay::ConfirmQuit => match key.code {
            KeyCode::Char('y' | 'Y') => quit(app),
            KeyCode::Char('n' | 'N') | KeyCode::Esc => {
                app.overlay = None;
                Vec::new()
            }
            _ => Vec::new(),
        },
    }
}

fn request_quit(app: &mut App) -> Vec<Effect> {
    if app.is_busy() && app.overlay != Some(Overlay::ConfirmQuit) {
        app.overlay = Some(Overlay::ConfirmQuit);
        app.dirty = true;
        Vec::new()
    } else {
        quit(app)
    }
}

fn quit(app: &mut App) -> Vec<Effect> {
    app.should_quit = true;
    vec![Effect::Worker(Box::new(Job::Disconnect)), Effect::Quit]
}

/// Enter on the last field (or on a screen without fields): the stage's main action.
fn submit(app: &mut App) -> Vec<Effect> {
    app.form.clear_errors();
    let form = &app.form;
    let errors = crate::course::validate(app.current, &|key| form.value(key));
    for (key, message) in &errors {
        app.form.set_error(key, message.clone());
    }
    if app.form.focus_first_error() {
        return Vec::new();
    }
    Vec::new()
}

fn handle_worker(app: &mut App, event: WorkerEvent) -> Vec<Effect> {
    match event {
        WorkerEvent::Output { stream, line, .. } => {
            let kind = match stream {
                crate::remote::Stream::Stdout => LineKind::Stdout,
                crate::remote::Stream::Stderr => LineKind::Stderr,
            };
            app.log_line(kind, &line);
        }
        other => {
            let text = format!("{other:?}");
            app.info(&text);
        }
    }
    Vec::new()
}

#[cfg(test)]
mod tests;
