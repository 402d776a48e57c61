//! The fast timer queue: a hierarchical timing wheel over the whole `u64` millisecond range.
//!
//! # Shape
//! - 11 levels of 64 buckets. Level `L` bucket `s` holds timers whose deadline agrees with
//!   `now` on every bit above bit `6L + 5` and has `s` as its 6-bit digit at level `L`.
//!   11 x 6 = 66 bits cover all of `u64`, so there is no overflow list, no clamping of far
//!   deadlines (tokio's wheel stops at 2^36 ms) and no top-level wrap-around: the top level
//!   (bits 60..63) is never rotated past, because a deadline in the wheel is always ahead of
//!   `now`. Lower levels wrap as usual and are tested across their boundaries.
//! - One extra bucket, `OVERDUE`, takes timers armed or reset to a deadline `<= now`; they fire
//!   first at the next `advance`.
//! - Per level a 64-bit occupancy bitmap, and a 16-bit mask of non-empty levels, so the next
//!   bucket is two `trailing_zeros` away and an empty `advance` is O(1).
//! - Timers live in a slab (`Vec<Slot<P>>`, 24 bytes per slot for an 8-byte payload) with a
//!   stack of vacant slots. A bucket is an append-only sequence of 8-byte
//!   entries `(slot, stamp)` stored in 1 KiB blocks from a shared pool.
//! - Cancellation is lazy: each slot has a `stamp` that changes on every arm, reset, cancel and
//!   fire; an entry whose stamp no longer matches its slot's is stale and is skipped. So
//!   `cancel` touches one slab slot, and walking a bucket reads its entries sequentially while
//!   the slab reads are independent of each other and prefetched ahead of use.
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
//! compacted in place, so stale entries never outnumber live ones more than twice per bucket.
//! Stamps are `u32`: when one wraps, every stale entry in every bucket is purged first, so an
//! old entry can never match a recycled stamp.
//!
//! # Firing order without a merge
//! Entries are appended, and a cascade walks a bucket in order appending to lower buckets, so a
//! bucket stays in arm/reset order. A lower bucket that receives a cascade is empty: it covers
//! a range inside the cascading bucket's, which is wholly ahead of `now`, and nothing is armed
//! directly into it until `now` has entered that range, i.e. after the cascade (and a bucket
//! that time has passed holds no entries: it was processed, or emptied when its last live
//! timer left). A level-0 bucket holds one deadline, so its order is (deadline, sequence) and
//! it fires as it stands. Two places sort, both in place into a reused buffer, and only when
//! out of order: `OVERDUE`, which holds arbitrary past deadlines, and the few (at most 64)
//! timers of a level >= 1 bucket that are already due by the end of the current `advance`,
//! which fire straight from that bucket instead of cascading through every lower level.
//! Sorting by (deadline, position in the bucket) keeps equal deadlines in arm/reset order.
//!
//! # Costs
//! arm, cancel, reset: O(1) amortised. advance: O(1) when nothing is due, plus O(levels) per
//! fired timer (a timer cascades at most once per level). next_deadline: O(1) unless the
//! earliest timer sits in a level >= 1 bucket whose cached minimum was invalidated by removing
//! it; then that bucket is scanned once and the minimum cached again.
//!
//! # Left out
//! No concurrency, no slack/coalescing, no shrinking of the slab or the block pool.

use std::fmt;
use std::mem::MaybeUninit;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};

use crate::{Expired, StaleTimer, TimeWentBackwards, TimerId, TimerQueue};

