//! `c` at the end of stages 8–10 (issue 28, the instructor's side in the wizard): the class's
//! roster, checked here as `droplift class check` checks it (nothing changes on the server),
//! then the class's board, read as `droplift class status` reads it (one read-only root command
//! over every squad, a job of its own like the health board's) in a popup that fits a projector
//! at 80×24, read again every 15 seconds while it is open; `r` reads it at once. `a` applies
//! the roster and `x` removes a squad by running droplift's own `class apply` / `class remove`
//! as a child process (`Effect::Headless`), the sudo password on its stdin.

use std::path::PathBuf;

use super::HeadlessEvent;
use super::board::{ReadJob, Taken};
use super::form::{Field, FieldKind, Form};
use super::{App, Effect, Overlay};
use crate::course::answers::Answers;
use crate::course::class::{self, roster::Roster};
use crate::course::plan::Action;
use crate::logbuf::LineKind;
use crate::remote::WorkerEvent;
use crate::secret::{Secret, SecretName};

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
    /// `a` was pressed: the popup asks before the roster is applied.
    pub confirming: bool,
    /// `class apply` or `class remove` runs (a child of the wizard: `Effect::Headless`).
    running: Option<Running>,
    /// `x`: the squad to remove is asked for (a field of its own).
    pub removing: Option<Form>,
}

