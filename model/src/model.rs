//! The stateright [`Model`] of one conversation: the composed [`System`] of `cxspec-spec`,
//! driven by every external stimulus ([`Input`]) in every order, within [`Bounds`].
//!
//! There is no second copy of the rules: `actions` asks [`System::check`] which stimuli
//! are accepted, and `next_state` calls [`System::step`].
//!
//! Time. Every step runs with `now_ms = 0`, so every deadline is a constant (the
//! duration) and the state space stays finite. A timer's expiry
//! (`TIMER_FIRED`) is offered whenever the timer is armed ([`System::timers`]), so the
//! model over-approximates real time: any armed timer may fire at any moment, before or
//! after any other stimulus, and every race between "the timer is stopped" and "the
//! timer fires" is explored. A counterexample may therefore fire timers in an order real
//! deadlines would not allow; `trace` gives it realistic times where it can.
//!
//! Actions offered. Only stimuli that `System::check` accepts are offered, so a path
//! never contains a rejected stimulus; `next_state` returns `None` only if `step`
//! rejects what `check` accepted, which a test rules out over whole state spaces.
//! Two reductions keep equivalent stimuli out, both sound because the rules never
//! compare IDs other than for equality: a session is started only if it is the lowest
//! unstarted ID of its kind, and among agents that appear nowhere in the state (no task,
//! no participant) only the lowest is offered to RESERVE, PULL or a named transfer.
//! The symmetry reduction (`symmetry` module) then merges states that differ only in
//! agent or session numbering.
//!
//! Besides the [`System`], a state holds the message budget left and what the last step
//! did wrong, so that step properties (TASK-22 moves, postponed obligations) can be
//! checked as `always` properties on the state after the step.
//!
//! Left out: several conversations at once (they share nothing in the rules but agents'
//! availability, which is an input here), real durations, and stimuli the sources do not
//! describe for this conversation (outbound tasks, supervisor actions).

use crate::bounds::Bounds;
use crate::mutants::Mutant;
use cxspec_spec::monitors::{Broken, MissionMonitor};
use cxspec_spec::{
    AgentId, ChannelKind, Config, ConversationState, Direction, Input, MediaState, Outcome,
    Readings, Reject, RoutingMode, RuleSet, Rules, SessionId, System, TimerKey,
};
use stateright::Model;

/// One state of the model: the composed system plus the model's own bookkeeping.
/// Serializable so that the breadth-first search can keep its frontier compact.
/// `{:?}` is the field dump; `{:#?}`, which stateright's Explorer shows, is the
/// engineer's view of `explorer::state_view`.
#[derive(Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct ModelState {
    pub system: System,
    /// Customer, bot and agent messages that may still be sent; `None`: no budget.
    pub messages_left: Option<u8>,
    /// What `transition_violations` found for the step that led here (TASK-22).
    pub moves: Vec<String>,
    /// The step that led here postponed the request TTL while the request waited.
    pub ttl_postponed: bool,
    /// The step that led here, in Closing, opened a task or postponed a wrap-up timer.
    pub closing_postponed: bool,
    /// The mission invariants' monitors over the published events (their ghost state).
    pub monitor: MissionMonitor,
    /// The mission invariants the step that led here broke (events, or a restart the
    /// `now_ms = 1` probe saw).
    pub broken: Broken,
}

impl std::fmt::Debug for ModelState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if f.alternate() {
            return f.write_str(&crate::explorer::state_view(self, None));
        }
        f.debug_struct("ModelState")
            .field("system", &self.system)
            .field("messages_left", &self.messages_left)
            .field("moves", &self.moves)
            .field("ttl_postponed", &self.ttl_postponed)
            .field("closing_postponed", &self.closing_postponed)
            .field("monitor", &self.monitor)
            .field("broken", &self.broken)
            .finish()
    }
}

/// The model: bounds, the spec configuration derived from them, and the rule set.
#[derive(Clone, Debug)]
pub struct CxModel {
    pub bounds: Bounds,
    pub config: Config,
    pub rules: RuleSet,
    /// Readings chosen on top of the rule set (`cxspec check --reading`).
    pub readings: Readings,
    /// Offer only the lowest unused agent for RESERVE, PULL and named transfer (sound by
    /// symmetry; switched off by tests that check exactly that).
    pub prune_fresh_agents: bool,
    /// Start sessions in ID order within each kind (same argument, same tests).
    pub prune_sessions: bool,
    /// A planted one-rule mutant of the spec (`mutants`), for the tests that show each
    /// property can fail; `None` runs the spec as it is.
    pub mutant: Option<Mutant>,
}

