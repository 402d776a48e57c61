//! The catalogue of rule IDs and the three rule sets.
//!
//! Every rule of `spec/RULES.md` has one [`Rule`] here; the step functions record the
//! rules they apply in [`crate::Outcome::rules`], so tests and vectors can say which rule
//! a published event came from. A test (`tests/rule_ids.rs`) keeps this list and RULES.md
//! equal.
//!
//! The rule sets are data on one engine ([`RuleSet`]): each place where `documented` or
//! `as-implemented` reads the sources differently from `specified` asks a [`Deviation`]
//! question, and RULES.md lists the same deviations under the same names.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

macro_rules! rules {
    ($($variant:ident => $id:literal, $title:literal;)*) => {
        /// A rule of the specification, named by its stable ID.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Rule { $($variant,)* }

        impl Rule {
            pub const ALL: &'static [Rule] = &[$(Rule::$variant,)*];

            /// The stable ID used in RULES.md, vectors and reports.
            pub fn id(self) -> &'static str {
                match self { $(Rule::$variant => $id,)* }
            }

            /// A one-line summary; RULES.md carries the source and the reasoning.
            pub fn title(self) -> &'static str {
                match self { $(Rule::$variant => $title,)* }
            }
        }
    };
}

rules! {
    Sla01 => "SLA-01", "CHANNEL_SESSION_STARTED, voice: stop the agent SLA";
    Sla02 => "SLA-02", "CHANNEL_SESSION_STARTED, non-voice: start the customer SLA of that session when no voice session is open";
    Sla03 => "SLA-03", "CHANNEL_SESSION_STARTED, voice: start the voice session's customer SLA, stop the non-voice ones";
    Sla04 => "SLA-04", "TASK_ENQUEUED with no agent present: stop the customer SLA of the task's session";
    Sla05 => "SLA-05", "AGENT_SUBSCRIBED: reset the agent SLA when a PRIMARY agent is already present, else start it";
    Sla06 => "SLA-06", "AGENT_SUBSCRIBED on a non-voice session: stop that session's customer SLA";
    Sla07 => "SLA-07", "AGENT_UNSUBSCRIBED leaving no agent: stop the agent SLA";
    Sla08 => "SLA-08", "AGENT_UNSUBSCRIBED (not DIRECT_TRANSFER) leaving the customer without agents: start the customer SLA";
    Sla09 => "SLA-09", "CHANNEL_SESSION_ENDED leaving agents but no customer: stop the agent SLA";
    Sla10 => "SLA-10", "CHANNEL_SESSION_ENDED: stop that session's customer SLA";
    Sla11 => "SLA-11", "CHANNEL_SESSION_ENDED, voice: start the customer SLA of the open non-voice sessions";
    Sla12 => "SLA-12", "AGENT_MESSAGE from a non-WRAP_UP agent: stop the agent SLA";
    Sla13 => "SLA-13", "AGENT_MESSAGE with no voice session: start the customer SLA of every open session";
    Sla14 => "SLA-14", "CUSTOMER_MESSAGE with an agent present, not on hold: start the agent SLA";
    Sla15 => "SLA-15", "CUSTOMER_MESSAGE, not on hold: start the customer SLA of the other sessions";
    Sla16 => "SLA-16", "CUSTOMER_MESSAGE: stop the customer SLA of the session the customer wrote on";
    Sla17 => "SLA-17", "BOT_MESSAGE, not on hold, no voice: start the customer SLA of every open session";
    Sla18 => "SLA-18", "CONVERSATION_PAUSED: stop the customer SLA of every non-voice session";
    Sla19 => "SLA-19", "CONVERSATION_PAUSED: stop the agent SLA";
    Sla20 => "SLA-20", "NO_AGENT_AVAILABLE: start the customer SLA of the latest channel session";
    Sla21 => "SLA-21", "PARTICIPANT_ROLE_CHANGED leaving every agent in WRAP_UP: stop the agent SLA";
    Sla22 => "SLA-22", "CONVERSATION_RESUMED: restart the agent SLA (with a PRIMARY agent) and the customer SLA of every open chat";
    Sla23 => "SLA-23", "Thresholds: up to three intermediate levels, each published once, then 100%";
    Sla24 => "SLA-24", "Agent SLA at 100%: AGENT_SLA_EXPIRED, remove all agents, re-route";
    Sla25 => "SLA-25", "Customer SLA at 100%: CUSTOMER_SLA_EXPIRED, the session ends";
    Sla26 => "SLA-26", "Durations: agent SLA per queue or list, customer SLA per channel (voice and non-voice)";
    Sla27 => "SLA-27", "Starting a running customer SLA changes nothing: one timer per session, one agent SLA per conversation";
    Sla28 => "SLA-28", "No SLA during hold, during voice (agent SLA), for an ended session, or after Closing";
    Sla29 => "SLA-29", "No agent SLA when the queue or list sets no agent response time";
    Task01 => "TASK-01", "PUSH request: new task QUEUED / ACTIVE / INBOUND / QUEUE, TASK_ENQUEUED, request TTL armed";
    Task02 => "TASK-02", "Agent reserved within the TTL: media RESERVED, RONA timer armed";
    Task03 => "TASK-03", "Agent accepts: media ACTIVE, the agent joins as PRIMARY";
    Task04 => "TASK-04", "RONA: task CLOSED (RONA), a new QUEUED task for the same request until the TTL runs out";
    Task05 => "TASK-05", "TTL expiry while QUEUED: CLOSED (NO_AGENT_AVAILABLE), NO_AGENT_AVAILABLE published";
    Task06 => "TASK-06", "TTL expiry while RESERVED: the following RONA closes with NO_AGENT_AVAILABLE";
    Task07 => "TASK-07", "PULL request: the conversation is parked in the list, no task yet";
    Task08 => "TASK-08", "PULL by an agent: new task ACTIVE / ACTIVE / INBOUND / AGENT, the agent joins";
    Task09 => "TASK-09", "PULL by an agent who has a task: auto-joinable MRD returns it, else a new ACTIVE media";
    Task10 => "TASK-10", "Direct queue conference: new task QUEUED / DIRECT_CONFERENCE / QUEUE, routed as PUSH";
    Task11 => "TASK-11", "Direct queue transfer: new task QUEUED / DIRECT_TRANSFER / QUEUE; the transferring agent's task to WRAP_UP (TRANSFERRED)";
    Task12 => "TASK-12", "RONA on a queue transfer: re-queued like PUSH";
    Task13 => "TASK-13", "Named agent transfer: new task RESERVED / DIRECT_TRANSFER / AGENT for the named agent";
    Task14 => "TASK-14", "RONA on a named transfer: CLOSED (RONA), NO_AGENT_AVAILABLE published";
    Task15 => "TASK-15", "Agent leaves, wrap-up disabled: task CLOSED (DONE)";
    Task16 => "TASK-16", "Agent leaves, wrap-up enabled: task WRAP_UP, wrap-up timer armed";
    Task17 => "TASK-17", "Wrap-up applied, skipped or expired: task CLOSED with its wrap-up reason";
    Task18 => "TASK-18", "Customer leaves while the task is QUEUED or RESERVED: CLOSED (CANCELLED)";
    Task19 => "TASK-19", "Voice call starts while a chat task is QUEUED or RESERVED: CLOSED (CANCELLED)";
    Task20 => "TASK-20", "Agent logout: open tasks CLOSED (AGENT_LOGOUT), the conversation is queued again";
    Task21 => "TASK-21", "Queue flush: QUEUED tasks CLOSED (FORCE_CLOSED), NO_AGENT_AVAILABLE published";
    Task22 => "TASK-22", "Media states move QUEUED > RESERVED > ACTIVE > CLOSED only; CLOSED tasks never change and carry a reason";
    Task23 => "TASK-23", "One open routing request per conversation; one open task per agent per conversation";
    Task24 => "TASK-24", "Agent SLA expiry closes the agents' tasks (DONE) and queues the conversation again";
    Task25 => "TASK-25", "A channel session ends: its media on every open task CLOSED, the task stays";
    Conv01 => "CONV-01", "Created: the first channel session creates the topic; the bot is a participant until Closed";
    Conv02 => "CONV-02", "Active: the customer is present and at least one PRIMARY agent is";
    Conv03 => "CONV-03", "On Hold: a PRIMARY agent pauses an Active conversation; hold timer armed";
    Conv04 => "CONV-04", "Resume: by the agent, by the hold timer, or by a transfer";
    Conv05 => "CONV-05", "Customer Left: every session closed, agents present, wrap-up disabled";
    Conv06 => "CONV-06", "Wrap-up: every session closed, agents present, wrap-up enabled; agents move to WRAP_UP";
    Conv07 => "CONV-07", "Inactive: the customer is present, no PRIMARY agent, after an agent had joined";
    Conv08 => "CONV-08", "Participants: an accepted agent joins PRIMARY; leaving goes to WRAP_UP or unsubscribes";
    Conv09 => "CONV-09", "Closing: the customer and every agent have left";
    Conv10 => "CONV-10", "Closed: after house-keeping; every later event is rejected";
    Conv11 => "CONV-11", "TOPIC_STATE_CHANGED is published on every state change";
    Conv12 => "CONV-12", "Channel sessions: voice or non-voice, IDs never reused, an ended session stays ended";
    Conv13 => "CONV-13", "A hold ends when the last PRIMARY agent or the customer leaves";
    Conv14 => "CONV-14", "Customer SLA expiry ends that channel session";
    Conv15 => "CONV-15", "Agent SLA expiry removes every agent";
}

