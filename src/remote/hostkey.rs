//! Host keys, shared with OpenSSH: fingerprints as `ssh-keygen -lf` prints them, and checking,
//! recording and replacing entries in known_hosts (hashed `|1|` entries understood via libssh2),
//! the student's own file and the system-wide one, matched by host and port as OpenSSH does.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use sha2::{Digest, Sha256};
use ssh2::{CheckResult, KnownHostFileKind, Session};

use super::protocol::HostKeyInfo;

/// Every host key algorithm libssh2 1.11 offers, in OpenSSH's order of preference.
const DEFAULT_HOSTKEY_ORDER: &[&str] = &[
    "ssh-ed25519",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "rsa-sha2-512",
    "rsa-sha2-256",
    "ssh-rsa",
];

#[derive(Debug, thiserror::Error)]
pub enum HostKeyError {
    #[error("cannot update {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// What known_hosts says about the key a server presented.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HostKeyStatus {
    Known,
    Unknown,
    /// known_hosts holds a different key for this host: possibly an attack, or a rebuilt server.
    Changed,
    /// The key is listed under `@revoked`: never to be trusted, whatever the answer.
    Revoked,
}

/// `SHA256:` + unpadded base64 of the SHA-256 of the key blob: byte for byte `ssh-keygen -lf`.
pub fn fingerprint(blob: &[u8]) -> String {
    format!("SHA256:{}", STANDARD_NO_PAD.encode(Sha256::digest(blob)))
}

/// The algorithm name inside a key blob (its first length-prefixed string), e.g. `ssh-ed25519`.
pub fn blob_key_type(blob: &[u8]) -> Option<String> {
    let len = u32::from_be_bytes(blob.get(..4)?.try_into().ok()?) as usize;
    let name = blob.get(4..4 + len)?;
    String::from_utf8(name.to_vec()).ok()
}

/// The name known_hosts uses: `host` on port 22, `[host]:port` otherwise.
pub fn known_host_name(host: &str, port: u16) -> String {
    if port == 22 {
        host.to_owned()
    } else {
        format!("[{host}]:{port}")
    }
}

pub fn host_key_info(host: &str, port: u16, blob: &[u8]) -> HostKeyInfo {
    HostKeyInfo {
        host: known_host_name(host, port),
        key_type: blob_key_type(blob).unwrap_or_else(|| "unknown".to_owned()),
        fingerprint: fingerprint(blob),
    }
}

/// The comma list for `method_pref(MethodType::HostKey, …)`: `recorded` types first.
fn hostkey_order(recorded: Vec<String>) -> String {
    let mut order: Vec<String> = Vec::new();
    for t in recorded {
        // An RSA key is recorded as ssh-rsa but negotiated under its SHA-2 signature names.
        let names: Vec<&str> = if t == "ssh-rsa" {
            vec!["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"]
        } else {
            vec![t.as_str()]
        };
        for n in names {
            if DEFAULT_HOSTKEY_ORDER.contains(&n) && !order.iter().any(|o| o == n) {
                order.push(n.to_owned());
            }
        }
    }
    for n in DEFAULT_HOSTKEY_ORDER {
        if !order.iter().any(|o| o == n) {
            order.push((*n).to_owned());
        }
    }
    order.join(",")
}

/// One known_hosts file. Entries are examined one line at a time with libssh2 (which knows the
/// hashed form), so that lines we do not touch are kept byte for byte when we rewrite the file.
pub struct KnownHostsFile {
    path: PathBuf,
}

/// How one line relates to a host.
enum LineMatch {
    /// Not about this host (or a comment, marker or line libssh2 cannot read).
    Other,
    /// About this host, with this key blob (decoded).
    Host(Vec<u8>),
}

impl KnownHostsFile {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn lines(&self) -> Result<Vec<String>, HostKeyError> {
        match fs::read_to_string(&self.path) {
            Ok(text) => Ok(text.lines().map(str::to_owned).collect()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(source) => Err(HostKeyError::Read {
                path: self.path.clone(),
                source,
            }),
        }
    }

    fn classify(session: &Session, line: &str, host: &str, port: u16) -> LineMatch {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with('@') {
            return LineMatch::Other;
        }
        let Ok(mut kh) = session.known_hosts() else {
            return LineMatch::Other;
        };
        if kh.read_str(trimmed, KnownHostFileKind::OpenSSH).is_err() {
            return LineMatch::Other;
        }
        // A key no entry can hold: the answer is Mismatch exactly when the entry names this host.
        // The name is matched as written (`[host]:port` off port 22), as OpenSSH does:
        // libssh2's check_port would also take a port-22 entry for any other port.
        if !matches!(
            kh.check(&known_host_name(host, port), b"\0"),
            CheckResult::Mismatch
        ) {
            return LineMatch::Other;
        }
        let blob = kh
            .hosts()
            .ok()
            .and_then(|h| h.into_iter().next())
            .and_then(|h| STANDARD.decode(h.key()).ok())
            .unwrap_or_default();
        LineMatch::Host(blob)
    }

