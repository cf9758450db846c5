//! Saved progress and where droplift keeps its files (the `directories` data dir). Answers and
//! per-stage status only, never a secret; written atomically (temp file + rename).

use std::path::PathBuf;

/// droplift's data directory, e.g. ~/.local/share/droplift on Linux.
pub fn data_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("DROPLIFT_DATA_DIR") {
        return Some(PathBuf::from(dir));
    }
    directories::ProjectDirs::from("", "", "droplift").map(|d| d.data_dir().to_path_buf())
}
