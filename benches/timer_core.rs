//! Timer-core benchmarks: `cxspec_timer::TimingWheel` against the usual alternatives.
//!
//! Side by side, at 1k, 100k and 1M live timers (10M with `CXSPEC_BENCH_10M=1`):
//! - `arm`: arm one timer into a queue holding N (random deadline 1 min..1 h ahead);
//! - `cancel`: cancel a random live timer; `cancel_hinted` (ours only): the same, with the
//!   queue told each victim 8 cancels ahead (`TimerQueue::prefetch`), as the engine tells it
//!   the timers a step may stop;
//! - `reset`: move a random live timer to a later deadline;
//! - `expiry`: drain N timers spread over one hour, advancing ~16 firings at a time; the time
//!   reported is per fired timer;
//! - `expiry_seconds`: the same with deadlines on whole seconds within five minutes (few
//!   distinct deadlines, many timers each, as second-granular SLA timers give);
//! - `empty_advance`: advance 1 ms when nothing is due (N timers parked ~1 year out);
//! - `burst`: arm 100k timers with one deadline on top of N and fire them; per timer.
//!
//! Competitors: `BTreeMap<(deadline, seq), payload>`; `BinaryHeap` with lazy deletion (a
//! version check at pop, rebuilt when stale entries outnumber live ones); tokio-util's
//! `DelayQueue` on a paused current-thread tokio clock; and `hierarchical_hash_wheel_timer`
//! (Kompact's four-level wheel; why it was picked is in BENCHMARKS.md). `wheel_intrusive` is
//! the design alternative to our block arrays with lazy cancellation (intrusive linked lists
//! through the slab, as in tokio and Linux), kept here so the decision can be re-measured.
//!
//! Every operation is timed in chunks of 1024 inside `iter_custom`, by thread CPU time (see
//! `Stopwatch`: the machine is shared). The bookkeeping that keeps N constant (re-arming what
//! was cancelled, cancelling what was armed) runs outside the timed region. Random numbers come from a fixed-seed SplitMix64, so every
//! implementation sees the same deadlines and the same victims.
//!
//! `CXSPEC_BENCH_MEMORY=1` skips criterion and prints bytes per live timer instead, measured
//! with the counting global allocator below (off, one relaxed load per allocation, otherwise).
//!
//! Left out: multi-threaded use, and the engine's timer path (a separate benchmark).

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::{BTreeMap, BinaryHeap};
use std::hint::black_box;
use std::sync::atomic::{AtomicBool, AtomicIsize, Ordering::Relaxed};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, SamplingMode};
use cxspec_timer::{Expired, TimerId, TimerQueue, TimingWheel};

// ---------------------------------------------------------------------------------------------
// Counting allocator (memory mode only).

struct Counting;

static COUNTING: AtomicBool = AtomicBool::new(false);
static LIVE_BYTES: AtomicIsize = AtomicIsize::new(0);

// SAFETY: forwards every call to `System` unchanged; the counter is bookkeeping only.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.load(Relaxed) {
            LIVE_BYTES.fetch_add(layout.size() as isize, Relaxed);
        }
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if COUNTING.load(Relaxed) {
            LIVE_BYTES.fetch_sub(layout.size() as isize, Relaxed);
        }
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if COUNTING.load(Relaxed) {
            LIVE_BYTES.fetch_add(new_size as isize - layout.size() as isize, Relaxed);
        }
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

// ---------------------------------------------------------------------------------------------
// Clock.

#[path = "support/clock.rs"]
mod clock;
use clock::Stopwatch;

// ---------------------------------------------------------------------------------------------
// Deterministic randomness.

#[path = "support/rng.rs"]
#[allow(dead_code)]
mod rng;
use rng::SplitMix;

// ---------------------------------------------------------------------------------------------
// The implementations under test, behind one small interface.

const MINUTE_MS: u64 = 60_000;
const HOUR_MS: u64 = 3_600_000;
/// Where the empty-advance and burst populations are parked: far enough that a benchmark's
/// 1 ms steps never reach them, near enough for DelayQueue (which caps delays at 2^36 ms).
const FAR_MS: u64 = 1 << 34;
/// `cancel_hinted`: how many cancels ahead the queue is told its next victim.
const CANCEL_HINT_AHEAD: usize = 8;