const LEVEL_BITS: u32 = 6;
const SLOTS_PER_LEVEL: usize = 1 << LEVEL_BITS;
/// ceil(64 / 6): enough levels that every `u64` deadline has a bucket.
const LEVELS: usize = 11;
const OVERDUE: usize = LEVELS * SLOTS_PER_LEVEL;
const BUCKETS: usize = OVERDUE + 1;
const NIL: u32 = u32::MAX;
/// Entries per block: 1 KiB, large enough that walking a bucket is a sequential scan, small
/// enough that a half-empty last block per bucket costs little.
const BLOCK: usize = 128;
/// How many entries ahead a bucket walk prefetches the slab slot.
const PREFETCH_AHEAD: usize = 16;
/// At most this many blocks are reserved beyond what `with_capacity` strictly needs.
const BLOCK_SPARE: usize = 64;
/// At most this many due timers are sorted and fired straight from a level >= 1 bucket.
const DIRECT_FIRE_MAX: usize = 64;
/// Stale entries a bucket may hold beyond its live count before it is compacted.
const STALE_SLACK: u32 = 64;
/// A bucket is compacted when its entries exceed this many times its live timers (plus the
/// slack). Compacting reads every entry's slot, so each compaction costs
/// `FACTOR / (FACTOR - 1)` slot reads per stale entry removed: 3 keeps that at 1.5 while
/// stale entries stay below twice the live ones.
const STALE_FACTOR: u32 = 3;

/// A vacant slot with its generation and (even) stamp, so `arm` can fill it without reading
/// it first: arms into cold slots then overlap their cache misses instead of stalling on each.
#[derive(Clone, Copy)]
struct FreeSlot {
    index: u32,
    generation: u32,
    stamp: u32,
}

/// One bucket entry: a slab slot and the stamp it had when this entry was written.
#[derive(Clone, Copy)]
struct Entry {
    slot: u32,
    stamp: u32,
}

struct Block {
    entries: [Entry; BLOCK],
    /// Next block of the same bucket, or of the free pool.
    next: u32,
}

struct Slot<P> {
    /// The deadline while live; meaningless while vacant.
    deadline_ms: u64,
    /// Initialised exactly when `stamp` is odd.
    payload: MaybeUninit<P>,
    /// Odd while live. +1 on arm, +2 on reset, +1 on cancel or fire: only the entry written
    /// by the latest arm or reset carries the current stamp.
    stamp: u32,
    /// Bumped when the slot is freed; handles carry it, so old handles go stale.
    generation: u32,
}

impl<P> Slot<P> {
    #[inline]
    fn is_live(&self) -> bool {
        self.stamp & 1 == 1
    }
}

/// A bucket: a chain of blocks plus counts, and a cached minimum deadline.
///
/// The minimum matters only for level >= 1 buckets and `OVERDUE` (a level-0 bucket holds one
/// deadline). It is atomic only so `next_deadline(&self)` can refresh the cache without `&mut`
/// while the wheel stays `Sync`; all accesses are `Relaxed` and from one thread at a time.
struct Bucket {
    first: u32,
    last: u32,
    /// Entries used in the last block.
    last_len: u32,
    /// Entries, live and stale.
    entries: u32,
    /// Live timers; the occupancy bit is set iff this is non-zero.
    live: u32,
    /// When `min_exact`, the least live deadline; otherwise a lower bound.
    min_ms: AtomicU64,
    min_exact: AtomicBool,
}

/// Hierarchical timing wheel; see the module documentation for its shape and guarantees.
pub struct TimingWheel<P> {
    now_ms: u64,
    len: usize,
    slots: Vec<Slot<P>>,
    /// Vacant slots, reused last-in first-out. A stack rather than a list threaded through
    /// the slab: popping from a threaded list reads the popped slot to find the next one, so
    /// consecutive arms into cold slots would wait on each other's cache misses.
    free_slots: Vec<FreeSlot>,
    blocks: Vec<Block>,
    free_block: u32,
    buckets: Box<[Bucket]>,
    /// Bit `s` of `occupied[L]` is set iff bucket `(L, s)` has live timers.
    occupied: [u64; LEVELS],
    /// Bit `L` is set iff `occupied[L] != 0`.
    levels: u16,
    /// Reused by `advance` to order what fires: (deadline, position, slot).
    scratch: Vec<(u64, u32, u32)>,
}

