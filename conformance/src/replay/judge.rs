//! The replay core: a recorded log of many interleaved conversations, checked against the
//! spec one record at a time, with memory for the open conversations only.
//!
//! The stimuli of the log drive the spec's engine (`spec/src/engine.rs`, on the timing
//! wheel), which fires each timer at its real deadline; every event the engine publishes is
//! an expectation with a due time. Every published event of the log is matched against the
//! expectations of its conversation: by value (a `deadline_ms` within the tolerance), not by
//! position, because events within the tolerance may arrive in any order. What is left over
//! once the tolerance has passed is a divergence: an expectation nobody published
//! (**missing**), an event nobody expected (**extra**), the two with one name
//! (**wrong-payload**), a match outside its window (**early**, **late**), or a stimulus the
//! spec refuses in the state the log has led to (**rejected**). The first divergence of a
//! conversation is its verdict; from then on only the mission monitors
//! (`spec/src/monitors.rs`) look at it, since the spec no longer knows its state.
//!
//! `--check` names the component under test (`suite.rs`): its events are held to all of the
//! above. The other components' events are context: a component's events may be left out of
//! a log altogether, but once the log holds any, they must be there and agree with the spec,
//! or the spec's picture of the conversation is wrong and the component under test cannot be
//! judged past that point (verdict incomplete). While the spec follows a conversation, the
//! mission monitors read its steps; a breach makes any conversation diverge.
//!
//! A divergence is explained (`explain.rs`) and the conversation judged again under the
//! rules that explain it ([`judge_again`]), from its kept records or, for a log that can be
//! read twice, from a second reading ([`Options::defer_chain`]).
//!
//! Records are released to the engine in time order through a reorder buffer as wide as the
//! tolerance, so that conversations interleaved slightly out of order are normal. A record
//! that arrives more than the tolerance behind the latest time of the log is reported with
//! its conversation and still checked at its own time against what the spec still holds open
//! (it is never fatal to the run; if the spec's window for it has closed, its conversation
//! shows the divergence that causes); one older than the engine's clock is applied at the
//! clock's time.
//!
//! Layout: [`Judge`] holds the conversations and the reorder buffer; everything else is a
//! `Core` that works on one borrowed conversation, so a record costs one table lookup.
//!
//! Left out: a stimulus within the tolerance after a deadline is taken in the spec's order
//! (timer first), whatever order the platform took; IDs of tasks, sessions and agents are
//! compared as the log gives them (the platform's numbering must be the spec's: tasks numbered
//! from 1 per conversation).

use super::explain::{self, Explanation, Step};
use super::format::{ConversationName, Item, Record};
use crate::suite::{input_owner, publisher, Suite};
use cxspec_spec::engine::{Engine, EngineError, EngineEvent, Handle, IdHasher};
use cxspec_spec::monitors::{Breach, MissionMonitor, Observe};
use cxspec_spec::{Config, ConversationState, Input, Published, Rules};
use std::collections::{BTreeMap, BinaryHeap, HashMap, VecDeque};
use std::hash::BuildHasherDefault;

/// The default `--tolerance-ms`: a platform whose timer loop ticks once a second fires a
/// timer up to a second after its deadline.
pub const DEFAULT_TOLERANCE_MS: u64 = 1_000;

/// How many diverging conversations get their divergence explained (each explanation re-runs
/// the conversation under every other rule set and reading alternative).
pub const DEFAULT_EXPLAIN_LIMIT: u64 = 1_000;

/// How many times a diverging conversation is judged again under the rules that explain its
/// last divergence: enough to go from `specified` through `documented` to `as-implemented`
/// and a reading or two.
pub const DEFAULT_CHAIN_LIMIT: usize = 4;

#[derive(Clone, Debug)]
pub struct Options {
    /// The component under test (`System`: every component).
    pub check: Suite,
    pub rules: Rules,
    pub config: Config,
    pub tolerance_ms: u64,
    /// Keep conforming conversations in the results (memory grows with the log).
    pub list_conforming: bool,
    /// Explain at most this many divergences (0: none).
    pub explain_limit: u64,
    /// After an explained divergence, judge the conversation again under the rules that
    /// explain it, up to this many times, to find the divergences behind the first (0: off).
    /// Without `defer_chain`, the records of open conversations are kept for it while
    /// explanations are left.
    pub chain_limit: usize,
    /// Re-judge after the whole log instead of keeping every open conversation's records:
    /// the caller reads the log again for the conversations in [`Judge::finish_with_requests`]
    /// (a file can be read twice; a pipe cannot).
    pub defer_chain: bool,
}

impl Options {
    pub fn new(check: Suite, rules: Rules, config: Config) -> Options {
        Options {
            check,
            rules,
            config,
            tolerance_ms: DEFAULT_TOLERANCE_MS,
            list_conforming: false,
            explain_limit: DEFAULT_EXPLAIN_LIMIT,
            chain_limit: DEFAULT_CHAIN_LIMIT,
            defer_chain: false,
        }
    }
}

/// The kinds of divergence, in report order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Missing,
    Extra,
    WrongPayload,
    Early,
    Late,
    Rejected,
    Invariant,
}

impl Kind {
    pub const ALL: [Kind; 7] = [
        Kind::Missing,
        Kind::Extra,
        Kind::WrongPayload,
        Kind::Early,
        Kind::Late,
        Kind::Rejected,
        Kind::Invariant,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Missing => "missing",
            Kind::Extra => "extra",
            Kind::WrongPayload => "wrong-payload",
            Kind::Early => "early",
            Kind::Late => "late",
            Kind::Rejected => "rejected",
            Kind::Invariant => "invariant",
        }
    }
}

/// An event with its time (due time for an expectation) and, when observed, its log line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Timed {
    pub event: Published,
    pub at_ms: u64,
    pub line: Option<u64>,
}

