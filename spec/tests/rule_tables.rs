//! Short tables for the rules the worked cases do not reach: one line per input, the
//! events expected from RULES.md, and the rule IDs the step must apply.

use cxspec_spec::*;
use Published as P;

mod common;
use common::{joined, A1, A2, S1, S2};

/// One line of a table: time, input, events expected (in order), rules that must apply.
type Line = (u64, Input, Vec<Published>, &'static [&'static str]);

fn run(config: &Config, rules: RuleSet, lines: &[Line]) -> System {
    let mut system = System::new();
    for (i, (at, input, want, ids)) in lines.iter().enumerate() {
        let mut out = Outcome::default();
        system
            .apply(input, *at, config, rules, &mut out)
            .unwrap_or_else(|r| panic!("line {}: {input:?} rejected: {r}", i + 1));
        assert_eq!(&out.published, want, "line {}: {input:?}", i + 1);
        for id in *ids {
            let rule = Rule::from_id(id).unwrap_or_else(|| panic!("unknown rule {id}"));
            assert!(
                out.rules.contains(&rule),
                "line {}: {input:?} did not apply {id} (applied {:?})",
                i + 1,
                out.rules
            );
        }
    }
    system
}

fn prepare(config: &Config, rules: RuleSet, steps: &[(u64, Input)]) -> System {
    let mut system = System::new();
    for (at, input) in steps {
        system
            .apply(input, *at, config, rules, &mut Outcome::default())
            .expect("preparation is valid");
    }
    system
}

fn continue_with(mut system: System, config: &Config, rules: RuleSet, lines: &[Line]) -> System {
    for (i, (at, input, want, ids)) in lines.iter().enumerate() {
        let mut out = Outcome::default();
        system
            .apply(input, *at, config, rules, &mut out)
            .unwrap_or_else(|r| panic!("line {}: {input:?} rejected: {r}", i + 1));
        assert_eq!(&out.published, want, "line {}: {input:?}", i + 1);
        for id in *ids {
            assert!(
                out.rules.contains(&Rule::from_id(id).unwrap()),
                "line {}: {input:?} did not apply {id}: {:?}",
                i + 1,
                out.rules
            );
        }
    }
    system
}

fn view(
    id: u32,
    agent: Option<AgentId>,
    state: TaskState,
    media: MediaState,
    reason: Option<ReasonCode>,
) -> Published {
    P::TaskStateChanged {
        task: TaskView {
            id: TaskId(id),
            session: S1,
            agent,
            state,
            media_state: media,
            direction: Direction::Inbound,
            mode: TaskMode::Queue,
            reason,
            extra_medias: vec![],
        },
    }
}

#[test]
fn agent_message_and_customer_message_trade_the_slas() {
    let c = Config::default();
    let s = prepare(&c, RuleSet::Specified, &joined());
    // The agent SLA started at 4 000 (deadline 34 000) when the agent joined.
    continue_with(
        s,
        &c,
        RuleSet::Specified,
        &[
            (
                5_000,
                Input::AgentMessage {
                    agent: A1,
                    wrap_up: false,
                },
                vec![
                    P::AgentMessage {
                        agent: A1,
                        role: Role::Primary,
                        wrap_up: false,
                    },
                    P::AgentSlaStopped,
                    P::CustomerSlaStarted {
                        session: S1,
                        deadline_ms: 155_000,
                    },
                ],
                &["SLA-12", "SLA-13"],
            ),
            (
                6_000,
                Input::SessionStarted {
                    session: S2,
                    channel: ChannelKind::NonVoice,
                    routing_mode: None,
                },
                vec![
                    P::ChannelSessionStarted {
                        session: S2,
                        channel: ChannelKind::NonVoice,
                        routing_mode: None,
                    },
                    P::CustomerSlaStarted {
                        session: S2,
                        deadline_ms: 156_000,
                    },
                ],
                &["SLA-02"],
            ),
            // Writing on session 2: the agent SLA starts, session 2's SLA stops, and
            // session 1's keeps running (it was started already: SLA-27).
            (
                7_000,
                Input::CustomerMessage { session: S2 },
                vec![
                    P::CustomerMessage { session: S2 },
                    P::AgentSlaStarted {
                        deadline_ms: 37_000,
                    },
                    P::CustomerSlaStopped { session: S2 },
                ],
                &["SLA-14", "SLA-15", "SLA-16", "SLA-27"],
            ),
            // A second customer message does not push the agent's deadline back.
            (
                8_000,
                Input::CustomerMessage { session: S2 },
                vec![P::CustomerMessage { session: S2 }],
                &["SLA-16"],
            ),
        ],
    );
}

