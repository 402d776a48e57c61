//! The worked cases of `949321729.md` and the task flows of `2550490.md`, as tables: one
//! line per input, with the events the sources say are published. Expected events were
//! written from the sources and RULES.md (defaults: customer SLA 300 s with thresholds at
//! 50% and 80%, agent SLA 60 s with 50% and 75%, voice SLA 600 s, TTL 120 s, RONA 20 s,
//! wrap-up 60 s), so each deadline below is "start + duration x first threshold".
//! Each table names the rule IDs it covers.

use cxspec_spec::scenarios::seed_scenario;
use cxspec_spec::*;
use Published as P;

const S1: SessionId = SessionId(1);
const S2: SessionId = SessionId(2);
const A1: AgentId = AgentId(1);
const A2: AgentId = AgentId(2);

#[allow(clippy::too_many_arguments)]
fn task(
    id: u32,
    agent: Option<AgentId>,
    state: TaskState,
    media: MediaState,
    direction: Direction,
    mode: TaskMode,
    reason: Option<ReasonCode>,
    extra: &[SessionId],
) -> Published {
    P::TaskStateChanged {
        task: TaskView {
            id: TaskId(id),
            session: S1,
            agent,
            state,
            media_state: media,
            direction,
            mode,
            reason,
            extra_medias: extra.to_vec(),
        },
    }
}

use Direction::*;
use MediaState as M;
use TaskMode::{Agent as ByAgent, Queue};
use TaskState as T;

fn topic(state: ConversationState) -> Published {
    P::TopicStateChanged { state }
}

/// Runs the named seed scenario and compares every step with the table.
fn check(name: &str, rules: RuleSet, table: &[Vec<Published>]) {
    let mut scenario = seed_scenario(name).unwrap_or_else(|| panic!("no seed scenario {name}"));
    scenario.rule_set = rules;
    assert_eq!(
        scenario.steps.len(),
        table.len(),
        "{name}: the table has one line per step"
    );
    let (_, results) = scenario.run().expect("times are monotone");
    for (i, (result, want)) in results.iter().zip(table).enumerate() {
        let got = result
            .outcome
            .as_ref()
            .unwrap_or_else(|r| panic!("{name} step {}: rejected {r}", i + 1));
        assert_eq!(
            &got.published,
            want,
            "{name} ({rules}) step {}: {:?}",
            i + 1,
            result.input
        );
    }
}

/// Case 1 steps 1..5, shared by cases 1 and 3..8.
/// SLA-02 (start on session start), SLA-27 (bot answer: "nothing will happen"), SLA-16
/// (customer message stops it), TASK-01 + SLA-04 (QUEUED), TASK-02, TASK-03 + SLA-05 + SLA-06.
fn agent_joins() -> Vec<Vec<Published>> {
    agent_joins_under(RuleSet::Specified)
}

/// DEV-03: the table's CUSTOMER_MESSAGE row does not stop the session written on, so under
/// `documented` the customer SLA runs until TASK_ENQUEUED stops it (SLA-04); under
/// `as-implemented` the TASK_STATE_CHANGED (QUEUED) stops it first (ATM-02), with the
/// same published sequence.
fn agent_joins_under(rules: RuleSet) -> Vec<Vec<Published>> {
    let mut table = opening();
    if rules != RuleSet::Specified {
        table[2] = vec![P::CustomerMessage { session: S1 }];
        table[3].push(P::CustomerSlaStopped { session: S1 });
    }
    table
}

fn opening() -> Vec<Vec<Published>> {
    vec![
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
        vec![P::BotMessage { session: S1 }],
        vec![
            P::CustomerMessage { session: S1 },
            P::CustomerSlaStopped { session: S1 },
        ],
        vec![
            task(1, None, T::Active, M::Queued, Inbound, Queue, None, &[]),
            P::TaskEnqueued {
                task: TaskId(1),
                session: S1,
            },
        ],
        vec![
            P::AgentReserved {
                agent: A1,
                task: TaskId(1),
            },
            task(
                1,
                Some(A1),
                T::Active,
                M::Reserved,
                Inbound,
                Queue,
                None,
                &[],
            ),
        ],
        vec![
            task(1, Some(A1), T::Active, M::Active, Inbound, Queue, None, &[]),
            P::AgentSubscribed {
                agent: A1,
                session: S1,
            },
            topic(ConversationState::Active),
            P::AgentSlaStarted {
                deadline_ms: 5_000 + 30_000,
            },
        ],
    ]
}

