//! Drives the wizard by keys, as the keyboard would: a key in, `update`'s effects out, no
//! terminal. For tests (unit tests and the crates in tests/ share it) and demos.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::{App, Effect, Event, update};

/// One key event, as the input thread sends it.
pub fn key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    update(app, Event::Key(key))
}

/// A key without modifiers: Enter, Tab, `q`.
pub fn press(app: &mut App, code: KeyCode) -> Vec<Effect> {
    key(app, KeyEvent::new(code, KeyModifiers::NONE))
}

/// A key with modifiers: Alt-↓, Shift-Tab.
pub fn chord(app: &mut App, modifiers: KeyModifiers, code: KeyCode) -> Vec<Effect> {
    key(app, KeyEvent::new(code, modifiers))
}

/// Ctrl and a letter: Ctrl-C, Ctrl-S.
pub fn ctrl(app: &mut App, ch: char) -> Vec<Effect> {
    chord(app, KeyModifiers::CONTROL, KeyCode::Char(ch))
}

/// Types `text` a key at a time, dropping the effects (typing into a field asks for none).
pub fn type_text(app: &mut App, text: &str) {
    type_text_with(app, text, |_, _| {});
}

/// Types `text` a key at a time and hands each key's effects to `perform` before the next key,
/// as the loop does.
pub fn type_text_with(app: &mut App, text: &str, mut perform: impl FnMut(&mut App, Vec<Effect>)) {
    for ch in text.chars() {
        let effects = press(app, KeyCode::Char(ch));
        perform(app, effects);
    }
}
