//! `cxspec vectors generate`: vectors derived from the spec, never written by hand.
//!
//! * Seeds: every scenario of `cxspec_spec::scenarios::seed_scenarios()`, by name, in the
//!   `system` suite and projected onto each component suite it publishes in. A seed's
//!   `TIMER_FIRED` step becomes an advance to that timer's deadline.
//! * Transition cover: a breadth-first search over [`System::step`] from the empty
//!   conversation, under five configurations (PUSH/PULL x wrap-up off/on, and PUSH with no
//!   agent SLA; two agents, two sessions, the second voice, a chat, or a chat that pulls). States are told apart by their behaviour-relevant
//!   content, with times replaced by the order of the deadlines ([`explore_key`]). Each
//!   suite then abstracts states its own way ([`abstract_state`]) and gets vectors until
//!   every reachable (abstract state, action) edge is on one: the shortest path to the
//!   edge, then greedily more uncovered edges from wherever the path ended.
//! * Negative vectors: the shortest path to each (input, rejection) pair reached.
//! * Witnesses: the shortest path to each conversation state, media state, reason code and
//!   invariant situation (the `sometimes` twins of STYLE.md, 7).
//!
//! Determinism: the alphabet, the configurations and the search order are fixed, maps are
//! ordered, and every time is chosen by [`Driver`]; the output is byte-identical run to run.
//! Left out: the stateright model's own state graph (`cxspec-model`), which does not expose
//! one yet; this search plays its part with its own bounded exploration.

use crate::reference::{split, Reference};
use crate::suite::{timer_owner, Suite};
use crate::vector::{Expect, Step, Vector, FORMAT};
use cxspec_spec::invariants::Invariant;
use cxspec_spec::scenarios::{seed_scenarios, Scenario};
use cxspec_spec::*;
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::fmt::Write as _;

/// The gap between two generated inputs.
const GAP_MS: u64 = 1_000;
/// Bounds of the search. Depth 6 reaches every conversation state, media state, reason
/// code, invariant situation and rule, and keeps the vectors to a few MB; deeper states
/// are not explored (COVERAGE.md reports the search as bounded).
const MAX_DEPTH: usize = 6;
const MAX_NODES_PER_CONFIG: usize = 60_000;
/// Cover vectors stop growing here, so that a failing vector stays readable.
/// How far a cover vector may go past the shortest path to the edge it targets.
const EXTRA_COVER_STEPS: usize = 3;

// ---- configurations and alphabet ----------------------------------------------------

/// The precision of the durations a generated set configures (FORMAT.md, "Precision").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Precision {
    /// The committed set: durations with pairwise distinct remainders modulo 1 s.
    #[default]
    Milliseconds,
    /// Every duration, and every threshold instant within a timer, a whole number of
    /// seconds: the precision the vendor configures its SLA, TTL and hold times in.
    WholeSeconds,
}

impl Precision {
    /// Whether `config`'s durations and threshold instants are whole seconds.
    pub fn whole_seconds(config: &Config) -> bool {
        let whole = |ms: u64| ms.is_multiple_of(1_000);
        let thresholds_whole = |d: u64, levels: &[u8]| {
            levels
                .iter()
                .all(|l| (d * u64::from(*l)).is_multiple_of(100_000))
        };
        // No agent SLA (SLA-29) has no duration to be whole.
        let agent_whole = config
            .agent_sla_ms
            .is_none_or(|d| whole(d) && thresholds_whole(d, &config.agent_sla_thresholds_pct));
        agent_whole
            && [
                config.wrap_up_ms,
                config.customer_sla_ms,
                config.voice_customer_sla_ms,
                config.request_ttl_ms,
                config.rona_ms,
                config.hold_ms,
            ]
            .into_iter()
            .all(whole)
            && thresholds_whole(config.customer_sla_ms, &config.customer_sla_thresholds_pct)
            && thresholds_whole(
                config.voice_customer_sla_ms,
                &config.customer_sla_thresholds_pct,
            )
    }
}

/// The configurations of the transition cover. Durations have pairwise distinct
/// remainders modulo 1 s (and so do their threshold points), so that timers started on
/// the 1 s grid of inputs rarely fall due at the same instant.
pub fn cover_configs() -> Vec<(&'static str, Config)> {
    cover_configs_for(Precision::Milliseconds)
}

/// [`cover_configs`] at a precision. Whole seconds: the same durations rounded to even
/// seconds (so that a 50 % threshold is whole too); timers then fall due together more
/// often, and the generator nudges inputs by milliseconds to keep components apart.
pub fn cover_configs_for(precision: Precision) -> Vec<(&'static str, Config)> {
    let ms = |millis: u64, seconds: u64| match precision {
        Precision::Milliseconds => millis,
        Precision::WholeSeconds => seconds * 1_000,
    };
    let base = Config {
        agents: 2,
        agent_sla_ms: Some(ms(41_300, 42)),
        customer_sla_ms: ms(97_700, 98),
        voice_customer_sla_ms: ms(131_900, 132),
        agent_sla_thresholds_pct: vec![50],
        customer_sla_thresholds_pct: vec![50],
        request_ttl_ms: ms(55_100, 56),
        rona_ms: ms(17_200, 18),
        hold_ms: ms(73_400, 74),
        wrap_up_ms: ms(29_500, 30),
        ..Config::default()
    };
    vec![
        ("push", base.clone()),
        (
            "push-wrap-up",
            Config {
                wrap_up_enabled: true,
                ..base.clone()
            },
        ),
        (
            "pull",
            Config {
                routing_mode: RoutingMode::Pull,
                ..base.clone()
            },
        ),
        (
            "pull-wrap-up",
            Config {
                routing_mode: RoutingMode::Pull,
                wrap_up_enabled: true,
                mrd_auto_joinable: false,
                ..base.clone()
            },
        ),
        // No agent response time on the queue (SLA-29).
        (
            "push-no-agent-sla",
            Config {
                agent_sla_ms: None,
                ..base
            },
        ),
    ]
}

/// A step the generator can take: an input, or an advance to the next deadline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Action {
    Input(Input),
    Advance,
}

/// The inputs of the search: sessions 1 (chat) and 2 (chat or voice), agents 1 and 2,
/// and agent 3, whom the two-agent configurations do not know (UNKNOWN_AGENT).
pub fn alphabet() -> Vec<Action> {
    alphabet_for(Precision::Milliseconds)
}

