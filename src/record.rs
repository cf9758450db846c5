//! `--record FILE`: the session as an asciicast v2 file (a JSON header, then one `[time, "o",
//! text]` event per drawn frame), so a class can replay it with `asciinema play`.
//! It records what the screen showed, so secrets (masked on screen) never reach it.

use std::fmt::Write as _;
use std::io::Write;
use std::time::Instant;

use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};

/// An open recording; each drawn frame is appended whole.
pub struct Recorder {
    out: std::io::BufWriter<std::fs::File>,
    start: Instant,
}

impl Recorder {
    /// Creates the file (private: 0600) and writes the asciicast v2 header.
    pub fn create(path: &std::path::Path, width: u16, height: u16) -> std::io::Result<Self> {
        use std::os::unix::fs::OpenOptionsExt;
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(path)?;
        let mut out = std::io::BufWriter::new(file);
        let timestamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        writeln!(
            out,
            "{{\"version\":2,\"width\":{width},\"height\":{height},\"timestamp\":{timestamp}}}"
        )?;
        Ok(Self {
            out,
            start: Instant::now(),
        })
    }

    /// Appends one frame as the terminal would receive it: home, then every row with its colours.
    pub fn frame(&mut self, buffer: &Buffer) -> std::io::Result<()> {
        let time = self.start.elapsed().as_secs_f64();
        let text = ansi(buffer);
        writeln!(self.out, "[{time:.6},\"o\",{}]", json_string(&text))?;
        self.out.flush()
    }
}

/// The whole buffer as ANSI text: clear, then each row placed and coloured.
pub fn ansi(buffer: &Buffer) -> String {
    let area = buffer.area;
    let mut out = String::from("\x1b[0m\x1b[2J");
    for y in area.top()..area.bottom() {
        let _ = write!(out, "\x1b[{};1H", y - area.top() + 1);
        let mut last = String::new();
        for x in area.left()..area.right() {
            let cell = &buffer[(x, y)];
            let sgr = sgr(cell.fg, cell.bg, cell.modifier);
            if sgr != last {
                out.push_str(&sgr);
                last = sgr;
            }
            out.push_str(cell.symbol());
        }
        out.push_str("\x1b[0m");
    }
    out
}

fn sgr(fg: Color, bg: Color, modifier: Modifier) -> String {
    let mut codes = vec!["0".to_owned()];
    if modifier.contains(Modifier::BOLD) {
        codes.push("1".into());
    }
    if modifier.contains(Modifier::REVERSED) {
        codes.push("7".into());
    }
    if let Some(c) = color(fg, 30) {
        codes.push(c);
    }
    if let Some(c) = color(bg, 40) {
        codes.push(c);
    }
    format!("\x1b[{}m", codes.join(";"))
}

fn color(color: Color, base: u8) -> Option<String> {
    let basic = |n: u8| Some((base + n).to_string());
    let bright = |n: u8| Some((base + 60 + n).to_string());
    match color {
        Color::Reset => None,
        Color::Black => basic(0),
        Color::Red => basic(1),
        Color::Green => basic(2),
        Color::Yellow => basic(3),
        Color::Blue => basic(4),
        Color::Magenta => basic(5),
        Color::Cyan => basic(6),
        Color::Gray => basic(7),
        Color::DarkGray => bright(0),
        Color::LightRed => bright(1),
        Color::LightGreen => bright(2),
        Color::LightYellow => bright(3),
        Color::LightBlue => bright(4),
        Color::LightMagenta => bright(5),
        Color::LightCyan => bright(6),
        Color::White => bright(7),
        Color::Rgb(r, g, b) => Some(format!("{};2;{r};{g};{b}", base + 8)),
        Color::Indexed(i) => Some(format!("{};5;{i}", base + 8)),
    }
}

/// A JSON string literal (asciicast lines are JSON arrays).
fn json_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::layout::Rect;

    #[test]
    fn a_recording_is_a_header_then_json_events_with_the_screen_text() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("session.cast");
        let mut buffer = Buffer::empty(Rect::new(0, 0, 20, 2));
        buffer.set_string(0, 0, "say \"hi\" \\ ok", ratatui::style::Style::default());
        let mut rec = Recorder::create(&path, 20, 2).expect("create");
        rec.frame(&buffer).expect("frame");
        drop(rec);
        let text = std::fs::read_to_string(&path).expect("read");
        let mut lines = text.lines();
        let header = lines.next().expect("header");
        assert!(header.starts_with("{\"version\":2,\"width\":20,\"height\":2,\"timestamp\":"));
        let event = lines.next().expect("event");
        assert!(
            event.starts_with('[') && event.contains(",\"o\",\""),
            "{event}"
        );
        assert!(event.contains("say \\\"hi\\\" \\\\ ok"), "{event}");
        assert!(!event.contains('\u{1b}'), "escape must be \\u001b in JSON");
    }
}
