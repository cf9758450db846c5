//! The key table's words, drawn: the status bar's keys for now and the help overlay's list.
//! Which keys work when, and what they do, is the wizard's one table (`wizard::keymap`).

use ratatui::text::{Line, Span};

use crate::wizard::{App, keymap};

/// The status bar: the keys that work right now.
pub fn bar(app: &App) -> Line<'static> {
    let mut spans = Vec::new();
    for key in keymap::bar(app) {
        spans.push(Span::styled(format!(" {}", key.keys), app.theme.key));
        spans.push(Span::styled(format!(" {} ", key.action), app.theme.muted));
    }
    Line::from(spans)
}

/// The help overlay's lines: every key, by group.
pub fn help(app: &App) -> Vec<Line<'static>> {
    let theme = &app.theme;
    let mut lines = Vec::new();
    for (group, keys) in keymap::help() {
        lines.push(Line::styled(group, theme.title));
        for key in keys {
            lines.push(Line::from(vec![
                Span::styled(format!("  {:<16}", key.keys), theme.key),
                Span::styled(key.action, theme.base),
            ]));
        }
    }
    lines
}
