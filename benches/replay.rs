//! Replay benchmark: `cxspec replay`'s core (`cxspec_conformance::replay::replay`) on a
//! generated log, parsing included: the bytes of a `jsonl` log in memory, read line by line,
//! parsed, reordered, stepped through the engine on the timing wheel, matched against the
//! spec's expectations with the tolerance, monitored, and judged per conversation.
//!
//! The log: the timer-path workload (`cxspec_conformance::workload`) under `specified`, with
//! 100k live conversations (10k with `CXSPEC_BENCH_QUICK=1`) whose starts are spread over the
//! first minute, recorded for 150 simulated seconds by `cxspec simulate-log`'s writer with a
//! jitter of up to 200 ms; so the replay holds 100k open conversations from the first minute
//! on. Every conversation of it conforms (checked once before timing: a benchmark of a replay
//! that finds divergences would measure the explanations instead). One criterion iteration is
//! one whole replay of the log; `Throughput::Elements(records)` makes criterion print records
//! per second. Timed by this thread's CPU time (`benches/support/clock.rs`;
//! `CXSPEC_BENCH_CLOCK=wall` for wall time), since the machine is shared. At the end the
//! peak resident set size of the process is printed (it includes the log's bytes). The log
//! is replayed as `cxspec replay FILE` replays a file: one that can be read again.
//!
//! Left out: reading from a file or a pipe (the log is in memory), the report's formatting,
//! and logs with divergences.

use std::io::BufReader;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput};
use cxspec_conformance::replay::format::JsonLines;
use cxspec_conformance::replay::judge::Options;
use cxspec_conformance::replay::simulate::{write_log, LogFormat, SimulateOptions};
use cxspec_conformance::replay::{replay_reopenable, Outcome};
use cxspec_conformance::suite::Suite;
use cxspec_spec::{RuleSet, Rules};

#[path = "support/clock.rs"]
mod clock;
use clock::Stopwatch;

fn quick() -> bool {
    std::env::var_os("CXSPEC_BENCH_QUICK").is_some()
}

/// As `cxspec replay FILE` runs it: a log that can be read again (diverging conversations,
/// none here, would be re-judged from a second reading).
fn run(log: &[u8]) -> Outcome {
    let opts = Options::new(
        Suite::System,
        Rules::from(RuleSet::Specified),
        Default::default(),
    );
    let reopen =
        || -> std::io::Result<Box<dyn std::io::BufRead + '_>> { Ok(Box::new(BufReader::new(log))) };
    replay_reopenable(
        &reopen,
        "bench",
        &mut JsonLines,
        vec![opts],
        false,
        &mut |_, _| {},
    )
    .expect("in memory")
    .pop()
    .expect("one replay")
}

fn peak_rss_mib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024)
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    let n = if quick() { 10_000 } else { 100_000 };
    let started = std::time::Instant::now();
    let mut log = Vec::new();
    let written = write_log(
        &SimulateOptions {
            conversations: n,
            duration_ms: 150_000,
            rules: Rules::from(RuleSet::Specified),
            jitter_ms: 200,
            seed: 13,
            format: LogFormat::Jsonl,
        },
        &mut log,
    )
    .expect("the workload generates");
    let records = written.stimuli + written.events;
    let check = run(&log);
    assert_eq!(check.malformed_count, 0);
    assert_eq!(check.summary.records, records);
    assert_eq!(
        check.summary.diverges, 0,
        "the generated specified log conforms"
    );
    eprintln!(
        "replay/{n}: log of {records} records ({:.0} MiB, {} stimuli, {} events) generated in {:.1} s; \
         {} conversations judged: {} conform, {} incomplete (open at the end)",
        log.len() as f64 / (1 << 20) as f64,
        written.stimuli,
        written.events,
        started.elapsed().as_secs_f64(),
        check.summary.conversations,
        check.summary.conforms,
        check.summary.incomplete,
    );
    drop(check);
    let mut group = c.benchmark_group("replay");
    group
        .throughput(Throughput::Elements(records))
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(if quick() { 3 } else { 20 }));
    group.bench_function(
        BenchmarkId::new("specified", format!("{}k-live", n / 1000)),
        |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let watch = Stopwatch::start();
                    let outcome = run(&log);
                    total += watch.elapsed();
                    assert_eq!(outcome.summary.records, records);
                }
                total
            })
        },
    );
    group.finish();
    if let Some(mib) = peak_rss_mib() {
        eprintln!("replay/{n}: peak RSS {mib} MiB (log bytes included)");
    }
    c.final_summary();
}
