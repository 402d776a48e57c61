//! Unit tests for the edges: stale handles after slot reuse, time going backwards, the wheel's
//! level boundaries and the far end of the `u64` range, and payload ownership.
//!
//! Every test runs against both queues through the `TimerQueue` trait, so the oracle is held to
//! the same guarantees as the wheel. Left out: random sequences (`differential.rs`).

use std::rc::Rc;

use cxspec_timer::{
    Expired, OrderedMapTimers, StaleTimer, TimeWentBackwards, TimerQueue, TimingWheel,
};

/// Runs `check` once per implementation, each starting at `start_ms`.
fn both<P>(start_ms: u64, check: impl Fn(&mut dyn TimerQueue<P>)) {
    check(&mut OrderedMapTimers::new(start_ms));
    check(&mut TimingWheel::new(start_ms));
}

fn advance<P>(q: &mut dyn TimerQueue<P>, now_ms: u64) -> Vec<Expired<P>> {
    let mut fired = Vec::new();
    q.advance(now_ms, &mut fired).expect("time moves forward");
    fired
}

fn deadlines<P>(fired: &[Expired<P>]) -> Vec<u64> {
    fired.iter().map(|e| e.deadline_ms).collect()
}

#[test]
fn cancelled_handle_does_not_touch_the_slot_reusing_timer() {
    both(0, |q: &mut dyn TimerQueue<u32>| {
        let old = q.arm(10, 1);
        assert_eq!(q.cancel(old), Some(1));
        // Both queues reuse the freed slot; the new handle must differ by generation.
        let new = q.arm(20, 2);
        assert_ne!(old, new);
        assert_eq!(q.cancel(old), None);
        assert_eq!(q.reset(old, 5), Err(StaleTimer(old)));
        assert_eq!((q.len(), q.next_deadline()), (1, Some(20)));
        let fired = advance(q, 20);
        assert_eq!(fired.len(), 1);
        assert_eq!((fired[0].id, fired[0].payload), (new, 2));
    });
}

#[test]
fn fired_handle_is_stale_even_after_its_slot_is_reused() {
    both(100, |q: &mut dyn TimerQueue<u32>| {
        let first = q.arm(150, 1);
        assert_eq!(deadlines(&advance(q, 150)), [150]);
        assert_eq!(q.cancel(first), None);
        let second = q.arm(160, 2);
        assert_eq!(q.reset(first, 151), Err(StaleTimer(first)));
        assert_eq!(q.cancel(first), None);
        assert_eq!(q.cancel(second), Some(2));
        assert!(q.is_empty());
    });
}

#[test]
fn many_reuses_of_one_slot_keep_every_old_handle_stale() {
    both(0, |q: &mut dyn TimerQueue<u32>| {
        let mut old = Vec::new();
        for i in 0..1_000 {
            let id = q.arm(i, i as u32);
            assert_eq!(q.cancel(id), Some(i as u32));
            old.push(id);
        }
        let live = q.arm(5, 7);
        assert!(old.iter().all(|&id| q.cancel(id).is_none() && id != live));
        assert_eq!(q.len(), 1);
    });
}

#[test]
fn going_back_in_time_is_an_error_and_changes_nothing() {
    both(1_000, |q: &mut dyn TimerQueue<u32>| {
        q.arm(900, 1);
        q.arm(1_500, 2);
        let mut fired = Vec::new();
        let err = q.advance(999, &mut fired);
        assert_eq!(
            err,
            Err(TimeWentBackwards {
                now_ms: 1_000,
                requested_ms: 999
            })
        );
        assert!(
            fired.is_empty(),
            "the past-due timer waits for a valid advance"
        );
        assert_eq!(
            (q.now_ms(), q.len(), q.next_deadline()),
            (1_000, 2, Some(900))
        );
        assert_eq!(deadlines(&advance(q, 1_500)), [900, 1_500]);
    });
}

#[test]
fn error_types_say_what_happened() {
    let back = TimeWentBackwards {
        now_ms: 7,
        requested_ms: 3,
    };
    assert_eq!(
        back.to_string(),
        "time went backwards: now is 7 ms, advance asked for 3 ms"
    );
    let mut q = TimingWheel::new(0);
    let id = q.arm(1, ());
    q.cancel(id);
    let stale: Box<dyn std::error::Error> = Box::new(StaleTimer(id));
    assert!(stale.to_string().starts_with("stale timer handle"));
}

