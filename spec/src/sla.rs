//! The SLA machine (Conversation Monitor): the agent SLA of the conversation and the
//! customer SLA of each channel session, their thresholds and their expiry.
//!
//! Sources: the Event / Agent SLA / Customer SLA table of `949321729.md` (one rule per
//! cell, SLA-01..SLA-21), `Agent-Response-Time_142540854.md` (per conversation, reset on
//! resume, thresholds, REMOVE_ALL_AGENTS), `Customer-Inactivity-SLA_246743058.md`
//! (thresholds, the session ends at 100%), `Conversation_93192236.md` (hold stops both).
//! The machine reads the conversation's participants but never changes them: expiry is
//! published, and the conversation machine acts on it.
//! Left out: threshold actions other than the last (colour changes, pop-ups, reminders
//! are the UI's and the bot's; we publish the crossing and the level).

use crate::config::{deadline_after, Config};
use crate::conversation::{Bus, Conversation};
use crate::event::Published;
use crate::rules::{Deviation, Rule, RuleSet};
use crate::types::*;
use crate::Outcome;
use serde::{Deserialize, Serialize};

/// One running SLA timer. `next_level` indexes the threshold list; past its end the
/// deadline is the 100% expiry.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SlaTimer {
    pub started_ms: u64,
    pub duration_ms: u64,
    pub next_level: u8,
    pub deadline_ms: u64,
}

impl SlaTimer {
    fn new(now_ms: u64, duration_ms: u64, thresholds: &[u8]) -> SlaTimer {
        let mut timer = SlaTimer {
            started_ms: now_ms,
            duration_ms,
            next_level: 0,
            deadline_ms: 0,
        };
        timer.deadline_ms = timer.deadline_for(thresholds);
        timer
    }

