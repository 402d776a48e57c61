//! The composition: one conversation's three machines and the bus between them.
//!
//! An [`Input`] goes to the machine that owns it, after every guard has passed; the
//! events it publishes are consumed, in publication order, by the SLA machine, then the
//! conversation, then the task machine, and whatever they publish goes the same way
//! until the bus is empty. So TASK_STATE_CHANGED (QUEUED) from the task machine reaches
//! the SLA machine, and AGENT_SLA_EXPIRED from the SLA machine reaches the conversation.
//! Time is an input: `now_ms` only stamps new deadlines; no rule compares it with one,
//! because expiry is itself an input (`TIMER_FIRED`).

use crate::config::Config;
use crate::conversation::{Bus, Conversation};
use crate::event::{Input, Reject, TimerKey};
use crate::readings::{Reading, Rules};
use crate::rules::Rule;
use crate::sla::SlaTimers;
use crate::task::TaskBook;
use crate::types::*;
use crate::Outcome;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct System {
    pub conversation: Conversation,
    pub tasks: TaskBook,
    pub sla: SlaTimers,
}

impl System {
    pub fn new() -> System {
        System::default()
    }

    /// The pure step function: the next state and what it published, or a rejection.
    pub fn step(
        &self,
        input: &Input,
        now_ms: u64,
        config: &Config,
        rules: impl Into<Rules>,
    ) -> Result<(System, Outcome), Reject> {
        let mut next = self.clone();
        let mut out = Outcome::default();
        next.apply(input, now_ms, config, rules, &mut out)?;
        Ok((next, out))
    }

    /// Every armed timer and its deadline, in a fixed order.
    pub fn timers(&self) -> Vec<(TimerKey, u64)> {
        let mut timers = Vec::new();
        self.for_each_timer(|key, deadline| timers.push((key, deadline)));
        timers
    }

    /// Calls `f` for every armed timer, in a fixed order, without allocating.
    pub fn for_each_timer(&self, mut f: impl FnMut(TimerKey, u64)) {
        if let Some(t) = &self.sla.agent {
            f(TimerKey::AgentSla, t.deadline_ms);
        }
        for (session, t) in &self.sla.customer {
            f(TimerKey::CustomerSla { session: *session }, t.deadline_ms);
        }
        if let Some(r) = &self.tasks.request {
            if let (Some(deadline), false) = (r.ttl_deadline_ms, r.ttl_expired) {
                f(TimerKey::RequestTtl, deadline);
            }
        }
        for t in &self.tasks.tasks {
            if let Some(deadline) = t.rona_deadline_ms {
                f(TimerKey::Rona { task: t.id }, deadline);
            }
            if let Some(deadline) = t.wrap_up_deadline_ms {
                f(TimerKey::WrapUp { task: t.id }, deadline);
            }
        }
        if let Some(deadline) = self.conversation.hold_deadline_ms {
            f(TimerKey::Hold, deadline);
        }
    }

    pub fn timer_armed(&self, key: TimerKey) -> bool {
        match key {
            TimerKey::AgentSla => self.sla.agent.is_some(),
            TimerKey::CustomerSla { session } => self.sla.customer_sla(session).is_some(),
            TimerKey::RequestTtl => self
                .tasks
                .request
                .as_ref()
                .is_some_and(|r| r.ttl_deadline_ms.is_some() && !r.ttl_expired),
            TimerKey::Rona { task } => self
                .tasks
                .task(task)
                .is_some_and(|t| t.rona_deadline_ms.is_some()),
            TimerKey::WrapUp { task } => self
                .tasks
                .task(task)
                .is_some_and(|t| t.wrap_up_deadline_ms.is_some()),
            TimerKey::Hold => self.conversation.on_hold(),
        }
    }

