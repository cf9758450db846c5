//! The wizard's course through a stage: the form's answers start a read-only check, a pending
//! stage shows its preview (what the check found, the exact commands), the runner applies and
//! verifies, and the runner's progress (handed on by `login::on_worker`) moves it on.

use super::{App, Effect, ErrorCard, Link, Msg, SideRun, View};
use crate::course::{self, StageId, StageStatus};
use crate::logbuf::LineKind;
use crate::remote::{Job, JobId, Stream};
use crate::runner::{Outcome, Progress, Request, StageRun};

/// The preview's state, kept while the student looks at it.
#[derive(Clone, Debug, Default)]
pub struct Preview {
    /// What the last check of the current stage printed (e.g. the sshd diff).
    pub report: Vec<String>,
    /// It shows droplift's exact scripts, not only the by-hand commands (→ / ←).
    pub scripts: bool,
}

/// Instructor mode (`--present`): each command of a change waits for Space, so the class can
/// read it first; `e` explains it.
#[derive(Clone, Debug, Default)]
pub struct Instructor {
    pub on: bool,
    /// The command waiting for Space.
    pub paused: Option<Request>,
    /// `e` was pressed on the paused command: its explanation is shown.
    pub explaining: bool,
}

/// The current stage reads its screen back into the answers; the secrets typed are kept
/// (zeroized, redacted from the log), never in the answers.
pub(super) fn take_answers(app: &mut App) {
    let secrets = (app.current.stage().take)(&mut app.answers, &mut app.form);
    // Typed ahead while another stage runs: that stage keeps the secrets it started with.
    let later = app.run.as_ref().is_some_and(|run| run.stage != app.current);
    for (name, secret) in secrets {
        if later {
            app.later_secrets.set(name, secret, &app.redactor);
        } else {
            app.secrets.set(name, secret, &app.redactor);
        }
    }
}

/// The secrets typed ahead join the others (a run ended, or another starts).
pub(super) fn settle_secrets(app: &mut App) {
    app.later_secrets.move_into(&mut app.secrets);
}

/// How much of a stage to run.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// The read-only check only; if work is pending, the preview shows what it found.
    Check,
    /// Apply and verify (the student confirmed the preview; the check just ran).
    Apply,
    /// Check, then apply and verify if needed (the connect stage, which has no preview).
    Whole,
}

fn start(app: &mut App, mode: Mode) -> Vec<Effect> {
    let stage = app.current;
    let plans = match course::plans(stage, &app.answers) {
        Ok(plans) => plans,
        Err(e) => {
            app.log_line(LineKind::Error, &format!("{stage}: {e}"));
            return Vec::new();
        }
    };
    start_with(app, mode, plans)
}

// ── Stage 9: a rollback from the stage's last screen ──
/// `b` on the uWSGI stage's last screen: the previous good release serves again, with the same
/// plans as `droplift rollback` (its smoke test too; if that fails, the current one stays).
pub(super) fn rollback(app: &mut App) -> Vec<Effect> {
    let plans = course::stages::service::values(&app.answers).and_then(|values| {
        course::stages::service::rollback_plans(&values, None).map_err(course::PlanError::from)
    });
    match plans {
        Ok(plans) => start_with(app, Mode::Whole, plans),
        Err(e) => {
            app.log_line(LineKind::Error, &format!("rollback: {e}"));
            Vec::new()
        }
    }
}

fn start_with(app: &mut App, mode: Mode, plans: course::plan::StagePlans) -> Vec<Effect> {
    settle_secrets(app);
    let stage = app.current;
    app.set_status(stage, StageStatus::Running);
    app.view = View::Running;
    let mut run = StageRun::new(stage, plans, app.next_id);
    let progress = match mode {
        Mode::Apply => run.start_apply(),
        Mode::Check | Mode::Whole => {
            app.preview.report.clear();
            app.log_line(
                LineKind::Info,
                &format!("── Stage {}: {} ──", stage.index() + 1, stage.title()),
            );
            if mode == Mode::Check {
                run = run.probe_only();
            }
            run.start()
        }
    };
    app.run = Some(run);
    advance(app, progress)
}

pub(super) fn check_current(app: &mut App) -> Vec<Effect> {
    start(app, Mode::Check)
}

pub(super) fn apply_current(app: &mut App) -> Vec<Effect> {
    start(app, Mode::Apply)
}

pub(super) fn run_current(app: &mut App) -> Vec<Effect> {
    start(app, Mode::Whole)
}

