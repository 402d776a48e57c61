//! The engine: many conversations at once, with real deadlines.
//!
//! Each conversation is a [`System`] stepped by the same pure rules; the engine adds what
//! a deployment adds: a conversation table, a logical clock, and one timer queue for all
//! conversations' timers. [`Engine::apply`] first fires every timer due by `now_ms`, then
//! applies the event; [`Engine::advance`] only fires timers. Both return the published
//! events with the time and conversation they belong to, expiries included.
//!
//! Timers go through [`cxspec_timer::TimerQueue`]: the default is the timing wheel; the
//! ordered-map queue is the reference oracle (`Engine<OrderedMapTimers<_>>`), and a test
//! holds the two engines to byte-identical output.
//!
//! Expiry order is global: timers fire by deadline, and at one deadline by conversation ID
//! then timer key (the order of an advance in `conformance/FORMAT.md`); a timer armed by an
//! expiry fires after every timer due before it.
//! A conversation that reaches Closed is dropped. Left out: persistence, concurrency.
//!
//! # Layout
//! Conversations live in a dense slab. SESSION_STARTED of an unknown ID maps the ID to a slab
//! index once; [`Engine::handle`] gives that index as a [`Handle`], and [`Engine::apply_at`]
//! steps a conversation through it with no lookup at all (a caller keeps the handle where it
//! keeps the conversation's connection). [`Engine::apply_into`] takes an ID and pays one probe
//! of the ID table, hashed by a multiply rather than SipHash: IDs come from the deployment,
//! not from an adversary. Each slot keeps the conversation's armed timers inline (up to
//! [`INLINE_TIMERS`], the common case; beyond that on the heap), and the conversation's own
//! short lists are inline in its `System` (`crate::inline`), so a step reads one slot of
//! 552 bytes (nine or ten cache lines) and, in the common case, nothing behind a pointer. A step
//! requests all of the slot's lines at once before it reads any; [`Engine::prefetch`] lets a
//! caller that knows its next inputs do that earlier still. A slot freed by a closed
//! conversation is reused, with a new generation, so an old handle is refused, never misread.
//! A timer's payload names its conversation's slot, so an expiry reaches its conversation
//! without a probe of the ID table.
//!
//! [`Engine::apply_batch`] steps a batch of inputs exactly as the single calls would, and uses
//! what a batch tells it: it requests the slot of the conversation a few items ahead and,
//! once that is in, the timer-queue entries of its armed timers
//! ([`Engine::prefetch_timers`]), so that neither of the two dependent misses a step makes at
//! a million conversations (its slot, then the entry of a timer it stops) is waited for.

use crate::config::Config;
use crate::event::{Input, Published, Reject, TimerKey};
use crate::inline::Inline;
use crate::readings::Rules;
use crate::rules::RuleSet;
use crate::system::System;
use crate::{Outcome, TimerEffect};
use cxspec_timer::{Expired, OrderedMapTimers, TimerId, TimerQueue, TimingWheel};
use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};

pub type ConversationId = u64;

/// The payload the engine stores in its timer queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimerRef {
    pub conversation: ConversationId,
    /// The conversation's slot in the engine, so a fired timer reaches its conversation
    /// without a probe of the ID table (a cache miss per fired timer at a million
    /// conversations). The slot is checked to still hold `conversation` before it is used.
    pub slot: u32,
    pub key: TimerKey,
}

/// A published event, stamped with its conversation and time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EngineEvent {
    pub conversation: ConversationId,
    pub at_ms: u64,
    pub event: Published,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EngineError {
    TimeWentBackwards {
        now_ms: u64,
        requested_ms: u64,
    },
    /// Only SESSION_STARTED may open a conversation the engine does not know.
    UnknownConversation(ConversationId),
    /// The handle names a conversation that has since closed.
    StaleHandle(Handle),
    Rejected {
        conversation: ConversationId,
        input: Input,
        reject: Reject,
    },
}

