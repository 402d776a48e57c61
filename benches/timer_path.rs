//! Timer-path benchmark: the engine (`cxspec_spec::engine::Engine`) under a realistic event mix,
//! with its timers on our `TimingWheel` and on the `OrderedMapTimers` reference, side by side.
//!
//! What is measured: every input, through `Engine::apply_at` with the conversation's handle
//! (`Engine::apply_into` with its ID for the SESSION_STARTED that opens it), and
//! `Engine::advance_into` for a clock tick every simulated second, including the expiries they
//! fire (SLA thresholds and expiries, RONA, request TTL, wrap-up and hold timers), applying each
//! step's timer effects to the queue, and draining the published events. One criterion iteration is one input; `Throughput::Elements(1)` makes
//! criterion print inputs/s, and the table printed at the end adds published events/s.
//!
//! The workload (`cxspec_conformance::workload`, which `cxspec simulate-log` also writes as a
//! log for `cxspec replay`), at 100k and 1M live conversations (10k only with `CXSPEC_BENCH_QUICK=1`):
//! each conversation is a web chat that follows a small plan drawn from a fixed-seed SplitMix64
//! (as in `benches/timer_core.rs`): the session starts, the bot and the customer exchange one to
//! three messages, the customer asks for an agent, routing reserves one (4% wait past the TTL,
//! 4% abandon), the agent accepts (8% ring out, RONA), agent and customer exchange 3 to 14
//! messages (a slow agent crosses the SLA thresholds, 3% of replies expire it and the agents are
//! removed and the chat re-routed; a slow customer crosses theirs), with at most one of: hold and
//! resume (or the hold timer), queue transfer, named transfer, conference, a second chat session,
//! a voice call. It ends with the customer leaving, the agent leaving, or the customer going
//! silent until the customer SLA ends the session; wrap-ups are applied, skipped or left to
//! their timer; house-keeping closes the conversation, and a new one starts in its place, so the
//! live population stays at N. Conversations interleave by time, with thousands of inputs per
//! simulated second at 100k.
//!
//! How: a generator drives its own engine (the oracle) and only emits an input after looking at
//! the conversation's state, so every input is one the spec accepts there (the oracle panics on
//! a rejection: that is a generator bug). Its inputs go to a log with the number of events the
//! oracle published for each. The engines under test replay the log: first the prefill, 900 s
//! of simulated time from conversations started over the first 600 s, which leaves N live
//! conversations in a near-steady mix of phases (untimed; a second thread replays it into both
//! engines while the generator produces it); then the measured part, in chunks of 1024 inputs
//! timed by thread CPU time (`CXSPEC_BENCH_CLOCK=wall` for wall time). Outside the timed chunks
//! every chunk is checked: no rejection, and the same number of published events as the
//! oracle. Both engines are presized for the population (`Engine::with_capacity`, the wheel
//! by `TimingWheel::with_capacity`), so neither grows while measured and both conversation
//! slabs are on huge pages alike. The wheel and the reference replay the same log, each fed
//! two ways in turn,
//! continuing the log on the same engine: one call per input with no hint (`wheel`,
//! `reference`), and `Engine::apply_batch` over each chunk (`wheel_batch`, `reference_batch`),
//! as a caller that reads its inputs in batches can. Setup dominates the run time: about
//! 25 inputs per live conversation are generated and replayed twice before anything is timed
//! (a few minutes at 1M on 2 cores; peak RSS about 4 GB).
//!
//! Left out: PULL routing (one routing mode per engine; the bench uses PUSH with wrap-up on),
//! agent logout, queue flush, the `documented` and `as-implemented` rule sets, concurrency and
//! persistence, and any consumer of the published events beyond counting them.

use std::cell::Cell;
use std::cmp::Reverse;
use std::rc::Rc;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput};
use cxspec_spec::engine::{BatchItem, Engine, EngineEvent, Handle, TimerRef};
use cxspec_spec::{Input, RuleSet};
use cxspec_timer::{
    Expired, OrderedMapTimers, StaleTimer, TimeWentBackwards, TimerId, TimerQueue, TimingWheel,
};

// ---------------------------------------------------------------------------------------------
// Clock (shared, benches/support/clock.rs) and randomness.

