//! The vendor profile of the kit (`expertflow-cim`): cxspec's inputs and events mapped both
//! ways to the JSON of the vendor's own objects, so that an implementation written against
//! the vendor's object model exchanges that JSON with the runner, which translates.
//!
//! Sources: the Java object model `expertflow/object-model` at commit d77a5aa (`CimEvent`,
//! `CimEventName`, `Enums`, `task/*`, `dto/*`; each type of [`cim`] cites its file and lines)
//! and the Routing Engine `maliksikander/routing-engine` at 74d7fc6, whose
//! `global/jms/ActivemqCommunicator.java` (lines 143-206) shows how each event is enveloped.
//! The mapping, field by field and both ways, is the table of `conformance/VENDOR.md`.
//!
//! Public API (kept stable for the readers of recorded vendor streams):
//! * [`Profile`]: which JSON an adapter speaks, declared in `hello` as `"profile"`;
//! * [`Names`]: the event names the readings choose (R-24, the topic state event);
//! * [`Translator`]: one case (one conversation), one side of the wire:
//!   [`Translator::input_to_cim`] and [`Translator::event_to_cim`] write the vendor's JSON,
//!   [`Translator::event_from_cim`] reads an event back leniently (for field-by-field
//!   comparison), [`Translator::published_from_cim`] and [`Translator::input_from_cim`]
//!   strictly; [`Translator::for_recorded`] reads a recorded stream, binding every id on
//!   first sight;
//! * [`Ids`], [`IdKind`]: id interning (numbers to the vendor's strings and back);
//! * [`EPOCH_MS`]: `CimEvent.timestamp` is `EPOCH_MS + at_ms`;
//! * [`project_expected`]: expected events as the profile compares them (no `deadline_ms`);
//! * [`wire::KitSide`], [`wire::ImplementationSide`]: the profile applied to the protocol's
//!   requests and replies, on the runner's side and on an implementation's.
//!
//! Left out: the configuration (`reset.config` stays cxspec's, in milliseconds), `reject`
//! names (cxspec's; the vendor answers REST errors with no catalogue) and `state` (the
//! vendor's objects hold no snapshot of the SLA timers): VENDOR.md, "What is lost".

pub mod cim;
pub mod ids;
pub mod translate;
pub mod wire;

pub use ids::{IdKind, Ids, CONVERSATION_ID};
pub use translate::{
    project_expected, with_placeholder_deadline, MappingError, Translator, EPOCH_MS,
};

use cxspec_spec::{Reading, Rules};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The JSON an adapter speaks (`hello.profile`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Profile {
    /// cxspec's own JSON (PROTOCOL.md, FORMAT.md).
    #[default]
    Native,
    /// The vendor's object model: `CimEvent` envelopes and DTOs (VENDOR.md).
    ExpertflowCim,
}

impl Profile {
    pub const ALL: [Profile; 2] = [Profile::Native, Profile::ExpertflowCim];

    pub fn name(self) -> &'static str {
        match self {
            Profile::Native => "native",
            Profile::ExpertflowCim => "expertflow-cim",
        }
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Profile {
    type Err = String;
    fn from_str(s: &str) -> Result<Profile, String> {
        Profile::ALL
            .into_iter()
            .find(|p| p.name() == s)
            .ok_or_else(|| format!("unknown profile `{s}` (expected native or expertflow-cim)"))
    }
}

/// The event names that readings choose. R-23 (threshold events) needs no entry: under
/// `sla-started` the rules themselves publish AGENT_SLA_STARTED / CUSTOMER_SLA_STARTED for a
/// threshold, names the object model has (`CimEventName.java` lines 48 and 61); under
/// `threshold-reached` the profile keeps cxspec's names, which the object model lacks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Names {
    /// TOPIC_STATE_CHANGED (R-24 `topic-state-changed`) or TOPIC_STATE_CHANGE_EVENT
    /// (`topic-state-change-event`).
    pub topic_state: &'static str,
}

impl Names {
    pub fn for_rules(rules: Rules) -> Names {
        Names {
            topic_state: if rules.takes(Reading::TopicStateEvent, "topic-state-change-event") {
                "TOPIC_STATE_CHANGE_EVENT"
            } else {
                "TOPIC_STATE_CHANGED"
            },
        }
    }
}

#[cfg(test)]
mod tests;