/// [`alphabet`] at a precision (the hold time an agent picks is a duration too).
pub fn alphabet_for(precision: Precision) -> Vec<Action> {
    let s = [SessionId(1), SessionId(2)];
    let a = [AgentId(1), AgentId(2)];
    let mut inputs = vec![
        Input::SessionStarted {
            session: s[0],
            channel: ChannelKind::NonVoice,
            routing_mode: None,
        },
        Input::SessionStarted {
            session: s[1],
            channel: ChannelKind::NonVoice,
            routing_mode: None,
        },
        Input::SessionStarted {
            session: s[1],
            channel: ChannelKind::Voice,
            routing_mode: None,
        },
        // A second chat on a channel that pulls: routing mode per channel (TASK-07).
        Input::SessionStarted {
            session: s[1],
            channel: ChannelKind::NonVoice,
            routing_mode: Some(RoutingMode::Pull),
        },
        // FIND_AGENT with direction OUTBOUND (TASK-01).
        Input::RequestAgent {
            session: s[0],
            direction: Some(Direction::Outbound),
        },
    ];
    for &session in &s {
        inputs.push(Input::SessionEnded { session });
        inputs.push(Input::CustomerMessage { session });
        inputs.push(Input::BotMessage { session });
        inputs.push(Input::RequestAgent {
            session,
            direction: None,
        });
    }
    for &agent in &a {
        inputs.extend([
            Input::AgentMessage {
                agent,
                wrap_up: false,
            },
            // A wrap-up given as a message, during or after the conversation (SLA-12).
            Input::AgentMessage {
                agent,
                wrap_up: true,
            },
            Input::ReserveAgent { agent },
            Input::AcceptTask { agent },
            Input::PullConversation { agent },
            Input::QueueTransfer { agent },
            Input::QueueConference { agent },
            Input::LeaveConversation { agent },
            Input::WrapUpApplied { agent },
            Input::LeaveWithoutWrapUp { agent },
            Input::HoldConversation {
                agent,
                hold_ms: None,
            },
            Input::ResumeConversation { agent },
            Input::AgentLogout { agent },
        ]);
    }
    inputs.push(Input::NamedTransfer {
        agent: a[0],
        to: a[1],
    });
    inputs.push(Input::NamedTransfer {
        agent: a[1],
        to: a[0],
    });
    // A hold for a time the agent picked (CONV-03), with a remainder modulo 1 s of its own.
    inputs.push(Input::HoldConversation {
        agent: a[0],
        hold_ms: Some(match precision {
            Precision::Milliseconds => 47_300,
            Precision::WholeSeconds => 48_000,
        }),
    });
    inputs.push(Input::ReserveAgent { agent: AgentId(3) });
    inputs.push(Input::QueueFlush);
    inputs.push(Input::HousekeepingDone);
    let mut actions: Vec<Action> = inputs.into_iter().map(Action::Input).collect();
    actions.push(Action::Advance);
    actions
}

// ---- driving the reference with chosen times ------------------------------------------

/// One executed step with everything the vectors of every suite need.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub at_ms: u64,
    pub input: Option<Input>,
    pub published: Vec<Published>,
    pub rules: Vec<Rule>,
    pub reject: Option<Reject>,
    pub fired: Vec<TimerKey>,
    /// The observable state after the step, per suite (indexed like [`Suite::ALL`]).
    pub states: Vec<crate::vector::State>,
}

/// What an action did.
pub enum Taken {
    Done(Box<Recorded>),
    /// The input was rejected; the state is unchanged.
    Rejected(Box<Recorded>),
    /// Nothing to advance to.
    NotApplicable,
    /// Timers of different components fall due at the same instant: the component
    /// suites could not say in which order their events interleave, so no vector goes there.
    Ambiguous,
}

/// Chooses the times of generated steps and runs them on the reference.
#[derive(Clone, Debug)]
pub struct Driver {
    pub reference: Reference,
}

impl Driver {
    pub fn new(config: Config) -> Driver {
        Driver {
            reference: Reference::new(config, RuleSet::Specified),
        }
    }

    /// Whether two armed timers of different components share a deadline.
    fn cross_component_tie(system: &System) -> bool {
        let timers = system.timers();
        timers.iter().any(|(k1, d1)| {
            timers
                .iter()
                .any(|(k2, d2)| d1 == d2 && timer_owner(k1) != timer_owner(k2))
        })
    }

    fn record(
        &self,
        at_ms: u64,
        input: Option<Input>,
        outcome: Result<Outcome, Reject>,
        fired: Vec<TimerKey>,
    ) -> Recorded {
        let (published, rules, reject) = match outcome {
            Ok(o) => (o.published, o.rules, None),
            Err(r) => (Vec::new(), Vec::new(), Some(r)),
        };
        Recorded {
            at_ms,
            input,
            published,
            rules,
            reject,
            fired,
            states: Suite::ALL
                .iter()
                .map(|s| self.reference.observe(*s))
                .collect(),
        }
    }

    /// Takes an action: an input one gap after the clock (before the next deadline, and
    /// nudged by 1 ms steps off any instant that would tie timers of two components), or
    /// an advance to the next deadline.
    pub fn take(&mut self, action: &Action) -> Taken {
        let now = self.reference.now_ms;
        let next_due = self.reference.next_due().map(|(d, _)| d);
        match action {
            Action::Input(input) => {
                let latest = next_due.map_or(u64::MAX, |d| d - 1);
                let mut at = (now + GAP_MS).min(latest).max(now);
                let result = loop {
                    let result = self.reference.system.step(
                        input,
                        at,
                        &self.reference.config,
                        self.reference.rules,
                    );
                    match &result {
                        Ok((next, _)) if Self::cross_component_tie(next) && at < latest => at += 1,
                        _ => break result,
                    }
                };
                match result {
                    Ok((next, outcome)) => {
                        self.reference.system = next;
                        self.reference.now_ms = at;
                        Taken::Done(Box::new(self.record(at, Some(*input), Ok(outcome), vec![])))
                    }
                    Err(reject) => Taken::Rejected(Box::new(self.record(
                        at,
                        Some(*input),
                        Err(reject),
                        vec![],
                    ))),
                }
            }
            Action::Advance => {
                let Some(due) = next_due else {
                    return Taken::NotApplicable;
                };
                let owners: BTreeSet<Suite> = self
                    .reference
                    .system
                    .timers()
                    .iter()
                    .filter(|(_, d)| *d == due)
                    .map(|(k, _)| timer_owner(k))
                    .collect();
                if owners.len() > 1 {
                    return Taken::Ambiguous;
                }
                let fires = self
                    .reference
                    .advance(due)
                    .expect("armed timers fire at their deadline");
                let mut outcome = Outcome::default();
                let mut fired = Vec::new();
                for f in fires {
                    fired.push(f.timer);
                    outcome.published.extend(f.outcome.published);
                    for r in f.outcome.rules {
                        if !outcome.rules.contains(&r) {
                            outcome.rules.push(r);
                        }
                    }
                }
                Taken::Done(Box::new(self.record(due, None, Ok(outcome), fired)))
            }
        }
    }

