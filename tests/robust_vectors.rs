//! Bad input files against the conformance kit and `cxspec simulate`: symlink loops, FIFOs,
//! duplicate ids, oversized and deeply nested files, times outside the time domain,
//! vectors that skip a required advance, unknown enum values and rule IDs. Each must end,
//! quickly, in a malformed-input error naming the file, line and field (exit code 2), never
//! a panic, a hang, a wrapped deadline or a FAIL blamed on the implementation.
//!
//! The proptest at the end mutates real vectors (byte flips, truncations, duplicated and
//! deleted lines, deep nesting, huge numbers) and holds `load_dir` to the same promise.
//! Timings are never asserted: a generous watchdog only turns a hang into a failure.

#[path = "support/scratch.rs"]
mod scratch;
use cxspec_conformance::vector::{load_dir, Vector, VectorError};
use proptest::prelude::*;
use scratch::Scratch;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How long anything here may take before it counts as a hang (never a timing assertion).
const WATCHDOG: Duration = Duration::from_secs(30);

/// A committed vector's text, by `<suite>/<id>`.
fn committed(name: &str) -> String {
    std::fs::read_to_string(format!("conformance/vectors/{name}.yaml")).unwrap()
}

/// Runs the command line; a run past the watchdog is killed and fails the test.
fn cxspec(args: &[&std::ffi::OsStr]) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cxspec"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("runs");
    let start = Instant::now();
    loop {
        if child.try_wait().expect("waits").is_some() {
            break;
        }
        if start.elapsed() > WATCHDOG {
            let _ = child.kill();
            let _ = child.wait();
            panic!("cxspec {args:?} still running after {WATCHDOG:?}: a hang");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().expect("output");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn conform(dir: &Path) -> (i32, String, String) {
    cxspec(&["conform".as_ref(), "--vectors".as_ref(), dir.as_os_str()])
}

fn simulate(file: &Path) -> (i32, String, String) {
    cxspec(&["simulate".as_ref(), file.as_os_str()])
}

/// `load_dir` in a thread, so that a hang fails the test instead of blocking it.
fn load_dir_watched(dir: &Path) -> (Vec<Vector>, Vec<VectorError>) {
    let (send, receive) = mpsc::channel();
    let dir = dir.to_path_buf();
    std::thread::spawn(move || {
        let _ = send.send(load_dir(&dir));
    });
    match receive.recv_timeout(WATCHDOG) {
        Ok(result) => result.expect("the vectors directory reads"),
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("load_dir still running after {WATCHDOG:?}"),
        Err(mpsc::RecvTimeoutError::Disconnected) => panic!("load_dir panicked"),
    }
}

/// The 1-based line of the first line containing `needle`.
fn line_of(text: &str, needle: &str) -> usize {
    text.lines().position(|l| l.contains(needle)).unwrap() + 1
}

// ---- the folder walk ---------------------------------------------------------------

#[test]
fn symlink_loops_are_followed_once_and_never_loop() {
    use std::os::unix::fs::symlink;
    let dir = Scratch::new("robust", "symlinks");
    let outside = Scratch::new("robust", "symlinks-outside");
    dir.write(
        "system/seed-case-1-single-agent.yaml",
        &committed("system/seed-case-1-single-agent"),
    );
    outside.write(
        "sla/seed-case-2-no-agent-available.yaml",
        &committed("sla/seed-case-2-no-agent-available"),
    );
    // Two loops (a directory linking to itself and one linking to its parent), a second
    // name for a file, and a link to a directory outside the folder, which is followed.
    symlink(".", dir.path().join("system/again")).unwrap();
    symlink("..", dir.path().join("system/up")).unwrap();
    symlink(".", dir.path().join("loop")).unwrap();
    symlink(
        "seed-case-1-single-agent.yaml",
        dir.path().join("system/alias.yaml"),
    )
    .unwrap();
    symlink(outside.path().join("sla"), dir.path().join("sla")).unwrap();

    let (vectors, malformed) = load_dir_watched(dir.path());
    assert!(malformed.is_empty(), "{malformed:?}");
    let mut ids: Vec<String> = vectors
        .iter()
        .map(|v| format!("{}/{}", v.suite, v.id))
        .collect();
    ids.sort();
    assert_eq!(
        ids,
        [
            "sla/seed-case-2-no-agent-available",
            "system/seed-case-1-single-agent"
        ]
    );
    let (code, out, err) = conform(dir.path());
    assert_eq!(code, 0, "{out}\n{err}");
}

#[test]
fn a_fifo_named_yaml_is_malformed_and_never_opened() {
    let dir = Scratch::new("robust", "fifo");
    dir.write(
        "system/seed-case-1-single-agent.yaml",
        &committed("system/seed-case-1-single-agent"),
    );
    let fifo = dir.path().join("system/pipe.yaml");
    let c_path = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path; mkfifo only creates a file system node.
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o644) }, 0);

    let (code, out, err) = conform(dir.path());
    assert_eq!(code, 2, "{out}\n{err}");
    assert!(err.contains(&format!("{}", fifo.display())), "{err}");
    assert!(err.contains("not a regular file"), "{err}");
}

