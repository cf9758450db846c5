//! A new droplet's expired password: detecting that the server demands a change, and answering
//! passwd's dialog over a PTY (the only way sshd allows it), reporting the server's own words.

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use super::exec::{Connection, SESSION_TIMEOUT};
use crate::secret::Secret;

/// How long passwd's whole dialog may take: a server that never shows the next prompt, or
/// never stops talking, does not keep the wizard waiting.
pub const DIALOG_DEADLINE: Duration = Duration::from_secs(60);
/// The most of the dialog's text kept; the prompt and the server's reasons are at its end.
const TRANSCRIPT_KEPT: usize = 16 * 1024;
/// The most read of `true`'s output when checking for an expired password.
const CHECK_OUTPUT_KEPT: u64 = 64 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum PasswdError {
    #[error("the connection failed during the password change: {0}")]
    Connection(String),
    #[error(
        "the server's password dialog did not finish within {0} s; log in again to see whether the password changed"
    )]
    Deadline(u64),
}

/// How the change went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PasswordChange {
    Changed,
    /// The server refused; the text is its own explanation. The old password still works.
    Rejected(String),
}

/// Phrases sshd prints when a command without a PTY meets an expired password.
const CHANGE_REQUIRED: &[&str] = &[
    "password change required",
    "required to change your password",
    "your password has expired",
];

/// Run `true` without a PTY: an expired password makes sshd refuse with a telltale message.
pub fn password_change_required(conn: &Connection) -> Result<bool, PasswdError> {
    let session = conn.session();
    session.set_blocking(true);
    let err = |e: ssh2::Error| PasswdError::Connection(e.message().to_owned());
    let mut channel = session.channel_session().map_err(err)?;
    channel.exec("true").map_err(err)?;
    // Bounded: the answer is a short message, whatever a server chooses to send.
    let mut bytes = Vec::new();
    let _ = (&mut channel)
        .take(CHECK_OUTPUT_KEPT)
        .read_to_end(&mut bytes);
    let _ = channel
        .stderr()
        .take(CHECK_OUTPUT_KEPT)
        .read_to_end(&mut bytes);
    let text = String::from_utf8_lossy(&bytes);
    channel.wait_close().map_err(err)?;
    let status = channel.exit_status().map_err(err)?;
    let lower = text.to_lowercase();
    Ok(status != 0 && CHANGE_REQUIRED.iter().any(|p| lower.contains(p)))
}

/// What the next prompt asks for, matched by suffix and case-insensitively, because wording
/// differs: Debian 12 says "Current password:", older Ubuntu "(current) UNIX password:".
#[derive(Debug, PartialEq, Eq)]
enum Prompt {
    Current,
    New,
    Retype,
}

fn prompt_at_end(text: &str) -> Option<Prompt> {
    let tail = text.trim_end().to_lowercase();
    if !tail.ends_with(':') {
        return None;
    }
    // Order matters: "Retype new password:" also ends in "new password:".
    if tail.ends_with("retype new password:")
        || tail.ends_with("retype new unix password:")
        || tail.ends_with("re-enter new password:")
    {
        Some(Prompt::Retype)
    } else if tail.ends_with("new password:") || tail.ends_with("new unix password:") {
        Some(Prompt::New)
    } else if tail.ends_with("current password:")
        || tail.ends_with("(current) unix password:")
        || tail.ends_with("password:")
    {
        Some(Prompt::Current)
    } else {
        None
    }
}

/// The server's words between our last answer and now, without the trailing prompt.
fn server_words(text: &str) -> String {
    let lines: Vec<&str> = text
        .lines()
        .map(|l| l.trim_matches(|c: char| c == '\r' || c.is_whitespace()))
        .filter(|l| !l.is_empty())
        .collect();
    let lines = match lines.split_last() {
        Some((last, rest)) if prompt_at_end(last).is_some() => rest,
        _ => &lines[..],
    };
    lines.join(" ")
}

/// Answer passwd's questions: current, new, retype. A second "New password:" means the new one
/// was refused (too short, same as before …): we stop there, so nothing changes.
pub fn change_password(
    conn: &Connection,
    current: &Secret,
    new: &Secret,
) -> Result<PasswordChange, PasswdError> {
    change_password_within(conn, current, new, DIALOG_DEADLINE)
}

