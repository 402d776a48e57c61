//! `cxspec replay --format cim` on the vendor's own event stream, written from the engine
//! under the `vendor-code` rule set by `cxspec simulate-log --format cim`: the log conforms
//! under the rules it was written under, with and without correlation ids and with late
//! events; under `specified` it is flagged with the vendor-code deviations; a divergence
//! planted in it is found in its conversation; malformed lines are named by file and line
//! and the run goes on to exit 2.

use std::io::Write;
use std::process::Command;

fn cxspec(args: &[&str], stdin: Option<&str>) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cxspec"))
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("runs");
    let input = stdin.unwrap_or("").to_string();
    let mut pipe = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let _ = pipe.write_all(input.as_bytes());
    });
    let out = child.wait_with_output().expect("runs");
    writer.join().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A vendor-format log of `conversations` live conversations over 15 minutes, under
/// `vendor-code`, with `extra` flags; and the stimuli and events the writer reported.
fn vendor_log(dir: &std::path::Path, name: &str, extra: &[&str]) -> (String, u64) {
    let path = dir.join(name);
    let path_text = path.to_str().unwrap();
    let mut args = vec![
        "simulate-log",
        "--conversations",
        "60",
        "--duration-s",
        "900",
        "--rules",
        "vendor-code",
        "--format",
        "cim",
        "-o",
        path_text,
    ];
    args.extend_from_slice(extra);
    let (code, _, err) = cxspec(&args, None);
    assert_eq!(code, 0, "{err}");
    // "wrote FILE: N stimuli, M published events, ..."
    let tail = err.split(": ").nth(1).expect("the writer's summary");
    let numbers: Vec<u64> = tail
        .split(|c: char| !c.is_ascii_digit())
        .filter(|w| !w.is_empty())
        .map(|w| w.parse().unwrap())
        .collect();
    assert!(numbers.len() >= 2, "{err}");
    (
        std::fs::read_to_string(&path).unwrap(),
        numbers[0] + numbers[1],
    )
}

