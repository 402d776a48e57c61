//! The fast timer queue: a hierarchical timing wheel over the whole `u64` millisecond range.
//!
//! # Shape
//! - 6 levels of 4096 buckets. Level `L` bucket `s` holds timers whose deadline agrees with
//!   `now` on every bit above bit `12L + 11` and has `s` as its 12-bit digit at level `L`.
//!   6 x 12 = 72 bits cover all of `u64`, so there is no overflow list, no clamping of far
//!   deadlines (tokio's wheel stops at 2^36 ms) and no top-level wrap-around: the top level
//!   (bits 60..63) is never rotated past, because a deadline in the wheel is always ahead of
//!   `now`. Lower levels wrap as usual and are tested across their boundaries.
//! - Why 4096 and not tokio's 64: a timer cascades once per level it descends, and each
//!   cascade reads its slab slot, a cache miss at a million timers. Level 0 spans 4 s and
//!   level 1 4.6 h, so an SLA timer (seconds to an hour) cascades at most once, where six-bit
//!   levels cascaded an hour-out timer three times (BENCHMARKS.md, third round, has both).
//!   The price: a larger fixed table (about 1 MB of bucket headers), sparse level-0 buckets
//!   (fired in one gathered pass, below), and a larger hot set for arm and cancel, whose
//!   bucket header and chain tail are one of ~880 for an hour of timers instead of one of a
//!   few (BENCHMARKS.md measures both sides).
//! - One extra bucket, `OVERDUE`, takes timers armed or reset to a deadline `<= now`; they fire
//!   first at the next `advance`.
//! - Per level an occupancy bitmap of 64 words with a summary word over them, and a mask of
//!   non-empty levels, so the next bucket is three `trailing_zeros` away and an empty
//!   `advance` is O(1).
//! - Timers live in a slab (`Vec<Slot<P>>`, 24 bytes per slot for an 8-byte payload) with a
//!   stack of vacant slots. A bucket is an append-only sequence of 8-byte
//!   entries `(slot, stamp)` stored in 1 KiB blocks from a shared pool (a stack of vacant
//!   blocks, so taking one reads nothing).
//! - Cancellation is lazy: each slot has a `stamp` that changes on every arm, reset, cancel and
//!   fire; an entry whose stamp no longer matches its slot's is stale and is skipped. So
//!   `cancel` touches one slab slot, and walking a bucket reads its entries sequentially while
//!   the slab reads are independent of each other and prefetched ahead of use.
//! - Bucket bookkeeping for a cancel or reset is deferred: the old deadline goes into a
//!   small buffer (32), and the counts, minima and compaction of those buckets are settled
//!   together when it fills, and before an answer could depend on them (`advance` when
//!   something is due, `next_deadline` when a timer leaving was in the first bucket).
//!   So a cancel waits on its slot's cache miss only for the handle check, and the next
//!   cancels' misses overlap it (BENCHMARKS.md, fifth round, measures what that bought).
//!
//! # Why arrays, not intrusive lists
//! tokio and Linux thread each bucket as a doubly linked list through the timer entries. That
//! was built and measured first (kept in `benches/timer_core.rs` as `wheel_intrusive`): every
//! list step is a cache miss that depends on the previous one. Splitting buckets into 16
//! deadline-hashed chains walked in lockstep with prefetch cut uniform-deadline expiry at 1M
//! timers from ~150 to ~55 ns per timer, but timers sharing a deadline must share a chain to
//! stay FIFO, so with second-granular deadlines (thousands of timers per deadline, the usual
//! SLA case) a bucket is one long chain again: ~140 ns per fired timer against ~40 ns here.
//! The lists need no compaction and stay at 32 bytes per timer under churn, and drain uniform
//! deadlines ~15 % faster; these arrays cost 24 + 8 bytes plus block slack, and keep up to two
//! stale entries per live timer in a bucket before compacting. BENCHMARKS.md has the numbers.
//!
//! # Bounded staleness
//! Each bucket counts its live timers (a live timer's bucket is recomputable from its deadline
//! and `now`, as in tokio). A bucket whose live count drops to zero is emptied at once, and a
//! bucket with more than three times as many entries as live timers (plus a small slack) is
//! compacted in place, so stale entries never outnumber live ones more than twice per bucket
//! (plus, between two settles, the at most 32 entries of timers whose leaving is not yet
//! settled).
//! Stamps are `u32`: when one wraps, every stale entry in every bucket is purged first, so an
//! old entry can never match a recycled stamp.
//!
//! # Firing order without a merge
//! Entries are appended, and a cascade walks a bucket in order appending to lower buckets, so a
//! bucket stays in arm/reset order. A level-1 bucket is not cascaded but becomes the level-0
//! *run* when time enters its range: its live entries, radix-sorted by level-0 digit, in
//! one array, each counted live in its level-0 bucket. An hour of uniformly spread timers
//! leaves one or two per level-0 bucket, and a cascade would pay a block and a chain for
//! each. A digit's run entries were armed before time entered the range, so before anything
//! armed into its level-0 bucket since, and fire first. Level 0 is fired in one pass over
//! every level-0 bucket due (run and bucket entries gathered in digit order, then fired with
//! slot reads prefetched ahead), since a walk of one sparse bucket cannot run ahead of its
//! misses. A lower bucket that receives a cascade is empty: it covers
//! a range inside the cascading bucket's, which is wholly ahead of `now`, and nothing is armed
//! directly into it until `now` has entered that range, i.e. after the cascade (and a bucket
//! that time has passed holds no entries: it was processed, or emptied when its last live
//! timer left). A level-0 bucket holds one deadline, so its order is (deadline, sequence) and
//! it fires as it stands. Besides the run's radix sort (stable, so equal digits keep entry
//! order), two places sort, both in place into a reused buffer, and only when
//! out of order: `OVERDUE`, which holds arbitrary past deadlines, and the few (at most 64)
//! timers of a level >= 2 bucket that are already due by the end of the current `advance`,
//! which fire straight from that bucket instead of cascading through every lower level.
//! Sorting by (deadline, position in the bucket) keeps equal deadlines in arm/reset order.
//!
//! # Costs
//! arm, cancel, reset: O(1) amortised. advance: O(1) when nothing is due, plus O(levels) per
//! fired timer (a timer cascades at most once per level), plus O(64) per level-1 range entered
//! (the run's radix counters; a run of up to 16 entries is insertion-sorted instead). next_deadline: O(1) unless the
//! earliest timer sits in a level >= 1 bucket whose cached minimum was invalidated by removing
//! it; then that bucket is scanned once and the minimum cached again.
//!
//! # Left out
//! No concurrency, no slack/coalescing, no shrinking of the slab or the block pool.
//!
//! # Layout
//! `buckets.rs` has the level arithmetic and the bucket chains (one cursor, `Walk`, reads a
//! bucket's entries everywhere); `slab.rs` the slots, their stamps and generations; this file
//! the queue operations and the firing order, which need both.

