//! Keys: what each key does depending on what is on screen. Text fields get every printable
//! key (so a password may contain `q` or `?`); F1 and Ctrl-C work everywhere.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::{App, Effect, Form, Overlay, View, flow};
use crate::course::StageId;
use crate::remote::{HostKeyDecision, Job};

/// The form that takes typing now: an overlay's, or the stage's.
pub(super) fn focused_form(app: &mut App) -> &mut Form {
    match &mut app.overlay {
        Some(
            Overlay::PasswordChange(form) | Overlay::UserLogin(form) | Overlay::ResumeAsUser(form),
        ) => form,
        Some(Overlay::HostKey { confirm, .. }) => confirm,
        _ => &mut app.form,
    }
}

pub(super) fn handle_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    if ctrl && matches!(key.code, KeyCode::Char('c')) {
        return request_quit(app);
    }
    if key.code == KeyCode::F(1) && !matches!(app.overlay, Some(Overlay::Help)) {
        app.overlay = Some(Overlay::Help);
        return Vec::new();
    }
    if let Some(overlay) = app.overlay.take() {
        return overlay_key(app, overlay, key);
    }
    if app.cloud.is_some() {
        return super::cloud::key(app, key);
    }
    // ── nginx (stage 7) ──
    if app.view == View::Editor {
        return super::editor::key(app, key);
    }
    // ── end nginx ──
    match key.code {
        KeyCode::PageUp => {
            let page = app.log_rows().max(1) as isize;
            app.scroll_log(page);
            return Vec::new();
        }
        KeyCode::PageDown => {
            let page = app.log_rows().max(1) as isize;
            app.scroll_log(-page);
            return Vec::new();
        }
        KeyCode::Home => {
            app.log_scroll = app.log.max_scroll(app.log_rows());
            return Vec::new();
        }
        KeyCode::End => {
            app.log_scroll = 0;
            return Vec::new();
        }
        KeyCode::Up | KeyCode::Down if key.modifiers.contains(KeyModifiers::ALT) => {
            // Look at another stage's explanation (an instructor walking a class through).
            let index = app.current.index();
            let next = if key.code == KeyCode::Up {
                index.checked_sub(1)
            } else {
                Some(index + 1)
            };
            if let Some(&id) = next.and_then(|i| StageId::ALL.get(i)) {
                app.enter_stage(id);
            }
            return Vec::new();
        }
        KeyCode::F(2) if app.current == StageId::Connect && app.view == View::Form => {
            return super::practice::choose_practice_os(app);
        }
        _ => {}
    }
    match (app.view, key.code) {
        (View::Form, _) => form_key(app, key),
        (View::Preview { .. }, KeyCode::Enter) => flow::apply_current(app),
        (View::Preview { .. }, KeyCode::Esc) => {
            // The nginx stage's preview was opened from its editor: back to the text.
            app.view = if app.editor.is_some() {
                View::Editor
            } else {
                View::Form
            };
            Vec::new()
        }
        (View::Preview { scroll }, KeyCode::Down | KeyCode::Char('j')) => {
            app.view = View::Preview {
                scroll: scroll.saturating_add(1),
            };
            Vec::new()
        }
        (View::Preview { .. }, KeyCode::Right | KeyCode::Left) => {
            app.show_scripts = key.code == KeyCode::Right;
            app.view = View::Preview { scroll: 0 };
            Vec::new()
        }
        (View::Preview { scroll }, KeyCode::Up | KeyCode::Char('k')) => {
            app.view = View::Preview {
                scroll: scroll.saturating_sub(1),
            };
            Vec::new()
        }
        (View::Running, KeyCode::Char(' ')) if app.paused.is_some() => flow::resume_paused(app),
        (View::Running, KeyCode::Char('e')) if app.paused.is_some() => {
            app.explaining = !app.explaining;
            Vec::new()
        }
        (View::Running, KeyCode::Char('n')) => super::ahead::go(app),
        (View::Running, KeyCode::Esc) => {
            if app.run.as_ref().and_then(|r| r.current_id()).is_some() {
                app.overlay = Some(Overlay::ConfirmCancel);
            }
            Vec::new()
        }
        (View::Finished, KeyCode::Enter) => flow::next_stage(app),
        (View::Finished, KeyCode::Char('r')) if app.reboot_needed => flow::reboot(app),
        // ── nginx (stage 7) ──
        (View::Finished, KeyCode::Char('e')) if app.current == StageId::Nginx => {
            super::editor::open(app);
            Vec::new()
        }
        // ── end nginx ──
        (View::Finished, KeyCode::Char('b')) if app.current == StageId::Service => {
            flow::rollback(app)
        }
        (View::Finished, KeyCode::Esc) => {
            app.view = View::Form;
            Vec::new()
        }
        (View::Preview { .. } | View::Finished, KeyCode::Char('w')) => {
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
        // Outside text fields, ? and q are commands.
        (_, KeyCode::Char('?')) => {
            app.overlay = Some(Overlay::Help);
            Vec::new()
        }
        (_, KeyCode::Char('q')) => request_quit(app),
        _ => Vec::new(),
    }
}

