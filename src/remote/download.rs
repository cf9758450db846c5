//! Copying a root-only file from the server to this computer (issue 29's `backup pull`): a
//! script run through sudo hands the file over (a copy only the login user may read, in a new
//! folder of root's that others may only pass through) and names it on its last line
//! (`droplift-fetch: PATH`); SFTP reads that copy into a file of mode 600 here, written whole or
//! not at all; the copy's folder is removed again.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use super::exec::Connection;
use super::protocol::RemoteCommand;
use super::run::{ChannelError, RunOutcome, quote, run_captured};
use crate::secret::{Redactor, Secret};

/// Where a hand-over script puts its copies: `mktemp -d /tmp/droplift-pull.XXXXXXXX`.
pub const HAND_OVER: &str = "/tmp/droplift-pull.";
/// The last line a hand-over script prints.
pub const FETCH: &str = "droplift-fetch: ";

#[derive(Debug, thiserror::Error)]
pub enum DownloadError {
    #[error("the server could not hand the file over: {0}")]
    HandOver(String),
    #[error("the server named no file to fetch (its last line was {0:?})")]
    NoFile(String),
    #[error("SFTP could not read {path}: {message}")]
    Sftp { path: String, message: String },
    #[error("could not write {path} on this computer: {message}")]
    Local { path: String, message: String },
    #[error(transparent)]
    Quote(#[from] crate::shell::QuoteError),
}

/// Runs `command` (the hand-over), fetches the file it names into `dest_dir` (made 700 if
/// missing) under the same name, mode 600, and removes the server's copy. Returns the local path
/// and its size.
pub fn download(
    conn: &Connection,
    command: &RemoteCommand,
    dest_dir: &Path,
    sudo_password: Option<&Secret>,
    redactor: &Redactor,
) -> Result<(PathBuf, u64), DownloadError> {
    let (outcome, text) = run_captured(
        conn,
        &command.script,
        command.sudo,
        command.stdin.clone(),
        sudo_password,
        redactor,
    )
    .map_err(|e| DownloadError::HandOver(e.to_string()))?;
    if !matches!(outcome, RunOutcome::Finished(0)) {
        return Err(DownloadError::HandOver(
            text.lines().last().unwrap_or("no output").to_owned(),
        ));
    }
    let last = text.lines().last().unwrap_or_default();
    let remote = last
        .strip_prefix(FETCH)
        .filter(|p| p.starts_with(HAND_OVER) && !p.contains("/../") && p.matches('/').count() == 3)
        .ok_or_else(|| DownloadError::NoFile(last.to_owned()))?
        .to_owned();
    let fetched = fetch(conn, &remote, dest_dir);
    // The copy goes whatever happened to the read: only its own folder, under /tmp.
    let folder = remote.rsplit_once('/').map_or("", |(dir, _)| dir);
    let _ = run_captured(
        conn,
        &format!("rm -rf -- {}", quote(folder)?),
        command.sudo,
        None,
        sudo_password,
        redactor,
    );
    fetched
}

fn fetch(
    conn: &Connection,
    remote: &str,
    dest_dir: &Path,
) -> Result<(PathBuf, u64), DownloadError> {
    let name = remote.rsplit('/').next().unwrap_or("download");
    let dest = dest_dir.join(name);
    let local_err = |message: String| DownloadError::Local {
        path: dest.display().to_string(),
        message,
    };
    let mut bytes = Vec::new();
    read_sftp(conn, remote, &mut bytes).map_err(|e| DownloadError::Sftp {
        path: remote.to_owned(),
        message: e.to_string(),
    })?;
    let written = (|| -> std::io::Result<()> {
        use std::os::unix::fs::PermissionsExt;
        crate::fsutil::create_private_dir(dest_dir)?;
        let (tmp, mut file) = crate::fsutil::create_temp(&dest, 0o600)?;
        let done = file
            .write_all(&bytes)
            .and_then(|()| file.sync_all())
            .and_then(|()| std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o600)))
            .and_then(|()| std::fs::rename(&tmp, &dest));
        if done.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        done
    })();
    written.map_err(|e| local_err(e.to_string()))?;
    Ok((dest, bytes.len() as u64))
}

fn read_sftp(conn: &Connection, path: &str, into: &mut Vec<u8>) -> Result<(), ChannelError> {
    let session = conn.session();
    session.set_blocking(true);
    let read = (|| -> Result<(), ChannelError> {
        let sftp = session.sftp()?;
        let mut file = sftp.open(Path::new(path))?;
        file.read_to_end(into)?;
        Ok(())
    })();
    session.set_blocking(false);
    read
}
