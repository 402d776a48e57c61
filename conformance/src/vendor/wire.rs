//! The profile on the protocol's requests and replies: the runner's side ([`KitSide`]: native
//! requests out as the vendor's JSON, the vendor's replies back as native JSON) and the
//! implementation's side ([`ImplementationSide`]: what the reference served with `--profile
//! expertflow-cim` does, and what a wrapper of a native engine does, as the Java vendor
//! adapter does in Java).
//!
//! Only `input` and `events` of requests and `published` of replies change; the protocol's
//! own fields (`op`, `seq`, `at_ms`, `to_ms`, `config`, `readings`, `reject`, `rules`) are the
//! kit's and stay as PROTOCOL.md has them. A reply's `state` is not part of the profile
//! (VENDOR.md, "What is lost"): the kit's side refuses one, the implementation's side drops it.

use super::{MappingError, Names, Translator};
use crate::protocol::{Reply, Request};
use cxspec_spec::{Published, Rules};
use serde_json::Value;

/// The runner's side of one adapter process: a fresh [`Translator`] per case.
#[derive(Clone, Debug, Default)]
pub struct KitSide {
    case: Option<Translator>,
}

impl KitSide {
    pub fn new() -> KitSide {
        KitSide::default()
    }

    fn case(&mut self) -> Result<&mut Translator, MappingError> {
        self.case
            .as_mut()
            .ok_or_else(|| MappingError("a step before any reset".into()))
    }

    /// The request as the adapter receives it under the profile.
    pub fn request(&mut self, request: &Request) -> Result<Value, MappingError> {
        let mut value = serde_json::to_value(request).expect("requests serialize");
        match request {
            Request::Hello { .. } => {}
            Request::Reset {
                rule_set, readings, ..
            } => {
                self.case = Some(Translator::new(Names::for_rules(Rules::new(
                    *rule_set, *readings,
                ))));
            }
            Request::Apply {
                at_ms,
                input,
                events,
            } => {
                let t = self.case()?;
                value["input"] = t.input_to_cim(input, *at_ms)?;
                if !events.is_empty() {
                    value["events"] = events.iter().map(|e| t.event_to_cim(e, *at_ms)).collect();
                }
            }
            Request::Advance { to_ms, events } => {
                let t = self.case()?;
                if !events.is_empty() {
                    value["events"] = events.iter().map(|e| t.event_to_cim(e, *to_ms)).collect();
                }
            }
        }
        Ok(value)
    }

    /// The adapter's reply with its `published` read back as native JSON (leniently: every
    /// difference stays for the runner to report).
    pub fn reply(&mut self, mut reply: Reply) -> Result<Reply, MappingError> {
        if reply.state.is_some() {
            return Err(MappingError(
                "the reply has a `state`; the expertflow-cim profile compares events only (VENDOR.md, \"What is lost\")"
                    .into(),
            ));
        }
        if let Some(published) = reply.published.take() {
            let t = self.case()?;
            reply.published = Some(published.iter().map(|e| t.event_from_cim(e)).collect());
        }
        Ok(reply)
    }
}

/// The implementation's side: requests in the vendor's JSON read as native ones, replies
/// written in the vendor's JSON.
#[derive(Clone, Debug, Default)]
pub struct ImplementationSide {
    case: Option<Translator>,
    /// The time of the request being answered: the timestamp of what it publishes.
    now_ms: u64,
}

impl ImplementationSide {
    pub fn new() -> ImplementationSide {
        ImplementationSide::default()
    }

    /// Rewrites a request received under the profile into the native request (a JSON value
    /// the protocol's `Request` parses).
    pub fn request(&mut self, value: &mut Value) -> Result<(), MappingError> {
        let op = value.get("op").and_then(Value::as_str).unwrap_or_default();
        match op {
            "reset" => {
                let rules: Rules = match serde_json::from_value::<Request>(value.clone()) {
                    Ok(Request::Reset {
                        rule_set, readings, ..
                    }) => Rules::new(rule_set, readings),
                    _ => return Ok(()),
                };
                self.case = Some(Translator::new(Names::for_rules(rules)));
                self.now_ms = 0;
            }
            "apply" | "advance" => {
                let time = if op == "apply" { "at_ms" } else { "to_ms" };
                self.now_ms = value.get(time).and_then(Value::as_u64).unwrap_or(0);
                let t = self
                    .case
                    .as_mut()
                    .ok_or_else(|| MappingError("a step before any reset".into()))?;
                if let Some(input) = value.get("input").cloned() {
                    value["input"] =
                        serde_json::to_value(t.input_from_cim(&input)?).expect("inputs serialize");
                }
                if let Some(Value::Array(events)) = value.get("events").cloned() {
                    let native: Result<Vec<Published>, MappingError> =
                        events.iter().map(|e| t.published_from_cim(e)).collect();
                    value["events"] = serde_json::to_value(native?).expect("events serialize");
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Rewrites a native reply's `published` into the vendor's JSON and drops its `state`.
    pub fn reply(&mut self, reply: &mut Reply) {
        reply.state = None;
        let (Some(t), Some(published)) = (self.case.as_mut(), reply.published.take()) else {
            return;
        };
        reply.published = Some(
            published
                .iter()
                .map(|e| match serde_json::from_value::<Published>(e.clone()) {
                    Ok(event) => t.event_to_cim(&event, self.now_ms),
                    Err(_) => e.clone(),
                })
                .collect(),
        );
    }
}