#[test]
fn agent_sla_expiry_removes_every_agent_and_routes_again() {
    let c = Config::default();
    let mut steps = joined();
    steps.push((5_000, Input::CustomerMessage { session: S1 }));
    let s = prepare(&c, RuleSet::Specified, &steps);
    let s = continue_with(
        s,
        &c,
        RuleSet::Specified,
        &[
            (
                34_000,
                Input::TimerFired {
                    timer: TimerKey::AgentSla,
                },
                vec![P::AgentSlaThresholdReached {
                    level: 1,
                    percent: 50,
                }],
                &["SLA-23"],
            ),
            (
                49_000,
                Input::TimerFired {
                    timer: TimerKey::AgentSla,
                },
                vec![P::AgentSlaThresholdReached {
                    level: 2,
                    percent: 75,
                }],
                &["SLA-23"],
            ),
            (
                64_000,
                Input::TimerFired {
                    timer: TimerKey::AgentSla,
                },
                vec![
                    P::AgentSlaExpired,
                    P::AgentUnsubscribed {
                        agent: A1,
                        reason: UnsubscribeReason::SlaExpired,
                    },
                    P::TopicStateChanged {
                        state: ConversationState::Inactive,
                    },
                    P::CustomerSlaStarted {
                        session: S1,
                        deadline_ms: 64_000 + 150_000,
                    },
                    view(
                        1,
                        Some(A1),
                        TaskState::Closed,
                        MediaState::Closed,
                        Some(ReasonCode::Done),
                    ),
                    view(2, None, TaskState::Active, MediaState::Queued, None),
                    P::TaskEnqueued {
                        task: TaskId(2),
                        session: S1,
                    },
                    P::CustomerSlaStopped { session: S1 },
                ],
                &[
                    "SLA-24", "CONV-15", "TASK-24", "SLA-08", "TASK-01", "CONV-07",
                ],
            ),
        ],
    );
    assert_eq!(s.conversation.state, ConversationState::Inactive);
}

#[test]
fn customer_sla_expiry_ends_the_session_and_the_voice_end_restarts_chat_slas() {
    let c = Config::default();
    let s = prepare(
        &c,
        RuleSet::Specified,
        &[(
            0,
            Input::SessionStarted {
                session: S1,
                channel: ChannelKind::NonVoice,
                routing_mode: None,
            },
        )],
    );
    continue_with(
        s,
        &c,
        RuleSet::Specified,
        &[
            (
                10,
                Input::SessionStarted {
                    session: S2,
                    channel: ChannelKind::Voice,
                    routing_mode: None,
                },
                vec![
                    P::ChannelSessionStarted {
                        session: S2,
                        channel: ChannelKind::Voice,
                        routing_mode: None,
                    },
                    P::CustomerSlaStarted {
                        session: S2,
                        deadline_ms: 10 + 300_000,
                    },
                    P::CustomerSlaStopped { session: S1 },
                ],
                &["SLA-03", "SLA-26"],
            ),
            (
                20,
                Input::SessionEnded { session: S2 },
                vec![
                    P::ChannelSessionEnded { session: S2 },
                    P::CustomerSlaStopped { session: S2 },
                    P::CustomerSlaStarted {
                        session: S1,
                        deadline_ms: 20 + 150_000,
                    },
                ],
                &["SLA-10", "SLA-11", "CONV-12"],
            ),
            (
                150_020,
                Input::TimerFired {
                    timer: TimerKey::CustomerSla { session: S1 },
                },
                vec![P::CustomerSlaThresholdReached {
                    session: S1,
                    level: 1,
                    percent: 50,
                }],
                &["SLA-23"],
            ),
            (
                240_020,
                Input::TimerFired {
                    timer: TimerKey::CustomerSla { session: S1 },
                },
                vec![P::CustomerSlaThresholdReached {
                    session: S1,
                    level: 2,
                    percent: 80,
                }],
                &["SLA-23"],
            ),
            (
                300_020,
                Input::TimerFired {
                    timer: TimerKey::CustomerSla { session: S1 },
                },
                vec![
                    P::CustomerSlaExpired { session: S1 },
                    P::ChannelSessionEnded { session: S1 },
                    P::TopicStateChanged {
                        state: ConversationState::Closing,
                    },
                ],
                &["SLA-25", "CONV-14", "CONV-09"],
            ),
        ],
    );
}

