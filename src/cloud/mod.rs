//! Creating the droplet from droplift, through DigitalOcean's API: its JSON shapes (`api`), a
//! small blocking client (`client`), the choices and their rules (`choices`), the create as
//! blocking steps (`create`), the wizard's worker thread (`worker`), and a practice cloud that
//! answers the same API on this computer with real practice droplets (`practice`).

pub mod api;
pub mod choices;
pub mod client;
pub mod create;
pub mod practice;
pub mod text;
pub mod worker;

pub use client::{ApiConfig, ApiError, Client};
