//! The stages, one folder each: its teaching text, questions, answers, plans and server scripts.
//! `course::STAGES` puts them in course order.

pub mod app;
pub mod connect;
pub mod domain;
pub mod firewall;
pub mod nginx;
pub mod postgres;
pub mod service;
pub mod ssh;
pub mod update;
pub mod user;
