//! The model checker's abstract states (`cxspec_model::abstraction`) are the conformance
//! cover's (`cxspec_conformance::generate::abstract_state`, `system` suite): the same
//! string, after the cover's configuration prefix, on the first 20,000 states of a
//! configuration, breadth-first. If either definition changes, this fails.

use cxspec_conformance::generate::abstract_state;
use cxspec_conformance::suite::Suite;
use cxspec_model::abstraction::AbstractState;
use cxspec_model::bounds::parse_sessions;
use cxspec_model::stateright::Model;
use cxspec_model::Alphabet;
use cxspec_model::{Bounds, CxModel, ModelState};
use cxspec_spec::{ConversationState, RoutingMode, RuleSet};
use std::collections::{HashSet, VecDeque};

#[test]
fn model_abstraction_is_the_cover_abstraction() {
    let bounds = Bounds {
        sessions: parse_sessions("chat,voice").unwrap(),
        agents: 2,
        messages: None,
        tasks: 2,
        wrap_up: true,
        routing: RoutingMode::Push,
        mrd_auto_joinable: true,
        thresholds: 1,
        alphabet: Alphabet::default(),
    };
    let model = CxModel::new(bounds, RuleSet::Specified);
    let mut seen: HashSet<ModelState> = HashSet::from([model.initial()]);
    let mut queue = VecDeque::from([model.initial()]);
    let mut actions = Vec::new();
    let mut distinct = HashSet::new();
    let mut states = HashSet::new();
    while let Some(state) = queue.pop_front() {
        let cover = abstract_state(Suite::System, "c", &state.system);
        let ours = AbstractState::of(&state.system);
        assert_eq!(format!("c | {ours}"), cover);
        distinct.insert(cover);
        states.insert(ours.state);
        actions.clear();
        model.actions(&state, &mut actions);
        for a in actions.drain(..) {
            let next = model.next_state(&state, a).expect("accepted");
            if seen.len() < 20_000 && seen.insert(next.clone()) {
                queue.push_back(next);
            }
        }
    }
    // Not vacuous: every conversation state but Customer Left (which needs wrap-up off),
    // and a transferring agent's wrap-up while the transfer waits for its TTL.
    for state in ConversationState::ALL {
        assert_eq!(
            states.contains(&state),
            state != ConversationState::CustomerLeft,
            "{state:?}"
        );
    }
    assert!(distinct
        .iter()
        .any(|s| s.contains("WRAP_UP/ACTIVE") && s.contains("TTL")));
}
