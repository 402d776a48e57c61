//! Suites follow the platform's components: the Conversation Monitor (`sla`), the Routing
//! Engine (`task`), the Conversation Manager (`conversation`), and all three together
//! (`system`). This module says which component publishes each event, owns each timer and
//! reacts to each input, so that a vector can be projected onto one component.
//!
//! Source: the publisher / consumer columns of `Messages,-Events,-and-Activities_2528021.md`
//! ("Conversation Monitor", "Routing Engine", "Conversation Manager"), reduced to the
//! events the spec models.

use cxspec_spec::{Input, Published, TimerKey};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Suite {
    /// Conversation Monitor: CIM events in, SLA events out.
    Sla,
    /// Routing Engine: routing requests in, task events out.
    Task,
    /// Conversation Manager: customer, agent and bot stimuli in, topic events out.
    Conversation,
    /// End to end: inputs in, every published event out.
    System,
}

impl Suite {
    pub const ALL: [Suite; 4] = [Suite::Sla, Suite::Task, Suite::Conversation, Suite::System];
    pub const COMPONENTS: [Suite; 3] = [Suite::Sla, Suite::Task, Suite::Conversation];

    pub fn name(self) -> &'static str {
        match self {
            Suite::Sla => "sla",
            Suite::Task => "task",
            Suite::Conversation => "conversation",
            Suite::System => "system",
        }
    }

    /// The prefix of the rule IDs the component implements (`None`: all of them).
    pub fn rule_prefix(self) -> Option<&'static str> {
        match self {
            Suite::Sla => Some("SLA-"),
            Suite::Task => Some("TASK-"),
            Suite::Conversation => Some("CONV-"),
            Suite::System => None,
        }
    }

    /// Whether an event is one this suite's implementation publishes (and is checked on).
    pub fn publishes(self, event: &Published) -> bool {
        match self {
            Suite::System => true,
            component => publisher(event) == component,
        }
    }

    /// Whether this suite's implementation keeps the timer, and so fires it on an advance.
    pub fn owns_timer(self, timer: &TimerKey) -> bool {
        match self {
            Suite::System => true,
            component => timer_owner(timer) == component,
        }
    }

    /// Whether this suite's implementation acts on the input itself (rather than only on
    /// the events the other components publish because of it). Rejections are checked
    /// only for inputs the suite owns.
    pub fn owns_input(self, input: &Input) -> bool {
        match self {
            Suite::System => true,
            component => input_owner(input) == component,
        }
    }
}

impl fmt::Display for Suite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Suite {
    type Err = String;
    fn from_str(s: &str) -> Result<Suite, String> {
        Suite::ALL
            .into_iter()
            .find(|x| x.name() == s)
            .ok_or_else(|| {
                format!("unknown suite `{s}` (expected sla, task, conversation or system)")
            })
    }
}

/// The component that publishes an event.
pub fn publisher(event: &Published) -> Suite {
    match event {
        Published::ChannelSessionStarted { .. }
        | Published::ChannelSessionEnded { .. }
        | Published::CustomerMessage { .. }
        | Published::BotMessage { .. }
        | Published::AgentMessage { .. }
        | Published::TopicStateChanged { .. }
        | Published::AgentSubscribed { .. }
        | Published::AgentUnsubscribed { .. }
        | Published::ParticipantRoleChanged { .. }
        | Published::ConversationPaused
        | Published::ConversationResumed => Suite::Conversation,
        Published::AgentReserved { .. }
        | Published::TaskStateChanged { .. }
        | Published::TaskEnqueued { .. }
        | Published::NoAgentAvailable { .. } => Suite::Task,
        Published::AgentSlaStarted { .. }
        | Published::ResetAgentSla { .. }
        | Published::AgentSlaStopped
        | Published::AgentSlaThresholdReached { .. }
        | Published::AgentSlaExpired
        | Published::CustomerSlaStarted { .. }
        | Published::CustomerSlaStopped { .. }
        | Published::CustomerSlaThresholdReached { .. }
        | Published::CustomerSlaExpired { .. } => Suite::Sla,
    }
}

/// The component that keeps a timer.
pub fn timer_owner(timer: &TimerKey) -> Suite {
    match timer {
        TimerKey::AgentSla | TimerKey::CustomerSla { .. } => Suite::Sla,
        TimerKey::RequestTtl | TimerKey::Rona { .. } | TimerKey::WrapUp { .. } => Suite::Task,
        TimerKey::Hold => Suite::Conversation,
    }
}

/// The component an input is addressed to. Transfers and logout also make the
/// Conversation Manager unsubscribe the agent, but they are routing requests first.
pub fn input_owner(input: &Input) -> Suite {
    match input {
        Input::SessionStarted { .. }
        | Input::SessionEnded { .. }
        | Input::CustomerMessage { .. }
        | Input::BotMessage { .. }
        | Input::AgentMessage { .. }
        | Input::LeaveConversation { .. }
        | Input::HoldConversation { .. }
        | Input::ResumeConversation { .. }
        | Input::HousekeepingDone => Suite::Conversation,
        Input::RequestAgent { .. }
        | Input::ReserveAgent { .. }
        | Input::AcceptTask { .. }
        | Input::PullConversation { .. }
        | Input::QueueTransfer { .. }
        | Input::NamedTransfer { .. }
        | Input::QueueConference { .. }
        | Input::WrapUpApplied { .. }
        | Input::LeaveWithoutWrapUp { .. }
        | Input::AgentLogout { .. }
        | Input::QueueFlush => Suite::Task,
        Input::TimerFired { timer } => timer_owner(timer),
    }
}
