//! Removing a droplet, running or stale: stop its processes (found by pid + start time, and by
//! the paths on their command lines), drop the veth, delete its directory without crossing mounts.

use super::droplet::validate_name;
use super::error::{PracticeError, Result, io_err};
use super::net;
use super::state::{self, STATE_ROOT, State};
use super::sys::{self, Tracked};
use std::fs;
use std::path::Path;
use std::time::Duration;

/// How long the container gets to power off after SIGTERM before it is killed.
const POWEROFF_GRACE: Duration = Duration::from_secs(15);

/// Stops and deletes droplet `name` whatever state it is in; shared by `down` and the guard.
pub(super) fn teardown(name: &str) -> Result<()> {
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
    net::remove_host_side(name, state.as_ref().and_then(|s| s.veth));
    super::cgroup::remove(name);
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
