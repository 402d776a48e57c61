//! `cxspec replay --format cim`: the vendor's own event stream, one `CimEvent` per line, read
//! into the replay's records through the vendor profile's mapping (`crate::vendor`, issue 16);
//! and the same format written from the engine (`cxspec simulate-log --format cim`).
//!
//! The vendor's components publish `CimEvent`s (expertflow/object-model d77a5aa, `CimEvent.java`)
//! on their topics; the Routing Engine sets the JMS correlation id of each message to the id
//! of the request it is handling (maliksikander/routing-engine 74d7fc6,
//! `global/jms/ActivemqCommunicator.java`, line 183). A recorded stream has no separate
//! stimuli: a customer's message is the CUSTOMER_MESSAGE the Conversation Manager publishes.
//! So one line may be a stimulus and the event it published at once, and the reader decides
//! which lines are stimuli:
//!
//! * the events the mapping reads as inputs (`Translator::input_from_cim`: CHANNEL_SESSION_STARTED,
//!   CHANNEL_SESSION_ENDED, CUSTOMER_MESSAGE, BOT_MESSAGE, AGENT_MESSAGE) are the stimulus and
//!   its echo, two records; ASSIGN_RESOURCE_REQUESTED (FIND_AGENT) is a stimulus only, and so
//!   is a line of the kit's commands (the REST calls and agent actions, VENDOR.md "Inputs");
//! * unless the line is a **follow-up** of a cascade the spec produces itself: a line whose
//!   `JMSCorrelationID` an earlier line of its conversation had (a cascade's stimulus is its
//!   first line), or, where the log has no correlation ids, the CHANNEL_SESSION_ENDED of a
//!   session whose CUSTOMER_SLA_EXPIRED came before it (CONV-14) and the ASSIGN_RESOURCE_REQUESTED
//!   that follows an AGENT_SLA_EXPIRED (CONV-15, TASK-24) before any other stimulus;
//! * a TIMER_FIRED command (RONA and wrap-up arrive at the Routing Engine as `change-state`
//!   calls) is no stimulus: the spec fires its timers at their deadlines, and the tolerance
//!   (`--tolerance-ms`) absorbs how late the vendor's broker-scheduled timers run;
//! * every other event of cxspec's catalogue is an observed event; the object model's events
//!   that no rule reads (`CimEventName.java` lines 4-68, [`UNREAD_EVENTS`]) are skipped; any
//!   other name is a malformed line.
//!
//! Ids are interned per conversation (`Translator::for_recorded`): sessions, agents and tasks
//! are numbered in order of first appearance, and the kit's own minted strings read back as
//! their numbers. `CimEvent.timestamp` (epoch ms) is the record's time. The vendor's SLA
//! objects carry no deadline, so an observed SLA start matches whatever deadline the spec
//! computes ([`DEADLINE_NOT_CARRIED`]); when the timer's expiry comes is still checked.
//!
//! Left out: events of one cascade spread over several conversations, and a conversation
//! whose lines arrive after it closed more than [`RETENTION_MS`] of log time ago (its ids
//! are forgotten; the replay then sees a conversation without its start: incomplete).

use super::format::{fault, json_message, ConversationName, Format, Item, JsonLines, Line};
use super::format::{LineFault, Record};
use super::judge::DEADLINE_NOT_CARRIED;
use crate::vendor::{MappingError, Names, Translator, CONVERSATION_ID};
use cxspec_spec::engine::EngineEvent;
use cxspec_spec::{ConversationState, Input, Published, Rules, SessionId};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// The events that are a stimulus and its echo at once (the mapping's inputs sent as events).
const STIMULUS_EVENTS: [&str; 5] = [
    "CHANNEL_SESSION_STARTED",
    "CHANNEL_SESSION_ENDED",
    "CUSTOMER_MESSAGE",
    "BOT_MESSAGE",
    "AGENT_MESSAGE",
];

/// FIND_AGENT as the object model names it (`CimEventName.java` line 41): a stimulus only.
const REQUEST_EVENT: &str = "ASSIGN_RESOURCE_REQUESTED";

