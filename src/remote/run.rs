//! Running one command on an open session: stdout and stderr streamed line by line in one
//! non-blocking loop, secrets masked, with timeout and cancel that really stop the remote process.

use std::io::{ErrorKind, Read, Write};
use std::time::{Duration, Instant};

use ssh2::{BlockDirections, Channel};

use super::exec::Connection;
use super::protocol::{RemoteCommand, Stream};
use crate::secret::{Redactor, Secret};
use crate::shell::QuoteError;
pub use crate::shell::quote;

/// First stderr line of every wrapped command: the process group to kill on cancel/timeout.
pub const PGID_MARK: &str = "\u{1e}droplift-pgid:";
/// Last stderr text of every wrapped command: its exit code. Without it, a channel closed by a
/// dying server is indistinguishable from exit 0 (libssh2 reports 0 when no status came).
pub const RC_MARK: &str = "\u{1e}droplift-rc:";
/// How long one wait for socket activity lasts before cancel, timeout and keepalive are checked.
const POLL_SLICE: Duration = Duration::from_millis(50);

/// A channel that broke while droplift wrote to it or read from it: the connection is gone or
/// going. Says the library's own words.
#[derive(Debug, thiserror::Error)]
pub enum ChannelError {
    #[error("{}", .0.message())]
    Ssh(#[from] ssh2::Error),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Quote(#[from] QuoteError),
}

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("could not start the command: {0}")]
    Start(String),
}

/// How a command ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RunOutcome {
    Finished(i32),
    TimedOut,
    Cancelled,
    /// The connection dropped: the command's fate is unknown.
    Interrupted(String),
}

/// What the caller wants, asked between reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Control {
    Continue,
    Cancel,
}

/// A prompt for `sudo -p` that nothing else prints: the password is sent only when sudo itself
/// shows it, so a NOPASSWD sudo never gets the password on the command's stdin. Random per
/// command, without `%` (sudo's escapes).
pub fn sudo_prompt() -> String {
    use ssh_key::rand_core::{OsRng, RngCore};
    let mut bytes = [0u8; 12];
    OsRng.fill_bytes(&mut bytes);
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("[droplift-sudo-{hex}]")
}

/// The shell text sshd runs. The script runs in a new session under `setsid -w`, whose leader
/// prints its pid first: closing a channel without a PTY kills nothing, so cancel and timeout
/// kill that process group over a second channel. With sudo (`sudo_prompt` set), sudo shows
/// that prompt on stderr when it wants the password and reads it from stdin.
pub fn command_line(script: &str, sudo_prompt: Option<&str>) -> Result<String, QuoteError> {
    let inner = format!(
        "printf '%s%s\\n' '{PGID_MARK}' \"$$\" >&2; bash -c \"$1\" droplift; rc=$?; \
         printf '%s%s\\n' '{RC_MARK}' \"$rc\" >&2; exit $rc"
    );
    let body = format!(
        "setsid -w bash -c {} droplift {}",
        quote(&inner)?,
        quote(script)?
    );
    Ok(match sudo_prompt {
        Some(prompt) => format!("exec sudo -k -S -p {} {body}", quote(prompt)?),
        None => format!("exec {body}"),
    })
}

/// What a deploy key sends for a root command: `run HASH NAME=VALUE...`, words the key's gate
/// hands to the sealed helper (`course::deploy_key`), which checks each again.
pub fn sealed_line(command: &RemoteCommand, site: &str) -> Result<String, RunError> {
    let seal = command
        .runtime
        .as_deref()
        .map(|args| crate::shell::Seal::of(&command.script, args));
    let seal = seal.ok_or_else(|| {
        RunError::Start(format!(
            "this step is not one a deploy key may run (the deploy key of {site} runs droplift's \
             sealed deploy steps only): use your own login for it"
        ))
    })?;
    let mut line = format!("run {}", seal.hash);
    for (name, value) in &seal.args {
        if value.is_empty()
            || !value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '/' | '-'))
        {
            return Err(RunError::Start(format!(
                "the value {name} cannot be sent to a sealed step"
            )));
        }
        line.push_str(&format!(" {name}={value}"));
    }
    Ok(line)
}