#[test]
fn duplicate_ids_in_a_suite_are_malformed_naming_both_files() {
    let dir = Scratch::new("robust", "duplicates");
    let text = committed("system/seed-case-1-single-agent");
    let first = dir.write("more/seed-case-1-single-agent.yaml", &text);
    let second = dir.write("system/seed-case-1-single-agent.yaml", &text);

    let (vectors, malformed) = load_dir_watched(dir.path());
    assert_eq!(vectors.len(), 1);
    assert_eq!(malformed.len(), 1, "{malformed:?}");
    let message = malformed[0].to_string();
    assert!(message.contains(&second.display().to_string()), "{message}");
    assert!(message.contains(&first.display().to_string()), "{message}");
    assert_eq!(malformed[0].field.as_deref(), Some("id"), "{message}");

    let (code, out, err) = conform(dir.path());
    assert_eq!(code, 2, "{out}\n{err}");
    assert!(err.contains(&first.display().to_string()), "{err}");
    assert!(err.contains(&second.display().to_string()), "{err}");
}

// ---- limits before parsing ---------------------------------------------------------

#[test]
fn deep_nesting_is_rejected_before_parsing_with_file_and_line() {
    let dir = Scratch::new("robust", "nesting");
    let text = committed("system/seed-case-1-single-agent");
    // 200 KB of flow nesting in one value, and block nesting by indentation in another file.
    let flow = text.replacen(
        "agents: 4",
        &format!("agents: {}{}", "[".repeat(100_000), "]".repeat(100_000)),
        1,
    );
    let flow_path = dir.write("system/seed-case-1-single-agent.yaml", &flow);
    let mut block = String::from("format: \"cxspec-vector/1\"\nid: deep\nsuite: system\nx:\n");
    for depth in 1..2_000 {
        block.push_str(&" ".repeat(depth));
        block.push_str("a:\n");
    }
    let block_path = dir.write("system/deep.yaml", &block);

    let (code, out, err) = conform(dir.path());
    assert_eq!(code, 2, "{out}\n{err}");
    let flow_line = line_of(&flow, "agents: [");
    assert!(
        err.contains(&format!("{}:{flow_line}:", flow_path.display())),
        "{err}"
    );
    assert!(err.contains("nest"), "{err}");
    assert!(err.contains(&format!("{}:", block_path.display())), "{err}");
}

#[test]
fn oversized_files_and_lines_are_rejected_before_parsing() {
    let dir = Scratch::new("robust", "oversized");
    let text = committed("system/seed-case-1-single-agent");
    let long_line = text.replacen("title: \"", &format!("title: \"{}", "x".repeat(100_000)), 1);
    let long_path = dir.write("system/seed-case-1-single-agent.yaml", &long_line);
    let mut big = text.clone();
    while big.len() <= 5 << 20 {
        big.push_str("# padding padding padding padding padding padding padding padding\n");
    }
    let big_path = dir.write("task/big.yaml", &big);

    let (vectors, malformed) = load_dir_watched(dir.path());
    assert!(vectors.is_empty());
    let find = |path: &Path| {
        malformed
            .iter()
            .find(|e| e.origin == path.display().to_string())
            .unwrap_or_else(|| panic!("no error for {}: {malformed:?}", path.display()))
    };
    let e = find(&long_path);
    assert_eq!(e.line, Some(line_of(&long_line, "title:")), "{e}");
    assert!(e.message.contains("line"), "{e}");
    let e = find(&big_path);
    assert!(e.message.contains("MiB"), "{e}");
}

