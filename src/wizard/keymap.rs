//! The one key table: each binding says when it applies, which keys it takes, what the status
//! bar and the help overlay say for it, and its action (`keys.rs`). All three read only this.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::cloud::Screen;
use super::{App, Effect, Overlay, View, keys};
use crate::course::{StageId, StageStatus};

/// What a binding does to the state, given the key that was pressed.
pub type Action = fn(&mut App, KeyEvent) -> Vec<Effect>;

/// A condition on the state: when a binding applies, when the bar names it.
pub type When = fn(&App) -> bool;

/// A key and the modifiers that must be held with it. Others may be held too, as the wizard
/// has always taken them: Shift-q is q, Alt-↑ is ↑ where nothing takes Alt-↑ first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub held: KeyModifiers,
}

impl Key {
    pub fn matches(self, key: KeyEvent) -> bool {
        key.code == self.code && key.modifiers.contains(self.held)
    }
}

/// Which keys a binding takes.
#[derive(Clone, Copy, Debug)]
pub enum Keys {
    These(&'static [Key]),
    /// Every key no binding before it took: a text field's typing.
    Typed,
}

impl Keys {
    pub fn take(self, key: KeyEvent) -> bool {
        match self {
            Keys::These(keys) => keys.iter().any(|k| k.matches(key)),
            Keys::Typed => true,
        }
    }
}

/// Words for a key: the keys as the student reads them, and what they do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Label {
    pub keys: &'static str,
    pub action: &'static str,
}

/// The help overlay's groups, in the order it lists them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Group {
    Forms,
    PreviewAndRunning,
    LogPanel,
    Anywhere,
}

impl Group {
    pub const ALL: [Group; 4] = [
        Group::Forms,
        Group::PreviewAndRunning,
        Group::LogPanel,
        Group::Anywhere,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Group::Forms => "Forms",
            Group::PreviewAndRunning => "Preview and running",
            Group::LogPanel => "Log panel",
            Group::Anywhere => "Anywhere",
        }
    }
}

/// One line of the table.
#[derive(Clone, Copy, Debug)]
pub struct Binding {
    /// The states it applies in.
    pub when: When,
    pub keys: Keys,
    /// What the status bar says for it, and in which of those states it says it (the bar is
    /// one line at 80 columns: the log's and help's keys make room where a screen has more).
    pub bar: Option<(Label, When)>,
    pub help: Option<(Group, Label)>,
    pub action: Action,
}

impl Binding {
    const fn bar(self, keys: &'static str, action: &'static str) -> Self {
        self.bar_if(always, keys, action)
    }

    const fn bar_if(self, shown: When, keys: &'static str, action: &'static str) -> Self {
        Binding {
            bar: Some((Label { keys, action }, shown)),
            ..self
        }
    }

    const fn help(self, group: Group, keys: &'static str, action: &'static str) -> Self {
        Binding {
            help: Some((group, Label { keys, action })),
            ..self
        }
    }

    /// The bar's label for it in this state, if the bar shows it.
    pub fn bar_label(&self, app: &App) -> Option<Label> {
        self.bar
            .filter(|(_, shown)| (self.when)(app) && shown(app))
            .map(|(label, _)| label)
    }
}

const fn on(when: When, keys: &'static [Key], action: Action) -> Binding {
    Binding {
        when,
        keys: Keys::These(keys),
        bar: None,
        help: None,
        action,
    }
}

const fn typed(when: When, action: Action) -> Binding {
    Binding {
        when,
        keys: Keys::Typed,
        bar: None,
        help: None,
        action,
    }
}

const fn k(code: KeyCode) -> Key {
    Key {
        code,
        held: KeyModifiers::NONE,
    }
}

const fn ch(c: char) -> Key {
    k(KeyCode::Char(c))
}

const fn ctrl(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        held: KeyModifiers::CONTROL,
    }
}

const fn alt(code: KeyCode) -> Key {
    Key {
        code,
        held: KeyModifiers::ALT,
    }
}

