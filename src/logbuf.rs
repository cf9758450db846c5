//! The log panel's memory: a bounded ring buffer of output lines. When old lines are dropped a
//! marker says how many; every line is also queued for the log file, so nothing is lost.

use std::borrow::Cow;
use std::collections::VecDeque;

pub const DEFAULT_CAPACITY: usize = 100_000;
/// Also at most this many bytes of text: 100,000 lines of a server's longest lines would be
/// gigabytes.
pub const DEFAULT_MAX_BYTES: usize = 32 * 1024 * 1024;

/// Where a line came from; the panel colours it and the log file tags it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineKind {
    /// A command about to run, shown as `$ …`.
    Command,
    Stdout,
    Stderr,
    /// droplift's own words: "Connected to …", "waiting for apt …".
    Info,
    Success,
    Error,
}

impl LineKind {
    /// The tag written before the line in the log file.
    pub fn tag(self) -> &'static str {
        match self {
            LineKind::Command => "cmd",
            LineKind::Stdout => "out",
            LineKind::Stderr => "err",
            LineKind::Info => "info",
            LineKind::Success => "ok",
            LineKind::Error => "fail",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogLine {
    pub kind: LineKind,
    pub text: String,
}

/// A view of the buffer: either the "lines were dropped" marker or a stored line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Row<'a> {
    Dropped(u64),
    Line(&'a LogLine),
}

#[derive(Clone, Debug)]
pub struct LogBuffer {
    lines: VecDeque<LogLine>,
    capacity: usize,
    /// Bytes of text held, and the most allowed.
    bytes: usize,
    max_bytes: usize,
    dropped: u64,
    /// Lines not yet written to the log file; the event loop drains them (update stays pure).
    unwritten: Vec<LogLine>,
}

impl LogBuffer {
    pub fn new(capacity: usize) -> Self {
        let capacity = capacity.max(1);
        Self {
            lines: VecDeque::with_capacity(capacity.min(4096)),
            capacity,
            bytes: 0,
            max_bytes: DEFAULT_MAX_BYTES,
            dropped: 0,
            unwritten: Vec::new(),
        }
    }

    /// A buffer that also drops its oldest lines beyond `max_bytes` of text.
    pub fn with_max_bytes(mut self, max_bytes: usize) -> Self {
        self.max_bytes = max_bytes;
        self
    }

    pub fn push(&mut self, kind: LineKind, text: impl Into<String>) {
        let mut text = text.into();
        if let Cow::Owned(shown) = as_a_terminal_shows(&text) {
            text = shown;
        }
        let line = LogLine { kind, text };
        while !self.lines.is_empty()
            && (self.lines.len() >= self.capacity || self.bytes + line.text.len() > self.max_bytes)
        {
            if let Some(old) = self.lines.pop_front() {
                self.bytes -= old.text.len();
            }
            self.dropped += 1;
        }
        self.bytes += line.text.len();
        self.unwritten.push(line.clone());
        self.lines.push_back(line);
    }

    /// Rows the panel can show: the stored lines, plus the marker row when lines were dropped.
    pub fn rows(&self) -> usize {
        self.lines.len() + usize::from(self.dropped > 0)
    }

    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty() && self.dropped == 0
    }

    /// The last stored line, if any.
    pub fn last(&self) -> Option<&LogLine> {
        self.lines.back()
    }

    /// The `height` rows that end `scroll` rows above the newest one. Cost depends on `height`
    /// only, never on how many lines are stored.
    pub fn window(&self, height: usize, scroll: usize) -> Vec<Row<'_>> {
        let rows = self.rows();
        let scroll = scroll.min(rows.saturating_sub(height));
        let end = rows - scroll;
        let start = end.saturating_sub(height);
        let marker = usize::from(self.dropped > 0);
        (start..end)
            .filter_map(|row| {
                if row < marker {
                    Some(Row::Dropped(self.dropped))
                } else {
                    self.lines.get(row - marker).map(Row::Line)
                }
            })
            .collect()
    }