fn tempdir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("cxspec-replay-cim-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `N records in` from the report's first line.
fn records(out: &str) -> u64 {
    let head = out.lines().next().unwrap();
    let at = head.find(" records in ").expect(head);
    head[..at].rsplit(' ').next().unwrap().parse().unwrap()
}

fn summary_count(out: &str, word: &str) -> u64 {
    let line = out
        .lines()
        .find(|l| l.starts_with("summary:"))
        .expect("a summary");
    let at = line
        .find(word)
        .unwrap_or_else(|| panic!("{word} in {line}"));
    line[..at]
        .trim_end()
        .rsplit(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

#[test]
fn a_vendor_code_log_in_the_vendor_format_conforms_under_vendor_code() {
    let dir = tempdir("conforms");
    for (name, extra) in [
        ("correlated.jsonl", &[][..]),
        // No correlation ids, and events up to a second late: the follow-ups are found by
        // the events alone, and the tolerance takes the lateness.
        (
            "plain.jsonl",
            &["--no-correlation", "--jitter-ms", "1000"][..],
        ),
    ] {
        let (log, written) = vendor_log(&dir, name, extra);
        let file = dir.join(name);
        let (code, out, _) = cxspec(
            &[
                "replay",
                file.to_str().unwrap(),
                "--format",
                "cim",
                "--rules",
                "vendor-code",
            ],
            None,
        );
        assert_eq!(code, 0, "{name}: {out}");
        assert_eq!(summary_count(&out, "diverge"), 0, "{out}");
        assert!(summary_count(&out, "conform") >= 40, "{out}");
        // Every stimulus came back from the vendor's events and commands, and every event:
        // the reader lost nothing and invented nothing.
        assert_eq!(records(&out), written, "{name}: {out}");
        assert!(log.contains("\"name\":\"TASK_STATE_CHANGED\""));
        assert_eq!(log.contains("JMSCorrelationID"), extra.is_empty(), "{name}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn under_specified_the_vendor_code_log_is_flagged_with_its_deviations() {
    let dir = tempdir("specified");
    let (log, _) = vendor_log(&dir, "log.jsonl", &[]);
    let (code, json, _) = cxspec(
        &[
            "replay",
            "-",
            "--format",
            "cim",
            "--report",
            "json",
            "--explain-limit",
            "100000",
        ],
        Some(&log),
    );
    assert_eq!(code, 1, "{json}");
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    let explained = report["summary"]["explained_by"]
        .as_object()
        .expect("explanations");
    // The workload's named transfers and ended chats show VC-04 and VC-07 (its queue
    // reservations VC-01 too, but the event order within one step is not judged).
    for deviation in ["VC-04", "VC-07"] {
        assert!(
            explained
                .get(deviation)
                .and_then(|n| n.as_u64())
                .unwrap_or(0)
                > 0,
            "{deviation}: {explained:?}"
        );
    }
    // Of every rule set and reading, the rules it was written under fit it best, all of it.
    let (code, fit, _) = cxspec(&["replay", "-", "--format", "cim", "--fit"], Some(&log));
    assert_eq!(code, 0, "the best fit conforms: {fit}");
    let best = fit
        .lines()
        .find(|l| l.starts_with("best fit: "))
        .expect("a best fit");
    assert!(best.starts_with("best fit: vendor-code ("), "{fit}");
    let (conforming, judged) = best
        .split_once(" (")
        .and_then(|(_, rest)| rest.split_once(" of "))
        .map(|(a, b)| (a.to_string(), b.split(' ').next().unwrap().to_string()))
        .expect("N of M");
    assert_eq!(conforming, judged, "{best}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_divergence_planted_in_a_vendor_log_is_found_in_its_conversation() {
    let dir = tempdir("planted");
    let (log, _) = vendor_log(&dir, "log.jsonl", &[]);
    // Drop the first CUSTOMER_SLA_STOPPED the Conversation Monitor published.
    let lines: Vec<&str> = log.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.contains("\"name\":\"CUSTOMER_SLA_STOPPED\""))
        .expect("the workload stops customer SLAs");
    let conversation = serde_json::from_str::<serde_json::Value>(lines[at]).unwrap()
        ["conversationId"]
        .as_str()
        .unwrap()
        .to_string();
    let planted: String = lines
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != at)
        .map(|(_, l)| format!("{l}\n"))
        .collect();
    let (code, out, _) = cxspec(
        &["replay", "-", "--format", "cim", "--rules", "vendor-code"],
        Some(&planted),
    );
    assert_eq!(code, 1, "{out}");
    assert_eq!(summary_count(&out, "diverge"), 1, "{out}");
    let verdict = out
        .lines()
        .find(|l| l.starts_with("DIVERGES"))
        .expect("one diverging conversation");
    assert!(verdict.contains(&conversation), "{verdict}");
    assert!(verdict.contains(": missing at "), "{verdict}");
    assert!(out.contains("expected: CUSTOMER_SLA_STOPPED"), "{out}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn malformed_vendor_lines_are_named_by_file_and_line_and_the_run_goes_on_to_exit_2() {
    let dir = tempdir("malformed");
    let (log, _) = vendor_log(&dir, "log.jsonl", &[]);
    let mut lines: Vec<String> = log.lines().map(str::to_string).collect();
    // Line 3: an event name of neither catalogue; line 5: not JSON; and the last line: a
    // TASK_STATE_CHANGED whose task is not an object. The records around them read as usual.
    lines.insert(
        2,
        r#"{"conversationId":"c0a7ffffffffffffffffffff","timestamp":1700000000000,"name":"TASK_STATE_CHANGD"}"#
            .to_string(),
    );
    lines.insert(4, "{\"conversationId\":".to_string());
    lines.push(
        r#"{"conversationId":"c0a7ffffffffffffffffffff","timestamp":1700000000000,"name":"TASK_STATE_CHANGED","data":{"task":7}}"#
            .to_string(),
    );
    let last = lines.len();
    let file = dir.join("bad.jsonl");
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();
    let path = file.to_str().unwrap();
    let (code, out, _) = cxspec(
        &["replay", path, "--format", "cim", "--rules", "vendor-code"],
        None,
    );
    assert_eq!(code, 2, "{out}");
    assert!(
        out.contains(&format!(
            "MALFORMED   {path}:3: field `name`: unknown event `TASK_STATE_CHANGD`"
        )),
        "{out}"
    );
    assert!(
        out.contains(&format!("MALFORMED   {path}:5: not a JSON log record")),
        "{out}"
    );
    assert!(
        out.contains(&format!("MALFORMED   {path}:{last}: field `data`")),
        "{out}"
    );
    assert!(out.contains("malformed lines: 3"), "{out}");
    // The run went on: the log's conversations were all judged, none diverges.
    assert_eq!(summary_count(&out, "diverge"), 0, "{out}");
    assert!(summary_count(&out, "conform") >= 40, "{out}");
    std::fs::remove_dir_all(&dir).unwrap();
}
