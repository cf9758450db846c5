//! What the keys do: the actions the key table (`keymap.rs`) names, one small function each.
//! Which key calls which, and when, is the table's business, not theirs.

use crossterm::event::{KeyCode, KeyEvent};

use super::{App, Effect, Form, Overlay, View, flow};
use crate::course::StageId;
use crate::practice::PracticeOs;
use crate::remote::{HostKeyDecision, Job};

/// The form that takes typing now: an overlay's, or the stage's.
pub(super) fn focused_form(app: &mut App) -> &mut Form {
    match &mut app.overlay {
        Some(
            Overlay::PasswordChange(form) | Overlay::UserLogin(form) | Overlay::ResumeAsUser(form),
        ) => form,
        Some(Overlay::HostKey { confirm, .. }) => confirm,
        Some(Overlay::Class) => match &mut app.class.removing {
            Some(form) => form,
            None => &mut app.class.form,
        },
        _ => &mut app.form,
    }
}

// ── Anywhere ──

pub(super) fn open_help(app: &mut App, _: KeyEvent) -> Vec<Effect> {
    app.overlay = Some(Overlay::Help);
    Vec::new()
}

/// q or Ctrl-C: quit, asking first while a step runs.
pub(super) fn quit_or_ask(app: &mut App, _: KeyEvent) -> Vec<Effect> {
    request_quit(app)
}

/// Closes the popup: the help, an answer of "no", the error card.
pub(super) fn close_popup(app: &mut App, _: KeyEvent) -> Vec<Effect> {
    app.overlay = None;
    Vec::new()
}

/// A key the status bar names where it has never done anything (keymap's tests list them).
pub(super) fn nothing(_: &mut App, _: KeyEvent) -> Vec<Effect> {
    Vec::new()
}

/// Every other key in a text field: into the field.
pub(super) fn type_text(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    focused_form(app).input(key);
    Vec::new()
}

// ── The log panel ──

pub(super) fn scroll_log(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    let page = app.log_rows().max(1) as isize;
    app.scroll_log(if key.code == KeyCode::PageUp {
        page
    } else {
        -page
    });
    Vec::new()
}

/// Home: the oldest line; End: follow new lines again.
pub(super) fn log_end(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    app.log_scroll = if key.code == KeyCode::Home {
        app.log.max_scroll(app.log_rows())
    } else {
        0
    };
    Vec::new()
}

/// Look at another stage's explanation (an instructor walking a class through).
pub(super) fn peek_stage(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    let index = app.current.index();
    let next = if key.code == KeyCode::Up {
        index.checked_sub(1)
    } else {
        Some(index + 1)
    };
    if let Some(&id) = next.and_then(|i| StageId::ALL.get(i)) {
        app.enter_stage(id);
    }
    Vec::new()
}

// ── A stage's form ──

pub(super) fn next_field(app: &mut App, _: KeyEvent) -> Vec<Effect> {
    check_leaving_field(app);
    app.form.next();
    Vec::new()
}

pub(super) fn previous_field(app: &mut App, _: KeyEvent) -> Vec<Effect> {
    check_leaving_field(app);
    app.form.prev();
    Vec::new()
}

/// Enter: the next field; on the last one, the answers go in.
pub(super) fn form_enter(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    if app.form.focus + 1 < app.form.fields.len() {
        next_field(app, key)
    } else {
        super::submit::submit(app)
    }
}

/// Enter on a form without questions.
pub(super) fn submit(app: &mut App, _: KeyEvent) -> Vec<Effect> {
    super::submit::submit(app)
}

/// Esc on the squad's form: the first choice again, the squad's row chosen.
pub(super) fn squad_back(app: &mut App, _: KeyEvent) -> Vec<Effect> {
    app.squad = None;
    app.enter_stage(StageId::Connect);
    app.overlay = Some(Overlay::FirstChoice { selected: 2 });
    Vec::new()
}

pub(super) fn previous_stage(app: &mut App, _: KeyEvent) -> Vec<Effect> {
    if let Some(&previous) = app
        .current
        .index()
        .checked_sub(1)
        .and_then(|i| StageId::ALL.get(i))
    {
        app.enter_stage(previous);
    }
    Vec::new()
}

/// Enter on the firewall screen: the ports typed are added; with the field empty, as any form.
pub(super) fn firewall_enter(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    if super::firewall_list::has_text(app) {
        super::firewall_list::add(app);
        Vec::new()
    } else {
        form_enter(app, key)
    }
}