    /// Checks every guard of `input`; on success nothing has changed yet.
    pub fn check(&self, input: &Input, config: &Config) -> Result<(), Reject> {
        let conv = &self.conversation;
        match conv.state {
            ConversationState::Closed => return Err(Reject::ConversationClosed),
            ConversationState::Closing => {
                return match input {
                    Input::HousekeepingDone if self.tasks.tasks.iter().any(|t| t.is_open()) => {
                        Err(Reject::TasksStillOpen)
                    }
                    Input::HousekeepingDone => Ok(()),
                    Input::WrapUpApplied { agent } | Input::LeaveWithoutWrapUp { agent } => self
                        .tasks
                        .wrap_up_task_of(*agent)
                        .map(|_| ())
                        .ok_or(Reject::NotInWrapUp),
                    Input::TimerFired { timer } if self.timer_armed(*timer) => Ok(()),
                    Input::TimerFired { .. } => Err(Reject::TimerNotArmed),
                    _ => Err(Reject::ConversationClosing),
                };
            }
            _ => {}
        }
        if input.agents().any(|a| !config.knows_agent(a)) {
            return Err(Reject::UnknownAgent);
        }
        let needs_customer = !matches!(
            input,
            Input::SessionStarted { .. } | Input::HousekeepingDone | Input::TimerFired { .. }
        );
        if needs_customer && conv.sessions.is_empty() {
            return Err(Reject::NoCustomer);
        }
        let tasks = &self.tasks;
        match *input {
            Input::SessionStarted { session, .. } => {
                if conv.session(session).is_some() {
                    return Err(Reject::SessionAlreadyExists);
                }
            }
            Input::SessionEnded { session } => {
                conv.open_session(session)?;
            }
            // A call carries call legs, not chat messages (seed 003: "a call is an interactive session").
            Input::CustomerMessage { session } | Input::BotMessage { session } => {
                if conv.open_session(session)?.channel == ChannelKind::Voice {
                    return Err(Reject::VoiceSession);
                }
            }
            Input::AgentMessage { agent, .. } => {
                conv.participant(agent)
                    .ok_or(Reject::AgentNotInConversation)?;
            }
            Input::RequestAgent { session, direction } => {
                if conv.open_session(session)?.channel == ChannelKind::Voice {
                    return Err(Reject::VoiceSession);
                }
                if !matches!(
                    direction,
                    None | Some(Direction::Inbound | Direction::Outbound)
                ) {
                    return Err(Reject::InvalidDirection);
                }
                tasks.check_request(session, conv)?;
            }
            Input::ReserveAgent { agent } => tasks.check_reserve(agent)?,
            Input::AcceptTask { agent } => {
                tasks.reserved_task_of(agent).ok_or(Reject::NotReserved)?;
            }
            Input::PullConversation { agent } => {
                // Routing mode is per channel: PULL needs a session whose channel pulls.
                if !conv
                    .sessions
                    .iter()
                    .any(|s| s.routing_mode == RoutingMode::Pull)
                {
                    return Err(Reject::WrongRoutingMode);
                }
                if !tasks
                    .request
                    .as_ref()
                    .is_some_and(|r| r.kind == crate::task::RequestKind::Pull)
                {
                    return Err(Reject::NothingToPull);
                }
                if tasks
                    .open_task_of(agent)
                    .is_some_and(|t| t.state != TaskState::Active)
                {
                    return Err(Reject::AgentAlreadyHasTask);
                }
            }
            Input::QueueTransfer { agent } | Input::QueueConference { agent } => {
                tasks.check_agent_request(agent, conv)?
            }
            Input::NamedTransfer { agent, to } => {
                tasks.check_agent_request(agent, conv)?;
                if agent == to {
                    return Err(Reject::TransferToSelf);
                }
                if tasks.open_task_of(to).is_some() || conv.participant(to).is_some() {
                    return Err(Reject::AgentAlreadyHasTask);
                }
            }
            Input::LeaveConversation { agent } => conv.primary(agent)?,
            Input::WrapUpApplied { agent } | Input::LeaveWithoutWrapUp { agent } => {
                tasks.wrap_up_task_of(agent).ok_or(Reject::NotInWrapUp)?;
            }
            Input::HoldConversation { agent, hold_ms } => {
                conv.primary(agent)?;
                if let Some(hold_ms) = hold_ms {
                    crate::config::check_duration(hold_ms).map_err(|_| Reject::InvalidHoldTime)?;
                }
                if conv.state != ConversationState::Active {
                    return Err(Reject::NotActive);
                }
            }
            Input::ResumeConversation { agent } => {
                conv.primary(agent)?;
                if !conv.on_hold() {
                    return Err(Reject::NotOnHold);
                }
            }
            Input::AgentLogout { agent } => {
                if conv.participant(agent).is_none() && tasks.open_task_of(agent).is_none() {
                    return Err(Reject::AgentNotInConversation);
                }
            }
            Input::QueueFlush => {
                tasks.queued_task().ok_or(Reject::NoQueuedTask)?;
            }
            Input::HousekeepingDone => return Err(Reject::NotClosing),
            Input::TimerFired { timer } => {
                if !self.timer_armed(timer) {
                    return Err(Reject::TimerNotArmed);
                }
            }
        }
        Ok(())
    }