trait Queue: Sized {
    type Handle: Copy;
    const NAME: &'static str;
    fn new(capacity: usize) -> Self;
    /// Runs `f` inside whatever context the queue needs (DelayQueue needs a tokio runtime).
    fn enter<R>(&mut self, f: impl FnOnce(&mut Self) -> R) -> R {
        f(self)
    }
    fn arm(&mut self, deadline_ms: u64, payload: u64) -> Self::Handle;
    fn cancel(&mut self, handle: Self::Handle) -> bool;
    /// Moves a live timer; returns its handle afterwards (some competitors re-key on reset).
    fn reset(&mut self, handle: Self::Handle, deadline_ms: u64) -> Self::Handle;
    /// Advances to `now_ms`, returning how many timers fired.
    fn advance(&mut self, now_ms: u64) -> usize;
    fn now_ms(&self) -> u64;
    /// Whether the queue takes a hint that a handle is about to be cancelled
    /// (`TimerQueue::prefetch`); only those run `cancel_hinted`.
    const HINTS: bool = false;
    fn prefetch(&self, _handle: Self::Handle) {}
}

/// Ours. The fired buffer is reused, as an engine would.
struct Wheel {
    wheel: TimingWheel<u64>,
    fired: Vec<Expired<u64>>,
}

impl Queue for Wheel {
    type Handle = TimerId;
    const NAME: &'static str = "wheel";
    fn new(capacity: usize) -> Self {
        Self {
            wheel: TimingWheel::with_capacity(0, capacity),
            fired: Vec::new(),
        }
    }
    #[inline]
    fn arm(&mut self, deadline_ms: u64, payload: u64) -> TimerId {
        self.wheel.arm(deadline_ms, payload)
    }
    #[inline]
    fn cancel(&mut self, handle: TimerId) -> bool {
        self.wheel.cancel(handle).is_some()
    }
    const HINTS: bool = true;
    #[inline]
    fn prefetch(&self, handle: TimerId) {
        self.wheel.prefetch(handle);
    }
    #[inline]
    fn reset(&mut self, handle: TimerId, deadline_ms: u64) -> TimerId {
        let _ = self.wheel.reset(handle, deadline_ms);
        handle
    }
    #[inline]
    fn advance(&mut self, now_ms: u64) -> usize {
        self.fired.clear();
        let _ = self.wheel.advance(now_ms, &mut self.fired);
        self.fired.len()
    }
    fn now_ms(&self) -> u64 {
        self.wheel.now_ms()
    }
}

/// `BTreeMap<(deadline, seq), payload>`: the key is the handle.
struct Btree {
    map: BTreeMap<(u64, u64), u64>,
    seq: u64,
    now_ms: u64,
}

impl Queue for Btree {
    type Handle = (u64, u64);
    const NAME: &'static str = "btreemap";
    fn new(_capacity: usize) -> Self {
        Self {
            map: BTreeMap::new(),
            seq: 0,
            now_ms: 0,
        }
    }
    #[inline]
    fn arm(&mut self, deadline_ms: u64, payload: u64) -> (u64, u64) {
        self.seq += 1;
        let key = (deadline_ms, self.seq);
        self.map.insert(key, payload);
        key
    }
    #[inline]
    fn cancel(&mut self, handle: (u64, u64)) -> bool {
        self.map.remove(&handle).is_some()
    }
    #[inline]
    fn reset(&mut self, handle: (u64, u64), deadline_ms: u64) -> (u64, u64) {
        match self.map.remove(&handle) {
            Some(payload) => self.arm(deadline_ms, payload),
            None => handle,
        }
    }
    #[inline]
    fn advance(&mut self, now_ms: u64) -> usize {
        self.now_ms = now_ms;
        let mut fired = 0;
        while let Some(entry) = self.map.first_entry() {
            if entry.key().0 > now_ms {
                break;
            }
            black_box(entry.remove());
            fired += 1;
        }
        fired
    }
    fn now_ms(&self) -> u64 {
        self.now_ms
    }
}

