//! Each deviation of `documented` / `as-implemented` from `specified` (rules.rs
//! `Deviation`, RULES.md "Deviations") shown on a witness: the same inputs, and the step
//! where the published events differ, written from the rule texts. Together with the
//! DEV/ATM witnesses in seed_cases.rs and rule_tables.rs, every deviation has one; the last
//! test checks that.

use cxspec_spec::*;
use Published as P;

mod common;
use common::{joined, A1, A2, S1, S2};

/// Runs `steps` under `rules` and returns what the last step published.
fn last_step(config: &Config, rules: RuleSet, steps: &[(u64, Input)]) -> Vec<Published> {
    let mut system = System::new();
    let mut last = Vec::new();
    for (at, input) in steps {
        let mut out = Outcome::default();
        system
            .apply(input, *at, config, rules, &mut out)
            .unwrap_or_else(|r| panic!("{rules}: {input:?}: {r}"));
        last = out.published;
    }
    last
}

fn witness(
    config: &Config,
    steps: &[(u64, Input)],
    specified: Vec<Published>,
    documented: Vec<Published>,
) {
    assert_eq!(
        last_step(config, RuleSet::Specified, steps),
        specified,
        "specified"
    );
    assert_eq!(
        last_step(config, RuleSet::Documented, steps),
        documented,
        "documented"
    );
}

fn steps(extra: &[(u64, Input)]) -> Vec<(u64, Input)> {
    let mut all = joined();
    all.extend_from_slice(extra);
    all
}

#[test]
fn dev_01_subscribe_during_voice_starts_the_agent_sla() {
    let subscribed = [
        P::TaskStateChanged {
            task: TaskView {
                id: TaskId(2),
                session: S1,
                agent: Some(A2),
                state: TaskState::Active,
                media_state: MediaState::Active,
                direction: Direction::DirectConference,
                mode: TaskMode::Queue,
                reason: None,
                extra_medias: vec![],
            },
        },
        P::AgentSubscribed {
            agent: A2,
            session: S1,
        },
    ];
    let s = steps(&[
        (
            5_000,
            Input::SessionStarted {
                session: S2,
                channel: ChannelKind::Voice,
                routing_mode: None,
            },
        ),
        (6_000, Input::QueueConference { agent: A1 }),
        (7_000, Input::ReserveAgent { agent: A2 }),
        (8_000, Input::AcceptTask { agent: A2 }),
    ]);
    let mut documented = subscribed.to_vec();
    documented.push(P::ResetAgentSla {
        deadline_ms: 8_000 + 30_000,
    });
    witness(&Config::default(), &s, subscribed.to_vec(), documented);
}

#[test]
fn dev_02_customer_message_starts_the_agent_sla_during_voice() {
    let s = steps(&[
        (
            5_000,
            Input::SessionStarted {
                session: S2,
                channel: ChannelKind::Voice,
                routing_mode: None,
            },
        ),
        (6_000, Input::CustomerMessage { session: S1 }),
    ]);
    witness(
        &Config::default(),
        &s,
        vec![P::CustomerMessage { session: S1 }],
        vec![
            P::CustomerMessage { session: S1 },
            P::AgentSlaStarted {
                deadline_ms: 36_000,
            },
        ],
    );
}

#[test]
fn dev_04_agent_message_starts_customer_slas_on_hold() {
    // Under documented the pause also left the agent SLA running (DEV-05), so SLA-12 stops it.
    let s = steps(&[
        (
            5_000,
            Input::HoldConversation {
                agent: A1,
                hold_ms: None,
            },
        ),
        (
            6_000,
            Input::AgentMessage {
                agent: A1,
                wrap_up: false,
            },
        ),
    ]);
    witness(
        &Config::default(),
        &s,
        vec![P::AgentMessage {
            agent: A1,
            role: Role::Primary,
            wrap_up: false,
        }],
        vec![
            P::AgentMessage {
                agent: A1,
                role: Role::Primary,
                wrap_up: false,
            },
            P::AgentSlaStopped,
            P::CustomerSlaStarted {
                session: S1,
                deadline_ms: 156_000,
            },
        ],
    );
}

