//! The design `TimingWheel` was measured against: the same 11 x 64 levels, but each bucket
//! is 16 intrusive doubly linked lists threaded through a 32-byte slab slot, chosen by a
//! hash of the deadline so a cascade can walk them in lockstep with prefetch (as in tokio
//! and Linux, plus the chains). It passed the crate's differential and unit tests before it
//! was set aside; trimmed to what the benchmark calls.

use std::mem::MaybeUninit;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};

/// (slot, generation): `cxspec_timer::TimerId` cannot be built outside its crate.
type TimerId = (u32, u32);

const LEVEL_BITS: u32 = 6;
const SLOTS_PER_LEVEL: usize = 1 << LEVEL_BITS;
/// ceil(64 / 6): enough levels that every `u64` deadline has a bucket.
const LEVELS: usize = 11;
const OVERDUE: u16 = (LEVELS * SLOTS_PER_LEVEL) as u16;
const BUCKETS: usize = LEVELS * SLOTS_PER_LEVEL + 1;
/// `Slot::bucket` of a slot with no live timer; its payload is uninitialised.
const VACANT: u16 = u16::MAX;
const NIL: u32 = u32::MAX;
/// Each bucket is split into this many lists, chosen by a hash of the deadline, so that a
/// cascade can walk them in lockstep and keep several cache misses in flight (see "Chains").
const CHAINS: usize = 16;

/// The list within a bucket that a deadline goes to. Every timer with a given deadline lands
/// in the same list, which is all that FIFO among equal deadlines needs. `OVERDUE` uses list 0
/// only, because its list order must be the arm/reset order across different deadlines.
/// Hints the CPU to start loading `value`'s cache line; no effect on the program's meaning.
#[inline(always)]
fn prefetch<T>(value: &T) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        // SAFETY: prefetching is a hint; it reads nothing architecturally and cannot fault.
        unsafe { _mm_prefetch::<_MM_HINT_T0>((value as *const T).cast()) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}

#[inline]
fn chain_of(bucket: u16, deadline_ms: u64) -> usize {
    if bucket == OVERDUE {
        0
    } else {
        // Fibonacci hashing: deadlines on a round grid (whole seconds) still spread out.
        (deadline_ms.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - CHAINS.trailing_zeros())) as usize
    }
}

struct Slot<P> {
    deadline_ms: u64,
    /// Next in the bucket's chain.
    next: u32,
    prev: u32,
    generation: u32,
    /// Bucket index when live, `VACANT` otherwise.
    bucket: u16,
    /// Initialised exactly when `bucket != VACANT`.
    payload: MaybeUninit<P>,
}

/// One wheel bucket: `CHAINS` doubly linked lists of slab indices, plus a cached minimum.
///
/// The minimum matters only for level >= 1 buckets and `OVERDUE` (a level-0 bucket holds one
/// deadline). It is atomic only so `next_deadline(&self)` can refresh the cache without `&mut`
/// while the wheel stays `Sync`; all accesses are `Relaxed` and from one thread at a time.
struct Bucket {
    heads: [u32; CHAINS],
    tails: [u32; CHAINS],
    /// Live timers in all chains; the occupancy bit is set iff this is non-zero.
    len: u32,
    /// When `min_exact`, the least deadline in the list; otherwise a lower bound.
    min_ms: AtomicU64,
    min_exact: AtomicBool,
}

/// Hierarchical timing wheel; see the module documentation for its shape and guarantees.
pub struct IntrusiveWheel<P> {
    now_ms: u64,
    len: usize,
    slots: Vec<Slot<P>>,
    /// Vacant slots with their current generation, reused last-in first-out. A stack rather
    /// than a list threaded through the slab: popping a threaded list reads the popped slot to
    /// find the next one, so consecutive arms into cold slots would wait on each other's cache
    /// misses; with the generation at hand, `arm` only writes to the slot.
    free_slots: Vec<(u32, u32)>,
    buckets: Box<[Bucket]>,
    /// Bit `s` of `occupied[L]` is set iff bucket `(L, s)` is non-empty.
    occupied: [u64; LEVELS],
    /// Bit `L` is set iff `occupied[L] != 0`.
    levels: u16,
    /// Reused by `advance` to order `OVERDUE`: (deadline, list position, slot).
    scratch: Vec<(u64, u32, u32)>,
}

impl<P> IntrusiveWheel<P> {
    /// An empty wheel whose clock starts at `start_ms`.
    pub fn new(start_ms: u64) -> Self {
        Self::with_capacity(start_ms, 0)
    }