/// The number of a signal as sshd names it (RFC 4254: without "SIG"); 0 for one not listed.
fn signal_number(name: &str) -> i32 {
    match name {
        "HUP" => 1,
        "INT" => 2,
        "QUIT" => 3,
        "ILL" => 4,
        "ABRT" => 6,
        "FPE" => 8,
        "KILL" => 9,
        "USR1" => 10,
        "SEGV" => 11,
        "USR2" => 12,
        "PIPE" => 13,
        "ALRM" => 14,
        "TERM" => 15,
        _ => 0,
    }
}

/// The longest line kept; the rest of a longer one is dropped and a marker says how much. So a
/// server that never sends a newline cannot make us hold more than this per stream.
pub const MAX_LINE: usize = 16 * 1024;
/// The last dropped bytes of a cut line are kept: the wrapper's exit-code marker may follow a
/// long last line that had no newline of its own.
const CUT_TAIL: usize = 64;

/// Splits a byte stream into lines, keeping a partial last line until more bytes or the end.
#[derive(Default)]
struct LineBuf {
    pending: Vec<u8>,
    /// Bytes of the current line dropped so far (past MAX_LINE).
    cut: usize,
    /// The last CUT_TAIL of them.
    tail: Vec<u8>,
}

impl LineBuf {
    fn push(&mut self, bytes: &[u8], mut emit: impl FnMut(&[u8])) {
        let mut rest = bytes;
        while let Some(i) = rest.iter().position(|b| *b == b'\n') {
            if self.pending.is_empty() && self.cut == 0 && i <= MAX_LINE {
                // The common case: a whole line inside one read, no copy.
                emit(&rest[..i]);
            } else {
                self.take(&rest[..i]);
                self.end_line(&mut emit);
            }
            rest = &rest[i + 1..];
        }
        self.take(rest);
    }

    fn take(&mut self, part: &[u8]) {
        let room = MAX_LINE.saturating_sub(self.pending.len());
        let (kept, dropped) = part.split_at(part.len().min(room));
        self.pending.extend_from_slice(kept);
        if !dropped.is_empty() {
            self.cut += dropped.len();
            self.tail.extend_from_slice(dropped);
            let extra = self.tail.len().saturating_sub(CUT_TAIL);
            self.tail.drain(..extra);
        }
    }

    fn end_line(&mut self, emit: &mut impl FnMut(&[u8])) {
        if self.cut == 0 {
            emit(&self.pending);
        } else {
            let mut line = whole_chars(&self.pending).to_vec();
            line.extend_from_slice(
                format!(" … [{} more bytes of this line cut]", self.cut).as_bytes(),
            );
            emit(&line);
            let mark = RC_MARK.as_bytes();
            if let Some(at) = self.tail.windows(mark.len()).position(|w| w == mark) {
                emit(&self.tail[at..]);
            }
        }
        self.pending.clear();
        self.cut = 0;
        self.tail.clear();
    }

    /// Removes `suffix` from the end of the partial line, if it is there (a prompt, which never
    /// ends in a newline).
    fn take_suffix(&mut self, suffix: &[u8]) -> bool {
        let (buf, cut) = if self.cut == 0 {
            (&mut self.pending, None)
        } else {
            (&mut self.tail, Some(&mut self.cut))
        };
        if !buf.ends_with(suffix) {
            return false;
        }
        buf.truncate(buf.len() - suffix.len());
        if let Some(cut) = cut {
            *cut -= suffix.len();
        }
        true
    }

    fn finish(&mut self, mut emit: impl FnMut(&[u8])) {
        if !self.pending.is_empty() || self.cut > 0 {
            self.end_line(&mut emit);
        }
    }
}

/// `bytes` without an incomplete UTF-8 sequence at its end (where a cut fell inside a character).
fn whole_chars(bytes: &[u8]) -> &[u8] {
    match std::str::from_utf8(bytes) {
        Err(e) if e.error_len().is_none() => &bytes[..e.valid_up_to()],
        _ => bytes,
    }
}