use std::fmt;

mod buckets;
mod slab;

use buckets::{bucket_for, bucket_start, Buckets, Entry, RunEntry, OVERDUE, SLOTS_PER_LEVEL};
use slab::Slab;

use crate::{Expired, StaleTimer, TimeWentBackwards, TimerId, TimerQueue};

/// How many entries ahead a bucket walk prefetches the slab slot.
const PREFETCH_AHEAD: usize = 16;
/// At most this many due timers are sorted and fired straight from a level >= 2 bucket.
const DIRECT_FIRE_MAX: usize = 64;
/// At most this many cancels and resets wait for their old bucket to be told (`leave`).
const LEAVING_MAX: usize = 32;

/// Hierarchical timing wheel; see the module documentation for its shape and guarantees.
pub struct TimingWheel<P> {
    now_ms: u64,
    slab: Slab<P>,
    buckets: Buckets,
    /// Reused by `advance` to order what fires: (deadline, position, slot).
    scratch: Vec<(u64, u32, u32)>,
    /// Reused by `fire_level0`: the entries of the level-0 buckets being fired.
    gathered: Vec<Entry>,
    /// Reused by `level1_to_run`.
    unsorted: Vec<RunEntry>,
    /// Deadlines of timers that left their bucket (cancelled or reset) whose bucket has not
    /// been told yet: `leaving[..leaving_len]`, settled by `settle`.
    leaving: [u64; LEAVING_MAX],
    leaving_len: usize,
}