const ENTER: Key = k(KeyCode::Enter);
const ESC: Key = k(KeyCode::Esc);
const TAB: Key = k(KeyCode::Tab);
const BACKTAB: Key = k(KeyCode::BackTab);
const UP: Key = k(KeyCode::Up);
const DOWN: Key = k(KeyCode::Down);
const LEFT: Key = k(KeyCode::Left);
const RIGHT: Key = k(KeyCode::Right);
const PGUP: Key = k(KeyCode::PageUp);
const PGDN: Key = k(KeyCode::PageDown);
const HOME: Key = k(KeyCode::Home);
const END: Key = k(KeyCode::End);
const DEL: Key = k(KeyCode::Delete);
const F1: Key = k(KeyCode::F(1));
const F2: Key = k(KeyCode::F(2));
const YES: &[Key] = &[ch('y'), ch('Y')];
const NO: &[Key] = &[ch('n'), ch('N'), ESC];
const PAGES: &[Key] = &[PGUP, PGDN];
/// ↑ / ↓ on the create screens' lists (and k / j, and Tab for ↓).
const LIST: &[Key] = &[UP, ch('k'), DOWN, ch('j'), TAB];

/// The table: popups, the create screens, the stage views, the log, anywhere, typing.
///
/// A key goes to the first binding whose `when` holds and that takes it; the status bar names
/// the bindings whose `when` (and bar condition) holds now, in this order; the help lists the
/// bindings with a help entry, by group, in this order. The bindings of one state rarely take the
/// same key, so the order mostly serves the bar and the help. Where it matters for dispatch it
/// says so: Alt-↑/↓ comes before the plain arrows, and typing (`Keys::Typed`) comes last, after
/// F1, Ctrl-C and everything else that must work in a text field.
pub static TABLE: &[Binding] = &[
    // ── The help overlay ──
    on(
        help_open,
        &[ESC, ENTER, F1, ch('?'), ch('q')],
        keys::close_popup,
    )
    .bar("Esc", "close help"),
    // ── "Quit while a step is running?" ──
    on(confirm_quit, YES, keys::quit_now).bar("y", "quit"),
    on(confirm_quit, NO, keys::close_popup).bar("n / Esc", "keep going"),
    // ── "Stop this step?" ──
    on(confirm_cancel, YES, keys::cancel_step).bar("y", "stop the step"),
    on(confirm_cancel, NO, keys::close_popup).bar("n / Esc", "keep running"),
    // ── nginx (stage 7): "Drop your edits?" ──
    on(confirm_discard, YES, keys::drop_edits).bar("y", "drop edits"),
    on(confirm_discard, NO, keys::close_popup).bar("n / Esc", "keep editing"),
    // ── The doctor's cards ──
    on(
        doctor_open,
        &[UP, ch('k'), DOWN, ch('j'), PGUP, PGDN],
        keys::scroll_doctor,
    )
    .bar("↑/↓", "scroll"),
    on(doctor_open, &[ENTER, ESC], keys::close_popup).bar("Esc", "close"),
    // ── The logs' popup ──
    on(
        logs_open,
        &[UP, ch('k'), DOWN, ch('j'), PGUP, PGDN],
        keys::scroll_logs,
    )
    .bar("↑/↓", "scroll"),
    on(logs_open, &[ENTER, ESC], keys::close_popup).bar("Esc", "close"),
    // ── The class's popup: the roster's path, then its check and the board ──
    on(class_asking, &[ENTER], keys::class_check).bar("Enter", "check the roster"),
    on(class_asking, &[ESC], keys::close_popup).bar("Esc", "close"),
    on(class_removing, &[ENTER], keys::class_remove).bar("Enter", "save it, then remove it"),
    on(class_removing, &[ESC], keys::class_keep_squads).bar("Esc", "not now"),
    on(class_confirming, YES, keys::class_apply).bar("y", "apply the roster"),
    on(class_confirming, NO, keys::class_not_now).bar("n / Esc", "not now"),
    on(class_idle, &[ENTER, ch('r')], keys::class_read).bar("r", "read again"),
    on(class_idle, &[ch('a')], keys::class_ask_to_apply).bar("a", "apply"),
    on(class_idle, &[ch('x')], keys::class_ask_which_squad).bar("x", "remove"),
    on(
        class_checked,
        &[UP, ch('k'), DOWN, ch('j'), PGUP, PGDN],
        keys::scroll_class,
    )
    .bar("↑/↓", "scroll"),
    on(class_idle, &[TAB], keys::class_another).bar("Tab", "other roster"),
    on(class_checked, &[ESC], keys::close_popup).bar("Esc", "close"),
    // ── The backup step's popup ──
    on(backup_open, &[ENTER], keys::backup_confirm).bar("Enter", "set it up"),
    on(backup_open, &[ESC], keys::close_popup).bar("Esc", "not now"),
    // ── The error card ──
    on(error_card, &[ENTER, ESC], keys::close_popup).bar("Enter", "close"),
    // The bar has always named the log here, but the card keeps every other key (issue 25).
    on(error_card, PAGES, keys::nothing).bar("PgUp/PgDn", "log"),
    // ── F2: which system the practice droplet runs ──
    on(practice_os, &[UP, BACKTAB, DOWN, TAB], keys::practice_row).bar("↑/↓", "choose"),
    on(practice_os, &[ENTER], keys::practice_chosen).bar("Enter", "create it"),
    on(practice_os, &[ESC], keys::close_popup).bar("Esc", "not now"),
    // ── Known servers from saved progress ──
    on(resume_list, &[UP, DOWN, TAB], keys::resume_row).bar("↑/↓", "choose"),
    on(resume_list, &[ENTER], keys::resume_chosen).bar("Enter", "carry on"),
    on(resume_list, &[ESC, ch('n')], keys::resume_new).bar("Esc", "a new droplet"),
    // ── The first choice: "I have a droplet" or "Create one for me" ──
    on(
        first_choice,
        &[UP, DOWN, TAB, BACKTAB],
        keys::first_choice_row,
    )
    .bar("↑/↓", "choose"),
    on(first_choice, &[ENTER], keys::first_choice_chosen).bar("Enter", "go on"),
    on(first_choice, &[ESC], keys::have_a_droplet).bar("Esc", "I have a droplet"),
    // ── A host key seen for the first time ──
    on(new_host_key, YES, keys::accept_host_key).bar("y", "accept the key"),
    on(new_host_key, NO, keys::refuse_host_key).bar("n", "refuse"),
    // ── A host key that differs from known_hosts: the host name is typed to replace it ──
    on(changed_host_key, &[ENTER], keys::replace_host_key).bar("Enter", "replace the key"),
    on(changed_host_key, &[ESC], keys::refuse_host_key).bar("Esc", "stop"),
    // ── The login popups: a new root password, the student's own user ──
    on(login_popup, &[TAB, DOWN], keys::popup_next_field).bar_if(
        password_change,
        "Tab",
        "next field",
    ),
    on(login_popup, &[BACKTAB, UP], keys::popup_previous_field),
    on(password_change, &[ENTER], keys::change_root_password).bar("Enter", "change it"),
    on(password_change, &[ESC], keys::stop_password_change).bar("Esc", "stop"),
    // Root was refused: Esc before Enter on the bar; resuming as the user: Enter first.
    on(user_login, &[ESC], keys::retype_root_password).bar("Esc", "retype root's password"),
    on(user_or_resume_login, &[ENTER], keys::log_in_as_user).bar("Enter", "log in as your user"),
    on(resume_as_user, &[ESC], keys::root_after_all).bar("Esc", "as root instead"),
    // ── The create screens ("Create one for me") ──
    // The bar has always named the log while a call is out and on the summary, but these
    // screens keep PgUp / PgDn (issue 25).
    on(cloud_busy, PAGES, keys::nothing).bar("PgUp/PgDn", "log"),
    on(cloud_choose, LIST, keys::cloud_arrow).bar("↑/↓", "choose"),
    on(cloud_backups, LIST, keys::cloud_arrow).bar("↑/↓", "on/off"),
    on(cloud_summary, LIST, keys::cloud_arrow),
    on(cloud_backups, &[ch(' ')], keys::toggle_backups),
    on(cloud_token, &[ENTER], keys::check_token).bar("Enter", "next"),
    on(cloud_name, &[ENTER], keys::name_droplet).bar("Enter", "next"),
    on(cloud_summary, &[ENTER], keys::create_droplet).bar("Enter", "create it"),
    on(cloud_list, &[ENTER], keys::next_cloud_screen).bar("Enter", "next"),
    on(cloud_back, &[ESC], keys::previous_cloud_screen).bar("Esc", "back"),
    on(cloud_summary, PAGES, keys::nothing).bar("PgUp/PgDn", "log"),
    // ── The stage views ──
    // Before the plain arrows below, which would take Alt-↑ too.
    on(
        beside_log,
        &[alt(KeyCode::Up), alt(KeyCode::Down)],
        keys::peek_stage,
    )
    .help(
        Group::Anywhere,
        "Alt-↑ / Alt-↓",
        "look at the previous / next stage",
    ),
    // Form (the firewall's rule list takes ↑ / ↓ and Del, so its bar has no room for Tab).
    on(fields_not_firewall, &[TAB, DOWN], keys::next_field)
        .bar("Tab", "next field")
        .help(
            Group::Forms,
            "Tab, Shift-Tab",
            "next / previous field (also ↓ / ↑)",
        ),
    on(fields_not_firewall, &[BACKTAB, UP], keys::previous_field),
    on(firewall, &[ENTER], keys::firewall_enter).bar("Enter", "add/confirm"),
    on(firewall, &[UP, DOWN], keys::choose_rule)
        .bar("↑/↓", "rule")
        .help(
            Group::Forms,
            "↑ / ↓, Del",
            "firewall: choose a rule, remove it",
        ),
    on(firewall, &[DEL], keys::remove_rule).bar("Del", "remove"),
    on(firewall_fields, &[TAB], keys::next_field),
    on(firewall_fields, &[BACKTAB], keys::previous_field),
    on(fields_not_firewall, &[ENTER], keys::form_enter)
        .bar("Enter", "confirm")
        .help(
            Group::Forms,
            "Enter",
            "next field; on the last one, confirm",
        ),
    on(form_empty, &[ENTER], keys::submit).bar("Enter", "continue"),
    // The squad's form in stage 1's place: back to the first choice.
    on(squad_form, &[ESC], keys::squad_back).bar("Esc", "back"),
    on(form, &[ESC], keys::previous_stage)
        .bar_if(not_first_stage, "Esc", "back")
        .help(Group::Forms, "Esc", "back to the previous stage"),
    // The restart the update asked for, when the student came back to stage 2 later.
    on(update_restart, &[ch('r')], keys::reboot).bar("r", "restart"),
    // The form's key line offers F2 in words, so the bar names it too (Esc's room: stage 1
    // has nothing before it).
    on(connect_form, &[F2], keys::practice_droplet)
        .bar("F2", "practice droplet")
        .help(
            Group::Forms,
            "F2",
            "first screen: make a practice droplet here",
        ),
    // Preview
    on(preview, &[ENTER], keys::apply).bar("Enter", "run").help(
        Group::PreviewAndRunning,
        "Enter",
        "run the commands shown / go on",
    ),
    on(
        preview,
        &[UP, ch('k'), DOWN, ch('j')],
        keys::scroll_commands,
    )
    .bar("↑/↓", "scroll")
    .help(Group::PreviewAndRunning, "↑ / ↓", "scroll the commands"),
    on(preview, &[LEFT, RIGHT], keys::show_scripts),
    on(preview, &[ESC], keys::leave_preview)
        .bar("Esc", "back")
        .help(
            Group::PreviewAndRunning,
            "Esc",
            "back; while running: stop the step",
        ),
    // Running
    on(paused, &[ch(' ')], keys::resume_paused).bar("Space", "run"),
    on(paused, &[ch('e')], keys::explain).bar("e", "explain"),
    on(running, &[ch('n')], keys::work_ahead)
        .bar_if(work_ahead_offered, "n", "next stage meanwhile")
        .help(
            Group::PreviewAndRunning,
            "n",
            "while running: the next stage's questions",
        ),
    on(paused, &[ESC], keys::stop_step).bar("Esc", "stop"),
    on(not_paused, &[ESC], keys::stop_step).bar("Esc", "stop step"),
    // Preview and finished: the runbook (the finished screen's bar has no room for it).
    on(preview_or_finished, &[ch('w')], keys::save_notes)
        .bar_if(preview, "w", "save as notes")
        .help(
            Group::PreviewAndRunning,
            "w",
            "save the commands as notes (a text file)",
        ),
    // Finished
    // The squad's last stage: ship again (r) and roll back (b, below); nothing comes next.
    on(squad_shipped, &[ch('r')], keys::ship_again).bar("r", "ship again"),
    on(finished_goes_on, &[ENTER], keys::next_stage).bar("Enter", "next"),
    on(finished_goes_back, &[ENTER], keys::back_to_questions).bar("Enter", "questions"),
    on(restart_offered, &[ch('r')], keys::reboot).bar("r", "restart"),
    on(nginx_finished, &[ch('e')], keys::edit_site).bar("e", "edit site"),
    on(service_finished, &[ch('b')], keys::roll_back)
        .bar("b", "roll back")
        .help(
            Group::PreviewAndRunning,
            "b / r",
            "end of stage 9: roll back / ship again",
        ),
    on(doctor_offered, &[ch('d')], keys::doctor)
        .bar("d", "doctor")
        .help(
            Group::PreviewAndRunning,
            "d / l / s / c",
            "stages 8–10: doctor, logs, backups, class",
        ),
    // Off the bar while a restart is offered (no room; `?` lists them).
    on(backup_offered, &[ch('s')], keys::backup_offer).bar_if(no_restart, "s", "backups"),
    on(logs_offered, &[ch('l')], keys::logs).bar_if(no_restart, "l", "logs"),
    on(class_offered, &[ch('c')], keys::class_open),
    on(finished, &[ESC], keys::back_to_questions).bar("Esc", "back"),
    // ── nginx (stage 7): the editor pane ──
    // (with the rollback line the help box fills 80×24 exactly)
    on(editor, &[ctrl('s')], keys::editor_apply)
        .bar("Ctrl-S", "test & apply")
        .help(
            Group::PreviewAndRunning,
            "Ctrl-S / Ctrl-P",
            "site editor: nginx -t & apply / commands",
        ),
    on(editor, &[ctrl('p')], keys::editor_commands).bar("Ctrl-P", "commands"),
    on(editor, &[ESC], keys::editor_leave).bar("Esc", "back"),
    // ── The log panel, beside every stage view but the editor ──
    on(beside_log, PAGES, keys::scroll_log)
        .bar_if(log_on_bar, "PgUp/PgDn", "log")
        .help(
            Group::LogPanel,
            "PgUp / PgDn",
            "a page; Home / End: oldest / follow new",
        ),
    on(beside_log, &[HOME, END], keys::log_end),
    // ── Anywhere ──
    on(help_closed, &[F1], keys::open_help)
        .bar_if(f1_on_bar, "F1", "help")
        .help(
            Group::Anywhere,
            "F1 or ?",
            "this help (? only outside a text field)",
        ),
    on(question_mark_helps, &[ch('?')], keys::open_help).bar_if(question_mark_on_bar, "?", "help"),
    on(always, &[ctrl('c')], keys::quit_or_ask)
        .bar_if(ctrl_c_on_bar, "Ctrl-C", "quit")
        .help(
            Group::Anywhere,
            "q or Ctrl-C",
            "quit (asks first while a step runs)",
        ),
    on(q_quits, &[ch('q')], keys::quit_or_ask).bar_if(q_on_bar, "q", "quit"),
    // ── Typing: every other key goes to the text, so a password may contain q or ? ──
    typed(typing_in_form, keys::type_text),
    typed(changed_host_key, keys::type_text),
    typed(login_popup, keys::type_text),
    typed(class_asking, keys::type_text),
    typed(class_removing, keys::type_text),
    typed(cloud_typing, keys::type_in_cloud),
    typed(editor, keys::type_in_editor),
];