/// The first place where a conversation's log and the spec part.
#[derive(Clone, Debug, PartialEq)]
pub struct Divergence {
    pub kind: Kind,
    /// When it shows: the observed event's time, or an expectation's due time plus the
    /// tolerance.
    pub at_ms: u64,
    /// The log line it shows at.
    pub line: u64,
    /// The component whose event (or input) it is.
    pub component: Suite,
    pub expected: Option<Timed>,
    pub observed: Option<Timed>,
    /// The spec's step behind the expectation, or the stimulus refused.
    pub cause: String,
    /// One sentence on what is wrong.
    pub detail: String,
    /// Field by field, for a wrong payload (`diff.rs`).
    pub differences: Vec<String>,
    /// The rules of the spec step involved (or of the step that explains it).
    pub rules: Vec<String>,
    /// Rule sets, deviations and readings under which the spec gives what was observed.
    pub explained_by: Vec<Explanation>,
}

/// A breach of a mission invariant seen in the observed events.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BreachSeen {
    pub line: u64,
    pub at_ms: u64,
    pub mission: &'static str,
    pub what: String,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Verdict {
    Conforms,
    Diverges(Box<Divergence>),
    /// The spec cannot judge the whole conversation: the log ends in it or began after it
    /// started, or another component's events left the spec's picture (`context`).
    Incomplete {
        reason: String,
        context: Option<Box<Divergence>>,
    },
}

impl Verdict {
    pub fn name(&self) -> &'static str {
        match self {
            Verdict::Conforms => "conforms",
            Verdict::Diverges(_) => "diverges",
            Verdict::Incomplete { .. } => "incomplete",
        }
    }
}

/// Records that arrived more than the tolerance behind the latest time of the log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutOfOrder {
    pub records: u64,
    pub first_line: u64,
    pub first_by_ms: u64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ConversationResult {
    pub name: ConversationName,
    pub first_line: u64,
    pub last_line: u64,
    pub records: u64,
    pub verdict: Verdict,
    /// Mission invariant breaches in the observed events (at most [`MAX_BREACHES`] kept).
    pub breaches: Vec<BreachSeen>,
    pub out_of_order: Option<OutOfOrder>,
    /// For a diverging conversation: the verdicts of judging it again under the rules that
    /// explained the divergence before (`Options::chain_limit`), in order.
    pub further: Vec<Further>,
}

/// One re-judging of a diverging conversation under the rules that explained the divergence
/// before it.
#[derive(Clone, Debug, PartialEq)]
pub struct Further {
    pub rules: Rules,
    pub verdict: Verdict,
}

/// Breaches kept per conversation; the summary counts them all.
pub const MAX_BREACHES: usize = 5;

/// Counts over the whole log.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub records: u64,
    pub conversations: u64,
    pub conforms: u64,
    pub diverges: u64,
    pub incomplete: u64,
    /// Divergences (the first of each diverging conversation) per kind, and per rule of
    /// the component under test.
    pub by_kind: BTreeMap<Kind, u64>,
    pub by_rule: BTreeMap<String, u64>,
    /// Explained divergences per explanation (`ATM-01`, `R-05=request-session`, ...): the
    /// first divergences and those found by judging again under the explaining rules.
    pub by_explanation: BTreeMap<String, u64>,
    /// Diverging conversations that conform as a whole under other rules (found by judging
    /// again), per those rules.
    pub fits: BTreeMap<String, u64>,
    /// Divergences explained (at most the explain limit are tried).
    pub explained: u64,
    pub explain_tried: u64,
    /// Mission invariant breaches per invariant.
    pub breaches: BTreeMap<&'static str, u64>,
    /// Records that arrived more than the tolerance behind the latest time of the log.
    pub out_of_order: u64,
    /// Records that reached the engine after its clock had passed their time (beyond the
    /// reorder window), applied at the clock's time.
    pub late_arrivals: u64,
    /// The latest timestamp of the log.
    pub last_ms: u64,
}

/// Conversations by ID, hashed as the engine hashes them (one multiply: IDs come from the
/// log, not from an adversary, and the table is looked up once per record).
type IdMap<V> = HashMap<u64, V, BuildHasherDefault<IdHasher>>;

/// Why the spec produced an expectation: a stimulus of the log, or a timer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cause {
    Stimulus { line: u64, at_ms: u64, input: Input },
    Timer,
}

#[derive(Clone, Debug)]
struct Expect {
    event: Published,
    due_ms: u64,
    cause: Cause,
    checked: bool,
}

#[derive(Clone, Debug)]
struct Obs {
    event: Published,
    at_ms: u64,
    line: u64,
}

#[derive(Clone, Debug, PartialEq)]
enum Judging {
    /// Every record so far agrees with the spec.
    Open,
    /// Decided (a divergence, or context lost): the spec no longer follows it.
    Decided,
}

struct Conv {
    name: ConversationName,
    instance: u64,
    first_line: u64,
    last_line: u64,
    records: u64,
    last_ms: u64,
    /// The log shows its start (its first record is SESSION_STARTED): the spec and the
    /// monitors follow it.
    started: bool,
    /// Its place in the engine, once open: stimuli step it with no lookup.
    handle: Option<Handle>,
    judging: Judging,
    verdict: Option<Verdict>,
    /// When the spec closed it (the engine dropped it).
    closed_ms: Option<u64>,
    expected: Vec<Expect>,
    unexplained: Vec<Obs>,
    /// Stimuli as applied, for explanations.
    history: Vec<Step>,
    monitor: MissionMonitor,
    /// The observed events since the last stimulus: one step for the monitors.
    group: Vec<Published>,
    group_line: u64,
    breaches: Vec<BreachSeen>,
    out_of_order: Option<OutOfOrder>,
    /// Its records, for judging it again under other rules (`Options::chain_limit`).
    kept: Option<Vec<(u64, u64, Item)>>,
}

/// A record waiting in the reorder buffer.
struct Pending {
    at_ms: u64,
    line: u64,
    id: u64,
    name: ConversationName,
    item: Item,
    /// How far it was behind the latest time of the log when it arrived (0: in order
    /// within the tolerance).
    behind_ms: u64,
}

