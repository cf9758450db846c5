//! Creating, booting, listing and destroying practice droplets (the API tests and the wizard
//! call); `up` undoes its own work if it fails half-way, `down` also clears stale leftovers.

use super::boot::{self, exec_in};
use super::error::{PracticeError, Result, io_err};
use super::image::{self, Lock};
use super::os::PracticeOs;
use super::rootfs::{self, PROXY_PORT};
use super::state::{self, STATE_ROOT, State};
use super::sys::{self, Tracked};
use super::teardown::teardown;
use super::{net, proxy};
use crate::secret::Secret;
use std::fs;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant, SystemTime};

/// Realism switches for testing the wizard against what real new droplets do.
#[derive(Clone, Debug, Default)]
pub struct UpOptions {
    /// The system it runs (default Ubuntu 24.04, as a new droplet's).
    pub os: PracticeOs,
    /// Write /etc/ssh/sshd_config.d/50-cloud-init.conf with `PasswordAuthentication yes`, as
    /// Ubuntu cloud images do (it wins over any drop-in sorting after it).
    pub cloud_init_dropin: bool,
    /// After boot, a process inside holds /var/lib/dpkg/lock-frontend for this many seconds,
    /// imitating unattended-upgrades on a just-created droplet.
    pub hold_dpkg_lock_secs: Option<u32>,
    /// A droplet made with an SSH key, as a cloud's API makes it: this public key line in
    /// root's authorized_keys, root without a password, password logins off (the practice
    /// cloud). `None`: the e-mailed, expired root password.
    pub root_authorized_key: Option<String>,
    /// Every update of its archive installed already (a droplet from a recent snapshot): the
    /// update stage has little to do. For tests whose subject is not the update.
    pub updated: bool,
}

impl UpOptions {
    /// How long a new Ubuntu droplet's own unattended-upgrades holds apt after the first boot,
    /// imitated (the real one takes minutes; a class should not wait that long for practice).
    pub const NEW_UBUNTU_APT_BUSY_SECS: u32 = 20;

    /// A droplet as a student meets one fresh from the provider: on Ubuntu the cloud drop-in
    /// (always) and apt busy with the droplet's own updates for a while after boot.
    pub fn like_new(os: PracticeOs) -> Self {
        Self {
            os,
            cloud_init_dropin: os.is_ubuntu(),
            hold_dpkg_lock_secs: os.is_ubuntu().then_some(Self::NEW_UBUNTU_APT_BUSY_SECS),
            root_authorized_key: None,
            updated: false,
        }
    }

    /// A droplet with every update installed already (see `updated`), otherwise the default.
    pub fn updated(os: PracticeOs) -> Self {
        Self {
            os,
            updated: true,
            ..Self::default()
        }
    }
}

/// A running practice droplet, as `up` returns it.
#[derive(Debug)]
pub struct Droplet {
    pub name: String,
    pub os: PracticeOs,
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
    const NEEDS: [(&str, &str); 7] = [
        ("systemd-nspawn", "systemd-container"),
        ("debootstrap", "debootstrap"),
        // debootstrap checks the archive's signature with it.
        ("gpgv", "gpgv"),
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
    let base = if opts.updated {
        image::ensure_updated(opts.os, progress)?
    } else {
        image::ensure_base(opts.os, progress)?
    };
    let started = Instant::now();
    let mut state = reserve(name, opts.os)?;
    // From here on, a failure removes whatever was made.
    let guard = Cleanup(Some(state.name.clone()));
    let dir = state::droplet_dir(&state.name);
    let root = dir.join("rootfs");

    progress(&format!(
        "copying the {} base image for {}",
        opts.os.label(),
        state.name
    ));
    image::copy_base(&base, &root)?;
    checkpoint("copy")?;
    // A key droplet has no root password at all (the field stays empty).
    let password = match opts.root_authorized_key {
        Some(_) => Secret::default(),
        None => rootfs::random_password()?,
    };
    progress("giving it new host keys, a root password and the proxy settings");
    rootfs::customize(
        &root,
        &rootfs::Customize {
            name: &state.name,
            os: opts.os,
            host_address: state.host_address,
            password: &password,
            cloud_init_dropin: opts.cloud_init_dropin,
            root_key: opts.root_authorized_key.as_deref(),
        },
    )?;
    checkpoint("customize")?;

    progress("booting (systemd-nspawn)");
    let log = dir.join("nspawn.log");
    let nspawn = boot::boot(&state.name, &root, &log)?;
    state.nspawn = Some(nspawn);
    state.save()?;
    let init = boot::find_init(&nspawn, &log)?;
    state.init = Some(init);
    state.save()?;
    checkpoint("boot")?;

    progress(&format!(
        "network: {} ↔ {}",
        state.host_address, state.address
    ));
    state.veth = Some(net::configure_host_side(&state.name, state.subnet)?);
    state.save()?;
    net::configure_droplet_side(init.pid, state.subnet)?;
    checkpoint("network")?;
    let proxy = proxy::start(state.subnet, &dir)?;
    state.proxy = Some(proxy);
    state.save()?;
    checkpoint("proxy")?;

    progress("waiting for sshd to answer");
    boot::wait_for_sshd(state.address, &nspawn, &log)?;
    if let Some(secs) = opts.hold_dpkg_lock_secs {
        progress(&format!(
            "like a new droplet, it is busy installing its own updates for {secs} s (apt is locked)"
        ));
        boot::hold_dpkg_lock(init.pid, secs)?;
    }
    guard.disarm();
    Ok(Droplet {
        name: state.name.clone(),
        os: opts.os,
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
fn reserve(name: Option<&str>, os: PracticeOs) -> Result<State> {
    fs::create_dir_all(STATE_ROOT).map_err(io_err(format!("creating {STATE_ROOT}")))?;
    let _lock = Lock::take(&Path::new(STATE_ROOT).join(".lock"))?;
    let names = state::all_names();
    let name = match name {
        Some(n) => n.to_owned(),
        // `practice-100` would pass the 11-character limit; beyond 99 the names get shorter.
        None => (1u32..)
            .map(|i| {
                if i < 100 {
                    format!("practice-{i}")
                } else {
                    format!("p{i}")
                }
            })
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
        os: Some(os.id().to_owned()),
        subnet,
        address: net::droplet_address(subnet),
        host_address: net::host_address(subnet),
        created,
        creator: Tracked::of(std::process::id()),
        nspawn: None,
        init: None,
        proxy: None,
        veth: None,
    };
    if let Err(e) = state.save() {
        let _ = fs::remove_dir_all(&dir);
        return Err(e);
    }
    Ok(state)
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

/// One line of `practice list`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub name: String,
    /// `ubuntu-24.04` …; older state files, from before the choice, are Debian 12.
    pub os: Option<PracticeOs>,
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
                os: Some(s.os()),
                name,
            },
            Err(_) => Listed {
                name,
                os: None,
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
