//! The one event loop: an input thread and the SSH worker feed one channel; the loop calls
//! `wizard::update`, performs the effects and redraws only when something changed. While nothing
//! runs it blocks on the channel (no CPU); while a step runs it wakes every 250 ms for the spinner.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::Duration;

use crossterm::event::{self as ct, DisableBracketedPaste, EnableBracketedPaste};
use crossterm::execute;
use ratatui::DefaultTerminal;

use crate::logbuf::LogLine;
use crate::remote::worker::{self, WorkerHandle};
use crate::theme::{Theme, ThemeName};
use crate::wizard::{self, App, Effect, Event, PracticeEvent};

const TICK: Duration = Duration::from_millis(250);
/// Where `w` writes the runbook: the folder droplift was started from, easy to find.
const RUNBOOK_FILE: &str = "droplift-runbook.sh";

pub struct WizardOptions {
    pub theme: ThemeName,
    pub log_lines: usize,
    /// `--record FILE`: write every drawn frame there as asciicast v2.
    pub record: Option<std::path::PathBuf>,
    /// `--present`: instructor mode (each command of a change waits for Space).
    pub present: bool,
    /// `--api-url`: DigitalOcean's API elsewhere (else DIGITALOCEAN_API_URL, else the real one).
    pub api_url: Option<String>,
}

/// The time zone's name, the only hint of where the student is that needs no network: TZ,
/// /etc/timezone, or the link /etc/localtime points along.
fn time_zone() -> Option<String> {
    if let Ok(tz) = std::env::var("TZ") {
        let tz = tz.trim_start_matches(':').to_owned();
        if tz.contains('/') {
            return Some(tz);
        }
    }
    if let Ok(text) = std::fs::read_to_string("/etc/timezone") {
        let tz = text.trim().to_owned();
        if tz.contains('/') {
            return Some(tz);
        }
    }
    let link = std::fs::read_link("/etc/localtime").ok()?;
    let text = link.to_string_lossy();
    text.split_once("zoneinfo/").map(|(_, tz)| tz.to_owned())
}

/// What the create screens need from the environment (read here: `update` does no I/O).
pub fn cloud_env(api_url: Option<&str>) -> wizard::cloud::CloudEnv {
    let host = std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_owned())
        .unwrap_or_default();
    wizard::cloud::CloudEnv {
        api: crate::cloud::client::ApiConfig::from_env(api_url),
        token: crate::cloud::client::token_from_env(),
        tz: time_zone(),
        key_name: if host.is_empty() {
            "droplift".to_owned()
        } else {
            format!("droplift@{host}")
        },
        patience: crate::cloud::create::Patience::default(),
    }
}

/// Runs the wizard until the student quits. The terminal is restored on every way out: normal
/// quit, error (the `?`s below) and panic (ratatui's init installs a restoring panic hook).
pub fn run_wizard(options: WizardOptions) -> std::io::Result<i32> {
    let mut app = App::new(Theme::from_env(options.theme), options.log_lines);
    app.instructor.on = options.present;
    app.home = crate::home::home_dir();
    app.answers.key = crate::home::suggested_key(&app.home);
    app.cloud_env = cloud_env(options.api_url.as_deref());
    if let Some(token) = &app.cloud_env.token {
        app.redactor.add(token);
    }
    load_progress(&mut app);
    wizard::cloud::offer_first_choice(&mut app);
    let mut log_file = LogFile::open();
    if let Some(path) = log_file.path.clone() {
        app.info(&format!("The full log is written to {}", path.display()));
    }
    let (tx, rx) = mpsc::channel();
    spawn_input(tx.clone());
    let worker_tx = tx.clone();
    let worker = worker::spawn(
        move |event| {
            let _ = worker_tx.send(Event::Worker(event));
        },
        app.redactor.clone(),
    );
    let mut terminal = ratatui::init();
    let _ = execute!(std::io::stdout(), EnableBracketedPaste);
    let mut recorder = match &options.record {
        Some(path) => {
            let size = terminal.size()?;
            Some(crate::record::Recorder::create(
                path,
                size.width,
                size.height,
            )?)
        }
        None => None,
    };
    let result = event_loop(
        &mut terminal,
        &mut app,
        (&tx, &rx),
        &worker,
        &mut log_file,
        recorder.as_mut(),
    );
    let _ = execute!(std::io::stdout(), DisableBracketedPaste);
    ratatui::restore();
    result.map(|()| 0)
}