/// `BinaryHeap` with lazy deletion: cancel and reset only touch a slab entry; stale heap
/// entries are skipped when popped, and the heap is rebuilt when they outnumber live ones.
struct Heap {
    heap: BinaryHeap<std::cmp::Reverse<(u64, u64, u32)>>,
    /// Per slot: (generation, current seq or 0 when vacant, payload).
    slots: Vec<(u32, u64, u64)>,
    free: Vec<u32>,
    seq: u64,
    live: usize,
    now_ms: u64,
}

impl Heap {
    fn compact_if_stale(&mut self) {
        if self.heap.len() > 2 * self.live + 1024 {
            let slots = &self.slots;
            self.heap
                .retain(|std::cmp::Reverse((_, seq, slot))| slots[*slot as usize].1 == *seq);
        }
    }
}

impl Queue for Heap {
    type Handle = (u32, u32);
    const NAME: &'static str = "binaryheap_lazy";
    fn new(capacity: usize) -> Self {
        // The same huge-page advice the wheel takes for its presized arrays
        // (`cxspec_timer::advise_huge_pages`), so the two array-based designs compare alike.
        let heap = Vec::with_capacity(capacity);
        let slots = Vec::with_capacity(capacity);
        cxspec_timer::advise_huge_pages(&heap);
        cxspec_timer::advise_huge_pages(&slots);
        Self {
            heap: BinaryHeap::from(heap),
            slots,
            free: Vec::new(),
            seq: 0,
            live: 0,
            now_ms: 0,
        }
    }
    #[inline]
    fn arm(&mut self, deadline_ms: u64, payload: u64) -> (u32, u32) {
        self.seq += 1;
        let slot = match self.free.pop() {
            Some(slot) => slot,
            None => {
                self.slots.push((0, 0, 0));
                self.slots.len() as u32 - 1
            }
        };
        let entry = &mut self.slots[slot as usize];
        entry.1 = self.seq;
        entry.2 = payload;
        self.heap
            .push(std::cmp::Reverse((deadline_ms, self.seq, slot)));
        self.live += 1;
        (slot, entry.0)
    }
    #[inline]
    fn cancel(&mut self, (slot, generation): (u32, u32)) -> bool {
        let entry = &mut self.slots[slot as usize];
        if entry.0 != generation || entry.1 == 0 {
            return false;
        }
        entry.0 += 1;
        entry.1 = 0;
        self.free.push(slot);
        self.live -= 1;
        self.compact_if_stale();
        true
    }
    #[inline]
    fn reset(&mut self, handle: (u32, u32), deadline_ms: u64) -> (u32, u32) {
        let (slot, generation) = handle;
        let entry = &mut self.slots[slot as usize];
        if entry.0 == generation && entry.1 != 0 {
            self.seq += 1;
            entry.1 = self.seq;
            self.heap
                .push(std::cmp::Reverse((deadline_ms, self.seq, slot)));
            self.compact_if_stale();
        }
        handle
    }
    #[inline]
    fn advance(&mut self, now_ms: u64) -> usize {
        self.now_ms = now_ms;
        let mut fired = 0;
        while let Some(&std::cmp::Reverse((deadline_ms, seq, slot))) = self.heap.peek() {
            if deadline_ms > now_ms {
                break;
            }
            self.heap.pop();
            let entry = &mut self.slots[slot as usize];
            if entry.1 == seq {
                black_box(entry.2);
                entry.0 += 1;
                entry.1 = 0;
                self.free.push(slot);
                self.live -= 1;
                fired += 1;
            }
        }
        fired
    }
    fn now_ms(&self) -> u64 {
        self.now_ms
    }
}

/// tokio-util's `DelayQueue`, driven by a paused tokio clock in a current-thread runtime.
struct Delay {
    runtime: tokio::runtime::Runtime,
    queue: tokio_util::time::DelayQueue<u64>,
    start: tokio::time::Instant,
    now_ms: u64,
}

impl Delay {
    fn at(&self, deadline_ms: u64) -> tokio::time::Instant {
        self.start + Duration::from_millis(deadline_ms)
    }
}

