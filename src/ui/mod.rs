//! Drawing: one file per screen plus shared widgets. Drawing reads `App` and never changes it.

pub mod theme;
