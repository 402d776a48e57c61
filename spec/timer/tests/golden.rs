//! Golden trace: one hand-written scenario, read as a table (STYLE rule 13).
//!
//! Each line is an input and the outcome the crate's guarantees demand, with the reason in
//! the comment. The expected fired order was derived from the guarantees by hand, not copied
//! from a run. Both queues must play the same table. Left out: randomness (the differential
//! test does that) and timing.

use std::collections::HashMap;

use cxspec_timer::{
    OrderedMapTimers, StaleTimer, TimeWentBackwards, TimerId, TimerQueue, TimingWheel,
};

#[derive(Debug)]
enum Line {
    /// Arm timer `name` (the payload) at `deadline_ms`.
    Arm(&'static str, u64),
    /// Reset `name` to `deadline_ms`; `true` if the handle is live.
    Reset(&'static str, u64, bool),
    /// Cancel `name`; `true` if it was live (its payload comes back).
    Cancel(&'static str, bool),
    /// Advance to `now_ms`; exactly these fire, in this order.
    Tick(u64, &'static [&'static str]),
    /// Advance back to `now_ms`: rejected, nothing changes.
    TickBack(u64),
    /// `len()` and `next_deadline()` at this point.
    Expect(usize, Option<u64>),
}

use Line::*;

const START_MS: u64 = 1_000;
const FAR_MS: u64 = 1 << 40;
const HALF_MS: u64 = u64::MAX / 2;

#[rustfmt::skip]
const TRACE: &[Line] = &[
    Arm("A", 1_010),            // level 0 of the wheel
    Arm("B", 1_005),
    Arm("C", 1_010),            // same deadline as A, armed later: fires after A ...
    Arm("D", 900),              // in the past: due at the next advance
    Arm("E", START_MS),         // at now: also due at the next advance, after D (900 < 1000)
    Arm("F", 6_000),            // first of the 6_000s, armed from far away (higher level)
    Arm("L", FAR_MS),           // beyond tokio's 2^36 ms range
    Arm("M", HALF_MS),
    Arm("N", u64::MAX),         // the last representable millisecond
    Expect(9, Some(900)),       // D is the earliest, even though it is in the past
    Reset("A", 1_010, true),    // ... unless A is reset: same deadline, now ordered after C
    Cancel("B", true),
    Cancel("B", false),         // already cancelled: stale
    Reset("B", 2_000, false),   // stale handles cannot be reset either
    Tick(START_MS, &["D", "E"]),// no time passes, yet past-due timers fire, by deadline
    Tick(START_MS, &[]),        // each fires exactly once
    Arm("H", 999),              // past again
    Tick(1_009, &["H"]),        // B was cancelled; A and C (1_010) must not fire early
    Expect(6, Some(1_010)),     // A, C, F, L, M, N
    Tick(1_010, &["C", "A"]),   // equal deadlines in arm/reset order
    Reset("A", 5_000, false),   // A has fired: stale
    Cancel("C", false),
    Arm("I", 6_000),            // second of the 6_000s
    Tick(5_990, &[]),           // F and I have cascaded towards level 0 by now
    Arm("J", 6_000),            // third of the 6_000s, armed straight into a low level
    Arm("K", 5_999),            // earlier deadline, armed last: fires first
    Expect(7, Some(5_999)),
    Tick(6_000, &["K", "F", "I", "J"]),
    TickBack(5),                // time going back is an error and changes nothing
    Expect(3, Some(FAR_MS)),
    Arm("P", 7_000),
    Arm("Q", 6_500),
    Reset("P", 6_500, true),    // moved earlier, and behind Q because the reset came later
    Tick(7_000, &["Q", "P"]),
    Tick(FAR_MS - 1, &[]),      // one millisecond short: L must not fire early
    Tick(FAR_MS, &["L"]),
    Expect(2, Some(HALF_MS)),
    Tick(u64::MAX, &["M", "N"]),// a jump across the rest of the range fires both, by deadline
    Expect(0, None),
    TickBack(u64::MAX - 1),
];

fn play<Q: TimerQueue<&'static str>>(mut queue: Q) {
    let mut ids: HashMap<&'static str, TimerId> = HashMap::new();
    let mut fired = Vec::new();
    for (n, line) in TRACE.iter().enumerate() {
        match *line {
            Arm(name, deadline_ms) => {
                ids.insert(name, queue.arm(deadline_ms, name));
            }
            Reset(name, deadline_ms, live) => {
                let id = ids[name];
                let expected = if live { Ok(()) } else { Err(StaleTimer(id)) };
                assert_eq!(queue.reset(id, deadline_ms), expected, "line {n}: {line:?}");
            }
            Cancel(name, live) => {
                let expected = live.then_some(name);
                assert_eq!(queue.cancel(ids[name]), expected, "line {n}: {line:?}");
            }
            Tick(now_ms, expected) => {
                fired.clear();
                assert_eq!(queue.advance(now_ms, &mut fired), Ok(()), "line {n}");
                let names: Vec<_> = fired.iter().map(|e| e.payload).collect();
                assert_eq!(names, expected, "line {n}: {line:?}");
                for e in &fired {
                    assert_eq!(e.id, ids[e.payload], "line {n}: handle of {}", e.payload);
                }
                assert_eq!(queue.now_ms(), now_ms);
            }
            TickBack(now_ms) => {
                let before = (queue.now_ms(), queue.len(), queue.next_deadline());
                fired.clear();
                let err = TimeWentBackwards {
                    now_ms: before.0,
                    requested_ms: now_ms,
                };
                assert_eq!(queue.advance(now_ms, &mut fired), Err(err), "line {n}");
                assert!(fired.is_empty());
                assert_eq!((queue.now_ms(), queue.len(), queue.next_deadline()), before);
            }
            Expect(len, next_deadline) => {
                assert_eq!(
                    (queue.len(), queue.next_deadline()),
                    (len, next_deadline),
                    "line {n}"
                );
            }
        }
    }
}

#[test]
fn golden_trace_ordered_map() {
    play(OrderedMapTimers::new(START_MS));
}

#[test]
fn golden_trace_timing_wheel() {
    play(TimingWheel::new(START_MS));
}
