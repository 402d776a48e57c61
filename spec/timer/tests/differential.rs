//! Differential test: the timing wheel against the ordered-map oracle, op by op.
//!
//! Random sequences of arm, cancel (live and stale handles), reset, advance (steps of zero,
//! a few ms, across level boundaries, and huge jumps), backwards advances, past deadlines,
//! piles of equal deadlines, bursts of up to 200 timers in one narrow range, and deadlines
//! far beyond 2^36 ms. After every op the two queues
//! must agree on the return value, `len`, `next_deadline`, `now_ms` and the exact fired
//! sequence; a churn variant (few advances) compares `next_deadline` only every 64th op,
//! since asking for it settles the wheel's deferred bookkeeping. Handles are compared through the op index that armed them rather than by value,
//! so the oracle's slot allocation policy is free to differ from the wheel's.
//! Left out: timing (criterion measures that), and handles forged from raw parts (the unit
//! tests in `handles.rs` cover slot reuse).

use std::collections::HashMap;

use cxspec_timer::{Expired, OrderedMapTimers, TimerId, TimerQueue, TimingWheel};
use proptest::prelude::*;

/// How a deadline is chosen, resolved against the queue's `now_ms` when the op runs.
#[derive(Clone, Debug)]
enum When {
    /// `now - k`: already due, fires at the next advance.
    Past(u64),
    /// `now + k` for a small `k`, including 0.
    Soon(u64),
    /// One of a handful of absolute deadlines, so many timers share a deadline.
    Shared(u8),
    /// `now + k` for a `k` anywhere up to 2^40: crosses every level and the old 2^36 limit.
    Far(u64),
    /// Absolute deadlines near the top of the range.
    Extreme(u8),
    /// `k` ms into the 4096-ms range that starts within 64 ms of now: near a boundary, timers
    /// armed on both sides of it share deadlines, so a level-1 bucket that becomes the
    /// level-0 run meets later arms at the same millisecond.
    Snap(u64),
}

#[derive(Clone, Debug)]
enum Op {
    Arm(When),
    /// Handle chosen by index into every handle ever armed (so often stale).
    Cancel(usize),
    Reset(usize, When),
    Advance(u64),
    Backwards(u64),
    /// Arm `count` timers at once, scrambled over `base + 0 ..= base + spread`: fills one
    /// coarse bucket with many due timers, some sharing a deadline.
    Burst {
        base: When,
        count: u16,
        spread: u16,
    },
}

/// Level boundaries of a 64-bucket and of a 4096-bucket wheel, and a few beside them.
const SHARED: [u64; 9] = [
    0,
    64,
    4_095,
    4_096,
    4_100,
    262_144,
    1 << 24,
    (1 << 24) + 1,
    1 << 36,
];
const EXTREME: [u64; 6] = [
    u64::MAX / 2 - 1,
    u64::MAX / 2,
    u64::MAX / 2 + 1,
    (1 << 36) + 7,
    u64::MAX - 1,
    u64::MAX,
];

fn resolve(when: &When, now_ms: u64) -> u64 {
    match *when {
        When::Past(k) => now_ms.saturating_sub(k),
        When::Soon(k) => now_ms.saturating_add(k),
        When::Shared(i) => SHARED[i as usize % SHARED.len()],
        When::Far(k) => now_ms.saturating_add(k),
        When::Extreme(i) => EXTREME[i as usize % EXTREME.len()],
        When::Snap(k) => (now_ms.saturating_add(64) & !4_095).saturating_add(k),
    }
}

fn when() -> impl Strategy<Value = When> {
    prop_oneof![
        2 => (0u64..5_000).prop_map(When::Past),
        6 => (0u64..300).prop_map(When::Soon),
        3 => any::<u8>().prop_map(When::Shared),
        2 => (0u64..(1 << 40)).prop_map(When::Far),
        1 => any::<u8>().prop_map(When::Extreme),
        3 => (0u64..16).prop_map(When::Snap),
    ]
}

fn step() -> impl Strategy<Value = u64> {
    prop_oneof![
        3 => Just(0u64),
        6 => 1u64..70,
        3 => 60u64..5_000,
        1 => 5_000u64..(1 << 24),
        1 => (1u64 << 30)..(1 << 38),
        // Rare jump towards the end of time, so top-of-range deadlines fire too.
        1 => Just(u64::MAX / 4),
    ]
}

