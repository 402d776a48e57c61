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

pub mod abstraction;
pub mod config;
pub mod conversation;
pub mod engine;
pub mod event;
pub mod inline;
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
    /// The step's timer changes, in order: applying them in turn to the timers armed before
    /// the step gives exactly the timers armed after it (`System::for_each_timer`). The
    /// engine applies these instead of comparing the timer lists; a timer that fired is
    /// disarmed by its firing, so the step reports only what it armed again.
    pub timers: Vec<TimerEffect>,
}

/// One timer change of a step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimerEffect {
    /// Armed, or moved to `deadline_ms` if it was armed already. A report of an armed timer
    /// at its current deadline changes nothing.
    Armed { key: TimerKey, deadline_ms: u64 },
    /// No longer armed (a report for a timer that is not armed changes nothing).
    Stopped { key: TimerKey },
}

impl Outcome {
    pub(crate) fn rule(&mut self, rule: Rule) {
        if !self.rules.contains(&rule) {
            self.rules.push(rule);
        }
    }

    pub(crate) fn armed(&mut self, key: TimerKey, deadline_ms: u64) {
        self.timers.push(TimerEffect::Armed { key, deadline_ms });
    }

    pub(crate) fn stopped(&mut self, key: TimerKey) {
        self.timers.push(TimerEffect::Stopped { key });
    }

    /// Reports `key` as armed at `deadline_ms`, or stopped when there is none.
    pub(crate) fn timer(&mut self, key: TimerKey, deadline_ms: Option<u64>) {
        match deadline_ms {
            Some(deadline_ms) => self.armed(key, deadline_ms),
            None => self.stopped(key),
        }
    }
}