impl Queue for Delay {
    type Handle = tokio_util::time::delay_queue::Key;
    const NAME: &'static str = "tokio_delayqueue";
    fn new(capacity: usize) -> Self {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
            .expect("tokio runtime");
        let (queue, start) = {
            let _guard = runtime.enter();
            (
                tokio_util::time::DelayQueue::with_capacity(capacity),
                tokio::time::Instant::now(),
            )
        };
        Self {
            runtime,
            queue,
            start,
            now_ms: 0,
        }
    }
    fn enter<R>(&mut self, f: impl FnOnce(&mut Self) -> R) -> R {
        let handle = self.runtime.handle().clone();
        let _guard = handle.enter();
        f(self)
    }
    #[inline]
    fn arm(&mut self, deadline_ms: u64, payload: u64) -> Self::Handle {
        let at = self.at(deadline_ms);
        self.queue.insert_at(payload, at)
    }
    #[inline]
    fn cancel(&mut self, handle: Self::Handle) -> bool {
        self.queue.try_remove(&handle).is_some()
    }
    #[inline]
    fn reset(&mut self, handle: Self::Handle, deadline_ms: u64) -> Self::Handle {
        let at = self.at(deadline_ms);
        self.queue.reset_at(&handle, at);
        handle
    }
    fn advance(&mut self, now_ms: u64) -> usize {
        let step = Duration::from_millis(now_ms - self.now_ms);
        self.now_ms = now_ms;
        let Self { runtime, queue, .. } = self;
        // `unconstrained`: without it tokio's cooperative budget makes `poll_expired` return
        // Pending after ~128 items per poll, which would cost DelayQueue extra round trips.
        runtime.block_on(tokio::task::unconstrained(async {
            tokio::time::advance(step).await;
            let mut cx = Context::from_waker(Waker::noop());
            let mut fired = 0;
            while let Poll::Ready(Some(expired)) = queue.poll_expired(&mut cx) {
                black_box(expired.into_inner());
                fired += 1;
            }
            fired
        }))
    }
    fn now_ms(&self) -> u64 {
        self.now_ms
    }
}

/// `hierarchical_hash_wheel_timer`'s cancellable four-level wheel. It has no reset (cancel
/// plus insert under a new id) and advances one millisecond per `tick`, skipping empty spans.
struct Hhwt {
    wheel: hierarchical_hash_wheel_timer::wheels::cancellable::QuadWheelWithOverflow<
        hierarchical_hash_wheel_timer::IdOnlyTimerEntry<u64>,
    >,
    next_id: u64,
    now_ms: u64,
}

impl Queue for Hhwt {
    type Handle = u64;
    const NAME: &'static str = "hierarchical_hash_wheel_timer";
    fn new(_capacity: usize) -> Self {
        Self {
            wheel: Default::default(),
            next_id: 0,
            now_ms: 0,
        }
    }
    #[inline]
    fn arm(&mut self, deadline_ms: u64, _payload: u64) -> u64 {
        self.next_id += 1;
        let delay = Duration::from_millis(deadline_ms.saturating_sub(self.now_ms).max(1));
        let entry = hierarchical_hash_wheel_timer::IdOnlyTimerEntry::new(self.next_id, delay);
        let _ = self.wheel.insert(entry);
        self.next_id
    }
    #[inline]
    fn cancel(&mut self, handle: u64) -> bool {
        self.wheel.cancel(&handle).is_ok()
    }
    #[inline]
    fn reset(&mut self, handle: u64, deadline_ms: u64) -> u64 {
        let _ = self.wheel.cancel(&handle);
        self.arm(deadline_ms, handle)
    }
    fn advance(&mut self, now_ms: u64) -> usize {
        use hierarchical_hash_wheel_timer::wheels::Skip;
        let mut fired = 0;
        while self.now_ms < now_ms {
            let left = now_ms - self.now_ms;
            match self.wheel.can_skip() {
                Skip::Millis(skip) if u64::from(skip) >= left => {
                    self.wheel.skip(left as u32);
                    self.now_ms = now_ms;
                }
                Skip::Millis(skip) => {
                    self.wheel.skip(skip);
                    self.now_ms += u64::from(skip);
                }
                Skip::Empty => {
                    self.wheel.skip(left.min(u64::from(u32::MAX)) as u32);
                    self.now_ms += left.min(u64::from(u32::MAX));
                }
                Skip::None => {
                    fired += self.wheel.tick().len();
                    self.now_ms += 1;
                }
            }
        }
        fired
    }
    fn now_ms(&self) -> u64 {
        self.now_ms
    }
}

