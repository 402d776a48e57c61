//! Vocabulary shared by the three machines: identifiers, the task attributes of
//! `2550490.md` ("Agent Task / Routing Task"), the reason codes of
//! `Agent-Task-Disposition_2529040.md`, participant roles and the conversation
//! states of `Conversation_93192236.md`.
//!
//! Left out: OUTBOUND tasks are named (the direction table lists them) but no
//! rule creates one, because the sources describe no outbound flow.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $prefix:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub u32);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!($prefix, "{}"), self.0)
            }
        }
    };
}

id_type!(
    /// A customer channel session inside one conversation.
    SessionId,
    "session "
);
id_type!(
    /// An agent known to the routing engine.
    AgentId,
    "agent "
);
id_type!(
    /// A task of the routing engine; numbered per conversation in creation order.
    TaskId,
    "task "
);

/// Voice sessions follow their own SLA rules (`949321729.md`, CHANNEL_SESSION_STARTED row).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ChannelKind {
    Voice,
    NonVoice,
}

/// Channel routing mode (`Channel-Related-Objects_276594689.md`: "Routing Mode").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RoutingMode {
    Push,
    Pull,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TaskState {
    Active,
    WrapUp,
    Closed,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MediaState {
    Queued,
    Reserved,
    Active,
    Closed,
}

impl MediaState {
    /// The media-state transitions the task rules allow (TASK-22). RONA does not move a
    /// RESERVED media back to QUEUED: `2550490.md` deletes the task and creates a new one.
    pub fn may_become(self, next: MediaState) -> bool {
        use MediaState::*;
        matches!(
            (self, next),
            (Queued, Reserved)
                | (Queued, Closed)
                | (Reserved, Active)
                | (Reserved, Closed)
                | (Active, Closed)
        ) || self == next
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Direction {
    Inbound,
    Outbound,
    DirectTransfer,
    DirectConference,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TaskMode {
    Queue,
    Agent,
}

/// Task close reason codes (`Agent-Task-Disposition_2529040.md`). The reason-code table
/// spells one of them "CANCELED"; we use the disposition page's "CANCELLED" (TASK-19).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ReasonCode {
    Rona,
    Done,
    AgentLogout,
    Cancelled,
    Transferred,
    NoAgentAvailable,
    ForceClosed,
}

impl ReasonCode {
    pub const ALL: [ReasonCode; 7] = [
        ReasonCode::Rona,
        ReasonCode::Done,
        ReasonCode::AgentLogout,
        ReasonCode::Cancelled,
        ReasonCode::Transferred,
        ReasonCode::NoAgentAvailable,
        ReasonCode::ForceClosed,
    ];
}

/// An agent participant's role. Conference joiners are PRIMARY too: `Agent-Response-Time_142540854.md`
/// speaks of "any one of the primary agents", so several PRIMARY agents coexist (CONV-08).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Role {
    Primary,
    WrapUp,
}

/// Why an agent left the conversation topic (payload `reason` of AGENT_UNSUBSCRIBED).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum UnsubscribeReason {
    /// Left, with wrap-up finished or disabled.
    Left,
    DirectTransfer,
    Logout,
    /// Removed by the agent SLA's 100% action REMOVE_ALL_AGENTS.
    SlaExpired,
}

/// The eight conversation states of seed 004 / `Conversation_93192236.md`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ConversationState {
    Created,
    Active,
    OnHold,
    CustomerLeft,
    WrapUp,
    Inactive,
    Closing,
    Closed,
}

impl ConversationState {
    pub const ALL: [ConversationState; 8] = [
        ConversationState::Created,
        ConversationState::Active,
        ConversationState::OnHold,
        ConversationState::CustomerLeft,
        ConversationState::WrapUp,
        ConversationState::Inactive,
        ConversationState::Closing,
        ConversationState::Closed,
    ];
}

/// Who sent the last message of the conversation; used to tell whose turn it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Sender {
    Customer,
    Agent,
    Bot,
}
