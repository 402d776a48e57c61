//! The behaviour issue 10 added from statements of the sources that cxspec had left out:
//! an optional agent SLA (SLA-29), a media that closes with its session (TASK-25, R-22),
//! TRANSFERRED on a transferring agent's WRAP_UP (TASK-11), a wrap-up sent during the
//! conversation (SLA-12, SLA-13), routing mode per channel and FIND_AGENT's direction
//! (TASK-01, TASK-07, TASK-08), and a hold time per hold (CONV-03). Every expectation is
//! written from the quoted source statement in RULES.md, not from the code's output.

use cxspec_spec::invariants::violations;
use cxspec_spec::*;
use Published as P;

mod common;
use common::{joined, A1, A2, S1, S2};

fn chat(session: SessionId, routing_mode: Option<RoutingMode>) -> Input {
    Input::SessionStarted {
        session,
        channel: ChannelKind::NonVoice,
        routing_mode,
    }
}

/// Applies every step, failing with the step's number if one is rejected; returns the
/// system and the outcome of the last step.
fn run(
    config: &Config,
    rules: impl Into<Rules> + Copy,
    steps: &[(u64, Input)],
) -> (System, Outcome) {
    let mut system = System::new();
    let mut last = Outcome::default();
    for (i, (at, input)) in steps.iter().enumerate() {
        last = Outcome::default();
        system
            .apply(input, *at, config, rules, &mut last)
            .unwrap_or_else(|r| panic!("step {}: {input:?} rejected: {r}", i + 1));
    }
    (system, last)
}

fn task_changes(out: &Outcome) -> Vec<TaskView> {
    out.published
        .iter()
        .filter_map(|p| match p {
            P::TaskStateChanged { task } => Some(task.clone()),
            _ => None,
        })
        .collect()
}

fn no_agent_sla_event(out: &Outcome) -> bool {
    !out.published.iter().any(|p| {
        matches!(
            p,
            P::AgentSlaStarted { .. } | P::ResetAgentSla { .. } | P::AgentSlaStopped
        )
    })
}

// ---- SLA-29: "To use agent response time, this field must have a non-null value" ----------

#[test]
fn sla_29_no_agent_response_time_means_no_agent_sla() {
    let config = Config {
        agent_sla_ms: None,
        ..Config::default()
    };
    let mut steps = joined();
    let (system, accept) = run(&config, RuleSet::Specified, &steps);
    assert!(no_agent_sla_event(&accept), "{:?}", accept.published);
    assert!(accept.rules.contains(&Rule::Sla29), "{:?}", accept.rules);
    assert!(system.sla.agent.is_none());
    // The customer writes: with an agent SLA this would start it (SLA-14); now nothing runs
    // for the agents, and the invariant that a waiting customer is timed still holds.
    steps.push((5_000, Input::CustomerMessage { session: S1 }));
    let (system, message) = run(&config, RuleSet::Specified, &steps);
    assert!(no_agent_sla_event(&message), "{:?}", message.published);
    assert!(message.rules.contains(&Rule::Sla29));
    assert!(system.timers().is_empty(), "{:?}", system.timers());
    assert!(violations(&system, &config).is_empty());
    // The customer SLA is untouched: the agent's reply starts it (SLA-13).
    steps.push((
        6_000,
        Input::AgentMessage {
            agent: A1,
            wrap_up: false,
        },
    ));
    let (_, reply) = run(&config, RuleSet::Specified, &steps);
    assert_eq!(
        reply.published,
        vec![
            P::AgentMessage {
                agent: A1,
                role: Role::Primary,
                wrap_up: false,
            },
            P::CustomerSlaStarted {
                session: S1,
                deadline_ms: 6_000 + 150_000, // first threshold: 50 % of 300 000
            },
        ]
    );
}

#[test]
fn sla_29_null_is_off_and_zero_is_still_an_error() {
    let off = Config::from_yaml("agents: 2\nagent_sla_ms: null\n", "c.yaml").unwrap();
    assert_eq!(off.agent_sla_ms, None);
    let on = Config::from_yaml("agents: 2\nagent_sla_ms: 41300\n", "c.yaml").unwrap();
    assert_eq!(on.agent_sla_ms, Some(41_300));
    let err = Config::from_yaml("agents: 2\nagent_sla_ms: 0\n", "c.yaml").unwrap_err();
    assert_eq!(err.field.as_deref(), Some("agent_sla_ms"), "{err}");
    // Written back, `None` stays `null`, so a vector says what it configured.
    let text = serde_yaml::to_string(&off).unwrap();
    assert!(text.contains("agent_sla_ms: null"), "{text}");
}

// ---- TASK-25: media CLOSED "When the session for this media is no longer active" -----------

