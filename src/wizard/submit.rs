//! Enter on a stage's form: check the answers at their fields, then log in (stage 1), keep them
//! for after the running stage (working ahead), or start the stage's read-only check.

use super::{App, Effect, ErrorCard, Link, Overlay, flow};
use crate::course::{self, StageId};

/// Enter on the last field (or on a screen without fields): check the answers, then connect
/// (stage 1) or show the preview of the commands.
pub(super) fn submit(app: &mut App) -> Vec<Effect> {
    app.form.clear_errors();
    let form = &app.form;
    let errors = course::validate(app.current, &|key| form.value(key));
    for error in errors {
        app.form.set_error(error.field, error.message);
    }
    // A password typed into the Host field by mistake does not stay on screen (or in a
    // recording) for longer than it takes to say so.
    if let Some(host) = app.form.field_mut("host") {
        if course::check::looks_like_a_password(&host.value()) {
            host.set_value("");
        }
    }
    if app.form.focus_first_error() {
        return Vec::new();
    }
    // Another stage is running (the student went ahead with `n`, or looked with Alt-↓).
    if let Some(effects) = super::ahead::submit_while_running(app) {
        return effects;
    }
    let stage = app.current;
    if stage == StageId::Connect && app.squad.is_some() {
        return super::squad::submit(app);
    }
    // The instructor's stages: the squad's key could not run them (and has no form for them).
    if app.squad.is_some() && !super::squad::ships(stage) {
        return Vec::new();
    }
    if stage == StageId::Connect {
        return super::login::connect(app);
    }
    if !matches!(app.link, Link::Connected { .. }) {
        app.overlay = Some(Overlay::Error(ErrorCard {
            title: "Not connected".into(),
            what: "droplift is not logged in to your droplet yet.".into(),
            server: Vec::new(),
            next: "Go back to stage 1 (Esc) and connect first.".into(),
        }));
        return Vec::new();
    }
    // On the squad's path the squad's file fixed the answers (its sealed steps are built from
    // them): there are none to take.
    if app.squad.is_none() {
        flow::take_answers(app);
    }
    flow::check_current(app)
}
