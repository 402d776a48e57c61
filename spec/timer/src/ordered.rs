//! The reference oracle: timers in a `BTreeMap` keyed by `(deadline, sequence)`.
//!
//! Written to be obviously right rather than fast: the map's key order *is* the firing order
//! the crate promises, so `advance` just pops the smallest keys. Handles index a slab of slots
//! with generations, the same handle scheme as the wheel, so stale handles behave alike.
//! Left out: any attempt at speed beyond `O(log n)` per operation.

use std::collections::BTreeMap;

use crate::{Expired, StaleTimer, TimeWentBackwards, TimerId, TimerQueue};

#[derive(Clone, Debug)]
struct Slot<P> {
    generation: u32,
    /// `Some((deadline, sequence, payload))` while the timer is live.
    live: Option<(u64, u64, P)>,
}

/// Reference implementation of [`TimerQueue`]: `BTreeMap<(deadline, seq), slot>` plus a slab.
#[derive(Clone, Debug)]
pub struct OrderedMapTimers<P> {
    now_ms: u64,
    /// Bumped on every arm and reset; it breaks ties between equal deadlines (FIFO).
    next_seq: u64,
    order: BTreeMap<(u64, u64), u32>,
    slots: Vec<Slot<P>>,
    free: Vec<u32>,
}

impl<P> OrderedMapTimers<P> {
    /// An empty queue whose clock starts at `start_ms`.
    pub fn new(start_ms: u64) -> Self {
        Self {
            now_ms: start_ms,
            next_seq: 0,
            order: BTreeMap::new(),
            slots: Vec::new(),
            free: Vec::new(),
        }
    }

    fn take_seq(&mut self) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        seq
    }

    /// The live slot a handle names, if the handle is current.
    fn live_slot(&mut self, id: TimerId) -> Option<&mut Slot<P>> {
        let slot = self.slots.get_mut(id.slot() as usize)?;
        (slot.generation == id.generation() && slot.live.is_some()).then_some(slot)
    }

    /// Empties a slot and makes it reusable under the next generation. A slot whose
    /// generation would wrap is retired instead, so an old handle can never match it again.
    fn release(&mut self, index: u32) -> P {
        let slot = &mut self.slots[index as usize];
        let (_, _, payload) = slot.live.take().expect("release of a live slot");
        if let Some(next) = slot.generation.checked_add(1) {
            slot.generation = next;
            self.free.push(index);
        }
        payload
    }
}

impl<P> TimerQueue<P> for OrderedMapTimers<P> {
    fn arm(&mut self, deadline_ms: u64, payload: P) -> TimerId {
        let seq = self.take_seq();
        let index = match self.free.pop() {
            Some(index) => index,
            None => {
                let index = u32::try_from(self.slots.len()).expect("more than 2^32 timer slots");
                self.slots.push(Slot {
                    generation: 0,
                    live: None,
                });
                index
            }
        };
        let slot = &mut self.slots[index as usize];
        slot.live = Some((deadline_ms, seq, payload));
        self.order.insert((deadline_ms, seq), index);
        TimerId::new(index, slot.generation)
    }

    fn cancel(&mut self, id: TimerId) -> Option<P> {
        let (deadline, seq, _) = *self.live_slot(id)?.live.as_ref()?;
        self.order.remove(&(deadline, seq));
        Some(self.release(id.slot()))
    }

    fn reset(&mut self, id: TimerId, deadline_ms: u64) -> Result<(), StaleTimer> {
        let seq = self.take_seq();
        let slot = self.live_slot(id).ok_or(StaleTimer(id))?;
        let live = slot.live.as_mut().ok_or(StaleTimer(id))?;
        let old_key = (live.0, live.1);
        live.0 = deadline_ms;
        live.1 = seq;
        self.order.remove(&old_key);
        self.order.insert((deadline_ms, seq), id.slot());
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
        self.now_ms = now_ms;
        while let Some(entry) = self.order.first_entry() {
            let (deadline_ms, _) = *entry.key();
            if deadline_ms > now_ms {
                break;
            }
            let index = entry.remove();
            let generation = self.slots[index as usize].generation;
            let payload = self.release(index);
            fired.push(Expired {
                id: TimerId::new(index, generation),
                deadline_ms,
                payload,
            });
        }
        Ok(())
    }

    fn len(&self) -> usize {
        self.order.len()
    }

    fn next_deadline(&mut self) -> Option<u64> {
        self.order
            .first_key_value()
            .map(|(&(deadline, _), _)| deadline)
    }

    fn now_ms(&self) -> u64 {
        self.now_ms
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slot_whose_generation_would_wrap_is_retired() {
        let mut timers = OrderedMapTimers::new(0);
        let first = timers.arm(10, 'a');
        timers.cancel(first);
        timers.slots[0].generation = u32::MAX;
        let last = timers.arm(10, 'b');
        assert_eq!((last.slot(), last.generation()), (0, u32::MAX));
        assert_eq!(timers.cancel(last), Some('b'));
        let next = timers.arm(10, 'c');
        assert_eq!(next.slot(), 1);
        assert_eq!(timers.cancel(first), None);
    }
}
