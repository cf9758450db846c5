//! Screen geometry shared by `update` (how far PgUp scrolls) and drawing (where things go), so
//! the two never disagree. Laid out for 80×24 first; larger terminals get a taller log.

use ratatui::layout::{Constraint, Layout, Rect};

pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;
pub const SIDEBAR_WIDTH: u16 = 26;

/// The regions of the wizard frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Areas {
    pub header: Rect,
    pub sidebar: Rect,
    pub main: Rect,
    pub log: Rect,
    pub status: Rect,
}

/// True when the terminal is too small for the frame (a message is shown instead).
pub fn too_small(area: Rect) -> bool {
    area.width < MIN_WIDTH || area.height < MIN_HEIGHT
}

impl Areas {
    pub fn new(area: Rect) -> Self {
        // The log gets about a third of the height: 8 rows at 24 lines, more on big screens.
        let log_height = (area.height / 3).max(8);
        let [header, body, log, status] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Min(8),
            Constraint::Length(log_height),
            Constraint::Length(1),
        ])
        .areas(area);
        let [sidebar, main] =
            Layout::horizontal([Constraint::Length(SIDEBAR_WIDTH), Constraint::Min(40)])
                .areas(body);
        Self {
            header,
            sidebar,
            main,
            log,
            status,
        }
    }

    /// Lines of text the log panel shows (inside its border).
    pub fn log_rows(&self) -> usize {
        usize::from(self.log.height.saturating_sub(2))
    }
}