#[test]
fn customer_leaving_cancels_a_waiting_task_and_agent_sla_stops_without_customer() {
    let c = Config::default();
    let steps = &joined()[..4]; // reserved, not yet accepted
    let s = prepare(&c, RuleSet::Specified, steps);
    continue_with(
        s,
        &c,
        RuleSet::Specified,
        &[(
            5_000,
            Input::SessionEnded { session: S1 },
            vec![
                P::ChannelSessionEnded { session: S1 },
                P::TopicStateChanged {
                    state: ConversationState::Closing,
                },
                view(
                    1,
                    Some(A1),
                    TaskState::Closed,
                    MediaState::Closed,
                    Some(ReasonCode::Cancelled),
                ),
            ],
            &["TASK-18"],
        )],
    );

    // With an agent: the customer leaves (wrap-up disabled): Customer Left, agent SLA stops.
    let mut steps = joined();
    steps.push((5_000, Input::CustomerMessage { session: S1 }));
    let s = prepare(&c, RuleSet::Specified, &steps);
    continue_with(
        s,
        &c,
        RuleSet::Specified,
        &[(
            6_000,
            Input::SessionEnded { session: S1 },
            vec![
                P::ChannelSessionEnded { session: S1 },
                P::TopicStateChanged {
                    state: ConversationState::CustomerLeft,
                },
                P::AgentSlaStopped,
                // The agent stays, so does the task; its media closes with the session.
                view(1, Some(A1), TaskState::Active, MediaState::Closed, None),
            ],
            &["SLA-09", "CONV-05", "TASK-25"],
        )],
    );
}

#[test]
fn a_voice_call_cancels_the_queued_chat() {
    let c = Config::default();
    let s = prepare(&c, RuleSet::Specified, &joined()[..3]);
    continue_with(
        s,
        &c,
        RuleSet::Specified,
        &[(
            3_000,
            Input::SessionStarted {
                session: S2,
                channel: ChannelKind::Voice,
                routing_mode: None,
            },
            vec![
                P::ChannelSessionStarted {
                    session: S2,
                    channel: ChannelKind::Voice,
                    routing_mode: None,
                },
                P::CustomerSlaStarted {
                    session: S2,
                    deadline_ms: 303_000,
                },
                view(
                    1,
                    None,
                    TaskState::Closed,
                    MediaState::Closed,
                    Some(ReasonCode::Cancelled),
                ),
            ],
            &["TASK-19", "SLA-01"],
        )],
    );
}

