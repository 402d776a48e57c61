//! Symmetry reduction: a canonical representative of a state under renaming of agents
//! and of sessions of the same kind.
//!
//! The rules compare agent and session IDs only for equality (they look agents up in the
//! participant list and tasks, sessions in the session list and SLA timers), and every
//! agent and every session of one kind is offered the same stimuli. So two states that
//! differ only by such a renaming have the same futures, renamed, and the checker needs
//! to explore only one of them.
//!
//! The representative renames by order of first appearance in containers whose order
//! does not depend on IDs:
//! * agents: the tasks in creation order, then the participants in join order, get
//!   1, 2, 3, ...; agents that appear nowhere are interchangeable and need no name;
//! * sessions: the session list is in start order; its sessions get 1, 2, 3, ....
//!   The representative keeps each session's kind, so two states with the same
//!   representative have the same number of started sessions per kind, and the renaming
//!   between them extends to a renaming of the configured sessions within each kind.
//!
//! Renaming is therefore canonical: states related by a renaming have equal
//! representatives (a renaming does not reorder these containers), and states with equal
//! representatives are related by one. The session numbering of the representative need
//! not match the configured kinds: it is only hashed, never explored. The customer SLA
//! list is kept in ID order by the spec (SLA-27), so it is sorted again after renaming.
//! Left out: task IDs, which are numbered in creation order already.

use crate::model::ModelState;
use cxspec_spec::{AgentId, SessionId, System};
use stateright::{Representative, Rewrite, RewritePlan};

/// `map[old] = new`; IDs start at 1, index 0 is unused.
type IdMap = Vec<u32>;

fn rename_agent(agent: &AgentId, map: &IdMap) -> AgentId {
    AgentId(map[agent.0 as usize])
}

fn rename_session(session: &SessionId, map: &IdMap) -> SessionId {
    SessionId(map[session.0 as usize])
}

/// Assigns 1, 2, 3, ... to IDs in order of first appearance; IDs never seen keep a
/// number above all seen ones, so the map stays a permutation.
fn first_appearance(order: impl Iterator<Item = u32>, max_id: u32) -> IdMap {
    let mut map = vec![0; max_id as usize + 1];
    let mut next = 1;
    for id in order {
        if map[id as usize] == 0 {
            map[id as usize] = next;
            next += 1;
        }
    }
    for slot in map.iter_mut().skip(1) {
        if *slot == 0 {
            *slot = next;
            next += 1;
        }
    }
    map
}

fn max_agent(system: &System) -> u32 {
    let tasks = system
        .tasks
        .tasks
        .iter()
        .filter_map(|t| t.agent.map(|a| a.0));
    let participants = system.conversation.agents.iter().map(|p| p.agent.0);
    tasks.chain(participants).max().unwrap_or(0)
}

/// The largest agent ID of the state, the monitor's ghost participants included.
fn max_agent_of(state: &ModelState) -> u32 {
    let ghost = state.monitor.primaries().iter().map(|a| a.0);
    ghost.max().unwrap_or(0).max(max_agent(&state.system))
}

/// The largest session ID of the state, the monitor's ghost timers included.
fn max_session_of(state: &ModelState) -> u32 {
    let ghost = state.monitor.customer_live().iter().map(|s| s.0);
    ghost.max().unwrap_or(0).max(max_session(&state.system))
}

fn max_session(system: &System) -> u32 {
    system
        .conversation
        .sessions
        .iter()
        .map(|s| s.id.0)
        .max()
        .unwrap_or(0)
}

/// The agent renaming of the representative.
pub fn agent_plan(state: &ModelState) -> RewritePlan<AgentId, IdMap> {
    let system = &state.system;
    let order = system
        .tasks
        .tasks
        .iter()
        .filter_map(|t| t.agent.map(|a| a.0))
        .chain(system.conversation.agents.iter().map(|p| p.agent.0));
    RewritePlan::new(first_appearance(order, max_agent_of(state)), rename_agent)
}

/// The session renaming of the representative.
pub fn session_plan(state: &ModelState) -> RewritePlan<SessionId, IdMap> {
    let system = &state.system;
    let order = system.conversation.sessions.iter().map(|s| s.id.0);
    RewritePlan::new(
        first_appearance(order, max_session_of(state)),
        rename_session,
    )
}

impl Rewrite<AgentId> for ModelState {
    fn rewrite<S>(&self, plan: &RewritePlan<AgentId, S>) -> Self {
        let mut next = self.clone();
        for task in &mut next.system.tasks.tasks {
            task.agent = task.agent.map(|a| plan.rewrite(&a));
        }
        for p in &mut next.system.conversation.agents {
            p.agent = plan.rewrite(&p.agent);
        }
        next.monitor = self.monitor.renamed(|a| plan.rewrite(&a), |s| s);
        next
    }
}

impl Rewrite<SessionId> for ModelState {
    fn rewrite<S>(&self, plan: &RewritePlan<SessionId, S>) -> Self {
        let mut next = self.clone();
        let system = &mut next.system;
        for s in &mut system.conversation.sessions {
            s.id = plan.rewrite(&s.id);
        }
        for task in &mut system.tasks.tasks {
            for media in &mut task.medias {
                media.session = plan.rewrite(&media.session);
            }
        }
        if let Some(r) = &mut system.tasks.request {
            r.session = plan.rewrite(&r.session);
        }
        for (s, _) in &mut system.sla.customer {
            *s = plan.rewrite(s);
        }
        system.sla.customer.sort_by_key(|(s, _)| *s);
        next.monitor = self.monitor.renamed(|a| a, |s| plan.rewrite(&s));
        next
    }
}

impl Representative for ModelState {
    fn representative(&self) -> Self {
        let renamed = self.rewrite(&agent_plan(self));
        renamed.rewrite(&session_plan(&renamed))
    }
}