#[path = "support/clock.rs"]
mod clock;
use clock::Stopwatch;

use cxspec_conformance::workload::{self, config, SECOND_MS};

// ---------------------------------------------------------------------------------------------
// The log.

/// One call on the engine, with the number of events the oracle published for it.
#[derive(Clone, Copy, Debug)]
enum Entry {
    Apply {
        conversation: u64,
        /// The conversation's engine handle, once SESSION_STARTED has opened it: a caller
        /// keeps it with the conversation, so the replay steps through it (`apply_at`).
        /// Every engine that replays the log from the start hands out the same handles.
        handle: Option<Handle>,
        at_ms: u64,
        input: Input,
        published: u32,
    },
    Tick {
        at_ms: u64,
        published: u32,
    },
}

impl Entry {
    /// The engine call this entry stands for: through the handle once the conversation has
    /// one, by ID for the SESSION_STARTED that opens it, an advance for a tick.
    fn item(&self) -> BatchItem {
        match *self {
            Entry::Apply {
                conversation,
                handle,
                at_ms,
                input,
                ..
            } => match handle {
                Some(handle) => BatchItem::At {
                    handle,
                    input,
                    at_ms,
                },
                None => BatchItem::Id {
                    conversation,
                    input,
                    at_ms,
                },
            },
            Entry::Tick { at_ms, .. } => BatchItem::Advance { at_ms },
        }
    }

    fn published(&self) -> u32 {
        match *self {
            Entry::Apply { published, .. } | Entry::Tick { published, .. } => published,
        }
    }
}

/// Timer operations seen by the oracle's queue.
#[derive(Clone, Copy, Debug, Default)]
struct TimerOps {
    arms: u64,
    cancels: u64,
    resets: u64,
    fired: u64,
    advances: u64,
}

/// The oracle's timer queue: the wheel, with a count of every operation the engine asks for.
struct Counted {
    inner: TimingWheel<TimerRef>,
    ops: Rc<Cell<TimerOps>>,
}

impl Counted {
    fn bump(&self, f: impl FnOnce(&mut TimerOps)) {
        let mut ops = self.ops.get();
        f(&mut ops);
        self.ops.set(ops);
    }
}

impl TimerQueue<TimerRef> for Counted {
    fn arm(&mut self, deadline_ms: u64, payload: TimerRef) -> TimerId {
        self.bump(|o| o.arms += 1);
        self.inner.arm(deadline_ms, payload)
    }
    fn cancel(&mut self, id: TimerId) -> Option<TimerRef> {
        self.bump(|o| o.cancels += 1);
        self.inner.cancel(id)
    }
    fn reset(&mut self, id: TimerId, deadline_ms: u64) -> Result<(), StaleTimer> {
        self.bump(|o| o.resets += 1);
        self.inner.reset(id, deadline_ms)
    }
    fn advance(
        &mut self,
        now_ms: u64,
        fired: &mut Vec<Expired<TimerRef>>,
    ) -> Result<(), TimeWentBackwards> {
        let before = fired.len();
        let result = self.inner.advance(now_ms, fired);
        let n = (fired.len() - before) as u64;
        self.bump(|o| {
            o.fired += n;
            o.advances += 1;
        });
        result
    }
    fn len(&self) -> usize {
        self.inner.len()
    }
    fn next_deadline(&mut self) -> Option<u64> {
        self.inner.next_deadline()
    }
    fn now_ms(&self) -> u64 {
        self.inner.now_ms()
    }
}

/// What the generator has emitted, for the workload summary.
#[derive(Clone, Copy, Debug, Default)]
struct Mix {
    inputs: u64,
    ticks: u64,
    published: u64,
    closed: u64,
    by_input: [u64; 21],
    timers: TimerOps,
}