    /// Runs a fixed list of (time, input-or-advance) steps, as the seeds are written.
    pub fn replay_at(&mut self, at_ms: u64, input: Option<&Input>) -> Result<Recorded, String> {
        match input {
            Some(input) => {
                let outcome = self
                    .reference
                    .apply(at_ms, input)
                    .map_err(|e| e.to_string())?;
                Ok(self.record(at_ms, Some(*input), outcome, vec![]))
            }
            None => {
                let fires = self.reference.advance(at_ms).map_err(|e| e.to_string())?;
                let mut outcome = Outcome::default();
                let mut fired = Vec::new();
                for f in fires {
                    fired.push(f.timer);
                    outcome.published.extend(f.outcome.published);
                    for r in f.outcome.rules {
                        if !outcome.rules.contains(&r) {
                            outcome.rules.push(r);
                        }
                    }
                }
                Ok(self.record(at_ms, None, Ok(outcome), fired))
            }
        }
    }
}

// ---- from recorded steps to vectors -----------------------------------------------------

fn rule_ids(rules: impl IntoIterator<Item = Rule>, suite: Suite) -> Vec<String> {
    let set: BTreeSet<Rule> = rules
        .into_iter()
        .filter(|r| suite.rule_prefix().is_none_or(|p| r.id().starts_with(p)))
        .collect();
    set.into_iter().map(|r| r.id().to_string()).collect()
}

fn suite_index(suite: Suite) -> usize {
    Suite::ALL
        .iter()
        .position(|s| *s == suite)
        .expect("a suite")
}

/// The steps of one suite's vector. Component suites keep a rejected input only if they
/// own it (a rejection changes nothing, so dropping it changes nothing for the others).
pub fn project(suite: Suite, recorded: &[Recorded]) -> Vec<Step> {
    let mut steps = Vec::new();
    let mut previous: Option<&crate::vector::State> = None;
    for (i, r) in recorded.iter().enumerate() {
        if r.reject.is_some() && !r.input.as_ref().is_some_and(|i| suite.owns_input(i)) {
            continue;
        }
        let last = i + 1 == recorded.len();
        let (own, others) = split(suite, &r.published);
        let state = &r.states[suite_index(suite)];
        // The state is stated when it changed, and after the last step; task lists grow
        // with every step and TASK_STATE_CHANGED publishes them anyway, so they are
        // stated after the last step only.
        let changed = previous.is_none_or(|p| {
            p.conversation != state.conversation
                || p.timers != state.timers
                || p.requests != state.requests
        });
        let stated = (changed || last).then(|| {
            let mut s = state.clone();
            if !last {
                s.tasks = None;
            }
            s
        });
        previous = Some(state);
        steps.push(Step {
            at_ms: r.at_ms,
            input: r.input,
            advance: r.input.is_none(),
            rules: rule_ids(r.rules.iter().copied(), suite),
            events: if suite == Suite::System {
                Vec::new()
            } else {
                others
            },
            expect: Expect {
                published: own,
                reject: r.reject,
                state: stated,
            },
        });
    }
    steps
}

/// Whether a projection says anything about the suite's component.
fn publishes_in(suite: Suite, recorded: &[Recorded]) -> bool {
    recorded
        .iter()
        .any(|r| r.published.iter().any(|e| suite.publishes(e)))
}

#[allow(clippy::too_many_arguments)]
fn vector(
    suite: Suite,
    id: String,
    title: String,
    origin: String,
    extra_rules: &[String],
    config: &Config,
    recorded: &[Recorded],
) -> Vector {
    let mut rules: BTreeSet<Rule> = recorded
        .iter()
        .flat_map(|r| r.rules.iter().copied())
        .collect();
    for id in extra_rules {
        if let Some(rule) = Rule::from_id(id) {
            rules.insert(rule);
        }
    }
    Vector {
        format: FORMAT.to_string(),
        id,
        suite,
        title,
        origin,
        rule_set: RuleSet::Specified,
        readings: Readings::NONE,
        rules: rule_ids(rules, suite),
        config: config.clone(),
        steps: project(suite, recorded),
    }
}

// ---- seeds ------------------------------------------------------------------------------

/// Runs a seed scenario as vectors run: a `TIMER_FIRED` step becomes an advance to the
/// timer's deadline, and an input with a timer due at or before it is preceded by an
/// advance to its time.
pub fn record_seed(scenario: &Scenario) -> Result<Vec<Recorded>, String> {
    let mut driver = Driver::new(scenario.config.clone());
    driver.reference.rules = Rules::new(scenario.rule_set, scenario.readings);
    let mut recorded = Vec::new();
    for (i, step) in scenario.steps.iter().enumerate() {
        let context = |e: String| format!("seed `{}` step {}: {e}", scenario.name, i + 1);
        match step.input {
            Input::TimerFired { timer } => {
                let deadline = driver
                    .reference
                    .system
                    .timers()
                    .into_iter()
                    .find(|(k, _)| *k == timer)
                    .map(|(_, d)| d)
                    .ok_or_else(|| context(format!("the {timer} timer is not armed")))?;
                let at = deadline.max(driver.reference.now_ms);
                recorded.push(driver.replay_at(at, None).map_err(context)?);
            }
            input => {
                if driver
                    .reference
                    .next_due()
                    .is_some_and(|(d, _)| d <= step.at_ms)
                {
                    recorded.push(driver.replay_at(step.at_ms, None).map_err(context)?);
                }
                recorded.push(
                    driver
                        .replay_at(step.at_ms, Some(&input))
                        .map_err(context)?,
                );
            }
        }
    }
    Ok(recorded)
}

