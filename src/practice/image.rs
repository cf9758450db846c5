//! The cached base image of each system: built once with debootstrap (one to three minutes),
//! then copied for every droplet (seconds). Built in a temp dir and renamed in, so a half-built
//! base is never used.

use super::error::{PracticeError, Result, io_err};
use super::os::{PracticeOs, UBUNTU_ARCHIVE_KEY};
use super::sys;
use std::fs;
use std::io::{BufRead, BufReader};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub const CACHE_DIR: &str = "/var/cache/droplift";

/// Where the finished base of `os` lives (`base-noble`, `base-bookworm` …).
pub fn base_dir(os: PracticeOs) -> PathBuf {
    Path::new(CACHE_DIR).join(format!("base-{}", os.suite()))
}

/// Returns the base image, building it first if there is none. Concurrent callers (two tests)
/// serialise on a lock file; the second finds the base already there.
pub fn ensure_base(os: PracticeOs, progress: &mut dyn FnMut(&str)) -> Result<PathBuf> {
    let base = base_dir(os);
    if base.is_dir() {
        return Ok(base);
    }
    fs::create_dir_all(CACHE_DIR).map_err(io_err(format!("creating {CACHE_DIR}")))?;
    let _lock = Lock::take(&Path::new(CACHE_DIR).join(format!(".base-{}.lock", os.suite())))?;
    if base.is_dir() {
        return Ok(base);
    }
    let tmp = Path::new(CACHE_DIR).join(format!("base-{}.partial", os.suite()));
    if tmp.exists() {
        // Left by an interrupted build (we hold the lock, so nobody is using it).
        progress("removing an interrupted base build");
        remove_partial(&tmp)?;
    }
    progress(&format!(
        "building the {} base image in {} (once; one to three minutes)",
        os.label(),
        base.display()
    ));
    debootstrap(os, &tmp, progress)?;
    like_a_cloud_image(os, &tmp)?;
    // The .debs are of no further use; every droplet copy would carry them.
    let _ = sys::run(
        "apt-get clean",
        Command::new("chroot").arg(&tmp).args(["apt-get", "clean"]),
        None,
    );
    fs::rename(&tmp, &base).map_err(io_err(format!("moving the base into {}", base.display())))?;
    progress("base image ready");
    Ok(base)
}

/// Where the updated image of `os` lives (`updated-noble` …).
pub fn updated_dir(os: PracticeOs) -> PathBuf {
    Path::new(CACHE_DIR).join(format!("updated-{}", os.suite()))
}

/// The base with every update its archive offers installed already, as a droplet made from a
/// recent snapshot is: built once from the base (a copy, `apt-get upgrade` inside it with no
/// service started), then copied like the base. For the tests whose subject is not the update
/// stage: theirs has little to do, and the suite does not upgrade the same packages a dozen
/// times.
pub fn ensure_updated(os: PracticeOs, progress: &mut dyn FnMut(&str)) -> Result<PathBuf> {
    let updated = updated_dir(os);
    if updated.is_dir() {
        return Ok(updated);
    }
    let base = ensure_base(os, progress)?;
    let _lock = Lock::take(&Path::new(CACHE_DIR).join(format!(".updated-{}.lock", os.suite())))?;
    if updated.is_dir() {
        return Ok(updated);
    }
    let tmp = Path::new(CACHE_DIR).join(format!("updated-{}.partial", os.suite()));
    if tmp.exists() {
        progress("removing an interrupted build of the updated image");
        remove_partial(&tmp)?;
    }
    progress(&format!(
        "building the updated {} image in {} (once: every update installed)",
        os.label(),
        updated.display()
    ));
    copy_base(&base, &tmp)?;
    let upgraded = upgrade_inside(&tmp);
    let _ = sys::run("umount", Command::new("umount").arg(tmp.join("proc")), None);
    let _ = fs::remove_file(tmp.join("usr/sbin/policy-rc.d"));
    if let Err(e) = upgraded {
        let _ = remove_partial(&tmp);
        return Err(e);
    }
    fs::rename(&tmp, &updated).map_err(io_err(format!(
        "moving the updated image into {}",
        updated.display()
    )))?;
    progress("updated image ready");
    Ok(updated)
}

/// `apt-get upgrade` in the image at `root` (chroot, /proc mounted, services kept from starting
/// by policy-rc.d), keeping configuration files, then the .debs removed.
fn upgrade_inside(root: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let policy = root.join("usr/sbin/policy-rc.d");
    fs::write(
        &policy,
        "#!/bin/sh\n# Building an image: no service starts.\nexit 101\n",
    )
    .map_err(io_err("writing policy-rc.d"))?;
    fs::set_permissions(&policy, fs::Permissions::from_mode(0o755))
        .map_err(io_err("making policy-rc.d executable"))?;
    sys::run(
        "mount /proc for the upgrade",
        Command::new("mount")
            .args(["-t", "proc", "proc"])
            .arg(root.join("proc")),
        None,
    )?;
    sys::run(
        "apt-get upgrade (building the updated image)",
        Command::new("chroot")
            .arg(root)
            .args([
                "sh",
                "-c",
                "apt-get update -qq && apt-get -y -qq -o Dpkg::Options::=--force-confold \
                 upgrade >/dev/null && apt-get clean",
            ])
            .env("DEBIAN_FRONTEND", "noninteractive"),
        None,
    )?;
    Ok(())
}