#[path = "support/intrusive_wheel.rs"]
#[allow(dead_code)]
mod intrusive_wheel;

struct Intrusive {
    wheel: intrusive_wheel::IntrusiveWheel<u64>,
    fired: Vec<((u32, u32), u64, u64)>,
}

impl Queue for Intrusive {
    type Handle = (u32, u32);
    const NAME: &'static str = "wheel_intrusive";
    fn new(capacity: usize) -> Self {
        Self {
            wheel: intrusive_wheel::IntrusiveWheel::with_capacity(0, capacity),
            fired: Vec::new(),
        }
    }
    #[inline]
    fn arm(&mut self, deadline_ms: u64, payload: u64) -> (u32, u32) {
        self.wheel.arm(deadline_ms, payload)
    }
    #[inline]
    fn cancel(&mut self, handle: (u32, u32)) -> bool {
        self.wheel.cancel(handle).is_some()
    }
    #[inline]
    fn reset(&mut self, handle: (u32, u32), deadline_ms: u64) -> (u32, u32) {
        let _ = self.wheel.reset(handle, deadline_ms);
        handle
    }
    #[inline]
    fn advance(&mut self, now_ms: u64) -> usize {
        self.fired.clear();
        let _ = self.wheel.advance(now_ms, &mut self.fired);
        self.fired.len()
    }
    fn now_ms(&self) -> u64 {
        self.wheel.now_ms()
    }
}

// ---------------------------------------------------------------------------------------------
// Workloads.

const CHUNK: usize = 1024;
const BURST: usize = 100_000;

/// A queue holding `n` live timers whose handles (and deadlines) the benchmark tracks.
struct Population<Q: Queue> {
    queue: Q,
    live: Vec<(Q::Handle, u64)>,
    rng: SplitMix,
    /// Deadlines are drawn from `now + lo .. now + hi`.
    lo_ms: u64,
    hi_ms: u64,
}

impl<Q: Queue> Population<Q> {
    fn new(n: usize, lo_ms: u64, hi_ms: u64) -> Self {
        let mut rng = SplitMix(0x5EED_0000 ^ n as u64);
        let mut queue = Q::new(n + CHUNK);
        let live = queue.enter(|q| {
            (0..n as u64)
                .map(|i| {
                    let d = rng.range(lo_ms, hi_ms);
                    (q.arm(d, i), d)
                })
                .collect()
        });
        Self {
            queue,
            live,
            rng,
            lo_ms,
            hi_ms,
        }
    }

    fn deadline(&mut self) -> u64 {
        self.queue.now_ms() + self.rng.range(self.lo_ms, self.hi_ms)
    }

    /// Times arming `iters` timers; after each chunk, cancels as many random live ones
    /// (untimed) so the next arms land in cold, randomly placed free slots.
    fn arm(&mut self, iters: u64) -> Duration {
        let mut total = Duration::ZERO;
        let mut left = iters as usize;
        let mut deadlines = [0u64; CHUNK];
        let mut handles = Vec::with_capacity(CHUNK);
        while left > 0 {
            let n = left.min(CHUNK);
            for d in &mut deadlines[..n] {
                *d = self.deadline();
            }
            handles.clear();
            total += self.queue.enter(|q| {
                let t = Stopwatch::start();
                for &d in &deadlines[..n] {
                    handles.push(q.arm(d, d));
                }
                t.elapsed()
            });
            self.live
                .extend(handles.iter().zip(&deadlines[..n]).map(|(&h, &d)| (h, d)));
            for _ in 0..n {
                let victim = self.rng.next() as usize % self.live.len();
                let (h, _) = self.live.swap_remove(victim);
                self.queue.enter(|q| assert!(q.cancel(h)));
            }
            left -= n;
        }
        total
    }

