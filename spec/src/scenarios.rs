//! Scenarios: timed input sequences with their configuration and rule set, as data.
//!
//! A [`Scenario`] is what `cxspec simulate` runs, what a model-checker counterexample is
//! written as, and the input half of a conformance vector. [`seed_scenarios`] holds the
//! worked cases of `949321729.md` (cases 1..8, numbered in order of appearance: the page
//! numbers two of them "2") and the task flows of `2550490.md`, by name.
//! Left out: expected outputs. Those live with the tests and vectors, written from the
//! sources, so that the code under test does not produce its own expectations.

use crate::config::{
    line_of_key, step_field_line, step_lines, yaml_error, Config, ConfigError, MAX_TIME_MS,
};
use crate::event::{Input, Published, Reject};
use crate::readings::{Readings, Rules};
use crate::rules::{Rule, RuleSet};
use crate::system::System;
use crate::types::*;
use crate::Outcome;
use serde::{Deserialize, Serialize};

/// One timed input.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    pub at_ms: u64,
    #[serde(flatten)]
    pub input: Input,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub name: String,
    pub title: String,
    /// Rule IDs the scenario exercises.
    #[serde(default)]
    pub rules: Vec<String>,
    #[serde(default)]
    pub rule_set: RuleSet,
    /// Readings chosen on top of the rule set (`{R-03: agent-sla-started}`).
    #[serde(default, skip_serializing_if = "Readings::is_empty")]
    pub readings: Readings,
    #[serde(default)]
    pub config: Config,
    pub steps: Vec<Step>,
}

/// What one step did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepResult {
    pub at_ms: u64,
    pub input: Input,
    pub outcome: Result<Outcome, Reject>,
}

/// A scenario that cannot run: time went backwards at a step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimeWentBackwards {
    pub step: usize,
    pub at_ms: u64,
    pub previous_ms: u64,
}

impl std::fmt::Display for TimeWentBackwards {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "step {}: at_ms {} is before the previous step's {} (time must not go backwards)",
            self.step + 1,
            self.at_ms,
            self.previous_ms
        )
    }
}

impl Scenario {
    /// Runs every step on a fresh conversation. Rejections are results, not errors.
    pub fn run(&self) -> Result<(System, Vec<StepResult>), TimeWentBackwards> {
        let mut system = System::new();
        let mut results = Vec::with_capacity(self.steps.len());
        let mut previous_ms = 0;
        for (i, step) in self.steps.iter().enumerate() {
            if step.at_ms < previous_ms {
                return Err(TimeWentBackwards {
                    step: i,
                    at_ms: step.at_ms,
                    previous_ms,
                });
            }
            previous_ms = step.at_ms;
            let mut outcome = Outcome::default();
            let result = system
                .apply(
                    &step.input,
                    step.at_ms,
                    &self.config,
                    Rules::new(self.rule_set, self.readings),
                    &mut outcome,
                )
                .map(|()| outcome);
            results.push(StepResult {
                at_ms: step.at_ms,
                input: step.input,
                outcome: result,
            });
        }
        Ok((system, results))
    }

    /// Parses and checks a scenario file: the limits before parsing (`limits`), then what
    /// serde cannot check: known rule IDs, the configuration, times within the time domain
    /// (`config::MAX_TIME_MS`). Errors name `origin`, the line and the field.
    pub fn from_yaml(text: &str, origin: &str) -> Result<Scenario, ConfigError> {
        crate::limits::check_text(text, origin)?;
        let scenario: Scenario =
            serde_yaml::from_str(text).map_err(|e| yaml_error(&e, text, origin))?;
        let error = |line: Option<usize>, field: String, message: String| ConfigError {
            origin: origin.to_string(),
            line,
            field: Some(field),
            message,
        };
        for id in &scenario.rules {
            if Rule::from_id(id).is_none() {
                return Err(error(
                    line_of_key(text, "rules"),
                    "rules".into(),
                    format!("unknown rule ID `{id}` (see spec/RULES.md)"),
                ));
            }
        }
        scenario.config.validate().map_err(|invalid| {
            error(
                line_of_key(text, invalid.field),
                format!("config.{}", invalid.field),
                invalid.message,
            )
        })?;
        let starts = step_lines(text);
        for (i, step) in scenario.steps.iter().enumerate() {
            if step.at_ms > MAX_TIME_MS {
                return Err(error(
                    step_field_line(text, &starts, i, "at_ms"),
                    format!("steps[{i}].at_ms"),
                    format!(
                        "{} ms is past the time domain (times are at most 2^53 - 1 = {MAX_TIME_MS} ms)",
                        step.at_ms
                    ),
                ));
            }
        }
        Ok(scenario)
    }
}