fn to_text(bytes: &[u8]) -> String {
    let bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
    String::from_utf8_lossy(bytes).into_owned()
}

/// Wait until the socket can move in the direction libssh2 is blocked on, or `slice` passes.
pub(crate) fn wait_socket(conn: &Connection, slice: Duration) {
    let events = match conn.session().block_directions() {
        BlockDirections::Outbound => libc::POLLOUT,
        BlockDirections::Both => libc::POLLIN | libc::POLLOUT,
        BlockDirections::Inbound | BlockDirections::None => libc::POLLIN,
    };
    let mut fds = libc::pollfd {
        fd: conn.fd(),
        events,
        revents: 0,
    };
    // SAFETY: one valid pollfd, owned by this frame, for the duration of the call.
    unsafe {
        libc::poll(&mut fds, 1, slice.as_millis() as libc::c_int);
    }
}

/// Run `command`, calling `on_line` for every line (already masked by `redactor`) and `control`
/// between reads. `sudo_password` is sent when the command needs sudo, the login user is not
/// root, and sudo itself asks for it.
pub fn run(
    conn: &Connection,
    command: &RemoteCommand,
    sudo_password: Option<&Secret>,
    redactor: &Redactor,
    on_line: &mut dyn FnMut(Stream, String),
    control: &mut dyn FnMut() -> Control,
) -> Result<RunOutcome, RunError> {
    let use_sudo = command.sudo && !conn.is_root();
    let prompt = use_sudo.then(sudo_prompt);
    let line = match (&conn.sealed, use_sudo) {
        // With a deploy key, root's part is one of the site's sealed steps, named by its hash;
        // the helper prints the same start and exit marks. The prompt never shows (no password
        // is ever asked): it only holds stdin back until the step has started.
        (Some(site), true) => sealed_line(command, site)?,
        _ => command_line(&command.script, prompt.as_deref())
            .map_err(|e| RunError::Start(e.to_string()))?,
    };
    let session = conn.session();
    session.set_blocking(true);
    let mut channel = session
        .channel_session()
        .map_err(|e| RunError::Start(e.message().to_owned()))?;
    channel
        .exec(&line)
        .map_err(|e| RunError::Start(e.message().to_owned()))?;

    // Secrets travel only on the channel's stdin. Under sudo the command's input waits until
    // the command has started (its first stderr line), so sudo can never read it as a password.
    let sudo = match prompt {
        Some(prompt) => Some(SudoDialog {
            prompt: prompt.into_bytes(),
            password: sudo_password,
            asked: 0,
        }),
        None => {
            if let Err(e) = send_input(&mut channel, command.stdin.as_ref()) {
                return Ok(RunOutcome::Interrupted(e.to_string()));
            }
            None
        }
    };

    session.set_blocking(false);
    let outcome = stream(
        conn,
        &mut channel,
        command,
        sudo,
        sudo_password,
        redactor,
        on_line,
        control,
    );
    session.set_blocking(true);
    outcome
}

/// sudo's side of a command: its unique prompt, and the password to give when it appears.
struct SudoDialog<'a> {
    prompt: Vec<u8>,
    password: Option<&'a Secret>,
    asked: u32,
}

/// The command's stdin, then EOF. Blocking mode must be on.
fn send_input(channel: &mut Channel, input: Option<&Secret>) -> Result<(), ChannelError> {
    if let Some(s) = input {
        channel
            .write_all(s.expose().as_bytes())
            .and_then(|()| channel.flush())?;
    }
    Ok(channel.send_eof()?)
}

/// Answers sudo's prompt: the password once; asked again (a wrong password), or with no
/// password to give, stdin is closed, so sudo gives up instead of reading anything else.
fn answer_sudo(channel: &mut Channel, sudo: &mut SudoDialog<'_>) -> Result<(), ChannelError> {
    sudo.asked += 1;
    match sudo.password.filter(|_| sudo.asked == 1) {
        Some(password) => {
            let mut line = password.expose().as_bytes().to_vec();
            line.push(b'\n');
            let written = channel.write_all(&line).and_then(|()| channel.flush());
            zeroize::Zeroize::zeroize(&mut line);
            Ok(written?)
        }
        None => Ok(channel.send_eof()?),
    }
}

