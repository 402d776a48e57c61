//! `cxspec check` and `cxspec explore` end to end: a violation exits 1 with a numbered
//! counterexample and a scenario file that `cxspec simulate` replays; bad flags exit 2
//! with a message, never a panic.

use std::path::PathBuf;
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

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cxspec-model-cli-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn documented_violation_exits_1_with_a_replayable_counterexample() {
    let dir = temp_dir("documented");
    let (code, out, err) = cxspec(&[
        "check",
        "--config",
        "ci",
        "--rules",
        "documented",
        "--sessions",
        "chat,voice",
        "--tasks",
        "1",
        "--wrap-up",
        "off",
        "--threads",
        "1",
        "--counterexample-dir",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "stdout:\n{out}\nstderr:\n{err}");
    assert!(out.contains("VIOLATED  no agent SLA during voice"), "{out}");
    // The shortest counterexample of DEV-01: chat, voice, request, reserve, accept.
    let section = out
        .split("counterexample for `no agent SLA during voice`")
        .nth(1)
        .expect("the counterexample is printed");
    for (i, step) in [
        "SESSION_STARTED session=1 channel=NON_VOICE",
        "SESSION_STARTED session=2 channel=VOICE",
        "REQUEST_AGENT session=1",
        "RESERVE_AGENT agent=1",
        "ACCEPT_TASK agent=1",
    ]
    .iter()
    .enumerate()
    {
        assert!(
            section.contains(&format!("{:>3}. {step}\n", i + 1)),
            "step {}: {section}",
            i + 1
        );
    }
    assert!(section.contains("DEV-01"), "{section}");
    let file = dir.join("documented-no-agent-sla-during-voice.yaml");
    assert!(section.contains(&file.display().to_string()), "{section}");
    let (code, replay, err) = cxspec(&["simulate", file.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(replay.contains("AGENT_SLA_STARTED"), "{replay}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn list_prints_sub_configurations_and_properties() {
    let (code, out, _) = cxspec(&["check", "--config", "ci", "--list"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("1. push wrap-up=off sessions=chat+voice"),
        "{out}"
    );
    assert!(out.contains("always    waiting customer is timed"), "{out}");
    assert!(
        out.contains("sometimes reachable: reason ForceClosed"),
        "{out}"
    );
}

#[test]
fn usage_errors_exit_2_with_a_message() {
    for (args, message) in [
        (
            vec!["check", "--config", "nope"],
            "unknown configuration `nope`",
        ),
        (vec!["check", "--agents", "0"], "agents must be within"),
        (
            vec!["check", "--sessions", "chat,fax"],
            "unknown session kind `fax`",
        ),
        (vec!["check", "--tasks", "99"], "tasks must be within"),
        (
            vec!["check", "--thresholds", "4"],
            "thresholds must be within",
        ),
        (
            vec!["check", "--threads", "0"],
            "--threads must be at least 1",
        ),
        (
            vec!["check", "--rules", "bogus"],
            "unknown rule set `bogus`",
        ),
        (vec!["check", "--wrap-up", "maybe"], "maybe"),
        (vec!["explore", "--config", "ci", "--sub", "9"], "--sub 9"),
        (
            vec!["explore", "--config", "ci", "--addr", "not-an-address"],
            "cannot listen on not-an-address",
        ),
    ] {
        let (code, out, err) = cxspec(&args);
        assert_eq!(code, 2, "{args:?}: {out}{err}");
        assert!(err.contains(message), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
}