impl<P> TimingWheel<P> {
    /// An empty wheel whose clock starts at `start_ms`.
    pub fn new(start_ms: u64) -> Self {
        Self::with_capacity(start_ms, 0)
    }

    /// An empty wheel with room for `capacity` live timers before the slab or the block pool
    /// reallocates. On Linux, a slab or pool of 2 MiB or more is advised to live on huge pages
    /// ([`crate::advise_huge_pages`]): at that size most of its random reads would otherwise
    /// wait for a page walk first.
    pub fn with_capacity(start_ms: u64, capacity: usize) -> Self {
        Self {
            now_ms: start_ms,
            slab: Slab::with_capacity(capacity),
            buckets: Buckets::with_capacity(capacity),
            scratch: Vec::new(),
            gathered: Vec::new(),
            unsorted: Vec::new(),
            leaving: [0; LEAVING_MAX],
            leaving_len: 0,
        }
    }

    /// Bytes of slab per timer slot, for the benchmarks' memory report (a live timer also
    /// has one 8-byte bucket entry).
    pub const SLOT_BYTES: usize = Slab::<P>::SLOT_BYTES;

    /// Changes a slot's stamp by `by` and returns the new stamp. Stamps only grow between
    /// wraps, so a stale entry (holding an older stamp) cannot match. Before a wrap every
    /// stale entry is purged, while the counts still agree with the stamps; after it the
    /// slot's only entry is the one this bump makes stale, whose stamp the slot will not
    /// reach again before the next wrap.
    #[inline]
    fn bump_stamp(&mut self, index: u32, by: u32) -> u32 {
        if self.slab.stamp_would_wrap(index, by) {
            self.purge_stale();
        }
        self.slab.bump_stamp(index, by)
    }

    /// Records that a timer with `deadline_ms` left its bucket; its entry there is already
    /// stale (the caller bumped the stamp). The bucket's count, minimum and compaction wait
    /// until `settle`, so a cancel or reset does no work that depends on the slot it has just
    /// asked for beyond checking the handle: the core can go on to the next operation, and
    /// its slot miss, while this one's is outstanding. Counting the bucket right away made
    /// a chain of a dozen instructions wait on every miss, and those waiting instructions,
    /// not the misses, capped how many cancels overlapped (BENCHMARKS.md, fifth round).
    #[inline]
    fn leave(&mut self, deadline_ms: u64) {
        self.leaving[self.leaving_len] = deadline_ms;
        self.leaving_len += 1;
        // Settled with this one in, never before it: its entry is already stale, so a
        // compaction now must also count it out.
        if self.leaving_len == LEAVING_MAX {
            self.settle();
        }
    }

    /// Tells the buckets about every timer that left since the last settle: first every
    /// count (so a bucket whose last live timer left is emptied, and counts are exact), then
    /// compaction where stale entries have piled up. Whatever takes or compacts a bucket, or
    /// answers from counts or minima, settles first where the answer could depend on a timer
    /// leaving (`advance`, `next_deadline`, `purge_stale`); `arm`, `place`
    /// and `unplace` only ever see counts that are too high, by the timers still leaving,
    /// which keeps a bucket occupied and its cached minimum a lower bound, as they must be.
    #[inline]
    fn settle(&mut self) {
        // Most advances find nothing to settle; the check stays inline, the work out of line.
        if self.leaving_len != 0 {
            self.settle_leaving();
        }
    }

    #[inline(never)]
    fn settle_leaving(&mut self) {
        let leaving = std::mem::take(&mut self.leaving_len);
        let mut buckets = [0u32; LEAVING_MAX];
        for (at, &deadline_ms) in self.leaving[..leaving].iter().enumerate() {
            let bucket = bucket_for(self.now_ms, deadline_ms);
            buckets[at] = bucket as u32;
            self.buckets.unplace(bucket, deadline_ms);
        }
        for &bucket in &buckets[..leaving] {
            self.buckets.compact_if_stale(bucket as usize, &self.slab);
        }
    }