pub(super) fn choose_rule(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    super::firewall_list::choose(app, key.code == KeyCode::Up);
    Vec::new()
}

pub(super) fn remove_rule(app: &mut App, _: KeyEvent) -> Vec<Effect> {
    super::firewall_list::remove(app);
    Vec::new()
}

pub(super) fn practice_droplet(app: &mut App, _: KeyEvent) -> Vec<Effect> {
    super::practice::choose_practice_os(app)
}

pub(super) fn reboot(app: &mut App, _: KeyEvent) -> Vec<Effect> {
    flow::reboot(app)
}

/// Checks the field the student is leaving, so a mistake is explained right where it was
/// typed (an empty field is left alone until the form is confirmed).
fn check_leaving_field(app: &mut App) {
    let Some(field) = app.form.fields.get(app.form.focus) else {
        return;
    };
    let key = field.key;
    if field.value().is_empty() {
        return;
    }
    let form = &app.form;
    let errors = crate::course::validate(app.current, &|k| form.value(k));
    // The retype field is judged on Enter, once both have been typed.
    if let Some(error) = errors
        .into_iter()
        .find(|e| e.field == key && !matches!(key, "user_password" | "db_password"))
    {
        app.form.set_error(key, error.message);
    }
}

// ── The preview ──

pub(super) fn apply(app: &mut App, _: KeyEvent) -> Vec<Effect> {
    flow::apply_current(app)
}

pub(super) fn scroll_commands(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    if let View::Preview { scroll } = app.view {
        let scroll = if matches!(key.code, KeyCode::Down | KeyCode::Char('j')) {
            scroll.saturating_add(1)
        } else {
            scroll.saturating_sub(1)
        };
        app.view = View::Preview { scroll };
    }
    Vec::new()
}

/// → droplift's exact scripts, ← the by-hand commands.
pub(super) fn show_scripts(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    app.preview.scripts = key.code == KeyCode::Right;
    app.view = View::Preview { scroll: 0 };
    Vec::new()
}

pub(super) fn leave_preview(app: &mut App, _: KeyEvent) -> Vec<Effect> {
    // The nginx stage's preview was opened from its editor: back to the text.
    app.view = if app.editor.is_some() {
        View::Editor
    } else {
        View::Form
    };
    Vec::new()
}

/// The runbook of every stage, saved as notes.
pub(super) fn save_notes(app: &mut App, _: KeyEvent) -> Vec<Effect> {
    match crate::course::runbook::render(&app.answers, &StageId::ALL) {
        Ok(runbook) => vec![Effect::SaveRunbook(runbook)],
        Err(e) => {
            app.log_line(
                crate::logbuf::LineKind::Error,
                &format!("The runbook could not be written: {e}"),
            );
            Vec::new()
        }
    }
}

// ── Running ──

pub(super) fn resume_paused(app: &mut App, _: KeyEvent) -> Vec<Effect> {
    flow::resume_paused(app)
}

pub(super) fn explain(app: &mut App, _: KeyEvent) -> Vec<Effect> {
    app.instructor.explaining = !app.instructor.explaining;
    Vec::new()
}

pub(super) fn work_ahead(app: &mut App, _: KeyEvent) -> Vec<Effect> {
    super::ahead::go(app)
}

pub(super) fn stop_step(app: &mut App, _: KeyEvent) -> Vec<Effect> {
    if app.run.as_ref().and_then(|r| r.current_id()).is_some() {
        app.overlay = Some(Overlay::ConfirmCancel);
    }
    Vec::new()
}

// ── Finished ──

pub(super) fn next_stage(app: &mut App, _: KeyEvent) -> Vec<Effect> {
    flow::next_stage(app)
}

/// `r` at the end of the squad's stage 9: the folder again, as a new release.
pub(super) fn ship_again(app: &mut App, _: KeyEvent) -> Vec<Effect> {
    super::squad::ship_again(app)
}

pub(super) fn roll_back(app: &mut App, _: KeyEvent) -> Vec<Effect> {
    flow::rollback(app)
}

pub(super) fn doctor(app: &mut App, _: KeyEvent) -> Vec<Effect> {
    super::doctor::start(app)
}

pub(super) fn logs(app: &mut App, _: KeyEvent) -> Vec<Effect> {
    super::logs::start(app)
}

/// Scrolls the logs' popup.
pub(super) fn scroll_logs(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    super::logs::scroll(app, popup_delta(key));
    Vec::new()
}

pub(super) fn class_open(app: &mut App, _: KeyEvent) -> Vec<Effect> {
    super::class::open(app)
}

