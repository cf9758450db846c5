//! Form state: labelled single-line fields (ratatui-textarea), one focused at a time, each with
//! its own error message so bad input is explained where it was typed.

use crossterm::event::KeyEvent;
use ratatui_textarea::TextArea;

use crate::secret::Secret;

/// How a field is edited and shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldKind {
    Text,
    /// Masked while typed; its value leaves the form only as a `Secret`.
    Secret,
}

#[derive(Clone, Debug)]
pub struct Field {
    pub key: &'static str,
    pub label: &'static str,
    pub hint: &'static str,
    pub kind: FieldKind,
    pub input: TextArea<'static>,
    pub error: Option<String>,
    /// Why the field starts with its value (its stage's `note`), shown under it in plain
    /// words until the student types in it or an error takes its place.
    pub note: Option<String>,
    /// The value was put there for the student (a default, the answers, a practice droplet),
    /// and nothing was typed since: it shows selected, and the first character typed replaces
    /// it, as in any other form the student knows. An arrow key keeps it for editing instead.
    pub prefilled: bool,
}

impl Field {
    pub fn new(key: &'static str, label: &'static str, kind: FieldKind) -> Self {
        let mut input = TextArea::default();
        if kind == FieldKind::Secret {
            input.set_mask_char('•');
            // No undo history for a password: it would keep copies of what was typed.
            input.set_max_histories(0);
        }
        Self {
            key,
            label,
            hint: "",
            kind,
            input,
            error: None,
            note: None,
            prefilled: false,
        }
    }

    pub fn with_note(mut self, note: Option<String>) -> Self {
        self.note = note;
        self
    }

    pub fn with_hint(mut self, hint: &'static str) -> Self {
        self.hint = hint;
        self.input.set_placeholder_text(hint);
        self
    }

    pub fn with_value(mut self, value: &str) -> Self {
        self.set_value(value);
        self
    }

    pub fn set_value(&mut self, value: &str) {
        let mut input = TextArea::new(vec![value.to_owned()]);
        if let Some(mask) = self.input.mask_char() {
            input.set_mask_char(mask);
            input.set_max_histories(0);
        }
        input.set_placeholder_text(self.hint);
        input.move_cursor(ratatui_textarea::CursorMove::End);
        self.prefilled = !value.is_empty();
        let old = std::mem::replace(&mut self.input, input);
        if self.kind == FieldKind::Secret {
            // Wipe the text a password field held before it is replaced.
            let mut lines = old.into_lines();
            lines.iter_mut().for_each(zeroize::Zeroize::zeroize);
        }
    }

    /// The text typed (a single line).
    pub fn value(&self) -> String {
        self.input.lines().first().cloned().unwrap_or_default()
    }

    /// A secret field's value; the field is then wiped so the text lives in one place only.
    pub fn take_secret(&mut self) -> Secret {
        let secret = Secret::new(self.value());
        self.set_value("");
        secret
    }
}

/// A list of fields with one focused. Enter and newlines never reach a field: these forms are
/// single-line, and a newline in a password is refused rather than silently kept.
#[derive(Clone, Debug, Default)]
pub struct Form {
    pub fields: Vec<Field>,
    pub focus: usize,
}

impl Form {
    pub fn new(fields: Vec<Field>) -> Self {
        Self { fields, focus: 0 }
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    pub fn next(&mut self) {
        if !self.fields.is_empty() {
            self.focus = (self.focus + 1) % self.fields.len();
        }
    }

    pub fn prev(&mut self) {
        if !self.fields.is_empty() {
            self.focus = (self.focus + self.fields.len() - 1) % self.fields.len();
        }
    }

    pub fn focused_mut(&mut self) -> Option<&mut Field> {
        self.fields.get_mut(self.focus)
    }

    pub fn field(&self, key: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.key == key)
    }

    pub fn field_mut(&mut self, key: &str) -> Option<&mut Field> {
        self.fields.iter_mut().find(|f| f.key == key)
    }

    pub fn value(&self, key: &str) -> String {
        self.field(key).map(Field::value).unwrap_or_default()
    }

    /// Typing goes to the focused field and clears its old error message. A prefilled value
    /// is replaced by the first character typed (Backspace or Delete empties it); an arrow,
    /// Home or End keeps it for editing.
    pub fn input(&mut self, key: KeyEvent) {
        use crossterm::event::{KeyCode, KeyModifiers};
        if let Some(field) = self.focused_mut() {
            if field.prefilled {
                let typed = matches!(key.code, KeyCode::Char(_))
                    && !key
                        .modifiers
                        .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
                if typed || matches!(key.code, KeyCode::Backspace | KeyCode::Delete) {
                    field.set_value("");
                    field.error = None;
                    field.note = None;
                    if !typed {
                        return;
                    }
                }
                field.prefilled = false;
            }
            if field.input.input(key) {
                field.error = None;
                field.note = None;
            }
        }
    }

    /// Pasted text: only its first line is taken (a field is one line); it replaces a
    /// prefilled value, as typing does.
    pub fn paste(&mut self, text: &str) {
        if let Some(field) = self.focused_mut() {
            if field.prefilled {
                field.set_value("");
            }
            let line = text.lines().next().unwrap_or_default();
            field.input.insert_str(line);
            field.error = None;
            field.note = None;
        }
    }

    pub fn set_error(&mut self, key: &str, message: impl Into<String>) {
        if let Some(index) = self.fields.iter().position(|f| f.key == key) {
            self.fields[index].error = Some(message.into());
        }
    }

    /// Move focus to the first field with an error, so the student sees what to fix.
    pub fn focus_first_error(&mut self) -> bool {
        match self.fields.iter().position(|f| f.error.is_some()) {
            Some(index) => {
                self.focus = index;
                true
            }
            None => false,
        }
    }

    pub fn clear_errors(&mut self) {
        for field in &mut self.fields {
            field.error = None;
        }
    }
}

/// A stage reads its screen back through this (`Stage::take`).
impl crate::course::stage::FormInput for Form {
    fn value(&self, key: &str) -> String {
        Form::value(self, key)
    }

    fn take_secret(&mut self, key: &str) -> Secret {
        self.field_mut(key)
            .map(Field::take_secret)
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::{KeyCode, KeyModifiers};

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn typing_replaces_a_prefilled_value_and_an_arrow_keeps_it() {
        let field = Field::new("role", "Role", FieldKind::Text).with_value("deploy_2");
        let mut form = Form::new(vec![field.clone()]);
        for ch in "items".chars() {
            form.input(key(KeyCode::Char(ch)));
        }
        assert_eq!(form.value("role"), "items", "replaced, not appended");
        let mut form = Form::new(vec![field.clone()]);
        form.input(key(KeyCode::Backspace));
        assert_eq!(form.value("role"), "", "Backspace empties it");
        let mut form = Form::new(vec![field]);
        form.input(key(KeyCode::Left));
        form.input(key(KeyCode::Char('x')));
        assert_eq!(
            form.value("role"),
            "deploy_x2",
            "after an arrow, typing edits it"
        );
        form.input(key(KeyCode::Char('y')));
        assert_eq!(form.value("role"), "deploy_xy2");
    }

    #[test]
    fn a_taken_secret_leaves_nothing_to_undo_in_the_field() {
        let mut field = Field::new("pw", "Password", FieldKind::Secret);
        for ch in "hunter2".chars() {
            field.input.insert_char(ch);
        }
        assert_eq!(field.take_secret().expose(), "hunter2");
        assert_eq!(field.value(), "");
        assert!(!field.input.undo(), "no history keeps the typed password");
    }
}
