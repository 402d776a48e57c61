//! The lean breadth-first search (`cxspec_model::bfs`) against a plain one written here
//! that keeps whole states: same counterexamples, same unique-state count, whatever the
//! thread count.

use cxspec_model::bfs;
use cxspec_model::bounds::parse_sessions;
use cxspec_model::Alphabet;
use cxspec_model::{Bounds, CxModel, ModelState};
use cxspec_spec::*;
use stateright::{Expectation, Model, Representative};
use std::collections::{BTreeMap, HashSet, VecDeque};

fn bounds(sessions: &str, wrap_up: bool, tasks: u32) -> Bounds {
    Bounds {
        sessions: parse_sessions(sessions).unwrap(),
        agents: 2,
        messages: None,
        tasks,
        wrap_up,
        routing: RoutingMode::Push,
        mrd_auto_joinable: true,
        thresholds: 1,
        alphabet: Alphabet::default(),
    }
}

/// Breadth-first with whole states, checking each state when it is taken from the queue;
/// runs to the end and returns the first counterexample per property and the state count.
fn plain(model: &CxModel, names: &[&'static str]) -> (BTreeMap<&'static str, Vec<Input>>, usize) {
    let props: Vec<_> = model
        .properties()
        .into_iter()
        .filter(|p| names.contains(&p.name))
        .collect();
    let mut found = BTreeMap::new();
    let init = model.initial();
    let mut seen: HashSet<ModelState> = HashSet::from([init.representative()]);
    let mut queue: VecDeque<(ModelState, Vec<Input>)> = VecDeque::from([(init, Vec::new())]);
    let mut actions = Vec::new();
    while let Some((state, path)) = queue.pop_front() {
        for p in &props {
            if !(p.condition)(model, &state) {
                found.entry(p.name).or_insert_with(|| path.clone());
            }
        }
        actions.clear();
        model.actions(&state, &mut actions);
        for a in actions.drain(..) {
            if let Some(next) = model.next_state(&state, a) {
                if seen.insert(next.representative()) {
                    let mut p = path.clone();
                    p.push(a);
                    queue.push_back((next, p));
                }
            }
        }
    }
    (found, seen.len())
}

#[test]
fn lean_search_finds_what_the_plain_one_finds_on_any_thread_count() {
    let model = CxModel::new(bounds("chat,voice", true, 1), RuleSet::Documented);
    let names: Vec<&'static str> = model
        .properties()
        .into_iter()
        .filter(|p| p.expectation == Expectation::Always)
        .map(|p| p.name)
        .collect();
    let (expected, unique) = plain(&model, &names);
    assert!(expected.len() >= 5, "documented breaks several properties");
    for threads in [1, 2, 3] {
        let (found, _) = bfs::shortest(&model, &names, threads, true);
        assert_eq!(found, expected, "{threads} threads");
    }
    // Asked for a property that holds, the search runs to the end: every unique state.
    let holds = ["closed tasks have a reason"];
    let (found, stats) = bfs::shortest(&model, &holds, 2, true);
    assert!(found.is_empty());
    assert_eq!(stats.unique, unique);
}
