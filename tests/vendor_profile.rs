//! The vendor profile (`expertflow-cim`, conformance/VENDOR.md) on the runner's path: the
//! whole-second vectors pass through it against the reference served in the vendor's JSON and
//! against the Java adapter that speaks only that JSON; a wrong name, an extra field, a
//! reply's `state` and an unknown profile are reported as what they are.
//!
//! The Java adapter needs `javac`/`java` and gson: without them its test prints why and
//! passes, unless `CXSPEC_REQUIRE_STARTERS=1` is set (CI sets it).

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

const CXSPEC: &str = env!("CARGO_BIN_EXE_cxspec");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");
/// The readings the vendor's code names follow (VENDOR.md, "Readings").
const READINGS: &str = "--reading R-23=sla-started --reading R-24=topic-state-change-event";

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// The whole-second set, generated once per test binary into the target's temp dir.
fn whole_seconds() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("vendor-profile-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let out = Command::new(CXSPEC)
            .current_dir(ROOT)
            .args(["vectors", "generate", "--whole-seconds", "--out"])
            .arg(&dir)
            .output()
            .expect("cxspec runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        dir
    })
}

fn served(extra: &str) -> String {
    format!(
        "{} conform --serve-reference --profile expertflow-cim {extra}",
        quote(CXSPEC)
    )
}

/// `cxspec conform` over `vectors` (optionally one case) with `adapter`: (exit, JSON report).
fn conform(vectors: &Path, id: Option<&str>, adapter: &str, env: &[(&str, &str)]) -> (i32, Value) {
    let mut cmd = Command::new(CXSPEC);
    cmd.current_dir(ROOT)
        .args(["conform", "--report", "json", "--jobs", "2"])
        .args(["--step-timeout-ms", "60000", "--vectors"])
        .arg(vectors)
        .args(["--adapter", adapter]);
    if let Some(id) = id {
        cmd.args(["--id", id]);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("cxspec runs");
    let report = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "no JSON report ({e}); stderr:\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().expect("exited"), report)
}

fn count_yaml(dir: &Path) -> usize {
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            n += count_yaml(&p);
        } else if p.extension().is_some_and(|x| x == "yaml") {
            n += 1;
        }
    }
    n
}