fn input_index(input: &Input) -> usize {
    match input {
        Input::SessionStarted { .. } => 0,
        Input::SessionEnded { .. } => 1,
        Input::CustomerMessage { .. } => 2,
        Input::BotMessage { .. } => 3,
        Input::AgentMessage { .. } => 4,
        Input::RequestAgent { .. } => 5,
        Input::ReserveAgent { .. } => 6,
        Input::AcceptTask { .. } => 7,
        Input::PullConversation { .. } => 8,
        Input::QueueTransfer { .. } => 9,
        Input::NamedTransfer { .. } => 10,
        Input::QueueConference { .. } => 11,
        Input::LeaveConversation { .. } => 12,
        Input::WrapUpApplied { .. } => 13,
        Input::LeaveWithoutWrapUp { .. } => 14,
        Input::HoldConversation { .. } => 15,
        Input::ResumeConversation { .. } => 16,
        Input::AgentLogout { .. } => 17,
        Input::QueueFlush => 18,
        Input::HousekeepingDone => 19,
        Input::TimerFired { .. } => 20,
    }
}

const INPUT_NAMES: [&str; 21] = [
    "SESSION_STARTED",
    "SESSION_ENDED",
    "CUSTOMER_MESSAGE",
    "BOT_MESSAGE",
    "AGENT_MESSAGE",
    "REQUEST_AGENT",
    "RESERVE_AGENT",
    "ACCEPT_TASK",
    "PULL_CONVERSATION",
    "QUEUE_TRANSFER",
    "NAMED_TRANSFER",
    "QUEUE_CONFERENCE",
    "LEAVE_CONVERSATION",
    "WRAP_UP_APPLIED",
    "LEAVE_WITHOUT_WRAP_UP",
    "HOLD_CONVERSATION",
    "RESUME_CONVERSATION",
    "AGENT_LOGOUT",
    "QUEUE_FLUSH",
    "HOUSEKEEPING_DONE",
    "TIMER_FIRED",
];

// ---------------------------------------------------------------------------------------------
// The generator's sink: the log of engine calls the engines under test replay.

/// The generator ([`workload::Generator`]) on the counting queue, with what it has emitted.
struct Generator {
    inner: workload::Generator<Counted>,
    ops: Rc<Cell<TimerOps>>,
    mix: Mix,
    /// Events the oracle published while the generator advanced it on its own (expiries seen
    /// before deciding); the engine under test publishes them in its next call, so they are
    /// owed to the next entry.
    owed: u32,
}

/// The sink that turns the generator's calls into log entries.
struct Recording<'a> {
    log: &'a mut Log,
    mix: &'a mut Mix,
    owed: &'a mut u32,
}

impl workload::Sink for Recording<'_> {
    fn input(
        &mut self,
        conversation: u64,
        handle: Option<Handle>,
        at_ms: u64,
        input: Input,
        published: &[EngineEvent],
    ) {
        let published = published.len() as u32 + std::mem::take(self.owed);
        self.log.push(Entry::Apply {
            conversation,
            handle,
            at_ms,
            input,
            published,
        });
        self.mix.inputs += 1;
        self.mix.published += u64::from(published);
        self.mix.by_input[input_index(&input)] += 1;
    }

    fn expired(&mut self, published: &[EngineEvent]) {
        *self.owed += published.len() as u32;
    }

    fn tick(&mut self, at_ms: u64) {
        let published = std::mem::take(self.owed);
        self.log.push(Entry::Tick { at_ms, published });
        self.mix.ticks += 1;
        self.mix.published += u64::from(published);
    }

    fn replaced(&mut self) {
        self.mix.closed += 1;
    }
}

impl Generator {
    /// N conversations whose starts are spread over `spread_ms`.
    fn new(n: usize, spread_ms: u64) -> Self {
        let ops = Rc::new(Cell::new(TimerOps::default()));
        let queue = Counted {
            inner: TimingWheel::new(0),
            ops: ops.clone(),
        };
        let inner = workload::Generator::new(
            n,
            spread_ms,
            RuleSet::Specified,
            queue,
            0x7A7B_0000 ^ n as u64,
        );
        Generator {
            inner,
            ops,
            mix: Mix::default(),
            owed: 0,
        }
    }

    fn now_ms(&self) -> u64 {
        self.inner.now_ms()
    }

    fn oracle(&self) -> &Engine<Counted> {
        &self.inner.oracle
    }

    fn states(&self) -> String {
        self.inner.states()
    }

    fn snapshot(&self) -> Mix {
        Mix {
            timers: self.ops.get(),
            ..self.mix
        }
    }

