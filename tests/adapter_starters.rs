//! The adapter starters (conformance/adapters/java, conformance/adapters/node) stay runnable:
//! each one, forwarding to the reference through `CXSPEC_FORWARD`, passes every vector (so its
//! protocol handling, its JSON round trip and its `seq` echo are exercised on all of them);
//! bare, it skips every case with a reason naming the one file to edit; and it answers
//! malformed lines, unknown ops and out-of-order requests itself.
//!
//! Without `javac`/`java`/gson (or `node`) the test prints why and passes, unless
//! `CXSPEC_REQUIRE_STARTERS=1` is set (CI sets it), which makes a missing tool a failure.

mod support;

use serde_json::{json, Value};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::{quote, runs};

const CXSPEC: &str = env!("CARGO_BIN_EXE_cxspec");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const SUITES: [&str; 4] = ["sla", "task", "conversation", "system"];

struct Starter {
    /// The adapter command, run from the repository root.
    command: String,
    /// The file the skip reason of the bare skeleton must name.
    marked: &'static str,
    /// A build folder to remove at the end.
    build: Option<PathBuf>,
}

impl Drop for Starter {
    fn drop(&mut self) {
        if let Some(dir) = &self.build {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// A missing tool: a failure when CI requires the starters, otherwise a printed skip.
fn unavailable(what: &str) -> Option<Starter> {
    if std::env::var("CXSPEC_REQUIRE_STARTERS").as_deref() == Ok("1") {
        panic!("CXSPEC_REQUIRE_STARTERS=1, but {what}");
    }
    eprintln!("SKIPPED: {what} (set CXSPEC_REQUIRE_STARTERS=1 to make this a failure)");
    None
}

/// The Java starter, compiled by its own build.sh into a fresh folder of the target dir.
fn java() -> Option<Starter> {
    let gson = std::env::var("GSON_JAR").unwrap_or_else(|_| "/usr/share/java/gson.jar".into());
    if !runs("javac", "-version") || !runs("java", "-version") {
        return unavailable("no JDK (javac and java) on the PATH for the Java adapter starter");
    }
    if !Path::new(&gson).is_file() {
        return unavailable(&format!(
            "no {gson} for the Java adapter starter (apt-get install libgoogle-gson-java)"
        ));
    }
    let out = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("adapter-starter-java-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let build = Command::new("sh")
        .current_dir(ROOT)
        .arg("conformance/adapters/java/build.sh")
        .arg(&out)
        .output()
        .expect("sh runs");
    let starter = Starter {
        command: format!(
            "java -cp {} Adapter",
            quote(&format!("{}:{gson}", out.display()))
        ),
        marked: "conformance/adapters/java/src/MyImplementation.java",
        build: Some(out),
    };
    assert!(
        build.status.success(),
        "conformance/adapters/java/build.sh failed:\n{}{}",
        String::from_utf8_lossy(&build.stdout),
        String::from_utf8_lossy(&build.stderr)
    );
    Some(starter)
}

fn node() -> Option<Starter> {
    if !runs("node", "--version") {
        return unavailable("no node on the PATH for the Node adapter starter");
    }
    Some(Starter {
        command: "node conformance/adapters/node/adapter.js".into(),
        marked: "conformance/adapters/node/implementation.js",
        build: None,
    })
}

/// The number of vector files, read now: the count follows the vectors.
fn vector_count() -> usize {
    SUITES
        .iter()
        .map(|suite| {
            std::fs::read_dir(Path::new(ROOT).join("conformance/vectors").join(suite))
                .expect("a suite folder")
                .filter(|e| {
                    e.as_ref()
                        .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "yaml"))
                })
                .count()
        })
        .sum()
}

/// `cxspec conform --adapter COMMAND` over every vector, JSON report; (exit code, report).
fn conform(command: &str, forward: Option<&str>) -> (Option<i32>, Value) {
    let mut cmd = Command::new(CXSPEC);
    cmd.current_dir(ROOT).args([
        "conform",
        "--adapter",
        command,
        "--report",
        "json",
        "--jobs",
        "2",
        // A JVM starting on a loaded CI machine is slow; a hang is still caught.
        "--step-timeout-ms",
        "60000",
    ]);
    match forward {
        Some(f) => cmd.env("CXSPEC_FORWARD", f),
        None => cmd.env_remove("CXSPEC_FORWARD"),
    };
    let out = cmd.output().expect("cxspec runs");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "`cxspec conform --adapter {command}` wrote no JSON report ({e}); exit {:?}\nstdout:\n{}\nstderr:\n{}",
            out.status.code(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code(), report)
}

fn summary(report: &Value, field: &str) -> u64 {
    report["summary"][field]
        .as_u64()
        .unwrap_or_else(|| panic!("no summary.{field} in the report"))
}

/// The cases of a report that are not `verdict` (the first few, for a failure message).
fn others(report: &Value, verdict: &str) -> Vec<String> {
    report["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .filter(|c| c["verdict"] != verdict)
        .take(5)
        .map(|c| c.to_string())
        .collect()
}

/// Forwarding to the reference, the starter passes every vector.
fn passes_every_vector_through_the_pass_through(starter: &Starter) {
    let forward = format!("{} conform --serve-reference", quote(CXSPEC));
    let (code, report) = conform(&starter.command, Some(&forward));
    let vectors = vector_count() as u64;
    let not_passed = others(&report, "pass");
    assert!(
        not_passed.is_empty(),
        "{}: cases that did not pass:\n{}",
        starter.command,
        not_passed.join("\n")
    );
    assert_eq!(code, Some(0), "{}: exit code", starter.command);
    for zero in ["failed", "errors", "skipped", "malformed"] {
        assert_eq!(summary(&report, zero), 0, "{}: {zero}", starter.command);
    }
    assert_eq!(summary(&report, "executed"), vectors, "{}", starter.command);
    assert_eq!(summary(&report, "passed"), vectors, "{}", starter.command);
}

/// Bare, the skeleton skips every case, naming the file to edit, and the run is clean.
fn skips_every_case_naming_the_marked_place(starter: &Starter) {
    let (code, report) = conform(&starter.command, None);
    let not_skipped = others(&report, "skip");
    assert!(
        not_skipped.is_empty(),
        "{}: cases that were not skipped:\n{}",
        starter.command,
        not_skipped.join("\n")
    );
    assert_eq!(code, Some(0), "{}: exit code", starter.command);
    assert_eq!(summary(&report, "executed"), 0);
    assert_eq!(summary(&report, "skipped"), vector_count() as u64);
    for case in report["cases"].as_array().expect("cases") {
        let reason = case["reason"].as_str().unwrap_or_default();
        assert!(
            reason.contains(starter.marked),
            "{}: skip reason {reason:?} does not name {}",
            starter.command,
            starter.marked
        );
    }
}

/// Writes `lines` to the starter (stdin then closed) and returns its reply lines; it must
/// exit 0 on its own.
fn exchange(starter: &Starter, forward: Option<&str>, lines: &[&str]) -> Vec<Value> {
    let mut cmd = Command::new("sh");
    cmd.current_dir(ROOT)
        .args(["-c", &starter.command])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    match forward {
        Some(f) => cmd.env("CXSPEC_FORWARD", f),
        None => cmd.env_remove("CXSPEC_FORWARD"),
    };
    let mut child = cmd.spawn().expect("sh runs");
    let mut stdin = child.stdin.take().expect("stdin");
    for line in lines {
        writeln!(stdin, "{line}").expect("the starter reads its input");
    }
    drop(stdin);
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!(
                "{}: still running 60 s after its input closed",
                starter.command
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let (mut stdout, mut stderr) = (String::new(), String::new());
    child
        .stdout
        .take()
        .expect("stdout")
        .read_to_string(&mut stdout)
        .expect("UTF-8 replies");
    let _ = child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr);
    assert!(
        status.success(),
        "{}: {status} after its input closed; stderr:\n{stderr}",
        starter.command
    );
    stdout
        .lines()
        .map(|l| {
            serde_json::from_str(l)
                .unwrap_or_else(|e| panic!("{}: reply {l:?} is not JSON: {e}", starter.command))
        })
        .collect()
}

/// The skeleton's own protocol handling: one reply per request line, `seq` echoed, errors
/// for what it cannot answer, blank lines ignored.
fn handles_the_protocol_itself(starter: &Starter) {
    let replies = exchange(
        starter,
        None,
        &[
            r#"{"op":"hello","protocol":1,"seq":1}"#,
            "this is not JSON",
            "",
            r#"{"op":"frobnicate","seq":3}"#,
            r#"{"op":"advance","to_ms":1000,"seq":4}"#,
            r#"{"op":"reset","id":"x","suite":"task","rule_set":"specified","config":{},"seq":5}"#,
        ],
    );
    let who = &starter.command;
    assert_eq!(replies.len(), 5, "{who}: {replies:?}");
    let hello = &replies[0];
    assert_eq!(
        (&hello["ok"], &hello["seq"], &hello["protocol"]),
        (&json!(true), &json!(1), &json!(1)),
        "{who}: {hello}"
    );
    assert_eq!(hello["suites"], json!(SUITES), "{who}: {hello}");
    assert_eq!(replies[1]["ok"], json!(false), "{who}: {}", replies[1]);
    assert!(replies[1]["error"].is_string(), "{who}: {}", replies[1]);
    assert!(replies[1].get("seq").is_none(), "{who}: {}", replies[1]);
    for (reply, seq, error) in [(&replies[2], 3, "frobnicate"), (&replies[3], 4, "reset")] {
        assert_eq!((&reply["ok"], &reply["seq"]), (&json!(false), &json!(seq)));
        let message = reply["error"].as_str().unwrap_or_default();
        assert!(message.contains(error), "{who}: {reply}");
    }
    let reset = &replies[4];
    assert_eq!((&reset["ok"], &reset["seq"]), (&json!(false), &json!(5)));
    let skip = reset["skip"].as_str().unwrap_or_default();
    assert!(skip.contains(starter.marked), "{who}: {reset}");
}

/// Through the pass-through, a reply comes back exactly as the forwarded command wrote it:
/// nulls, unknown fields, nesting, non-ASCII text, large integers. `cat` as the forwarded
/// command answers each request with the request itself.
fn forwards_every_field_unchanged(starter: &Starter) {
    let sent = [
        json!({"op": "hello", "protocol": 1, "ok": true, "seq": 1, "name": "cat", "suites": SUITES}),
        json!({"op": "reset", "ok": true, "seq": 2, "agent": null,
               "extra": {"nested": [1, -2, 3.25, true, false, null, "é ✓ \u{2028} <&> \"q\""], "empty": {}}}),
        json!({"op": "apply", "ok": true, "seq": 3,
               "published": [{"event": "X", "agent": null, "extra_medias": [], "deadline_ms": 9_007_199_254_740_991_u64}],
               "reject": "NOT_RESERVED", "state": {"timers": []}, "rules": ["SLA-01"], "unknown": {"a": [[]]}}),
        json!({"op": "advance", "ok": true, "seq": 4, "published": []}),
    ];
    let lines: Vec<String> = sent.iter().map(Value::to_string).collect();
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    let replies = exchange(starter, Some("cat"), &lines);
    assert_eq!(replies, sent, "{}", starter.command);
}

fn check(starter: Option<Starter>) {
    let Some(starter) = starter else { return };
    handles_the_protocol_itself(&starter);
    forwards_every_field_unchanged(&starter);
    skips_every_case_naming_the_marked_place(&starter);
    passes_every_vector_through_the_pass_through(&starter);
}

#[test]
fn the_java_starter_handles_the_protocol_and_passes_every_vector_through_the_pass_through() {
    check(java());
}

#[test]
fn the_node_starter_handles_the_protocol_and_passes_every_vector_through_the_pass_through() {
    check(node());
}