#[test]
fn ttl_while_ringing_then_rona_closes_no_agent_available() {
    let c = Config::default();
    let s = prepare(&c, RuleSet::Specified, &joined()[..4]);
    continue_with(
        s,
        &c,
        RuleSet::Specified,
        &[
            (
                122_000,
                Input::TimerFired {
                    timer: TimerKey::RequestTtl,
                },
                vec![],
                &["TASK-06"],
            ),
            (
                123_000,
                Input::TimerFired {
                    timer: TimerKey::Rona { task: TaskId(1) },
                },
                vec![
                    view(
                        1,
                        Some(A1),
                        TaskState::Closed,
                        MediaState::Closed,
                        Some(ReasonCode::NoAgentAvailable),
                    ),
                    P::NoAgentAvailable {
                        task: TaskId(1),
                        session: S1,
                    },
                    P::CustomerSlaStarted {
                        session: S1,
                        deadline_ms: 123_000 + 150_000,
                    },
                ],
                &["TASK-06", "SLA-20"],
            ),
        ],
    );
}

#[test]
fn queue_transfer_rona_requeues_under_specified_and_closes_under_documented() {
    // DEV-09: the queue-transfer text of 2550490.md closes the task on RONA.
    let c = Config::default();
    let mut steps = joined();
    steps.push((5_000, Input::QueueTransfer { agent: A1 }));
    steps.push((6_000, Input::ReserveAgent { agent: A2 }));
    let rona = Input::TimerFired {
        timer: TimerKey::Rona { task: TaskId(2) },
    };
    let transfer_view = |id: u32,
                         agent: Option<AgentId>,
                         media: MediaState,
                         reason: Option<ReasonCode>| match view(
        id,
        agent,
        if reason.is_some() {
            TaskState::Closed
        } else {
            TaskState::Active
        },
        media,
        reason,
    ) {
        P::TaskStateChanged { mut task } => {
            task.direction = Direction::DirectTransfer;
            P::TaskStateChanged { task }
        }
        other => other,
    };
    let s = prepare(&c, RuleSet::Specified, &steps);
    continue_with(
        s,
        &c,
        RuleSet::Specified,
        &[(
            26_000,
            rona,
            vec![
                transfer_view(2, Some(A2), MediaState::Closed, Some(ReasonCode::Rona)),
                transfer_view(3, None, MediaState::Queued, None),
                P::TaskEnqueued {
                    task: TaskId(3),
                    session: S1,
                },
            ],
            &["TASK-12", "TASK-04"],
        )],
    );
    let s = prepare(&c, RuleSet::Documented, &steps);
    continue_with(
        s,
        &c,
        RuleSet::Documented,
        &[(
            26_000,
            rona,
            vec![
                transfer_view(2, Some(A2), MediaState::Closed, Some(ReasonCode::Rona)),
                P::NoAgentAvailable {
                    task: TaskId(2),
                    session: S1,
                },
                P::CustomerSlaStarted {
                    session: S1,
                    deadline_ms: 176_000,
                },
            ],
            &["TASK-12"],
        )],
    );
}

#[test]
fn logout_closes_agent_logout_and_queues_again() {
    let c = Config::default();
    let s = prepare(&c, RuleSet::Specified, &joined());
    continue_with(
        s,
        &c,
        RuleSet::Specified,
        &[(
            5_000,
            Input::AgentLogout { agent: A1 },
            vec![
                P::AgentUnsubscribed {
                    agent: A1,
                    reason: UnsubscribeReason::Logout,
                },
                P::TopicStateChanged {
                    state: ConversationState::Inactive,
                },
                P::AgentSlaStopped,
                P::CustomerSlaStarted {
                    session: S1,
                    deadline_ms: 155_000,
                },
                view(
                    1,
                    Some(A1),
                    TaskState::Closed,
                    MediaState::Closed,
                    Some(ReasonCode::AgentLogout),
                ),
                view(2, None, TaskState::Active, MediaState::Queued, None),
                P::TaskEnqueued {
                    task: TaskId(2),
                    session: S1,
                },
                P::CustomerSlaStopped { session: S1 },
            ],
            &["TASK-20", "SLA-07", "SLA-08"],
        )],
    );
}

