//! droplift: a terminal wizard that takes a beginner from a new cloud server to a Flask REST API
//! behind nginx → uWSGI → PostgreSQL. The binary (`main.rs`) is a thin shell around this library.
#![deny(clippy::unwrap_used)]

pub mod civil;
pub mod cloud;
pub mod course;
pub mod driver;
pub mod droplet_spec;
pub mod event;
pub mod export;
pub mod export_ci;
pub mod fsutil;
pub mod headless;
pub mod home;
pub mod keyfile;
pub mod layout;
pub mod logbuf;
pub mod login;
pub mod practice;
pub mod record;
pub mod refused;
pub mod remote;
pub mod runner;
pub mod secret;
pub mod shell;
pub mod source;
pub mod squad;
pub mod state;
pub mod theme;
pub mod ui;
pub mod wizard;