    /// Times cancelling `iters` random live timers; re-arms as many (untimed) after each chunk.
    /// With `hint_ahead > 0` the queue is told each victim that many cancels before its turn
    /// (`TimerQueue::prefetch`), as a caller that knows its next inputs can.
    fn cancel(&mut self, iters: u64, hint_ahead: usize) -> Duration {
        let mut total = Duration::ZERO;
        let mut left = iters as usize;
        let mut victims = Vec::with_capacity(CHUNK);
        while left > 0 {
            // At 1k live, a full chunk would cancel the whole population.
            let n = left.min(CHUNK).min(self.live.len() / 4);
            victims.clear();
            for _ in 0..n {
                let victim = self.rng.next() as usize % self.live.len();
                victims.push(self.live.swap_remove(victim).0);
            }
            total += self.queue.enter(|q| {
                let t = Stopwatch::start();
                if hint_ahead == 0 {
                    for &h in &victims {
                        black_box(q.cancel(h));
                    }
                } else {
                    for (at, &h) in victims.iter().enumerate() {
                        if let Some(&ahead) = victims.get(at + hint_ahead) {
                            q.prefetch(ahead);
                        }
                        black_box(q.cancel(h));
                    }
                }
                t.elapsed()
            });
            for _ in 0..n {
                let d = self.deadline();
                let h = self.queue.enter(|q| q.arm(d, d));
                self.live.push((h, d));
            }
            left -= n;
        }
        total
    }

    /// Times moving `iters` random live timers to a later deadline (by 1 ms to 1 min).
    fn reset(&mut self, iters: u64) -> Duration {
        let mut total = Duration::ZERO;
        let mut left = iters as usize;
        let mut picks = Vec::with_capacity(CHUNK);
        while left > 0 {
            let n = left.min(CHUNK);
            picks.clear();
            for _ in 0..n {
                let i = self.rng.next() as usize % self.live.len();
                let later = self.live[i].1 + self.rng.range(1, MINUTE_MS);
                picks.push((i, self.live[i].0, later));
            }
            total += self.queue.enter(|q| {
                let t = Stopwatch::start();
                for pick in picks.iter_mut() {
                    pick.1 = q.reset(pick.1, pick.2);
                }
                t.elapsed()
            });
            for &(i, h, d) in &picks {
                self.live[i] = (h, d);
            }
            left -= n;
        }
        total
    }

    /// Times `iters` advances of 1 ms that fire nothing.
    fn empty_advance(&mut self, iters: u64) -> Duration {
        self.queue.enter(|q| {
            let t = Stopwatch::start();
            for _ in 0..iters {
                let now = q.now_ms() + 1;
                black_box(q.advance(now));
            }
            t.elapsed()
        })
    }

    /// Arms `BURST` timers sharing one deadline and fires them; returns the elapsed time.
    fn burst(&mut self) -> Duration {
        self.queue.enter(|q| {
            let due = q.now_ms() + 1_000;
            let t = Stopwatch::start();
            for i in 0..BURST as u64 {
                black_box(q.arm(due, i));
            }
            let fired = q.advance(due);
            let elapsed = t.elapsed();
            assert_eq!(fired, BURST, "{}", Q::NAME);
            elapsed
        })
    }
}

/// How `drain` spreads deadlines.
#[derive(Clone, Copy)]
enum Spread {
    /// Uniform over the next hour, to the millisecond.
    Hour,
    /// Whole seconds within the next five minutes: 300 distinct deadlines, thousands of timers
    /// each at 1M, as SLA timers set in seconds produce.
    Seconds,
}

/// Fills a queue with `n` timers spread as `spread` says and drains it, ~16 firings per
/// advance on average; returns the time spent draining (arming is not timed).
fn drain<Q: Queue>(n: usize, spread: Spread) -> Duration {
    let mut rng = SplitMix(0xD8A1_0000 ^ n as u64);
    let mut queue = Q::new(n);
    let span_ms = match spread {
        Spread::Hour => HOUR_MS,
        Spread::Seconds => 5 * MINUTE_MS,
    };
    queue.enter(|q| {
        for i in 0..n as u64 {
            let deadline_ms = match spread {
                Spread::Hour => rng.range(1, HOUR_MS),
                Spread::Seconds => rng.range(1, 301) * 1_000,
            };
            q.arm(deadline_ms, i);
        }
        let step = (span_ms * 16 / n as u64).max(1);
        let t = Stopwatch::start();
        let mut fired = 0;
        let mut now = 0;
        while now < span_ms + 1_000 {
            now += step;
            fired += q.advance(now);
        }
        let elapsed = t.elapsed();
        assert_eq!(fired, n, "{}", Q::NAME);
        elapsed
    })
}

