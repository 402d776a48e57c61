//! Readings: the points where the sources allow more than one careful reading, each a named
//! choice with its alternatives, a source for each, and the alternative `specified` takes.
//!
//! A rule set (`specified`, `documented`, `as-implemented`) fixes every point; [`Rules`]
//! adds any choice of alternatives on top, so an implementation can say "we read R-03
//! this way" and be held to exactly that (`cxspec check --reading`, `cxspec conform` with
//! `hello.readings`, `cxspec vectors generate --reading`). Where an alternative is the same
//! question as a deviation of the `documented` reading, it names that deviation, and the
//! named rule sets take that alternative by default: one mechanism, not two.
//!
//! The catalogue is `spec/RULES.md`, section "Readings"; each rule names the readings that
//! change it. Left out: choices the spec makes where no careful reader could take the other
//! way (those stay a **Decision:** of RULES.md). Two readings are about names: R-23, the
//! threshold event, whose name changes what a consumer of the events can tell apart (a
//! threshold from a restart), and R-24, the topic state event, whose name the pages and the
//! vendor's code spell differently and which only the vendor profile of the kit writes
//! (conformance/VENDOR.md).

use crate::rules::{Deviation, Rule, RuleSet};
use std::fmt;

/// One alternative of a reading.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Alternative {
    /// Its name on the command line and in `hello.readings`, e.g. `agent-sla-started`.
    pub name: &'static str,
    /// What the implementation does under it.
    pub meaning: &'static str,
    /// Where the sources support it: a file of `shared/sources/` and a short quote.
    pub source: &'static str,
    /// The deviation of the named rule sets that is this alternative, if any.
    pub deviation: Option<Deviation>,
}

macro_rules! readings {
    ($($variant:ident => $id:literal, $key:literal, $rule:ident, $title:literal, [$($alt:expr),+ $(,)?];)*) => {
        /// An open point of the sources. The first alternative is `specified`'s.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Reading { $($variant,)* }

        impl Reading {
            pub const ALL: &'static [Reading] = &[$(Reading::$variant,)*];
            /// `R-nn`, stable.
            pub fn id(self) -> &'static str { match self { $(Reading::$variant => $id,)* } }
            /// A readable key, accepted wherever the ID is.
            pub fn key(self) -> &'static str { match self { $(Reading::$variant => $key,)* } }
            /// The rule whose behaviour the reading changes.
            pub fn rule(self) -> Rule { match self { $(Reading::$variant => Rule::$rule,)* } }
            pub fn title(self) -> &'static str { match self { $(Reading::$variant => $title,)* } }
            pub fn alternatives(self) -> &'static [Alternative] {
                match self { $(Reading::$variant => { const ALTERNATIVES: &[Alternative] = &[$($alt),+]; ALTERNATIVES },)* }
            }
        }
    };
}

const fn alt(
    name: &'static str,
    meaning: &'static str,
    source: &'static str,
    deviation: Option<Deviation>,
) -> Alternative {
    Alternative {
        name,
        meaning,
        source,
        deviation,
    }
}

