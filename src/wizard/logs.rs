//! `l` on the finished screen of the app, uWSGI or domain stage (issue 26): the running app's
//! logs in a popup that scrolls — the same read-only command as `droplift logs` (the slots'
//! journal, uWSGI's own log read as the site's user, nginx's error lines naming the site), the
//! newest last, shown from the end. The first line of each log the course knows (a Python
//! error, nginx failing to reach uWSGI) is followed by what it means and what to do.

use std::collections::BTreeSet;

use super::{App, Effect, Overlay, SideRun, View, flow};
use crate::course::StageId;
use crate::course::advice;
use crate::course::plan::{Plan, StagePlans, Step};
use crate::course::stages::service;
use crate::logbuf::LineKind;
use crate::runner::{Outcome, StageRun};

/// The newest lines of each log the wizard asks for.
pub const LINES: u32 = 60;

/// The popup: its title, its lines (with the explanations), and how far it is scrolled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogsView {
    pub title: String,
    pub lines: Vec<String>,
    pub scroll: u16,
}

/// Where `l` works: the end of stages 8–10.
/// A squad's too: the logs' command is among its sealed steps (its own site's logs only).
pub(super) fn offered(app: &App) -> bool {
    super::board::offered(app.current)
}

/// `l`: reads the logs (changes nothing on the server).
pub(super) fn start(app: &mut App) -> Vec<Effect> {
    let command = service::values(&app.answers).and_then(|v| {
        service::logs_command(&v.site, &v.user, LINES, false)
            .map_err(crate::course::PlanError::from)
    });
    let command = match command {
        Ok(command) => command,
        Err(e) => {
            app.log_line(LineKind::Error, &format!("The logs cannot be read: {e}"));
            return Vec::new();
        }
    };
    let plans = StagePlans {
        probe: Plan::new(vec![Step::run(
            "Read the app's logs (read-only)".to_owned(),
            command,
        )]),
        ..StagePlans::default()
    };
    app.log_line(
        LineKind::Info,
        "Reading the app's logs: uWSGI's journal and log, nginx's errors for the site …",
    );
    let mut run = StageRun::new(app.current, plans, app.next_id).probe_only();
    let progress = run.start();
    app.run = Some(run);
    app.side_run = Some(SideRun::Logs);
    app.view = View::Running;
    flow::advance(app, progress)
}

/// The lines to show: the command's, without droplift's bookkeeping, each known case followed
/// (once) by what it means and what to do.
pub fn lines_of(output: &str) -> Vec<String> {
    let mut seen: BTreeSet<&'static str> = BTreeSet::new();
    // One explanation per log: the first line the course knows is the cause (a traceback's
    // last line); what follows from it ("no app loaded") would only repeat it.
    let mut explained = false;
    let mut out = Vec::new();
    for line in output.lines() {
        if line.starts_with(crate::course::probe::PREFIX) || line.starts_with('\u{1e}') {
            continue;
        }
        out.push(line.to_owned());
        if line.starts_with("── ") {
            explained = false;
            continue;
        }
        if explained {
            continue;
        }
        let said = [line.to_owned()];
        if let Some(known) = advice::recognise(StageId::Service, &said, "") {
            explained = true;
            if seen.insert(known.happened) {
                out.push(format!("  → {} {}", known.happened, known.next));
            }
        }
    }
    out
}

/// The read ended: the popup, from its end (the newest lines).
pub(super) fn ended(app: &mut App, run: &StageRun, outcome: &Outcome) -> Vec<Effect> {
    app.side_run = None;
    app.view = View::Finished;
    if !matches!(outcome, Outcome::AlreadyDone(_)) {
        app.log_line(
            LineKind::Error,
            &format!(
                "The logs could not be read ({}); press l to try again.",
                outcome.note()
            ),
        );
        return Vec::new();
    }
    let lines = lines_of(run.output());
    let title = match service::values(&app.answers) {
        Ok(v) => format!("The logs of {} (newest last)", v.site),
        Err(_) => "The app's logs (newest last)".to_owned(),
    };
    let mut view = LogsView {
        title,
        scroll: 0,
        lines,
    };
    view.scroll = view.rows();
    app.overlay = Some(Overlay::Logs(view));
    Vec::new()
}

impl LogsView {
    /// About how many rows the lines take wrapped (74 columns a row): where the end is.
    fn rows(&self) -> u16 {
        let rows: usize = self
            .lines
            .iter()
            .map(|l| 1 + l.chars().count().saturating_sub(1) / 74)
            .sum();
        u16::try_from(rows).unwrap_or(u16::MAX)
    }
}

/// ↑ / ↓ / PgUp / PgDn in the popup; the drawing stops at the last line, so the scroll is kept
/// near it.
pub(super) fn scroll(app: &mut App, delta: i16) {
    if let Some(Overlay::Logs(view)) = &mut app.overlay {
        let most = view.rows();
        view.scroll = view.scroll.min(most).saturating_add_signed(delta).min(most);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bookkeeping_goes_and_a_known_line_is_explained_once() {
        let output = "── journal of uwsgi-shop@* (last 60 lines)\n\
                      2026-12-06T10:00:00+0000 srv uwsgi[1]: ModuleNotFoundError: No module named 'flask'\n\
                      2026-12-06T10:00:01+0000 srv uwsgi[1]: ModuleNotFoundError: No module named 'flask'\n\
                      ── /var/www/html/shop/log/uwsgi.log (last 60 lines)\n\
                      droplift-state: done logs of shop\n";
        let lines = lines_of(output);
        assert_eq!(lines.len(), 5, "{lines:#?}");
        assert!(lines[2].starts_with("  → Your app imports a library that is not installed."));
        assert!(!lines.iter().any(|l| l.starts_with("droplift-state")));
        assert_eq!(
            lines.iter().filter(|l| l.starts_with("  → ")).count(),
            1,
            "{lines:#?}"
        );
    }
}