/// The reorder buffer: records in a slab, and a min-heap of (time, arrival, slot) over them
/// (`Reverse`, since `BinaryHeap` is a max-heap), so that records with one timestamp keep the
/// log's order. Measured before: a sorted deque (a jittered log inserts behind the back so
/// often that shifting records cost a quarter of the run), then a heap of whole records
/// (moving ~130-byte records on every sift cost 8%).
#[derive(Default)]
struct ReorderBuffer {
    heap: BinaryHeap<std::cmp::Reverse<(u64, u64, u32)>>,
    slots: Vec<Option<Pending>>,
    free: Vec<u32>,
    arrivals: u64,
}

impl ReorderBuffer {
    fn push(&mut self, pending: Pending) {
        let key = (pending.at_ms, self.arrivals);
        self.arrivals += 1;
        let slot = match self.free.pop() {
            Some(slot) => {
                self.slots[slot as usize] = Some(pending);
                slot
            }
            None => {
                self.slots.push(Some(pending));
                u32::try_from(self.slots.len() - 1).expect("2^32 records within the tolerance")
            }
        };
        self.heap.push(std::cmp::Reverse((key.0, key.1, slot)));
    }

    fn earliest_ms(&self) -> Option<u64> {
        self.heap.peek().map(|r| r.0 .0)
    }

    fn pop(&mut self) -> Option<Pending> {
        let std::cmp::Reverse((_, _, slot)) = self.heap.pop()?;
        self.free.push(slot);
        self.slots[slot as usize].take()
    }
}

/// The replay of one log under one set of rules.
pub struct Judge {
    core: Core,
    convs: IdMap<Conv>,
    /// Conversations named by text, by their internal ID (numbers are their own ID).
    texts: HashMap<Box<str>, u64>,
    next_text_id: u64,
    next_instance: u64,
    buffer: ReorderBuffer,
    max_seen_ms: u64,
    results: Vec<ConversationResult>,
    chain_requests: Vec<ChainRequest>,
}

/// A diverging conversation to judge again once the log has been read once more
/// ([`Options::defer_chain`]): which records are its (name and line range) and its first
/// divergence.
#[derive(Clone, Debug)]
pub struct ChainRequest {
    pub name: ConversationName,
    pub first_line: u64,
    pub last_line: u64,
    pub divergence: Divergence,
}

/// Everything of a replay but its conversations, so that a conversation borrowed from the
/// table can be worked on with the rest: one lookup per record, not one per event.
struct Core {
    opts: Options,
    engine: Engine,
    summary: Summary,
    /// (window end, conversation, instance) of conversations the spec closed, in time order.
    closing: VecDeque<(u64, u64, u64)>,
    out: Vec<EngineEvent>,
    /// Per component (sla, task, conversation): whether the log holds any of its events. A
    /// component whose events are not recorded at all is not expected to show them; one
    /// whose events are recorded is expected to show every one.
    logged: [bool; 3],
    /// Reused for each step the monitors read, so that a step costs no allocation.
    scratch: Vec<Published>,
}

fn component_index(suite: Suite) -> usize {
    match suite {
        Suite::Sla => 0,
        Suite::Task => 1,
        Suite::Conversation | Suite::System => 2,
    }
}

/// Text-named conversations get IDs above every number a log may use (2^53 - 1).
const FIRST_TEXT_ID: u64 = 1 << 60;

/// The `deadline_ms` of an observed SLA start whose log does not carry one: the vendor's SLA
/// objects have none (`--format cim`; VENDOR.md, "Payload gaps"). It matches any deadline.
pub const DEADLINE_NOT_CARRIED: u64 = u64::MAX;

/// Whether an observed event is the expected one: equal, with a `deadline_ms` allowed to be
/// off by the tolerance (the platform computes it from its own clock), or not carried at all
/// ([`DEADLINE_NOT_CARRIED`]).
pub fn same_event(expected: &Published, observed: &Published, tolerance_ms: u64) -> bool {
    let close = |a: u64, b: u64| b == DEADLINE_NOT_CARRIED || a.abs_diff(b) <= tolerance_ms;
    match (expected, observed) {
        (
            Published::AgentSlaStarted { deadline_ms: a },
            Published::AgentSlaStarted { deadline_ms: b },
        )
        | (
            Published::ResetAgentSla { deadline_ms: a },
            Published::ResetAgentSla { deadline_ms: b },
        ) => close(*a, *b),
        (
            Published::CustomerSlaStarted {
                session: s,
                deadline_ms: a,
            },
            Published::CustomerSlaStarted {
                session: t,
                deadline_ms: b,
            },
        ) => s == t && close(*a, *b),
        (e, o) => e == o,
    }
}

pub(crate) fn describe(event: &Published) -> String {
    let text = cxspec_spec::scenarios::describe(event);
    let absent = format!("deadline_ms={DEADLINE_NOT_CARRIED}");
    if text.contains(&absent) {
        text.replace(&absent, "deadline_ms=(not in the log)")
    } else {
        text
    }
}

fn breach_text(breach: &Breach) -> String {
    match breach {
        Breach::SecondCustomerSla { session } => format!(
            "CUSTOMER_SLA_STARTED for session {} while its customer SLA is live",
            session.0
        ),
        Breach::SecondAgentSla => "AGENT_SLA_STARTED while the agent SLA is live".into(),
        Breach::SilentRestart { .. } => "an SLA re-armed without its event".into(),
        Breach::AgentSlaWithoutPrimary { event } => {
            format!("{event} while no PRIMARY agent is subscribed")
        }
        Breach::AgentSlaLeftLive => {
            "the agent SLA left live with no PRIMARY agent subscribed".into()
        }
    }
}

impl Judge {
    pub fn new(opts: Options) -> Judge {
        Judge {
            core: Core {
                engine: Engine::new(opts.config.clone(), opts.rules),
                opts,
                summary: Summary::default(),
                closing: VecDeque::new(),
                out: Vec::new(),
                logged: [false; 3],
                scratch: Vec::new(),
            },
            convs: IdMap::default(),
            texts: HashMap::new(),
            next_text_id: FIRST_TEXT_ID,
            next_instance: 0,
            buffer: ReorderBuffer::default(),
            max_seen_ms: 0,
            results: Vec::new(),
            chain_requests: Vec::new(),
        }
    }

