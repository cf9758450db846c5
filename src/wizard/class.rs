//! `c` at the end of stages 8–10 (issue 28, the instructor's side in the wizard): the class's
//! roster, checked here as `droplift class check` checks it (nothing changes on the server),
//! then the class's board, read as `droplift class status` reads it (one read-only root command
//! over every squad, a job of its own like the health board's) in a popup that fits a projector
//! at 80×24, read again every 15 seconds while it is open; `r` reads it at once. Setting the class up or changing it (`class apply`) and removing
//! a squad stay headless commands, which the popup gives with the roster's path.

use std::path::PathBuf;

use super::board::{ReadJob, Taken};
use super::form::{Field, FieldKind, Form};
use super::{App, Effect, Overlay};
use crate::course::answers::Answers;
use crate::course::class::{self, roster::Roster};
use crate::course::plan::Action;
use crate::logbuf::LineKind;
use crate::remote::WorkerEvent;

/// The popup's state, kept while the wizard runs: `c` again shows the last check and board.
#[derive(Clone, Debug)]
pub struct ClassView {
    /// The roster's path, the only field.
    pub form: Form,
    checked: Option<Checked>,
    /// What the check said (or why it refused), then the board.
    pub lines: Vec<String>,
    pub scroll: u16,
    /// The board's read out now.
    reading: ReadJob,
    /// When the board shown was read (seconds since 1970); None when the last read failed.
    pub read_at: Option<u64>,
    /// When the last read was sent.
    asked_at: Option<u64>,
    /// The log's last line about the board (a read that says the same adds none).
    said: String,
}

/// A roster that passed, its file, and the host site's answers it names.
#[derive(Clone, Debug)]
struct Checked {
    path: PathBuf,
    roster: Roster,
    host: Answers,
}

impl Default for ClassView {
    fn default() -> Self {
        Self {
            form: roster_form("class.toml"),
            checked: None,
            lines: Vec::new(),
            scroll: 0,
            reading: ReadJob::default(),
            read_at: None,
            asked_at: None,
            said: String::new(),
        }
    }
}

fn roster_form(path: &str) -> Form {
    Form::new(vec![
        Field::new("roster", "Roster", FieldKind::Text)
            .with_hint("the class's roster file (class.toml), from the folder you started in")
            .with_value(path),
    ])
}

impl ClassView {
    /// The roster passed; Enter and `r` read the board.
    pub fn checked(&self) -> bool {
        self.checked.is_some()
    }

    pub fn reading(&self) -> bool {
        self.reading.out()
    }

    /// The roster's path as given, for the popup's title.
    pub fn roster_path(&self) -> Option<String> {
        self.checked.as_ref().map(|c| c.path.display().to_string())
    }
}

/// Where `c` works: where the doctor does (the end of stages 8–10; a class needs the host
/// site's server block, and `class check` says the rest).
pub(super) fn offered(app: &App) -> bool {
    super::doctor::offered(app)
}

/// `c`: the popup, with the last roster checked again (it may have changed) or its question.
pub(super) fn open(app: &mut App) -> Vec<Effect> {
    app.overlay = Some(Overlay::Class);
    if app.class.checked.is_some() {
        return check(app);
    }
    Vec::new()
}

/// Tab in the checked popup: back to the roster's path.
pub(super) fn another(app: &mut App) {
    let path = app.class.form.value("roster");
    app.class.checked = None;
    app.class.lines.clear();
    app.class.scroll = 0;
    app.class.form = roster_form(&path);
}

/// Enter on the path: checks the roster and the host's answers it names, as `class check` does.
/// A roster that passes shows its squads and reads the board at once.
pub(super) fn check(app: &mut App) -> Vec<Effect> {
    let given = app.class.form.value("roster");
    let given = given.trim();
    app.class.form.clear_errors();
    if given.is_empty() {
        app.class
            .form
            .set_error("roster", "Give the roster's path, e.g. class.toml.");
        return Vec::new();
    }
    let path = match given.strip_prefix("~/") {
        Some(rest) => app.home.join(rest),
        None => PathBuf::from(given),
    };
    let (roster, host) = match crate::headless::class::load(&path) {
        Ok(loaded) => loaded,
        Err(e) => {
            app.class.checked = None;
            app.class.form.set_error(
                "roster",
                "Refused, at the lines above; nothing was applied.",
            );
            app.class.lines = e.to_string().lines().map(str::to_owned).collect();
            return Vec::new();
        }
    };
    if host.host != app.answers.host {
        app.class.checked = None;
        app.class.form.set_error(
            "roster",
            format!(
                "This class is on {} (its host file {}), not on {}, the server this wizard is \
                 logged in to.",
                host.host,
                roster.host.display(),
                app.answers.host
            ),
        );
        app.class.lines.clear();
        return Vec::new();
    }
    let keys: usize = roster.squads.iter().map(|s| s.keys.len()).sum();
    let mut lines = vec![format!(
        "{} squads, {keys} members' keys, on {} (set up by {}):",
        roster.squads.len(),
        host.host,
        host.login_name()
    )];
    for squad in &roster.squads {
        if let Err(e) = class::squad_answers(&host, &roster, squad) {
            app.class.form.set_error(
                "roster",
                format!("The squad {} cannot be set up: {e}", squad.name),
            );
            app.class.lines.clear();
            return Vec::new();
        }
        // Short enough for one row at 80 columns (`class check` adds each squad's limits).
        lines.push(format!(
            "  {:<14} {:<7} {}",
            squad.name,
            match squad.keys.len() {
                1 => "1 key".to_owned(),
                n => format!("{n} keys"),
            },
            class::address(&host, &roster, &squad.name)
        ));
    }
    lines.push(
        "Set the class up on the server, or bring it in line with this roster (it asks for \
         your sudo password):"
            .to_owned(),
    );
    lines.push(format!(
        "  droplift class apply --roster {}",
        path.display()
    ));
    app.class.lines = lines;
    app.class.scroll = 0;
    app.class.checked = Some(Checked { path, roster, host });
    read(app)
}