/// How often each kind of op is drawn, relative to the others.
struct Mix {
    arm: u32,
    cancel: u32,
    reset: u32,
    advance: u32,
    backwards: u32,
    burst: u32,
}

/// The everyday mix: an advance every few ops.
const EVERYDAY: Mix = Mix {
    arm: 8,
    cancel: 3,
    reset: 3,
    advance: 5,
    backwards: 1,
    burst: 1,
};

/// Mostly cancels and resets, an advance every ~150 ops: long runs of timers leaving their
/// buckets between two advances.
const CHURN: Mix = Mix {
    arm: 40,
    cancel: 60,
    reset: 60,
    advance: 1,
    backwards: 0,
    burst: 4,
};

fn op(mix: Mix) -> impl Strategy<Value = Op> {
    prop_oneof![
        mix.arm => when().prop_map(Op::Arm),
        mix.cancel => any::<usize>().prop_map(Op::Cancel),
        mix.reset => (any::<usize>(), when()).prop_map(|(h, w)| Op::Reset(h, w)),
        mix.advance => step().prop_map(Op::Advance),
        mix.backwards => (1u64..1_000).prop_map(Op::Backwards),
        mix.burst => (when(), 1u16..200, 0u16..300)
            .prop_map(|(base, count, spread)| Op::Burst { base, count, spread }),
    ]
}

/// Fired timers as (arming op's handle number, deadline, payload), comparable across queues.
fn normalise(fired: &[Expired<u64>], numbers: &HashMap<TimerId, usize>) -> Vec<(usize, u64, u64)> {
    fired
        .iter()
        .map(|e| (numbers[&e.id], e.deadline_ms, e.payload))
        .collect()
}

/// How often the two queues are compared beyond the return values and fired sequences.
#[derive(Clone, Copy)]
enum Checks {
    /// `len`, `next_deadline` and `now_ms` after every op.
    EveryOp,
    /// `next_deadline` only every 64th op: asking for it makes the wheel settle the buckets
    /// of its latest cancels and resets, so checking it after every op would test only
    /// the wheel that settles at once. (`len` and `now_ms` are still compared every op.)
    Sparse,
}