    pub fn options(&self) -> &Options {
        &self.core.opts
    }

    /// Open conversations (for memory accounting and progress).
    pub fn open_conversations(&self) -> usize {
        self.convs.len()
    }

    /// Feeds one record read at `line`.
    pub fn push(&mut self, record: Record, line: u64) {
        self.core.summary.records += 1;
        let id = match &record.conversation {
            ConversationName::Number(n) => *n,
            ConversationName::Text(t) => match self.texts.get(t) {
                Some(id) => *id,
                None => {
                    let id = self.next_text_id;
                    self.next_text_id += 1;
                    self.texts.insert(t.clone(), id);
                    id
                }
            },
        };
        let behind_ms = self.max_seen_ms.saturating_sub(record.at_ms);
        let pending = Pending {
            at_ms: record.at_ms,
            line,
            id,
            name: record.conversation,
            item: record.item,
            behind_ms: if behind_ms > self.core.opts.tolerance_ms {
                behind_ms
            } else {
                0
            },
        };
        self.max_seen_ms = self.max_seen_ms.max(pending.at_ms);
        self.buffer.push(pending);
        while self
            .buffer
            .earliest_ms()
            .is_some_and(|at| at + self.core.opts.tolerance_ms < self.max_seen_ms)
        {
            let p = self.buffer.pop().expect("checked");
            self.process(p);
        }
    }

    /// Ends the log: releases what is buffered and judges every conversation still open.
    pub fn finish(self) -> (Vec<ConversationResult>, Summary) {
        self.finish_at(0)
    }

    /// [`Judge::finish`], with the diverging conversations to judge again once the log is
    /// read again (only with [`Options::defer_chain`]).
    pub fn finish_with_requests(self) -> (Vec<ConversationResult>, Summary, Vec<ChainRequest>) {
        self.finish_all(0)
    }

    /// [`Judge::finish`] for a log that ends at `end_ms` or later (a conversation judged again
    /// alone ends where the whole log ends, not at its own last record).
    pub fn finish_at(self, end_ms: u64) -> (Vec<ConversationResult>, Summary) {
        let (results, summary, _) = self.finish_all(end_ms);
        (results, summary)
    }

    fn finish_all(mut self, end_ms: u64) -> (Vec<ConversationResult>, Summary, Vec<ChainRequest>) {
        while let Some(p) = self.buffer.pop() {
            self.process(p);
        }
        self.max_seen_ms = self.max_seen_ms.max(end_ms);
        let end_ms = self.max_seen_ms;
        self.core.summary.last_ms = end_ms;
        // In order of first appearance, so the output never depends on hash order.
        let mut open: Vec<(u64, u64)> = self
            .convs
            .iter()
            .map(|(id, c)| (c.first_line, *id))
            .collect();
        open.sort_unstable();
        for (_, id) in open {
            self.finalize(id, Some(end_ms));
        }
        let mut results = self.results;
        results.sort_by_key(|r| r.first_line);
        (results, self.core.summary, self.chain_requests)
    }

    fn process(&mut self, p: Pending) {
        // Conversations the spec closed more than the tolerance ago are judged now.
        while let Some(&(end, id, instance)) = self.core.closing.front() {
            if end >= p.at_ms {
                break;
            }
            self.core.closing.pop_front();
            if self.convs.get(&id).is_some_and(|c| c.instance == instance) {
                self.finalize(id, None);
            }
        }
        let now = if p.at_ms < self.core.engine.now_ms() {
            self.core.summary.late_arrivals += 1;
            self.core.engine.now_ms()
        } else {
            p.at_ms
        };
        if now > self.core.engine.now_ms() {
            let mut fired = std::mem::take(&mut self.core.out);
            fired.clear();
            self.core
                .engine
                .advance_into(now, &mut fired)
                .expect("the clock only moves forward");
            // The expiries of one conversation at one instant are one step.
            for step in
                fired.chunk_by(|a, b| a.conversation == b.conversation && a.at_ms == b.at_ms)
            {
                let (id, at_ms) = (step[0].conversation, step[0].at_ms);
                let Some(conv) = self.convs.get_mut(&id) else {
                    continue;
                };
                for e in step {
                    self.core.expect(conv, &e.event, e.at_ms, Cause::Timer);
                }
                self.core.monitor_spec_step(conv, step, at_ms);
                self.core.closed_by(id, conv, step, at_ms);
            }
            self.core.out = fired;
        }
        if !self.convs.contains_key(&p.id) {
            let conv = self.open(&p);
            self.convs.insert(p.id, conv);
        }
        let conv = self.convs.get_mut(&p.id).expect("inserted");
        conv.records += 1;
        conv.last_line = p.line;
        if let Some(kept) = &mut conv.kept {
            kept.push((p.line, p.at_ms, p.item.clone()));
        }
        if p.behind_ms > 0 {
            self.core.summary.out_of_order += 1;
            match &mut conv.out_of_order {
                Some(o) => o.records += 1,
                None => {
                    conv.out_of_order = Some(OutOfOrder {
                        records: 1,
                        first_line: p.line,
                        first_by_ms: p.behind_ms,
                    })
                }
            }
        }
        conv.last_ms = conv.last_ms.max(p.at_ms);
        match p.item {
            Item::Stimulus(input) => self.core.stimulus(p.id, conv, input, now, p.at_ms, p.line),
            Item::Observed(event) => self.core.observed(p.id, conv, event, p.at_ms, p.line),
        }
    }

