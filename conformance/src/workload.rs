//! The timer-path workload as a library: a population of web-chat conversations driven
//! through the engine ([`cxspec_spec::engine::Engine`]) by small per-conversation plans drawn
//! from a fixed-seed SplitMix64, so that every input is one the rules accept in the state the
//! conversation is in. `benches/timer_path.rs` measures the engine on it, and
//! `cxspec simulate-log` writes it as an event log for `cxspec replay`
//! (`conformance/REPLAY.md`).
//!
//! What a conversation does: the session starts, the bot and the customer exchange one to
//! three messages, the customer asks for an agent, routing reserves one (4% wait past the TTL,
//! 4% abandon), the agent accepts (8% ring out, RONA), agent and customer exchange 3 to 14
//! messages (a slow agent crosses the SLA thresholds, 3% of replies expire it and the agents are
//! removed and the chat re-routed; a slow customer crosses theirs), with at most one of: hold and
//! resume (or the hold timer), queue transfer, named transfer, conference, a second chat session,
//! a voice call. It ends with the customer leaving, the agent leaving, or the customer going
//! silent until the customer SLA ends the session; wrap-ups are applied, skipped or left to
//! their timer; house-keeping closes the conversation, and a new one starts in its place, so the
//! live population stays at N.
//!
//! Left out: PULL routing (the configuration is PUSH with wrap-up on), agent logout, queue
//! flush, and any reaction to the published events beyond the state they leave.

use cxspec_spec::engine::{Engine, EngineEvent, Handle, TimerRef};
use cxspec_spec::{
    AgentId, ChannelKind, Config, ConversationState, Input, MediaState, Role, Rules, Sender,
    SessionId, System, TaskState, TimerKey,
};
use cxspec_timer::{Expired, TimerQueue, TimingWheel};

// ---------------------------------------------------------------------------------------------
// Randomness (shared with the benchmarks through `benches/support/rng.rs`).

/// SplitMix64: tiny, fast, and good enough to pick deadlines, victims, plans and delays.
pub struct SplitMix(pub u64);

impl SplitMix {
    // Named as in the benchmarks that draw from it; an endless stream read a number at a
    // time, not an `Iterator` (which would add nothing but an `Option` to unwrap).
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.0)
    }

    /// Uniform in `lo..hi` (the modulo bias is irrelevant at these ranges).
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo)
    }

    /// True with probability `pct` percent.
    pub fn percent(&mut self, pct: u64) -> bool {
        self.next() % 100 < pct
    }
}

