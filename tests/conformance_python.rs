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

/// The monitor with three non-`specified` readings, run through the CLI.
fn run_with_readings(declared: bool) -> (i32, String) {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_cxspec"));
    cmd.args([
        "conform",
        "--suite",
        "sla",
        "--report",
        "json",
        "--adapter",
        ADAPTER,
    ])
    .env(
        "CXSPEC_PY_READINGS",
        "R-03=agent-sla-started,R-06=own-session,R-09=up",
    );
    if !declared {
        cmd.env("CXSPEC_PY_UNDECLARED", "1");
    }
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn with_its_readings_declared_the_monitor_passes_and_without_it_fails() {
    // Declared: every case is derived for the readings and passes.
    let (code, stdout) = run_with_readings(true);
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(code, 0, "{}", report["summary"]);
    assert_eq!(report["summary"]["failed"], 0);
    let derived: Vec<&serde_json::Value> = report["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| {
            c["derived_for"] == "specified + R-03=agent-sla-started,R-06=own-session,R-09=up"
        })
        .collect();
    assert!(derived.len() > 200, "{} cases derived", derived.len());
    // Each of the three readings changes some case's expectations.
    assert!(derived
        .iter()
        .any(|c| c["derived_changed_steps"].as_u64() > Some(0)));
    // The same behaviour, undeclared: the vectors' `specified` expectations fail it.
    let (code, stdout) = run_with_readings(false);
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(code, 1);
    assert!(report["summary"]["failed"].as_u64() > Some(0));
}