/// The events of cxspec's catalogue (`Published::name`), and the vendor's spelling of the
/// topic state event (R-24): read as observed events.
const READ_EVENTS: [&str; 25] = [
    "CHANNEL_SESSION_STARTED",
    "CHANNEL_SESSION_ENDED",
    "CUSTOMER_MESSAGE",
    "BOT_MESSAGE",
    "AGENT_MESSAGE",
    "TOPIC_STATE_CHANGED",
    "TOPIC_STATE_CHANGE_EVENT",
    "AGENT_RESERVED",
    "AGENT_SUBSCRIBED",
    "AGENT_UNSUBSCRIBED",
    "PARTICIPANT_ROLE_CHANGED",
    "CONVERSATION_PAUSED",
    "CONVERSATION_RESUMED",
    "TASK_STATE_CHANGED",
    "TASK_ENQUEUED",
    "NO_AGENT_AVAILABLE",
    "AGENT_SLA_STARTED",
    "RESET_AGENT_SLA",
    "AGENT_SLA_STOPPED",
    "AGENT_SLA_THRESHOLD_REACHED",
    "AGENT_SLA_EXPIRED",
    "CUSTOMER_SLA_STARTED",
    "CUSTOMER_SLA_STOPPED",
    "CUSTOMER_SLA_THRESHOLD_REACHED",
    "CUSTOMER_SLA_EXPIRED",
];

/// The names of `CimEventName.java` (d77a5aa, lines 4-68) that no rule of cxspec reads:
/// skipped, since a real stream carries them among the rest.
pub const UNREAD_EVENTS: [&str; 40] = [
    "AGENT_OUTBOUND",
    "ACTION_MESSAGE",
    "BOT_SUGGESTION",
    "CHANNEL_SESSION_EXPIRED",
    "EWT_MESSAGE",
    "AGENT_RESERVED_TIMEOUT",
    "AGENT_ACCEPT_TIMEOUT",
    "BOT_SUBSCRIBED",
    "BOT_UNSUBSCRIBED",
    "RESPONSE_SLA_BREACHED",
    "BOT_TIMEOUT",
    "BOT_NOT_AVAILABLE",
    "CUSTOMER_ACTIVITY_TIMEOUT",
    "ASSOCIATED_CUSTOMER_CHANGED",
    "MESSAGE_DELIVERY_NOTIFICATION",
    "CISCO_VOICE_EVENT",
    "WRAPUP_APPLIED",
    "REVOKE_RESOURCE",
    "CONVERSATION_DATA_CHANGED",
    "CALL_LEG_STARTED",
    "CALL_LEG_ENDED",
    "WHISPER_MESSAGE",
    "VOICE_ACTIVITY",
    "TYPING_INDICATOR",
    "REMOVE_CHANNEL_SESSION",
    "THIRD_PARTY_ACTIVITY",
    "IVR_AGGREGATED_ACTIVITY",
    "CHANNEL_SESSION_DATA_UPDATED",
    "CUSTOMER_LEFT",
    "ADVISOR_SUBSCRIBED",
    "REMOVE_ALL_AGENTS",
    "ROOM_CREATED",
    "ROOM_MEMBER_STATUS_CHANGED",
    "EXTERNAL_GADGET_REQUESTED",
    "CALL_HOLD",
    "CALL_RESUME",
    "AGENT_SLA",
    "CUSTOMER_SLA",
    "HOLD_TIMER",
    "NO_RESPONSE_ENTITY",
];

/// The spelling of the topic state event the reader's translator takes (the object model's,
/// `CimEventName.java` line 26); the pages' TOPIC_STATE_CHANGED is renamed to it first.
const TOPIC_STATE_NAME: &str = "TOPIC_STATE_CHANGE_EVENT";

/// How long (in log time) a closed conversation's id bindings are kept for late lines.
pub const RETENTION_MS: u64 = 10 * 60 * 1000;

/// How often (in lines) closed conversations are forgotten.
const PRUNE_EVERY_LINES: u64 = 4096;

/// What the reader knows of one conversation.
struct Conversation {
    translator: Translator,
    /// Correlation ids seen: a later line with one of them is a follow-up.
    correlations: BTreeSet<String>,
    /// Sessions whose CUSTOMER_SLA_EXPIRED came and whose end has not (CONV-14).
    expired_sessions: BTreeSet<SessionId>,
    /// AGENT_SLA_EXPIRED came and no stimulus since (CONV-15, TASK-24).
    agent_sla_expired: bool,
    closed_at_ms: Option<u64>,
}

