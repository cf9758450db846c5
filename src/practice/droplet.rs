//! Creating, booting, listing and destroying practice droplets (the API tests and the wizard
//! call); `up` undoes its own work if it fails half-way, `down` also clears stale leftovers.

use super::error::{PracticeError, Result, io_err};
use super::image::{self, Lock};
use super::rootfs::{self, PROXY_PORT};
use super::state::{self, STATE_ROOT, State};
use super::sys::{self, Tracked};
use super::{net, proxy};
use crate::secret::Secret;
use std::fs;
use std::io::Read;
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant, SystemTime};

/// How long `up` waits for sshd to answer once the container is started.
const SSH_TIMEOUT: Duration = Duration::from_secs(90);
/// How long the container gets to power off after SIGTERM before it is killed.
const POWEROFF_GRACE: Duration = Duration::from_secs(15);

/// Realism switches for testing the wizard against what real new droplets do.
#[derive(Clone, Debug, Default)]
pub struct UpOptions {
    /// Write /etc/ssh/sshd_config.d/50-cloud-init.conf with `PasswordAuthentication yes`, as
    /// Ubuntu cloud images do (it wins over any drop-in sorting after it).
    pub cloud_init_dropin: bool,
    /// After boot, a process inside holds /var/lib/dpkg/lock-frontend for this many seconds,
    /// imitating unattended-upgrades on a just-created droplet.
    pub hold_dpkg_lock_secs: Option<u32>,
}

/// A running practice droplet, as `up` returns it.
#[derive(Debug)]
pub struct Droplet {
    pub name: String,
    /// The droplet's own address (ssh here).
    pub address: Ipv4Addr,
    /// The host's end of the veth, where the droplet's proxy listens.
    pub host_address: Ipv4Addr,
    /// Root's initial, already expired password. Not stored anywhere: shown once.
    pub root_password: Secret,
    pub state_dir: PathBuf,
    /// The container's init; `exec` enters its namespaces.
    pub init_pid: u32,
    /// The systemd-nspawn leader on the host.
    pub nspawn_pid: u32,
    /// The droplet's tinyproxy on the host.
    pub proxy_pid: u32,
    /// From the start of the copy until sshd answered (the base build is not included).
    pub boot_time: Duration,
}

impl Droplet {
    pub fn rootfs(&self) -> PathBuf {
        self.state_dir.join("rootfs")
    }

    /// `http://10.213.N.1:8888`: what apt, pip and curl inside use.
    pub fn proxy_url(&self) -> String {
        format!("http://{}:{PROXY_PORT}", self.host_address)
    }

    /// The command a student types to log in for the first time.
    pub fn ssh_command(&self) -> String {
        format!("ssh root@{}", self.address)
    }

    /// Runs `argv` inside the droplet as root (all its namespaces, via nsenter), with `stdin`
    /// passed through. Independent of sshd, so tests can check what the wizard did.
    pub fn exec(&self, argv: &[&str], stdin: Option<&[u8]>) -> std::io::Result<Output> {
        exec_in(self.init_pid, argv, stdin)
    }
}

