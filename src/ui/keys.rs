//! Every key the wizard understands, in one table: the help overlay lists them all and the
//! status bar picks the ones that work right now, so the two can never disagree.

use crate::app::{App, Overlay};

/// A key and what it does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyHelp {
    pub keys: &'static str,
    pub action: &'static str,
}

const fn k(keys: &'static str, action: &'static str) -> KeyHelp {
    KeyHelp { keys, action }
}

/// All keys, for the help overlay, grouped by purpose.
pub const ALL: &[(&str, &[KeyHelp])] = &[
    (
        "Forms",
        &[
            k("Tab / ↓", "next field"),
            k("Shift-Tab / ↑", "previous field"),
            k("Enter", "next field; on the last one, confirm"),
            k("Esc", "back to the previous stage"),
        ],
    ),
    (
        "Log panel",
        &[
            k("PgUp / PgDn", "scroll the log a page"),
            k("Home / End", "oldest line / follow new output"),
        ],
    ),
    (
        "Anywhere",
        &[
            k("Alt-↑ / Alt-↓", "look at the previous / next stage"),
            k("F1 or ?", "this help (? only outside a text field)"),
            k("q or Ctrl-C", "quit (asks first while a step runs)"),
        ],
    ),
];

/// The few keys that work right now, for the status bar.
pub fn current(app: &App) -> Vec<KeyHelp> {
    match app.overlay {
        Some(Overlay::Help) => vec![k("Esc", "close help")],
        Some(Overlay::ConfirmQuit) => vec![k("y", "quit"), k("n / Esc", "keep going")],
        None if !app.form.is_empty() => vec![
            k("Tab", "next field"),
            k("Enter", "confirm"),
            k("Esc", "back"),
            k("PgUp/PgDn", "log"),
            k("F1", "help"),
            k("Ctrl-C", "quit"),
        ],
        None => vec![
            k("Enter", "continue"),
            k("Esc", "back"),
            k("PgUp/PgDn", "log"),
            k("?", "help"),
            k("q", "quit"),
        ],
    }
}
