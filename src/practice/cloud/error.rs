//! What can stop the practice cloud from serving, and a `--fault` it cannot read, each worded as
//! `droplift practice cloud` prints it (the command line turns them into exit status 2).

use std::net::SocketAddr;

use crate::practice::PracticeError;

/// Why the practice cloud did not start.
#[derive(Debug, thiserror::Error)]
pub enum PracticeCloudError {
    #[error(
        "--listen {0}: the practice cloud listens on 127.0.0.1 only (its tokens travel in \
         plain HTTP)"
    )]
    NotLoopback(SocketAddr),
    /// This computer cannot boot practice droplets (not Linux, not root, tools missing).
    #[error(transparent)]
    Host(#[from] PracticeError),
    #[error("cannot listen on {address}: {cause}")]
    Listen {
        address: SocketAddr,
        cause: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("the practice cloud is not listening on an IP address")]
    NotOnIp,
    /// The tokens are random: no randomness, no tokens.
    #[error("cannot read /dev/urandom: {0}")]
    Random(std::io::Error),
}

/// A `--fault NAME[=N]` that is not one of the faults, or whose number is not a number.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FaultError {
    #[error("--fault {name}=N takes a number, not {value:?}")]
    NotANumber { name: String, value: String },
    #[error(
        "unknown fault {0:?}; the faults are sold-out, rate-limit[=N], drop-create[=SECS], \
         never-active, list-lag[=SECS], server-errors[=N]"
    )]
    Unknown(String),
}
