//! Implementations under test, behind one trait: the reference in-process
//! ([`ReferenceAdapter`], also served over the protocol by `cxspec conform
//! --serve-reference`), and any program speaking the protocol ([`Process`]).
//!
//! A process that crashes, hangs, writes garbage or closes its output yields a
//! [`Failure`] for the step at hand; the runner then gives that case an error verdict,
//! drops the process and starts a new one for the next case.

pub use crate::framing::Limits;
use crate::framing::{Framed, FramingError};
use crate::mutation::Mutant;
use crate::process::Group;
use crate::protocol::{Reply, Request, PROTOCOL_VERSION};
use crate::reference::Reference;
use crate::suite::Suite;
use crate::vendor::wire::{ImplementationSide, KitSide};
use crate::vendor::{MappingError, Profile};
use cxspec_spec::{Input, Readings, RuleSet, Rules};
use std::io::{BufRead, Read, Write};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Why an adapter gave no usable reply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    Spawn(String),
    Timeout {
        ms: u64,
    },
    Closed {
        status: String,
        stderr: String,
    },
    /// A reply that cannot be matched to its request, or a line that is not a reply.
    Framing(FramingError),
    /// Under the vendor profile: a request the vendor's JSON cannot carry, or a reply that
    /// does not belong to the profile (VENDOR.md).
    Profile(String),
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
            Failure::Framing(e) => write!(f, "{e}"),
            Failure::Profile(e) => write!(f, "{e}"),
        }
    }
}

pub trait Implementation: Send {
    fn request(&mut self, request: &Request) -> Result<Reply, Failure>;

    /// A request already written as JSON (the vendor profile's); only a program speaking the
    /// protocol takes one.
    fn request_value(&mut self, request: &serde_json::Value) -> Result<Reply, Failure> {
        let _ = request;
        Err(Failure::Profile(
            "this implementation speaks the native JSON only".into(),
        ))
    }

    /// The expected events of a step as this implementation is compared on them: as they are,
    /// except under the vendor profile (`vendor::project_expected`).
    fn expected_events(&self, expected: Vec<serde_json::Value>) -> Vec<serde_json::Value> {
        expected
    }

    /// Called when a case ends: an adapter that wrote more than it was asked for fails here.
    fn after_case(&mut self) -> Result<(), Failure> {
        Ok(())
    }
}

// ---- the vendor profile -----------------------------------------------------------------------

/// An implementation that speaks the `expertflow-cim` profile, seen by the runner as one that
/// speaks the native JSON: each request goes out in the vendor's JSON and each reply's
/// events come back as native JSON (`vendor::wire::KitSide`), so the runner compares and
/// reports as it always does.
pub struct VendorProfile<'a> {
    pub inner: &'a mut dyn Implementation,
    kit: KitSide,
}

impl<'a> VendorProfile<'a> {
    pub fn new(inner: &'a mut dyn Implementation) -> VendorProfile<'a> {
        VendorProfile {
            inner,
            kit: KitSide::new(),
        }
    }
}

impl Implementation for VendorProfile<'_> {
    fn request(&mut self, request: &Request) -> Result<Reply, Failure> {
        let profiled = |e: MappingError| Failure::Profile(e.to_string());
        let value = self.kit.request(request).map_err(profiled)?;
        let reply = self.inner.request_value(&value)?;
        self.kit.reply(reply).map_err(profiled)
    }

    fn expected_events(&self, expected: Vec<serde_json::Value>) -> Vec<serde_json::Value> {
        crate::vendor::project_expected(&expected)
    }

    fn after_case(&mut self) -> Result<(), Failure> {
        self.inner.after_case()
    }
}

// ---- the reference ------------------------------------------------------------------------

