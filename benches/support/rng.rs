//! Deterministic randomness for the benchmarks, shared by `timer_core`, `memory_latency` and
//! (through the workload it drives) `timer_path`: SplitMix64 with a fixed seed, so every
//! implementation and every run sees the same sequence. It lives in the conformance crate's
//! workload module, which `cxspec simulate-log` also draws from.

#[allow(unused_imports)] // each bench uses part of it
pub use cxspec_conformance::workload::{mix, SplitMix};