/// The time every step runs at; see the module header.
pub const NOW_MS: u64 = 0;

impl CxModel {
    pub fn new(bounds: Bounds, rules: RuleSet) -> CxModel {
        CxModel {
            config: bounds.config(),
            bounds,
            rules,
            readings: Readings::NONE,
            prune_fresh_agents: true,
            prune_sessions: true,
            mutant: None,
        }
    }

    /// The same model running a planted mutant of the spec.
    pub fn with_mutant(mut self, mutant: Mutant) -> CxModel {
        self.mutant = Some(mutant);
        self
    }

    /// `System::step` of the rules the model runs (the mutant's, if one is planted).
    /// Every step the model takes or looks ahead with goes through here.
    pub fn spec_step(
        &self,
        system: &System,
        input: &Input,
        now_ms: u64,
    ) -> Result<(System, Outcome), Reject> {
        match self.mutant {
            None => system.step(input, now_ms, &self.config, self.run_rules()),
            Some(m) => {
                crate::mutants::step(m, system, input, now_ms, &self.config, self.run_rules())
            }
        }
    }

    /// Whether the model offers `input` in `system`: `System::check` accepts it (or a
    /// planted mutant drops the guard that rejects it).
    pub fn accepts(&self, system: &System, input: &Input) -> bool {
        match system.check(input, &self.config) {
            Ok(()) => true,
            Err(reject) => self
                .mutant
                .is_some_and(|m| crate::mutants::offers_rejected(m, input, &reject)),
        }
    }

    /// The same model with `readings` chosen on top of its rule set.
    pub fn with_readings(mut self, readings: Readings) -> CxModel {
        self.readings = readings;
        self
    }

    /// The rules every step runs: the rule set and the chosen readings.
    pub fn run_rules(&self) -> Rules {
        Rules::new(self.rules, self.readings)
    }

    pub fn initial(&self) -> ModelState {
        ModelState {
            system: System::new(),
            messages_left: self.bounds.messages,
            moves: Vec::new(),
            ttl_postponed: false,
            closing_postponed: false,
            monitor: MissionMonitor::new(),
            broken: Broken::NONE,
        }
    }

    fn agent_ids(&self) -> impl Iterator<Item = AgentId> {
        (1..=self.bounds.agents).map(AgentId)
    }

    /// True once the task budget is spent: the state is checked, but nothing follows it.
    pub fn at_task_bound(&self, state: &ModelState) -> bool {
        state.system.tasks.next_task > self.bounds.tasks
    }

