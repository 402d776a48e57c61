//! cxspec-model: exhaustive model checking of the composed task, conversation and SLA
//! rules of `cxspec-spec` with stateright.
//!
//! * [`model`]: the stateright `Model` over [`cxspec_spec::System`], whose actions are
//!   the external stimuli and whose step is the spec's own `System::step`;
//! * [`bounds`]: sizes and channel settings of a run, and the `ci` / `default` / `deep`
//!   presets;
//! * [`properties`]: the invariants as `always` with `sometimes` twins, the mission
//!   invariants over the published events, TASK-22 step properties, progress as
//!   bounded-response safety, and reachability;
//! * [`symmetry`]: the canonical representative under agent and session renaming;
//! * [`mutants`]: planted one-rule mutants of the spec, which show each property can fail;
//! * [`run`]: running presets and collecting verdicts and shortest counterexamples;
//! * [`dfs`]: the exhaustive depth-first search of `cxspec check` (stateright's, cheaper);
//! * [`bfs`]: the lean breadth-first search for shortest counterexamples;
//! * [`abstraction`]: the conformance cover's abstract transitions, to judge bounds;
//! * [`diagram`]: state diagrams of each machine, projected from the same search;
//! * [`simulate`]: seeded random walks with the same properties, and reduction of what
//!   they find;
//! * [`explorer`]: what stateright's web Explorer shows: readable states, steps, paths;
//! * [`sequence`]: scenarios and counterexamples as sequence diagrams (Mermaid, SVG);
//! * [`trace`]: counterexamples as readable text and as replayable scenarios.
//!
//! Left out: several conversations at once and real time (each step runs at 0 ms; any
//! armed timer may fire at any moment). `model/README.md` says how to run it and what
//! the numbers are; `model/FINDINGS.md` lists the counterexamples for the rule sets
//! that read the sources literally.

pub mod abstraction;
pub mod bfs;
pub mod bounds;
pub mod dfs;
pub mod diagram;
pub mod explorer;
pub mod model;
pub mod mutants;
pub mod properties;
pub mod run;
pub mod sequence;
pub mod simulate;
pub mod symmetry;
pub mod trace;

pub use bounds::{Alphabet, Bounds, Preset};
pub use model::{CxModel, ModelState};
pub use run::{check_all, check_one, Report, RunOptions, SubReport, Verdict};
/// The checker this crate builds on, for callers that drive a [`CxModel`] themselves.
pub use stateright;
