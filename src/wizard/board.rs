//! The health board on the finished screen of stages 8–10 (issue 29): the same read-only check
//! as `droplift status`'s board (the uWSGI stage's check and `board.sh`, in one command), sent
//! as a job of its own when one of those stages ends, so it never holds up what comes next.

use super::{App, Effect};
use crate::course::board::{self, Health, Mark, Row};
use crate::course::probe::{extra_part, split};
use crate::course::{self, StageId, StageStatus};
use crate::logbuf::LineKind;
use crate::remote::{JobId, Stream, WorkerEvent};
use crate::runner::Request;

/// The last board read, and the read that is out.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BoardView {
    /// The board's rows; None until a read found a release to judge.
    pub rows: Option<Vec<Row>>,
    /// The job reading the board now.
    reading: ReadJob,
}

impl BoardView {
    pub fn reading(&self) -> bool {
        self.reading.out()
    }
}

/// A read-only command sent as a job of its own beside whatever runs (this board, the class's),
/// its output gathered until it ends; its events never reach the log line by line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReadJob(Option<(JobId, String)>);

/// What a worker event was to a `ReadJob`.
pub enum Taken {
    /// Not its own: it goes on to the login machine.
    NotMine,
    /// A line of its own, kept.
    Kept,
    /// It ended, with what it printed on stdout.
    Ended(String),
    /// It timed out, was stopped, or could not run.
    Failed,
}

impl ReadJob {
    pub fn out(&self) -> bool {
        self.0.is_some()
    }

    /// Sends `command` as the job `id`.
    pub fn send(&mut self, id: JobId, command: crate::course::plan::Command) -> Effect {
        self.0 = Some((id, String::new()));
        Effect::Perform(Box::new(Request::Run { id, command }))
    }

    pub fn take(&mut self, event: &WorkerEvent) -> Taken {
        let Some((mine, output)) = self.0.as_mut() else {
            return Taken::NotMine;
        };
        let mine = *mine;
        match event {
            WorkerEvent::Output {
                id,
                stream: Stream::Stdout,
                line,
            } if *id == mine => {
                output.push_str(line);
                output.push('\n');
                Taken::Kept
            }
            WorkerEvent::Output { id, .. } if *id == mine => Taken::Kept,
            WorkerEvent::Finished { id, .. } if *id == mine => {
                let text = std::mem::take(output);
                self.0 = None;
                Taken::Ended(text)
            }
            WorkerEvent::TimedOut { id }
            | WorkerEvent::Cancelled { id }
            | WorkerEvent::Interrupted { id }
            | WorkerEvent::JobFailed { id, .. }
                if *id == mine =>
            {
                self.0 = None;
                Taken::Failed
            }
            // A new connection: a read sent on the old one will not answer.
            WorkerEvent::Connected { .. } => {
                self.0 = None;
                Taken::NotMine
            }
            _ => Taken::NotMine,
        }
    }
}

/// The stages whose finished screen shows the board: the app, its service, the domain.
pub fn offered(stage: StageId) -> bool {
    matches!(stage, StageId::App | StageId::Service | StageId::Domain)
}

/// The board on the stage on screen: one of those stages, done (or skipped).
pub fn shown(app: &App) -> bool {
    // A squad's key cannot read the server's health: its finished screen says where it answers.
    app.squad.is_none()
        && offered(app.current)
        && matches!(
            app.status(app.current),
            StageStatus::Done | StageStatus::Skipped
        )
}

/// Reads the board again (changes nothing on the server). Nothing when a read is out already,
/// or a stage's run is (its job ids are counted from `app.next_id` until it ends).
pub(super) fn start(app: &mut App) -> Vec<Effect> {
    if app.board.reading.out() || app.run.is_some() {
        return Vec::new();
    }
    let Ok(part) = board::command(&app.answers) else {
        return Vec::new();
    };
    let secrets = &app.secrets;
    let known = |name| secrets.get(name).is_some();
    let command = match course::probe_all_with(
        &[StageId::Service],
        &app.answers,
        &known,
        Some((board::KEY, &part)),
    ) {
        Ok((command, left_out)) if left_out.is_empty() => command,
        _ => return Vec::new(),
    };
    let id = app.next_id;
    app.next_id += 1;
    vec![app.board.reading.send(id, command)]
}

/// The worker's events for the board's read: taken here (Some), never shown line by line. Any
/// other event goes on to the login machine (None).
pub(super) fn on_worker(app: &mut App, event: &WorkerEvent) -> Option<Vec<Effect>> {
    match app.board.reading.take(event) {
        Taken::NotMine => return None,
        Taken::Ended(text) => ended(app, &text),
        Taken::Kept | Taken::Failed => {}
    }
    Some(Vec::new())
}

/// The read ended: the board's rows from the uWSGI stage's verdict and `board.sh`'s output, and
/// one line in the log.
fn ended(app: &mut App, text: &str) {
    let verdict = split(text)
        .into_iter()
        .find(|p| p.stage == StageId::Service)
        .and_then(|p| p.verdict);
    let (Some(health), Some(facts)) = (Health::of(verdict.as_ref()), extra_part(text, board::KEY))
    else {
        app.board.rows = None;
        return;
    };
    let cx = board::Context {
        health,
        domain: app.answers.domain.clone(),
    };
    let rows = board::rows(&facts, &cx);
    let not_ok: Vec<&str> = rows
        .iter()
        .filter(|r| matches!(r.mark, Mark::Warn | Mark::Fail))
        .map(|r| r.name)
        .collect();
    if not_ok.is_empty() {
        app.log_line(LineKind::Success, "The server's health: all ok.");
    } else {
        let failing = rows.iter().any(|r| r.mark == Mark::Fail);
        app.log_line(
            if failing {
                LineKind::Error
            } else {
                LineKind::Info
            },
            &format!(
                "The server's health: {} ({}). d: the doctor looks closer.",
                board::summary(&rows),
                not_ok.join(", ")
            ),
        );
    }
    app.board.rows = Some(rows);
}
