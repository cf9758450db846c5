//! Colours: a calm default, a high-contrast theme for projectors, and no colour at all when
//! NO_COLOR is set (badges keep their symbols, focus keeps reverse video, so nothing is lost).

use ratatui::style::{Color, Modifier, Style};

use crate::course::StageStatus;
use crate::logbuf::LineKind;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ThemeName {
    #[default]
    Default,
    HighContrast,
}

/// Every style the screens use, in one place.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Theme {
    pub base: Style,
    pub title: Style,
    pub muted: Style,
    pub accent: Style,
    pub border: Style,
    pub border_focus: Style,
    pub selected: Style,
    pub error: Style,
    pub success: Style,
    pub key: Style,
    pub field: Style,
    pub field_focus: Style,
    pub command: Style,
    pub stderr: Style,
    pub running: Style,
    pub warning: Style,
}

impl Theme {
    /// The theme to use: NO_COLOR (any non-empty value, see no-color.org) wins over the choice.
    pub fn new(name: ThemeName, no_color: bool) -> Self {
        if no_color {
            return Self::monochrome();
        }
        match name {
            ThemeName::Default => Self::calm(),
            ThemeName::HighContrast => Self::high_contrast(),
        }
    }

    /// Reads NO_COLOR from the environment (the only I/O here, called once at start-up).
    pub fn from_env(name: ThemeName) -> Self {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Self::new(name, no_color)
    }

    fn calm() -> Self {
        let fg = Style::new();
        Self {
            base: fg,
            title: Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD),
            muted: Style::new().fg(Color::DarkGray),
            accent: Style::new().fg(Color::Cyan),
            border: Style::new().fg(Color::DarkGray),
            border_focus: Style::new().fg(Color::Cyan),
            selected: Style::new().fg(Color::Black).bg(Color::Cyan),
            error: Style::new().fg(Color::Red),
            success: Style::new().fg(Color::Green),
            key: Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD),
            field: Style::new().fg(Color::Gray),
            field_focus: Style::new().fg(Color::White).add_modifier(Modifier::BOLD),
            command: Style::new().fg(Color::Blue),
            stderr: Style::new().fg(Color::Yellow),
            running: Style::new().fg(Color::Yellow),
            warning: Style::new().fg(Color::Yellow),
        }
    }

    fn high_contrast() -> Self {
        let bold = Modifier::BOLD;
        Self {
            base: Style::new().fg(Color::White),
            title: Style::new().fg(Color::LightYellow).add_modifier(bold),
            muted: Style::new().fg(Color::White),
            accent: Style::new().fg(Color::LightYellow).add_modifier(bold),
            border: Style::new().fg(Color::White),
            border_focus: Style::new().fg(Color::LightYellow).add_modifier(bold),
            selected: Style::new().fg(Color::Black).bg(Color::LightYellow),
            error: Style::new().fg(Color::LightRed).add_modifier(bold),
            success: Style::new().fg(Color::LightGreen).add_modifier(bold),
            key: Style::new().fg(Color::LightYellow).add_modifier(bold),
            field: Style::new().fg(Color::White),
            field_focus: Style::new().fg(Color::Black).bg(Color::White),
            command: Style::new().fg(Color::LightCyan).add_modifier(bold),
            stderr: Style::new().fg(Color::LightYellow),
            running: Style::new().fg(Color::LightYellow).add_modifier(bold),
            warning: Style::new().fg(Color::LightYellow).add_modifier(bold),
        }
    }

    fn monochrome() -> Self {
        let plain = Style::new();
        let bold = Style::new().add_modifier(Modifier::BOLD);
        Self {
            base: plain,
            title: bold,
            muted: plain,
            accent: bold,
            border: plain,
            border_focus: bold,
            selected: Style::new().add_modifier(Modifier::REVERSED),
            error: bold,
            success: plain,
            key: bold,
            field: plain,
            field_focus: Style::new().add_modifier(Modifier::REVERSED),
            command: plain,
            stderr: plain,
            running: bold,
            warning: bold,
        }
    }

    pub fn status(&self, status: StageStatus) -> Style {
        match status {
            StageStatus::Pending | StageStatus::Skipped => self.muted,
            StageStatus::Running => self.running,
            StageStatus::Done => self.success,
            StageStatus::Failed => self.error,
            StageStatus::Drifted => self.warning,
        }
    }

    pub fn log(&self, kind: LineKind) -> Style {
        match kind {
            LineKind::Command => self.command,
            LineKind::Stdout => self.base,
            LineKind::Stderr => self.stderr,
            LineKind::Info => self.accent,
            LineKind::Success => self.success,
            LineKind::Error => self.error,
        }
    }
}
