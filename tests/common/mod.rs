//! Shared helpers for the integration tests.

pub mod events;
pub mod sshd;
