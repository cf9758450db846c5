//! Talking to the server: a worker thread that owns the one ssh2 session (`worker`), the blocking
//! functions it is made of (`exec`, `hostkey`), and the messages it speaks (`protocol`).

pub mod protocol;

pub use protocol::*;
