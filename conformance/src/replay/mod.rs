//! `cxspec replay`: a recorded event log of a running platform checked against the spec,
//! for implementations that cannot be reset and driven through an adapter.
//!
//! * [`format`]: one line of a log to its records (the `jsonl` format);
//! * [`cim`]: the vendor's CimEvent stream (`--format cim`), read through the vendor
//!   profile's mapping (`crate::vendor`), and written from the engine;
//! * [`timestamp`]: RFC 3339 timestamps to milliseconds;
//! * [`judge`]: the core, streaming, one engine for every conversation, verdicts per
//!   conversation and a summary;
//! * [`explain`]: the rules of a divergence and the rule sets, deviations and readings that
//!   would explain it;
//! * [`report`]: the human, JSON and JUnit reports;
//! * [`simulate`]: the timer-path workload written as a log (`cxspec simulate-log`).
//!
//! The log format, the matching and the verdicts are documented in `conformance/REPLAY.md`.
//! Left out: reading several files as one log, and following a growing file.

pub mod cim;
pub mod explain;
pub mod format;
pub mod judge;
pub mod report;
pub mod simulate;
pub mod timestamp;

use format::{Format, Line};
use judge::{ConversationResult, Judge, Options, Summary};
use std::io::BufRead;

/// Lines longer than this are malformed (and skipped to their end): a log line is one event.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// Malformed lines kept for the report; all are counted.
pub const MAX_MALFORMED_SHOWN: usize = 100;

/// A line that could not be read, by file and line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Malformed {
    pub origin: String,
    pub line: u64,
    pub message: String,
}

impl std::fmt::Display for Malformed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.origin, self.line, self.message)
    }
}

/// Where the configuration came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConfigSource {
    /// `--config FILE`.
    Given,
    /// The log's `{"config": ...}` header line.
    LogHeader,
    /// Neither: the spec's default `Config`.
    Default,
}

/// The lines of a log, read one at a time, with the malformed ones set aside.
pub struct LogReader<'a, R: BufRead> {
    reader: R,
    origin: String,
    format: &'a mut dyn Format,
    buf: Vec<u8>,
    pub line: u64,
    pub malformed: Vec<Malformed>,
    pub malformed_count: u64,
}

impl<'a, R: BufRead> LogReader<'a, R> {
    pub fn new(reader: R, origin: &str, format: &'a mut dyn Format) -> Self {
        LogReader {
            reader,
            origin: origin.to_string(),
            format,
            buf: Vec::new(),
            line: 0,
            malformed: Vec::new(),
            malformed_count: 0,
        }
    }

    fn bad(&mut self, message: String) {
        self.malformed_count += 1;
        if self.malformed.len() < MAX_MALFORMED_SHOWN {
            self.malformed.push(Malformed {
                origin: self.origin.clone(),
                line: self.line,
                message,
            });
        }
    }

    /// The next line that holds something, with its number; `Ok(None)` at the end.
    pub fn next_line(&mut self) -> std::io::Result<Option<(Line, u64)>> {
        loop {
            self.buf.clear();
            let n = std::io::Read::take(&mut self.reader, MAX_LINE_BYTES as u64 + 1)
                .read_until(b'\n', &mut self.buf)?;
            if n == 0 {
                return Ok(None);
            }
            self.line += 1;
            if self.buf.last() != Some(&b'\n') && self.buf.len() > MAX_LINE_BYTES {
                // Skip the rest of the over-long line.
                loop {
                    let chunk = self.reader.fill_buf()?;
                    if chunk.is_empty() {
                        break;
                    }
                    match chunk.iter().position(|b| *b == b'\n') {
                        Some(at) => {
                            self.reader.consume(at + 1);
                            break;
                        }
                        None => {
                            let len = chunk.len();
                            self.reader.consume(len);
                        }
                    }
                }
                self.bad(format!("longer than {MAX_LINE_BYTES} bytes"));
                continue;
            }
            while matches!(self.buf.last(), Some(b'\n' | b'\r')) {
                self.buf.pop();
            }
            match self.format.parse(&self.buf) {
                Ok(Some(line)) => return Ok(Some((line, self.line))),
                Ok(None) => continue,
                Err(fault) => self.bad(fault.to_string()),
            }
        }
    }
}

/// What a replay found.
pub struct Outcome {
    pub results: Vec<ConversationResult>,
    pub summary: Summary,
    pub malformed: Vec<Malformed>,
    pub malformed_count: u64,
    pub lines: u64,
    pub config: ConfigSource,
    pub options: Options,
}

/// Replays a whole log under `opts` (its config replaced by the log's header unless
/// `config_given`).
pub fn replay(
    reader: impl BufRead,
    origin: &str,
    format: &mut dyn Format,
    opts: Options,
    config_given: bool,
) -> std::io::Result<Outcome> {
    let mut outcomes = replay_many(
        reader,
        origin,
        format,
        vec![opts],
        config_given,
        &mut |_, _| {},
    )?;
    Ok(outcomes.pop().expect("one"))
}

/// How often (in lines) a replay reports its progress.
pub const PROGRESS_EVERY_LINES: u64 = 1 << 16;

/// A log that can be opened again from its start (a file, bytes in memory).
pub type Reopen<'a> = &'a dyn Fn() -> std::io::Result<Box<dyn BufRead + 'a>>;

