//! Deterministic timers for cxspec.
