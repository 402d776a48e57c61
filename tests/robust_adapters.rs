//! Adapters that break the protocol, as a hostile but fair user would meet them: a reply
//! written twice, a reply that never ends, bytes that are not UTF-8, a worker left in a
//! bad state by a failed case, and adapters that hang or start children of their own,
//! started in the README's form (`python3 adapter.py`, no `exec`).
//!
//! What each test holds: no panic, no hang past the step timeout, an ERROR (never a FAIL)
//! where the adapter broke the protocol, the documented exit code, and no process left
//! running once the run is over or cxspec is interrupted.
//!
//! The faulty adapters are a Python proxy in front of the reference served over the
//! protocol (`cxspec conform --serve-reference`), so every reply is right except the one
//! the fault touches.

#[path = "support/scratch.rs"]
mod scratch;
use cxspec_conformance::runner::{exit_code, run, Options, Target, Verdict};
use cxspec_conformance::vector::{load_dir, Vector};
use scratch::Scratch;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const CXSPEC: &str = env!("CARGO_BIN_EXE_cxspec");

fn scratch(name: &str) -> Scratch {
    Scratch::new("robust", name)
}

/// The `sla` seed vectors (the Python monitor's suite), in file order.
fn sla_seeds(n: usize) -> Vec<Vector> {
    let (vectors, _) = load_dir(Path::new("conformance/vectors")).expect("vectors dir");
    vectors
        .into_iter()
        .filter(|v| v.origin.starts_with("seed:") && v.suite.name() == "sla")
        .take(n)
        .collect()
}

/// A proxy adapter: forwards each request to the reference and applies `fault` to the
/// reply of request number `at` (1-based, counted per process; request 1 is `hello`), once
/// per run: the first process to get there leaves a flag file, so the fresh processes the
/// runner starts afterwards behave.
fn proxy(dir: &Path, fault: &str, at: usize, echo_seq: bool) -> String {
    let script = dir.join("proxy.py");
    let body = r#"import json, subprocess, sys, time
import os
fault, at, echo = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "echo"
def first_time():
    try:
        os.close(os.open(sys.argv[5], os.O_CREAT | os.O_EXCL)); return True
    except FileExistsError:
        return False
ref = subprocess.Popen([sys.argv[4], "conform", "--serve-reference"], stdin=subprocess.PIPE,
                       stdout=subprocess.PIPE, text=True)
n = 0
poisoned = False
for line in sys.stdin:
    n += 1
    if n == at and not first_time():
        at = 0
    ref.stdin.write(line); ref.stdin.flush()
    reply = json.loads(ref.stdout.readline())
    if not echo:
        reply.pop("seq", None)
    if n == at and fault == "poison":
        poisoned = True
    if poisoned and "published" in reply:
        reply["published"] = []   # a state leak: every later step answers nothing
    text = json.dumps(reply) + "\n"
    if n == at and fault == "duplicate":
        text = text + text         # one write: both lines reach the runner together
    if n == at and fault == "duplicate-later":
        sys.stdout.write(text); sys.stdout.flush(); time.sleep(0.05)
    if n == at and fault == "endless":
        while True:
            sys.stdout.write("x" * 65536)
    if n == at and fault == "not-utf8":
        sys.stdout.buffer.write(b'{"ok": true, "name": "\xff\xfe"}\n'); sys.stdout.flush(); continue
    sys.stdout.write(text); sys.stdout.flush()
"#;
    std::fs::write(&script, body).unwrap();
    let flag = dir.join(format!("{fault}-{at}-{echo_seq}.done"));
    let _ = std::fs::remove_file(&flag);
    format!(
        "python3 {} {fault} {at} {} {CXSPEC} {}",
        script.display(),
        if echo_seq { "echo" } else { "plain" },
        flag.display()
    )
}

fn options(step_timeout_ms: u64) -> Options {
    Options {
        jobs: 1,
        step_timeout_ms,
        ..Options::default()
    }
}

struct Tally {
    pass: usize,
    fail: usize,
    error: Vec<String>,
}

fn tally(results: &[cxspec_conformance::runner::CaseResult]) -> Tally {
    let mut t = Tally {
        pass: 0,
        fail: 0,
        error: Vec::new(),
    };
    for r in results {
        match &r.verdict {
            Verdict::Pass => t.pass += 1,
            Verdict::Fail(d) => {
                t.fail += 1;
                eprintln!("FAIL {}: {d:?}", r.id);
            }
            Verdict::Error { message, .. } => t.error.push(message.clone()),
            Verdict::Skip(why) => panic!("{}: unexpected skip: {why}", r.id),
        }
    }
    t
}

