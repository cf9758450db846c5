//! The bottom line: the keys that work right now, from the one key table in `keys`.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::wizard::App;

pub fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let mut spans = Vec::new();
    for key in super::keys::current(app) {
        spans.push(Span::styled(format!(" {}", key.keys), app.theme.key));
        spans.push(Span::styled(format!(" {} ", key.action), app.theme.muted));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
