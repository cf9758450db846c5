//! What can go wrong with a practice droplet, worded so a beginner knows what to do next.
//! Every variant names the thing that failed and, where there is one, the command that fixes it.

use std::io;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum PracticeError {
    #[error("practice droplets only work on Linux (they are systemd-nspawn containers)")]
    NotLinux,
    #[error(
        "practice droplets need root: run it again with sudo, e.g. `sudo droplift practice up`"
    )]
    NotRoot,
    #[error(
        "this computer is missing {}; install with: sudo apt-get install {}",
        tools.join(", "),
        packages.join(" ")
    )]
    MissingTools {
        tools: Vec<String>,
        packages: Vec<String>,
    },
    #[error(
        "`{0}` is not a usable droplet name: use 1 to 11 lowercase letters, digits and `-`, \
         starting with a letter and not ending with `-` (it becomes part of a network interface \
         name)"
    )]
    BadName(String),
    #[error(
        "a practice droplet named `{0}` already exists: see `droplift practice list`, or remove \
         it with `droplift practice down {0}`"
    )]
    Exists(String),
    #[error("there is no practice droplet named `{0}` (see `droplift practice list`)")]
    NotFound(String),
    #[error(
        "no free address range: every 10.213.N.0/24 is used by a droplet or overlaps a network \
         of this computer; remove old droplets with `droplift practice down --all`"
    )]
    NoSubnet,
    #[error("{what} failed: {detail}")]
    Command { what: String, detail: String },
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: io::Error,
    },
    #[error(
        "gave up after {secs} s waiting for {what}; the container's own log is in {}",
        log.display()
    )]
    Timeout {
        what: String,
        secs: u64,
        log: PathBuf,
    },
    #[error("the container stopped while booting; its last words ({}):\n{tail}", log.display())]
    DiedDuringBoot { log: PathBuf, tail: String },
    #[error(
        "the state of droplet `{name}` ({}) is unreadable: {detail}; \
         `droplift practice down {name}` removes it anyway",
        path.display()
    )]
    BadState {
        name: String,
        path: PathBuf,
        detail: String,
    },
    #[error("refusing to delete {}: {why}", path.display())]
    UnsafeRemove { path: PathBuf, why: String },
}

pub type Result<T, E = PracticeError> = std::result::Result<T, E>;

/// Shorthand for wrapping an `io::Error` with what we were doing.
pub(crate) fn io_err(what: impl Into<String>) -> impl FnOnce(io::Error) -> PracticeError {
    let what = what.into();
    move |source| PracticeError::Io { what, source }
}