/// Runs `f` with the session in blocking mode (short writes in the middle of the read loop).
fn blocking<T>(conn: &Connection, f: impl FnOnce() -> T) -> T {
    conn.session().set_blocking(true);
    let result = f();
    conn.session().set_blocking(false);
    result
}

#[allow(clippy::too_many_arguments)]
fn stream(
    conn: &Connection,
    channel: &mut Channel,
    command: &RemoteCommand,
    mut sudo: Option<SudoDialog<'_>>,
    sudo_password: Option<&Secret>,
    redactor: &Redactor,
    on_line: &mut dyn FnMut(Stream, String),
    control: &mut dyn FnMut() -> Control,
) -> Result<RunOutcome, RunError> {
    let use_sudo = sudo.is_some();
    // Under sudo, the command's input is held back until the command has started.
    let mut held_input = use_sudo.then_some(command.stdin.as_ref());
    let deadline = Instant::now() + command.timeout;
    let mut buf = vec![0u8; 64 * 1024];
    let mut out = LineBuf::default();
    let mut err = LineBuf::default();
    let mut pgid: Option<u32> = None;
    let mut rc: Option<i32> = None;
    let mut stop: Option<RunOutcome> = None;
    let mut stopped_at: Option<Instant> = None;
    let mut killed = false;

    loop {
        let mut progressed = false;
        let mut eof = true;
        for (id, which) in [(0, Stream::Stdout), (1, Stream::Stderr)] {
            // Bounded drain per stream, so a flood on one never starves the other.
            for _ in 0..16 {
                match channel.stream(id).read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => {
                        progressed = true;
                        eof = false;
                        let lines = if which == Stream::Stdout {
                            &mut out
                        } else {
                            &mut err
                        };
                        lines.push(&buf[..n], |l| {
                            if which == Stream::Stderr && pgid.is_none() {
                                if let Some(rest) = std::str::from_utf8(l)
                                    .ok()
                                    .and_then(|t| t.strip_prefix(PGID_MARK))
                                {
                                    pgid = rest.trim().parse().ok();
                                    return;
                                }
                            }
                            let text = to_text(l);
                            // The script's last stderr line may lack its newline.
                            if which == Stream::Stderr {
                                if let Some((before, code)) = text.split_once(RC_MARK) {
                                    rc = code.trim().parse().ok();
                                    if !before.is_empty() {
                                        on_line(which, redactor.redact(before));
                                    }
                                    return;
                                }
                            }
                            on_line(which, redactor.redact(&text));
                        });
                        if which == Stream::Stderr {
                            if let Some(dialog) = sudo.as_mut() {
                                if err.take_suffix(&dialog.prompt) {
                                    if let Err(e) = blocking(conn, || answer_sudo(channel, dialog))
                                    {
                                        flush(&mut out, &mut err, redactor, on_line);
                                        return Ok(RunOutcome::Interrupted(e.to_string()));
                                    }
                                }
                            }
                            if pgid.is_some() {
                                if let Some(input) = held_input.take() {
                                    if let Err(e) = blocking(conn, || send_input(channel, input)) {
                                        flush(&mut out, &mut err, redactor, on_line);
                                        return Ok(RunOutcome::Interrupted(e.to_string()));
                                    }
                                }
                            }
                        }
                    }
                    Err(e) if e.kind() == ErrorKind::WouldBlock => {
                        eof = false;
                        break;
                    }
                    Err(e) => {
                        flush(&mut out, &mut err, redactor, on_line);
                        return Ok(RunOutcome::Interrupted(e.to_string()));
                    }
                }
            }
        }
        if eof || (channel.eof() && !progressed) {
            break;
        }
        if stop.is_none() {
            if control() == Control::Cancel {
                stop = Some(RunOutcome::Cancelled);
            } else if Instant::now() >= deadline {
                stop = Some(RunOutcome::TimedOut);
            }
            if stop.is_some() {
                stopped_at = Some(Instant::now());
            }
        }
        // A daemonised grandchild may keep the channel open after its group died: give up on
        // the channel after a grace period rather than wait forever.
        if stopped_at.is_some_and(|t| t.elapsed() > Duration::from_secs(10)) {
            break;
        }
        if stop.is_some() && !killed {
            if let Some(group) = pgid {
                killed = true;
                if let Err(e) = kill_group(conn, group, use_sudo, sudo_password) {
                    return Ok(RunOutcome::Interrupted(e.to_string()));
                }
            }
        }
        if !progressed {
            let _ = conn.session().keepalive_send();
            wait_socket(conn, POLL_SLICE);
        }
    }
    flush(&mut out, &mut err, redactor, on_line);
    if let Some(outcome) = stop {
        let _ = channel.close();
        return Ok(outcome);
    }
    conn.session().set_blocking(true);
    if let Err(e) = channel.wait_close() {
        return Ok(RunOutcome::Interrupted(e.message().to_owned()));
    }
    if let Some(code) = rc {
        return Ok(RunOutcome::Finished(code));
    }
    // No exit code from our wrapper: either it never ran (sudo refused the password: a real,
    // reported status) or the server side died. Only a still-working session tells them apart.
    match conn.session().channel_session() {
        Ok(mut probe) => {
            let _ = probe.close();
            // Killed by a signal, the command has no exit status (libssh2 then says 0): sshd
            // names the signal instead, and the shell's 128 + its number says it failed.
            if let Some(signal) = channel.exit_signal().ok().and_then(|s| s.exit_signal) {
                return Ok(RunOutcome::Finished(128 + signal_number(&signal)));
            }
            Ok(RunOutcome::Finished(channel.exit_status().unwrap_or(-1)))
        }
        Err(e) => Ok(RunOutcome::Interrupted(e.message().to_owned())),
    }
}