fn form_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    if key.code == KeyCode::Esc {
        if let Some(&previous) = app
            .current
            .index()
            .checked_sub(1)
            .and_then(|i| StageId::ALL.get(i))
        {
            app.enter_stage(previous);
        }
        return Vec::new();
    }
    if app.current == StageId::Firewall {
        if let Some(effects) = super::firewall_list::key(app, key) {
            return effects;
        }
    }
    if !app.form.is_empty() {
        match key.code {
            KeyCode::Tab | KeyCode::Down => {
                check_leaving_field(app);
                app.form.next();
            }
            KeyCode::BackTab | KeyCode::Up => {
                check_leaving_field(app);
                app.form.prev();
            }
            KeyCode::Enter => {
                if app.form.focus + 1 < app.form.fields.len() {
                    check_leaving_field(app);
                    app.form.next();
                } else {
                    return super::submit::submit(app);
                }
            }
            _ => app.form.input(key),
        }
        return Vec::new();
    }
    match key.code {
        KeyCode::Char('?') => app.overlay = Some(Overlay::Help),
        KeyCode::Char('q') => return request_quit(app),
        KeyCode::Enter => return super::submit::submit(app),
        // The restart the update asked for, when the student came back to stage 2 later.
        KeyCode::Char('r') if app.current == StageId::Update && app.reboot_needed => {
            return flow::reboot(app);
        }
        _ => {}
    }
    Vec::new()
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