/// Writes the progress the wizard asked to keep; a failure is said, never fatal.
fn save_progress(app: &mut App, progress: crate::state::Progress) {
    let saved = crate::state::data_dir()
        .ok_or_else(|| "no data directory".to_owned())
        .and_then(|dir| {
            crate::state::Store {
                path: dir.join(crate::state::FILE_NAME),
                progress,
            }
            .save()
            .map_err(|e| e.to_string())
        });
    if let Err(e) = saved {
        app.log_line(
            crate::logbuf::LineKind::Error,
            &format!("Progress could not be saved ({e}); the server still knows."),
        );
    }
}

/// Reads saved progress and offers the known servers. A damaged file was moved aside (said in
/// the log); a newer one is left alone and nothing is saved over it this time.
fn load_progress(app: &mut App) {
    let Some(dir) = crate::state::data_dir() else {
        return;
    };
    match crate::state::Store::load(&dir) {
        Ok((store, warnings)) => {
            for warning in warnings {
                app.log_line(crate::logbuf::LineKind::Error, &warning);
            }
            wizard::resume::offer(app, store.progress, crate::state::now());
        }
        Err(e) => app.log_line(crate::logbuf::LineKind::Error, &e.to_string()),
    }
}

fn event_loop(
    terminal: &mut DefaultTerminal,
    app: &mut App,
    (tx, rx): (&Sender<Event>, &Receiver<Event>),
    worker: &WorkerHandle,
    log_file: &mut LogFile,
    mut recorder: Option<&mut crate::record::Recorder>,
) -> std::io::Result<()> {
    let home = &app.home.clone();
    let size = terminal.size()?;
    wizard::update(app, Event::Resize(size.width, size.height));
    loop {
        if let Some(progress) = app.unsaved.take() {
            save_progress(app, progress);
        }
        log_file.write(&app.log.take_unwritten());
        if app.dirty {
            let drawn = terminal.draw(|frame| crate::ui::draw(app, frame))?;
            if let Some(recorder) = recorder.as_deref_mut() {
                recorder.frame(drawn.buffer)?;
            }
            app.dirty = false;
        }
        if app.should_quit {
            return Ok(());
        }
        let event = if app.wants_ticks() {
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
        for effect in wizard::update(app, event) {
            perform(effect, app, worker, tx, home);
        }
    }
}

/// Carries out one effect. Local steps and job preparation are quick and done here; anything
/// slow goes to the worker or a thread, and its result comes back through the channel. Public so
/// the end-to-end test can drive the wizard's real path without a terminal.
pub fn perform(
    effect: Effect,
    app: &mut App,
    worker: &WorkerHandle,
    tx: &Sender<Event>,
    home: &Path,
) {
    match effect {
        Effect::Quit => app.should_quit = true,
        Effect::Worker(job) => worker.send(*job),
        Effect::Perform(request) => {
            if let Some(done) = crate::driver::perform(&request, &app.secrets, home, worker) {
                let _ = tx.send(Event::LocalDone {
                    id: done.id,
                    result: done.result,
                });
            }
        }
        Effect::SaveRunbook(text) => {
            let path = PathBuf::from(RUNBOOK_FILE);
            match std::fs::write(&path, text) {
                Ok(()) => app.info(&format!(
                    "The runbook (every command, with comments) is in {}",
                    std::path::absolute(&path).unwrap_or(path).display()
                )),
                Err(e) => app.log_line(
                    crate::logbuf::LineKind::Error,
                    &format!("Could not write {RUNBOOK_FILE}: {e}"),
                ),
            }
            app.dirty = true;
        }
        Effect::Headless { args, stdin } => {
            let tx = tx.clone();
            std::thread::spawn(move || {
                let program = std::env::current_exe().unwrap_or_else(|_| PathBuf::from("droplift"));
                run_headless(&program, &args, stdin, &|event| {
                    let _ = tx.send(Event::Headless(event));
                });
            });
        }
        Effect::ReadSquad(input) => {
            // A few small files and one folder packed: quick enough for the loop itself.
            let cwd = std::env::current_dir().unwrap_or_default();
            let result = crate::squad::load(&input, home, &cwd).map(Box::new);
            let _ = tx.send(Event::Squad(result));
        }
        Effect::Cloud(job) => {
            let tx = tx.clone();
            std::thread::spawn(move || {
                crate::cloud::worker::run(*job, move |event| {
                    let _ = tx.send(Event::Cloud(event));
                });
            });
        }
        Effect::PracticeUp(os) => {
            let tx = tx.clone();
            std::thread::spawn(move || {
                let progress_tx = tx.clone();
                let mut progress = |line: &str| {
                    let _ =
                        progress_tx.send(Event::Practice(PracticeEvent::Progress(line.to_owned())));
                };
                let event = match crate::practice::up(
                    &crate::practice::UpOptions::like_new(os),
                    None,
                    &mut progress,
                ) {
                    Ok(droplet) => PracticeEvent::Ready {
                        name: droplet.name.clone(),
                        address: droplet.address.to_string(),
                        password: droplet.root_password.clone(),
                    },
                    Err(e) => PracticeEvent::Failed(e.to_string()),
                };
                let _ = tx.send(Event::Practice(event));
            });
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
        match crate::state::open_log() {
            Some((path, file)) => Self {
                path: Some(path),
                file: Some(file),
            },
            None => Self {
                path: None,
                file: None,
            },
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

/// Runs `program args` (droplift itself, for `Effect::Headless`) with `stdin` written to its
/// standard input and closed (the secret is zeroized when it is dropped here), and says each line
/// it prints on stdout or stderr, then its end.
pub fn run_headless(
    program: &Path,
    args: &[String],
    stdin: crate::secret::Secret,
    say: &(dyn Fn(crate::wizard::HeadlessEvent) + Sync),
) {
    use crate::wizard::HeadlessEvent;
    use std::io::{BufRead, BufReader, Write};
    use std::process::{Command, Stdio};
    let child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(e) => {
            say(HeadlessEvent::Line(format!(
                "{} could not be started: {e}",
                program.display()
            )));
            say(HeadlessEvent::Ended(None));
            return;
        }
    };
    if let Some(mut input) = child.stdin.take() {
        let _ = input.write_all(stdin.expose().as_bytes());
    }
    drop(stdin);
    let (out, err) = (child.stdout.take(), child.stderr.take());
    std::thread::scope(|scope| {
        if let Some(err) = err {
            scope.spawn(move || {
                for line in BufReader::new(err).lines().map_while(Result::ok) {
                    say(HeadlessEvent::Line(line));
                }
            });
        }
        if let Some(out) = out {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                say(HeadlessEvent::Line(line));
            }
        }
    });
    let code = child.wait().ok().and_then(|status| status.code());
    say(HeadlessEvent::Ended(code));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wizard::HeadlessEvent;

    /// The secret lines reach the child's stdin (and only there), both its streams come back
    /// line by line, then its exit status; a program that is not there says so and ends.
    #[test]
    fn a_headless_child_gets_its_stdin_and_says_its_lines_and_status() {
        let said = std::sync::Mutex::new(Vec::new());
        let say = |event: HeadlessEvent| said.lock().expect("lock").push(event);
        run_headless(
            Path::new("/bin/sh"),
            &[
                "-c".to_owned(),
                "read -r line; echo \"got ${#line} characters\"; echo 'on stderr' >&2; exit 3"
                    .to_owned(),
            ],
            crate::secret::Secret::new("user_password=a long password\n"),
            &say,
        );
        let events = said.lock().expect("lock").clone();
        assert!(
            events.contains(&HeadlessEvent::Line("got 29 characters".into())),
            "{events:?}"
        );
        assert!(
            events.contains(&HeadlessEvent::Line("on stderr".into())),
            "{events:?}"
        );
        assert_eq!(events.last(), Some(&HeadlessEvent::Ended(Some(3))));
        assert!(!format!("{events:?}").contains("a long password"));

        let said = std::sync::Mutex::new(Vec::new());
        let say = |event: HeadlessEvent| said.lock().expect("lock").push(event);
        run_headless(
            Path::new("/nonexistent/droplift"),
            &[],
            crate::secret::Secret::new(""),
            &say,
        );
        let events = said.lock().expect("lock").clone();
        assert_eq!(
            events.last(),
            Some(&HeadlessEvent::Ended(None)),
            "{events:?}"
        );
        assert!(
            matches!(&events[0], HeadlessEvent::Line(l) if l.contains("could not be started")),
            "{events:?}"
        );
    }
}