/// Hints the CPU to start loading `value`'s cache line; no effect on the program's meaning.
#[inline(always)]
fn prefetch<T>(value: &T) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        // SAFETY: a prefetch reads nothing architecturally and cannot fault.
        unsafe { _mm_prefetch::<_MM_HINT_T0>((value as *const T).cast()) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}

impl<P> TimingWheel<P> {
    /// An empty wheel whose clock starts at `start_ms`.
    pub fn new(start_ms: u64) -> Self {
        Self::with_capacity(start_ms, 0)
    }

    /// An empty wheel with room for `capacity` live timers before the slab or the block pool
    /// reallocates.
    pub fn with_capacity(start_ms: u64, capacity: usize) -> Self {
        let buckets = (0..BUCKETS)
            .map(|_| Bucket {
                first: NIL,
                last: NIL,
                last_len: 0,
                entries: 0,
                live: 0,
                min_ms: AtomicU64::new(u64::MAX),
                min_exact: AtomicBool::new(true),
            })
            .collect();
        Self {
            now_ms: start_ms,
            len: 0,
            slots: Vec::with_capacity(capacity),
            free_slots: Vec::new(),
            // Plus a few for the part-filled last blocks of the buckets in use.
            blocks: Vec::with_capacity({
                let blocks = capacity.div_ceil(BLOCK);
                blocks + blocks.min(BLOCK_SPARE)
            }),
            free_block: NIL,
            buckets,
            occupied: [0; LEVELS],
            levels: 0,
            scratch: Vec::new(),
        }
    }

    /// Bytes of slab per timer slot, for the benchmarks' memory report (a live timer also
    /// has one 8-byte bucket entry).
    pub const SLOT_BYTES: usize = std::mem::size_of::<Slot<P>>();

    /// The bucket a timer with `deadline_ms` belongs in, relative to the current `now_ms`.
    #[inline]
    fn bucket_for(&self, deadline_ms: u64) -> usize {
        if deadline_ms <= self.now_ms {
            return OVERDUE;
        }
        // The highest differing bit picks the level: below it the deadline's digits are free,
        // above it the deadline agrees with now, so the bucket is reached in order.
        let differing = deadline_ms ^ self.now_ms;
        let level = (63 - differing.leading_zeros()) / LEVEL_BITS;
        let digit = (deadline_ms >> (level * LEVEL_BITS)) as usize & (SLOTS_PER_LEVEL - 1);
        level as usize * SLOTS_PER_LEVEL + digit
    }

    /// First millisecond covered by bucket (`level`, `digit`) in the current rotation.
    #[inline]
    fn bucket_start(&self, level: u32, digit: u32) -> u64 {
        let shift = level * LEVEL_BITS;
        let above = shift + LEVEL_BITS;
        let prefix = if above >= 64 {
            0
        } else {
            self.now_ms & !((1u64 << above) - 1)
        };
        prefix | (u64::from(digit) << shift)
    }

    #[inline]
    fn set_occupied(&mut self, bucket: usize) {
        if bucket != OVERDUE {
            let level = bucket / SLOTS_PER_LEVEL;
            self.occupied[level] |= 1 << (bucket % SLOTS_PER_LEVEL);
            self.levels |= 1 << level;
        }
    }

    #[inline]
    fn clear_occupied(&mut self, bucket: usize) {
        if bucket != OVERDUE {
            let level = bucket / SLOTS_PER_LEVEL;
            self.occupied[level] &= !(1 << (bucket % SLOTS_PER_LEVEL));
            if self.occupied[level] == 0 {
                self.levels &= !(1 << level);
            }
        }
    }