#[test]
fn committed_vectors_stay_far_inside_the_limits() {
    use cxspec_spec::limits::{nesting_depth, MAX_FILE_BYTES, MAX_LINE_BYTES, MAX_NESTING};
    let files = cxspec_conformance::vector::find_files(Path::new("conformance/vectors")).unwrap();
    assert!(files.len() > 900);
    let (mut size, mut line, mut depth) = (0, 0, 0);
    for path in files {
        let text = std::fs::read_to_string(path).unwrap();
        size = size.max(text.len());
        line = line.max(text.lines().map(str::len).max().unwrap_or(0));
        depth = depth.max(nesting_depth(&text));
    }
    // Measured: about 20 KB, 1.8 KB and 7 levels. A quarter of each limit at most, so that
    // a generator change that needs more is a decision, not a surprise.
    assert!(size as u64 <= MAX_FILE_BYTES / 4, "{size} bytes");
    assert!(line <= MAX_LINE_BYTES / 4, "{line} bytes");
    assert!(depth <= MAX_NESTING / 4, "{depth} levels");
}

// ---- field names, rule IDs ---------------------------------------------------------

#[test]
fn unknown_enum_values_name_the_field_and_put_the_value_in_the_message() {
    let dir = Scratch::new("robust", "enums");
    let text = committed("system/seed-case-1-single-agent");
    let fax = text.replacen("channel: NON_VOICE}", "channel: FAX}", 1);
    let fax_path = dir.write("system/seed-case-1-single-agent.yaml", &fax);
    let event = committed("system/seed-case-2-no-agent-available").replacen(
        "event: BOT_MESSAGE",
        "event: BOT_MESAGE",
        1,
    );
    let event_path = dir.write("system/seed-case-2-no-agent-available.yaml", &event);

    let (code, out, err) = conform(dir.path());
    assert_eq!(code, 2, "{out}\n{err}");
    assert!(
        err.contains(&format!(
            "{}:{}: field `steps[0].input.channel`: unknown variant `FAX`",
            fax_path.display(),
            line_of(&fax, "FAX")
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "{}:{}: field `steps[1].input.event`: unknown variant `BOT_MESAGE`",
            event_path.display(),
            line_of(&event, "BOT_MESAGE")
        )),
        "{err}"
    );
    assert!(!err.contains("field `FAX`"), "{err}");
}

#[test]
fn unknown_rule_ids_in_a_scenario_file_are_malformed() {
    let dir = Scratch::new("robust", "scenario-rules");
    let text = "name: mine\ntitle: a file\nrules: [SLA-02, SLA-99]\nsteps:\n  - at_ms: 0\n    event: SESSION_STARTED\n    session: 1\n    channel: NON_VOICE\n";
    let path = dir.write("mine.yaml", text);
    let (code, out, err) = simulate(&path);
    assert_eq!(code, 2, "{out}\n{err}");
    assert!(
        err.contains(&format!("{}:3: field `rules`", path.display())),
        "{err}"
    );
    assert!(err.contains("SLA-99"), "{err}");
}

// ---- time --------------------------------------------------------------------------

/// Adds `offset` (wrapping, as the old arithmetic did) to every number after `key: `.
fn shift(text: &str, key: &str, offset: u64) -> String {
    let needle = format!("{key}: ");
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find(&needle) {
        let start = at + needle.len();
        out.push_str(&rest[..start]);
        let digits = rest[start..]
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len() - start);
        let n: u64 = rest[start..start + digits].parse().unwrap();
        out.push_str(&n.wrapping_add(offset).to_string());
        rest = &rest[start + digits..];
    }
    out.push_str(rest);
    out
}

