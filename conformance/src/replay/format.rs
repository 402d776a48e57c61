//! The input formats of `cxspec replay`: how one line of a log becomes a [`Record`] (a
//! conversation, a time, and either a stimulus or a published event).
//!
//! Two formats exist: [`JsonLines`] (`conformance/REPLAY.md`, "Log format"): the
//! protocol's event objects (`conformance/PROTOCOL.md`: an `input` as in `apply`, a
//! `published` event as in a reply) with `conversation` and a timestamp; and the vendor's
//! CimEvent stream ([`super::cim::CimLines`], `--format cim`), whose one line may be both a
//! stimulus and the event it published. The replay core only sees [`Record`]s. Left out:
//! compressed input, and formats that need more than one line per record.

use cxspec_spec::{Input, Published};
use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::fmt;

/// How the log names a conversation: the platform's own identifier, a number or a string.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ConversationName {
    Number(u64),
    Text(Box<str>),
}

impl fmt::Display for ConversationName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConversationName::Number(n) => write!(f, "{n}"),
            ConversationName::Text(t) => write!(f, "{t}"),
        }
    }
}

/// What happened: a stimulus that entered the platform, or an event a component published.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Item {
    Stimulus(Input),
    Observed(Published),
}

/// One log line, read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    pub conversation: ConversationName,
    pub at_ms: u64,
    pub item: Item,
}

/// What a line holds: a record, or the log's configuration header (`{"config": {...}}`,
/// the spec's `Config` as FORMAT.md writes it), allowed before the first record so that a
/// generated log carries the durations it was made with.
#[derive(Clone, Debug, PartialEq)]
pub enum Line {
    Record(Record),
    /// Several records read from one line, in order: a vendor event that is a stimulus and
    /// the event it published at once (`--format cim`).
    Records(Vec<Record>),
    Config(cxspec_spec::Config),
}

impl Line {
    /// The records of the line, in order (none for a configuration line).
    pub fn into_records(self) -> Vec<Record> {
        match self {
            Line::Record(r) => vec![r],
            Line::Records(rs) => rs,
            Line::Config(_) => Vec::new(),
        }
    }
}

/// Why a line could not be read: the field at fault (if one is) and what is wrong with it.
/// The caller adds the file and line number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineFault {
    pub field: Option<&'static str>,
    pub message: String,
}

impl fmt::Display for LineFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.field {
            Some(field) => write!(f, "field `{field}`: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

pub(crate) fn fault(field: Option<&'static str>, message: impl Into<String>) -> LineFault {
    LineFault {
        field,
        message: message.into(),
    }
}

/// A log format: one line in, one record out (or nothing, for a line that holds none).
pub trait Format {
    /// The name `--format` takes.
    fn name(&self) -> &'static str;
    /// Reads one line, without its line break. `Ok(None)`: the line holds nothing (blank).
    fn parse(&mut self, line: &[u8]) -> Result<Option<Line>, LineFault>;
    /// Forgets what earlier lines taught a stateful format (the vendor's id bindings), before
    /// the log is read again from its start.
    fn restart(&mut self) {}
}

/// The formats `--format` accepts, by name.
pub fn format_named(name: &str) -> Result<Box<dyn Format>, String> {
    match name {
        "jsonl" => Ok(Box::new(JsonLines)),
        "cim" => Ok(Box::new(super::cim::CimLines::new())),
        other => Err(format!("unknown log format `{other}` (known: jsonl, cim)")),
    }
}

/// Newline-delimited JSON, one record per line (`conformance/REPLAY.md`, "Log format"):
///
/// ```text
/// {"conversation":"c-17","at_ms":1000,"input":{"event":"CUSTOMER_MESSAGE","session":1}}
/// {"conversation":"c-17","at":"2026-12-03T08:00:01.250Z","published":{"event":"CUSTOMER_SLA_STOPPED","session":1}}
/// ```
pub struct JsonLines;

/// The line's envelope; the event object is read in a second pass so that an error in it
/// names its field. Unknown envelope fields are skipped (brokers add metadata); a line
/// without a known event field is refused, so a misspelt one is not silently empty.
#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(borrow, default)]
    conversation: Option<RawConversation<'a>>,
    #[serde(default)]
    at_ms: Option<u64>,
    #[serde(borrow, default)]
    at: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    input: Option<&'a RawValue>,
    #[serde(borrow, default)]
    published: Option<&'a RawValue>,
    #[serde(borrow, default)]
    config: Option<&'a RawValue>,
}

/// The envelope with its event read in the same pass: the usual, well-formed line costs one
/// pass. Anything it does not take (an error, a configuration line, an event without fields
/// whose extra fields serde would let through) goes the careful way, [`Envelope`].
#[derive(Deserialize)]
struct FastEnvelope<'a> {
    #[serde(borrow, default)]
    conversation: Option<RawConversation<'a>>,
    #[serde(default)]
    at_ms: Option<u64>,
    #[serde(borrow, default)]
    at: Option<Cow<'a, str>>,
    #[serde(default)]
    input: Option<Input>,
    #[serde(default)]
    published: Option<Published>,
    #[serde(borrow, default)]
    config: Option<&'a RawValue>,
}

