//! The practice droplet offered on the first screen: F2 creates one on this computer, and when it
//! is up its address and root password fill the connect form.

use super::{App, Effect, ErrorCard, Overlay, PracticeEvent};
use crate::course::StageId;
use crate::logbuf::LineKind;
use crate::practice::PracticeOs;

/// F2: asks which system first (a new droplet's default, Ubuntu 24.04, is highlighted).
pub(super) fn choose_practice_os(app: &mut App) -> Vec<Effect> {
    if !app.practice_busy {
        app.overlay = Some(Overlay::PracticeOs { selected: 0 });
    }
    Vec::new()
}

/// The rows of the system question, in `PracticeOs::ALL`'s order.
pub fn os_rows() -> Vec<String> {
    PracticeOs::ALL
        .iter()
        .map(|os| match os {
            PracticeOs::Ubuntu2404 => format!("{} (what a new droplet runs)", os.label()),
            PracticeOs::Ubuntu2204 => format!("{} (older, still common)", os.label()),
            PracticeOs::Debian12 => os.label().to_owned(),
        })
        .collect()
}

pub(super) fn start_practice(app: &mut App, os: PracticeOs) -> Vec<Effect> {
    if app.practice_busy {
        return Vec::new();
    }
    app.practice_busy = true;
    app.info(&format!(
        "Creating a practice droplet ({}) on this computer (the first one of a system takes \
         a few minutes) …",
        os.label()
    ));
    vec![Effect::PracticeUp(os)]
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