impl Conversation {
    fn new() -> Conversation {
        Conversation {
            // Either spelling of the topic state event reads as TOPIC_STATE_CHANGED (the line
            // is renamed to this one first): its name is the profile's matter (R-24), not
            // something a replay judges.
            translator: Translator::for_recorded(Names {
                topic_state: TOPIC_STATE_NAME,
            }),
            correlations: BTreeSet::new(),
            expired_sessions: BTreeSet::new(),
            agent_sla_expired: false,
            closed_at_ms: None,
        }
    }
}

/// The reader of `--format cim`.
pub struct CimLines {
    conversations: BTreeMap<Box<str>, Conversation>,
    latest_ms: u64,
    lines: u64,
}

impl Default for CimLines {
    fn default() -> Self {
        CimLines::new()
    }
}

/// Replaces every string equal to `from` in `value` by `to` (the conversation id, which the
/// vendor repeats in nested objects and the mapping expects as its own constant).
fn replace_strings(value: &mut Value, from: &str, to: &str) {
    match value {
        Value::String(s) if s == from => *s = to.to_string(),
        Value::Array(items) => items.iter_mut().for_each(|v| replace_strings(v, from, to)),
        Value::Object(fields) => fields
            .values_mut()
            .for_each(|v| replace_strings(v, from, to)),
        _ => {}
    }
}

/// An observed SLA start carries no deadline in the vendor's objects.
fn without_deadline(event: Published) -> Published {
    match event {
        Published::AgentSlaStarted { .. } => Published::AgentSlaStarted {
            deadline_ms: DEADLINE_NOT_CARRIED,
        },
        Published::ResetAgentSla { .. } => Published::ResetAgentSla {
            deadline_ms: DEADLINE_NOT_CARRIED,
        },
        Published::CustomerSlaStarted { session, .. } => Published::CustomerSlaStarted {
            session,
            deadline_ms: DEADLINE_NOT_CARRIED,
        },
        other => other,
    }
}

/// The mapping's complaint, with the line's own conversation id where it quotes the line.
fn mapping_fault(field: &'static str, e: MappingError, conversation: &str) -> LineFault {
    fault(Some(field), e.0.replace(CONVERSATION_ID, conversation))
}

impl CimLines {
    pub fn new() -> CimLines {
        CimLines {
            conversations: BTreeMap::new(),
            latest_ms: 0,
            lines: 0,
        }
    }

    fn prune(&mut self) {
        let latest = self.latest_ms;
        self.conversations.retain(|_, c| {
            c.closed_at_ms
                .is_none_or(|closed| closed.saturating_add(RETENTION_MS) >= latest)
        });
    }

