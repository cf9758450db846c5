//! The practice droplet offered on the first screen: F2 creates one on this computer, and when it
//! is up its address and root password fill the connect form.

use super::{App, Effect, ErrorCard, Overlay, PracticeEvent};
use crate::course::StageId;
use crate::logbuf::LineKind;

pub(super) fn start_practice(app: &mut App) -> Vec<Effect> {
    if app.practice_busy {
        return Vec::new();
    }
    app.practice_busy = true;
    app.info(
        "Creating a practice droplet on this computer (the first time takes about a minute) …",
    );
    vec![Effect::PracticeUp]
}

pub(super) fn on_practice(app: &mut App, event: PracticeEvent) -> Vec<Effect> {
    match event {
        PracticeEvent::Progress(line) => app.info(&line),
        PracticeEvent::Ready {
            name,
            address,
            password,
        } => {
            app.practice_busy = false;
            app.redactor.add(&password);
            app.answers.host = address.clone();
            app.answers.port = 22;
            if app.current == StageId::Connect {
                app.form = super::form_for(StageId::Connect, &app.answers);
                if let Some(field) = app.form.field_mut("root_password") {
                    field.set_value(password.expose());
                }
                app.form.focus = app.form.fields.len().saturating_sub(1);
            }
            app.log_line(
                LineKind::Success,
                &format!(
                    "Practice droplet {name} is up at {address}. Its root password is filled in; \
                     like a new droplet's, it must be changed at the first login. Press Enter to connect."
                ),
            );
        }
        PracticeEvent::Failed(message) => {
            app.practice_busy = false;
            app.overlay = Some(Overlay::Error(ErrorCard {
                title: "No practice droplet".into(),
                what: message,
                server: Vec::new(),
                next: "Practice droplets need Linux, root, and the packages named above. Or use a real droplet: type its address.".into(),
            }));
        }
    }
    Vec::new()
}