/// Formats a published event on one line, e.g. `CUSTOMER_SLA_STARTED session=1 deadline_ms=300000`.
pub fn describe(event: &Published) -> String {
    one_line(event.name(), event)
}

// ---- the built-in scenarios -----------------------------------------------------------

const S1: SessionId = SessionId(1);
const S2: SessionId = SessionId(2);
const A1: AgentId = AgentId(1);
const A2: AgentId = AgentId(2);

fn at(at_ms: u64, input: Input) -> Step {
    Step { at_ms, input }
}

/// The opening shared by all eight SLA cases: a web chat starts, the bot answers, the
/// customer writes and asks for an agent.
fn web_chat_opening() -> Vec<Step> {
    vec![
        at(
            0,
            Input::SessionStarted {
                session: S1,
                channel: ChannelKind::NonVoice,
                routing_mode: None,
            },
        ),
        at(1_000, Input::BotMessage { session: S1 }),
        at(2_000, Input::CustomerMessage { session: S1 }),
        at(
            3_000,
            Input::RequestAgent {
                session: S1,
                direction: None,
            },
        ),
    ]
}

/// The opening plus "agent gets RESERVED and joins".
fn agent_joins() -> Vec<Step> {
    let mut steps = web_chat_opening();
    steps.push(at(4_000, Input::ReserveAgent { agent: A1 }));
    steps.push(at(5_000, Input::AcceptTask { agent: A1 }));
    steps
}

/// A web chat on session 1 served at once: started at 0, FIND_AGENT (with `direction`) at
/// 1 s, agent 1 reserved at 2 s and accepting at 3 s.
fn chat_served(direction: Option<Direction>) -> Vec<Step> {
    vec![
        at(
            0,
            Input::SessionStarted {
                session: S1,
                channel: ChannelKind::NonVoice,
                routing_mode: None,
            },
        ),
        at(
            1_000,
            Input::RequestAgent {
                session: S1,
                direction,
            },
        ),
        at(2_000, Input::ReserveAgent { agent: A1 }),
        at(3_000, Input::AcceptTask { agent: A1 }),
    ]
}

fn scenario(name: &str, title: &str, rules: &[&str], config: Config, steps: Vec<Step>) -> Scenario {
    Scenario {
        name: name.to_string(),
        title: title.to_string(),
        rules: rules.iter().map(|r| r.to_string()).collect(),
        rule_set: RuleSet::Specified,
        readings: Readings::NONE,
        config,
        steps,
    }
}

