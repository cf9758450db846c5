//! A real OpenSSH server for tests: its own port, host key, config and throw-away users, all
//! removed again on Drop. Needs root (it creates users); skips loudly otherwise, fails under CI.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use droplift::remote::sshconfig::SshPaths;
use droplift::remote::{Credentials, HostKeyPolicy, Job, Target};
use droplift::secret::Secret;

/// True when the test may go on. Not root: a loud skip, or a failure when CI=true.
pub fn require_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        return true;
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!(
            "this test needs root (it creates users and runs sshd), and CI=true forbids skipping"
        );
    }
    // Straight to stderr: the test harness captures eprintln! of passing tests, and a skip
    // must be seen.
    let _ = std::io::stderr()
        .write_all(b"\n*** SKIPPED: needs root (creates users and runs its own sshd) ***\n");
    false
}

/// Random hex from the kernel; enough for unique names and passwords.
pub fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut buf))
        .expect("read /dev/urandom");
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn sh(cmd: &str) -> String {
    let out = Command::new("bash")
        .arg("-c")
        .arg(cmd)
        .output()
        .expect("run bash");
    assert!(
        out.status.success(),
        "`{cmd}` failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Run `cmd` with `input` on stdin (how secrets reach chpasswd: never on a command line).
pub fn sh_stdin(cmd: &str, input: &str) {
    let mut child = Command::new("bash")
        .arg("-c")
        .arg(cmd)
        .stdin(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write");
    assert!(child.wait().expect("wait").success(), "`{cmd}` failed");
}

/// Credentials with only this password.
pub fn password(password: &str) -> Credentials {
    Credentials {
        password: Some(Secret::new(password)),
        ..Credentials::default()
    }
}

pub struct TestUser {
    pub name: String,
    pub password: String,
    pub home: PathBuf,
}

pub struct Sshd {
    child: Child,
    pub dir: tempfile::TempDir,
    pub port: u16,
    users: Vec<String>,
    sudoers: Vec<PathBuf>,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("bind a free port")
        .port()
}

impl Sshd {
    pub fn start() -> Sshd {
        Self::start_with("")
    }

    /// Start sshd with `extra` in its config (before our defaults, so it overrides them).
    pub fn start_with(extra: &str) -> Sshd {
        let mut dir = tempfile::tempdir().expect("tempdir");
        let mut d = dir.path().to_path_buf();
        sh(&format!(
            "ssh-keygen -q -t ed25519 -N '' -f {}/host_ed25519 && mkdir -p /run/sshd",
            d.display()
        ));
        for _ in 0..5 {
            let port = free_port();
            let config = d.join("sshd_config");
            std::fs::write(
                &config,
                // sshd keeps the first value it reads, so `extra` goes first to win.
                format!(
                    "{extra}\nPort {port}\nListenAddress 127.0.0.1\nHostKey {d}/host_ed25519\n\
                     PidFile {d}/sshd.pid\nUsePAM yes\nPasswordAuthentication yes\n\
                     KbdInteractiveAuthentication yes\nPubkeyAuthentication yes\n\
                     PermitRootLogin yes\nAllowUsers dlt*\nStrictModes no\n\
                     Subsystem sftp /usr/lib/openssh/sftp-server\nLogLevel VERBOSE\n",
                    d = d.display()
                ),
            )
            .expect("write sshd_config");
            let log = std::fs::File::create(d.join("sshd.log")).expect("log file");
            let child = Command::new("/usr/sbin/sshd")
                .args(["-D", "-e", "-f"])
                .arg(&config)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(log)
                .spawn()
                .expect("spawn sshd");
            let mut sshd = Sshd {
                child,
                dir,
                port,
                users: Vec::new(),
                sudoers: Vec::new(),
            };
            let until = Instant::now() + Duration::from_secs(10);
            while Instant::now() < until {
                if let Ok(Some(_)) = sshd.child.try_wait() {
                    break;
                }
                if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    return sshd;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            // Lost the port to another test (or sshd died): try another one.
            eprintln!("sshd on port {port} did not come up:\n{}", sshd.log());
            let _ = sshd.child.kill();
            let _ = sshd.child.wait();
            dir = std::mem::replace(&mut sshd.dir, tempfile::tempdir().expect("tempdir"));
            d = dir.path().to_path_buf();
        }
        panic!("sshd did not start after 5 ports")
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("sshd.log")).unwrap_or_default()
    }

    /// `SHA256:…` of our host key, as `ssh-keygen -lf` prints it.
    pub fn fingerprint(&self) -> String {
        let out = sh(&format!(
            "ssh-keygen -lf {}/host_ed25519.pub",
            self.dir.path().display()
        ));
        out.split_whitespace()
            .nth(1)
            .expect("fingerprint field")
            .to_owned()
    }

    pub fn host_key_pub(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("host_ed25519.pub")).expect("pub key")
    }

    /// A new user with a random password (set through chpasswd's stdin); removed on Drop.
    pub fn add_user(&mut self) -> TestUser {
        self.add_user_with_password(&random_hex(12))
    }

    pub fn add_user_with_password(&mut self, password: &str) -> TestUser {
        let name = format!("dlt{}", random_hex(5));
        sh(&format!("useradd -m -s /bin/bash {name}"));
        self.users.push(name.clone());
        sh_stdin("chpasswd", &format!("{name}:{password}\n"));
        TestUser {
            home: PathBuf::from(format!("/home/{name}")),
            name,
            password: password.to_owned(),
        }
    }

    /// Let `user` run anything with sudo, password required; the entry is checked by visudo.
    pub fn grant_sudo(&mut self, user: &TestUser) {
        self.grant_sudo_rule(user, "ALL");
    }

    /// Let `user` run anything with sudo and no password, as several cloud images' default
    /// users may.
    pub fn grant_sudo_nopasswd(&mut self, user: &TestUser) {
        self.grant_sudo_rule(user, "NOPASSWD: ALL");
    }

    fn grant_sudo_rule(&mut self, user: &TestUser, rule: &str) {
        let path = PathBuf::from(format!("/etc/sudoers.d/{}", user.name));
        let tmp = self.dir.path().join("sudoers");
        std::fs::write(&tmp, format!("{} ALL=(ALL:ALL) {rule}\n", user.name)).expect("write");
        sh(&format!("visudo -cf {}", tmp.display()));
        sh(&format!(
            "install -m 440 {} {}",
            tmp.display(),
            path.display()
        ));
        self.sudoers.push(path);
    }

    /// Paths inside this test's temp dir: an empty known_hosts, no config, no default keys.
    pub fn paths(&self) -> SshPaths {
        SshPaths {
            config: None,
            known_hosts: self.dir.path().join("client/known_hosts"),
            global_known_hosts: None,
            default_keys: Vec::new(),
            agent_socket: None,
            home: Some(self.dir.path().join("client")),
        }
    }

    /// This server on loopback, logged in to as `user`.
    pub fn target(&self, user: &str) -> Target {
        Target {
            host: "127.0.0.1".into(),
            port: Some(self.port),
            user: Some(user.into()),
        }
    }

    /// The worker's job that logs in to this server as `user` by `password`, checking its host
    /// key by `policy`.
    pub fn password_login(&self, user: &str, password: &str, policy: HostKeyPolicy) -> Job {
        Job::Connect {
            target: self.target(user),
            credentials: self::password(password),
            host_keys: policy,
        }
    }

    /// Trust our host key, as if an earlier connect had accepted it.
    pub fn trust(&self, paths: &SshPaths) {
        let key = self.host_key_pub();
        let mut fields = key.split_whitespace();
        let (t, k) = (fields.next().expect("type"), fields.next().expect("key"));
        std::fs::create_dir_all(paths.known_hosts.parent().expect("dir")).expect("mkdir");
        std::fs::write(
            &paths.known_hosts,
            format!("[127.0.0.1]:{} {t} {k}\n", self.port),
        )
        .expect("write");
    }

    /// The per-connection sshd processes: the privileged monitor (a child of the listener) and
    /// the unprivileged process under it that holds the socket.
    pub fn session_pids(&self) -> Vec<i32> {
        let monitors = children_of(self.child.id() as i32);
        let mut pids = monitors.clone();
        for m in monitors {
            pids.extend(children_of(m));
        }
        pids
    }

    pub fn kill_sessions(&self) {
        for pid in self.session_pids() {
            // SAFETY: plain kill(2) on a pid we just found as our own sshd's child.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        self.kill_sessions();
        let _ = self.child.kill();
        let _ = self.child.wait();
        for path in &self.sudoers {
            let _ = std::fs::remove_file(path);
        }
        for user in &self.users {
            // A failed test can leave the user's commands behind: end them (by pid) first.
            if let Ok(uid) = sh_quiet(&format!("id -u {user}")).trim().parse::<u32>() {
                for pid in pids_of_uid(uid) {
                    // SAFETY: plain kill(2) of a process owned by our throw-away user.
                    unsafe { libc::kill(pid, libc::SIGKILL) };
                }
            }
            let _ = Command::new("userdel")
                .args(["-r", "-f", user])
                .stderr(Stdio::null())
                .status();
        }
    }
}

fn sh_quiet(cmd: &str) -> String {
    Command::new("bash")
        .arg("-c")
        .arg(cmd)
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default()
}

fn pids_of_uid(uid: u32) -> Vec<i32> {
    let mut pids = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let Ok(status) = std::fs::read_to_string(entry.path().join("status")) else {
            continue;
        };
        let real_uid = status
            .lines()
            .find_map(|l| l.strip_prefix("Uid:"))
            .and_then(|l| l.split_whitespace().next())
            .and_then(|u| u.parse::<u32>().ok());
        if real_uid == Some(uid) {
            pids.push(pid);
        }
    }
    pids
}

fn children_of(parent: i32) -> Vec<i32> {
    let parent = parent.to_string();
    let mut pids = Vec::new();
    for entry in std::fs::read_dir("/proc").expect("proc").flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // Fields after the ")" that ends the command name: state, ppid, ...
        let Some((_, rest)) = stat.rsplit_once(')') else {
            continue;
        };
        if rest.split_whitespace().nth(1) == Some(parent.as_str()) {
            pids.push(pid);
        }
    }
    pids
}

/// Processes on this machine (the server) whose command line contains `needle`.
pub fn processes_matching(needle: &str) -> Vec<String> {
    let out = Command::new("ps")
        .args(["-eo", "pid,args"])
        .output()
        .expect("ps");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.contains(needle) && !l.contains("ps -eo"))
        .map(str::to_owned)
        .collect()
}