    fn step(&mut self, log: &mut Log) {
        let mut sink = Recording {
            log,
            mix: &mut self.mix,
            owed: &mut self.owed,
        };
        if let Err(bug) = self.inner.step(&mut sink) {
            panic!("{bug}");
        }
    }

    /// Appends entries until `log` holds `until_inputs` inputs.
    fn fill(&mut self, log: &mut Log, until_inputs: u64) {
        while log.inputs < until_inputs {
            self.step(log);
        }
    }
}

/// The shared log of engine calls, and how many inputs it holds.
#[derive(Default)]
struct Log {
    entries: Vec<Entry>,
    inputs: u64,
}

impl Log {
    fn push(&mut self, entry: Entry) {
        if matches!(entry, Entry::Apply { .. }) {
            self.inputs += 1;
        }
        self.entries.push(entry);
    }
}

/// A population: the generator and the log of what it generated past the prefill.
struct Workload {
    generator: Generator,
    log: Log,
    prefill_mix: Mix,
    n: usize,
}

/// Starts are spread over ten minutes, about one conversation's life, and the prefill runs
/// to fifteen, so the log's measured part starts from a population in all phases at once.
const SPREAD_MS: u64 = 600 * SECOND_MS;
const PREFILL_MS: u64 = 900 * SECOND_MS;
/// Entries handed to the prefill thread at a time.
const PREFILL_CHUNK: usize = 1 << 16;
/// Inputs generated at a time past the prefill: large, so that the generator's own engine
/// rarely runs between timed chunks and evicts the engine under test from the caches.
const BATCH: u64 = 1 << 19;
/// Inputs kept ready ahead of a replay before each timed call: more than criterion asks for
/// in one call at these settings.
const AHEAD: u64 = 1 << 20;

type WheelEngine = Engine<TimingWheel<TimerRef>>;
type ReferenceEngine = Engine<OrderedMapTimers<TimerRef>>;

/// A population ready to measure: the workload and both engines at the end of the prefill.
struct Built {
    workload: Workload,
    wheel: Replay<TimingWheel<TimerRef>>,
    reference: Replay<OrderedMapTimers<TimerRef>>,
}

impl Built {
    /// Generates the prefill on this thread while a second one replays it into both engines
    /// (untimed, checked), so that building 1M conversations three times takes the time of
    /// about one and a half.
    fn new(n: usize) -> Self {
        let t = std::time::Instant::now();
        let (chunks, received) = std::sync::mpsc::sync_channel::<Vec<Entry>>(4);
        let worker = std::thread::spawn(move || {
            let rules = RuleSet::Specified;
            // Both engines presized for the population (slab, ID table; the wheel for about
            // 1.07 timers per conversation, as the workload has), so neither grows while it
            // is measured and both slabs are on huge pages alike.
            let timers = TimingWheel::with_capacity(0, n + n / 4);
            let room = n + n / 16;
            let mut wheel = Replay::new(WheelEngine::with_capacity(config(), rules, timers, room));
            let reference_timers = OrderedMapTimers::new(0);
            let mut reference = Replay::new(ReferenceEngine::with_capacity(
                config(),
                rules,
                reference_timers,
                room,
            ));
            for chunk in received {
                wheel.prefill(&chunk);
                reference.prefill(&chunk);
            }
            (wheel, reference)
        });
        let mut generator = Generator::new(n, SPREAD_MS);
        let mut log = Log::default();
        let mut prefill_inputs = 0;
        while generator.now_ms() < PREFILL_MS {
            generator.step(&mut log);
            if log.entries.len() >= PREFILL_CHUNK || generator.now_ms() >= PREFILL_MS {
                prefill_inputs += log.inputs;
                let chunk = std::mem::take(&mut log).entries;
                chunks.send(chunk).expect("the prefill thread runs");
            }
        }
        drop(chunks);
        let generated = t.elapsed();
        let (wheel, reference) = worker.join().expect("the prefill thread succeeds");
        eprintln!(
            "timer_path/{}: prefill {} inputs to {} s simulated, generated in {:.1} s, replayed \
             into both engines by {:.1} s; {} live conversations, {} live timers; states: {}",
            label(n),
            prefill_inputs,
            PREFILL_MS / SECOND_MS,
            generated.as_secs_f64(),
            t.elapsed().as_secs_f64(),
            generator.oracle().len(),
            generator.oracle().live_timers(),
            generator.states()
        );
        assert_eq!(wheel.engine.len(), generator.oracle().len());
        assert_eq!(reference.engine.len(), generator.oracle().len());
        assert_eq!(wheel.engine.live_timers(), generator.oracle().live_timers());
        let prefill_mix = generator.snapshot();
        Built {
            workload: Workload {
                generator,
                log,
                prefill_mix,
                n,
            },
            wheel,
            reference,
        }
    }
}

