//! The nginx stage's editor pane: the site file in a ratatui-textarea with line numbers (its keys
//! are in the key table, `keymap.rs`); nginx -t's complaint moves the cursor to its line and stays
//! in view while it is fixed.

use ratatui::style::Style;
use ratatui_textarea::{CursorMove, TextArea};

use super::{App, View};
use crate::course::stages::nginx::SiteError;
use crate::course::{self, StageId};
use crate::logbuf::LineKind;
use crate::theme::Theme;

/// The site file being edited.
#[derive(Clone, Debug)]
pub struct SiteEditor {
    pub area: TextArea<'static>,
    /// The text as it was loaded, to tell whether anything was edited.
    original: String,
    /// What nginx -t (or droplift's own check) said about the text last time it was tried.
    pub error: Option<SiteError>,
}

impl SiteEditor {
    pub fn new(text: &str, theme: &Theme) -> Self {
        let mut area = TextArea::new(text.lines().map(str::to_owned).collect());
        area.set_line_number_style(theme.muted);
        area.set_cursor_line_style(Style::default());
        area.set_cursor_style(theme.selected);
        area.set_style(theme.base);
        // nginx files are indented with spaces; a tab key gives four.
        area.set_hard_tab_indent(false);
        area.set_tab_length(4);
        Self {
            area,
            original: text.to_owned(),
            error: None,
        }
    }

    /// The text as a file: lines joined, ending with a newline.
    pub fn text(&self) -> String {
        let mut text = self.area.lines().join("\n");
        text.push('\n');
        text
    }

    pub fn is_modified(&self) -> bool {
        self.text().trim_end() != self.original.trim_end()
    }

    /// Shows a complaint and puts the cursor where it points: the column when one is given, else
    /// the line's first word.
    pub fn show_error(&mut self, error: SiteError) {
        let lines = self.area.lines();
        let row = error
            .line
            .saturating_sub(1)
            .min(lines.len().saturating_sub(1));
        let col = match error.column {
            Some(column) => column.saturating_sub(1),
            None => lines
                .get(row)
                .map_or(0, |l| l.chars().take_while(|c| c.is_whitespace()).count()),
        };
        let clamp = |n: usize| u16::try_from(n).unwrap_or(u16::MAX);
        self.area
            .move_cursor(CursorMove::Jump(clamp(row), clamp(col)));
        self.error = Some(error);
    }
}

/// The stage's questions were answered and the check found work to do: open the site file,
/// the student's earlier edit if there is one, else the template with the answers filled in.
pub(super) fn open(app: &mut App) {
    let text = match &app.answers.nginx.site_text {
        Some(text) => Some(text.clone()),
        None => site_text(app),
    };
    if let Some(text) = text {
        app.editor = Some(SiteEditor::new(&text, &app.theme));
        app.view = View::Editor;
    }
}

/// The template filled from the answers (None if they do not check out: the form says why).
fn site_text(app: &App) -> Option<String> {
    let site = course::values::SiteName::parse(&app.answers.nginx.site).ok()?;
    let server = course::values::ServerName::parse(&app.answers.nginx.server_name).ok()?;
    Some(course::stages::nginx::site_from_template(&site, &server))
}

/// Pasted text goes into the file as it is, line breaks included.
pub(super) fn paste(app: &mut App, text: &str) {
    if let Some(editor) = app.editor.as_mut() {
        editor.area.insert_str(text);
    }
}

/// "Drop your edits?" answered yes: the pane closes, the site file as it was.
pub(super) fn drop_edits(app: &mut App) {
    app.info("Your edits to the site file were dropped.");
    close(app);
}

pub(super) fn close(app: &mut App) {
    app.editor = None;
    app.view = View::Form;
}

/// Takes the editor's text as the site to apply, after droplift's own check (nginx -t judges
/// the rest). False, with the reason in the pane, when the text can never be a site file.
pub(super) fn take_text(app: &mut App) -> bool {
    let Some(editor) = app.editor.as_mut() else {
        return false;
    };
    let text = editor.text();
    if let Err(message) = crate::course::stages::nginx::checks::validate_site_text(&text) {
        editor.error = Some(SiteError {
            line: 1,
            column: None,
            message: message.into(),
            nginx_said: String::new(),
        });
        return false;
    }
    app.answers.nginx.site_text = Some(text);
    true
}

