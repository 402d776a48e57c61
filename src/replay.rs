//! `cxspec replay`: checks a recorded event log against the spec, per conversation
//! (`cxspec_conformance::replay`, `conformance/REPLAY.md`); `cxspec simulate-log` writes
//! such a log from the timer-path workload under any rules, with optional jitter.
//!
//! Exit codes: 0 every judged conversation conforms, 1 some diverge, 2 a usage or input
//! error (malformed log lines included: they are reported with file and line, and the run
//! goes on to the end).

use crate::check::Meter;
use crate::conform::ReportFormat;
use cxspec_conformance::output::{ready_to_write, write_atomic};
use cxspec_conformance::replay::format::{format_named, Format};
use cxspec_conformance::replay::judge::{
    Options, DEFAULT_CHAIN_LIMIT, DEFAULT_EXPLAIN_LIMIT, DEFAULT_TOLERANCE_MS,
};
use cxspec_conformance::replay::simulate::{write_log, LogFormat, SimulateOptions};
use cxspec_conformance::replay::{self, report, Outcome};
use cxspec_conformance::suite::Suite;
use cxspec_spec::{Config, Reading, Readings, RuleSet, Rules};
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct ReplayArgs {
    /// The log: newline-delimited JSON (conformance/REPLAY.md); `-` or nothing reads stdin.
    #[arg(default_value = "-")]
    log: String,
    /// The component under test: sla, task or conversation (the others' events are context);
    /// system checks every event.
    #[arg(long, default_value = "system")]
    check: Suite,
    /// Rule set the log is checked against: specified, documented, as-implemented or
    /// vendor-code.
    #[arg(long, default_value = "specified")]
    rules: RuleSet,
    /// A reading on top of the rule set, e.g. R-03=agent-sla-started (repeatable; see
    /// `cxspec readings list`).
    #[arg(long = "reading", value_name = "R-nn=ALTERNATIVE")]
    readings: Vec<String>,
    /// The platform's configuration (YAML, the `config` of conformance/FORMAT.md). Default:
    /// the log's `{"config": ...}` header line, else the spec's default configuration.
    #[arg(long)]
    config: Option<PathBuf>,
    /// How late a timer event may be after its deadline (and how far apart an event and
    /// its stimulus, or two conversations' records, may be), in ms.
    #[arg(long, default_value_t = DEFAULT_TOLERANCE_MS)]
    tolerance_ms: u64,
    /// Report format.
    #[arg(long, value_enum, default_value = "human")]
    report: ReportFormat,
    /// Write the report to this file (atomically) instead of stdout; the summary still goes
    /// to stdout.
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Log format: jsonl (cxspec's objects) or cim (the vendor's CimEvent stream, read through
    /// the vendor profile's mapping; conformance/REPLAY.md, "The vendor's stream").
    #[arg(long, default_value = "jsonl")]
    format: String,
    /// List conforming conversations too (memory then grows with the log).
    #[arg(long)]
    list_conforming: bool,
    /// Explain at most this many divergences (each re-runs its conversation under every
    /// other rule set and reading).
    #[arg(long, default_value_t = DEFAULT_EXPLAIN_LIMIT)]
    explain_limit: u64,
    /// After an explained divergence, judge the conversation again under the rules that
    /// explain it, up to this many times (0: off).
    #[arg(long, default_value_t = DEFAULT_CHAIN_LIMIT)]
    chain_limit: usize,
    /// Try every rule set and every reading alternative on top of --rules and --reading,
    /// and rank them by how many conversations conform (human or json report).
    #[arg(long)]
    fit: bool,
}

#[derive(clap::Args)]
pub struct SimulateLogArgs {
    /// Live conversations at any time (each closed one is replaced by a new one).
    #[arg(long, default_value_t = 20)]
    conversations: usize,
    /// Simulated time to record, in seconds.
    #[arg(long, default_value_t = 600)]
    duration_s: u64,
    /// Rule set the platform follows: specified, documented, as-implemented or vendor-code.
    #[arg(long, default_value = "specified")]
    rules: RuleSet,
    /// A reading on top of the rule set, e.g. R-03=agent-sla-started (repeatable).
    #[arg(long = "reading", value_name = "R-nn=ALTERNATIVE")]
    readings: Vec<String>,
    /// Delay each published event by 0 to N ms (a timer loop or a bus running late).
    #[arg(long, default_value_t = 0)]
    jitter_ms: u64,
    /// Seed of the workload's choices.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Write the log to this file (atomically); `-` or nothing writes to stdout.
    #[arg(long, short, default_value = "-")]
    output: String,
    /// Log format: jsonl, or cim (the vendor's CimEvent stream, as `replay --format cim`
    /// reads it).
    #[arg(long, default_value = "jsonl")]
    format: String,
    /// With --format cim: write no JMSCorrelationID (the reader then finds a cascade's
    /// follow-ups by the events alone).
    #[arg(long)]
    no_correlation: bool,
}

fn input_error(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(2)
}

fn parse_readings(texts: &[String]) -> Result<Readings, String> {
    let mut readings = Readings::NONE;
    for text in texts {
        readings = readings
            .parse_one(text)
            .map_err(|e| format!("--reading {e}"))?;
    }
    Ok(readings)
}

/// Every rule set, then every reading alternative not taken by `base`, on top of `base`.
fn candidates(base: Rules) -> Vec<Rules> {
    let mut all: Vec<Rules> = RuleSet::ALL
        .iter()
        .map(|set| Rules::new(*set, base.readings))
        .collect();
    for &reading in Reading::ALL.iter().filter(|r| !r.names_only()) {
        let taken = base.reads(reading);
        for alternative in reading.alternatives().iter().filter(|a| a.name != taken) {
            let index = reading.alternative(alternative.name).expect("listed");
            all.push(Rules::new(base.set, base.readings.with(reading, index)));
        }
    }
    all.dedup();
    all
}

/// Replays the log named on the command line: stdin in one pass; a file through
/// [`replay::replay_reopenable`], which reads it again for the conversations it re-judges.
fn replay_log(
    log: &str,
    format: &mut dyn Format,
    options: Vec<Options>,
    config_given: bool,
) -> Result<(Vec<Outcome>, String), String> {
    let mut meter = Progress::new();
    let mut progress = |lines, open| meter.tick(lines, open);
    let path = std::path::Path::new(log);
    // Only a regular file is read twice: a FIFO or a device would block or give other lines.
    let regular = log != "-" && std::fs::metadata(path).is_ok_and(|m| m.is_file());
    if path.is_dir() {
        return Err(format!("{log}: a directory, not a log file"));
    }
    let result = if regular {
        // Opened once here, so that an unreadable file is named before anything runs.
        std::fs::File::open(path).map_err(|e| format!("{log}: {e}"))?;
        let reopen = || -> std::io::Result<Box<dyn BufRead>> {
            Ok(Box::new(BufReader::with_capacity(
                1 << 16,
                std::fs::File::open(path)?,
            )))
        };
        replay::replay_reopenable(&reopen, log, format, options, config_given, &mut progress)
            .map_err(|e| format!("{log}: {e}"))
            .map(|o| (o, log.to_string()))
    } else {
        let (reader, origin): (Box<dyn BufRead>, &str) = if log == "-" {
            (
                Box::new(BufReader::with_capacity(1 << 16, std::io::stdin())),
                "<stdin>",
            )
        } else {
            let file = std::fs::File::open(path).map_err(|e| format!("{log}: {e}"))?;
            (Box::new(BufReader::with_capacity(1 << 16, file)), log)
        };
        replay::replay_many(reader, origin, format, options, config_given, &mut progress)
            .map_err(|e| format!("{origin}: {e}"))
            .map(|o| (o, origin.to_string()))
    };
    drop(meter);
    result
}

/// A progress line on stderr for long replays (in place on a terminal, else every 10 s),
/// cleared when dropped, before the report is printed.
struct Progress {
    meter: Meter,
    started: std::time::Instant,
    last: std::time::Instant,
}

impl Progress {
    fn new() -> Progress {
        let now = std::time::Instant::now();
        Progress {
            meter: Meter::new(),
            started: now,
            last: now,
        }
    }

    fn tick(&mut self, lines: u64, open: usize) {
        if self.last.elapsed() >= self.meter.every() {
            self.last = std::time::Instant::now();
            let secs = self.started.elapsed().as_secs_f64();
            self.meter.show_line(&format!(
                "replay: {lines} lines, {open} conversations open, {:.0} lines/s, {secs:.0} s",
                lines as f64 / secs
            ));
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.meter.clear();
    }
}

fn emit(text: &str, output: &Option<PathBuf>, last_lines: usize) -> Result<(), String> {
    match output {
        Some(path) => {
            write_atomic(path, text.as_bytes()).map_err(|e| e.to_string())?;
            let lines: Vec<&str> = text.lines().collect();
            for l in &lines[lines.len().saturating_sub(last_lines)..] {
                println!("{l}");
            }
        }
        None => print!("{text}"),
    }
    Ok(())
}

pub fn run(args: ReplayArgs) -> ExitCode {
    let readings = match parse_readings(&args.readings) {
        Ok(r) => r,
        Err(e) => return input_error(e),
    };
    let rules = Rules::new(args.rules, readings);
    let config = match &args.config {
        Some(path) => {
            let origin = path.display().to_string();
            match cxspec_spec::limits::read_file(path)
                .map_err(|e| e.to_string())
                .and_then(|text| Config::from_yaml(&text, &origin).map_err(|e| e.to_string()))
            {
                Ok(c) => Some(c),
                Err(e) => return input_error(format!("--config {e}")),
            }
        }
        None => None,
    };
    if let Some(path) = &args.output {
        if let Err(e) = ready_to_write(path) {
            return input_error(format!("--output {e}"));
        }
    }
    if args.fit && args.report == ReportFormat::Junit {
        return input_error("--fit ranks rule sets and readings: use --report human or json");
    }
    let mut format = match format_named(&args.format) {
        Ok(f) => f,
        Err(e) => return input_error(format!("--format {e}")),
    };
    let config_given = config.is_some();
    let mut opts = Options::new(args.check, rules, config.unwrap_or_default());
    opts.tolerance_ms = args.tolerance_ms;
    opts.list_conforming = args.list_conforming;
    opts.explain_limit = args.explain_limit;
    opts.chain_limit = args.chain_limit;
    if args.fit {
        opts.explain_limit = 0;
        opts.list_conforming = false;
        let all: Vec<Options> = candidates(rules)
            .into_iter()
            .map(|r| Options {
                rules: r,
                ..opts.clone()
            })
            .collect();
        return match replay_log(&args.log, format.as_mut(), all, config_given) {
            Ok((outcomes, origin)) => fit_report(&outcomes, &origin, &args),
            Err(e) => input_error(e),
        };
    }
    let (outcome, origin) = match replay_log(&args.log, format.as_mut(), vec![opts], config_given) {
        Ok((mut o, origin)) => (o.pop().expect("one replay"), origin),
        Err(e) => return input_error(e),
    };
    let text = match args.report {
        ReportFormat::Human => report::human(&outcome, &origin),
        ReportFormat::Json => report::json(&outcome, &origin),
        ReportFormat::Junit => report::junit(&outcome, &origin),
    };
    let summary_lines = report::human(&outcome, &origin);
    let tail: Vec<&str> = summary_lines.lines().collect();
    let summary_start = tail
        .iter()
        .rposition(|l| l.starts_with("summary: "))
        .unwrap_or(0);
    if let Err(e) = emit(&text, &args.output, 0) {
        return input_error(e);
    }
    if args.output.is_some() {
        for l in &tail[summary_start..] {
            println!("{l}");
        }
    }
    for m in &outcome.malformed {
        eprintln!("malformed: {m}");
    }
    ExitCode::from(replay::exit_code(&outcome))
}

/// The `--fit` ranking: most conversations conforming first, then fewest diverging, then
/// the candidates' order (rule sets, then readings in catalogue order).
fn fit_report(outcomes: &[Outcome], origin: &str, args: &ReplayArgs) -> ExitCode {
    let mut order: Vec<usize> = (0..outcomes.len()).collect();
    order.sort_by_key(|&i| {
        let s = &outcomes[i].summary;
        (std::cmp::Reverse(s.conforms), s.diverges, i)
    });
    let first = &outcomes[0];
    let best = &outcomes[order[0]];
    let text = match args.report {
        ReportFormat::Json => {
            let ranking: Vec<serde_json::Value> = order
                .iter()
                .map(|&i| {
                    let s = &outcomes[i].summary;
                    serde_json::json!({
                        "rules": outcomes[i].options.rules.label(),
                        "conforms": s.conforms,
                        "diverges": s.diverges,
                        "incomplete": s.incomplete,
                    })
                })
                .collect();
            serde_json::to_string_pretty(&serde_json::json!({
                "tool": "cxspec replay --fit",
                "log": origin,
                "check": first.options.check.name(),
                "tolerance_ms": first.options.tolerance_ms,
                "records": first.summary.records,
                "conversations": first.summary.conversations,
                "malformed": first.malformed_count,
                "ranking": ranking,
            }))
            .expect("reports serialise")
                + "\n"
        }
        ReportFormat::Human | ReportFormat::Junit => {
            let mut s = format!(
                "cxspec replay --fit: {origin}, {} records, {} conversations; check: {}; tolerance: {} ms; {} candidates\n",
                first.summary.records,
                first.summary.conversations,
                first.options.check,
                first.options.tolerance_ms,
                outcomes.len()
            );
            s.push_str("rank  conform  diverge  incomplete  rules\n");
            for (rank, &i) in order.iter().enumerate() {
                let o = &outcomes[i];
                s.push_str(&format!(
                    "{:>4}  {:>7}  {:>7}  {:>10}  {}\n",
                    rank + 1,
                    o.summary.conforms,
                    o.summary.diverges,
                    o.summary.incomplete,
                    o.options.rules
                ));
            }
            let ties: Vec<String> = order
                .iter()
                .filter(|&&i| {
                    let (a, b) = (&outcomes[i].summary, &best.summary);
                    a.conforms == b.conforms && a.diverges == b.diverges
                })
                .map(|&i| outcomes[i].options.rules.label())
                .collect();
            s.push_str(&format!(
                "best fit: {} ({} of {} judged conversations conform){}\n",
                best.options.rules,
                best.summary.conforms,
                best.summary.conforms + best.summary.diverges,
                if ties.len() > 1 {
                    format!("; as good: {}", ties[1..].join("; "))
                } else {
                    String::new()
                }
            ));
            for m in &first.malformed {
                s.push_str(&format!("MALFORMED   {m}\n"));
            }
            s
        }
    };
    if let Err(e) = emit(&text, &args.output, 1) {
        return input_error(e);
    }
    let code = if first.malformed_count > 0 {
        2
    } else if best.summary.diverges > 0 {
        1
    } else {
        0
    };
    ExitCode::from(code)
}

pub fn simulate_log(args: SimulateLogArgs) -> ExitCode {
    let readings = match parse_readings(&args.readings) {
        Ok(r) => r,
        Err(e) => return input_error(e),
    };
    let format = match (args.format.as_str(), args.no_correlation) {
        ("jsonl", false) => LogFormat::Jsonl,
        ("jsonl", true) => return input_error("--no-correlation needs --format cim"),
        ("cim", no_correlation) => LogFormat::Cim {
            correlation: !no_correlation,
        },
        (other, _) => {
            return input_error(format!(
                "--format: unknown log format `{other}` (known: jsonl, cim)"
            ))
        }
    };
    let opts = SimulateOptions {
        conversations: args.conversations,
        duration_ms: args.duration_s.saturating_mul(1000),
        rules: Rules::new(args.rules, readings),
        jitter_ms: args.jitter_ms,
        seed: args.seed,
        format,
    };
    if args.output == "-" {
        let stdout = std::io::stdout();
        let mut out = std::io::BufWriter::new(stdout.lock());
        let written = write_log(&opts, &mut out).and_then(|w| {
            out.flush()
                .map(|_| w)
                .map_err(|e| format!("writing the log: {e}"))
        });
        return match written {
            Ok(_) => ExitCode::SUCCESS,
            Err(e) => input_error(e),
        };
    }
    let path = PathBuf::from(&args.output);
    if let Err(e) = ready_to_write(&path) {
        return input_error(format!("--output {e}"));
    }
    let mut bytes = Vec::new();
    let written = match write_log(&opts, &mut bytes) {
        Ok(w) => w,
        Err(e) => return input_error(e),
    };
    if let Err(e) = write_atomic(&path, &bytes) {
        return input_error(e);
    }
    eprintln!(
        "wrote {}: {} stimuli, {} published events, {} conversations closed (rules: {}, jitter up to {} ms)",
        path.display(),
        written.stimuli,
        written.events,
        written.conversations_closed,
        opts.rules,
        opts.jitter_ms
    );
    ExitCode::SUCCESS
}
