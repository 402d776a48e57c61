//! The events of the system: the stimuli that enter it ([`Input`]), the events it
//! publishes under the vendor's names ([`Published`]), the timers it keeps
//! ([`TimerKey`]) and the named rejections of invalid stimuli ([`Reject`]).
//!
//! Published names follow `Messages,-Events,-and-Activities_2528021.md` and
//! `949321729.md`. Where the vendor names no event (threshold crossings) we name it and
//! RULES.md says so. Left out: payload fields the rules never read (channel data,
//! message bodies, customer identity).

use crate::types::*;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A timer the system keeps. Its expiry enters the system as [`Input::TimerFired`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "timer", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TimerKey {
    /// The conversation's agent SLA (next threshold or expiry).
    AgentSla,
    /// The customer SLA of one channel session.
    CustomerSla { session: SessionId },
    /// The open routing request's time to live.
    RequestTtl,
    /// Ringing on a reserved agent.
    Rona { task: TaskId },
    /// A task in WRAP_UP.
    WrapUp { task: TaskId },
    /// The pause chosen by the agent; the conversation resumes when it runs out.
    Hold,
}

impl fmt::Display for TimerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TimerKey::AgentSla => write!(f, "agent SLA"),
            TimerKey::CustomerSla { session } => write!(f, "customer SLA of {session}"),
            TimerKey::RequestTtl => write!(f, "request TTL"),
            TimerKey::Rona { task } => write!(f, "RONA of {task}"),
            TimerKey::WrapUp { task } => write!(f, "wrap-up of {task}"),
            TimerKey::Hold => write!(f, "hold"),
        }
    }
}

fn is_false(value: &bool) -> bool {
    !*value
}

/// An external stimulus: something a customer, agent, bot, admin or timer does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(
    tag = "event",
    rename_all = "SCREAMING_SNAKE_CASE",
    deny_unknown_fields
)]
pub enum Input {
    /// The customer appears on a channel (Channel Manager).
    SessionStarted {
        session: SessionId,
        channel: ChannelKind,
        /// The routing mode of the session's channel, where it differs from the configured
        /// one (`Channel-Related-Objects_276594689.md`: each Channel has a "Routing Mode").
        #[serde(default, skip_serializing_if = "Option::is_none")]
        routing_mode: Option<RoutingMode>,
    },
    /// The customer leaves a channel, or the controller removes the session.
    SessionEnded {
        session: SessionId,
    },
    CustomerMessage {
        session: SessionId,
    },
    BotMessage {
        session: SessionId,
    },
    /// A message from an agent; from a WRAP_UP agent it is the wrap-up note.
    AgentMessage {
        agent: AgentId,
        /// A wrap-up sent as an agent message (`153747909.md`), also during the conversation
        /// (`Apply-Wrap-up-and-Add-Notes_2528747.md`: "during or after the conversation").
        #[serde(default, skip_serializing_if = "is_false")]
        wrap_up: bool,
    },
    /// FIND_AGENT: the customer (through the bot or controller) asks for an agent.
    RequestAgent {
        session: SessionId,
        /// FIND_AGENT's `direction` (`2550490.md`: "Can be INBOUND or OUTBOUND"); INBOUND
        /// when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        direction: Option<Direction>,
    },
    /// The routing engine reserves an agent for the QUEUED task.
    ReserveAgent {
        agent: AgentId,
    },
    /// The reserved agent accepts.
    AcceptTask {
        agent: AgentId,
    },
    /// PULL mode: the agent takes the parked conversation from the list.
    PullConversation {
        agent: AgentId,
    },
    QueueTransfer {
        agent: AgentId,
    },
    NamedTransfer {
        agent: AgentId,
        to: AgentId,
    },
    QueueConference {
        agent: AgentId,
    },
    /// The agent clicks leave-conversation.
    LeaveConversation {
        agent: AgentId,
    },
    /// In WRAP_UP: add-wrap-up.
    WrapUpApplied {
        agent: AgentId,
    },
    /// In WRAP_UP: leave-without-wrap-up.
    LeaveWithoutWrapUp {
        agent: AgentId,
    },
    HoldConversation {
        agent: AgentId,
        /// The hold time the agent picked for this hold (`140869657.md`: chosen from a list);
        /// the configured `hold_ms` when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        hold_ms: Option<u64>,
    },
    ResumeConversation {
        agent: AgentId,
    },
    AgentLogout {
        agent: AgentId,
    },
    /// The Queue Flush API.
    QueueFlush,
    /// The topic monitor has finished house-keeping and the controller unsubscribed.
    HousekeepingDone,
    TimerFired {
        timer: TimerKey,
    },
}

