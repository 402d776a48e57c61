//! Monitors of the two mission invariants over the published events, each with its own
//! ghost state: what the event stream alone says is running, never what the rules'
//! storage holds.
//!
//! * **at most one live SLA per session**: a `CUSTOMER_SLA_STARTED` for a session whose
//!   customer SLA the events show live (started, and neither `CUSTOMER_SLA_STOPPED` nor
//!   `CUSTOMER_SLA_EXPIRED` since) is a second live SLA for that session; likewise an
//!   `AGENT_SLA_STARTED` while the conversation's agent SLA is live (restarting it is
//!   `RESET_AGENT_SLA`, SLA-05 / SLA-22). SLA-27 is the rule: "starting a running customer
//!   SLA changes nothing".
//! * **no agent SLA after an unsubscribe**: after the last PRIMARY agent's
//!   `AGENT_UNSUBSCRIBED`, or its `PARTICIPANT_ROLE_CHANGED` to WRAP_UP, with no
//!   `AGENT_SUBSCRIBED` (or change back to PRIMARY) since, no `AGENT_SLA_STARTED`,
//!   `RESET_AGENT_SLA`, `AGENT_SLA_THRESHOLD_REACHED` or `AGENT_SLA_EXPIRED` is published,
//!   and at the end of the step the agent SLA is not left live (SLA-07, SLA-21).
//!
//! The sources are the SLA table of `949321729.md` and the events page (the event names
//! and payloads); RULES.md, "Mission invariants", states both in words.
//!
//! The ghost state is built from the events only, so a rule that publishes an
//! `AGENT_UNSUBSCRIBED` but does not apply it, or that starts a timer twice in storage
//! keyed by session (where a duplicate cannot show), is still seen. The monitor is fed
//! one step's events at a time ([`MissionMonitor::observe`]); the end of a step is where
//! "left live" is judged, since a step's events are published together. It serves the
//! model checker (`cxspec-model` keeps it in every state) and, with the same API, checks
//! of recorded event logs of one conversation.
//!
//! Left out: restarts that publish nothing. A rule that re-arms a running timer without
//! an event cannot be seen in the events; the model checker finds those by re-running a
//! step at another time (`cxspec-model`, `model.rs`) and reports them through
//! [`MissionMonitor::restarted`]. Thresholds are not checked against the levels (SLA-23
//! has vectors of its own).

use crate::event::Published;
use crate::readings::{Reading, Rules};
use crate::types::{AgentId, Role, SessionId};

/// What the monitors must know of the rules that published the events.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Observe {
    /// Threshold crossings are published as a repeated `*_SLA_STARTED` (R-23 `sla-started`):
    /// a start of a live SLA may then be a threshold, and the events alone cannot tell it
    /// from a second SLA. The monitor lets it pass; a real restart is still caught by the
    /// model checker's probe ([`MissionMonitor::restarted`] on a changed start time).
    pub threshold_starts: bool,
}

impl Observe {
    pub fn for_rules(rules: Rules) -> Observe {
        Observe {
            threshold_starts: rules.takes(Reading::ThresholdEvent, "sla-started"),
        }
    }
}
use serde::{Deserialize, Serialize};

/// The two mission invariants, by the words of the mission.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Mission {
    /// At most one live SLA per session (SLA-27).
    OneLiveSlaPerSession,
    /// No agent SLA after an unsubscribe (SLA-07, SLA-21).
    NoAgentSlaAfterUnsubscribe,
}

impl Mission {
    pub const ALL: [Mission; 2] = [
        Mission::OneLiveSlaPerSession,
        Mission::NoAgentSlaAfterUnsubscribe,
    ];

    /// The name used in RULES.md, the README and the checker's output.
    pub fn name(self) -> &'static str {
        match self {
            Mission::OneLiveSlaPerSession => "at most one live SLA per session",
            Mission::NoAgentSlaAfterUnsubscribe => "no agent SLA after an unsubscribe",
        }
    }

    fn bit(self) -> u8 {
        match self {
            Mission::OneLiveSlaPerSession => 1,
            Mission::NoAgentSlaAfterUnsubscribe => 2,
        }
    }
}

