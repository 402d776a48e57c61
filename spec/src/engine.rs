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

use crate::config::Config;
use crate::event::{Input, Published, Reject, TimerKey};
use crate::rules::RuleSet;
use crate::system::System;
use crate::Outcome;
use cxspec_timer::{Expired, OrderedMapTimers, TimerId, TimerQueue, TimingWheel};
use std::collections::HashMap;
use std::fmt;

pub type ConversationId = u64;

/// The payload the engine stores in its timer queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimerRef {
    pub conversation: ConversationId,
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

struct Slot {
    system: System,
    /// The conversation's armed timers as the queue knows them, sorted by key.
    armed: Vec<(TimerKey, TimerId, u64)>,
}

pub struct Engine<T: TimerQueue<TimerRef> = TimingWheel<TimerRef>> {
    config: Config,
    rules: RuleSet,
    // Looked up by key only, never iterated, so its order cannot leak into output.
    conversations: HashMap<ConversationId, Slot>,
    timers: T,
    now_ms: u64,
    fired: Vec<Expired<TimerRef>>,
    wanted: Vec<(TimerKey, u64)>,
    scratch: Vec<(TimerKey, TimerId, u64)>,
    outcome: Outcome,
}

impl Engine<TimingWheel<TimerRef>> {
    pub fn new(config: Config, rules: RuleSet) -> Self {
        Engine::with_timers(config, rules, TimingWheel::new(0))
    }
}

impl Engine<OrderedMapTimers<TimerRef>> {
    /// The engine on the ordered-map reference queue (the oracle).
    pub fn reference(config: Config, rules: RuleSet) -> Self {
        Engine::with_timers(config, rules, OrderedMapTimers::new(0))
    }
}

impl<T: TimerQueue<TimerRef>> Engine<T> {
    pub fn with_timers(config: Config, rules: RuleSet, timers: T) -> Self {
        Engine {
            config,
            rules,
            conversations: HashMap::new(),
            now_ms: timers.now_ms(),
            timers,
            fired: Vec::new(),
            wanted: Vec::new(),
            scratch: Vec::new(),
            outcome: Outcome::default(),
        }
    }

    pub fn now_ms(&self) -> u64 {
        self.now_ms
    }

    /// Live conversations.
    pub fn len(&self) -> usize {
        self.conversations.len()
    }

    pub fn is_empty(&self) -> bool {
        self.conversations.is_empty()
    }

    /// Armed timers across all conversations.
    pub fn live_timers(&self) -> usize {
        self.timers.len()
    }

    pub fn conversation(&self, id: ConversationId) -> Option<&System> {
        self.conversations.get(&id).map(|slot| &slot.system)
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
        let mut opened = false;
        if let std::collections::hash_map::Entry::Vacant(entry) =
            self.conversations.entry(conversation)
        {
            if !matches!(input, Input::SessionStarted { .. }) {
                return Err(EngineError::UnknownConversation(conversation));
            }
            entry.insert(Slot {
                system: System::new(),
                armed: Vec::new(),
            });
            opened = true;
        }
        self.step(conversation, input, now_ms, out)
            .map_err(|reject| {
                // A first SESSION_STARTED that is rejected (TIME_OUT_OF_RANGE) opens nothing.
                if opened {
                    self.conversations.remove(&conversation);
                }
                EngineError::Rejected {
                    conversation,
                    input,
                    reject,
                }
            })
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
        while let Some(deadline) = self.timers.next_deadline().filter(|d| *d <= now_ms) {
            let mut fired = std::mem::take(&mut self.fired);
            self.timers
                .advance(deadline.max(self.timers.now_ms()), &mut fired)
                .expect("the queue's clock never passes the engine's");
            // At one deadline, conversation by conversation in timer-key order: the order
            // conformance/FORMAT.md gives an advance, so vectors and engine agree.
            fired.sort_by_key(|e| (e.payload.conversation, e.payload.key));
            for expired in fired.drain(..) {
                let TimerRef { conversation, key } = expired.payload;
                // Timers that share a deadline fire as one batch; an earlier one's step may
                // have stopped, moved or re-armed a later one (an agent SLA expiry ends a
                // wrap-up due at the same millisecond). Only a timer that its conversation
                // still holds under the fired handle is stepped.
                let Some(slot) = self.conversations.get_mut(&conversation) else {
                    continue;
                };
                let Some(at) = slot
                    .armed
                    .iter()
                    .position(|(k, id, _)| *k == key && *id == expired.id)
                else {
                    continue;
                };
                slot.armed.remove(at);
                self.step(
                    conversation,
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
        debug_assert!(self.fired.is_empty(), "every due timer fired in the loop");
        self.now_ms = now_ms;
        Ok(())
    }

    fn step(
        &mut self,
        id: ConversationId,
        input: Input,
        now_ms: u64,
        out: &mut Vec<EngineEvent>,
    ) -> Result<(), Reject> {
        let slot = self
            .conversations
            .get_mut(&id)
            .expect("caller checked the conversation");
        self.outcome.published.clear();
        self.outcome.rules.clear();
        slot.system
            .apply(&input, now_ms, &self.config, self.rules, &mut self.outcome)?;
        if self.rules == RuleSet::Specified {
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
        sync_timers(
            &mut self.timers,
            &mut self.wanted,
            &mut self.scratch,
            id,
            slot,
        );
        if slot.system.conversation.state == crate::types::ConversationState::Closed {
            debug_assert!(slot.armed.is_empty(), "a Closed conversation has no timer");
            self.conversations.remove(&id);
        }
        Ok(())
    }
}

/// Makes the queue hold exactly the conversation's armed timers: arm the new ones, reset
/// the moved ones, cancel the gone ones. Both lists are sorted by key, so this is a merge;
/// `scratch` is reused so that a step allocates nothing here in the steady state.
fn sync_timers<T: TimerQueue<TimerRef>>(
    timers: &mut T,
    wanted: &mut Vec<(TimerKey, u64)>,
    scratch: &mut Vec<(TimerKey, TimerId, u64)>,
    id: ConversationId,
    slot: &mut Slot,
) {
    wanted.clear();
    slot.system
        .for_each_timer(|key, deadline| wanted.push((key, deadline)));
    wanted.sort_unstable_by_key(|(key, _)| *key);
    let unchanged = wanted.len() == slot.armed.len()
        && wanted
            .iter()
            .zip(&slot.armed)
            .all(|((k, d), (ak, _, ad))| k == ak && d == ad);
    if unchanged {
        return;
    }
    scratch.clear();
    let mut old = slot.armed.iter().copied().peekable();
    for &(key, deadline) in wanted.iter() {
        while let Some((_, timer, _)) = old.next_if(|(k, _, _)| *k < key) {
            timers.cancel(timer);
        }
        match old.next_if(|(k, _, _)| *k == key) {
            Some((_, timer, armed_deadline)) => {
                // A handle that fired in the batch being processed is stale: the queue
                // refuses the reset, and the moved timer is armed afresh instead.
                let timer =
                    match armed_deadline == deadline || timers.reset(timer, deadline).is_ok() {
                        true => timer,
                        false => timers.arm(
                            deadline,
                            TimerRef {
                                conversation: id,
                                key,
                            },
                        ),
                    };
                scratch.push((key, timer, deadline));
            }
            None => {
                let timer = timers.arm(
                    deadline,
                    TimerRef {
                        conversation: id,
                        key,
                    },
                );
                scratch.push((key, timer, deadline));
            }
        }
    }
    for (_, timer, _) in old {
        timers.cancel(timer);
    }
    std::mem::swap(&mut slot.armed, scratch);
}
