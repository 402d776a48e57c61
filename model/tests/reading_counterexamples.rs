//! The counterexample that a deeper model check found one task past the `default` bounds
//! (issue 11): with SLA-20 read as "the request's session only" (now reading R-05
//! `request-session`), a customer is left on a chat with no agent, no request and no timer.
//! `specified` now reads SLA-20 as "every open chat" (RULES.md, SLA-20, Decision).
//!
//! The sequence is written here from the RULES.md description of the bug, not copied from
//! the checker, and held to:
//! 1. under `specified + R-05=request-session` it is a path of the model whose last state,
//!    and only that one, breaks `waiting customer is timed` (stateright's discovery check);
//! 2. under `specified` the same path keeps every invariant at every step;
//! 3. the first step where the two differ is the QUEUE_FLUSH, whose NO_AGENT_AVAILABLE the
//!    reading handles (SLA-20);
//! 4. as a scenario file (with its readings) it replays to the violation.
//!
//! The search that found it (`cxspec check --config ci --sessions chat,chat --agents 2
//! --tasks 3 --wrap-up on --reading R-05=request-session`) takes tens of seconds, so it is
//! not repeated here; CI runs that configuration under `specified` (.ci/run).

use cxspec_model::bounds::parse_sessions;
use cxspec_model::run::replay;
use cxspec_model::trace::to_scenario;
use cxspec_model::Alphabet;
use cxspec_model::{Bounds, CxModel};
use cxspec_spec::invariants::{violations, Invariant};
use cxspec_spec::scenarios::Scenario;
use cxspec_spec::*;

fn two_chats_three_tasks() -> Bounds {
    Bounds {
        sessions: parse_sessions("chat,chat").unwrap(),
        agents: 2,
        messages: None,
        tasks: 3,
        wrap_up: true,
        routing: RoutingMode::Push,
        mrd_auto_joinable: true,
        thresholds: 1,
        alphabet: Alphabet::default(),
    }
}

/// Agent 1 serves chat 1 and leaves into wrap-up; chat 2 is served by agent 2, who
/// queue-transfers; both wrap-ups end; a queue flush ends the transfer; chat 2 ends.
fn path() -> Vec<Input> {
    let (s1, s2) = (SessionId(1), SessionId(2));
    let (a1, a2) = (AgentId(1), AgentId(2));
    vec![
        Input::SessionStarted {
            session: s1,
            channel: ChannelKind::NonVoice,
            routing_mode: None,
        },
        Input::SessionStarted {
            session: s2,
            channel: ChannelKind::NonVoice,
            routing_mode: None,
        },
        Input::RequestAgent {
            session: s1,
            direction: None,
        },
        Input::ReserveAgent { agent: a1 },
        Input::AcceptTask { agent: a1 },
        Input::LeaveConversation { agent: a1 },
        Input::RequestAgent {
            session: s2,
            direction: None,
        },
        Input::ReserveAgent { agent: a2 },
        Input::AcceptTask { agent: a2 },
        Input::WrapUpApplied { agent: a1 },
        Input::QueueTransfer { agent: a2 },
        Input::WrapUpApplied { agent: a2 },
        Input::QueueFlush,
        Input::SessionEnded { session: s2 },
    ]
}

fn request_session() -> Readings {
    Readings::NONE.parse_one("R-05=request-session").unwrap()
}

#[test]
fn request_session_leaves_a_chat_untimed_at_the_last_step_only() {
    let model =
        CxModel::new(two_chats_three_tasks(), RuleSet::Specified).with_readings(request_session());
    let states = replay(&model, &path()).expect("every step is a step of the model");
    let config = &model.config;
    for (i, state) in states.iter().enumerate().take(states.len() - 1) {
        assert!(
            violations(&state.system, config).is_empty(),
            "step {i}: {:?}",
            violations(&state.system, config)
        );
    }
    let last = &states.last().unwrap().system;
    assert_eq!(
        violations(last, config),
        vec![Invariant::WaitingCustomerIsTimed]
    );
    // The customer is still on chat 1, with nothing running.
    assert!(last.conversation.customer_present());
    assert!(last.timers().is_empty(), "{:?}", last.timers());
}

#[test]
fn specified_keeps_every_invariant_on_the_same_path() {
    let model = CxModel::new(two_chats_three_tasks(), RuleSet::Specified);
    let states = replay(&model, &path()).expect("every step is a step of the model");
    for (i, state) in states.iter().enumerate() {
        assert!(
            violations(&state.system, &model.config).is_empty(),
            "step {i}: {:?}",
            violations(&state.system, &model.config)
        );
    }
    // Chat 1's customer SLA is running at the end.
    let last = &states.last().unwrap().system;
    assert!(last.sla.customer_sla(SessionId(1)).is_some());
}

#[test]
fn the_first_difference_is_the_flush_and_its_sla_20() {
    let specified = CxModel::new(two_chats_three_tasks(), RuleSet::Specified);
    let reading = specified.clone().with_readings(request_session());
    let mut a = System::new();
    let mut b = System::new();
    for (i, input) in path().iter().enumerate() {
        let (next_a, out_a) = a
            .step(input, 0, &specified.config, specified.run_rules())
            .unwrap();
        let (next_b, out_b) = b
            .step(input, 0, &reading.config, reading.run_rules())
            .unwrap();
        if out_a.published != out_b.published {
            assert_eq!(*input, Input::QueueFlush, "step {}", i + 1);
            assert!(out_a.rules.contains(&Rule::Sla20));
            assert!(out_a.published.iter().any(|e| matches!(
                e,
                Published::CustomerSlaStarted { session, .. } if *session == SessionId(1)
            )));
            assert!(!out_b.published.iter().any(|e| matches!(
                e,
                Published::CustomerSlaStarted { session, .. } if *session == SessionId(1)
            )));
            return;
        }
        a = next_a;
        b = next_b;
    }
    panic!("the two readings never differed");
}

#[test]
fn as_a_scenario_file_it_replays_to_the_violation() {
    let model =
        CxModel::new(two_chats_three_tasks(), RuleSet::Specified).with_readings(request_session());
    let scenario = to_scenario(&model, &path(), "r05-untimed-chat", "R-05 request-session")
        .expect("the path runs");
    let yaml = serde_yaml::to_string(&scenario).unwrap();
    assert!(yaml.contains("R-05: request-session"), "{yaml}");
    let back = Scenario::from_yaml(&yaml, "r05.yaml").expect("reads back");
    let (system, _) = back.run().expect("replays");
    assert_eq!(
        violations(&system, &model.config),
        vec![Invariant::WaitingCustomerIsTimed]
    );
}
