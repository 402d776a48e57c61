//! `cxspec simulate` end to end: the default job, scenario files, and bad input that must
//! give a clear error (file, line, field) with exit code 2, never a panic.

use std::io::Write;
use std::process::Command;

fn cxspec(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_cxspec"))
        .args(args)
        .output()
        .expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn scenario_file(text: &str) -> tempfile_path::TempPath {
    tempfile_path::write(text)
}

/// A tiny self-cleaning temp file, so the test needs no extra crate.
mod tempfile_path {
    use super::*;
    pub struct TempPath(pub std::path::PathBuf);
    impl Drop for TempPath {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }
    pub fn write(text: &str) -> TempPath {
        static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let path = std::env::temp_dir().join(format!("cxspec-sim-{}-{n}.yaml", std::process::id()));
        std::fs::File::create(&path)
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
        TempPath(path)
    }
}

#[test]
fn default_job_prints_case_one_with_times_and_rule_ids() {
    let (code, out, err) = cxspec(&["simulate"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("# case-1-single-agent"), "{out}");
    assert!(out.contains("t=5000ms ACCEPT_TASK agent=1"), "{out}");
    assert!(
        out.contains("-> AGENT_SLA_STARTED deadline_ms=35000"),
        "{out}"
    );
    assert!(out.contains("rules: TASK-03"), "{out}");
}

#[test]
fn same_input_same_bytes() {
    let a = cxspec(&[
        "simulate",
        "case-7-second-non-voice-session",
        "--rules",
        "as-implemented",
    ]);
    let b = cxspec(&[
        "simulate",
        "case-7-second-non-voice-session",
        "--rules",
        "as-implemented",
    ]);
    assert_eq!(a, b);
    assert!(
        a.1.contains("CUSTOMER_SLA_STARTED session=1"),
        "ATM-01 starts session 1 too: {}",
        a.1
    );
}

#[test]
fn a_scenario_file_runs_and_rejections_are_reported() {
    let file = scenario_file(
        "name: mine\ntitle: a file\nsteps:\n  - at_ms: 0\n    event: SESSION_STARTED\n    session: 4\n    channel: NON_VOICE\n  - at_ms: 5\n    event: ACCEPT_TASK\n    agent: 1\n",
    );
    let (code, out, err) = cxspec(&["simulate", file.0.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("rejected: NOT_RESERVED"), "{out}");
}

#[test]
fn unknown_event_names_the_file_and_line() {
    let file = scenario_file("name: bad\ntitle: t\nsteps:\n  - at_ms: 0\n    event: SESSION_STARTED\n    session: 1\n    channel: NON_VOICE\n  - at_ms: 1\n    event: CUSTOMER_SHOUTS\n    session: 1\n");
    let path = file.0.to_str().unwrap().to_string();
    let (code, _, err) = cxspec(&["simulate", &path]);
    assert_eq!(code, 2);
    assert!(err.contains(&format!("{path}:")), "{err}");
    assert!(err.contains("CUSTOMER_SHOUTS"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn malformed_config_names_the_field() {
    let file = scenario_file(
        "name: bad\ntitle: t\nconfig:\n  agent_sla_thresholds_pct: [80, 50]\nsteps: []\n",
    );
    let path = file.0.to_str().unwrap().to_string();
    let (code, _, err) = cxspec(&["simulate", &path]);
    assert_eq!(code, 2);
    assert!(
        err.contains(&format!(
            "{path}:4: field `config.agent_sla_thresholds_pct`"
        )),
        "{err}"
    );
}

#[test]
fn time_going_backwards_is_an_error() {
    let file = scenario_file("name: bad\ntitle: t\nsteps:\n  - at_ms: 10\n    event: SESSION_STARTED\n    session: 1\n    channel: VOICE\n  - at_ms: 5\n    event: SESSION_ENDED\n    session: 1\n");
    let (code, _, err) = cxspec(&["simulate", file.0.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        err.contains("step 2: at_ms 5 is before the previous step's 10"),
        "{err}"
    );
}

#[test]
fn unknown_scenario_and_bad_flags_are_usage_errors() {
    let (code, _, err) = cxspec(&["simulate", "no-such-case"]);
    assert_eq!(code, 2);
    assert!(err.contains("simulate --list"), "{err}");
    let (code, _, err) = cxspec(&["simulate", "--rules", "whatever"]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown rule set"), "{err}");
}