#[test]
fn dev_07_no_agent_available_starts_the_latest_session_even_if_ended() {
    let s = vec![
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
            Input::SessionStarted {
                session: S2,
                channel: ChannelKind::NonVoice,
                routing_mode: None,
            },
        ),
        (2, Input::CustomerMessage { session: S1 }),
        (
            3,
            Input::RequestAgent {
                session: S1,
                direction: None,
            },
        ),
        (4, Input::SessionEnded { session: S2 }),
        (
            5,
            Input::TimerFired {
                timer: TimerKey::RequestTtl,
            },
        ),
    ];
    let closed = P::TaskStateChanged {
        task: TaskView {
            id: TaskId(1),
            session: S1,
            agent: None,
            state: TaskState::Closed,
            media_state: MediaState::Closed,
            direction: Direction::Inbound,
            mode: TaskMode::Queue,
            reason: Some(ReasonCode::NoAgentAvailable),
            extra_medias: vec![],
        },
    };
    let naa = P::NoAgentAvailable {
        task: TaskId(1),
        session: S1,
    };
    witness(
        &Config::default(),
        &s,
        vec![
            closed.clone(),
            naa.clone(),
            P::CustomerSlaStarted {
                session: S1,
                deadline_ms: 150_005,
            },
        ],
        vec![
            closed,
            naa,
            P::CustomerSlaStarted {
                session: S2,
                deadline_ms: 150_005,
            },
        ],
    );
}

#[test]
fn dev_08_a_new_session_on_hold_starts_its_sla() {
    let s = steps(&[
        (
            5_000,
            Input::HoldConversation {
                agent: A1,
                hold_ms: None,
            },
        ),
        (
            6_000,
            Input::SessionStarted {
                session: S2,
                channel: ChannelKind::NonVoice,
                routing_mode: None,
            },
        ),
    ]);
    let started = P::ChannelSessionStarted {
        session: S2,
        channel: ChannelKind::NonVoice,
        routing_mode: None,
    };
    witness(
        &Config::default(),
        &s,
        vec![started.clone()],
        vec![
            started,
            P::CustomerSlaStarted {
                session: S2,
                deadline_ms: 156_000,
            },
        ],
    );
}

#[test]
fn dev_10_pull_tasks_have_mode_queue() {
    let config = Config {
        routing_mode: RoutingMode::Pull,
        ..Config::default()
    };
    let s = vec![
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
        (2, Input::PullConversation { agent: A1 }),
    ];
    let mode = |rules| {
        last_step(&config, rules, &s).iter().find_map(|p| match p {
            P::TaskStateChanged { task } => Some(task.mode),
            _ => None,
        })
    };
    assert_eq!(mode(RuleSet::Specified), Some(TaskMode::Agent));
    assert_eq!(mode(RuleSet::Documented), Some(TaskMode::Queue));
}

#[test]
fn dev_12_a_wrap_up_agent_keeps_the_agent_sla_alive() {
    let config = Config {
        wrap_up_enabled: true,
        ..Config::default()
    };
    let s = steps(&[
        (5_000, Input::QueueConference { agent: A1 }),
        (6_000, Input::ReserveAgent { agent: A2 }),
        (7_000, Input::AcceptTask { agent: A2 }),
        (8_000, Input::LeaveConversation { agent: A1 }),
        (9_000, Input::QueueTransfer { agent: A2 }),
    ]);
    let specified = last_step(&config, RuleSet::Specified, &s);
    let documented = last_step(&config, RuleSet::Documented, &s);
    // A2 leaves by transfer; only A1, in WRAP_UP, remains.
    assert_eq!(specified.last(), Some(&P::AgentSlaStopped));
    assert!(!documented.contains(&P::AgentSlaStopped), "{documented:?}");
    assert_eq!(&specified[..specified.len() - 1], &documented[..]);
}

#[test]
fn dev_13_a_conference_enqueue_stops_the_customer_sla() {
    let s = steps(&[
        (
            5_000,
            Input::AgentMessage {
                agent: A1,
                wrap_up: false,
            },
        ),
        (6_000, Input::QueueConference { agent: A1 }),
    ]);
    let queued = P::TaskStateChanged {
        task: TaskView {
            id: TaskId(2),
            session: S1,
            agent: None,
            state: TaskState::Active,
            media_state: MediaState::Queued,
            direction: Direction::DirectConference,
            mode: TaskMode::Queue,
            reason: None,
            extra_medias: vec![],
        },
    };
    let enqueued = P::TaskEnqueued {
        task: TaskId(2),
        session: S1,
    };
    witness(
        &Config::default(),
        &s,
        vec![queued.clone(), enqueued.clone()],
        vec![queued, enqueued, P::CustomerSlaStopped { session: S1 }],
    );
}

// ---- the vendor's Routing Engine code (`vendor-code`): VC-01..VC-07 ----------------------

/// The events of the last step under `specified` and under `vendor-code`.
fn specified_and_vendor(config: &Config, steps: &[(u64, Input)]) -> [Vec<Published>; 2] {
    [
        last_step(config, RuleSet::Specified, steps),
        last_step(config, RuleSet::VendorCode, steps),
    ]
}