/// Replays one log under several options at once (one pass over the input, which may be a
/// pipe): the `--fit` mode's candidates. `progress` is called every
/// [`PROGRESS_EVERY_LINES`] lines with the lines read and the conversations open.
pub fn replay_many(
    reader: impl BufRead,
    origin: &str,
    format: &mut dyn Format,
    options: Vec<Options>,
    config_given: bool,
    progress: &mut dyn FnMut(u64, usize),
) -> std::io::Result<Vec<Outcome>> {
    replay_inner(
        reader,
        origin,
        format,
        options,
        config_given,
        progress,
        None,
    )
}

/// [`replay_many`] on a log that can be read twice: diverging conversations are judged
/// again (`Options::chain_limit`) from a second reading of their lines, instead of keeping
/// the records of every open conversation through the first (half the memory, and 14% of
/// the time at 100k conversations; BENCHMARKS.md, issue 13).
pub fn replay_reopenable(
    reopen: Reopen,
    origin: &str,
    format: &mut dyn Format,
    options: Vec<Options>,
    config_given: bool,
    progress: &mut dyn FnMut(u64, usize),
) -> std::io::Result<Vec<Outcome>> {
    let reader = reopen()?;
    replay_inner(
        reader,
        origin,
        format,
        options,
        config_given,
        progress,
        Some(reopen),
    )
}

fn replay_inner(
    reader: impl BufRead,
    origin: &str,
    format: &mut dyn Format,
    mut options: Vec<Options>,
    config_given: bool,
    progress: &mut dyn FnMut(u64, usize),
    reopen: Option<Reopen>,
) -> std::io::Result<Vec<Outcome>> {
    for o in &mut options {
        o.defer_chain = reopen.is_some();
    }
    let mut log = LogReader::new(reader, origin, format);
    let mut judges: Option<Vec<Judge>> = None;
    let mut config = if config_given {
        ConfigSource::Given
    } else {
        ConfigSource::Default
    };
    while let Some((line, number)) = log.next_line()? {
        match line {
            Line::Config(c) => {
                if judges.is_some() {
                    log.bad("a configuration line after the first record".into());
                } else if config == ConfigSource::LogHeader {
                    log.bad("a second configuration line".into());
                } else if config == ConfigSource::Default {
                    for o in &mut options {
                        o.config = c.clone();
                    }
                    config = ConfigSource::LogHeader;
                }
            }
            Line::Record(_) | Line::Records(_) => {
                let judges = judges.get_or_insert_with(|| {
                    options.iter().cloned().map(Judge::new).collect::<Vec<_>>()
                });
                let (last, rest) = judges.split_last_mut().expect("at least one");
                for record in line.into_records() {
                    for judge in rest.iter_mut() {
                        judge.push(record.clone(), number);
                    }
                    last.push(record, number);
                }
                if number % PROGRESS_EVERY_LINES == 0 {
                    progress(number, last.open_conversations());
                }
            }
        }
    }
    let judges =
        judges.unwrap_or_else(|| options.iter().cloned().map(Judge::new).collect::<Vec<_>>());
    let (malformed, malformed_count, lines) = (log.malformed, log.malformed_count, log.line);
    let mut outcomes = Vec::new();
    for judge in judges {
        let options = judge.options().clone();
        let (mut results, mut summary, requests) = judge.finish_with_requests();
        if let (Some(reopen), false) = (reopen, requests.is_empty()) {
            let kept = read_again(reopen()?, format, &requests)?;
            let further = requests
                .iter()
                .zip(&kept)
                .map(|(r, kept)| {
                    judge::judge_again(&options, summary.last_ms, &r.name, kept, &r.divergence)
                })
                .collect();
            judge::complete_chains(&mut results, &mut summary, &requests, further);
        }
        outcomes.push(Outcome {
            results,
            summary,
            malformed: malformed.clone(),
            malformed_count,
            lines,
            config,
            options,
        });
    }
    Ok(outcomes)
}

/// The records of each requested conversation (its name, within its lines), from a second
/// reading of the log. Lines that did not read the first time are skipped silently: they
/// were reported then.
fn read_again(
    reader: impl BufRead,
    format: &mut dyn Format,
    requests: &[judge::ChainRequest],
) -> std::io::Result<Vec<Vec<(u64, u64, format::Item)>>> {
    let mut wanted: std::collections::HashMap<&format::ConversationName, Vec<usize>> =
        std::collections::HashMap::new();
    for (i, r) in requests.iter().enumerate() {
        wanted.entry(&r.name).or_default().push(i);
    }
    let mut kept = vec![Vec::new(); requests.len()];
    format.restart();
    let mut log = LogReader::new(reader, "", format);
    let last = requests.iter().map(|r| r.last_line).max().unwrap_or(0);
    while let Some((line, number)) = log.next_line()? {
        if number > last {
            break;
        }
        for record in line.into_records() {
            let Some(indices) = wanted.get(&record.conversation) else {
                continue;
            };
            for &i in indices {
                let r = &requests[i];
                if (r.first_line..=r.last_line).contains(&number) {
                    kept[i].push((number, record.at_ms, record.item.clone()));
                }
            }
        }
    }
    Ok(kept)
}

/// Exit code of a replay: 2 when lines were malformed (the log is not what it should be,
/// even if every line read conforms), 1 when a conversation diverges, else 0.
pub fn exit_code(outcome: &Outcome) -> u8 {
    if outcome.malformed_count > 0 {
        2
    } else if outcome.summary.diverges > 0 {
        1
    } else {
        0
    }
}