readings! {
    PauseVoiceSla => "R-01", "pause-voice-sla", Sla18,
        "CONVERSATION_PAUSED and the customer SLA of an open voice session",
        [alt("keep", "the voice session's customer SLA keeps running",
             "153747909.md: hold works \"exclusively for non-voice sessions\"", None),
         alt("stop", "the voice session's customer SLA stops too",
             "949321729.md: \"Stop the SLA timer for all the sessions\"", None)];
    EnqueueWithAgent => "R-02", "enqueue-with-agent", Sla04,
        "TASK_ENQUEUED while a PRIMARY agent is present (a conference)",
        [alt("keep", "the session's customer SLA keeps running: the customer is not waiting for an agent",
             "Agent-Response-Time_142540854.md: \"any one of the primary agents\"", None),
         alt("stop", "the session's customer SLA stops, as on every TASK_ENQUEUED",
             "949321729.md: TASK_ENQUEUED, \"Stop the customer SLA timer\"",
             Some(Deviation::EnqueueIgnoresPresentAgent))];
    ResumeAgentEvent => "R-03", "resume-agent-event", Sla22,
        "The event that restarts the agent SLA on CONVERSATION_RESUMED",
        [alt("reset-agent-sla", "RESET_AGENT_SLA, as for a second agent (SLA-05)",
             "Agent-Response-Time_142540854.md: \"reset when the conversation is resumed\"", None),
         alt("agent-sla-started", "AGENT_SLA_STARTED",
             "Messages,-Events,-and-Activities_2528021.md: AGENT_SLA_STARTED \"When conversation resumes\"", None)];
    ResumeCustomerSla => "R-04", "resume-customer-sla", Sla22,
        "What starts the customer SLAs after a resume",
        [alt("on-resume", "CONVERSATION_RESUMED itself starts the customer SLA of every open chat",
             "140869657.md: pause stops the timers \"temporarily\"", None),
         alt("on-notice", "only the resume notice (a BOT_MESSAGE, SLA-17) starts them",
             "153747909.md: \"the BOT message is published, the customer inactivity timer is started\"", None)];
    NoAgentSession => "R-05", "no-agent-session", Sla20,
        "Which customer SLA NO_AGENT_AVAILABLE starts (\"the latest channel session\")",
        [alt("every-open-chat", "every open non-voice session: nobody will come, the customer waits on each",
             "949321729.md: NO_AGENT_AVAILABLE, \"start the customer SLA\"; case 2", None),
         alt("request-session", "the request's session, or the latest open chat if it has ended",
             "949321729.md: \"the latest channel session\" (the request's, in every case of the page)", None),
         alt("latest-open-chat", "the most recently started open non-voice session",
             "949321729.md: \"the latest channel session\"", None),
         alt("latest-any", "the last session ever started, open or not, voice or not, whoever is present",
             "949321729.md: \"the latest channel session\", read literally",
             Some(Deviation::NoAgentAvailableLatestAny))];
    BotMessageScope => "R-06", "bot-message-scope", Sla17,
        "Which customer SLAs BOT_MESSAGE starts",
        [alt("every-open-chat", "every open non-voice session, like AGENT_MESSAGE (SLA-13)",
             "949321729.md: BOT_MESSAGE, \"Start the customer SLA timer\" (no session named)", None),
         alt("own-session", "only the session the bot wrote on",
             "949321729.md, case 1: the bot answers on the customer's session", None)];
    AgentMessageOnHold => "R-07", "agent-message-on-hold", Conv04,
        "An AGENT_MESSAGE during hold",
        [alt("keeps-hold", "the conversation stays on hold; the message starts no timer",
             "140869657.md: \"if the agent types a message manually\" (during hold)", None),
         alt("resumes", "the message resumes the conversation (CONVERSATION_RESUMED first)",
             "153747909.md: \"it is considered an agent message. Consequently, the conversation state is changed to ACTIVE\"", None)];
    HoldAtWrapUp => "R-08", "hold-at-wrap-up", Conv13,
        "A hold when the last PRIMARY agent moves to wrap-up",
        [alt("ends", "the hold ends silently (no PRIMARY agent is left to resume it)",
             "140869657.md: only the agent or the hold timer resumes", None),
         alt("stays", "the hold stays until its timer or a resume",
             "140869657.md: \"The conversation will 'resume' automatically on the expiration of the hold time\"", None)];
    ThresholdRounding => "R-09", "threshold-rounding", Sla23,
        "A threshold instant d x level / 100 that is not a whole millisecond",
        [alt("down", "rounded down (integer division)",
             "Agent-Response-Time_142540854.md: thresholds in percent of the duration", None),
         alt("up", "rounded up",
             "Customer-Inactivity-SLA_246743058.md: thresholds in percent of the timeout", None)];
    HoldCustomerSla => "R-10", "hold-customer-sla", Sla18,
        "The customer SLA of the chats during a hold",
        [alt("stopped", "stopped by the pause, started again on resume",
             "140869657.md: \"temporarily stop SLA and Inactivity timers\"", None),
         alt("running", "keeps running: a held conversation can still expire",
             "140869657.md: \"The conversation can be expired if the customer's inactivity timeout is expired\"", None)];
    // Each deviation of the `documented` reading, choosable on its own (RULES.md, DEV-nn):
    // `decided` is `specified`'s choice, `as-written` the table or section as written.
    SubscribeDuringVoiceOrHold => "R-11", "subscribe-during-voice-or-hold", Sla05,
        "AGENT_SUBSCRIBED during voice or hold",
        [alt("decided", "no agent SLA starts during voice or hold",
             "Agent-Response-Time_142540854.md: \"only starts when there is no active voice channel session\"", None),
         alt("as-written", "the agent SLA starts or resets anyway (DEV-01)",
             "949321729.md: AGENT_SUBSCRIBE, \"The SLA will be started\"", Some(Deviation::SubscribeIgnoresVoiceAndHold))];
    CustomerMessageAgentSla => "R-12", "customer-message-agent-sla", Sla14,
        "The agent SLA on CUSTOMER_MESSAGE",
        [alt("decided", "started with a PRIMARY agent, no voice, none running (from the oldest unanswered message)",
             "Agent-Response-Time_142540854.md: the agent's response time to the customer", None),
         alt("as-written", "started with any agent, also during voice, restarting a running one (DEV-02)",
             "949321729.md: \"If an agent exists in the conversation\"", Some(Deviation::CustomerMessageAgentSlaLoose))];
    CustomerMessageOwnSla => "R-13", "customer-message-own-sla", Sla16,
        "The customer SLA of the session the customer wrote on",
        [alt("decided", "stopped (every case's step 3)",
             "949321729.md: \"Conversation Monitor will stop the Customer SLA\"", None),
         alt("as-written", "kept, and the others started also during voice (DEV-03)",
             "949321729.md: CUSTOMER_MESSAGE, \"other then the current session\"", Some(Deviation::CustomerMessageKeepsOwnSla))];
    AgentMessageStarts => "R-14", "agent-message-starts", Sla13,
        "Customer SLAs started by AGENT_MESSAGE on hold or for a wrap-up note",
        [alt("decided", "only a PRIMARY agent's message, not on hold",
             "140869657.md: the hold stops the inactivity timers", None),
         alt("as-written", "also on hold and for a WRAP_UP agent's note (DEV-04)",
             "153747909.md: a wrap-up \"is sent as an agent message\"", Some(Deviation::AgentMessageIgnoresHold))];
    PauseAgentSla => "R-15", "pause-agent-sla", Sla19,
        "The agent SLA on CONVERSATION_PAUSED",
        [alt("decided", "stopped",
             "Messages,-Events,-and-Activities_2528021.md: AGENT_SLA_STOPPED \"When conversation is put on hold\"", None),
         alt("as-written", "left running: the table's cell is empty (DEV-05)",
             "949321729.md: CONVERSATION_PAUSED, no Agent SLA cell", Some(Deviation::PauseKeepsAgentSla))];
    ResumeRule => "R-16", "resume-rule", Sla22,
        "Whether CONVERSATION_RESUMED has an SLA rule at all",
        [alt("decided", "it restarts the SLAs (SLA-22, R-03, R-04)",
             "Agent-Response-Time_142540854.md: \"reset when the conversation is resumed\"", None),
         alt("as-written", "no rule: the table has no CONVERSATION_RESUMED row (DEV-06)",
             "949321729.md: no CONVERSATION_RESUMED row", Some(Deviation::ResumeHasNoRule))];
    StartsDuringHold => "R-17", "starts-during-hold", Sla11,
        "Customer SLAs started by a chat's start or a call's end during hold",
        [alt("decided", "none during hold",
             "Conversation_93192236.md: the hold stops the timers", None),
         alt("as-written", "started: those two cells have no hold condition (DEV-08)",
             "949321729.md: \"started for current session\", \"start the SLA for all non-voice sessions\"", Some(Deviation::StartsIgnoreHold))];
    QueueTransferRona => "R-18", "queue-transfer-rona", Task12,
        "RONA on a queue transfer",
        [alt("decided", "re-queued like PUSH: any agent of the queue may take it",
             "2550490.md: Direct Queue Transfer is routed to the queue", None),
         alt("as-written", "closed, NO_AGENT_AVAILABLE published (DEV-09)",
             "2550490.md: \"TaskState(name=CLOSED, reasonCode=RONA)\", \"NO_AGENT_AVAILABLE is published\"", Some(Deviation::QueueTransferRonaCloses))];
    PullTaskMode => "R-19", "pull-task-mode", Task08,
        "The mode of a task created by PULL",
        [alt("decided", "AGENT",
             "2550490.md: the mode table lists \"PULL Mode requests\" under AGENT", None),
         alt("as-written", "QUEUE (DEV-10)",
             "2550490.md: PULL, \"TaskTypeMode = QUEUE\"", Some(Deviation::PullModeQueue))];
    FlushNoAgent => "R-20", "flush-no-agent-available", Task21,
        "NO_AGENT_AVAILABLE after a queue flush",
        [alt("decided", "published, so the waiting customer's SLA restarts (SLA-20)",
             "Agent-Task-Disposition_2529040.md: \"flushes all tasks in the queue\"", None),
         alt("as-written", "not published: the tasks only close FORCE_CLOSED (DEV-11)",
             "Agent-Task-Disposition_2529040.md: 'FORCE_CLOSED'", Some(Deviation::FlushPublishesNothing))];
    UnsubscribeCountsWrapUp => "R-21", "unsubscribe-counts-wrap-up", Sla07,
        "Which agents AGENT_UNSUBSCRIBED counts before stopping the agent SLA",
        [alt("decided", "PRIMARY agents: a WRAP_UP agent will not answer",
             "Agent-Response-Time_142540854.md: \"any one of the primary agents\"", None),
         alt("as-written", "any agent, WRAP_UP included (DEV-12)",
             "949321729.md: \"If no agent participant left in the conversation\"", Some(Deviation::UnsubscribeCountsWrapUp))];
    MediaAtSessionEnd => "R-22", "media-at-session-end", Task25,
        "The media of an open task whose channel session ends",
        [alt("closes", "CLOSED at once (TASK_STATE_CHANGED); the task stays as it is",
             "2550490.md, media states: CLOSED \"When the session for this media is no longer active\"", None),
         alt("with-task", "stays as it is until the task closes",
             "2550490.md, task states: the task closes when it is \"no more required\"; case 5 of 949321729.md names no media change when the session is removed",
             Some(Deviation::ActiveMediaOutlivesSession))];
    ThresholdEvent => "R-23", "threshold-event", Sla23,
        "The event that publishes an SLA threshold crossing",
        [alt("threshold-reached", "AGENT_SLA_THRESHOLD_REACHED {level, percent} / CUSTOMER_SLA_THRESHOLD_REACHED {session, level, percent}",
             "Agent-Response-Time_142540854.md: \"for each threshold, the system will emit an action\"", None),
         alt("sla-started", "AGENT_SLA_STARTED / CUSTOMER_SLA_STARTED {session} again, with the next deadline",
             "Messages,-Events,-and-Activities_2528021.md: AGENT_SLA_STARTED \"When it starts the agent sla timer on each threshold\"", None)];
    // A name only: the rules publish the same event either way; the vendor profile of the kit
    // (conformance/VENDOR.md) writes it under the chosen name, the native JSON keeps cxspec's.
    TopicStateEvent => "R-24", "topic-state-event", Conv11,
        "The name of the event that publishes a conversation state change",
        [alt("topic-state-changed", "TOPIC_STATE_CHANGED, as the events page names it",
             "Messages,-Events,-and-Activities_2528021.md: \"TOPIC_STATE_CHANGED| NOTIFICATION\"", None),
         alt("topic-state-change-event", "TOPIC_STATE_CHANGE_EVENT, as the vendor's object model names it",
             "expertflow/object-model d77a5aa, CimEventName.java line 26: \"TOPIC_STATE_CHANGE_EVENT\"", None)];
}