/// Acts on what the runner says next.
pub(super) fn advance(app: &mut App, progress: Progress) -> Vec<Effect> {
    match progress {
        Progress::Wait => Vec::new(),
        // The check of every stage already said what it does; its one long command is not news.
        Progress::Next(request) if app.checking_all || app.side_run.is_some_and(SideRun::quiet) => {
            vec![Effect::Perform(Box::new(request))]
        }
        Progress::Next(request) => {
            if let Some(run) = &app.run {
                if let Some(step) = run.current_step() {
                    let title = step.headline().to_owned();
                    let phase = run.phase().label();
                    app.log_line(LineKind::Info, &format!("▶ [{phase}] {title}"));
                }
            }
            if let Request::Run { command, .. } = &request {
                let line = command.log_line().to_owned();
                app.log_line(LineKind::Command, &line);
            }
            let changing = app
                .run
                .as_ref()
                .is_some_and(|r| r.phase() == crate::runner::Phase::Apply);
            if app.instructor.on && changing && matches!(request, Request::Run { .. }) {
                // Instructor mode: the class reads the command before it runs.
                app.instructor.paused = Some(request);
                app.instructor.explaining = false;
                return Vec::new();
            }
            vec![Effect::Perform(Box::new(request))]
        }
        Progress::Finished(outcome) => {
            let Some(run) = app.run.take() else {
                return Vec::new();
            };
            app.next_id = run.next_id();
            // Whichever screen the student is on, the end is handled in one place
            // (`stage_end`), once this event is done.
            app.tell(Msg::RunEnded {
                run: Box::new(run),
                outcome,
            });
            Vec::new()
        }
    }
}

/// What any end of a stage records, whichever screen the student is on: its badge and note, and
/// for a stage that reached its goal the log line (nginx's editor closes once its site is live).
pub(super) fn record_end(app: &mut App, stage: StageId, outcome: &Outcome) {
    app.set_status(stage, outcome.status());
    app.set_note(stage, outcome.note());
    match outcome {
        Outcome::AlreadyDone(why) => {
            app.log_line(
                LineKind::Success,
                &format!("{}: done ({why})", stage.title()),
            );
        }
        Outcome::Skipped(why) => {
            app.log_line(
                LineKind::Info,
                &format!("{}: skipped ({why})", stage.title()),
            );
        }
        Outcome::Applied => {
            if stage == StageId::Nginx {
                app.editor = None;
            }
            app.log_line(LineKind::Success, &format!("{}: done", stage.title()));
        }
        _ => {}
    }
}

/// The end of the stage on screen: `record_end`, then what the student sees next (the
/// preview, the result), and the error card to show, if any.
pub(super) fn finish(app: &mut App, stage: StageId, outcome: Outcome) -> Option<ErrorCard> {
    app.view = View::Finished;
    record_end(app, stage, &outcome);
    match outcome {
        Outcome::Pending(why) => {
            app.log_line(LineKind::Info, &format!("To do: {why}"));
            app.view = View::Preview { scroll: 0 };
            None
        }
        Outcome::AlreadyDone(_) | Outcome::Skipped(_) | Outcome::Applied => None,
        Outcome::Drifted(why) => {
            app.log_line(LineKind::Error, &format!("{}: {why}", stage.title()));
            let card = match course::advice::recognise(stage, &[], &why) {
                // A known case (a system droplift does not support): its own plain words.
                Some(known) => ErrorCard {
                    title: format!("{}: droplift stops here", stage.title()),
                    what: known.happened.to_owned(),
                    server: vec![why.clone()],
                    next: known.next.to_owned(),
                },
                None => ErrorCard {
                    title: format!("{}: something is in the way", stage.title()),
                    what: format!(
                        "droplift checked the server and stopped before changing anything: {why}."
                    ),
                    server: Vec::new(),
                    next: "Change your answer (Esc, then edit the form) or fix the server by \
                           hand, then press Enter to check again."
                        .into(),
                },
            };
            Some(card)
        }
        Outcome::Failed {
            step,
            message,
            detail,
            rolled_back,
            ..
        } => {
            app.log_line(
                LineKind::Error,
                &format!("{} failed: {message}", stage.title()),
            );
            let again = if rolled_back {
                "droplift put the old settings back, so nothing is half-changed."
            } else {
                "Steps already done are checked and not repeated."
            };
            let card = match course::advice::recognise(stage, &detail, &message) {
                // A known case: say it plainly, quote the lines that show it, say what to do.
                Some(known) => {
                    let mut server: Vec<String> = course::advice::quoted(known, &detail)
                        .into_iter()
                        .map(str::to_owned)
                        .collect();
                    if server.is_empty() {
                        server.push(message.clone());
                    }
                    ErrorCard {
                        title: format!("{} failed", stage.title()),
                        what: format!("{} (\"{step}\": {message})", known.happened),
                        server,
                        next: format!("{} {again}", known.next),
                    }
                }
                None => ErrorCard {
                    title: format!("{} failed", stage.title()),
                    what: format!("The step \"{step}\" did not work: {message}."),
                    server: detail,
                    next: format!(
                        "Read the log (PgUp) for the details, fix the cause, and press Enter on \
                         the stage to try again. {again}"
                    ),
                },
            };
            Some(card)
        }
        Outcome::Interrupted { step } => {
            // The login machine remembers the stage and checks it again once reconnected.
            app.log_line(
                LineKind::Error,
                &format!("The connection dropped during \"{step}\": waiting to reconnect, then checking the stage again."),
            );
            app.view = View::Running;
            None
        }
        Outcome::Cancelled { step } => {
            app.log_line(LineKind::Error, &format!("Stopped during \"{step}\"."));
            None
        }
    }
}