    /// A new conversation for the record `p`: followed by the spec if the record is its
    /// SESSION_STARTED, else incomplete from the start.
    fn open(&mut self, p: &Pending) -> Conv {
        let started = matches!(p.item, Item::Stimulus(Input::SessionStarted { .. }));
        self.next_instance += 1;
        let mut conv = Conv {
            name: p.name.clone(),
            instance: self.next_instance,
            first_line: p.line,
            last_line: p.line,
            records: 0,
            last_ms: p.at_ms,
            started,
            handle: None,
            judging: Judging::Open,
            verdict: None,
            closed_ms: None,
            expected: Vec::new(),
            unexplained: Vec::new(),
            history: Vec::new(),
            monitor: MissionMonitor::new(),
            group: Vec::new(),
            group_line: p.line,
            breaches: Vec::new(),
            out_of_order: None,
            kept: (self.core.opts.chain_limit > 0
                && !self.core.opts.defer_chain
                && self.core.summary.explain_tried < self.core.opts.explain_limit)
                .then(Vec::new),
        };
        if !started {
            conv.judging = Judging::Decided;
            conv.verdict = Some(Verdict::Incomplete {
                reason: format!(
                    "its first record (line {}) is not its SESSION_STARTED: the log began after the conversation did",
                    p.line
                ),
                context: None,
            });
        }
        conv
    }

    /// Judges a conversation and forgets it: the spec closed it (`end_ms` None: everything
    /// it expected should have come), or the log ended (`end_ms`: what was due by then).
    fn finalize(&mut self, id: u64, end_ms: Option<u64>) {
        let settle_at = end_ms.unwrap_or(u64::MAX);
        let mut conv = self.convs.remove(&id).expect("open");
        let closed = conv.closed_ms.is_some();
        let line = conv.last_line;
        self.core.settle(
            id,
            &mut conv,
            if closed { u64::MAX } else { settle_at },
            line,
        );
        if let ConversationName::Text(t) = &conv.name {
            self.texts.remove(t);
        }
        let observe = Observe::for_rules(self.core.opts.rules);
        Core::flush_group(&mut conv, observe, &mut self.core.summary);
        let mut verdict = match conv.verdict.take() {
            Some(v) => v,
            None if closed => Verdict::Conforms,
            None => Verdict::Incomplete {
                reason: format!(
                    "the log ends at {} ms with the conversation open",
                    self.max_seen_ms
                ),
                context: None,
            },
        };
        // A broken mission invariant is a violation whatever the spec could follow: it turns
        // a conforming or incomplete conversation into a diverging one.
        if let (Verdict::Conforms | Verdict::Incomplete { .. }, Some(first)) =
            (&verdict, conv.breaches.first())
        {
            verdict = Verdict::Diverges(Box::new(Divergence {
                kind: Kind::Invariant,
                at_ms: first.at_ms,
                line: first.line,
                component: Suite::Sla,
                expected: None,
                observed: None,
                cause: format!("the events after line {}", first.line),
                detail: format!("{}: {}", first.mission, first.what),
                differences: Vec::new(),
                rules: vec!["SLA-27".into(), "SLA-07".into(), "SLA-21".into()]
                    .into_iter()
                    .filter(|r: &String| match first.mission {
                        m if m == cxspec_spec::monitors::Mission::OneLiveSlaPerSession.name() => {
                            r == "SLA-27"
                        }
                        _ => r != "SLA-27",
                    })
                    .collect(),
                explained_by: Vec::new(),
            }));
        }
        let further = match (&verdict, conv.kept.take()) {
            (Verdict::Diverges(d), Some(kept)) if d.kind != Kind::Invariant => {
                judge_again(&self.core.opts, self.max_seen_ms, &conv.name, &kept, d)
            }
            (Verdict::Diverges(d), None)
                if self.core.opts.defer_chain
                    && self.core.opts.chain_limit > 0
                    && d.kind != Kind::Invariant
                    && !d.explained_by.is_empty() =>
            {
                self.chain_requests.push(ChainRequest {
                    name: conv.name.clone(),
                    first_line: conv.first_line,
                    last_line: conv.last_line,
                    divergence: (**d).clone(),
                });
                Vec::new()
            }
            _ => Vec::new(),
        };
        let s = &mut self.core.summary;
        s.conversations += 1;
        count_further(s, &further);
        match &verdict {
            Verdict::Conforms => s.conforms += 1,
            Verdict::Diverges(d) => {
                s.diverges += 1;
                *s.by_kind.entry(d.kind).or_default() += 1;
                let prefix = self.core.opts.check.rule_prefix();
                for rule in &d.rules {
                    if prefix.is_none_or(|p| rule.starts_with(p)) {
                        *s.by_rule.entry(rule.clone()).or_default() += 1;
                    }
                }
                for e in &d.explained_by {
                    *s.by_explanation.entry(e.key.clone()).or_default() += 1;
                }
            }
            Verdict::Incomplete { .. } => s.incomplete += 1,
        }
        if self.core.opts.list_conforming || verdict != Verdict::Conforms {
            self.results.push(ConversationResult {
                name: conv.name,
                first_line: conv.first_line,
                last_line: conv.last_line,
                records: conv.records,
                verdict,
                breaches: conv.breaches,
                out_of_order: conv.out_of_order,
                further,
            });
        }
    }
}

impl Core {
    fn stimulus(
        &mut self,
        id: u64,
        conv: &mut Conv,
        input: Input,
        now: u64,
        at_ms: u64,
        line: u64,
    ) {
        self.settle(id, conv, at_ms, line);
        Self::flush_group(conv, Observe::for_rules(self.opts.rules), &mut self.summary);
        conv.group_line = line;
        if !conv.started {
            return;
        }
        let judging = conv.judging == Judging::Open;
        if judging {
            conv.history.push(Step {
                at_ms: now,
                input,
                line,
            });
        }
        let mut published = std::mem::take(&mut self.out);
        published.clear();
        let result = match conv.handle {
            Some(handle) => self.engine.apply_at(handle, input, now, &mut published),
            None => {
                let result = self.engine.apply_into(id, input, now, &mut published);
                if result.is_ok() {
                    conv.handle = self.engine.handle(id);
                }
                result
            }
        };
        let cause = Cause::Stimulus {
            line,
            at_ms: now,
            input,
        };
        for e in &published {
            self.expect(conv, &e.event, e.at_ms, cause);
        }
        self.monitor_spec_step(conv, &published, now);
        self.closed_by(id, conv, &published, now);
        self.out = published;
        match result {
            Ok(()) => {}
            Err(error) if judging => {
                let (reject, component) = match &error {
                    EngineError::Rejected { reject, .. } => {
                        (reject.to_string(), input_owner(&input))
                    }
                    EngineError::UnknownConversation(_) | EngineError::StaleHandle(_) => {
                        ("CONVERSATION_CLOSED".to_string(), input_owner(&input))
                    }
                    EngineError::TimeWentBackwards { .. } => {
                        unreachable!("the judge never moves the clock back")
                    }
                };
                let divergence = Divergence {
                    kind: Kind::Rejected,
                    at_ms,
                    line,
                    component,
                    expected: None,
                    observed: None,
                    cause: format!(
                        "{} at {at_ms} ms (line {line})",
                        cxspec_spec::scenarios::describe_input(&input)
                    ),
                    detail: if conv.closed_ms.is_some() {
                        format!(
                            "the spec closed this conversation at {} ms; a stimulus after that is refused",
                            conv.closed_ms.unwrap_or_default()
                        )
                    } else {
                        format!("the spec refuses this stimulus here: {reject}")
                    },
                    differences: Vec::new(),
                    rules: Vec::new(),
                    explained_by: Vec::new(),
                };
                self.decide(conv, divergence);
            }
            Err(_) => {}
        }
    }

