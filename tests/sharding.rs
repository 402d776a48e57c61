//! `--shard K/N` end to end: for `cxspec check` and `cxspec conform`, the shards are
//! disjoint and their union is the unsharded run, test case by test case in the JUnit
//! reports CI combines (`docs/ci-matrix.md`).

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

fn cxspec(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_cxspec"))
        .args(args)
        .output()
        .expect("cxspec runs")
}

/// The test cases of a JUnit file as (suite, case line without its time), in order.
fn cases(path: &Path) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(path).expect("report written");
    let mut suite = String::new();
    let mut out = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.starts_with("<testsuite ") {
            let name = line.split("name=\"").nth(1).unwrap_or("");
            suite = name.split('"').next().unwrap_or("").to_string();
        } else if line.starts_with("<testcase") {
            out.push((suite.clone(), line.to_string()));
        }
    }
    out
}

fn assert_partition(whole: &[(String, String)], shards: &[Vec<(String, String)>]) {
    let mut union = BTreeSet::new();
    let mut count = 0;
    for shard in shards {
        count += shard.len();
        union.extend(shard.iter().cloned());
    }
    assert_eq!(count, union.len(), "shards overlap");
    assert_eq!(union, whole.iter().cloned().collect::<BTreeSet<_>>());
    assert_eq!(count, whole.len());
    assert!(shards.iter().all(|s| !s.is_empty()), "every shard has work");
}

#[test]
fn check_shards_partition_the_sub_configurations() {
    let dir = tempdir("check");
    let whole = dir.join("whole.xml");
    let out = cxspec(&[
        "check",
        "--config",
        "ci",
        "--junit",
        whole.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0));
    let mut shards = Vec::new();
    for k in 1..=2 {
        let file = dir.join(format!("shard-{k}.xml"));
        let shard = format!("{k}/2");
        let out = cxspec(&[
            "check",
            "--config",
            "ci",
            "--shard",
            &shard,
            "--junit",
            file.to_str().unwrap(),
        ]);
        // A shard can miss a `sometimes` another shard finds: exit 0 or 1, never 2.
        assert!(matches!(out.status.code(), Some(0 | 1)), "{out:?}");
        shards.push(cases(&file));
    }
    let whole = cases(&whole);
    assert_eq!(
        whole.iter().map(|(s, _)| s).collect::<BTreeSet<_>>().len(),
        5,
        "ci has five sub-configurations"
    );
    assert_partition(&whole, &shards);
}

#[test]
fn conform_shards_partition_the_cases() {
    let dir = tempdir("conform");
    let whole = dir.join("whole.xml");
    let out = cxspec(&[
        "conform",
        "--report",
        "junit",
        "--output",
        whole.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let mut shards = Vec::new();
    for k in 1..=3 {
        let file = dir.join(format!("shard-{k}.xml"));
        let shard = format!("{k}/3");
        let out = cxspec(&[
            "conform",
            "--shard",
            &shard,
            "--report",
            "junit",
            "--output",
            file.to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        shards.push(cases(&file));
    }
    assert_partition(&cases(&whole), &shards);
}

#[test]
fn a_bad_shard_is_a_usage_error() {
    for bad in ["0/2", "3/2", "1", "a/b", "1/0"] {
        let out = cxspec(&["check", "--config", "ci", "--shard", bad, "--list"]);
        assert_eq!(out.status.code(), Some(2), "--shard {bad}");
    }
}

fn tempdir(name: &str) -> std::path::PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("sharding-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temporary folder");
    dir
}