fn with(mut table: Vec<Vec<Published>>, more: Vec<Vec<Published>>) -> Vec<Vec<Published>> {
    table.extend(more);
    table
}

#[test]
fn case_1_single_agent() {
    check("case-1-single-agent", RuleSet::Specified, &agent_joins());
}

#[test]
fn case_2_no_agent_available() {
    // TASK-05: TTL expiry while QUEUED; SLA-20: NO_AGENT_AVAILABLE restarts the customer SLA.
    let mut table = agent_joins();
    table.truncate(4);
    table.push(vec![
        task(
            1,
            None,
            T::Closed,
            M::Closed,
            Inbound,
            Queue,
            Some(ReasonCode::NoAgentAvailable),
            &[],
        ),
        P::NoAgentAvailable {
            task: TaskId(1),
            session: S1,
        },
        P::CustomerSlaStarted {
            session: S1,
            deadline_ms: 123_000 + 150_000,
        },
    ]);
    check("case-2-no-agent-available", RuleSet::Specified, &table);
}

/// The queue transfer of cases 3 and 4 (TASK-11, SLA-07; SLA-08 does not start the
/// customer SLA because the reason is DIRECT_TRANSFER).
fn transfer() -> Vec<Published> {
    vec![
        P::AgentUnsubscribed {
            agent: A1,
            reason: UnsubscribeReason::DirectTransfer,
        },
        topic(ConversationState::Inactive),
        task(
            1,
            Some(A1),
            T::Closed,
            M::Closed,
            Inbound,
            Queue,
            Some(ReasonCode::Transferred),
            &[],
        ),
        task(
            2,
            None,
            T::Active,
            M::Queued,
            DirectTransfer,
            Queue,
            None,
            &[],
        ),
        P::TaskEnqueued {
            task: TaskId(2),
            session: S1,
        },
        P::AgentSlaStopped,
    ]
}

#[test]
fn case_3_agent_transfers() {
    let table = with(
        agent_joins(),
        vec![
            transfer(),
            vec![
                P::AgentReserved {
                    agent: A2,
                    task: TaskId(2),
                },
                task(
                    2,
                    Some(A2),
                    T::Active,
                    M::Reserved,
                    DirectTransfer,
                    Queue,
                    None,
                    &[],
                ),
            ],
            vec![
                task(
                    2,
                    Some(A2),
                    T::Active,
                    M::Active,
                    DirectTransfer,
                    Queue,
                    None,
                    &[],
                ),
                P::AgentSubscribed {
                    agent: A2,
                    session: S1,
                },
                topic(ConversationState::Active),
                P::AgentSlaStarted {
                    deadline_ms: 8_000 + 30_000,
                },
            ],
        ],
    );
    check("case-3-agent-transfers", RuleSet::Specified, &table);
}

#[test]
fn case_4_transfer_without_agent() {
    let table = with(
        agent_joins(),
        vec![
            transfer(),
            vec![
                task(
                    2,
                    None,
                    T::Closed,
                    M::Closed,
                    DirectTransfer,
                    Queue,
                    Some(ReasonCode::NoAgentAvailable),
                    &[],
                ),
                P::NoAgentAvailable {
                    task: TaskId(2),
                    session: S1,
                },
                P::CustomerSlaStarted {
                    session: S1,
                    deadline_ms: 126_000 + 150_000,
                },
            ],
        ],
    );
    check("case-4-transfer-no-agent", RuleSet::Specified, &table);
}

