//! Saved progress and where droplift keeps its files (the `directories` data dir). Answers and
//! per-stage status only, never a secret; written atomically (temp file + rename).

use std::fs::File;
use std::path::{Path, PathBuf};

use crate::fsutil::{create_private_dir, open_private_append};

/// droplift's data directory, e.g. ~/.local/share/droplift on Linux.
pub fn data_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("DROPLIFT_DATA_DIR") {
        return Some(PathBuf::from(dir));
    }
    directories::ProjectDirs::from("", "", "droplift").map(|d| d.data_dir().to_path_buf())
}

/// A new log file in the data directory's `logs`: both directories 700, the file 600. The log
/// is redacted, but what ran on the student's server is still nobody else's business.
pub fn open_log() -> Option<(PathBuf, File)> {
    open_log_in(&data_dir()?)
}

pub fn open_log_in(data: &Path) -> Option<(PathBuf, File)> {
    let logs = data.join("logs");
    create_private_dir(data).ok()?;
    create_private_dir(&logs).ok()?;
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    let path = logs.join(format!("droplift-{stamp}.log"));
    let file = open_private_append(&path).ok()?;
    Some((path, file))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn the_data_directory_and_logs_are_private() {
        let home = tempfile::tempdir().unwrap();
        let data = home.path().join(".local/share/droplift");
        let (path, _) = open_log_in(&data).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&data), 0o700);
        assert_eq!(mode(&data.join("logs")), 0o700);
        assert_eq!(mode(&path), 0o600);
    }
}
