//! Creating the droplet from droplift, through DigitalOcean's API: its JSON shapes (`api`), a
//! small blocking client (`client`), the choices and their rules (`choices`), the create as
//! blocking steps (`create`) and the wizard's worker thread (`worker`). The practice cloud that
//! answers the same API on this computer is a server, not a client: it is `practice::cloud`.

pub mod api;
pub mod choices;
pub mod client;
pub mod create;
pub mod firewall;
pub mod text;
pub mod worker;

pub use client::{ApiConfig, ApiError, Client};
