//! Implementations under test, behind one trait: the reference in-process
//! ([`ReferenceAdapter`], also served over the protocol by `cxspec conform
//! --serve-reference`), and any program speaking the protocol ([`Process`]).
//!
//! A process that crashes, hangs, writes garbage or closes its output yields a
//! [`Failure`] for the step at hand; the runner then gives that case an error verdict,
//! drops the process and starts a new one for the next case.

use crate::mutation::Mutant;
use crate::protocol::{Reply, Request, PROTOCOL_VERSION};
use crate::reference::Reference;
use crate::suite::Suite;
use cxspec_spec::{Input, RuleSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Why an adapter gave no usable reply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    Spawn(String),
    Timeout { ms: u64 },
    Closed { status: String, stderr: String },
    Garbage { line: String, why: String },
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Spawn(e) => write!(f, "cannot start the adapter: {e}"),
            Failure::Timeout { ms } => write!(f, "no reply within {ms} ms (adapter hung?)"),
            Failure::Closed { status, stderr } => {
                write!(f, "the adapter closed its output ({status})")?;
                if !stderr.trim().is_empty() {
                    write!(f, "; its stderr ends with:\n{}", stderr.trim_end())?;
                }
                Ok(())
            }
            Failure::Garbage { line, why } => {
                let shown: String = line.chars().take(200).collect();
                write!(
                    f,
                    "the adapter wrote a line that is not a reply: {shown:?} ({why})"
                )
            }
        }
    }
}

pub trait Implementation: Send {
    fn request(&mut self, request: &Request) -> Result<Reply, Failure>;
}

// ---- the reference ------------------------------------------------------------------------

/// The reference rules answering protocol requests.
pub struct ReferenceAdapter {
    /// Run this rule set instead of the one each case asks for.
    pub rules: Option<RuleSet>,
    /// The mutants this adapter offers in `hello` (mutation runs).
    pub offer_mutants: bool,
    case: Option<(Reference, Suite, Option<Mutant>)>,
}

impl ReferenceAdapter {
    pub fn new(rules: Option<RuleSet>) -> ReferenceAdapter {
        ReferenceAdapter {
            rules,
            offer_mutants: true,
            case: None,
        }
    }

    pub fn handle(&mut self, request: &Request) -> Reply {
        match request {
            Request::Hello { .. } => Reply {
                ok: true,
                name: Some(format!(
                    "cxspec reference ({})",
                    self.rules
                        .map_or("rule set of each case".into(), |r| r.to_string())
                )),
                protocol: Some(PROTOCOL_VERSION),
                suites: Some(Suite::ALL.to_vec()),
                mutants: self
                    .offer_mutants
                    .then(|| Mutant::all().iter().map(|m| m.name()).collect()),
                ..Reply::default()
            },
            Request::Reset {
                suite,
                rule_set,
                config,
                mutant,
                ..
            } => {
                if let Err(invalid) = config.validate() {
                    return Reply::error(format!("config.{}: {}", invalid.field, invalid.message));
                }
                let mutant = match mutant {
                    None => None,
                    Some(name) => match Mutant::by_name(name) {
                        Some(m) => Some(m),
                        None => return Reply::error(format!("unknown mutant `{name}`")),
                    },
                };
                let rules = self.rules.unwrap_or(*rule_set);
                self.case = Some((Reference::new(config.clone(), rules), *suite, mutant));
                Reply::ok()
            }
            Request::Apply { at_ms, input, .. } => {
                let Some((reference, suite, mutant)) = &mut self.case else {
                    return Reply::error("apply before reset");
                };
                // An implementation with a real clock fires whatever is due by the time
                // an input arrives. Vectors never let that happen under their own rule
                // set; under another one, the early timer's events are part of the reply
                // (and make the divergence visible) instead of an error.
                let mut early = Vec::new();
                let mut early_rules = Vec::new();
                if reference.next_due().is_some_and(|(d, _)| d <= *at_ms) {
                    match reference.advance(*at_ms) {
                        Err(e) => return Reply::error(e.to_string()),
                        Ok(fires) => {
                            for f in fires {
                                early.extend(f.outcome.published);
                                early_rules.extend(f.outcome.rules);
                            }
                        }
                    }
                }
                match reference.apply(*at_ms, input) {
                    Err(e) => Reply::error(e.to_string()),
                    Ok(Ok(outcome)) if !early.is_empty() || !early_rules.is_empty() => {
                        early.extend(outcome.published);
                        for r in outcome.rules {
                            if !early_rules.contains(&r) {
                                early_rules.push(r);
                            }
                        }
                        reply(reference, *suite, early, early_rules, mutant, Some(input))
                    }
                    Ok(Err(reject)) => {
                        if suite.owns_input(input) {
                            Reply {
                                reject: Some(reject_name(reject)),
                                state: Some(state_json(reference, *suite)),
                                ..Reply::ok()
                            }
                        } else {
                            reply(
                                reference,
                                *suite,
                                Vec::new(),
                                Vec::new(),
                                mutant,
                                Some(input),
                            )
                        }
                    }
                    Ok(Ok(outcome)) => reply(
                        reference,
                        *suite,
                        outcome.published,
                        outcome.rules,
                        mutant,
                        Some(input),
                    ),
                }
            }
            Request::Advance { to_ms, .. } => {
                let Some((reference, suite, mutant)) = &mut self.case else {
                    return Reply::error("advance before reset");
                };
                match reference.advance(*to_ms) {
                    Err(e) => Reply::error(e.to_string()),
                    Ok(fires) => {
                        let mut published = Vec::new();
                        let mut rules = Vec::new();
                        for f in fires {
                            published.extend(f.outcome.published);
                            for r in f.outcome.rules {
                                if !rules.contains(&r) {
                                    rules.push(r);
                                }
                            }
                        }
                        reply(reference, *suite, published, rules, mutant, None)
                    }
                }
            }
        }
    }
}

