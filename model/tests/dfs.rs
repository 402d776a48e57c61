//! The exhaustive search of `cxspec check` (`cxspec_model::dfs`) against stateright's
//! depth-first checker: the same unique and generated states, and the same properties
//! decided (violated or found), on 1, 2 and 3 threads, under a rule set that breaks
//! several properties and under `specified`. Every discovery's path replays to a state
//! that decides its property. (`tests/counts.rs` also runs both on every pinned count.)

use cxspec_model::bounds::parse_sessions;
use cxspec_model::{dfs, run, Alphabet, Bounds, CxModel};
use cxspec_spec::{RoutingMode, RuleSet};
use stateright::{Checker, Expectation, Model};
use std::collections::BTreeSet;

fn bounds(sessions: &str, wrap_up: bool) -> Bounds {
    Bounds {
        sessions: parse_sessions(sessions).unwrap(),
        agents: 2,
        messages: None,
        tasks: 2,
        wrap_up,
        routing: RoutingMode::Push,
        mrd_auto_joinable: true,
        thresholds: 1,
        alphabet: Alphabet::default(),
    }
}

#[test]
fn same_counts_and_verdicts_as_stateright_on_any_thread_count() {
    for (rules, sessions, wrap_up) in [
        (RuleSet::Documented, "chat,voice", false),
        (RuleSet::Specified, "chat,chat", true),
    ] {
        let model = CxModel::new(bounds(sessions, wrap_up), rules);
        let builder = model.clone().checker().symmetry().threads(2);
        let checker = builder.spawn_dfs().join();
        let decided: BTreeSet<&str> = checker.discoveries().into_keys().collect();
        if rules == RuleSet::Documented {
            assert!(
                model
                    .properties()
                    .iter()
                    .any(|p| p.expectation == Expectation::Always && decided.contains(p.name)),
                "documented breaks a property here"
            );
        }
        for threads in [1, 2, 3] {
            let found = dfs::search(&model, threads, true, &Default::default());
            let label = format!("{rules:?} {sessions}, {threads} threads");
            assert_eq!(found.unique, checker.unique_state_count(), "{label}");
            assert_eq!(found.states, checker.state_count(), "{label}");
            let ours: BTreeSet<&str> = found.discoveries.keys().copied().collect();
            assert_eq!(ours, decided, "{label}");
            for property in model.properties() {
                let Some(path) = found.discoveries.get(property.name) else {
                    continue;
                };
                let states = run::replay(&model, path).expect("a discovery's path replays");
                let last = states.last().expect("the initial state at least");
                let holds = (property.condition)(&model, last);
                assert_eq!(
                    holds,
                    property.expectation == Expectation::Sometimes,
                    "{label}: {}",
                    property.name
                );
            }
        }
    }
}

/// The search has no `eventually` mode: the model states progress as safety.
#[test]
fn the_model_has_no_eventually_property() {
    let model = CxModel::new(bounds("chat,voice", true), RuleSet::Specified);
    assert!(model
        .properties()
        .iter()
        .all(|p| p.expectation != Expectation::Eventually));
}