    /// An empty wheel with room for `capacity` live timers before the slab reallocates.
    pub fn with_capacity(start_ms: u64, capacity: usize) -> Self {
        let buckets = (0..BUCKETS)
            .map(|_| Bucket {
                heads: [NIL; CHAINS],
                tails: [NIL; CHAINS],
                len: 0,
                min_ms: AtomicU64::new(u64::MAX),
                min_exact: AtomicBool::new(true),
            })
            .collect();
        Self {
            now_ms: start_ms,
            len: 0,
            slots: Vec::with_capacity(capacity),
            free_slots: Vec::new(),
            buckets,
            occupied: [0; LEVELS],
            levels: 0,
            scratch: Vec::new(),
        }
    }

    /// Bytes of slab per timer slot, for the benchmarks' memory report.
    pub const SLOT_BYTES: usize = std::mem::size_of::<Slot<P>>();

    /// The bucket a timer with `deadline_ms` belongs in, relative to the current `now_ms`.
    #[inline]
    fn bucket_for(&self, deadline_ms: u64) -> u16 {
        if deadline_ms <= self.now_ms {
            return OVERDUE;
        }
        // The highest differing bit picks the level: below it the deadline's digits are free,
        // above it the deadline agrees with now, so the bucket will be reached in order.
        let differing = deadline_ms ^ self.now_ms;
        let level = (63 - differing.leading_zeros()) / LEVEL_BITS;
        let slot = (deadline_ms >> (level * LEVEL_BITS)) & (SLOTS_PER_LEVEL as u64 - 1);
        (level as usize * SLOTS_PER_LEVEL + slot as usize) as u16
    }

    /// First millisecond covered by bucket (`level`, `slot`) in the current rotation.
    #[inline]
    fn bucket_start(&self, level: u32, slot: u32) -> u64 {
        let shift = level * LEVEL_BITS;
        let above = shift + LEVEL_BITS;
        let prefix = if above >= 64 {
            0
        } else {
            self.now_ms & !((1u64 << above) - 1)
        };
        prefix | (u64::from(slot) << shift)
    }

    #[inline]
    fn link_tail(&mut self, index: u32, bucket: u16) {
        let deadline_ms = self.slots[index as usize].deadline_ms;
        let chain = chain_of(bucket, deadline_ms);
        let b = &mut self.buckets[bucket as usize];
        let tail = b.tails[chain];
        b.tails[chain] = index;
        if tail == NIL {
            b.heads[chain] = index;
        } else {
            self.slots[tail as usize].next = index;
        }
        b.len += 1;
        if b.len == 1 {
            *b.min_ms.get_mut() = deadline_ms;
            *b.min_exact.get_mut() = true;
            if bucket != OVERDUE {
                let level = bucket as usize / SLOTS_PER_LEVEL;
                self.occupied[level] |= 1 << (bucket as usize % SLOTS_PER_LEVEL);
                self.levels |= 1 << level;
            }
        } else {
            let min = b.min_ms.get_mut();
            if deadline_ms < *min {
                // Below even a stale lower bound, so it is the true minimum.
                *min = deadline_ms;
                *b.min_exact.get_mut() = true;
            }
        }
        let slot = &mut self.slots[index as usize];
        slot.prev = tail;
        slot.next = NIL;
        slot.bucket = bucket;
    }

    #[inline]
    fn unlink(&mut self, index: u32) {
        let slot = &self.slots[index as usize];
        let (bucket, prev, next, deadline_ms) =
            (slot.bucket, slot.prev, slot.next, slot.deadline_ms);
        if prev != NIL {
            self.slots[prev as usize].next = next;
        }
        if next != NIL {
            self.slots[next as usize].prev = prev;
        }
        let chain = chain_of(bucket, deadline_ms);
        let b = &mut self.buckets[bucket as usize];
        if prev == NIL {
            b.heads[chain] = next;
        }
        if next == NIL {
            b.tails[chain] = prev;
        }
        b.len -= 1;
        if b.len == 0 {
            if bucket != OVERDUE {
                let level = bucket as usize / SLOTS_PER_LEVEL;
                self.occupied[level] &= !(1 << (bucket as usize % SLOTS_PER_LEVEL));
                if self.occupied[level] == 0 {
                    self.levels &= !(1 << level);
                }
            }
        } else if deadline_ms == *b.min_ms.get_mut() {
            // Another timer may share the minimum; recomputing is deferred to next_deadline.
            *b.min_exact.get_mut() = false;
        }
    }

    /// Detaches a whole bucket and returns its chains' heads; the caller walks them.
    fn take_bucket(&mut self, level: u32, slot: u32) -> [u32; CHAINS] {
        let b = &mut self.buckets[level as usize * SLOTS_PER_LEVEL + slot as usize];
        let heads = b.heads;
        b.heads = [NIL; CHAINS];
        b.tails = [NIL; CHAINS];
        b.len = 0;
        self.occupied[level as usize] &= !(1 << slot);
        if self.occupied[level as usize] == 0 {
            self.levels &= !(1 << level);
        }
        heads
    }

