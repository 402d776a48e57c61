//! The abstraction the conformance cover walks and the saturation report counts
//! (`cxspec_spec::abstraction`, one definition for both) does not see IDs: a state and
//! its symmetric representative (agents and same-kind sessions renamed) abstract alike.
//! The model checker abstracts the states it reaches, not their representatives, so
//! without this the transitions it reports would depend on which member of an orbit the
//! search met first. Checked on the first 20,000 states of a configuration,
//! breadth-first, together with the cover's use of it (its `system` string is the
//! configuration prefix and this abstraction). The cover's strings themselves are pinned
//! by the committed vectors (`conformance_vectors_check.rs`).

use cxspec_conformance::generate::abstract_state;
use cxspec_conformance::suite::Suite;
use cxspec_model::abstraction::AbstractState;
use cxspec_model::bounds::parse_sessions;
use cxspec_model::stateright::{Model, Representative};
use cxspec_model::Alphabet;
use cxspec_model::{Bounds, CxModel, ModelState};
use cxspec_spec::{ConversationState, RoutingMode, RuleSet};
use std::collections::{HashSet, VecDeque};

#[test]
fn abstraction_ignores_renaming_and_is_the_covers() {
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
    let mut renamed = 0;
    while let Some(state) = queue.pop_front() {
        let cover = abstract_state(Suite::System, "c", &state.system);
        let ours = AbstractState::of(&state.system);
        assert_eq!(format!("c | {ours}"), cover);
        let representative = state.representative();
        assert_eq!(
            AbstractState::of(&representative.system),
            ours,
            "{:?}",
            state.system
        );
        renamed += usize::from(representative != state);
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
    // Not vacuous either: many states reached are not their own representative.
    assert!(renamed > 1000, "{renamed} renamed states");
}
