//! The checker finds the violations that the literal readings of the sources cause, and
//! on the event sequences we expect.
//!
//! Each expected sequence is written here from the deviation's description in
//! `spec/src/rules.rs`, not copied from the checker. For each, the test asserts that
//! 1. the checker reports a counterexample for the property, and the written sequence is
//!    one (stateright's `assert_discovery`: a path of the model whose last state breaks
//!    the property);
//! 2. the breadth-first counterexample is exactly as long, so the written one is minimal
//!    (or, where another deviation gives a shorter one, no longer);
//! 3. under `specified` the same sequence runs and keeps the property at every step, so
//!    the deviation is what breaks it;
//! 4. the first step where the rule set and `specified` differ names that deviation;
//! 5. written as a scenario file and read back, the sequence replays to the violation.

use cxspec_model::bounds::parse_sessions;
use cxspec_model::run::{replay, shortest_counterexamples};
use cxspec_model::trace::{first_divergence, to_scenario};
use cxspec_model::Alphabet;
use cxspec_model::{Bounds, CxModel};
use cxspec_spec::invariants::Invariant;
use cxspec_spec::scenarios::Scenario;
use cxspec_spec::*;
use stateright::{Checker, Model};
use std::collections::BTreeSet;

const S1: SessionId = SessionId(1);
const S2: SessionId = SessionId(2);
const A1: AgentId = AgentId(1);

fn chat_and_voice(wrap_up: bool) -> Bounds {
    Bounds {
        sessions: parse_sessions("chat,voice").unwrap(),
        agents: 2,
        messages: None,
        // Each expected sequence creates one task; a bound of 1 keeps the debug build fast.
        tasks: 1,
        wrap_up,
        routing: RoutingMode::Push,
        mrd_auto_joinable: true,
        thresholds: 1,
        alphabet: Alphabet::default(),
    }
}

fn agent_joins_on_chat() -> Vec<Input> {
    vec![
        Input::RequestAgent {
            session: S1,
            direction: None,
        },
        Input::ReserveAgent { agent: A1 },
        Input::AcceptTask { agent: A1 },
    ]
}

fn chat() -> Input {
    Input::SessionStarted {
        session: S1,
        channel: ChannelKind::NonVoice,
        routing_mode: None,
    }
}

/// The whole depth-first search of `model`, with symmetry, on two threads.
fn search(model: &CxModel) -> impl Checker<CxModel> {
    model
        .clone()
        .checker()
        .symmetry()
        .threads(2)
        .spawn_dfs()
        .join()
}

fn expect_counterexample(
    bounds: Bounds,
    rules: RuleSet,
    invariant: Invariant,
    sequence: Vec<Input>,
    deviation: Deviation,
    minimal: bool,
) {
    let name = invariant.name();
    let model = CxModel::new(bounds.clone(), rules);
    let checker = search(&model);
    // 1.
    checker.assert_discovery(name, sequence.clone());
    // 2.
    let shortest = shortest_counterexamples(&model, BTreeSet::from([name]));
    let shortest = &shortest[name];
    if minimal {
        assert_eq!(shortest.len(), sequence.len(), "shortest: {shortest:?}");
    } else {
        assert!(shortest.len() <= sequence.len(), "shortest: {shortest:?}");
    }
    // 3.
    let specified = CxModel::new(bounds, RuleSet::Specified);
    let states = replay(&specified, &sequence).expect("specified accepts every step");
    for (i, s) in states.iter().enumerate() {
        assert!(
            invariant.holds(&s.system, &specified.config),
            "specified breaks {name} after step {i}"
        );
    }
    // 4.
    let divergence = first_divergence(&sequence, &model.config, rules).expect("differs");
    assert!(
        divergence.deviations.contains(&deviation),
        "step {}: {:?}",
        divergence.step,
        divergence.deviations
    );
    // 5.
    let scenario = to_scenario(&model, &sequence, "cex", "counterexample").expect("replays");
    let text = serde_yaml::to_string(&scenario).unwrap();
    let read = Scenario::from_yaml(&text, "cex.yaml").expect("reads back");
    assert_eq!(read, scenario);
    let (last, results) = read.run().expect("times move forward");
    assert!(results.iter().all(|r| r.outcome.is_ok()));
    assert!(!invariant.holds(&last, &model.config));
}

/// DEV-01: AGENT_SUBSCRIBED starts the agent SLA although a voice session is open.
#[test]
fn documented_starts_the_agent_sla_during_voice() {
    let mut sequence = vec![
        chat(),
        Input::SessionStarted {
            session: S2,
            channel: ChannelKind::Voice,
            routing_mode: None,
        },
    ];
    sequence.extend(agent_joins_on_chat());
    expect_counterexample(
        chat_and_voice(false),
        RuleSet::Documented,
        Invariant::NoAgentSlaDuringVoice,
        sequence,
        Deviation::SubscribeIgnoresVoiceAndHold,
        true,
    );
}

/// DEV-05: CONVERSATION_PAUSED leaves the agent SLA (started when the agent joined) running.
#[test]
fn documented_keeps_the_agent_sla_on_hold() {
    let mut sequence = vec![chat()];
    sequence.extend(agent_joins_on_chat());
    sequence.push(Input::HoldConversation {
        agent: A1,
        hold_ms: None,
    });
    expect_counterexample(
        chat_and_voice(false),
        RuleSet::Documented,
        Invariant::NoSlaOnHold,
        sequence,
        Deviation::PauseKeepsAgentSla,
        true,
    );
}