    /// Index of the slot a current handle names, or None for a stale one.
    #[inline]
    fn live_index(&self, id: TimerId) -> Option<u32> {
        let slot = self.slots.get(id.0 as usize)?;
        (slot.bucket != VACANT && slot.generation == id.1).then_some(id.0)
    }

    /// Moves the payload out of a live, already unlinked slot and frees the slot.
    #[inline]
    fn release(&mut self, index: u32) -> P {
        self.len -= 1;
        let slot = &mut self.slots[index as usize];
        debug_assert_ne!(slot.bucket, VACANT);
        slot.bucket = VACANT;
        // SAFETY: the slot was live (bucket != VACANT), so its payload is initialised; marking
        // it VACANT first means nothing reads or drops it again.
        let payload = unsafe { slot.payload.assume_init_read() };
        // A slot whose generation would wrap is retired for good, so no handle ever matches a
        // later occupant of its slot.
        if let Some(generation) = slot.generation.checked_add(1) {
            slot.generation = generation;
            self.free_slots.push((index, generation));
        }
        payload
    }

    #[inline]
    fn fire(&mut self, index: u32, fired: &mut Vec<(TimerId, u64, P)>) {
        let slot = &self.slots[index as usize];
        let id = (index, slot.generation);
        let deadline_ms = slot.deadline_ms;
        let payload = self.release(index);
        fired.push((id, deadline_ms, payload));
    }

    /// Fires everything in `OVERDUE` in (deadline, arm/reset order).
    fn fire_overdue(&mut self, fired: &mut Vec<(TimerId, u64, P)>) {
        let b = &mut self.buckets[OVERDUE as usize];
        let mut cur = b.heads[0];
        b.heads[0] = NIL;
        b.tails[0] = NIL;
        b.len = 0;
        // List order is arm/reset order; only the deadlines may be out of order.
        let mut sorted = true;
        let mut last = 0;
        let mut walk = cur;
        while walk != NIL {
            let slot = &self.slots[walk as usize];
            sorted &= slot.deadline_ms >= last;
            last = slot.deadline_ms;
            walk = slot.next;
        }
        if sorted {
            while cur != NIL {
                let next = self.slots[cur as usize].next;
                self.fire(cur, fired);
                cur = next;
            }
            return;
        }
        let mut scratch = std::mem::take(&mut self.scratch);
        scratch.clear();
        let mut position = 0u32;
        while cur != NIL {
            let slot = &self.slots[cur as usize];
            scratch.push((slot.deadline_ms, position, cur));
            position += 1;
            cur = slot.next;
        }
        // (deadline, position) is unique, so the unstable (in-place, allocation-free) sort
        // gives the same order as a stable sort by deadline.
        scratch.sort_unstable();
        for &(_, _, index) in &scratch {
            self.fire(index, fired);
        }
        self.scratch = scratch;
    }

    /// The minimum deadline in a level >= 1 or `OVERDUE` bucket, refreshing the cache.
    fn bucket_min(&self, bucket: usize) -> u64 {
        let b = &self.buckets[bucket];
        if b.min_exact.load(Relaxed) {
            return b.min_ms.load(Relaxed);
        }
        let mut min = u64::MAX;
        for &head in &b.heads {
            let mut cur = head;
            while cur != NIL {
                let slot = &self.slots[cur as usize];
                min = min.min(slot.deadline_ms);
                cur = slot.next;
            }
        }
        b.min_ms.store(min, Relaxed);
        b.min_exact.store(true, Relaxed);
        min
    }
}

impl<P> IntrusiveWheel<P> {
    pub fn arm(&mut self, deadline_ms: u64, payload: P) -> TimerId {
        let (index, generation) = if let Some((index, generation)) = self.free_slots.pop() {
            let slot = &mut self.slots[index as usize];
            slot.deadline_ms = deadline_ms;
            slot.payload.write(payload);
            (index, generation)
        } else {
            // NIL (u32::MAX) is reserved, so at most u32::MAX slots exist: 128 GiB of slab.
            let index = u32::try_from(self.slots.len())
                .ok()
                .filter(|&i| i != NIL)
                .expect("more than 2^32 - 1 timer slots");
            self.slots.push(Slot {
                deadline_ms,
                next: NIL,
                prev: NIL,
                generation: 0,
                bucket: VACANT,
                payload: MaybeUninit::new(payload),
            });
            (index, 0)
        };
        let bucket = self.bucket_for(deadline_ms);
        self.link_tail(index, bucket);
        self.len += 1;
        (index, generation)
    }

