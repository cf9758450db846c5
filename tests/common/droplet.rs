//! End-to-end harness: a practice droplet per test that is removed when the test ends, even
//! when it panics. Skips loudly without root or tools, but never under CI=true.

#![allow(dead_code)] // each test binary uses a different part of the harness

use droplift::practice::{self, Droplet, PracticeError, UpOptions};
use std::ops::Deref;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};

/// A booted droplet that `down`s itself on drop.
pub struct TestDroplet {
    droplet: Droplet,
    removed: bool,
}

impl TestDroplet {
    /// Boots a droplet with a name unique to this process, of the system `DROPLIFT_TEST_OS`
    /// names (`ubuntu-24.04`, `ubuntu-22.04`, `debian-12`) or else `opts.os` (Ubuntu 24.04 by
    /// default, like a new droplet). `None` means "skip this test" (and the reason has been
    /// printed); under CI=true a missing prerequisite panics instead.
    pub fn boot(mut opts: UpOptions) -> Option<Self> {
        if let Some(os) = test_os() {
            opts.os = os;
        }
        Self::boot_exactly(opts)
    }

    /// `boot` of exactly `opts.os`, whatever `DROPLIFT_TEST_OS` says: for the tests of one system.
    pub fn boot_exactly(opts: UpOptions) -> Option<Self> {
        if !host_ready() {
            return None;
        }
        sweep_leftovers();
        let name = unique_name();
        let mut progress = |line: &str| eprintln!("[{name}] {line}");
        let droplet = match practice::up(&opts, Some(&name), &mut progress) {
            Err(PracticeError::Exists(_)) => {
                // Left over from an earlier run whose pid we now have again: clear it, retry.
                let _ = practice::down(&name);
                practice::up(&opts, Some(&name), &mut progress)
            }
            other => other,
        }
        .unwrap_or_else(|e| panic!("practice droplet {name} did not come up: {e}"));
        eprintln!(
            "[{name}] {} up at {} in {:.1} s (copy + boot until sshd answered)",
            droplet.os.label(),
            droplet.address,
            droplet.boot_time.as_secs_f64()
        );
        Some(Self {
            droplet,
            removed: false,
        })
    }

    /// Removes the droplet now, returning what `down` said (Drop would swallow it).
    pub fn down(mut self) -> Result<(), PracticeError> {
        self.removed = true;
        practice::down(&self.droplet.name)
    }