/// The SplitMix64 finaliser: a stateless hash, so that a decision tied to one thing (does this
/// agent ring out?) is the same every time it is looked at.
pub fn mix(x: u64) -> u64 {
    let mut z = x;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn decide(conversation: u64, what: u64, of: u64) -> u64 {
    mix(conversation ^ mix(what << 32 ^ of))
}

// ---------------------------------------------------------------------------------------------
// The workload's configuration and plans.

pub const SECOND_MS: u64 = 1_000;
/// The clock tick: an `advance` every simulated second, as a deployment's timer loop would.
pub const TICK_MS: u64 = SECOND_MS;
pub const CHAT: SessionId = SessionId(1);
pub const SECOND_CHAT: SessionId = SessionId(2);
pub const VOICE: SessionId = SessionId(3);

/// The default durations (agent SLA 60 s at 50/75%, customer SLA 300 s at 50/80%, TTL 120 s,
/// RONA 20 s, hold 300 s, wrap-up 60 s), PUSH routing, wrap-up on, 1000 agents to draw from.
pub fn config() -> Config {
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
            // A second chat may also open before the agent's first reply, while the joining
            // agent has stopped the first chat's customer SLA (SLA-06): the moment where
            // as-implemented's ATM-01 shows. The other specials wait for one exchange.
            special_at: rng.range(1, u64::from(exchanges)) as u8
                - u8::from(special == Special::SecondChat),
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
                // The silent customer waits for the customer SLA to end the session. Under a
                // rule set that stopped it without restarting it (as-implemented's ATM-02) there
                // is nothing to wait for, and the customer leaves instead.
                Ending::CustomerSilent
                    if !sys.timer_armed(TimerKey::CustomerSla { session: chat }) =>
                {
                    Some((Input::SessionEnded { session: chat }, Actor::CustomerLeaves))
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
// The generator.

/// Where the generator's calls on its engine go, in order.
pub trait Sink {
    /// An input the generator applied, and what the engine published for it. `handle` is the
    /// conversation's engine handle before the input (None for the SESSION_STARTED that opens
    /// it): every engine that replays the inputs from the start hands out the same handles.
    fn input(
        &mut self,
        conversation: u64,
        handle: Option<Handle>,
        at_ms: u64,
        input: Input,
        published: &[EngineEvent],
    );
    /// What the engine published while the generator advanced its clock (expiries).
    fn expired(&mut self, published: &[EngineEvent]);
    /// A clock tick at `at_ms` (an advance every simulated second, as a deployment's timer
    /// loop would run); the expiries it fired came just before through [`Sink::expired`].
    fn tick(&mut self, at_ms: u64);
    /// A conversation closed and a new one took its place.
    fn replaced(&mut self) {}
}

/// The generator's engine refused an input it chose: a bug of the generator (it only emits
/// inputs after looking at the conversation's state), reported rather than panicking.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GeneratorBug(pub String);

impl std::fmt::Display for GeneratorBug {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// N conversations at once, each replaced by a new one when it closes.
pub struct Generator<T: TimerQueue<TimerRef>> {
    pub oracle: Engine<T>,
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
    out: Vec<EngineEvent>,
}

impl<T: TimerQueue<TimerRef>> Generator<T> {
    /// N conversations whose starts are spread over `spread_ms`, under `rules`, on the timer
    /// queue `timers` (at time 0), drawn from `seed`.
    pub fn new(n: usize, spread_ms: u64, rules: impl Into<Rules>, timers: T, seed: u64) -> Self {
        let config = config();
        let mut rng = SplitMix(seed);
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
            oracle: Engine::with_timers(config.clone(), rules, timers),
            config,
            rng,
            convs,
            wakes,
            due: std::collections::VecDeque::new(),
            fired: Vec::new(),
            next_id: n as u64 + 1,
            next_tick_ms: TICK_MS,
            out: Vec::new(),
        }
    }

    pub fn now_ms(&self) -> u64 {
        self.oracle.now_ms()
    }

    fn advance(&mut self, now_ms: u64, sink: &mut impl Sink) {
        self.out.clear();
        self.oracle
            .advance_into(now_ms, &mut self.out)
            .expect("the generator's clock is monotone");
        if !self.out.is_empty() {
            sink.expired(&self.out);
        }
    }

    fn schedule(&mut self, slot: u32, at_ms: u64) {
        self.wakes.arm(at_ms, slot);
    }

    /// One unit of work: a wake of one conversation, a clock tick, or collecting the wakes
    /// due at the earliest deadline.
    pub fn step(&mut self, sink: &mut impl Sink) -> Result<(), GeneratorBug> {
        if let Some(wake) = self.due.pop_front() {
            let at_ms = wake.deadline_ms.max(self.now_ms());
            self.advance(at_ms, sink);
            return self.wake(wake.payload, at_ms, sink);
        }
        let at_ms = self.wakes.next_deadline().expect("N conversations");
        if at_ms >= self.next_tick_ms {
            let tick = self.next_tick_ms;
            self.next_tick_ms += TICK_MS;
            self.advance(tick, sink);
            sink.tick(tick);
            return Ok(());
        }
        // Everything due at the earliest deadline, in scheduling order; a wake scheduled for
        // the same millisecond while these are processed fires in the next batch.
        let at_ms = at_ms.max(self.wakes.now_ms());
        self.wakes
            .advance(at_ms, &mut self.fired)
            .expect("the wake clock is monotone");
        self.due.extend(self.fired.drain(..));
        Ok(())
    }

    fn emit(
        &mut self,
        id: u64,
        input: Input,
        now_ms: u64,
        sink: &mut impl Sink,
    ) -> Result<(), GeneratorBug> {
        self.out.clear();
        let handle = self.oracle.handle(id);
        self.oracle
            .apply_into(id, input, now_ms, &mut self.out)
            .map_err(|e| {
                GeneratorBug(format!(
                    "the generator emitted an input the rules reject: {e}"
                ))
            })?;
        sink.input(id, handle, now_ms, input, &self.out);
        Ok(())
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
    fn wake(&mut self, slot: u32, now_ms: u64, sink: &mut impl Sink) -> Result<(), GeneratorBug> {
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
                self.emit(id, input, now_ms, sink)?;
                acted = true;
            }
            Some((_, Side::Reserve)) => {
                let sys = self.oracle.conversation(id).expect("a live conversation");
                let agent = free_agent(sys, &self.config, &mut self.rng);
                self.emit(id, Input::ReserveAgent { agent }, now_ms, sink)?;
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
                    self.emit(id, input, now_ms, sink)?;
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
            sink.replaced();
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
            return Ok(());
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
            Some(at) => {
                self.schedule(slot, at.max(now_ms));
                Ok(())
            }
            None => Err(GeneratorBug(format!(
                "conversation {id} is stuck: nothing to do and no timer; plan {:?}, state {:?}",
                self.convs[s].plan,
                sys.map(|s| s.conversation.state)
            ))),
        }
    }

    /// How the live conversations are spread over the conversation states.
    pub fn states(&self) -> String {
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