impl Reading {
    pub fn from_name(name: &str) -> Option<Reading> {
        Reading::ALL
            .iter()
            .copied()
            .find(|r| r.id() == name || r.key() == name)
    }

    /// Whether the reading only names an event on the vendor's wire: the rules behave
    /// the same under each alternative, so searches for rules that explain a log skip it.
    pub fn names_only(self) -> bool {
        matches!(self, Reading::TopicStateEvent)
    }

    pub fn alternative(self, name: &str) -> Option<u8> {
        self.alternatives()
            .iter()
            .position(|a| a.name == name)
            .map(|i| i as u8)
    }

    /// The alternative a named rule set takes: the one that is a deviation it has, else
    /// `specified`'s (the first).
    pub fn default_for(self, set: RuleSet) -> u8 {
        self.alternatives()
            .iter()
            .position(|a| a.deviation.is_some_and(|d| set.has(d)))
            .map_or(0, |i| i as u8)
    }
}

impl fmt::Display for Reading {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.id(), self.key())
    }
}

/// A choice of alternatives for some readings; the others follow the rule set.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Readings {
    /// Per reading, in catalogue order: the chosen alternative's index plus one; 0 when
    /// the rule set decides.
    chosen: [u8; Reading::ALL.len()],
}

/// As a map from reading ID to alternative name (`{R-03: agent-sla-started}`), the form
/// vectors, `hello.readings` and readings files use. Reading keys are accepted too.
impl serde::Serialize for Readings {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let choices = self.choices();
        let mut map = serializer.serialize_map(Some(choices.len()))?;
        for (reading, alternative) in choices {
            map.serialize_entry(reading.id(), alternative.name)?;
        }
        map.end()
    }
}