pub fn exists(path: &Path) -> bool {
    path.exists()
}

/// An ed25519 key pair in `dir` (with `passphrase`, may be empty); returns the private key path.
pub fn make_key(dir: &Path, name: &str, passphrase: &str) -> PathBuf {
    let key = dir.join(name);
    let out = Command::new("ssh-keygen")
        .args([
            "-q",
            "-t",
            "ed25519",
            "-C",
            "droplift-test",
            "-N",
            passphrase,
            "-f",
        ])
        .arg(&key)
        .output()
        .expect("ssh-keygen");
    assert!(
        out.status.success(),
        "ssh-keygen: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    key
}

/// Put `key`.pub into the user's authorized_keys.
pub fn authorize(user: &TestUser, key: &Path) {
    let ssh = user.home.join(".ssh");
    std::fs::create_dir_all(&ssh).expect("mkdir .ssh");
    let public = std::fs::read_to_string(key.with_extension("pub")).expect("read pub key");
    std::fs::write(ssh.join("authorized_keys"), public).expect("write authorized_keys");
    sh(&format!(
        "chown -R {u}: {h}/.ssh && chmod 700 {h}/.ssh",
        u = user.name,
        h = user.home.display()
    ));
}

/// An ssh-agent in the foreground on its own socket, holding `key`; killed on Drop.
pub struct Agent {
    child: Child,
    pub socket: PathBuf,
}

impl Agent {
    pub fn start(dir: &Path, key: &Path) -> Agent {
        let socket = dir.join("agent.sock");
        let child = Command::new("ssh-agent")
            .arg("-D")
            .arg("-a")
            .arg(&socket)
            .stdout(Stdio::null())
            .spawn()
            .expect("ssh-agent");
        let until = Instant::now() + Duration::from_secs(10);
        while !socket.exists() && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(20));
        }
        // Only the ssh-add child gets SSH_AUTH_SOCK; our own environment stays untouched.
        let status = Command::new("ssh-add")
            .arg(key)
            .env("SSH_AUTH_SOCK", &socket)
            .stderr(Stdio::null())
            .status()
            .expect("ssh-add");
        assert!(status.success(), "ssh-add failed");
        Agent { child, socket }
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