/// Case 5 (the page's first "4"): leave with wrap-up disabled. SLA-07, SLA-08, TASK-15.
fn leave_without_wrap_up(rules: RuleSet) -> Vec<Vec<Published>> {
    let mut last = vec![
        P::AgentUnsubscribed {
            agent: A1,
            reason: UnsubscribeReason::Left,
        },
        topic(ConversationState::Inactive),
        P::AgentSlaStopped,
        P::CustomerSlaStarted {
            session: S1,
            deadline_ms: 6_000 + 150_000,
        },
        task(
            1,
            Some(A1),
            T::Closed,
            M::Closed,
            Inbound,
            Queue,
            Some(ReasonCode::Done),
            &[],
        ),
    ];
    if rules == RuleSet::AsImplemented {
        // ATM-02: "SLA is getting stopped on every TASK_STATE_CHANGED event ATM".
        last.push(P::CustomerSlaStopped { session: S1 });
    }
    with(agent_joins_under(rules), vec![last])
}

#[test]
fn case_5_agent_leaves_without_wrap_up() {
    check(
        "case-5-agent-leaves-no-wrap-up",
        RuleSet::Specified,
        &leave_without_wrap_up(RuleSet::Specified),
    );
    check(
        "case-5-agent-leaves-no-wrap-up",
        RuleSet::Documented,
        &leave_without_wrap_up(RuleSet::Documented),
    );
}

#[test]
fn case_5_as_implemented_stops_the_customer_sla_on_task_closed() {
    // The case says "Conversation Monitor should not stop the customer SLA"; the vendor did.
    check(
        "case-5-agent-leaves-no-wrap-up",
        RuleSet::AsImplemented,
        &leave_without_wrap_up(RuleSet::AsImplemented),
    );
}

#[test]
fn case_6_agent_leaves_with_wrap_up() {
    // TASK-16 + SLA-21 (all agents in WRAP_UP), CONV-06, TASK-17, CONV-09, CONV-10.
    let table = with(
        agent_joins(),
        vec![
            vec![
                P::ParticipantRoleChanged {
                    agent: A1,
                    role: Role::WrapUp,
                },
                topic(ConversationState::Inactive),
                P::AgentSlaStopped,
                task(1, Some(A1), T::WrapUp, M::Active, Inbound, Queue, None, &[]),
            ],
            // "Customer session will be removed by controller"; the task's media is CLOSED
            // "When the session for this media is no longer active" (2550490.md, TASK-25).
            vec![
                P::ChannelSessionEnded { session: S1 },
                topic(ConversationState::WrapUp),
                task(1, Some(A1), T::WrapUp, M::Closed, Inbound, Queue, None, &[]),
            ],
            vec![
                task(
                    1,
                    Some(A1),
                    T::Closed,
                    M::Closed,
                    Inbound,
                    Queue,
                    Some(ReasonCode::Done),
                    &[],
                ),
                P::AgentUnsubscribed {
                    agent: A1,
                    reason: UnsubscribeReason::Left,
                },
                topic(ConversationState::Closing),
            ],
            vec![topic(ConversationState::Closed)],
        ],
    );
    check("case-6-agent-leaves-wrap-up", RuleSet::Specified, &table);
}

#[test]
fn case_7_second_non_voice_session() {
    let start = P::ChannelSessionStarted {
        session: S2,
        channel: ChannelKind::NonVoice,
        routing_mode: None,
    };
    // SLA-02: "start the customer SLA of the current session only".
    let specified = with(
        agent_joins(),
        vec![vec![
            start.clone(),
            P::CustomerSlaStarted {
                session: S2,
                deadline_ms: 156_000,
            },
        ]],
    );
    check(
        "case-7-second-non-voice-session",
        RuleSet::Specified,
        &specified,
    );
    let documented = with(
        agent_joins_under(RuleSet::Documented),
        specified[6..].to_vec(),
    );
    check(
        "case-7-second-non-voice-session",
        RuleSet::Documented,
        &documented,
    );
    // ATM-01: "It is starting the SLA for all channels ATM".
    let as_implemented = with(
        agent_joins_under(RuleSet::AsImplemented),
        vec![vec![
            start,
            P::CustomerSlaStarted {
                session: S1,
                deadline_ms: 156_000,
            },
            P::CustomerSlaStarted {
                session: S2,
                deadline_ms: 156_000,
            },
        ]],
    );
    check(
        "case-7-second-non-voice-session",
        RuleSet::AsImplemented,
        &as_implemented,
    );
}