/// Scales one measurement of `per` items to `iters` items, so criterion's per-iteration time
/// is the time per item (per fired timer).
fn scale(elapsed: Duration, per: usize, iters: u64) -> Duration {
    Duration::from_secs_f64(elapsed.as_secs_f64() * iters as f64 / per as f64)
}

fn sizes() -> Vec<usize> {
    let mut sizes = vec![1_000, 100_000, 1_000_000];
    if std::env::var_os("CXSPEC_BENCH_10M").is_some_and(|v| v == "1") {
        sizes.push(10_000_000);
    }
    sizes
}

fn label(n: usize) -> String {
    match n {
        n if n >= 1_000_000 => format!("{}M", n / 1_000_000),
        n => format!("{}k", n / 1_000),
    }
}

/// Registers every workload for one implementation.
fn bench_queue<Q: Queue>(c: &mut Criterion) {
    for n in sizes() {
        let size = label(n);
        let big = n >= 1_000_000;
        let mut group = c.benchmark_group(format!("timer_core/{size}"));
        // Light settings: the whole suite must fit in ~15 minutes on 2 shared cores.
        group
            .sample_size(if big { 10 } else { 20 })
            .warm_up_time(Duration::from_millis(300))
            .measurement_time(Duration::from_secs(if big { 2 } else { 1 }));

        // Built on first use, so a criterion filter that skips a benchmark skips its setup.
        let fresh = |population: &mut Option<Population<Q>>, lo, hi| {
            population.get_or_insert_with(|| Population::new(n, lo, hi));
        };
        let mut population: Option<Population<Q>> = None;
        group.bench_function(BenchmarkId::new("arm", Q::NAME), |b| {
            fresh(&mut population, MINUTE_MS, HOUR_MS);
            b.iter_custom(|iters| population.as_mut().unwrap().arm(iters))
        });
        group.bench_function(BenchmarkId::new("cancel", Q::NAME), |b| {
            fresh(&mut population, MINUTE_MS, HOUR_MS);
            b.iter_custom(|iters| population.as_mut().unwrap().cancel(iters, 0))
        });
        if Q::HINTS {
            group.bench_function(BenchmarkId::new("cancel_hinted", Q::NAME), |b| {
                fresh(&mut population, MINUTE_MS, HOUR_MS);
                b.iter_custom(|iters| {
                    population
                        .as_mut()
                        .unwrap()
                        .cancel(iters, CANCEL_HINT_AHEAD)
                })
            });
        }
        group.bench_function(BenchmarkId::new("reset", Q::NAME), |b| {
            fresh(&mut population, MINUTE_MS, HOUR_MS);
            b.iter_custom(|iters| population.as_mut().unwrap().reset(iters))
        });
        drop(population.take());

        let mut parked: Option<Population<Q>> = None;
        group.bench_function(BenchmarkId::new("empty_advance", Q::NAME), |b| {
            fresh(&mut parked, FAR_MS, 2 * FAR_MS);
            b.iter_custom(|iters| parked.as_mut().unwrap().empty_advance(iters))
        });

        // One full drain or burst per sample, reported per fired timer.
        group.sampling_mode(SamplingMode::Flat);
        group.bench_function(BenchmarkId::new("burst_100k", Q::NAME), |b| {
            fresh(&mut parked, FAR_MS, 2 * FAR_MS);
            b.iter_custom(|iters| scale(parked.as_mut().unwrap().burst(), BURST, iters))
        });
        drop(parked.take());
        group.bench_function(BenchmarkId::new("expiry", Q::NAME), |b| {
            b.iter_custom(|iters| scale(drain::<Q>(n, Spread::Hour), n, iters))
        });
        group.bench_function(BenchmarkId::new("expiry_seconds", Q::NAME), |b| {
            b.iter_custom(|iters| scale(drain::<Q>(n, Spread::Seconds), n, iters))
        });
        group.finish();
    }
}

