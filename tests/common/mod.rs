//! Helpers shared by the integration tests (each test binary includes this with `mod common;`).
//! droplet.rs boots practice droplets for the end-to-end tests.

pub mod droplet;