/// debootstrap mounts /proc and /sys inside its target while it works; killed half-way it
/// leaves them mounted, and deleting through them would reach the host's. Unmount first.
fn remove_partial(tmp: &Path) -> Result<()> {
    let mut mounts = sys::mounts_under(tmp);
    // Deepest first, so nested mounts come off before their parents.
    mounts.sort_by_key(|m| std::cmp::Reverse(m.components().count()));
    for mount in &mounts {
        let _ = sys::run("umount", Command::new("umount").arg(mount), None);
    }
    if let Some(still) = sys::mounts_under(tmp).first() {
        return Err(PracticeError::UnsafeRemove {
            path: tmp.to_owned(),
            why: format!(
                "{} is still mounted; unmount it with `umount -R {}` and try again",
                still.display(),
                still.display()
            ),
        });
    }
    fs::remove_dir_all(tmp).map_err(io_err(format!("removing {}", tmp.display())))
}

/// What the provider's image has on top of the distribution, in every droplet made from it:
/// the archive with its updates and security suites (so the update stage has real work), and on
/// Ubuntu the cloud image's sshd drop-in that turns password logins off — which the per-droplet
/// `50-cloud-init.conf` overrides, being read first.
fn like_a_cloud_image(os: PracticeOs, root: &Path) -> Result<()> {
    let (path, text) = os.sources();
    if path != "etc/apt/sources.list" {
        fs::write(
            root.join("etc/apt/sources.list"),
            format!("# Ubuntu's sources have moved to /{path}\n"),
        )
        .map_err(io_err("writing the base's sources.list"))?;
    }
    fs::write(root.join(path), text).map_err(io_err(format!("writing the base's /{path}")))?;
    if os.is_ubuntu() {
        let dropins = root.join("etc/ssh/sshd_config.d");
        fs::create_dir_all(&dropins).map_err(io_err("creating sshd_config.d"))?;
        fs::write(
            dropins.join("60-cloudimg-settings.conf"),
            "PasswordAuthentication no\n",
        )
        .map_err(io_err("writing 60-cloudimg-settings.conf"))?;
    }
    Ok(())
}

/// Ubuntu's archive key for debootstrap, written where only root can change it.
fn ubuntu_keyring() -> Result<PathBuf> {
    let path = Path::new(CACHE_DIR).join("ubuntu-archive-2018.gpg");
    if fs::read(&path).ok().as_deref() != Some(UBUNTU_ARCHIVE_KEY) {
        let tmp = path.with_extension("gpg.new");
        let _ = fs::remove_file(&tmp);
        fs::write(&tmp, UBUNTU_ARCHIVE_KEY).map_err(io_err("writing Ubuntu's archive key"))?;
        fs::rename(&tmp, &path).map_err(io_err("writing Ubuntu's archive key"))?;
    }
    Ok(path)
}

/// Runs debootstrap, forwarding each line it prints to `progress`.
fn debootstrap(os: PracticeOs, target: &Path, progress: &mut dyn FnMut(&str)) -> Result<()> {
    let mut cmd = Command::new("debootstrap");
    cmd.args([
        "--variant=minbase",
        &format!("--components={}", os.components()),
        &format!("--include={}", os.packages()),
    ]);
    if os.is_ubuntu() {
        cmd.arg(format!("--keyring={}", ubuntu_keyring()?.display()));
    }
    cmd.arg(os.suite()).arg(target).arg(os.mirror());
    if let Some(script) = os.debootstrap_script() {
        cmd.arg(script);
    }
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(io_err("could not start debootstrap"))?;
    // stderr on a thread, stdout here, so neither pipe can fill up and stall debootstrap.
    let stderr = child.stderr.take();
    let err_thread = std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(err) = stderr {
            for line in BufReader::new(err).lines().map_while(|l| l.ok()) {
                text.push_str(&line);
                text.push('\n');
            }
        }
        text
    });
    let mut tail = Vec::new();
    if let Some(out) = child.stdout.take() {
        for line in BufReader::new(out).lines().map_while(|l| l.ok()) {
            progress(&line);
            tail.push(line);
            if tail.len() > 8 {
                tail.remove(0);
            }
        }
    }
    let status = child.wait().map_err(io_err("waiting for debootstrap"))?;
    let err_text = err_thread.join().unwrap_or_default();
    if !status.success() {
        let log =
            fs::read_to_string(target.join("debootstrap/debootstrap.log")).unwrap_or_default();
        return Err(PracticeError::Command {
            what: format!("debootstrap (building the {} base image)", os.label()),
            detail: format!(
                "{status} — {}\n{}\n(is {} reachable from this computer?)",
                sys::last_lines(&err_text, 4),
                sys::last_lines(&format!("{}\n{log}", tail.join("\n")), 6),
                os.mirror()
            ),
        });
    }
    Ok(())
}

/// An exclusive flock(2) on a file, released when dropped (or when the process dies, so a
/// crashed build never leaves a stuck lock).
pub struct Lock {
    _file: fs::File,
}

impl Lock {
    pub fn take(path: &Path) -> Result<Self> {
        let file = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path)
            .map_err(io_err(format!("opening lock {}", path.display())))?;
        // SAFETY: flock on a descriptor we own; blocks until the lock is ours.
        let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) };
        if rc != 0 {
            return Err(PracticeError::Io {
                what: format!("locking {}", path.display()),
                source: std::io::Error::last_os_error(),
            });
        }
        Ok(Self { _file: file })
    }
}

/// Copies the base into `dest` (reflinks where the filesystem can: btrfs/xfs make it instant).
pub fn copy_base(base: &Path, dest: &Path) -> Result<()> {
    sys::run(
        "copying the base image",
        Command::new("cp")
            .args(["-a", "--reflink=auto"])
            .arg(base)
            .arg(dest),
        None,
    )?;
    Ok(())
}
