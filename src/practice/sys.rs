//! Small host-side helpers: running a tool and turning its failure into a readable error, and
//! tracking processes by pid + start time so a recycled pid is never mistaken for ours.

use super::error::{PracticeError, Result, io_err};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Runs `cmd` to completion, feeding `stdin` (secrets travel this way, never in argv).
/// A non-zero exit becomes [`PracticeError::Command`] carrying the tool's own words.
pub fn run(what: &str, cmd: &mut Command, stdin: Option<&[u8]>) -> Result<Output> {
    let out = output_with_stdin(cmd, stdin).map_err(io_err(format!("could not start {what}")))?;
    if !out.status.success() {
        return Err(PracticeError::Command {
            what: what.to_owned(),
            detail: describe_failure(&out),
        });
    }
    Ok(out)
}

/// Like `Command::output`, but with bytes on stdin. The write happens on its own thread so a
/// child that fills its stdout pipe before reading stdin cannot deadlock us.
pub fn output_with_stdin(cmd: &mut Command, stdin: Option<&[u8]>) -> std::io::Result<Output> {
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = cmd.spawn()?;
    let writer = match (stdin, child.stdin.take()) {
        (Some(bytes), Some(mut pipe)) => {
            let bytes = bytes.to_vec();
            Some(std::thread::spawn(move || {
                // A child that exits without reading gives EPIPE; its exit status says more.
                let _ = pipe.write_all(&bytes);
            }))
        }
        _ => None,
    };
    let out = child.wait_with_output();
    if let Some(handle) = writer {
        let _ = handle.join();
    }
    out
}

/// Exit status plus the last lines of stderr (or stdout when stderr is empty).
pub fn describe_failure(out: &Output) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr);
    let text = if stderr.trim().is_empty() {
        String::from_utf8_lossy(&out.stdout).into_owned()
    } else {
        stderr.into_owned()
    };
    let said = last_lines(&text, 6);
    if said.is_empty() {
        out.status.to_string()
    } else {
        format!("{} — {said}", out.status)
    }
}

pub fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// Is `cmd` on PATH (or in the sbin directories a non-login root shell may lack)?
pub fn have_tool(cmd: &str) -> bool {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/sbin", "/usr/bin", "/bin"].map(Into::into))
        .any(|dir| dir.join(cmd).is_file())
}

/// A process we started, remembered by pid and kernel start time (field 22 of /proc/PID/stat).
/// After a reboot or a long time, the pid may belong to someone else; the start time tells.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Tracked {
    pub pid: u32,
    pub start: u64,
}

impl Tracked {
    pub fn of(pid: u32) -> Option<Self> {
        let (_, start) = stat(pid)?;
        Some(Self { pid, start })
    }

    /// True while the very process we started runs (a zombie counts as gone).
    pub fn alive(&self) -> bool {
        reap(self.pid);
        matches!(stat(self.pid), Some((state, start)) if start == self.start && state != 'Z' && state != 'X')
    }

    fn signal(&self, sig: libc::c_int) {
        if self.alive() {
            let Ok(pid) = libc::pid_t::try_from(self.pid) else {
                return;
            };
            // SAFETY: kill(2) with a pid we just checked is ours; no memory is involved.
            unsafe {
                libc::kill(pid, sig);
            }
        }
    }

    /// SIGTERM, wait up to `grace`, then SIGKILL and wait a little more. True if it is gone.
    pub fn stop(&self, grace: Duration) -> bool {
        self.signal(libc::SIGTERM);
        if wait_until(grace, || !self.alive()) {
            return true;
        }
        self.signal(libc::SIGKILL);
        wait_until(Duration::from_secs(5), || !self.alive())
    }
}

/// Collects the exit status if `pid` is our own child, so it does not linger as a zombie; for
/// anyone else's pid waitpid just fails with ECHILD.
fn reap(pid: u32) {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return;
    };
    let mut status = 0;
    // SAFETY: waitpid writes only into `status`, a valid local.
    unsafe {
        libc::waitpid(pid, &mut status, libc::WNOHANG);
    }
}

/// (state letter, start time) from /proc/PID/stat.
fn stat(pid: u32) -> Option<(char, u64)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may contain spaces and parentheses: split after the last ')'.
    let rest = &text[text.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let state = fields.first()?.chars().next()?;
    let start = fields.get(19)?.parse().ok()?;
    Some((state, start))
}

/// Parent pid from /proc/PID/stat.
pub fn parent_of(pid: u32) -> Option<u32> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &text[text.rfind(')')? + 1..];
    rest.split_whitespace().nth(1)?.parse().ok()
}

/// Polls `done` every 100 ms until it is true or `limit` passes.
pub fn wait_until(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    loop {
        if done() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Our uid is 0?
pub fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// The namespace inode link of `pid` for `kind` ("pid", "net", …).
pub fn namespace(pid: u32, kind: &str) -> Option<std::path::PathBuf> {
    std::fs::read_link(
        Path::new("/proc")
            .join(pid.to_string())
            .join("ns")
            .join(kind),
    )
    .ok()
}

/// Reads `n` random bytes from the kernel (what getrandom(2) would give; no extra crate).
pub fn random_bytes(n: usize) -> Result<Vec<u8>> {
    use std::io::Read;
    let mut buf = vec![0u8; n];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut buf))
        .map_err(io_err("reading /dev/urandom"))?;
    Ok(buf)
}

/// Mount points at or below `dir` in our mount namespace (/proc/self/mountinfo field 5).
pub fn mounts_under(dir: &Path) -> Vec<PathBuf> {
    let text = fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
    text.lines()
        .filter_map(|l| l.split_whitespace().nth(4))
        .map(|m| PathBuf::from(unescape_mount(m)))
        .filter(|m| m.starts_with(dir))
        .collect()
}

/// mountinfo writes space, tab, newline and backslash as `\ooo` octal escapes.
fn unescape_mount(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\'
            && let Some(code) = text
                .get(i + 1..i + 4)
                .and_then(|o| u8::from_str_radix(o, 8).ok())
        {
            out.push(code);
            i += 4;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mountinfo_escapes() {
        assert_eq!(unescape_mount(r"/var/a\040b"), "/var/a b");
        assert_eq!(unescape_mount(r"/x\\"), r"/x\\");
    }
}