/// Each seed under `specified`, and again under `documented` (the sources as written):
/// running the `documented` seeds with `--rules as-implemented` isolates the vendor's two
/// "ATM" behaviours, which only that rule set adds.
fn seed_vectors(out: &mut Vec<Vector>, report: &mut Report, precision: Precision) {
    // A seed about a sub-second instant (R-09's rounding) has no whole-second form.
    let seeds = seed_scenarios()
        .into_iter()
        .filter(|s| precision == Precision::Milliseconds || Precision::whole_seconds(&s.config));
    for base in seeds {
        for rule_set in [RuleSet::Specified, RuleSet::Documented] {
            let scenario = Scenario {
                rule_set,
                ..base.clone()
            };
            let recorded = record_seed(&scenario).expect("the seed scenarios run");
            report.seeds += usize::from(rule_set == RuleSet::Specified);
            let (suffix, tag) = match rule_set {
                RuleSet::Specified => (String::new(), String::new()),
                other => (format!("-{other}"), format!("[{other}] ")),
            };
            for suite in Suite::ALL {
                if suite != Suite::System && !publishes_in(suite, &recorded) {
                    continue;
                }
                let own: Vec<String> = scenario
                    .rules
                    .iter()
                    .filter(|r| suite.rule_prefix().is_none_or(|p| r.starts_with(p)))
                    .cloned()
                    .collect();
                let cited = if own.is_empty() {
                    &scenario.rules
                } else {
                    &own
                };
                let mut v = vector(
                    suite,
                    format!("seed-{}{suffix}", scenario.name),
                    format!("{tag}{}: {}", cited.join(" "), scenario.title),
                    format!("seed:{}", scenario.name),
                    &own,
                    &scenario.config,
                    &recorded,
                );
                v.rule_set = rule_set;
                out.push(v);
            }
        }
    }
}

// ---- the search -------------------------------------------------------------------------

/// What tells two states apart for the search: what the rules read, without times.
/// Sessions, participants and hold, open tasks and the open request, and which timers are
/// armed (SLA timers with their threshold level); closed tasks never change again
/// (TASK-22) and drop out. Deadlines do not count: two states that differ only in when
/// their timers fall due are explored once, from the first one reached.
pub fn explore_key(system: &System) -> String {
    let conv = &system.conversation;
    let mut k = String::new();
    let _ = write!(k, "{:?}|", conv.state);
    for s in &conv.sessions {
        let _ = write!(k, "{}{:?}{} ", s.id.0, s.channel, s.open);
    }
    for p in &conv.agents {
        let _ = write!(k, "|{}{:?}", p.agent.0, p.role);
    }
    let _ = write!(k, "|hold {}|{:?}|", conv.on_hold(), conv.ever_had_agent);
    for t in system.tasks.tasks.iter().filter(|t| t.is_open()) {
        let _ = write!(
            k,
            "{:?}{:?}{:?}{:?}{:?}{}{} ",
            t.agent,
            t.state,
            t.medias
                .iter()
                .map(|m| (m.session.0, m.state))
                .collect::<Vec<_>>(),
            t.direction,
            t.mode,
            t.rona_deadline_ms.is_some(),
            t.wrap_up_deadline_ms.is_some()
        );
    }
    if let Some(r) = &system.tasks.request {
        let _ = write!(
            k,
            "|{:?}{}{}{}",
            r.kind,
            r.session.0,
            r.ttl_deadline_ms.is_some(),
            r.ttl_expired
        );
    }
    if let Some(t) = &system.sla.agent {
        let _ = write!(k, "|A{}", t.next_level);
    }
    for (s, t) in &system.sla.customer {
        let _ = write!(k, "|C{}:{}", s.0, t.next_level);
    }
    k
}

fn timer_kind(key: &TimerKey) -> String {
    match key {
        TimerKey::AgentSla => "AGENT_SLA".into(),
        TimerKey::CustomerSla { .. } => "CUSTOMER_SLA".into(),
        TimerKey::RequestTtl => "TTL".into(),
        TimerKey::Rona { .. } => "RONA".into(),
        TimerKey::WrapUp { .. } => "WRAP_UP".into(),
        TimerKey::Hold => "HOLD".into(),
    }
}

fn name<T: serde::Serialize>(value: &T) -> String {
    crate::yaml::flow(value)
}

/// Each suite's abstraction of a state, for the transition cover. `system` follows the
/// issue's suggestion: conversation state, open tasks' states, armed timers, roles. The
/// component suites keep what their component's rules read: sessions, roles and hold,
/// with the SLA timers (`sla`), the open tasks and request (`task`), or the topic state
/// (`conversation`).
pub fn abstract_state(suite: Suite, config: &str, system: &System) -> String {
    let conv = &system.conversation;
    let open_chats = conv
        .open_sessions()
        .filter(|s| s.channel == ChannelKind::NonVoice)
        .count();
    let voice = if conv.voice_open() {
        " voice"
    } else if conv
        .sessions
        .iter()
        .any(|s| s.channel == ChannelKind::Voice)
    {
        " voice(ended)"
    } else {
        ""
    };
    let customer = format!("chats {open_chats}{voice}");
    let count = |role: Role| conv.agents.iter().filter(|p| p.role == role).count();
    let roles = format!(
        "primary {} wrap-up {}",
        count(Role::Primary),
        count(Role::WrapUp)
    );
    let mut tasks: Vec<String> = system
        .tasks
        .tasks
        .iter()
        .filter(|t| t.is_open())
        .map(|t| format!("{}/{}", name(&t.state), name(&t.media_state())))
        .collect();
    tasks.sort();
    let state = name(&conv.state);
    let hold = if conv.on_hold() { " | hold" } else { "" };
    let tasks = tasks.join(" ");
    match suite {
        // One definition with the model checker's saturation report (`cxspec_spec::abstraction`).
        Suite::System => format!("{config} | {}", abstraction::AbstractState::of(system)),
        Suite::Sla => format!(
            "{config} | {customer} | {roles}{hold} | agent SLA {} | customer SLAs {}",
            system.sla.agent.is_some(),
            system.sla.customer.len()
        ),
        Suite::Task => {
            let request = system
                .tasks
                .request
                .as_ref()
                .map_or("-".into(), |r| name(&r.kind));
            format!(
                "{config} | tasks [{tasks}] | request {request} | customer {} | {roles}",
                conv.customer_present()
            )
        }
        Suite::Conversation => format!("{config} | {state} | {customer} | {roles}{hold}"),
    }
}

