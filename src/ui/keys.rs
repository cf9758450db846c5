//! Every key the wizard understands, in one table: the help overlay lists them all and the
//! status bar picks the ones that work right now, so the two can never disagree.

use crate::course::StageId;
use crate::wizard::{App, Overlay, View};

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
            k("Tab, Shift-Tab", "next / previous field (also ↓ / ↑)"),
            k("↑ / ↓, Del", "firewall: choose a rule, remove it"),
            k("Enter", "next field; on the last one, confirm"),
            k("Esc", "back to the previous stage"),
            k("F2", "first screen: make a practice droplet here"),
        ],
    ),
    (
        "Preview and running",
        &[
            k("Enter", "run the commands shown / go on"),
            k("↑ / ↓", "scroll the commands"),
            k("Esc", "back; while running: stop the step"),
            k("n", "while running: the next stage's questions"),
            k("w", "save the commands as notes (a text file)"),
            k("b", "end of the uWSGI stage: roll back"),
            // ── nginx (stage 7) ── (with the rollback line the help box fills 80×24 exactly)
            k(
                "Ctrl-S / Ctrl-P",
                "site editor: nginx -t & apply / commands",
            ),
        ],
    ),
    (
        "Log panel",
        &[k("PgUp / PgDn", "a page; Home / End: oldest / follow new")],
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

/// The create screens' keys.
fn cloud_keys(app: &App) -> Vec<KeyHelp> {
    use crate::wizard::cloud::Screen;
    let Some(flow) = &app.cloud else {
        return Vec::new();
    };
    if flow.busy.is_some() {
        return vec![k("PgUp/PgDn", "log"), k("Ctrl-C", "quit")];
    }
    match flow.screen {
        Screen::Token | Screen::Name => vec![
            k("Enter", "next"),
            k("Esc", "back"),
            k("F1", "help"),
            k("Ctrl-C", "quit"),
        ],
        Screen::Summary => vec![
            k("Enter", "create it"),
            k("Esc", "back"),
            k("PgUp/PgDn", "log"),
            k("q", "quit"),
        ],
        Screen::Backups => vec![
            k("↑/↓", "on/off"),
            k("Enter", "next"),
            k("Esc", "back"),
            k("q", "quit"),
        ],
        _ => vec![
            k("↑/↓", "choose"),
            k("Enter", "next"),
            k("Esc", "back"),
            k("q", "quit"),
        ],
    }
}

/// The few keys that work right now, for the status bar.
pub fn current(app: &App) -> Vec<KeyHelp> {
    match &app.overlay {
        Some(Overlay::Help) => vec![k("Esc", "close help")],
        Some(Overlay::Resume { .. }) => vec![
            k("↑/↓", "choose"),
            k("Enter", "carry on"),
            k("Esc", "a new droplet"),
        ],
        Some(Overlay::PracticeOs { .. }) => vec![
            k("↑/↓", "choose"),
            k("Enter", "create it"),
            k("Esc", "not now"),
        ],
        Some(Overlay::FirstChoice { .. }) => vec![
            k("↑/↓", "choose"),
            k("Enter", "go on"),
            k("Esc", "I have a droplet"),
        ],
        Some(Overlay::ConfirmQuit) => vec![k("y", "quit"), k("n / Esc", "keep going")],
        Some(Overlay::ConfirmCancel) => vec![k("y", "stop the step"), k("n / Esc", "keep running")],
        Some(Overlay::HostKey { changed: false, .. }) => {
            vec![k("y", "accept the key"), k("n", "refuse"), k("F1", "help")]
        }
        Some(Overlay::HostKey { changed: true, .. }) => {
            vec![
                k("Enter", "replace the key"),
                k("Esc", "stop"),
                k("F1", "help"),
            ]
        }
        Some(Overlay::PasswordChange(_)) => vec![
            k("Tab", "next field"),
            k("Enter", "change it"),
            k("Esc", "stop"),
            k("Ctrl-C", "quit"),
        ],
        Some(Overlay::UserLogin(_)) => vec![
            k("Esc", "retype root's password"),
            k("Enter", "log in as your user"),
            k("Ctrl-C", "quit"),
        ],
        Some(Overlay::ResumeAsUser(_)) => vec![
            k("Enter", "log in as your user"),
            k("Esc", "as root instead"),
            k("Ctrl-C", "quit"),
        ],
        Some(Overlay::Error(_)) => vec![k("Enter", "close"), k("PgUp/PgDn", "log")],
        Some(Overlay::ConfirmDiscard) => vec![k("y", "drop edits"), k("n / Esc", "keep editing")],
        None if app.cloud.is_some() => cloud_keys(app),
        None => match app.view {
            View::Form if app.current == crate::course::StageId::Firewall => vec![
                k("Enter", "add/confirm"),
                k("↑/↓", "rule"),
                k("Del", "remove"),
                k("Esc", "back"),
                k("F1", "help"),
                k("Ctrl-C", "quit"),
            ],
            View::Form if !app.form.is_empty() => vec![
                k("Tab", "next field"),
                k("Enter", "confirm"),
                k("Esc", "back"),
                k("PgUp/PgDn", "log"),
                k("F1", "help"),
                k("Ctrl-C", "quit"),
            ],
            View::Form => vec![
                k("Enter", "continue"),
                k("Esc", "back"),
                k("PgUp/PgDn", "log"),
                k("?", "help"),
                k("q", "quit"),
            ],
            View::Preview { .. } => vec![
                k("Enter", "run"),
                k("↑/↓", "scroll"),
                k("Esc", "back"),
                k("w", "save as notes"),
                k("?", "help"),
                k("q", "quit"),
            ],
            View::Running if app.paused.is_some() => vec![
                k("Space", "run"),
                k("e", "explain"),
                k("Esc", "stop"),
                k("q", "quit"),
            ],
            View::Running if app.work_ahead_target().is_some() => vec![
                k("n", "next stage meanwhile"),
                k("Esc", "stop step"),
                k("PgUp/PgDn", "log"),
                k("q", "quit"),
            ],
            View::Running => vec![
                k("Esc", "stop step"),
                k("PgUp/PgDn", "log"),
                k("?", "help"),
                k("q", "quit"),
            ],
            View::Editor => vec![
                k("Ctrl-S", "test & apply"),
                k("Ctrl-P", "commands"),
                k("Esc", "back"),
                k("F1", "help"),
                k("Ctrl-C", "quit"),
            ],
            View::Finished if app.current == StageId::Nginx => vec![
                k("Enter", "next"),
                k("e", "edit site"),
                k("Esc", "back"),
                k("?", "help"),
                k("q", "quit"),
            ],
            View::Finished if app.current == StageId::Service => vec![
                k("Enter", "next"),
                k("b", "roll back"),
                k("Esc", "back"),
                k("?", "help"),
                k("q", "quit"),
            ],
            View::Finished => vec![
                k("Enter", "next"),
                k("Esc", "back"),
                k("PgUp/PgDn", "log"),
                k("?", "help"),
                k("q", "quit"),
            ],
        },
    }
}
