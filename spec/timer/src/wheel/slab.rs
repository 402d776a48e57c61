//! The wheel's slab: one slot per timer, addressed by the `u32` index a [`TimerId`] carries.
//!
//! A slot holds the deadline and payload of its timer plus two counters:
//! - a `generation`, bumped when the slot is freed, which handles carry, so a handle to a
//!   timer that has gone (cancelled or fired) never names the slot's next occupant;
//! - a `stamp`, odd while live, which every bucket entry copies when it is written. Arm adds
//!   1, reset 2, cancel and fire 1, so only the entry written by the latest arm or reset
//!   carries the current stamp; every other entry of the slot is stale and is skipped.
//!
//! Vacant slots are kept on a stack of `(index, generation, stamp)` rather than a list threaded
//! through the slots: popping a threaded list reads the popped slot to find the next one, so
//! consecutive arms into cold slots would wait on each other's cache misses.
//!
//! A slot array sized up front asks for huge pages (`huge_pages.rs`): it is read at random.
//!
//! Left out: the buckets (in `buckets.rs`); what to do when a stamp is about to wrap (the wheel
//! purges every stale entry first, see `TimingWheel::bump_stamp`); shrinking.

use std::mem::MaybeUninit;

use super::buckets::{Entry, NIL};
use crate::{advise_huge_pages, TimerId};

/// A vacant slot with its generation and (even) stamp, so `insert` can fill it without reading
/// it first: arms into cold slots then overlap their cache misses instead of stalling on each.
#[derive(Clone, Copy)]
struct FreeSlot {
    index: u32,
    generation: u32,
    stamp: u32,
}

pub(super) struct Slot<P> {
    /// The deadline while live; meaningless while vacant.
    deadline_ms: u64,
    /// Initialised exactly when `stamp` is odd.
    payload: MaybeUninit<P>,
    stamp: u32,
    generation: u32,
}

pub(super) struct Slab<P> {
    slots: Vec<Slot<P>>,
    /// Vacant slots, reused last-in first-out.
    free: Vec<FreeSlot>,
    /// Live slots.
    len: usize,
}

impl<P> Slab<P> {
    pub(super) fn with_capacity(capacity: usize) -> Self {
        let slots = Vec::with_capacity(capacity);
        advise_huge_pages(&slots);
        Self {
            slots,
            free: Vec::new(),
            len: 0,
        }
    }

    pub(super) const SLOT_BYTES: usize = std::mem::size_of::<Slot<P>>();

    /// Live timers.
    #[inline]
    pub(super) fn len(&self) -> usize {
        self.len
    }

    /// Slots ever allocated, live or vacant.
    pub(super) fn allocated(&self) -> usize {
        self.slots.len()
    }

    /// Fills a vacant slot (or a new one) with a live timer; returns (index, generation, stamp).
    #[inline]
    pub(super) fn insert(&mut self, deadline_ms: u64, payload: P) -> (u32, u32, u32) {
        self.len += 1;
        // A vacant stamp is even, hence below u32::MAX: arming never wraps it.
        if let Some(free) = self.free.pop() {
            let stamp = free.stamp + 1;
            let slot = &mut self.slots[free.index as usize];
            slot.deadline_ms = deadline_ms;
            slot.payload.write(payload);
            slot.stamp = stamp;
            return (free.index, free.generation, stamp);
        }
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
    }

    /// Index of the slot a current handle names, or None for a stale one.
    #[inline]
    pub(super) fn live_index(&self, id: TimerId) -> Option<u32> {
        let slot = self.slots.get(id.slot() as usize)?;
        (slot.stamp & 1 == 1 && slot.generation == id.generation()).then_some(id.slot())
    }

    #[inline]
    pub(super) fn deadline(&self, index: u32) -> u64 {
        self.slots[index as usize].deadline_ms
    }

    #[inline]
    pub(super) fn stamp(&self, index: u32) -> u32 {
        self.slots[index as usize].stamp
    }

    /// The deadline of the entry's timer if the entry is current (not stale).
    #[inline]
    pub(super) fn current(&self, entry: Entry) -> Option<u64> {
        let slot = &self.slots[entry.slot as usize];
        (slot.stamp == entry.stamp).then_some(slot.deadline_ms)
    }

    /// The handle of the live timer in `index`.
    #[inline]
    pub(super) fn id(&self, index: u32) -> TimerId {
        TimerId::new(index, self.slots[index as usize].generation)
    }

    /// Hints the CPU to start loading the slot; no effect on the program's meaning.
    #[inline(always)]
    pub(super) fn prefetch(&self, index: u32) {
        if let Some(slot) = self.slots.get(index as usize) {
            prefetch(slot);
        }
    }

