//! The mapping's tests: every input and event of the committed vectors survives the trip to
//! the vendor's JSON and back (the derivations of the payload gaps included), single events
//! round-trip under proptest, and what does not map stays visible.

use super::*;
use crate::vector::{load_dir, Vector};
use cxspec_spec::{
    AgentId, ChannelKind, ConversationState, Direction, Input, MediaState, Published, Readings,
    ReasonCode, Role, RuleSet, SessionId, TaskId, TaskMode, TaskState, TaskView, UnsubscribeReason,
};
use proptest::prelude::*;
use serde_json::{json, Value};
use std::path::Path;

fn vectors() -> Vec<Vector> {
    load_dir(Path::new("vectors")).unwrap().0
}

fn names() -> Names {
    Names::for_rules(Rules::from(RuleSet::Specified))
}

fn native(e: &Published) -> Value {
    serde_json::to_value(e).unwrap()
}

/// One case's wire: the kit's translator and the implementation's, fed in wire order.
struct Wire {
    kit: Translator,
    imp: Translator,
}

impl Wire {
    fn new(names: Names) -> Wire {
        Wire {
            kit: Translator::new(names),
            imp: Translator::new(names),
        }
    }

    /// Sends an event from the kit to the implementation; returns what it reads.
    fn send(&mut self, e: &Published, at_ms: u64) -> Published {
        let cim = self.kit.event_to_cim(e, at_ms);
        self.imp.published_from_cim(&cim).unwrap()
    }

    /// The implementation publishes `e`; returns what the kit reads back.
    fn publish(&mut self, e: &Published, at_ms: u64) -> Value {
        let cim = self.imp.event_to_cim(e, at_ms);
        self.kit.event_from_cim(&cim)
    }
}

#[test]
fn every_input_and_event_of_the_vectors_survives_the_round_trip() {
    let mut events = 0;
    for v in vectors() {
        let mut wire = Wire::new(Names::for_rules(v.rules_run()));
        for step in &v.steps {
            if let Some(input) = &step.input {
                let cim = wire.kit.input_to_cim(input, step.at_ms).unwrap();
                let back = wire.imp.input_from_cim(&cim).unwrap();
                assert_eq!(&back, input, "{}/{}: {cim}", v.suite, v.id);
            }
            for e in &step.events {
                // Sent events lose `deadline_ms` too: the implementation reads 0.
                let want = with_placeholder_deadline(&project_expected(&[native(e)])[0]);
                assert_eq!(
                    native(&wire.send(e, step.at_ms)),
                    want,
                    "{}/{}",
                    v.suite,
                    v.id
                );
            }
            for e in &step.expect.published {
                events += 1;
                let back = wire.publish(e, step.at_ms);
                // Everything but `deadline_ms`, which the vendor's SLA objects do not carry;
                // `role` and NO_AGENT_AVAILABLE's `task` are derived from earlier events.
                assert_eq!(
                    back,
                    project_expected(&[native(e)])[0],
                    "{}/{} at {}",
                    v.suite,
                    v.id,
                    step.at_ms
                );
            }
        }
    }
    assert!(events > 10_000, "the vectors publish {events} events");
}

#[test]
fn the_timestamp_is_epoch_milliseconds_and_ids_are_strings() {
    let mut t = Translator::new(names());
    let cim = t.event_to_cim(
        &Published::AgentReserved {
            agent: AgentId(2),
            task: TaskId(1),
        },
        1_500,
    );
    assert_eq!(cim["timestamp"], json!(EPOCH_MS + 1_500));
    assert_eq!(cim["conversationId"], json!(CONVERSATION_ID));
    assert_eq!(cim["name"], json!("AGENT_RESERVED"));
    assert_eq!(cim["data"]["ccUser"]["id"], json!(IdKind::Agent.mint(2)));
    assert_eq!(cim["data"]["task"]["id"], json!(IdKind::Task.mint(1)));
    assert!(cim["id"].as_str().is_some_and(|s| s.len() == 24));
}