/// Enter or `r` on a checked roster: reads the board (changes nothing on the server). Nothing
/// while a read is out, or a stage's run is (its job ids are counted from `app.next_id`).
pub(super) fn read(app: &mut App) -> Vec<Effect> {
    if app.class.reading.out() || app.run.is_some() {
        return Vec::new();
    }
    let Some(checked) = &app.class.checked else {
        return Vec::new();
    };
    let command = match class::board_plans(&checked.host, &checked.roster) {
        Ok(plans) => match plans.probe.steps.into_iter().next().map(|s| s.action) {
            Some(Action::Run(command)) => command,
            _ => return Vec::new(),
        },
        Err(e) => {
            app.log_line(
                LineKind::Error,
                &format!("The class's board cannot be read: {e}"),
            );
            return Vec::new();
        }
    };
    let id = app.next_id;
    app.next_id += 1;
    app.class.asked_at = Some(crate::state::now());
    vec![app.class.reading.send(id, command)]
}

/// The worker's events for the board's read: taken here (Some); any other goes on (None).
pub(super) fn on_worker(app: &mut App, event: &WorkerEvent) -> Option<Vec<Effect>> {
    match app.class.reading.take(event) {
        Taken::NotMine => return None,
        Taken::Kept => {}
        Taken::Ended(text) => ended(app, &text),
        Taken::Failed => {
            app.class.read_at = None;
            app.log_line(
                LineKind::Error,
                "The class's board could not be read (the connection or the command failed); \
                 press r to try again.",
            );
        }
    }
    Some(Vec::new())
}

/// The line above the board in the popup (which says there when it was read).
pub const BOARD_HEADING: &str = "== The board";

impl ClassView {
    /// The heading above the board: when it was read.
    pub fn board_heading(&self) -> String {
        match self.read_at {
            Some(at) => {
                let (_, _, _, h, m, s) = crate::civil::utc(at);
                format!(
                    "{BOARD_HEADING}, read at {h:02}:{m:02}:{s:02} UTC (every {EVERY} s; r: now) =="
                )
            }
            None => format!("{BOARD_HEADING} =="),
        }
    }
}

/// The read ended: the board under the check's lines (a board read before is replaced).
fn ended(app: &mut App, text: &str) {
    let Some(checked) = &app.class.checked else {
        return;
    };
    let rows = class::board_rows(text);
    let keep = app
        .class
        .lines
        .iter()
        .position(|l| l.starts_with(BOARD_HEADING))
        .unwrap_or(app.class.lines.len());
    app.class.lines.truncate(keep);
    if rows.len() != checked.roster.squads.len() {
        app.class.read_at = None;
        app.class.lines.push(format!(
            "{BOARD_HEADING} could not be read: the server answered for {} of {} squads. Has \
             `droplift class apply` run for this roster? ==",
            rows.len(),
            checked.roster.squads.len()
        ));
        return;
    }
    // The popup says when (from `read_at`) on this line.
    app.class.lines.push(BOARD_HEADING.to_owned());
    app.class.lines.extend(class::board_compact(&rows));
    app.class.read_at = Some(crate::state::now());
    let healthy = rows.iter().filter(|r| r.healthy).count();
    let not_yet = rows.iter().filter(|r| r.release.is_none()).count();
    let said = format!(
        "The class's board: {healthy} of {} squads answer on their health path{}.",
        rows.len(),
        match not_yet {
            0 => String::new(),
            n => format!(" ({n} not shipped yet)"),
        }
    );
    // Read again every 15 s: the log says only what changed.
    if said != app.class.said {
        app.log_line(
            if healthy == rows.len() {
                LineKind::Success
            } else {
                LineKind::Info
            },
            &said,
        );
        app.class.said = said;
    }
}

/// How often the open board is read again, in seconds (`class status --watch`'s default is 5;
/// a class's board changes when a squad ships, and each read is a root command on the server
/// the squads share).
pub const EVERY: u64 = 15;

/// The board is on screen: the popup is open on a roster that passed.
pub fn open_board(app: &App) -> bool {
    matches!(app.overlay, Some(Overlay::Class)) && app.class.checked.is_some()
}

/// A tick: the open board is read again `EVERY` seconds after the last read was sent (`now`,
/// seconds since 1970). After a read that failed, nothing is sent by itself (`r` does).
pub(super) fn on_tick(app: &mut App, now: u64) -> Vec<Effect> {
    match (app.class.read_at, app.class.asked_at) {
        (Some(_), Some(asked)) if open_board(app) && now.saturating_sub(asked) >= EVERY => {
            read(app)
        }
        _ => Vec::new(),
    }
}

/// ↑ / ↓ / PgUp / PgDn in the checked popup.
pub(super) fn scroll(app: &mut App, delta: i16) {
    let most = u16::try_from(app.class.lines.len()).unwrap_or(u16::MAX);
    app.class.scroll = app.class.scroll.saturating_add_signed(delta).min(most);
}
