//! Any combination of readings passes every vector once it is declared: the reference,
//! following readings and declaring them in `hello`, runs every committed vector through
//! the runner, which derives each case for them (conformance/src/derive.rs). Without the
//! declaration the same behaviour fails wherever a reading changes an expectation.

use cxspec_conformance::adapter::Implementation;
use cxspec_conformance::adapter::ReferenceAdapter;
use cxspec_conformance::derive::derive;
use cxspec_conformance::protocol::{Request, PROTOCOL_VERSION};
use cxspec_conformance::runner::{run_case_with, Options, Verdict};
use cxspec_conformance::vector::{load_dir, Vector};
use cxspec_spec::{Reading, Readings, Rules};
use std::path::Path;

fn vectors() -> Vec<Vector> {
    load_dir(Path::new("conformance/vectors"))
        .expect("vectors")
        .0
}

/// Runs every vector, derived for `readings`, on the reference declaring them.
fn failures(vectors: &[Vector], readings: Readings) -> Vec<String> {
    let mut failed = Vec::new();
    for v in vectors {
        let chosen = v.readings.overlay(readings);
        let derived = derive(v, Rules::new(v.rule_set, chosen)).expect("derives");
        let mut reference = ReferenceAdapter::new(None);
        reference.offer_mutants = false;
        reference.declared = readings;
        let hello = reference
            .request(&Request::Hello {
                protocol: PROTOCOL_VERSION,
            })
            .unwrap();
        assert_eq!(hello.readings.unwrap_or_default(), readings);
        let result = run_case_with(&mut reference, &derived, &Options::default());
        if result.verdict != Verdict::Pass {
            failed.push(format!("{}/{}: {:?}", v.suite, v.id, result.verdict));
        }
    }
    failed
}

#[test]
fn every_alternative_alone_passes_every_vector_once_declared() {
    let vectors = vectors();
    for reading in Reading::ALL {
        for alternative in reading.alternatives().iter().skip(1) {
            let readings = Readings::NONE.set(reading.id(), alternative.name).unwrap();
            let failed = failures(&vectors, readings);
            assert!(
                failed.is_empty(),
                "{}: {} failures, first {:?}",
                readings.label(),
                failed.len(),
                failed.first()
            );
        }
    }
}

#[test]
fn a_combination_of_alternatives_passes_once_declared() {
    // The last alternative of every reading at once.
    let mut readings = Readings::NONE;
    for reading in Reading::ALL {
        let last = reading.alternatives().last().unwrap();
        readings = readings.set(reading.id(), last.name).unwrap();
    }
    let failed = failures(&vectors(), readings);
    assert!(
        failed.is_empty(),
        "{} failures, first {:?}",
        failed.len(),
        failed.first()
    );
}