#[test]
fn the_topic_state_event_is_named_by_reading_r24() {
    let e = Published::TopicStateChanged {
        state: ConversationState::Active,
    };
    let code = Names::for_rules(Rules::new(
        RuleSet::Specified,
        Readings::NONE
            .set("R-24", "topic-state-change-event")
            .unwrap(),
    ));
    let mut t = Translator::new(code);
    let cim = t.event_to_cim(&e, 0);
    assert_eq!(cim["name"], json!("TOPIC_STATE_CHANGE_EVENT"));
    assert_eq!(
        cim["data"],
        json!({"id": CONVERSATION_ID, "state": "ACTIVE"})
    );
    assert_eq!(t.event_from_cim(&cim), native(&e));
    // Under the pages' name, the code's name is another event, and the runner says so (its
    // payload is read as the topic state event's, so the name is the one difference).
    let mut pages = Translator::new(names());
    assert_eq!(
        pages.event_from_cim(&cim),
        json!({"event": "TOPIC_STATE_CHANGE_EVENT (the declared R-24 names it TOPIC_STATE_CHANGED)", "state": "ACTIVE"})
    );
    // And the pages' name where the code's is declared: cxspec's own name, but not this case's.
    let mut cim = pages.event_to_cim(&e, 0);
    assert_eq!(cim["name"], json!("TOPIC_STATE_CHANGED"));
    cim["id"] = Value::Null;
    assert_eq!(
        t.event_from_cim(&cim)["event"],
        json!("TOPIC_STATE_CHANGED (the declared R-24 names it TOPIC_STATE_CHANGE_EVENT)")
    );
}

fn view(id: u32, state: TaskState, media: MediaState, reason: Option<ReasonCode>) -> TaskView {
    TaskView {
        id: TaskId(id),
        session: SessionId(1),
        agent: Some(AgentId(1)),
        state,
        media_state: media,
        direction: Direction::Inbound,
        mode: TaskMode::Queue,
        reason,
        extra_medias: vec![],
    }
}

#[test]
fn a_wrap_up_closes_with_any_of_the_object_models_three_codes_as_done() {
    for code in [
        "WRAP_UP_APPLIED",
        "WRAP_UP_NOT_APPLIED",
        "WRAP_UP_EXPIRED",
        "DONE",
    ] {
        let mut imp = Translator::new(names());
        let mut kit = Translator::new(names());
        let wrap = Published::TaskStateChanged {
            task: view(1, TaskState::WrapUp, MediaState::Active, None),
        };
        kit.event_from_cim(&imp.event_to_cim(&wrap, 0));
        let closed = Published::TaskStateChanged {
            task: view(
                1,
                TaskState::Closed,
                MediaState::Closed,
                Some(ReasonCode::Done),
            ),
        };
        let mut cim = imp.event_to_cim(&closed, 1_000);
        cim["data"]["task"]["state"]["reasonCode"] = json!(code);
        assert_eq!(kit.event_from_cim(&cim), native(&closed), "{code}");
    }
    // From ACTIVE, the code is not a wrap-up's close: it stays, and the runner shows it.
    let mut imp = Translator::new(names());
    let mut kit = Translator::new(names());
    let closed = Published::TaskStateChanged {
        task: view(
            1,
            TaskState::Closed,
            MediaState::Closed,
            Some(ReasonCode::Done),
        ),
    };
    let mut cim = imp.event_to_cim(&closed, 0);
    cim["data"]["task"]["state"]["reasonCode"] = json!("WRAP_UP_EXPIRED");
    assert_eq!(
        kit.event_from_cim(&cim)["task"]["reason"],
        json!("WRAP_UP_EXPIRED")
    );
}