#[test]
fn flush_closes_force_closed_and_only_specified_tells_the_sla() {
    let c = Config::default();
    // The bot has answered, so nobody but the routing engine owes the customer anything.
    let steps = &[
        (
            0,
            Input::SessionStarted {
                session: S1,
                channel: ChannelKind::NonVoice,
                routing_mode: None,
            },
        ),
        (1_000, Input::CustomerMessage { session: S1 }),
        (2_000, Input::BotMessage { session: S1 }),
        (
            2_500,
            Input::RequestAgent {
                session: S1,
                direction: None,
            },
        ),
    ];
    let closed = view(
        1,
        None,
        TaskState::Closed,
        MediaState::Closed,
        Some(ReasonCode::ForceClosed),
    );
    let s = prepare(&c, RuleSet::Specified, steps);
    continue_with(
        s,
        &c,
        RuleSet::Specified,
        &[(
            3_000,
            Input::QueueFlush,
            vec![
                closed.clone(),
                P::NoAgentAvailable {
                    task: TaskId(1),
                    session: S1,
                },
                P::CustomerSlaStarted {
                    session: S1,
                    deadline_ms: 3_000 + 150_000,
                },
            ],
            &["TASK-21", "SLA-20"],
        )],
    );
    // DEV-11: nothing tells the Conversation Monitor, and the waiting customer has no timer.
    let s = prepare(&c, RuleSet::Documented, steps);
    let s = continue_with(
        s,
        &c,
        RuleSet::Documented,
        &[(3_000, Input::QueueFlush, vec![closed], &["TASK-21"])],
    );
    assert!(s.timers().is_empty());
    assert_eq!(
        invariants::violations(&s, &c),
        vec![invariants::Invariant::WaitingCustomerIsTimed]
    );
}

#[test]
fn hold_ends_when_the_last_primary_leaves() {
    let c = Config::default();
    let mut steps = joined();
    steps.push((
        5_000,
        Input::HoldConversation {
            agent: A1,
            hold_ms: None,
        },
    ));
    let s = prepare(&c, RuleSet::Specified, &steps);
    let s = continue_with(
        s,
        &c,
        RuleSet::Specified,
        &[(
            6_000,
            Input::LeaveConversation { agent: A1 },
            vec![
                P::AgentUnsubscribed {
                    agent: A1,
                    reason: UnsubscribeReason::Left,
                },
                P::TopicStateChanged {
                    state: ConversationState::Inactive,
                },
                P::CustomerSlaStarted {
                    session: S1,
                    deadline_ms: 156_000,
                },
                view(
                    1,
                    Some(A1),
                    TaskState::Closed,
                    MediaState::Closed,
                    Some(ReasonCode::Done),
                ),
            ],
            &["CONV-13", "CONV-07", "TASK-15"],
        )],
    );
    assert!(!s.conversation.on_hold());
}

