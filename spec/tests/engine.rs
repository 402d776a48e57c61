//! The engine on the timing wheel against the engine on the ordered-map oracle, and the
//! engine's real-deadline behaviour against hand-computed times.

use cxspec_spec::engine::{BatchItem, Engine, EngineError, EngineEvent};
use cxspec_spec::*;
use proptest::prelude::*;

fn chat(session: u32) -> Input {
    Input::SessionStarted {
        session: SessionId(session),
        channel: ChannelKind::NonVoice,
        routing_mode: None,
    }
}

#[test]
fn request_ttl_fires_at_its_deadline_and_restarts_the_customer_sla() {
    // Defaults: request TTL 120 s, customer SLA 300 s with thresholds 50% and 80%.
    let mut engine = Engine::new(Config::default(), RuleSet::Specified);
    engine.apply(7, chat(1), 0).unwrap();
    engine
        .apply(
            7,
            Input::CustomerMessage {
                session: SessionId(1),
            },
            2_000,
        )
        .unwrap();
    engine
        .apply(
            7,
            Input::RequestAgent {
                session: SessionId(1),
                direction: None,
            },
            3_000,
        )
        .unwrap();
    // Nothing is due before 123 000 ms (3 000 + 120 000).
    assert_eq!(engine.advance(122_999).unwrap(), vec![]);
    let fired = engine.advance(130_000).unwrap();
    let names: Vec<(u64, &str)> = fired.iter().map(|e| (e.at_ms, e.event.name())).collect();
    assert_eq!(
        names,
        vec![
            (123_000, "TASK_STATE_CHANGED"),
            (123_000, "NO_AGENT_AVAILABLE"),
            (123_000, "CUSTOMER_SLA_STARTED")
        ]
    );
    // SLA-20 restarts the SLA at 123 000; its first threshold is at 50% of 300 000.
    assert_eq!(
        fired[2].event,
        Published::CustomerSlaStarted {
            session: SessionId(1),
            deadline_ms: 123_000 + 150_000
        }
    );
}

#[test]
fn customer_sla_crosses_thresholds_then_ends_the_session() {
    let mut engine = Engine::new(Config::default(), RuleSet::Specified);
    engine.apply(1, chat(1), 1_000).unwrap();
    // 50% at 151 000, 80% at 241 000, 100% at 301 000; then the session ends and the
    // conversation, which never had an agent, goes to Closing.
    let events = engine.advance(1_000_000).unwrap();
    let got: Vec<(u64, String)> = events
        .iter()
        .map(|e| (e.at_ms, scenarios::describe(&e.event)))
        .collect();
    let want: Vec<(u64, String)> = vec![
        (
            151_000,
            "CUSTOMER_SLA_THRESHOLD_REACHED session=1 level=1 percent=50".into(),
        ),
        (
            241_000,
            "CUSTOMER_SLA_THRESHOLD_REACHED session=1 level=2 percent=80".into(),
        ),
        (301_000, "CUSTOMER_SLA_EXPIRED session=1".into()),
        (301_000, "CHANNEL_SESSION_ENDED session=1".into()),
        (301_000, "TOPIC_STATE_CHANGED state=CLOSING".into()),
    ];
    assert_eq!(got, want);
    assert_eq!(engine.live_timers(), 0);
    // House-keeping closes the conversation and the engine forgets it.
    engine.apply(1, Input::HousekeepingDone, 1_000_001).unwrap();
    assert!(engine.conversation(1).is_none());
    assert_eq!(
        engine.apply(1, Input::QueueFlush, 1_000_002),
        Err(EngineError::UnknownConversation(1))
    );
}