impl<'de> serde::Deserialize<'de> for Readings {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let map = std::collections::BTreeMap::<String, String>::deserialize(deserializer)?;
        let mut readings = Readings::NONE;
        for (name, value) in &map {
            readings = readings
                .set(name, value)
                .map_err(serde::de::Error::custom)?;
        }
        Ok(readings)
    }
}

impl Readings {
    pub const NONE: Readings = Readings {
        chosen: [0; Reading::ALL.len()],
    };

    fn slot(reading: Reading) -> usize {
        Reading::ALL
            .iter()
            .position(|r| *r == reading)
            .expect("in the catalogue")
    }

    pub fn with(mut self, reading: Reading, alternative: u8) -> Readings {
        self.chosen[Self::slot(reading)] = alternative + 1;
        self
    }

    pub fn get(self, reading: Reading) -> Option<u8> {
        self.chosen[Self::slot(reading)].checked_sub(1)
    }

    pub fn is_empty(&self) -> bool {
        *self == Readings::NONE
    }

    /// These readings with `over`'s choices put on top (where both choose, `over` wins).
    pub fn overlay(self, over: Readings) -> Readings {
        let mut out = self;
        for (slot, chosen) in over.chosen.iter().enumerate() {
            if *chosen != 0 {
                out.chosen[slot] = *chosen;
            }
        }
        out
    }

