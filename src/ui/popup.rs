//! Popups drawn over the frame: a confirm box (a question, why it matters, the answer keys).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use crate::wizard::App;

/// A rectangle of `width`×`height` in the middle of `area`.
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect::new(
        area.x + (area.width - width) / 2,
        area.y + (area.height - height) / 2,
        width,
        height,
    )
}

pub fn confirm(app: &App, frame: &mut Frame, area: Rect, question: &str, why: &str, keys: &str) {
    let theme = &app.theme;
    let width = 60.min(area.width);
    let lines = vec![
        Line::styled(why, theme.base),
        Line::raw(""),
        Line::styled(keys, theme.key),
    ];
    framed(app, frame, area, width, question, lines);
}

/// Draws `lines`, fitted to `width`, in a titled box in the middle of `area`.
fn framed(app: &App, frame: &mut Frame, area: Rect, width: u16, title: &str, lines: Vec<Line>) {
    let theme = &app.theme;
    let lines = super::wrap::fit(lines, width - 2);
    let height = (lines.len() as u16 + 2).min(area.height);
    let rect = centered(area, width, height);
    frame.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border_focus)
        .title(Span::styled(format!(" {title} "), theme.title));
    frame.render_widget(Paragraph::new(lines).block(block), rect);
}

/// A popup with a list of choices, one highlighted (e.g. the servers to resume).
pub fn choose(
    app: &App,
    frame: &mut Frame,
    area: Rect,
    title: &str,
    rows: &[String],
    selected: usize,
) {
    let theme = &app.theme;
    // As wide as the longest row (a resume row names a host and its count), at least 70.
    let longest = rows.iter().map(|r| r.chars().count()).max().unwrap_or(0) as u16;
    let width = (longest + 6).max(70).min(area.width);
    let lines: Vec<Line> = rows
        .iter()
        .enumerate()
        .map(|(i, row)| {
            if i == selected {
                Line::styled(format!("▶ {row}"), theme.accent)
            } else {
                Line::styled(format!("  {row}"), theme.base)
            }
        })
        .collect();
    framed(app, frame, area, width, title, lines);
}