    /// Notes that the spec closed the conversation if `step` says so (TOPIC_STATE_CHANGED to
    /// CLOSED, CONV-10, CONV-11): the engine has then dropped it, and the log has the
    /// tolerance to show the rest of its events before it is judged.
    fn closed_by(&mut self, id: u64, conv: &mut Conv, step: &[EngineEvent], at_ms: u64) {
        let closed = step.iter().any(|e| {
            e.event
                == Published::TopicStateChanged {
                    state: ConversationState::Closed,
                }
        });
        if closed && conv.closed_ms.is_none() {
            conv.closed_ms = Some(at_ms);
            self.closing
                .push_back((at_ms + self.opts.tolerance_ms, id, conv.instance));
        }
    }

    fn observed(&mut self, id: u64, conv: &mut Conv, event: Published, at_ms: u64, line: u64) {
        let tolerance = self.opts.tolerance_ms;
        let checked = self.opts.check.publishes(&event);
        self.logged[component_index(publisher(&event))] = true;
        if conv.judging != Judging::Open {
            // The spec no longer follows it: the monitors read the log's own events.
            if conv.started {
                conv.group.push(event);
            }
            return;
        }
        match conv
            .expected
            .iter()
            .position(|e| same_event(&e.event, &event, tolerance))
        {
            Some(at) => {
                let e = conv.expected.remove(at);
                // Timing counts for the component under test; another component's event
                // is context, where only its content matters.
                let early = if matches!(e.cause, Cause::Timer) {
                    at_ms < e.due_ms
                } else {
                    at_ms + tolerance < e.due_ms
                };
                let late = at_ms > e.due_ms + tolerance;
                if checked && (early || late) {
                    let by = at_ms.abs_diff(e.due_ms);
                    let kind = if early { Kind::Early } else { Kind::Late };
                    let window = if matches!(e.cause, Cause::Timer) {
                        format!(
                            "a timer event is accepted from its deadline to {tolerance} ms after it"
                        )
                    } else {
                        format!("an event is accepted within {tolerance} ms of its stimulus")
                    };
                    let divergence = Divergence {
                        kind,
                        at_ms,
                        line,
                        component: publisher(&event),
                        detail: format!(
                            "observed {by} ms {} it was due ({window})",
                            if early { "before" } else { "after" }
                        ),
                        cause: cause_text(&e.cause, e.due_ms),
                        expected: Some(Timed {
                            event: e.event,
                            at_ms: e.due_ms,
                            line: None,
                        }),
                        observed: Some(Timed {
                            event,
                            at_ms,
                            line: Some(line),
                        }),
                        differences: Vec::new(),
                        rules: Vec::new(),
                        explained_by: Vec::new(),
                    };
                    self.decide(conv, divergence);
                    return;
                }
            }
            None => conv.unexplained.push(Obs { event, at_ms, line }),
        }
        self.settle(id, conv, at_ms, line);
    }

    /// A published event of the spec, due at `due_ms`.
    fn expect(&mut self, conv: &mut Conv, event: &Published, due_ms: u64, cause: Cause) {
        let tolerance = self.opts.tolerance_ms;
        let checked = self.opts.check.publishes(event);
        if conv.judging != Judging::Open {
            return;
        }
        match conv
            .unexplained
            .iter()
            .position(|o| same_event(event, &o.event, tolerance))
        {
            Some(at) => {
                let o = conv.unexplained.remove(at);
                // Observed before the spec's step: a timer event that came early, or an
                // event logged ahead of its stimulus beyond the tolerance.
                let early = if matches!(cause, Cause::Timer) {
                    o.at_ms < due_ms
                } else {
                    o.at_ms + tolerance < due_ms
                };
                if checked && early {
                    let divergence = Divergence {
                        kind: Kind::Early,
                        at_ms: o.at_ms,
                        line: o.line,
                        component: publisher(event),
                        detail: format!(
                            "observed {} ms before it was due (tolerance {tolerance} ms, after the deadline only)",
                            due_ms - o.at_ms
                        ),
                        cause: cause_text(&cause, due_ms),
                        expected: Some(Timed {
                            event: event.clone(),
                            at_ms: due_ms,
                            line: None,
                        }),
                        observed: Some(Timed {
                            event: o.event,
                            at_ms: o.at_ms,
                            line: Some(o.line),
                        }),
                        differences: Vec::new(),
                        rules: Vec::new(),
                        explained_by: Vec::new(),
                    };
                    self.decide(conv, divergence);
                }
            }
            None => conv.expected.push(Expect {
                event: event.clone(),
                due_ms,
                cause,
                checked,
            }),
        }
    }

