//! A form drawn as labelled one-line fields, with each field's error message under it, so bad
//! input is explained where it was typed. Used by stage screens and popups alike.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::Span;
use ratatui::widgets::{Paragraph, Wrap};

use crate::app::{Field, Form};
use crate::ui::theme::Theme;

const LABEL_WIDTH: u16 = 15;

/// Rows the form needs: one per field, two more under a field with an error.
pub fn height(form: &Form) -> u16 {
    form.fields
        .iter()
        .map(|f| 1 + u16::from(f.error.is_some()) * 2)
        .sum()
}

pub fn draw(theme: &Theme, form: &Form, active: bool, frame: &mut Frame, area: Rect) {
    let mut y = area.y;
    for (index, field) in form.fields.iter().enumerate() {
        if y >= area.bottom() {
            break;
        }
        let focused = active && index == form.focus;
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
        draw_input(theme, field, focused, frame, input);
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

fn draw_input(theme: &Theme, field: &Field, focused: bool, frame: &mut Frame, area: Rect) {
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