#[test]
fn level_boundaries_roll_over_without_firing_early_or_late() {
    // Start just below 2^6, 2^12, 2^36 and 2^60 boundaries: the next millisecond rolls every
    // level below, so timers on both sides of the boundary must come out one by one.
    for boundary in [1u64 << 6, 1 << 12, 1 << 36, 1 << 42, 1 << 60] {
        both(boundary - 3, |q: &mut dyn TimerQueue<u64>| {
            for d in boundary - 3..boundary + 3 {
                q.arm(d + 1, d + 1);
            }
            for now in boundary - 2..boundary + 4 {
                assert_eq!(deadlines(&advance(q, now)), [now], "boundary {boundary}");
            }
            assert!(q.is_empty());
        });
    }
}

#[test]
fn deadlines_beyond_two_to_the_36_and_near_the_top_fire_on_time() {
    let far = [
        (1u64 << 36) - 1,
        1 << 36,
        (1 << 36) + 1,
        1 << 40,
        u64::MAX / 2 - 1,
        u64::MAX / 2,
        u64::MAX / 2 + 1,
        u64::MAX - 1,
        u64::MAX,
    ];
    both(0, |q: &mut dyn TimerQueue<u64>| {
        for &d in far.iter().rev() {
            q.arm(d, d);
        }
        assert_eq!(q.next_deadline(), Some((1 << 36) - 1));
        // Step to one millisecond short of each deadline, then onto it.
        for &d in &far {
            assert!(advance(q, d - 1).is_empty(), "{d} fired early");
            assert_eq!(deadlines(&advance(q, d)), [d]);
        }
        assert!(q.is_empty());
    });
}

#[test]
fn one_long_advance_fires_everything_in_order() {
    both(0, |q: &mut dyn TimerQueue<u64>| {
        // Deadlines spread over every level, armed in an order unrelated to their deadlines,
        // with duplicates so that FIFO among equals is visible through payloads.
        let mut expected = Vec::new();
        for i in 0..2_000u64 {
            let d = (i.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (i % 60)) | 1;
            q.arm(d, i);
            expected.push((d, i));
        }
        expected.sort();
        let fired = advance(q, u64::MAX);
        let got: Vec<_> = fired.iter().map(|e| (e.deadline_ms, e.payload)).collect();
        assert_eq!(got, expected);
    });
}

#[test]
fn a_past_deadline_fires_even_when_time_does_not_move() {
    both(50, |q: &mut dyn TimerQueue<u64>| {
        q.arm(50, 1);
        q.arm(0, 2);
        q.arm(49, 3);
        assert_eq!(q.next_deadline(), Some(0));
        let fired = advance(q, 50);
        let got: Vec<_> = fired.iter().map(|e| e.payload).collect();
        assert_eq!(got, [2, 3, 1], "by deadline, not by arm order");
    });
}

#[test]
fn payloads_are_dropped_exactly_once() {
    let token = Rc::new(());
    {
        let mut q = TimingWheel::new(0);
        let a = q.arm(10, Rc::clone(&token));
        q.arm(20, Rc::clone(&token));
        q.arm(u64::MAX, Rc::clone(&token));
        assert_eq!(Rc::strong_count(&token), 4);
        drop(q.cancel(a));
        assert_eq!(Rc::strong_count(&token), 3);
        let fired = advance(&mut q, 20);
        assert_eq!(fired.len(), 1);
        drop(fired);
        assert_eq!(Rc::strong_count(&token), 2);
        // The wheel still owns the u64::MAX timer; dropping the wheel must release it.
    }
    assert_eq!(Rc::strong_count(&token), 1);
}

#[test]
fn due_timers_of_one_coarse_bucket_fire_by_deadline_then_arm_order() {
    // Deadlines in 64..128 share one level-1 bucket of the wheel. Armed in scrambled order with
    // repeats, then fired by one advance: few (sorted in place) and many (cascaded) alike.
    for count in [10u64, 64, 65, 500] {
        both(0, |q: &mut dyn TimerQueue<u64>| {
            let mut expected = Vec::new();
            for i in 0..count {
                let d = 64 + (i * 37) % 64;
                q.arm(d, i);
                expected.push((d, i));
            }
            expected.sort();
            let fired = advance(q, 1_000);
            let got: Vec<_> = fired.iter().map(|e| (e.deadline_ms, e.payload)).collect();
            assert_eq!(got, expected, "{count} timers");
        });
    }
}