    /// Every candidate stimulus in a fixed order, before `System::check` filters them.
    fn candidates(&self, state: &ModelState, out: &mut Vec<Input>) {
        let system = &state.system;
        let conv = &system.conversation;
        let started = |id: SessionId| conv.session(id).is_some();
        // Sessions: start the lowest unstarted of each kind (or every one, unpruned). With
        // routing per channel, a kind is a channel kind and the mode its SESSION_STARTED
        // names, so that sessions of one kind stay interchangeable (module `symmetry`).
        let sessions = &self.bounds.sessions;
        let mode_of = |i: usize| {
            self.bounds
                .alphabet
                .session_mode(sessions, i, self.bounds.routing)
        };
        let mut kinds: Vec<(ChannelKind, Option<RoutingMode>)> = Vec::new();
        for (i, kind) in sessions.iter().enumerate() {
            if !kinds.contains(&(*kind, mode_of(i))) {
                kinds.push((*kind, mode_of(i)));
            }
        }
        kinds.sort_by_key(|(k, _)| *k == ChannelKind::Voice);
        for (kind, routing_mode) in kinds {
            let unstarted = sessions
                .iter()
                .enumerate()
                .filter(|(i, k)| **k == kind && mode_of(*i) == routing_mode)
                .map(|(i, _)| SessionId(i as u32 + 1))
                .filter(|id| !started(*id));
            let unstarted: Vec<SessionId> = if self.prune_sessions {
                unstarted.take(1).collect()
            } else {
                unstarted.collect()
            };
            for session in unstarted {
                out.push(Input::SessionStarted {
                    session,
                    channel: kind,
                    routing_mode,
                });
            }
        }
        let messages = state.messages_left != Some(0);
        for s in &conv.sessions {
            let session = s.id;
            out.push(Input::SessionEnded { session });
            if messages {
                out.push(Input::CustomerMessage { session });
                out.push(Input::BotMessage { session });
            }
            out.push(Input::RequestAgent {
                session,
                direction: None,
            });
            if self.bounds.alphabet.outbound {
                out.push(Input::RequestAgent {
                    session,
                    direction: Some(Direction::Outbound),
                });
            }
        }
        // An agent "appears" when a task or the participant list names it; agents that
        // appear nowhere are interchangeable, so one of them stands for all.
        let appears = |a: AgentId| {
            conv.participant(a).is_some() || system.tasks.tasks.iter().any(|t| t.agent == Some(a))
        };
        let fresh = self.agent_ids().find(|a| !appears(*a));
        let offer_fresh = |a: AgentId| !self.prune_fresh_agents || appears(a) || Some(a) == fresh;
        for agent in self.agent_ids() {
            if messages {
                out.push(Input::AgentMessage {
                    agent,
                    wrap_up: false,
                });
                // A wrap-up given as a message, during or after the conversation (SLA-12).
                out.push(Input::AgentMessage {
                    agent,
                    wrap_up: true,
                });
            }
            if offer_fresh(agent) {
                out.push(Input::ReserveAgent { agent });
                out.push(Input::PullConversation { agent });
            }
            out.push(Input::AcceptTask { agent });
            out.push(Input::QueueTransfer { agent });
            for to in self.agent_ids().filter(|to| *to != agent) {
                if offer_fresh(to) {
                    out.push(Input::NamedTransfer { agent, to });
                }
            }
            out.push(Input::QueueConference { agent });
            out.push(Input::LeaveConversation { agent });
            out.push(Input::WrapUpApplied { agent });
            out.push(Input::LeaveWithoutWrapUp { agent });
            out.push(Input::HoldConversation {
                agent,
                hold_ms: None,
            });
            out.push(Input::ResumeConversation { agent });
            out.push(Input::AgentLogout { agent });
        }
        out.push(Input::QueueFlush);
        out.push(Input::HousekeepingDone);
        system.for_each_timer(|timer, _| out.push(Input::TimerFired { timer }));
    }

    /// The step the model takes, with the model's bookkeeping; `None` if `step` rejects.
    pub fn step(&self, state: &ModelState, input: &Input) -> Option<ModelState> {
        let before = &state.system;
        let (after, outcome) = self.spec_step(before, input, NOW_MS).ok()?;
        let messages_left = match input {
            Input::CustomerMessage { .. }
            | Input::BotMessage { .. }
            | Input::AgentMessage { .. } => state.messages_left.map(|n| n.saturating_sub(1)),
            _ => state.messages_left,
        };
        let moves = cxspec_spec::invariants::transition_violations(before, &after);
        let mut monitor = state.monitor.clone();
        let mut broken = cxspec_spec::monitors::broken_by_with(
            &mut monitor,
            &outcome.published,
            cxspec_spec::monitors::Observe::for_rules(self.run_rules()),
        );
        let (ttl_postponed, closing_postponed) =
            self.postponements(before, &after, input, &mut broken);
        Some(ModelState {
            system: after,
            messages_left,
            moves,
            ttl_postponed,
            closing_postponed,
            monitor,
            broken,
        })
    }

