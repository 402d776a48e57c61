//! The independent Python implementation of the SLA rules (conformance/adapters/python/)
//! passes the `sla` suite through the adapter protocol, and a mutant of it does not.
//! python3 (3.11, stdlib only) is part of the project's machines; its absence fails here.

use cxspec_conformance::runner::{run, Options, Target, Verdict};
use cxspec_conformance::suite::Suite;
use cxspec_conformance::vector::{load_dir, Vector};
use std::path::Path;

const ADAPTER: &str = "python3 conformance/adapters/python/adapter.py";

fn sla_vectors() -> Vec<Vector> {
    let (vectors, malformed) = load_dir(Path::new("conformance/vectors")).expect("vectors dir");
    assert!(malformed.is_empty());
    vectors
        .into_iter()
        .filter(|v| v.suite == Suite::Sla)
        .collect()
}

fn options(mutant: Option<&str>) -> Options {
    Options {
        rules: None,
        jobs: 2,
        step_timeout_ms: 20_000,
        max_reply_bytes: cxspec_conformance::framing::DEFAULT_MAX_REPLY_BYTES,
        mutant: mutant.map(str::to_string),
        require_state: false,
    }
}

#[test]
fn the_python_sla_monitor_passes_the_sla_suite() {
    let vectors = sla_vectors();
    let refs: Vec<&Vector> = vectors.iter().collect();
    let results = run(&refs, &Target::Adapter(ADAPTER.into()), &options(None));
    let mut executed = 0;
    for r in &results {
        match &r.verdict {
            Verdict::Pass => executed += 1,
            // It implements `specified` only and says so for the `documented` seeds.
            Verdict::Skip(why) => {
                assert!(r.id.ends_with("-documented"), "{}: skipped: {why}", r.id)
            }
            other => panic!("sla/{}: {other:?}", r.id),
        }
    }
    assert!(executed > 200, "only {executed} cases executed");
    assert!(results
        .iter()
        .filter(|r| r.verdict == Verdict::Pass)
        .all(|r| r.state_checked > 0));
}

#[test]
fn a_python_mutant_is_caught() {
    let vectors = sla_vectors();
    let refs: Vec<&Vector> = vectors.iter().take(60).collect();
    let results = run(
        &refs,
        &Target::Adapter(ADAPTER.into()),
        &options(Some("SLA-16")),
    );
    assert!(
        results
            .iter()
            .any(|r| matches!(r.verdict, Verdict::Fail(_))),
        "disabling SLA-16 went unnoticed"
    );
}