/// What one breach was, for messages and tests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Breach {
    /// `CUSTOMER_SLA_STARTED` for a session whose customer SLA is live.
    SecondCustomerSla { session: SessionId },
    /// `AGENT_SLA_STARTED` while the agent SLA is live.
    SecondAgentSla,
    /// A running SLA was re-armed without the event that says so.
    SilentRestart { customer: Option<SessionId> },
    /// An `AGENT_SLA_*` event (named) while no PRIMARY agent is subscribed.
    AgentSlaWithoutPrimary { event: &'static str },
    /// The step ended with the agent SLA live and no PRIMARY agent subscribed.
    AgentSlaLeftLive,
}

impl Breach {
    /// The mission invariant the breach violates.
    pub fn mission(&self) -> Mission {
        match self {
            Breach::SecondCustomerSla { .. }
            | Breach::SecondAgentSla
            | Breach::SilentRestart { .. } => Mission::OneLiveSlaPerSession,
            Breach::AgentSlaWithoutPrimary { .. } | Breach::AgentSlaLeftLive => {
                Mission::NoAgentSlaAfterUnsubscribe
            }
        }
    }
}

/// The ghost state of both monitors: which SLAs the events say are live, and which
/// agents the events say are subscribed as PRIMARY. Small sorted vectors: a conversation
/// has a handful of sessions and agents, and the model hashes this state.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct MissionMonitor {
    customer_live: Vec<SessionId>,
    agent_live: bool,
    primaries: Vec<AgentId>,
}

/// Which mission invariants one step broke, as a small set.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Broken(u8);

impl Broken {
    pub const NONE: Broken = Broken(0);

    pub fn insert(&mut self, mission: Mission) {
        self.0 |= mission.bit();
    }

