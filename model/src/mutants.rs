//! Planted one-rule mutants of the spec, to prove that each property can fail.
//!
//! A property that no spec can break proves nothing (`OneCustomerSlaPerSession` held
//! under every rule set, because keyed storage cannot hold a duplicate). So each property
//! has at least one mutant here, and a test (`tests/mutants.rs`) checks that the model
//! checker reports that property violated when the model runs the mutant.
//!
//! How a mutant is planted without editing the rule files: the model wraps
//! `System::step` ([`crate::CxModel::spec_step`]), and a mutant perturbs the step's
//! result, state and published events alike, so that it is the step of a spec with one
//! rule changed: a rule's effect undone when the `Outcome` says the rule applied
//! (e.g. SLA-07 applied, its stop of the agent SLA is undone and its
//! `AGENT_SLA_STOPPED` dropped), or one effect added where the rule would have acted.
//! One mutant (TASK-23) removes a guard instead: the model also offers the input the
//! guard rejects, and steps it on a copy where the guarded fact is hidden under a
//! renaming the rules cannot tell apart (they compare agent IDs only for equality).
//! Every model step goes through the wrapper, the `now_ms = 1` probe and the progress
//! properties' look-ahead included, so a mutant that re-arms a timer is seen.
//!
//! Left out: mutants of the conformance kit's replies (`cxspec-conformance`,
//! `mutation.rs`), which test the runner, not the properties.

use cxspec_spec::sla::SlaTimer;
use cxspec_spec::{
    AgentId, ChannelKind, Config, ConversationState, Input, Outcome, Published, Reject, Role, Rule,
    SessionId, System, TaskState,
};

/// A planted mutant: one rule of the spec changed. Named by the rule and the change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Mutant {
    /// SLA-27 with unkeyed storage: a customer message (SLA-15) starts the other sessions'
    /// customer SLAs again although they run, appending a second timer and publishing
    /// `CUSTOMER_SLA_STARTED`.
    Sla27Appends,
    /// SLA-27 dropped silently: a customer message (SLA-15) re-arms the other sessions'
    /// running customer SLAs from now, publishing nothing.
    Sla27SilentRestart,
    /// SLA-14's "not running" dropped: a customer message starts the running agent SLA
    /// again with `AGENT_SLA_STARTED` (the storage holds one agent SLA, so only the
    /// events show two).
    Sla14RestartsAgentSla,
    /// SLA-07 dropped: the last agent's unsubscribe leaves the agent SLA running.
    Sla07Dropped,
    /// CONV-08: `AGENT_UNSUBSCRIBED` is published but not applied (the participant
    /// stays), so SLA-07, reading the participant list, does not stop the agent SLA.
    UnsubscribeNotApplied,
    /// SLA-19 dropped: a hold leaves the agent SLA running.
    Sla19Dropped,
    /// SLA-10 dropped: an ended session's customer SLA keeps running.
    Sla10Dropped,
    /// SLA-01 dropped: a voice call's start leaves the agent SLA running.
    Sla01Dropped,
    /// SLA-03's stop dropped: a voice call's start leaves the chats' customer SLAs running.
    Sla03KeepsChats,
    /// SLA-08 dropped: the last agent leaving starts no customer SLA.
    Sla08Dropped,
    /// TASK-22: a task closes without a reason code.
    Task22NoReason,
    /// TASK-22, deep: the sixth task or a later one closes without a reason code. Out of
    /// exhaustive reach in the configurations that can create six tasks; the simulation
    /// test finds it.
    Task22NoReasonDeep,
    /// TASK-22: closing a task re-stamps every CLOSED task with the new reason (a sweep
    /// over all tasks instead of the one closing), so a CLOSED task changes.
    Task22Restamps,
    /// TASK-23's agent guard dropped: RESERVE is accepted for an agent who has an open
    /// task.
    Task23Dropped,
    /// CONV-07 dropped: the last PRIMARY agent leaving keeps the conversation Active.
    Conv07Dropped,
    /// TASK-01: a customer message re-arms the waiting request's TTL from now.
    Task01TtlRearmed,
    /// TASK-17 dropped in Closing: the wrap-up timer fires and the task stays in WRAP_UP
    /// with its timer armed again.
    Task17DroppedInClosing,
}

impl Mutant {
    pub const ALL: [Mutant; 17] = [
        Mutant::Sla27Appends,
        Mutant::Sla27SilentRestart,
        Mutant::Sla14RestartsAgentSla,
        Mutant::Sla07Dropped,
        Mutant::UnsubscribeNotApplied,
        Mutant::Sla19Dropped,
        Mutant::Sla10Dropped,
        Mutant::Sla01Dropped,
        Mutant::Sla03KeepsChats,
        Mutant::Sla08Dropped,
        Mutant::Task22NoReason,
        Mutant::Task22NoReasonDeep,
        Mutant::Task22Restamps,
        Mutant::Task23Dropped,
        Mutant::Conv07Dropped,
        Mutant::Task01TtlRearmed,
        Mutant::Task17DroppedInClosing,
    ];
}