pub(super) fn class_check(app: &mut App, _: KeyEvent) -> Vec<Effect> {
    super::class::check(app)
}

pub(super) fn class_read(app: &mut App, _: KeyEvent) -> Vec<Effect> {
    super::class::read(app)
}

pub(super) fn class_ask_to_apply(app: &mut App, _: KeyEvent) -> Vec<Effect> {
    super::class::ask_to_apply(app);
    Vec::new()
}

pub(super) fn class_apply(app: &mut App, _: KeyEvent) -> Vec<Effect> {
    super::class::apply(app)
}

pub(super) fn class_not_now(app: &mut App, _: KeyEvent) -> Vec<Effect> {
    super::class::not_now(app);
    Vec::new()
}

pub(super) fn class_ask_which_squad(app: &mut App, _: KeyEvent) -> Vec<Effect> {
    super::class::ask_which_squad(app);
    Vec::new()
}

pub(super) fn class_remove(app: &mut App, _: KeyEvent) -> Vec<Effect> {
    super::class::remove(app)
}

pub(super) fn class_keep_squads(app: &mut App, _: KeyEvent) -> Vec<Effect> {
    super::class::keep_squads(app);
    Vec::new()
}

pub(super) fn class_another(app: &mut App, _: KeyEvent) -> Vec<Effect> {
    super::class::another(app);
    Vec::new()
}

pub(super) fn scroll_class(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    super::class::scroll(app, popup_delta(key));
    Vec::new()
}

pub(super) fn backup_offer(app: &mut App, _: KeyEvent) -> Vec<Effect> {
    super::backup::offer(app)
}

pub(super) fn backup_confirm(app: &mut App, _: KeyEvent) -> Vec<Effect> {
    super::backup::confirm(app)
}

/// ↑ / ↓ a line, PgUp / PgDn ten: how far a popup scrolls for `key`.
fn popup_delta(key: KeyEvent) -> i16 {
    match key.code {
        KeyCode::Up | KeyCode::Char('k') => -1,
        KeyCode::Down | KeyCode::Char('j') => 1,
        KeyCode::PageUp => -10,
        _ => 10,
    }
}

/// Scrolls the doctor's popup.
pub(super) fn scroll_doctor(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    super::doctor::scroll(app, popup_delta(key));
    Vec::new()
}

pub(super) fn back_to_questions(app: &mut App, _: KeyEvent) -> Vec<Effect> {
    // The instructor's stages on a squad's path have no questions: back to the stage before.
    if super::squad::view_for(app, app.current).is_some() {
        if let Some(index) = app.current.index().checked_sub(1) {
            app.enter_stage(crate::course::StageId::ALL[index]);
        }
        return Vec::new();
    }
    app.view = View::Form;
    Vec::new()
}

// ── nginx (stage 7): the editor pane ──

pub(super) fn edit_site(app: &mut App, _: KeyEvent) -> Vec<Effect> {
    super::editor::open(app);
    Vec::new()
}

/// Ctrl-S: the text is taken and applied (nginx -t judges it first).
pub(super) fn editor_apply(app: &mut App, _: KeyEvent) -> Vec<Effect> {
    if super::editor::take_text(app) {
        flow::apply_current(app)
    } else {
        Vec::new()
    }
}

/// Ctrl-P: the exact commands the text would run.
pub(super) fn editor_commands(app: &mut App, _: KeyEvent) -> Vec<Effect> {
    if super::editor::take_text(app) {
        app.view = View::Preview { scroll: 0 };
    }
    Vec::new()
}

/// Esc: back to the form, asking first when the text was edited.
pub(super) fn editor_leave(app: &mut App, _: KeyEvent) -> Vec<Effect> {
    if app
        .editor
        .as_ref()
        .is_some_and(super::editor::SiteEditor::is_modified)
    {
        app.overlay = Some(Overlay::ConfirmDiscard);
    } else {
        super::editor::close(app);
    }
    Vec::new()
}

pub(super) fn type_in_editor(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    if let Some(editor) = app.editor.as_mut() {
        editor.area.input(key);
    }
    Vec::new()
}

pub(super) fn drop_edits(app: &mut App, _: KeyEvent) -> Vec<Effect> {
    app.overlay = None;
    super::editor::drop_edits(app);
    Vec::new()
}

// ── The create screens ──

/// ↑ / ↓ on a list: the highlighted row; on the backups screen, on or off.
pub(super) fn cloud_arrow(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    super::cloud::arrow(app, matches!(key.code, KeyCode::Up | KeyCode::Char('k')));
    Vec::new()
}

