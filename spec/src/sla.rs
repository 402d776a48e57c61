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
use crate::event::{Published, TimerKey};
use crate::inline::Inline;
use crate::readings::{Reading, Rules};
use crate::rules::{Deviation, Rule};
use crate::types::*;
use crate::Outcome;
use serde::{Deserialize, Serialize};

/// A step's working list of sessions: inline up to four (a conversation rarely has more),
/// so the rules that walk sessions allocate nothing in the common case.
type Sessions = Inline<SessionId, 4>;

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
    fn new(now_ms: u64, duration_ms: u64, thresholds: &[u8], round_up: bool) -> SlaTimer {
        let mut timer = SlaTimer {
            started_ms: now_ms,
            duration_ms,
            next_level: 0,
            deadline_ms: 0,
        };
        timer.deadline_ms = timer.deadline_for(thresholds, round_up);
        timer
    }

    /// `started + duration * level / 100` (integer division), then `started + duration`
    /// (SLA-23), or rounded up (R-09 `up`). The level's share is computed as
    /// `d / 100 * p + d % 100 * p / 100`, the same value without the overflow of `d * p`;
    /// the sum never wraps (`deadline_after`).
    fn deadline_for(&self, thresholds: &[u8], round_up: bool) -> u64 {
        let d = self.duration_ms;
        let offset = match thresholds.get(self.next_level as usize) {
            Some(&pct) => {
                let p = u64::from(pct);
                let part = d % 100 * p;
                let part = if round_up {
                    part.div_ceil(100)
                } else {
                    part / 100
                };
                (d / 100).saturating_mul(p).saturating_add(part)
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
    pub customer: Inline<(SessionId, SlaTimer), 2>,
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
        how: AgentStart,
        round_up: bool,
        now_ms: u64,
        config: &Config,
        out: &mut Outcome,
        bus: &mut Bus,
    ) {
        // SLA-29: a queue or list without an agent response time has no agent SLA.
        let Some(duration_ms) = config.agent_sla_ms else {
            out.rule(Rule::Sla29);
            return;
        };
        out.rule(Rule::Sla26);
        let timer = SlaTimer::new(
            now_ms,
            duration_ms,
            &config.agent_sla_thresholds_pct,
            round_up,
        );
        let deadline_ms = timer.deadline_ms;
        self.agent = Some(timer);
        out.armed(TimerKey::AgentSla, deadline_ms);
        bus.publish(
            out,
            match how {
                AgentStart::Reset => Published::ResetAgentSla { deadline_ms },
                AgentStart::Started => Published::AgentSlaStarted { deadline_ms },
            },
        );
    }

    fn stop_agent(&mut self, out: &mut Outcome, bus: &mut Bus) {
        if self.agent.take().is_some() {
            out.stopped(TimerKey::AgentSla);
            bus.publish(out, Published::AgentSlaStopped);
        }
    }

    /// Starts the customer SLA of a session unless it is running already (SLA-27).
    fn start_customer(
        &mut self,
        session: &crate::conversation::Session,
        round_up: bool,
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
        let timer = SlaTimer::new(
            now_ms,
            duration,
            &config.customer_sla_thresholds_pct,
            round_up,
        );
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
        out.armed(
            TimerKey::CustomerSla {
                session: session.id,
            },
            deadline_ms,
        );
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
            out.stopped(TimerKey::CustomerSla { session });
            bus.publish(out, Published::CustomerSlaStopped { session });
        }
    }

    /// Moves a fired SLA timer to its next level (SLA-23) or reports its expiry.
    fn fire(timer: &mut SlaTimer, thresholds: &[u8], rules: Rules) -> Fired {
        match thresholds.get(timer.next_level as usize) {
            Some(&percent) => {
                timer.next_level += 1;
                let round_up = rules.takes(Reading::ThresholdRounding, "up");
                timer.deadline_ms = timer.deadline_for(thresholds, round_up);
                Fired::Threshold {
                    level: timer.next_level,
                    percent,
                }
            }
            None => Fired::Expired,
        }
    }

    pub(crate) fn agent_timer_fired(
        &mut self,
        config: &Config,
        rules: Rules,
        out: &mut Outcome,
        bus: &mut Bus,
    ) {
        let timer = self.agent.as_mut().expect("guarded: agent SLA armed");
        match Self::fire(timer, &config.agent_sla_thresholds_pct, rules) {
            Fired::Threshold { level, percent } => {
                let deadline_ms = timer.deadline_ms;
                out.armed(TimerKey::AgentSla, deadline_ms);
                out.rule(Rule::Sla23);
                // R-23 `sla-started`: the events page's name, a repeated AGENT_SLA_STARTED.
                bus.publish(
                    out,
                    if rules.takes(Reading::ThresholdEvent, "sla-started") {
                        Published::AgentSlaStarted { deadline_ms }
                    } else {
                        Published::AgentSlaThresholdReached { level, percent }
                    },
                );
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
        rules: Rules,
        out: &mut Outcome,
        bus: &mut Bus,
    ) {
        let i = self
            .customer
            .binary_search_by_key(&session, |(s, _)| *s)
            .expect("guarded: customer SLA armed");
        match Self::fire(
            &mut self.customer[i].1,
            &config.customer_sla_thresholds_pct,
            rules,
        ) {
            Fired::Threshold { level, percent } => {
                let deadline_ms = self.customer[i].1.deadline_ms;
                out.armed(TimerKey::CustomerSla { session }, deadline_ms);
                out.rule(Rule::Sla23);
                bus.publish(
                    out,
                    if rules.takes(Reading::ThresholdEvent, "sla-started") {
                        Published::CustomerSlaStarted {
                            session,
                            deadline_ms,
                        }
                    } else {
                        Published::CustomerSlaThresholdReached {
                            session,
                            level,
                            percent,
                        }
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
}

// ---- the table ---------------------------------------------------------------------------
//
// The Event / Agent SLA / Customer SLA table of `949321729.md`, one function per cell, named
// by its rule ID (RULES.md has the source and the decision of each). Each cell states its
// `specified` guard plainly; a deviation of the named rule sets (DEV-nn, ATM-nn) or a reading
// (R-nn, `readings.rs`) appears as a visible override where it changes the cell.

/// What a cell reads and changes: the timers, the conversation after the change the event
/// reports, the clock, the configuration and the rules, and where its events go.
struct Cell<'a> {
    timers: &'a mut SlaTimers,
    conv: &'a Conversation,
    now_ms: u64,
    config: &'a Config,
    rules: Rules,
    out: &'a mut Outcome,
    bus: &'a mut Bus,
}

impl Cell<'_> {
    fn rule(&mut self, rule: Rule) {
        self.out.rule(rule);
    }

    /// Whether a hold keeps customer SLAs off: it does, unless R-10 reads that they keep
    /// running, or a deviation of the cell ignores the hold.
    fn hold_blocks_customer(&self, ignored_by: Option<Deviation>) -> bool {
        self.conv.on_hold()
            && self.rules.takes(Reading::HoldCustomerSla, "stopped")
            && !ignored_by.is_some_and(|d| self.rules.has(d))
    }

    fn start_agent(&mut self, how: AgentStart) {
        let round_up = self.round_up();
        self.timers
            .start_agent(how, round_up, self.now_ms, self.config, self.out, self.bus);
    }

    fn stop_agent(&mut self) {
        self.timers.stop_agent(self.out, self.bus);
    }

    fn start_customer(&mut self, session: SessionId) {
        let round_up = self.round_up();
        let session = self
            .conv
            .session(session)
            .expect("a session the conversation knows")
            .clone();
        self.timers.start_customer(
            &session,
            round_up,
            self.now_ms,
            self.config,
            self.out,
            self.bus,
        );
    }

    fn stop_customer(&mut self, session: SessionId) {
        self.timers.stop_customer(session, self.out, self.bus);
    }

    /// Open sessions of a channel kind, in start order.
    fn open(&self, channel: ChannelKind) -> Sessions {
        self.conv
            .open_sessions()
            .filter(|s| s.channel == channel)
            .map(|s| s.id)
            .collect()
    }

    fn start_open_chats(&mut self) {
        for session in self.open(ChannelKind::NonVoice) {
            self.start_customer(session);
        }
    }

    /// Running customer SLAs of one channel kind, in session order.
    fn running(&self, channel: ChannelKind) -> Sessions {
        self.timers
            .customer
            .iter()
            .map(|(s, _)| *s)
            .filter(|s| self.conv.session(*s).is_some_and(|x| x.channel == channel))
            .collect()
    }

    fn round_up(&self) -> bool {
        self.rules.takes(Reading::ThresholdRounding, "up")
    }
}

/// How the agent SLA (re)starts: the table's AGENT_SLA_STARTED, or RESET_AGENT_SLA.
#[derive(Clone, Copy, PartialEq, Eq)]
enum AgentStart {
    Started,
    Reset,
}

/// SLA-01: a voice session stops the agent SLA.
fn sla_01_voice_stops_agent_sla(cx: &mut Cell) {
    cx.rule(Rule::Sla01);
    cx.stop_agent();
}

/// SLA-02: a chat session starts its own customer SLA, unless a voice session is open or
/// the conversation is on hold. ATM-01: every open chat's.
fn sla_02_chat_starts_its_customer_sla(cx: &mut Cell, session: SessionId) {
    if cx.conv.voice_open() || cx.hold_blocks_customer(Some(Deviation::StartsIgnoreHold)) {
        return;
    }
    cx.rule(Rule::Sla02);
    if cx.rules.has(Deviation::SessionStartAllChannels) {
        cx.start_open_chats();
    } else {
        cx.start_customer(session);
    }
}

/// SLA-03: a voice session starts its customer SLA and stops the chats'.
fn sla_03_voice_takes_over_customer_sla(cx: &mut Cell, session: SessionId) {
    cx.rule(Rule::Sla03);
    cx.start_customer(session);
    for chat in cx.running(ChannelKind::NonVoice) {
        cx.stop_customer(chat);
    }
}

/// SLA-04: TASK_ENQUEUED stops the customer SLA of the task's session when no PRIMARY agent
/// is present. R-02 `stop` (DEV-13): also with one.
fn sla_04_enqueue_stops_customer_sla(cx: &mut Cell, session: SessionId) {
    if !cx.conv.has_primary() || cx.rules.has(Deviation::EnqueueIgnoresPresentAgent) {
        cx.rule(Rule::Sla04);
        cx.stop_customer(session);
    }
}

/// ATM-02 (as-implemented only): every TASK_STATE_CHANGED stops the task session's SLA.
fn atm_02_task_change_stops_customer_sla(cx: &mut Cell, session: SessionId) {
    if cx.rules.has(Deviation::StopOnEveryTaskStateChange) {
        cx.rule(Rule::Sla04);
        cx.stop_customer(session);
    }
}

/// SLA-05: AGENT_SUBSCRIBED starts the agent SLA, or resets it when another PRIMARY agent is
/// present; not during voice or hold. DEV-01: during voice and hold too.
fn sla_05_subscribe_starts_agent_sla(cx: &mut Cell, agent: AgentId) {
    let blocked = (cx.conv.voice_open() || cx.conv.on_hold())
        && !cx.rules.has(Deviation::SubscribeIgnoresVoiceAndHold);
    if blocked {
        return;
    }
    cx.rule(Rule::Sla05);
    let other_primary = cx
        .conv
        .agents
        .iter()
        .any(|p| p.agent != agent && p.role == Role::Primary);
    cx.start_agent(if other_primary {
        AgentStart::Reset
    } else {
        AgentStart::Started
    });
}

/// SLA-06: AGENT_SUBSCRIBED on a chat stops that chat's customer SLA.
fn sla_06_subscribe_stops_customer_sla(cx: &mut Cell, session: SessionId) {
    if cx
        .conv
        .session(session)
        .is_some_and(|s| s.channel == ChannelKind::NonVoice)
    {
        cx.rule(Rule::Sla06);
        cx.stop_customer(session);
    }
}

/// SLA-07: AGENT_UNSUBSCRIBED leaving no PRIMARY agent stops the agent SLA. DEV-12: only
/// when no agent at all is left.
fn sla_07_unsubscribe_stops_agent_sla(cx: &mut Cell) {
    let no_agent = if cx.rules.has(Deviation::UnsubscribeCountsWrapUp) {
        cx.conv.agents.is_empty()
    } else {
        !cx.conv.has_primary()
    };
    if no_agent && cx.timers.agent.is_some() {
        cx.rule(Rule::Sla07);
        cx.stop_agent();
    }
}

/// SLA-08: AGENT_UNSUBSCRIBED (not a transfer) leaving the customer with no agent at all
/// starts the customer SLA of every open chat, unless a voice session is open.
fn sla_08_unsubscribe_starts_customer_sla(cx: &mut Cell, reason: UnsubscribeReason) {
    if reason != UnsubscribeReason::DirectTransfer
        && cx.conv.customer_present()
        && cx.conv.agents.is_empty()
        && !cx.conv.voice_open()
    {
        cx.rule(Rule::Sla08);
        cx.start_open_chats();
    }
}

/// SLA-09: CHANNEL_SESSION_ENDED leaving agents but no customer stops the agent SLA.
fn sla_09_customer_gone_stops_agent_sla(cx: &mut Cell) {
    if !cx.conv.customer_present() && !cx.conv.agents.is_empty() && cx.timers.agent.is_some() {
        cx.rule(Rule::Sla09);
        cx.stop_agent();
    }
}

/// SLA-10: CHANNEL_SESSION_ENDED stops that session's customer SLA.
fn sla_10_session_end_stops_its_customer_sla(cx: &mut Cell, session: SessionId) {
    cx.rule(Rule::Sla10);
    cx.stop_customer(session);
}

/// SLA-11: the end of the last voice session starts the open chats' customer SLAs, unless
/// on hold. DEV-08: on hold too.
fn sla_11_voice_end_starts_chat_slas(cx: &mut Cell, session: SessionId) {
    let was_voice = cx
        .conv
        .session(session)
        .is_some_and(|s| s.channel == ChannelKind::Voice);
    if was_voice
        && !cx.conv.voice_open()
        && !cx.hold_blocks_customer(Some(Deviation::StartsIgnoreHold))
    {
        cx.rule(Rule::Sla11);
        cx.start_open_chats();
    }
}

/// SLA-12: a PRIMARY agent's message that is not a wrap-up stops the agent SLA.
fn sla_12_agent_reply_stops_agent_sla(cx: &mut Cell, role: Role, wrap_up: bool) {
    if role == Role::Primary && !wrap_up {
        cx.rule(Rule::Sla12);
        cx.stop_agent();
    }
}

/// SLA-13: a PRIMARY agent's message starts every open chat's customer SLA, unless a voice
/// session is open or the conversation is on hold. DEV-04: on hold and for a WRAP_UP
/// agent's note and a wrap-up too.
fn sla_13_agent_reply_starts_customer_sla(cx: &mut Cell, role: Role, wrap_up: bool) {
    let note =
        (role == Role::WrapUp || wrap_up) && !cx.rules.has(Deviation::AgentMessageIgnoresHold);
    if !cx.conv.voice_open()
        && !cx.hold_blocks_customer(Some(Deviation::AgentMessageIgnoresHold))
        && !note
    {
        cx.rule(Rule::Sla13);
        cx.start_open_chats();
    }
}

/// SLA-14: a customer message starts the agent SLA when a PRIMARY agent is present, not on
/// hold, no voice, and none is running (it counts from the oldest unanswered message).
/// DEV-02: with any agent, during voice, and restarting a running one.
fn sla_14_customer_message_starts_agent_sla(cx: &mut Cell) {
    if cx.rules.has(Deviation::CustomerMessageAgentSlaLoose) {
        if !cx.conv.agents.is_empty() && !cx.conv.on_hold() {
            cx.rule(Rule::Sla14);
            cx.start_agent(AgentStart::Started);
        }
    } else if cx.conv.has_primary()
        && !cx.conv.on_hold()
        && !cx.conv.voice_open()
        && cx.timers.agent.is_none()
    {
        cx.rule(Rule::Sla14);
        cx.start_agent(AgentStart::Started);
    }
}

/// SLA-15: a customer message starts the customer SLA of the customer's other chats, not on
/// hold, no voice. DEV-03: of every other session, voice too.
fn sla_15_customer_message_starts_other_slas(cx: &mut Cell, session: SessionId) {
    let keeps_own = cx.rules.has(Deviation::CustomerMessageKeepsOwnSla);
    if cx.hold_blocks_customer(None) || (!keeps_own && cx.conv.voice_open()) {
        return;
    }
    cx.rule(Rule::Sla15);
    let others: Sessions = cx
        .conv
        .open_sessions()
        .filter(|s| s.id != session && (keeps_own || s.channel == ChannelKind::NonVoice))
        .map(|s| s.id)
        .collect();
    for other in others {
        cx.start_customer(other);
    }
}

/// SLA-16: a customer message stops the customer SLA of the session written on. DEV-03:
/// it keeps running.
fn sla_16_customer_message_stops_own_sla(cx: &mut Cell, session: SessionId) {
    if !cx.rules.has(Deviation::CustomerMessageKeepsOwnSla) {
        cx.rule(Rule::Sla16);
        cx.stop_customer(session);
    }
}

/// SLA-17: a bot message starts every open chat's customer SLA, not on hold, no voice.
/// R-06 `own-session`: only the chat the bot wrote on.
fn sla_17_bot_message_starts_customer_sla(cx: &mut Cell, session: SessionId) {
    if cx.hold_blocks_customer(None) || cx.conv.voice_open() {
        return;
    }
    cx.rule(Rule::Sla17);
    if cx.rules.takes(Reading::BotMessageScope, "own-session") {
        if cx
            .conv
            .session(session)
            .is_some_and(|s| s.open && s.channel == ChannelKind::NonVoice)
        {
            cx.start_customer(session);
        }
    } else {
        cx.start_open_chats();
    }
}

/// SLA-18: the pause stops every chat's customer SLA. R-01 `stop`: the voice session's too;
/// R-10 `running`: none.
fn sla_18_pause_stops_customer_slas(cx: &mut Cell) {
    cx.rule(Rule::Sla18);
    let mut stopped = Sessions::new();
    if cx.rules.takes(Reading::HoldCustomerSla, "stopped") {
        stopped.extend(cx.running(ChannelKind::NonVoice));
    }
    if cx.rules.takes(Reading::PauseVoiceSla, "stop") {
        stopped.extend(cx.running(ChannelKind::Voice));
    }
    stopped.sort();
    for session in stopped {
        cx.stop_customer(session);
    }
}

/// SLA-19: the pause stops the agent SLA. DEV-05: it keeps running.
fn sla_19_pause_stops_agent_sla(cx: &mut Cell) {
    if !cx.rules.has(Deviation::PauseKeepsAgentSla) {
        cx.rule(Rule::Sla19);
        cx.stop_agent();
    }
}

/// SLA-20: NO_AGENT_AVAILABLE gives the waiting customer a customer SLA again, when no
/// PRIMARY agent is present, no voice, not on hold: R-05 says on which session(s).
fn sla_20_no_agent_starts_customer_sla(cx: &mut Cell, session: SessionId) {
    if cx.rules.takes(Reading::NoAgentSession, "latest-any") {
        if let Some(latest) = cx.conv.sessions.last().map(|s| s.id) {
            cx.rule(Rule::Sla20);
            cx.start_customer(latest);
        }
        return;
    }
    if cx.conv.has_primary() || cx.conv.voice_open() || cx.hold_blocks_customer(None) {
        return;
    }
    let chats = cx.open(ChannelKind::NonVoice);
    let targets: Sessions = if cx.rules.takes(Reading::NoAgentSession, "request-session") {
        let own = cx.conv.session(session).filter(|s| s.open).map(|s| s.id);
        own.or_else(|| chats.last().copied()).into_iter().collect()
    } else if cx.rules.takes(Reading::NoAgentSession, "latest-open-chat") {
        chats.last().copied().into_iter().collect()
    } else {
        chats
    };
    if !targets.is_empty() {
        cx.rule(Rule::Sla20);
        for target in targets {
            cx.start_customer(target);
        }
    }
}

/// SLA-21: PARTICIPANT_ROLE_CHANGED leaving every agent in WRAP_UP stops the agent SLA.
fn sla_21_all_in_wrap_up_stops_agent_sla(cx: &mut Cell) {
    if cx.conv.all_agents_in_wrap_up() {
        cx.rule(Rule::Sla21);
        cx.stop_agent();
    }
}

/// SLA-22: the resume restarts the agent SLA (a PRIMARY agent present) and the open chats'
/// customer SLAs, unless a voice session is open. DEV-06: no rule. R-03: the agent SLA's
/// event; R-04 `on-notice`: the customer SLAs wait for the resume notice (a bot message).
fn sla_22_resume_restarts_slas(cx: &mut Cell) {
    if cx.rules.has(Deviation::ResumeHasNoRule) || cx.conv.voice_open() {
        return;
    }
    cx.rule(Rule::Sla22);
    if cx.conv.has_primary() {
        cx.start_agent(
            if cx
                .rules
                .takes(Reading::ResumeAgentEvent, "agent-sla-started")
            {
                AgentStart::Started
            } else {
                AgentStart::Reset
            },
        );
    }
    if cx.rules.takes(Reading::ResumeCustomerSla, "on-resume") {
        cx.start_open_chats();
    }
}

impl SlaTimers {
    /// The SLA table of `949321729.md`, one cell per rule; `conv` is the conversation after
    /// the change the event reports.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn consume(
        &mut self,
        event: &Published,
        conv: &Conversation,
        now_ms: u64,
        config: &Config,
        rules: Rules,
        out: &mut Outcome,
        bus: &mut Bus,
    ) {
        let cx = &mut Cell {
            timers: self,
            conv,
            now_ms,
            config,
            rules,
            out,
            bus,
        };
        match *event {
            Published::ChannelSessionStarted {
                session,
                channel: ChannelKind::Voice,
                ..
            } => {
                sla_01_voice_stops_agent_sla(cx);
                sla_03_voice_takes_over_customer_sla(cx, session);
            }
            Published::ChannelSessionStarted {
                session,
                channel: ChannelKind::NonVoice,
                ..
            } => sla_02_chat_starts_its_customer_sla(cx, session),
            Published::TaskEnqueued { session, .. } => {
                sla_04_enqueue_stops_customer_sla(cx, session)
            }
            Published::TaskStateChanged { ref task } => {
                atm_02_task_change_stops_customer_sla(cx, task.session)
            }
            Published::AgentSubscribed { agent, session } => {
                sla_05_subscribe_starts_agent_sla(cx, agent);
                sla_06_subscribe_stops_customer_sla(cx, session);
            }
            Published::AgentUnsubscribed { reason, .. } => {
                sla_07_unsubscribe_stops_agent_sla(cx);
                sla_08_unsubscribe_starts_customer_sla(cx, reason);
            }
            Published::ChannelSessionEnded { session } => {
                sla_09_customer_gone_stops_agent_sla(cx);
                sla_10_session_end_stops_its_customer_sla(cx, session);
                sla_11_voice_end_starts_chat_slas(cx, session);
            }
            Published::AgentMessage { role, wrap_up, .. } => {
                sla_12_agent_reply_stops_agent_sla(cx, role, wrap_up);
                sla_13_agent_reply_starts_customer_sla(cx, role, wrap_up);
            }
            Published::CustomerMessage { session } => {
                sla_14_customer_message_starts_agent_sla(cx);
                sla_15_customer_message_starts_other_slas(cx, session);
                sla_16_customer_message_stops_own_sla(cx, session);
            }
            Published::BotMessage { session } => {
                sla_17_bot_message_starts_customer_sla(cx, session)
            }
            Published::ConversationPaused => {
                sla_18_pause_stops_customer_slas(cx);
                sla_19_pause_stops_agent_sla(cx);
            }
            Published::ConversationResumed => sla_22_resume_restarts_slas(cx),
            Published::NoAgentAvailable { session, .. } => {
                sla_20_no_agent_starts_customer_sla(cx, session)
            }
            Published::ParticipantRoleChanged { .. } => sla_21_all_in_wrap_up_stops_agent_sla(cx),
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