/// A chat asks for an agent and the queue is flushed (DEV-11's shortest sequence).
fn chat_request_flush() -> Vec<Input> {
    vec![
        chat(),
        Input::RequestAgent {
            session: S1,
            direction: None,
        },
        Input::QueueFlush,
    ]
}

/// DEV-11: a queue flush closes the QUEUED task without NO_AGENT_AVAILABLE, so SLA-20
/// never restarts the customer SLA that TASK_ENQUEUED stopped (SLA-04).
#[test]
fn documented_flush_leaves_the_customer_untimed() {
    let sequence = chat_request_flush();
    expect_counterexample(
        chat_and_voice(false),
        RuleSet::Documented,
        Invariant::WaitingCustomerIsTimed,
        sequence,
        Deviation::FlushPublishesNothing,
        true,
    );
}

/// DEV-11 in `vendor-code`, which the vendor's Routing Engine confirms
/// (`PrecisionQueuesServiceImpl.java` lines 291-294: the flush closes FORCE_CLOSED and
/// publishes nothing else): the one property the rule set breaks (model/FINDINGS.md).
#[test]
fn vendor_code_flush_leaves_the_customer_untimed() {
    let sequence = chat_request_flush();
    expect_counterexample(
        chat_and_voice(false),
        RuleSet::VendorCode,
        Invariant::WaitingCustomerIsTimed,
        sequence,
        Deviation::FlushPublishesNothing,
        true,
    );
}

/// With DEV-11 read away (`R-20=decided`), the VC-nn deviations alone break no property on
/// chat+voice with wrap-up, two agents and two tasks (transfers, logouts and ended chats
/// included); model/FINDINGS.md has the same on `ci` and `default`.
#[test]
fn vendor_code_without_dev_11_breaks_no_property() {
    let bounds = Bounds {
        tasks: 2,
        ..chat_and_voice(true)
    };
    let readings = Readings::NONE.set("R-20", "decided").unwrap();
    let model = CxModel::new(bounds, RuleSet::VendorCode).with_readings(readings);
    let checker = search(&model);
    for property in model.properties() {
        if property.expectation != stateright::Expectation::Sometimes {
            assert!(
                checker.discovery(property.name).is_none(),
                "{} broken",
                property.name
            );
        }
    }
    assert!(checker.unique_state_count() > 1_000, "the search ran");
}

/// ATM-02: the agent leaves (wrap-up off); SLA-08 starts the customer SLA, then the task's
/// TASK_STATE_CHANGED (CLOSED, DONE) stops it again, and the customer waits untimed.
/// `documented` lacks ATM-02 and keeps the property on this sequence. It is not the
/// shortest counterexample for `as-implemented`, which has DEV-11 too (the flush above).
#[test]
fn as_implemented_stops_the_customer_sla_on_every_task_change() {
    let mut sequence = vec![chat()];
    sequence.extend(agent_joins_on_chat());
    sequence.push(Input::LeaveConversation { agent: A1 });
    let documented = CxModel::new(chat_and_voice(false), RuleSet::Documented);
    let states = replay(&documented, &sequence).unwrap();
    assert!(
        Invariant::WaitingCustomerIsTimed.holds(&states.last().unwrap().system, &documented.config)
    );
    expect_counterexample(
        chat_and_voice(false),
        RuleSet::AsImplemented,
        Invariant::WaitingCustomerIsTimed,
        sequence,
        Deviation::StopOnEveryTaskStateChange,
        false,
    );
}

/// DEV-02: with wrap-up on, the agent who left is WRAP_UP only; a customer message still
/// starts the agent SLA, which then runs with no PRIMARY agent.
#[test]
fn documented_starts_the_agent_sla_for_a_wrap_up_agent() {
    let mut sequence = vec![chat()];
    sequence.extend(agent_joins_on_chat());
    sequence.push(Input::LeaveConversation { agent: A1 });
    sequence.push(Input::CustomerMessage { session: S1 });
    expect_counterexample(
        chat_and_voice(true),
        RuleSet::Documented,
        Invariant::AgentSlaNeedsPrimaryAgent,
        sequence,
        Deviation::CustomerMessageAgentSlaLoose,
        true,
    );
}

/// DEV-07: NO_AGENT_AVAILABLE starts the customer SLA of the latest session, here the
/// chat that has just ended.
#[test]
fn documented_times_an_ended_session_after_no_agent_available() {
    // The customer, on voice too, ends the chat the request was for: TASK-18 cancels and
    // publishes NO_AGENT_AVAILABLE, and `documented` times the latest session, the ended chat.
    let sequence = vec![
        Input::SessionStarted {
            session: S2,
            channel: ChannelKind::Voice,
            routing_mode: None,
        },
        chat(),
        Input::RequestAgent {
            session: S1,
            direction: None,
        },
        Input::SessionEnded { session: S1 },
    ];
    expect_counterexample(
        chat_and_voice(false),
        RuleSet::Documented,
        Invariant::NoTimerForEndedSession,
        sequence,
        Deviation::NoAgentAvailableLatestAny,
        true,
    );
}