#[test]
fn a_reply_written_twice_is_one_error_and_every_other_case_passes() {
    let dir = scratch("duplicate");
    let vectors = sla_seeds(12);
    let refs: Vec<&Vector> = vectors.iter().collect();
    // Request 4 is inside the first case (hello, reset, then its steps); with and without
    // `seq`, and with the copy written in the same write or 50 ms later.
    for (fault, echo) in [
        ("duplicate", true),
        ("duplicate", false),
        ("duplicate-later", true),
    ] {
        let results = run(
            &refs,
            &Target::Adapter(proxy(&dir, fault, 4, echo)),
            &options(5_000),
        );
        let t = tally(&results);
        assert_eq!(
            t.fail, 0,
            "{fault} echo={echo}: a protocol break is never a FAIL"
        );
        assert_eq!(t.error.len(), 1, "{fault} echo={echo}: {:?}", t.error);
        assert!(
            t.error[0].contains("nobody asked for") || t.error[0].contains("seq"),
            "{fault} echo={echo}: {}",
            t.error[0]
        );
        assert_eq!(t.pass, refs.len() - 1, "{fault} echo={echo}");
        assert_eq!(exit_code(&results), 2);
    }
}

#[test]
fn a_failed_case_does_not_contaminate_the_next_one() {
    let dir = scratch("poison");
    let vectors = sla_seeds(8);
    let refs: Vec<&Vector> = vectors.iter().collect();
    // From request 4 on, the process answers every step with nothing: the case it happens
    // in fails, and the worker's fresh process runs the others correctly.
    let results = run(
        &refs,
        &Target::Adapter(proxy(&dir, "poison", 4, true)),
        &options(5_000),
    );
    let t = tally(&results);
    assert!(t.error.is_empty(), "{:?}", t.error);
    assert_eq!(t.fail, 1, "only the case that broke the process fails");
    assert_eq!(t.pass, refs.len() - 1);
}

#[test]
fn an_endless_reply_is_an_error_with_bounded_memory() {
    let dir = scratch("endless");
    let vectors = sla_seeds(2);
    let refs: Vec<&Vector> = vectors.iter().collect();
    let options = Options {
        max_reply_bytes: 1 << 20,
        ..options(5_000)
    };
    let results = run(
        &refs,
        &Target::Adapter(proxy(&dir, "endless", 3, true)),
        &options,
    );
    let t = tally(&results);
    assert_eq!(t.error.len(), 1, "{:?}", t.error);
    assert!(
        t.error[0].contains("longer than 1048576 bytes"),
        "{}",
        t.error[0]
    );
    assert_eq!(t.pass, 1);
}

#[test]
fn a_reply_that_is_not_utf8_is_named_as_such() {
    let dir = scratch("utf8");
    let vectors = sla_seeds(1);
    let refs: Vec<&Vector> = vectors.iter().collect();
    let results = run(
        &refs,
        &Target::Adapter(proxy(&dir, "not-utf8", 1, true)),
        &options(5_000),
    );
    let t = tally(&results);
    assert_eq!(t.error.len(), 1);
    assert!(t.error[0].contains("not UTF-8"), "{}", t.error[0]);
}

// ---- processes ------------------------------------------------------------------------------

/// Processes whose command line holds `marker`, by PID (zombies have none, so they do not
/// count: they are dead, only not yet reaped by whoever inherited them).
fn processes_with(marker: &str) -> Vec<u32> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        if let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) {
            if String::from_utf8_lossy(&cmdline).contains(marker) {
                found.push(pid);
            }
        }
    }
    found
}