/// The binding that takes this key now, if any.
pub fn binding_for(app: &App, key: KeyEvent) -> Option<&'static Binding> {
    TABLE
        .iter()
        .find(|binding| (binding.when)(app) && binding.keys.take(key))
}

/// What the key does now: the first binding that takes it, or nothing.
pub(super) fn dispatch(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    match binding_for(app, key) {
        Some(binding) => (binding.action)(app, key),
        None => Vec::new(),
    }
}

/// The status bar's keys for the state on screen.
pub fn bar(app: &App) -> Vec<Label> {
    TABLE.iter().filter_map(|b| b.bar_label(app)).collect()
}

/// The help overlay's keys, by group.
pub fn help() -> Vec<(&'static str, Vec<Label>)> {
    Group::ALL
        .iter()
        .map(|&group| {
            let labels = TABLE
                .iter()
                .filter_map(|b| b.help)
                .filter(|(g, _)| *g == group)
                .map(|(_, label)| label)
                .collect();
            (group.title(), labels)
        })
        .collect()
}

// ── When: the popups ──

fn always(_: &App) -> bool {
    true
}

fn help_open(app: &App) -> bool {
    matches!(app.overlay, Some(Overlay::Help))
}

fn help_closed(app: &App) -> bool {
    !help_open(app)
}