    fn alloc_block(&mut self) -> u32 {
        if self.free_block != NIL {
            let block = self.free_block;
            self.free_block = self.blocks[block as usize].next;
            self.blocks[block as usize].next = NIL;
            return block;
        }
        let block = u32::try_from(self.blocks.len())
            .ok()
            .filter(|&b| b != NIL)
            .expect("more than 2^32 - 1 entry blocks");
        if self.blocks.len() == self.blocks.capacity() {
            // Grow by an eighth rather than double: blocks are most of the memory after the
            // slab, and a doubled pool would idle up to 8 bytes per live timer. (Large
            // reallocations are remapped rather than copied by the system allocator.)
            self.blocks.reserve_exact(self.blocks.len() / 8 + 4);
        }
        self.blocks.push(Block {
            entries: [Entry { slot: 0, stamp: 0 }; BLOCK],
            next: NIL,
        });
        block
    }

    /// Returns the chain `first ..= last` to the block pool.
    fn free_chain(&mut self, first: u32, last: u32) {
        if first != NIL {
            self.blocks[last as usize].next = self.free_block;
            self.free_block = first;
        }
    }

    /// Appends the live timer in `slot` (with `deadline_ms` and current `stamp`, passed in so
    /// the slot need not be read again) to `bucket`.
    #[inline]
    fn place(&mut self, slot: u32, deadline_ms: u64, stamp: u32, bucket: usize) {
        let b = &self.buckets[bucket];
        let (mut last, mut last_len) = (b.last, b.last_len as usize);
        if last == NIL || last_len == BLOCK {
            let block = self.alloc_block();
            if last == NIL {
                self.buckets[bucket].first = block;
            } else {
                self.blocks[last as usize].next = block;
            }
            (last, last_len) = (block, 0);
        }
        self.blocks[last as usize].entries[last_len] = Entry { slot, stamp };
        let b = &mut self.buckets[bucket];
        b.last = last;
        b.last_len = last_len as u32 + 1;
        b.entries += 1;
        b.live += 1;
        if b.live == 1 {
            *b.min_ms.get_mut() = deadline_ms;
            *b.min_exact.get_mut() = true;
            self.set_occupied(bucket);
        } else {
            let min = b.min_ms.get_mut();
            if deadline_ms < *min {
                // Below even a stale lower bound, so it is the true minimum.
                *min = deadline_ms;
                *b.min_exact.get_mut() = true;
            }
        }
    }

    /// Detaches every entry of `bucket`; returns (first block, last block, used in last).
    #[inline]
    fn take(&mut self, bucket: usize) -> (u32, u32, u32) {
        let b = &mut self.buckets[bucket];
        let chain = (b.first, b.last, b.last_len);
        b.first = NIL;
        b.last = NIL;
        b.last_len = 0;
        b.entries = 0;
        b.live = 0;
        self.clear_occupied(bucket);
        chain
    }

    /// Records that the timer whose deadline was `deadline_ms` left `bucket` (its entry is
    /// already stale: the caller bumped the stamp). Empties or compacts the bucket as needed.
    #[inline]
    fn unplace(&mut self, bucket: usize, deadline_ms: u64) {
        let b = &mut self.buckets[bucket];
        b.live -= 1;
        if b.live == 0 {
            let (first, last, _) = self.take(bucket);
            self.free_chain(first, last);
            return;
        }
        if deadline_ms == *b.min_ms.get_mut() {
            // Another timer may share the minimum; recomputing is deferred to next_deadline.
            *b.min_exact.get_mut() = false;
        }
        if b.entries > STALE_FACTOR * b.live + STALE_SLACK {
            self.compact(bucket);
        }
    }