/// Enter after a stage ended: on to the next stage (or back to the form after a failure).
pub(super) fn next_stage(app: &mut App) -> Vec<Effect> {
    if !matches!(
        app.status(app.current),
        StageStatus::Done | StageStatus::Skipped
    ) {
        app.view = View::Form;
        return Vec::new();
    }
    // On to the next stage the server still needs (the check of every stage after logging in
    // may have found some done already); the next in order when all later ones are done.
    let later = &StageId::ALL[app.current.index() + 1..];
    let next = later
        .iter()
        .find(|s| app.status(**s) != StageStatus::Done)
        .or(later.first());
    if let Some(&next) = next {
        app.enter_stage(next);
    }
    Vec::new()
}

/// Restarts the droplet after an update that needs it; the worker notices the connection drop
/// and reconnects by itself (with backoff) once the droplet is back.
pub(super) fn reboot(app: &mut App) -> Vec<Effect> {
    if !app.reboot_needed || !matches!(app.link, Link::Connected { .. }) {
        return Vec::new();
    }
    if let Some(run) = &app.run {
        app.info(&format!(
            "Stage {} is running: restart once it is done.",
            run.stage.index() + 1
        ));
        return Vec::new();
    }
    app.reboot_needed = false;
    let id = app.next_id;
    app.next_id += 1;
    app.info(
        "Restarting the droplet; droplift reconnects by itself when it is back (about a minute).",
    );
    vec![Effect::Worker(Box::new(Job::Run {
        id,
        command: crate::remote::RemoteCommand {
            script: "systemctl reboot".into(),
            sudo: true,
            stdin: None,
            timeout: std::time::Duration::from_secs(30),
            runtime: None,
        },
    }))]
}

pub(super) fn cancel_step(app: &mut App) -> Vec<Effect> {
    if let (Some(_), Some(id)) = (
        app.instructor.paused.take(),
        app.run.as_ref().and_then(StageRun::current_id),
    ) {
        // The paused command never reached the server: stopped before it ran (the runner still
        // undoes what earlier steps changed, where the stage has an undo).
        app.instructor.explaining = false;
        app.tell(Msg::Worker(crate::remote::WorkerEvent::Cancelled { id }));
        return Vec::new();
    }
    match app.run.as_ref().and_then(StageRun::current_id) {
        Some(id) => {
            app.info("Stopping the step …");
            vec![Effect::Worker(Box::new(Job::Cancel { id }))]
        }
        None => Vec::new(),
    }
}

/// A line a command printed: into the log, and into the preview's report when the current
/// stage's check printed it.
pub(super) fn on_output(app: &mut App, stream: Stream, line: &str, probe_of: Option<StageId>) {
    let kind = match stream {
        Stream::Stdout => LineKind::Stdout,
        Stream::Stderr => LineKind::Stderr,
    };
    // A check's verdict line is droplift's own bookkeeping: the panel says it in words
    // ("To do: …") once the check ends, so the raw line never shows.
    let internal = line.starts_with(crate::course::probe::PREFIX) || line.starts_with('\u{1e}');
    // The doctor's raw output (logs, unit states) is read into its cards, not shown line by line.
    if app.side_run.is_some_and(SideRun::quiet) {
        return;
    }
    if !internal {
        app.log_line(kind, line);
    }
    if probe_of == Some(app.current) {
        app.preview.report.push(line.to_owned());
    }
}

pub(super) fn on_local_done(
    app: &mut App,
    id: JobId,
    result: Result<String, crate::driver::DriverError>,
) -> Vec<Effect> {
    match &result {
        Ok(line) => app.log_line(LineKind::Success, line),
        Err(error) => app.log_line(LineKind::Error, &error.to_string()),
    }
    match app
        .run
        .as_mut()
        .map(|run| run.local_done(id, result.map(|_| ())))
    {
        Some(progress) => advance(app, progress),
        None => Vec::new(),
    }
}

/// Instructor mode: Space runs the paused command.
pub(super) fn resume_paused(app: &mut App) -> Vec<Effect> {
    app.instructor.explaining = false;
    match app.instructor.paused.take() {
        Some(request) => vec![Effect::Perform(Box::new(request))],
        None => Vec::new(),
    }
}
