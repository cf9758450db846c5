//! The log panel's memory: a bounded ring buffer of output lines. When old lines are dropped a
//! marker says how many; the complete log goes to a file (see `event`), never only to memory.

pub const DEFAULT_CAPACITY: usize = 100_000;