    /// The bucket that holds the next timer to fire, by the counts as they stand (which may
    /// still include timers leaving): `OVERDUE` if it has live timers, else the first occupied
    /// bucket; None if no bucket has live timers.
    fn first_bucket(&self) -> Option<usize> {
        if self.buckets.live(OVERDUE) != 0 {
            return Some(OVERDUE);
        }
        let (level, digit) = self.buckets.first_occupied()?;
        Some(level as usize * SLOTS_PER_LEVEL + digit as usize)
    }

    /// Whether a timer still leaving left the first bucket. If none did, `next_deadline` can
    /// answer without settling: counts only ever overstate by the timers leaving, so a bucket
    /// before the first one is truly empty, and the first one is truly occupied, with its
    /// cached minimum untouched. So a caller that asks after every step (the engine does)
    /// settles only when it cancels the next timer due, not at every step.
    fn leaving_touches_first_bucket(&self) -> bool {
        let Some(first) = self.first_bucket() else {
            return false;
        };
        self.leaving[..self.leaving_len]
            .iter()
            .any(|&deadline_ms| bucket_for(self.now_ms, deadline_ms) == first)
    }

    /// Whether `advance(until_ms)` will fire or move anything. If not, it only moves the clock,
    /// and the timers leaving may wait: their buckets all count them (so they are occupied),
    /// none of them starts by `until_ms`, and so each leaving deadline maps to the same bucket
    /// under the new clock as under the old (the argument that lets `cancel` find a live
    /// timer's bucket from its deadline).
    fn anything_due_by(&self, until_ms: u64) -> bool {
        match self.first_bucket() {
            None => false,
            Some(OVERDUE) => true,
            Some(bucket) => {
                let (level, digit) = (bucket / SLOTS_PER_LEVEL, bucket % SLOTS_PER_LEVEL);
                bucket_start(self.now_ms, level as u32, digit as u32) <= until_ms
            }
        }
    }

    /// Compacts every bucket. Needed only when some slot's stamp wraps (after 2^31 resets
    /// of one slot), so its cost does not matter.
    #[cold]
    fn purge_stale(&mut self) {
        self.settle();
        for bucket in 0..buckets::BUCKETS {
            self.buckets.compact(bucket, &self.slab);
        }
        self.buckets.purge_run(&self.slab);
    }

    #[inline]
    fn fire(&mut self, index: u32, fired: &mut Vec<Expired<P>>) {
        let id = self.slab.id(index);
        let deadline_ms = self.slab.deadline(index);
        self.bump_stamp(index, 1);
        let payload = self.slab.release(index);
        fired.push(Expired {
            id,
            deadline_ms,
            payload,
        });
    }

    /// Fires everything in `OVERDUE` in (deadline, arm/reset order).
    fn fire_overdue(&mut self, fired: &mut Vec<Expired<P>>) {
        let chain = self.buckets.take(OVERDUE);
        // Entry order is arm/reset order; only the deadlines may be out of order.
        let mut scratch = std::mem::take(&mut self.scratch);
        scratch.clear();
        let mut walk = chain.walk();
        while let Some((block, used)) = walk.next(&self.buckets) {
            for &entry in self.buckets.entries(block, used) {
                if let Some(deadline_ms) = self.slab.current(entry) {
                    scratch.push((deadline_ms, scratch.len() as u32, entry.slot));
                }
            }
        }
        self.buckets.free_chain(chain);
        // (deadline, position) is unique, so the unstable (in-place, allocation-free) sort
        // gives the order of a stable sort by deadline.
        if !scratch.is_sorted() {
            scratch.sort_unstable();
        }
        for &(_, _, index) in &scratch {
            self.fire(index, fired);
        }
        self.scratch = scratch;
    }