#[test]
fn vc_01_the_reservation_publishes_the_task_change_first() {
    let reserve = &joined()[..4];
    let [specified, vendor] = specified_and_vendor(&Config::default(), reserve);
    assert_eq!(specified.len(), 2);
    assert!(
        matches!(specified[0], P::AgentReserved { .. }),
        "{specified:?}"
    );
    assert!(
        matches!(vendor[0], P::TaskStateChanged { .. }),
        "{vendor:?}"
    );
    assert_eq!(vendor[1], specified[0]);
    assert_eq!(vendor[0], specified[1]);
}

/// The close reason of task `id` in `events`, if they close it.
fn reason_of(events: &[Published], id: TaskId) -> Option<ReasonCode> {
    events.iter().find_map(|e| match e {
        P::TaskStateChanged { task } if task.id == id => task.reason,
        _ => None,
    })
}

#[test]
fn vc_02_a_named_transfer_rings_out_with_no_agent_available() {
    let s = steps(&[
        (5_000, Input::NamedTransfer { agent: A1, to: A2 }),
        (
            6_000,
            Input::TimerFired {
                timer: TimerKey::Rona { task: TaskId(2) },
            },
        ),
    ]);
    let [specified, vendor] = specified_and_vendor(&Config::default(), &s);
    assert_eq!(reason_of(&specified, TaskId(2)), Some(ReasonCode::Rona));
    assert_eq!(
        reason_of(&vendor, TaskId(2)),
        Some(ReasonCode::NoAgentAvailable)
    );
    // Both end the request with NO_AGENT_AVAILABLE (TASK-14).
    for events in [&specified, &vendor] {
        assert!(events.iter().any(|e| matches!(
            e,
            P::NoAgentAvailable {
                task: TaskId(2),
                ..
            }
        )));
    }
}

#[test]
fn vc_03_a_logout_closes_the_task_and_queues_nothing() {
    let s = steps(&[(5_000, Input::AgentLogout { agent: A1 })]);
    let [specified, vendor] = specified_and_vendor(&Config::default(), &s);
    let enqueued =
        |events: &[Published]| events.iter().any(|e| matches!(e, P::TaskEnqueued { .. }));
    assert!(enqueued(&specified), "TASK-20 re-routes: {specified:?}");
    assert!(!enqueued(&vendor), "{vendor:?}");
    let closed = |events: &[Published]| {
        events.iter().any(|e| {
            matches!(e, P::TaskStateChanged { task }
                if task.id == TaskId(1) && task.reason == Some(ReasonCode::AgentLogout))
        })
    };
    assert!(closed(&specified) && closed(&vendor));
}

#[test]
fn vc_04_a_named_transfer_publishes_no_agent_reserved() {
    let s = steps(&[(5_000, Input::NamedTransfer { agent: A1, to: A2 })]);
    let [specified, vendor] = specified_and_vendor(&Config::default(), &s);
    let reserved = |events: &[Published]| {
        events
            .iter()
            .filter(|e| matches!(e, P::AgentReserved { agent: A2, .. }))
            .count()
    };
    assert_eq!(reserved(&specified), 1, "TASK-13: {specified:?}");
    assert_eq!(reserved(&vendor), 0, "{vendor:?}");
    // Otherwise the same step: the hand-over and the new task's change, in that order.
    let without: Vec<_> = specified
        .into_iter()
        .filter(|e| !matches!(e, P::AgentReserved { .. }))
        .collect();
    assert_eq!(vendor, without);
}

#[test]
fn vc_05_a_ringing_named_transfer_whose_agent_logs_out_closes_no_agent_available() {
    let s = steps(&[
        (5_000, Input::NamedTransfer { agent: A1, to: A2 }),
        (6_000, Input::AgentLogout { agent: A2 }),
    ]);
    let [specified, vendor] = specified_and_vendor(&Config::default(), &s);
    assert_eq!(
        reason_of(&specified, TaskId(2)),
        Some(ReasonCode::AgentLogout)
    );
    assert_eq!(
        reason_of(&vendor, TaskId(2)),
        Some(ReasonCode::NoAgentAvailable)
    );
    for events in [&specified, &vendor] {
        assert!(
            events.iter().any(|e| matches!(
                e,
                P::NoAgentAvailable {
                    task: TaskId(2),
                    ..
                }
            )),
            "{events:?}"
        );
    }
    // A ringing PUSH task with its TTL running is re-queued, AGENT_LOGOUT, under both.
    let push = steps(&[])[..4]
        .iter()
        .cloned()
        .chain([(3_500, Input::AgentLogout { agent: A1 })])
        .collect::<Vec<_>>();
    let [specified, vendor] = specified_and_vendor(&Config::default(), &push);
    assert_eq!(
        reason_of(&specified, TaskId(1)),
        Some(ReasonCode::AgentLogout)
    );
    assert_eq!(specified, vendor);
}