    /// `exec` that must succeed: panics with the droplet's own output otherwise.
    pub fn run(&self, argv: &[&str]) -> String {
        let out = self
            .exec(argv, None)
            .unwrap_or_else(|e| panic!("could not run {argv:?} in {}: {e}", self.name));
        assert_success(argv, &out);
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// `run` with `stdin` fed to the command (a secret stays off every command line).
    pub fn run_with_stdin(&self, argv: &[&str], stdin: &[u8]) -> String {
        let out = self
            .exec(argv, Some(stdin))
            .unwrap_or_else(|e| panic!("could not run {argv:?} in {}: {e}", self.name));
        assert_success(argv, &out);
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// A shell command inside with /etc/environment loaded (the proxy variables a login gets).
    pub fn run_with_login_env(&self, script: &str) -> String {
        let full = format!("set -a; . /etc/environment; set +a; {script}");
        self.run(&["sh", "-c", &full])
    }

    /// `ssh root@ADDR COMMAND` with the password via sshpass (on its environment, not argv),
    /// no host key checks (the droplet is new each time). Returns the raw output; keep ssh at its
    /// default log level, which is what prints "You are required to change your password".
    pub fn ssh_with_password(&self, user: &str, password: &str, command: &str) -> Output {
        Command::new("sshpass")
            .arg("-e")
            .args(["ssh", "-o", "StrictHostKeyChecking=no"])
            .args(["-o", "UserKnownHostsFile=/dev/null"])
            .args(["-o", "PubkeyAuthentication=no", "-o", "ConnectTimeout=10"])
            .args([
                "-o",
                "PreferredAuthentications=password,keyboard-interactive",
            ])
            .arg(format!("{user}@{}", self.address))
            .arg(command)
            .env("SSHPASS", password)
            .output()
            .unwrap_or_else(|e| panic!("could not run sshpass (apt-get install sshpass): {e}"))
    }

    /// `psql` inside the droplet as `role` on `db` over `host` (127.0.0.1 or the socket folder),
    /// the password in a pgpass file of mode 600 written over stdin (never on a command line).
    /// The output on success, PostgreSQL's complaint otherwise.
    pub fn psql_as(
        &self,
        role: &str,
        db: &str,
        host: &str,
        password: &str,
    ) -> Result<String, String> {
        let escaped = password.replace('\\', "\\\\").replace(':', "\\:");
        self.run_with_stdin(
            &["sh", "-c", "umask 077; cat > /root/test.pgpass"],
            format!("*:*:*:*:{escaped}\n").as_bytes(),
        );
        let query = "SELECT current_user || '|' || current_database()";
        let out = self
            .exec(
                &[
                    "env",
                    "PGPASSFILE=/root/test.pgpass",
                    "psql",
                    "-X",
                    "-w",
                    "-A",
                    "-t",
                    "-h",
                    host,
                    "-U",
                    role,
                    "-d",
                    db,
                    "-c",
                    query,
                ],
                None,
            )
            .expect("psql runs");
        self.run(&["rm", "-f", "/root/test.pgpass"]);
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    }

    /// A query as PostgreSQL's administrator, inside the droplet; its output, trimmed.
    pub fn sql(&self, query: &str) -> String {
        self.run(&[
            "runuser", "-u", "postgres", "--", "psql", "-X", "-A", "-t", "-d", "postgres", "-c",
            query,
        ])
        .trim()
        .to_owned()
    }

    /// Where this droplet's PostgreSQL reads its login rules (the version differs by system).
    pub fn hba_file(&self) -> String {
        self.sql("SHOW hba_file")
    }

    /// PostgreSQL as stage 5 leaves it: `db` belongs to `role`, whose password is stored as
    /// SCRAM, and pg_hba.conf is read top-down as wanted (the administrator's peer line first,
    /// everyone else's password after it), with no error in it.
    pub fn assert_postgres_stage(&self, role: &str, db: &str) {
        assert_eq!(
            self.sql(&format!(
                "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = '{db}'"
            )),
            role
        );
        assert_eq!(
            self.sql(&format!(
                "SELECT left(rolpassword, 14) FROM pg_authid WHERE rolname = '{role}'"
            )),
            "SCRAM-SHA-256$"
        );
        let rules = self.sql(
            "SELECT type || ' ' || array_to_string(user_name, ',') || ' ' || auth_method \
             FROM pg_hba_file_rules WHERE type = 'local' AND 'all' = ANY(database) \
             ORDER BY line_number",
        );
        assert_eq!(
            rules, "local postgres peer\nlocal all scram-sha-256",
            "top-down"
        );
        assert_eq!(
            self.sql("SELECT count(*) FROM pg_hba_file_rules WHERE error IS NOT NULL"),
            "0"
        );
    }

    /// The firewall as stage 6 leaves it, seen by ufw: on, incoming denied, each of `allowed`
    /// let in, and the automatic undo cancelled.
    pub fn assert_firewall_on(&self, allowed: &[&str]) {
        let status = self.run(&["ufw", "status", "verbose"]);
        assert!(status.contains("Status: active"), "{status}");
        assert!(status.contains("Default: deny (incoming)"), "{status}");
        for rule in allowed {
            assert!(
                status
                    .lines()
                    .any(|l| l.starts_with(rule) && l.contains("ALLOW IN")),
                "{rule} missing:\n{status}"
            );
        }
        let timers = self.run(&["systemctl", "list-timers", "--all"]);
        assert!(
            !timers.contains("droplift-ufw-undo"),
            "the undo is cancelled: {timers}"
        );
    }

    /// `systemctl reload ssh` done by hand, then waits until sshd answers with its banner again:
    /// it re-executes itself on a reload and stops listening for a moment (the course's own
    /// reload.sh waits the same way). Panics after a minute with what it saw.
    pub fn reload_ssh(&self) {
        self.run(&["systemctl", "reload", "ssh"]);
        let limit = std::time::Duration::from_secs(60);
        let start = std::time::Instant::now();
        loop {
            let seen = self.ssh_banner();
            if seen.as_deref().is_ok_and(|b| b.starts_with("SSH-")) {
                return;
            }
            if start.elapsed() > limit {
                let listening = self
                    .exec(&["ss", "-ltn"], None)
                    .map(|o| String::from_utf8_lossy(&o.stdout).into_owned());
                panic!(
                    "sshd did not answer within {limit:?} of its reload; last try: {seen:?}; \
                     listening in the droplet: {listening:?}"
                );
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    }

    /// The first line sshd sends on port 22, as this computer sees it.
    fn ssh_banner(&self) -> std::io::Result<String> {
        use std::io::Read;
        let addr = std::net::SocketAddr::from((self.address, 22));
        let wait = std::time::Duration::from_secs(3);
        let mut stream = std::net::TcpStream::connect_timeout(&addr, wait)?;
        stream.set_read_timeout(Some(wait))?;
        let mut banner = [0u8; 256];
        let n = stream.read(&mut banner)?;
        Ok(String::from_utf8_lossy(&banner[..n]).trim_end().to_owned())
    }

    /// Whether a TCP connection to `port` gets through from this computer.
    pub fn reachable(&self, port: u16) -> bool {
        let addr = std::net::SocketAddr::from((self.address, port));
        std::net::TcpStream::connect_timeout(&addr, std::time::Duration::from_secs(3)).is_ok()
    }

    /// A fresh login as `user` with OpenSSH's own client and `key`, sharing no connection.
    pub fn fresh_ssh(&self, user: &str, key: &std::path::Path) -> Output {
        Command::new("ssh")
            .args(["-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no"])
            .args([
                "-o",
                "UserKnownHostsFile=/dev/null",
                "-o",
                "ConnectTimeout=10",
            ])
            .args(["-o", "ControlPath=none", "-o", "IdentitiesOnly=yes", "-i"])
            .arg(key)
            .arg(format!("{user}@{}", self.address))
            .arg("id -un")
            .output()
            .expect("ssh runs")
    }
}

impl Deref for TestDroplet {
    type Target = Droplet;
    fn deref(&self) -> &Droplet {
        &self.droplet
    }
}

impl Drop for TestDroplet {
    fn drop(&mut self) {
        if self.removed {
            return;
        }
        if let Err(e) = practice::down(&self.droplet.name) {
            // No panic here: it could turn a test failure into an abort and hide the real error.
            eprintln!(
                "WARNING: could not remove practice droplet {}: {e}",
                self.droplet.name
            );
        }
    }
}

pub fn assert_success(argv: &[&str], out: &Output) {
    assert!(
        out.status.success(),
        "{argv:?} failed ({}):\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// True when this computer can run practice droplets. Otherwise prints a loud SKIPPED with
/// the reason, or panics under CI=true (CI never skips the end-to-end tests).
pub fn host_ready() -> bool {
    match practice::check_host() {
        Ok(()) => true,
        Err(why) => {
            skip_or_panic(&why.to_string());
            false
        }
    }
}

/// True while `pid` is a live (non-zombie) process.
pub fn process_running(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| {
        s.rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .is_some_and(|state| state != "Z" && state != "X")
    })
}

/// `t<pid>-<n>`: unique per test process and call, short enough for `ve-` + name ≤ 15.
/// The system every test droplet runs when `DROPLIFT_TEST_OS` is set (to run the whole suite
/// on another system). A name droplift does not know is a mistake worth stopping for.
pub fn test_os() -> Option<practice::PracticeOs> {
    let name = std::env::var("DROPLIFT_TEST_OS").ok()?;
    Some(
        name.parse()
            .unwrap_or_else(|e| panic!("DROPLIFT_TEST_OS: {e}")),
    )
}

fn unique_name() -> String {
    static NEXT: AtomicU32 = AtomicU32::new(1);
    format!(
        "t{}-{}",
        std::process::id() % 100_000,
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// Removes droplets that killed test runs left behind (a test process that gets SIGKILLed never
/// runs Drop), so they do not pile up and use the 254 subnets. Only test-named droplets that
/// are stale or broken and older than ten minutes: another test binary may be running too.
fn sweep_leftovers() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        for old in practice::list() {
            let old_enough = old.created.is_none_or(|c| now.saturating_sub(c) > 600);
            let idle = matches!(
                old.status,
                practice::Status::Stale | practice::Status::Broken
            );
            if is_test_name(&old.name) && idle && old_enough {
                eprintln!("removing leftover test droplet {}", old.name);
                let _ = practice::down(&old.name);
            }
        }
    });
}

/// `t<digits>-…` or `f<digits>-…`: the names this harness and tests/practice.rs make.
pub fn is_test_name(name: &str) -> bool {
    name.starts_with(['t', 'f'])
        && name[1..].split_once('-').is_some_and(|(digits, _)| {
            !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit())
        })
}

fn skip_or_panic(why: &str) {
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("CI=true and the end-to-end tests cannot run: {why}");
    }
    eprintln!("\n*** SKIPPED: {why} ***\n");
}
