//! cxspec-conformance: the conformance kit of the cxspec rules.
//!
//! * [`vector`]: the YAML vector format (`conformance/FORMAT.md`), read and written;
//! * [`suite`]: which component publishes which event, owns which timer and input;
//! * [`reference`]: the spec's [`cxspec_spec::System`] driven the way a vector drives an
//!   implementation: inputs at times, and clock advances that fire due timers;
//! * [`generate`]: vectors derived from the seed scenarios, a transition cover of a small
//!   configuration, negative cases and witnesses of reachability;
//! * [`protocol`], [`adapter`]: the newline-delimited JSON adapter protocol
//!   (`conformance/PROTOCOL.md`), its client and the reference served over it;
//! * [`framing`], [`process`]: replies bounded and matched to their requests, and adapter
//!   processes ended as a whole process group, whatever happens;
//! * [`runner`], [`diff`], [`report`]: running vectors, comparing replies field by field,
//!   and reporting verdicts;
//! * [`coverage`]: rule IDs against vectors and written exemptions;
//! * [`derive`]: a vector as it reads under other rules (declared readings);
//! * [`mutation`]: the mutation run that shows the vectors catch broken rules;
//! * [`output`]: atomic file output, for every file the command line writes;
//! * [`vendor`]: the vendor profile (`expertflow-cim`): cxspec's JSON mapped to the vendor's
//!   object model and back (`conformance/VENDOR.md`).
//!
//! Left out: the spec's engine with real deadlines (`spec/src/engine.rs`) does not serve
//! vectors; the reference fires the armed timers in (deadline, key) order (FORMAT.md,
//! "Time"), and `tests/conformance_engine.rs` holds the engine to the same events.

pub mod adapter;
pub mod coverage;
pub mod derive;
pub mod diff;
pub mod framing;
pub mod generate;
pub mod mutation;
pub mod output;
pub mod process;
pub mod protocol;
pub mod reference;
pub mod replay;
pub mod report;
pub mod runner;
pub mod suite;
pub mod vector;
pub mod vendor;
pub mod workload;
pub mod yaml;
