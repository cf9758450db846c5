//! A cgroup of its own for each droplet. Without machined, systemd-nspawn (`--keep-unit`) puts
//! the container in `<the cgroup it was started in>/payload`; every droplet was started from the
//! same cgroup, so every droplet's systemd managed the same `/payload` tree, and a unit stopped
//! in one droplet killed the processes of the unit of that name in every other (seen: a test's
//! `class remove xmen` SIGKILLed another droplet's uwsgi-xmen@a and uwsgi-avengers@a four times
//! in 20 s; droplet tests run four at a time and share names like uwsgi-items@a and
//! postgresql@16-main). So nspawn is started in `<our cgroup>/droplift-NAME` of each hierarchy
//! systemd uses here (the named `systemd` one of a cgroup v1 host, and the unified one), and the
//! container's tree is removed after it stops.

use std::ffi::CString;
use std::fs;
use std::path::{Path, PathBuf};

/// The droplet's cgroup directories (made or not), one per hierarchy systemd uses: from
/// /proc/self/cgroup, the `name=systemd` line (mounted at /sys/fs/cgroup/systemd) and the
/// unified `0::` line (/sys/fs/cgroup/unified on a hybrid host, /sys/fs/cgroup on a v2 one).
pub(super) fn dirs(name: &str) -> Vec<PathBuf> {
    let Ok(text) = fs::read_to_string("/proc/self/cgroup") else {
        return Vec::new();
    };
    dirs_of(&text, name, &|p| p.join("cgroup.procs").exists())
}

fn dirs_of(cgroup: &str, name: &str, is_cgroup: &dyn Fn(&Path) -> bool) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    for line in cgroup.lines() {
        let mut parts = line.splitn(3, ':');
        let (Some(_), Some(controllers), Some(path)) = (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        let mount = match controllers {
            "name=systemd" => PathBuf::from("/sys/fs/cgroup/systemd"),
            "" if is_cgroup(Path::new("/sys/fs/cgroup/unified")) => {
                PathBuf::from("/sys/fs/cgroup/unified")
            }
            "" => PathBuf::from("/sys/fs/cgroup"),
            _ => continue,
        };
        if !is_cgroup(&mount) {
            continue;
        }
        dirs.push(
            mount
                .join(path.trim_start_matches('/'))
                .join(format!("droplift-{name}")),
        );
    }
    dirs
}

/// Makes the droplet's cgroups and gives back their `cgroup.procs` files as C strings, ready for
/// `enter` in the child between fork and exec (where nothing may allocate). A cgroup that cannot
/// be made is left out: the droplet then shares that hierarchy as before.
pub(super) fn prepare(name: &str) -> Vec<CString> {
    dirs(name)
        .into_iter()
        .filter(|dir| fs::create_dir_all(dir).is_ok())
        .filter_map(|dir| {
            CString::new(
                dir.join("cgroup.procs")
                    .into_os_string()
                    .into_encoded_bytes(),
            )
            .ok()
        })
        .collect()
}

/// Moves the calling process into each of `procs` (writing "0" moves the writer). Only
/// async-signal-safe calls: it runs in the child after fork.
pub(super) fn enter(procs: &[CString]) {
    for file in procs {
        // SAFETY: open/write/close on a NUL-terminated path made before the fork; a failure
        // leaves the process where it was.
        unsafe {
            let fd = libc::open(file.as_ptr(), libc::O_WRONLY | libc::O_CLOEXEC);
            if fd >= 0 {
                let _ = libc::write(fd, b"0".as_ptr().cast(), 1);
                libc::close(fd);
            }
        }
    }
}

/// After the container stopped: its cgroups, deepest first (a cgroup directory goes with
/// `rmdir` once no process and no child cgroup is left in it).
pub(super) fn remove(name: &str) {
    for dir in dirs(name) {
        remove_tree(&dir);
    }
}

fn remove_tree(dir: &Path) {
    if let Ok(entries) = fs::read_dir(dir) {
        for entry in entries.flatten() {
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                remove_tree(&entry.path());
            }
        }
    }
    let _ = fs::remove_dir(dir);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_hierarchy_systemd_uses_gets_a_cgroup_named_for_the_droplet() {
        let hybrid = "12:pids:/\n9:name=systemd:/\n4:memory:/process_api/1b47\n0::/\n";
        let all = |_: &Path| true;
        assert_eq!(
            dirs_of(hybrid, "t1-2", &all),
            [
                PathBuf::from("/sys/fs/cgroup/systemd/droplift-t1-2"),
                PathBuf::from("/sys/fs/cgroup/unified/droplift-t1-2")
            ]
        );
        // A cgroup v2 host: the unified hierarchy is /sys/fs/cgroup, under our own cgroup.
        let v2 = "0::/user.slice/session-3.scope\n";
        let no_unified = |p: &Path| p != Path::new("/sys/fs/cgroup/unified");
        assert_eq!(
            dirs_of(v2, "look", &no_unified),
            [PathBuf::from(
                "/sys/fs/cgroup/user.slice/session-3.scope/droplift-look"
            )]
        );
        // Nothing mounted: nothing to make.
        assert!(dirs_of(hybrid, "x", &|_: &Path| false).is_empty());
    }
}
