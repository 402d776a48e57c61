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
use stateright::Representative;

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

/// The agent renaming of the representative (`map[old] = new`).
pub fn agent_map(state: &ModelState) -> IdMap {
    let system = &state.system;
    let order = system
        .tasks
        .tasks
        .iter()
        .filter_map(|t| t.agent.map(|a| a.0))
        .chain(system.conversation.agents.iter().map(|p| p.agent.0));
    first_appearance(order, max_agent_of(state))
}

/// The session renaming of the representative (`map[old] = new`).
pub fn session_map(state: &ModelState) -> IdMap {
    let order = state.system.conversation.sessions.iter().map(|s| s.id.0);
    first_appearance(order, max_session_of(state))
}

fn is_identity(map: &IdMap) -> bool {
    map.iter()
        .enumerate()
        .skip(1)
        .all(|(i, n)| *n as usize == i)
}

/// Renames agents and sessions everywhere the state holds them, in place.
fn rename(state: &mut ModelState, agents: &IdMap, sessions: &IdMap) {
    let agent = |a: AgentId| rename_agent(&a, agents);
    let session = |s: SessionId| rename_session(&s, sessions);
    let system = &mut state.system;
    for task in &mut system.tasks.tasks {
        task.agent = task.agent.map(agent);
        for media in &mut task.medias {
            media.session = session(media.session);
        }
    }
    for p in &mut system.conversation.agents {
        p.agent = agent(p.agent);
    }
    for s in &mut system.conversation.sessions {
        s.id = session(s.id);
    }
    if let Some(r) = &mut system.tasks.request {
        r.session = session(r.session);
    }
    for (s, _) in &mut system.sla.customer {
        *s = session(*s);
    }
    system.sla.customer.sort_by_key(|(s, _)| *s);
    state.monitor = state.monitor.renamed(agent, session);
}

impl Representative for ModelState {
    /// One clone, renamed in place, and not even renamed when both renamings are the
    /// identity, the common case (agents and sessions are mostly used in ID order).
    fn representative(&self) -> Self {
        let agents = agent_map(self);
        let sessions = session_map(self);
        let mut next = self.clone();
        if !(is_identity(&agents) && is_identity(&sessions)) {
            rename(&mut next, &agents, &sessions);
        }
        next
    }
}