// ---------------------------------------------------------------------------------------------
// Memory mode.

/// Live heap bytes per timer after arming `n` timers into a fresh queue, then (with `churn`)
/// resetting `n` random ones to a later deadline and cancelling-and-rearming `n` random ones,
/// which leaves the stale entries lazy schemes keep.
fn bytes_per_timer<Q: Queue>(n: usize, capacity: usize, churn: bool) -> f64 {
    COUNTING.store(true, Relaxed);
    let before = LIVE_BYTES.load(Relaxed);
    let mut rng = SplitMix(0x3E30_0000 ^ n as u64);
    let mut queue = Q::new(capacity);
    let mut live: Vec<(Q::Handle, u64)> = Vec::with_capacity(n);
    queue.enter(|q| {
        for i in 0..n as u64 {
            let d = rng.range(MINUTE_MS, HOUR_MS);
            live.push((q.arm(d, i), d));
        }
        if churn {
            for _ in 0..n {
                let i = rng.next() as usize % n;
                let later = live[i].1 + rng.range(1, MINUTE_MS);
                live[i] = (q.reset(live[i].0, later), later);
            }
            for _ in 0..n {
                let i = rng.next() as usize % n;
                assert!(q.cancel(live[i].0));
                let d = rng.range(MINUTE_MS, HOUR_MS);
                live[i] = (q.arm(d, i as u64), d);
            }
        }
    });
    // The handles vector is the benchmark's, not the queue's: subtract it.
    let handle_bytes = (live.capacity() * std::mem::size_of::<(Q::Handle, u64)>()) as isize;
    let bytes = LIVE_BYTES.load(Relaxed) - before - handle_bytes;
    drop(live);
    drop(queue);
    COUNTING.store(false, Relaxed);
    bytes as f64 / n as f64
}

fn memory_report() {
    for churn in [false, true] {
        if churn {
            println!("\nafter N random resets and N random cancel+re-arm (still N live)");
        } else {
            println!("bytes per live timer (u64 payload): live heap bytes after arming N, / N");
        }
        println!("| implementation | 1k | 100k | 1M |");
        println!("|---|---|---|---|");
        let row = |name: &str, bytes: &dyn Fn(usize) -> f64| {
            let cells: Vec<String> = [1_000, 100_000, 1_000_000]
                .iter()
                .map(|&n| format!("{:.1}", bytes(n)))
                .collect();
            println!("| {name} | {} |", cells.join(" | "));
        };
        row("wheel (with_capacity(N))", &|n| {
            bytes_per_timer::<Wheel>(n, n, churn)
        });
        row("wheel (new, slab grows by doubling)", &|n| {
            bytes_per_timer::<Wheel>(n, 0, churn)
        });
        row("wheel_intrusive (with_capacity(N))", &|n| {
            bytes_per_timer::<Intrusive>(n, n, churn)
        });
        row("btreemap", &|n| bytes_per_timer::<Btree>(n, 0, churn));
        row("binaryheap_lazy (with_capacity(N))", &|n| {
            bytes_per_timer::<Heap>(n, n, churn)
        });
        row("tokio_delayqueue (with_capacity(N))", &|n| {
            bytes_per_timer::<Delay>(n, n, churn)
        });
        row("hierarchical_hash_wheel_timer", &|n| {
            bytes_per_timer::<Hhwt>(n, 0, churn)
        });
    }
}

fn main() {
    if std::env::var_os("CXSPEC_BENCH_MEMORY").is_some_and(|v| v == "1") {
        memory_report();
        return;
    }
    let mut c = Criterion::default().configure_from_args();
    bench_queue::<Wheel>(&mut c);
    bench_queue::<Intrusive>(&mut c);
    bench_queue::<Btree>(&mut c);
    bench_queue::<Heap>(&mut c);
    bench_queue::<Delay>(&mut c);
    bench_queue::<Hhwt>(&mut c);
    c.final_summary();
}
