//! The help overlay: every key, from the wizard's one key table.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Span;
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use crate::wizard::App;

pub fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let theme = &app.theme;
    // Esc is in the title: every line inside is a key's (the list fills 80×24).
    let lines = super::keys::help(app);
    let height = (lines.len() as u16 + 2).min(area.height);
    let width = 64.min(area.width);
    let rect = super::popup::centered(area, width, height);
    frame.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border_focus)
        .title(Span::styled(" Keys (Esc closes this help) ", theme.title));
    frame.render_widget(Paragraph::new(lines).block(block), rect);
}
