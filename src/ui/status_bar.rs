//! The bottom line: the keys that work right now, from the wizard's one key table.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::widgets::Paragraph;

use crate::wizard::App;

pub fn draw(app: &App, frame: &mut Frame, area: Rect) {
    frame.render_widget(Paragraph::new(super::keys::bar(app)), area);
}
