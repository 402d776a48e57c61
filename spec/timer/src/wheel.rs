//! The fast timer queue. INTERMEDIATE: wraps the ordered map until the wheel lands, so that
//! code written against the final API compiles today.

use crate::{Expired, OrderedMapTimers, StaleTimer, TimeWentBackwards, TimerId, TimerQueue};

/// Hierarchical timing wheel (currently a stand-in over [`OrderedMapTimers`]).
#[derive(Debug)]
pub struct TimingWheel<P> {
    inner: OrderedMapTimers<P>,
}

impl<P> TimingWheel<P> {
    /// An empty wheel whose clock starts at `start_ms`.
    pub fn new(start_ms: u64) -> Self {
        Self {
            inner: OrderedMapTimers::new(start_ms),
        }
    }

    /// An empty wheel with room for `capacity` live timers before it allocates.
    pub fn with_capacity(start_ms: u64, _capacity: usize) -> Self {
        Self::new(start_ms)
    }
}

impl<P> TimerQueue<P> for TimingWheel<P> {
    fn arm(&mut self, deadline_ms: u64, payload: P) -> TimerId {
        self.inner.arm(deadline_ms, payload)
    }
    fn cancel(&mut self, id: TimerId) -> Option<P> {
        self.inner.cancel(id)
    }
    fn reset(&mut self, id: TimerId, deadline_ms: u64) -> Result<(), StaleTimer> {
        self.inner.reset(id, deadline_ms)
    }
    fn advance(
        &mut self,
        now_ms: u64,
        fired: &mut Vec<Expired<P>>,
    ) -> Result<(), TimeWentBackwards> {
        self.inner.advance(now_ms, fired)
    }
    fn len(&self) -> usize {
        self.inner.len()
    }
    fn next_deadline(&self) -> Option<u64> {
        self.inner.next_deadline()
    }
    fn now_ms(&self) -> u64 {
        self.inner.now_ms()
    }
}