#[test]
fn case_8_voice_session() {
    // SLA-01 stops the agent SLA; SLA-03 starts the voice session's own SLA (600 s, 50%).
    let table = with(
        agent_joins(),
        vec![vec![
            P::ChannelSessionStarted {
                session: S2,
                channel: ChannelKind::Voice,
                routing_mode: None,
            },
            P::AgentSlaStopped,
            P::CustomerSlaStarted {
                session: S2,
                deadline_ms: 6_000 + 300_000,
            },
        ]],
    );
    check("case-8-voice-session", RuleSet::Specified, &table);
}

#[test]
fn push_rona_requeues_until_another_agent_accepts() {
    // TASK-01, TASK-02, TASK-04 (RONA: closed RONA, a new QUEUED task), TASK-03.
    let mut table = agent_joins();
    table.truncate(5);
    table.extend(vec![
        vec![
            task(
                1,
                Some(A1),
                T::Closed,
                M::Closed,
                Inbound,
                Queue,
                Some(ReasonCode::Rona),
                &[],
            ),
            task(2, None, T::Active, M::Queued, Inbound, Queue, None, &[]),
            P::TaskEnqueued {
                task: TaskId(2),
                session: S1,
            },
        ],
        vec![
            P::AgentReserved {
                agent: A2,
                task: TaskId(2),
            },
            task(
                2,
                Some(A2),
                T::Active,
                M::Reserved,
                Inbound,
                Queue,
                None,
                &[],
            ),
        ],
        vec![
            task(2, Some(A2), T::Active, M::Active, Inbound, Queue, None, &[]),
            P::AgentSubscribed {
                agent: A2,
                session: S1,
            },
            topic(ConversationState::Active),
            P::AgentSlaStarted {
                deadline_ms: 26_000 + 30_000,
            },
        ],
    ]);
    check("push-rona-then-accept", RuleSet::Specified, &table);
}

#[test]
fn pull_then_second_session_adds_a_media() {
    // TASK-07 (parked, nothing published), TASK-08 (ACTIVE/ACTIVE/INBOUND/AGENT),
    // TASK-09 (MRD not auto-joinable: a new ACTIVE media on the same task).
    let mut table = agent_joins();
    table.truncate(3);
    table.extend(vec![
        vec![],
        vec![
            task(
                1,
                Some(A1),
                T::Active,
                M::Active,
                Inbound,
                ByAgent,
                None,
                &[],
            ),
            P::AgentSubscribed {
                agent: A1,
                session: S1,
            },
            topic(ConversationState::Active),
            P::AgentSlaStarted {
                deadline_ms: 4_000 + 30_000,
            },
        ],
        vec![
            P::ChannelSessionStarted {
                session: S2,
                channel: ChannelKind::NonVoice,
                routing_mode: None,
            },
            P::CustomerSlaStarted {
                session: S2,
                deadline_ms: 5_000 + 150_000,
            },
        ],
        vec![],
        vec![task(
            1,
            Some(A1),
            T::Active,
            M::Active,
            Inbound,
            ByAgent,
            None,
            &[S2],
        )],
    ]);
    check("pull-then-second-session", RuleSet::Specified, &table);
}

#[test]
fn named_transfer_rings_out() {
    // TASK-13 (new task RESERVED/DIRECT_TRANSFER/AGENT; the transferring agent's task to
    // WRAP_UP with wrap-up enabled), TASK-14 (RONA: CLOSED RONA + NO_AGENT_AVAILABLE), SLA-20.
    let table = with(
        agent_joins(),
        vec![
            vec![
                P::AgentUnsubscribed {
                    agent: A1,
                    reason: UnsubscribeReason::DirectTransfer,
                },
                topic(ConversationState::Inactive),
                // "changed to WRAP_UP with reasonCode = TRANSFERRED" (2550490.md).
                task(
                    1,
                    Some(A1),
                    T::WrapUp,
                    M::Active,
                    Inbound,
                    Queue,
                    Some(ReasonCode::Transferred),
                    &[],
                ),
                P::AgentReserved {
                    agent: A2,
                    task: TaskId(2),
                },
                task(
                    2,
                    Some(A2),
                    T::Active,
                    M::Reserved,
                    DirectTransfer,
                    ByAgent,
                    None,
                    &[],
                ),
                P::AgentSlaStopped,
            ],
            vec![
                task(
                    2,
                    Some(A2),
                    T::Closed,
                    M::Closed,
                    DirectTransfer,
                    ByAgent,
                    Some(ReasonCode::Rona),
                    &[],
                ),
                P::NoAgentAvailable {
                    task: TaskId(2),
                    session: S1,
                },
                P::CustomerSlaStarted {
                    session: S1,
                    deadline_ms: 26_000 + 150_000,
                },
            ],
        ],
    );
    check("named-transfer-rona", RuleSet::Specified, &table);
}