    /// Applies `input` in place: guards first (the time domain, then [`System::check`]),
    /// then the owning machine, then the bus.
    pub fn apply(
        &mut self,
        input: &Input,
        now_ms: u64,
        config: &Config,
        rules: impl Into<Rules>,
        out: &mut Outcome,
    ) -> Result<(), Reject> {
        let rules: Rules = rules.into();
        // The time domain first (conformance/FORMAT.md, "Time"): every deadline this step
        // can arm is `now_ms` plus at most the longest configured duration, so when that sum
        // is within MAX_TIME_MS no deadline is wrapped or inexact. A timer's fire is exempt:
        // a timer once armed must fire, and what it arms saturates rather than wraps.
        let longest = match *input {
            Input::HoldConversation {
                hold_ms: Some(hold_ms),
                ..
            } => config.longest_duration_ms().max(hold_ms),
            _ => config.longest_duration_ms(),
        };
        if !matches!(input, Input::TimerFired { .. })
            && now_ms
                .checked_add(longest)
                .is_none_or(|latest| latest > crate::config::MAX_TIME_MS)
        {
            return Err(Reject::TimeOutOfRange);
        }
        self.check(input, config)?;
        // The two timers held in plain fields, the request TTL and the hold, change in many
        // places; their effects are reported once, from their values before and after.
        let inline_before = self.inline_timers();
        let mut bus = Bus::after(out);
        let System {
            conversation: conv,
            tasks,
            sla,
        } = self;
        match *input {
            Input::SessionStarted {
                session,
                channel,
                routing_mode,
            } => conv.start_session(session, channel, routing_mode, config, out, &mut bus)?,
            Input::SessionEnded { session } => conv.end_session(session, config, out, &mut bus),
            Input::CustomerMessage { session } => conv.customer_message(session, out, &mut bus),
            Input::BotMessage { session } => conv.bot_message(session, out, &mut bus),
            Input::AgentMessage { agent, wrap_up } => {
                // R-07 `resumes`: an agent's message during hold is taken as the end of it
                // (`153747909.md`), so the resume comes first and the message meets an
                // active conversation.
                if rules.takes(Reading::AgentMessageOnHold, "resumes") {
                    conv.resume(config, out, &mut bus);
                }
                let role = conv.participant(agent).expect("guarded").role;
                conv.agent_message(agent, role, wrap_up, out, &mut bus);
            }
            Input::RequestAgent { session, direction } => tasks.request_agent(
                session,
                direction.unwrap_or(Direction::Inbound),
                conv,
                now_ms,
                config,
                out,
                &mut bus,
            ),
            Input::ReserveAgent { agent } => {
                tasks.reserve(agent, now_ms, config, rules, out, &mut bus)
            }
            Input::AcceptTask { agent } => tasks.accept(agent, out, &mut bus),
            Input::PullConversation { agent } => tasks.pull(agent, config, rules, out, &mut bus),
            Input::QueueTransfer { agent } => {
                let session = tasks.agent_request_session(agent, conv).expect("guarded");
                conv.resume(config, out, &mut bus);
                conv.unsubscribe(
                    agent,
                    UnsubscribeReason::DirectTransfer,
                    config,
                    out,
                    &mut bus,
                );
                tasks.queue_transfer(agent, session, now_ms, config, out, &mut bus);
            }
            Input::NamedTransfer { agent, to } => {
                let session = tasks.agent_request_session(agent, conv).expect("guarded");
                conv.resume(config, out, &mut bus);
                conv.unsubscribe(
                    agent,
                    UnsubscribeReason::DirectTransfer,
                    config,
                    out,
                    &mut bus,
                );
                tasks.named_transfer(agent, session, to, now_ms, config, rules, out, &mut bus);
            }
            Input::QueueConference { agent } => {
                let session = tasks.agent_request_session(agent, conv).expect("guarded");
                tasks.conference(session, now_ms, config, out, &mut bus)
            }
            Input::LeaveConversation { agent } => conv.leave(agent, config, rules, out, &mut bus),
            Input::WrapUpApplied { agent } | Input::LeaveWithoutWrapUp { agent } => {
                let id = tasks.wrap_up_task_of(agent).expect("guarded");
                tasks.finish_wrap_up(id, out, &mut bus);
            }
            Input::HoldConversation { hold_ms, .. } => {
                conv.pause(now_ms, hold_ms, config, out, &mut bus)
            }
            Input::ResumeConversation { .. } => conv.resume(config, out, &mut bus),
            Input::AgentLogout { agent } => {
                out.rule(Rule::Task20);
                conv.unsubscribe(agent, UnsubscribeReason::Logout, config, out, &mut bus);
                tasks.logout_reserved(agent, rules, out, &mut bus);
                // A transferring agent is no longer a participant, so no unsubscribe
                // reaches their wrap-up: the logout ends it here (TASK-20).
                if let Some(id) = tasks.wrap_up_task_of(agent) {
                    tasks.finish_wrap_up(id, out, &mut bus);
                }
            }
            Input::QueueFlush => tasks.flush(rules, out, &mut bus),
            Input::HousekeepingDone => conv.housekeeping_done(out, &mut bus),
            Input::TimerFired { timer } => match timer {
                TimerKey::AgentSla => sla.agent_timer_fired(config, rules, out, &mut bus),
                TimerKey::CustomerSla { session } => {
                    sla.customer_timer_fired(session, config, rules, out, &mut bus)
                }
                TimerKey::RequestTtl => tasks.ttl_expired(out, &mut bus),
                TimerKey::Rona { task } => tasks.rona(task, rules, out, &mut bus),
                TimerKey::WrapUp { task } => tasks.finish_wrap_up(task, out, &mut bus),
                TimerKey::Hold => conv.resume(config, out, &mut bus),
            },
        }
        while let Some(event) = bus.next(out) {
            sla.consume(&event, conv, now_ms, config, rules, out, &mut bus);
            conv.consume(&event, config, out, &mut bus);
            tasks.consume(&event, conv, now_ms, config, rules, out, &mut bus);
        }
        let inline_after = self.inline_timers();
        for (key, before, after) in [
            (TimerKey::RequestTtl, inline_before.0, inline_after.0),
            (TimerKey::Hold, inline_before.1, inline_after.1),
        ] {
            // A timer that fired is disarmed by its firing: report it even if unchanged.
            let fired = *input == Input::TimerFired { timer: key };
            if before != after || fired {
                out.timer(key, after);
            }
        }
        Ok(())
    }

    /// The deadlines of the request TTL (while it runs) and of the hold.
    fn inline_timers(&self) -> (Option<u64>, Option<u64>) {
        let ttl = self
            .tasks
            .request
            .as_ref()
            .filter(|r| !r.ttl_expired)
            .and_then(|r| r.ttl_deadline_ms);
        (ttl, self.conversation.hold_deadline_ms)
    }
}
