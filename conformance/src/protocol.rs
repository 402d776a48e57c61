//! The adapter protocol (`conformance/PROTOCOL.md`, `conformance/schema/protocol.schema.json`):
//! newline-delimited JSON on the adapter's stdin (requests) and stdout (replies), one
//! reply per request, in order. Any language can speak it with its standard library.
//!
//! Replies are read loosely (`published` and `state` stay JSON values) so that a wrong
//! event is reported as the adapter wrote it, not as a parse error.

use crate::suite::Suite;
use cxspec_spec::{Config, Input, Published, Readings, RuleSet};
use serde::{Deserialize, Serialize};

pub const PROTOCOL_VERSION: u32 = 1;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
// No `deny_unknown_fields`: PROTOCOL.md asks adapters to ignore request fields they do not
// know (so that the runner can add one, as it added `seq`), and the reference served over
// the protocol is an adapter like any other.
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Request {
    /// First request to a new adapter process.
    Hello { protocol: u32 },
    /// Start a case: a fresh conversation with this configuration, clock at 0.
    Reset {
        id: String,
        suite: Suite,
        rule_set: RuleSet,
        config: Config,
        /// Mutation runs only: the mutant to behave as (see `hello.mutants`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        mutant: Option<String>,
        /// The readings the case's expectations follow on top of `rule_set` (the ones the
        /// adapter declared in `hello`, and any the vector has); omitted when none.
        #[serde(default, skip_serializing_if = "Readings::is_empty")]
        readings: Readings,
    },
    /// An input at a time, and (component suites) what the other components published.
    Apply {
        at_ms: u64,
        input: Input,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        events: Vec<Published>,
    },
    /// Advance the clock, firing due timers, then (component suites) consume the events.
    Advance {
        to_ms: u64,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        events: Vec<Published>,
    },
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Reply {
    pub ok: bool,
    /// The `seq` of the request this replies to (optional; once echoed, always echoed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Reset only: the adapter does not run this case, and says why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skip: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<Vec<serde_json::Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reject: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<serde_json::Value>,
    /// Optional: rule IDs the implementation applied in this step (shown in reports).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rules: Option<Vec<String>>,
    /// Hello only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suites: Option<Vec<Suite>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mutants: Option<Vec<String>>,
    /// Hello only: the readings the implementation follows (`{"R-03": "agent-sla-started"}`);
    /// absent or empty means `specified`'s alternative for every reading.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub readings: Option<Readings>,
    /// Hello only: the JSON the adapter speaks, `native` (the default) or `expertflow-cim`
    /// (the vendor's object model, conformance/VENDOR.md). Kept as text so that an unknown
    /// name is reported as such.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
}

impl Reply {
    pub fn ok() -> Reply {
        Reply {
            ok: true,
            ..Reply::default()
        }
    }

    pub fn error(message: impl Into<String>) -> Reply {
        Reply {
            ok: false,
            error: Some(message.into()),
            ..Reply::default()
        }
    }
}