impl Workload {
    /// Makes sure the log holds at least `inputs` inputs that a replay which has consumed
    /// `consumed` of them has not seen yet.
    fn ensure(&mut self, consumed: u64, inputs: u64) {
        let have = self.log.inputs - consumed;
        if have < inputs {
            let target = self.log.inputs + (inputs - have).max(BATCH);
            self.generator.fill(&mut self.log, target);
        }
    }

    /// The measured part of the workload, per input.
    fn summary(&self) -> String {
        let now = self.generator.snapshot();
        let before = self.prefill_mix;
        let inputs = (now.inputs - before.inputs).max(1) as f64;
        let per = |a: u64, b: u64| (a - b) as f64 / inputs;
        let mut mix: Vec<(usize, u64)> = (0..21)
            .map(|i| (i, now.by_input[i] - before.by_input[i]))
            .filter(|(_, n)| *n > 0)
            .collect();
        mix.sort_by_key(|(_, n)| Reverse(*n));
        let mix: Vec<String> = mix
            .iter()
            .map(|(i, n)| format!("{} {:.1}%", INPUT_NAMES[*i], 100.0 * *n as f64 / inputs))
            .collect();
        format!(
            "timer_path/{}: generated {} inputs past the prefill over {:.0} s simulated; per input: \
             {:.2} published events, {:.3} timers fired, {:.3} armed, {:.3} reset, {:.3} \
             cancelled; {:.4} conversations closed and replaced; {:.4} ticks; {} live \
             conversations, {} live timers.\n  input mix: {}\n  states: {}",
            label(self.n),
            now.inputs - before.inputs,
            (self.generator.now_ms() - PREFILL_MS) as f64 / 1e3,
            per(now.published, before.published),
            per(now.timers.fired, before.timers.fired),
            per(now.timers.arms, before.timers.arms),
            per(now.timers.resets, before.timers.resets),
            per(now.timers.cancels, before.timers.cancels),
            per(now.closed, before.closed),
            per(now.ticks, before.ticks),
            self.generator.oracle().len(),
            self.generator.oracle().live_timers(),
            mix.join(", "),
            self.generator.states(),
        )
    }
}

// ---------------------------------------------------------------------------------------------
// The engine under test.

const CHUNK: u64 = 1024;

/// An engine replaying the log, with what its timed chunks cost and produced.
struct Replay<T: TimerQueue<TimerRef>> {
    engine: Engine<T>,
    /// The next log entry to replay, and how many inputs before it.
    pos: usize,
    log_inputs: u64,
    out: Vec<EngineEvent>,
    items: Vec<BatchItem>,
    /// Per feed: one by one, batch.
    totals: [Totals; 2],
}

/// How the replay hands the engine its inputs.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Feed {
    /// One call per input (`apply_at`, `apply_into`, `advance_into`), no hints: a caller
    /// that gets its inputs one at a time.
    OneByOne,
    /// `Engine::apply_batch` over the chunk: a caller that reads its inputs in batches, as
    /// from a message broker, lets the engine request conversations' state ahead of use.
    Batch,
}

/// What a feed's timed chunks cost and produced.
#[derive(Default)]
struct Totals {
    timed: Duration,
    inputs: u64,
    published: u64,
}