fn assert_all_pass(code: i32, report: &Value, vectors: &Path) {
    let not_passed: Vec<String> = report["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["verdict"] != "pass")
        .take(3)
        .map(|c| c.to_string())
        .collect();
    assert_eq!(code, 0, "first cases not passed: {not_passed:?}");
    assert_eq!(
        report["summary"]["passed"].as_u64().unwrap() as usize,
        count_yaml(vectors)
    );
    assert!(report["cases"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["profile"] == "expertflow-cim"));
}

#[test]
fn the_served_reference_passes_every_whole_second_vector_in_the_vendors_json() {
    let vectors = whole_seconds();
    let (code, report) = conform(vectors, None, &served(READINGS), &[]);
    assert_all_pass(code, &report, vectors);
}

/// A filter between the runner and the served reference that spoils its replies one way
/// (python3 is on every machine the project runs on).
fn spoiled(how: &str) -> String {
    let script = Path::new(env!("CARGO_TARGET_TMPDIR")).join("vendor-spoil.py");
    std::fs::write(
        &script,
        r#"
import json, subprocess, sys
how, command = sys.argv[1], sys.argv[2]
child = subprocess.Popen(command, shell=True, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
for line in sys.stdin:
    child.stdin.write(line); child.stdin.flush()
    reply = json.loads(child.stdout.readline())
    if how == "profile" and "protocol" in reply:
        reply["profile"] = "vendor-xml"
    for e in reply.get("published", []):
        if how == "name" and e["name"] == "TOPIC_STATE_CHANGE_EVENT":
            e["name"] = "TOPIC_STATE_CHANGED"
        if how == "field" and e["name"] == "TASK_STATE_CHANGED":
            e["data"]["task"]["priority"] = 1
        if how == "state":
            reply["state"] = {"conversation": "ACTIVE"}
    print(json.dumps(reply), flush=True)
"#,
    )
    .unwrap();
    format!(
        "python3 {} {how} {}",
        quote(&script.display().to_string()),
        quote(&served(READINGS))
    )
}

fn case(report: &Value) -> &Value {
    &report["cases"][0]
}

#[test]
fn a_difference_in_the_vendors_json_is_reported_field_by_field() {
    let vectors = whole_seconds();
    // The pages' name while declaring the code's (R-24): a different event.
    let (code, report) = conform(
        vectors,
        Some("system/seed-case-1-single-agent"),
        &spoiled("name"),
        &[],
    );
    assert_eq!(code, 1, "{}", report["cases"]);
    let d = &case(&report)["divergence"];
    assert_eq!(d["what"], "published");
    assert!(
        d["differences"].to_string().contains("TOPIC_STATE_CHANGED"),
        "{d}"
    );
    // A field the object model's Task does not have: an extra field, named by its path.
    let (code, report) = conform(
        vectors,
        Some("system/seed-case-1-single-agent"),
        &spoiled("field"),
        &[],
    );
    assert_eq!(code, 1, "{}", report["cases"]);
    let d = &case(&report)["divergence"];
    assert!(
        d["differences"]
            .to_string()
            .contains("cim.data.task.priority"),
        "{d}"
    );
}

#[test]
fn a_state_or_an_unknown_profile_is_an_adapter_error() {
    let vectors = whole_seconds();
    let (code, report) = conform(
        vectors,
        Some("system/seed-case-1-single-agent"),
        &spoiled("state"),
        &[],
    );
    assert_eq!(code, 2, "{}", report["cases"]);
    assert!(case(&report)["message"]
        .as_str()
        .unwrap()
        .contains("compares events only"));
    let (code, report) = conform(
        vectors,
        Some("system/seed-case-1-single-agent"),
        &spoiled("profile"),
        &[],
    );
    assert_eq!(code, 2, "{}", report["cases"]);
    assert!(case(&report)["message"]
        .as_str()
        .unwrap()
        .contains("unknown profile `vendor-xml`"));
}

fn runs(program: &str, arg: &str) -> bool {
    Command::new(program)
        .arg(arg)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

#[test]
fn the_java_adapter_that_speaks_only_the_vendors_json_passes_every_whole_second_vector() {
    let required = std::env::var("CXSPEC_REQUIRE_STARTERS").as_deref() == Ok("1");
    let gson = std::env::var("GSON_JAR").unwrap_or_else(|_| "/usr/share/java/gson.jar".into());
    if !runs("javac", "-version") || !runs("java", "-version") || !Path::new(&gson).is_file() {
        let what = format!("no JDK (javac, java) or no {gson} for the Java vendor adapter");
        assert!(!required, "CXSPEC_REQUIRE_STARTERS=1, but {what}");
        eprintln!("SKIPPED: {what} (set CXSPEC_REQUIRE_STARTERS=1 to make this a failure)");
        return;
    }
    let out =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("java-vendor-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let build = Command::new("sh")
        .current_dir(ROOT)
        .arg("conformance/adapters/java-vendor/build.sh")
        .arg(&out)
        .output()
        .expect("sh runs");
    assert!(
        build.status.success(),
        "build.sh failed:\n{}",
        String::from_utf8_lossy(&build.stderr)
    );
    let adapter = format!(
        "java -cp {} Adapter",
        quote(&format!("{}:{gson}", out.display()))
    );
    // Its engine is the reference in native JSON: the Java side does every translation.
    let engine = format!("{} conform --serve-reference", quote(CXSPEC));
    let vectors = whole_seconds();
    let (code, report) = conform(vectors, None, &adapter, &[("CXSPEC_ENGINE", &engine)]);
    assert_all_pass(code, &report, vectors);
    let _ = std::fs::remove_dir_all(&out);
}