#[test]
fn what_does_not_map_stays_visible() {
    let mut imp = Translator::new(names());
    let mut kit = Translator::new(names());
    let e = Published::TaskEnqueued {
        task: TaskId(1),
        session: SessionId(1),
    };
    kit.input_to_cim(
        &Input::SessionStarted {
            session: SessionId(1),
            channel: ChannelKind::NonVoice,
            routing_mode: None,
        },
        0,
    )
    .unwrap();
    let mut cim = imp.event_to_cim(&e, 0);
    cim["priority"] = json!(3);
    cim["conversationId"] = json!("another");
    cim["data"]["queue"] = json!({"id": "q"});
    cim["channelSession"]["id"] = json!("64f0c2aa0000000000000001");
    let back = kit.event_from_cim(&cim);
    assert_eq!(back["cim.priority"], json!(3), "{back}");
    assert_eq!(back["cim.conversationId"], json!("another"));
    assert_eq!(
        back["session"],
        json!("64f0c2aa0000000000000001"),
        "a session the kit never issued stays a string: {back}"
    );
    assert!(kit.published_from_cim(&cim).is_err());
    // A field of another type is kept as it came.
    let mut cim = imp.event_to_cim(&e, 0);
    cim["data"]["task"]["id"] = json!(7);
    assert_eq!(kit.event_from_cim(&cim)["task"], json!(7));
    // An unknown name is an unknown event.
    assert_eq!(
        kit.event_from_cim(&json!({"name": "AGENT_SLA", "data": null})),
        json!({"event": "AGENT_SLA"})
    );
}

#[test]
fn a_session_names_its_channel_type_and_voice_is_read_from_it() {
    let mut kit = Translator::new(names());
    let started = Input::SessionStarted {
        session: SessionId(2),
        channel: ChannelKind::Voice,
        routing_mode: Some(cxspec_spec::RoutingMode::Pull),
    };
    let cim = kit.input_to_cim(&started, 0).unwrap();
    assert_eq!(
        cim["channelSession"]["channel"]["channelType"]["name"],
        json!("CX_VOICE")
    );
    assert_eq!(
        cim["channelSession"]["channel"]["channelConfig"]["routingPolicy"]["routingMode"],
        json!("PULL")
    );
    // A CISCO_CC session is voice too; a session event without a channel type takes the
    // kind its start gave.
    let mut echo = json!({"name": "CHANNEL_SESSION_STARTED",
        "channelSession": {"id": IdKind::Session.mint(2), "channel": {"channelType": {"name": "CISCO_CC"}}}});
    assert_eq!(kit.event_from_cim(&echo)["channel"], json!("VOICE"));
    echo["channelSession"]["channel"] = Value::Null;
    assert_eq!(kit.event_from_cim(&echo)["channel"], json!("VOICE"));
}

#[test]
fn hold_times_travel_in_whole_seconds_only() {
    let mut kit = Translator::new(names());
    let hold = |ms| Input::HoldConversation {
        agent: AgentId(1),
        hold_ms: Some(ms),
    };
    let cim = kit.input_to_cim(&hold(30_000), 0).unwrap();
    assert_eq!(cim["holdTimerDetails"]["totalDuration"], json!(30));
    let e = kit.input_to_cim(&hold(30_500), 0).unwrap_err();
    assert!(e.to_string().contains("whole seconds"), "{e}");
}

#[test]
fn a_recorded_stream_numbers_foreign_ids_in_order_of_appearance() {
    let mut t = Translator::for_recorded(names());
    let e = t
        .published_from_cim(&json!({"name": "AGENT_SUBSCRIBED",
            "channelSession": {"id": "64f0c2"},
            "data": {"agentParticipant": {"type": "AGENT", "role": "PRIMARY", "participant": {"id": "kc-uuid-b"}}}}))
        .unwrap();
    assert_eq!(
        e,
        Published::AgentSubscribed {
            agent: AgentId(1),
            session: SessionId(1)
        }
    );
    // The role of a later message is the one the subscription gave.
    let m = t
        .published_from_cim(&json!({"name": "AGENT_MESSAGE",
            "data": {"header": {"sender": {"id": "kc-uuid-b", "type": "AGENT"}}, "body": {"type": "PLAIN"}}}))
        .unwrap();
    assert_eq!(
        m,
        Published::AgentMessage {
            agent: AgentId(1),
            role: Role::Primary,
            wrap_up: false
        }
    );
}