/// An action as named in coverage: the input's name, or the advance with the timers it fired.
fn action_label(action: &Action, recorded: &Recorded) -> String {
    match action {
        Action::Input(input) => input.name().to_string(),
        // A threshold and an expiry of the same timer are different transitions: the
        // label says which one the advance reached.
        Action::Advance => {
            let reached: BTreeSet<&str> = recorded
                .published
                .iter()
                .filter(|e| {
                    matches!(
                        e,
                        Published::AgentSlaThresholdReached { .. }
                            | Published::AgentSlaExpired
                            | Published::CustomerSlaThresholdReached { .. }
                            | Published::CustomerSlaExpired { .. }
                    )
                })
                .map(|e| e.name())
                .collect();
            let fired: Vec<String> = recorded.fired.iter().map(timer_kind).collect();
            let reached: Vec<&str> = reached.into_iter().collect();
            format!("ADVANCE {} {}", fired.join(","), reached.join(","))
                .trim_end()
                .to_string()
        }
    }
}

struct Node {
    driver: Driver,
    parent: Option<(usize, usize)>,
    depth: usize,
}

/// The explored graph of one configuration.
struct Graph {
    config_name: &'static str,
    config: Config,
    nodes: Vec<Node>,
    /// (node, action index, successor node) of every accepted transition, in BFS order.
    accepted: Vec<(usize, usize, usize, Box<Recorded>)>,
    /// (node, action index, the rejection) in BFS order.
    rejected: Vec<(usize, usize, Reject)>,
    ambiguous: usize,
    truncated: bool,
    index: HashMap<String, usize>,
    /// Per node: (action, successor, index into `accepted`).
    adjacency: Vec<Vec<(usize, usize, usize)>>,
}

fn explore(config_name: &'static str, config: &Config, actions: &[Action]) -> Graph {
    let root = Driver::new(config.clone());
    let mut index: HashMap<String, usize> = HashMap::new();
    index.insert(explore_key(&root.reference.system), 0);
    let mut graph = Graph {
        config_name,
        config: config.clone(),
        nodes: vec![Node {
            driver: root,
            parent: None,
            depth: 0,
        }],
        accepted: Vec::new(),
        rejected: Vec::new(),
        ambiguous: 0,
        truncated: false,
        index: HashMap::new(),
        adjacency: Vec::new(),
    };
    let mut queue = VecDeque::from([0usize]);
    while let Some(n) = queue.pop_front() {
        let depth = graph.nodes[n].depth;
        for (a, action) in actions.iter().enumerate() {
            let mut driver = graph.nodes[n].driver.clone();
            match driver.take(action) {
                Taken::NotApplicable => {}
                Taken::Ambiguous => graph.ambiguous += 1,
                Taken::Rejected(r) => graph.rejected.push((n, a, r.reject.expect("rejected"))),
                Taken::Done(recorded) => {
                    let key = explore_key(&driver.reference.system);
                    let next = match index.get(&key) {
                        Some(&m) => m,
                        None => {
                            if depth + 1 > MAX_DEPTH || graph.nodes.len() >= MAX_NODES_PER_CONFIG {
                                graph.truncated = true;
                                continue;
                            }
                            let m = graph.nodes.len();
                            index.insert(key, m);
                            graph.nodes.push(Node {
                                driver,
                                parent: Some((n, a)),
                                depth: depth + 1,
                            });
                            queue.push_back(m);
                            m
                        }
                    };
                    graph.accepted.push((n, a, next, recorded));
                }
            }
        }
    }
    graph.adjacency = vec![Vec::new(); graph.nodes.len()];
    for (e, (n, a, next, _)) in graph.accepted.iter().enumerate() {
        graph.adjacency[*n].push((*a, *next, e));
    }
    graph.index = index;
    graph
}

impl Graph {
    /// The actions from the empty conversation to `node`.
    fn path(&self, mut node: usize) -> Vec<usize> {
        let mut path = Vec::new();
        while let Some((parent, action)) = self.nodes[node].parent {
            path.push(action);
            node = parent;
        }
        path.reverse();
        path
    }
}

/// Replays a path of actions from the empty conversation, recording every step.
fn replay(config: &Config, actions: &[Action], path: &[usize]) -> (Driver, Vec<Recorded>) {
    let mut driver = Driver::new(config.clone());
    let mut recorded = Vec::new();
    for &a in path {
        match driver.take(&actions[a]) {
            Taken::Done(r) | Taken::Rejected(r) => recorded.push(*r),
            Taken::NotApplicable | Taken::Ambiguous => {
                unreachable!("a replayed path is the path explored")
            }
        }
    }
    (driver, recorded)
}

// ---- the coverage report ---------------------------------------------------------------

#[derive(Default)]
pub struct Report {
    seeds: usize,
    lines: Vec<String>,
    /// suite -> (edges reached, edges on a vector)
    edges: BTreeMap<Suite, (usize, usize)>,
    negatives: usize,
    witnesses: Vec<(String, bool)>,
}

impl Report {
    fn add(&mut self, suite: Suite, config: &str, cover: &Cover, vectors: usize) {
        let entry = self.edges.entry(suite).or_default();
        entry.0 += cover.targets.len();
        entry.1 += cover.covered.len();
        self.lines.push(format!(
            "| {suite} | {config} | {} | {} | {vectors} |",
            cover.targets.len(),
            cover.covered.len()
        ));
    }
}

/// The generated vectors and the coverage report (`conformance/vectors/COVERAGE.md`).
pub struct Generated {
    pub vectors: Vec<Vector>,
    pub coverage: String,
}

impl Generated {
    /// Every file, by path relative to the vectors directory, with its bytes.
    pub fn files(&self) -> BTreeMap<std::path::PathBuf, String> {
        let mut files: BTreeMap<std::path::PathBuf, String> = self
            .vectors
            .iter()
            .map(|v| (v.relative_path(), v.to_yaml()))
            .collect();
        files.insert("COVERAGE.md".into(), self.coverage.clone());
        files
    }
}

/// One suite's transition cover over one explored graph.
struct Cover<'g> {
    suite: Suite,
    graph: &'g Graph,
    actions: &'g [Action],
    /// The edges to cover, in the order the search reached them.
    targets: Vec<(String, String)>,
    target_set: BTreeSet<(String, String)>,
    /// The key of each accepted transition of the graph, by its index.
    edge_keys: Vec<(String, String)>,
    covered: BTreeSet<(String, String)>,
}

