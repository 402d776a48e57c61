//! Adapters that crash, hang, write garbage or close early give their case an error
//! verdict and the run goes on; a malformed vector is reported with its path and line, and
//! the CLI exits 2.

use cxspec_conformance::runner::{exit_code, run, Options, Target, Verdict};
use cxspec_conformance::vector::{load_dir, Vector};
use std::path::{Path, PathBuf};
use std::process::Command;

fn some_vectors(n: usize) -> Vec<Vector> {
    let (vectors, _) = load_dir(Path::new("conformance/vectors")).expect("vectors dir");
    vectors
        .into_iter()
        .filter(|v| v.origin.starts_with("seed:"))
        .take(n)
        .collect()
}

fn scratch(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("cxspec-conformance-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A Python adapter that answers hello and reset, then misbehaves as told on the first step.
fn broken_adapter(dir: &Path, misbehaviour: &str) -> String {
    let script = dir.join(format!("{misbehaviour}.py"));
    let body = format!(
        r#"import sys, json, time
for line in sys.stdin:
    op = json.loads(line)["op"]
    if op in ("hello", "reset"):
        print(json.dumps({{"ok": True}}), flush=True)
        continue
    how = "{misbehaviour}"
    if how == "crash":
        sys.stderr.write("Traceback: boom\n"); sys.exit(3)
    if how == "hang":
        time.sleep(60)
    if how == "garbage":
        print("this is not json", flush=True); continue
    if how == "close":
        import os; os.close(1); time.sleep(60)
"#
    );
    std::fs::write(&script, body).unwrap();
    // `exec`: the adapter itself holds the pipes, not a shell waiting for it.
    format!("exec python3 {}", script.display())
}

#[test]
fn each_broken_adapter_gets_an_error_verdict_and_the_run_goes_on() {
    let dir = scratch("adapters");
    let vectors = some_vectors(3);
    let refs: Vec<&Vector> = vectors.iter().collect();
    for (how, says) in [
        ("crash", "closed its output"),
        ("hang", "no reply within"),
        ("garbage", "not a reply"),
        ("close", "closed its output"),
    ] {
        let options = Options {
            rules: None,
            jobs: 1,
            step_timeout_ms: 700,
            max_reply_bytes: cxspec_conformance::framing::DEFAULT_MAX_REPLY_BYTES,
            mutant: None,
            require_state: false,
        };
        let results = run(&refs, &Target::Adapter(broken_adapter(&dir, how)), &options);
        assert_eq!(results.len(), 3, "{how}: every case has a verdict");
        for r in &results {
            match &r.verdict {
                Verdict::Error {
                    step: Some(1),
                    message,
                } => {
                    assert!(message.contains(says), "{how}: {message}")
                }
                other => panic!("{how}: {}: {other:?}", r.id),
            }
        }
        assert_eq!(exit_code(&results), 2);
    }
    let results = run(
        &refs,
        &Target::Adapter(broken_adapter(&dir, "crash")),
        &Options {
            rules: None,
            jobs: 1,
            step_timeout_ms: 2_000,
            max_reply_bytes: cxspec_conformance::framing::DEFAULT_MAX_REPLY_BYTES,
            mutant: None,
            require_state: false,
        },
    );
    let Verdict::Error { message, .. } = &results[0].verdict else {
        panic!()
    };
    assert!(
        message.contains("Traceback: boom"),
        "stderr is shown: {message}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_missing_adapter_program_is_an_error_not_a_panic() {
    let vectors = some_vectors(1);
    let results = run(
        &[&vectors[0]],
        &Target::Adapter("/nonexistent/adapter-program".into()),
        &Options {
            rules: None,
            jobs: 1,
            step_timeout_ms: 2_000,
            max_reply_bytes: cxspec_conformance::framing::DEFAULT_MAX_REPLY_BYTES,
            mutant: None,
            require_state: false,
        },
    );
    assert!(
        matches!(results[0].verdict, Verdict::Error { .. }),
        "{:?}",
        results[0].verdict
    );
}

#[test]
fn a_malformed_vector_is_reported_with_path_line_and_field() {
    let dir = scratch("malformed");
    let good = Path::new("conformance/vectors/system/seed-case-1-single-agent.yaml");
    let text = std::fs::read_to_string(good).unwrap();
    std::fs::create_dir_all(dir.join("system")).unwrap();
    std::fs::write(dir.join("system/seed-case-1-single-agent.yaml"), &text).unwrap();
    let broken = text.replacen("event: ACCEPT_TASK", "event: ACCEPT_TAKS", 1);
    let line = broken
        .lines()
        .position(|l| l.contains("ACCEPT_TAKS"))
        .unwrap()
        + 1;
    std::fs::write(
        dir.join("system/broken.yaml"),
        broken.replace("id: seed-case-1-single-agent", "id: broken"),
    )
    .unwrap();

    let (vectors, malformed) = load_dir(&dir).unwrap();
    assert_eq!(vectors.len(), 1);
    assert_eq!(malformed.len(), 1);
    let e = &malformed[0];
    assert!(e.origin.ends_with("system/broken.yaml"), "{e}");
    assert_eq!(e.line, Some(line), "{e}");
    assert!(e.to_string().contains("ACCEPT_TAKS"), "{e}");

    let out = Command::new(env!("CARGO_BIN_EXE_cxspec"))
        .args(["conform", "--vectors"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&format!("broken.yaml:{line}")), "{stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("PASS  system/seed-case-1-single-agent"),
        "the good case still ran: {stdout}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_cli_exit_codes_and_reports() {
    let bin = env!("CARGO_BIN_EXE_cxspec");
    let ok = Command::new(bin)
        .args([
            "conform", "--suite", "system", "--rule", "TASK-13", "--report", "junit",
        ])
        .output()
        .unwrap();
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let xml = String::from_utf8_lossy(&ok.stdout);
    assert!(
        xml.starts_with("<?xml") && xml.contains("<testsuite name=\"system\""),
        "{xml}"
    );

    let fail = Command::new(bin)
        .args([
            "conform",
            "--id",
            "system/seed-case-7-second-non-voice-session-documented",
            "--rules",
            "as-implemented",
            "--report",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(fail.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&fail.stdout).unwrap();
    assert_eq!(report["summary"]["failed"], 1);
    assert!(report["cases"][0]["divergence"]["explained_by"][0]
        .as_str()
        .unwrap()
        .starts_with("ATM-01"));

    let bad = Command::new(bin)
        .args(["conform", "--rule", "SLA-99"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
}