    pub fn contains(self, mission: Mission) -> bool {
        self.0 & mission.bit() != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

fn insert_sorted<T: Ord + Copy>(list: &mut Vec<T>, item: T) {
    if let Err(at) = list.binary_search(&item) {
        list.insert(at, item);
    }
}

fn remove_sorted<T: Ord + Copy>(list: &mut Vec<T>, item: T) {
    if let Ok(at) = list.binary_search(&item) {
        list.remove(at);
    }
}

impl MissionMonitor {
    pub fn new() -> MissionMonitor {
        MissionMonitor::default()
    }

    /// Sessions whose customer SLA the events show live, in ID order.
    pub fn customer_live(&self) -> &[SessionId] {
        &self.customer_live
    }

    pub fn agent_live(&self) -> bool {
        self.agent_live
    }

    /// Agents the events show subscribed as PRIMARY, in ID order.
    pub fn primaries(&self) -> &[AgentId] {
        &self.primaries
    }

    /// Feeds the events of one step, in publication order; `breach` is called for every
    /// breach found, in order. For rules that publish thresholds as `*_SLA_STARTED`,
    /// see [`MissionMonitor::observe_with`].
    pub fn observe(&mut self, published: &[Published], breach: impl FnMut(Breach)) {
        self.observe_with(published, Observe::default(), breach)
    }

    /// [`MissionMonitor::observe`], knowing how the rules name a threshold crossing.
    pub fn observe_with(
        &mut self,
        published: &[Published],
        options: Observe,
        mut breach: impl FnMut(Breach),
    ) {
        for event in published {
            match event {
                Published::CustomerSlaStarted { session, .. } => {
                    if self.customer_live.binary_search(session).is_ok()
                        && !options.threshold_starts
                    {
                        breach(Breach::SecondCustomerSla { session: *session });
                    }
                    insert_sorted(&mut self.customer_live, *session);
                }
                Published::CustomerSlaStopped { session }
                | Published::CustomerSlaExpired { session } => {
                    remove_sorted(&mut self.customer_live, *session);
                }
                Published::AgentSlaStarted { .. } => {
                    if self.agent_live && !options.threshold_starts {
                        breach(Breach::SecondAgentSla);
                    }
                    self.no_primary_check(event, &mut breach);
                    self.agent_live = true;
                }
                Published::ResetAgentSla { .. } => {
                    self.no_primary_check(event, &mut breach);
                    self.agent_live = true;
                }
                Published::AgentSlaThresholdReached { .. } => {
                    self.no_primary_check(event, &mut breach);
                }
                Published::AgentSlaExpired => {
                    self.no_primary_check(event, &mut breach);
                    self.agent_live = false;
                }
                Published::AgentSlaStopped => self.agent_live = false,
                Published::AgentSubscribed { agent, .. } => {
                    insert_sorted(&mut self.primaries, *agent);
                }
                Published::ParticipantRoleChanged { agent, role } => match role {
                    Role::Primary => insert_sorted(&mut self.primaries, *agent),
                    Role::WrapUp => remove_sorted(&mut self.primaries, *agent),
                },
                Published::AgentUnsubscribed { agent, .. } => {
                    remove_sorted(&mut self.primaries, *agent);
                }
                // The other events neither start nor stop an SLA, nor change who is PRIMARY.
                Published::ChannelSessionStarted { .. }
                | Published::ChannelSessionEnded { .. }
                | Published::CustomerMessage { .. }
                | Published::BotMessage { .. }
                | Published::AgentMessage { .. }
                | Published::TopicStateChanged { .. }
                | Published::AgentReserved { .. }
                | Published::ConversationPaused
                | Published::ConversationResumed
                | Published::TaskStateChanged { .. }
                | Published::TaskEnqueued { .. }
                | Published::NoAgentAvailable { .. }
                | Published::CustomerSlaThresholdReached { .. } => {}
            }
        }
        if self.agent_live && self.primaries.is_empty() {
            breach(Breach::AgentSlaLeftLive);
        }
    }

    fn no_primary_check(&self, event: &Published, breach: &mut impl FnMut(Breach)) {
        if self.primaries.is_empty() {
            breach(Breach::AgentSlaWithoutPrimary {
                event: event.name(),
            });
        }
    }

    /// Reports that a step re-armed a running SLA (`customer: None` for the agent SLA),
    /// as seen by a caller that knows the timers (the model's probe). It is a breach
    /// unless the step's events say so: `RESET_AGENT_SLA` or a stop then a start for the
    /// agent SLA, a stop then a start for the session's customer SLA.
    pub fn restarted(
        customer: Option<SessionId>,
        published: &[Published],
        mut breach: impl FnMut(Breach),
    ) {
        let said = match customer {
            Some(s) => published.iter().any(
                |e| matches!(e, Published::CustomerSlaStarted { session, .. } if *session == s),
            ),
            None => published.iter().any(|e| {
                matches!(
                    e,
                    Published::AgentSlaStarted { .. } | Published::ResetAgentSla { .. }
                )
            }),
        };
        if !said {
            breach(Breach::SilentRestart { customer });
        }
    }

    /// The same monitor under a renaming of agents and sessions (symmetry reduction).
    pub fn renamed(
        &self,
        agent: impl Fn(AgentId) -> AgentId,
        session: impl Fn(SessionId) -> SessionId,
    ) -> MissionMonitor {
        let mut customer_live: Vec<SessionId> =
            self.customer_live.iter().map(|s| session(*s)).collect();
        customer_live.sort_unstable();
        let mut primaries: Vec<AgentId> = self.primaries.iter().map(|a| agent(*a)).collect();
        primaries.sort_unstable();
        MissionMonitor {
            customer_live,
            agent_live: self.agent_live,
            primaries,
        }
    }

    /// Feeds a whole log of steps and returns every breach with the index of its step.
    pub fn check_log<'a>(steps: impl IntoIterator<Item = &'a [Published]>) -> Vec<(usize, Breach)> {
        let mut monitor = MissionMonitor::new();
        let mut found = Vec::new();
        for (i, step) in steps.into_iter().enumerate() {
            monitor.observe(step, |b| found.push((i, b)));
        }
        found
    }
}

/// Mission invariant checks folded into a [`Broken`] set, for callers that only need
/// which invariant failed.
pub fn broken_by(monitor: &mut MissionMonitor, published: &[Published]) -> Broken {
    broken_by_with(monitor, published, Observe::default())
}

/// [`broken_by`] under rules that may name thresholds as starts ([`Observe`]).
pub fn broken_by_with(
    monitor: &mut MissionMonitor,
    published: &[Published],
    options: Observe,
) -> Broken {
    let mut broken = Broken::NONE;
    monitor.observe_with(published, options, |b| broken.insert(b.mission()));
    broken
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::UnsubscribeReason;

    fn started(s: u32) -> Published {
        Published::CustomerSlaStarted {
            session: SessionId(s),
            deadline_ms: 1,
        }
    }

    #[test]
    fn a_second_start_without_a_stop_is_a_second_live_sla() {
        let log: Vec<Vec<Published>> = vec![
            vec![started(1)],
            vec![started(2)],
            vec![Published::CustomerSlaStopped {
                session: SessionId(1),
            }],
            vec![started(1)],
            vec![started(2)],
        ];
        let found = MissionMonitor::check_log(log.iter().map(|s| s.as_slice()));
        assert_eq!(
            found,
            vec![(
                4,
                Breach::SecondCustomerSla {
                    session: SessionId(2)
                }
            )]
        );
    }

    #[test]
    fn agent_sla_after_the_last_primary_left_is_a_breach_until_a_new_subscribe() {
        let a1 = AgentId(1);
        let log: Vec<Vec<Published>> = vec![
            vec![
                Published::AgentSubscribed {
                    agent: a1,
                    session: SessionId(1),
                },
                Published::AgentSlaStarted { deadline_ms: 1 },
            ],
            vec![
                Published::ParticipantRoleChanged {
                    agent: a1,
                    role: Role::WrapUp,
                },
                Published::AgentSlaStopped,
            ],
            vec![Published::ResetAgentSla { deadline_ms: 1 }],
            vec![Published::AgentSlaStopped],
            vec![
                Published::AgentSubscribed {
                    agent: AgentId(2),
                    session: SessionId(1),
                },
                Published::AgentSlaStarted { deadline_ms: 1 },
            ],
            vec![Published::AgentUnsubscribed {
                agent: AgentId(2),
                reason: UnsubscribeReason::Left,
            }],
        ];
        let found = MissionMonitor::check_log(log.iter().map(|s| s.as_slice()));
        assert_eq!(
            found,
            vec![
                (
                    2,
                    Breach::AgentSlaWithoutPrimary {
                        event: "RESET_AGENT_SLA"
                    }
                ),
                (2, Breach::AgentSlaLeftLive),
                (5, Breach::AgentSlaLeftLive),
            ]
        );
    }

    #[test]
    fn a_restart_needs_its_event() {
        let mut found = Vec::new();
        MissionMonitor::restarted(Some(SessionId(1)), &[started(2)], |b| found.push(b));
        MissionMonitor::restarted(Some(SessionId(2)), &[started(2)], |b| found.push(b));
        MissionMonitor::restarted(None, &[Published::ResetAgentSla { deadline_ms: 1 }], |b| {
            found.push(b)
        });
        MissionMonitor::restarted(None, &[], |b| found.push(b));
        assert_eq!(
            found,
            vec![
                Breach::SilentRestart {
                    customer: Some(SessionId(1))
                },
                Breach::SilentRestart { customer: None },
            ]
        );
    }
}
