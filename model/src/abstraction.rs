//! Abstract transitions: the edges of the conformance kit's `system` transition cover,
//! reached by the model checker, to judge whether a bound is large enough.
//!
//! A state is abstracted as the cover abstracts it (`cxspec-conformance`,
//! `generate.rs`, `abstract_state` of the `system` suite): the conversation state, the
//! open tasks' task and media states (as a multiset), the kinds of the armed timers (a
//! set), and how many agents are PRIMARY and how many in WRAP_UP. An edge is (abstract
//! state, action, abstract state); the action is the input's name, and a timer's expiry
//! is named as the cover names an advance: `ADVANCE` with the timer's kind and, for an
//! SLA timer, whether it reached a threshold or expired. The `Display` of an abstract
//! state is the cover's string without its configuration prefix; a test of the workspace
//! (`tests/abstraction.rs`) checks the two agree on every state of a configuration.
//!
//! Why here and not shared code: `cxspec-conformance` depends on this crate, and its
//! generator's output must not change; the test keeps the two definitions equal.
//!
//! Left out: the cover's component suites (`sla`, `task`, `conversation`), whose
//! abstractions are coarser than this one.

use crate::model::ModelState;
use cxspec_spec::{ConversationState, Input, MediaState, Role, System, TaskState, TimerKey};
use std::fmt;

/// Timer kinds in the cover's sorted order of their names.
const KINDS: [&str; 6] = [
    "AGENT_SLA",
    "CUSTOMER_SLA",
    "HOLD",
    "RONA",
    "TTL",
    "WRAP_UP",
];

fn kind(key: &TimerKey) -> usize {
    match key {
        TimerKey::AgentSla => 0,
        TimerKey::CustomerSla { .. } => 1,
        TimerKey::Hold => 2,
        TimerKey::Rona { .. } => 3,
        TimerKey::RequestTtl => 4,
        TimerKey::WrapUp { .. } => 5,
    }
}

/// The cover's abstraction of a state (its `system` suite).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AbstractState {
    pub state: ConversationState,
    /// Open tasks' (task state, media state) as a multiset (sorted in enum order; the
    /// `Display` sorts them by name as the cover does).
    pub tasks: Vec<(TaskState, MediaState)>,
    /// Bit `i`: a timer of kind `KINDS[i]` is armed.
    pub timers: u8,
    pub primary: u8,
    pub wrap_up: u8,
}

fn name<T: serde::Serialize>(value: &T) -> String {
    serde_yaml::to_string(value)
        .expect("spec enums serialize")
        .trim_end()
        .to_string()
}

impl AbstractState {
    pub fn of(system: &System) -> AbstractState {
        let conv = &system.conversation;
        let mut tasks: Vec<(TaskState, MediaState)> = system
            .tasks
            .tasks
            .iter()
            .filter(|t| t.is_open())
            .map(|t| (t.state, t.media_state()))
            .collect();
        tasks.sort_unstable();
        let mut timers = 0u8;
        system.for_each_timer(|key, _| timers |= 1 << kind(&key));
        let count = |role: Role| conv.agents.iter().filter(|p| p.role == role).count() as u8;
        AbstractState {
            state: conv.state,
            tasks,
            timers,
            primary: count(Role::Primary),
            wrap_up: count(Role::WrapUp),
        }
    }
}

impl fmt::Display for AbstractState {
    /// `Active | tasks [ACTIVE/ACTIVE] | timers [AGENT_SLA] | primary 1 wrap-up 0`, the
    /// cover's string after its configuration prefix.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut tasks: Vec<String> = self
            .tasks
            .iter()
            .map(|(t, m)| format!("{}/{}", name(t), name(m)))
            .collect();
        tasks.sort();
        let timers: Vec<&str> = (0..KINDS.len())
            .filter(|i| self.timers & (1 << i) != 0)
            .map(|i| KINDS[i])
            .collect();
        write!(
            f,
            "{} | tasks [{}] | timers [{}] | primary {} wrap-up {}",
            name(&self.state),
            tasks.join(" "),
            timers.join(" "),
            self.primary,
            self.wrap_up
        )
    }
}

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