    /// What time `now_ms` (a record of the conversation at `line`) settles: expectations
    /// past their window are missing, observations past theirs are extra.
    fn settle(&mut self, id: u64, conv: &mut Conv, now_ms: u64, line: u64) {
        let tolerance = self.opts.tolerance_ms;
        if conv.judging != Judging::Open {
            return;
        }
        let overdue = |due: u64| due.saturating_add(tolerance) < now_ms;
        // Another component's expectation nobody published: fine if that component's events
        // are left out of the log altogether.
        let logged = self.logged;
        conv.expected.retain(|e| {
            e.checked || logged[component_index(publisher(&e.event))] || !overdue(e.due_ms)
        });
        let mut found: Option<Divergence> = None;
        let mut consider = |d: Divergence| {
            if found.as_ref().is_none_or(|f| d.at_ms < f.at_ms) {
                found = Some(d);
            }
        };
        if let Some(e) = conv
            .expected
            .iter()
            .filter(|e| overdue(e.due_ms))
            .min_by_key(|e| e.due_ms)
        {
            consider(missing_or_wrong(e, &conv.unexplained, tolerance, line));
        }
        if let Some(o) = conv
            .unexplained
            .iter()
            .filter(|o| overdue(o.at_ms))
            .min_by_key(|o| o.at_ms)
        {
            consider(extra_or_wrong(
                o,
                &conv.expected,
                self.engine.conversation(id),
                tolerance,
            ));
        }
        if let Some(d) = found {
            self.decide(conv, d);
        }
    }

    /// Records the conversation's first divergence and stops following it.
    fn decide(&mut self, conv: &mut Conv, mut divergence: Divergence) {
        debug_assert_eq!(conv.judging, Judging::Open);
        conv.judging = Judging::Decided;
        let verdict = if self.opts.check == Suite::System || divergence.component == self.opts.check
        {
            if self.summary.explain_tried < self.opts.explain_limit {
                // Decided now, so kept from here only for judging it again.
                self.summary.explain_tried += 1;
                explain::explain(&mut divergence, &conv.history, &self.opts);
                if !divergence.explained_by.is_empty() {
                    self.summary.explained += 1;
                }
            } else {
                explain::rules_only(&mut divergence, &conv.history, &self.opts);
                conv.kept = None;
            }
            if divergence.explained_by.is_empty() {
                conv.kept = None;
            }
            Verdict::Diverges(Box::new(divergence))
        } else {
            conv.kept = None;
            Verdict::Incomplete {
                reason: format!(
                    "the log's {} events part from the spec at line {}, so the {} component cannot be judged past it",
                    divergence.component, divergence.line, self.opts.check
                ),
                context: Some(Box::new(divergence)),
            }
        };
        conv.verdict = Some(verdict);
        // From here the monitors read the log's own events, starting with those the spec did
        // not explain (an extra event may be the breach itself).
        conv.group.clear();
        conv.unexplained.sort_by_key(|o| (o.at_ms, o.line));
        conv.group
            .extend(conv.unexplained.iter().map(|o| o.event.clone()));
        conv.group_line = conv.last_line;
        conv.history = Vec::new();
        conv.expected = Vec::new();
        conv.unexplained = Vec::new();
    }

    /// While the spec follows a conversation, every event it publishes must show in the
    /// log (checked by value within the tolerance), so the monitors read the spec's steps:
    /// the log's order within the tolerance is not the platform's order (a late timer, a
    /// jittery bus), and a monitor fed that order would see breaches that never happened.
    fn monitor_spec_step(&mut self, conv: &mut Conv, step: &[EngineEvent], at_ms: u64) {
        if conv.judging != Judging::Open || !conv.started || step.is_empty() {
            return;
        }
        let mut events = std::mem::take(&mut self.scratch);
        events.clear();
        events.extend(step.iter().map(|e| e.event.clone()));
        let line = conv.last_line;
        let observe = Observe::for_rules(self.opts.rules);
        Self::monitor(conv, &events, observe, line, at_ms, &mut self.summary);
        self.scratch = events;
    }

    /// Feeds one step's events to the conversation's mission monitors, told how the rules
    /// name a threshold crossing, and records each breach.
    fn monitor(
        conv: &mut Conv,
        events: &[Published],
        observe: Observe,
        line: u64,
        at_ms: u64,
        summary: &mut Summary,
    ) {
        let breaches = &mut conv.breaches;
        conv.monitor.observe_with(events, observe, |b| {
            let mission = b.mission().name();
            *summary.breaches.entry(mission).or_default() += 1;
            if breaches.len() < MAX_BREACHES {
                breaches.push(BreachSeen {
                    line,
                    at_ms,
                    mission,
                    what: breach_text(&b),
                });
            }
        });
    }

    /// After a divergence: the log's events since the last stimulus, as one step.
    fn flush_group(conv: &mut Conv, observe: Observe, summary: &mut Summary) {
        if !conv.started || conv.group.is_empty() {
            conv.group.clear();
            return;
        }
        let group = std::mem::take(&mut conv.group);
        let (line, at_ms) = (conv.group_line, conv.last_ms);
        Self::monitor(conv, &group, observe, line, at_ms, summary);
        conv.group = group;
        conv.group.clear();
    }
}

/// Counts what judging a conversation again found: the explanations of its further
/// divergences, and the rules under which it conforms as a whole.
fn count_further(s: &mut Summary, further: &[Further]) {
    for f in further {
        match &f.verdict {
            Verdict::Diverges(d) => {
                for e in &d.explained_by {
                    *s.by_explanation.entry(e.key.clone()).or_default() += 1;
                }
            }
            Verdict::Conforms => *s.fits.entry(f.rules.label()).or_default() += 1,
            Verdict::Incomplete { .. } => {}
        }
    }
}