fn until(deadline: Duration, mut done: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < deadline {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    done()
}

/// An adapter in the README's form (no `exec`) that starts a child and hangs on the first
/// step; both carry `marker` in their command line.
fn hanging_adapter(dir: &Path, marker: &str) -> String {
    let script = dir.join("hang.py");
    let body = r#"import json, subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)", sys.argv[1]])
for line in sys.stdin:
    op = json.loads(line)["op"]
    if op in ("hello", "reset"):
        print(json.dumps({"ok": True}), flush=True)
        continue
    while True:
        time.sleep(1)
"#;
    std::fs::write(&script, body).unwrap();
    format!("python3 {} {marker}", script.display())
}

fn marker(name: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("cxspec-marker-{}-{name}-{nanos}", std::process::id())
}

#[test]
fn a_hung_adapter_and_its_children_do_not_outlive_the_run() {
    let dir = scratch("hang");
    let marker = marker("hang");
    let vectors = sla_seeds(3);
    let refs: Vec<&Vector> = vectors.iter().collect();
    let results = run(
        &refs,
        &Target::Adapter(hanging_adapter(&dir, &marker)),
        &Options {
            jobs: 2,
            ..options(600)
        },
    );
    let t = tally(&results);
    assert_eq!(t.error.len(), 3, "{:?}", t.error);
    assert!(t.error.iter().all(|e| e.contains("no reply within 600 ms")));
    assert!(
        until(Duration::from_secs(3), || processes_with(&marker)
            .is_empty()),
        "left running: {:?}",
        processes_with(&marker)
    );
}

#[test]
fn an_interrupted_run_ends_its_adapters() {
    let dir = scratch("interrupt");
    let marker = marker("interrupt");
    let mut command = Command::new(CXSPEC);
    command
        .args([
            "conform",
            "--suite",
            "sla",
            "--jobs",
            "2",
            "--step-timeout-ms",
            "60000",
        ])
        .arg("--adapter")
        .arg(hanging_adapter(&dir, &marker))
        .stdout(std::process::Stdio::null());
    // A test runner started in the background (`cmd &` in a shell without job control)
    // passes SIGINT on as ignored, and cxspec rightly keeps an ignored SIGINT ignored: the
    // interrupt below would then do nothing and the run would go on for minutes. So cxspec
    // starts here with SIGINT at its default, as from a terminal.
    use std::os::unix::process::CommandExt;
    // SAFETY: between fork and exec the closure only calls signal(2), which is
    // async-signal-safe, and touches no memory of the parent.
    unsafe {
        command.pre_exec(|| {
            libc::signal(libc::SIGINT, libc::SIG_DFL);
            Ok(())
        });
    }
    let mut cxspec = command.spawn().unwrap();
    // Two workers: two adapters and their two children.
    assert!(
        until(Duration::from_secs(20), || processes_with(&marker).len()
            >= 4),
        "the adapters did not start: {:?}",
        processes_with(&marker)
    );
    let pid = cxspec.id() as i32;
    // SAFETY: signalling a child we spawned and have not reaped.
    unsafe { libc::kill(pid, libc::SIGINT) };
    let status = cxspec.wait().unwrap();
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(status.signal(), Some(libc::SIGINT), "{status:?}");
    assert!(
        until(Duration::from_secs(3), || processes_with(&marker)
            .is_empty()),
        "left running after the interrupt: {:?}",
        processes_with(&marker)
    );
}

#[test]
fn the_cli_says_error_for_a_desynchronised_adapter() {
    let dir = scratch("cli-desync");
    let out = Command::new(CXSPEC)
        .args(["conform", "--suite", "sla", "--jobs", "1"])
        .arg("--adapter")
        .arg(proxy(&dir, "duplicate", 4, false))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{stdout}");
    assert!(stdout.contains(" 1 errors"), "{stdout}");
    assert!(stdout.contains(" 0 failed"), "{stdout}");
}

#[test]
fn junit_reports_stay_well_formed_whatever_the_adapter_writes_to_stderr() {
    let dir = scratch("junit");
    let script = dir.join("crash.py");
    std::fs::write(
        &script,
        "import sys\nsys.stdin.readline()\nsys.stderr.write('bad \\ufffe \\uffff \\x01 end')\nsys.exit(3)\n",
    )
    .unwrap();
    let report = dir.join("report.xml");
    let out = Command::new(CXSPEC)
        .args([
            "conform",
            "--suite",
            "sla",
            "--id",
            "seed-case-1-single-agent",
        ])
        .args(["--report", "junit", "--output"])
        .arg(&report)
        .arg("--adapter")
        .arg(format!("python3 {}", script.display()))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let text = std::fs::read_to_string(&report).unwrap();
    assert!(text.contains("end"), "the stderr is in the report: {text}");
    // Python's expat refuses characters XML 1.0 does not allow.
    let parsed = Command::new("python3")
        .args([
            "-c",
            "import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])",
        ])
        .arg(&report)
        .output()
        .unwrap();
    assert!(
        parsed.status.success(),
        "{}",
        String::from_utf8_lossy(&parsed.stderr)
    );
}
