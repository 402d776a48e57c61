//! Deterministic timers for cxspec: logical milliseconds in, fired timers out.
//!
//! Time is an input here (STYLE rule 6): nothing reads a clock, nothing sleeps. A caller arms
//! timers against a logical `u64` millisecond clock and moves that clock forward with
//! [`TimerQueue::advance`], which hands back the timers that fired as data ([`Expired`]).
//!
//! Two implementations share the [`TimerQueue`] trait:
//! - [`OrderedMapTimers`]: a `BTreeMap` keyed by `(deadline, sequence)`. It is the reference
//!   oracle: short enough to check by reading, and the differential tests hold the wheel to it.
//! - [`TimingWheel`]: the fast one, a hierarchical timing wheel (see its module header).
//!
//! # Guarantees (both implementations; tested in `tests/`)
//! - A timer never fires early: it fires in the first `advance(now_ms)` with
//!   `deadline_ms <= now_ms`, and exactly once, unless it was cancelled first.
//! - Firing order is total: by deadline, then by arm/reset order (equal deadlines are FIFO;
//!   a reset timer orders as if armed at the moment of the reset).
//! - A deadline at or before [`TimerQueue::now_ms`] fires at the next `advance`, even
//!   `advance(now_ms())`.
//! - A [`TimerId`] carries a generation. A handle whose timer was cancelled or has fired is
//!   stale: `cancel` returns `None` and `reset` returns [`StaleTimer`], and neither touches a
//!   timer that has since reused the slot. (A slot whose 32-bit generation would wrap is
//!   retired rather than reused, so this holds without exception.)
//! - Time is monotone: `advance` to an earlier time returns [`TimeWentBackwards`] and leaves
//!   the queue unchanged.
//! - Every `u64` deadline is supported, up to `u64::MAX`; there is no range limit or clamping.
//! - Misuse through the public API never panics: stale handles are `None`/`Err`. The only
//!   panic is running out of `u32` slot indices (more than 2^32 - 1 timers live at once).
//!
//! [`TimingWheel`] also promises O(1) arm, cancel and reset (amortised), an O(1) empty
//! `advance`, and no allocation per operation once its slab and block pool have grown to the
//! working set (buffers are reused; `advance` appends to the caller's `Vec`).
//!
//! # Left out
//! No threads, no wakers, no OS timers, no wall clock, no periodic timers (re-arm instead), and
//! no timer coalescing or slack: a deadline is exact to the millisecond.

use std::fmt;

mod huge_pages;
mod ordered;
mod wheel;

pub use huge_pages::advise_huge_pages;
pub use ordered::OrderedMapTimers;
pub use wheel::TimingWheel;

/// Handle to an armed timer: slot index plus generation, so stale handles are detected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TimerId {
    slot: u32,
    generation: u32,
}

impl TimerId {
    pub(crate) fn new(slot: u32, generation: u32) -> Self {
        Self { slot, generation }
    }

    pub(crate) fn slot(self) -> u32 {
        self.slot
    }

    pub(crate) fn generation(self) -> u32 {
        self.generation
    }
}

/// One fired timer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expired<P> {
    pub id: TimerId,
    pub deadline_ms: u64,
    pub payload: P,
}

/// `advance` was asked to move the clock back from `now_ms` to `requested_ms`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimeWentBackwards {
    pub now_ms: u64,
    pub requested_ms: u64,
}

impl fmt::Display for TimeWentBackwards {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "time went backwards: now is {} ms, advance asked for {} ms",
            self.now_ms, self.requested_ms
        )
    }
}

impl std::error::Error for TimeWentBackwards {}

/// The handle names a timer that was cancelled, has fired, or never existed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StaleTimer(pub TimerId);

impl fmt::Display for StaleTimer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "stale timer handle (slot {}, generation {})",
            self.0.slot, self.0.generation
        )
    }
}

impl std::error::Error for StaleTimer {}

/// A single-threaded queue of timers over a logical millisecond clock.
pub trait TimerQueue<P> {
    /// Arms a timer. A deadline at or before `now_ms()` fires at the next `advance`.
    fn arm(&mut self, deadline_ms: u64, payload: P) -> TimerId;
    /// Cancels; None if the handle is stale, cancelled or already fired.
    fn cancel(&mut self, id: TimerId) -> Option<P>;
    /// Moves a live timer to a new deadline; it then orders as if armed now (FIFO among equal deadlines).
    fn reset(&mut self, id: TimerId, deadline_ms: u64) -> Result<(), StaleTimer>;
    /// Moves time to `now_ms`, appending every timer with deadline <= now_ms to `fired`,
    /// ordered by (deadline, arm/reset sequence). Err if now_ms < now_ms().
    fn advance(
        &mut self,
        now_ms: u64,
        fired: &mut Vec<Expired<P>>,
    ) -> Result<(), TimeWentBackwards>;
    /// Number of live (armed, not yet fired or cancelled) timers.
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The earliest deadline among live timers (possibly in the past), or None if empty.
    /// `&mut` because an implementation may finish bookkeeping it deferred first (the wheel
    /// settles the buckets of its latest cancels and resets); the queue's meaning is unchanged.
    fn next_deadline(&mut self) -> Option<u64>;
    /// The logical time of the last successful `advance` (or the start time).
    fn now_ms(&self) -> u64;
    /// A hint that `id` is about to be cancelled or reset: an implementation may start
    /// loading what that will read. Changes nothing; the default does nothing.
    #[inline]
    fn prefetch(&self, id: TimerId) {
        let _ = id;
    }
}
