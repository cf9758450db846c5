//! The student's SSH key as files and lines: where a private key's public half lives, and the
//! MD5 fingerprint DigitalOcean names a key by. A leaf that the course, the driver, the cloud
//! client and the practice cloud all use, so none of them has to reach into another.

use std::path::{Path, PathBuf};

use base64::Engine;
use md5::{Digest, Md5};

/// The public half of a private key path.
pub fn public_key(private: &Path) -> PathBuf {
    let mut name = private.as_os_str().to_owned();
    name.push(".pub");
    PathBuf::from(name)
}

/// Why a line has no fingerprint.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FingerprintError {
    #[error("not an OpenSSH public key line")]
    NotAKeyLine,
    #[error("the key's base64 does not decode: {0}")]
    Base64(base64::DecodeError),
}

/// The MD5 fingerprint of an OpenSSH public key line, as the API shows it (`3b:16:bf:…`).
pub fn md5_fingerprint(line: &str) -> Result<String, FingerprintError> {
    let blob = line
        .split_whitespace()
        .nth(1)
        .ok_or(FingerprintError::NotAKeyLine)?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(blob)
        .map_err(FingerprintError::Base64)?;
    let digest = Md5::digest(&bytes);
    Ok(digest
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":"))
}
