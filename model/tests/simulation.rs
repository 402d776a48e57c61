//! Random simulation (`cxspec_model::simulate`) finds a planted violation that lies beyond
//! exhaustive reach, within the budget CI gives it, and reduces it.
//!
//! The configuration is four agents, three chats and a call, six tasks, two threshold
//! levels: the exhaustive search does not finish on it on this machine (`deep`'s three
//! agents, three sessions and three tasks already take minutes for 14 to 20 million
//! states per sub-configuration, and each further task, agent or session multiplies
//! that). The planted mutant (`Task22NoReasonDeep`) closes the sixth task or a later one
//! without a reason, so only paths that create six tasks can show it.

use cxspec_model::bounds::parse_sessions;
use cxspec_model::mutants::Mutant;
use cxspec_model::run::replay;
use cxspec_model::simulate::{simulate, Budget};
use cxspec_model::Alphabet;
use cxspec_model::{Bounds, CxModel};
use cxspec_spec::invariants::Invariant;
use cxspec_spec::*;

/// The budget `.ci/run` gives `cxspec check --random` per sub-configuration.
pub const CI_BUDGET: (u64, u64, usize) = (1, 2_000, 300);

fn deep_bounds() -> Bounds {
    Bounds {
        sessions: parse_sessions("chat,chat,chat,voice").unwrap(),
        agents: 4,
        messages: None,
        tasks: 6,
        wrap_up: true,
        routing: RoutingMode::Push,
        mrd_auto_joinable: true,
        thresholds: 2,
        alphabet: Alphabet::default(),
    }
}

#[test]
fn a_planted_deep_violation_is_found_within_the_ci_budget_and_reduced() {
    let (seed, walks, depth) = CI_BUDGET;
    let budget = Budget {
        seed,
        walks,
        depth,
        time: None,
    };
    let name = Invariant::ClosedTasksHaveReason.name();
    let spec = CxModel::new(deep_bounds(), RuleSet::Specified);
    let mutant = spec.clone().with_mutant(Mutant::Task22NoReasonDeep);
    let out = simulate(&mutant, &budget);
    let (_, path) = out
        .violations
        .get(name)
        .unwrap_or_else(|| panic!("not found in {} walks", out.walks));
    // A path of the mutant, ending where the sixth task closed without a reason.
    let states = replay(&mutant, path).expect("a path of the model");
    let last = &states.last().unwrap().system;
    assert!(!Invariant::ClosedTasksHaveReason.holds(last, &mutant.config));
    assert!(last.tasks.tasks.len() >= 6);
    // Reduced: no single step can be dropped (checked on the reduced path itself).
    for i in 0..path.len() {
        let mut shorter = path.clone();
        shorter.remove(i);
        let broken = replay(&mutant, &shorter).is_some_and(|states| {
            states
                .iter()
                .any(|s| !Invariant::ClosedTasksHaveReason.holds(&s.system, &mutant.config))
        });
        assert!(!broken, "step {i} of {path:?} can go");
    }
    // The spec without the mutant keeps the property on the same budget.
    let clean = simulate(&spec, &budget);
    assert!(!clean.violations.contains_key(name));
    // Same seed, same walks: the same counterexample.
    assert_eq!(
        simulate(&mutant, &budget).violations.get(name),
        out.violations.get(name)
    );
}
