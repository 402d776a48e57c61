//! The conversation machine (Conversation Manager and controller): channel sessions,
//! agent participants and their roles, hold, and the eight conversation states.
//!
//! Sources: `Conversation_93192236.md` and seed 004 (the states), seed 002 and
//! `Conversation-Objects_2528831.md` (participants, controller), `140869657.md` and
//! `153747909.md` (pause and resume), `Apply-Wrap-up-and-Add-Notes_2528747.md` (wrap-up).
//! Left out: customer identity, rooms, channel data, the bot's own decisions (they
//! arrive as inputs: the bot asking for an agent, the controller ending a session), and
//! voice call hold, which `140869657.md` keeps apart from conversation hold.

use crate::config::{deadline_after, Config};
use crate::event::{Published, Reject, TaskView};
use crate::inline::Inline;
use crate::readings::{Reading, Rules};
use crate::rules::Rule;
use crate::types::*;
use crate::Outcome;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Session {
    pub id: SessionId,
    pub channel: ChannelKind,
    pub open: bool,
    /// The routing mode of the session's channel (TASK-01, TASK-07): the one
    /// SESSION_STARTED names, else the configured one.
    pub routing_mode: RoutingMode,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Participant {
    pub agent: AgentId,
    pub role: Role,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Conversation {
    pub state: ConversationState,
    /// Every session ever started, in start order; ended ones stay, closed (CONV-12).
    pub sessions: Inline<Session, 2>,
    /// Agent participants in join order.
    pub agents: Inline<Participant, 2>,
    pub ever_had_agent: bool,
    pub hold_deadline_ms: Option<u64>,
    pub last_message: Option<Sender>,
}

impl Default for Conversation {
    fn default() -> Self {
        Conversation {
            state: ConversationState::Created,
            sessions: Inline::new(),
            agents: Inline::new(),
            ever_had_agent: false,
            hold_deadline_ms: None,
            last_message: None,
        }
    }
}

impl Conversation {
    pub fn session(&self, id: SessionId) -> Option<&Session> {
        self.sessions.iter().find(|s| s.id == id)
    }

    pub fn open_sessions(&self) -> impl Iterator<Item = &Session> {
        self.sessions.iter().filter(|s| s.open)
    }

    pub fn customer_present(&self) -> bool {
        self.sessions.iter().any(|s| s.open)
    }

    pub fn voice_open(&self) -> bool {
        self.open_sessions()
            .any(|s| s.channel == ChannelKind::Voice)
    }

    pub fn on_hold(&self) -> bool {
        self.hold_deadline_ms.is_some()
    }

    pub fn participant(&self, agent: AgentId) -> Option<&Participant> {
        self.agents.iter().find(|p| p.agent == agent)
    }

    pub fn has_primary(&self) -> bool {
        self.agents.iter().any(|p| p.role == Role::Primary)
    }

    pub fn all_agents_in_wrap_up(&self) -> bool {
        !self.agents.is_empty() && self.agents.iter().all(|p| p.role == Role::WrapUp)
    }

    pub fn is_over(&self) -> bool {
        matches!(
            self.state,
            ConversationState::Closing | ConversationState::Closed
        )
    }

    /// The state the participants call for (CONV-01..CONV-09). Closing and Closed are
    /// left only by house-keeping, never recomputed back.
    fn state_for_participants(&self, config: &Config) -> ConversationState {
        use ConversationState::*;
        if matches!(self.state, Closing | Closed) {
            return self.state;
        }
        let customer_gone = !self.sessions.is_empty() && !self.customer_present();
        if customer_gone {
            if self.agents.is_empty() {
                Closing
            } else if config.wrap_up_enabled {
                WrapUp
            } else {
                CustomerLeft
            }
        } else if self.on_hold() {
            OnHold
        } else if self.has_primary() {
            Active
        } else if self.ever_had_agent {
            Inactive
        } else {
            Created
        }
    }

    /// Moves to the state the participants call for and publishes it (CONV-11).
    pub(crate) fn refresh_state(&mut self, config: &Config, out: &mut Outcome, bus: &mut Bus) {
        let next = self.state_for_participants(config);
        if next != self.state {
            out.rule(match next {
                ConversationState::Created => Rule::Conv01,
                ConversationState::Active => Rule::Conv02,
                ConversationState::OnHold => Rule::Conv03,
                ConversationState::CustomerLeft => Rule::Conv05,
                ConversationState::WrapUp => Rule::Conv06,
                ConversationState::Inactive => Rule::Conv07,
                ConversationState::Closing => Rule::Conv09,
                ConversationState::Closed => Rule::Conv10,
            });
            out.rule(Rule::Conv11);
            self.state = next;
            bus.publish(out, Published::TopicStateChanged { state: next });
        }
    }

    // ---- guards -------------------------------------------------------------------

    pub(crate) fn open_session(&self, id: SessionId) -> Result<&Session, Reject> {
        match self.session(id) {
            None => Err(Reject::UnknownSession),
            Some(s) if !s.open => Err(Reject::SessionEnded),
            Some(s) => Ok(s),
        }
    }

    pub(crate) fn primary(&self, agent: AgentId) -> Result<(), Reject> {
        match self.participant(agent) {
            None => Err(Reject::AgentNotInConversation),
            Some(p) if p.role != Role::Primary => Err(Reject::AgentNotPrimary),
            Some(_) => Ok(()),
        }
    }

    // ---- inputs owned by the conversation -------------------------------------------

    pub(crate) fn start_session(
        &mut self,
        id: SessionId,
        channel: ChannelKind,
        routing_mode: Option<RoutingMode>,
        config: &Config,
        out: &mut Outcome,
        bus: &mut Bus,
    ) -> Result<(), Reject> {
        if self.session(id).is_some() {
            return Err(Reject::SessionAlreadyExists);
        }
        out.rule(Rule::Conv12);
        if self.sessions.is_empty() {
            out.rule(Rule::Conv01);
        }
        self.sessions.push(Session {
            id,
            channel,
            open: true,
            routing_mode: routing_mode.unwrap_or(config.routing_mode),
        });
        bus.publish(
            out,
            Published::ChannelSessionStarted {
                session: id,
                channel,
                routing_mode,
            },
        );
        self.refresh_state(config, out, bus);
        Ok(())
    }

    pub(crate) fn end_session(
        &mut self,
        id: SessionId,
        config: &Config,
        out: &mut Outcome,
        bus: &mut Bus,
    ) {
        let Some(session) = self.sessions.iter_mut().find(|s| s.id == id && s.open) else {
            return;
        };
        session.open = false;
        out.rule(Rule::Conv12);
        bus.publish(out, Published::ChannelSessionEnded { session: id });
        if !self.customer_present() {
            if self.hold_deadline_ms.take().is_some() {
                out.rule(Rule::Conv13);
            }
            if config.wrap_up_enabled {
                // "agents automatically see the wrap-up dialogue ... when all channel sessions
                // are closed" (Apply-Wrap-up-and-Add-Notes_2528747.md).
                self.move_primaries_to_wrap_up(out, bus);
            }
        }
        self.refresh_state(config, out, bus);
    }

    fn move_primaries_to_wrap_up(&mut self, out: &mut Outcome, bus: &mut Bus) {
        for p in self.agents.iter_mut().filter(|p| p.role == Role::Primary) {
            p.role = Role::WrapUp;
            out.rule(Rule::Conv06);
            bus.publish(
                out,
                Published::ParticipantRoleChanged {
                    agent: p.agent,
                    role: Role::WrapUp,
                },
            );
        }
    }

    pub(crate) fn customer_message(
        &mut self,
        session: SessionId,
        out: &mut Outcome,
        bus: &mut Bus,
    ) {
        self.last_message = Some(Sender::Customer);
        bus.publish(out, Published::CustomerMessage { session });
    }

    pub(crate) fn bot_message(&mut self, session: SessionId, out: &mut Outcome, bus: &mut Bus) {
        self.last_message = Some(Sender::Bot);
        bus.publish(out, Published::BotMessage { session });
    }

    pub(crate) fn agent_message(
        &mut self,
        agent: AgentId,
        role: Role,
        wrap_up: bool,
        out: &mut Outcome,
        bus: &mut Bus,
    ) {
        // A wrap-up, or a WRAP_UP agent's note, is not a reply to the customer.
        if role == Role::Primary && !wrap_up {
            self.last_message = Some(Sender::Agent);
        }
        bus.publish(
            out,
            Published::AgentMessage {
                agent,
                role,
                wrap_up,
            },
        );
    }

    /// CONV-03, with the hold time the agent picked, or the configured one.
    pub(crate) fn pause(
        &mut self,
        now_ms: u64,
        hold_ms: Option<u64>,
        config: &Config,
        out: &mut Outcome,
        bus: &mut Bus,
    ) {
        out.rule(Rule::Conv03);
        let hold_ms = hold_ms.unwrap_or(config.hold_ms);
        self.hold_deadline_ms = Some(deadline_after(now_ms, hold_ms));
        bus.publish(out, Published::ConversationPaused);
        self.refresh_state(config, out, bus);
    }

    /// CONV-04: by the agent, the hold timer, or a transfer.
    pub(crate) fn resume(&mut self, config: &Config, out: &mut Outcome, bus: &mut Bus) {
        if self.hold_deadline_ms.take().is_some() {
            out.rule(Rule::Conv04);
            bus.publish(out, Published::ConversationResumed);
            self.refresh_state(config, out, bus);
        }
    }

    /// CONV-08: leave-conversation moves to WRAP_UP when wrap-up is enabled, else unsubscribes.
    /// CONV-13 ends a hold the last PRIMARY agent leaves behind; R-08 `stays` keeps it.
    pub(crate) fn leave(
        &mut self,
        agent: AgentId,
        config: &Config,
        rules: Rules,
        out: &mut Outcome,
        bus: &mut Bus,
    ) {
        out.rule(Rule::Conv08);
        if config.wrap_up_enabled {
            if let Some(p) = self.agents.iter_mut().find(|p| p.agent == agent) {
                p.role = Role::WrapUp;
            }
            bus.publish(
                out,
                Published::ParticipantRoleChanged {
                    agent,
                    role: Role::WrapUp,
                },
            );
            if rules.takes(Reading::HoldAtWrapUp, "ends") {
                self.end_hold_without_primary(out);
            }
            self.refresh_state(config, out, bus);
        } else {
            self.unsubscribe(agent, UnsubscribeReason::Left, config, out, bus);
        }
    }

    pub(crate) fn unsubscribe(
        &mut self,
        agent: AgentId,
        reason: UnsubscribeReason,
        config: &Config,
        out: &mut Outcome,
        bus: &mut Bus,
    ) {
        let before = self.agents.len();
        self.agents.retain(|p| p.agent != agent);
        if self.agents.len() == before {
            return;
        }
        out.rule(Rule::Conv08);
        bus.publish(out, Published::AgentUnsubscribed { agent, reason });
        self.end_hold_without_primary(out);
        self.refresh_state(config, out, bus);
    }

    /// CONV-13: nobody is left to resume a hold, so it ends with the last PRIMARY agent.
    fn end_hold_without_primary(&mut self, out: &mut Outcome) {
        if !self.has_primary() && self.hold_deadline_ms.take().is_some() {
            out.rule(Rule::Conv13);
        }
    }

    pub(crate) fn housekeeping_done(&mut self, out: &mut Outcome, bus: &mut Bus) {
        out.rule(Rule::Conv10);
        out.rule(Rule::Conv11);
        self.state = ConversationState::Closed;
        bus.publish(
            out,
            Published::TopicStateChanged {
                state: ConversationState::Closed,
            },
        );
    }

    // ---- events consumed from the other machines ------------------------------------

    pub(crate) fn consume(
        &mut self,
        event: &Published,
        config: &Config,
        out: &mut Outcome,
        bus: &mut Bus,
    ) {
        match event {
            Published::TaskStateChanged { task } => self.on_task_changed(task, config, out, bus),
            Published::AgentSlaExpired => {
                // CONV-15, from REMOVE_ALL_AGENTS (Agent-Response-Time_142540854.md).
                out.rule(Rule::Conv15);
                let agents: Inline<AgentId, 4> = self.agents.iter().map(|p| p.agent).collect();
                for agent in agents {
                    self.unsubscribe(agent, UnsubscribeReason::SlaExpired, config, out, bus);
                }
            }
            Published::CustomerSlaExpired { session } => {
                out.rule(Rule::Conv14);
                self.end_session(*session, config, out, bus);
            }
            Published::ChannelSessionStarted { .. }
            | Published::ChannelSessionEnded { .. }
            | Published::CustomerMessage { .. }
            | Published::BotMessage { .. }
            | Published::AgentMessage { .. }
            | Published::TopicStateChanged { .. }
            | Published::AgentReserved { .. }
            | Published::AgentSubscribed { .. }
            | Published::AgentUnsubscribed { .. }
            | Published::ParticipantRoleChanged { .. }
            | Published::ConversationPaused
            | Published::ConversationResumed
            | Published::TaskEnqueued { .. }
            | Published::NoAgentAvailable { .. }
            | Published::AgentSlaStarted { .. }
            | Published::ResetAgentSla { .. }
            | Published::AgentSlaStopped
            | Published::AgentSlaThresholdReached { .. }
            | Published::CustomerSlaStarted { .. }
            | Published::CustomerSlaStopped { .. }
            | Published::CustomerSlaThresholdReached { .. } => {}
        }
    }

    fn on_task_changed(
        &mut self,
        task: &TaskView,
        config: &Config,
        out: &mut Outcome,
        bus: &mut Bus,
    ) {
        let Some(agent) = task.agent else { return };
        let role = self.participant(agent).map(|p| p.role);
        match (task.state, task.media_state, role) {
            // TASK-03 / TASK-08: an accepted or pulled task brings its agent in as PRIMARY.
            (TaskState::Active, MediaState::Active, None) => {
                out.rule(Rule::Conv08);
                self.agents.push(Participant {
                    agent,
                    role: Role::Primary,
                });
                self.ever_had_agent = true;
                bus.publish(
                    out,
                    Published::AgentSubscribed {
                        agent,
                        session: task.session,
                    },
                );
                self.refresh_state(config, out, bus);
            }
            // A wrap-up that ends removes the agent still shown in WRAP_UP (TASK-17).
            (TaskState::Closed, _, Some(Role::WrapUp)) => {
                self.unsubscribe(agent, UnsubscribeReason::Left, config, out, bus);
            }
            // A task still ringing or queued has no participant to change; an agent who
            // is already in takes a new media without joining again (TASK-09); a task
            // closing under a PRIMARY (logout, SLA expiry) follows its unsubscribe.
            (
                TaskState::Active,
                MediaState::Queued | MediaState::Reserved | MediaState::Closed,
                _,
            )
            | (TaskState::Active, MediaState::Active, Some(_))
            | (TaskState::WrapUp, _, _)
            | (TaskState::Closed, _, None | Some(Role::Primary)) => {}
        }
    }
}

/// The composition's event bus: every published event is recorded in the outcome in the
/// order it is produced, and the machines consume them in that order. The outcome's list is
/// the queue (only the bus writes it), so the bus is a cursor into it: a step allocates no
/// queue of its own and moves each event once (BENCHMARKS.md, sixth round).
pub(crate) struct Bus {
    /// The next event to consume: an index into `Outcome::published`.
    next: usize,
}

impl Bus {
    /// A bus whose queue starts after what `out` already holds (a caller may pass an
    /// outcome that is not empty; those events were consumed in their own step).
    pub(crate) fn after(out: &Outcome) -> Self {
        Bus {
            next: out.published.len(),
        }
    }

    pub(crate) fn publish(&mut self, out: &mut Outcome, event: Published) {
        out.published.push(event);
    }

    /// The next event to consume, copied out: the machines that consume it publish more into
    /// the same list meanwhile.
    pub(crate) fn next(&mut self, out: &Outcome) -> Option<Published> {
        let event = out.published.get(self.next)?.clone();
        self.next += 1;
        Some(event)
    }
}
