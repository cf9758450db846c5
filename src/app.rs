//! The wizard's state and its pure `update`: events in, effects out, no I/O.