/// Wrap-up enabled: agent 1 joins, leaves into WRAP_UP, then the controller removes the chat
/// (case 5 of `949321729.md`).
fn wrap_up_then_session_ends() -> (Config, Vec<(u64, Input)>) {
    let config = Config {
        wrap_up_enabled: true,
        ..Config::default()
    };
    let mut steps = joined();
    steps.push((5_000, Input::LeaveConversation { agent: A1 }));
    steps.push((6_000, Input::SessionEnded { session: S1 }));
    (config, steps)
}

#[test]
fn task_25_a_wrap_up_task_whose_chat_ends_keeps_its_state_with_a_closed_media() {
    let (config, steps) = wrap_up_then_session_ends();
    let (system, out) = run(&config, RuleSet::Specified, &steps);
    assert!(out.rules.contains(&Rule::Task25), "{:?}", out.rules);
    let changes = task_changes(&out);
    assert_eq!(changes.len(), 1, "{:?}", out.published);
    assert_eq!(changes[0].state, TaskState::WrapUp);
    assert_eq!(changes[0].media_state, MediaState::Closed);
    assert_eq!(changes[0].reason, None);
    // The task is still open, and the invariant on tasks accepts a CLOSED media of an
    // ended session.
    assert!(system.tasks.tasks[0].is_open());
    assert!(violations(&system, &config).is_empty());
    // The wrap-up then closes it as before (TASK-17).
    let mut more = steps.clone();
    more.push((7_000, Input::WrapUpApplied { agent: A1 }));
    let (_, closed) = run(&config, RuleSet::Specified, &more);
    let changes = task_changes(&closed);
    assert_eq!(changes[0].state, TaskState::Closed);
    assert_eq!(changes[0].reason, Some(ReasonCode::Done));
}

#[test]
fn r_22_with_task_keeps_the_media_until_the_task_closes() {
    let (config, steps) = wrap_up_then_session_ends();
    let rules = Rules::new(
        RuleSet::Specified,
        Readings::NONE.parse_one("R-22=with-task").unwrap(),
    );
    let (system, out) = run(&config, rules, &steps);
    assert!(!out.rules.contains(&Rule::Task25));
    assert!(task_changes(&out).is_empty(), "{:?}", out.published);
    assert_eq!(system.tasks.tasks[0].media_state(), MediaState::Active);
}

#[test]
fn task_25_a_pulled_second_chat_that_ends_leaves_the_task_s_active_media_list() {
    // PULL, MRD not auto-joinable: the agent's task gets a second media (TASK-09); when that
    // chat ends, its media closes and `extra_medias` lists only media that are not CLOSED.
    let config = Config {
        routing_mode: RoutingMode::Pull,
        mrd_auto_joinable: false,
        ..Config::default()
    };
    let steps = vec![
        (0, chat(S1, None)),
        (
            1_000,
            Input::RequestAgent {
                session: S1,
                direction: None,
            },
        ),
        (2_000, Input::PullConversation { agent: A1 }),
        (3_000, chat(S2, None)),
        (
            4_000,
            Input::RequestAgent {
                session: S2,
                direction: None,
            },
        ),
        (5_000, Input::PullConversation { agent: A1 }),
    ];
    let (system, pulled) = run(&config, RuleSet::Specified, &steps);
    assert_eq!(task_changes(&pulled)[0].extra_medias, vec![S2]);
    let mut ended = steps.clone();
    ended.push((6_000, Input::SessionEnded { session: S2 }));
    let (after, out) = run(&config, RuleSet::Specified, &ended);
    let changes = task_changes(&out);
    assert_eq!(changes.len(), 1, "{:?}", out.published);
    assert_eq!(changes[0].state, TaskState::Active);
    assert_eq!(
        changes[0].media_state,
        MediaState::Active,
        "the first chat is open"
    );
    assert!(changes[0].extra_medias.is_empty());
    assert_eq!(system.tasks.tasks.len(), after.tasks.tasks.len());
    assert!(violations(&after, &config).is_empty());
}

// ---- TASK-11: "changed to WRAP_UP with reasonCode = TRANSFERRED" -----------------------------

#[test]
fn task_11_the_transferring_agent_s_wrap_up_carries_transferred() {
    let config = Config {
        wrap_up_enabled: true,
        ..Config::default()
    };
    let mut steps = joined();
    steps.push((5_000, Input::QueueTransfer { agent: A1 }));
    let (system, out) = run(&config, RuleSet::Specified, &steps);
    let wrap_up = task_changes(&out)
        .into_iter()
        .find(|t| t.agent == Some(A1))
        .expect("the transferring agent's task changes");
    assert_eq!(wrap_up.state, TaskState::WrapUp);
    assert_eq!(wrap_up.reason, Some(ReasonCode::Transferred));
    assert!(violations(&system, &config).is_empty());
}

