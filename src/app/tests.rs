//! Drives `update` with events, as the loop would, and checks the state: no terminal involved.

use super::*;
use crate::remote::Stream;
use crate::ui::theme::ThemeName;

fn app() -> App {
    App::new(Theme::new(ThemeName::Default, false), 100)
}

fn press(app: &mut App, code: KeyCode) -> Vec<Effect> {
    update(app, Event::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn type_text(app: &mut App, text: &str) {
    for ch in text.chars() {
        press(app, KeyCode::Char(ch));
    }
}

#[test]
fn tab_and_shift_tab_move_between_fields() {
    let mut app = app();
    assert_eq!(app.form.focus, 0);
    press(&mut app, KeyCode::Tab);
    assert_eq!(app.form.focus, 1);
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Tab);
    assert_eq!(app.form.focus, 0, "wraps around");
    press(&mut app, KeyCode::BackTab);
    assert_eq!(app.form.focus, 2);
}

#[test]
fn typing_goes_to_the_focused_field_even_q_and_question_mark() {
    let mut app = app();
    type_text(&mut app, "q?x");
    assert_eq!(app.form.value("host"), "q?x");
    assert!(!app.should_quit);
    assert_eq!(app.overlay, None);
}

#[test]
fn enter_on_last_field_validates_and_marks_the_bad_field() {
    let mut app = app();
    type_text(&mut app, "a b");
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Backspace);
    press(&mut app, KeyCode::Backspace);
    type_text(&mut app, "99999");
    press(&mut app, KeyCode::Tab);
    let effects = press(&mut app, KeyCode::Enter);
    assert!(effects.is_empty(), "nothing is run with bad input");
    assert!(
        app.form
            .field("host")
            .and_then(|f| f.error.clone())
            .is_some()
    );
    assert!(
        app.form
            .field("port")
            .and_then(|f| f.error.clone())
            .is_some()
    );
    assert_eq!(app.form.focus, 0, "focus jumps to the first bad field");
    assert_eq!(app.form.value("host"), "a b", "what was typed is kept");
    // Typing in the field clears its message.
    press(&mut app, KeyCode::Backspace);
    assert!(
        app.form
            .field("host")
            .and_then(|f| f.error.clone())
            .is_none()
    );
}

#[test]
fn f1_opens_help_and_esc_closes_it() {
    let mut app = app();
    press(&mut app, KeyCode::F(1));
    assert_eq!(app.overlay, Some(Overlay::Help));
    type_text(&mut app, "abc");
    assert_eq!(
        app.form.value("host"),
        "",
        "keys go to the overlay while it is open"
    );
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.overlay, None);
}

#[test]
fn ctrl_c_quits_at_once_when_idle() {
    let mut app = app();
    let effects = update(
        &mut app,
        Event::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
    );
    assert!(app.should_quit);
    assert!(effects.iter().any(|e| matches!(e, Effect::Quit)));
}

#[test]
fn quitting_while_busy_asks_first() {
    let mut app = app();
    app.set_status(StageId::Update, StageStatus::Running);
    let ctrl_c = Event::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL));
    update(&mut app, ctrl_c.clone());
    assert_eq!(app.overlay, Some(Overlay::ConfirmQuit));
    assert!(!app.should_quit);
    press(&mut app, KeyCode::Char('n'));
    assert_eq!(app.overlay, None);
    assert!(!app.should_quit);
    update(&mut app, ctrl_c);
    let effects = press(&mut app, KeyCode::Char('y'));
    assert!(app.should_quit);
    assert!(effects.iter().any(|e| matches!(e, Effect::Quit)));
}

#[test]
fn alt_arrows_peek_at_other_stages_and_esc_goes_back() {
    let mut app = app();
    let alt_down = Event::Key(KeyEvent::new(KeyCode::Down, KeyModifiers::ALT));
    update(&mut app, alt_down.clone());
    update(&mut app, alt_down);
    assert_eq!(app.current, StageId::User);
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.current, StageId::Update);
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Esc);
    assert_eq!(
        app.current,
        StageId::Connect,
        "Esc stops at the first stage"
    );
}

#[test]
fn log_scrolls_by_page_and_end_follows_again() {
    let mut app = app();
    update(&mut app, Event::Resize(80, 24));
    for i in 0..50 {
        update(
            &mut app,
            Event::Worker(WorkerEvent::Output {
                id: 1,
                stream: Stream::Stdout,
                line: format!("line {i}"),
            }),
        );
    }
    let rows = Areas::new(app.size).log_rows();
    press(&mut app, KeyCode::PageUp);
    assert_eq!(app.log_scroll, rows);
    // New output keeps the scrolled view still.
    update(
        &mut app,
        Event::Worker(WorkerEvent::Output {
            id: 1,
            stream: Stream::Stderr,
            line: "more".into(),
        }),
    );
    assert_eq!(app.log_scroll, rows + 1);
    press(&mut app, KeyCode::Home);
    assert_eq!(app.log_scroll, app.log.max_scroll(rows));
    press(&mut app, KeyCode::End);
    assert_eq!(app.log_scroll, 0);
}

#[test]
fn secrets_are_masked_in_the_log() {
    let mut app = app();
    app.redactor.add(&crate::secret::Secret::new("s3cret pass"));
    app.info("the password is s3cret pass, ok");
    assert_eq!(
        app.log.last().map(|l| l.text.as_str()),
        Some("the password is ••••, ok")
    );
}

#[test]
fn idle_ticks_do_not_redraw() {
    let mut app = app();
    app.dirty = false;
    update(&mut app, Event::Tick);
    assert!(!app.dirty, "idle means no redraw");
    app.set_status(StageId::Update, StageStatus::Running);
    update(&mut app, Event::Tick);
    assert!(app.dirty, "the spinner moves while busy");
}

#[test]
fn pasted_text_keeps_only_the_first_line() {
    let mut app = app();
    update(&mut app, Event::Paste("203.0.113.7\nrm -rf /".into()));
    assert_eq!(app.form.value("host"), "203.0.113.7");
}
