//! Snapshots of the whole frame on ratatui's TestBackend (80×24 and 120×40), and the
//! screenshots in screenshots/, regenerated from the same frames.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use droplift::app::{App, Event, update};
use droplift::course::{StageId, StageStatus};
use droplift::logbuf::LineKind;
use droplift::ui::theme::{Theme, ThemeName};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;

fn render(app: &mut App, width: u16, height: u16) -> Buffer {
    update(app, Event::Resize(width, height));
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test backend");
    terminal
        .draw(|frame| droplift::ui::draw(app, frame))
        .expect("draw");
    terminal.backend().buffer().clone()
}

fn text(buffer: &Buffer) -> String {
    let area = buffer.area;
    let mut out = String::new();
    for y in 0..area.height {
        let mut line = String::new();
        for x in 0..area.width {
            line.push_str(buffer.cell((x, y)).map_or(" ", |c| c.symbol()));
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn key(code: KeyCode) -> Event {
    Event::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

/// A frame with some history: a few stages done, one running, output in the log.
fn busy_app() -> App {
    let mut app = App::new(Theme::new(ThemeName::Default, false), 1000);
    for ch in "203.0.113.7".chars() {
        update(&mut app, key(KeyCode::Char(ch)));
    }
    app.set_status(StageId::Connect, StageStatus::Done);
    app.set_status(StageId::Update, StageStatus::Running);
    app.log_line(LineKind::Command, "apt-get update");
    app.log_line(
        LineKind::Stdout,
        "Hit:1 http://deb.debian.org/debian bookworm InRelease",
    );
    app.log_line(
        LineKind::Stderr,
        "W: waiting for apt: unattended-upgrades, pid 812, 40 s",
    );
    app
}

fn save_screenshot(name: &str, buffer: &Buffer) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("screenshots")
        .join(format!("{name}.svg"));
    let svg = droplift::ui::svg::to_svg(buffer);
    // Only rewrite when the frame changed, so a test run leaves git clean.
    if std::fs::read_to_string(&path).ok().as_deref() != Some(svg.as_str()) {
        std::fs::create_dir_all(path.parent().expect("screenshots dir")).expect("mkdir");
        std::fs::write(&path, svg).expect("write screenshot");
    }
}

#[test]
fn main_frame_80x24() {
    let mut app = busy_app();
    let buffer = render(&mut app, 80, 24);
    save_screenshot("main", &buffer);
    insta::assert_snapshot!(text(&buffer));
}

#[test]
fn main_frame_120x40() {
    let mut app = busy_app();
    let buffer = render(&mut app, 120, 40);
    insta::assert_snapshot!(text(&buffer));
}

#[test]
fn every_stage_is_listed_at_80x24() {
    let mut app = busy_app();
    let screen = text(&render(&mut app, 80, 24));
    for stage in StageId::ALL {
        assert!(
            screen.contains(stage.title()),
            "{} missing:\n{screen}",
            stage.title()
        );
    }
}

#[test]
fn too_small_terminal_asks_to_enlarge() {
    let mut app = busy_app();
    let screen = text(&render(&mut app, 60, 20));
    assert!(screen.contains("Please enlarge the terminal"), "{screen}");
    assert!(screen.contains("60×20"), "{screen}");
}

#[test]
fn help_overlay() {
    let mut app = busy_app();
    update(&mut app, key(KeyCode::F(1)));
    let buffer = render(&mut app, 80, 24);
    save_screenshot("help", &buffer);
    insta::assert_snapshot!(text(&buffer));
}

#[test]
fn field_error_is_shown_at_the_field() {
    let mut app = App::new(Theme::new(ThemeName::Default, false), 1000);
    for ch in "root@1.2.3.4".chars() {
        update(&mut app, key(KeyCode::Char(ch)));
    }
    update(&mut app, key(KeyCode::Enter));
    update(&mut app, key(KeyCode::Enter));
    update(&mut app, key(KeyCode::Enter));
    let buffer = render(&mut app, 80, 24);
    insta::assert_snapshot!(text(&buffer));
}

#[test]
fn high_contrast_and_no_color_differ_only_in_style() {
    let mut plain = App::new(Theme::new(ThemeName::Default, true), 1000);
    let mut contrast = App::new(Theme::new(ThemeName::HighContrast, false), 1000);
    let a = render(&mut plain, 80, 24);
    let b = render(&mut contrast, 80, 24);
    assert_eq!(text(&a), text(&b));
    // NO_COLOR: no cell has a colour.
    assert!(
        a.content
            .iter()
            .all(|c| c.fg == ratatui::style::Color::Reset && c.bg == ratatui::style::Color::Reset)
    );
    save_screenshot("high-contrast", &b);
}
