//! A form drawn as labelled one-line fields, with each field's error message under it, so bad
//! input is explained where it was typed. Used by stage screens and popups alike.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
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
/// note's) lines under it, and the focused field's hint when it shows under it (`active`: the
/// form has the keyboard).
pub fn height(form: &Form, active: bool, width: u16) -> u16 {
    rows(form, active, width).iter().sum()
}

fn rows(form: &Form, active: bool, width: u16) -> Vec<u16> {
    form.fields
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let hint = active && i == form.focus && hint_below(form, f, width);
            1 + under(f, hint, width).map_or(0, |(lines, _)| lines.len() as u16)
        })
        .collect()
}

fn error_lines(error: &str, width: u16) -> Vec<ratatui::text::Line<'static>> {
    super::wrap::fit(
        vec![ratatui::text::Line::raw(format!("✗ {error}"))],
        width.saturating_sub(2),
    )
}

fn hint_lines(field: &Field, width: u16) -> Vec<ratatui::text::Line<'static>> {
    if field.hint.is_empty() {
        return Vec::new();
    }
    super::wrap::fit(
        vec![ratatui::text::Line::raw(format!("↳ {}", field.hint))],
        width.saturating_sub(2),
    )
}

/// Columns the input gets at `width` (the label column takes the rest).
fn input_room(form: &Form, width: u16) -> usize {
    usize::from(width.saturating_sub(label_width(form)).saturating_sub(1))
}

/// The focused field shows its whole hint under it when the greyed hint in the field cannot
/// say it: a value put there for the student hides it (the hint says where such a value comes
/// from), and a long one is cut there.
fn hint_below(form: &Form, field: &Field, width: u16) -> bool {
    !field.hint.is_empty()
        && (field.prefilled || field.hint.chars().count() > input_room(form, width))
}

/// What goes under a field: its error, or else its note (why it starts with its value), or
/// else, when it is focused, its hint (`hint_below`).
fn under(
    field: &Field,
    focused_hint: bool,
    width: u16,
) -> Option<(Vec<ratatui::text::Line<'static>>, bool)> {
    if let Some(error) = &field.error {
        return Some((error_lines(error, width), true));
    }
    if let Some(note) = field.note.as_ref() {
        return Some((
            super::wrap::fit(
                vec![ratatui::text::Line::raw(format!("↳ {note}"))],
                width.saturating_sub(2),
            ),
            false,
        ));
    }
    focused_hint.then(|| (hint_lines(field, width), false))
}

pub fn draw(theme: &Theme, form: &Form, active: bool, frame: &mut Frame, area: Rect) {
    let mut y = area.y;
    let hint_at = |index: usize, field: &Field| {
        active && index == form.focus && hint_below(form, field, area.width)
    };
    // When the rows are too few for every field, the form scrolls: the focused field and what
    // is under it are always on screen, so nobody types into a field they cannot see.
    let rows = rows(form, active, area.width);
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
        draw_input(theme, field, focused, hint_at(index, field), frame, input);
        y += 1;
        if let Some((lines, is_error)) = under(field, hint_at(index, field), area.width) {
            let height = lines.len() as u16;
            let rect =
                Rect::new(area.x + 2, y, area.width.saturating_sub(2), height).intersection(area);
            let style = if is_error { theme.error } else { theme.muted };
            frame.render_widget(Paragraph::new(lines).style(style), rect);
            y += height;
        }
    }
}

fn draw_input(
    theme: &Theme,
    field: &Field,
    focused: bool,
    hint_below: bool,
    frame: &mut Frame,
    area: Rect,
) {
    // Drawing must not change the app, so style a copy (a single line: cheap).
    let mut input = field.input.clone();
    input.set_cursor_line_style(Style::default());
    input.set_placeholder_style(theme.muted);
    let room = usize::from(area.width.saturating_sub(1));
    if hint_below {
        // The whole hint is under the field: not a cut copy of it in the field too.
        input.set_placeholder_text("");
    } else if field.hint.chars().count() > room {
        // A hint too long for the field ends at a whole word, never mid-word.
        input.set_placeholder_text(shorten(field.hint, room));
    }
    if focused && field.prefilled {
        // Shown selected, as the first key typed replaces it (`Form::input`); underlined too,
        // so it reads as selected without colour.
        input.set_style(theme.selected.add_modifier(Modifier::UNDERLINED));
        input.set_cursor_style(theme.selected);
    } else if focused {
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