/// A failed apply of the nginx stage: when nginx -t named a line of the site file, the editor
/// comes back with the cursor there and the complaint in plain words. True when it did.
pub(super) fn on_failure(app: &mut App, stage: StageId, detail: &[String]) -> bool {
    if stage != StageId::Nginx {
        return false;
    }
    let Ok(site) = course::values::SiteName::parse(&app.answers.nginx.site) else {
        return false;
    };
    let text = app
        .editor
        .as_ref()
        .map(|e| e.text())
        .or_else(|| app.answers.nginx.site_text.clone());
    let Some(error) = course::stages::nginx::site_error(detail, &site, text.as_deref()) else {
        return false;
    };
    if app.editor.is_none() {
        open(app);
    }
    app.log_line(LineKind::Error, &error.message);
    // The script has said already that nothing changed (its last line, above these).
    app.log_line(LineKind::Info, &format!("nginx said: {}", error.nginx_said));
    let Some(editor) = app.editor.as_mut() else {
        return false;
    };
    editor.show_error(error);
    app.view = View::Editor;
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::course::StageStatus;
    use crate::remote::{JobId, Stream, WorkerEvent};
    use crate::theme::ThemeName;
    use crate::wizard::drive::{ctrl, press};
    use crate::wizard::{Effect, Event, Link, Overlay, update};
    use crossterm::event::KeyCode;

    fn id(effects: &[Effect]) -> JobId {
        match effects.first() {
            Some(Effect::Perform(request)) => request.id(),
            other => panic!("expected a request, got {other:?}"),
        }
    }

    /// Ends job `id` with these lines (stderr when `err`) and an exit code.
    fn end(app: &mut App, id: JobId, lines: &[(bool, &str)], code: i32) -> Vec<Effect> {
        for (err, line) in lines {
            update(
                app,
                Event::Worker(WorkerEvent::Output {
                    id,
                    stream: if *err { Stream::Stderr } else { Stream::Stdout },
                    line: (*line).into(),
                }),
            );
        }
        update(
            app,
            Event::Worker(WorkerEvent::Finished {
                id,
                exit_code: code,
            }),
        )
    }

    /// Logged in (through the real login events) and on the nginx stage's form, its answers at
    /// their defaults.
    fn at_nginx_form() -> App {
        let mut app = App::new(Theme::new(ThemeName::Default, true), 1000);
        for ch in "203.0.113.7".chars() {
            press(&mut app, KeyCode::Char(ch));
        }
        press(&mut app, KeyCode::Tab);
        press(&mut app, KeyCode::Tab);
        press(&mut app, KeyCode::Char('p'));
        press(&mut app, KeyCode::Enter);
        let probe = update(
            &mut app,
            Event::Worker(WorkerEvent::Connected {
                user: "root".into(),
                host: "203.0.113.7".into(),
                port: 22,
            }),
        );
        let all = end(
            &mut app,
            id(&probe),
            &[(false, "droplift-state: done connected")],
            0,
        );
        // The background download starts, then every stage is checked at once; nothing is
        // done on this server yet.
        let check = end(
            &mut app,
            id(&all),
            &[(false, "Fetching in the background")],
            0,
        );
        end(&mut app, id(&check), &[], 0);
        assert!(matches!(app.link, Link::Connected { .. }));
        app.enter_stage(StageId::Nginx);
        app
    }

    /// Answers the form (Enter through its fields) and a pending check: the editor opens.
    pub(crate) fn to_editor(app: &mut App) {
        // Enter confirms on the last field.
        app.form.focus = app.form.fields.len() - 1;
        let check = press(app, KeyCode::Enter);
        end(
            app,
            id(&check),
            &[(false, "droplift-state: pending nginx is not installed yet")],
            0,
        );
        assert_eq!(app.view, View::Editor);
    }

    #[test]
    fn the_check_opens_the_template_and_a_broken_edit_comes_back_at_its_line() {
        let mut app = at_nginx_form();
        assert_eq!(app.form.value("site"), "items-rest");
        assert_eq!(app.form.value("remove_default"), "yes");
        to_editor(&mut app);
        let editor = app.editor.as_ref().expect("editor");
        assert!(!editor.is_modified());
        assert!(editor.text().contains("server_name _;"));

        // Break the server_name line by typing an x in front of it.
        let row = course::stages::nginx::TEMPLATE
            .lines()
            .position(|l| l.contains("server_name"))
            .expect("server_name line");
        for _ in 0..row {
            press(&mut app, KeyCode::Down);
        }
        press(&mut app, KeyCode::Char('x'));
        assert!(app.editor.as_ref().is_some_and(SiteEditor::is_modified));

        let install = ctrl(&mut app, 's');
        assert_eq!(app.view, View::Running);
        let edited = app
            .answers
            .nginx
            .site_text
            .clone()
            .expect("the edit is what applies");
        assert!(edited.contains("x    server_name _;"), "{edited}");
        let test = end(&mut app, id(&install), &[(false, "apt is free")], 0);
        let complaint = format!(
            "2026/11/25 03:26:47 [emerg] 426#426: unknown directive \"x\" in \
             /etc/nginx/sites-available/items-rest:{}",
            row + 1
        );
        let after = end(
            &mut app,
            id(&test),
            &[
                (true, &complaint),
                (
                    true,
                    "nginx: configuration file /etc/nginx/nginx.conf test failed",
                ),
                (
                    true,
                    "Nothing was changed: the old configuration keeps serving.",
                ),
            ],
            1,
        );
        assert!(after.is_empty());
        assert_eq!(
            app.view,
            View::Editor,
            "back in the editor, not an error card"
        );
        assert!(app.overlay.is_none());
        assert_eq!(app.status(StageId::Nginx), StageStatus::Failed);
        let editor = app.editor.as_ref().expect("editor");
        assert_eq!(
            editor.area.cursor(),
            (row, 0),
            "the cursor is on the reported line"
        );
        let error = editor.error.as_ref().expect("the complaint");
        assert!(error.message.starts_with(&format!(
            "Line {}: nginx does not know the word \"x\"",
            row + 1
        )));
        assert!(editor.is_modified(), "the edit is kept to be fixed");

        // Fixed, applied again, checked: done, and the pane closes.
        press(&mut app, KeyCode::Delete);
        let install = ctrl(&mut app, 's');
        let mut next = end(&mut app, id(&install), &[], 0);
        for _ in 0..3 {
            next = end(&mut app, id(&next), &[], 0);
        }
        assert!(next.is_empty());
        assert_eq!(app.status(StageId::Nginx), StageStatus::Done);
        assert_eq!(app.view, View::Finished);
        assert!(app.editor.is_none());
        assert!(
            !app.answers
                .nginx
                .site_text
                .clone()
                .unwrap_or_default()
                .contains("x    ")
        );
    }

    #[test]
    fn esc_asks_before_dropping_edits_and_ctrl_p_shows_the_commands() {
        let mut app = at_nginx_form();
        to_editor(&mut app);
        press(&mut app, KeyCode::Esc);
        assert_eq!(app.view, View::Form, "nothing edited: no question");

        to_editor(&mut app);
        update(&mut app, Event::Paste("# mine\n".into()));
        assert!(
            app.editor
                .as_ref()
                .is_some_and(|e| e.text().starts_with("# mine\n"))
        );
        // q and ? are text here.
        press(&mut app, KeyCode::Char('q'));
        assert!(!app.should_quit);
        press(&mut app, KeyCode::Esc);
        assert!(matches!(app.overlay, Some(Overlay::ConfirmDiscard)));
        press(&mut app, KeyCode::Char('n'));
        assert_eq!(app.view, View::Editor);
        assert!(app.editor.as_ref().is_some_and(SiteEditor::is_modified));

        assert!(ctrl(&mut app, 'p').is_empty(), "the preview runs nothing");
        assert_eq!(app.view, View::Preview { scroll: 0 });
        let plans = course::plans(StageId::Nginx, &app.answers).expect("plans");
        assert!(
            format!("{plans:?}").contains("# mine\\n"),
            "the preview shows the edit"
        );
        press(&mut app, KeyCode::Esc);
        assert_eq!(app.view, View::Editor);

        press(&mut app, KeyCode::Esc);
        press(&mut app, KeyCode::Char('y'));
        assert_eq!(app.view, View::Form);
        assert!(app.editor.is_none());
    }

    #[test]
    fn an_empty_file_is_refused_in_the_pane_and_nothing_runs() {
        let mut app = at_nginx_form();
        to_editor(&mut app);
        if let Some(editor) = app.editor.as_mut() {
            editor.area.select_all();
            editor.area.cut();
        }
        assert!(ctrl(&mut app, 's').is_empty());
        assert_eq!(app.view, View::Editor);
        let error = app
            .editor
            .as_ref()
            .and_then(|e| e.error.clone())
            .expect("error");
        assert!(error.message.contains("empty"), "{}", error.message);
    }

    #[test]
    fn keeping_the_default_site_with_no_name_is_refused_at_the_field() {
        let mut app = at_nginx_form();
        press(&mut app, KeyCode::Tab);
        press(&mut app, KeyCode::Tab);
        for _ in 0..3 {
            press(&mut app, KeyCode::Backspace);
        }
        for ch in "no".chars() {
            press(&mut app, KeyCode::Char(ch));
        }
        assert!(press(&mut app, KeyCode::Enter).is_empty(), "nothing runs");
        let field = app.form.field("remove_default").expect("field");
        assert!(
            field
                .error
                .as_deref()
                .is_some_and(|e| e.contains("server name _"))
        );
    }

    #[test]
    fn new_names_fill_the_template_again() {
        let mut app = at_nginx_form();
        app.answers.nginx.site_text = Some("server { }\n".into());
        app.enter_stage(StageId::Nginx);
        press(&mut app, KeyCode::Tab);
        press(&mut app, KeyCode::Backspace);
        for ch in "api.example.com".chars() {
            press(&mut app, KeyCode::Char(ch));
        }
        press(&mut app, KeyCode::Enter);
        let check = press(&mut app, KeyCode::Enter);
        end(
            &mut app,
            id(&check),
            &[(
                false,
                "droplift-state: pending there is no site items-rest yet",
            )],
            0,
        );
        let text = app
            .editor
            .as_ref()
            .map(SiteEditor::text)
            .unwrap_or_default();
        assert!(text.contains("server_name api.example.com;"), "{text}");
    }

    fn editor(text: &str) -> SiteEditor {
        SiteEditor::new(text, &Theme::new(ThemeName::Default, true))
    }

    #[test]
    fn an_error_moves_the_cursor_to_its_line_and_column() {
        let mut e = editor("server {\n    listen 80;\n    servr_name _;\n}\n");
        e.show_error(SiteError {
            line: 3,
            column: None,
            message: "Line 3: …".into(),
            nginx_said: String::new(),
        });
        assert_eq!(e.area.cursor(), (2, 4), "at the first word of line 3");
        e.show_error(SiteError {
            line: 2,
            column: Some(8),
            message: "Line 2: …".into(),
            nginx_said: String::new(),
        });
        assert_eq!(e.area.cursor(), (1, 7));
        e.show_error(SiteError {
            line: 99,
            column: None,
            message: "past the end".into(),
            nginx_said: String::new(),
        });
        assert_eq!(e.area.cursor().0, 3, "clamped to the last line");
    }

    #[test]
    fn edits_are_noticed_and_the_text_ends_with_a_newline() {
        let mut e = editor("server {\n}\n");
        assert!(!e.is_modified());
        assert_eq!(e.text(), "server {\n}\n");
        e.area.insert_char('#');
        assert!(e.is_modified());
        assert_eq!(e.text(), "#server {\n}\n");
    }
}
