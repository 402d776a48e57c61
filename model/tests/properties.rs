//! The model's own properties can fail (each is shown false on a state that breaks it),
//! the property list is complete, and the representative merges exactly renamed states.

use cxspec_model::bounds::parse_sessions;
use cxspec_model::properties::{self, closing_progress, queued_progress};
use cxspec_model::run::replay;
use cxspec_model::Alphabet;
use cxspec_model::{Bounds, CxModel, ModelState};
use cxspec_spec::invariants::Invariant;
use cxspec_spec::*;
use stateright::{Expectation, Representative};

const S1: SessionId = SessionId(1);
const S2: SessionId = SessionId(2);
const A1: AgentId = AgentId(1);
const A2: AgentId = AgentId(2);

fn model(sessions: &str, wrap_up: bool) -> CxModel {
    CxModel::new(
        Bounds {
            sessions: parse_sessions(sessions).unwrap(),
            agents: 2,
            messages: None,
            tasks: 3,
            wrap_up,
            routing: RoutingMode::Push,
            mrd_auto_joinable: true,
            thresholds: 1,
            alphabet: Alphabet::default(),
        },
        RuleSet::Specified,
    )
}

fn run(model: &CxModel, inputs: &[Input]) -> ModelState {
    replay(model, inputs)
        .expect("the path replays")
        .pop()
        .unwrap()
}

fn chat(session: SessionId) -> Input {
    Input::SessionStarted {
        session,
        channel: ChannelKind::NonVoice,
        routing_mode: None,
    }
}

#[test]
fn queued_progress_fails_without_a_ttl() {
    let m = model("chat", false);
    let mut state = run(
        &m,
        &[
            chat(S1),
            Input::RequestAgent {
                session: S1,
                direction: None,
            },
        ],
    );
    assert!(queued_progress(&m, &state));
    state.system.tasks.request.as_mut().unwrap().ttl_deadline_ms = None;
    assert!(!queued_progress(&m, &state));
}

#[test]
fn queued_progress_fails_when_the_ttl_was_postponed() {
    let m = model("chat", false);
    let mut state = run(
        &m,
        &[
            chat(S1),
            Input::RequestAgent {
                session: S1,
                direction: None,
            },
        ],
    );
    assert!(
        !state.ttl_postponed,
        "opening a request is not a postponement"
    );
    state.ttl_postponed = true;
    assert!(!queued_progress(&m, &state));
}

#[test]
fn closing_progress_fails_on_a_stuck_closing_or_a_wrong_state() {
    // A transferring agent's wrap-up outlasts the customer: Closing waits for its timer.
    let m = model("chat", true);
    let joined = [
        chat(S1),
        Input::RequestAgent {
            session: S1,
            direction: None,
        },
        Input::ReserveAgent { agent: A1 },
        Input::AcceptTask { agent: A1 },
        Input::QueueTransfer { agent: A1 },
        Input::SessionEnded { session: S1 },
    ];
    let state = run(&m, &joined);
    assert_eq!(state.system.conversation.state, ConversationState::Closing);
    assert!(closing_progress(&m, &state));
    // Without the wrap-up timer nothing would close the task.
    let mut stuck = state.clone();
    stuck.system.tasks.tasks[0].wrap_up_deadline_ms = None;
    assert!(!closing_progress(&m, &stuck));
    // Everyone gone but the conversation not Closing.
    let mut wrong = state;
    wrong.system.conversation.state = ConversationState::Inactive;
    assert!(!closing_progress(&m, &wrong));
}

#[test]
fn every_invariant_state_and_reason_has_a_property() {
    let props = properties::all();
    let always: Vec<&str> = props
        .iter()
        .filter(|p| p.expectation == Expectation::Always)
        .map(|p| p.name)
        .collect();
    for i in Invariant::ALL {
        assert!(always.contains(&i.name()), "{i:?}");
    }
    let sometimes = props
        .iter()
        .filter(|p| p.expectation == Expectation::Sometimes)
        .count();
    // A twin per invariant, two progress situations, three twins of the mission and
    // voice invariants, 8 + 4 + 7 reachability properties.
    assert_eq!(sometimes, Invariant::ALL.len() + 2 + 3 + 8 + 4 + 7);
    let mut names: Vec<&str> = props.iter().map(|p| p.name).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), props.len(), "property names are unique");
}

#[test]
fn representative_merges_renamed_agents_and_sessions_only() {
    let mut m = model("chat,chat", false);
    m.prune_fresh_agents = false;
    m.prune_sessions = false;
    let joins = |session: SessionId, agent: AgentId| {
        vec![
            chat(session),
            Input::RequestAgent {
                session,
                direction: None,
            },
            Input::ReserveAgent { agent },
            Input::AcceptTask { agent },
        ]
    };
    let a = run(&m, &joins(S1, A1));
    let b = run(&m, &joins(S2, A2));
    assert_ne!(a, b);
    assert_eq!(a.representative(), b.representative());
    // The same shape with the agent only reserved is a different state.
    let reserved = run(&m, &joins(S1, A1)[..3]);
    assert_ne!(a.representative(), reserved.representative());
    // Two sessions started in either order: the same up to renaming.
    let c = run(
        &m,
        &[
            chat(S1),
            chat(S2),
            Input::RequestAgent {
                session: S2,
                direction: None,
            },
        ],
    );
    let d = run(
        &m,
        &[
            chat(S2),
            chat(S1),
            Input::RequestAgent {
                session: S1,
                direction: None,
            },
        ],
    );
    assert_eq!(c.representative(), d.representative());
    // But a request on the first-started session is not one on the second.
    let e = run(
        &m,
        &[
            chat(S1),
            chat(S2),
            Input::RequestAgent {
                session: S1,
                direction: None,
            },
        ],
    );
    assert_ne!(c.representative(), e.representative());
}