fn flush(
    out: &mut LineBuf,
    err: &mut LineBuf,
    redactor: &Redactor,
    on_line: &mut dyn FnMut(Stream, String),
) {
    out.finish(|l| on_line(Stream::Stdout, redactor.redact(&to_text(l))));
    err.finish(|l| on_line(Stream::Stderr, redactor.redact(&to_text(l))));
}

/// TERM the process group, give it up to 3 s, then KILL; over a second channel, because the
/// first one is busy with the command's output. Errors mean the connection is gone.
fn kill_group(
    conn: &Connection,
    pgid: u32,
    use_sudo: bool,
    sudo_password: Option<&Secret>,
) -> Result<(), ChannelError> {
    let script = format!(
        "p={pgid}; kill -TERM -- -$p 2>/dev/null || exit 0; \
         for i in $(seq 30); do kill -0 -- -$p 2>/dev/null || exit 0; sleep 0.1; done; \
         kill -KILL -- -$p 2>/dev/null; exit 0"
    );
    let prompt = sudo_prompt();
    let line = if let (true, Some(_)) = (use_sudo, &conn.sealed) {
        // The sealed helper stops only a sealed run of the key's own site.
        format!("kill {pgid}")
    } else if use_sudo {
        format!(
            "sudo -k -S -p {} bash -c {}",
            quote(&prompt)?,
            quote(&script)?
        )
    } else {
        format!("bash -c {}", quote(&script)?)
    };
    let session = conn.session();
    session.set_blocking(true);
    let result = (|| {
        let mut ch = session.channel_session()?;
        ch.exec(&line)?;
        if use_sudo {
            // The kill script prints nothing: stderr is sudo's prompt, or EOF when sudo did not
            // ask (NOPASSWD) and the script has already run.
            let mut dialog = SudoDialog {
                prompt: prompt.into_bytes(),
                password: sudo_password,
                asked: 0,
            };
            let mut said = Vec::new();
            let mut buf = [0u8; 1024];
            loop {
                match ch.stderr().read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => said.extend_from_slice(&buf[..n]),
                    Err(e) => return Err(e.into()),
                }
                if said.ends_with(&dialog.prompt) {
                    answer_sudo(&mut ch, &mut dialog)?;
                    break;
                }
            }
        }
        ch.send_eof()?;
        let mut sink = Vec::new();
        let _ = ch.read_to_end(&mut sink);
        Ok(ch.wait_close()?)
    })();
    session.set_blocking(false);
    result
}