impl fmt::Display for EngineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EngineError::TimeWentBackwards {
                now_ms,
                requested_ms,
            } => {
                write!(f, "time went backwards: the engine is at {now_ms} ms, the event is at {requested_ms} ms")
            }
            EngineError::UnknownConversation(id) => {
                write!(
                    f,
                    "unknown conversation {id}: only SESSION_STARTED opens a conversation"
                )
            }
            EngineError::StaleHandle(handle) => {
                write!(
                    f,
                    "stale handle (slot {}, generation {}): its conversation has closed",
                    handle.index, handle.generation
                )
            }
            EngineError::Rejected {
                conversation,
                input,
                reject,
            } => {
                write!(
                    f,
                    "conversation {conversation}: {} rejected: {reject}",
                    input.name()
                )
            }
        }
    }
}

impl std::error::Error for EngineError {}

/// Where an open conversation lives in the engine: handed out when SESSION_STARTED opens it,
/// valid until it closes (then refused as [`EngineError::StaleHandle`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Handle {
    index: u32,
    generation: u32,
}

/// One item of [`Engine::apply_batch`]: what one call of [`Engine::apply_at`],
/// [`Engine::apply_into`] or [`Engine::advance_into`] takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BatchItem {
    /// An input for a conversation the caller holds a handle to.
    At {
        handle: Handle,
        input: Input,
        at_ms: u64,
    },
    /// An input for a conversation by ID: the SESSION_STARTED that opens it, or a caller
    /// that keeps no handles.
    Id {
        conversation: ConversationId,
        input: Input,
        at_ms: u64,
    },
    /// Time passes: fire what is due by `at_ms`.
    Advance { at_ms: u64 },
}

/// How far ahead [`Engine::apply_batch`] requests a conversation's slot, and then (once it
/// is in) the queue entries of its timers. A step takes a few hundred nanoseconds and a miss
/// to memory about as long, so a slot requested 8 items ahead has arrived when the timer
/// hint, 4 items ahead, reads it; and those entries have arrived when the step needs them.
const SLOT_LEAD: usize = 8;
const TIMER_LEAD: usize = 4;

/// Armed timers kept inline in a conversation's slot; more spill to the heap. Four covers
/// the usual conversation (its agent SLA, a customer SLA, and a RONA or request TTL).
pub const INLINE_TIMERS: usize = 4;

/// One armed timer as the queue knows it: key, handle, deadline.
type ArmedTimer = (TimerKey, TimerId, u64);

/// A conversation's armed timers, in no particular order: inline up to [`INLINE_TIMERS`],
/// else all on the heap.
type Armed = Inline<ArmedTimer, INLINE_TIMERS>;

/// Where `key` is in a conversation's armed timers.
fn position(armed: &Armed, key: TimerKey) -> Option<usize> {
    armed.iter().position(|&(k, _, _)| k == key)
}

/// A slab slot: an open conversation, or a vacant place for the next one.
struct Slot {
    id: ConversationId,
    generation: u32,
    open: bool,
    system: System,
    armed: Armed,
}