#[test]
fn times_beyond_the_time_domain_are_malformed_never_wrapped() {
    let dir = Scratch::new("robust", "huge-times");
    // The first step of a case moved to just below u64::MAX, expecting the deadline that
    // wrapping arithmetic computes (150000 - 1001): the old reference agreed, and it passed.
    let case = committed("system/seed-case-1-single-agent");
    let second_step = case.match_indices("- at_ms:").nth(1).unwrap().0;
    let offset = u64::MAX - 1000;
    let text = shift(
        &shift(&case[..second_step], "at_ms", offset),
        "deadline_ms",
        offset,
    );
    assert!(text.contains("deadline_ms: 148999}"), "{text}");
    let path = dir.write("system/seed-case-1-single-agent.yaml", &text);

    let (code, out, err) = conform(dir.path());
    assert_eq!(code, 2, "{out}\n{err}");
    assert!(
        err.contains(&format!(
            "{}:{}: field `steps[0].at_ms`",
            path.display(),
            line_of(&text, "- at_ms:")
        )),
        "{err}"
    );
    assert!(err.contains("9007199254740991"), "{err}");

    // A scenario file the same.
    let scenario = format!(
        "name: late\ntitle: late\nsteps:\n  - at_ms: {}\n    event: SESSION_STARTED\n    session: 1\n    channel: NON_VOICE\n",
        u64::MAX - 1000
    );
    let path = dir.write("late.yaml", &scenario);
    let (code, out, err) = simulate(&path);
    assert_eq!(code, 2, "{out}\n{err}");
    assert!(
        err.contains(&format!("{}:4: field `steps[0].at_ms`", path.display())),
        "{err}"
    );
}

#[test]
fn a_vector_that_skips_a_required_advance_is_malformed_not_a_fail() {
    let dir = Scratch::new("robust", "skipped-advance");
    // seed-case-4: a queue transfer at 6000 ms arms the request TTL; an advance to 126000
    // fires it. Remove that advance and put an input after the deadline.
    let text = committed("system/seed-case-4-transfer-no-agent");
    let advance = text.find("- at_ms: 126000\n  advance: true\n").unwrap();
    let mut broken = text[..advance].to_string();
    broken.push_str(
        "- at_ms: 130000\n  input: {event: CUSTOMER_MESSAGE, session: 1}\n  expect:\n    published: []\n",
    );
    let path = dir.write("system/seed-case-4-transfer-no-agent.yaml", &broken);
    let step = broken.matches("- at_ms:").count() - 1;

    let (code, out, err) = conform(dir.path());
    assert_eq!(code, 2, "{out}\n{err}");
    assert!(
        err.contains(&format!(
            "{}:{}: field `steps[{step}].at_ms`",
            path.display(),
            line_of(&broken, "- at_ms: 130000")
        )),
        "{err}"
    );
    assert!(err.contains("advance"), "{err}");
}

// ---- fuzz --------------------------------------------------------------------------

/// A sample of the committed vectors, every suite, short and long.
fn sample_files() -> Vec<(String, String)> {
    let mut files: Vec<PathBuf> =
        cxspec_conformance::vector::find_files(Path::new("conformance/vectors")).unwrap();
    files.sort();
    files
        .iter()
        .step_by(23)
        .map(|p| {
            let relative = p
                .strip_prefix("conformance/vectors")
                .unwrap()
                .display()
                .to_string();
            (relative, std::fs::read_to_string(p).unwrap())
        })
        .collect()
}

#[derive(Clone, Debug)]
enum Mutation {
    FlipBytes(Vec<(prop::sample::Index, u8)>),
    Truncate(prop::sample::Index),
    DuplicateLine(prop::sample::Index),
    DeleteLine(prop::sample::Index),
    Nest {
        line: prop::sample::Index,
        depth: usize,
        flow: bool,
    },
    HugeNumber {
        which: prop::sample::Index,
        value: String,
    },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8)
            .prop_map(Mutation::FlipBytes),
        any::<prop::sample::Index>().prop_map(Mutation::Truncate),
        any::<prop::sample::Index>().prop_map(Mutation::DuplicateLine),
        any::<prop::sample::Index>().prop_map(Mutation::DeleteLine),
        (any::<prop::sample::Index>(), 1usize..20_000, any::<bool>())
            .prop_map(|(line, depth, flow)| Mutation::Nest { line, depth, flow }),
        (
            any::<prop::sample::Index>(),
            prop_oneof![
                Just(u64::MAX.to_string()),
                Just((1u64 << 53).to_string()),
                Just("18446744073709551616".to_string()),
                Just("1000000000000000000000000000000".to_string()),
                Just("-1".to_string()),
                Just("1e300".to_string()),
                (0u64..u64::MAX).prop_map(|n| n.to_string()),
            ]
        )
            .prop_map(|(which, value)| Mutation::HugeNumber { which, value }),
    ]
}