/// Which of droplift's own commands the popup runs.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Running {
    Apply,
    /// A squad's name, or `--all`.
    Remove(String),
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
            confirming: false,
            running: None,
            removing: None,
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

    /// One of droplift's own commands runs from the popup (`a`, `x`).
    pub fn running(&self) -> bool {
        self.running.is_some()
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
    if app.class.checked.is_some() && app.class.running.is_none() {
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
    let path = crate::home::expand_home(std::path::Path::new(given), &app.home);
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
    let mut lines = vec![class::summary(&host, &roster)];
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
            class::keys_said(squad),
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
    if app.class.reading.out() || app.class.running.is_some() || app.run.is_some() {
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
    let Some(squads) = app.class.checked.as_ref().map(|c| c.roster.squads.len()) else {
        return;
    };
    let rows = class::board_rows(text);
    drop_board(app);
    if rows.len() != squads {
        app.class.read_at = None;
        app.class.lines.push(format!(
            "{BOARD_HEADING} could not be read: the server answered for {} of {squads} squads. \
             Has `droplift class apply` run for this roster (a: apply it)? ==",
            rows.len(),
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

/// `a` on a checked roster: the popup asks first (what runs, with what).
pub(super) fn ask_to_apply(app: &mut App) {
    if app.class.checked.is_some() && app.class.running.is_none() {
        app.class.confirming = true;
        app.class.scroll = u16::try_from(app.class.lines.len()).unwrap_or(u16::MAX);
    }
}

/// `n` or Esc while it asks.
pub(super) fn not_now(app: &mut App) {
    app.class.confirming = false;
}

/// `y`: `droplift class apply --roster PATH` runs as a child of the wizard (the same command an
/// instructor types; it logs in on a connection of its own), the sudo password this wizard was
/// given on its stdin; its lines stream into the popup, and the board is read again at its end.
pub(super) fn apply(app: &mut App) -> Vec<Effect> {
    app.class.confirming = false;
    run_own(app, Running::Apply)
}

/// `x`: which squad to remove (or all of them, at the end of term)?
pub(super) fn ask_which_squad(app: &mut App) {
    if app.class.checked.is_some() && app.class.running.is_none() {
        app.class.removing = Some(Form::new(vec![
            Field::new("squad", "Squad", FieldKind::Text)
                .with_hint("its name, or all at the end of term"),
        ]));
    }
}

/// Esc on the squad's question.
pub(super) fn keep_squads(app: &mut App) {
    app.class.removing = None;
}

/// Enter on the squad's name: `droplift class remove NAME --roster PATH` (or `--all`), which
/// saves the squad's database and code here first, then removes it from the server.
pub(super) fn remove(app: &mut App) -> Vec<Effect> {
    let Some(form) = &mut app.class.removing else {
        return Vec::new();
    };
    let name = form.value("squad").trim().to_owned();
    form.clear_errors();
    let valid = name.len() <= 32
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !valid {
        form.set_error(
            "squad",
            "A squad's name (lower-case letters, digits and -), or all.",
        );
        return Vec::new();
    }
    app.class.removing = None;
    run_own(app, Running::Remove(name))
}

/// Runs `class apply` or `class remove` as a child of the wizard with the sudo password on its
/// stdin; nothing when a password is not known here (the command to type is said instead).
fn run_own(app: &mut App, what: Running) -> Vec<Effect> {
    let Some(path) = app.class.roster_path() else {
        return Vec::new();
    };
    let mut args: Vec<String> = vec!["class".into()];
    match &what {
        Running::Apply => args.push("apply".into()),
        Running::Remove(all) if all == "all" => args.extend(["remove".into(), "--all".into()]),
        Running::Remove(squad) => args.extend(["remove".into(), squad.clone()]),
    }
    args.extend(["--roster".into(), path.clone()]);
    let command = format!("droplift {}", args.join(" "));
    let Some(password) = app.secrets.get(SecretName::UserPassword) else {
        app.class.lines.push(format!(
            "This wizard does not know your user's sudo password (you logged in another way). \
             In a terminal: {command}"
        ));
        return Vec::new();
    };
    let stdin = Secret::new(format!("user_password={}\n", password.expose()));
    args.push("--secrets-stdin".into());
    drop_board(app);
    app.class.lines.push(format!(
        "{RUN_HEADING}: {command} (your sudo password on its standard input) =="
    ));
    app.class.scroll = u16::try_from(app.class.lines.len()).unwrap_or(u16::MAX);
    app.log_line(LineKind::Info, &format!("Running {command} …"));
    app.class.running = Some(what);
    vec![Effect::Headless { args, stdin }]
}

/// The line above what `class apply` or `class remove` prints in the popup.
pub const RUN_HEADING: &str = "== Running";

/// The command's lines and end: each line into the popup (which follows the end while it runs);
/// at the end what it means, and the board is read again.
pub(super) fn on_headless(app: &mut App, event: HeadlessEvent) -> Vec<Effect> {
    let Some(what) = app.class.running.clone() else {
        return Vec::new();
    };
    let following = usize::from(app.class.scroll) >= app.class.lines.len().saturating_sub(1);
    match event {
        HeadlessEvent::Line(line) => {
            let line = app.redactor.redact(&line);
            app.class.lines.push(line);
        }
        HeadlessEvent::Ended(code) => {
            app.class.running = None;
            let said = match (&what, code) {
                (Running::Apply, Some(0)) => "The roster is applied: each squad's answers file \
                    is in squads/ beside it; hand it to the squad."
                    .to_owned(),
                (Running::Apply, _) => "Applying the roster stopped: what failed is said above. \
                    Fix it and press a again: what is done already is checked, not redone."
                    .to_owned(),
                (Running::Remove(squad), Some(0)) => format!(
                    "Removed ({squad}): its database and code were saved on this computer first \
                     (where: above); nothing of it is left on the server."
                ),
                (Running::Remove(_), _) => "Removing stopped: what failed is said above; a \
                    squad whose database and code could not be saved was not removed."
                    .to_owned(),
            };
            let kind = if code == Some(0) {
                LineKind::Success
            } else {
                LineKind::Error
            };
            app.class.lines.push(format!("== {said} =="));
            app.log_line(kind, &said);
        }
    }
    if following {
        app.class.scroll = u16::try_from(app.class.lines.len()).unwrap_or(u16::MAX);
    }
    if app.class.running.is_some() {
        return Vec::new();
    }
    read(app)
}

/// The board's lines go (a read puts them back at the end).
fn drop_board(app: &mut App) {
    if let Some(at) = app
        .class
        .lines
        .iter()
        .position(|l| l.starts_with(BOARD_HEADING))
    {
        app.class.lines.truncate(at);
    }
}

/// How often the open board is read again, in seconds (`class status --watch`'s default is 5;
/// a class's board changes when a squad ships, and each read is a root command on the server
/// the squads share).
pub const EVERY: u64 = 15;

/// The board is on screen: the popup is open on a roster that passed.
pub fn open_board(app: &App) -> bool {
    matches!(app.overlay, Some(Overlay::Class))
        && app.class.checked.is_some()
        && app.class.running.is_none()
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