    fn entries_for(&self, host: &str, port: u16) -> Result<Vec<Vec<u8>>, HostKeyError> {
        let session = Session::new().map_err(|e| HostKeyError::Read {
            path: self.path.clone(),
            source: std::io::Error::other(e),
        })?;
        Ok(self
            .lines()?
            .iter()
            .filter_map(|l| match Self::classify(&session, l, host, port) {
                LineMatch::Host(blob) => Some(blob),
                LineMatch::Other => None,
            })
            .collect())
    }

    /// The host's keys as known_hosts lines naming it plainly (`HOST TYPE BASE64`): what a CI
    /// job pins before droplift logs in there.
    pub fn pinned_lines(&self, host: &str, port: u16) -> Result<Vec<String>, HostKeyError> {
        Ok(self
            .entries_for(host, port)?
            .iter()
            .map(|blob| Self::entry_line(host, port, blob))
            .collect())
    }

    /// Key types recorded for this host, so the handshake can ask for the same type first
    /// (otherwise a server offering another type looks like a changed key).
    pub fn recorded_types(&self, host: &str, port: u16) -> Vec<String> {
        let mut types: Vec<String> = Vec::new();
        for blob in self.entries_for(host, port).unwrap_or_default() {
            if let Some(t) = blob_key_type(&blob) {
                if !types.contains(&t) {
                    types.push(t);
                }
            }
        }
        types
    }

    /// The comma list for `method_pref(MethodType::HostKey, …)`: recorded types first.
    pub fn hostkey_preference(&self, host: &str, port: u16) -> String {
        hostkey_order(self.recorded_types(host, port))
    }

    pub fn check(&self, host: &str, port: u16, blob: &[u8]) -> Result<HostKeyStatus, HostKeyError> {
        // libssh2 skips marker lines, so `@revoked` is read here. A revoked key is refused for
        // every host (OpenSSH's entries for it are normally `*` anyway).
        let revoked = self.lines()?.iter().any(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            matches!(fields.as_slice(), ["@revoked", _, _, key, ..]
                if STANDARD.decode(key).is_ok_and(|k| k == blob))
        });
        if revoked {
            return Ok(HostKeyStatus::Revoked);
        }
        let entries = self.entries_for(host, port)?;
        Ok(if entries.iter().any(|e| e == blob) {
            HostKeyStatus::Known
        } else if entries.is_empty() {
            HostKeyStatus::Unknown
        } else {
            HostKeyStatus::Changed
        })
    }

    fn entry_line(host: &str, port: u16, blob: &[u8]) -> String {
        let key_type = blob_key_type(blob).unwrap_or_else(|| "unknown".to_owned());
        format!(
            "{} {key_type} {}",
            known_host_name(host, port),
            STANDARD.encode(blob)
        )
    }

    fn write_err(&self, source: std::io::Error) -> HostKeyError {
        HostKeyError::Write {
            path: self.path.clone(),
            source,
        }
    }

    fn ensure_dir(&self) -> Result<(), HostKeyError> {
        if let Some(dir) = self.path.parent() {
            if !dir.as_os_str().is_empty() && !dir.exists() {
                fs::DirBuilder::new()
                    .recursive(true)
                    .mode(0o700)
                    .create(dir)
                    .map_err(|e| self.write_err(e))?;
            }
        }
        Ok(())
    }

    /// Append this host's key; every existing line stays as it is. Creates the file with mode
    /// 600 (and its directory with 700) when missing, as OpenSSH does.
    pub fn accept(&self, host: &str, port: u16, blob: &[u8]) -> Result<(), HostKeyError> {
        self.ensure_dir()?;
        let existing = fs::read(&self.path).unwrap_or_default();
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(&self.path)
            .map_err(|e| self.write_err(e))?;
        let mut text = String::new();
        if existing.last().is_some_and(|b| *b != b'\n') {
            text.push('\n');
        }
        text.push_str(&Self::entry_line(host, port, blob));
        text.push('\n');
        file.write_all(text.as_bytes())
            .and_then(|()| file.sync_all())
            .map_err(|e| self.write_err(e))
    }