// ---- SLA-12 / SLA-13: "If agent message is other than WRAP_UP" -------------------------------

#[test]
fn sla_12_a_wrap_up_during_the_conversation_is_not_an_answer() {
    let config = Config::default();
    let mut steps = joined();
    steps.push((5_000, Input::CustomerMessage { session: S1 }));
    steps.push((
        6_000,
        Input::AgentMessage {
            agent: A1,
            wrap_up: true,
        },
    ));
    let (system, out) = run(&config, RuleSet::Specified, &steps);
    // Only the message itself: the agent SLA keeps running (SLA-12) and no customer SLA
    // starts (SLA-13), the opposite of what a reply does.
    assert_eq!(
        out.published,
        vec![P::AgentMessage {
            agent: A1,
            role: Role::Primary,
            wrap_up: true,
        }]
    );
    assert!(system.sla.agent.is_some());
    assert_eq!(system.conversation.state, ConversationState::Active);
    assert!(
        system.tasks.tasks[0].is_open(),
        "a wrap-up in the conversation closes nothing"
    );
}

#[test]
fn dev_04_documented_starts_the_customer_sla_on_a_wrap_up_but_keeps_the_agent_sla() {
    // As written: the agent column's exception ("other than WRAP_UP") holds; the customer
    // column has none.
    let config = Config::default();
    let mut steps = joined();
    steps.push((5_000, Input::CustomerMessage { session: S1 }));
    steps.push((
        6_000,
        Input::AgentMessage {
            agent: A1,
            wrap_up: true,
        },
    ));
    let (_, out) = run(&config, RuleSet::Documented, &steps);
    assert!(
        !out.published.contains(&P::AgentSlaStopped),
        "{:?}",
        out.published
    );
    assert!(out
        .published
        .iter()
        .any(|p| matches!(p, P::CustomerSlaStarted { session, .. } if *session == S1)));
}

// ---- TASK-01 / TASK-07: "Routing Mode" per Channel; FIND_AGENT's direction -------------------

#[test]
fn routing_mode_follows_the_session_s_channel() {
    // Configured PUSH; the second chat's channel pulls.
    let config = Config::default();
    let steps = vec![
        (0, chat(S1, None)),
        (1_000, chat(S2, Some(RoutingMode::Pull))),
        (
            2_000,
            Input::RequestAgent {
                session: S2,
                direction: None,
            },
        ),
    ];
    let (system, out) = run(&config, RuleSet::Specified, &steps);
    assert!(out.rules.contains(&Rule::Task07), "{:?}", out.rules);
    assert!(
        out.published.is_empty(),
        "a PULL request is parked silently"
    );
    let mut pulled = steps.clone();
    pulled.push((3_000, Input::PullConversation { agent: A2 }));
    let (after, out) = run(&config, RuleSet::Specified, &pulled);
    let task = &task_changes(&out)[0];
    assert_eq!((task.session, task.mode), (S2, TaskMode::Agent));
    assert!(system.tasks.request.is_some() && after.tasks.request.is_none());

    // Configured PULL, a PUSH channel: a queued task (TASK-01).
    let pull = Config {
        routing_mode: RoutingMode::Pull,
        ..Config::default()
    };
    let (_, out) = run(
        &pull,
        RuleSet::Specified,
        &[
            (0, chat(S1, Some(RoutingMode::Push))),
            (
                1_000,
                Input::RequestAgent {
                    session: S1,
                    direction: None,
                },
            ),
        ],
    );
    assert!(out.rules.contains(&Rule::Task01));
    assert_eq!(task_changes(&out)[0].media_state, MediaState::Queued);
}

#[test]
fn pull_needs_a_session_whose_channel_pulls() {
    let config = Config::default();
    let (system, _) = run(&config, RuleSet::Specified, &[(0, chat(S1, None))]);
    assert_eq!(
        system.check(&Input::PullConversation { agent: A1 }, &config),
        Err(Reject::WrongRoutingMode)
    );
}

#[test]
fn find_agent_direction_is_carried_by_every_task_of_the_request() {
    let config = Config::default();
    let steps = vec![
        (0, chat(S1, None)),
        (
            1_000,
            Input::RequestAgent {
                session: S1,
                direction: Some(Direction::Outbound),
            },
        ),
        (2_000, Input::ReserveAgent { agent: A1 }),
    ];
    let (system, out) = run(&config, RuleSet::Specified, &steps);
    assert_eq!(task_changes(&out)[0].direction, Direction::Outbound);
    // RONA re-queues with the same direction (TASK-04).
    let rona = Input::TimerFired {
        timer: TimerKey::Rona {
            task: system.tasks.tasks[0].id,
        },
    };
    let mut after_rona = steps.clone();
    after_rona.push((3_000, rona));
    let (_, out) = run(&config, RuleSet::Specified, &after_rona);
    let changes = task_changes(&out);
    assert_eq!(changes.len(), 2);
    assert!(changes.iter().all(|t| t.direction == Direction::Outbound));
}