pub(super) fn toggle_backups(app: &mut App, _: KeyEvent) -> Vec<Effect> {
    super::cloud::toggle_backups(app);
    Vec::new()
}

pub(super) fn check_token(app: &mut App, _: KeyEvent) -> Vec<Effect> {
    super::cloud::submit_token(app)
}

pub(super) fn name_droplet(app: &mut App, _: KeyEvent) -> Vec<Effect> {
    super::cloud::submit_name(app)
}

pub(super) fn create_droplet(app: &mut App, _: KeyEvent) -> Vec<Effect> {
    super::cloud::create(app)
}

pub(super) fn next_cloud_screen(app: &mut App, _: KeyEvent) -> Vec<Effect> {
    super::cloud::advance(app);
    Vec::new()
}

pub(super) fn previous_cloud_screen(app: &mut App, _: KeyEvent) -> Vec<Effect> {
    super::cloud::go_back(app)
}

pub(super) fn type_in_cloud(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    if let Some(form) = super::cloud::form_mut(app) {
        form.input(key);
    }
    Vec::new()
}

// ── The popups. An answer takes its popup out of `app` before it calls on, as the code it
// calls expects (it may open another). ──

pub(super) fn quit_now(app: &mut App, _: KeyEvent) -> Vec<Effect> {
    app.overlay = None;
    quit(app)
}

pub(super) fn cancel_step(app: &mut App, _: KeyEvent) -> Vec<Effect> {
    app.overlay = None;
    flow::cancel_step(app)
}

/// ↑ (or Shift-Tab) / ↓ (or Tab) on the practice droplet's systems.
pub(super) fn practice_row(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    let last = PracticeOs::ALL.len() - 1;
    if let Some(Overlay::PracticeOs { selected }) = &mut app.overlay {
        *selected = if matches!(key.code, KeyCode::Up | KeyCode::BackTab) {
            selected.saturating_sub(1)
        } else {
            (*selected + 1).min(last)
        };
    }
    Vec::new()
}

pub(super) fn practice_chosen(app: &mut App, _: KeyEvent) -> Vec<Effect> {
    let Some(Overlay::PracticeOs { selected }) = app.overlay.take() else {
        return Vec::new();
    };
    let last = PracticeOs::ALL.len() - 1;
    let os = PracticeOs::ALL[selected.min(last)];
    super::practice::start_practice(app, os)
}

pub(super) fn resume_row(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    let last = super::resume::rows(app).len().saturating_sub(1);
    if let Some(Overlay::Resume { selected }) = &mut app.overlay {
        *selected = if matches!(key.code, KeyCode::Up | KeyCode::BackTab) {
            selected.saturating_sub(1)
        } else {
            (*selected + 1).min(last)
        };
    }
    Vec::new()
}

pub(super) fn resume_chosen(app: &mut App, _: KeyEvent) -> Vec<Effect> {
    if let Some(Overlay::Resume { selected }) = app.overlay.take() {
        super::resume::pick(app, selected);
    }
    Vec::new()
}

/// Esc (or n) on the known servers: the last row, a new droplet.
pub(super) fn resume_new(app: &mut App, _: KeyEvent) -> Vec<Effect> {
    app.overlay = None;
    let last = super::resume::rows(app).len().saturating_sub(1);
    super::resume::pick(app, last);
    Vec::new()
}

pub(super) fn first_choice_row(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    if let Some(Overlay::FirstChoice { selected }) = &mut app.overlay {
        let rows = super::cloud::first_choice_rows().len();
        *selected = if key.code == KeyCode::Up {
            (*selected + rows - 1) % rows
        } else {
            (*selected + 1) % rows
        };
    }
    Vec::new()
}

pub(super) fn first_choice_chosen(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    match app.overlay.take() {
        Some(Overlay::FirstChoice { selected: 1 }) => {
            super::cloud::start(app);
            Vec::new()
        }
        Some(Overlay::FirstChoice { selected: 2 }) => {
            super::squad::start(app);
            Vec::new()
        }
        _ => have_a_droplet(app, key),
    }
}

pub(super) fn have_a_droplet(app: &mut App, _: KeyEvent) -> Vec<Effect> {
    app.overlay = None;
    super::cloud::have_one(app);
    Vec::new()
}

