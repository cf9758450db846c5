//! Writing a file on the server so it is never half-written: SFTP to a temporary name, fsync,
//! then mode, owner and a rename into place (through sudo when the login user may not write there).

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};

use ssh2::{OpenFlags, OpenType};

use super::exec::Connection;
use super::run::{ChannelError, RunOutcome, quote, run_captured};
use crate::secret::{Redactor, Secret};

#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    #[error("{path} is not an absolute path")]
    NotAbsolute { path: String },
    #[error("SFTP could not write {path}: {message}")]
    Sftp { path: String, message: String },
    #[error("could not put {path} in place: {message}")]
    Install { path: String, message: String },
    #[error(transparent)]
    Quote(#[from] crate::shell::QuoteError),
}

fn unique_suffix() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{}-{nanos:x}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// Upload `contents` to `path` with `mode` and `owner` (`user` or `user:group`, None: the login
/// user). The file appears at `path` whole or not at all.
pub fn upload(
    conn: &Connection,
    path: &str,
    contents: &[u8],
    mode: u32,
    owner: Option<&str>,
    sudo_password: Option<&Secret>,
    redactor: &Redactor,
) -> Result<(), UploadError> {
    let Some((dir, name)) = path.rsplit_once('/').filter(|_| path.starts_with('/')) else {
        return Err(UploadError::NotAbsolute { path: path.into() });
    };
    let dir = if dir.is_empty() { "/" } else { dir };
    let install_err = |message: String| UploadError::Install {
        path: path.into(),
        message,
    };
    if conn.sealed.is_some() {
        return receive(conn, path, contents, mode, owner, redactor);
    }
    let suffix = unique_suffix();
    let final_tmp = format!("{}/.{name}.droplift-{suffix}", dir.trim_end_matches('/'));

    // Without root, write straight only where we may and when the owner stays ourselves;
    // otherwise stage the bytes privately (600) and let sudo install them.
    let direct = conn.is_root()
        || owner.is_none() && {
            let probe = format!(
                "test -w {d} && {{ test ! -e {p} || test -w {p}; }}",
                d = quote(dir)?,
                p = quote(path)?
            );
            matches!(
                run_captured(conn, &probe, false, None, None, redactor),
                Ok((RunOutcome::Finished(0), _))
            )
        };
    let staged = if direct {
        final_tmp.clone()
    } else {
        format!("/tmp/.droplift-upload-{suffix}")
    };
    sftp_write(conn, &staged, contents).map_err(|e| UploadError::Sftp {
        path: staged.clone(),
        message: e.to_string(),
    })?;

    let mode = format!("{:o}", mode & 0o7777);
    let chown = match (owner, direct) {
        (Some(o), _) => format!("chown -- {} \"$t\" && ", quote(o)?),
        (None, true) => String::new(),
        (None, false) => format!("chown -- {} \"$t\" && ", quote(&conn.user)?),
    };
    let script = if direct {
        format!(
            "t={t}; d={d}; if chmod {mode} -- \"$t\" && {chown}mv -f -- \"$t\" \"$d\"; then exit 0; \
             else rc=$?; rm -f -- \"$t\"; exit $rc; fi",
            t = quote(&final_tmp)?,
            d = quote(path)?
        )
    } else {
        format!(
            "s={s}; t={t}; d={d}; if install -m {mode} -- \"$s\" \"$t\" && {chown}\
             {{ sync -- \"$t\" 2>/dev/null || true; }} && mv -f -- \"$t\" \"$d\"; then rm -f -- \"$s\"; \
             else rc=$?; rm -f -- \"$s\" \"$t\"; exit $rc; fi",
            s = quote(&staged)?,
            t = quote(&final_tmp)?,
            d = quote(path)?
        )
    };
    match run_captured(conn, &script, !direct, None, sudo_password, redactor) {
        Ok((RunOutcome::Finished(0), _)) => Ok(()),
        Ok((RunOutcome::Finished(code), text)) => {
            Err(install_err(format!("exit {code}: {}", text.trim())))
        }
        Ok((other, _)) => Err(install_err(format!("{other:?}"))),
        Err(e) => Err(install_err(e.to_string())),
    }
}

fn sftp_write(conn: &Connection, path: &str, contents: &[u8]) -> Result<(), ChannelError> {
    let session = conn.session();
    session.set_blocking(true);
    let sftp = session.sftp()?;
    let mut file = sftp.open_mode(
        path,
        OpenFlags::WRITE | OpenFlags::EXCLUSIVE,
        0o600,
        OpenType::File,
    )?;
    let written = file.write_all(contents);
    // fsync@openssh.com where the server has it; the rename afterwards is what makes it atomic.
    let _ = file.fsync();
    drop(file);
    if written.is_err() {
        let _ = sftp.unlink(std::path::Path::new(path));
    }
    Ok(written?)
}

const RECEIVE: &str = include_str!("receive.sh");

/// A path, mode or owner for the receive script (droplift's own values, never the student's).
struct Word<'a>(&'a str);

impl crate::shell::ShellArg for Word<'_> {
    fn shell_text(&self) -> std::borrow::Cow<'_, str> {
        std::borrow::Cow::Borrowed(self.0)
    }
}

/// The script a deploy key's upload runs as root: `receive.sh` for this path, mode and owner
/// (`droplift deploy-key` seals the same text).
pub fn receive_script(path: &str, mode: u32, owner: &str) -> crate::shell::Script {
    let mode = format!("{:o}", mode & 0o7777);
    crate::shell::Script::new(&[RECEIVE])
        .set("path", &Word(path))
        .set("mode", &Word(&mode))
        .set("owner", &Word(owner))
}

/// A deploy key's upload: no SFTP into a folder root would then read, but the bytes on the
/// sealed receive step's stdin (base64), written by root in root's folder.
fn receive(
    conn: &Connection,
    path: &str,
    contents: &[u8],
    mode: u32,
    owner: Option<&str>,
    redactor: &Redactor,
) -> Result<(), UploadError> {
    use base64::Engine;
    let install_err = |message: String| UploadError::Install {
        path: path.into(),
        message,
    };
    let script = receive_script(path, mode, owner.unwrap_or("root:root"));
    let command = super::RemoteCommand {
        script: script.text()?,
        sudo: true,
        stdin: Some(Secret::new(
            base64::engine::general_purpose::STANDARD.encode(contents) + "\n",
        )),
        timeout: std::time::Duration::from_secs(300),
        runtime: Some(script.runtime_args()),
    };
    let mut said = String::new();
    let outcome = super::run::run(
        conn,
        &command,
        None,
        redactor,
        &mut |_, line| {
            said.push_str(&line);
            said.push('\n');
        },
        &mut || super::run::Control::Continue,
    );
    match outcome {
        Ok(RunOutcome::Finished(0)) => Ok(()),
        Ok(RunOutcome::Finished(code)) => Err(install_err(format!("exit {code}: {}", said.trim()))),
        Ok(other) => Err(install_err(format!("{other:?}"))),
        Err(e) => Err(install_err(e.to_string())),
    }
}