impl Input {
    /// The event name as written in vectors and scenario files.
    pub fn name(&self) -> &'static str {
        match self {
            Input::SessionStarted { .. } => "SESSION_STARTED",
            Input::SessionEnded { .. } => "SESSION_ENDED",
            Input::CustomerMessage { .. } => "CUSTOMER_MESSAGE",
            Input::BotMessage { .. } => "BOT_MESSAGE",
            Input::AgentMessage { .. } => "AGENT_MESSAGE",
            Input::RequestAgent { .. } => "REQUEST_AGENT",
            Input::ReserveAgent { .. } => "RESERVE_AGENT",
            Input::AcceptTask { .. } => "ACCEPT_TASK",
            Input::PullConversation { .. } => "PULL_CONVERSATION",
            Input::QueueTransfer { .. } => "QUEUE_TRANSFER",
            Input::NamedTransfer { .. } => "NAMED_TRANSFER",
            Input::QueueConference { .. } => "QUEUE_CONFERENCE",
            Input::LeaveConversation { .. } => "LEAVE_CONVERSATION",
            Input::WrapUpApplied { .. } => "WRAP_UP_APPLIED",
            Input::LeaveWithoutWrapUp { .. } => "LEAVE_WITHOUT_WRAP_UP",
            Input::HoldConversation { .. } => "HOLD_CONVERSATION",
            Input::ResumeConversation { .. } => "RESUME_CONVERSATION",
            Input::AgentLogout { .. } => "AGENT_LOGOUT",
            Input::QueueFlush => "QUEUE_FLUSH",
            Input::HousekeepingDone => "HOUSEKEEPING_DONE",
            Input::TimerFired { .. } => "TIMER_FIRED",
        }
    }

    /// The agent the stimulus names, if any (for "unknown agent" checks).
    pub fn agents(&self) -> impl Iterator<Item = AgentId> {
        let (a, b) = match *self {
            Input::AgentMessage { agent, .. }
            | Input::ReserveAgent { agent }
            | Input::AcceptTask { agent }
            | Input::PullConversation { agent }
            | Input::QueueTransfer { agent }
            | Input::QueueConference { agent }
            | Input::LeaveConversation { agent }
            | Input::WrapUpApplied { agent }
            | Input::LeaveWithoutWrapUp { agent }
            | Input::HoldConversation { agent, .. }
            | Input::ResumeConversation { agent }
            | Input::AgentLogout { agent } => (Some(agent), None),
            Input::NamedTransfer { agent, to } => (Some(agent), Some(to)),
            Input::SessionStarted { .. }
            | Input::SessionEnded { .. }
            | Input::CustomerMessage { .. }
            | Input::BotMessage { .. }
            | Input::RequestAgent { .. }
            | Input::QueueFlush
            | Input::HousekeepingDone
            | Input::TimerFired { .. } => (None, None),
        };
        a.into_iter().chain(b)
    }
}

/// A task as published in TASK_STATE_CHANGED (the vendor's TaskDto, reduced to what the
/// rules read). `media_state` is the state of the task's first media; `extra_medias`
/// lists the sessions of the medias a PULL added to the task (TASK-09) that are not CLOSED
/// (the vendor's task lists its "active media"; a media closes with its session, TASK-25).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TaskView {
    pub id: TaskId,
    pub session: SessionId,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub agent: Option<AgentId>,
    pub state: TaskState,
    pub media_state: MediaState,
    pub direction: Direction,
    pub mode: TaskMode,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub reason: Option<ReasonCode>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub extra_medias: Vec<SessionId>,
}

