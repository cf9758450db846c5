//! The firewall screen's rule list: the student adds ports (with their protocol) in the field
//! and removes a chosen one with Del; the SSH and web rules stay, and the screen says why.

use super::App;
use crate::course::stages::firewall::ports::{PortList, parse_list};
use crate::course::stages::firewall::{rule_lines, web_ports};

/// The list's state on the firewall screen.
#[derive(Clone, Copy, Debug, Default)]
pub struct FirewallList {
    /// Which rule is chosen (0 is SSH).
    pub cursor: usize,
}

const FIELD: &str = "add_port";

/// The rules as the screen lists them: (rule, why), SSH first, then the web, then the
/// student's own ports.
pub fn listed(app: &App) -> Vec<(String, &'static str)> {
    rule_lines(
        app.answers.port,
        &web_ports(app.answers.domain.is_some()),
        &PortList(app.answers.extra_ports.clone()),
    )
}

/// ↑ / ↓ on the firewall screen: choose a rule of the list.
pub(super) fn choose(app: &mut App, up: bool) {
    let last = listed(app).len().saturating_sub(1);
    app.firewall.cursor = if up {
        app.firewall.cursor.saturating_sub(1)
    } else {
        (app.firewall.cursor + 1).min(last)
    };
}

/// Ports are typed in the field: Enter adds them (else Enter confirms, as on any form).
pub(super) fn has_text(app: &App) -> bool {
    !app.form.value(FIELD).trim().is_empty()
}

/// Adds the ports typed in the field (one or more: `8080, 53/udp`); a bad one is explained at
/// the field and nothing is added.
pub(super) fn add(app: &mut App) {
    app.form.clear_errors();
    let rules = match parse_list(&app.form.value(FIELD)) {
        Ok(rules) => rules,
        Err(message) => {
            app.form.set_error(FIELD, message);
            return;
        }
    };
    let fixed = web_ports(app.answers.domain.is_some());
    for rule in rules {
        if rule.port == app.answers.port
            && rule.proto == crate::course::stages::firewall::ports::Proto::Tcp
            || fixed.0.contains(&rule)
        {
            app.form
                .set_error(FIELD, format!("{rule} is open already (see the list)."));
            continue;
        }
        if !app.answers.extra_ports.contains(&rule) {
            app.answers.extra_ports.push(rule);
            app.info(&format!("Firewall: {rule} added to the rules."));
        }
    }
    if app.form.field(FIELD).is_some_and(|f| f.error.is_none()) {
        if let Some(field) = app.form.field_mut(FIELD) {
            field.set_value("");
        }
    }
    app.firewall.cursor = listed(app).len().saturating_sub(1);
}

/// Removes the chosen rule, unless it is one the server needs (the message says why).
pub(super) fn remove(app: &mut App) {
    app.form.clear_errors();
    let fixed = 1 + web_ports(app.answers.domain.is_some()).0.len();
    let cursor = app.firewall.cursor;
    if cursor == 0 {
        app.form.set_error(
            FIELD,
            "The SSH rule stays: without it the firewall shuts you out.",
        );
    } else if cursor < fixed {
        app.form.set_error(
            FIELD,
            "The web rule stays: nginx (stage 7) answers your API's requests there.",
        );
    } else if cursor - fixed < app.answers.extra_ports.len() {
        let rule = app.answers.extra_ports.remove(cursor - fixed);
        app.info(&format!("Firewall: {rule} removed from the rules."));
        app.firewall.cursor = cursor.min(listed(app).len().saturating_sub(1));
    }
}