    /// Drops the stale entries of `bucket`, keeping the live ones in order, and returns the
    /// blocks it no longer needs to the pool.
    fn compact(&mut self, bucket: usize) {
        let Bucket {
            first,
            last,
            last_len,
            ..
        } = self.buckets[bucket];
        if first == NIL {
            return;
        }
        // Write cursor trails the read cursor, so compacting in place is safe.
        let (mut write_block, mut write_at) = (first, 0usize);
        let mut kept = 0u32;
        let mut read_block = first;
        loop {
            let used = if read_block == last {
                last_len as usize
            } else {
                BLOCK
            };
            for i in 0..used {
                let entries = &self.blocks[read_block as usize].entries[..used];
                // This loop body is short, so it needs a longer lead than `process`.
                if let Some(ahead) = entries.get(i + 4 * PREFETCH_AHEAD) {
                    prefetch(&self.slots[ahead.slot as usize]);
                }
                let entry = entries[i];
                if self.slots[entry.slot as usize].stamp != entry.stamp {
                    continue;
                }
                if write_at == BLOCK {
                    write_block = self.blocks[write_block as usize].next;
                    write_at = 0;
                }
                self.blocks[write_block as usize].entries[write_at] = entry;
                write_at += 1;
                kept += 1;
            }
            if read_block == last {
                break;
            }
            read_block = self.blocks[read_block as usize].next;
        }
        let b = &mut self.buckets[bucket];
        debug_assert_eq!(kept, b.live);
        b.entries = kept;
        if kept == 0 {
            let (first, last, _) = self.take(bucket);
            self.free_chain(first, last);
            return;
        }
        b.last = write_block;
        b.last_len = write_at as u32;
        let spare = self.blocks[write_block as usize].next;
        self.blocks[write_block as usize].next = NIL;
        if write_block != last {
            self.free_chain(spare, last);
        }
    }

    /// Changes a slot's stamp by `by`. Stamps only grow between wraps, so a stale entry
    /// (holding an older stamp) cannot match. Before a wrap every stale entry is purged, while
    /// the counts still agree with the stamps; after it the slot's only entry is the one this
    /// bump makes stale, whose stamp the slot will not reach again before the next wrap.
    #[inline]
    fn bump_stamp(&mut self, slot: u32, by: u32) {
        if self.slots[slot as usize].stamp.checked_add(by).is_none() {
            self.purge_stale();
        }
        let s = &mut self.slots[slot as usize];
        s.stamp = s.stamp.wrapping_add(by);
    }

    /// Compacts every bucket. Needed only when some slot's stamp wraps (after 2^31 resets
    /// of one slot), so its cost does not matter.
    #[cold]
    fn purge_stale(&mut self) {
        for bucket in 0..BUCKETS {
            self.compact(bucket);
        }
    }

    /// Index of the slot a current handle names, or None for a stale one.
    #[inline]
    fn live_index(&self, id: TimerId) -> Option<u32> {
        let slot = self.slots.get(id.slot() as usize)?;
        (slot.is_live() && slot.generation == id.generation()).then_some(id.slot())
    }

    /// Moves the payload out of a live slot, makes its entries stale and frees the slot.
    #[inline]
    fn release(&mut self, index: u32) -> P {
        self.bump_stamp(index, 1);
        self.len -= 1;
        let slot = &mut self.slots[index as usize];
        // SAFETY: the slot was live (odd stamp) until the bump above, so the payload is
        // initialised; the stamp is now even, so nothing reads or drops it again.
        let payload = unsafe { slot.payload.assume_init_read() };
        // A slot whose generation would wrap is retired for good, so no handle ever matches a
        // later occupant of its slot.
        if let Some(generation) = slot.generation.checked_add(1) {
            slot.generation = generation;
            self.free_slots.push(FreeSlot {
                index,
                generation,
                stamp: slot.stamp,
            });
        }
        payload
    }

    #[inline]
    fn fire(&mut self, index: u32, fired: &mut Vec<Expired<P>>) {
        let slot = &self.slots[index as usize];
        let id = TimerId::new(index, slot.generation);
        let deadline_ms = slot.deadline_ms;
        let payload = self.release(index);
        fired.push(Expired {
            id,
            deadline_ms,
            payload,
        });
    }

