//! The student's home and paths under it: `~` expanded, the key the wizard suggests. Small pure
//! helpers shared by the login, the driver and both front ends.

use std::path::{Path, PathBuf};

/// `~/…` made absolute with `home`.
pub fn expand_home(path: &Path, home: &Path) -> PathBuf {
    match path.strip_prefix("~") {
        Ok(rest) => home.join(rest),
        Err(_) => path.to_path_buf(),
    }
}

/// The key the wizard suggests: the student's existing key (OpenSSH's order: ed25519, ECDSA,
/// RSA), or `~/.ssh/id_ed25519`, to be created.
pub fn suggested_key(home: &Path) -> PathBuf {
    ["id_ed25519", "id_ecdsa", "id_rsa"]
        .iter()
        .find(|name| home.join(".ssh").join(name).exists())
        .map(|name| PathBuf::from(format!("~/.ssh/{name}")))
        .unwrap_or_else(|| PathBuf::from(crate::course::answers::DEFAULT_KEY))
}

/// The student's home directory (for `~` in paths).
pub fn home_dir() -> PathBuf {
    std::env::var_os("HOME")
        .map(PathBuf::from)
        .or_else(|| directories::BaseDirs::new().map(|d| d.home_dir().to_path_buf()))
        .unwrap_or_else(|| PathBuf::from("."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_existing_key_is_suggested_before_creating_one() {
        let home = tempfile::tempdir().expect("tempdir");
        assert_eq!(
            suggested_key(home.path()),
            PathBuf::from("~/.ssh/id_ed25519")
        );
        std::fs::create_dir_all(home.path().join(".ssh")).expect("mkdir");
        std::fs::write(home.path().join(".ssh/id_rsa"), "x").expect("write");
        assert_eq!(suggested_key(home.path()), PathBuf::from("~/.ssh/id_rsa"));
    }

    #[test]
    fn a_tilde_path_lands_in_home_and_others_stay() {
        let home = Path::new("/home/student");
        assert_eq!(
            expand_home(Path::new("~/.ssh/id_ed25519"), home),
            PathBuf::from("/home/student/.ssh/id_ed25519")
        );
        assert_eq!(
            expand_home(Path::new("/etc/key"), home),
            PathBuf::from("/etc/key")
        );
    }
}
