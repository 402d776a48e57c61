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
//! The workload, at 100k and 1M live conversations (10k only with `CXSPEC_BENCH_QUICK=1`):
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
//! oracle. The wheel and the reference replay the same log. Setup dominates the run time: about
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
use cxspec_spec::engine::{Engine, EngineEvent, Handle, TimerRef};
use cxspec_spec::{
    AgentId, ChannelKind, Config, ConversationState, Input, MediaState, Role, RuleSet, Sender,
    SessionId, System, TaskState,
};
use cxspec_timer::{
    Expired, OrderedMapTimers, StaleTimer, TimeWentBackwards, TimerId, TimerQueue, TimingWheel,
};

// ---------------------------------------------------------------------------------------------
// Clock (shared, benches/support/clock.rs) and randomness.

#[path = "support/clock.rs"]
mod clock;
use clock::Stopwatch;

#[path = "support/rng.rs"]
mod rng;
use rng::{mix, SplitMix};

fn decide(conversation: u64, what: u64, of: u64) -> u64 {
    mix(conversation ^ mix(what << 32 ^ of))
}

// ---------------------------------------------------------------------------------------------
// The workload's configuration and plans.

const SECOND_MS: u64 = 1_000;
/// The clock tick: an `advance` every simulated second, as a deployment's timer loop would.
const TICK_MS: u64 = SECOND_MS;
const CHAT: SessionId = SessionId(1);
const SECOND_CHAT: SessionId = SessionId(2);
const VOICE: SessionId = SessionId(3);