fn confirm_quit(app: &App) -> bool {
    matches!(app.overlay, Some(Overlay::ConfirmQuit))
}

fn confirm_cancel(app: &App) -> bool {
    matches!(app.overlay, Some(Overlay::ConfirmCancel))
}

fn confirm_discard(app: &App) -> bool {
    matches!(app.overlay, Some(Overlay::ConfirmDiscard))
}

fn error_card(app: &App) -> bool {
    matches!(app.overlay, Some(Overlay::Error(_)))
}

fn practice_os(app: &App) -> bool {
    matches!(app.overlay, Some(Overlay::PracticeOs { .. }))
}

fn resume_list(app: &App) -> bool {
    matches!(app.overlay, Some(Overlay::Resume { .. }))
}

fn first_choice(app: &App) -> bool {
    matches!(app.overlay, Some(Overlay::FirstChoice { .. }))
}

fn new_host_key(app: &App) -> bool {
    matches!(app.overlay, Some(Overlay::HostKey { changed: false, .. }))
}

fn changed_host_key(app: &App) -> bool {
    matches!(app.overlay, Some(Overlay::HostKey { changed: true, .. }))
}

fn password_change(app: &App) -> bool {
    matches!(app.overlay, Some(Overlay::PasswordChange(_)))
}

fn user_login(app: &App) -> bool {
    matches!(app.overlay, Some(Overlay::UserLogin(_)))
}

