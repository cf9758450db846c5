//! Talking to the server: a worker thread that owns the one ssh2 session (`worker`), the blocking
//! functions it is made of (`exec`, `run`, `passwd`, `upload`, `hostkey`), and its `protocol`.

pub mod download;
pub mod exec;
pub mod hostkey;
pub mod passwd;
pub mod protocol;
pub mod run;
pub mod sshconfig;
pub mod upload;
pub mod worker;

pub use protocol::*;