#[test]
fn rejections_are_named_and_change_nothing() {
    // TASK-23: one open request and one open task per agent; CONV-10: nothing after Closed.
    let c = Config::default();
    let s = prepare(&c, RuleSet::Specified, &joined()[..4]);
    let cases = [
        (
            Input::RequestAgent {
                session: S1,
                direction: None,
            },
            Reject::RequestAlreadyOpen,
        ),
        (Input::ReserveAgent { agent: A2 }, Reject::NoQueuedTask),
        (Input::AcceptTask { agent: A2 }, Reject::NotReserved),
        (
            Input::CustomerMessage { session: S2 },
            Reject::UnknownSession,
        ),
        (
            Input::AgentMessage {
                agent: AgentId(77),
                wrap_up: false,
            },
            Reject::UnknownAgent,
        ),
        (
            Input::HoldConversation {
                agent: A1,
                hold_ms: None,
            },
            Reject::AgentNotInConversation,
        ),
        (
            Input::TimerFired {
                timer: TimerKey::AgentSla,
            },
            Reject::TimerNotArmed,
        ),
        (Input::HousekeepingDone, Reject::NotClosing),
        (
            Input::SessionStarted {
                session: S1,
                channel: ChannelKind::Voice,
                routing_mode: None,
            },
            Reject::SessionAlreadyExists,
        ),
    ];
    for (input, reject) in cases {
        assert_eq!(
            s.step(&input, 9_000, &c, RuleSet::Specified).map(|_| ()),
            Err(reject),
            "{input:?}"
        );
    }
    let closed = run(
        &c,
        RuleSet::Specified,
        &[
            (
                0,
                Input::SessionStarted {
                    session: S1,
                    channel: ChannelKind::NonVoice,
                    routing_mode: None,
                },
                vec![
                    P::ChannelSessionStarted {
                        session: S1,
                        channel: ChannelKind::NonVoice,
                        routing_mode: None,
                    },
                    P::CustomerSlaStarted {
                        session: S1,
                        deadline_ms: 150_000,
                    },
                ],
                &["CONV-01", "CONV-12", "SLA-02"],
            ),
            (
                1,
                Input::SessionEnded { session: S1 },
                vec![
                    P::ChannelSessionEnded { session: S1 },
                    P::TopicStateChanged {
                        state: ConversationState::Closing,
                    },
                    P::CustomerSlaStopped { session: S1 },
                ],
                &["CONV-09", "SLA-10"],
            ),
            (
                2,
                Input::HousekeepingDone,
                vec![P::TopicStateChanged {
                    state: ConversationState::Closed,
                }],
                &["CONV-10", "CONV-11"],
            ),
        ],
    );
    assert_eq!(
        closed
            .step(
                &Input::SessionStarted {
                    session: S2,
                    channel: ChannelKind::NonVoice,
                    routing_mode: None,
                },
                3,
                &c,
                RuleSet::Specified
            )
            .map(|_| ()),
        Err(Reject::ConversationClosed)
    );
}

#[test]
fn bot_answer_restarts_the_customer_sla_and_accept_brings_the_agent_in() {
    let c = Config::default();
    let s = prepare(&c, RuleSet::Specified, &joined()[..2]);
    let s = continue_with(
        s,
        &c,
        RuleSet::Specified,
        &[(
            1_500,
            Input::BotMessage { session: S1 },
            vec![
                P::BotMessage { session: S1 },
                P::CustomerSlaStarted {
                    session: S1,
                    deadline_ms: 1_500 + 150_000,
                },
            ],
            &["SLA-17"],
        )],
    );
    let s = continue_with(
        s,
        &c,
        RuleSet::Specified,
        &[
            (
                2_000,
                Input::RequestAgent {
                    session: S1,
                    direction: None,
                },
                vec![
                    view(1, None, TaskState::Active, MediaState::Queued, None),
                    P::TaskEnqueued {
                        task: TaskId(1),
                        session: S1,
                    },
                    P::CustomerSlaStopped { session: S1 },
                ],
                &["TASK-01", "SLA-04"],
            ),
            (
                3_000,
                Input::ReserveAgent { agent: A1 },
                vec![
                    P::AgentReserved {
                        agent: A1,
                        task: TaskId(1),
                    },
                    view(1, Some(A1), TaskState::Active, MediaState::Reserved, None),
                ],
                &["TASK-02"],
            ),
            (
                4_000,
                Input::AcceptTask { agent: A1 },
                vec![
                    view(1, Some(A1), TaskState::Active, MediaState::Active, None),
                    P::AgentSubscribed {
                        agent: A1,
                        session: S1,
                    },
                    P::TopicStateChanged {
                        state: ConversationState::Active,
                    },
                    P::AgentSlaStarted {
                        deadline_ms: 34_000,
                    },
                ],
                &["TASK-03", "CONV-08", "CONV-02", "CONV-11", "SLA-05"],
            ),
        ],
    );
    assert_eq!(
        s.conversation.agents.to_vec(),
        vec![conversation::Participant {
            agent: A1,
            role: Role::Primary
        }]
    );
}

