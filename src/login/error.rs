//! Why logging in failed, as plain sentences: the worker's own words where it has them, and what
//! to give or do next where droplift knows (the headless commands print these as they are).

use crate::remote::{ConnectErrorKind, HostKeyInfo};

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LoginError {
    /// The connection or login failed; `message` is the worker's sentence.
    #[error("{message}")]
    Connect {
        kind: ConnectErrorKind,
        message: String,
    },
    /// root was refused, and then the student's user with the key too.
    #[error(
        "the server refused both root and {user}: check root_password, and that your key {key} is the one installed"
    )]
    UserRefused {
        user: String,
        key: String,
        message: String,
    },
    /// An unknown or changed host key under `StrictHostKeyChecking=yes`.
    #[error(
        "{message}\nIf this is a new server, compare its fingerprint with the droplet's console, then run again with --accept-new-host-key."
    )]
    HostKeyRejected { message: String },
    /// A host key question with no one to answer it.
    #[error(
        "{} offered an unknown key {} ({}); run again with --accept-new-host-key after checking it",
        .0.host,
        .0.fingerprint,
        .0.key_type
    )]
    UnknownHostKey(HostKeyInfo),
    /// `status` found root's password expired: it must not change it.
    #[error(
        "root's password has expired, so nothing has been set up on this server yet: run `droplift apply` (or the wizard) first; status changes nothing"
    )]
    PasswordExpired,
    #[error("root's password has expired and must be changed: give new_root_password")]
    NewPasswordNeeded,
    #[error(
        "the new root password was refused by the server ({reason}); {} for new_root_password",
        crate::course::advice::new_password(reason)
    )]
    NewPasswordRefused { reason: String },
    #[error("give root_password, or user_password to work as your own user with sudo")]
    NoUserPassword,
}

impl LoginError {
    /// The kind of failure, for advice on what to check.
    pub fn kind(&self) -> ConnectErrorKind {
        match self {
            LoginError::Connect { kind, .. } => *kind,
            LoginError::UserRefused { .. } => ConnectErrorKind::AuthFailed,
            LoginError::HostKeyRejected { .. } | LoginError::UnknownHostKey(_) => {
                ConnectErrorKind::HostKeyRejected
            }
            LoginError::PasswordExpired
            | LoginError::NewPasswordNeeded
            | LoginError::NewPasswordRefused { .. }
            | LoginError::NoUserPassword => ConnectErrorKind::Other,
        }
    }

    /// What happened, in the worker's words when there are some (the wizard's error card adds
    /// its own advice beside them).
    pub fn what(&self) -> String {
        match self {
            LoginError::Connect { message, .. }
            | LoginError::UserRefused { message, .. }
            | LoginError::HostKeyRejected { message } => message.clone(),
            other => other.to_string(),
        }
    }
}
