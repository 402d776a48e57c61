//! The whole-second vector set (`cxspec vectors generate --whole-seconds`, FORMAT.md
//! "Precision"): for implementations that configure SLA, TTL, RONA, wrap-up and hold times
//! in whole seconds, as the vendor does. Every configuration in it is whole seconds, it
//! covers every rule the committed set covers, the reference passes all of it, and the
//! command will not overwrite the committed set.

#[path = "support/scratch.rs"]
mod scratch;
use cxspec_conformance::generate::{generate, generate_with, Precision};
use cxspec_spec::Config;
use scratch::Scratch;
use std::collections::BTreeSet;
use std::process::Command;

fn cxspec(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_cxspec"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cxspec runs")
}

#[test]
fn whole_seconds_is_what_it_says() {
    // The check itself: a sub-second duration or threshold instant is caught.
    assert!(Precision::whole_seconds(&Config::default()));
    let odd = Config {
        agent_sla_ms: Some(33_000),
        agent_sla_thresholds_pct: vec![50],
        ..Config::default()
    };
    assert!(!Precision::whole_seconds(&odd), "16.5 s is not whole");
    let rona = Config {
        rona_ms: 17_200,
        ..Config::default()
    };
    assert!(!Precision::whole_seconds(&rona));
    // No agent SLA has nothing to be whole (found by the set test below).
    let off = Config {
        agent_sla_ms: None,
        ..Config::default()
    };
    assert!(Precision::whole_seconds(&off));
}

#[test]
fn every_vector_of_the_set_is_whole_seconds_and_it_covers_what_the_committed_set_covers() {
    let whole = generate_with(Precision::WholeSeconds);
    assert!(!whole.vectors.is_empty());
    for v in &whole.vectors {
        assert!(
            Precision::whole_seconds(&v.config),
            "{}/{}: {:?}",
            v.suite,
            v.id,
            v.config
        );
    }
    let rules = |vectors: &[cxspec_conformance::vector::Vector]| -> BTreeSet<String> {
        vectors
            .iter()
            .flat_map(|v| v.rules.iter().cloned())
            .collect()
    };
    let committed = generate();
    assert_eq!(rules(&whole.vectors), rules(&committed.vectors));
    // The committed set is the millisecond one: most of it is not whole seconds.
    assert!(committed
        .vectors
        .iter()
        .any(|v| !Precision::whole_seconds(&v.config)));
}

#[test]
fn the_reference_passes_the_whole_second_set_and_the_committed_set_is_left_alone() {
    let dir = Scratch::new("whole-seconds", "vectors");
    let out = cxspec(&[
        "vectors",
        "generate",
        "--whole-seconds",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let run = cxspec(&["conform", "--vectors", dir.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert_eq!(run.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains(" 0 failed, 0 errors"), "{stdout}");
    let _ = std::fs::remove_dir_all(&dir);

    // Without --out it would write over the committed (millisecond) set: refused, exit 2.
    let refused = cxspec(&["vectors", "generate", "--whole-seconds"]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("give --out DIR"));
}
