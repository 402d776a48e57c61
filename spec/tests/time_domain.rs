//! The time domain (`config::MAX_TIME_MS`, 2^53 - 1 ms): an input whose time plus the
//! longest configured duration passes it is rejected with `TIME_OUT_OF_RANGE`, a deadline is
//! never wrapped into the past whatever a library caller passes, and inside the domain every
//! deadline is the exact sum the rules state (SLA-23's integer division included).

use cxspec_spec::config::{MAX_DURATION_MS, MAX_TIME_MS};
use cxspec_spec::engine::{Engine, EngineError};
use cxspec_spec::*;
use proptest::prelude::*;

fn chat(session: u32) -> Input {
    Input::SessionStarted {
        session: SessionId(session),
        channel: ChannelKind::NonVoice,
        routing_mode: None,
    }
}

fn step(
    system: &System,
    input: Input,
    now_ms: u64,
    config: &Config,
) -> Result<(System, Outcome), Reject> {
    system.step(&input, now_ms, config, RuleSet::Specified)
}

#[test]
fn an_input_past_the_time_domain_is_rejected_by_name() {
    let config = Config::default();
    let latest = MAX_TIME_MS - config.longest_duration_ms();
    // The last admitted time: its deadlines are exact and within the domain.
    let (_, outcome) = step(&System::new(), chat(1), latest, &config).unwrap();
    assert_eq!(
        outcome.published[1],
        Published::CustomerSlaStarted {
            session: SessionId(1),
            deadline_ms: latest + config.customer_sla_ms / 2
        }
    );
    for now_ms in [latest + 1, MAX_TIME_MS, u64::MAX - 1000, u64::MAX] {
        assert_eq!(
            step(&System::new(), chat(1), now_ms, &config).unwrap_err(),
            Reject::TimeOutOfRange,
            "at {now_ms}"
        );
    }
    assert_eq!(Reject::TimeOutOfRange.to_string(), "TIME_OUT_OF_RANGE");
}

#[test]
fn an_unvalidated_duration_cannot_wrap_a_deadline() {
    // A library caller may skip `Config::validate`; the sum is checked, not wrapped.
    let config = Config {
        rona_ms: u64::MAX,
        ..Config::default()
    };
    assert!(config.validate().is_err());
    assert_eq!(
        step(&System::new(), chat(1), 0, &config).unwrap_err(),
        Reject::TimeOutOfRange
    );
}

#[test]
fn a_timer_fire_is_never_refused_and_never_wraps() {
    // A request TTL fired by a caller at a huge time: SLA-20 restarts the customer SLA
    // "now"; that deadline saturates instead of wrapping to a time in the past.
    let config = Config::default();
    let mut system = System::new();
    for (input, at) in [
        (chat(1), 0),
        (
            Input::CustomerMessage {
                session: SessionId(1),
            },
            1,
        ),
        (
            Input::RequestAgent {
                session: SessionId(1),
                direction: None,
            },
            2,
        ),
    ] {
        system = step(&system, input, at, &config).unwrap().0;
    }
    let now_ms = u64::MAX - 5;
    let (next, outcome) = step(
        &system,
        Input::TimerFired {
            timer: TimerKey::RequestTtl,
        },
        now_ms,
        &config,
    )
    .unwrap();
    assert!(
        outcome
            .published
            .iter()
            .any(|e| matches!(e, Published::CustomerSlaStarted { .. })),
        "{outcome:?}"
    );
    for (timer, deadline_ms) in next.timers() {
        assert!(
            deadline_ms >= now_ms,
            "{timer} due at {deadline_ms}, before {now_ms}"
        );
    }
}

#[test]
fn the_engine_rejects_a_time_past_the_domain_and_opens_nothing() {
    let mut engine = Engine::new(Config::default(), RuleSet::Specified);
    match engine.apply(1, chat(1), u64::MAX - 1000) {
        Err(EngineError::Rejected { reject, .. }) => assert_eq!(reject, Reject::TimeOutOfRange),
        other => panic!("{other:?}"),
    }
    assert!(engine.is_empty());
    assert_eq!(engine.live_timers(), 0);
}

proptest! {
    /// Inside the domain, a threshold deadline is `start + duration * level / 100` exactly
    /// (computed here in u128), for every duration the configuration admits.
    #[test]
    fn threshold_deadlines_are_exact_inside_the_domain(
        duration in 1..=MAX_DURATION_MS,
        pct in 1u8..=99,
        start in any::<u64>(),
    ) {
        let config = Config {
            customer_sla_ms: duration,
            customer_sla_thresholds_pct: vec![pct],
            ..Config::default()
        };
        let start = start % (MAX_TIME_MS - config.longest_duration_ms() + 1);
        let (_, outcome) = step(&System::new(), chat(1), start, &config).unwrap();
        let expected = (u128::from(start) + u128::from(duration) * u128::from(pct) / 100) as u64;
        prop_assert_eq!(
            &outcome.published[1],
            &Published::CustomerSlaStarted { session: SessionId(1), deadline_ms: expected }
        );
    }
}