pub(super) fn accept_host_key(app: &mut App, _: KeyEvent) -> Vec<Effect> {
    let Some(Overlay::HostKey { info, .. }) = app.overlay.take() else {
        return Vec::new();
    };
    app.info(&format!(
        "Host key accepted and recorded: {}",
        info.fingerprint
    ));
    vec![Effect::Worker(Box::new(Job::HostKey(
        HostKeyDecision::Accept,
    )))]
}

pub(super) fn refuse_host_key(app: &mut App, _: KeyEvent) -> Vec<Effect> {
    app.overlay = None;
    vec![Effect::Worker(Box::new(Job::HostKey(
        HostKeyDecision::Reject,
    )))]
}

/// Enter on a changed host key: replaced only when the host name was typed exactly.
pub(super) fn replace_host_key(app: &mut App, _: KeyEvent) -> Vec<Effect> {
    let Some(Overlay::HostKey {
        info,
        changed,
        mut confirm,
    }) = app.overlay.take()
    else {
        return Vec::new();
    };
    let typed = confirm.value("confirm");
    if typed.trim() == app.answers.host {
        app.info(&format!("Replacing the recorded key for {}", info.host));
        vec![Effect::Worker(Box::new(Job::HostKey(
            HostKeyDecision::Replace,
        )))]
    } else {
        confirm.set_error(
            "confirm",
            format!(
                "Type {} exactly to replace the key, or Esc to stop.",
                app.answers.host
            ),
        );
        app.overlay = Some(Overlay::HostKey {
            info,
            changed,
            confirm,
        });
        Vec::new()
    }
}

pub(super) fn popup_next_field(app: &mut App, _: KeyEvent) -> Vec<Effect> {
    focused_form(app).next();
    Vec::new()
}

pub(super) fn popup_previous_field(app: &mut App, _: KeyEvent) -> Vec<Effect> {
    focused_form(app).prev();
    Vec::new()
}

/// Enter on the new root password: the next field; on the last one, the change is sent.
pub(super) fn change_root_password(app: &mut App, _: KeyEvent) -> Vec<Effect> {
    match app.overlay.take() {
        Some(Overlay::PasswordChange(mut form)) if form.focus + 1 < form.fields.len() => {
            form.next();
            app.overlay = Some(Overlay::PasswordChange(form));
            Vec::new()
        }
        Some(Overlay::PasswordChange(form)) => super::login::submit_new_root_password(app, form),
        other => {
            app.overlay = other;
            Vec::new()
        }
    }
}

pub(super) fn stop_password_change(app: &mut App, _: KeyEvent) -> Vec<Effect> {
    app.overlay = None;
    app.info("The password change was not done: connect again when you are ready.");
    super::login::abandon_connect(app)
}

/// Enter on the student's own user's login: the next field; on the last one, the login.
pub(super) fn log_in_as_user(app: &mut App, _: KeyEvent) -> Vec<Effect> {
    let (mut form, resumed) = match app.overlay.take() {
        Some(Overlay::UserLogin(form)) => (form, false),
        Some(Overlay::ResumeAsUser(form)) => (form, true),
        other => {
            app.overlay = other;
            return Vec::new();
        }
    };
    if form.focus + 1 < form.fields.len() {
        form.next();
        app.overlay = Some(if resumed {
            Overlay::ResumeAsUser(form)
        } else {
            Overlay::UserLogin(form)
        });
        return Vec::new();
    }
    super::login::submit_user_login(app, form)
}

/// Esc after root was refused: back to root's password.
pub(super) fn retype_root_password(app: &mut App, _: KeyEvent) -> Vec<Effect> {
    app.overlay = None;
    super::login::decline_user_login(app)
}

/// Esc when resuming a hardened server as the student's user: root after all.
pub(super) fn root_after_all(app: &mut App, _: KeyEvent) -> Vec<Effect> {
    app.overlay = None;
    super::login::root_after_all(app)
}

pub(super) fn request_quit(app: &mut App) -> Vec<Effect> {
    if app.is_busy() && !matches!(app.overlay, Some(Overlay::ConfirmQuit)) {
        app.overlay = Some(Overlay::ConfirmQuit);
        app.dirty = true;
        Vec::new()
    } else {
        quit(app)
    }
}

fn quit(app: &mut App) -> Vec<Effect> {
    app.should_quit = true;
    let mut effects = Vec::new();
    if let Some(id) = app.run.as_ref().and_then(|r| r.current_id()) {
        effects.push(Effect::Worker(Box::new(Job::Cancel { id })));
    }
    effects.push(Effect::Worker(Box::new(Job::Disconnect)));
    effects.push(Effect::Quit);
    effects
}