    /// Fires every level-0 bucket due by `until_ms`, in one pass. Level 0 holds the buckets
    /// of the current level-1 range, which all start before any higher-level bucket, and a
    /// level-0 bucket holds one deadline in arm/reset order: so the buckets' entries, gathered
    /// in digit order, are exactly the next timers to fire, in firing order. Gathering first
    /// lets the slot reads run ahead across buckets, which a bucket-by-bucket walk cannot do
    /// when buckets hold an entry or two each.
    fn fire_level0(&mut self, until_ms: u64, fired: &mut Vec<Expired<P>>) {
        let range = SLOTS_PER_LEVEL as u64;
        let last_digit = if until_ms / range == self.now_ms / range {
            (until_ms % range) as usize
        } else {
            SLOTS_PER_LEVEL - 1
        };
        let mut gathered = std::mem::take(&mut self.gathered);
        gathered.clear();
        self.buckets.drain_level0(last_digit, &mut gathered);
        for (at, &entry) in gathered.iter().enumerate() {
            if let Some(ahead) = gathered.get(at + PREFETCH_AHEAD) {
                self.slab.prefetch(ahead.slot);
            }
            if let Some(deadline_ms) = self.slab.current(entry) {
                debug_assert!(deadline_ms <= until_ms);
                self.fire(entry.slot, fired);
            }
        }
        self.gathered = gathered;
    }

    /// Turns the level-1 bucket `digit`, which time has just entered, into the level-0 run
    /// (`Buckets::set_run`): one read of each entry's slot, for its staleness and deadline,
    /// then a radix sort. What is due fires from level 0 next.
    fn level1_to_run(&mut self, digit: u32) {
        let chain = self.buckets.take(SLOTS_PER_LEVEL + digit as usize);
        let mut unsorted = std::mem::take(&mut self.unsorted);
        unsorted.clear();
        let mut walk = chain.walk();
        while let Some((block, used)) = walk.next(&self.buckets) {
            let entries = self.buckets.entries(block, used);
            for (i, &entry) in entries.iter().enumerate() {
                if let Some(ahead) = entries.get(i + PREFETCH_AHEAD) {
                    self.slab.prefetch(ahead.slot);
                }
                if let Some(deadline_ms) = self.slab.current(entry) {
                    // Inside the level-1 range that starts now (the first millisecond too).
                    debug_assert_eq!(
                        deadline_ms / SLOTS_PER_LEVEL as u64,
                        self.now_ms / SLOTS_PER_LEVEL as u64
                    );
                    unsorted.push(RunEntry {
                        entry,
                        digit: (deadline_ms % SLOTS_PER_LEVEL as u64) as u16,
                    });
                }
            }
        }
        self.buckets.free_chain(chain);
        self.buckets.set_run(&unsorted);
        self.unsorted = unsorted;
    }

    /// Processes bucket (`level`, `digit`), which starts at `start_ms` (now `now_ms`), for an
    /// advance to `until_ms`: fires what is due and cascades the rest into lower levels.
    ///
    /// Timers of a level >= 2 bucket that are due by `until_ms` are fired straight from here
    /// when there are few of them, sorted by (deadline, entry order): every lower level is
    /// empty and later buckets start later, so they are exactly the next timers to fire, and
    /// a small sort is cheaper than cascading each through the lower levels first. Many due
    /// timers cascade instead (a cascade is a linear-time distribution; a sort is not).
    fn process(
        &mut self,
        level: u32,
        digit: u32,
        start_ms: u64,
        until_ms: u64,
        fired: &mut Vec<Expired<P>>,
    ) {
        debug_assert!(level >= 2, "levels 0 and 1 have their own paths");
        let chain = self
            .buckets
            .take(level as usize * SLOTS_PER_LEVEL + digit as usize);
        let mut due = std::mem::take(&mut self.scratch);
        due.clear();
        let mut walk = chain.walk();
        while let Some((block, used)) = walk.next(&self.buckets) {
            for i in 0..used {
                let entries = self.buckets.entries(block, used);
                if let Some(ahead) = entries.get(i + PREFETCH_AHEAD) {
                    self.slab.prefetch(ahead.slot);
                }
                let entry = entries[i];
                let Some(deadline_ms) = self.slab.current(entry) else {
                    continue;
                };
                if deadline_ms <= until_ms {
                    due.push((deadline_ms, due.len() as u32, entry.slot));
                } else {
                    let bucket = bucket_for(self.now_ms, deadline_ms);
                    self.buckets.place(bucket, entry, deadline_ms);
                }
            }
        }
        self.buckets.free_chain(chain);
        if due.is_sorted() || due.len() <= DIRECT_FIRE_MAX {
            // (deadline, position) is unique, so the unstable (in-place) sort gives the order
            // of a stable sort by deadline: equal deadlines stay in arm/reset order.
            due.sort_unstable();
            for &(_, _, index) in &due {
                self.fire(index, fired);
            }
        } else {
            // Too many to sort: cascade them after all, in entry order. Those due exactly at
            // `start_ms` have no lower bucket to go to (they are the earliest of all, and all
            // share that one deadline), so they fire now, in entry order. The rest land in
            // lower buckets after the not-yet-due timers, which is harmless: those have later
            // deadlines.
            for &(deadline_ms, _, index) in &due {
                if deadline_ms <= start_ms {
                    debug_assert_eq!(deadline_ms, start_ms);
                    self.fire(index, fired);
                }
            }
            for &(deadline_ms, _, index) in &due {
                if deadline_ms > start_ms {
                    let entry = Entry {
                        slot: index,
                        stamp: self.slab.stamp(index),
                    };
                    self.buckets
                        .place(bucket_for(self.now_ms, deadline_ms), entry, deadline_ms);
                }
            }
        }
        self.scratch = due;
    }
}