/// The worked cases and task flows, by name.
pub fn seed_scenarios() -> Vec<Scenario> {
    let push = Config::default();
    let wrap_up = Config {
        wrap_up_enabled: true,
        ..Config::default()
    };
    let pull = Config {
        routing_mode: RoutingMode::Pull,
        ..Config::default()
    };
    let mut list = Vec::new();

    list.push(scenario(
        "case-1-single-agent",
        "Web chat with a single agent",
        &["SLA-02", "SLA-17", "SLA-16", "SLA-04", "SLA-05", "SLA-06"],
        push.clone(),
        agent_joins(),
    ));

    let mut steps = web_chat_opening();
    steps.push(at(
        123_000,
        Input::TimerFired {
            timer: crate::TimerKey::RequestTtl,
        },
    ));
    list.push(scenario(
        "case-2-no-agent-available",
        "Web chat, no agent available",
        &["SLA-04", "TASK-05", "SLA-20"],
        push.clone(),
        steps,
    ));

    let mut steps = agent_joins();
    steps.push(at(6_000, Input::QueueTransfer { agent: A1 }));
    steps.push(at(7_000, Input::ReserveAgent { agent: A2 }));
    steps.push(at(8_000, Input::AcceptTask { agent: A2 }));
    list.push(scenario(
        "case-3-agent-transfers",
        "The agent transfers the chat to the queue",
        &["TASK-11", "SLA-07", "SLA-05"],
        push.clone(),
        steps,
    ));

    let mut steps = agent_joins();
    steps.push(at(6_000, Input::QueueTransfer { agent: A1 }));
    steps.push(at(
        126_000,
        Input::TimerFired {
            timer: crate::TimerKey::RequestTtl,
        },
    ));
    list.push(scenario(
        "case-4-transfer-no-agent",
        "The agent transfers, no agent takes it before the TTL",
        &["TASK-11", "TASK-05", "SLA-20"],
        push.clone(),
        steps,
    ));

    let mut steps = agent_joins();
    steps.push(at(6_000, Input::LeaveConversation { agent: A1 }));
    list.push(scenario(
        "case-5-agent-leaves-no-wrap-up",
        "The agent leaves, wrap-up disabled",
        &["CONV-08", "TASK-15", "SLA-07", "SLA-08"],
        push.clone(),
        steps,
    ));

    let mut steps = agent_joins();
    steps.push(at(6_000, Input::LeaveConversation { agent: A1 }));
    steps.push(at(7_000, Input::SessionEnded { session: S1 }));
    steps.push(at(8_000, Input::WrapUpApplied { agent: A1 }));
    steps.push(at(9_000, Input::HousekeepingDone));
    list.push(scenario(
        "case-6-agent-leaves-wrap-up",
        "The agent leaves, wrap-up enabled; the controller ends the session; wrap-up applied",
        &[
            "TASK-16", "SLA-21", "TASK-17", "CONV-06", "CONV-09", "CONV-10",
        ],
        wrap_up.clone(),
        steps,
    ));

    let mut steps = agent_joins();
    steps.push(at(
        6_000,
        Input::SessionStarted {
            session: S2,
            channel: ChannelKind::NonVoice,
            routing_mode: None,
        },
    ));
    list.push(scenario(
        "case-7-second-non-voice-session",
        "The customer also joins from WhatsApp",
        &["SLA-02"],
        push.clone(),
        steps,
    ));

    let mut steps = agent_joins();
    steps.push(at(
        6_000,
        Input::SessionStarted {
            session: S2,
            channel: ChannelKind::Voice,
            routing_mode: None,
        },
    ));
    list.push(scenario(
        "case-8-voice-session",
        "The customer starts a voice session",
        &["SLA-01", "SLA-03"],
        push.clone(),
        steps,
    ));

    // Task flows of 2550490.md.
    let mut steps = web_chat_opening();
    steps.push(at(4_000, Input::ReserveAgent { agent: A1 }));
    steps.push(at(
        24_000,
        Input::TimerFired {
            timer: crate::TimerKey::Rona { task: TaskId(1) },
        },
    ));
    steps.push(at(25_000, Input::ReserveAgent { agent: A2 }));
    steps.push(at(26_000, Input::AcceptTask { agent: A2 }));
    list.push(scenario(
        "push-rona-then-accept",
        "PUSH: RONA re-queues, another agent accepts",
        &["TASK-01", "TASK-02", "TASK-04", "TASK-03"],
        push.clone(),
        steps,
    ));

    let mut steps = web_chat_opening();
    steps.push(at(4_000, Input::PullConversation { agent: A1 }));
    steps.push(at(
        5_000,
        Input::SessionStarted {
            session: S2,
            channel: ChannelKind::NonVoice,
            routing_mode: None,
        },
    ));
    steps.push(at(
        6_000,
        Input::RequestAgent {
            session: S2,
            direction: None,
        },
    ));
    steps.push(at(7_000, Input::PullConversation { agent: A1 }));
    list.push(scenario(
        "pull-then-second-session",
        "PULL: the agent takes the chat, then the customer's second session",
        &["TASK-07", "TASK-08", "TASK-09"],
        Config {
            mrd_auto_joinable: false,
            ..pull
        },
        steps,
    ));

    let mut steps = agent_joins();
    steps.push(at(6_000, Input::NamedTransfer { agent: A1, to: A2 }));
    steps.push(at(
        26_000,
        Input::TimerFired {
            timer: crate::TimerKey::Rona { task: TaskId(2) },
        },
    ));
    list.push(scenario(
        "named-transfer-rona",
        "Named agent transfer that rings out",
        &["TASK-13", "TASK-14"],
        wrap_up.clone(),
        steps,
    ));

    let mut steps = agent_joins();
    steps.push(at(6_000, Input::QueueConference { agent: A1 }));
    steps.push(at(7_000, Input::ReserveAgent { agent: A2 }));
    steps.push(at(8_000, Input::AcceptTask { agent: A2 }));
    steps.push(at(9_000, Input::CustomerMessage { session: S1 }));
    steps.push(at(
        69_000,
        Input::TimerFired {
            timer: crate::TimerKey::AgentSla,
        },
    ));
    list.push(scenario(
        "conference-then-agent-sla",
        "Queue conference, then the agent SLA runs to its first threshold",
        &["TASK-10", "SLA-05", "SLA-23"],
        push.clone(),
        steps,
    ));

    let mut steps = agent_joins();
    steps.push(at(
        6_000,
        Input::HoldConversation {
            agent: A1,
            hold_ms: None,
        },
    ));
    steps.push(at(7_000, Input::CustomerMessage { session: S1 }));
    steps.push(at(8_000, Input::ResumeConversation { agent: A1 }));
    list.push(scenario(
        "hold-and-resume",
        "The agent pauses and resumes the conversation",
        &["CONV-03", "SLA-18", "SLA-19", "CONV-04", "SLA-22"],
        push.clone(),
        steps,
    ));

    // Points no other vector reaches (spec/RULES.md, "Readings"): a threshold instant that
    // is not a whole millisecond, two SLA timers due at one instant, and a call
    // that starts during a hold.
    let odd = Config {
        agent_sla_ms: Some(33_333),
        customer_sla_ms: 33_333,
        agent_sla_thresholds_pct: vec![50],
        customer_sla_thresholds_pct: vec![50],
        ..push.clone()
    };
    let steps = vec![
        at(
            0,
            Input::SessionStarted {
                session: S1,
                channel: ChannelKind::NonVoice,
                routing_mode: None,
            },
        ),
        at(
            16_666,
            Input::TimerFired {
                timer: crate::TimerKey::CustomerSla { session: S1 },
            },
        ),
        at(20_000, Input::CustomerMessage { session: S1 }),
    ];
    list.push(scenario(
        "fractional-threshold",
        "A 50 % threshold of 33,333 ms falls at 16,666.5 ms: rounded down to 16,666",
        &["SLA-02", "SLA-23", "SLA-16"],
        odd,
        steps,
    ));

    // The agent SLA (30 s at 50 % of 60 s, from t=3 s) and chat 2's customer SLA (29 s at
    // 50 % of 58 s, from t=4 s) are both due at t=33 s: they fire in key order, the agent
    // SLA first (conformance/FORMAT.md, "Time").
    let together = Config {
        agent_sla_ms: Some(60_000),
        customer_sla_ms: 58_000,
        agent_sla_thresholds_pct: vec![50],
        customer_sla_thresholds_pct: vec![50],
        ..push.clone()
    };
    let mut steps = chat_served(None);
    steps.extend([
        at(
            4_000,
            Input::SessionStarted {
                session: S2,
                channel: ChannelKind::NonVoice,
                routing_mode: None,
            },
        ),
        at(
            33_000,
            Input::TimerFired {
                timer: crate::TimerKey::AgentSla,
            },
        ),
    ]);
    list.push(scenario(
        "agent-and-customer-sla-due-together",
        "The agent SLA and a chat's customer SLA reach a threshold at the same instant",
        &["SLA-05", "SLA-02", "SLA-23"],
        together,
        steps,
    ));

    let mut steps = agent_joins();
    steps.push(at(
        6_000,
        Input::HoldConversation {
            agent: A1,
            hold_ms: None,
        },
    ));
    steps.push(at(
        7_000,
        Input::SessionStarted {
            session: S2,
            channel: ChannelKind::Voice,
            routing_mode: None,
        },
    ));
    steps.push(at(8_000, Input::ResumeConversation { agent: A1 }));
    steps.push(at(9_000, Input::SessionEnded { session: S2 }));
    list.push(scenario(
        "voice-starts-during-hold",
        "A call starts while the chat is on hold; the agent resumes; the call ends",
        &["CONV-03", "SLA-03", "CONV-04", "SLA-11"],
        push.clone(),
        steps,
    ));

    // Issue 10: statements of the sources that cxspec had left out.
    let mut steps = agent_joins();
    steps.push(at(6_000, Input::CustomerMessage { session: S1 }));
    steps.push(at(
        7_000,
        Input::AgentMessage {
            agent: A1,
            wrap_up: true,
        },
    ));
    steps.push(at(
        8_000,
        Input::AgentMessage {
            agent: A1,
            wrap_up: false,
        },
    ));
    list.push(scenario(
        "wrap-up-during-conversation",
        "The agent gives a wrap-up during the conversation: not an answer; then answers",
        &["SLA-12", "SLA-13"],
        push.clone(),
        steps,
    ));

    let mut steps = chat_served(None);
    steps.extend([
        at(
            4_000,
            Input::SessionStarted {
                session: S2,
                channel: ChannelKind::NonVoice,
                routing_mode: Some(RoutingMode::Pull),
            },
        ),
        at(
            5_000,
            Input::RequestAgent {
                session: S2,
                direction: None,
            },
        ),
        at(6_000, Input::PullConversation { agent: A2 }),
        at(7_000, Input::SessionEnded { session: S2 }),
    ]);
    list.push(scenario(
        "push-and-pull-channels",
        "A PUSH chat and a PULL chat in one conversation; the pulled chat ends",
        &["TASK-01", "TASK-07", "TASK-08", "TASK-25"],
        push.clone(),
        steps,
    ));

    let mut steps = chat_served(Some(Direction::Outbound));
    steps.extend([
        at(4_000, Input::CustomerMessage { session: S1 }),
        at(
            5_000,
            Input::AgentMessage {
                agent: A1,
                wrap_up: false,
            },
        ),
    ]);
    list.push(scenario(
        "outbound-without-agent-sla",
        "An OUTBOUND request on a queue with no agent response time",
        &["TASK-01", "SLA-29", "SLA-13"],
        Config {
            agent_sla_ms: None,
            ..wrap_up.clone()
        },
        steps,
    ));
    list
}

/// A built-in scenario by name.
pub fn seed_scenario(name: &str) -> Option<Scenario> {
    seed_scenarios().into_iter().find(|s| s.name == name)
}

/// Formats an input on one line, e.g. `CUSTOMER_MESSAGE session=1`.
pub fn describe_input(input: &Input) -> String {
    one_line(input.name(), input)
}

/// `NAME key=value ...` from an event's serde form, its `event` tag left out.
fn one_line(name: &str, value: &impl Serialize) -> String {
    let value = serde_yaml::to_value(value).expect("events serialize");
    let mut text = name.to_string();
    if let serde_yaml::Value::Mapping(map) = value {
        for (k, v) in map {
            let key = k.as_str().unwrap_or_default();
            if key == "event" {
                continue;
            }
            let v = serde_json::to_string(&v).unwrap_or_default();
            text.push_str(&format!(" {key}={}", v.trim_matches('"')));
        }
    }
    text
}