/// Keys while a popup is open. The overlay was taken out of `app`; put it back to keep it.
fn overlay_key(app: &mut App, overlay: Overlay, key: KeyEvent) -> Vec<Effect> {
    match overlay {
        Overlay::Help => {
            if !matches!(
                key.code,
                KeyCode::Esc | KeyCode::Enter | KeyCode::F(1) | KeyCode::Char('?' | 'q')
            ) {
                app.overlay = Some(Overlay::Help);
            }
            Vec::new()
        }
        Overlay::ConfirmQuit => match key.code {
            KeyCode::Char('y' | 'Y') => quit(app),
            KeyCode::Char('n' | 'N') | KeyCode::Esc => Vec::new(),
            _ => {
                app.overlay = Some(Overlay::ConfirmQuit);
                Vec::new()
            }
        },
        Overlay::ConfirmCancel => match key.code {
            KeyCode::Char('y' | 'Y') => flow::cancel_step(app),
            KeyCode::Char('n' | 'N') | KeyCode::Esc => Vec::new(),
            _ => {
                app.overlay = Some(Overlay::ConfirmCancel);
                Vec::new()
            }
        },
        // ── nginx (stage 7) ──
        Overlay::ConfirmDiscard => {
            super::editor::confirm_discard(app, key);
            Vec::new()
        }
        // ── end nginx ──
        Overlay::Error(card) => {
            if !matches!(key.code, KeyCode::Esc | KeyCode::Enter) {
                app.overlay = Some(Overlay::Error(card));
            }
            Vec::new()
        }
        Overlay::PracticeOs { selected } => {
            let last = crate::practice::PracticeOs::ALL.len() - 1;
            match key.code {
                KeyCode::Up | KeyCode::BackTab => {
                    app.overlay = Some(Overlay::PracticeOs {
                        selected: selected.saturating_sub(1),
                    })
                }
                KeyCode::Down | KeyCode::Tab => {
                    app.overlay = Some(Overlay::PracticeOs {
                        selected: (selected + 1).min(last),
                    })
                }
                KeyCode::Enter => {
                    let os = crate::practice::PracticeOs::ALL[selected.min(last)];
                    return super::practice::start_practice(app, os);
                }
                KeyCode::Esc => {}
                _ => app.overlay = Some(Overlay::PracticeOs { selected }),
            }
            Vec::new()
        }
        Overlay::Resume { selected } => {
            let last = super::resume::rows(app).len().saturating_sub(1);
            match key.code {
                KeyCode::Up => {
                    app.overlay = Some(Overlay::Resume {
                        selected: selected.saturating_sub(1),
                    })
                }
                KeyCode::Down | KeyCode::Tab => {
                    app.overlay = Some(Overlay::Resume {
                        selected: (selected + 1).min(last),
                    })
                }
                KeyCode::Enter => super::resume::pick(app, selected),
                KeyCode::Esc | KeyCode::Char('n') => super::resume::pick(app, last),
                _ => app.overlay = Some(Overlay::Resume { selected }),
            }
            Vec::new()
        }
        Overlay::FirstChoice { selected } => super::cloud::first_choice_key(app, selected, key),
        Overlay::HostKey {
            info,
            changed: false,
            confirm,
        } => match key.code {
            KeyCode::Char('y' | 'Y') => {
                app.info(&format!(
                    "Host key accepted and recorded: {}",
                    info.fingerprint
                ));
                vec![Effect::Worker(Box::new(Job::HostKey(
                    HostKeyDecision::Accept,
                )))]
            }
            KeyCode::Char('n' | 'N') | KeyCode::Esc => {
                vec![Effect::Worker(Box::new(Job::HostKey(
                    HostKeyDecision::Reject,
                )))]
            }
            _ => {
                app.overlay = Some(Overlay::HostKey {
                    info,
                    changed: false,
                    confirm,
                });
                Vec::new()
            }
        },
        Overlay::HostKey {
            info,
            changed: true,
            mut confirm,
        } => match key.code {
            KeyCode::Esc => {
                vec![Effect::Worker(Box::new(Job::HostKey(
                    HostKeyDecision::Reject,
                )))]
            }
            KeyCode::Enter => {
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
                        changed: true,
                        confirm,
                    });
                    Vec::new()
                }
            }
            _ => {
                confirm.input(key);
                app.overlay = Some(Overlay::HostKey {
                    info,
                    changed: true,
                    confirm,
                });
                Vec::new()
            }
        },
        Overlay::UserLogin(form) => user_login_key(app, form, key, false),
        Overlay::ResumeAsUser(form) => user_login_key(app, form, key, true),
        Overlay::PasswordChange(mut form) => match key.code {
            KeyCode::Tab | KeyCode::Down => {
                form.next();
                app.overlay = Some(Overlay::PasswordChange(form));
                Vec::new()
            }
            KeyCode::BackTab | KeyCode::Up => {
                form.prev();
                app.overlay = Some(Overlay::PasswordChange(form));
                Vec::new()
            }
            KeyCode::Enter if form.focus + 1 < form.fields.len() => {
                form.next();
                app.overlay = Some(Overlay::PasswordChange(form));
                Vec::new()
            }
            KeyCode::Enter => super::login::submit_new_root_password(app, form),
            KeyCode::Esc => {
                app.info("The password change was not done: connect again when you are ready.");
                super::login::abandon_connect(app)
            }
            _ => {
                form.input(key);
                app.overlay = Some(Overlay::PasswordChange(form));
                Vec::new()
            }
        },
    }
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

/// Keys on the user login, after root was refused or first when resuming a hardened server
/// (`resumed`): the same form; Esc goes back to root's password.
fn user_login_key(app: &mut App, mut form: Form, key: KeyEvent, resumed: bool) -> Vec<Effect> {
    match key.code {
        KeyCode::Tab | KeyCode::Down => form.next(),
        KeyCode::BackTab | KeyCode::Up => form.prev(),
        KeyCode::Enter if form.focus + 1 < form.fields.len() => form.next(),
        KeyCode::Enter => return super::login::submit_user_login(app, form),
        KeyCode::Esc if resumed => return super::login::root_after_all(app),
        KeyCode::Esc => return super::login::decline_user_login(app),
        _ => form.input(key),
    }
    app.overlay = Some(if resumed {
        Overlay::ResumeAsUser(form)
    } else {
        Overlay::UserLogin(form)
    });
    Vec::new()
}