impl<P> TimerQueue<P> for TimingWheel<P> {
    fn arm(&mut self, deadline_ms: u64, payload: P) -> TimerId {
        let (slot, generation, stamp) = self.slab.insert(deadline_ms, payload);
        let bucket = bucket_for(self.now_ms, deadline_ms);
        self.buckets
            .place(bucket, Entry { slot, stamp }, deadline_ms);
        TimerId::new(slot, generation)
    }

    fn cancel(&mut self, id: TimerId) -> Option<P> {
        let index = self.slab.live_index(id)?;
        let deadline_ms = self.slab.deadline(index);
        self.bump_stamp(index, 1);
        let payload = self.slab.release(index);
        self.leave(deadline_ms);
        Some(payload)
    }

    fn reset(&mut self, id: TimerId, deadline_ms: u64) -> Result<(), StaleTimer> {
        let index = self.slab.live_index(id).ok_or(StaleTimer(id))?;
        let old_ms = self.slab.deadline(index);
        let stamp = self.bump_stamp(index, 2);
        self.leave(old_ms);
        self.slab.set_deadline(index, deadline_ms);
        let bucket = bucket_for(self.now_ms, deadline_ms);
        self.buckets
            .place(bucket, Entry { slot: index, stamp }, deadline_ms);
        Ok(())
    }

    fn advance(
        &mut self,
        now_ms: u64,
        fired: &mut Vec<Expired<P>>,
    ) -> Result<(), TimeWentBackwards> {
        if now_ms < self.now_ms {
            return Err(TimeWentBackwards {
                now_ms: self.now_ms,
                requested_ms: now_ms,
            });
        }
        if self.leaving_len != 0 && self.anything_due_by(now_ms) {
            self.settle_leaving();
        }
        // Overdue deadlines are <= the old now, below every deadline in the wheel.
        if self.buckets.live(OVERDUE) != 0 {
            self.fire_overdue(fired);
        }
        while let Some((level, digit)) = self.buckets.first_occupied() {
            let start_ms = bucket_start(self.now_ms, level, digit);
            if start_ms > now_ms {
                break;
            }
            self.now_ms = start_ms;
            match level {
                0 => self.fire_level0(now_ms, fired),
                1 => self.level1_to_run(digit),
                _ => self.process(level, digit, start_ms, now_ms, fired),
            }
        }
        self.now_ms = now_ms;
        Ok(())
    }

    fn len(&self) -> usize {
        self.slab.len()
    }

    fn next_deadline(&mut self) -> Option<u64> {
        if self.leaving_len != 0 && self.leaving_touches_first_bucket() {
            self.settle_leaving();
        }
        if self.buckets.live(OVERDUE) != 0 {
            return Some(self.buckets.min(OVERDUE, &self.slab));
        }
        let (level, digit) = self.buckets.first_occupied()?;
        if level == 0 {
            Some(bucket_start(self.now_ms, 0, digit))
        } else {
            let bucket = level as usize * SLOTS_PER_LEVEL + digit as usize;
            Some(self.buckets.min(bucket, &self.slab))
        }
    }

    fn now_ms(&self) -> u64 {
        self.now_ms
    }