impl<'g> Cover<'g> {
    fn new(suite: Suite, graph: &'g Graph, actions: &'g [Action]) -> Cover<'g> {
        let node_abs: Vec<String> = graph
            .nodes
            .iter()
            .map(|n| abstract_state(suite, graph.config_name, &n.driver.reference.system))
            .collect();
        let edge_keys: Vec<(String, String)> = graph
            .accepted
            .iter()
            .map(|(n, a, _, r)| (node_abs[*n].clone(), action_label(&actions[*a], r)))
            .collect();
        let mut targets = Vec::new();
        let mut target_set = BTreeSet::new();
        for key in &edge_keys {
            if target_set.insert(key.clone()) {
                targets.push(key.clone());
            }
        }
        Cover {
            suite,
            graph,
            actions,
            targets,
            target_set,
            edge_keys,
            covered: BTreeSet::new(),
        }
    }

    /// Takes one action, marking the edge it runs along; `None` if it could not be taken.
    fn take(
        &mut self,
        driver: &mut Driver,
        a: usize,
        newly: &mut BTreeSet<Rule>,
    ) -> Option<Recorded> {
        let before = abstract_state(self.suite, self.graph.config_name, &driver.reference.system);
        match driver.take(&self.actions[a]) {
            Taken::Done(r) => {
                let key = (before, action_label(&self.actions[a], &r));
                if self.target_set.contains(&key) && self.covered.insert(key) {
                    newly.extend(r.rules.iter().copied());
                }
                Some(*r)
            }
            Taken::Rejected(r) => Some(*r),
            Taken::NotApplicable | Taken::Ambiguous => None,
        }
    }

    /// Vectors (as action paths and their records) until every target edge is on one.
    fn run(&mut self) -> Vec<(Vec<usize>, Vec<Recorded>, BTreeSet<Rule>)> {
        let mut out = Vec::new();
        for i in 0..self.targets.len() {
            if self.covered.contains(&self.targets[i]) {
                continue;
            }
            let e = self
                .edge_keys
                .iter()
                .position(|k| *k == self.targets[i])
                .expect("a target is an edge");
            let (n, a, _, _) = &self.graph.accepted[e];
            let mut path = self.graph.path(*n);
            path.push(*a);
            let mut driver = Driver::new(self.graph.config.clone());
            let mut recorded = Vec::new();
            let mut newly = BTreeSet::new();
            for &a in &path {
                let r = self
                    .take(&mut driver, a, &mut newly)
                    .expect("a path of the search replays");
                recorded.push(r);
            }
            // One vector checks one thing: past its target it grows only by edges one step
            // away that nothing covers yet, at most EXTRA_COVER_STEPS of them, so that a
            // divergence on the way cannot hide checks far beyond it.
            let target_len = recorded.len();
            while recorded.len() < target_len + EXTRA_COVER_STEPS {
                let here =
                    abstract_state(self.suite, self.graph.config_name, &driver.reference.system);
                let one_step = (0..self.actions.len()).find(|&a| {
                    let mut probe = driver.clone();
                    match probe.take(&self.actions[a]) {
                        Taken::Done(r) => {
                            let key = (here.clone(), action_label(&self.actions[a], &r));
                            self.target_set.contains(&key) && !self.covered.contains(&key)
                        }
                        Taken::Rejected(_) | Taken::NotApplicable | Taken::Ambiguous => false,
                    }
                });
                let Some(a) = one_step else { break };
                let r = self.take(&mut driver, a, &mut newly).expect("probed");
                recorded.push(r);
                path.push(a);
            }
            out.push((path, recorded, newly));
        }
        out
    }
}

fn cover_title(
    config: &str,
    recorded: &[Recorded],
    newly: &BTreeSet<Rule>,
    suite: Suite,
) -> String {
    let mut rules = rule_ids(newly.iter().copied(), suite);
    if rules.len() > 8 {
        rules.truncate(8);
        rules.push("...".into());
    }
    format!(
        "Transition cover, {config} ({} steps): {}",
        recorded.len(),
        if rules.is_empty() {
            "no rule first".to_string()
        } else {
            rules.join(" ")
        }
    )
}

fn slug(text: &str) -> String {
    text.to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect::<String>()
        .split('-')
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

/// The shortest path in the first configuration that reaches each (input, rejection)
/// pair: one negative vector each.
fn negative_vectors(
    graphs: &[Graph],
    actions: &[Action],
    out: &mut Vec<Vector>,
    report: &mut Report,
) {
    let mut found: BTreeMap<(String, String), (usize, usize, usize)> = BTreeMap::new();
    for (g, graph) in graphs.iter().enumerate() {
        for (n, a, reject) in &graph.rejected {
            let Action::Input(input) = &actions[*a] else {
                continue;
            };
            let key = (input.name().to_string(), name(reject));
            let depth = graph.nodes[*n].depth;
            let better = found
                .get(&key)
                .is_none_or(|(g0, n0, _)| graphs[*g0].nodes[*n0].depth > depth);
            if better {
                found.insert(key, (g, *n, *a));
            }
        }
    }
    for ((input, reject), (g, n, a)) in &found {
        let graph = &graphs[*g];
        let mut path = graph.path(*n);
        path.push(*a);
        let (_, recorded) = replay(&graph.config, actions, &path);
        report.negatives += 1;
        let guarded: Vec<String> = recorded
            .last()
            .and_then(|r| r.reject)
            .map(|r| reject_rules(r).iter().map(|s| s.to_string()).collect())
            .unwrap_or_default();
        let cited = if guarded.is_empty() {
            String::new()
        } else {
            format!("{}: ", guarded.join(" "))
        };
        // In `system`, and in the suite of the component that owns the input, so that a
        // component run alone meets the rejections of its own guards.
        let owner = recorded
            .last()
            .and_then(|r| r.input.as_ref())
            .map(crate::suite::input_owner)
            .filter(|s| *s != Suite::System);
        for suite in std::iter::once(Suite::System).chain(owner) {
            out.push(vector(
                suite,
                format!("negative-{}-{}", slug(input), slug(reject)),
                format!(
                    "{cited}{input} is rejected with {reject} ({})",
                    graph.config_name
                ),
                "negative".into(),
                &guarded,
                &graph.config,
                &recorded,
            ));
        }
    }
}

/// The rules whose guard a rejection enforces (from the doc comments of [`Reject`]); a
/// negative vector names them, since guards leave no trace in `Outcome::rules`.
pub fn reject_rules(reject: Reject) -> &'static [&'static str] {
    match reject {
        Reject::ConversationClosed | Reject::NotClosing | Reject::TasksStillOpen => &["CONV-10"],
        Reject::ConversationClosing => &["CONV-09"],
        Reject::SessionAlreadyExists | Reject::SessionEnded => &["CONV-12"],
        Reject::NoCustomer => &["CONV-01"],
        Reject::AgentNotInConversation | Reject::AgentNotPrimary => &["CONV-08"],
        Reject::RequestAlreadyOpen | Reject::AgentAlreadyHasTask => &["TASK-23"],
        Reject::NotActive | Reject::InvalidHoldTime => &["CONV-03"],
        Reject::InvalidDirection => &["TASK-01"],
        Reject::NotOnHold => &["CONV-04"],
        Reject::NotReserved => &["TASK-03"],
        Reject::NoQueuedTask => &["TASK-02"],
        Reject::NotInWrapUp => &["TASK-17"],
        Reject::NothingToPull | Reject::WrongRoutingMode => &["TASK-07", "TASK-08"],
        Reject::TransferToSelf => &["TASK-13"],
        // Guards of no numbered rule: input hygiene, and scope decisions of the spec.
        Reject::UnknownAgent
        | Reject::UnknownSession
        | Reject::AgentAlreadyPresent
        | Reject::TimerNotArmed
        | Reject::CustomerGone
        | Reject::VoiceSession
        | Reject::TimeOutOfRange => &[],
    }
}

