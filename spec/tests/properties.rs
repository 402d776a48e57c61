//! Random event sequences under every configuration shape: the step never panics, a
//! rejection changes nothing, and under `specified` no invariant ever breaks. The
//! invariants are how the rules that constrain every state are tested: SLA-28 (no SLA on
//! hold, during voice for the agent, for an ended session, after Closing), TASK-22 (media
//! transitions, CLOSED tasks frozen and with a reason, checked step by step with
//! `transition_violations`) and TASK-23 (one open task per agent).

use cxspec_spec::invariants::{transition_violations, violations};
use cxspec_spec::*;
use proptest::prelude::*;

fn config(push: bool, wrap_up: bool, auto_join: bool) -> Config {
    Config {
        routing_mode: if push {
            RoutingMode::Push
        } else {
            RoutingMode::Pull
        },
        wrap_up_enabled: wrap_up,
        mrd_auto_joinable: auto_join,
        agents: 3,
        ..Config::default()
    }
}

/// A stimulus drawn from small ID ranges (4 is an unknown agent), or "fire the n-th armed timer".
#[derive(Clone, Debug)]
enum Draw {
    Input(Input),
    FireArmed(usize),
}

fn draw() -> impl Strategy<Value = Draw> {
    let s = (1u32..=3).prop_map(SessionId);
    let a = (1u32..=4).prop_map(AgentId);
    prop_oneof![
        (s.clone(), any::<bool>(), 0u8..3).prop_map(|(session, voice, mode)| Draw::Input(
            Input::SessionStarted {
                session,
                channel: if voice {
                    ChannelKind::Voice
                } else {
                    ChannelKind::NonVoice
                },
                // Routing mode per channel: the configured one, or either named.
                routing_mode: [None, Some(RoutingMode::Push), Some(RoutingMode::Pull)]
                    [mode as usize],
            }
        )),
        s.clone()
            .prop_map(|session| Draw::Input(Input::SessionEnded { session })),
        s.clone()
            .prop_map(|session| Draw::Input(Input::CustomerMessage { session })),
        s.clone()
            .prop_map(|session| Draw::Input(Input::BotMessage { session })),
        (s.clone(), 0u8..4).prop_map(|(session, direction)| Draw::Input(Input::RequestAgent {
            session,
            // DIRECT_TRANSFER is not a FIND_AGENT direction: rejected.
            direction: [
                None,
                Some(Direction::Inbound),
                Some(Direction::Outbound),
                Some(Direction::DirectTransfer)
            ][direction as usize],
        })),
        (a.clone(), any::<bool>())
            .prop_map(|(agent, wrap_up)| Draw::Input(Input::AgentMessage { agent, wrap_up })),
        a.clone()
            .prop_map(|agent| Draw::Input(Input::ReserveAgent { agent })),
        a.clone()
            .prop_map(|agent| Draw::Input(Input::AcceptTask { agent })),
        a.clone()
            .prop_map(|agent| Draw::Input(Input::PullConversation { agent })),
        a.clone()
            .prop_map(|agent| Draw::Input(Input::QueueTransfer { agent })),
        (a.clone(), a.clone())
            .prop_map(|(agent, to)| Draw::Input(Input::NamedTransfer { agent, to })),
        a.clone()
            .prop_map(|agent| Draw::Input(Input::QueueConference { agent })),
        a.clone()
            .prop_map(|agent| Draw::Input(Input::LeaveConversation { agent })),
        a.clone()
            .prop_map(|agent| Draw::Input(Input::WrapUpApplied { agent })),
        a.clone()
            .prop_map(|agent| Draw::Input(Input::LeaveWithoutWrapUp { agent })),
        (
            a.clone(),
            prop_oneof![Just(None), Just(Some(0)), (1u64..1_000_000).prop_map(Some)]
        )
            .prop_map(|(agent, hold_ms)| Draw::Input(Input::HoldConversation { agent, hold_ms })),
        a.clone()
            .prop_map(|agent| Draw::Input(Input::ResumeConversation { agent })),
        a.prop_map(|agent| Draw::Input(Input::AgentLogout { agent })),
        Just(Draw::Input(Input::QueueFlush)),
        Just(Draw::Input(Input::HousekeepingDone)),
        (0usize..8).prop_map(Draw::FireArmed),
        (0usize..8).prop_map(Draw::FireArmed),
        (0usize..8).prop_map(Draw::FireArmed),
    ]
}

fn run(
    draws: &[Draw],
    config: &Config,
    rules: RuleSet,
    check_invariants: bool,
) -> Result<(), TestCaseError> {
    let mut system = System::new();
    let mut now = 0u64;
    let mut trace = Vec::new();
    for (i, d) in draws.iter().enumerate() {
        now += 1000;
        let input = match d {
            Draw::Input(input) => *input,
            Draw::FireArmed(n) => {
                let timers = system.timers();
                if timers.is_empty() {
                    continue;
                }
                Input::TimerFired {
                    timer: timers[n % timers.len()].0,
                }
            }
        };
        let before = system.clone();
        let mut out = Outcome::default();
        match system.apply(&input, now, config, rules, &mut out) {
            Err(_) => prop_assert_eq!(&system, &before, "rejected {:?} changed the state", input),
            Ok(()) => {
                trace.push(input);
                if check_invariants {
                    let broken = violations(&system, config);
                    prop_assert!(
                        broken.is_empty(),
                        "step {i}: {:?} broke {:?}\ntrace: {:#?}\nstate: {:#?}",
                        input,
                        broken,
                        trace,
                        system
                    );
                    let moves = transition_violations(&before, &system);
                    prop_assert!(
                        moves.is_empty(),
                        "step {i}: {:?}: {:?}\ntrace: {:#?}",
                        input,
                        moves,
                        trace
                    );
                }
                for p in &out.published {
                    if let Published::TaskStateChanged { task } = p {
                        // A reason on a CLOSED task, and on a transfer's WRAP_UP (TASK-11).
                        prop_assert_eq!(
                            task.reason.is_some(),
                            task.state == TaskState::Closed
                                || (task.state == TaskState::WrapUp
                                    && task.reason == Some(ReasonCode::Transferred))
                        );
                    }
                }
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn specified_keeps_every_invariant(
        draws in proptest::collection::vec(draw(), 1..120),
        push in any::<bool>(), wrap_up in any::<bool>(), auto_join in any::<bool>(),
    ) {
        run(&draws, &config(push, wrap_up, auto_join), RuleSet::Specified, true)?;
    }

    #[test]
    fn other_rule_sets_never_panic_and_reject_cleanly(
        draws in proptest::collection::vec(draw(), 1..120),
        push in any::<bool>(), wrap_up in any::<bool>(), documented in any::<bool>(),
    ) {
        let rules = if documented { RuleSet::Documented } else { RuleSet::AsImplemented };
        run(&draws, &config(push, wrap_up, true), rules, false)?;
    }
}