    /// Starts loading the timer's slot: the one random line a cancel or reset reads.
    #[inline]
    fn prefetch(&self, id: TimerId) {
        self.slab.prefetch(id.slot());
    }
}

impl<P> fmt::Debug for TimingWheel<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TimingWheel")
            .field("now_ms", &self.now_ms)
            .field("len", &self.len())
            .field("leaving", &self.leaving_len)
            .field("slab_slots", &self.slab.allocated())
            .field("blocks", &self.buckets.allocated())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::buckets::{BUCKETS, STALE_FACTOR, STALE_SLACK};
    use super::*;

    #[test]
    fn a_slot_whose_generation_would_wrap_is_retired() {
        let mut wheel = TimingWheel::new(0);
        let first = wheel.arm(10, 'a');
        wheel.cancel(first);
        // Pretend slot 0 has been reused 2^32 - 1 times.
        wheel.slab.force_generation(0, u32::MAX);
        let last = wheel.arm(10, 'b');
        assert_eq!((last.slot(), last.generation()), (0, u32::MAX));
        assert_eq!(wheel.cancel(last), Some('b'));
        // Reusing slot 0 now would hand out generation 0 again, matching `first`.
        let next = wheel.arm(10, 'c');
        assert_eq!(next.slot(), 1);
        assert_eq!(wheel.cancel(first), None);
        assert_eq!(wheel.cancel(last), None);
    }

    #[test]
    fn a_wrapping_stamp_purges_stale_entries_so_none_can_match_again() {
        let mut wheel = TimingWheel::new(0);
        let keep = wheel.arm(5_000, 0u32);
        // Companions keep the 1_000 and 2_000 buckets alive, so stale entries stay there.
        let c1 = wheel.arm(1_000, 2u32);
        let c2 = wheel.arm(2_000, 3u32);
        let id = wheel.arm(1_000, 1u32); // stamp 1
        wheel.reset(id, 2_000).unwrap(); // stamp 3; the entry at 1_000 (stamp 1) is stale
        wheel.reset(id, 3_000).unwrap(); // stamp 5; the entry at 2_000 (stamp 3) is stale
        assert_eq!(wheel.all_entries().len(), 6);
        // Pretend the slot has been reset 2^31 times: its stamp is at the top of its range.
        let old = wheel.slab.force_stamp(id.slot(), u32::MAX);
        wheel.buckets.restamp(id.slot(), old, u32::MAX);
        // This reset wraps the stamp to 1, the stamp of the stale entry at 1_000. Without the
        // purge, that entry would come back to life and fire `id` 3 seconds early.
        wheel.reset(id, 4_000).unwrap();
        assert_eq!(wheel.slab.stamp(id.slot()), 1);
        assert_eq!(wheel.all_entries().len(), 4, "only live entries remain");
        let mut fired = Vec::new();
        wheel.advance(3_999, &mut fired).unwrap();
        wheel.advance(5_000, &mut fired).unwrap();
        let got: Vec<_> = fired.iter().map(|e| (e.id, e.deadline_ms)).collect();
        assert_eq!(got, [(c1, 1_000), (c2, 2_000), (id, 4_000), (keep, 5_000)]);
    }

    #[test]
    fn a_cancel_that_wraps_the_stamp_purges_stale_entries_first() {
        let mut wheel = TimingWheel::new(0);
        let c1 = wheel.arm(1_000, 'a');
        let c2 = wheel.arm(2_000, 'b');
        let id = wheel.arm(1_000, 'x'); // stamp 1
        wheel.reset(id, 2_000).unwrap(); // stamp 3; its entry at 1_000 (stamp 1) is stale
        let old = wheel.slab.force_stamp(id.slot(), u32::MAX);
        wheel.buckets.restamp(id.slot(), old, u32::MAX);
        // The cancel wraps the stamp to 0, and the next arm into the slot takes stamp 1,
        // the stamp of the stale entry at 1_000: without the purge, `next` fires there.
        assert_eq!(wheel.cancel(id), Some('x'));
        let next = wheel.arm(1_500, 'n');
        assert_eq!(next.slot(), id.slot());
        assert_eq!(wheel.slab.stamp(next.slot()), 1);
        let mut fired = Vec::new();
        wheel.advance(1_499, &mut fired).unwrap();
        let early: Vec<_> = fired.iter().map(|e| e.id).collect();
        assert_eq!(early, [c1], "nothing but `c1` is due by 1_499");
        wheel.advance(2_000, &mut fired).unwrap();
        let got: Vec<_> = fired.iter().map(|e| (e.id, e.deadline_ms)).collect();
        assert_eq!(got, [(c1, 1_000), (next, 1_500), (c2, 2_000)]);
    }

    #[test]
    fn stale_entries_stay_bounded_under_endless_resets() {
        let mut wheel = TimingWheel::new(0);
        let ids: Vec<_> = (0..10u64).map(|i| wheel.arm(1_000_000 + i, i)).collect();
        for round in 0..10_000u64 {
            let id = ids[(round % 10) as usize];
            wheel.reset(id, 1_000_000 + round % 1_000).unwrap();
        }
        let entries = wheel.all_entries().len();
        assert!(
            entries <= STALE_FACTOR as usize * 10 + STALE_SLACK as usize + 1,
            "{entries} entries for 10 live timers"
        );
    }

    #[test]
    fn a_cascade_keeps_arm_order_among_equal_deadlines() {
        // 100 timers at one deadline in a level-2 bucket, interleaved with others: after the
        // cascades through levels 1 and 0 they fire in the order they were armed.
        let n = SLOTS_PER_LEVEL as u64;
        let due = 2 * n * n + 5;
        assert_eq!(bucket_for(0, due) / SLOTS_PER_LEVEL, 2);
        let mut wheel = TimingWheel::new(0);
        let mut expected = Vec::new();
        for i in 0..100u32 {
            expected.push(wheel.arm(due, i));
            wheel.arm(due + 1 + u64::from(i), 1_000 + i);
        }
        let mut fired = Vec::new();
        wheel.advance(due, &mut fired).unwrap();
        let got: Vec<_> = fired.iter().map(|e| e.id).collect();
        assert_eq!(got, expected);
    }

    #[test]
    fn at_one_deadline_the_level_one_run_fires_before_later_arms() {
        // `a` and `b` wait in a level-1 bucket; entering its range makes them the level-0
        // run. `c` is then armed straight into level 0 at the same deadline, and `a` is reset
        // to it after `c`: arm/reset order is b, c, a.
        let n = SLOTS_PER_LEVEL as u64;
        let due = n + 4;
        let mut wheel = TimingWheel::new(0);
        let a = wheel.arm(due, 'a');
        let b = wheel.arm(due, 'b');
        let mut fired = Vec::new();
        wheel.advance(n, &mut fired).unwrap();
        assert!(fired.is_empty());
        let c = wheel.arm(due, 'c');
        wheel.reset(a, due).unwrap();
        wheel.advance(due, &mut fired).unwrap();
        let got: Vec<_> = fired.iter().map(|e| e.id).collect();
        assert_eq!(got, [b, c, a]);
    }

    #[test]
    fn compacting_a_level_zero_bucket_keeps_its_timers_in_the_run() {
        // `kept` sits in the run, counted live in its level-0 bucket; churn at the same
        // deadline fills that bucket's own chain with stale entries until it is compacted to
        // nothing. The bucket must stay live: `kept` still has to fire.
        let n = SLOTS_PER_LEVEL as u64;
        let due = n + 9;
        let mut wheel = TimingWheel::new(0);
        let kept = wheel.arm(due, 0u32);
        let mut fired = Vec::new();
        wheel.advance(n, &mut fired).unwrap();
        for i in 1..=(4 * STALE_SLACK) {
            let churn = wheel.arm(due, i);
            assert_eq!(wheel.cancel(churn), Some(i));
        }
        assert_eq!(wheel.next_deadline(), Some(due));
        wheel.advance(due, &mut fired).unwrap();
        let got: Vec<_> = fired.iter().map(|e| (e.id, e.payload)).collect();
        assert_eq!(got, [(kept, 0)]);
    }

    impl<P> TimingWheel<P> {
        /// Every bucket entry, once every cancel and reset has been settled.
        fn all_entries(&mut self) -> Vec<Entry> {
            self.settle();
            (0..BUCKETS)
                .flat_map(|b| self.buckets.entries_of(b))
                .collect()
        }
    }
}
