//! `d` on the finished screen of the app, uWSGI or domain stage (issue 29): the doctor's one
//! read-only command runs, and its cards (what is wrong, why it matters, the exact fix) open in
//! a popup that scrolls. The same readers and cards as `droplift doctor`; the domain is looked up from
//! the server only (the wizard's update does no I/O).

use super::{App, Effect, Overlay, View, flow};
use crate::course::StageId;
use crate::course::doctor::count;
use crate::course::doctor::{self, Card, Level};
use crate::logbuf::LineKind;
use crate::runner::{Outcome, StageRun};

/// The doctor's popup: its cards, and how far the student scrolled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DoctorView {
    pub cards: Vec<Card>,
    pub scroll: u16,
}

impl DoctorView {
    pub fn problems(&self) -> usize {
        self.cards.iter().filter(|c| c.level == Level::Fail).count()
    }

    pub fn title(&self) -> String {
        let warnings = self.cards.len() - self.problems();
        match (self.problems(), warnings) {
            (0, 0) => "The doctor: no problem found".to_owned(),
            (0, w) => format!("The doctor: no problem, {}", count(w, "warning")),
            (p, 0) => format!("The doctor: {}", count(p, "problem")),
            (p, w) => format!(
                "The doctor: {}, {}",
                count(p, "problem"),
                count(w, "warning")
            ),
        }
    }
}

/// Where `d` works: the end of the app stage, the uWSGI stage or the domain stage (where the
/// health board is), done or failed.
pub(super) fn offered(app: &App) -> bool {
    matches!(
        app.current,
        StageId::App | StageId::Service | StageId::Domain
    )
}

/// Starts the doctor's check (changes nothing on the server).
pub(super) fn start(app: &mut App) -> Vec<Effect> {
    let plans = doctor::values(&app.answers)
        .and_then(|v| doctor::plans(&v).map_err(crate::course::PlanError::from));
    let plans = match plans {
        Ok(plans) => plans,
        Err(e) => {
            app.log_line(LineKind::Error, &format!("The doctor cannot start: {e}"));
            return Vec::new();
        }
    };
    app.log_line(
        LineKind::Info,
        "The doctor reads what nginx, systemd, uWSGI, ufw and the system say (read-only) …",
    );
    let mut run = StageRun::new(app.current, plans, app.next_id).probe_only();
    let progress = run.start();
    app.run = Some(run);
    app.doctoring = true;
    app.view = View::Running;
    flow::advance(app, progress)
}

/// The doctor's run ended: its cards in the popup, on the stage's finished screen.
pub(super) fn ended(app: &mut App, run: &StageRun, outcome: &Outcome) -> Vec<Effect> {
    app.doctoring = false;
    app.view = View::Finished;
    let sections = doctor::Sections::split(run.output());
    if !sections.complete() {
        app.log_line(
            LineKind::Error,
            &format!(
                "The doctor's check did not finish ({}); press d to try again.",
                outcome.note()
            ),
        );
        return Vec::new();
    }
    let Ok(values) = doctor::values(&app.answers) else {
        return Vec::new();
    };
    let cards = doctor::diagnose(&sections, &values.context(None));
    let view = DoctorView { cards, scroll: 0 };
    app.log_line(
        if view.problems() == 0 {
            LineKind::Success
        } else {
            LineKind::Error
        },
        &format!("{}.", view.title()),
    );
    app.overlay = Some(Overlay::Doctor(view));
    Vec::new()
}

/// ↑ / ↓ / PgUp / PgDn in the popup. The drawing stops at the last line; here the scroll is
/// kept near it (the wrapped height is the screen's business: about 70 characters a row), so
/// ↑ answers at once after scrolling past the end.
pub(super) fn scroll(app: &mut App, delta: i16) {
    if let Some(Overlay::Doctor(view)) = &mut app.overlay {
        let rows: usize = view
            .cards
            .iter()
            .flat_map(Card::lines)
            .map(|l| 1 + l.chars().count() / 70)
            .sum();
        let most = u16::try_from(rows).unwrap_or(u16::MAX);
        view.scroll = view.scroll.saturating_add_signed(delta).min(most);
    }
}