/// The reference rules answering protocol requests.
pub struct ReferenceAdapter {
    /// Run this rule set instead of the one each case asks for.
    pub rules: Option<RuleSet>,
    /// The mutants this adapter offers in `hello` (mutation runs).
    pub offer_mutants: bool,
    /// Readings it declares in `hello` and follows in every case
    /// (`cxspec conform --serve-reference --reading ...`).
    pub declared: Readings,
    case: Option<(Reference, Suite, Option<Mutant>)>,
}

impl ReferenceAdapter {
    pub fn new(rules: Option<RuleSet>) -> ReferenceAdapter {
        ReferenceAdapter {
            rules,
            offer_mutants: true,
            declared: Readings::NONE,
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
                readings: (!self.declared.is_empty()).then_some(self.declared),
                ..Reply::default()
            },
            Request::Reset {
                suite,
                rule_set,
                config,
                mutant,
                readings,
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
                // The case's readings, then the ones this adapter declared (which the
                // runner also sends, so they agree).
                let chosen = readings.overlay(self.declared);
                let rules = Rules::new(self.rules.unwrap_or(*rule_set), chosen);
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
        // The rules of the suite's own component, as a vector's step lists them.
        rules: Some(
            rules
                .iter()
                .filter(|r| suite.rule_prefix().is_none_or(|p| r.id().starts_with(p)))
                .map(|r| r.id().to_string())
                .collect(),
        ),
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
    declared: Readings,
    input: impl BufRead,
    output: impl Write,
) -> std::io::Result<()> {
    serve_as(rules, declared, Profile::Native, input, output)
}

/// [`serve`] speaking `profile`: under `expertflow-cim` the reference reads inputs and events
/// in the vendor's JSON and publishes it (`vendor::wire::ImplementationSide`), and says so in
/// `hello`.
pub fn serve_as(
    rules: Option<RuleSet>,
    declared: Readings,
    profile: Profile,
    input: impl BufRead,
    mut output: impl Write,
) -> std::io::Result<()> {
    let mut adapter = ReferenceAdapter::new(rules);
    adapter.declared = declared;
    let mut vendor = ImplementationSide::new();
    for line in input.lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let (request, seq) = match profile {
            Profile::Native => parse_request(&line),
            Profile::ExpertflowCim => match parse_vendor_request(&line, &mut vendor) {
                Ok(parsed) => parsed,
                Err((e, seq)) => {
                    let mut reply = Reply::error(e.to_string());
                    reply.seq = seq;
                    let text = serde_json::to_string(&reply).expect("replies serialize");
                    writeln!(output, "{text}")?;
                    output.flush()?;
                    continue;
                }
            },
        };
        let mut reply = match request {
            Ok(request) => adapter.handle(&request),
            Err(e) => Reply::error(format!("malformed request: {e}")),
        };
        if profile == Profile::ExpertflowCim {
            if reply.protocol.is_some() {
                reply.profile = Some(profile.name().into());
            }
            vendor.reply(&mut reply);
        }
        reply.seq = seq;
        let text = serde_json::to_string(&reply).expect("replies serialize");
        writeln!(output, "{text}")?;
        output.flush()?;
    }
    Ok(())
}

/// A request line and its `seq`, which the protocol adds to every request.
fn parse_request(line: &str) -> (Result<Request, serde_json::Error>, Option<u64>) {
    let mut value: serde_json::Value = match serde_json::from_str(line) {
        Ok(v) => v,
        Err(e) => return (Err(e), None),
    };
    let seq = value
        .as_object_mut()
        .and_then(|o| o.remove("seq"))
        .and_then(|s| s.as_u64());
    (serde_json::from_value(value), seq)
}

/// A request line in the vendor's JSON, rewritten into the native request.
#[allow(clippy::type_complexity)]
fn parse_vendor_request(
    line: &str,
    vendor: &mut ImplementationSide,
) -> Result<(Result<Request, serde_json::Error>, Option<u64>), (MappingError, Option<u64>)> {
    let mut value: serde_json::Value = match serde_json::from_str(line) {
        Ok(v) => v,
        Err(e) => return Ok((Err(e), None)),
    };
    let seq = value
        .as_object_mut()
        .and_then(|o| o.remove("seq"))
        .and_then(|s| s.as_u64());
    vendor.request(&mut value).map_err(|e| (e, seq))?;
    Ok((serde_json::from_value(value), seq))
}

// ---- a process ------------------------------------------------------------------------------

/// How long a well-behaved adapter gets to exit after its stdin closes, before its process
/// group is killed.
const EXIT_GRACE: Duration = Duration::from_millis(200);

/// An adapter program started with `sh -c <command>` in a process group of its own
/// ([`Group`]); its replies are framed and matched by [`Lines`] and [`Sequence`].
pub struct Process {
    group: Group,
    framed: Framed,
    stderr: Arc<Mutex<String>>,
    /// Set once the adapter broke the protocol: it gets no grace period to exit.
    broken: bool,
}

impl Process {
    pub fn spawn(
        command: &str,
        limits: Limits,
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
        let mut group =
            Group::spawn(cmd).map_err(|e| Failure::Spawn(format!("`{command}`: {e}")))?;
        let child = group.child_mut();
        let stdout = child.stdout.take().expect("piped");
        let mut stderr_pipe = child.stderr.take().expect("piped");
        let stdin = child.stdin.take().expect("piped");
        let framed = Framed::new(stdout, stdin, limits);
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
        Ok(Process {
            group,
            framed,
            stderr,
            broken: false,
        })
    }

