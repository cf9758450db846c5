//! The student's files, read back by the tests: to search them for a secret that must not be there.

use std::path::Path;

/// Every file under `dir`, read as text (lossy), concatenated.
pub fn all_text_under(dir: &Path) -> String {
    let mut out = String::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.push_str(&all_text_under(&path));
        } else if let Ok(bytes) = std::fs::read(&path) {
            out.push_str(&String::from_utf8_lossy(&bytes));
        }
    }
    out
}

/// Every file under `dir` whose bytes, read as text (lossy), hold `needle`: where a secret must
/// not be.
pub fn files_holding(dir: &Path, needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(path) = todo.pop() {
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        if meta.is_dir() {
            if let Ok(entries) = std::fs::read_dir(&path) {
                todo.extend(entries.flatten().map(|e| e.path()));
            }
        } else if meta.is_file()
            && String::from_utf8_lossy(&std::fs::read(&path).unwrap_or_default()).contains(needle)
        {
            found.push(path.display().to_string());
        }
    }
    found
}