/// `nsenter` into the container's namespaces, with a clean environment: the host's variables
/// (proxies, CA paths, PATH with ~/.cargo) mean nothing inside.
fn exec_in(init_pid: u32, argv: &[&str], stdin: Option<&[u8]>) -> std::io::Result<Output> {
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

/// Fails before anything is touched when this computer cannot run droplets, naming exactly
/// what is missing and how to install it.
pub fn check_host() -> Result<()> {
    if !cfg!(target_os = "linux") {
        return Err(PracticeError::NotLinux);
    }
    if let Some(missing) = missing_tools(sys::have_tool) {
        return Err(missing);
    }
    if !sys::is_root() {
        return Err(PracticeError::NotRoot);
    }
    Ok(())
}

/// Which of the tools a droplet needs `have` says are absent, with the Debian packages to get.
fn missing_tools(have: impl Fn(&str) -> bool) -> Option<PracticeError> {
    const NEEDS: [(&str, &str); 6] = [
        ("systemd-nspawn", "systemd-container"),
        ("debootstrap", "debootstrap"),
        ("tinyproxy", "tinyproxy"),
        ("ip", "iproute2"),
        ("nsenter", "util-linux"),
        ("chroot", "coreutils"),
    ];
    let missing: Vec<_> = NEEDS.iter().filter(|(tool, _)| !have(tool)).collect();
    if missing.is_empty() {
        return None;
    }
    let mut packages: Vec<String> = missing.iter().map(|(_, p)| p.to_string()).collect();
    packages.dedup();
    Some(PracticeError::MissingTools {
        tools: missing.iter().map(|(t, _)| t.to_string()).collect(),
        packages,
    })
}

/// Lowercase letters, digits and `-`, starting with a letter, not ending with `-`, ≤ 11
/// characters: `ve-` + name must fit the kernel's 15-character interface names.
pub fn validate_name(name: &str) -> Result<()> {
    let ok = (1..=11).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && !name.ends_with('-')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok {
        Ok(())
    } else {
        Err(PracticeError::BadName(name.to_owned()))
    }
}

/// Creates and boots a droplet; returns once sshd answers on port 22.
pub fn up(opts: &UpOptions, name: Option<&str>, progress: &mut dyn FnMut(&str)) -> Result<Droplet> {
    up_inner(opts, name, progress, None)
}

/// Steps of `up` after which [`up_failing_after`] can inject a failure.
pub const UP_STEPS: [&str; 5] = ["copy", "customize", "boot", "network", "proxy"];

/// For tests of the cleanup guard only: `up` that fails on purpose right after `step` (one of
/// [`UP_STEPS`]), so a test can check that nothing it made is left behind.
#[doc(hidden)]
pub fn up_failing_after(step: &str, name: &str, progress: &mut dyn FnMut(&str)) -> Result<Droplet> {
    up_inner(&UpOptions::default(), Some(name), progress, Some(step))
}

fn up_inner(
    opts: &UpOptions,
    name: Option<&str>,
    progress: &mut dyn FnMut(&str),
    fail_after: Option<&str>,
) -> Result<Droplet> {
    let checkpoint = |step: &str| match fail_after {
        Some(f) if f == step => Err(PracticeError::Command {
            what: format!("up (after step `{step}`)"),
            detail: "failure injected by a test".into(),
        }),
        _ => Ok(()),
    };
    if let Some(name) = name {
        validate_name(name)?;
    }
    check_host()?;
    if let Some(name) = name {
        if state::droplet_dir(name).exists() {
            return Err(PracticeError::Exists(name.to_owned()));
        }
    }
    let base = image::ensure_base(progress)?;
    let started = Instant::now();
    let mut state = reserve(name)?;
    // From here on, a failure removes whatever was made.
    let guard = Cleanup(Some(state.name.clone()));
    let dir = state::droplet_dir(&state.name);
    let root = dir.join("rootfs");

    progress(&format!("copying the base image for {}", state.name));
    image::copy_base(&base, &root)?;
    checkpoint("copy")?;
    let password = rootfs::random_password()?;
    progress("giving it new host keys, a root password and the proxy settings");
    rootfs::customize(
        &root,
        &rootfs::Customize {
            name: &state.name,
            host_address: state.host_address,
            password: &password,
            cloud_init_dropin: opts.cloud_init_dropin,
        },
    )?;
    checkpoint("customize")?;

    progress("booting (systemd-nspawn)");
    let log = dir.join("nspawn.log");
    let nspawn = boot(&state.name, &root, &log)?;
    state.nspawn = Some(nspawn);
    state.save()?;
    let init = find_init(&nspawn, &log)?;
    state.init = Some(init);
    state.save()?;
    checkpoint("boot")?;

    progress(&format!(
        "network: {} ↔ {}",
        state.host_address, state.address
    ));
    net::configure_host_side(&state.name, state.subnet)?;
    net::configure_droplet_side(init.pid, state.subnet)?;
    checkpoint("network")?;
    let proxy = proxy::start(state.subnet, &dir)?;
    state.proxy = Some(proxy);
    state.save()?;
    checkpoint("proxy")?;

    progress("waiting for sshd to answer");
    wait_for_sshd(state.address, &nspawn, &log)?;
    if let Some(secs) = opts.hold_dpkg_lock_secs {
        progress(&format!("holding the dpkg lock for {secs} s"));
        hold_dpkg_lock(init.pid, secs)?;
    }
    guard.disarm();
    Ok(Droplet {
        name: state.name.clone(),
        address: state.address,
        host_address: state.host_address,
        root_password: password,
        state_dir: dir,
        init_pid: init.pid,
        nspawn_pid: nspawn.pid,
        proxy_pid: proxy.pid,
        boot_time: started.elapsed(),
    })
}

/// Under a lock (parallel tests!), picks the name and subnet and creates the state directory.
fn reserve(name: Option<&str>) -> Result<State> {
    fs::create_dir_all(STATE_ROOT).map_err(io_err(format!("creating {STATE_ROOT}")))?;
    let _lock = Lock::take(&Path::new(STATE_ROOT).join(".lock"))?;
    let names = state::all_names();
    let name = match name {
        Some(n) => n.to_owned(),
        None => (1..)
            .map(|i| format!("practice-{i}"))
            .find(|n| !names.contains(n))
            .unwrap_or_else(|| "practice-x".into()),
    };
    let taken: Vec<u8> = names
        .iter()
        .filter_map(|n| State::load(n).ok())
        .map(|s| s.subnet)
        .collect();
    let subnet = net::pick_subnet(&taken, &net::host_networks()?)?;
    let dir = state::droplet_dir(&name);
    fs::create_dir(&dir).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            PracticeError::Exists(name.clone())
        } else {
            io_err(format!("creating {}", dir.display()))(e)
        }
    })?;
    let created = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let state = State {
        name,
        subnet,
        address: net::droplet_address(subnet),
        host_address: net::host_address(subnet),
        created,
        creator: Tracked::of(std::process::id()),
        nspawn: None,
        init: None,
        proxy: None,
    };
    if let Err(e) = state.save() {
        let _ = fs::remove_dir_all(&dir);
        return Err(e);
    }
    Ok(state)
}