    fn read(&mut self, line: &[u8]) -> Result<Option<Line>, LineFault> {
        let mut value: Value = serde_json::from_slice(line)
            .map_err(|e| fault(None, format!("not a JSON log record: {}", json_message(&e))))?;
        let Some(object) = value.as_object_mut() else {
            return Err(fault(None, "not a JSON object"));
        };
        if object.contains_key("config") {
            return JsonLines.parse(line);
        }
        // The JMS headers a broker's dump puts beside the message: the correlation id is
        // read, the others dropped (the mapping would show them as extra fields).
        let correlation = match object.remove("JMSCorrelationID") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s),
            Some(other) => {
                return Err(fault(
                    Some("JMSCorrelationID"),
                    format!("{other} is not a string"),
                ))
            }
        };
        object.retain(|k, _| !k.starts_with("JMS"));
        let conversation = match object.get("conversationId") {
            Some(Value::String(s)) if !s.is_empty() => s.clone(),
            Some(Value::String(_)) => return Err(fault(Some("conversationId"), "empty")),
            Some(other) => {
                return Err(fault(
                    Some("conversationId"),
                    format!("{other} is not a string"),
                ))
            }
            None => return Err(fault(Some("conversationId"), "missing")),
        };
        let at_ms = match object.get("timestamp") {
            Some(t) => match t.as_u64() {
                Some(ms) if ms <= cxspec_spec::config::MAX_TIME_MS => ms,
                Some(ms) => {
                    return Err(fault(
                        Some("timestamp"),
                        format!("{ms} is past the time domain (2^53 - 1 ms)"),
                    ))
                }
                None => {
                    return Err(fault(
                        Some("timestamp"),
                        format!("{t} is not epoch milliseconds"),
                    ))
                }
            },
            None => return Err(fault(Some("timestamp"), "missing")),
        };
        let command = object.get("command").cloned();
        let name = object.get("name").cloned();
        // Either spelling of the topic state event (R-24) is read, as the translator's.
        if name.as_ref().and_then(Value::as_str) == Some("TOPIC_STATE_CHANGED") {
            object.insert("name".into(), Value::from(TOPIC_STATE_NAME));
        }
        replace_strings(&mut value, &conversation, CONVERSATION_ID);
        self.latest_ms = self.latest_ms.max(at_ms);
        let conv = self
            .conversations
            .entry(conversation.as_str().into())
            .or_insert_with(Conversation::new);
        let follow_up = correlation
            .as_ref()
            .is_some_and(|c| conv.correlations.contains(c));
        if let Some(c) = correlation {
            conv.correlations.insert(c);
        }
        let stimulus_only = |input| Some(vec![Item::Stimulus(input)]);
        let items = if let Some(command) = command {
            if !command.is_string() {
                return Err(fault(Some("command"), format!("{command} is not a string")));
            }
            let input = conv
                .translator
                .input_from_cim(&value)
                .map_err(|e| mapping_fault("command", e, &conversation))?;
            if follow_up || matches!(input, Input::TimerFired { .. }) {
                None
            } else {
                conv.agent_sla_expired = false;
                stimulus_only(input)
            }
        } else {
            let name = match name {
                Some(Value::String(n)) => n,
                Some(other) => return Err(fault(Some("name"), format!("{other} is not a string"))),
                None => {
                    return Err(fault(
                        Some("name"),
                        "missing (neither a CimEvent nor a command)",
                    ))
                }
            };
            if UNREAD_EVENTS.contains(&name.as_str()) {
                None
            } else if name == REQUEST_EVENT {
                let input = conv
                    .translator
                    .input_from_cim(&value)
                    .map_err(|e| mapping_fault("data", e, &conversation))?;
                if follow_up || conv.agent_sla_expired {
                    conv.agent_sla_expired = false;
                    None
                } else {
                    stimulus_only(input)
                }
            } else if READ_EVENTS.contains(&name.as_str()) {
                let stimulus = if STIMULUS_EVENTS.contains(&name.as_str()) {
                    // Read first as an input, so that a new session's id is bound as the
                    // stimulus names it.
                    let input = conv
                        .translator
                        .input_from_cim(&value)
                        .map_err(|e| mapping_fault("data", e, &conversation))?;
                    let ended_by_expiry = match input {
                        Input::SessionEnded { session } => conv.expired_sessions.remove(&session),
                        _ => false,
                    };
                    (!follow_up && !ended_by_expiry).then_some(input)
                } else {
                    None
                };
                let event = conv
                    .translator
                    .published_from_cim(&value)
                    .map_err(|e| mapping_fault("data", e, &conversation))?;
                match &event {
                    Published::CustomerSlaExpired { session } => {
                        conv.expired_sessions.insert(*session);
                    }
                    Published::AgentSlaExpired => conv.agent_sla_expired = true,
                    Published::TopicStateChanged {
                        state: ConversationState::Closed,
                    } => conv.closed_at_ms = Some(at_ms),
                    _ => {}
                }
                let mut items = Vec::new();
                if let Some(input) = stimulus {
                    conv.agent_sla_expired = false;
                    items.push(Item::Stimulus(input));
                }
                items.push(Item::Observed(without_deadline(event)));
                Some(items)
            } else {
                return Err(fault(
                    Some("name"),
                    format!("unknown event `{name}` (neither cxspec's nor the object model's CimEventName)"),
                ));
            }
        };
        let Some(items) = items else {
            return Ok(None);
        };
        let name = ConversationName::Text(conversation.into());
        let mut records: Vec<Record> = items
            .into_iter()
            .map(|item| Record {
                conversation: name.clone(),
                at_ms,
                item,
            })
            .collect();
        Ok(Some(if records.len() == 1 {
            Line::Record(records.pop().expect("one"))
        } else {
            Line::Records(records)
        }))
    }
}

impl Format for CimLines {
    fn name(&self) -> &'static str {
        "cim"
    }

    fn parse(&mut self, line: &[u8]) -> Result<Option<Line>, LineFault> {
        if line.iter().all(u8::is_ascii_whitespace) {
            return Ok(None);
        }
        self.lines += 1;
        if self.lines.is_multiple_of(PRUNE_EVERY_LINES) {
            self.prune();
        }
        self.read(line)
    }

    fn restart(&mut self) {
        *self = CimLines::new();
    }
}