/// The default durations (agent SLA 60 s at 50/75%, customer SLA 300 s at 50/80%, TTL 120 s,
/// RONA 20 s, hold 300 s, wrap-up 60 s), PUSH routing, wrap-up on, 1000 agents to draw from.
fn config() -> Config {
    Config {
        wrap_up_enabled: true,
        agents: 1_000,
        ..Config::default()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Special {
    None,
    Hold,
    QueueTransfer,
    NamedTransfer,
    Conference,
    SecondChat,
    Voice,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ending {
    CustomerLeaves,
    AgentLeaves,
    /// The customer stops answering; the customer SLA ends the session.
    CustomerSilent,
}

/// What one conversation intends to do; the state decides when and whether it can.
#[derive(Clone, Copy, Debug)]
struct Plan {
    bot_rounds: u8,
    requested: bool,
    exchanges_left: u8,
    exchanges_done: u8,
    special: Special,
    special_at: u8,
    ending: Ending,
    abandon: bool,
}

impl Plan {
    fn draw(rng: &mut SplitMix) -> Plan {
        let exchanges = rng.range(3, 15) as u8;
        let special = match rng.next() % 100 {
            0..=11 => Special::Hold,
            12..=21 => Special::QueueTransfer,
            22..=27 => Special::NamedTransfer,
            28..=32 => Special::Conference,
            33..=39 => Special::SecondChat,
            40..=44 => Special::Voice,
            _ => Special::None,
        };
        let ending = match rng.next() % 100 {
            0..=54 => Ending::CustomerLeaves,
            55..=92 => Ending::AgentLeaves,
            _ => Ending::CustomerSilent,
        };
        Plan {
            bot_rounds: rng.range(1, 4) as u8,
            requested: false,
            exchanges_left: exchanges,
            exchanges_done: 0,
            special,
            special_at: rng.range(1, u64::from(exchanges)) as u8,
            ending,
            abandon: rng.percent(4),
        }
    }
}

/// Who acts next in the main flow of a conversation; it decides how long they take.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Actor {
    Start,
    Bot,
    CustomerToBot,
    Request,
    AgentReply,
    CustomerReply,
    Special,
    CallEnd,
    AgentLeaves,
    CustomerLeaves,
    Abandon,
    Housekeeping,
}

impl Actor {
    /// Think time before the action, in ms. The tails are what make timers fire: 17% of agent
    /// replies cross an agent SLA threshold (30 s, 45 s) and 3% expire it (60 s); 15% of customer
    /// replies cross the customer SLA's first threshold (150 s).
    fn delay_ms(self, rng: &mut SplitMix) -> u64 {
        match self {
            Actor::Start => rng.range(0, 2 * SECOND_MS),
            Actor::Bot => rng.range(500, 3 * SECOND_MS),
            Actor::CustomerToBot => rng.range(3 * SECOND_MS, 40 * SECOND_MS),
            Actor::Request => rng.range(500, 2 * SECOND_MS),
            Actor::AgentReply => match rng.next() % 100 {
                0..=79 => rng.range(2 * SECOND_MS, 30 * SECOND_MS),
                80..=96 => rng.range(30 * SECOND_MS, 58 * SECOND_MS),
                _ => rng.range(61 * SECOND_MS, 120 * SECOND_MS),
            },
            Actor::CustomerReply => match rng.next() % 100 {
                0..=84 => rng.range(3 * SECOND_MS, 60 * SECOND_MS),
                85..=97 => rng.range(60 * SECOND_MS, 200 * SECOND_MS),
                _ => rng.range(200 * SECOND_MS, 290 * SECOND_MS),
            },
            Actor::Special | Actor::AgentLeaves => rng.range(2 * SECOND_MS, 20 * SECOND_MS),
            Actor::CallEnd => rng.range(30 * SECOND_MS, 280 * SECOND_MS),
            Actor::CustomerLeaves => rng.range(3 * SECOND_MS, 60 * SECOND_MS),
            Actor::Abandon => rng.range(20 * SECOND_MS, 110 * SECOND_MS),
            Actor::Housekeeping => rng.range(200, 2 * SECOND_MS),
        }
    }
}

fn primaries(sys: &System) -> impl Iterator<Item = AgentId> + Clone + '_ {
    sys.conversation
        .agents
        .iter()
        .filter(|p| p.role == Role::Primary)
        .map(|p| p.agent)
}

/// One of `items`, drawn uniformly.
fn pick<T>(items: impl Iterator<Item = T> + Clone, rng: &mut SplitMix) -> Option<T> {
    let n = items.clone().count();
    if n == 0 {
        return None;
    }
    items.into_iter().nth(rng.next() as usize % n)
}

/// An agent who may be reserved or named: no open task and not a participant here.
fn free_agent(sys: &System, config: &Config, rng: &mut SplitMix) -> AgentId {
    loop {
        let agent = AgentId(rng.range(1, u64::from(config.agents) + 1) as u32);
        if sys.tasks.open_task_of(agent).is_none() && sys.conversation.participant(agent).is_none()
        {
            return agent;
        }
    }
}

/// The next action of the conversation's main flow (customer, bot, agents, controller), or
/// None while it waits on routing, a wrap-up, a hold or a timer.
fn main_action(
    sys: Option<&System>,
    plan: &Plan,
    config: &Config,
    rng: &mut SplitMix,
) -> Option<(Input, Actor)> {
    let Some(sys) = sys else {
        let start = Input::SessionStarted {
            session: CHAT,
            channel: ChannelKind::NonVoice,
            routing_mode: None,
        };
        return Some((start, Actor::Start));
    };
    let conv = &sys.conversation;
    let tasks = &sys.tasks;
    if conv.state == ConversationState::Closing {
        if tasks.tasks.iter().any(|t| t.is_open()) {
            return None;
        }
        return Some((Input::HousekeepingDone, Actor::Housekeeping));
    }
    if !conv.customer_present() {
        // Only with wrap-up disabled do PRIMARY agents outlive the customer (CustomerLeft).
        let agent = primaries(sys).next()?;
        return Some((Input::LeaveConversation { agent }, Actor::AgentLeaves));
    }
    if conv.on_hold() {
        return None;
    }
    if conv.voice_open() {
        return Some((Input::SessionEnded { session: VOICE }, Actor::CallEnd));
    }
    let chat = conv
        .open_sessions()
        .map(|s| s.id)
        .next()
        .expect("a customer without voice has a chat open");
    let has_primary = conv.has_primary();
    if tasks.request.is_some() && !has_primary {
        if plan.abandon && !conv.ever_had_agent {
            return Some((Input::SessionEnded { session: chat }, Actor::Abandon));
        }
        return None;
    }
    if has_primary {
        if plan.exchanges_left == 0 {
            return match plan.ending {
                Ending::CustomerLeaves => {
                    Some((Input::SessionEnded { session: chat }, Actor::CustomerLeaves))
                }
                Ending::AgentLeaves => {
                    let agent = primaries(sys).next().expect("has a primary");
                    Some((Input::LeaveConversation { agent }, Actor::AgentLeaves))
                }
                Ending::CustomerSilent if conv.last_message != Some(Sender::Agent) => {
                    let agent = pick(primaries(sys), rng).expect("has a primary");
                    Some((
                        Input::AgentMessage {
                            agent,
                            wrap_up: false,
                        },
                        Actor::AgentReply,
                    ))
                }
                Ending::CustomerSilent => None,
            };
        }
        let special_now = plan.special != Special::None
            && plan.exchanges_done >= plan.special_at
            && tasks.request.is_none()
            && conv.state == ConversationState::Active;
        if special_now {
            let agent = pick(primaries(sys), rng).expect("has a primary");
            let input = match plan.special {
                Special::Hold => Input::HoldConversation {
                    agent,
                    hold_ms: None,
                },
                Special::QueueTransfer => Input::QueueTransfer { agent },
                Special::NamedTransfer => Input::NamedTransfer {
                    agent,
                    to: free_agent(sys, config, rng),
                },
                Special::Conference => Input::QueueConference { agent },
                Special::SecondChat => Input::SessionStarted {
                    session: SECOND_CHAT,
                    channel: ChannelKind::NonVoice,
                    routing_mode: None,
                },
                Special::Voice => Input::SessionStarted {
                    session: VOICE,
                    channel: ChannelKind::Voice,
                    routing_mode: None,
                },
                Special::None => unreachable!("checked above"),
            };
            return Some((input, Actor::Special));
        }
        if conv.last_message != Some(Sender::Agent) {
            let agent = pick(primaries(sys), rng).expect("has a primary");
            return Some((
                Input::AgentMessage {
                    agent,
                    wrap_up: false,
                },
                Actor::AgentReply,
            ));
        }
        let session = pick(
            conv.sessions
                .iter()
                .filter(|s| s.open && s.channel == ChannelKind::NonVoice)
                .map(|s| s.id),
            rng,
        )
        .expect("a chat is open");
        return Some((Input::CustomerMessage { session }, Actor::CustomerReply));
    }
    if !conv.ever_had_agent {
        if plan.bot_rounds > 0 {
            return Some(if conv.last_message == Some(Sender::Bot) {
                (
                    Input::CustomerMessage { session: chat },
                    Actor::CustomerToBot,
                )
            } else {
                (Input::BotMessage { session: chat }, Actor::Bot)
            });
        }
        if !plan.requested {
            return Some((
                Input::RequestAgent {
                    session: chat,
                    direction: None,
                },
                Actor::Request,
            ));
        }
    }
    // Nobody came, or the agents have gone: the customer leaves, one session at a time.
    Some((Input::SessionEnded { session: chat }, Actor::CustomerLeaves))
}

/// What a side actor does when its time comes.
#[derive(Clone, Copy, Debug)]
enum Side {
    Act(Input),
    /// Routing reserves an agent, drawn when the time comes.
    Reserve,
    /// Nobody acts: wake to see what the timer did.
    Watch,
}

/// The earliest action of the routing engine, a ringing agent, an agent in wrap-up or an agent
/// holding the conversation. Each is decided per task (or per hold) by a hash, so that every
/// wake that looks at the same task agrees on whether and when it happens.
fn side_action(
    id: u64,
    sys: &System,
    queued_since_ms: u64,
    config: &Config,
) -> Option<(u64, Side)> {
    let mut best: Option<(u64, Side)> = None;
    let mut consider = |due: u64, side: Side| {
        if best.is_none_or(|(b, _)| due < b) {
            best = Some((due, side));
        }
    };
    for task in sys.tasks.tasks.iter().filter(|t| t.is_open()) {
        let Some(agent) = task.agent else { continue };
        if let (TaskState::WrapUp, Some(deadline)) = (task.state, task.wrap_up_deadline_ms) {
            // 15% of wrap-ups run out their timer; 10% of the rest leave without one.
            let r = decide(id, 1, u64::from(task.id.0));
            let started = deadline - config.wrap_up_ms;
            if r % 100 < 15 {
                consider(deadline + 1, Side::Watch);
            } else {
                let input = if (r >> 32) % 100 < 10 {
                    Input::LeaveWithoutWrapUp { agent }
                } else {
                    Input::WrapUpApplied { agent }
                };
                consider(
                    started + 5 * SECOND_MS + (r >> 8) % (45 * SECOND_MS),
                    Side::Act(input),
                );
            }
        }
        if let (MediaState::Reserved, Some(deadline)) = (task.media_state(), task.rona_deadline_ms)
        {
            // 8% of reserved agents do not answer: RONA.
            let r = decide(id, 2, u64::from(task.id.0));
            let reserved = deadline - config.rona_ms;
            if r % 100 < 8 {
                consider(deadline + 1, Side::Watch);
            } else {
                let ring_ms = SECOND_MS + (r >> 8) % (14 * SECOND_MS);
                consider(reserved + ring_ms, Side::Act(Input::AcceptTask { agent }));
            }
        }
    }
    if let (Some(request), Some(task)) = (&sys.tasks.request, sys.tasks.queued_task()) {
        // 4% of queued requests find no agent before their TTL.
        let r = decide(id, 3, u64::from(task.id.0));
        match request.ttl_deadline_ms.filter(|_| !request.ttl_expired) {
            Some(deadline) if r % 100 < 4 => consider(deadline + 1, Side::Watch),
            _ => consider(
                queued_since_ms + SECOND_MS + (r >> 8) % (59 * SECOND_MS),
                Side::Reserve,
            ),
        }
    }
    if let Some(deadline) = sys.conversation.hold_deadline_ms {
        // 3% of holds run out the hold timer.
        let started = deadline - config.hold_ms;
        let r = decide(id, 4, started);
        match primaries(sys).next() {
            Some(agent) if r % 100 >= 3 => consider(
                started + 10 * SECOND_MS + (r >> 8) % (110 * SECOND_MS),
                Side::Act(Input::ResumeConversation { agent }),
            ),
            _ => consider(deadline + 1, Side::Watch),
        }
    }
    best
}

/// One conversation as the generator sees it.
struct Conv {
    id: u64,
    plan: Plan,
    /// When the main flow acts next, if it has something to do.
    main_due_ms: Option<u64>,
    /// The queued task last seen and when: the routing wait counts from there.
    queued_seen: Option<(u32, u64)>,
    steps: u32,
}

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
    fn next_deadline(&self) -> Option<u64> {
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
// The generator.

struct Generator {
    oracle: Engine<Counted>,
    config: Config,
    rng: SplitMix,
    convs: Vec<Conv>,
    /// One pending wake per conversation slot, on a timing wheel of its own (it fires by time,
    /// then in scheduling order), and the wakes that came due but are not processed yet.
    wakes: TimingWheel<u32>,
    due: std::collections::VecDeque<Expired<u32>>,
    fired: Vec<Expired<u32>>,
    next_id: u64,
    next_tick_ms: u64,
    /// Events the oracle published while the generator advanced it on its own (expiries seen
    /// before deciding); the engine under test publishes them in its next call, so they are
    /// owed to the next entry.
    owed: u32,
    out: Vec<EngineEvent>,
    ops: Rc<Cell<TimerOps>>,
    mix: Mix,
}

impl Generator {
    /// N conversations whose starts are spread over `spread_ms`.
    fn new(n: usize, spread_ms: u64) -> Self {
        let config = config();
        let ops = Rc::new(Cell::new(TimerOps::default()));
        let queue = Counted {
            inner: TimingWheel::new(0),
            ops: ops.clone(),
        };
        let mut rng = SplitMix(0x7A7B_0000 ^ n as u64);
        let mut convs = Vec::with_capacity(n);
        let mut wakes = TimingWheel::with_capacity(0, n);
        for slot in 0..n {
            let start = rng.range(0, spread_ms);
            convs.push(Conv {
                id: slot as u64 + 1,
                plan: Plan::draw(&mut rng),
                main_due_ms: Some(start),
                queued_seen: None,
                steps: 0,
            });
            wakes.arm(start, slot as u32);
        }
        Generator {
            oracle: Engine::with_timers(config.clone(), RuleSet::Specified, queue),
            config,
            rng,
            convs,
            wakes,
            due: std::collections::VecDeque::new(),
            fired: Vec::new(),
            next_id: n as u64 + 1,
            next_tick_ms: TICK_MS,
            owed: 0,
            out: Vec::new(),
            ops,
            mix: Mix::default(),
        }
    }

    fn now_ms(&self) -> u64 {
        self.oracle.now_ms()
    }

    fn snapshot(&self) -> Mix {
        Mix {
            timers: self.ops.get(),
            ..self.mix
        }
    }

    /// Appends entries until `log` holds `until_inputs` inputs.
    fn fill(&mut self, log: &mut Log, until_inputs: u64) {
        while log.inputs < until_inputs {
            self.step(log);
        }
    }

    fn advance(&mut self, now_ms: u64) {
        self.out.clear();
        self.oracle
            .advance_into(now_ms, &mut self.out)
            .expect("the generator's clock is monotone");
        self.owed += self.out.len() as u32;
    }

    fn schedule(&mut self, slot: u32, at_ms: u64) {
        self.wakes.arm(at_ms, slot);
    }

    fn step(&mut self, log: &mut Log) {
        if let Some(wake) = self.due.pop_front() {
            let at_ms = wake.deadline_ms.max(self.now_ms());
            self.advance(at_ms);
            self.wake(wake.payload, at_ms, log);
            return;
        }
        let at_ms = self.wakes.next_deadline().expect("N conversations");
        if at_ms >= self.next_tick_ms {
            let tick = self.next_tick_ms;
            self.next_tick_ms += TICK_MS;
            self.advance(tick);
            let published = std::mem::take(&mut self.owed);
            log.push(Entry::Tick {
                at_ms: tick,
                published,
            });
            self.mix.ticks += 1;
            self.mix.published += u64::from(published);
            return;
        }
        // Everything due at the earliest deadline, in scheduling order; a wake scheduled for
        // the same millisecond while these are processed fires in the next batch.
        let at_ms = at_ms.max(self.wakes.now_ms());
        self.wakes
            .advance(at_ms, &mut self.fired)
            .expect("the wake clock is monotone");
        self.due.extend(self.fired.drain(..));
    }

    fn emit(&mut self, id: u64, input: Input, now_ms: u64, log: &mut Log) {
        self.out.clear();
        let handle = self.oracle.handle(id);
        if let Err(e) = self.oracle.apply_into(id, input, now_ms, &mut self.out) {
            panic!("the generator emitted an input the spec rejects: {e}");
        }
        let published = self.out.len() as u32 + std::mem::take(&mut self.owed);
        log.push(Entry::Apply {
            conversation: id,
            handle,
            at_ms: now_ms,
            input,
            published,
        });
        self.mix.inputs += 1;
        self.mix.published += u64::from(published);
        self.mix.by_input[input_index(&input)] += 1;
    }

    /// Notes when the conversation's queued task was first seen: the routing wait counts
    /// from there, also for a task that RONA or an agent SLA expiry queued on its own.
    fn note_queued(&mut self, s: usize, now_ms: u64) -> u64 {
        let conv = &mut self.convs[s];
        let queued = self
            .oracle
            .conversation(conv.id)
            .and_then(|sys| sys.tasks.queued_task())
            .map(|t| t.id.0);
        conv.queued_seen = match (queued, conv.queued_seen) {
            (Some(task), Some((seen, at))) if task == seen => Some((seen, at)),
            (Some(task), _) => Some((task, now_ms)),
            (None, _) => None,
        };
        conv.queued_seen.map_or(now_ms, |(_, at)| at)
    }

    /// One wake of one conversation: act if something is due, then schedule the next wake.
    fn wake(&mut self, slot: u32, now_ms: u64, log: &mut Log) {
        let s = slot as usize;
        let id = self.convs[s].id;
        let queued_since = self.note_queued(s, now_ms);
        let side = self
            .oracle
            .conversation(id)
            .and_then(|sys| side_action(id, sys, queued_since, &self.config))
            .filter(|(due, _)| *due <= now_ms);
        let main_due = self.convs[s].main_due_ms.is_some_and(|due| due <= now_ms);

        let mut acted = false;
        match side {
            Some((_, Side::Act(input))) => {
                self.emit(id, input, now_ms, log);
                acted = true;
            }
            Some((_, Side::Reserve)) => {
                let sys = self.oracle.conversation(id).expect("a live conversation");
                let agent = free_agent(sys, &self.config, &mut self.rng);
                self.emit(id, Input::ReserveAgent { agent }, now_ms, log);
                acted = true;
            }
            Some((_, Side::Watch)) | None if main_due => {
                if self.convs[s].steps > 200 {
                    // A backstop against a plan that never ends; not expected to trigger.
                    let plan = &mut self.convs[s].plan;
                    plan.exchanges_left = 0;
                    plan.special = Special::None;
                    plan.ending = Ending::CustomerLeaves;
                }
                let sys = self.oracle.conversation(id);
                let plan = self.convs[s].plan;
                if let Some((input, actor)) = main_action(sys, &plan, &self.config, &mut self.rng) {
                    let plan = &mut self.convs[s].plan;
                    match actor {
                        Actor::CustomerToBot => plan.bot_rounds -= 1,
                        Actor::Request => plan.requested = true,
                        Actor::AgentReply if plan.exchanges_left > 0 => {
                            plan.exchanges_left -= 1;
                            plan.exchanges_done += 1;
                        }
                        Actor::Special => plan.special = Special::None,
                        _ => {}
                    }
                    self.emit(id, input, now_ms, log);
                    acted = true;
                }
                self.convs[s].main_due_ms = None;
            }
            Some((_, Side::Watch)) | None => {}
        }
        if acted {
            self.convs[s].steps += 1;
        }

        // A conversation that closed is replaced by a new one.
        if acted && self.oracle.conversation(id).is_none() {
            self.mix.closed += 1;
            self.next_id += 1;
            let start = now_ms + Actor::Start.delay_ms(&mut self.rng);
            self.convs[s] = Conv {
                id: self.next_id,
                plan: Plan::draw(&mut self.rng),
                main_due_ms: Some(start),
                queued_seen: None,
                steps: 0,
            };
            self.schedule(slot, start);
            return;
        }

        // The next wake: the main flow's next action, a side action, or a timer to watch.
        if self.convs[s].main_due_ms.is_none() {
            let sys = self.oracle.conversation(id);
            let plan = self.convs[s].plan;
            if let Some((_, actor)) = main_action(sys, &plan, &self.config, &mut self.rng) {
                self.convs[s].main_due_ms = Some(now_ms + actor.delay_ms(&mut self.rng));
            }
        }
        let queued_since = self.note_queued(s, now_ms);
        let sys = self.oracle.conversation(id);
        let side_due =
            sys.and_then(|sys| side_action(id, sys, queued_since, &self.config).map(|(d, _)| d));
        let timer_due = sys.and_then(|sys| {
            let mut earliest = None::<u64>;
            sys.for_each_timer(|_, d| earliest = Some(earliest.map_or(d, |e| e.min(d))));
            earliest.map(|d| d + 1)
        });
        let next = [self.convs[s].main_due_ms, side_due]
            .into_iter()
            .flatten()
            .min()
            .or(timer_due);
        match next {
            Some(at) => self.schedule(slot, at.max(now_ms)),
            None => panic!(
                "conversation {id} is stuck: nothing to do and no timer; plan {:?}, state {:?}",
                self.convs[s].plan,
                sys.map(|s| s.conversation.state)
            ),
        }
    }

    /// How the live conversations are spread over the conversation states.
    fn states(&self) -> String {
        let mut counts = [0u64; 8];
        let mut live = 0u64;
        for conv in &self.convs {
            if let Some(sys) = self.oracle.conversation(conv.id) {
                let i = ConversationState::ALL
                    .iter()
                    .position(|s| *s == sys.conversation.state)
                    .expect("a state of ALL");
                counts[i] += 1;
                live += 1;
            }
        }
        ConversationState::ALL
            .iter()
            .zip(counts)
            .filter(|(_, n)| *n > 0)
            .map(|(s, n)| format!("{s:?} {:.1}%", 100.0 * n as f64 / live.max(1) as f64))
            .collect::<Vec<_>>()
            .join(", ")
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
            let mut wheel = Replay::new(WheelEngine::new(config(), rules));
            let mut reference = Replay::new(ReferenceEngine::reference(config(), rules));
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
            generator.oracle.len(),
            generator.oracle.live_timers(),
            generator.states()
        );
        assert_eq!(wheel.engine.len(), generator.oracle.len());
        assert_eq!(reference.engine.len(), generator.oracle.len());
        assert_eq!(wheel.engine.live_timers(), generator.oracle.live_timers());
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
            self.generator.oracle.len(),
            self.generator.oracle.live_timers(),
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
    timed: Duration,
    inputs: u64,
    published: u64,
}

/// Replays `entries` into `engine` until `inputs` inputs are applied or the slice ends.
/// Returns (entries consumed, inputs applied, events published, rejections).
#[inline(never)]
fn replay_into<T: TimerQueue<TimerRef>>(
    engine: &mut Engine<T>,
    entries: &[Entry],
    inputs: u64,
    out: &mut Vec<EngineEvent>,
) -> (usize, u64, u64, u64) {
    let (mut applied, mut published, mut rejected) = (0, 0, 0);
    let mut consumed = 0;
    for entry in entries {
        if applied == inputs {
            break;
        }
        consumed += 1;
        let result = match *entry {
            Entry::Apply {
                conversation,
                handle,
                at_ms,
                input,
                ..
            } => {
                applied += 1;
                match handle {
                    Some(handle) => engine.apply_at(handle, input, at_ms, out),
                    None => engine.apply_into(conversation, input, at_ms, out),
                }
            }
            Entry::Tick { at_ms, .. } => engine.advance_into(at_ms, out),
        };
        rejected += u64::from(result.is_err());
        // The caller drains what each call published, as a deployment would.
        published += out.len() as u64;
        out.clear();
    }
    (consumed, applied, published, rejected)
}

impl<T: TimerQueue<TimerRef>> Replay<T> {
    fn new(engine: Engine<T>) -> Self {
        Replay {
            engine,
            pos: 0,
            log_inputs: 0,
            out: Vec::new(),
            timed: Duration::ZERO,
            inputs: 0,
            published: 0,
        }
    }

    /// Replays a piece of the prefill, untimed but checked.
    fn prefill(&mut self, entries: &[Entry]) {
        let (consumed, _, published, rejected) =
            replay_into(&mut self.engine, entries, u64::MAX, &mut self.out);
        assert_eq!(consumed, entries.len());
        assert_eq!(
            rejected, 0,
            "the engine rejected prefill inputs the oracle accepted"
        );
        let expected: u64 = entries.iter().map(|e| u64::from(e.published())).sum();
        assert_eq!(published, expected, "prefill: published events differ");
    }

    /// What the timed chunks added up to, if any ran.
    fn row(&self, n: usize, timers: &'static str) -> Option<Row> {
        (self.inputs > 0).then(|| Row {
            population: label(n),
            timers,
            inputs: self.inputs,
            timed: self.timed,
            published: self.published,
        })
    }

    /// Times `iters` inputs, in chunks; generation and checks run between chunks.
    fn run(&mut self, iters: u64, workload: &mut Workload) -> Duration {
        let mut total = Duration::ZERO;
        let mut left = iters;
        while left > 0 {
            let n = left.min(CHUNK);
            workload.ensure(self.log_inputs, n);
            let entries = &workload.log.entries[self.pos..];
            let t = Stopwatch::start();
            let (consumed, applied, published, rejected) =
                replay_into(&mut self.engine, entries, n, &mut self.out);
            let elapsed = t.elapsed();
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
            self.timed += elapsed;
            self.inputs += n;
            self.published += published;
        }
        total
    }
}

// ---------------------------------------------------------------------------------------------
// Criterion wiring and the summary table.

struct Row {
    population: String,
    timers: &'static str,
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
        // Built on first use, so a criterion filter that skips both engines skips the setup.
        let mut built: Option<Built> = None;
        group.bench_function(BenchmarkId::new("engine", "wheel"), |b| {
            let Built {
                workload, wheel, ..
            } = built.get_or_insert_with(|| Built::new(n));
            // Criterion sizes its samples by the wall time of the timed call, so the log is
            // extended here, outside it, rather than inside `run`.
            workload.ensure(wheel.log_inputs, AHEAD);
            b.iter_custom(|iters| wheel.run(iters, workload))
        });
        group.bench_function(BenchmarkId::new("engine", "reference"), |b| {
            let Built {
                workload,
                reference,
                ..
            } = built.get_or_insert_with(|| Built::new(n));
            workload.ensure(reference.log_inputs, AHEAD);
            b.iter_custom(|iters| reference.run(iters, workload))
        });
        group.finish();
        if let Some(built) = built {
            rows.extend(built.wheel.row(n, "wheel"));
            rows.extend(built.reference.row(n, "reference"));
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
        "| population | timers | inputs/s | ns/input | published events/s | events/input | reference/wheel |"
    );
    println!("|---|---|---|---|---|---|---|");
    for row in &rows {
        let wheel = rows
            .iter()
            .find(|r| r.population == row.population && r.timers == "wheel");
        let ratio = wheel.map_or(String::from("-"), |w| {
            format!("{:.2}x", row.ns_per_input() / w.ns_per_input())
        });
        let secs = row.timed.as_secs_f64().max(1e-9);
        println!(
            "| {} | {} | {:.0} | {:.0} | {:.0} | {:.2} | {} |",
            row.population,
            row.timers,
            row.inputs as f64 / secs,
            row.ns_per_input(),
            row.published as f64 / secs,
            row.published as f64 / row.inputs.max(1) as f64,
            ratio
        );
    }
}