/// Starts systemd-nspawn in the background: its own process group (a Ctrl-C in our terminal
/// must not kill it), output to nspawn.log. No machined here, hence --register=no --keep-unit.
fn boot(name: &str, root: &Path, log: &Path) -> Result<Tracked> {
    let out = fs::File::create(log).map_err(io_err(format!("creating {}", log.display())))?;
    let err = out.try_clone().map_err(io_err("opening nspawn.log"))?;
    let child = Command::new("systemd-nspawn")
        .args(["-q", "--register=no", "--keep-unit", "-D"])
        .arg(root)
        .args(["-M", name, "--network-veth", "-b"])
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .process_group(0)
        .spawn()
        .map_err(io_err("could not start systemd-nspawn"))?;
    Tracked::of(child.id()).ok_or_else(|| died(log))
}

/// The container's init: the nspawn leader's child that lives in a new pid namespace.
fn find_init(nspawn: &Tracked, log: &Path) -> Result<Tracked> {
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

fn died(log: &Path) -> PracticeError {
    let text = fs::read_to_string(log).unwrap_or_default();
    PracticeError::DiedDuringBoot {
        log: log.to_owned(),
        tail: sys::last_lines(&text, 10),
    }
}

/// Polls port 22 until sshd sends its `SSH-2.0-` banner (a TCP connect alone can succeed
/// before sshd is ready to talk).
fn wait_for_sshd(address: Ipv4Addr, nspawn: &Tracked, log: &Path) -> Result<()> {
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
fn hold_dpkg_lock(init_pid: u32, secs: u32) -> Result<()> {
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

/// Removes a half-made droplet when `up` fails or panics.
struct Cleanup(Option<String>);

impl Cleanup {
    fn disarm(mut self) {
        self.0 = None;
    }
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        if let Some(name) = self.0.take() {
            let _ = teardown(&name);
        }
    }
}

/// Stops and deletes droplet `name`, running or stale.
pub fn down(name: &str) -> Result<()> {
    validate_name(name)?;
    check_host()?;
    if !state::droplet_dir(name).exists() {
        return Err(PracticeError::NotFound(name.to_owned()));
    }
    teardown(name)
}

/// Every droplet, removed one by one; the first error is returned after trying them all.
pub fn down_all() -> Result<Vec<String>> {
    check_host()?;
    let mut removed = Vec::new();
    let mut first_error = None;
    for name in state::all_names() {
        match down(&name) {
            Ok(()) => removed.push(name),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    match first_error {
        Some(e) => Err(e),
        None => Ok(removed),
    }
}

fn teardown(name: &str) -> Result<()> {
    let dir = state::droplet_dir(name);
    let root = dir.join("rootfs");
    let conf = dir.join("tinyproxy.conf");
    // A broken state file must not stop the cleanup: we also find our processes by the paths
    // on their command lines (the rootfs for nspawn, the config for tinyproxy).
    let state = State::load(name).ok();
    let mut nspawns: Vec<Tracked> = state.iter().filter_map(|s| s.nspawn).collect();
    nspawns.extend(processes_with_arg(&root));
    for p in &nspawns {
        // nspawn forwards SIGTERM as a poweroff request to the container's systemd.
        p.stop(POWEROFF_GRACE);
    }
    if let Some(init) = state.as_ref().and_then(|s| s.init)
        && init.alive()
    {
        // Only if nspawn died without taking it along. SIGTERM would make systemd re-execute.
        init.stop(Duration::ZERO);
    }
    let mut proxies: Vec<Tracked> = state.iter().filter_map(|s| s.proxy).collect();
    proxies.extend(processes_with_arg(&conf));
    for p in &proxies {
        p.stop(Duration::from_secs(3));
    }
    net::remove_host_side(name);
    remove_dir_safely(name, &dir)?;
    // nspawn leaves an empty propagation directory per machine behind.
    let _ = fs::remove_dir(Path::new("/run/systemd/nspawn/propagate").join(name));
    Ok(())
}

/// Processes whose argv contains exactly `path`.
fn processes_with_arg(path: &Path) -> Vec<Tracked> {
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    let needle = path.as_os_str().as_encoded_bytes();
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            fs::read(format!("/proc/{pid}/cmdline"))
                .is_ok_and(|c| c.split(|&b| b == 0).any(|arg| arg == needle))
        })
        .filter_map(Tracked::of)
        .collect()
}

/// `rm -rf` of a droplet directory, but only of one directly under STATE_ROOT and only when
/// nothing is mounted inside (remove_dir_all would otherwise descend into a bind mount).
/// Symlinks inside are removed, never followed.
fn remove_dir_safely(name: &str, dir: &Path) -> Result<()> {
    let unsafe_remove = |why: String| PracticeError::UnsafeRemove {
        path: dir.to_owned(),
        why,
    };
    validate_name(name)?;
    let root = fs::canonicalize(STATE_ROOT).map_err(io_err(format!("resolving {STATE_ROOT}")))?;
    let meta = match fs::symlink_metadata(dir) {
        // Already gone: a failing `up` of the same droplet removed it while we stopped it.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        other => other.map_err(io_err(format!("inspecting {}", dir.display())))?,
    };
    if !meta.is_dir() {
        return Err(unsafe_remove("it is not a plain directory".into()));
    }
    let real = fs::canonicalize(dir).map_err(io_err(format!("resolving {}", dir.display())))?;
    if real.parent() != Some(root.as_path()) {
        return Err(unsafe_remove(format!(
            "it resolves outside {}",
            root.display()
        )));
    }
    if let Some(mount) = sys::mounts_under(&real).first() {
        return Err(unsafe_remove(format!(
            "{} is still mounted; unmount it with `umount -R {}` and run down again",
            mount.display(),
            mount.display()
        )));
    }
    match fs::remove_dir_all(&real) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        other => other.map_err(io_err(format!("deleting {}", real.display()))),
    }
}

/// One line of `practice list`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub name: String,
    pub address: Option<Ipv4Addr>,
    pub status: Status,
    /// Seconds since the Unix epoch.
    pub created: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    Running,
    /// An `up` is still copying or configuring it.
    Creating,
    /// Its processes are gone (host rebooted, killed): only `down` is left to do.
    Stale,
    /// The state file cannot be read.
    Broken,
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Status::Running => "running",
            Status::Creating => "creating",
            Status::Stale => "stale",
            Status::Broken => "broken",
        })
    }
}