fn resume_as_user(app: &App) -> bool {
    matches!(app.overlay, Some(Overlay::ResumeAsUser(_)))
}

fn user_or_resume_login(app: &App) -> bool {
    user_login(app) || resume_as_user(app)
}

/// The popups with a form of fields: a new root password, the student's own user.
fn login_popup(app: &App) -> bool {
    password_change(app) || user_or_resume_login(app)
}

// ── When: the create screens (no popup open) ──

fn cloud_is(app: &App, pick: fn(Screen) -> bool) -> bool {
    app.overlay.is_none()
        && app
            .cloud
            .as_ref()
            .is_some_and(|flow| flow.busy.is_none() && pick(flow.screen))
}

/// A cloud call is out: nothing to change until it answers (q and Ctrl-C still quit).
fn cloud_busy(app: &App) -> bool {
    app.overlay.is_none() && super::cloud::busy(app)
}

fn cloud_token(app: &App) -> bool {
    cloud_is(app, |s| s == Screen::Token)
}

fn cloud_name(app: &App) -> bool {
    cloud_is(app, |s| s == Screen::Name)
}

fn cloud_typing(app: &App) -> bool {
    cloud_is(app, |s| matches!(s, Screen::Token | Screen::Name))
}

fn cloud_choose(app: &App) -> bool {
    cloud_is(app, |s| {
        matches!(
            s,
            Screen::Image | Screen::Region | Screen::Size | Screen::Key
        )
    })
}