#[test]
fn ending_the_requested_session_cancels_even_with_another_session_open() {
    // TASK-18: the customer ends the chat the agent was requested for.
    let c = Config::default();
    let s = prepare(
        &c,
        RuleSet::Specified,
        &[
            (
                0,
                Input::SessionStarted {
                    session: S1,
                    channel: ChannelKind::NonVoice,
                    routing_mode: None,
                },
            ),
            (
                1,
                Input::RequestAgent {
                    session: S1,
                    direction: None,
                },
            ),
            (
                2,
                Input::SessionStarted {
                    session: S2,
                    channel: ChannelKind::NonVoice,
                    routing_mode: None,
                },
            ),
            (3, Input::ReserveAgent { agent: A1 }),
        ],
    );
    continue_with(
        s,
        &c,
        RuleSet::Specified,
        &[(
            4,
            Input::SessionEnded { session: S1 },
            vec![
                P::ChannelSessionEnded { session: S1 },
                view(
                    1,
                    Some(A1),
                    TaskState::Closed,
                    MediaState::Closed,
                    Some(ReasonCode::Cancelled),
                ),
                // The customer, still on session 2, hears that no agent came; session 2's SLA
                // runs already since it started (SLA-27), so SLA-20 changes nothing here.
                P::NoAgentAvailable {
                    task: TaskId(1),
                    session: S1,
                },
            ],
            &["TASK-18", "SLA-10", "SLA-20", "SLA-27"],
        )],
    );
}

#[test]
fn logout_ends_a_transferring_agents_wrap_up() {
    // TASK-20 with TASK-11: the transferring agent left the topic, their wrap-up is open.
    let c = Config {
        wrap_up_enabled: true,
        ..Config::default()
    };
    let mut steps = joined();
    steps.push((5_000, Input::QueueTransfer { agent: A1 }));
    let s = prepare(&c, RuleSet::Specified, &steps);
    let s = continue_with(
        s,
        &c,
        RuleSet::Specified,
        &[(
            6_000,
            Input::AgentLogout { agent: A1 },
            vec![view(
                1,
                Some(A1),
                TaskState::Closed,
                MediaState::Closed,
                Some(ReasonCode::Transferred),
            )],
            &["TASK-20", "TASK-17"],
        )],
    );
    assert!(s.tasks.wrap_up_task_of(A1).is_none());
}

#[test]
fn a_transfer_after_the_tasks_session_ended_routes_the_open_chat() {
    // TASK-11: the request is for an open session, never an ended one.
    let c = Config::default();
    let mut steps = joined();
    steps.push((
        5_000,
        Input::SessionStarted {
            session: S2,
            channel: ChannelKind::NonVoice,
            routing_mode: None,
        },
    ));
    steps.push((6_000, Input::SessionEnded { session: S1 }));
    let s = prepare(&c, RuleSet::Specified, &steps);
    let (_, out) = s
        .step(
            &Input::QueueTransfer { agent: A1 },
            7_000,
            &c,
            RuleSet::Specified,
        )
        .unwrap();
    assert!(
        out.published.contains(&P::TaskEnqueued {
            task: TaskId(2),
            session: S2
        }),
        "{:?}",
        out.published
    );
    assert!(out.rules.contains(&Rule::Task11));
    // With only a voice session left there is no chat to route: the transfer is refused.
    let mut steps = joined();
    steps.push((
        5_000,
        Input::SessionStarted {
            session: S2,
            channel: ChannelKind::Voice,
            routing_mode: None,
        },
    ));
    steps.push((6_000, Input::SessionEnded { session: S1 }));
    let s = prepare(&c, RuleSet::Specified, &steps);
    assert_eq!(
        s.step(
            &Input::QueueTransfer { agent: A1 },
            7_000,
            &c,
            RuleSet::Specified
        )
        .map(|_| ()),
        Err(Reject::CustomerGone)
    );
}