/// `change_password` with its own deadline for the whole dialog.
pub fn change_password_within(
    conn: &Connection,
    current: &Secret,
    new: &Secret,
    deadline: Duration,
) -> Result<PasswordChange, PasswdError> {
    let session = conn.session();
    session.set_blocking(true);
    let result = dialog(conn, current, new, Instant::now() + deadline, deadline);
    session.set_timeout(SESSION_TIMEOUT.as_millis() as u32);
    result
}

fn dialog(
    conn: &Connection,
    current: &Secret,
    new: &Secret,
    until: Instant,
    deadline: Duration,
) -> Result<PasswordChange, PasswdError> {
    let session = conn.session();
    let err = |e: ssh2::Error| PasswdError::Connection(e.message().to_owned());
    let mut channel = session.channel_session().map_err(err)?;
    channel.request_pty("xterm", None, None).map_err(err)?;
    channel.exec("true").map_err(err)?;

    let mut transcript = String::new();
    let mut since: usize = 0;
    let mut new_sent = false;
    let mut retype_sent = false;
    let mut buf = [0u8; 4096];
    let late = || PasswdError::Deadline(deadline.as_secs());
    loop {
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            let _ = channel.close();
            return Err(late());
        }
        // No single read may outlast the dialog's deadline (libssh2's timeout, at least 1 ms).
        session.set_timeout((left.as_millis() as u32).max(1));
        let n = match channel.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            // The read's own timeout is the dialog's deadline (set just above).
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut || Instant::now() >= until => {
                let _ = channel.close();
                return Err(late());
            }
            Err(e) => return Err(PasswdError::Connection(e.to_string())),
        };
        transcript.push_str(&String::from_utf8_lossy(&buf[..n]));
        if transcript.len() > 2 * TRANSCRIPT_KEPT {
            let mut from = transcript.len() - TRANSCRIPT_KEPT;
            while !transcript.is_char_boundary(from) {
                from += 1;
            }
            transcript.drain(..from);
            since = since.saturating_sub(from);
        }
        let fresh = &transcript[since..];
        let answer = match prompt_at_end(fresh) {
            None => continue,
            Some(Prompt::Current) if !new_sent => current,
            Some(Prompt::New) if !new_sent => {
                new_sent = true;
                new
            }
            Some(Prompt::Retype) if new_sent && !retype_sent => {
                retype_sent = true;
                new
            }
            // A prompt again after our answers: passwd did not take the new password.
            Some(_) => {
                let reason = server_words(fresh);
                let _ = channel.close();
                return Ok(PasswordChange::Rejected(if reason.is_empty() {
                    "The server did not accept the new password.".to_owned()
                } else {
                    reason
                }));
            }
        };
        let mut line = answer.expose().as_bytes().to_vec();
        line.push(b'\n');
        let written = channel.write_all(&line).and_then(|()| channel.flush());
        zeroize::Zeroize::zeroize(&mut line);
        written.map_err(|e| PasswdError::Connection(e.to_string()))?;
        since = transcript.len();
    }
    channel.wait_close().map_err(err)?;
    let status = channel.exit_status().map_err(err)?;
    let tail = server_words(&transcript[since..]);
    let lower = tail.to_lowercase();
    let refused = [
        "bad password",
        "unchanged",
        "not been changed",
        "must choose",
        "error",
    ]
    .iter()
    .any(|p| lower.contains(p));
    if status == 0 && retype_sent && !refused {
        Ok(PasswordChange::Changed)
    } else {
        Ok(PasswordChange::Rejected(if tail.is_empty() {
            format!("passwd ended with status {status} without changing the password.")
        } else {
            tail
        }))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn prompts_by_suffix() {
        assert_eq!(
            prompt_at_end("Changing password for root.\r\nCurrent password: "),
            Some(Prompt::Current)
        );
        assert_eq!(
            prompt_at_end("(current) UNIX password:"),
            Some(Prompt::Current)
        );
        assert_eq!(prompt_at_end("\r\nNew password: "), Some(Prompt::New));
        assert_eq!(prompt_at_end("Retype new password: "), Some(Prompt::Retype));
        assert_eq!(prompt_at_end("Welcome to Debian"), None);
    }

    #[test]
    fn words_without_the_prompt() {
        assert_eq!(
            server_words("\r\nYou must choose a longer password.\r\nNew password: "),
            "You must choose a longer password."
        );
    }
}