fn cloud_backups(app: &App) -> bool {
    cloud_is(app, |s| s == Screen::Backups)
}

fn cloud_summary(app: &App) -> bool {
    cloud_is(app, |s| s == Screen::Summary)
}

/// The screens Enter walks on from (the token, the name and the summary have their own Enter).
fn cloud_list(app: &App) -> bool {
    cloud_choose(app) || cloud_backups(app)
}

fn cloud_back(app: &App) -> bool {
    cloud_is(app, |s| s != Screen::Creating)
}

/// The screens where letters are commands, not text.
fn cloud_picking(app: &App) -> bool {
    cloud_is(app, |s| {
        !matches!(s, Screen::Token | Screen::Name | Screen::Creating)
    })
}

// ── When: the stage views (no popup, no create screens) ──

fn stage(app: &App) -> bool {
    app.overlay.is_none() && app.cloud.is_none()
}

fn form(app: &App) -> bool {
    stage(app) && app.view == View::Form
}

fn typing_in_form(app: &App) -> bool {
    form(app) && !app.form.is_empty()
}

fn form_empty(app: &App) -> bool {
    form(app) && app.form.is_empty()
}

fn firewall(app: &App) -> bool {
    form(app) && app.current == StageId::Firewall
}

fn firewall_fields(app: &App) -> bool {
    firewall(app) && !app.form.is_empty()
}

