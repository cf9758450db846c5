//! The current stage's screen: what it does and why, the questions it asks (with each field's
//! own error message), and what happens on Enter.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::app::{App, Field};
use crate::course::{StageId, text};

const LABEL_WIDTH: u16 = 15;

pub fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let area = area.inner(ratatui::layout::Margin::new(2, 0));
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
    let explanation = Paragraph::new(text::explanation(id))
        .style(theme.base)
        .wrap(Wrap { trim: true });
    let explanation_height = explanation.line_count(area.width).min(6) as u16;
    let form_height: u16 = app
        .form
        .fields
        .iter()
        .map(|f| 1 + u16::from(f.error.is_some()) * 2)
        .sum();
    let [head, _, body, _, form, _] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(explanation_height),
        Constraint::Length(1),
        Constraint::Length(form_height),
        Constraint::Min(0),
    ])
    .areas(area);
    frame.render_widget(Paragraph::new(heading), head);
    frame.render_widget(explanation, body);
    draw_form(app, frame, form);
}

fn draw_form(app: &App, frame: &mut Frame, area: Rect) {
    let theme = &app.theme;
    let mut y = area.y;
    for (index, field) in app.form.fields.iter().enumerate() {
        if y >= area.bottom() {
            break;
        }
        let focused = index == app.form.focus && app.overlay.is_none();
        let row = Rect::new(area.x, y, area.width, 1);
        let [label, input] =
            Layout::horizontal([Constraint::Length(LABEL_WIDTH), Constraint::Min(10)]).areas(row);
        let label_style = if field.error.is_some() {
            theme.error
        } else if focused {
            theme.accent
        } else {
            theme.base
        };
        let marker = if focused { "› " } else { "  " };
        frame.render_widget(
            Paragraph::new(Span::styled(
                format!("{marker}{}", field.label),
                label_style,
            )),
            label,
        );
        render_input(app, frame, field, focused, input);
        y += 1;
        if let Some(error) = &field.error {
            let rect = Rect::new(area.x + 2, y, area.width.saturating_sub(2), 2).intersection(area);
            frame.render_widget(
                Paragraph::new(Span::styled(format!("✗ {error}"), theme.error))
                    .wrap(Wrap { trim: true }),
                rect,
            );
            y += 2;
        }
    }
}

fn render_input(app: &App, frame: &mut Frame, field: &Field, focused: bool, area: Rect) {
    let theme = &app.theme;
    // Drawing must not change the app, so style a copy (a single line: cheap).
    let mut input = field.input.clone();
    input.set_cursor_line_style(Style::default());
    input.set_placeholder_style(theme.muted);
    if focused {
        input.set_style(theme.field_focus);
        input.set_cursor_style(theme.selected);
    } else {
        input.set_style(theme.field);
        input.set_cursor_style(theme.field);
    }
    frame.render_widget(&input, area);
}
