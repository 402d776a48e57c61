//! Reply framing: one line per reply, bounded in size, matched to the request it answers.
//!
//! The adapter protocol (`conformance/PROTOCOL.md`) is strictly one reply per request. A
//! reply written twice, a stale reply or a line nobody asked for would otherwise shift
//! every later reply onto the wrong request, and the runner would report divergences
//! that are not there. So:
//! * every request carries a sequence number `seq` (1, 2, ... per process); a reply may
//!   echo it, and once an adapter has echoed one it must echo every one: a reply with
//!   another `seq`, or none, is a [`FramingError::Desync`];
//! * a line that is waiting before a request is sent, or that arrived in the same read as
//!   the reply, was not asked for: [`FramingError::Unsolicited`]. Without `seq` these are
//!   the only checks, and a duplicate written separately, after the runner has looked,
//!   is caught only at the next request (or when the case ends);
//! * a line longer than the limit is [`FramingError::TooLong`], read no further; a line
//!   that is not UTF-8 is [`FramingError::NotUtf8`].
//!
//! Every framing error is an adapter error (verdict ERROR), and the process is replaced.
//!
//! The reader runs on its own thread over any `Read`, so the same code serves a child's
//! pipe and the in-memory pipes of the tests.

use crate::protocol::{Reply, Request};
use std::io::{BufRead, BufReader, Read, Write};
use std::sync::mpsc::{sync_channel, Receiver, RecvTimeoutError, TryRecvError};
use std::time::Duration;

/// The default bound on one reply line, in bytes (`--max-reply-bytes`). The largest reply
/// of the reference to any committed vector is a few kilobytes.
pub const DEFAULT_MAX_REPLY_BYTES: usize = 4 * 1024 * 1024;

/// What the reader thread saw.
#[derive(Debug)]
enum Seen {
    /// A line, and whether more bytes had already arrived behind it: with one request
    /// outstanding, those cannot be a reply to anything.
    Line(String, bool),
    TooLong,
    NotUtf8 {
        valid_up_to: usize,
        shown: String,
    },
    Closed,
}

/// Why no reply could be matched to a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FramingError {
    /// The output ended (the process exited or closed its stdout).
    Closed,
    Timeout,
    TooLong {
        limit: usize,
    },
    NotUtf8 {
        valid_up_to: usize,
        shown: String,
    },
    /// A line arrived when no request was outstanding.
    Unsolicited {
        line: String,
    },
    /// The reply's `seq` is not the request's.
    Desync {
        expected: u64,
        got: Option<u64>,
    },
    /// A line that does not parse as a reply.
    Garbage {
        line: String,
        why: String,
    },
}

impl std::fmt::Display for FramingError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FramingError::Closed => write!(f, "the adapter closed its output"),
            FramingError::Timeout => write!(f, "no reply in time"),
            FramingError::TooLong { limit } => write!(
                f,
                "the adapter wrote a reply longer than {limit} bytes without a newline \
                 (raise it with --max-reply-bytes)"
            ),
            FramingError::NotUtf8 { valid_up_to, shown } => write!(
                f,
                "the adapter wrote a line that is not UTF-8 (invalid byte at offset {valid_up_to}, after {shown:?})"
            ),
            FramingError::Unsolicited { line } => write!(
                f,
                "the adapter wrote a line nobody asked for (a reply written twice, or a log \
                 line on stdout?): {:?}",
                shown(line)
            ),
            FramingError::Garbage { line, why } => write!(
                f,
                "the adapter wrote a line that is not a reply: {:?} ({why})",
                shown(line)
            ),
            FramingError::Desync { expected, got } => match got {
                Some(got) => write!(
                    f,
                    "the reply carries seq {got} but answers request seq {expected} \
                     (a reply lost, written twice or out of order)"
                ),
                None => write!(
                    f,
                    "the reply to request seq {expected} carries no seq, though this adapter \
                     echoed seq before"
                ),
            },
        }
    }
}

/// The start of a long line, for messages.
pub fn shown(line: &str) -> String {
    let mut s: String = line.chars().take(200).collect();
    if s.len() < line.len() {
        s.push('…');
    }
    s
}

/// The lines an adapter writes, read on a thread of their own.
pub struct Lines {
    lines: Receiver<Seen>,
    max_bytes: usize,
}

impl Lines {
    /// Starts reading `source` line by line; no line longer than `max_bytes` is buffered.
    pub fn spawn(source: impl Read + Send + 'static, max_bytes: usize) -> Lines {
        // A small bound: a runaway adapter that writes line after line waits for the runner
        // instead of filling memory (the runner reports the first unasked-for line).
        let (tx, rx) = sync_channel(4);
        std::thread::spawn(move || {
            let mut reader = BufReader::new(source);
            loop {
                let mut buf = Vec::new();
                let limit = max_bytes as u64 + 1;
                let read = (&mut reader).take(limit).read_until(b'\n', &mut buf);
                let message = match read {
                    Ok(0) | Err(_) => Seen::Closed,
                    Ok(_) if buf.last() != Some(&b'\n') && buf.len() > max_bytes => Seen::TooLong,
                    Ok(_) => {
                        while matches!(buf.last(), Some(b'\n' | b'\r')) {
                            buf.pop();
                        }
                        match String::from_utf8(buf) {
                            Ok(line) => Seen::Line(line, false),
                            Err(e) => {
                                let valid_up_to = e.utf8_error().valid_up_to();
                                let bytes = e.into_bytes();
                                let before =
                                    String::from_utf8_lossy(&bytes[..valid_up_to]).into_owned();
                                Seen::NotUtf8 {
                                    valid_up_to,
                                    shown: shown(&before),
                                }
                            }
                        }
                    }
                };
                let message = match message {
                    Seen::Line(line, _) => Seen::Line(line, !reader.buffer().is_empty()),
                    other => other,
                };
                let last = !matches!(message, Seen::Line(..));
                if tx.send(message).is_err() || last {
                    return;
                }
            }
        });
        Lines {
            lines: rx,
            max_bytes,
        }
    }