/// Whether an event has no fields (serde does not refuse extra fields on those).
fn fieldless_input(input: &Input) -> bool {
    matches!(input, Input::QueueFlush | Input::HousekeepingDone)
}

fn fieldless_event(event: &Published) -> bool {
    matches!(
        event,
        Published::AgentSlaStopped
            | Published::AgentSlaExpired
            | Published::ConversationPaused
            | Published::ConversationResumed
    )
}

enum RawConversation<'a> {
    Number(u64),
    Text(Cow<'a, str>),
}

impl<'de: 'a, 'a> Deserialize<'de> for RawConversation<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawConversation<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a non-negative integer or a string")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(RawConversation::Number(v))
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(RawConversation::Text(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(RawConversation::Text(Cow::Owned(v.to_string())))
            }
        }
        deserializer.deserialize_any(V)
    }
}

/// serde_json's message without its " at line 1 column N" tail (the line is ours to name),
/// with the column kept when there is one.
pub(crate) fn json_message(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(at) => format!("{} (column {})", &text[..at], e.column()),
        None => text,
    }
}

/// serde accepts any extra field on an event without fields (an internally tagged unit
/// variant), where every other event refuses one: checked here, so that no field of a log
/// is silently dropped.
fn only_the_tag(raw: &RawValue, field: &'static str) -> Result<(), LineFault> {
    let fields: std::collections::BTreeMap<String, de::IgnoredAny> =
        serde_json::from_str(raw.get()).map_err(|e| fault(Some(field), json_message(&e)))?;
    match fields.keys().find(|k| *k != "event") {
        Some(extra) => Err(fault(Some(field), format!("unknown field `{extra}`"))),
        None => Ok(()),
    }
}

impl Format for JsonLines {
    fn name(&self) -> &'static str {
        "jsonl"
    }

    fn parse(&mut self, line: &[u8]) -> Result<Option<Line>, LineFault> {
        if line.iter().all(u8::is_ascii_whitespace) {
            return Ok(None);
        }
        if let Ok(fast) = serde_json::from_slice::<FastEnvelope>(line) {
            let item = match (fast.input, fast.published) {
                (Some(input), None) if !fieldless_input(&input) => Some(Item::Stimulus(input)),
                (None, Some(event)) if !fieldless_event(&event) => Some(Item::Observed(event)),
                _ => None,
            };
            if let (Some(item), None) = (item, fast.config) {
                let conversation = conversation_name(fast.conversation)?;
                let at_ms = timestamp(fast.at_ms, fast.at)?;
                return Ok(Some(Line::Record(Record {
                    conversation,
                    at_ms,
                    item,
                })));
            }
        }
        self.parse_carefully(line)
    }
}

fn conversation_name(raw: Option<RawConversation>) -> Result<ConversationName, LineFault> {
    match raw {
        Some(RawConversation::Number(n)) if n > cxspec_spec::config::MAX_TIME_MS => Err(fault(
            Some("conversation"),
            format!("{n} is past 2^53 - 1, the largest exact integer of the format"),
        )),
        Some(RawConversation::Number(n)) => Ok(ConversationName::Number(n)),
        Some(RawConversation::Text(t)) if !t.is_empty() => Ok(ConversationName::Text(t.into())),
        Some(RawConversation::Text(_)) => Err(fault(Some("conversation"), "empty")),
        None => Err(fault(Some("conversation"), "missing")),
    }
}