    /// Whether adding `by` to the slot's stamp would wrap it.
    #[inline]
    pub(super) fn stamp_would_wrap(&self, index: u32, by: u32) -> bool {
        self.slots[index as usize].stamp.checked_add(by).is_none()
    }

    /// Adds `by` to the slot's stamp (wrapping; the caller purged stale entries first if so).
    #[inline]
    pub(super) fn bump_stamp(&mut self, index: u32, by: u32) -> u32 {
        let slot = &mut self.slots[index as usize];
        slot.stamp = slot.stamp.wrapping_add(by);
        slot.stamp
    }

    #[inline]
    pub(super) fn set_deadline(&mut self, index: u32, deadline_ms: u64) {
        self.slots[index as usize].deadline_ms = deadline_ms;
    }

    /// Moves the payload out of a live slot whose stamp the caller has just made even, and
    /// frees the slot.
    #[inline]
    pub(super) fn release(&mut self, index: u32) -> P {
        self.len -= 1;
        let slot = &mut self.slots[index as usize];
        debug_assert_eq!(slot.stamp & 1, 0, "the caller bumped the stamp");
        // SAFETY: the slot was live (odd stamp) until the caller's bump, so the payload is
        // initialised; the stamp is now even, so nothing reads or drops it again.
        let payload = unsafe { slot.payload.assume_init_read() };
        // A slot whose generation would wrap is retired for good, so no handle ever matches a
        // later occupant of its slot.
        if let Some(generation) = slot.generation.checked_add(1) {
            slot.generation = generation;
            self.free.push(FreeSlot {
                index,
                generation,
                stamp: slot.stamp,
            });
        }
        payload
    }
}

impl<P> Drop for Slab<P> {
    fn drop(&mut self) {
        if std::mem::needs_drop::<P>() {
            for slot in &mut self.slots {
                if slot.stamp & 1 == 1 {
                    slot.stamp = slot.stamp.wrapping_add(1);
                    // SAFETY: live slots hold an initialised payload, dropped exactly once
                    // because the stamp is made even first.
                    unsafe { slot.payload.assume_init_drop() };
                }
            }
        }
    }
}

/// Hints the CPU to start loading `value`'s cache line; no effect on the program's meaning.
#[inline(always)]
pub(super) fn prefetch<T>(value: &T) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        // SAFETY: a prefetch reads nothing architecturally and cannot fault.
        unsafe { _mm_prefetch::<_MM_HINT_T0>((value as *const T).cast()) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}

#[cfg(test)]
impl<P> Slab<P> {
    /// Pretends the slot has been reused `generation` times (and the free stack agrees).
    pub(super) fn force_generation(&mut self, index: u32, generation: u32) {
        self.slots[index as usize].generation = generation;
        for free in &mut self.free {
            if free.index == index {
                free.generation = generation;
            }
        }
    }

    /// Sets a live slot's stamp; returns the old one.
    pub(super) fn force_stamp(&mut self, index: u32, stamp: u32) -> u32 {
        std::mem::replace(&mut self.slots[index as usize].stamp, stamp)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slot_is_24_bytes_for_an_8_byte_payload() {
        // The memory target (<= 32 bytes per live timer) rests on this plus 8-byte entries.
        assert_eq!(Slab::<u64>::SLOT_BYTES, 24);
    }

    #[test]
    fn only_the_latest_entry_of_a_slot_is_current() {
        let mut slab = Slab::with_capacity(0);
        let (index, generation, stamp) = slab.insert(10, 'a');
        assert_eq!((index, generation, stamp), (0, 0, 1));
        let first = Entry { slot: index, stamp };
        assert_eq!(slab.current(first), Some(10));
        // A reset: +2, the new entry is current, the old one stale.
        let stamp = slab.bump_stamp(index, 2);
        slab.set_deadline(index, 20);
        let second = Entry { slot: index, stamp };
        assert_eq!(
            (slab.current(first), slab.current(second)),
            (None, Some(20))
        );
        // A cancel: +1, nothing is current, the handle goes stale, the slot is reused.
        let id = slab.id(index);
        assert_eq!(slab.live_index(id), Some(index));
        slab.bump_stamp(index, 1);
        assert_eq!(slab.release(index), 'a');
        assert_eq!((slab.current(second), slab.live_index(id)), (None, None));
        assert_eq!(slab.insert(30, 'b'), (0, 1, 5));
        assert_eq!(slab.len(), 1);
    }
}
