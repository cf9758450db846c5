//! Helpers shared by the integration tests (each test binary includes this with `mod common;`):
//! a real sshd on loopback (sshd.rs), worker event helpers (events.rs), and practice droplets for
//! the end-to-end tests (droplet.rs), the wizard driven without a terminal (wizard.rs).
#![allow(dead_code)]

pub mod apps;
pub mod audit;
pub mod cli;
pub mod course;
pub mod droplet;
pub mod events;
pub mod files;
pub mod load;
pub mod prefetch;
pub mod session;
pub mod sshd;
pub mod tmux;
pub mod wizard;