fn any_view() -> impl Strategy<Value = TaskView> {
    (
        1u32..50,
        1u32..5,
        proptest::option::of(1u32..5),
        prop::sample::select(vec![
            TaskState::Active,
            TaskState::WrapUp,
            TaskState::Closed,
        ]),
        prop::sample::select(vec![
            MediaState::Queued,
            MediaState::Reserved,
            MediaState::Active,
            MediaState::Closed,
        ]),
        prop::sample::select(vec![
            Direction::Inbound,
            Direction::Outbound,
            Direction::DirectTransfer,
            Direction::DirectConference,
        ]),
        prop::sample::select(vec![TaskMode::Queue, TaskMode::Agent]),
        proptest::option::of(prop::sample::select(ReasonCode::ALL.to_vec())),
        prop::collection::vec(1u32..5, 0..3),
    )
        .prop_map(
            |(id, session, agent, state, media_state, direction, mode, reason, extra)| TaskView {
                id: TaskId(id),
                session: SessionId(session),
                agent: agent.map(AgentId),
                state,
                media_state,
                direction,
                mode,
                reason,
                extra_medias: extra.into_iter().map(SessionId).collect(),
            },
        )
}

fn any_event() -> impl Strategy<Value = Published> {
    let agent = (1u32..6).prop_map(AgentId);
    let session = (1u32..6).prop_map(SessionId);
    prop_oneof![
        (
            session.clone(),
            any::<bool>(),
            proptest::option::of(any::<bool>())
        )
            .prop_map(|(session, voice, pull)| Published::ChannelSessionStarted {
                session,
                channel: if voice {
                    ChannelKind::Voice
                } else {
                    ChannelKind::NonVoice
                },
                routing_mode: pull.map(|p| if p {
                    cxspec_spec::RoutingMode::Pull
                } else {
                    cxspec_spec::RoutingMode::Push
                }),
            }),
        session
            .clone()
            .prop_map(|session| Published::CustomerMessage { session }),
        session
            .clone()
            .prop_map(|session| Published::CustomerSlaStopped { session }),
        (agent.clone(), session.clone())
            .prop_map(|(agent, session)| Published::AgentSubscribed { agent, session }),
        (
            agent.clone(),
            prop::sample::select(vec![
                UnsubscribeReason::Left,
                UnsubscribeReason::DirectTransfer,
                UnsubscribeReason::Logout,
                UnsubscribeReason::SlaExpired,
            ])
        )
            .prop_map(|(agent, reason)| Published::AgentUnsubscribed { agent, reason }),
        (agent.clone(), any::<bool>()).prop_map(|(agent, wrap)| {
            Published::ParticipantRoleChanged {
                agent,
                role: if wrap { Role::WrapUp } else { Role::Primary },
            }
        }),
        (agent, 1u32..50).prop_map(|(agent, t)| Published::AgentReserved {
            agent,
            task: TaskId(t)
        }),
        prop::sample::select(ConversationState::ALL.to_vec())
            .prop_map(|state| Published::TopicStateChanged { state }),
        any_view().prop_map(|task| Published::TaskStateChanged { task }),
        Just(Published::ConversationPaused),
        Just(Published::AgentSlaExpired),
    ]
}

proptest! {
    /// Any sequence of these events (none with a derived field, none a wrap-up's close)
    /// reads back as written: names, field paths, ids and enum spellings are a bijection.
    #[test]
    fn events_round_trip(events in prop::collection::vec(any_event(), 1..12)) {
        let mut imp = Translator::new(names());
        let mut kit = Translator::new(names());
        // The kit issues every session and agent id before the implementation uses it.
        for n in 1..6 {
            kit.ids.string(IdKind::Session, n);
            kit.ids.string(IdKind::Agent, n);
        }
        let mut tasks_seen = std::collections::BTreeMap::new();
        for (i, e) in events.iter().enumerate() {
            let back = kit.event_from_cim(&imp.event_to_cim(e, i as u64 * 1000));
            // Task numbers are the kit's own, in order of first appearance: compare through
            // that renaming.
            let mut want = native(e);
            if let Some(t) = want.get_mut("task") {
                let slot = if t.is_object() { &mut t["id"] } else { t };
                if let Some(n) = slot.as_u64() {
                    let next = tasks_seen.len() as u64 + 1;
                    *slot = json!(*tasks_seen.entry(n).or_insert(next));
                }
            }
            prop_assert_eq!(back, want);
        }
    }
}