/// The rules an invariant protects (from the doc comments of [`Invariant`]).
pub fn invariant_rules(invariant: Invariant) -> &'static [&'static str] {
    match invariant {
        Invariant::OneCustomerSlaPerSession => &["SLA-27"],
        Invariant::AgentSlaNeedsPrimaryAgent => &["SLA-07", "SLA-21"],
        Invariant::NoSlaOnHold => &["SLA-18", "SLA-19", "SLA-28"],
        Invariant::NoTimerForEndedSession => &["SLA-10", "SLA-28", "CONV-10"],
        Invariant::NoAgentSlaDuringVoice => &["SLA-01", "SLA-28"],
        Invariant::ClosedTasksHaveReason => &["TASK-22"],
        Invariant::OneOpenTaskPerAgent => &["TASK-23"],
        Invariant::StateAgreesWithParticipants => &["CONV-02", "CONV-07"],
        Invariant::WaitingCustomerIsTimed => &[],
    }
}

type Predicate = Box<dyn Fn(&System, &Recorded) -> bool>;

/// The `sometimes` properties: each must be reachable, and its shortest witness is a vector.
fn witness_predicates() -> Vec<(String, String, &'static [&'static str], Predicate)> {
    let mut list: Vec<(String, String, &'static [&'static str], Predicate)> = Vec::new();
    for state in ConversationState::ALL {
        list.push((
            format!("conversation-{}", slug(&name(&state))),
            format!("the conversation reaches {}", name(&state)),
            &[],
            Box::new(move |s: &System, _: &Recorded| s.conversation.state == state),
        ));
    }
    for media in [
        MediaState::Queued,
        MediaState::Reserved,
        MediaState::Active,
        MediaState::Closed,
    ] {
        list.push((
            format!("media-{}", slug(&name(&media))),
            format!("a task's media reaches {}", name(&media)),
            &["TASK-22"],
            Box::new(move |_: &System, r: &Recorded| {
                r.published.iter().any(|e| matches!(e, Published::TaskStateChanged { task } if task.media_state == media))
            }),
        ));
    }
    for reason in ReasonCode::ALL {
        list.push((
            format!("reason-{}", slug(&name(&reason))),
            format!("a task closes with {}", name(&reason)),
            &["TASK-22"],
            Box::new(move |_: &System, r: &Recorded| {
                r.published.iter().any(|e| matches!(e, Published::TaskStateChanged { task } if task.reason == Some(reason)))
            }),
        ));
    }
    for invariant in Invariant::ALL {
        list.push((
            format!("situation-{}", slug(invariant.name())),
            format!("the situation of invariant \"{}\" arises", invariant.name()),
            invariant_rules(invariant),
            Box::new(move |s: &System, _: &Recorded| invariant.situation(s)),
        ));
    }
    list
}

fn witness_vectors(
    graphs: &[Graph],
    actions: &[Action],
    out: &mut Vec<Vector>,
    report: &mut Report,
) {
    let predicates = witness_predicates();
    // Per predicate: (depth, graph, node, action) of the shortest witness; ties go to the
    // first configuration and the first transition of the search.
    let mut best: Vec<Option<(usize, usize, usize, usize)>> = vec![None; predicates.len()];
    for (g, graph) in graphs.iter().enumerate() {
        for (n, a, _, recorded) in &graph.accepted {
            let depth = graph.nodes[*n].depth + 1;
            if best.iter().all(|b| b.is_some_and(|b| b.0 <= depth)) {
                break;
            }
            // The successor node may be an earlier representative of the same key; the
            // predicates are checked on the state this very transition produced.
            let mut probe = graph.nodes[*n].driver.clone();
            let _ = probe.take(&actions[*a]);
            for (i, (_, _, _, predicate)) in predicates.iter().enumerate() {
                if best[i].is_none_or(|b| b.0 > depth)
                    && predicate(&probe.reference.system, recorded)
                {
                    best[i] = Some((depth, g, *n, *a));
                }
            }
        }
    }
    for ((id, what, rules, _), best) in predicates.iter().zip(best) {
        report.witnesses.push((what.clone(), best.is_some()));
        let Some((_, g, n, a)) = best else { continue };
        let graph = &graphs[g];
        let mut path = graph.path(n);
        path.push(a);
        let (_, recorded) = replay(&graph.config, actions, &path);
        out.push(vector(
            Suite::System,
            format!("witness-{id}"),
            format!("Witness: {what} ({})", graph.config_name),
            "witness".into(),
            &rules.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
            &graph.config,
            &recorded,
        ));
    }
}

/// The first step of a `specified` vector after which the reference breaks one of the
/// spec's invariants (`cxspec_spec::invariants`), with the invariants broken. Vectors record
/// what the reference does; this says where that contradicts the spec's own predicates.
pub fn invariant_violation(v: &Vector) -> Option<(usize, Vec<Invariant>)> {
    if v.rule_set != RuleSet::Specified {
        return None;
    }
    let mut reference = Reference::new(v.config.clone(), v.rule_set);
    for (i, step) in v.steps.iter().enumerate() {
        let ran = match &step.input {
            Some(input) => reference.apply(step.at_ms, input).is_ok(),
            None => reference.advance(step.at_ms).is_ok(),
        };
        if !ran {
            return None;
        }
        let broken = cxspec_spec::invariants::violations(&reference.system, &v.config);
        if !broken.is_empty() {
            return Some((i + 1, broken));
        }
    }
    None
}

/// Generates every vector and the coverage report.
pub fn generate() -> Generated {
    generate_with(Precision::Milliseconds)
}