#[test]
fn find_agent_refuses_a_transfer_s_direction() {
    let config = Config::default();
    let (system, _) = run(&config, RuleSet::Specified, &[(0, chat(S1, None))]);
    for direction in [Direction::DirectTransfer, Direction::DirectConference] {
        assert_eq!(
            system.check(
                &Input::RequestAgent {
                    session: S1,
                    direction: Some(direction),
                },
                &config
            ),
            Err(Reject::InvalidDirection)
        );
    }
}

// ---- CONV-03: the agent picks the hold time "from the list" ---------------------------------

#[test]
fn conv_03_a_hold_lasts_the_time_the_agent_picked() {
    let config = Config::default();
    let mut steps = joined();
    steps.push((
        5_000,
        Input::HoldConversation {
            agent: A1,
            hold_ms: Some(120_000),
        },
    ));
    let (system, _) = run(&config, RuleSet::Specified, &steps);
    assert_eq!(system.conversation.hold_deadline_ms, Some(125_000));
    let (default_hold, _) = run(
        &config,
        RuleSet::Specified,
        &[
            joined(),
            vec![(
                5_000,
                Input::HoldConversation {
                    agent: A1,
                    hold_ms: None,
                },
            )],
        ]
        .concat(),
    );
    assert_eq!(
        default_hold.conversation.hold_deadline_ms,
        Some(5_000 + config.hold_ms)
    );
}

#[test]
fn conv_03_a_hold_time_out_of_range_is_refused() {
    let config = Config::default();
    let (system, _) = run(&config, RuleSet::Specified, &joined());
    let hold = |hold_ms| Input::HoldConversation {
        agent: A1,
        hold_ms: Some(hold_ms),
    };
    assert_eq!(
        system.check(&hold(0), &config),
        Err(Reject::InvalidHoldTime)
    );
    assert_eq!(
        system.check(&hold(1 << 48), &config),
        Err(Reject::InvalidHoldTime)
    );
    // Within the duration bound but past the time domain from this moment.
    let mut at_the_edge = system.clone();
    let far = (1u64 << 48) - 1;
    let now = config::MAX_TIME_MS - far + 1;
    assert_eq!(
        at_the_edge.apply(
            &hold(far),
            now,
            &config,
            RuleSet::Specified,
            &mut Outcome::default()
        ),
        Err(Reject::TimeOutOfRange)
    );
}

// ---- SLA-23 / R-23: AGENT_SLA_STARTED "on each threshold" ------------------------------------

#[test]
fn r_23_a_threshold_is_published_as_a_repeated_start_under_sla_started() {
    // Agent 1 subscribes at 4 000 ms: the agent SLA (60 s, levels 50 % and 75 %) is first due
    // at 4 000 + 30 000; crossing it arms the 75 % level, due at 4 000 + 45 000.
    let config = Config::default();
    let mut steps = joined();
    steps.push((
        34_000,
        Input::TimerFired {
            timer: TimerKey::AgentSla,
        },
    ));
    let (_, specified) = run(&config, RuleSet::Specified, &steps);
    assert_eq!(
        specified.published,
        vec![P::AgentSlaThresholdReached {
            level: 1,
            percent: 50
        }]
    );
    let rules = Rules::new(
        RuleSet::Specified,
        Readings::NONE.parse_one("R-23=sla-started").unwrap(),
    );
    let (system, vendor) = run(&config, rules, &steps);
    assert_eq!(
        vendor.published,
        vec![P::AgentSlaStarted {
            deadline_ms: 49_000
        }]
    );
    assert_eq!(system.sla.agent.as_ref().unwrap().deadline_ms, 49_000);
    // The event monitor cannot tell that start from a second SLA unless it is told how the
    // rules name thresholds.
    use cxspec_spec::monitors::{broken_by_with, MissionMonitor, Observe};
    let mut all = Vec::new();
    let mut system = System::new();
    for (at, input) in &steps {
        let mut out = Outcome::default();
        system.apply(input, *at, &config, rules, &mut out).unwrap();
        all.push(out.published);
    }
    let breaks = |options: Observe| {
        let mut monitor = MissionMonitor::new();
        all.iter()
            .map(|step| broken_by_with(&mut monitor, step, options))
            .filter(|b| !b.is_empty())
            .count()
    };
    assert_eq!(breaks(Observe::default()), 1, "read as a second agent SLA");
    assert_eq!(breaks(Observe::for_rules(rules)), 0);
}
