//! The one event loop: an input thread and the SSH worker feed one channel; the loop calls
//! `app::update`, performs the effects and redraws only when something changed. While nothing
//! runs it blocks on the channel (no CPU); while a step runs it wakes every 250 ms for the spinner.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::Duration;

use crossterm::event::{self as ct, DisableBracketedPaste, EnableBracketedPaste};
use crossterm::execute;
use ratatui::DefaultTerminal;

use crate::app::{self, App, Effect, Event};
use crate::logbuf::LogLine;
use crate::ui::theme::{Theme, ThemeName};

const TICK: Duration = Duration::from_millis(250);

pub struct WizardOptions {
    pub theme: ThemeName,
    pub log_lines: usize,
}

/// Runs the wizard until the student quits. The terminal is restored on every way out: normal
/// quit, error (the `?`s below) and panic (ratatui's init installs a restoring panic hook).
pub fn run_wizard(options: WizardOptions) -> color_eyre::Result<i32> {
    let mut app = App::new(Theme::from_env(options.theme), options.log_lines);
    let mut log_file = LogFile::open();
    if let Some(path) = log_file.path.clone() {
        app.info(&format!("The full log is written to {}", path.display()));
    }
    let (tx, rx) = mpsc::channel();
    spawn_input(tx.clone());
    let mut terminal = ratatui::init();
    let _ = execute!(std::io::stdout(), EnableBracketedPaste);
    let result = event_loop(&mut terminal, &mut app, &rx, &mut log_file);
    let _ = execute!(std::io::stdout(), DisableBracketedPaste);
    ratatui::restore();
    result.map(|()| 0)
}

fn event_loop(
    terminal: &mut DefaultTerminal,
    app: &mut App,
    rx: &Receiver<Event>,
    log_file: &mut LogFile,
) -> color_eyre::Result<()> {
    let size = terminal.size()?;
    app::update(app, Event::Resize(size.width, size.height));
    loop {
        log_file.write(&app.log.take_unwritten());
        if app.dirty {
            terminal.draw(|frame| crate::ui::draw(app, frame))?;
            app.dirty = false;
        }
        if app.should_quit {
            return Ok(());
        }
        let event = if app.is_busy() {
            match rx.recv_timeout(TICK) {
                Ok(event) => event,
                Err(RecvTimeoutError::Timeout) => Event::Tick,
                Err(RecvTimeoutError::Disconnected) => return Ok(()),
            }
        } else {
            match rx.recv() {
                Ok(event) => event,
                Err(_) => return Ok(()),
            }
        };
        for effect in app::update(app, event) {
            match effect {
                Effect::Quit => app.should_quit = true,
                Effect::Worker(_job) => {}
            }
        }
    }
}

/// Reads the terminal in its own thread; blocking reads, so it costs nothing while idle.
fn spawn_input(tx: Sender<Event>) {
    std::thread::spawn(move || {
        loop {
            let event = match ct::read() {
                Ok(ct::Event::Key(key)) => Event::Key(key),
                Ok(ct::Event::Paste(text)) => Event::Paste(text),
                Ok(ct::Event::Resize(w, h)) => Event::Resize(w, h),
                Ok(_) => continue,
                Err(_) => return,
            };
            if tx.send(event).is_err() {
                return;
            }
        }
    });
}

/// The complete log on disk (the panel keeps only the newest lines). Lines arrive already
/// redacted. If the file cannot be opened the wizard still works; the panel says where it is.
struct LogFile {
    path: Option<PathBuf>,
    file: Option<File>,
}

impl LogFile {
    fn open() -> Self {
        let Some(dirs) = crate::state::data_dir() else {
            return Self {
                path: None,
                file: None,
            };
        };
        let dir = dirs.join("logs");
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        let path = dir.join(format!("droplift-{stamp}.log"));
        let file = std::fs::create_dir_all(&dir).ok().and_then(|()| {
            OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .ok()
        });
        Self {
            path: file.as_ref().map(|_| path),
            file,
        }
    }

    fn write(&mut self, lines: &[LogLine]) {
        let Some(file) = self.file.as_mut() else {
            return;
        };
        for line in lines {
            let _ = writeln!(file, "[{}] {}", line.kind.tag(), line.text);
        }
    }
}