/// Replays `entries` into `engine` until `inputs` inputs are applied or the slice ends, one
/// call per entry; returns (time, entries consumed, inputs applied, events published,
/// rejections). Only the calls are timed.
#[inline(never)]
fn replay_one_by_one<T: TimerQueue<TimerRef>>(
    engine: &mut Engine<T>,
    entries: &[Entry],
    inputs: u64,
    out: &mut Vec<EngineEvent>,
) -> (Duration, usize, u64, u64, u64) {
    let (mut applied, mut published, mut rejected) = (0, 0, 0);
    let mut consumed = 0;
    let t = Stopwatch::start();
    for entry in entries {
        if applied == inputs {
            break;
        }
        consumed += 1;
        applied += u64::from(matches!(entry, Entry::Apply { .. }));
        let result = engine.apply_item(entry.item(), out);
        rejected += u64::from(result.is_err());
        // The caller drains what each call published, as a deployment would.
        published += out.len() as u64;
        out.clear();
    }
    (t.elapsed(), consumed, applied, published, rejected)
}

/// The same through `Engine::apply_batch`: the entries are turned into batch items first
/// (untimed; the one-by-one replay converts each inside its loop, a copy of a few words),
/// then the batch is timed.
#[inline(never)]
fn replay_batch<T: TimerQueue<TimerRef>>(
    engine: &mut Engine<T>,
    entries: &[Entry],
    inputs: u64,
    items: &mut Vec<BatchItem>,
) -> (Duration, usize, u64, u64, u64) {
    items.clear();
    let mut applied = 0;
    for entry in entries {
        if applied == inputs {
            break;
        }
        applied += u64::from(matches!(entry, Entry::Apply { .. }));
        items.push(entry.item());
    }
    let (mut published, mut rejected) = (0, 0);
    let t = Stopwatch::start();
    engine.apply_batch(items, |_, events, result| {
        rejected += u64::from(result.is_err());
        published += events.len() as u64;
    });
    (t.elapsed(), items.len(), applied, published, rejected)
}

impl<T: TimerQueue<TimerRef>> Replay<T> {
    fn new(engine: Engine<T>) -> Self {
        Replay {
            engine,
            pos: 0,
            log_inputs: 0,
            out: Vec::new(),
            items: Vec::new(),
            totals: Default::default(),
        }
    }

    /// Replays a piece of the prefill, untimed but checked.
    fn prefill(&mut self, entries: &[Entry]) {
        let (_, consumed, _, published, rejected) =
            replay_one_by_one(&mut self.engine, entries, u64::MAX, &mut self.out);
        assert_eq!(consumed, entries.len());
        assert_eq!(
            rejected, 0,
            "the engine rejected prefill inputs the oracle accepted"
        );
        let expected: u64 = entries.iter().map(|e| u64::from(e.published())).sum();
        assert_eq!(published, expected, "prefill: published events differ");
    }

    /// What the timed chunks of `feed` added up to, if any ran.
    fn row(&self, n: usize, timers: &'static str, feed: Feed) -> Option<Row> {
        let totals = &self.totals[feed as usize];
        (totals.inputs > 0).then(|| Row {
            population: label(n),
            timers,
            feed,
            inputs: totals.inputs,
            timed: totals.timed,
            published: totals.published,
        })
    }

    /// Times `iters` inputs fed as `feed`, in chunks; generation and checks run between
    /// chunks. Both feeds continue the same log on the same engine.
    fn run(&mut self, iters: u64, workload: &mut Workload, feed: Feed) -> Duration {
        let mut total = Duration::ZERO;
        let mut left = iters;
        while left > 0 {
            let n = left.min(CHUNK);
            workload.ensure(self.log_inputs, n);
            let entries = &workload.log.entries[self.pos..];
            let (elapsed, consumed, applied, published, rejected) = match feed {
                Feed::OneByOne => replay_one_by_one(&mut self.engine, entries, n, &mut self.out),
                Feed::Batch => replay_batch(&mut self.engine, entries, n, &mut self.items),
            };
            assert_eq!(applied, n, "the log was extended far enough");
            assert_eq!(
                rejected, 0,
                "the engine rejected inputs the oracle accepted"
            );
            let expected: u64 = entries[..consumed]
                .iter()
                .map(|e| u64::from(e.published()))
                .sum();
            assert_eq!(
                published, expected,
                "published events differ from the oracle's"
            );
            self.pos += consumed;
            self.log_inputs += n;
            total += elapsed;
            left -= n;
            let totals = &mut self.totals[feed as usize];
            totals.timed += elapsed;
            totals.inputs += n;
            totals.published += published;
        }
        total
    }
}

