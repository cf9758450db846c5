//! The stage list: every stage in course order with its status badge; the shown stage is
//! highlighted. Symbols carry the status too, so it reads without colour.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::course::StageStatus;
use crate::wizard::App;

const SPINNER: [&str; 4] = ["◐", "◓", "◑", "◒"];

pub fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let theme = &app.theme;
    let lines: Vec<Line> = app
        .stages
        .iter()
        .enumerate()
        .map(|(i, entry)| {
            let symbol = if entry.status == StageStatus::Running {
                SPINNER[app.spinner % SPINNER.len()]
            } else {
                entry.status.symbol()
            };
            let title = format!("{:>2} {:<20}", i + 1, entry.id.title());
            let title_style = if entry.id == app.current {
                theme.selected
            } else {
                theme.base
            };
            Line::from(vec![
                Span::styled(format!("{symbol} "), theme.status(entry.status)),
                Span::styled(title, title_style),
            ])
        })
        .collect();
    let block = Block::default()
        .borders(Borders::RIGHT)
        .border_style(theme.border);
    frame.render_widget(Paragraph::new(lines).block(block), area);
}