/// Hashes a conversation ID with one multiply (Fibonacci hashing) instead of SipHash.
/// Public for other tables keyed by conversation ID (`cxspec replay`'s).
#[derive(Default)]
pub struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        // The table takes its bucket from the low bits and a tag from the top 7: rotating
        // brings the multiply's best-mixed (high) bits to both.
        self.0.rotate_left(26)
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u64(&mut self, id: u64) {
        self.0 = (self.0 ^ id).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

pub struct Engine<T: TimerQueue<TimerRef> = TimingWheel<TimerRef>> {
    config: Config,
    rules: Rules,
    // Looked up by key only, never iterated, so its order cannot leak into output.
    index: HashMap<ConversationId, u32, BuildHasherDefault<IdHasher>>,
    slots: Vec<Slot>,
    /// Vacant slots, reused last-in first-out (the most recently closed is the warmest).
    free: Vec<u32>,
    timers: T,
    now_ms: u64,
    fired: Vec<Expired<TimerRef>>,
    /// No timer in the queue is due before this: a lower bound on its earliest deadline.
    /// Set from `next_deadline` when the queue is asked, lowered by every arm and move
    /// (`apply_timer_effects`); a cancel or a fire can only raise the earliest deadline, so
    /// the bound stays a bound without being told of them.
    due_from_ms: u64,
    /// Reused by `apply_batch` for each item's events.
    batch_out: Vec<EngineEvent>,
    /// Debug builds: the conversation's timers as its state lists them, for `check_armed`.
    #[cfg_attr(not(debug_assertions), allow(dead_code))]
    wanted: Vec<(TimerKey, u64)>,
    outcome: Outcome,
}

impl Engine<TimingWheel<TimerRef>> {
    pub fn new(config: Config, rules: impl Into<Rules>) -> Self {
        Engine::with_timers(config, rules, TimingWheel::new(0))
    }
}

impl Engine<OrderedMapTimers<TimerRef>> {
    /// The engine on the ordered-map reference queue (the oracle).
    pub fn reference(config: Config, rules: impl Into<Rules>) -> Self {
        Engine::with_timers(config, rules, OrderedMapTimers::new(0))
    }
}

impl<T: TimerQueue<TimerRef>> Engine<T> {
    /// [`Engine::with_timers`] with room for `conversations` open conversations before the
    /// slab or the ID table reallocates. The slab is advised to live on huge pages
    /// ([`cxspec_timer::advise_huge_pages`]): at a million conversations a step's slot is
    /// reached at random, and on 4 KiB pages nearly every step would first wait for a page
    /// walk. (Only a presized slab is advised: a huge-page buffer that grows is moved, which
    /// splits its pages; see BENCHMARKS.md, fourth round.) For a presized wheel, pass
    /// `TimingWheel::with_capacity`.
    pub fn with_capacity(
        config: Config,
        rules: impl Into<Rules>,
        timers: T,
        conversations: usize,
    ) -> Self {
        let mut engine = Engine::with_timers(config, rules, timers);
        engine.slots = Vec::with_capacity(conversations);
        cxspec_timer::advise_huge_pages(&engine.slots);
        engine.index = HashMap::with_capacity_and_hasher(conversations, Default::default());
        engine
    }

    /// `rules`: a rule set, or a rule set with declared readings ([`Rules`]).
    pub fn with_timers(config: Config, rules: impl Into<Rules>, timers: T) -> Self {
        Engine {
            config,
            rules: rules.into(),
            index: HashMap::default(),
            slots: Vec::new(),
            free: Vec::new(),
            now_ms: timers.now_ms(),
            timers,
            fired: Vec::new(),
            due_from_ms: 0,
            batch_out: Vec::new(),
            wanted: Vec::new(),
            outcome: Outcome::default(),
        }
    }

    pub fn now_ms(&self) -> u64 {
        self.now_ms
    }

    /// Live conversations.
    pub fn len(&self) -> usize {
        self.index.len()
    }

    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// Armed timers across all conversations.
    pub fn live_timers(&self) -> usize {
        self.timers.len()
    }

    pub fn conversation(&self, id: ConversationId) -> Option<&System> {
        self.index
            .get(&id)
            .map(|&index| &self.slots[index as usize].system)
    }

    /// The handle of an open conversation, for [`Engine::apply_at`].
    pub fn handle(&self, id: ConversationId) -> Option<Handle> {
        self.index.get(&id).map(|&index| Handle {
            index,
            generation: self.slots[index as usize].generation,
        })
    }

    pub fn apply(
        &mut self,
        conversation: ConversationId,
        input: Input,
        now_ms: u64,
    ) -> Result<Vec<EngineEvent>, EngineError> {
        let mut out = Vec::new();
        self.apply_into(conversation, input, now_ms, &mut out)?;
        Ok(out)
    }

    pub fn advance(&mut self, now_ms: u64) -> Result<Vec<EngineEvent>, EngineError> {
        let mut out = Vec::new();
        self.advance_into(now_ms, &mut out)?;
        Ok(out)
    }

    /// Fires the timers due by `now_ms`, then applies `input`; appends what was published.
    /// On a rejection the expiries already appended stand, and the conversation is unchanged.
    pub fn apply_into(
        &mut self,
        conversation: ConversationId,
        input: Input,
        now_ms: u64,
        out: &mut Vec<EngineEvent>,
    ) -> Result<(), EngineError> {
        self.advance_into(now_ms, out)?;
        let (index, opened) = match self.index.get(&conversation) {
            Some(&index) => (index, false),
            None if matches!(input, Input::SessionStarted { .. }) => {
                (self.open(conversation), true)
            }
            None => return Err(EngineError::UnknownConversation(conversation)),
        };
        self.step(index, input, now_ms, out).map_err(|reject| {
            // A first SESSION_STARTED that is rejected (TIME_OUT_OF_RANGE) opens nothing.
            if opened {
                self.close(index);
            }
            EngineError::Rejected {
                conversation,
                input,
                reject,
            }
        })
    }

    /// [`Engine::apply_into`] for a conversation the caller holds a handle to: no lookup.
    pub fn apply_at(
        &mut self,
        handle: Handle,
        input: Input,
        now_ms: u64,
        out: &mut Vec<EngineEvent>,
    ) -> Result<(), EngineError> {
        // Its lines are requested together here, while the clock moves, instead of one miss
        // after another as the step reaches them.
        self.prefetch(handle);
        self.apply_at_prefetched(handle, input, now_ms, out)
    }

    /// [`Engine::apply_at`] once the slot's lines have been requested (by `apply_at`, or by
    /// `apply_batch` items ahead, where requesting them again would only cost a few percent
    /// of a cache-resident step).
    fn apply_at_prefetched(
        &mut self,
        handle: Handle,
        input: Input,
        now_ms: u64,
        out: &mut Vec<EngineEvent>,
    ) -> Result<(), EngineError> {
        self.advance_into(now_ms, out)?;
        // Checked after the advance: an expiry in it may have closed the conversation.
        let current = self
            .slots
            .get(handle.index as usize)
            .is_some_and(|slot| slot.open && slot.generation == handle.generation);
        if !current {
            return Err(EngineError::StaleHandle(handle));
        }
        self.step(handle.index, input, now_ms, out)
            .map_err(|reject| EngineError::Rejected {
                conversation: self.slots[handle.index as usize].id,
                input,
                reject,
            })
    }

    /// A hint, for a caller that knows its next inputs: starts loading the conversation's
    /// state into the cache, so that its misses overlap with the work on the inputs before
    /// it. Changes nothing; a stale handle is ignored.
    #[inline]
    pub fn prefetch(&self, handle: Handle) {
        if let Some(slot) = self.slots.get(handle.index as usize) {
            prefetch_lines(slot);
        }
    }

    /// A second hint, for the same caller, given after [`Engine::prefetch`] has had time to
    /// bring the slot in (a few inputs later): starts loading the timer-queue entries of the
    /// conversation's armed timers, which a step that stops or moves one of them reads. They
    /// are found through the slot, so this hint cannot be given in the same breath as the
    /// first. Changes nothing; a stale handle is ignored.
    #[inline]
    pub fn prefetch_timers(&self, handle: Handle) {
        if let Some(slot) = self.slots.get(handle.index as usize) {
            for &(_, timer, _) in slot.armed.iter() {
                self.timers.prefetch(timer);
            }
        }
    }

    /// Applies `items` in order, exactly as calling [`Engine::apply_at`],
    /// [`Engine::apply_into`] and [`Engine::advance_into`] one by one would, and calls `each`
    /// after every item with its position, the events it published and its result. An error
    /// does not stop the batch; as with the single calls, the expiries an item fired before
    /// its error are published all the same (they are in the events).
    ///
    /// What the batch adds is speed: knowing the items to come, the engine requests the slot
    /// of the conversation 8 items ahead and, once that is in, the queue entries of its armed
    /// timers 4 items ahead, so a step finds its state in the cache instead of waiting on
    /// memory twice. (Only `At` items get these hints: an `Id` item's slot is known only
    /// after a probe of the ID table.)
    pub fn apply_batch(
        &mut self,
        items: &[BatchItem],
        mut each: impl FnMut(usize, &[EngineEvent], Result<(), EngineError>),
    ) {
        let mut out = std::mem::take(&mut self.batch_out);
        for (at, item) in items.iter().enumerate() {
            if let Some(BatchItem::At { handle, .. }) = items.get(at + SLOT_LEAD) {
                self.prefetch(*handle);
            }
            if let Some(BatchItem::At { handle, .. }) = items.get(at + TIMER_LEAD) {
                self.prefetch_timers(*handle);
            }
            out.clear();
            let result = match *item {
                // Its slot was requested SLOT_LEAD items ago (or it is the batch's first few).
                BatchItem::At {
                    handle,
                    input,
                    at_ms,
                } if at >= SLOT_LEAD => self.apply_at_prefetched(handle, input, at_ms, &mut out),
                _ => self.apply_item(*item, &mut out),
            };
            each(at, &out, result);
        }
        out.clear();
        self.batch_out = out;
    }

    /// One item, through the call it stands for ([`Engine::apply_at`],
    /// [`Engine::apply_into`] or [`Engine::advance_into`]), with no hint.
    pub fn apply_item(
        &mut self,
        item: BatchItem,
        out: &mut Vec<EngineEvent>,
    ) -> Result<(), EngineError> {
        match item {
            BatchItem::At {
                handle,
                input,
                at_ms,
            } => self.apply_at(handle, input, at_ms, out),
            BatchItem::Id {
                conversation,
                input,
                at_ms,
            } => self.apply_into(conversation, input, at_ms, out),
            BatchItem::Advance { at_ms } => self.advance_into(at_ms, out),
        }
    }

    /// Gives `id` a slot with a fresh conversation.
    fn open(&mut self, id: ConversationId) -> u32 {
        let index = match self.free.pop() {
            Some(index) => {
                let slot = &mut self.slots[index as usize];
                slot.id = id;
                slot.open = true;
                slot.system = System::new();
                index
            }
            None => {
                let index = u32::try_from(self.slots.len()).expect("2^32 open conversations");
                self.slots.push(Slot {
                    id,
                    generation: 0,
                    open: true,
                    system: System::new(),
                    armed: Armed::new(),
                });
                index
            }
        };
        self.index.insert(id, index);
        index
    }

    /// Frees a slot; its handles go stale.
    fn close(&mut self, index: u32) {
        let slot = &mut self.slots[index as usize];
        // Under `specified` a Closed conversation holds no timer (invariant
        // `NoTimerForEndedSession`). Another rule set may leave one (DEV-07 restarts the SLA of
        // a chat that already ended); a Closed conversation refuses every input, a timer's
        // fire included (CONV-10), so its timers go with it.
        debug_assert!(
            slot.armed.is_empty() || self.rules != Rules::from(RuleSet::Specified),
            "a closed conversation has no timer under `specified`"
        );
        for &(_, timer, _) in slot.armed.iter() {
            self.timers.cancel(timer);
        }
        slot.armed = Armed::new();
        self.index.remove(&slot.id);
        slot.open = false;
        // Drops the conversation's heap parts now rather than at the slot's next use.
        slot.system = System::new();
        slot.generation = slot.generation.wrapping_add(1);
        self.free.push(index);
    }

    /// Fires, in (deadline, arm order), every timer due by `now_ms`.
    pub fn advance_into(
        &mut self,
        now_ms: u64,
        out: &mut Vec<EngineEvent>,
    ) -> Result<(), EngineError> {
        if now_ms < self.now_ms {
            return Err(EngineError::TimeWentBackwards {
                now_ms: self.now_ms,
                requested_ms: now_ms,
            });
        }
        // One deadline at a time, so that a timer armed by an expiry (always later than
        // that expiry, since durations are positive) still fires after every earlier one.
        //
        // The queue is asked for its next deadline only when `now_ms` has reached the lower
        // bound kept in `due_from_ms`: most inputs arrive while nothing is due, and asking
        // is a scan of occupancy words (and, on the wheel, maybe a settle).
        while now_ms >= self.due_from_ms {
            let deadline = match self.timers.next_deadline() {
                Some(deadline) if deadline <= now_ms => deadline,
                next => {
                    self.due_from_ms = next.unwrap_or(u64::MAX);
                    break;
                }
            };
            let mut fired = std::mem::take(&mut self.fired);
            self.timers
                .advance(deadline.max(self.timers.now_ms()), &mut fired)
                .expect("the queue's clock never passes the engine's");
            // At one deadline, conversation by conversation in timer-key order: the order
            // conformance/FORMAT.md gives an advance, so vectors and engine agree.
            // Every conversation of the batch is requested before the first is stepped, so
            // their misses overlap.
            for expired in &fired {
                if let Some(slot) = self.slots.get(expired.payload.slot as usize) {
                    prefetch_lines(slot);
                }
            }
            fired.sort_by_key(|e| (e.payload.conversation, e.payload.key));
            for expired in fired.drain(..) {
                let TimerRef {
                    conversation: _,
                    slot: index,
                    key,
                } = expired.payload;
                // Timers that share a deadline fire as one batch; an earlier one's step may
                // have stopped, moved or re-armed a later one (an agent SLA expiry ends a
                // wrap-up due at the same millisecond), or closed the conversation. Only a
                // timer that the slot still holds under the fired handle is stepped: a closed
                // slot holds none, and handles are never reused, so a slot that another
                // conversation has since taken holds none of the old one's.
                let armed = &mut self.slots[index as usize].armed;
                let Some(at) = armed
                    .iter()
                    .position(|&(k, id, _)| k == key && id == expired.id)
                else {
                    continue;
                };
                armed.remove(at);
                self.step(
                    index,
                    Input::TimerFired { timer: key },
                    expired.deadline_ms,
                    out,
                )
                .expect("a timer the conversation holds is armed in it");
            }
            self.fired = fired;
        }
        self.timers
            .advance(now_ms, &mut self.fired)
            .expect("monotone, checked above");
        // Checked in release builds too: were `due_from_ms` ever above a due deadline, the
        // timers fired here would otherwise be dropped unseen.
        assert!(self.fired.is_empty(), "every due timer fired in the loop");
        self.now_ms = now_ms;
        Ok(())
    }

    fn step(
        &mut self,
        index: u32,
        input: Input,
        now_ms: u64,
        out: &mut Vec<EngineEvent>,
    ) -> Result<(), Reject> {
        let slot = &mut self.slots[index as usize];
        let id = slot.id;
        self.outcome.published.clear();
        self.outcome.rules.clear();
        self.outcome.timers.clear();
        slot.system
            .apply(&input, now_ms, &self.config, self.rules, &mut self.outcome)?;
        if self.rules == Rules::from(RuleSet::Specified) {
            debug_assert!(
                crate::invariants::violations(&slot.system, &self.config).is_empty(),
                "conversation {id}: {input:?} broke {:?}",
                crate::invariants::violations(&slot.system, &self.config)
            );
        }
        out.extend(self.outcome.published.drain(..).map(|event| EngineEvent {
            conversation: id,
            at_ms: now_ms,
            event,
        }));
        let earliest_armed = apply_timer_effects(
            &mut self.timers,
            &self.outcome.timers,
            (id, index),
            &mut slot.armed,
        );
        self.due_from_ms = self.due_from_ms.min(earliest_armed);
        #[cfg(debug_assertions)]
        check_armed(&slot.system, &slot.armed, &mut self.wanted);
        if slot.system.conversation.state == crate::types::ConversationState::Closed {
            self.close(index);
        }
        Ok(())
    }
}

/// Asks the CPU to start loading every cache line of `value`; no effect on the program's
/// meaning. A slot spans several lines, and a step reads most of them.
#[inline(always)]
fn prefetch_lines<T>(value: &T) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        let start = (value as *const T).cast::<i8>();
        let size = std::mem::size_of::<T>();
        // Every 64 bytes from the start, and the last byte, cover every line `value` touches.
        // A counted loop over a constant size, which the compiler unrolls (a chained
        // iterator here cost a few percent of a cache-resident step: BENCHMARKS.md, sixth
        // round).
        let mut offset = 0;
        while offset < size {
            // SAFETY: the address lies inside `value`; a prefetch reads nothing
            // architecturally and cannot fault.
            unsafe { _mm_prefetch::<_MM_HINT_T0>(start.wrapping_add(offset)) };
            offset += 64;
        }
        if size > 0 {
            // SAFETY: as above, the last byte of `value`.
            unsafe { _mm_prefetch::<_MM_HINT_T0>(start.wrapping_add(size - 1)) };
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}

/// Applies a step's timer effects, in order, to the queue and to the conversation's list of
/// what the queue holds for it: arm what is new, reset what moved, cancel what stopped.
/// Returns the earliest deadline it armed or moved a timer to (`u64::MAX` if none).
fn apply_timer_effects<T: TimerQueue<TimerRef>>(
    timers: &mut T,
    effects: &[TimerEffect],
    (id, index): (ConversationId, u32),
    armed: &mut Armed,
) -> u64 {
    let mut earliest = u64::MAX;
    for effect in effects {
        match *effect {
            TimerEffect::Armed { key, deadline_ms } => {
                let payload = TimerRef {
                    conversation: id,
                    slot: index,
                    key,
                };
                // Before the no-change check below: a bound may be lower than it needs to be.
                earliest = earliest.min(deadline_ms);
                match position(armed, key) {
                    Some(at) => {
                        let (_, timer, armed_ms) = armed[at];
                        if armed_ms == deadline_ms {
                            continue;
                        }
                        // A handle that fired in the batch being processed is stale: the
                        // queue refuses the reset, and the moved timer is armed afresh.
                        let timer = match timers.reset(timer, deadline_ms) {
                            Ok(()) => timer,
                            Err(_) => timers.arm(deadline_ms, payload),
                        };
                        armed[at] = (key, timer, deadline_ms);
                    }
                    None => armed.push((key, timers.arm(deadline_ms, payload), deadline_ms)),
                }
            }
            TimerEffect::Stopped { key } => {
                if let Some(at) = position(armed, key) {
                    timers.cancel(armed[at].1);
                    armed.remove(at);
                }
            }
        }
    }
    earliest
}

/// Debug builds: the effects left the queue holding exactly the conversation's timers.
#[cfg(debug_assertions)]
fn check_armed(system: &System, armed: &Armed, wanted: &mut Vec<(TimerKey, u64)>) {
    wanted.clear();
    system.for_each_timer(|key, deadline_ms| wanted.push((key, deadline_ms)));
    wanted.sort_unstable();
    let mut held: Vec<_> = armed.iter().map(|&(k, _, d)| (k, d)).collect();
    held.sort_unstable();
    assert_eq!(&held, wanted, "the step's timer effects missed a change");
}