// ---------------------------------------------------------------------------------------------
// Criterion wiring and the summary table.

struct Row {
    population: String,
    timers: &'static str,
    feed: Feed,
    inputs: u64,
    timed: Duration,
    published: u64,
}

impl Row {
    fn ns_per_input(&self) -> f64 {
        self.timed.as_nanos() as f64 / self.inputs.max(1) as f64
    }
}

fn quick() -> bool {
    std::env::var_os("CXSPEC_BENCH_QUICK").is_some_and(|v| v == "1")
}

fn sizes() -> Vec<usize> {
    if quick() {
        vec![10_000]
    } else {
        vec![100_000, 1_000_000]
    }
}

fn label(n: usize) -> String {
    match n {
        n if n >= 1_000_000 => format!("{}M", n / 1_000_000),
        n => format!("{}k", n / 1_000),
    }
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    let mut rows = Vec::new();
    let mut summaries = Vec::new();
    for n in sizes() {
        let big = n >= 1_000_000;
        let mut group = c.benchmark_group(format!("timer_path/{}", label(n)));
        // Light settings: each population builds two engines of N conversations on 2 shared
        // cores, and generating the measured inputs costs about as much as replaying them.
        group
            .throughput(Throughput::Elements(1))
            .sample_size(10)
            .warm_up_time(Duration::from_millis(if quick() { 200 } else { 500 }))
            .measurement_time(Duration::from_secs(match (quick(), big) {
                (true, _) => 1,
                (false, false) => 3,
                (false, true) => 4,
            }));
        // Built on first use, so a criterion filter that skips every engine skips the setup.
        let mut built: Option<Built> = None;
        for (feed, suffix) in [(Feed::OneByOne, ""), (Feed::Batch, "_batch")] {
            group.bench_function(BenchmarkId::new("engine", format!("wheel{suffix}")), |b| {
                let Built {
                    workload, wheel, ..
                } = built.get_or_insert_with(|| Built::new(n));
                // Criterion sizes its samples by the wall time of the timed call, so the log
                // is extended here, outside it, rather than inside `run`.
                workload.ensure(wheel.log_inputs, AHEAD);
                b.iter_custom(|iters| wheel.run(iters, workload, feed))
            });
            group.bench_function(
                BenchmarkId::new("engine", format!("reference{suffix}")),
                |b| {
                    let Built {
                        workload,
                        reference,
                        ..
                    } = built.get_or_insert_with(|| Built::new(n));
                    workload.ensure(reference.log_inputs, AHEAD);
                    b.iter_custom(|iters| reference.run(iters, workload, feed))
                },
            );
        }
        group.finish();
        if let Some(built) = built {
            for feed in [Feed::OneByOne, Feed::Batch] {
                rows.extend(built.wheel.row(n, "wheel", feed));
                rows.extend(built.reference.row(n, "reference", feed));
            }
            summaries.push(built.workload.summary());
        }
    }
    c.final_summary();

    for summary in &summaries {
        println!("{summary}");
    }
    if rows.is_empty() {
        return;
    }
    println!();
    println!("Mean over every timed chunk (warm-up included), thread CPU time:");
    println!(
        "| population | timers | feed | inputs/s | ns/input | published events/s | events/input | reference/wheel |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for row in &rows {
        let wheel = rows
            .iter()
            .find(|r| r.population == row.population && r.timers == "wheel" && r.feed == row.feed);
        let ratio = wheel.map_or(String::from("-"), |w| {
            format!("{:.2}x", row.ns_per_input() / w.ns_per_input())
        });
        let secs = row.timed.as_secs_f64().max(1e-9);
        println!(
            "| {} | {} | {} | {:.0} | {:.0} | {:.0} | {:.2} | {} |",
            row.population,
            row.timers,
            match row.feed {
                Feed::OneByOne => "one by one",
                Feed::Batch => "batch",
            },
            row.inputs as f64 / secs,
            row.ns_per_input(),
            row.published as f64 / secs,
            row.published as f64 / row.inputs.max(1) as f64,
            ratio
        );
    }
}