impl Rule {
    pub fn from_id(id: &str) -> Option<Rule> {
        Rule::ALL.iter().copied().find(|r| r.id() == id)
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// Which reading of the sources the engine runs.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum RuleSet {
    /// The intended behaviour, with the contradictions resolved (RULES.md "Decisions").
    #[default]
    Specified,
    /// The sources exactly as written, contradictions included.
    Documented,
    /// `documented` plus the vendor's two "ATM" behaviours of `949321729.md`.
    AsImplemented,
    /// `specified` with what the vendor's own Routing Engine code does (`VC-nn`, each citing
    /// repository, path and line) and the `documented` readings that code confirms (DEV-11).
    /// The Conversation Monitor's and Manager's code is not public: they stay `specified`.
    VendorCode,
}

impl RuleSet {
    pub const ALL: [RuleSet; 4] = [
        RuleSet::Specified,
        RuleSet::Documented,
        RuleSet::AsImplemented,
        RuleSet::VendorCode,
    ];

    pub fn name(self) -> &'static str {
        match self {
            RuleSet::Specified => "specified",
            RuleSet::Documented => "documented",
            RuleSet::AsImplemented => "as-implemented",
            RuleSet::VendorCode => "vendor-code",
        }
    }

    /// Whether this rule set reads the sources the way `deviation` describes.
    pub fn has(self, deviation: Deviation) -> bool {
        match self {
            RuleSet::Specified => false,
            RuleSet::Documented => deviation.family() == Family::Documented,
            RuleSet::AsImplemented => deviation.family() != Family::VendorCode,
            RuleSet::VendorCode => {
                deviation.family() == Family::VendorCode
                    || deviation == Deviation::FlushPublishesNothing
            }
        }
    }
}

