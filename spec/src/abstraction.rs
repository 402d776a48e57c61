//! The abstraction of a composed state that the conformance kit's `system` transition
//! cover walks (`cxspec-conformance`, `generate.rs`) and that the model checker's
//! saturation report counts edges of (`cxspec-model`, `abstraction.rs`): one definition
//! here, where both crates can use it, so that the two cannot drift apart.
//!
//! A state is abstracted to its conversation state, the open tasks' task and media states
//! (a multiset), the kinds of the armed timers (a set), and how many agents are PRIMARY
//! and how many in WRAP_UP. IDs do not appear, so the abstraction is the same for states
//! that differ only by a renaming of agents or sessions (the model's symmetry).
//!
//! Left out: the coarser abstractions of the cover's component suites (`sla`, `task`,
//! `conversation`), which only the cover uses and which stay in `generate.rs`.

use crate::{ConversationState, MediaState, Role, System, TaskState, TimerKey};
use std::fmt;

/// Timer kinds as the cover names them, in the sorted order of their names.
pub const TIMER_KINDS: [&str; 6] = [
    "AGENT_SLA",
    "CUSTOMER_SLA",
    "HOLD",
    "RONA",
    "TTL",
    "WRAP_UP",
];

/// The index in [`TIMER_KINDS`] of a timer's kind.
pub fn timer_kind(key: &TimerKey) -> usize {
    match key {
        TimerKey::AgentSla => 0,
        TimerKey::CustomerSla { .. } => 1,
        TimerKey::Hold => 2,
        TimerKey::Rona { .. } => 3,
        TimerKey::RequestTtl => 4,
        TimerKey::WrapUp { .. } => 5,
    }
}

/// The `system` cover's abstraction of a state.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AbstractState {
    pub state: ConversationState,
    /// Open tasks' (task state, media state) as a multiset (sorted in enum order; the
    /// `Display` sorts them by name as the cover prints them).
    pub tasks: Vec<(TaskState, MediaState)>,
    /// Bit `i`: a timer of kind `TIMER_KINDS[i]` is armed.
    pub timers: u8,
    pub primary: u8,
    pub wrap_up: u8,
}

/// An enum value's name as the vectors spell it (`ACTIVE`, `WRAP_UP`).
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
        system.for_each_timer(|key, _| timers |= 1 << timer_kind(&key));
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
    /// `ACTIVE | tasks [ACTIVE/ACTIVE] | timers [AGENT_SLA] | primary 1 wrap-up 0`: the
    /// cover's string after its configuration prefix.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut tasks: Vec<String> = self
            .tasks
            .iter()
            .map(|(t, m)| format!("{}/{}", name(t), name(m)))
            .collect();
        tasks.sort();
        let timers: Vec<&str> = (0..TIMER_KINDS.len())
            .filter(|i| self.timers & (1 << i) != 0)
            .map(|i| TIMER_KINDS[i])
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