/// An agent ID no configuration uses (`bounds::MAX_AGENTS` is far below it).
const HIDDEN_AGENT: AgentId = AgentId(u32::MAX);

/// A timer started at `now_ms`, as SLA-23 arms it: due at its first level, or at 100%.
/// The exact deadline matters to no property; it only has to be a fresh start.
fn fresh_timer(now_ms: u64, duration_ms: u64, levels_pct: &[u8]) -> SlaTimer {
    let first = levels_pct
        .first()
        .map_or(duration_ms, |pct| duration_ms / 100 * u64::from(*pct));
    SlaTimer {
        started_ms: now_ms,
        duration_ms,
        next_level: 0,
        deadline_ms: now_ms + first,
    }
}

fn customer_duration(system: &System, session: SessionId, config: &Config) -> u64 {
    match system.conversation.session(session).map(|s| s.channel) {
        Some(ChannelKind::Voice) => config.voice_customer_sla_ms,
        _ => config.customer_sla_ms,
    }
}

/// Whether the mutant offers `input` although `System::check` rejects it with `reject`.
pub fn offers_rejected(mutant: Mutant, input: &Input, reject: &Reject) -> bool {
    mutant == Mutant::Task23Dropped
        && matches!(input, Input::ReserveAgent { .. })
        && *reject == Reject::AgentAlreadyHasTask
}

/// The mutant's step: `System::step`, then the mutant's change of one rule.
pub fn step(
    mutant: Mutant,
    before: &System,
    input: &Input,
    now_ms: u64,
    config: &Config,
    rules: cxspec_spec::Rules,
) -> Result<(System, Outcome), Reject> {
    if let (Mutant::Task23Dropped, Input::ReserveAgent { agent }) = (mutant, input) {
        if before.tasks.open_task_of(*agent).is_some() {
            // Hide the agent's open task under an ID no input names, step, and give it back.
            let mut hidden = before.clone();
            for task in &mut hidden.tasks.tasks {
                if task.is_open() && task.agent == Some(*agent) {
                    task.agent = Some(HIDDEN_AGENT);
                }
            }
            let (mut after, outcome) = hidden.step(input, now_ms, config, rules)?;
            for task in &mut after.tasks.tasks {
                if task.agent == Some(HIDDEN_AGENT) {
                    task.agent = Some(*agent);
                }
            }
            return Ok((after, outcome));
        }
    }
    let (mut after, mut out) = before.step(input, now_ms, config, rules)?;
    perturb(mutant, before, input, now_ms, config, &mut after, &mut out);
    Ok((after, out))
}

fn applied(out: &Outcome, rule: Rule) -> bool {
    out.rules.contains(&rule)
}

