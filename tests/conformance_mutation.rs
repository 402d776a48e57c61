//! Every single-rule mutant of the reference (conformance/MUTATION.md) is killed by at least
//! one committed vector.

use cxspec_conformance::mutation::{run, Mutant};
use cxspec_conformance::vector::load_dir;
use std::path::Path;

#[test]
fn every_reference_mutant_is_killed() {
    let (vectors, malformed) = load_dir(Path::new("conformance/vectors")).expect("vectors dir");
    assert!(malformed.is_empty());
    let results = run(&vectors);
    assert!(results.len() >= 20, "only {} mutants", results.len());
    let survivors: Vec<String> = results
        .iter()
        .filter(|r| r.killed_by.is_none())
        .map(|r| format!("{} ({})", r.mutant.rule.id(), r.mutant.description))
        .collect();
    assert!(survivors.is_empty(), "survivors: {survivors:?}");
}

#[test]
fn a_mutant_survives_vectors_that_do_not_check_its_rule() {
    // Against no vector, nothing is killed: the kill above is the vectors' doing.
    let results = run(&[]);
    assert_eq!(results.len(), Mutant::all().len());
    assert!(results.iter().all(|r| r.killed_by.is_none()));
}