    /// `started + duration * level / 100` (integer division), then `started + duration`
    /// (SLA-23). The level's share is computed as `d / 100 * p + d % 100 * p / 100`, the
    /// same value without the overflow of `d * p`; the sum never wraps (`deadline_after`).
    fn deadline_for(&self, thresholds: &[u8]) -> u64 {
        let d = self.duration_ms;
        let offset = match thresholds.get(self.next_level as usize) {
            Some(&pct) => {
                let p = u64::from(pct);
                (d / 100)
                    .saturating_mul(p)
                    .saturating_add(d % 100 * p / 100)
            }
            None => d,
        };
        deadline_after(self.started_ms, offset)
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SlaTimers {
    pub agent: Option<SlaTimer>,
    /// At most one per session, ordered by session ID (SLA-27).
    pub customer: Vec<(SessionId, SlaTimer)>,
}

/// What a timer firing did: a threshold crossed, or the SLA expired.
enum Fired {
    Threshold { level: u8, percent: u8 },
    Expired,
}

impl SlaTimers {
    pub fn customer_sla(&self, session: SessionId) -> Option<&SlaTimer> {
        self.customer
            .iter()
            .find(|(s, _)| *s == session)
            .map(|(_, t)| t)
    }

    fn start_agent(
        &mut self,
        reset: bool,
        now_ms: u64,
        config: &Config,
        out: &mut Outcome,
        bus: &mut Bus,
    ) {
        out.rule(Rule::Sla26);
        let timer = SlaTimer::new(
            now_ms,
            config.agent_sla_ms,
            &config.agent_sla_thresholds_pct,
        );
        let deadline_ms = timer.deadline_ms;
        self.agent = Some(timer);
        bus.publish(
            out,
            if reset {
                Published::ResetAgentSla { deadline_ms }
            } else {
                Published::AgentSlaStarted { deadline_ms }
            },
        );
    }

    fn stop_agent(&mut self, out: &mut Outcome, bus: &mut Bus) {
        if self.agent.take().is_some() {
            bus.publish(out, Published::AgentSlaStopped);
        }
    }

    /// Starts the customer SLA of a session unless it is running already (SLA-27).
    fn start_customer(
        &mut self,
        session: &crate::conversation::Session,
        now_ms: u64,
        config: &Config,
        out: &mut Outcome,
        bus: &mut Bus,
    ) {
        out.rule(Rule::Sla26);
        let duration = match session.channel {
            ChannelKind::Voice => config.voice_customer_sla_ms,
            ChannelKind::NonVoice => config.customer_sla_ms,
        };
        let timer = SlaTimer::new(now_ms, duration, &config.customer_sla_thresholds_pct);
        let deadline_ms = timer.deadline_ms;
        match self.customer.binary_search_by_key(&session.id, |(s, _)| *s) {
            // "Customer SLA timer is already running, nothing will happen here" (case 1,
            // BOT sends a response). Restarting would also let threshold reminders,
            // which are bot messages, postpone the expiry forever.
            Ok(_) => {
                out.rule(Rule::Sla27);
                return;
            }
            Err(i) => self.customer.insert(i, (session.id, timer)),
        }
        bus.publish(
            out,
            Published::CustomerSlaStarted {
                session: session.id,
                deadline_ms,
            },
        );
    }

    fn stop_customer(&mut self, session: SessionId, out: &mut Outcome, bus: &mut Bus) {
        if let Ok(i) = self.customer.binary_search_by_key(&session, |(s, _)| *s) {
            self.customer.remove(i);
            bus.publish(out, Published::CustomerSlaStopped { session });
        }
    }

    /// Starts the customer SLA of every open non-voice session, optionally skipping one.
    fn start_non_voice(
        &mut self,
        conv: &Conversation,
        except: Option<SessionId>,
        now_ms: u64,
        config: &Config,
        out: &mut Outcome,
        bus: &mut Bus,
    ) {
        for session in conv
            .open_sessions()
            .filter(|s| s.channel == ChannelKind::NonVoice && Some(s.id) != except)
        {
            self.start_customer(session, now_ms, config, out, bus);
        }
    }

    /// Moves a fired SLA timer to its next level (SLA-23) or reports its expiry.
    fn fire(timer: &mut SlaTimer, thresholds: &[u8]) -> Fired {
        match thresholds.get(timer.next_level as usize) {
            Some(&percent) => {
                timer.next_level += 1;
                timer.deadline_ms = timer.deadline_for(thresholds);
                Fired::Threshold {
                    level: timer.next_level,
                    percent,
                }
            }
            None => Fired::Expired,
        }
    }

    pub(crate) fn agent_timer_fired(&mut self, config: &Config, out: &mut Outcome, bus: &mut Bus) {
        let timer = self.agent.as_mut().expect("guarded: agent SLA armed");
        match Self::fire(timer, &config.agent_sla_thresholds_pct) {
            Fired::Threshold { level, percent } => {
                out.rule(Rule::Sla23);
                bus.publish(out, Published::AgentSlaThresholdReached { level, percent });
            }
            Fired::Expired => {
                out.rule(Rule::Sla24);
                self.agent = None;
                bus.publish(out, Published::AgentSlaExpired);
            }
        }
    }

    pub(crate) fn customer_timer_fired(
        &mut self,
        session: SessionId,
        config: &Config,
        out: &mut Outcome,
        bus: &mut Bus,
    ) {
        let i = self
            .customer
            .binary_search_by_key(&session, |(s, _)| *s)
            .expect("guarded: customer SLA armed");
        match Self::fire(&mut self.customer[i].1, &config.customer_sla_thresholds_pct) {
            Fired::Threshold { level, percent } => {
                out.rule(Rule::Sla23);
                bus.publish(
                    out,
                    Published::CustomerSlaThresholdReached {
                        session,
                        level,
                        percent,
                    },
                );
            }
            Fired::Expired => {
                out.rule(Rule::Sla25);
                self.customer.remove(i);
                bus.publish(out, Published::CustomerSlaExpired { session });
            }
        }
    }

    /// The SLA table of `949321729.md`, one arm per row; `conv` is the conversation after
    /// the change the event reports.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn consume(
        &mut self,
        event: &Published,
        conv: &Conversation,
        now_ms: u64,
        config: &Config,
        rules: RuleSet,
        out: &mut Outcome,
        bus: &mut Bus,
    ) {
        let hold_blocks = |deviation: Deviation| conv.on_hold() && !rules.has(deviation);
        match *event {
            Published::ChannelSessionStarted {
                session,
                channel: ChannelKind::Voice,
            } => {
                out.rule(Rule::Sla01);
                self.stop_agent(out, bus);
                out.rule(Rule::Sla03);
                let voice = conv
                    .session(session)
                    .expect("started session exists")
                    .clone();
                self.start_customer(&voice, now_ms, config, out, bus);
                let non_voice: Vec<SessionId> = self
                    .customer
                    .iter()
                    .map(|(s, _)| *s)
                    .filter(|s| {
                        conv.session(*s)
                            .is_some_and(|x| x.channel == ChannelKind::NonVoice)
                    })
                    .collect();
                for s in non_voice {
                    self.stop_customer(s, out, bus);
                }
            }
            Published::ChannelSessionStarted {
                session,
                channel: ChannelKind::NonVoice,
            } => {
                if conv.voice_open() || hold_blocks(Deviation::StartsIgnoreHold) {
                    return;
                }
                out.rule(Rule::Sla02);
                if rules.has(Deviation::SessionStartAllChannels) {
                    self.start_non_voice(conv, None, now_ms, config, out, bus);
                } else {
                    let started = conv
                        .session(session)
                        .expect("started session exists")
                        .clone();
                    self.start_customer(&started, now_ms, config, out, bus);
                }
            }
            Published::TaskEnqueued { session, .. } => {
                // A conference queues while an agent still talks with the customer: the
                // customer is not waiting for an agent, so their inactivity still counts.
                if !conv.has_primary() || rules.has(Deviation::EnqueueIgnoresPresentAgent) {
                    out.rule(Rule::Sla04);
                    self.stop_customer(session, out, bus);
                }
            }
            Published::TaskStateChanged { ref task } => {
                if rules.has(Deviation::StopOnEveryTaskStateChange) {
                    out.rule(Rule::Sla04);
                    self.stop_customer(task.session, out, bus);
                }
            }
            Published::AgentSubscribed { agent, session } => {
                let blocked = (conv.voice_open() || conv.on_hold())
                    && !rules.has(Deviation::SubscribeIgnoresVoiceAndHold);
                if !blocked {
                    out.rule(Rule::Sla05);
                    let other_primary = conv
                        .agents
                        .iter()
                        .any(|p| p.agent != agent && p.role == Role::Primary);
                    self.start_agent(other_primary, now_ms, config, out, bus);
                }
                if conv
                    .session(session)
                    .is_some_and(|s| s.channel == ChannelKind::NonVoice)
                {
                    out.rule(Rule::Sla06);
                    self.stop_customer(session, out, bus);
                }
            }
            Published::AgentUnsubscribed { reason, .. } => {
                let no_agent = if rules.has(Deviation::UnsubscribeCountsWrapUp) {
                    conv.agents.is_empty()
                } else {
                    !conv.has_primary()
                };
                if no_agent && self.agent.is_some() {
                    out.rule(Rule::Sla07);
                    self.stop_agent(out, bus);
                }
                if reason != UnsubscribeReason::DirectTransfer
                    && conv.customer_present()
                    && conv.agents.is_empty()
                    && !conv.voice_open()
                {
                    out.rule(Rule::Sla08);
                    self.start_non_voice(conv, None, now_ms, config, out, bus);
                }
            }
            Published::ChannelSessionEnded { session } => {
                if !conv.customer_present() && !conv.agents.is_empty() && self.agent.is_some() {
                    out.rule(Rule::Sla09);
                    self.stop_agent(out, bus);
                }
                out.rule(Rule::Sla10);
                self.stop_customer(session, out, bus);
                let was_voice = conv
                    .session(session)
                    .is_some_and(|s| s.channel == ChannelKind::Voice);
                if was_voice && !conv.voice_open() && !hold_blocks(Deviation::StartsIgnoreHold) {
                    out.rule(Rule::Sla11);
                    self.start_non_voice(conv, None, now_ms, config, out, bus);
                }
            }
            Published::AgentMessage { role, .. } => {
                if role == Role::Primary {
                    out.rule(Rule::Sla12);
                    self.stop_agent(out, bus);
                }
                let note_blocks =
                    role == Role::WrapUp && !rules.has(Deviation::AgentMessageIgnoresHold);
                if !conv.voice_open()
                    && !hold_blocks(Deviation::AgentMessageIgnoresHold)
                    && !note_blocks
                {
                    out.rule(Rule::Sla13);
                    self.start_non_voice(conv, None, now_ms, config, out, bus);
                }
            }
            Published::CustomerMessage { session } => {
                if rules.has(Deviation::CustomerMessageAgentSlaLoose) {
                    if !conv.agents.is_empty() && !conv.on_hold() {
                        out.rule(Rule::Sla14);
                        self.start_agent(false, now_ms, config, out, bus);
                    }
                } else if conv.has_primary()
                    && !conv.on_hold()
                    && !conv.voice_open()
                    && self.agent.is_none()
                {
                    // The SLA counts from the oldest unanswered message: a second customer
                    // message does not push the agent's deadline back.
                    out.rule(Rule::Sla14);
                    self.start_agent(false, now_ms, config, out, bus);
                }
                let keeps_own = rules.has(Deviation::CustomerMessageKeepsOwnSla);
                if !conv.on_hold() && (keeps_own || !conv.voice_open()) {
                    out.rule(Rule::Sla15);
                    let others: Vec<_> = conv
                        .open_sessions()
                        .filter(|s| s.id != session)
                        .cloned()
                        .collect();
                    for other in others
                        .iter()
                        .filter(|s| keeps_own || s.channel == ChannelKind::NonVoice)
                    {
                        self.start_customer(other, now_ms, config, out, bus);
                    }
                }
                if !keeps_own {
                    out.rule(Rule::Sla16);
                    self.stop_customer(session, out, bus);
                }
            }
            Published::BotMessage { .. } => {
                // The table names no session; like AGENT_MESSAGE (SLA-13) the business has
                // spoken, so every open non-voice session waits on the customer again.
                if !conv.on_hold() && !conv.voice_open() {
                    out.rule(Rule::Sla17);
                    self.start_non_voice(conv, None, now_ms, config, out, bus);
                }
            }
            Published::ConversationPaused => {
                out.rule(Rule::Sla18);
                let running: Vec<SessionId> = self
                    .customer
                    .iter()
                    .map(|(s, _)| *s)
                    .filter(|s| {
                        conv.session(*s)
                            .is_some_and(|x| x.channel == ChannelKind::NonVoice)
                    })
                    .collect();
                for s in running {
                    self.stop_customer(s, out, bus);
                }
                if !rules.has(Deviation::PauseKeepsAgentSla) {
                    out.rule(Rule::Sla19);
                    self.stop_agent(out, bus);
                }
            }
            Published::ConversationResumed => {
                // A pause stops both timers "temporarily" (140869657.md); resuming resets the
                // agent SLA (Agent-Response-Time_142540854.md) and restarts customer
                // inactivity (153747909.md, the resume notice). During voice neither runs.
                if !rules.has(Deviation::ResumeHasNoRule) && !conv.voice_open() {
                    out.rule(Rule::Sla22);
                    if conv.has_primary() {
                        self.start_agent(true, now_ms, config, out, bus);
                    }
                    self.start_non_voice(conv, None, now_ms, config, out, bus);
                }
            }
            Published::NoAgentAvailable { session, .. } => {
                if rules.has(Deviation::NoAgentAvailableLatestAny) {
                    if let Some(latest) = conv.sessions.last().cloned() {
                        out.rule(Rule::Sla20);
                        self.start_customer(&latest, now_ms, config, out, bus);
                    }
                } else if !conv.has_primary() && !conv.voice_open() && !conv.on_hold() {
                    // The session whose SLA TASK_ENQUEUED stopped (SLA-04) gets it back; if the
                    // customer has left that one, the latest open session does.
                    let target = conv
                        .session(session)
                        .filter(|s| s.open)
                        .or_else(|| {
                            conv.open_sessions()
                                .filter(|s| s.channel == ChannelKind::NonVoice)
                                .last()
                        })
                        .cloned();
                    if let Some(target) = target {
                        out.rule(Rule::Sla20);
                        self.start_customer(&target, now_ms, config, out, bus);
                    }
                }
            }
            Published::ParticipantRoleChanged { .. } => {
                if conv.all_agents_in_wrap_up() {
                    out.rule(Rule::Sla21);
                    self.stop_agent(out, bus);
                }
            }
            Published::CustomerSlaExpired { .. }
            | Published::AgentSlaExpired
            | Published::TopicStateChanged { .. }
            | Published::AgentReserved { .. }
            | Published::AgentSlaStarted { .. }
            | Published::ResetAgentSla { .. }
            | Published::AgentSlaStopped
            | Published::AgentSlaThresholdReached { .. }
            | Published::CustomerSlaStarted { .. }
            | Published::CustomerSlaStopped { .. }
            | Published::CustomerSlaThresholdReached { .. } => {}
        }
    }
}
