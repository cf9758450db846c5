//! Cost of one full frame at 80×24 and 200×60 with 1,000 and 1,000,000 lines in the log panel.
//! The log panel draws only its visible rows, so the two log sizes should cost the same;
//! `bench/render.sh` prints the 1,000,000 : 1,000 ratio from this run's medians.

use divan::Bencher;
use droplift::logbuf::LineKind;
use droplift::theme::{Theme, ThemeName};
use droplift::wizard::{App, Event, update};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn main() {
    divan::main();
}

fn app_with_log(lines: usize) -> App {
    let mut app = App::new(Theme::new(ThemeName::Default, false), lines.max(1));
    for i in 0..lines {
        let kind = if i % 7 == 0 {
            LineKind::Stderr
        } else {
            LineKind::Stdout
        };
        app.log_line(kind, &format!("Get:{i} http://deb.debian.org/debian bookworm/main amd64 libc6 2.36-9+deb12u9 [2,758 kB]"));
    }
    app
}

#[divan::bench(args = [(80, 24, 1_000), (80, 24, 1_000_000), (200, 60, 1_000), (200, 60, 1_000_000)])]
fn full_frame(bencher: Bencher, (width, height, lines): (u16, u16, usize)) {
    let mut app = app_with_log(lines);
    update(&mut app, Event::Resize(width, height));
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test backend");
    bencher.bench_local(|| {
        terminal
            .draw(|frame| droplift::ui::draw(&app, frame))
            .expect("draw");
    });
}