    /// Fires everything in `OVERDUE` in (deadline, arm/reset order).
    fn fire_overdue(&mut self, fired: &mut Vec<Expired<P>>) {
        let (first, last, last_len) = self.take(OVERDUE);
        // Entry order is arm/reset order; only the deadlines may be out of order.
        let mut scratch = std::mem::take(&mut self.scratch);
        scratch.clear();
        let mut block = first;
        while block != NIL {
            let used = if block == last {
                last_len as usize
            } else {
                BLOCK
            };
            for i in 0..used {
                let entry = self.blocks[block as usize].entries[i];
                let slot = &self.slots[entry.slot as usize];
                if slot.stamp == entry.stamp {
                    scratch.push((slot.deadline_ms, scratch.len() as u32, entry.slot));
                }
            }
            block = if block == last {
                NIL
            } else {
                self.blocks[block as usize].next
            };
        }
        self.free_chain(first, last);
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

    /// Processes bucket (`level`, `digit`), which starts at `start_ms` (now `now_ms`), for an
    /// advance to `until_ms`: fires what is due and cascades the rest into lower levels.
    ///
    /// Timers of a level >= 1 bucket that are due by `until_ms` are fired straight from here
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
        let (first, last, last_len) = self.take(level as usize * SLOTS_PER_LEVEL + digit as usize);
        let mut due = std::mem::take(&mut self.scratch);
        due.clear();
        let mut block = first;
        while block != NIL {
            let used = if block == last {
                last_len as usize
            } else {
                BLOCK
            };
            for i in 0..used {
                let entries = &self.blocks[block as usize].entries;
                if let Some(ahead) = entries[..used].get(i + PREFETCH_AHEAD) {
                    prefetch(&self.slots[ahead.slot as usize]);
                }
                let entry = entries[i];
                let slot = &self.slots[entry.slot as usize];
                if slot.stamp != entry.stamp {
                    continue;
                }
                let deadline_ms = slot.deadline_ms;
                if level == 0 {
                    // A level-0 bucket holds exactly `start_ms`, in arm/reset order.
                    debug_assert_eq!(deadline_ms, start_ms);
                    self.fire(entry.slot, fired);
                } else if deadline_ms <= until_ms {
                    due.push((deadline_ms, due.len() as u32, entry.slot));
                } else {
                    let bucket = self.bucket_for(deadline_ms);
                    self.place(entry.slot, deadline_ms, entry.stamp, bucket);
                }
            }
            block = if block == last {
                NIL
            } else {
                self.blocks[block as usize].next
            };
        }
        self.free_chain(first, last);
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
                    let stamp = self.slots[index as usize].stamp;
                    let bucket = self.bucket_for(deadline_ms);
                    self.place(index, deadline_ms, stamp, bucket);
                }
            }
        }
        self.scratch = due;
    }

    /// The minimum live deadline in a level >= 1 or `OVERDUE` bucket, refreshing the cache.
    fn bucket_min(&self, bucket: usize) -> u64 {
        let b = &self.buckets[bucket];
        if b.min_exact.load(Relaxed) {
            return b.min_ms.load(Relaxed);
        }
        let mut min = u64::MAX;
        let mut block = b.first;
        while block != NIL {
            let used = if block == b.last {
                b.last_len as usize
            } else {
                BLOCK
            };
            for entry in &self.blocks[block as usize].entries[..used] {
                let slot = &self.slots[entry.slot as usize];
                if slot.stamp == entry.stamp {
                    min = min.min(slot.deadline_ms);
                }
            }
            block = if block == b.last {
                NIL
            } else {
                self.blocks[block as usize].next
            };
        }
        b.min_ms.store(min, Relaxed);
        b.min_exact.store(true, Relaxed);
        min
    }
}