/// [`generate`] at a precision: `WholeSeconds` is the set for implementations whose
/// durations are whole seconds (`cxspec vectors generate --whole-seconds`).
pub fn generate_with(precision: Precision) -> Generated {
    let mut vectors = Vec::new();
    let mut report = Report::default();
    seed_vectors(&mut vectors, &mut report, precision);
    let actions = alphabet_for(precision);
    let graphs: Vec<Graph> = cover_configs_for(precision)
        .into_iter()
        .map(|(n, c)| explore(n, &c, &actions))
        .collect();
    for graph in &graphs {
        // The system cover, projected onto every component suite it publishes in; then
        // each component suite gets vectors of its own for the edges still uncovered.
        let mut system = Cover::new(Suite::System, graph, &actions);
        let paths = system.run();
        report.add(Suite::System, graph.config_name, &system, paths.len());
        for (i, (_, recorded, newly)) in paths.iter().enumerate() {
            let id = format!("cover-{}-{:03}", graph.config_name, i + 1);
            let title = cover_title(graph.config_name, recorded, newly, Suite::System);
            vectors.push(vector(
                Suite::System,
                id,
                title,
                "cover".into(),
                &[],
                &graph.config,
                recorded,
            ));
        }
        for suite in Suite::COMPONENTS {
            let mut cover = Cover::new(suite, graph, &actions);
            let extra = cover.run();
            report.add(suite, graph.config_name, &cover, extra.len());
            for (i, (_, recorded, newly)) in extra.iter().enumerate() {
                vectors.push(vector(
                    suite,
                    format!("cover-{}-{:03}", graph.config_name, i + 1),
                    cover_title(graph.config_name, recorded, newly, suite),
                    "cover".into(),
                    &[],
                    &graph.config,
                    recorded,
                ));
            }
        }
    }
    negative_vectors(&graphs, &actions, &mut vectors, &mut report);
    witness_vectors(&graphs, &actions, &mut vectors, &mut report);
    vectors.sort_by(|a, b| (a.suite, &a.id).cmp(&(b.suite, &b.id)));
    let coverage = coverage_report(&graphs, &vectors, &report);
    Generated { vectors, coverage }
}

fn coverage_report(graphs: &[Graph], vectors: &[Vector], report: &Report) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# Vector coverage\n");
    let _ = writeln!(
        s,
        "Generated by `cxspec vectors generate` with the vectors beside it; do not edit.\n"
    );
    let _ = writeln!(s, "## Vectors\n\n| suite | seed | cover | negative | witness | total |\n|---|---|---|---|---|---|");
    for suite in Suite::ALL {
        let count = |origin: &str| {
            vectors
                .iter()
                .filter(|v| v.suite == suite && v.origin.starts_with(origin))
                .count()
        };
        let _ = writeln!(
            s,
            "| {suite} | {} | {} | {} | {} | {} |",
            count("seed"),
            count("cover"),
            count("negative"),
            count("witness"),
            vectors.iter().filter(|v| v.suite == suite).count()
        );
    }
    let _ = writeln!(s, "\n{} seed scenarios.\n", report.seeds);
    // One vector checks one thing: how long they are (steps), per suite and origin.
    let _ = writeln!(s, "## Vector length\n\nSteps per vector: a cover vector is the shortest path to the edge it targets plus at most {EXTRA_COVER_STEPS} steps.\n\n| suite | origin | vectors | median | max |\n|---|---|---|---|---|");
    for suite in Suite::ALL {
        for origin in ["seed", "cover", "negative", "witness"] {
            let mut lengths: Vec<usize> = vectors
                .iter()
                .filter(|v| v.suite == suite && v.origin.starts_with(origin))
                .map(|v| v.steps.len())
                .collect();
            if lengths.is_empty() {
                continue;
            }
            lengths.sort_unstable();
            let _ = writeln!(
                s,
                "| {suite} | {origin} | {} | {} | {} |",
                lengths.len(),
                lengths[lengths.len() / 2],
                lengths[lengths.len() - 1]
            );
        }
    }
    let _ = writeln!(s);
    let _ = writeln!(s, "## Search\n\nBreadth-first over `System::step`, depth at most {MAX_DEPTH}, at most {MAX_NODES_PER_CONFIG} states per configuration.\n");
    let _ = writeln!(s, "| configuration | states | accepted transitions | rejected | skipped (timers of two components due together) | bounded |\n|---|---|---|---|---|---|");
    for g in graphs {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} |",
            g.config_name,
            g.nodes.len(),
            g.accepted.len(),
            g.rejected.len(),
            g.ambiguous,
            if g.truncated { "yes" } else { "no" }
        );
    }
    let _ = writeln!(s, "\n## Transition cover\n\nAn edge is (the suite's abstract state, action); every reached edge is on a vector.\n\n| suite | configuration | edges reached | edges on a vector | vectors |\n|---|---|---|---|---|");
    for line in &report.lines {
        let _ = writeln!(s, "{line}");
    }
    for (suite, (reached, on)) in &report.edges {
        let _ = writeln!(s, "| {suite} | all | {reached} | {on} | |");
    }
    let _ = writeln!(
        s,
        "\n## Negative vectors\n\n{} (input, rejection) pairs, each with one vector in `system` and one in the suite of the component that owns the input (the table above counts them per suite).\n",
        report.negatives
    );
    let _ = writeln!(s, "## Witnesses\n\n| property | reached |\n|---|---|");
    for (what, found) in &report.witnesses {
        let _ = writeln!(s, "| {what} | {} |", if *found { "yes" } else { "**no**" });
    }
    let broken: Vec<(String, usize, Vec<Invariant>)> = vectors
        .iter()
        .filter(|v| v.suite == Suite::System)
        .filter_map(|v| invariant_violation(v).map(|(step, inv)| (v.id.clone(), step, inv)))
        .collect();
    let _ = writeln!(
        s,
        "\n## Invariants\n\n{} `specified` system vectors reach a state that breaks an invariant of `spec/src/invariants.rs` (a disagreement between the rules and their invariants, for the spec to settle):\n",
        broken.len()
    );
    for (id, step, inv) in &broken {
        let names: Vec<&str> = inv.iter().map(|i| i.name()).collect();
        let _ = writeln!(s, "- `system/{id}` after step {step}: {}", names.join(", "));
    }
    let _ = writeln!(s, "\n## Rules\n\n| rule | vectors |\n|---|---|");
    for rule in Rule::ALL {
        let n = vectors
            .iter()
            .filter(|v| v.rules.iter().any(|r| r == rule.id()))
            .count();
        let _ = writeln!(s, "| {} | {n} |", rule.id());
    }
    s
}