    /// The choices, in catalogue order.
    pub fn choices(self) -> Vec<(Reading, &'static Alternative)> {
        Reading::ALL
            .iter()
            .filter_map(|r| self.get(*r).map(|i| (*r, &r.alternatives()[i as usize])))
            .collect()
    }

    /// Parses one `R-03=agent-sla-started` (or `resume-agent-event=agent-sla-started`).
    pub fn parse_one(self, text: &str) -> Result<Readings, String> {
        let (name, value) = text
            .split_once('=')
            .ok_or_else(|| format!("`{text}`: a reading is written R-nn=alternative"))?;
        self.set(name.trim(), value.trim())
    }

    /// Sets a reading by name and alternative name, with an error that lists the choices.
    pub fn set(self, name: &str, value: &str) -> Result<Readings, String> {
        let reading = Reading::from_name(name).ok_or_else(|| {
            format!(
                "unknown reading `{name}` (known: {})",
                Reading::ALL
                    .iter()
                    .map(|r| format!("{} {}", r.id(), r.key()))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })?;
        let i = reading.alternative(value).ok_or_else(|| {
            format!(
                "{reading}: unknown alternative `{value}` (one of: {})",
                reading
                    .alternatives()
                    .iter()
                    .map(|a| a.name)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })?;
        Ok(self.with(reading, i))
    }

    /// Reads a readings file: a YAML map from reading (ID or key) to alternative, e.g.
    /// `R-03: agent-sla-started`. Errors name the file, line and reading.
    pub fn from_yaml(text: &str, origin: &str) -> Result<Readings, crate::config::ConfigError> {
        crate::limits::check_text(text, origin)?;
        let map: std::collections::BTreeMap<String, String> =
            serde_yaml::from_str(text).map_err(|e| crate::config::yaml_error(&e, text, origin))?;
        let mut readings = Readings::NONE;
        for (name, value) in &map {
            readings = readings
                .set(name, value)
                .map_err(|message| crate::config::ConfigError {
                    origin: origin.to_string(),
                    line: crate::config::line_of_key(text, name),
                    field: Some(name.clone()),
                    message,
                })?;
        }
        Ok(readings)
    }

    /// `R-03=agent-sla-started,R-05=request-session`, or `none`.
    pub fn label(self) -> String {
        let parts: Vec<String> = self
            .choices()
            .iter()
            .map(|(r, a)| format!("{}={}", r.id(), a.name))
            .collect();
        if parts.is_empty() {
            "none".into()
        } else {
            parts.join(",")
        }
    }
}

/// The rules an engine runs: a named rule set, and readings chosen on top of it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Rules {
    pub set: RuleSet,
    pub readings: Readings,
}

impl From<RuleSet> for Rules {
    fn from(set: RuleSet) -> Rules {
        Rules {
            set,
            readings: Readings::NONE,
        }
    }
}

impl Rules {
    pub fn new(set: RuleSet, readings: Readings) -> Rules {
        Rules { set, readings }
    }

