//! A form drawn as labelled one-line fields, with each field's error message under it, so bad
//! input is explained where it was typed. Used by stage screens and popups alike.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::Span;
use ratatui::widgets::Paragraph;

use crate::theme::Theme;
use crate::wizard::{Field, Form};

/// The label column: the longest label, the focus marker before it and a space after it, so a
/// label never runs into its value.
fn label_width(form: &Form) -> u16 {
    let longest = form.fields.iter().map(|f| f.label.chars().count()).max();
    (longest.unwrap_or(0) as u16 + 3).max(15)
}

/// Rows the form needs at `width` columns: one per field, and its error's (or else its
/// note's) lines under it.
pub fn height(form: &Form, width: u16) -> u16 {
    form.fields
        .iter()
        .map(|f| 1 + under(f, width).map_or(0, |(lines, _)| lines.len() as u16))
        .sum()
}

fn error_lines(error: &str, width: u16) -> Vec<ratatui::text::Line<'static>> {
    super::wrap::fit(
        vec![ratatui::text::Line::raw(format!("✗ {error}"))],
        width.saturating_sub(2),
    )
}

/// What goes under a field: its error, or else its note (why it starts with its value).
fn under(field: &Field, width: u16) -> Option<(Vec<ratatui::text::Line<'static>>, bool)> {
    if let Some(error) = &field.error {
        return Some((error_lines(error, width), true));
    }
    let note = field.note.as_ref()?;
    Some((
        super::wrap::fit(
            vec![ratatui::text::Line::raw(format!("↳ {note}"))],
            width.saturating_sub(2),
        ),
        false,
    ))
}

pub fn draw(theme: &Theme, form: &Form, active: bool, frame: &mut Frame, area: Rect) {
    let mut y = area.y;
    // When the rows are too few for every field, the form scrolls: the focused field and what
    // is under it are always on screen, so nobody types into a field they cannot see.
    let rows: Vec<u16> = form
        .fields
        .iter()
        .map(|f| 1 + under(f, area.width).map_or(0, |(lines, _)| lines.len() as u16))
        .collect();
    let mut first = 0;
    while first < form.focus
        && rows[first..=form.focus.min(rows.len().saturating_sub(1))]
            .iter()
            .sum::<u16>()
            > area.height
    {
        first += 1;
    }
    for (index, field) in form.fields.iter().enumerate().skip(first) {
        if y >= area.bottom() {
            break;
        }
        let focused = active && index == form.focus;
        let row = Rect::new(area.x, y, area.width, 1);
        let [label, input] =
            Layout::horizontal([Constraint::Length(label_width(form)), Constraint::Min(10)])
                .areas(row);
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
        if let Some((lines, is_error)) = under(field, area.width) {
            let height = lines.len() as u16;
            let rect =
                Rect::new(area.x + 2, y, area.width.saturating_sub(2), height).intersection(area);
            let style = if is_error { theme.error } else { theme.muted };
            frame.render_widget(Paragraph::new(lines).style(style), rect);
            y += height;
        }
    }
}

fn draw_input(theme: &Theme, field: &Field, focused: bool, frame: &mut Frame, area: Rect) {
    // Drawing must not change the app, so style a copy (a single line: cheap).
    let mut input = field.input.clone();
    input.set_cursor_line_style(Style::default());
    input.set_placeholder_style(theme.muted);
    let room = usize::from(area.width.saturating_sub(1));
    if field.hint.chars().count() > room {
        // A hint too long for the field ends at a whole word, never mid-word.
        input.set_placeholder_text(shorten(field.hint, room));
    }
    if focused {
        input.set_style(theme.field_focus);
        input.set_cursor_style(theme.selected);
    } else {
        input.set_style(theme.field);
        input.set_cursor_style(theme.field);
    }
    frame.render_widget(&input, area);
}

/// `text` cut after the last whole word that fits in `room` columns, with `…` to say so.
fn shorten(text: &str, room: usize) -> String {
    let mut out = String::new();
    for word in text.split(' ') {
        let next = if out.is_empty() {
            word.to_owned()
        } else {
            format!("{out} {word}")
        };
        if next.chars().count() + 1 > room {
            break;
        }
        out = next;
    }
    format!("{}…", out.trim_end_matches([',', ';', ':']))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_long_hint_ends_at_a_whole_word() {
        assert_eq!(
            super::shorten("from the e-mail, or empty for a key", 20),
            "from the e-mail, or…"
        );
    }
}
