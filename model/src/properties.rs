//! The properties the model checker proves: every invariant of
//! `cxspec_spec::invariants` as `always` with its `sometimes` twin, the step properties
//! of TASK-22, two progress properties stated as bounded-response safety, and
//! reachability of every conversation state, media state and reason code.
//!
//! Progress as safety. stateright's `eventually` is unsound on cycles (it treats a path
//! that closes a cycle as not terminal and misses the violation), and this model is full
//! of cycles (hold and resume, threshold after threshold). Customers and agents may also
//! do nothing at all, so nothing they do can be relied on. What the rules can rely on
//! are deadlines: an armed timer fires at its deadline unless a step stops it. So each
//! progress property says: whenever the obligation is open, a deadline is armed whose
//! expiry discharges it, and no step moves that deadline later. Then the obligation is
//! discharged within the timer's duration of the moment it opened, whatever else
//! happens. Concretely:
//!
//! * **a QUEUED task leaves QUEUED by its request's TTL** (`2550490.md`: the request
//!   "TTL" ends the search with NO_AGENT_AVAILABLE): while a task is QUEUED, it is the
//!   open request's task, the request TTL is armed, firing it now takes the task out of
//!   QUEUED, and no step re-arms the TTL of a waiting request. Bound: `request_ttl_ms`
//!   from the request, RONA included (a re-queued task keeps its request's TTL).
//! * **a conversation everyone has left reaches Closed**: with every session ended and
//!   no agent participant left, the conversation is Closing or Closed; in Closing every
//!   open task is a WRAP_UP task whose wrap-up timer is armed and closes it when it
//!   fires; with no open task HOUSEKEEPING_DONE is accepted; and in Closing no step opens
//!   a task or re-arms a wrap-up timer. Bound: `wrap_up_ms`, then the topic monitor's
//!   house-keeping, which is assumed to happen (it is the platform's, not a person's).
//!
//! PULL parks a conversation with no task and no TTL (TASK-07), so the first property
//! says nothing about it; the customer there is covered by `waiting customer is timed`.

use crate::model::{is_queued, CxModel, ModelState, NOW_MS, TTL_FIRES};
use cxspec_spec::invariants::{self, Invariant};
use cxspec_spec::monitors::Mission;
use cxspec_spec::{ConversationState, Input, MediaState, ReasonCode, TaskState, TimerKey};
use stateright::Property;
use std::sync::OnceLock;

/// Property names that are built from the spec's own names, made `'static` once.
struct Names {
    invariants: Vec<&'static str>,
    situations: Vec<&'static str>,
    conversation_states: Vec<&'static str>,
    media_states: Vec<&'static str>,
    reasons: Vec<&'static str>,
}

fn names() -> &'static Names {
    static NAMES: OnceLock<Names> = OnceLock::new();
    NAMES.get_or_init(|| {
        let leak = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };
        Names {
            invariants: Invariant::ALL
                .iter()
                .map(|i| leak(i.name().to_string()))
                .collect(),
            situations: Invariant::ALL
                .iter()
                .map(|i| leak(format!("situation of: {}", i.name())))
                .collect(),
            conversation_states: ConversationState::ALL
                .iter()
                .map(|s| leak(format!("reachable: conversation {s:?}")))
                .collect(),
            media_states: MEDIA_STATES
                .iter()
                .map(|s| leak(format!("reachable: media {s:?}")))
                .collect(),
            reasons: ReasonCode::ALL
                .iter()
                .map(|r| leak(format!("reachable: reason {r:?}")))
                .collect(),
        }
    })
}

/// Every media state, in the order of the enum. `media_state_index` breaks the build
/// when a state is added without being listed here.
pub const MEDIA_STATES: [MediaState; 4] = [
    MediaState::Queued,
    MediaState::Reserved,
    MediaState::Active,
    MediaState::Closed,
];

#[allow(dead_code)]
const fn media_state_index(state: MediaState) -> usize {
    match state {
        MediaState::Queued => 0,
        MediaState::Reserved => 1,
        MediaState::Active => 2,
        MediaState::Closed => 3,
    }
}

pub const TRANSITIONS: &str =
    "step: tasks never disappear, CLOSED never changes, media moves forward";