/// A PULL customer on a second chat, pulled by the agent already serving them.
fn second_chat_pulled() -> (Config, Vec<(u64, Input)>) {
    let config = Config {
        routing_mode: RoutingMode::Pull,
        mrd_auto_joinable: false,
        ..Config::default()
    };
    let chat = |session| Input::SessionStarted {
        session,
        channel: ChannelKind::NonVoice,
        routing_mode: None,
    };
    let request = |session| Input::RequestAgent {
        session,
        direction: None,
    };
    let steps = vec![
        (0, chat(S1)),
        (1_000, request(S1)),
        (2_000, Input::PullConversation { agent: A1 }),
        (3_000, chat(S2)),
        (4_000, request(S2)),
        (5_000, Input::PullConversation { agent: A1 }),
    ];
    (config, steps)
}

fn task_change(events: &[Published]) -> Option<&TaskView> {
    events.iter().find_map(|e| match e {
        P::TaskStateChanged { task } => Some(task),
        _ => None,
    })
}

#[test]
fn vc_06_a_second_pulled_chat_adds_no_media_to_the_agent_s_task() {
    let (config, s) = second_chat_pulled();
    let [specified, vendor] = specified_and_vendor(&config, &s);
    let specified = task_change(&specified).expect("TASK-09 publishes the task");
    let vendor = task_change(&vendor).expect("the task is published again");
    assert_eq!(specified.extra_medias, vec![S2]);
    assert!(vendor.extra_medias.is_empty(), "{vendor:?}");
    // The same task, still on its first chat, ACTIVE.
    assert_eq!((vendor.id, vendor.session), (specified.id, S1));
    assert_eq!(vendor.media_state, MediaState::Active);
}

#[test]
fn vc_07_an_ended_chat_leaves_the_active_task_s_media_as_it_is() {
    // The customer stays on a second chat, so nothing else ends with the first.
    let s = steps(&[
        (
            5_000,
            Input::SessionStarted {
                session: S2,
                channel: ChannelKind::NonVoice,
                routing_mode: None,
            },
        ),
        (6_000, Input::SessionEnded { session: S1 }),
    ]);
    let [specified, vendor] = specified_and_vendor(&Config::default(), &s);
    let media = |events: &[Published]| task_change(events).map(|t| (t.id, t.media_state));
    assert_eq!(
        media(&specified),
        Some((TaskId(1), MediaState::Closed)),
        "TASK-25: {specified:?}"
    );
    assert_eq!(media(&vendor), None, "{vendor:?}");
    // R-22's `with-task` is the alternative vendor-code takes, by this deviation.
    assert_eq!(
        Reading::MediaAtSessionEnd.default_for(RuleSet::VendorCode),
        Reading::MediaAtSessionEnd.alternative("with-task").unwrap()
    );
}

#[test]
fn vendor_code_confirms_dev_11_and_has_no_other_documented_deviation() {
    for d in Deviation::ALL {
        let expected = d.id().starts_with("VC-") || d.id() == "DEV-11";
        assert_eq!(RuleSet::VendorCode.has(*d), expected, "{}", d.id());
    }
    // as-implemented keeps its meaning: every DEV and ATM, no VC.
    for d in Deviation::ALL {
        assert_eq!(
            RuleSet::AsImplemented.has(*d),
            !d.id().starts_with("VC-"),
            "{}",
            d.id()
        );
    }
}

#[test]
fn every_deviation_has_a_witness_test() {
    // The witnesses name their deviation: dev_NN here, DEV-NN / ATM-NN in the other tables.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let mut text = String::new();
    for file in ["deviations.rs", "seed_cases.rs", "rule_tables.rs"] {
        text.push_str(&std::fs::read_to_string(dir.join(file)).unwrap());
    }
    let missing: Vec<&str> = Deviation::ALL
        .iter()
        .map(|d| d.id())
        .filter(|id| {
            !text.contains(id)
                && !text.contains(&format!("fn {}_", id.to_lowercase().replace('-', "_")))
        })
        .collect();
    assert!(
        missing.is_empty(),
        "deviations without a witness: {missing:?}"
    );
}