#[test]
fn expiries_of_different_conversations_interleave_by_deadline() {
    let mut engine = Engine::new(Config::default(), RuleSet::Specified);
    engine.apply(1, chat(1), 10).unwrap();
    engine.apply(2, chat(1), 5).unwrap_err(); // time went backwards: 5 < 10
    engine.apply(2, chat(1), 20).unwrap();
    let events = engine.advance(200_000).unwrap();
    let order: Vec<(u64, u64)> = events.iter().map(|e| (e.at_ms, e.conversation)).collect();
    assert_eq!(order, vec![(150_010, 1), (150_020, 2)]);
}

#[test]
fn bad_input_is_an_error_not_a_panic() {
    let mut engine = Engine::new(Config::default(), RuleSet::Specified);
    assert_eq!(
        engine.apply(
            9,
            Input::CustomerMessage {
                session: SessionId(1)
            },
            0
        ),
        Err(EngineError::UnknownConversation(9))
    );
    engine.apply(9, chat(1), 100).unwrap();
    assert_eq!(
        engine.advance(99),
        Err(EngineError::TimeWentBackwards {
            now_ms: 100,
            requested_ms: 99
        })
    );
    let before = engine.conversation(9).cloned();
    let err = engine
        .apply(9, Input::AcceptTask { agent: AgentId(1) }, 200)
        .unwrap_err();
    assert!(
        matches!(
            err,
            EngineError::Rejected {
                reject: Reject::NotReserved,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(engine.conversation(9).cloned(), before);
    let err = engine
        .apply(
            9,
            Input::AgentMessage {
                agent: AgentId(99),
                wrap_up: false,
            },
            300,
        )
        .unwrap_err();
    assert!(err.to_string().contains("UNKNOWN_AGENT"), "{err}");
}

/// A workload over many conversations: (conversation, input kind, session, agent, time step).
fn workload() -> impl Strategy<Value = Vec<(u64, u8, u32, u32, u64)>> {
    proptest::collection::vec((0u64..6, 0u8..14, 1u32..=2, 1u32..=3, 0u64..90_000), 1..300)
}

fn input_of(kind: u8, session: u32, agent: u32) -> Input {
    let (s, a) = (SessionId(session), AgentId(agent));
    match kind {
        0 => chat(session),
        1 => Input::SessionStarted {
            session: s,
            channel: ChannelKind::Voice,
            routing_mode: None,
        },
        2 => Input::CustomerMessage { session: s },
        3 => Input::BotMessage { session: s },
        4 => Input::RequestAgent {
            session: s,
            direction: None,
        },
        5 => Input::ReserveAgent { agent: a },
        6 => Input::AcceptTask { agent: a },
        7 => Input::AgentMessage {
            agent: a,
            wrap_up: false,
        },
        8 => Input::LeaveConversation { agent: a },
        9 => Input::QueueTransfer { agent: a },
        10 => Input::HoldConversation {
            agent: a,
            hold_ms: None,
        },
        11 => Input::SessionEnded { session: s },
        12 => Input::WrapUpApplied { agent: a },
        _ => Input::HousekeepingDone,
    }
}

fn drive<T: cxspec_timer::TimerQueue<cxspec_spec::engine::TimerRef>>(
    engine: &mut Engine<T>,
    ops: &[(u64, u8, u32, u32, u64)],
) -> Vec<Result<Vec<EngineEvent>, EngineError>> {
    let mut now = 0;
    let mut log = Vec::new();
    for &(conv, kind, session, agent, dt) in ops {
        now += dt;
        log.push(engine.apply(conv, input_of(kind, session, agent), now));
        if dt % 3 == 0 {
            log.push(engine.advance(now + dt * 7));
            now += dt * 7;
        }
    }
    log.push(engine.advance(now + 10_000_000));
    log
}

/// `drive` through handles: a conversation is addressed by ID only until SESSION_STARTED has
/// opened it, then by its handle; a handle refused as stale (the conversation closed) falls
/// back to the ID, as a caller would. The output must not tell the two apart.
fn drive_by_handle<T: cxspec_timer::TimerQueue<cxspec_spec::engine::TimerRef>>(
    engine: &mut Engine<T>,
    ops: &[(u64, u8, u32, u32, u64)],
) -> Vec<Result<Vec<EngineEvent>, EngineError>> {
    let mut handles = std::collections::HashMap::new();
    let mut now = 0;
    let mut log = Vec::new();
    for &(conv, kind, session, agent, dt) in ops {
        now += dt;
        let input = input_of(kind, session, agent);
        let mut out = Vec::new();
        let mut result = Err(EngineError::UnknownConversation(conv));
        if let Some(&handle) = handles.get(&conv) {
            // A hint only (it may name a closed conversation): the output must not change.
            engine.prefetch(handle);
            result = engine.apply_at(handle, input, now, &mut out);
        }
        if let Err(EngineError::StaleHandle(_)) | Err(EngineError::UnknownConversation(_)) = result
        {
            handles.remove(&conv);
            result = engine.apply_into(conv, input, now, &mut out);
            if let Some(handle) = engine.handle(conv) {
                handles.insert(conv, handle);
            }
        }
        log.push(result.map(|()| out));
        if dt % 3 == 0 {
            log.push(engine.advance(now + dt * 7));
            now += dt * 7;
        }
    }
    log.push(engine.advance(now + 10_000_000));
    log
}

/// What a call one by one gave: the events it published and its result.
type Called = (Vec<EngineEvent>, Result<(), EngineError>);

/// `drive_by_handle` one call at a time, recording each call as a [`BatchItem`] together with
/// what it gave, so the same calls can be replayed as one batch.
fn record_calls<T: cxspec_timer::TimerQueue<cxspec_spec::engine::TimerRef>>(
    engine: &mut Engine<T>,
    ops: &[(u64, u8, u32, u32, u64)],
) -> (Vec<BatchItem>, Vec<Called>) {
    let mut handles = std::collections::HashMap::new();
    let (mut items, mut calls) = (Vec::new(), Vec::new());
    let mut call = |engine: &mut Engine<T>, item: BatchItem| {
        let mut out = Vec::new();
        let result = engine.apply_item(item, &mut out);
        items.push(item);
        calls.push((out, result.clone()));
        result
    };
    let mut now = 0;
    for &(conversation, kind, session, agent, dt) in ops {
        now += dt;
        let input = input_of(kind, session, agent);
        let at_ms = now;
        let mut result = Err(EngineError::UnknownConversation(conversation));
        if let Some(&handle) = handles.get(&conversation) {
            result = call(
                engine,
                BatchItem::At {
                    handle,
                    input,
                    at_ms,
                },
            );
        }
        if let Err(EngineError::StaleHandle(_)) | Err(EngineError::UnknownConversation(_)) = result
        {
            handles.remove(&conversation);
            // Its result is recorded by `call`; the fallback is the last try either way.
            let _ = call(
                engine,
                BatchItem::Id {
                    conversation,
                    input,
                    at_ms,
                },
            );
            if let Some(handle) = engine.handle(conversation) {
                handles.insert(conversation, handle);
            }
        }
        if dt % 3 == 0 {
            now += dt * 7;
            let _ = call(engine, BatchItem::Advance { at_ms: now });
        }
    }
    let _ = call(
        engine,
        BatchItem::Advance {
            at_ms: now + 10_000_000,
        },
    );
    (items, calls)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// A batch is the same calls one by one: same events, same errors, item by item, with the
    /// wheel in the batch and the ordered map one by one.
    #[test]
    fn a_batch_publishes_what_its_calls_one_by_one_do(ops in workload(), wrap_up in any::<bool>()) {
        let config = Config { wrap_up_enabled: wrap_up, agents: 3, ..Config::default() };
        let mut oracle = Engine::reference(config.clone(), RuleSet::Specified);
        let (items, one_by_one) = record_calls(&mut oracle, &ops);
        let mut fast = Engine::new(config, RuleSet::Specified);
        let mut batched = Vec::new();
        fast.apply_batch(&items, |at, events, result| {
            assert_eq!(at, batched.len(), "items are reported in order, once each");
            batched.push((events.to_vec(), result));
        });
        prop_assert_eq!(batched, one_by_one);
        prop_assert_eq!(fast.live_timers(), oracle.live_timers());
    }

    /// The wheel and the ordered map must be indistinguishable through the engine.
    #[test]
    fn wheel_engine_matches_ordered_map_engine(ops in workload(), wrap_up in any::<bool>()) {
        let config = Config { wrap_up_enabled: wrap_up, agents: 3, ..Config::default() };
        let mut fast = Engine::new(config.clone(), RuleSet::Specified);
        let mut oracle = Engine::reference(config, RuleSet::Specified);
        prop_assert_eq!(drive(&mut fast, &ops), drive(&mut oracle, &ops));
        prop_assert_eq!(fast.live_timers(), oracle.live_timers());
    }

    /// Presizing (`Engine::with_capacity` on `TimingWheel::with_capacity`) changes nothing
    /// but where memory comes from, also when the room runs out and the slab grows after all.
    #[test]
    fn a_presized_engine_matches_ordered_map_engine(
        ops in workload(),
        wrap_up in any::<bool>(),
        room in 0usize..6,
    ) {
        let config = Config { wrap_up_enabled: wrap_up, agents: 3, ..Config::default() };
        let timers = cxspec_timer::TimingWheel::with_capacity(0, room);
        let mut fast = Engine::with_capacity(config.clone(), RuleSet::Specified, timers, room);
        let mut oracle = Engine::reference(config, RuleSet::Specified);
        prop_assert_eq!(drive(&mut fast, &ops), drive(&mut oracle, &ops));
        prop_assert_eq!(fast.live_timers(), oracle.live_timers());
    }

    /// Stepping through handles publishes exactly what stepping by ID does.
    #[test]
    fn handles_and_ids_reach_the_same_conversation(ops in workload(), wrap_up in any::<bool>()) {
        let config = Config { wrap_up_enabled: wrap_up, agents: 3, ..Config::default() };
        let mut fast = Engine::new(config.clone(), RuleSet::Specified);
        let mut oracle = Engine::reference(config, RuleSet::Specified);
        prop_assert_eq!(drive_by_handle(&mut fast, &ops), drive(&mut oracle, &ops));
        prop_assert_eq!(fast.live_timers(), oracle.live_timers());
    }
}

#[test]
fn a_handle_goes_stale_when_its_conversation_closes() {
    let mut engine = Engine::new(Config::default(), RuleSet::Specified);
    let mut out = Vec::new();
    engine.apply(3, chat(1), 0).unwrap();
    let handle = engine.handle(3).expect("opened by SESSION_STARTED");
    let ended = Input::SessionEnded {
        session: SessionId(1),
    };
    engine.apply_at(handle, ended, 1_000, &mut out).unwrap();
    // The last session ended with no agent: the conversation closes (after housekeeping).
    engine
        .apply_at(handle, Input::HousekeepingDone, 2_000, &mut out)
        .unwrap();
    assert!(engine.conversation(3).is_none(), "closed and dropped");
    assert_eq!(
        engine.apply_at(handle, Input::HousekeepingDone, 3_000, &mut out),
        Err(EngineError::StaleHandle(handle))
    );
    // The same ID opens a new conversation in the freed slot, under a new handle.
    engine.apply(3, chat(1), 4_000).unwrap();
    let again = engine.handle(3).unwrap();
    assert_ne!(again, handle);
    assert_eq!(
        engine.apply_at(handle, ended, 5_000, &mut out),
        Err(EngineError::StaleHandle(handle))
    );
    engine.apply_at(again, ended, 5_000, &mut out).unwrap();
}

#[test]
fn an_expiry_that_ends_a_timer_due_at_the_same_millisecond_wins() {
    // Agent SLA (no thresholds) and a wrap-up both due at 70 000: the agent SLA was reset
    // first (armed earlier), so it fires first, removes every agent (SLA-24, CONV-15) and so
    // ends the wrap-up (TASK-24); the wrap-up's own expiry must then not fire.
    let config = Config {
        wrap_up_enabled: true,
        agent_sla_thresholds_pct: vec![],
        ..Config::default()
    };
    let mut engine = Engine::new(config, RuleSet::Specified);
    let (s1, a1, a2) = (SessionId(1), AgentId(1), AgentId(2));
    for (at, input) in [
        (0, chat(1)),
        (
            1_000,
            Input::RequestAgent {
                session: s1,
                direction: None,
            },
        ),
        (2_000, Input::ReserveAgent { agent: a1 }),
        (3_000, Input::AcceptTask { agent: a1 }),
        (4_000, Input::QueueConference { agent: a1 }),
        (5_000, Input::ReserveAgent { agent: a2 }),
        (10_000, Input::AcceptTask { agent: a2 }),
        (10_000, Input::LeaveConversation { agent: a1 }),
    ] {
        engine.apply(1, input, at).unwrap();
    }
    let events = engine.advance(200_000).unwrap();
    let at_70s: Vec<&str> = events
        .iter()
        .filter(|e| e.at_ms == 70_000)
        .map(|e| e.event.name())
        .collect();
    assert_eq!(at_70s.first(), Some(&"AGENT_SLA_EXPIRED"), "{at_70s:?}");
    // Both agents leave; a1's wrap-up task closes once, by the removal, with reason DONE.
    let closed: Vec<_> = events
        .iter()
        .filter(|e| e.at_ms == 70_000)
        .filter_map(|e| match &e.event {
            Published::TaskStateChanged { task } if task.state == TaskState::Closed => {
                Some((task.id, task.reason))
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        closed,
        vec![
            (TaskId(1), Some(ReasonCode::Done)),
            (TaskId(2), Some(ReasonCode::Done))
        ]
    );
}

#[test]
fn a_conversation_that_closes_with_a_timer_under_documented_takes_it_along() {
    // DEV-07: the cancelled request's NO_AGENT_AVAILABLE restarts the customer SLA of chat 1,
    // which has just ended; the call ends, house-keeping closes the conversation, and the
    // dangling timer (due at 3 000 + 150 000) would fire into a Closed conversation, which
    // refuses every input (CONV-10). The engine cancels it with the conversation.
    for rules in [RuleSet::Documented, RuleSet::AsImplemented] {
        let mut engine = Engine::new(Config::default(), rules);
        let steps = [
            (
                0,
                Input::SessionStarted {
                    session: SessionId(2),
                    channel: ChannelKind::Voice,
                    routing_mode: None,
                },
            ),
            (1_000, chat(1)),
            (
                2_000,
                Input::RequestAgent {
                    session: SessionId(1),
                    direction: None,
                },
            ),
            (
                3_000,
                Input::SessionEnded {
                    session: SessionId(1),
                },
            ),
            (
                4_000,
                Input::SessionEnded {
                    session: SessionId(2),
                },
            ),
        ];
        for (at, input) in steps {
            engine.apply(9, input, at).unwrap();
        }
        assert_eq!(
            engine.conversation(9).unwrap().timers(),
            vec![(
                TimerKey::CustomerSla {
                    session: SessionId(1)
                },
                153_000
            )],
            "{rules}: the dangling timer of the ended chat"
        );
        engine.apply(9, Input::HousekeepingDone, 5_000).unwrap();
        assert!(engine.is_empty(), "{rules}: Closed frees the conversation");
        assert_eq!(engine.live_timers(), 0, "{rules}: and its timer");
        assert_eq!(engine.advance(200_000).unwrap(), vec![]);
    }
}
