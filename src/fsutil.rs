//! Writing files on the student's computer safely: private modes from the start, temporary files
//! made with O_EXCL, and atomic replaces that update a symlink's target instead of the link.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Follows `path` through any symlinks (relative ones against the link's own directory) to the
/// file they name, which need not exist yet: dotfile managers link ~/.ssh/config and known_hosts
/// into a repository, and a replace must land there, not turn the link into a plain file.
pub fn resolve_link(path: &Path) -> io::Result<PathBuf> {
    let mut current = path.to_path_buf();
    // As the kernel does, give up on loops.
    for _ in 0..40 {
        match fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let target = fs::read_link(&current)?;
                current = if target.is_absolute() {
                    target
                } else {
                    current
                        .parent()
                        .unwrap_or_else(|| Path::new("."))
                        .join(target)
                };
            }
            Ok(_) => return Ok(current),
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(current),
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::other(format!(
        "{} is a loop of symbolic links",
        path.display()
    )))
}

/// A new file next to `near` (`.NAME.droplift-…`), created with O_EXCL and `mode`: never an
/// existing file or a planted symlink, never readable by others in between.
pub fn create_temp(near: &Path, mode: u32) -> io::Result<(PathBuf, File)> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let dir = near.parent().unwrap_or_else(|| Path::new("."));
    let name = near
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    let mut last = None;
    for _ in 0..100 {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let tmp = dir.join(format!(
            ".{name}.droplift-{}-{n}-{nanos}",
            std::process::id()
        ));
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(&tmp)
        {
            Ok(file) => return Ok((tmp, file)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| io::Error::other("no free temporary name")))
}

/// Replaces the file `path` names (through symlinks) with `bytes`: a temporary file in the same
/// directory, fsync, then rename(2), so a crash leaves the old file or the new one, never half.
/// The mode is the old file's when there is one, else `new_mode`.
pub fn replace(path: &Path, bytes: &[u8], new_mode: u32) -> io::Result<()> {
    let target = resolve_link(path)?;
    let mode = fs::metadata(&target)
        .map(|m| m.permissions().mode() & 0o7777)
        .unwrap_or(new_mode);
    let (tmp, mut file) = create_temp(&target, mode)?;
    let written = file
        .write_all(bytes)
        .and_then(|()| file.sync_all())
        // create_temp's mode went through the umask; the old file's mode is what we keep.
        .and_then(|()| fs::set_permissions(&tmp, fs::Permissions::from_mode(mode)))
        .and_then(|()| fs::rename(&tmp, &target));
    if written.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    written
}

/// Creates `dir` (and missing parents) with mode 700, and makes it 700 if it already exists:
/// it holds logs and progress that are nobody else's business.
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)?;
    fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
}

/// Opens `path` for appending, created with mode 600 (and made 600 if it was not).
pub fn open_private_append(path: &Path) -> io::Result<File> {
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(path)?;
    file.set_permissions(fs::Permissions::from_mode(0o600))?;
    Ok(file)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn mode(path: &Path) -> u32 {
        fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn replace_through_a_symlink_updates_the_target_and_keeps_the_link() {
        let dir = tempfile::tempdir().unwrap();
        let dotfiles = dir.path().join("dotfiles");
        fs::create_dir(&dotfiles).unwrap();
        fs::write(dotfiles.join("config"), "old\n").unwrap();
        fs::set_permissions(dotfiles.join("config"), fs::Permissions::from_mode(0o640)).unwrap();
        let link = dir.path().join("config");
        std::os::unix::fs::symlink("dotfiles/config", &link).unwrap();
        replace(&link, b"new\n", 0o600).unwrap();
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(
            fs::read_to_string(dotfiles.join("config")).unwrap(),
            "new\n"
        );
        assert_eq!(
            mode(&dotfiles.join("config")),
            0o640,
            "the old mode is kept"
        );
        let left: Vec<_> = fs::read_dir(&dotfiles).unwrap().collect();
        assert_eq!(left.len(), 1, "no temporary file is left behind");
        // A new file gets the mode asked for.
        replace(&dir.path().join("fresh"), b"x", 0o600).unwrap();
        assert_eq!(mode(&dir.path().join("fresh")), 0o600);
    }

    #[test]
    fn temporary_files_never_reuse_an_existing_name() {
        let dir = tempfile::tempdir().unwrap();
        let near = dir.path().join("known_hosts");
        let (a, _) = create_temp(&near, 0o600).unwrap();
        let (b, _) = create_temp(&near, 0o600).unwrap();
        assert_ne!(a, b);
        assert_eq!(mode(&a), 0o600);
    }

    #[test]
    fn private_dirs_and_logs() {
        let dir = tempfile::tempdir().unwrap();
        let logs = dir.path().join("data/logs");
        create_private_dir(&logs).unwrap();
        assert_eq!(mode(&logs), 0o700);
        fs::set_permissions(&logs, fs::Permissions::from_mode(0o755)).unwrap();
        create_private_dir(&logs).unwrap();
        assert_eq!(mode(&logs), 0o700, "an existing directory is tightened");
        let log = logs.join("x.log");
        open_private_append(&log).unwrap();
        assert_eq!(mode(&log), 0o600);
    }
}