fn perturb(
    mutant: Mutant,
    before: &System,
    input: &Input,
    now_ms: u64,
    config: &Config,
    after: &mut System,
    out: &mut Outcome,
) {
    match mutant {
        Mutant::Sla27Appends | Mutant::Sla27SilentRestart => {
            let Input::CustomerMessage { session } = input else {
                return;
            };
            if !applied(out, Rule::Sla15) {
                return;
            }
            let running: Vec<SessionId> = before
                .sla
                .customer
                .iter()
                .map(|(s, _)| *s)
                .filter(|s| s != session && after.sla.customer_sla(*s).is_some())
                .collect();
            for s in running {
                let timer = fresh_timer(
                    now_ms,
                    customer_duration(after, s, config),
                    &config.customer_sla_thresholds_pct,
                );
                let at = after
                    .sla
                    .customer
                    .iter()
                    .position(|(x, _)| *x == s)
                    .expect("running");
                if mutant == Mutant::Sla27Appends {
                    out.published.push(Published::CustomerSlaStarted {
                        session: s,
                        deadline_ms: timer.deadline_ms,
                    });
                    after.sla.customer.insert(at + 1, (s, timer));
                } else {
                    after.sla.customer[at].1 = timer;
                }
            }
        }
        Mutant::Sla14RestartsAgentSla => {
            if !matches!(input, Input::CustomerMessage { .. }) || before.sla.agent.is_none() {
                return;
            }
            let conv = &after.conversation;
            // A running agent SLA implies a configured duration (SLA-29).
            let Some(duration_ms) = config.agent_sla_ms else {
                return;
            };
            if after.sla.agent.is_some() && conv.has_primary() && !conv.on_hold() {
                let timer = fresh_timer(now_ms, duration_ms, &config.agent_sla_thresholds_pct);
                out.published.push(Published::AgentSlaStarted {
                    deadline_ms: timer.deadline_ms,
                });
                after.sla.agent = Some(timer);
            }
        }
        Mutant::Sla07Dropped => {
            if applied(out, Rule::Sla07) && after.sla.agent.is_none() {
                after.sla.agent = before.sla.agent.clone();
                out.published.retain(|e| *e != Published::AgentSlaStopped);
            }
        }
        Mutant::UnsubscribeNotApplied => {
            let gone: Vec<AgentId> = out
                .published
                .iter()
                .filter_map(|e| match e {
                    Published::AgentUnsubscribed { agent, .. } => Some(*agent),
                    _ => None,
                })
                .collect();
            let mut restored = false;
            for agent in gone {
                if let Some(p) = before.conversation.participant(agent) {
                    if p.role == Role::Primary && after.conversation.participant(agent).is_none() {
                        after.conversation.agents.push(p.clone());
                        restored = true;
                    }
                }
            }
            // SLA-07 reads the participant list, which still has the agent.
            if restored && applied(out, Rule::Sla07) && after.sla.agent.is_none() {
                after.sla.agent = before.sla.agent.clone();
                out.published.retain(|e| *e != Published::AgentSlaStopped);
            }
        }
        Mutant::Sla19Dropped => {
            if applied(out, Rule::Sla19) && after.sla.agent.is_none() {
                after.sla.agent = before.sla.agent.clone();
                out.published.retain(|e| *e != Published::AgentSlaStopped);
            }
        }
        Mutant::Sla10Dropped => {
            let Input::SessionEnded { session } = input else {
                return;
            };
            if !applied(out, Rule::Sla10) {
                return;
            }
            if let (Some(timer), None) = (
                before.sla.customer_sla(*session),
                after.sla.customer_sla(*session),
            ) {
                let at = after.sla.customer.partition_point(|(s, _)| s < session);
                after.sla.customer.insert(at, (*session, timer.clone()));
                out.published
                    .retain(|e| *e != Published::CustomerSlaStopped { session: *session });
            }
        }
        Mutant::Sla01Dropped => {
            if applied(out, Rule::Sla01) && after.sla.agent.is_none() {
                after.sla.agent = before.sla.agent.clone();
                out.published.retain(|e| *e != Published::AgentSlaStopped);
            }
        }
        Mutant::Sla03KeepsChats => {
            let Input::SessionStarted {
                channel: ChannelKind::Voice,
                ..
            } = input
            else {
                return;
            };
            if !applied(out, Rule::Sla03) {
                return;
            }
            for (s, timer) in &before.sla.customer {
                if after.sla.customer_sla(*s).is_none() {
                    let at = after.sla.customer.partition_point(|(x, _)| x < s);
                    after.sla.customer.insert(at, (*s, timer.clone()));
                    out.published
                        .retain(|e| *e != Published::CustomerSlaStopped { session: *s });
                }
            }
        }
        Mutant::Sla08Dropped => {
            if !applied(out, Rule::Sla08) {
                return;
            }
            let started: Vec<SessionId> = after
                .sla
                .customer
                .iter()
                .map(|(s, _)| *s)
                .filter(|s| before.sla.customer_sla(*s).is_none())
                .collect();
            after.sla.customer.retain(|(s, _)| !started.contains(s));
            out.published.retain(|e| {
                !matches!(e, Published::CustomerSlaStarted { session, .. } if started.contains(session))
            });
        }
        Mutant::Task22NoReason | Mutant::Task22NoReasonDeep => {
            let first = if mutant == Mutant::Task22NoReason {
                1
            } else {
                6
            };
            for task in &mut after.tasks.tasks {
                let was_open = before.tasks.task(task.id).is_none_or(|t| t.is_open());
                if was_open && task.state == TaskState::Closed && task.id.0 >= first {
                    task.reason = None;
                }
            }
        }
        Mutant::Task22Restamps => {
            let newly_closed = after.tasks.tasks.iter().find(|t| {
                t.state == TaskState::Closed
                    && before.tasks.task(t.id).is_none_or(|old| old.is_open())
            });
            if let Some(reason) = newly_closed.and_then(|t| t.reason) {
                for task in &mut after.tasks.tasks {
                    if task.state == TaskState::Closed {
                        task.reason = Some(reason);
                    }
                }
            }
        }
        Mutant::Task23Dropped => {}
        Mutant::Conv07Dropped => {
            if before.conversation.state == ConversationState::Active
                && after.conversation.state == ConversationState::Inactive
            {
                after.conversation.state = ConversationState::Active;
                out.published.retain(|e| {
                    *e != Published::TopicStateChanged {
                        state: ConversationState::Inactive,
                    }
                });
            }
        }
        Mutant::Task01TtlRearmed => {
            if !matches!(input, Input::CustomerMessage { .. }) {
                return;
            }
            if let Some(r) = &mut after.tasks.request {
                if !r.ttl_expired && r.ttl_deadline_ms.is_some() {
                    r.ttl_deadline_ms = Some(now_ms + config.request_ttl_ms);
                }
            }
        }
        Mutant::Task17DroppedInClosing => {
            let Input::TimerFired {
                timer: cxspec_spec::TimerKey::WrapUp { .. },
            } = input
            else {
                return;
            };
            if before.conversation.state != ConversationState::Closing {
                return;
            }
            // The task and the conversation stay as they were; nothing is published.
            *after = before.clone();
            out.published.clear();
            out.timers.clear();
        }
    }
}
