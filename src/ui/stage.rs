//! The current stage's screen, in four views: its explanation and questions; the preview of
//! the exact commands; the steps as they run; and how it ended.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Margin, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::app::{App, View};
use crate::course::plan::{Action, command_text, step_text};
use crate::course::{self, StageId, StageStatus, text};

const SPINNER: [&str; 4] = ["◐", "◓", "◑", "◒"];

pub fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let area = area.inner(Margin::new(2, 0));
    let [head, _, body] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(0),
    ])
    .areas(area);
    draw_heading(app, frame, head);
    match app.view {
        View::Form => draw_form_view(app, frame, body),
        View::Preview { scroll } => draw_preview(app, frame, body, scroll),
        View::Running => draw_running(app, frame, body),
        View::Finished => draw_finished(app, frame, body),
        View::Editor => super::editor::draw(app, frame, body),
    }
}

fn draw_heading(app: &App, frame: &mut Frame, area: Rect) {
    let theme = &app.theme;
    let id = app.current;
    let status = app.status(id);
    let heading = Line::from(vec![
        Span::styled(
            format!(
                "Stage {} of {} · {}",
                id.index() + 1,
                StageId::ALL.len(),
                id.title()
            ),
            theme.title,
        ),
        Span::styled(
            format!("  {} {}", status.symbol(), status.label()),
            theme.status(status),
        ),
    ]);
    frame.render_widget(Paragraph::new(heading), area);
}

fn draw_form_view(app: &App, frame: &mut Frame, area: Rect) {
    let theme = &app.theme;
    let id = app.current;
    let explanation = Paragraph::new(text::explanation(id))
        .style(theme.base)
        .wrap(Wrap { trim: true });
    let explanation_height = (explanation.line_count(area.width) as u16).min(8);
    let rules = if id == StageId::Firewall {
        rule_list(app)
    } else {
        Vec::new()
    };
    let [body, _, form, _, list, hint] = Layout::vertical([
        Constraint::Length(explanation_height),
        Constraint::Length(1),
        Constraint::Length(super::form::height(&app.form)),
        Constraint::Length(1),
        Constraint::Length(rules.len() as u16),
        Constraint::Min(0),
    ])
    .areas(area);
    frame.render_widget(explanation, body);
    super::form::draw(theme, &app.form, app.overlay.is_none(), frame, form);
    frame.render_widget(Paragraph::new(rules), list);
    let hint_text = if !course::BUILT.contains(&id) {
        "This stage arrives in a later version of droplift.".to_owned()
    } else if id == StageId::Connect {
        if app.practice_busy {
            "Creating a practice droplet … (see the log)".to_owned()
        } else {
            "Enter: connect.  No droplet? F2 makes a practice one on this computer.".to_owned()
        }
    } else if id == StageId::Nginx {
        // ── nginx (stage 7) ──
        "Drop default: nginx's welcome page would otherwise answer requests meant for your \
         site. Enter: check the server, then edit the site file."
            .to_owned()
        // ── end nginx ──
    } else if id == StageId::User && !app.form.value("user_password").is_empty() {
        format!(
            "Password strength: {}.  Enter: see the exact commands.",
            course::inputs::strength_hint(&app.form.value("user_password"))
        )
    } else if id == StageId::Postgres && !app.form.value("db_password").is_empty() {
        format!(
            "Password strength: {}.  Enter: see the exact commands.",
            course::inputs::strength_hint(&app.form.value("db_password"))
        )
    } else if id == StageId::Firewall {
        "↑/↓ choose a rule, Del removes it. Enter on an empty field: see the commands.".to_owned()
    } else {
        let note = app.entry(id).map(|e| e.note.as_str()).unwrap_or_default();
        if note.is_empty() {
            "Enter: see the exact commands before anything runs.".to_owned()
        } else {
            format!("Last time: {note}. Enter: see the commands.")
        }
    };
    frame.render_widget(
        Paragraph::new(Span::styled(hint_text, theme.muted)).wrap(Wrap { trim: true }),
        hint,
    );
}

/// The firewall's rules as they stand while the student edits them: each with why, the chosen
/// one marked, and the closing "deny everything else" (stage 6).
fn rule_list(app: &App) -> Vec<Line<'static>> {
    let theme = &app.theme;
    let active = app.overlay.is_none();
    let mut lines: Vec<Line<'static>> = crate::app::rules::listed(app)
        .into_iter()
        .enumerate()
        .map(|(index, (rule, why))| {
            let chosen = active && index == app.rule_cursor;
            Line::from(vec![
                Span::styled(
                    format!("{} allow {rule:<9} ", if chosen { "›" } else { " " }),
                    if chosen { theme.accent } else { theme.success },
                ),
                Span::styled(why, theme.base),
            ])
        })
        .collect();
    lines.push(Line::from(vec![
        Span::styled("  deny  the rest  ", theme.error),
        Span::styled("everything else coming in", theme.base),
    ]));
    lines
}