    /// Drop only this host's entries, then record the new key; written to a temporary file and
    /// renamed, so a crash never leaves a half-written known_hosts.
    pub fn replace(&self, host: &str, port: u16, blob: &[u8]) -> Result<(), HostKeyError> {
        self.ensure_dir()?;
        let session = Session::new().map_err(|e| self.write_err(std::io::Error::other(e)))?;
        let mut text = String::new();
        for line in self.lines()? {
            if let LineMatch::Other = Self::classify(&session, &line, host, port) {
                text.push_str(&line);
                text.push('\n');
            }
        }
        text.push_str(&Self::entry_line(host, port, blob));
        text.push('\n');
        crate::fsutil::replace(&self.path, text.as_bytes(), 0o600).map_err(|e| self.write_err(e))
    }
}

impl KnownHostsFile {
    /// Drop this host's entries (a destroyed droplet: its address goes to the next droplet,
    /// whose new key would otherwise look like a changed one). Returns how many lines went;
    /// the file is rewritten only when there were some.
    pub fn forget(&self, host: &str, port: u16) -> Result<usize, HostKeyError> {
        let session = Session::new().map_err(|e| self.write_err(std::io::Error::other(e)))?;
        let mut text = String::new();
        let mut dropped = 0;
        for line in self.lines()? {
            match Self::classify(&session, &line, host, port) {
                LineMatch::Other => {
                    text.push_str(&line);
                    text.push('\n');
                }
                LineMatch::Host(_) => dropped += 1,
            }
        }
        if dropped > 0 {
            crate::fsutil::replace(&self.path, text.as_bytes(), 0o600)
                .map_err(|e| self.write_err(e))?;
        }
        Ok(dropped)
    }
}

/// The known_hosts files OpenSSH reads: the student's own (where keys are recorded) and,
/// when there is one, the system-wide file (read only). A key matching in either is known.
pub struct KnownHosts {
    user: KnownHostsFile,
    global: Option<KnownHostsFile>,
}

impl KnownHosts {
    pub fn new(user: impl Into<PathBuf>, global: Option<PathBuf>) -> Self {
        Self {
            user: KnownHostsFile::new(user),
            global: global.map(KnownHostsFile::new),
        }
    }

    fn files(&self) -> impl Iterator<Item = &KnownHostsFile> {
        std::iter::once(&self.user).chain(self.global.as_ref())
    }

    /// The file new keys go to.
    pub fn path(&self) -> &Path {
        self.user.path()
    }

    /// Key types recorded for this host in either file.
    pub fn recorded_types(&self, host: &str, port: u16) -> Vec<String> {
        let mut types: Vec<String> = Vec::new();
        for file in self.files() {
            for t in file.recorded_types(host, port) {
                if !types.contains(&t) {
                    types.push(t);
                }
            }
        }
        types
    }

    pub fn hostkey_preference(&self, host: &str, port: u16) -> String {
        hostkey_order(self.recorded_types(host, port))
    }

    /// Known when any file has this key for this host; Changed when some file names the host
    /// with other keys only; Revoked when either file revokes the key.
    pub fn check(&self, host: &str, port: u16, blob: &[u8]) -> Result<HostKeyStatus, HostKeyError> {
        let mut statuses = Vec::new();
        for file in self.files() {
            statuses.push(match file.check(host, port, blob) {
                // An unreadable system file is not the student's to fix: as if absent.
                Err(_) if !std::ptr::eq(file, &self.user) => HostKeyStatus::Unknown,
                other => other?,
            });
        }
        Ok(if statuses.contains(&HostKeyStatus::Revoked) {
            HostKeyStatus::Revoked
        } else if statuses.contains(&HostKeyStatus::Known) {
            HostKeyStatus::Known
        } else if statuses.contains(&HostKeyStatus::Changed) {
            HostKeyStatus::Changed
        } else {
            HostKeyStatus::Unknown
        })
    }

    pub fn accept(&self, host: &str, port: u16, blob: &[u8]) -> Result<(), HostKeyError> {
        self.user.accept(host, port, blob)
    }