    pub fn cancel(&mut self, id: TimerId) -> Option<P> {
        let index = self.live_index(id)?;
        self.unlink(index);
        Some(self.release(index))
    }

    pub fn reset(&mut self, id: TimerId, deadline_ms: u64) -> Result<(), TimerId> {
        let index = self.live_index(id).ok_or(id)?;
        self.unlink(index);
        self.slots[index as usize].deadline_ms = deadline_ms;
        let bucket = self.bucket_for(deadline_ms);
        self.link_tail(index, bucket);
        Ok(())
    }

    pub fn advance(
        &mut self,
        now_ms: u64,
        fired: &mut Vec<(TimerId, u64, P)>,
    ) -> Result<(), (u64, u64)> {
        if now_ms < self.now_ms {
            return Err((self.now_ms, now_ms));
        }
        // Overdue deadlines are <= the old now, below every deadline in the wheel.
        if self.buckets[OVERDUE as usize].len != 0 {
            self.fire_overdue(fired);
        }
        // Lower levels always start earlier than higher ones (a level-L bucket lies inside
        // the current level-(L+1) slot), so the lowest non-empty level holds the next bucket.
        while self.levels != 0 {
            let level = self.levels.trailing_zeros();
            let slot = self.occupied[level as usize].trailing_zeros();
            let start_ms = self.bucket_start(level, slot);
            if start_ms > now_ms {
                break;
            }
            self.now_ms = start_ms;
            let mut cursors = self.take_bucket(level, slot);
            if level == 0 {
                // One deadline, hence one chain: fire it in list order.
                let mut cur = cursors[chain_of(0, start_ms)];
                while cur != NIL {
                    let next = self.slots[cur as usize].next;
                    if next != NIL {
                        prefetch(&self.slots[next as usize]);
                    }
                    debug_assert_eq!(self.slots[cur as usize].deadline_ms, start_ms);
                    self.fire(cur, fired);
                    cur = next;
                }
                continue;
            }
            // Walk the chains in lockstep: each step's loads are independent of the other
            // chains', so the CPU overlaps their cache misses instead of chasing one list.
            // Only non-empty chains are visited (sparse buckets are the common case).
            let mut active = 0;
            for i in 0..CHAINS {
                if cursors[i] != NIL {
                    cursors[active] = cursors[i];
                    active += 1;
                }
            }
            while active > 0 {
                let mut i = 0;
                while i < active {
                    let cur = cursors[i];
                    let slot = &self.slots[cur as usize];
                    let (next, deadline_ms) = (slot.next, slot.deadline_ms);
                    if next != NIL {
                        // Needed again only after the other chains' steps: enough lead for
                        // the prefetch to hide most of a miss.
                        prefetch(&self.slots[next as usize]);
                        cursors[i] = next;
                        i += 1;
                    } else {
                        // Chain done; the order chains are visited in does not matter.
                        active -= 1;
                        cursors[i] = cursors[active];
                    }
                    if deadline_ms <= start_ms {
                        // Level 0 holds exactly `start_ms`; a cascading bucket may hold it
                        // too, all in one chain, and every lower level is empty, so chain
                        // order is firing order.
                        debug_assert_eq!(deadline_ms, start_ms);
                        self.fire(cur, fired);
                    } else {
                        let bucket = self.bucket_for(deadline_ms);
                        self.link_tail(cur, bucket);
                    }
                }
            }
        }
        self.now_ms = now_ms;
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn next_deadline(&self) -> Option<u64> {
        if self.buckets[OVERDUE as usize].len != 0 {
            return Some(self.bucket_min(OVERDUE as usize));
        }
        if self.levels == 0 {
            return None;
        }
        let level = self.levels.trailing_zeros();
        let slot = self.occupied[level as usize].trailing_zeros();
        if level == 0 {
            Some(self.bucket_start(0, slot))
        } else {
            Some(self.bucket_min(level as usize * SLOTS_PER_LEVEL + slot as usize))
        }
    }

    pub fn now_ms(&self) -> u64 {
        self.now_ms
    }
}

impl<P> Drop for IntrusiveWheel<P> {
    fn drop(&mut self) {
        if std::mem::needs_drop::<P>() {
            for slot in &mut self.slots {
                if slot.bucket != VACANT {
                    slot.bucket = VACANT;
                    // SAFETY: live slots hold an initialised payload, dropped exactly once
                    // because the slot is marked VACANT first.
                    unsafe { slot.payload.assume_init_drop() };
                }
            }
        }
    }
}