    fn closed(&mut self) -> Failure {
        // Give a crashing process a moment to exit, so its status can be told; then let
        // its last words reach the stderr buffer.
        let status = self.group.exit_status_within(Duration::from_millis(500));
        std::thread::sleep(Duration::from_millis(20));
        Failure::Closed {
            status: status.unwrap_or_else(|| "still running".into()),
            stderr: self.stderr.lock().map(|s| s.clone()).unwrap_or_default(),
        }
    }

    fn failure(&mut self, error: FramingError) -> Failure {
        self.broken = true;
        match error {
            FramingError::Closed => self.closed(),
            FramingError::Timeout => Failure::Timeout {
                ms: self.framed.limits().step_timeout_ms,
            },
            other => Failure::Framing(other),
        }
    }
}

impl Implementation for Process {
    fn request(&mut self, request: &Request) -> Result<Reply, Failure> {
        self.framed.exchange(request).map_err(|e| self.failure(e))
    }

    fn request_value(&mut self, request: &serde_json::Value) -> Result<Reply, Failure> {
        self.framed
            .exchange_value(request)
            .map_err(|e| self.failure(e))
    }

    fn after_case(&mut self) -> Result<(), Failure> {
        self.framed.expect_quiet().map_err(|e| self.failure(e))
    }
}

/// The protocol over any pair of streams, without a process (tests drive faulty adapters
/// on threads this way).
impl Implementation for Framed {
    fn request(&mut self, request: &Request) -> Result<Reply, Failure> {
        self.exchange(request)
            .map_err(|e| failure_of(e, self.limits()))
    }

    fn request_value(&mut self, request: &serde_json::Value) -> Result<Reply, Failure> {
        self.exchange_value(request)
            .map_err(|e| failure_of(e, self.limits()))
    }

    fn after_case(&mut self) -> Result<(), Failure> {
        self.expect_quiet()
            .map_err(|e| failure_of(e, self.limits()))
    }
}

fn failure_of(error: FramingError, limits: Limits) -> Failure {
    match error {
        FramingError::Closed => Failure::Closed {
            status: "unknown".into(),
            stderr: String::new(),
        },
        FramingError::Timeout => Failure::Timeout {
            ms: limits.step_timeout_ms,
        },
        other => Failure::Framing(other),
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        // Closing stdin asks a well-behaved adapter to exit; then its whole process group
        // is ended, whatever it started.
        self.framed.close();
        let grace = if self.broken {
            Duration::ZERO
        } else {
            EXIT_GRACE
        };
        self.group.end_now(grace);
    }
}
