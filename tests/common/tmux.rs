//! The real `droplift` binary in a tmux session of its own (80×24, a private tmux server), driven
//! by keys and read back from the screen, as a student would use it. Secrets are pasted from a
//! tmux buffer filled over stdin (bracketed paste), so none is ever on a command line.

use std::io::Write;
use std::os::fd::AsRawFd;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long droplift may take to read what was sent to its terminal: generous, a busy machine
/// shares its cores with other test binaries.
const READ_LIMIT: Duration = Duration::from_secs(30);

pub struct Tmux {
    socket: String,
}

impl Tmux {
    /// Starts `droplift ARGS` at 80×24 with `home` as HOME (and its data directory), no agent,
    /// and `env` added.
    pub fn start(home: &Path, args: &[&str], env: &[(&str, &str)]) -> Self {
        let socket = format!(
            "droplift-test-{}-{}",
            std::process::id(),
            home.display().to_string().len()
        );
        let mut line = vec![
            "env".to_owned(),
            "-u".to_owned(),
            "SSH_AUTH_SOCK".to_owned(),
            format!("HOME={}", home.display()),
            format!("DROPLIFT_DATA_DIR={}", home.join("data").display()),
            "TERM=xterm-256color".to_owned(),
        ];
        for (k, v) in env {
            line.push(format!("{k}={v}"));
        }
        line.push(env!("CARGO_BIN_EXE_droplift").to_owned());
        line.extend(args.iter().map(|a| (*a).to_owned()));
        // One shell word each, for tmux's command string.
        let command = line
            .iter()
            .map(|w| format!("'{}'", w.replace('\'', r"'\''")))
            .collect::<Vec<_>>()
            .join(" ");
        let status = Command::new("tmux")
            .args(["-L", &socket, "-f", "/dev/null", "new-session", "-d"])
            .args(["-s", "w", "-x", "80", "-y", "24", &command])
            .status()
            .expect("tmux runs (apt-get install tmux)");
        assert!(status.success(), "tmux new-session failed");
        let _ = Command::new("tmux")
            .args([
                "-L",
                &socket,
                "set-option",
                "-t",
                "w",
                "remain-on-exit",
                "on",
            ])
            .status();
        Self { socket }
    }

    fn tmux(&self, args: &[&str]) -> std::process::Output {
        Command::new("tmux")
            .args(["-L", &self.socket])
            .args(args)
            .output()
            .expect("tmux runs")
    }

    /// What the pane shows now.
    pub fn screen(&self) -> String {
        String::from_utf8_lossy(&self.tmux(&["capture-pane", "-p", "-t", "w"]).stdout).into_owned()
    }

    /// Keys by tmux name: `Enter`, `Down`, `Tab`, `q`, `y`.
    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "w"];
        args.extend_from_slice(keys);
        self.tmux(&args);
        self.until_read();
    }

    /// Plain text typed as keys (not for secrets).
    pub fn type_text(&self, text: &str) {
        self.tmux(&["send-keys", "-t", "w", "-l", text]);
        self.until_read();
    }

    /// Pastes `text` as a bracketed paste, through a buffer filled over stdin.
    pub fn paste(&self, text: &str) {
        let mut child = Command::new("tmux")
            .args(["-L", &self.socket, "load-buffer", "-b", "p", "-"])
            .stdin(Stdio::piped())
            .spawn()
            .expect("tmux load-buffer");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(text.as_bytes())
            .expect("write the buffer");
        assert!(child.wait().expect("load-buffer").success());
        self.tmux(&["paste-buffer", "-p", "-d", "-b", "p", "-t", "w"]);
        self.until_read();
    }

    /// Waits until droplift has read everything sent to its terminal (the input queue of the
    /// pane's tty is empty), so that what is sent next reaches it as input of its own and not
    /// run together with this in one read. Panics with the screen after `READ_LIMIT`.
    fn until_read(&self) {
        // A command of its own: tmux has written the keys to the pane by the time it answers.
        let tty = self.format("#{pane_tty}");
        let file = match std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NOCTTY | libc::O_NONBLOCK)
            .open(&tty)
        {
            Ok(file) => file,
            // The key made droplift quit: its terminal is gone, and nothing is left to read.
            Err(_) if self.exited() => return,
            Err(e) => panic!("open the pane's tty {tty:?}: {e}"),
        };
        let start = Instant::now();
        loop {
            let mut waiting: libc::c_int = 0;
            // SAFETY: FIONREAD stores one c_int through the pointer, which outlives the call.
            let rc = unsafe { libc::ioctl(file.as_raw_fd(), libc::FIONREAD, &mut waiting) };
            // The key made droplift quit between the open and now: the terminal is hung up
            // (EIO) before tmux marks the pane dead, and nothing is left to read.
            if rc != 0 && std::io::Error::last_os_error().raw_os_error() == Some(libc::EIO) {
                return;
            }
            assert_eq!(
                rc,
                0,
                "FIONREAD on {tty}: {}",
                std::io::Error::last_os_error()
            );
            if waiting == 0 || self.exited() {
                return;
            }
            if start.elapsed() > READ_LIMIT {
                panic!(
                    "droplift left {waiting} bytes of input unread for {READ_LIMIT:?}; \
                     the screen:\n{}",
                    self.screen()
                );
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// A tmux format (`#{pane_tty}`) expanded for the pane.
    fn format(&self, format: &str) -> String {
        String::from_utf8_lossy(
            &self
                .tmux(&["display-message", "-p", "-t", "w", format])
                .stdout,
        )
        .trim()
        .to_owned()
    }

    /// Waits until the screen shows `text` (panics with the screen after `limit`).
    pub fn wait_for(&self, text: &str, limit: Duration) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if screen.contains(text) {
                return screen;
            }
            if start.elapsed() > limit {
                panic!("timed out waiting for {text:?}; the screen:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(300));
        }
    }

    /// Whether droplift has exited (the pane is dead).
    pub fn exited(&self) -> bool {
        self.format("#{pane_dead}") == "1"
    }

    /// Waits until droplift has exited, at most `limit`; whether it did.
    pub fn wait_for_exit(&self, limit: Duration) -> bool {
        let start = Instant::now();
        while !self.exited() {
            if start.elapsed() > limit {
                return false;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        true
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.tmux(&["kill-server"]);
    }
}