    /// Fails if a line is already waiting: it cannot be the reply to a request not yet sent.
    pub fn expect_none_pending(&self) -> Result<(), FramingError> {
        match self.lines.try_recv() {
            Err(TryRecvError::Empty) => Ok(()),
            Err(TryRecvError::Disconnected) => Err(FramingError::Closed),
            Ok(read) => Err(match self.line_of(read) {
                Ok(line) => FramingError::Unsolicited { line },
                Err(e) => e,
            }),
        }
    }

    /// The next line, within `timeout`: the reply to the one request outstanding.
    pub fn next(&self, timeout: Duration) -> Result<String, FramingError> {
        match self.lines.recv_timeout(timeout) {
            Ok(Seen::Line(_, true)) => {
                // The bytes behind the reply arrived with it; report them, not the reply.
                match self.lines.recv_timeout(timeout) {
                    Ok(read) => Err(match self.line_of(read) {
                        Ok(line) => FramingError::Unsolicited { line },
                        Err(e) => e,
                    }),
                    Err(_) => Err(FramingError::Unsolicited {
                        line: "(an unfinished line)".into(),
                    }),
                }
            }
            Ok(read) => self.line_of(read),
            Err(RecvTimeoutError::Timeout) => Err(FramingError::Timeout),
            Err(RecvTimeoutError::Disconnected) => Err(FramingError::Closed),
        }
    }

    fn line_of(&self, read: Seen) -> Result<String, FramingError> {
        match read {
            Seen::Line(line, _) => Ok(line),
            Seen::TooLong => Err(FramingError::TooLong {
                limit: self.max_bytes,
            }),
            Seen::NotUtf8 { valid_up_to, shown } => {
                Err(FramingError::NotUtf8 { valid_up_to, shown })
            }
            Seen::Closed => Err(FramingError::Closed),
        }
    }
}

/// Sequence numbers of one adapter process, and whether it echoes them.
#[derive(Debug, Default)]
pub struct Sequence {
    last: u64,
    echoes: bool,
}

impl Sequence {
    /// The number for the next request.
    pub fn next_seq(&mut self) -> u64 {
        self.last += 1;
        self.last
    }

    /// Checks the `seq` of the reply to the last request.
    pub fn check(&mut self, got: Option<u64>) -> Result<(), FramingError> {
        match got {
            Some(n) if n == self.last => {
                self.echoes = true;
                Ok(())
            }
            None if !self.echoes => Ok(()),
            got => Err(FramingError::Desync {
                expected: self.last,
                got,
            }),
        }
    }
}

/// How long an adapter may take and how much it may write per reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    pub step_timeout_ms: u64,
    pub max_reply_bytes: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            step_timeout_ms: 10_000,
            max_reply_bytes: DEFAULT_MAX_REPLY_BYTES,
        }
    }
}

/// A request as one protocol line, with its sequence number.
pub fn with_seq(request: &Request, seq: u64) -> String {
    with_seq_value(
        &serde_json::to_value(request).expect("requests serialize"),
        seq,
    )
}

/// [`with_seq`] for a request already written as JSON (an object).
pub fn with_seq_value(request: &serde_json::Value, seq: u64) -> String {
    let mut text = serde_json::to_string(request).expect("requests serialize");
    // A request serializes as an object: put `seq` last, after the fields people read.
    text.pop();
    text.push_str(&format!(",\"seq\":{seq}}}"));
    text
}

/// Requests written to an adapter and its replies read back, one for one.
pub struct Framed {
    writer: Option<Box<dyn Write + Send>>,
    lines: Lines,
    sequence: Sequence,
    limits: Limits,
}

impl Framed {
    pub fn new(
        reader: impl Read + Send + 'static,
        writer: impl Write + Send + 'static,
        limits: Limits,
    ) -> Framed {
        Framed {
            writer: Some(Box::new(writer)),
            lines: Lines::spawn(reader, limits.max_reply_bytes),
            sequence: Sequence::default(),
            limits,
        }
    }

    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Sends `request` and returns the reply that answers it.
    pub fn exchange(&mut self, request: &Request) -> Result<Reply, FramingError> {
        let value = serde_json::to_value(request).expect("requests serialize");
        self.exchange_value(&value)
    }

    /// [`Framed::exchange`] for a request already written as JSON (the vendor profile's
    /// requests, whose `input` and `events` are the vendor's objects).
    pub fn exchange_value(&mut self, request: &serde_json::Value) -> Result<Reply, FramingError> {
        self.lines.expect_none_pending()?;
        let text = with_seq_value(request, self.sequence.next_seq());
        let written = match &mut self.writer {
            Some(w) => writeln!(w, "{text}").and_then(|()| w.flush()).is_ok(),
            None => false,
        };
        if !written {
            return Err(FramingError::Closed);
        }
        let line = self
            .lines
            .next(Duration::from_millis(self.limits.step_timeout_ms))?;
        let reply =
            serde_json::from_str::<Reply>(line.trim()).map_err(|e| FramingError::Garbage {
                line: line.trim_end().to_string(),
                why: e.to_string(),
            })?;
        self.sequence.check(reply.seq)?;
        Ok(reply)
    }

    /// Fails if the adapter wrote more than it was asked for.
    pub fn expect_quiet(&self) -> Result<(), FramingError> {
        self.lines.expect_none_pending()
    }

    /// Closes the adapter's input: a well-behaved adapter exits.
    pub fn close(&mut self) {
        self.writer.take();
    }
}