    /// Whether these rules read the sources the way `deviation` describes: the rule set
    /// decides, unless a chosen reading is the same question.
    pub fn has(self, deviation: Deviation) -> bool {
        // With no reading chosen (every model step of `cxspec check` without `--reading`)
        // the rule set decides; the catalogue walk below is a hot spot of the checker.
        if self.readings.is_empty() {
            return self.set.has(deviation);
        }
        for reading in Reading::ALL {
            let linked = reading
                .alternatives()
                .iter()
                .any(|a| a.deviation == Some(deviation));
            if let (true, Some(i)) = (linked, self.readings.get(*reading)) {
                return reading.alternatives()[i as usize].deviation == Some(deviation);
            }
        }
        self.set.has(deviation)
    }

    /// The alternative taken for `reading`, by name.
    pub fn reads(self, reading: Reading) -> &'static str {
        if self.readings.is_empty() {
            return reading.alternatives()[reading.default_for(self.set) as usize].name;
        }
        let i = self
            .readings
            .get(reading)
            .unwrap_or_else(|| reading.default_for(self.set));
        reading.alternatives()[i as usize].name
    }

    /// Whether these rules take `alternative` of `reading`. The rules ask this way, never by
    /// comparing names themselves, so that a test (`every_alternative_the_rules_ask_for_exists`)
    /// can check every name they use against the catalogue.
    pub fn takes(self, reading: Reading, alternative: &str) -> bool {
        self.reads(reading) == alternative
    }

    /// `specified`, or `specified + R-03=agent-sla-started`.
    pub fn label(self) -> String {
        if self.readings.is_empty() {
            self.set.to_string()
        } else {
            format!("{} + {}", self.set, self.readings.label())
        }
    }
}

impl fmt::Display for Rules {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::Family;

    #[test]
    fn ids_keys_and_alternative_names_are_unique() {
        let mut ids: Vec<&str> = Reading::ALL.iter().map(|r| r.id()).collect();
        let mut keys: Vec<&str> = Reading::ALL.iter().map(|r| r.key()).collect();
        ids.dedup();
        keys.sort();
        keys.dedup();
        assert_eq!(ids.len(), Reading::ALL.len());
        assert_eq!(keys.len(), Reading::ALL.len());
        for r in Reading::ALL {
            let mut names: Vec<&str> = r.alternatives().iter().map(|a| a.name).collect();
            assert!(names.len() >= 2, "{r}: a reading has alternatives");
            names.sort();
            names.dedup();
            assert_eq!(names.len(), r.alternatives().len(), "{r}");
        }
    }

    #[test]
    fn every_deviation_of_documented_is_one_readings_alternative() {
        // The `documented` reading is the sum of its deviations; each is choosable alone.
        for d in Deviation::ALL.iter().filter(|d| d.in_documented()) {
            let linked: Vec<Reading> = Reading::ALL
                .iter()
                .copied()
                .filter(|r| r.alternatives().iter().any(|a| a.deviation == Some(*d)))
                .collect();
            assert_eq!(linked.len(), 1, "{}: {linked:?}", d.id());
            assert_eq!(
                linked[0].rule(),
                d.rule(),
                "{} changes the reading's rule",
                d.id()
            );
        }
        // The vendor's "ATM" behaviours are bugs to find, not readings to declare.
        for d in Deviation::ALL.iter().filter(|d| d.family() == Family::Atm) {
            assert!(Reading::ALL
                .iter()
                .all(|r| r.alternatives().iter().all(|a| a.deviation != Some(*d))));
        }
        // A behaviour of the vendor's code may be a reading's alternative (VC-07 is R-22
        // `with-task`): then one alternative of one reading of its rule, never `specified`'s.
        for d in Deviation::ALL
            .iter()
            .filter(|d| d.family() == Family::VendorCode)
        {
            let linked: Vec<(Reading, usize)> = Reading::ALL
                .iter()
                .flat_map(|r| {
                    r.alternatives()
                        .iter()
                        .enumerate()
                        .filter(|(_, a)| a.deviation == Some(*d))
                        .map(|(i, _)| (*r, i))
                })
                .collect();
            assert!(linked.len() <= 1, "{}: {linked:?}", d.id());
            for (reading, i) in linked {
                assert_eq!(reading.rule(), d.rule(), "{}", d.id());
                assert_ne!(i, 0, "{} is not specified's alternative", d.id());
            }
        }
    }