/// Run a short helper command to completion, collecting its output (masked) as text.
pub fn run_captured(
    conn: &Connection,
    script: &str,
    sudo: bool,
    stdin: Option<Secret>,
    sudo_password: Option<&Secret>,
    redactor: &Redactor,
) -> Result<(RunOutcome, String), RunError> {
    let command = RemoteCommand {
        script: script.to_owned(),
        sudo,
        stdin,
        timeout: Duration::from_secs(120),
        runtime: None,
    };
    let mut text = String::new();
    let outcome = run(
        conn,
        &command,
        sudo_password,
        redactor,
        &mut |_, line| {
            text.push_str(&line);
            text.push('\n');
        },
        &mut || Control::Continue,
    )?;
    Ok((outcome, text))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn lines_split_across_chunks() {
        let mut b = LineBuf::default();
        let mut got = Vec::new();
        b.push(b"ab\ncd", |l| got.push(to_text(l)));
        b.push(b"e\r\n\nf", |l| got.push(to_text(l)));
        b.finish(|l| got.push(to_text(l)));
        assert_eq!(got, vec!["ab", "cde", "", "f"]);
    }

    #[test]
    fn a_line_without_end_is_held_only_up_to_the_limit() {
        let mut b = LineBuf::default();
        let mut got = Vec::new();
        let chunk = vec![b'x'; 64 * 1024];
        for _ in 0..64 {
            b.push(&chunk, |l| got.push(to_text(l)));
            assert!(b.pending.len() <= MAX_LINE && b.tail.len() <= CUT_TAIL);
        }
        assert!(got.is_empty(), "no newline yet");
        let rc = format!("{RC_MARK}3\nnext\n");
        b.push(rc.as_bytes(), |l| got.push(to_text(l)));
        assert_eq!(got.len(), 3, "the cut line, the exit marker, the next line");
        // Everything past MAX_LINE is counted, the marker's bytes too (it is shown again).
        let dropped = 64 * chunk.len() - MAX_LINE + RC_MARK.len() + 1;
        let marker = format!(" … [{dropped} more bytes of this line cut]");
        assert_eq!(got[0], format!("{}{marker}", "x".repeat(MAX_LINE)));
        assert_eq!(got[1], format!("{RC_MARK}3"));
        assert_eq!(got[2], "next");
    }

    #[test]
    fn a_cut_inside_a_character_drops_the_half_character() {
        let mut b = LineBuf::default();
        let mut got = Vec::new();
        let mut line = vec![b'a'; MAX_LINE - 1];
        line.extend_from_slice("ü and more\n".as_bytes());
        b.push(&line, |l| got.push(to_text(l)));
        assert!(!got[0].contains('\u{fffd}'), "no replacement character");
        assert!(got[0].starts_with(&"a".repeat(MAX_LINE - 1)));
    }

    #[test]
    fn command_line_quotes_the_script() {
        let prompt = sudo_prompt();
        assert_ne!(prompt, sudo_prompt(), "a new prompt for every command");
        assert!(!prompt.contains('%'), "sudo expands %");
        let line = command_line("echo 'a' $(id)", Some(&prompt)).expect("quotes");
        assert!(line.starts_with(&format!(
            "exec sudo -k -S -p {} setsid -w bash -c ",
            quote(&prompt).expect("quotes")
        )));
        let words = shlex::split(&line).unwrap();
        assert_eq!(words.last().unwrap(), "echo 'a' $(id)");
    }
}