pub const QUEUED_PROGRESS: &str = "progress: a QUEUED task leaves QUEUED by its request TTL";
pub const CLOSING_PROGRESS: &str = "progress: a conversation everyone left reaches Closed";
pub const QUEUED_SITUATION: &str = "situation of: a task waits QUEUED with its TTL armed";
/// The mission invariants, over the published events (`cxspec_spec::monitors`).
pub const ONE_LIVE_SLA: &str = "at most one live SLA per session";
pub const NO_AGENT_SLA_AFTER_UNSUBSCRIBE: &str = "no agent SLA after an unsubscribe";
pub const ONE_LIVE_SLA_SITUATION: &str = "situation of: two SLAs live at once";
pub const NO_AGENT_SLA_AFTER_UNSUBSCRIBE_SITUATION: &str =
    "situation of: the last PRIMARY agent gone, the customer still there";
pub const NO_CHAT_SLA_DURING_VOICE: &str = invariants::NO_CHAT_SLA_DURING_VOICE;
pub const NO_CHAT_SLA_DURING_VOICE_SITUATION: &str = "situation of: a chat and a call open";
const _: () = assert!(Mission::ALL.len() == 2);
pub const CLOSING_SITUATION: &str = "situation of: Closing waits for a wrap-up";

// Property conditions are plain `fn` pointers, so each invariant, state and reason gets
// its own instance of a const-generic function. The assertions tie the counts to the
// spec's lists: adding an invariant or a state breaks the build here.
const _: () = assert!(Invariant::ALL.len() == 9);
const _: () = assert!(ConversationState::ALL.len() == 8);
const _: () = assert!(ReasonCode::ALL.len() == 7);

fn invariant_holds<const I: usize>(model: &CxModel, state: &ModelState) -> bool {
    Invariant::ALL[I].holds(&state.system, &model.config)
}

fn invariant_situation<const I: usize>(_: &CxModel, state: &ModelState) -> bool {
    Invariant::ALL[I].situation(&state.system)
}

fn conversation_state<const I: usize>(_: &CxModel, state: &ModelState) -> bool {
    state.system.conversation.state == ConversationState::ALL[I]
}

fn media_state<const I: usize>(_: &CxModel, state: &ModelState) -> bool {
    state
        .system
        .tasks
        .tasks
        .iter()
        .any(|t| t.medias.iter().any(|m| m.state == MEDIA_STATES[I]))
}

fn reason<const I: usize>(_: &CxModel, state: &ModelState) -> bool {
    state
        .system
        .tasks
        .tasks
        .iter()
        .any(|t| t.reason == Some(ReasonCode::ALL[I]))
}

fn one_live_sla(_: &CxModel, state: &ModelState) -> bool {
    !state.broken.contains(Mission::OneLiveSlaPerSession)
}

fn no_agent_sla_after_unsubscribe(_: &CxModel, state: &ModelState) -> bool {
    !state.broken.contains(Mission::NoAgentSlaAfterUnsubscribe)
}

fn one_live_sla_situation(_: &CxModel, state: &ModelState) -> bool {
    let m = &state.monitor;
    m.customer_live().len() + usize::from(m.agent_live()) >= 2
}

fn no_agent_sla_after_unsubscribe_situation(_: &CxModel, state: &ModelState) -> bool {
    let conv = &state.system.conversation;
    state.monitor.primaries().is_empty() && conv.ever_had_agent && conv.customer_present()
}

fn no_chat_sla_during_voice(_: &CxModel, state: &ModelState) -> bool {
    invariants::no_chat_sla_during_voice(&state.system)
}

fn chat_and_voice_open(_: &CxModel, state: &ModelState) -> bool {
    invariants::chat_and_voice_open(&state.system)
}

fn transitions(_: &CxModel, state: &ModelState) -> bool {
    state.moves.is_empty()
}

/// See the module header: the queued task is the request's, its TTL is armed, firing
/// it takes the task out of QUEUED, and the step that led here did not re-arm it.
pub fn queued_progress(model: &CxModel, state: &ModelState) -> bool {
    if state.ttl_postponed {
        return false;
    }
    let system = &state.system;
    let mut queued = system
        .tasks
        .tasks
        .iter()
        .filter(|t| t.is_open() && is_queued(t.media_state()));
    let Some(task) = queued.next() else {
        return true;
    };
    if queued.next().is_some() {
        return false;
    }
    let serves = system
        .tasks
        .request
        .as_ref()
        .is_some_and(|r| r.task == Some(task.id));
    if !serves || !system.timer_armed(TimerKey::RequestTtl) {
        return false;
    }
    match model.spec_step(system, &TTL_FIRES, NOW_MS) {
        Ok((next, _)) => next
            .tasks
            .task(task.id)
            .is_some_and(|t| !is_queued(t.media_state()) || !t.is_open()),
        Err(_) => false,
    }
}