/// An event the system publishes, under the vendor's name.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(
    tag = "event",
    rename_all = "SCREAMING_SNAKE_CASE",
    deny_unknown_fields
)]
pub enum Published {
    ChannelSessionStarted {
        session: SessionId,
        channel: ChannelKind,
        /// The channel's routing mode, when SESSION_STARTED named one: the Routing Engine
        /// routes the session's requests by it (TASK-01, TASK-07).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        routing_mode: Option<RoutingMode>,
    },
    ChannelSessionEnded {
        session: SessionId,
    },
    CustomerMessage {
        session: SessionId,
    },
    BotMessage {
        session: SessionId,
    },
    AgentMessage {
        agent: AgentId,
        role: Role,
        #[serde(default, skip_serializing_if = "is_false")]
        wrap_up: bool,
    },
    TopicStateChanged {
        state: ConversationState,
    },
    AgentReserved {
        agent: AgentId,
        task: TaskId,
    },
    AgentSubscribed {
        agent: AgentId,
        session: SessionId,
    },
    AgentUnsubscribed {
        agent: AgentId,
        reason: UnsubscribeReason,
    },
    ParticipantRoleChanged {
        agent: AgentId,
        role: Role,
    },
    ConversationPaused,
    ConversationResumed,
    TaskStateChanged {
        task: TaskView,
    },
    TaskEnqueued {
        task: TaskId,
        session: SessionId,
    },
    NoAgentAvailable {
        task: TaskId,
        session: SessionId,
    },
    AgentSlaStarted {
        deadline_ms: u64,
    },
    ResetAgentSla {
        deadline_ms: u64,
    },
    AgentSlaStopped,
    AgentSlaThresholdReached {
        level: u8,
        percent: u8,
    },
    AgentSlaExpired,
    CustomerSlaStarted {
        session: SessionId,
        deadline_ms: u64,
    },
    CustomerSlaStopped {
        session: SessionId,
    },
    CustomerSlaThresholdReached {
        session: SessionId,
        level: u8,
        percent: u8,
    },
    CustomerSlaExpired {
        session: SessionId,
    },
}

impl Published {
    pub fn name(&self) -> &'static str {
        match self {
            Published::ChannelSessionStarted { .. } => "CHANNEL_SESSION_STARTED",
            Published::ChannelSessionEnded { .. } => "CHANNEL_SESSION_ENDED",
            Published::CustomerMessage { .. } => "CUSTOMER_MESSAGE",
            Published::BotMessage { .. } => "BOT_MESSAGE",
            Published::AgentMessage { .. } => "AGENT_MESSAGE",
            Published::TopicStateChanged { .. } => "TOPIC_STATE_CHANGED",
            Published::AgentReserved { .. } => "AGENT_RESERVED",
            Published::AgentSubscribed { .. } => "AGENT_SUBSCRIBED",
            Published::AgentUnsubscribed { .. } => "AGENT_UNSUBSCRIBED",
            Published::ParticipantRoleChanged { .. } => "PARTICIPANT_ROLE_CHANGED",
            Published::ConversationPaused => "CONVERSATION_PAUSED",
            Published::ConversationResumed => "CONVERSATION_RESUMED",
            Published::TaskStateChanged { .. } => "TASK_STATE_CHANGED",
            Published::TaskEnqueued { .. } => "TASK_ENQUEUED",
            Published::NoAgentAvailable { .. } => "NO_AGENT_AVAILABLE",
            Published::AgentSlaStarted { .. } => "AGENT_SLA_STARTED",
            Published::ResetAgentSla { .. } => "RESET_AGENT_SLA",
            Published::AgentSlaStopped => "AGENT_SLA_STOPPED",
            Published::AgentSlaThresholdReached { .. } => "AGENT_SLA_THRESHOLD_REACHED",
            Published::AgentSlaExpired => "AGENT_SLA_EXPIRED",
            Published::CustomerSlaStarted { .. } => "CUSTOMER_SLA_STARTED",
            Published::CustomerSlaStopped { .. } => "CUSTOMER_SLA_STOPPED",
            Published::CustomerSlaThresholdReached { .. } => "CUSTOMER_SLA_THRESHOLD_REACHED",
            Published::CustomerSlaExpired { .. } => "CUSTOMER_SLA_EXPIRED",
        }
    }

    /// True for the events of the Conversation Monitor (the `sla` suite's outputs).
    /// The SLA timer an SLA event is about; `None` for every other event.
    pub fn sla_timer(&self) -> Option<TimerKey> {
        match *self {
            Published::AgentSlaStarted { .. }
            | Published::ResetAgentSla { .. }
            | Published::AgentSlaStopped
            | Published::AgentSlaThresholdReached { .. }
            | Published::AgentSlaExpired => Some(TimerKey::AgentSla),
            Published::CustomerSlaStarted { session, .. }
            | Published::CustomerSlaStopped { session }
            | Published::CustomerSlaThresholdReached { session, .. }
            | Published::CustomerSlaExpired { session } => Some(TimerKey::CustomerSla { session }),
            Published::ChannelSessionStarted { .. }
            | Published::ChannelSessionEnded { .. }
            | Published::CustomerMessage { .. }
            | Published::BotMessage { .. }
            | Published::AgentMessage { .. }
            | Published::TopicStateChanged { .. }
            | Published::AgentReserved { .. }
            | Published::AgentSubscribed { .. }
            | Published::AgentUnsubscribed { .. }
            | Published::ParticipantRoleChanged { .. }
            | Published::ConversationPaused
            | Published::ConversationResumed
            | Published::TaskStateChanged { .. }
            | Published::TaskEnqueued { .. }
            | Published::NoAgentAvailable { .. } => None,
        }
    }

    pub fn is_sla_event(&self) -> bool {
        matches!(
            self,
            Published::AgentSlaStarted { .. }
                | Published::ResetAgentSla { .. }
                | Published::AgentSlaStopped
                | Published::AgentSlaThresholdReached { .. }
                | Published::AgentSlaExpired
                | Published::CustomerSlaStarted { .. }
                | Published::CustomerSlaStopped { .. }
                | Published::CustomerSlaThresholdReached { .. }
                | Published::CustomerSlaExpired { .. }
        )
    }
}