/// Judges a diverging conversation again, alone, on its records `kept`, under the rules that
/// explain its last divergence, until it conforms, diverges unexplained, or the chain limit
/// is reached. `end_ms`: where the whole log ends.
pub fn judge_again(
    base: &Options,
    end_ms: u64,
    name: &ConversationName,
    kept: &[(u64, u64, Item)],
    first: &Divergence,
) -> Vec<Further> {
    let mut out = Vec::new();
    let mut rules = base.rules;
    let mut last = first.clone();
    for _ in 0..base.chain_limit {
        let Some(next) = explain::next_rules(&last, rules) else {
            break;
        };
        let mut opts = base.clone();
        opts.rules = next;
        opts.chain_limit = 0;
        opts.defer_chain = false;
        opts.explain_limit = 1;
        opts.list_conforming = true;
        let mut judge = Judge::new(opts);
        for (line, at_ms, item) in kept {
            let record = Record {
                conversation: name.clone(),
                at_ms: *at_ms,
                item: item.clone(),
            };
            judge.push(record, *line);
        }
        let (results, _) = judge.finish_at(end_ms);
        let Some(result) = results.into_iter().next() else {
            break;
        };
        rules = next;
        match result.verdict {
            Verdict::Diverges(d) => {
                last = (*d).clone();
                out.push(Further {
                    rules,
                    verdict: Verdict::Diverges(d),
                });
            }
            other => {
                out.push(Further {
                    rules,
                    verdict: other,
                });
                break;
            }
        }
    }
    out
}

/// Puts what judging again found (one list per request, in the requests' order) into the
/// results and the summary of a finished replay.
pub fn complete_chains(
    results: &mut [ConversationResult],
    summary: &mut Summary,
    requests: &[ChainRequest],
    further: Vec<Vec<Further>>,
) {
    for (request, further) in requests.iter().zip(further) {
        count_further(summary, &further);
        if let Some(r) = results
            .iter_mut()
            .find(|r| r.first_line == request.first_line && r.name == request.name)
        {
            r.further = further;
        }
    }
}

fn cause_text(cause: &Cause, due_ms: u64) -> String {
    match cause {
        Cause::Stimulus { line, at_ms, input } => format!(
            "{} at {at_ms} ms (line {line})",
            cxspec_spec::scenarios::describe_input(input)
        ),
        Cause::Timer => format!("a timer due at {due_ms} ms"),
    }
}

fn missing_or_wrong(e: &Expect, unexplained: &[Obs], tolerance: u64, line: u64) -> Divergence {
    let same_name = unexplained
        .iter()
        .filter(|o| o.event.name() == e.event.name())
        .min_by_key(|o| o.at_ms.abs_diff(e.due_ms));
    let component = publisher(&e.event);
    match same_name {
        Some(o) => wrong_payload(&e.event, e.due_ms, &e.cause, o),
        None => Divergence {
            kind: Kind::Missing,
            at_ms: e.due_ms.saturating_add(tolerance),
            line,
            component,
            expected: Some(Timed {
                event: e.event.clone(),
                at_ms: e.due_ms,
                line: None,
            }),
            observed: None,
            cause: cause_text(&e.cause, e.due_ms),
            detail: format!(
                "{} was due at {} ms and is not in the log within {tolerance} ms",
                e.event.name(),
                e.due_ms
            ),
            differences: Vec::new(),
            rules: Vec::new(),
            explained_by: Vec::new(),
        },
    }
}

fn wrong_payload(expected: &Published, due_ms: u64, cause: &Cause, o: &Obs) -> Divergence {
    let mut differences = Vec::new();
    crate::diff::field_differences(
        "",
        &serde_json::to_value(expected).expect("events serialise"),
        &serde_json::to_value(&o.event).expect("events serialise"),
        &mut differences,
    );
    Divergence {
        kind: Kind::WrongPayload,
        at_ms: o.at_ms,
        line: o.line,
        component: publisher(expected),
        expected: Some(Timed {
            event: expected.clone(),
            at_ms: due_ms,
            line: None,
        }),
        observed: Some(Timed {
            event: o.event.clone(),
            at_ms: o.at_ms,
            line: Some(o.line),
        }),
        cause: cause_text(cause, due_ms),
        detail: format!("{} with other fields than the spec's", o.event.name()),
        differences,
        rules: Vec::new(),
        explained_by: Vec::new(),
    }
}

fn extra_or_wrong(
    o: &Obs,
    expected: &[Expect],
    system: Option<&cxspec_spec::System>,
    tolerance: u64,
) -> Divergence {
    if let Some(e) = expected
        .iter()
        .filter(|e| e.event.name() == o.event.name())
        .min_by_key(|e| e.due_ms.abs_diff(o.at_ms))
    {
        return wrong_payload(&e.event, e.due_ms, &e.cause, o);
    }
    // An SLA event of a timer the spec holds for later: the platform's timer ran early.
    let armed_later = o.event.sla_timer().and_then(|key| {
        let mut deadline = None;
        if let Some(system) = system {
            system.for_each_timer(|k, d| {
                if k == key && d > o.at_ms {
                    deadline = Some(d);
                }
            });
        }
        deadline
    });
    let observed = Some(Timed {
        event: o.event.clone(),
        at_ms: o.at_ms,
        line: Some(o.line),
    });
    match armed_later {
        Some(deadline) if is_expiry_side(&o.event) => Divergence {
            kind: Kind::Early,
            at_ms: o.at_ms,
            line: o.line,
            component: publisher(&o.event),
            expected: None,
            observed,
            cause: format!("the {} timer, due at {deadline} ms", o.event.sla_timer().expect("an SLA event")),
            detail: format!(
                "observed {} ms before the spec's deadline (tolerance {tolerance} ms, after the deadline only)",
                deadline - o.at_ms
            ),
            differences: Vec::new(),
            rules: Vec::new(),
            explained_by: Vec::new(),
        },
        _ => Divergence {
            kind: Kind::Extra,
            at_ms: o.at_ms,
            line: o.line,
            component: publisher(&o.event),
            expected: None,
            observed,
            cause: "no step of the spec publishes it".into(),
            detail: format!(
                "{} is in the log, but the spec publishes no such event within {tolerance} ms",
                describe(&o.event)
            ),
            differences: Vec::new(),
            rules: Vec::new(),
            explained_by: Vec::new(),
        },
    }
}

/// Events a timer's expiry publishes (a threshold or the expiry itself).
fn is_expiry_side(event: &Published) -> bool {
    matches!(
        event,
        Published::AgentSlaThresholdReached { .. }
            | Published::AgentSlaExpired
            | Published::CustomerSlaThresholdReached { .. }
            | Published::CustomerSlaExpired { .. }
    )
}