fn apply(text: &str, mutation: &Mutation) -> Vec<u8> {
    let mut bytes = text.as_bytes().to_vec();
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    match mutation {
        Mutation::FlipBytes(flips) => {
            for (at, value) in flips {
                let i = at.index(bytes.len());
                bytes[i] = *value;
            }
            bytes
        }
        Mutation::Truncate(at) => {
            bytes.truncate(at.index(bytes.len()));
            bytes
        }
        Mutation::DuplicateLine(at) => {
            let i = at.index(lines.len());
            let mut out = lines.clone();
            out.insert(i, lines[i]);
            out.concat().into_bytes()
        }
        Mutation::DeleteLine(at) => {
            let mut out = lines.clone();
            out.remove(at.index(lines.len()));
            out.concat().into_bytes()
        }
        Mutation::Nest { line, depth, flow } => {
            let i = line.index(lines.len());
            let nested = if *flow {
                // Inside the line's value when it has one, else as a line of its own.
                let (open, close) = ("[".repeat(*depth), "]".repeat(*depth));
                match lines[i].find(": ") {
                    Some(colon) => format!(
                        "{}{open}{}{close}\n",
                        &lines[i][..colon + 2],
                        lines[i][colon + 2..].trim_end()
                    ),
                    None => format!("{open}{close}\n{}", lines[i]),
                }
            } else {
                let mut s = lines[i].to_string();
                for d in 1..=(*depth).min(3_000) {
                    s.push_str(&" ".repeat(d));
                    s.push_str("- k:\n");
                }
                s
            };
            let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
            out[i] = nested;
            out.concat().into_bytes()
        }
        Mutation::HugeNumber { which, value } => {
            let numbers: Vec<usize> = text
                .match_indices(|c: char| c.is_ascii_digit())
                .filter(|(i, _)| *i == 0 || !text.as_bytes()[i - 1].is_ascii_digit())
                .map(|(i, _)| i)
                .collect();
            if numbers.is_empty() {
                return bytes;
            }
            let start = numbers[which.index(numbers.len())];
            let end = text[start..]
                .find(|c: char| !c.is_ascii_digit())
                .map_or(text.len(), |n| start + n);
            format!("{}{value}{}", &text[..start], &text[end..]).into_bytes()
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// Every mutated file is a valid vector or an error naming that file, and `load_dir`
    /// returns (no panic, no hang).
    #[test]
    fn mutated_vectors_load_or_are_reported_by_file(
        picks in prop::collection::vec((any::<prop::sample::Index>(), mutation()), 1..4)
    ) {
        let samples = sample_files();
        let dir = Scratch::new("robust", "fuzz");
        let mut written = Vec::new();
        for (pick, mutation) in &picks {
            let (relative, text) = &samples[pick.index(samples.len())];
            let path = dir.path().join(relative);
            if written.contains(&path) {
                continue;
            }
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, apply(text, mutation)).unwrap();
            written.push(path);
        }
        let (vectors, malformed) = load_dir_watched(dir.path());
        let loaded: Vec<PathBuf> = vectors.iter().map(|v| dir.path().join(v.relative_path())).collect();
        for path in &written {
            let origin = path.display().to_string();
            let errors = malformed.iter().filter(|e| e.origin == origin).count();
            let good = loaded.iter().filter(|p| *p == path).count();
            prop_assert_eq!(errors + good, 1, "{} is neither loaded nor reported once: {:?}", origin, malformed);
        }
        prop_assert_eq!(vectors.len() + malformed.len(), written.len(), "{:?}", malformed);
    }
}