/// Every droplet on this computer, running or not.
pub fn list() -> Vec<Listed> {
    state::all_names()
        .into_iter()
        .map(|name| match State::load(&name) {
            Ok(s) => Listed {
                status: if s.running() {
                    Status::Running
                } else if s.nspawn.is_none() && s.creator.is_some_and(|c| c.alive()) {
                    Status::Creating
                } else {
                    Status::Stale
                },
                address: Some(s.address),
                created: Some(s.created),
                name,
            },
            Err(_) => Listed {
                name,
                address: None,
                status: Status::Broken,
                created: None,
            },
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for good in ["a", "practice-1", "t123-45", "abcdefghijk"] {
            assert!(validate_name(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "1abc",
            "Abc",
            "abc-",
            "abcdefghijkl",
            "a_b",
            "a/b",
            "..",
            "a b",
        ] {
            assert!(validate_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn missing_tools_name_the_packages() {
        let have = |t: &str| !matches!(t, "debootstrap" | "tinyproxy");
        let err = missing_tools(have).expect("two are missing");
        assert_eq!(
            err.to_string(),
            "this computer is missing debootstrap, tinyproxy; install with: sudo apt-get install \
             debootstrap tinyproxy"
        );
        assert!(missing_tools(|_| true).is_none());
    }
}