// ---- writing -------------------------------------------------------------------------------

/// The conversation id the writer gives conversation `n`: an ObjectId's 24 hex digits.
pub fn conversation_id(n: u64) -> String {
    format!("c0a7{n:020x}")
}

/// Writes the engine's steps as the vendor's stream: per conversation a [`Translator`] (the
/// profile's mapping), one line per event, the stimulus as its echo event where the mapping
/// sends it as one (first in its cascade), else as the mapping's CimEvent or command.
pub struct CimWriter {
    names: Names,
    conversations: BTreeMap<u64, Translator>,
    /// Write a `JMSCorrelationID` per cascade (a stimulus and what it published; the events
    /// one timer expiry published).
    pub correlation: bool,
    next_correlation: u64,
}

impl CimWriter {
    pub fn new(rules: Rules, correlation: bool) -> CimWriter {
        CimWriter {
            names: Names::for_rules(rules),
            conversations: BTreeMap::new(),
            correlation,
            next_correlation: 0,
        }
    }

    fn correlation_id(&mut self) -> Option<String> {
        self.correlation.then(|| {
            self.next_correlation += 1;
            format!("ID:cxspec-{:016x}", self.next_correlation)
        })
    }

    fn finish(value: Value, conversation: u64, correlation: &Option<String>) -> String {
        let mut value = value;
        replace_strings(&mut value, CONVERSATION_ID, &conversation_id(conversation));
        if let (Some(c), Some(o)) = (correlation, value.as_object_mut()) {
            o.insert("JMSCorrelationID".into(), Value::String(c.clone()));
        }
        value.to_string()
    }

    fn translator(&mut self, conversation: u64) -> &mut Translator {
        let names = self.names;
        self.conversations
            .entry(conversation)
            .or_insert_with(|| Translator::new(names))
    }

    fn event_line(
        &mut self,
        conversation: u64,
        event: &Published,
        at_ms: u64,
        correlation: &Option<String>,
    ) -> String {
        let value = self.translator(conversation).event_to_cim(event, at_ms);
        if matches!(
            event,
            Published::TopicStateChanged {
                state: ConversationState::Closed
            }
        ) {
            self.conversations.remove(&conversation);
        }
        Self::finish(value, conversation, correlation)
    }

    /// The lines of a stimulus at `at_ms` and of what it published, each event at its own
    /// (possibly delayed) time.
    pub fn stimulus(
        &mut self,
        conversation: u64,
        at_ms: u64,
        input: &Input,
        published: &[(u64, &EngineEvent)],
    ) -> Result<Vec<String>, MappingError> {
        let correlation = self.correlation_id();
        let echo_name = match input {
            Input::SessionStarted { .. } => Some("CHANNEL_SESSION_STARTED"),
            Input::SessionEnded { .. } => Some("CHANNEL_SESSION_ENDED"),
            Input::CustomerMessage { .. } => Some("CUSTOMER_MESSAGE"),
            Input::BotMessage { .. } => Some("BOT_MESSAGE"),
            Input::AgentMessage { .. } => Some("AGENT_MESSAGE"),
            _ => None,
        };
        let mut lines = Vec::new();
        let echo = echo_name.and_then(|n| published.iter().position(|(_, e)| e.event.name() == n));
        match (echo_name, echo) {
            // The stimulus is the event that reports it, written first at the stimulus's time.
            (Some(_), Some(i)) => {
                let event = published[i].1.event.clone();
                lines.push(self.event_line(conversation, &event, at_ms, &correlation));
            }
            // Refused: the vendor's component publishes nothing either.
            (Some(_), None) => {}
            (None, _) => {
                let value = self.translator(conversation).input_to_cim(input, at_ms)?;
                lines.push(Self::finish(value, conversation, &correlation));
            }
        }
        for (i, (at, e)) in published.iter().enumerate() {
            if Some(i) != echo {
                lines.push(self.event_line(conversation, &e.event, *at, &correlation));
            }
        }
        Ok(lines)
    }

