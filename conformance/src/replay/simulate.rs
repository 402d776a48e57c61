//! Logs to try `cxspec replay` on: the timer-path workload (`workload.rs`) run under any
//! rules, written as a `jsonl` log (`format.rs`) the way a platform would record it: each
//! stimulus, then the events it published, and the expiries of every timer, with an
//! optional jitter that delays each published event by 0 to `jitter_ms` ms (a timer loop
//! that fires late, a bus that delivers late). The log opens with its configuration line.
//! With [`LogFormat::Cim`] the same steps are written as the vendor's CimEvent stream
//! (`cim.rs`), the stimulus as the event that reports it (never delayed: it is the
//! stimulus's time) and a `JMSCorrelationID` per cascade unless left out.
//!
//! Left out: clock skew between producers (events are only ever late), lost or duplicated
//! events, and the IDs of a real platform (conversations are numbered from 1).

use super::cim::CimWriter;
use super::format::{config_line, to_json_line, ConversationName, Item};
use crate::workload::{Generator, Sink, SplitMix, SECOND_MS};
use cxspec_spec::engine::{EngineEvent, Handle};
use cxspec_spec::{Input, Rules};
use cxspec_timer::TimingWheel;
use std::io::Write;

#[derive(Clone, Debug)]
pub struct SimulateOptions {
    /// Live conversations at any time (a closed one is replaced).
    pub conversations: usize,
    /// Simulated time to record, from 0.
    pub duration_ms: u64,
    pub rules: Rules,
    /// Each published event is delayed by 0..=jitter_ms ms.
    pub jitter_ms: u64,
    pub seed: u64,
    pub format: LogFormat,
}

/// The format a log is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    /// `--format jsonl`: the protocol's objects (REPLAY.md, "Log format").
    Jsonl,
    /// `--format cim`: the vendor's CimEvent stream, with or without `JMSCorrelationID`s.
    Cim { correlation: bool },
}

/// What was written.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Written {
    pub stimuli: u64,
    pub events: u64,
    pub conversations_closed: u64,
}

struct LogSink<'a, W: Write> {
    out: &'a mut W,
    jitter: SplitMix,
    jitter_ms: u64,
    written: Written,
    error: Option<String>,
    /// Writing the vendor's format.
    cim: Option<CimWriter>,
}

impl<W: Write> LogSink<'_, W> {
    fn text(&mut self, text: &str) {
        if self.error.is_some() {
            return;
        }
        if let Err(e) = writeln!(self.out, "{text}") {
            self.error = Some(format!("writing the log: {e}"));
        }
    }

    fn line(&mut self, conversation: u64, at_ms: u64, item: &Item) {
        let text = to_json_line(&ConversationName::Number(conversation), at_ms, item);
        self.text(&text);
    }

    /// Each event with the time it is logged at: its own, plus the jitter.
    fn delayed<'e>(&mut self, published: &'e [EngineEvent]) -> Vec<(u64, &'e EngineEvent)> {
        published
            .iter()
            .map(|e| {
                let delay = if self.jitter_ms == 0 {
                    0
                } else {
                    self.jitter.next() % (self.jitter_ms + 1)
                };
                (e.at_ms + delay, e)
            })
            .collect()
    }

    fn events(&mut self, published: &[EngineEvent]) {
        let delayed = self.delayed(published);
        self.written.events += delayed.len() as u64;
        if let Some(cim) = self.cim.as_mut() {
            for line in cim.expired(&delayed) {
                self.text(&line);
            }
            return;
        }
        for (at_ms, e) in delayed {
            self.line(e.conversation, at_ms, &Item::Observed(e.event.clone()));
        }
    }
}

impl<W: Write> Sink for LogSink<'_, W> {
    fn input(
        &mut self,
        conversation: u64,
        _handle: Option<Handle>,
        at_ms: u64,
        input: Input,
        published: &[EngineEvent],
    ) {
        self.written.stimuli += 1;
        if self.cim.is_some() {
            let delayed = self.delayed(published);
            self.written.events += delayed.len() as u64;
            let cim = self.cim.as_mut().expect("checked");
            match cim.stimulus(conversation, at_ms, &input, &delayed) {
                Ok(lines) => lines.iter().for_each(|l| self.text(l)),
                Err(e) => {
                    self.error
                        .get_or_insert(format!("conversation {conversation}: {e}"));
                }
            }
            return;
        }
        self.line(conversation, at_ms, &Item::Stimulus(input));
        self.events(published);
    }

    fn expired(&mut self, published: &[EngineEvent]) {
        self.events(published);
    }

    fn tick(&mut self, _at_ms: u64) {}

    fn replaced(&mut self) {
        self.written.conversations_closed += 1;
    }
}

/// Writes the log of `opts` to `out`. Starts are spread over the first minute (or the
/// duration, if shorter), so that conversations interleave from the start.
pub fn write_log(opts: &SimulateOptions, out: &mut impl Write) -> Result<Written, String> {
    if opts.conversations == 0 {
        return Err("--conversations must be at least 1".into());
    }
    let spread_ms = (60 * SECOND_MS).min(opts.duration_ms.max(1));
    let mut generator = Generator::new(
        opts.conversations,
        spread_ms,
        opts.rules,
        TimingWheel::new(0),
        opts.seed,
    );
    writeln!(out, "{}", config_line(&crate::workload::config()))
        .map_err(|e| format!("writing the log: {e}"))?;
    let mut sink = LogSink {
        out,
        jitter: SplitMix(opts.seed ^ 0x005E_ED0F_11CE),
        jitter_ms: opts.jitter_ms,
        written: Written::default(),
        error: None,
        cim: match opts.format {
            LogFormat::Jsonl => None,
            LogFormat::Cim { correlation } => Some(CimWriter::new(opts.rules, correlation)),
        },
    };
    while generator.now_ms() < opts.duration_ms {
        generator
            .step(&mut sink)
            .map_err(|bug| format!("the workload generator: {bug}"))?;
        if let Some(e) = sink.error.take() {
            return Err(e);
        }
    }
    Ok(sink.written)
}