fn queued_situation(_: &CxModel, state: &ModelState) -> bool {
    let system = &state.system;
    system.timer_armed(TimerKey::RequestTtl)
        && system
            .tasks
            .tasks
            .iter()
            .any(|t| t.is_open() && is_queued(t.media_state()))
}

/// See the module header: everyone left means Closing or Closed; Closing only waits for
/// wrap-up timers that close their tasks, then for house-keeping.
pub fn closing_progress(model: &CxModel, state: &ModelState) -> bool {
    if state.closing_postponed {
        return false;
    }
    let system = &state.system;
    let conv = &system.conversation;
    let everyone_left =
        !conv.sessions.is_empty() && !conv.customer_present() && conv.agents.is_empty();
    match conv.state {
        ConversationState::Closed => return true,
        ConversationState::Closing => {}
        _ => return !everyone_left,
    }
    let mut open = system.tasks.tasks.iter().filter(|t| t.is_open()).peekable();
    if open.peek().is_none() {
        return system
            .check(&Input::HousekeepingDone, &model.config)
            .is_ok();
    }
    open.all(|task| {
        let timer = TimerKey::WrapUp { task: task.id };
        task.state == TaskState::WrapUp
            && system.timer_armed(timer)
            && model
                .spec_step(system, &Input::TimerFired { timer }, NOW_MS)
                .is_ok_and(|(next, _)| next.tasks.task(task.id).is_some_and(|t| !t.is_open()))
    })
}

fn closing_situation(_: &CxModel, state: &ModelState) -> bool {
    let system = &state.system;
    system.conversation.state == ConversationState::Closing
        && system.tasks.tasks.iter().any(|t| t.is_open())
}

macro_rules! indexed {
    ($f:ident, $names:expr, $kind:ident, [$($i:literal),*]) => {
        vec![$(Property::$kind($names[$i], $f::<$i>)),*]
    };
}

/// Every property, in a fixed order: invariants, their situations, the step and progress
/// properties, then reachability.
pub fn all() -> Vec<Property<CxModel>> {
    let n = names();
    let mut list = Vec::new();
    list.extend(indexed!(
        invariant_holds,
        n.invariants,
        always,
        [0, 1, 2, 3, 4, 5, 6, 7, 8]
    ));
    list.push(Property::always(ONE_LIVE_SLA, one_live_sla));
    list.push(Property::always(
        NO_AGENT_SLA_AFTER_UNSUBSCRIBE,
        no_agent_sla_after_unsubscribe,
    ));
    list.push(Property::always(
        NO_CHAT_SLA_DURING_VOICE,
        no_chat_sla_during_voice,
    ));
    list.push(Property::always(TRANSITIONS, transitions));
    list.push(Property::always(QUEUED_PROGRESS, queued_progress));
    list.push(Property::always(CLOSING_PROGRESS, closing_progress));
    list.extend(indexed!(
        invariant_situation,
        n.situations,
        sometimes,
        [0, 1, 2, 3, 4, 5, 6, 7, 8]
    ));
    list.push(Property::sometimes(QUEUED_SITUATION, queued_situation));
    list.push(Property::sometimes(CLOSING_SITUATION, closing_situation));
    list.push(Property::sometimes(
        ONE_LIVE_SLA_SITUATION,
        one_live_sla_situation,
    ));
    list.push(Property::sometimes(
        NO_AGENT_SLA_AFTER_UNSUBSCRIBE_SITUATION,
        no_agent_sla_after_unsubscribe_situation,
    ));
    list.push(Property::sometimes(
        NO_CHAT_SLA_DURING_VOICE_SITUATION,
        chat_and_voice_open,
    ));
    list.extend(indexed!(
        conversation_state,
        n.conversation_states,
        sometimes,
        [0, 1, 2, 3, 4, 5, 6, 7]
    ));
    list.extend(indexed!(
        media_state,
        n.media_states,
        sometimes,
        [0, 1, 2, 3]
    ));
    list.extend(indexed!(
        reason,
        n.reasons,
        sometimes,
        [0, 1, 2, 3, 4, 5, 6]
    ));
    list
}