impl fmt::Display for RuleSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for RuleSet {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        RuleSet::ALL
            .into_iter()
            .find(|r| r.name() == s)
            .ok_or_else(|| {
                format!("unknown rule set `{s}` (expected specified, documented, as-implemented or vendor-code)")
            })
    }
}

/// Where a deviation comes from, which decides the rule sets that have it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    /// A cell or section of the sources as written (`DEV-nn`): `documented`, `as-implemented`.
    Documented,
    /// A behaviour the sources say the vendor's system had "at the moment" (`ATM-nn`):
    /// `as-implemented` only.
    Atm,
    /// What the vendor's public Routing Engine code does (`VC-nn`): `vendor-code` only.
    VendorCode,
}

macro_rules! deviations {
    ($($variant:ident => $id:literal, $rule:ident, $family:ident, $title:literal;)*) => {
        /// A place where `documented` or `as-implemented` differs from `specified`.
        /// RULES.md lists each under its ID, next to the rule it changes.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Deviation { $($variant,)* }

        impl Deviation {
            pub const ALL: &'static [Deviation] = &[$(Deviation::$variant,)*];
            pub fn id(self) -> &'static str { match self { $(Deviation::$variant => $id,)* } }
            pub fn rule(self) -> Rule { match self { $(Deviation::$variant => Rule::$rule,)* } }
            pub fn family(self) -> Family { match self { $(Deviation::$variant => Family::$family,)* } }
            /// True for the table-as-written deviations; false for the "ATM" ones that only
            /// `as-implemented` has and the vendor code's.
            pub fn in_documented(self) -> bool { self.family() == Family::Documented }
            pub fn title(self) -> &'static str { match self { $(Deviation::$variant => $title,)* } }
        }
    };
}