    /// The largest useful scroll offset for a panel of `height` rows.
    pub fn max_scroll(&self, height: usize) -> usize {
        self.rows().saturating_sub(height)
    }

    /// Lines pushed since the last call, for the log file.
    pub fn take_unwritten(&mut self) -> Vec<LogLine> {
        std::mem::take(&mut self.unwritten)
    }
}

/// A line as a terminal would leave it: progress output (apt's `(Reading database ... 5%\r…`)
/// rewrites itself with carriage returns, so only the text after the last one stays.
pub fn as_a_terminal_shows(line: &str) -> Cow<'_, str> {
    let line_end = line.trim_end_matches('\r');
    match line_end.rfind('\r') {
        Some(at) => Cow::Owned(line_end[at + 1..].to_owned()),
        None if line_end.len() != line.len() => Cow::Owned(line_end.to_owned()),
        None => Cow::Borrowed(line),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(rows: &[Row<'_>]) -> Vec<String> {
        rows.iter()
            .map(|r| match r {
                Row::Dropped(n) => format!("<{n} dropped>"),
                Row::Line(l) => l.text.clone(),
            })
            .collect()
    }

    #[test]
    fn keeps_only_capacity_lines_and_counts_the_rest() {
        let mut log = LogBuffer::new(3);
        for i in 0..5 {
            log.push(LineKind::Stdout, format!("l{i}"));
        }
        assert_eq!(log.dropped(), 2);
        assert_eq!(texts(&log.window(10, 0)), ["<2 dropped>", "l2", "l3", "l4"]);
        assert_eq!(
            log.take_unwritten().len(),
            5,
            "the file still gets every line"
        );
        assert!(log.take_unwritten().is_empty());
    }

    #[test]
    fn long_lines_are_bounded_by_bytes_too() {
        let mut log = LogBuffer::new(1000).with_max_bytes(40_000);
        for i in 0..10 {
            log.push(LineKind::Stdout, format!("{i}{}", "x".repeat(16_383)));
        }
        assert_eq!(log.dropped(), 8);
        assert_eq!(log.rows(), 3, "the marker and two lines");
        assert_eq!(
            log.take_unwritten().len(),
            10,
            "the file still gets every line"
        );
    }

    #[test]
    fn window_follows_the_bottom_and_scrolls_up() {
        let mut log = LogBuffer::new(100);
        for i in 0..10 {
            log.push(LineKind::Stdout, format!("l{i}"));
        }
        assert_eq!(texts(&log.window(3, 0)), ["l7", "l8", "l9"]);
        assert_eq!(texts(&log.window(3, 2)), ["l5", "l6", "l7"]);
        // Scrolling past the top stops at the first line.
        assert_eq!(texts(&log.window(3, 99)), ["l0", "l1", "l2"]);
        assert_eq!(log.max_scroll(3), 7);
    }
}

#[cfg(test)]
mod progress_tests {
    use super::*;

    #[test]
    fn progress_collapses_to_its_last_state_as_captured_from_apt() {
        let captured = include_bytes!("../tests/fixtures/apt-install-progress.txt");
        let text = String::from_utf8_lossy(captured);
        let line = text
            .lines()
            .find(|l| l.contains("Reading database"))
            .expect("apt's progress line");
        assert!(
            line.matches("Reading database").count() > 5,
            "really several states"
        );
        let shown = as_a_terminal_shows(line);
        assert_eq!(shown.matches("Reading database").count(), 1, "{shown}");
        assert!(
            shown.contains("files and directories currently installed"),
            "{shown}"
        );
        let mut log = LogBuffer::new(10);
        log.push(LineKind::Stdout, line);
        assert_eq!(log.take_unwritten()[0].text, shown);
        assert_eq!(as_a_terminal_shows("plain"), "plain");
        assert_eq!(as_a_terminal_shows("50%\r"), "50%");
    }
}