fn fields_not_firewall(app: &App) -> bool {
    typing_in_form(app) && app.current != StageId::Firewall
}

fn connect_form(app: &App) -> bool {
    form(app) && app.current == StageId::Connect && app.squad.is_none()
}

fn not_first_stage(app: &App) -> bool {
    app.current != StageId::Connect
}

fn update_restart(app: &App) -> bool {
    form_empty(app) && app.current == StageId::Update && app.reboot_needed
}

fn preview(app: &App) -> bool {
    stage(app) && matches!(app.view, View::Preview { .. })
}

fn running(app: &App) -> bool {
    stage(app) && app.view == View::Running
}

/// Instructor mode: a command waits for Space.
fn paused(app: &App) -> bool {
    running(app) && app.instructor.paused.is_some()
}

fn not_paused(app: &App) -> bool {
    running(app) && app.instructor.paused.is_none()
}

fn work_ahead_offered(app: &App) -> bool {
    app.instructor.paused.is_none() && app.work_ahead_target().is_some()
}

fn finished(app: &App) -> bool {
    stage(app) && app.view == View::Finished
}

/// A stage that reached its goal (or had none) goes on to the next; the last one has no next.
fn finished_goes_on(app: &App) -> bool {
    finished(app)
        && reached(app)
        && StageId::ALL.last() != Some(&app.current)
        && !squad_shipped(app)
}

/// The squad's own form (stage 1, before its login).
fn squad_form(app: &App) -> bool {
    form(app)
        && app.current == StageId::Connect
        && app.squad.is_some()
        && !matches!(app.link, super::Link::Connected { .. })
}

fn squad_shipped(app: &App) -> bool {
    super::squad::shipped(app)
}

/// A stage that did not reach its goal goes back to its questions, and so does the last stage
/// when it was skipped (to do it after all).
fn finished_goes_back(app: &App) -> bool {
    finished(app)
        && super::squad::view_for(app, app.current).is_none()
        && (!reached(app)
            || (StageId::ALL.last() == Some(&app.current)
                && app.status(app.current) == StageStatus::Skipped))
}

fn reached(app: &App) -> bool {
    matches!(
        app.status(app.current),
        StageStatus::Done | StageStatus::Skipped
    )
}

fn preview_or_finished(app: &App) -> bool {
    preview(app) || finished(app)
}

fn restart_offered(app: &App) -> bool {
    finished(app) && app.reboot_needed
}

fn nginx_finished(app: &App) -> bool {
    finished(app) && app.current == StageId::Nginx
}

fn doctor_offered(app: &App) -> bool {
    finished(app) && super::doctor::offered(app)
}

fn backup_offered(app: &App) -> bool {
    finished(app) && super::backup::offered(app)
}

fn no_restart(app: &App) -> bool {
    !app.reboot_needed
}

fn class_offered(app: &App) -> bool {
    finished(app) && super::class::offered(app)
}