    pub fn replace(&self, host: &str, port: u16, blob: &[u8]) -> Result<(), HostKeyError> {
        self.user.replace(host, port, blob)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn blob(kind: &str, body: &[u8]) -> Vec<u8> {
        let mut b = (kind.len() as u32).to_be_bytes().to_vec();
        b.extend_from_slice(kind.as_bytes());
        b.extend_from_slice(body);
        b
    }

    #[test]
    fn names_and_types() {
        assert_eq!(known_host_name("h", 22), "h");
        assert_eq!(known_host_name("10.0.0.1", 2222), "[10.0.0.1]:2222");
        assert_eq!(
            blob_key_type(&blob("ssh-ed25519", &[1, 2])).as_deref(),
            Some("ssh-ed25519")
        );
        assert_eq!(blob_key_type(&[0, 0]), None);
    }

    #[test]
    fn accept_then_replace_keeps_other_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/known_hosts");
        let kh = KnownHostsFile::new(&path);
        let a = blob("ssh-ed25519", &[7; 32]);
        let b = blob("ssh-ed25519", &[9; 32]);
        let c = blob("ssh-ed25519", &[5; 32]);
        assert_eq!(
            kh.check("10.1.1.1", 2222, &a).unwrap(),
            HostKeyStatus::Unknown
        );
        kh.accept("other", 22, &b).unwrap();
        kh.accept("10.1.1.1", 2222, &a).unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let dmode = fs::metadata(path.parent().unwrap())
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(dmode, 0o700);
        assert_eq!(
            kh.check("10.1.1.1", 2222, &a).unwrap(),
            HostKeyStatus::Known
        );
        assert_eq!(
            kh.check("10.1.1.1", 2222, &b).unwrap(),
            HostKeyStatus::Changed
        );
        assert_eq!(
            kh.check("10.1.1.1", 22, &a).unwrap(),
            HostKeyStatus::Unknown
        );
        assert_eq!(
            kh.recorded_types("10.1.1.1", 2222),
            vec!["ssh-ed25519".to_owned()]
        );
        assert!(
            kh.hostkey_preference("10.1.1.1", 2222)
                .starts_with("ssh-ed25519,")
        );
        let mut text = fs::read_to_string(&path).unwrap();
        text.push_str(&format!("@revoked * ssh-ed25519 {}\n", STANDARD.encode(&c)));
        fs::write(&path, text).unwrap();
        assert_eq!(
            kh.check("anywhere", 22, &c).unwrap(),
            HostKeyStatus::Revoked
        );
        kh.replace("10.1.1.1", 2222, &b).unwrap();
        assert_eq!(
            kh.check("10.1.1.1", 2222, &b).unwrap(),
            HostKeyStatus::Known
        );
        assert_eq!(kh.check("other", 22, &b).unwrap(), HostKeyStatus::Known);
        let text = fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 3, "{text}");
        assert!(text.contains("@revoked"), "marker lines are kept");
    }

    #[test]
    fn a_port_22_entry_is_not_taken_for_another_port() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("known_hosts");
        let kh = KnownHostsFile::new(&path);
        let verified = blob("ssh-ed25519", &[3; 32]);
        let other = blob("ssh-ed25519", &[4; 32]);
        kh.accept("10.1.1.1", 22, &verified).unwrap();
        assert_eq!(
            kh.check("10.1.1.1", 22, &verified).unwrap(),
            HostKeyStatus::Known
        );
        assert_eq!(
            kh.check("10.1.1.1", 2222, &verified).unwrap(),
            HostKeyStatus::Unknown
        );
        assert_eq!(
            kh.check("10.1.1.1", 2222, &other).unwrap(),
            HostKeyStatus::Unknown
        );
        // Replacing the port-2222 key leaves the verified port-22 line alone.
        kh.replace("10.1.1.1", 2222, &other).unwrap();
        assert_eq!(
            kh.check("10.1.1.1", 22, &verified).unwrap(),
            HostKeyStatus::Known
        );
        assert_eq!(
            kh.check("10.1.1.1", 2222, &other).unwrap(),
            HostKeyStatus::Known
        );
    }

    #[test]
    fn the_system_file_is_read_and_only_the_student_s_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let global = dir.path().join("ssh_known_hosts");
        let user = dir.path().join("dotfiles/known_hosts");
        let a = blob("ssh-ed25519", &[1; 32]);
        let b = blob("ssh-ed25519", &[2; 32]);
        KnownHostsFile::new(&global).accept("h", 22, &a).unwrap();
        let kh = KnownHosts::new(dir.path().join("known_hosts"), Some(global.clone()));
        assert_eq!(kh.check("h", 22, &a).unwrap(), HostKeyStatus::Known);
        assert_eq!(kh.check("h", 22, &b).unwrap(), HostKeyStatus::Changed);
        assert_eq!(kh.recorded_types("h", 22), vec!["ssh-ed25519".to_owned()]);
        // The student's known_hosts is a symlink into a dotfiles repository: a replace writes
        // the link's target, and the link stays.
        fs::create_dir_all(user.parent().unwrap()).unwrap();
        fs::write(&user, "").unwrap();
        std::os::unix::fs::symlink(&user, dir.path().join("known_hosts")).unwrap();
        kh.replace("h", 22, &b).unwrap();
        assert!(
            fs::symlink_metadata(dir.path().join("known_hosts"))
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert!(
            fs::read_to_string(&user)
                .unwrap()
                .starts_with("h ssh-ed25519 ")
        );
        assert_eq!(kh.check("h", 22, &b).unwrap(), HostKeyStatus::Known);
        let before = fs::read_to_string(&global).unwrap();
        assert_eq!(
            fs::read_to_string(&global).unwrap(),
            before,
            "the system file is never written"
        );
    }
}