    /// The lines of what timers published, each at its own (possibly delayed) time; the
    /// events of one conversation at one instant form one cascade.
    pub fn expired(&mut self, published: &[(u64, &EngineEvent)]) -> Vec<String> {
        let mut lines = Vec::new();
        let mut cascade: Option<(u64, u64, Option<String>)> = None;
        for (at, e) in published {
            let same = cascade
                .as_ref()
                .is_some_and(|(c, t, _)| *c == e.conversation && *t == e.at_ms);
            if !same {
                cascade = Some((e.conversation, e.at_ms, self.correlation_id()));
            }
            let correlation = cascade.as_ref().expect("set above").2.clone();
            lines.push(self.event_line(e.conversation, &e.event, *at, &correlation));
        }
        lines
    }
}

#[cfg(test)]
mod tests {
    //! The reader on lines written by hand from the object model's field names (not by
    //! [`CimWriter`]), with the vendor's own kinds of ids: ObjectIds and UUIDs it minted.

    use super::*;
    use cxspec_spec::{AgentId, ChannelKind, SessionId};

    const CONV: &str = "65f1c0ffee00000000000042";
    const WEB: &str = "65f1aaaa0000000000000001";
    const CALL: &str = "65f1aaaa0000000000000002";

    fn line(fields: &str) -> String {
        format!(r#"{{"conversationId":"{CONV}","timestamp":1700000000000,{fields}}}"#)
    }

    fn started(session: &str, channel_type: &str) -> String {
        line(&format!(
            r#""name":"CHANNEL_SESSION_STARTED","channelSession":{{"id":"{session}","channel":{{"channelType":{{"name":"{channel_type}"}}}}}}"#
        ))
    }

    fn items(reader: &mut CimLines, text: &str) -> Vec<Item> {
        match reader.parse(text.as_bytes()).unwrap() {
            Some(l) => l.into_records().into_iter().map(|r| r.item).collect(),
            None => vec![],
        }
    }

    #[test]
    fn a_session_start_is_the_stimulus_and_its_echo_and_ids_are_numbered_per_conversation() {
        let mut r = CimLines::new();
        let web = items(&mut r, &started(WEB, "WHATSAPP"));
        assert_eq!(
            web,
            vec![
                Item::Stimulus(Input::SessionStarted {
                    session: SessionId(1),
                    channel: ChannelKind::NonVoice,
                    routing_mode: None,
                }),
                Item::Observed(Published::ChannelSessionStarted {
                    session: SessionId(1),
                    channel: ChannelKind::NonVoice,
                    routing_mode: None,
                }),
            ]
        );
        // CX_VOICE is a voice channel type (ChannelTypeEnum.java line 9); the second session
        // of the conversation is session 2.
        let call = items(&mut r, &started(CALL, "CX_VOICE"));
        assert!(matches!(
            call[0],
            Item::Stimulus(Input::SessionStarted {
                session: SessionId(2),
                channel: ChannelKind::Voice,
                ..
            })
        ));
        // Another conversation numbers its own sessions from 1.
        let other = started(WEB, "WEB").replace(CONV, "65f1c0ffee00000000000043");
        let record = r.parse(other.as_bytes()).unwrap().unwrap().into_records();
        assert_eq!(
            record[0].conversation,
            ConversationName::Text("65f1c0ffee00000000000043".into())
        );
        assert!(matches!(
            record[0].item,
            Item::Stimulus(Input::SessionStarted {
                session: SessionId(1),
                ..
            })
        ));
        assert_eq!(record[0].at_ms, 1_700_000_000_000);
    }

    #[test]
    fn an_sla_start_carries_no_deadline_and_an_expiry_s_session_end_is_no_stimulus() {
        let mut r = CimLines::new();
        items(&mut r, &started(WEB, "WEB"));
        let sla = line(&format!(
            r#""name":"CUSTOMER_SLA_STARTED","channelSession":{{"id":"{WEB}"}},"data":{{"totalDuration":300,"action":"CLOSE","startTime":1700000000000}}"#
        ));
        // The SLA object's fields are not the mapping's: it reads the session and no payload.
        let read = r.parse(sla.as_bytes());
        let sla_items = match read {
            Ok(Some(l)) => l.into_records(),
            other => panic!("{other:?}"),
        };
        assert_eq!(
            sla_items[0].item,
            Item::Observed(Published::CustomerSlaStarted {
                session: SessionId(1),
                deadline_ms: DEADLINE_NOT_CARRIED,
            })
        );
        let expired = line(&format!(
            r#""name":"CUSTOMER_SLA_EXPIRED","channelSession":{{"id":"{WEB}"}}"#
        ));
        let ended = line(&format!(
            r#""name":"CHANNEL_SESSION_ENDED","channelSession":{{"id":"{WEB}"}}"#
        ));
        assert_eq!(items(&mut r, &expired).len(), 1);
        // CONV-14: the spec ends the session itself; the controller's end is its echo only.
        assert_eq!(
            items(&mut r, &ended),
            vec![Item::Observed(Published::ChannelSessionEnded {
                session: SessionId(1)
            })]
        );
    }

    #[test]
    fn a_repeated_correlation_id_is_a_follow_up_and_timer_commands_are_no_stimuli() {
        let mut r = CimLines::new();
        items(&mut r, &started(WEB, "WEB"));
        let message = |correlation: &str| {
            line(&format!(
                r#""JMSCorrelationID":"{correlation}","JMSType":"CUSTOMER_MESSAGE","name":"CUSTOMER_MESSAGE","channelSession":{{"id":"{WEB}"}},"data":{{"header":{{"sender":{{"type":"CUSTOMER"}}}},"body":{{"type":"PLAIN"}}}}"#
            ))
        };
        assert_eq!(
            items(&mut r, &message("ID:a")).len(),
            2,
            "stimulus and echo"
        );
        assert_eq!(
            items(&mut r, &message("ID:a")).len(),
            1,
            "a follow-up: echo only"
        );
        assert_eq!(items(&mut r, &message("ID:b")).len(), 2);
        let agent = "0b6e3f6e-4a4b-4c2f-9d55-1d2e3f4a5b6c";
        let reserve = line(&format!(r#""command":"RESERVE_AGENT","agentId":"{agent}""#));
        assert_eq!(
            items(&mut r, &reserve),
            vec![Item::Stimulus(Input::ReserveAgent { agent: AgentId(1) })]
        );
        let ttl = line(r#""command":"TIMER_FIRED","timer":"REQUEST_TTL""#);
        assert_eq!(items(&mut r, &ttl), vec![]);
        // An event of the object model that no rule reads is skipped.
        assert_eq!(items(&mut r, &line(r#""name":"TYPING_INDICATOR""#)), vec![]);
    }

    #[test]
    fn either_spelling_of_the_topic_state_event_reads_as_topic_state_changed() {
        for name in ["TOPIC_STATE_CHANGE_EVENT", "TOPIC_STATE_CHANGED"] {
            let mut r = CimLines::new();
            items(&mut r, &started(WEB, "WEB"));
            let text = line(&format!(
                r#""name":"{name}","data":{{"id":"{CONV}","state":"ACTIVE"}}"#
            ));
            assert_eq!(
                items(&mut r, &text),
                vec![Item::Observed(Published::TopicStateChanged {
                    state: ConversationState::Active
                })],
                "{name}"
            );
        }
    }

    #[test]
    fn each_fault_names_its_field() {
        let cases = [
            (
                r#"{"timestamp":1,"name":"CUSTOMER_MESSAGE"}"#.to_string(),
                "field `conversationId`: missing",
            ),
            (
                format!(r#"{{"conversationId":"{CONV}","name":"AGENT_SLA_STOPPED"}}"#),
                "field `timestamp`: missing",
            ),
            (
                format!(r#"{{"conversationId":"{CONV}","timestamp":"noon","name":"AGENT_SLA_STOPPED"}}"#),
                "field `timestamp`: \"noon\" is not epoch milliseconds",
            ),
            (line(r#""name":"AGENT_SLA_STOPPD""#), "field `name`: unknown event `AGENT_SLA_STOPPD`"),
            (line(r#""type":"NOTIFICATION""#), "field `name`: missing"),
            (
                line(r#""name":"CUSTOMER_MESSAGE","channelSession":{"id":"x"},"JMSCorrelationID":7"#),
                "field `JMSCorrelationID`: 7 is not a string",
            ),
            (
                line(r#""command":"RESERVE_AGENT""#),
                "field `command`: no agentId in {\"command\":\"RESERVE_AGENT\",\"conversationId\":\"65f1c0ffee00000000000042\"",
            ),
            ("[1,2]".to_string(), "not a JSON object"),
            ("{\"conversationId\":".to_string(), "not a JSON log record"),
        ];
        for (text, expected) in cases {
            let e = CimLines::new()
                .parse(text.as_bytes())
                .unwrap_err()
                .to_string();
            assert!(e.contains(expected), "{text}: {e}");
        }
    }
}
