//! The task machine (Routing Engine): routing requests, tasks with their task state,
//! media state, direction, mode and close reason, and the RONA, TTL and wrap-up timers.
//!
//! Sources: `2550490.md` and seed 001 (PUSH, PULL, conference, queue and named transfer,
//! RONA, TTL, the attribute tables), `Agent-Task-Disposition_2529040.md` and
//! `Task-Reason-Codes_144212603.md` (close reasons per scenario).
//! Left out: agent selection (which agent is READY is an input: RESERVE_AGENT), queues
//! other than "the queue" of this conversation, priorities, MRD capacity, OUTBOUND tasks,
//! and voice-call routing, which the CTI side owns.

use crate::config::{deadline_after, Config};
use crate::conversation::{Bus, Conversation};
use crate::event::{Published, Reject, TaskView, TimerKey};
use crate::inline::{inline, Inline};
use crate::readings::{Reading, Rules};
use crate::rules::{Deviation, Rule};
use crate::types::*;
use crate::Outcome;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Media {
    pub session: SessionId,
    pub state: MediaState,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Task {
    pub id: TaskId,
    pub agent: Option<AgentId>,
    pub state: TaskState,
    /// The first media is the task's own; more come from PULL (TASK-09).
    pub medias: Inline<Media, 1>,
    pub direction: Direction,
    pub mode: TaskMode,
    pub reason: Option<ReasonCode>,
    pub rona_deadline_ms: Option<u64>,
    pub wrap_up_deadline_ms: Option<u64>,
    /// The reason the task closes with when its wrap-up ends: DONE, or TRANSFERRED.
    pub wrap_up_reason: ReasonCode,
}

impl Task {
    pub fn session(&self) -> SessionId {
        self.medias[0].session
    }

    pub fn media_state(&self) -> MediaState {
        self.medias[0].state
    }

    pub fn is_open(&self) -> bool {
        self.state != TaskState::Closed
    }

    pub fn view(&self) -> TaskView {
        TaskView {
            id: self.id,
            session: self.session(),
            agent: self.agent,
            state: self.state,
            media_state: self.media_state(),
            direction: self.direction,
            mode: self.mode,
            reason: self.reason,
            extra_medias: self.medias[1..]
                .iter()
                .filter(|m| m.state != MediaState::Closed)
                .map(|m| m.session)
                .collect(),
        }
    }
}

/// What kind of routing request is open; it decides what RONA does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RequestKind {
    Push,
    /// PULL: parked in the list until an agent takes it.
    Pull,
    Conference,
    QueueTransfer,
    NamedTransfer,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Request {
    pub kind: RequestKind,
    pub session: SessionId,
    /// FIND_AGENT's direction, carried by every task the request creates.
    pub direction: Direction,
    /// The task currently serving the request (none while parked for PULL).
    pub task: Option<TaskId>,
    pub ttl_deadline_ms: Option<u64>,
    /// The TTL ran out while an agent was ringing (TASK-06).
    pub ttl_expired: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TaskBook {
    /// Every task of the conversation in creation order; CLOSED ones stay, unchanged.
    pub tasks: Inline<Task, 2>,
    pub request: Option<Request>,
    pub next_task: u32,
}

impl TaskBook {
    pub fn task(&self, id: TaskId) -> Option<&Task> {
        self.tasks.iter().find(|t| t.id == id)
    }

    fn task_mut(&mut self, id: TaskId) -> &mut Task {
        self.tasks
            .iter_mut()
            .find(|t| t.id == id)
            .expect("request points at a task of this book")
    }

    pub fn open_task_of(&self, agent: AgentId) -> Option<&Task> {
        self.tasks
            .iter()
            .find(|t| t.is_open() && t.agent == Some(agent))
    }

    fn open_task_id(&self, agent: AgentId, state: TaskState) -> Option<TaskId> {
        self.tasks
            .iter()
            .find(|t| t.agent == Some(agent) && t.state == state)
            .map(|t| t.id)
    }

    pub fn queued_task(&self) -> Option<&Task> {
        let id = self.request.as_ref()?.task?;
        self.task(id)
            .filter(|t| t.media_state() == MediaState::Queued && t.is_open())
    }

    pub fn reserved_task_of(&self, agent: AgentId) -> Option<&Task> {
        self.tasks.iter().find(|t| {
            t.agent == Some(agent) && t.is_open() && t.media_state() == MediaState::Reserved
        })
    }

    // ---- guards -------------------------------------------------------------------

    pub(crate) fn check_request(
        &self,
        session: SessionId,
        conv: &Conversation,
    ) -> Result<(), Reject> {
        if self.request.is_some() {
            return Err(Reject::RequestAlreadyOpen);
        }
        let mode = conv
            .session(session)
            .map_or(RoutingMode::Push, |s| s.routing_mode);
        match mode {
            RoutingMode::Push if conv.has_primary() => Err(Reject::AgentAlreadyPresent),
            // In PULL a second session of a served customer is parked again, so that the
            // agent can take it too (TASK-09); a session already served is not.
            RoutingMode::Push | RoutingMode::Pull => {
                let served = self
                    .tasks
                    .iter()
                    .any(|t| t.is_open() && t.medias.iter().any(|m| m.session == session));
                if served {
                    Err(Reject::AgentAlreadyPresent)
                } else {
                    Ok(())
                }
            }
        }
    }

    pub(crate) fn check_reserve(&self, agent: AgentId) -> Result<(), Reject> {
        let queued = self.queued_task().ok_or(Reject::NoQueuedTask)?;
        let _ = queued;
        if self.open_task_of(agent).is_some() {
            return Err(Reject::AgentAlreadyHasTask);
        }
        Ok(())
    }

    /// The transferring or conferencing agent must hold the ACTIVE task of a PRIMARY.
    pub(crate) fn check_agent_request(
        &self,
        agent: AgentId,
        conv: &Conversation,
    ) -> Result<(), Reject> {
        conv.primary(agent)?;
        self.agent_request_session(agent, conv)
            .ok_or(Reject::CustomerGone)?;
        if self.request.is_some() {
            return Err(Reject::RequestAlreadyOpen);
        }
        Ok(())
    }

    /// The session a transfer or conference is requested for: the agent's task's session
    /// while it is open, else the customer's latest open chat session. Never an ended one,
    /// or the request would outlive the customer (invariant no timer for an ended session).
    pub(crate) fn agent_request_session(
        &self,
        agent: AgentId,
        conv: &Conversation,
    ) -> Option<SessionId> {
        let own = self
            .open_task_of(agent)
            .map(|t| t.session())
            .filter(|s| conv.session(*s).is_some_and(|x| x.open));
        own.or_else(|| {
            conv.open_sessions()
                .filter(|s| s.channel == ChannelKind::NonVoice)
                .last()
                .map(|s| s.id)
        })
    }

    // ---- inputs ---------------------------------------------------------------------

    fn new_task(
        &mut self,
        session: SessionId,
        agent: Option<AgentId>,
        media: MediaState,
        direction: Direction,
        mode: TaskMode,
    ) -> TaskId {
        self.next_task += 1;
        let id = TaskId(self.next_task);
        self.tasks.push(Task {
            id,
            agent,
            state: TaskState::Active,
            medias: inline![Media {
                session,
                state: media,
            }],
            direction,
            mode,
            reason: None,
            rona_deadline_ms: None,
            wrap_up_deadline_ms: None,
            wrap_up_reason: ReasonCode::Done,
        });
        id
    }

    /// Publishes the task's new state, and reports its timers (RONA, wrap-up) as they now
    /// stand: every change of a task's timers is published as a change of the task.
    fn publish_task(&self, id: TaskId, out: &mut Outcome, bus: &mut Bus) {
        let task = self.task(id).expect("published task exists");
        out.timer(TimerKey::Rona { task: id }, task.rona_deadline_ms);
        out.timer(TimerKey::WrapUp { task: id }, task.wrap_up_deadline_ms);
        bus.publish(out, Published::TaskStateChanged { task: task.view() });
    }

    /// Creates a QUEUED task for the open request and publishes it (TASK-01, TASK-04, TASK-10, TASK-11).
    fn enqueue(&mut self, direction: Direction, out: &mut Outcome, bus: &mut Bus) {
        let request = self
            .request
            .as_ref()
            .expect("enqueue needs an open request");
        let session = request.session;
        let id = self.new_task(
            session,
            None,
            MediaState::Queued,
            direction,
            TaskMode::Queue,
        );
        self.request.as_mut().expect("checked above").task = Some(id);
        self.publish_task(id, out, bus);
        bus.publish(out, Published::TaskEnqueued { task: id, session });
    }

    /// Opens a queued request with its TTL and enqueues its first task (TASK-01, TASK-10,
    /// TASK-11).
    #[allow(clippy::too_many_arguments)]
    fn open_queued(
        &mut self,
        kind: RequestKind,
        direction: Direction,
        session: SessionId,
        now_ms: u64,
        config: &Config,
        out: &mut Outcome,
        bus: &mut Bus,
    ) {
        self.request = Some(Request {
            kind,
            session,
            direction,
            task: None,
            ttl_deadline_ms: Some(deadline_after(now_ms, config.request_ttl_ms)),
            ttl_expired: false,
        });
        self.enqueue(direction, out, bus);
    }

    /// A new routing request for the customer (TASK-01 PUSH, TASK-07 PULL).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn request_agent(
        &mut self,
        session: SessionId,
        direction: Direction,
        conv: &Conversation,
        now_ms: u64,
        config: &Config,
        out: &mut Outcome,
        bus: &mut Bus,
    ) {
        let mode = conv
            .session(session)
            .map_or(config.routing_mode, |s| s.routing_mode);
        match mode {
            RoutingMode::Push => {
                out.rule(Rule::Task01);
                self.open_queued(
                    RequestKind::Push,
                    direction,
                    session,
                    now_ms,
                    config,
                    out,
                    bus,
                );
            }
            RoutingMode::Pull => {
                out.rule(Rule::Task07);
                self.request = Some(Request {
                    kind: RequestKind::Pull,
                    session,
                    direction,
                    task: None,
                    ttl_deadline_ms: None,
                    ttl_expired: false,
                });
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn reserve(
        &mut self,
        agent: AgentId,
        now_ms: u64,
        config: &Config,
        rules: Rules,
        out: &mut Outcome,
        bus: &mut Bus,
    ) {
        out.rule(Rule::Task02);
        let id = self.queued_task().expect("guarded by check_reserve").id;
        let task = self.task_mut(id);
        task.agent = Some(agent);
        task.medias[0].state = MediaState::Reserved;
        task.rona_deadline_ms = Some(deadline_after(now_ms, config.rona_ms));
        if rules.has(Deviation::ReservedAfterTaskChange) {
            self.publish_task(id, out, bus);
            bus.publish(out, Published::AgentReserved { agent, task: id });
        } else {
            bus.publish(out, Published::AgentReserved { agent, task: id });
            self.publish_task(id, out, bus);
        }
    }

    pub(crate) fn accept(&mut self, agent: AgentId, out: &mut Outcome, bus: &mut Bus) {
        out.rule(Rule::Task03);
        let id = self
            .reserved_task_of(agent)
            .expect("guarded: agent is reserved")
            .id;
        let task = self.task_mut(id);
        task.medias[0].state = MediaState::Active;
        task.rona_deadline_ms = None;
        // The request is served; its TTL no longer runs.
        if self.request.as_ref().is_some_and(|r| r.task == Some(id)) {
            self.request = None;
        }
        self.publish_task(id, out, bus);
    }

    /// PULL (TASK-08, TASK-09).
    pub(crate) fn pull(
        &mut self,
        agent: AgentId,
        config: &Config,
        rules: Rules,
        out: &mut Outcome,
        bus: &mut Bus,
    ) {
        let request = self.request.take().expect("guarded: a request is parked");
        if let Some(existing) = self.open_task_id(agent, TaskState::Active) {
            out.rule(Rule::Task09);
            if config.mrd_auto_joinable {
                // "The task is returned": the agent already sees the customer's new session.
                return;
            }
            if rules.has(Deviation::PullReusesChatMedia) {
                // VC-06: the vendor's task has one media per MRD; the chat media it already
                // has is set ACTIVE again and the task is published as it is.
                self.publish_task(existing, out, bus);
                return;
            }
            self.task_mut(existing).medias.push(Media {
                session: request.session,
                state: MediaState::Active,
            });
            self.publish_task(existing, out, bus);
            return;
        }
        out.rule(Rule::Task08);
        let mode = if rules.has(Deviation::PullModeQueue) {
            TaskMode::Queue
        } else {
            TaskMode::Agent
        };
        let id = self.new_task(
            request.session,
            Some(agent),
            MediaState::Active,
            request.direction,
            mode,
        );
        self.publish_task(id, out, bus);
    }

    /// The transferring agent's task goes to WRAP_UP (TRANSFERRED), or closes at once when
    /// wrap-up is disabled (TASK-11, TASK-13).
    fn hand_over(
        &mut self,
        agent: AgentId,
        now_ms: u64,
        config: &Config,
        out: &mut Outcome,
        bus: &mut Bus,
    ) {
        let Some(id) = self.open_task_id(agent, TaskState::Active) else {
            return;
        };
        let task = self.task_mut(id);
        task.wrap_up_reason = ReasonCode::Transferred;
        if config.wrap_up_enabled {
            task.state = TaskState::WrapUp;
            // `2550490.md`, both transfers: "changed to WRAP_UP with reasonCode = TRANSFERRED".
            task.reason = Some(ReasonCode::Transferred);
            task.wrap_up_deadline_ms = Some(deadline_after(now_ms, config.wrap_up_ms));
        } else {
            close(task, ReasonCode::Transferred);
        }
        self.publish_task(id, out, bus);
    }

    pub(crate) fn queue_transfer(
        &mut self,
        agent: AgentId,
        session: SessionId,
        now_ms: u64,
        config: &Config,
        out: &mut Outcome,
        bus: &mut Bus,
    ) {
        out.rule(Rule::Task11);
        self.hand_over(agent, now_ms, config, out, bus);
        self.open_queued(
            RequestKind::QueueTransfer,
            Direction::DirectTransfer,
            session,
            now_ms,
            config,
            out,
            bus,
        );
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn named_transfer(
        &mut self,
        agent: AgentId,
        session: SessionId,
        to: AgentId,
        now_ms: u64,
        config: &Config,
        rules: Rules,
        out: &mut Outcome,
        bus: &mut Bus,
    ) {
        out.rule(Rule::Task13);
        self.hand_over(agent, now_ms, config, out, bus);
        let id = self.new_task(
            session,
            Some(to),
            MediaState::Reserved,
            Direction::DirectTransfer,
            TaskMode::Agent,
        );
        self.task_mut(id).rona_deadline_ms = Some(deadline_after(now_ms, config.rona_ms));
        self.request = Some(Request {
            kind: RequestKind::NamedTransfer,
            session,
            direction: Direction::DirectTransfer,
            task: Some(id),
            ttl_deadline_ms: None,
            ttl_expired: false,
        });
        // VC-04: the vendor's Routing Engine announces the reservation by the task alone.
        if !rules.has(Deviation::NamedTransferNoReserved) {
            bus.publish(
                out,
                Published::AgentReserved {
                    agent: to,
                    task: id,
                },
            );
        }
        self.publish_task(id, out, bus);
    }

    pub(crate) fn conference(
        &mut self,
        session: SessionId,
        now_ms: u64,
        config: &Config,
        out: &mut Outcome,
        bus: &mut Bus,
    ) {
        out.rule(Rule::Task10);
        self.open_queued(
            RequestKind::Conference,
            Direction::DirectConference,
            session,
            now_ms,
            config,
            out,
            bus,
        );
    }

    /// RONA (TASK-04, TASK-06, TASK-12, TASK-14).
    pub(crate) fn rona(&mut self, id: TaskId, rules: Rules, out: &mut Outcome, bus: &mut Bus) {
        let request = self
            .request
            .clone()
            .expect("a ringing task belongs to the open request");
        let requeue = match request.kind {
            RequestKind::Push | RequestKind::Conference => true,
            RequestKind::QueueTransfer => {
                out.rule(Rule::Task12);
                !rules.has(Deviation::QueueTransferRonaCloses)
            }
            RequestKind::NamedTransfer => {
                out.rule(Rule::Task14);
                false
            }
            RequestKind::Pull => unreachable!("PULL tasks are never RESERVED"),
        };
        if request.ttl_expired {
            // "Chat is ringing on agent / Agent request TTL expires / RONA expires" closes
            // NO_AGENT_AVAILABLE (Task-Reason-Codes_144212603.md).
            out.rule(Rule::Task06);
            self.no_agent_available(id, ReasonCode::NoAgentAvailable, out, bus);
            return;
        }
        out.rule(Rule::Task04);
        // VC-02: the vendor's Routing Engine closes a ringing task whose request has no
        // running TTL with NO_AGENT_AVAILABLE; a named transfer has none.
        let reason = if request.kind == RequestKind::NamedTransfer
            && rules.has(Deviation::NamedTransferRonaNoAgent)
        {
            ReasonCode::NoAgentAvailable
        } else {
            ReasonCode::Rona
        };
        close(self.task_mut(id), reason);
        self.publish_task(id, out, bus);
        if requeue {
            let direction = self.task(id).expect("just closed").direction;
            self.enqueue(direction, out, bus);
        } else {
            let session = request.session;
            self.request = None;
            bus.publish(out, Published::NoAgentAvailable { task: id, session });
        }
    }

    /// Closes the request's task with `reason` and publishes NO_AGENT_AVAILABLE.
    fn no_agent_available(
        &mut self,
        id: TaskId,
        reason: ReasonCode,
        out: &mut Outcome,
        bus: &mut Bus,
    ) {
        close(self.task_mut(id), reason);
        self.publish_task(id, out, bus);
        let session = self.request.take().expect("open request").session;
        bus.publish(out, Published::NoAgentAvailable { task: id, session });
    }

    /// TASK-05, TASK-06.
    pub(crate) fn ttl_expired(&mut self, out: &mut Outcome, bus: &mut Bus) {
        let request = self.request.as_mut().expect("guarded: TTL armed");
        let task = request.task.expect("a TTL runs only for a queued request");
        match self.task(task).map(|t| t.media_state()) {
            Some(MediaState::Reserved) => {
                out.rule(Rule::Task06);
                self.request.as_mut().expect("checked").ttl_expired = true;
            }
            _ => {
                out.rule(Rule::Task05);
                self.no_agent_available(task, ReasonCode::NoAgentAvailable, out, bus);
            }
        }
    }

    /// TASK-17: add-wrap-up, leave-without-wrap-up and the wrap-up timer all close the task.
    pub(crate) fn finish_wrap_up(&mut self, id: TaskId, out: &mut Outcome, bus: &mut Bus) {
        out.rule(Rule::Task17);
        let task = self.task_mut(id);
        let reason = task.wrap_up_reason;
        close(task, reason);
        self.publish_task(id, out, bus);
    }

    pub fn wrap_up_task_of(&self, agent: AgentId) -> Option<TaskId> {
        self.open_task_id(agent, TaskState::WrapUp)
    }

    /// TASK-21.
    pub(crate) fn flush(&mut self, rules: Rules, out: &mut Outcome, bus: &mut Bus) {
        out.rule(Rule::Task21);
        let id = self.queued_task().expect("guarded: a task is queued").id;
        if rules.has(Deviation::FlushPublishesNothing) {
            close(self.task_mut(id), ReasonCode::ForceClosed);
            self.publish_task(id, out, bus);
            self.request = None;
        } else {
            // Without NO_AGENT_AVAILABLE the waiting customer would be left with no timer
            // at all (invariant waiting_customer_is_timed).
            self.no_agent_available(id, ReasonCode::ForceClosed, out, bus);
        }
    }

    /// A RESERVED agent logs out: the ringing task closes AGENT_LOGOUT and the request
    /// goes back to the queue (TASK-20).
    pub(crate) fn logout_reserved(
        &mut self,
        agent: AgentId,
        rules: Rules,
        out: &mut Outcome,
        bus: &mut Bus,
    ) {
        let Some(id) = self.reserved_task_of(agent).map(|t| t.id) else {
            return;
        };
        out.rule(Rule::Task20);
        let request = self
            .request
            .clone()
            .expect("a reserved task belongs to the open request");
        // Like RONA: back to the queue while the TTL runs; a named transfer, or a request
        // whose TTL already ran out, ends without an agent.
        let requeue = !request.ttl_expired && request.kind != RequestKind::NamedTransfer;
        // VC-05: the vendor's Routing Engine re-routes a logged-out agent's ringing task the
        // way it handles RONA, and a request with no running TTL closes NO_AGENT_AVAILABLE.
        let reason = if !requeue && rules.has(Deviation::ReservedLogoutNoAgent) {
            ReasonCode::NoAgentAvailable
        } else {
            ReasonCode::AgentLogout
        };
        close(self.task_mut(id), reason);
        self.publish_task(id, out, bus);
        match requeue {
            false => {
                self.request = None;
                bus.publish(
                    out,
                    Published::NoAgentAvailable {
                        task: id,
                        session: request.session,
                    },
                );
            }
            true => {
                let direction = self.task(id).expect("just closed").direction;
                self.enqueue(direction, out, bus);
            }
        }
    }

    /// Routes the conversation again after its agents were removed (TASK-20, TASK-24).
    fn reroute(
        &mut self,
        conv: &Conversation,
        now_ms: u64,
        config: &Config,
        out: &mut Outcome,
        bus: &mut Bus,
    ) {
        if self.request.is_some() || conv.has_primary() {
            return;
        }
        // Only a chat session is routed here; a customer left on voice alone is the voice
        // platform's to route.
        let latest_chat = conv
            .open_sessions()
            .filter(|s| s.channel == ChannelKind::NonVoice)
            .last();
        // The customer is routed again as an inbound request: the sources name no re-routing
        // of an outbound conversation.
        if let Some(session) = latest_chat.map(|s| s.id) {
            self.request_agent(session, Direction::Inbound, conv, now_ms, config, out, bus);
        }
    }

    // ---- events consumed from the other machines ------------------------------------

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
        if let Published::ChannelSessionEnded { session } = *event {
            if rules.takes(Reading::MediaAtSessionEnd, "closes") {
                self.close_medias_of(session, out, bus);
            }
        }
        match *event {
            Published::AgentUnsubscribed { agent, reason } => {
                if let Some(id) = self.open_task_id(agent, TaskState::Active) {
                    let (rule, code) = match reason {
                        UnsubscribeReason::Left => (Rule::Task15, ReasonCode::Done),
                        UnsubscribeReason::Logout => (Rule::Task20, ReasonCode::AgentLogout),
                        UnsubscribeReason::SlaExpired => (Rule::Task24, ReasonCode::Done),
                        // The transfer already moved the task to WRAP_UP (TASK-11).
                        UnsubscribeReason::DirectTransfer => return,
                    };
                    out.rule(rule);
                    close(self.task_mut(id), code);
                    self.publish_task(id, out, bus);
                }
                if matches!(
                    reason,
                    UnsubscribeReason::Logout | UnsubscribeReason::SlaExpired
                ) {
                    // A logout or an SLA removal also ends a wrap-up in progress.
                    if let Some(id) = self.wrap_up_task_of(agent) {
                        self.finish_wrap_up(id, out, bus);
                    }
                    // VC-03: the vendor's Routing Engine only closes a logged-out agent's tasks.
                    let no_reroute = reason == UnsubscribeReason::Logout
                        && rules.has(Deviation::LogoutDoesNotReroute);
                    if !no_reroute {
                        self.reroute(conv, now_ms, config, out, bus);
                    }
                }
            }
            Published::ParticipantRoleChanged {
                agent,
                role: Role::WrapUp,
            } => {
                if let Some(id) = self.open_task_id(agent, TaskState::Active) {
                    out.rule(Rule::Task16);
                    let task = self.task_mut(id);
                    task.state = TaskState::WrapUp;
                    task.wrap_up_deadline_ms = Some(deadline_after(now_ms, config.wrap_up_ms));
                    self.publish_task(id, out, bus);
                }
            }
            // The customer ends the chat the request is for: a waiting task is CANCELLED even
            // if another session stays open, since an agent must not join on a closed session.
            Published::ChannelSessionEnded { session }
                if self.request.as_ref().is_some_and(|r| r.session == session) =>
            {
                let cancelled = self.cancel_waiting(Rule::Task18, out, bus);
                // A customer still on another chat was waiting for this request and is
                // waiting still: for them it ended without an agent, and NO_AGENT_AVAILABLE
                // hands them back to the customer SLA (SLA-20), as a TTL expiry would.
                if let (Some(task), true) = (cancelled, conv.customer_present()) {
                    bus.publish(out, Published::NoAgentAvailable { task, session });
                }
            }
            Published::ChannelSessionStarted {
                channel: ChannelKind::Voice,
                ..
            } => {
                let _ = self.cancel_waiting(Rule::Task19, out, bus);
            }
            Published::ChannelSessionStarted { .. }
            | Published::ChannelSessionEnded { .. }
            | Published::ParticipantRoleChanged { .. }
            | Published::CustomerMessage { .. }
            | Published::BotMessage { .. }
            | Published::AgentMessage { .. }
            | Published::TopicStateChanged { .. }
            | Published::AgentReserved { .. }
            | Published::AgentSubscribed { .. }
            | Published::ConversationPaused
            | Published::ConversationResumed
            | Published::TaskStateChanged { .. }
            | Published::TaskEnqueued { .. }
            | Published::NoAgentAvailable { .. }
            | Published::AgentSlaStarted { .. }
            | Published::ResetAgentSla { .. }
            | Published::AgentSlaStopped
            | Published::AgentSlaThresholdReached { .. }
            | Published::AgentSlaExpired
            | Published::CustomerSlaStarted { .. }
            | Published::CustomerSlaStopped { .. }
            | Published::CustomerSlaThresholdReached { .. }
            | Published::CustomerSlaExpired { .. } => {}
        }
    }

    /// TASK-25: the medias of an ended session close on every open task that keeps going (an
    /// ACTIVE or WRAP_UP task); a waiting one is cancelled whole by TASK-18. Runs before the
    /// request is looked at, so a task whose media closed here is not also cancelled.
    fn close_medias_of(&mut self, session: SessionId, out: &mut Outcome, bus: &mut Bus) {
        let mut changed: Inline<TaskId, 4> = Inline::new();
        for task in self.tasks.iter_mut().filter(|t| t.is_open()) {
            let mut any = false;
            for media in task.medias.iter_mut() {
                if media.session == session && media.state == MediaState::Active {
                    media.state = MediaState::Closed;
                    any = true;
                }
            }
            if any {
                changed.push(task.id);
            }
        }
        if !changed.is_empty() {
            out.rule(Rule::Task25);
        }
        for id in changed {
            self.publish_task(id, out, bus);
        }
    }

    /// A waiting request ends CANCELLED (TASK-18, TASK-19); a parked PULL request is dropped.
    /// Returns the cancelled task, if the request had one.
    fn cancel_waiting(&mut self, rule: Rule, out: &mut Outcome, bus: &mut Bus) -> Option<TaskId> {
        let request = self.request.take()?;
        out.rule(rule);
        let id = request.task?;
        close(self.task_mut(id), ReasonCode::Cancelled);
        self.publish_task(id, out, bus);
        Some(id)
    }
}

/// Closes a task: every media CLOSED, timers gone, the reason set (TASK-22).
fn close(task: &mut Task, reason: ReasonCode) {
    task.state = TaskState::Closed;
    task.reason = Some(reason);
    task.rona_deadline_ms = None;
    task.wrap_up_deadline_ms = None;
    for media in &mut task.medias {
        media.state = MediaState::Closed;
    }
}
