//! cxspec-spec: the task, conversation and SLA rules of a contact-center platform
//! (Expertflow CX, as described in `../shared/sources/`) as pure step functions.
//!
//! * [`task`], [`conversation`], [`sla`]: one machine each, with its own state;
//! * [`system`]: their composition, whose [`System::step`] is the step function that the
//!   model checker, the vector generator, the engine and the tests all call;
//! * [`invariants`]: named predicates over a [`System`];
//! * [`engine`]: many conversations at once, with real deadlines on a timer queue;
//! * [`rules`]: rule IDs (see `spec/RULES.md`) and the three rule sets;
//! * [`readings`]: the open points of the sources as named choices on top of a rule set;
//! * [`scenarios`]: the worked cases of the sources as data;
//! * [`limits`]: the limits every YAML input file is checked against before parsing.
//!
//! Left out: everything the rules do not read (message content, customer identity,
//! agent selection and capacity); the RULES.md section "Scope" lists it.

pub mod config;
pub mod conversation;
pub mod engine;
pub mod event;
pub mod invariants;
pub mod limits;
pub mod monitors;
pub mod readings;
pub mod rules;
pub mod scenarios;
pub mod sla;
pub mod system;
pub mod task;
pub mod types;

pub use config::Config;
pub use event::{Input, Published, Reject, TaskView, TimerKey};
pub use readings::{Reading, Readings, Rules};
pub use rules::{Deviation, Rule, RuleSet};
pub use system::System;
pub use types::*;

/// What one step published, in order, and which rules it applied.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    pub published: Vec<Published>,
    /// Each rule once, in the order first applied.
    pub rules: Vec<Rule>,
}

impl Outcome {
    pub(crate) fn rule(&mut self, rule: Rule) {
        if !self.rules.contains(&rule) {
            self.rules.push(rule);
        }
    }
}
