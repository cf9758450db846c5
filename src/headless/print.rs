//! How the headless commands word what happens, as plain lines: from the login machine's output,
//! the runner's steps and the local steps' results. `session.rs` prints what these return.

use crate::course::plan::Step;
use crate::login::{LoginError, Notice, Out, Question};
use crate::remote::Stream;
use crate::runner::Phase;
use crate::secret::Redactor;

/// The lines for one output of the login machine. `quiet` (status): no command output.
pub fn out_lines(out: &Out, quiet: bool, redactor: &Redactor) -> Vec<String> {
    match out {
        Out::Job(_) | Out::Progress(_) => Vec::new(),
        Out::Notice(notice) => notice_lines(notice, quiet),
        Out::Ask(Question::UserLogin { user }) => vec![format!(
            "root may not log in (the server is hardened already?); trying {user} with your key …"
        )],
        Out::Ask(Question::HostKey { .. } | Question::NewRootPassword { .. }) => Vec::new(),
        Out::LoggedIn {
            user,
            reprobe: Some(_),
            ..
        } => vec![format!(
            "  connected again as {user}; checking the stage again"
        )],
        Out::LoggedIn {
            user,
            host,
            port,
            reprobe: None,
        } => vec![format!("Connected to {host}:{port} as {user}.")],
        // The worker's own words first; the error itself ends the command.
        Out::Failed {
            error: LoginError::UserRefused { message, .. },
            ..
        } => vec![format!("  {message}")],
        Out::Failed { .. } => Vec::new(),
        Out::Output { .. } if quiet => Vec::new(),
        Out::Output { stream, line, .. } => {
            let mark = if *stream == Stream::Stderr { "!" } else { "|" };
            vec![format!("    {mark} {}", redactor.redact(line))]
        }
    }
}

fn notice_lines(notice: &Notice, quiet: bool) -> Vec<String> {
    match notice {
        Notice::LoggingIn {
            host,
            user,
            with_key: false,
            ..
        } => vec![format!("Logging in to {host} as {user} …")],
        Notice::LoggingIn {
            host,
            user,
            with_key: true,
            ..
        } => vec![format!("Logging in to {host} as {user} with your key …")],
        Notice::Connecting { host, port } => vec![format!("  connecting to {host}:{port}")],
        Notice::RootRefused { message } => vec![format!("  {message}")],
        Notice::PasswordChangeRequired => {
            vec!["  the server asks for a new root password (a new droplet does this once)".into()]
        }
        Notice::ChangingPassword => Vec::new(),
        Notice::PasswordRejected { reason } => {
            vec![format!("  the server refused the new password: {reason}")]
        }
        Notice::PasswordChanged => {
            vec!["  root's password is changed; logging in again with the new one".into()]
        }
        Notice::Disconnected { reason } => vec![format!("  disconnected: {reason}")],
        Notice::Reconnecting { attempt, delay } => vec![format!(
            "  reconnecting (attempt {attempt}, in {} s)",
            delay.as_secs()
        )],
        Notice::RebootNeeded { line } => {
            // Without `quiet` the line was printed as output already.
            let mut lines = if quiet {
                vec![format!("    | {line}")]
            } else {
                Vec::new()
            };
            lines.push(
                "    The update needs a restart to finish: restart the droplet (sudo reboot), then run droplift again."
                    .into(),
            );
            lines
        }
    }
}

/// A step begins, `at` seconds after droplift started talking to the server (so the log shows
/// where the time goes: the difference to the next step's line is this step's time).
pub fn step_line(phase: Phase, step: &Step, at: std::time::Duration) -> String {
    format!(
        "  → [{}] {}  (+{:.2} s)",
        phase.label(),
        step.headline(),
        at.as_secs_f64()
    )
}

/// A step on this computer succeeded (`line` says what it did).
pub fn local_line(line: &str) -> String {
    format!("    {line}")
}

/// The connection dropped during a step.
pub fn interrupted_line(step: &str) -> String {
    format!("  the connection dropped during \"{step}\"; reconnecting …")
}