deviations! {
    SubscribeIgnoresVoiceAndHold => "DEV-01", Sla05, Documented, "AGENT_SUBSCRIBED starts the agent SLA even during voice or hold";
    CustomerMessageAgentSlaLoose => "DEV-02", Sla14, Documented, "CUSTOMER_MESSAGE starts the agent SLA for WRAP_UP-only agents and during voice, and restarts a running one";
    CustomerMessageKeepsOwnSla => "DEV-03", Sla16, Documented, "CUSTOMER_MESSAGE keeps the customer SLA of the session written on, and starts the others during voice";
    AgentMessageIgnoresHold => "DEV-04", Sla13, Documented, "AGENT_MESSAGE starts customer SLAs while on hold, and for a WRAP_UP agent's note";
    PauseKeepsAgentSla => "DEV-05", Sla19, Documented, "CONVERSATION_PAUSED leaves the agent SLA running";
    ResumeHasNoRule => "DEV-06", Sla22, Documented, "CONVERSATION_RESUMED restarts neither SLA";
    NoAgentAvailableLatestAny => "DEV-07", Sla20, Documented, "NO_AGENT_AVAILABLE starts the latest session's SLA even if it ended, is voice, or agents are present";
    StartsIgnoreHold => "DEV-08", Sla11, Documented, "CHANNEL_SESSION_STARTED (non-voice) and CHANNEL_SESSION_ENDED (voice) start customer SLAs while on hold";
    QueueTransferRonaCloses => "DEV-09", Task12, Documented, "RONA on a queue transfer closes the task and publishes NO_AGENT_AVAILABLE";
    PullModeQueue => "DEV-10", Task08, Documented, "PULL tasks have mode QUEUE";
    FlushPublishesNothing => "DEV-11", Task21, Documented, "Queue flush publishes no NO_AGENT_AVAILABLE";
    EnqueueIgnoresPresentAgent => "DEV-13", Sla04, Documented, "TASK_ENQUEUED of a conference stops the customer SLA although an agent is present";
    UnsubscribeCountsWrapUp => "DEV-12", Sla07, Documented, "AGENT_UNSUBSCRIBED stops the agent SLA only when no agent at all is left, WRAP_UP ones included";
    SessionStartAllChannels => "ATM-01", Sla02, Atm, "A non-voice CHANNEL_SESSION_STARTED starts the customer SLA of every non-voice session";
    StopOnEveryTaskStateChange => "ATM-02", Sla04, Atm, "Every TASK_STATE_CHANGED stops the customer SLA of the task's session";
    ReservedAfterTaskChange => "VC-01", Task02, VendorCode, "A reservation publishes TASK_STATE_CHANGED before AGENT_RESERVED";
    NamedTransferRonaNoAgent => "VC-02", Task14, VendorCode, "RONA on a named transfer closes the task NO_AGENT_AVAILABLE (no TTL runs), not RONA";
    LogoutDoesNotReroute => "VC-03", Task20, VendorCode, "The logout of an ACTIVE agent closes the task and routes nothing again";
    NamedTransferNoReserved => "VC-04", Task13, VendorCode, "A named transfer publishes the new task's TASK_STATE_CHANGED and no AGENT_RESERVED";
    ReservedLogoutNoAgent => "VC-05", Task20, VendorCode, "The logout of a RESERVED agent whose request has no running TTL closes the task NO_AGENT_AVAILABLE, not AGENT_LOGOUT";
    PullReusesChatMedia => "VC-06", Task09, VendorCode, "A PULL of another chat session by the agent serving the customer adds no media: the task keeps its one chat media (one media per MRD)";
    ActiveMediaOutlivesSession => "VC-07", Task25, VendorCode, "The media of an ACTIVE or WRAP_UP task stays as it is when its channel session ends";
}