fn timestamp(at_ms: Option<u64>, at: Option<Cow<str>>) -> Result<u64, LineFault> {
    let at_ms = match (at_ms, at) {
        (Some(ms), None) => ms,
        (None, Some(text)) => super::timestamp::parse_rfc3339_ms(&text)
            .map_err(|m| fault(Some("at"), format!("`{text}`: {m}")))?,
        (Some(_), Some(_)) => {
            return Err(fault(
                Some("at"),
                "both `at_ms` and `at`: give one timestamp",
            ))
        }
        (None, None) => {
            return Err(fault(
                Some("at_ms"),
                "missing (a timestamp: `at_ms` in ms, or `at` in RFC 3339)",
            ))
        }
    };
    if at_ms > cxspec_spec::config::MAX_TIME_MS {
        return Err(fault(
            Some("at_ms"),
            format!("{at_ms} is past the time domain (2^53 - 1 ms)"),
        ));
    }
    Ok(at_ms)
}

impl JsonLines {
    /// The two-pass reading: the envelope with the event left raw, then the event, so that
    /// an error names the field at fault.
    fn parse_carefully(&mut self, line: &[u8]) -> Result<Option<Line>, LineFault> {
        let envelope: Envelope = serde_json::from_slice(line)
            .map_err(|e| fault(None, format!("not a JSON log record: {}", json_message(&e))))?;
        if let Some(raw) = envelope.config {
            if envelope.conversation.is_some()
                || envelope.input.is_some()
                || envelope.published.is_some()
            {
                return Err(fault(
                    Some("config"),
                    "a configuration line holds nothing else",
                ));
            }
            let config: cxspec_spec::Config = serde_json::from_str(raw.get())
                .map_err(|e| fault(Some("config"), json_message(&e)))?;
            config.validate().map_err(|invalid| {
                fault(
                    Some("config"),
                    format!("{}: {}", invalid.field, invalid.message),
                )
            })?;
            return Ok(Some(Line::Config(config)));
        }
        let conversation = conversation_name(envelope.conversation)?;
        let at_ms = timestamp(envelope.at_ms, envelope.at)?;
        let item = match (envelope.input, envelope.published) {
            (Some(raw), None) => {
                let input: Input = serde_json::from_str(raw.get())
                    .map_err(|e| fault(Some("input"), json_message(&e)))?;
                if fieldless_input(&input) {
                    only_the_tag(raw, "input")?;
                }
                Item::Stimulus(input)
            }
            (None, Some(raw)) => {
                let event: Published = serde_json::from_str(raw.get())
                    .map_err(|e| fault(Some("published"), json_message(&e)))?;
                if fieldless_event(&event) {
                    only_the_tag(raw, "published")?;
                }
                Item::Observed(event)
            }
            (Some(_), Some(_)) => {
                return Err(fault(
                    None,
                    "both `input` and `published`: one record per line",
                ))
            }
            (None, None) => {
                return Err(fault(
                    None,
                    "neither `input` nor `published`: nothing happened on this line",
                ))
            }
        };
        Ok(Some(Line::Record(Record {
            conversation,
            at_ms,
            item,
        })))
    }
}

/// The configuration header line of the `jsonl` format.
pub fn config_line(config: &cxspec_spec::Config) -> String {
    serde_json::json!({ "config": config }).to_string()
}