/// Why a stimulus is invalid in the current state. A rejected stimulus changes nothing.
/// `System::check` tests the guards in a fixed order (conversation over, unknown agent,
/// no customer yet, then the input's own guards) and reports the first that fails.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Reject {
    /// The conversation is Closed (CONV-10).
    ConversationClosed,
    /// The conversation is Closing: only HOUSEKEEPING_DONE and timers are accepted.
    ConversationClosing,
    /// The agent is not one of the configured agents.
    UnknownAgent,
    /// The session ID was never started in this conversation.
    UnknownSession,
    /// A session with this ID already exists (CONV-12).
    SessionAlreadyExists,
    /// The session has ended (CONV-12).
    SessionEnded,
    /// Nothing may happen before the first channel session creates the topic.
    NoCustomer,
    /// The agent is not a participant of the conversation.
    AgentNotInConversation,
    /// The agent is a participant but not PRIMARY (e.g. already in WRAP_UP).
    AgentNotPrimary,
    /// A routing request is already open (TASK-23).
    RequestAlreadyOpen,
    /// The conversation already has a PRIMARY agent; the bot asks for one only when none is there.
    AgentAlreadyPresent,
    /// The stimulus needs the other routing mode (PUSH vs PULL).
    WrongRoutingMode,
    /// No QUEUED task to reserve an agent for.
    NoQueuedTask,
    /// The agent has no RESERVED task to accept.
    NotReserved,
    /// No conversation is parked in the list for PULL.
    NothingToPull,
    /// The agent already has an open task in this conversation (TASK-23).
    AgentAlreadyHasTask,
    /// The agent has no task in WRAP_UP.
    NotInWrapUp,
    /// The conversation is not Active (hold needs Active).
    NotActive,
    /// The conversation is not on hold.
    NotOnHold,
    /// The named timer is not armed.
    TimerNotArmed,
    /// A transfer to oneself.
    TransferToSelf,
    /// Every session of the customer has ended: nobody to transfer or conference for.
    CustomerGone,
    /// Voice sessions are routed by the voice platform, not by this routing engine.
    VoiceSession,
    /// HOUSEKEEPING_DONE before the conversation is Closing.
    NotClosing,
    /// HOUSEKEEPING_DONE while a task is still open (a transferring agent's wrap-up).
    TasksStillOpen,
    /// The input's time plus the longest configured duration is past the time domain
    /// (`config::MAX_TIME_MS`, 2^53 - 1 ms), or overflows: a deadline it could arm would not
    /// be exact. Checked before every other guard; a timer's fire is never refused for it.
    TimeOutOfRange,
    /// HOLD_CONVERSATION names a hold time of 0 or past the longest duration (2^48 - 1 ms).
    InvalidHoldTime,
    /// REQUEST_AGENT names a direction other than INBOUND or OUTBOUND (`2550490.md`: FIND_AGENT's
    /// direction "Can be INBOUND or OUTBOUND"; the others belong to transfers and conferences).
    InvalidDirection,
}

impl fmt::Display for Reject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = serde_yaml::to_string(self).unwrap_or_default();
        f.write_str(text.trim())
    }
}