impl<P> TimerQueue<P> for TimingWheel<P> {
    fn arm(&mut self, deadline_ms: u64, payload: P) -> TimerId {
        // A vacant stamp is even, hence below u32::MAX: arming never wraps it.
        let (index, generation, stamp) = if let Some(free) = self.free_slots.pop() {
            let stamp = free.stamp + 1;
            let slot = &mut self.slots[free.index as usize];
            slot.deadline_ms = deadline_ms;
            slot.payload.write(payload);
            slot.stamp = stamp;
            (free.index, free.generation, stamp)
        } else {
            // NIL (u32::MAX) is reserved, so at most u32::MAX slots exist: 96 GiB of slab.
            let index = u32::try_from(self.slots.len())
                .ok()
                .filter(|&i| i != NIL)
                .expect("more than 2^32 - 1 timer slots");
            self.slots.push(Slot {
                deadline_ms,
                payload: MaybeUninit::new(payload),
                stamp: 1,
                generation: 0,
            });
            (index, 0, 1)
        };
        self.len += 1;
        let bucket = self.bucket_for(deadline_ms);
        self.place(index, deadline_ms, stamp, bucket);
        TimerId::new(index, generation)
    }

    fn cancel(&mut self, id: TimerId) -> Option<P> {
        let index = self.live_index(id)?;
        let deadline_ms = self.slots[index as usize].deadline_ms;
        let bucket = self.bucket_for(deadline_ms);
        let payload = self.release(index);
        self.unplace(bucket, deadline_ms);
        Some(payload)
    }

    fn reset(&mut self, id: TimerId, deadline_ms: u64) -> Result<(), StaleTimer> {
        let index = self.live_index(id).ok_or(StaleTimer(id))?;
        let old_ms = self.slots[index as usize].deadline_ms;
        let old_bucket = self.bucket_for(old_ms);
        self.bump_stamp(index, 2);
        self.unplace(old_bucket, old_ms);
        let slot = &mut self.slots[index as usize];
        slot.deadline_ms = deadline_ms;
        let stamp = slot.stamp;
        let bucket = self.bucket_for(deadline_ms);
        self.place(index, deadline_ms, stamp, bucket);
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
        // Overdue deadlines are <= the old now, below every deadline in the wheel.
        if self.buckets[OVERDUE].live != 0 {
            self.fire_overdue(fired);
        }
        // Lower levels always start earlier than higher ones (a level-L bucket lies inside
        // the current level-(L+1) bucket), so the lowest non-empty level holds the next one.
        while self.levels != 0 {
            let level = self.levels.trailing_zeros();
            let digit = self.occupied[level as usize].trailing_zeros();
            let start_ms = self.bucket_start(level, digit);
            if start_ms > now_ms {
                break;
            }
            self.now_ms = start_ms;
            self.process(level, digit, start_ms, now_ms, fired);
        }
        self.now_ms = now_ms;
        Ok(())
    }

    fn len(&self) -> usize {
        self.len
    }

    fn next_deadline(&self) -> Option<u64> {
        if self.buckets[OVERDUE].live != 0 {
            return Some(self.bucket_min(OVERDUE));
        }
        if self.levels == 0 {
            return None;
        }
        let level = self.levels.trailing_zeros();
        let digit = self.occupied[level as usize].trailing_zeros();
        if level == 0 {
            Some(self.bucket_start(0, digit))
        } else {
            Some(self.bucket_min(level as usize * SLOTS_PER_LEVEL + digit as usize))
        }
    }

    fn now_ms(&self) -> u64 {
        self.now_ms
    }
}

impl<P> Drop for TimingWheel<P> {
    fn drop(&mut self) {
        if std::mem::needs_drop::<P>() {
            for slot in &mut self.slots {
                if slot.is_live() {
                    slot.stamp = slot.stamp.wrapping_add(1);
                    // SAFETY: live slots hold an initialised payload, dropped exactly once
                    // because the stamp is made even first.
                    unsafe { slot.payload.assume_init_drop() };
                }
            }
        }
    }
}