/// Writes a record as one JSON line of the `jsonl` format (no line break).
pub fn to_json_line(conversation: &ConversationName, at_ms: u64, item: &Item) -> String {
    let conversation = match conversation {
        ConversationName::Number(n) => serde_json::Value::from(*n),
        ConversationName::Text(t) => serde_json::Value::from(t.as_ref()),
    };
    let (key, value) = match item {
        Item::Stimulus(input) => ("input", serde_json::to_value(input)),
        Item::Observed(event) => ("published", serde_json::to_value(event)),
    };
    let mut line = serde_json::Map::new();
    line.insert("conversation".into(), conversation);
    line.insert("at_ms".into(), at_ms.into());
    line.insert(key.into(), value.expect("events serialise"));
    serde_json::Value::Object(line).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use cxspec_spec::SessionId;

    fn parse(line: &str) -> Result<Option<Record>, LineFault> {
        JsonLines.parse(line.as_bytes()).map(|l| match l {
            Some(Line::Record(r)) => Some(r),
            Some(Line::Records(_) | Line::Config(_)) => panic!("a record was expected"),
            None => None,
        })
    }

    #[test]
    fn the_configuration_header_reads_back_and_is_validated() {
        let config = crate::workload::config();
        let line = config_line(&config);
        assert_eq!(
            JsonLines.parse(line.as_bytes()),
            Ok(Some(Line::Config(config)))
        );
        let bad = line.replace("\"rona_ms\":20000", "\"rona_ms\":0");
        assert_ne!(bad, line);
        let e = JsonLines.parse(bad.as_bytes()).unwrap_err().to_string();
        assert!(
            e.contains("field `config`: rona_ms: must be greater than 0"),
            "{e}"
        );
    }

    #[test]
    fn a_stimulus_and_an_event_read_back_as_written() {
        let stimulus = Item::Stimulus(Input::CustomerMessage {
            session: SessionId(1),
        });
        let event = Item::Observed(Published::CustomerSlaStopped {
            session: SessionId(1),
        });
        for (name, item) in [
            (ConversationName::Number(7), stimulus),
            (ConversationName::Text("c-7".into()), event),
        ] {
            let line = to_json_line(&name, 1500, &item);
            let record = parse(&line).unwrap().unwrap();
            assert_eq!(record.conversation, name);
            assert_eq!(record.at_ms, 1500);
            assert_eq!(record.item, item);
        }
    }

    #[test]
    fn rfc3339_timestamps_and_unknown_envelope_fields_are_accepted() {
        let r = parse(r#"{"partition":3,"conversation":"x","at":"1970-01-01T00:00:01.5Z","published":{"event":"AGENT_SLA_STOPPED"}}"#)
            .unwrap()
            .unwrap();
        assert_eq!(r.at_ms, 1500);
        assert_eq!(r.item, Item::Observed(Published::AgentSlaStopped));
        assert_eq!(parse("   ").unwrap(), None);
    }

    #[test]
    fn the_one_pass_reading_agrees_with_the_careful_one() {
        for line in [
            r#"{"conversation":"c","at_ms":5,"input":{"event":"CUSTOMER_MESSAGE","session":1}}"#,
            r#"{"conversation":3,"at":"1970-01-01T00:00:02Z","published":{"event":"TASK_STATE_CHANGED","task":{"id":1,"session":1,"state":"ACTIVE","media_state":"QUEUED","direction":"INBOUND","mode":"QUEUE","agent":null}}}"#,
            r#"{"conversation":3,"at_ms":5,"published":{"event":"AGENT_SLA_STOPPED"}}"#,
            r#"{"conversation":3,"at_ms":5,"input":{"event":"HOUSEKEEPING_DONE"},"offset":9}"#,
        ] {
            let fast = JsonLines.parse(line.as_bytes());
            let careful = JsonLines.parse_carefully(line.as_bytes());
            assert_eq!(fast, careful, "{line}");
            assert!(matches!(fast, Ok(Some(Line::Record(_)))), "{line}");
        }
    }

    #[test]
    fn each_fault_names_its_field() {
        let cases = [
            (
                r#"{"at_ms":1,"input":{"event":"QUEUE_FLUSH"}}"#,
                "field `conversation`: missing",
            ),
            (
                r#"{"conversation":1,"input":{"event":"QUEUE_FLUSH"}}"#,
                "field `at_ms`: missing",
            ),
            (
                r#"{"conversation":1,"at_ms":-4,"input":{"event":"QUEUE_FLUSH"}}"#,
                "not a JSON log record",
            ),
            (
                r#"{"conversation":1,"at_ms":1,"at":"1970-01-01T00:00:00Z","input":{"event":"QUEUE_FLUSH"}}"#,
                "both `at_ms` and `at`",
            ),
            (
                r#"{"conversation":1,"at":"yesterday","input":{"event":"QUEUE_FLUSH"}}"#,
                "field `at`: `yesterday`",
            ),
            (
                r#"{"conversation":1,"at_ms":1,"input":{"event":"FLUSH"}}"#,
                "field `input`: unknown variant `FLUSH`",
            ),
            (
                r#"{"conversation":1,"at_ms":1,"published":{"event":"AGENT_SLA_STOPPED","x":1}}"#,
                "field `published`: unknown field `x`",
            ),
            (
                r#"{"conversation":1,"at_ms":1,"publihsed":{"event":"AGENT_SLA_STOPPED"}}"#,
                "neither `input` nor `published`",
            ),
            (
                r#"{"conversation":"","at_ms":1,"input":{"event":"QUEUE_FLUSH"}}"#,
                "field `conversation`: empty",
            ),
            (
                r#"{"conversation":1,"at_ms":9007199254740992,"input":{"event":"QUEUE_FLUSH"}}"#,
                "past the time domain",
            ),
            ("{\"conversation\":1,", "not a JSON log record"),
        ];
        for (line, expected) in cases {
            let e = parse(line).unwrap_err().to_string();
            assert!(e.contains(expected), "{line}: {e}");
        }
    }
}
