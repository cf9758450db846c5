//! Drawing: one file per part of the frame plus shared widgets. `draw` reads `App` and never
//! changes it, so a frame is a pure function of the state (and snapshot tests can prove it).

pub mod cloud;
pub mod editor;
pub mod form;
pub mod help;
pub mod keys;
pub mod log_panel;
pub mod popup;
pub mod question;
pub mod sidebar;
pub mod stage;
pub mod status_bar;
pub mod svg;
pub mod wrap;

use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::layout::{Areas, MIN_HEIGHT, MIN_WIDTH, too_small};
use crate::wizard::{App, Overlay};

/// Draws the whole frame for the current state.
pub fn draw(app: &App, frame: &mut Frame) {
    let area = frame.area();
    if too_small(area) {
        draw_too_small(app, frame, area);
        return;
    }
    let areas = Areas::new(area);
    draw_header(app, frame, areas.header);
    sidebar::draw(app, frame, areas.sidebar);
    stage::draw(app, frame, areas.main);
    log_panel::draw(app, frame, areas.log);
    status_bar::draw(app, frame, areas.status);
    match &app.overlay {
        Some(Overlay::Help) => help::draw(app, frame, area),
        Some(Overlay::ConfirmQuit) => popup::confirm(
            app,
            frame,
            area,
            "Quit while a step is running?",
            "The step will be stopped. Nothing is lost: start droplift again and it checks \
             the server to see what is already done.",
            "y quit   n keep going",
        ),
        Some(Overlay::ConfirmCancel) => popup::confirm(
            app,
            frame,
            area,
            "Stop this step?",
            "The command on the server is stopped and the stage is marked not done. Run it \
             again later: droplift checks first and skips what is already done.",
            "y stop it   n keep running",
        ),
        Some(Overlay::HostKey {
            info,
            changed,
            confirm,
        }) => question::host_key(app, frame, area, info, *changed, confirm),
        Some(Overlay::PasswordChange(form)) => question::password_change(app, frame, area, form),
        Some(Overlay::UserLogin(form)) => question::user_login(app, frame, area, form),
        Some(Overlay::ResumeAsUser(form)) => question::resume_as_user(app, frame, area, form),
        Some(Overlay::Error(card)) => question::error(app, frame, area, card),
        Some(Overlay::Doctor(view)) => question::doctor(app, frame, area, view),
        Some(Overlay::Backup(offer)) => question::backup(app, frame, area, offer),
        Some(Overlay::Logs(view)) => question::logs(app, frame, area, view),
        Some(Overlay::Class) => question::class(app, frame, area, &app.class),
        Some(Overlay::PracticeOs { selected }) => popup::choose(
            app,
            frame,
            area,
            "Which system should the practice droplet run?",
            &crate::wizard::practice::os_rows(),
            *selected,
        ),
        Some(Overlay::FirstChoice { selected }) => popup::choose(
            app,
            frame,
            area,
            crate::cloud::text::FIRST_CHOICE_TITLE,
            &crate::wizard::cloud::first_choice_rows(),
            *selected,
        ),
        Some(Overlay::Resume { selected }) => popup::choose(
            app,
            frame,
            area,
            "Carry on where you left off?",
            &crate::wizard::resume::rows(app),
            *selected,
        ),
        Some(Overlay::ConfirmDiscard) => popup::confirm(
            app,
            frame,
            area,
            "Drop your edits?",
            "The site file goes back to how it was before you edited it. Nothing on the server              has changed.",
            "y drop them   n keep editing",
        ),
        None => {}
    }
}

fn draw_header(app: &App, frame: &mut Frame, area: Rect) {
    const TAGLINE: &str = "  from a new droplet to a live Flask API   ";
    let mut spans = vec![Span::styled(" droplift ", app.theme.selected)];
    // The count is of a server: none before one is chosen (the resume list has its own).
    let count = (!app.answers.host.is_empty())
        .then(|| crate::course::Tally::of(app.stages.iter().map(|s| s.status)).to_string());
    let width = 10 + TAGLINE.chars().count() + count.as_ref().map_or(0, |c| c.chars().count());
    if width <= usize::from(area.width) {
        spans.push(Span::styled(TAGLINE, app.theme.muted));
    } else {
        spans.push(Span::raw("  "));
    }
    if let Some(count) = count {
        spans.push(Span::styled(count, app.theme.muted));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn draw_too_small(app: &App, frame: &mut Frame, area: Rect) {
    let text = vec![
        Line::styled("Please enlarge the terminal", app.theme.title),
        Line::raw(""),
        Line::raw(format!(
            "droplift needs at least {MIN_WIDTH}×{MIN_HEIGHT}; this one is {}×{}.",
            area.width, area.height
        )),
        Line::styled("Ctrl-C quits.", app.theme.muted),
    ];
    let top = area.height.saturating_sub(4) / 2;
    let inner = Rect::new(area.x, area.y + top, area.width, area.height - top);
    frame.render_widget(
        Paragraph::new(text)
            .alignment(Alignment::Center)
            .wrap(Wrap { trim: true }),
        inner,
    );
}
