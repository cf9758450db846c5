//! The nginx stage's editor pane: what the check found, the site file with line numbers under
//! its path, and nginx -t's complaint in plain words (the cursor already sits on its line).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::course::stages::nginx;
use crate::course::values::SiteName;
use crate::wizard::App;

pub fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let theme = &app.theme;
    let Some(editor) = &app.editor else {
        return;
    };
    // The complaint in plain words, then nginx's own (muted, for the curious).
    let error = editor.error.as_ref().map(|e| {
        let mut lines = vec![Line::styled(format!("✗ {}", e.message), theme.error)];
        if !e.nginx_said.is_empty() {
            lines.push(Line::styled(
                format!("  nginx said: {}", e.nginx_said),
                theme.muted,
            ));
        }
        super::wrap::fit(lines, area.width)
    });
    let error_height = error.as_ref().map_or(0, |l| (l.len() as u16).min(5));
    let error = error.map(Paragraph::new);
    let [top, body, bottom] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(error_height),
    ])
    .areas(area);

    let note = app
        .entry(app.current)
        .map(|e| e.note.as_str())
        .unwrap_or_default();
    let top_line = if editor.error.is_some() || note.is_empty() {
        Line::styled(
            "Edit freely; nginx -t checks it before it's live.",
            theme.muted,
        )
    } else {
        Line::styled(format!("droplift checked: {note}."), theme.accent)
    };
    frame.render_widget(Paragraph::new(top_line), top);

    let path = SiteName::parse(&app.answers.nginx.site)
        .map(|site| nginx::site_path(&site))
        .unwrap_or_default();
    let edited = if editor.is_modified() {
        " (edited)"
    } else {
        ""
    };
    let block = Block::default()
        .borders(Borders::TOP)
        .border_style(theme.border_focus)
        .title(Span::styled(format!(" {path}{edited} "), theme.title));
    let inner = block.inner(body);
    frame.render_widget(block, body);
    frame.render_widget(&editor.area, inner);
    if let Some(error) = error {
        frame.render_widget(error, bottom);
    }
}