impl<P> fmt::Debug for TimingWheel<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TimingWheel")
            .field("now_ms", &self.now_ms)
            .field("len", &self.len)
            .field("next_deadline", &self.next_deadline())
            .field("slab_slots", &self.slots.len())
            .field("blocks", &self.blocks.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slot_whose_generation_would_wrap_is_retired() {
        let mut wheel = TimingWheel::new(0);
        let first = wheel.arm(10, 'a');
        wheel.cancel(first);
        // Pretend slot 0 has been reused 2^32 - 1 times.
        wheel.slots[0].generation = u32::MAX;
        wheel.free_slots[0].generation = u32::MAX;
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
        let c1 = wheel.arm(1_001, 2u32);
        let c2 = wheel.arm(2_001, 3u32);
        let id = wheel.arm(1_000, 1u32); // stamp 1
        wheel.reset(id, 2_000).unwrap(); // stamp 3; the entry at 1_000 (stamp 1) is stale
        wheel.reset(id, 3_000).unwrap(); // stamp 5; the entry at 2_000 (stamp 3) is stale
        assert_eq!(wheel.all_entries().len(), 6);
        // Pretend the slot has been reset 2^31 times: its stamp is at the top of its range.
        wheel.force_stamp(id.slot(), u32::MAX);
        // This reset wraps the stamp to 1, the stamp of the stale entry at 1_000. Without the
        // purge, that entry would come back to life and fire `id` 3 seconds early.
        wheel.reset(id, 4_000).unwrap();
        assert_eq!(wheel.slots[id.slot() as usize].stamp, 1);
        assert_eq!(wheel.all_entries().len(), 4, "only live entries remain");
        let mut fired = Vec::new();
        wheel.advance(3_999, &mut fired).unwrap();
        wheel.advance(5_000, &mut fired).unwrap();
        let got: Vec<_> = fired.iter().map(|e| (e.id, e.deadline_ms)).collect();
        assert_eq!(got, [(c1, 1_001), (c2, 2_001), (id, 4_000), (keep, 5_000)]);
    }

    #[test]
    fn stale_entries_stay_bounded_under_endless_resets() {
        let mut wheel = TimingWheel::new(0);
        let ids: Vec<_> = (0..10u64).map(|i| wheel.arm(1_000_000 + i, i)).collect();
        for round in 0..10_000u64 {
            let id = ids[(round % 10) as usize];
            wheel.reset(id, 1_000_000 + round % 1_000).unwrap();
        }
        let entries: usize = (0..BUCKETS).map(|b| wheel.entries_of(b).len()).sum();
        assert!(
            entries <= STALE_FACTOR as usize * 10 + STALE_SLACK as usize + 1,
            "{entries} entries for 10 live timers"
        );
    }

    #[test]
    fn slab_slot_is_24_bytes_for_an_8_byte_payload() {
        // The memory target (<= 32 bytes per live timer) rests on this plus 8-byte entries.
        assert_eq!(TimingWheel::<u64>::SLOT_BYTES, 24);
        assert_eq!(std::mem::size_of::<Entry>(), 8);
    }

    impl<P> TimingWheel<P> {
        fn all_entries(&self) -> Vec<Entry> {
            (0..BUCKETS).flat_map(|b| self.entries_of(b)).collect()
        }

        /// Sets a live slot's stamp, rewriting its current entry to match.
        fn force_stamp(&mut self, slot: u32, stamp: u32) {
            let old = self.slots[slot as usize].stamp;
            for block in &mut self.blocks {
                for entry in &mut block.entries {
                    if entry.slot == slot && entry.stamp == old {
                        entry.stamp = stamp;
                    }
                }
            }
            self.slots[slot as usize].stamp = stamp;
        }

        fn entries_of(&self, bucket: usize) -> Vec<Entry> {
            let b = &self.buckets[bucket];
            let mut out = Vec::new();
            let mut block = b.first;
            while block != NIL {
                let used = if block == b.last {
                    b.last_len as usize
                } else {
                    BLOCK
                };
                out.extend_from_slice(&self.blocks[block as usize].entries[..used]);
                block = if block == b.last {
                    NIL
                } else {
                    self.blocks[block as usize].next
                };
            }
            assert_eq!(out.len(), b.entries as usize);
            out
        }
    }
}
