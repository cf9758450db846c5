//! `d` on the finished screen of the app, uWSGI or domain stage (issue 29): the doctor's one
//! read-only command runs, and its cards (what is wrong, why it matters, the exact fix) open in
//! a popup that scrolls. The same readers and cards as `droplift doctor`; the domain is looked up from
//! the server only (the wizard's update does no I/O). With a DigitalOcean token (typed on the
//! create screens, or DIGITALOCEAN_ACCESS_TOKEN) the cloud firewalls in front of the droplet are
//! asked for at the same time, by the cloud worker; the cards wait for both.

use super::{App, Effect, Overlay, SideRun, View, flow};
use crate::cloud::worker::CloudJob;
use crate::course::doctor::count;
use crate::course::doctor::{self, Card, CloudView, Level, Sections};
use crate::logbuf::LineKind;
use crate::runner::{Outcome, StageRun};
use crate::secret::SecretName;

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

/// The doctor's question to DigitalOcean, for one `d`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum CloudLook {
    /// No token: not asked.
    #[default]
    NotAsked,
    /// Asked; the server's read may end first: its sections wait here.
    Asking(Option<Sections>),
    /// The answer, for the cards (the server's read is still out).
    Known(CloudView),
}

/// Where `d` works: the end of the app stage, the uWSGI stage or the domain stage (where the
/// health board is), done or failed.
pub(super) fn offered(app: &App) -> bool {
    // A squad's key runs only its sealed steps: not the doctor's or a backup's.
    app.squad.is_none() && super::board::offered(app.current)
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
    app.side_run = Some(SideRun::Doctor);
    app.view = View::Running;
    let mut effects = flow::advance(app, progress);
    let token = app
        .secrets
        .get(SecretName::DoToken)
        .cloned()
        .or_else(|| app.cloud_env.token.clone());
    app.doctor_cloud = match token {
        Some(token) => {
            app.log_line(
                LineKind::Info,
                "… and asks DigitalOcean about cloud firewalls in front of the droplet.",
            );
            effects.push(Effect::Cloud(Box::new(CloudJob::Firewalls {
                config: app.cloud_env.api.clone(),
                token,
                host: app.answers.host.clone(),
                port: app.answers.port,
                name: app.answers.droplet.as_ref().map(|d| d.name.clone()),
            })));
            CloudLook::Asking(None)
        }
        None => CloudLook::NotAsked,
    };
    effects
}

/// DigitalOcean's answer: the cards now, when the server's read is in; else kept for them.
pub(super) fn on_cloud(app: &mut App, view: CloudView) -> Vec<Effect> {
    let view = match view {
        CloudView::Failed(why) => CloudView::Failed(app.redactor.redact(&why)),
        view => view,
    };
    app.log_line(LineKind::Info, &view.line());
    match std::mem::take(&mut app.doctor_cloud) {
        CloudLook::Asking(Some(sections)) => show(app, &sections, Some(view)),
        CloudLook::Asking(None) => app.doctor_cloud = CloudLook::Known(view),
        // Not asked for this `d` (an answer from before): nothing waits for it.
        other => app.doctor_cloud = other,
    }
    Vec::new()
}

/// The doctor's run ended: its cards in the popup, on the stage's finished screen.
pub(super) fn ended(app: &mut App, run: &StageRun, outcome: &Outcome) -> Vec<Effect> {
    app.side_run = None;
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
    match std::mem::take(&mut app.doctor_cloud) {
        CloudLook::Asking(_) => {
            app.log_line(LineKind::Info, "Waiting for DigitalOcean's answer …");
            app.doctor_cloud = CloudLook::Asking(Some(sections));
        }
        CloudLook::Known(view) => show(app, &sections, Some(view)),
        CloudLook::NotAsked => show(app, &sections, None),
    }
    Vec::new()
}

/// The cards in the popup, from the server's read and DigitalOcean's answer (if asked).
fn show(app: &mut App, sections: &Sections, cloud: Option<CloudView>) {
    let Ok(values) = doctor::values(&app.answers) else {
        return;
    };
    let mut context = values.context(None);
    context.cloud = cloud;
    let cards = doctor::diagnose(sections, &context);
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