/// A rejection's protocol name, e.g. `NO_CUSTOMER`.
pub fn reject_name(reject: cxspec_spec::Reject) -> String {
    serde_json::to_value(reject)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn state_json(reference: &Reference, suite: Suite) -> serde_json::Value {
    serde_json::to_value(reference.observe(suite)).expect("states serialize")
}

fn reply(
    reference: &Reference,
    suite: Suite,
    published: Vec<cxspec_spec::Published>,
    rules: Vec<cxspec_spec::Rule>,
    mutant: &Option<Mutant>,
    input: Option<&Input>,
) -> Reply {
    let mut own: Vec<cxspec_spec::Published> = published
        .into_iter()
        .filter(|e| suite.publishes(e))
        .collect();
    let mut state = state_json(reference, suite);
    if let Some(m) = mutant {
        m.apply(&rules, input, &mut own, &mut state);
    }
    Reply {
        published: Some(
            own.iter()
                .map(|e| serde_json::to_value(e).expect("events serialize"))
                .collect(),
        ),
        state: Some(state),
        rules: Some(rules.iter().map(|r| r.id().to_string()).collect()),
        ..Reply::ok()
    }
}

impl Implementation for ReferenceAdapter {
    fn request(&mut self, request: &Request) -> Result<Reply, Failure> {
        Ok(self.handle(request))
    }
}

/// `cxspec conform --serve-reference`: the reference on stdin/stdout.
pub fn serve(
    rules: Option<RuleSet>,
    input: impl BufRead,
    mut output: impl Write,
) -> std::io::Result<()> {
    let mut adapter = ReferenceAdapter::new(rules);
    for line in input.lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let reply = match serde_json::from_str::<Request>(&line) {
            Ok(request) => adapter.handle(&request),
            Err(e) => Reply::error(format!("malformed request: {e}")),
        };
        let text = serde_json::to_string(&reply).expect("replies serialize");
        writeln!(output, "{text}")?;
        output.flush()?;
    }
    Ok(())
}

// ---- a process ------------------------------------------------------------------------------

/// An adapter program started with `sh -c <command>`.
pub struct Process {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<Option<String>>,
    stderr: Arc<Mutex<String>>,
    timeout_ms: u64,
}

impl Process {
    pub fn spawn(
        command: &str,
        timeout_ms: u64,
        env: &[(String, String)],
    ) -> Result<Process, Failure> {
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg(command)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd
            .spawn()
            .map_err(|e| Failure::Spawn(format!("`{command}`: {e}")))?;
        let stdout = child.stdout.take().expect("piped");
        let mut stderr_pipe = child.stderr.take().expect("piped");
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            loop {
                let mut line = String::new();
                match reader.read_line(&mut line) {
                    Ok(0) | Err(_) => {
                        let _ = tx.send(None);
                        return;
                    }
                    Ok(_) => {
                        if tx.send(Some(line)).is_err() {
                            return;
                        }
                    }
                }
            }
        });
        let stderr = Arc::new(Mutex::new(String::new()));
        let sink = stderr.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = stderr_pipe.read(&mut buf) {
                if n == 0 {
                    return;
                }
                let mut s = sink.lock().expect("stderr buffer");
                s.push_str(&String::from_utf8_lossy(&buf[..n]));
                // Keep the end: that is where a stack trace says what went wrong.
                if s.len() > 8_000 {
                    let cut = s.len() - 4_000;
                    let cut = (cut..s.len())
                        .find(|i| s.is_char_boundary(*i))
                        .unwrap_or(cut);
                    s.replace_range(..cut, "");
                }
            }
        });
        let stdin = child.stdin.take();
        Ok(Process {
            child,
            stdin,
            lines: rx,
            stderr,
            timeout_ms,
        })
    }

    fn closed(&mut self) -> Failure {
        // Give a crashing process a moment to be reaped, so its status can be told.
        let mut status = None;
        for _ in 0..50 {
            if let Ok(Some(s)) = self.child.try_wait() {
                status = Some(s);
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        std::thread::sleep(Duration::from_millis(20));
        Failure::Closed {
            status: status.map_or("still running".into(), |s| s.to_string()),
            stderr: self.stderr.lock().map(|s| s.clone()).unwrap_or_default(),
        }
    }
}

impl Implementation for Process {
    fn request(&mut self, request: &Request) -> Result<Reply, Failure> {
        let text = serde_json::to_string(request).expect("requests serialize");
        let written = match &mut self.stdin {
            Some(stdin) => writeln!(stdin, "{text}")
                .and_then(|()| stdin.flush())
                .is_ok(),
            None => false,
        };
        if !written {
            return Err(self.closed());
        }
        let line = match self
            .lines
            .recv_timeout(Duration::from_millis(self.timeout_ms))
        {
            Ok(Some(line)) => line,
            Ok(None) | Err(RecvTimeoutError::Disconnected) => return Err(self.closed()),
            Err(RecvTimeoutError::Timeout) => {
                return Err(Failure::Timeout {
                    ms: self.timeout_ms,
                })
            }
        };
        serde_json::from_str::<Reply>(line.trim()).map_err(|e| Failure::Garbage {
            line: line.trim_end().to_string(),
            why: e.to_string(),
        })
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        // Closing stdin asks a well-behaved adapter to exit; a hung one is killed.
        self.stdin.take();
        if !matches!(self.child.try_wait(), Ok(Some(_))) {
            std::thread::sleep(Duration::from_millis(5));
            if !matches!(self.child.try_wait(), Ok(Some(_))) {
                let _ = self.child.kill();
            }
        }
        let _ = self.child.wait();
    }
}
