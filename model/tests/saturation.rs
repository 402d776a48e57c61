//! The search behind `cxspec check --saturation` (`bfs::abstract_edges_until_new`): it
//! says "new" only for a transition outside the known set, "none new" only after a
//! search to the end, and, stopped by a unique-state budget, a path length up to which
//! no new transition exists that an independent, unreduced breadth-first walk confirms.

use cxspec_model::bfs::{self, GrownOutcome};
use cxspec_model::bounds::parse_sessions;
use cxspec_model::stateright::Model;
use cxspec_model::{Alphabet, Bounds, CxModel, ModelState};
use cxspec_spec::{RoutingMode, RuleSet};
use std::collections::{BTreeSet, HashSet};

fn model(sessions: &str, tasks: u32) -> CxModel {
    CxModel::new(
        Bounds {
            sessions: parse_sessions(sessions).unwrap(),
            agents: 2,
            messages: None,
            tasks,
            wrap_up: true,
            routing: RoutingMode::Push,
            mrd_auto_joinable: true,
            thresholds: 1,
            alphabet: Alphabet::default(),
        },
        RuleSet::Specified,
    )
}

/// The abstract transitions of every path of at most `steps` steps, and the number of
/// states those paths reach, by a plain breadth-first walk over whole states with no
/// symmetry reduction and no fingerprints.
fn edges_within(model: &CxModel, steps: usize) -> (BTreeSet<bfs::AbstractEdge>, usize) {
    let mut edges = BTreeSet::new();
    let mut seen: HashSet<ModelState> = HashSet::from([model.initial()]);
    let mut layer = vec![model.initial()];
    let mut actions = Vec::new();
    for _ in 0..steps {
        let mut next = Vec::new();
        for state in &layer {
            actions.clear();
            model.actions(state, &mut actions);
            for input in actions.drain(..) {
                let after = model.next_state(state, input).expect("accepted");
                edges.insert(bfs::AbstractEdge::of(state, &input, &after));
                if seen.insert(after.clone()) {
                    next.push(after);
                }
            }
        }
        layer = next;
    }
    (edges, seen.len())
}

#[test]
fn a_grown_bound_with_a_new_transition_is_reported_new() {
    let (base, _) = bfs::abstract_edges(&model("chat,voice", 2), 2, true);
    let (more, stats, outcome) =
        bfs::abstract_edges_until_new(&model("chat,chat,voice", 2), 2, true, &base, None);
    assert_eq!(outcome, GrownOutcome::New);
    assert!(more.difference(&base).next().is_some());
    // It stopped early: the full search of chat+chat+voice is far larger.
    let (_, full) = bfs::abstract_edges(&model("chat,chat,voice", 2), 2, true);
    assert!(
        stats.unique < full.unique,
        "{} of {}",
        stats.unique,
        full.unique
    );
}

#[test]
fn none_new_is_said_only_after_a_search_to_the_end() {
    let m = model("chat,voice", 2);
    let (all, full) = bfs::abstract_edges(&m, 2, true);
    let (again, stats, outcome) = bfs::abstract_edges_until_new(&m, 2, true, &all, None);
    assert_eq!(outcome, GrownOutcome::NoneNew);
    assert_eq!(again, all);
    assert_eq!(stats.unique, full.unique);
    assert_eq!(stats.complete_layers, stats.depth);
    assert!(!stats.stopped_by_budget);
}

#[test]
fn a_budget_stops_the_search_and_bounds_its_claim_by_complete_layers() {
    // Two chats: layers wider than a batch (8,192 states), so the budget stops the search
    // inside a layer.
    let m = model("chat,chat", 2);
    let (all, full) = bfs::abstract_edges(&m, 2, true);
    let budget = 40_000;
    let (found, stats, outcome) = bfs::abstract_edges_until_new(&m, 2, true, &all, Some(budget));
    assert_eq!(outcome, GrownOutcome::NoneNewWithinBudget);
    assert!(stats.stopped_by_budget);
    assert!(stats.unique >= budget && stats.unique < full.unique);
    assert!(
        stats.complete_layers >= 1 && stats.complete_layers < stats.depth,
        "{stats:?} {full:?}"
    );
    assert!(stats.depth < full.depth);
    // The claim "every path of up to `complete_layers` steps was taken": the transitions
    // of those paths, found without symmetry or fingerprints, are all in what the
    // budgeted search found.
    let (within, _) = edges_within(&m, stats.complete_layers);
    let missing: Vec<_> = within.difference(&found).collect();
    assert!(missing.is_empty(), "{missing:?}");
    // Without symmetry the count pins the layer exactly: the budgeted search numbered
    // every state within `complete_layers` steps and not every one within one more.
    let (_, stats, _) = bfs::abstract_edges_until_new(&m, 2, false, &all, Some(budget));
    let (_, reached) = edges_within(&m, stats.complete_layers);
    let (_, one_more) = edges_within(&m, stats.complete_layers + 1);
    assert!(
        reached <= stats.unique && stats.unique < one_more,
        "{reached} <= {} < {one_more}, {} complete layers",
        stats.unique,
        stats.complete_layers
    );
    // And a budgeted search against a smaller known set still says "new".
    let (base, _) = bfs::abstract_edges(&model("chat,chat", 1), 2, true);
    let (_, _, outcome) = bfs::abstract_edges_until_new(&m, 2, true, &base, Some(budget));
    assert_eq!(outcome, GrownOutcome::New);
}
