//! Abstract transitions: the edges of the conformance kit's `system` transition cover,
//! reached by the model checker, to judge whether a bound is large enough.
//!
//! A state is abstracted as the cover abstracts it: [`AbstractState`] is defined once,
//! in `cxspec_spec::abstraction`, and used by the cover's `system` suite too
//! (`cxspec-conformance`, `generate.rs`, `abstract_state`). An edge is (abstract state,
//! action, abstract state); the action is the input's name, and a timer's expiry is named
//! as the cover names an advance: `ADVANCE` with the timer's kind and, for an SLA timer,
//! whether it reached a threshold or expired.
//!
//! Left out: the cover's component suites (`sla`, `task`, `conversation`), whose
//! abstractions are coarser than this one.

use crate::model::ModelState;
pub use cxspec_spec::abstraction::AbstractState;
use cxspec_spec::abstraction::{timer_kind as kind, TIMER_KINDS as KINDS};
use cxspec_spec::{Input, System, TimerKey};
use std::fmt;

/// An action as the cover names it: an input, or a timer's expiry with what it reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Label {
    Input(&'static str),
    /// `ADVANCE <kind>`, and for an SLA timer `true` if it expired, `false` if it reached
    /// a threshold.
    Advance(usize, Option<bool>),
}

impl Label {
    /// The label of `input` taken in `before`, leading to `after`.
    pub fn of(input: &Input, before: &System, after: &System) -> Label {
        let Input::TimerFired { timer } = input else {
            return Label::Input(input.name());
        };
        let expired = match timer {
            TimerKey::AgentSla => Some(after.sla.agent.as_ref().is_none_or(|t| {
                before
                    .sla
                    .agent
                    .as_ref()
                    .is_some_and(|b| t.next_level <= b.next_level)
            })),
            TimerKey::CustomerSla { session } => {
                let b = before.sla.customer_sla(*session);
                let a = after.sla.customer_sla(*session);
                Some(a.is_none_or(|t| b.is_some_and(|b| t.next_level <= b.next_level)))
            }
            _ => None,
        };
        Label::Advance(kind(timer), expired)
    }
}

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Label::Input(name) => f.write_str(name),
            Label::Advance(k, None) => write!(f, "ADVANCE {}", KINDS[*k]),
            Label::Advance(k, Some(expired)) => {
                let sla = if *k == 0 { "AGENT_SLA" } else { "CUSTOMER_SLA" };
                let what = if *expired {
                    "EXPIRED"
                } else {
                    "THRESHOLD_REACHED"
                };
                write!(f, "ADVANCE {} {sla}_{what}", KINDS[*k])
            }
        }
    }
}

/// One abstract transition.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Edge {
    pub from: AbstractState,
    pub label: Label,
    pub to: AbstractState,
}

impl Edge {
    pub fn of(before: &ModelState, input: &Input, after: &ModelState) -> Edge {
        Edge {
            from: AbstractState::of(&before.system),
            label: Label::of(input, &before.system, &after.system),
            to: AbstractState::of(&after.system),
        }
    }
}

impl fmt::Display for Edge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}  --{}-->  {}", self.from, self.label, self.to)
    }
}