#[test]
fn conference_keeps_the_customer_sla_and_resets_the_agent_sla() {
    // TASK-10, SLA-04 (no stop: an agent is present), SLA-05 (RESET_AGENT_SLA: a PRIMARY
    // is already there), SLA-14 (a running agent SLA is not restarted), SLA-23.
    let table = with(
        agent_joins(),
        vec![
            vec![
                task(
                    2,
                    None,
                    T::Active,
                    M::Queued,
                    DirectConference,
                    Queue,
                    None,
                    &[],
                ),
                P::TaskEnqueued {
                    task: TaskId(2),
                    session: S1,
                },
            ],
            vec![
                P::AgentReserved {
                    agent: A2,
                    task: TaskId(2),
                },
                task(
                    2,
                    Some(A2),
                    T::Active,
                    M::Reserved,
                    DirectConference,
                    Queue,
                    None,
                    &[],
                ),
            ],
            vec![
                task(
                    2,
                    Some(A2),
                    T::Active,
                    M::Active,
                    DirectConference,
                    Queue,
                    None,
                    &[],
                ),
                P::AgentSubscribed {
                    agent: A2,
                    session: S1,
                },
                P::ResetAgentSla {
                    deadline_ms: 8_000 + 30_000,
                },
            ],
            vec![P::CustomerMessage { session: S1 }],
            vec![P::AgentSlaThresholdReached {
                level: 1,
                percent: 50,
            }],
        ],
    );
    check("conference-then-agent-sla", RuleSet::Specified, &table);
}

#[test]
fn hold_stops_both_slas_and_resume_resets_the_agent_sla() {
    // CONV-03, SLA-18, SLA-19, SLA-14/15 blocked on hold, CONV-04, SLA-22.
    let specified = with(
        agent_joins(),
        vec![
            vec![
                P::ConversationPaused,
                topic(ConversationState::OnHold),
                P::AgentSlaStopped,
            ],
            vec![P::CustomerMessage { session: S1 }],
            vec![
                P::ConversationResumed,
                topic(ConversationState::Active),
                P::ResetAgentSla {
                    deadline_ms: 38_000,
                },
                P::CustomerSlaStarted {
                    session: S1,
                    deadline_ms: 8_000 + 150_000,
                },
            ],
        ],
    );
    check("hold-and-resume", RuleSet::Specified, &specified);
    // DEV-05: the table's CONVERSATION_PAUSED row has no agent-SLA cell; DEV-06: no
    // resume row, so nothing restarts it either.
    let documented = with(
        agent_joins_under(RuleSet::Documented),
        vec![
            vec![P::ConversationPaused, topic(ConversationState::OnHold)],
            vec![P::CustomerMessage { session: S1 }],
            vec![P::ConversationResumed, topic(ConversationState::Active)],
        ],
    );
    check("hold-and-resume", RuleSet::Documented, &documented);
}

#[test]
fn seed_scenarios_apply_the_rules_they_name() {
    // A scenario's `rules` list is what vectors and RULES.md cite: it must be true.
    for scenario in cxspec_spec::scenarios::seed_scenarios() {
        let (_, results) = scenario.run().unwrap();
        let applied: Vec<&str> = results
            .iter()
            .filter_map(|r| r.outcome.as_ref().ok())
            .flat_map(|o| o.rules.iter().map(|r| r.id()))
            .collect();
        for id in &scenario.rules {
            assert!(
                applied.contains(&id.as_str()),
                "{} names {id} but never applies it",
                scenario.name
            );
        }
    }
}