fn run(start_ms: u64, ops: &[Op], checks: Checks) -> Result<(), TestCaseError> {
    let mut oracle = OrderedMapTimers::<u64>::new(start_ms);
    let mut wheel = TimingWheel::<u64>::new(start_ms);
    // handles[n] = (oracle id, wheel id) of the n-th armed timer.
    let mut handles: Vec<(TimerId, TimerId)> = Vec::new();
    let mut oracle_numbers = HashMap::new();
    let mut wheel_numbers = HashMap::new();
    let (mut fired_oracle, mut fired_wheel) = (Vec::new(), Vec::new());
    for (n, op) in ops.iter().enumerate() {
        let now_ms = oracle.now_ms();
        match op {
            Op::Arm(when) => {
                let deadline_ms = resolve(when, now_ms);
                let payload = n as u64;
                let o = oracle.arm(deadline_ms, payload);
                let w = wheel.arm(deadline_ms, payload);
                oracle_numbers.insert(o, handles.len());
                wheel_numbers.insert(w, handles.len());
                handles.push((o, w));
            }
            Op::Cancel(h) if !handles.is_empty() => {
                let (o, w) = handles[h % handles.len()];
                prop_assert_eq!(oracle.cancel(o), wheel.cancel(w), "op {}: {:?}", n, op);
            }
            Op::Reset(h, when) if !handles.is_empty() => {
                let (o, w) = handles[h % handles.len()];
                let deadline_ms = resolve(when, now_ms);
                let (ro, rw) = (oracle.reset(o, deadline_ms), wheel.reset(w, deadline_ms));
                prop_assert_eq!(ro.is_ok(), rw.is_ok(), "op {}: {:?}", n, op);
                if let (Err(eo), Err(ew)) = (ro, rw) {
                    prop_assert_eq!((eo.0, ew.0), (o, w), "StaleTimer names the handle");
                }
            }
            Op::Burst {
                base,
                count,
                spread,
            } => {
                let base_ms = resolve(base, now_ms);
                for i in 0..u64::from(*count) {
                    let offset = (i * 37) % (u64::from(*spread) + 1);
                    let deadline_ms = base_ms.saturating_add(offset);
                    let payload = (n as u64) << 16 | i;
                    let o = oracle.arm(deadline_ms, payload);
                    let w = wheel.arm(deadline_ms, payload);
                    oracle_numbers.insert(o, handles.len());
                    wheel_numbers.insert(w, handles.len());
                    handles.push((o, w));
                }
            }
            Op::Cancel(_) | Op::Reset(..) => {}
            Op::Advance(step) => {
                let to = now_ms.saturating_add(*step);
                fired_oracle.clear();
                fired_wheel.clear();
                prop_assert!(oracle.advance(to, &mut fired_oracle).is_ok());
                prop_assert!(wheel.advance(to, &mut fired_wheel).is_ok());
                let (fo, fw) = (
                    normalise(&fired_oracle, &oracle_numbers),
                    normalise(&fired_wheel, &wheel_numbers),
                );
                prop_assert_eq!(fo, fw, "op {}: {:?} from {}", n, op, now_ms);
                // Never early, and in (deadline, sequence) order: the oracle's own promise.
                prop_assert!(fired_wheel.iter().all(|e| e.deadline_ms <= to));
                prop_assert!(fired_wheel.is_sorted_by_key(|e| e.deadline_ms));
            }
            Op::Backwards(k) => {
                if let Some(to) = now_ms.checked_sub(*k) {
                    fired_wheel.clear();
                    let (ro, rw) = (
                        oracle.advance(to, &mut fired_oracle),
                        wheel.advance(to, &mut fired_wheel),
                    );
                    prop_assert_eq!(ro, rw);
                    prop_assert!(rw.is_err());
                    prop_assert!(fired_wheel.is_empty(), "a failed advance fires nothing");
                }
            }
        }
        prop_assert_eq!(oracle.len(), wheel.len(), "len after op {}: {:?}", n, op);
        if matches!(checks, Checks::EveryOp) || n % 64 == 63 {
            prop_assert_eq!(
                oracle.next_deadline(),
                wheel.next_deadline(),
                "next_deadline after op {}: {:?}",
                n,
                op
            );
        }
        prop_assert_eq!(oracle.now_ms(), wheel.now_ms());
    }
    // Drain to the end of time: everything left fires, in the same order.
    fired_oracle.clear();
    fired_wheel.clear();
    prop_assert!(oracle.advance(u64::MAX, &mut fired_oracle).is_ok());
    prop_assert!(wheel.advance(u64::MAX, &mut fired_wheel).is_ok());
    prop_assert_eq!(
        normalise(&fired_oracle, &oracle_numbers),
        normalise(&fired_wheel, &wheel_numbers)
    );
    prop_assert!(wheel.is_empty());
    prop_assert_eq!(wheel.next_deadline(), None);
    Ok(())
}

fn start() -> impl Strategy<Value = u64> {
    prop_oneof![
        Just(0u64),
        0u64..1_000_000,
        // Just below level boundaries, so the first advances roll several levels at once.
        Just((1u64 << 36) - 3),
        Just((1u64 << 42) - 1),
        Just(u64::MAX / 2 - 100),
    ]
}

proptest! {
    // 48 cases x 2000 ops keeps `cargo test` (debug) well under the CI budget.
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn wheel_matches_ordered_map(start_ms in start(), ops in prop::collection::vec(op(EVERYDAY), 2000)) {
        run(start_ms, &ops, Checks::EveryOp)?;
    }

    /// Few advances and sparse `next_deadline` checks: up to hundreds of cancels and resets
    /// in a row, so the wheel's deferred bucket bookkeeping fills and settles on its own,
    /// and arms and resets land in buckets whose counts still include timers that left.
    #[test]
    fn wheel_matches_ordered_map_under_churn(start_ms in start(), ops in prop::collection::vec(op(CHURN), 2000)) {
        run(start_ms, &ops, Checks::Sparse)?;
    }
}

proptest! {
    // Short sequences shrink to readable counterexamples when something breaks.
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn wheel_matches_ordered_map_short(start_ms in start(), ops in prop::collection::vec(op(EVERYDAY), 1..60)) {
        run(start_ms, &ops, Checks::EveryOp)?;
    }
}