fn class_asking(app: &App) -> bool {
    matches!(app.overlay, Some(Overlay::Class)) && !app.class.checked()
}

/// The checked roster's popup, not asking (Esc closes it, also while the roster is applied).
fn class_checked(app: &App) -> bool {
    matches!(app.overlay, Some(Overlay::Class))
        && app.class.checked()
        && !app.class.confirming
        && app.class.removing.is_none()
}

/// `x` was pressed: which squad to remove?
fn class_removing(app: &App) -> bool {
    matches!(app.overlay, Some(Overlay::Class)) && app.class.removing.is_some()
}

/// The checked roster's popup with nothing running from it: its board may be read, the roster
/// applied, another chosen.
fn class_idle(app: &App) -> bool {
    class_checked(app) && !app.class.running()
}

/// `a` was pressed: apply the roster?
fn class_confirming(app: &App) -> bool {
    matches!(app.overlay, Some(Overlay::Class)) && app.class.confirming
}

fn logs_offered(app: &App) -> bool {
    finished(app) && super::logs::offered(app)
}

fn logs_open(app: &App) -> bool {
    matches!(app.overlay, Some(Overlay::Logs(_)))
}

fn backup_open(app: &App) -> bool {
    matches!(app.overlay, Some(Overlay::Backup(_)))
}

fn doctor_open(app: &App) -> bool {
    matches!(app.overlay, Some(Overlay::Doctor(_)))
}

fn service_finished(app: &App) -> bool {
    finished(app) && app.current == StageId::Service
}

fn editor(app: &App) -> bool {
    stage(app) && app.view == View::Editor
}

/// The views with the log panel's keys (the editor takes every key as text).
fn beside_log(app: &App) -> bool {
    stage(app) && app.view != View::Editor
}

/// ? opens the help where it is not text: outside a text field, and on the create screens'
/// lists.
fn question_mark_helps(app: &App) -> bool {
    (stage(app) && !app.typing()) || cloud_picking(app)
}

/// q quits where it is not text; also while a cloud call is out.
fn q_quits(app: &App) -> bool {
    question_mark_helps(app) || cloud_busy(app)
}

// ── When the bar names a key (it is one line of 80 columns) ──

/// The log's keys: where the screen's own keys leave room.
fn log_on_bar(app: &App) -> bool {
    match app.view {
        View::Form => !matches!(app.current, StageId::Firewall | StageId::Connect),
        View::Running => app.instructor.paused.is_none(),
        // The ends of stages 7–10 need the room for their own keys (PgUp/PgDn still work).
        View::Finished => !matches!(
            app.current,
            StageId::Nginx | StageId::App | StageId::Service | StageId::Domain
        ),
        View::Preview { .. } | View::Editor => false,
    }
}

/// "? help" outside text fields, unless the running screen's own keys need the room.
fn question_mark_on_bar(app: &App) -> bool {
    stage(app)
        && !(running(app) && (app.instructor.paused.is_some() || app.work_ahead_target().is_some()))
}

/// "F1 help" where ? is text, and on the new host key question.
fn f1_on_bar(app: &App) -> bool {
    match &app.overlay {
        Some(Overlay::HostKey { .. }) => true,
        Some(_) => false,
        None => match &app.cloud {
            Some(flow) => {
                flow.busy.is_none() && matches!(flow.screen, Screen::Token | Screen::Name)
            }
            None => app.view == View::Editor || typing_in_form(app),
        },
    }
}

/// "Ctrl-C quit" where q is text (or does nothing else: a cloud call is out).
fn ctrl_c_on_bar(app: &App) -> bool {
    match &app.overlay {
        Some(Overlay::PasswordChange(_) | Overlay::UserLogin(_) | Overlay::ResumeAsUser(_)) => true,
        Some(_) => false,
        None => match &app.cloud {
            Some(flow) => {
                flow.busy.is_some() || matches!(flow.screen, Screen::Token | Screen::Name)
            }
            None => app.view == View::Editor || typing_in_form(app),
        },
    }
}

/// "q quit" wherever q quits, but while a cloud call is out (the bar says Ctrl-C there).
fn q_on_bar(app: &App) -> bool {
    !cloud_busy(app)
}