    #[test]
    fn a_chosen_reading_overrides_its_deviation_and_nothing_else() {
        let rules = Rules::from(RuleSet::Documented);
        assert!(rules.has(Deviation::EnqueueIgnoresPresentAgent));
        assert_eq!(rules.reads(Reading::EnqueueWithAgent), "stop");
        let keep = Rules::new(
            RuleSet::Documented,
            Readings::NONE.set("R-02", "keep").unwrap(),
        );
        assert!(!keep.has(Deviation::EnqueueIgnoresPresentAgent));
        assert!(
            keep.has(Deviation::PauseKeepsAgentSla),
            "other deviations stay"
        );
        let stop = Rules::new(
            RuleSet::Specified,
            Readings::NONE.parse_one("enqueue-with-agent=stop").unwrap(),
        );
        assert!(stop.has(Deviation::EnqueueIgnoresPresentAgent));
        assert_eq!(stop.label(), "specified + R-02=stop");
    }

    /// The rule files, by name, with their text.
    fn rule_files() -> Vec<(&'static str, String)> {
        [
            "sla.rs",
            "conversation.rs",
            "system.rs",
            "task.rs",
            "monitors.rs",
        ]
        .into_iter()
        .map(|file| {
            let path = format!("{}/src/{file}", env!("CARGO_MANIFEST_DIR"));
            (
                file,
                std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}")),
            )
        })
        .collect()
    }

    #[test]
    fn every_alternative_the_rules_ask_for_exists() {
        // The rule files ask `rules.takes(Reading::X, "name")`; a misspelt name would compile
        // and silently never match, so every one is checked against the catalogue.
        let mut asked = 0;
        for (file, text) in rule_files() {
            for call in text.split("takes(Reading::").skip(1) {
                let (variant, rest) = call.split_once(',').unwrap();
                let name = rest.trim_start().trim_start_matches('"');
                let name = &name[..name.find('"').unwrap()];
                let reading = Reading::ALL
                    .iter()
                    .find(|r| format!("{r:?}") == variant)
                    .unwrap_or_else(|| panic!("{file}: no reading {variant}"));
                assert!(
                    reading.alternative(name).is_some(),
                    "{file}: {reading} has no alternative `{name}`"
                );
                asked += 1;
            }
        }
        assert!(asked >= 12, "the rule files ask {asked} times");
    }

    #[test]
    fn a_names_only_reading_changes_no_rule() {
        // R-24 is read by the vendor profile of the kit only: no rule file asks for it.
        for (file, text) in rule_files() {
            for r in Reading::ALL.iter().filter(|r| r.names_only()) {
                assert!(
                    !text.contains(&format!("Reading::{r:?}")),
                    "{file} reads {r}"
                );
            }
        }
        assert!(Reading::TopicStateEvent.names_only());
        assert!(!Reading::ThresholdEvent.names_only(), "R-23 changes events");
    }

    #[test]
    fn overlay_puts_the_later_choices_on_top() {
        let a = Readings::NONE.parse_one("R-03=agent-sla-started").unwrap();
        let b = Readings::NONE.parse_one("R-05=request-session").unwrap();
        let c = Readings::NONE.parse_one("R-03=reset-agent-sla").unwrap();
        assert_eq!(
            a.overlay(b).label(),
            "R-03=agent-sla-started,R-05=request-session"
        );
        assert_eq!(a.overlay(c).label(), "R-03=reset-agent-sla");
        assert_eq!(a.overlay(Readings::NONE), a);
    }

    #[test]
    fn bad_names_list_the_choices() {
        let e = Readings::NONE.parse_one("R-99=x").unwrap_err();
        assert!(
            e.contains("unknown reading `R-99`") && e.contains("R-01 pause-voice-sla"),
            "{e}"
        );
        let e = Readings::NONE.parse_one("R-03=sometimes").unwrap_err();
        assert!(e.contains("reset-agent-sla, agent-sla-started"), "{e}");
        assert!(Readings::NONE.parse_one("R-03").is_err());
    }
}