fn draw_preview(app: &App, frame: &mut Frame, area: Rect, scroll: u16) {
    let theme = &app.theme;
    let Ok(plans) = course::plans(app.current, &app.answers) else {
        return;
    };
    let mut lines = Vec::new();
    let note = app
        .entry(app.current)
        .map(|e| e.note.as_str())
        .unwrap_or_default();
    if !note.is_empty() {
        lines.push(Line::styled(
            format!("droplift checked the server: {note}."),
            theme.accent,
        ));
    }
    for line in &app.probe_report {
        let style = if line.starts_with('+') && !line.starts_with("+++") {
            theme.success
        } else if line.starts_with('-') && !line.starts_with("---") {
            theme.error
        } else {
            theme.base
        };
        lines.push(Line::styled(format!("  {line}"), style));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        "These commands run on your droplet, in this order:",
        theme.muted,
    ));
    lines.push(Line::raw(""));
    for (index, step) in plans.apply.steps.iter().enumerate() {
        let mut title = step.title.lines();
        lines.push(Line::styled(
            format!("{}. {}", index + 1, title.next().unwrap_or_default()),
            theme.accent,
        ));
        for more in title {
            lines.push(Line::styled(format!("   {more}"), theme.muted));
        }
        let body = match &step.action {
            Action::Run(command) => command_text(command),
            _ => step_text(step, &app.answers.host)
                .unwrap_or_else(|e| e.to_string())
                .lines()
                .filter(|l| !l.starts_with("# ") || l.starts_with("# (") || l.starts_with("#     "))
                .collect::<Vec<_>>()
                .join("\n"),
        };
        for line in body.lines() {
            lines.push(Line::styled(format!("   {line}"), theme.command));
        }
    }
    if !plans.verify.is_empty() {
        lines.push(Line::raw(""));
        lines.push(Line::styled(
            "Then droplift checks the result:",
            theme.accent,
        ));
        for step in &plans.verify.steps {
            lines.push(Line::styled(
                format!("   ✓ {}", step.headline()),
                theme.base,
            ));
        }
    }
    let [list, footer] = Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(area);
    let paragraph = Paragraph::new(lines).wrap(Wrap { trim: false });
    let max = (paragraph.line_count(list.width) as u16).saturating_sub(list.height);
    frame.render_widget(paragraph.scroll((scroll.min(max), 0)), list);
    frame.render_widget(
        Paragraph::new(Span::styled(
            "Enter: run   ↑/↓: scroll   Esc: back",
            theme.key,
        )),
        footer,
    );
}

fn draw_running(app: &App, frame: &mut Frame, area: Rect) {
    let theme = &app.theme;
    let mut lines = Vec::new();
    match &app.run {
        Some(run) => {
            let (phase, steps, index) = run.progress();
            lines.push(Line::styled(
                format!(
                    "Now: {} ({} of {})",
                    phase.label(),
                    (index + 1).min(steps.len()),
                    steps.len()
                ),
                theme.muted,
            ));
            let first = index.saturating_sub(usize::from(area.height).saturating_sub(3));
            for (i, step) in steps.iter().enumerate().skip(first) {
                let (mark, style) = if i < index {
                    ("✓", theme.success)
                } else if i == index {
                    (SPINNER[app.spinner % SPINNER.len()], theme.running)
                } else {
                    ("·", theme.muted)
                };
                lines.push(Line::from(vec![
                    Span::styled(format!("{mark} "), style),
                    Span::styled(step.headline().to_owned(), theme.base),
                ]));
            }
        }
        None => lines.push(Line::styled(
            match app.link {
                crate::app::Link::Reconnecting => "The connection dropped; reconnecting …",
                _ => "Connecting …",
            },
            theme.running,
        )),
    }
    let [list, footer] = Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(area);
    frame.render_widget(Paragraph::new(lines), list);
    frame.render_widget(
        Paragraph::new(Span::styled(
            "Output: in the log below.   Esc: stop the step",
            theme.muted,
        )),
        footer,
    );
}

fn draw_finished(app: &App, frame: &mut Frame, area: Rect) {
    let theme = &app.theme;
    let id = app.current;
    let status = app.status(id);
    let note = app.entry(id).map(|e| e.note.clone()).unwrap_or_default();
    let (headline, style, next) = match status {
        StageStatus::Done if id == StageId::Nginx => (
            format!("✓ {} is done: {note}.", id.title()),
            theme.success,
            "Enter: on to the next stage   e: edit the site file again",
        ),
        StageStatus::Done => (
            format!("✓ {} is done: {note}.", id.title()),
            theme.success,
            "Enter: on to the next stage",
        ),
        StageStatus::Failed => (
            format!("✗ {} did not finish: {note}", id.title()),
            theme.error,
            "Enter: back to the questions to try again   PgUp: read the log",
        ),
        StageStatus::Drifted => (
            format!(
                "≠ {}: something on the server is in the way: {note}",
                id.title()
            ),
            theme.warning,
            "Enter: back to the questions",
        ),
        _ => (
            format!("{} stopped: {note}", id.title()),
            theme.warning,
            "Enter: back to the questions",
        ),
    };
    let mut lines = vec![Line::styled(headline, style), Line::raw("")];
    if app.reboot_needed && id == StageId::Update {
        lines.push(Line::styled(
            "The update needs a restart to finish (a new kernel or system library). \
             r: restart the droplet now; droplift reconnects by itself.",
            theme.warning,
        ));
        lines.push(Line::raw(""));
    }
    if status == StageStatus::Done && course::BUILT.last() == Some(&id) {
        lines.push(Line::raw(crate::export::WIZARD_HINT));
        lines.push(Line::raw(""));
    }
    lines.push(Line::styled(next, theme.key));
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), area);
}