    /// Whether the step moved a progress obligation's deadline later (see `properties`),
    /// and whether it restarted a running SLA without saying so (added to `broken`).
    ///
    /// With `now_ms = 0` a re-armed timer has the same deadline as before, so the step is
    /// run a second time at `now_ms = 1`: a deadline that differs from the state before
    /// the step was set by this step, and an SLA timer that ran before and now starts at
    /// 1 was restarted by it. The probe's state is thrown away.
    fn postponements(
        &self,
        before: &System,
        after: &System,
        input: &Input,
        broken: &mut Broken,
    ) -> (bool, bool) {
        let ttl_before = before
            .tasks
            .request
            .as_ref()
            .filter(|r| !r.ttl_expired)
            .and_then(|r| r.ttl_deadline_ms);
        let closing = before.conversation.state == ConversationState::Closing;
        let wrap_ups_before = before
            .tasks
            .tasks
            .iter()
            .any(|t| t.wrap_up_deadline_ms.is_some());
        let slas_before = before.sla.agent.is_some() || !before.sla.customer.is_empty();
        if ttl_before.is_none() && !(closing && wrap_ups_before) && !slas_before {
            // Nothing to postpone or restart; but Closing must still not open a task.
            let opened = closing && opens_task(before, after);
            return (false, opened);
        }
        let Ok((probe, probe_out)) = self.spec_step(before, input, NOW_MS + 1) else {
            return (false, false);
        };
        if slas_before {
            restarts(before, &probe, &probe_out, broken);
        }
        let ttl_postponed = match (ttl_before, probe.tasks.request.as_ref()) {
            (Some(deadline), Some(r)) if !r.ttl_expired => {
                r.ttl_deadline_ms.is_some_and(|d| d != deadline)
            }
            _ => false,
        };
        let closing_postponed = closing
            && (opens_task(before, after)
                || before.tasks.tasks.iter().any(|old| {
                    let new = probe.tasks.task(old.id);
                    matches!(
                        (old.wrap_up_deadline_ms, new.and_then(|t| t.wrap_up_deadline_ms)),
                        (Some(a), Some(b)) if a != b
                    )
                }));
        (ttl_postponed, closing_postponed)
    }
}

/// Reports SLA timers that ran before the step and that the probe (the step at
/// `now_ms = 1`) started again, unless the step's events say so (`MissionMonitor::restarted`).
fn restarts(before: &System, probe: &System, out: &Outcome, broken: &mut Broken) {
    let restarted_now = |t: &cxspec_spec::sla::SlaTimer| t.started_ms == NOW_MS + 1;
    let mut note = |b: cxspec_spec::monitors::Breach| broken.insert(b.mission());
    if before.sla.agent.is_some() && probe.sla.agent.as_ref().is_some_and(restarted_now) {
        MissionMonitor::restarted(None, &out.published, &mut note);
    }
    for (session, _) in &before.sla.customer {
        if probe.sla.customer_sla(*session).is_some_and(restarted_now) {
            MissionMonitor::restarted(Some(*session), &out.published, &mut note);
        }
    }
}

/// True if `after` has an open task that was not open in `before`.
fn opens_task(before: &System, after: &System) -> bool {
    after
        .tasks
        .tasks
        .iter()
        .any(|t| t.is_open() && !before.tasks.task(t.id).is_some_and(|old| old.is_open()))
}

impl Model for CxModel {
    type State = ModelState;
    type Action = Input;

    fn init_states(&self) -> Vec<ModelState> {
        vec![self.initial()]
    }

    fn actions(&self, state: &ModelState, actions: &mut Vec<Input>) {
        if self.at_task_bound(state) {
            return;
        }
        let mut candidates = Vec::new();
        self.candidates(state, &mut candidates);
        actions.extend(
            candidates
                .into_iter()
                .filter(|input| self.accepts(&state.system, input)),
        );
    }

    fn next_state(&self, state: &ModelState, action: Input) -> Option<ModelState> {
        self.step(state, &action)
    }

    fn format_action(&self, action: &Input) -> String {
        crate::sequence::input_text(action)
    }

    fn format_step(&self, last_state: &ModelState, action: Input) -> Option<String> {
        crate::explorer::step_view(self, last_state, &action)
    }

    fn as_svg(&self, path: stateright::Path<ModelState, Input>) -> Option<String> {
        crate::explorer::path_svg(self, &path.into_actions())
    }

    fn properties(&self) -> Vec<stateright::Property<Self>> {
        crate::properties::all()
    }
}

/// Whether a media state is QUEUED; used by the progress properties.
pub(crate) fn is_queued(state: MediaState) -> bool {
    state == MediaState::Queued
}

/// The request TTL as a stimulus.
pub(crate) const TTL_FIRES: Input = Input::TimerFired {
    timer: TimerKey::RequestTtl,
};
