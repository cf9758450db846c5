//! The log panel: streamed server output and droplift's own notes. Only the visible rows are
//! built, so a log of a million lines draws as fast as one of a thousand.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::layout::Areas;
use crate::logbuf::{LineKind, Row};
use crate::ui::wrap;
use crate::wizard::App;

pub fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let theme = &app.theme;
    let rows = Areas::new(app.size)
        .log_rows()
        .min(usize::from(area.height.saturating_sub(2)));
    let title = if app.log_scroll > 0 {
        Line::from(vec![
            Span::styled(" Log ", theme.title),
            Span::styled(
                format!("— {} lines up, End follows new output ", app.log_scroll),
                theme.warning,
            ),
        ])
    } else {
        Line::styled(" Log ", theme.title)
    };
    // Long lines wrap (prose at spaces, output anywhere with ↩), keeping the newest rows.
    let width = usize::from(area.width.saturating_sub(1));
    let mut lines: Vec<Line> = Vec::new();
    for row in app.log.window(rows, app.log_scroll) {
        match row {
            Row::Dropped(n) => lines.push(Line::styled(
                format!("… {n} older lines are not kept here; the log file has them all"),
                theme.muted,
            )),
            Row::Line(line) => {
                let prefix = match line.kind {
                    LineKind::Command => "$ ",
                    LineKind::Success => "✓ ",
                    LineKind::Error => "✗ ",
                    _ => "",
                };
                let rest = " ".repeat(prefix.chars().count());
                let wrapped = match line.kind {
                    LineKind::Stdout | LineKind::Stderr => {
                        wrap::code(&line.text, width, prefix, &rest)
                    }
                    _ => wrap::words(&line.text, width, prefix, &rest),
                };
                let style = theme.log(line.kind);
                lines.extend(wrapped.into_iter().map(|l| Line::styled(l, style)));
            }
        }
    }
    let lines = lines.split_off(lines.len().saturating_sub(rows));
    let block = Block::default()
        .borders(Borders::TOP | Borders::BOTTOM)
        .border_style(theme.border)
        .title(title);
    frame.render_widget(Paragraph::new(lines).block(block), area);
}
