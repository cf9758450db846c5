//! Starting a droplet's container and knowing when it is ready: systemd-nspawn in its own
//! process group, its init found by pid namespace, sshd's banner, and entering it with nsenter.

use super::error::{PracticeError, Result, io_err};
use super::sys::{self, Tracked};
use std::fs;
use std::io::Read;
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// How long `up` waits for sshd to answer once the container is started.
const SSH_TIMEOUT: Duration = Duration::from_secs(90);

/// `nsenter` into the container's namespaces, with a clean environment: the host's variables
/// (proxies, CA paths, PATH with ~/.cargo) mean nothing inside.
pub(super) fn exec_in(
    init_pid: u32,
    argv: &[&str],
    stdin: Option<&[u8]>,
) -> std::io::Result<Output> {
    let mut cmd = Command::new("nsenter");
    cmd.args([
        "-t",
        &init_pid.to_string(),
        "-m",
        "-u",
        "-i",
        "-p",
        "-n",
        "--",
    ])
    .args(argv)
    .env_clear()
    .env(
        "PATH",
        "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    )
    .env("HOME", "/root")
    .env("LANG", "C.UTF-8")
    .env("TERM", "dumb");
    sys::output_with_stdin(&mut cmd, stdin)
}

/// Starts systemd-nspawn in the background: its own process group (a Ctrl-C in our terminal
/// must not kill it), output to nspawn.log. No machined here, hence --register=no --keep-unit.
pub(super) fn boot(name: &str, root: &Path, log: &Path) -> Result<Tracked> {
    let out = fs::File::create(log).map_err(io_err(format!("creating {}", log.display())))?;
    let err = out.try_clone().map_err(io_err("opening nspawn.log"))?;
    // A cgroup of its own, so its systemd manages its own tree (`cgroup.rs`).
    let procs = super::cgroup::prepare(name);
    let mut command = Command::new("systemd-nspawn");
    command
        .args(["-q", "--register=no", "--keep-unit", "-D"])
        .arg(root)
        .args(["-M", name, "--network-veth", "-b"])
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .process_group(0);
    // SAFETY: `enter` only opens, writes and closes (async-signal-safe), with paths made before
    // the fork.
    unsafe {
        command.pre_exec(move || {
            super::cgroup::enter(&procs);
            Ok(())
        });
    }
    let child = command
        .spawn()
        .map_err(io_err("could not start systemd-nspawn"))?;
    Tracked::of(child.id()).ok_or_else(|| died(log))
}

/// The container's init: the nspawn leader's child that lives in a new pid namespace.
pub(super) fn find_init(nspawn: &Tracked, log: &Path) -> Result<Tracked> {
    let ours = sys::namespace(nspawn.pid, "pid");
    let mut found = None;
    let ok = sys::wait_until(Duration::from_secs(20), || {
        if !nspawn.alive() {
            return true;
        }
        found = children_of(nspawn.pid)
            .into_iter()
            .find(|&pid| sys::namespace(pid, "pid").is_some_and(|ns| Some(ns) != ours))
            .and_then(Tracked::of);
        found.is_some()
    });
    match found {
        Some(init) if ok => Ok(init),
        _ if !nspawn.alive() => Err(died(log)),
        _ => Err(PracticeError::Timeout {
            what: "the container's init process".into(),
            secs: 20,
            log: log.to_owned(),
        }),
    }
}

fn children_of(parent: u32) -> Vec<u32> {
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&pid| sys::parent_of(pid) == Some(parent))
        .collect()
}

pub(super) fn died(log: &Path) -> PracticeError {
    let text = fs::read_to_string(log).unwrap_or_default();
    PracticeError::DiedDuringBoot {
        log: log.to_owned(),
        tail: sys::last_lines(&text, 10),
    }
}

/// Polls port 22 until sshd sends its `SSH-2.0-` banner (a TCP connect alone can succeed
/// before sshd is ready to talk).
pub(super) fn wait_for_sshd(address: Ipv4Addr, nspawn: &Tracked, log: &Path) -> Result<()> {
    let addr = SocketAddr::from((address, 22));
    let deadline = Instant::now() + SSH_TIMEOUT;
    while Instant::now() < deadline {
        if !nspawn.alive() {
            return Err(died(log));
        }
        if ssh_banner(&addr) {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    Err(PracticeError::Timeout {
        what: format!("sshd on {addr}"),
        secs: SSH_TIMEOUT.as_secs(),
        log: log.to_owned(),
    })
}

/// True when something on `addr` greets us like an SSH-2 server.
pub fn ssh_banner(addr: &SocketAddr) -> bool {
    let Ok(mut stream) = TcpStream::connect_timeout(addr, Duration::from_secs(1)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(3)));
    let mut buf = [0u8; 64];
    let mut got = 0;
    while got < 8 {
        match stream.read(&mut buf[got..]) {
            Ok(0) | Err(_) => break,
            Ok(n) => got += n,
        }
    }
    buf[..got].starts_with(b"SSH-2.0-")
}

/// Imitates unattended-upgrades: a transient unit inside holds dpkg's locks (fcntl locks, as
/// apt takes them, so apt-get really waits) for `secs` seconds. Returns once they are held.
pub(super) fn hold_dpkg_lock(init_pid: u32, secs: u32) -> Result<()> {
    // The process renames itself so apt says "held by process N (unattended-upgr)", the very
    // words a student meets on a real new droplet.
    let script = format!(
        "import ctypes, fcntl, time\n\
         ctypes.CDLL(None).prctl(15, b'unattended-upgr', 0, 0, 0)\n\
         held = []\n\
         for path in ('/var/lib/dpkg/lock-frontend', '/var/lib/dpkg/lock'):\n\
         \x20   f = open(path, 'a')\n\
         \x20   fcntl.lockf(f, fcntl.LOCK_EX)\n\
         \x20   held.append(f)\n\
         open('/run/droplift-dpkg-held', 'w').close()\n\
         time.sleep({secs})\n"
    );
    let out = exec_in(
        init_pid,
        &[
            "systemd-run",
            "--unit=droplift-dpkg-hold",
            "--description=Holds the dpkg lock like unattended-upgrades on a new droplet",
            "--collect",
            "python3",
            "-c",
            &script,
        ],
        None,
    )
    .map_err(io_err("starting the dpkg lock holder"))?;
    if !out.status.success() {
        return Err(PracticeError::Command {
            what: "systemd-run (dpkg lock holder)".into(),
            detail: sys::describe_failure(&out),
        });
    }
    let held = sys::wait_until(Duration::from_secs(15), || {
        exec_in(init_pid, &["test", "-e", "/run/droplift-dpkg-held"], None)
            .is_ok_and(|o| o.status.success())
    });
    if held {
        Ok(())
    } else {
        Err(PracticeError::Command {
            what: "the dpkg lock holder".into(),
            detail: "it did not take the lock within 15 s".into(),
        })
    }
}
