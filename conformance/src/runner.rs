//! Runs vectors against an implementation and decides a verdict per case: pass, fail
//! (with the first divergence, expected against actual), error (the adapter crashed,
//! hung, wrote garbage or refused a request), or skip (the adapter declined the case).
//!
//! Cases run in parallel on `jobs` threads, each with its own implementation (for an
//! adapter: its own process), taking cases in order from a shared counter; verdicts are
//! reported in vector order, so a report does not depend on scheduling.

use crate::adapter::{Failure, Implementation, Limits, Process, ReferenceAdapter};
use crate::protocol::{Reply, Request, PROTOCOL_VERSION};
use crate::suite::Suite;
use crate::vector::Vector;
use cxspec_spec::scenarios::describe;
use cxspec_spec::{Deviation, Published, Rule, RuleSet};
use serde_json::Value;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// Where the cases run.
#[derive(Clone, Debug)]
pub enum Target {
    /// The reference, in this process.
    Reference,
    /// A program speaking the adapter protocol, started with `sh -c`.
    Adapter(String),
}

#[derive(Clone, Debug)]
pub struct Options {
    /// Ask for this rule set instead of each vector's own.
    pub rules: Option<RuleSet>,
    pub jobs: usize,
    pub step_timeout_ms: u64,
    /// The longest reply line an adapter may write (PROTOCOL.md, "Limits").
    pub max_reply_bytes: usize,
    pub mutant: Option<String>,
}

impl Default for Options {
    fn default() -> Options {
        let limits = Limits::default();
        Options {
            rules: None,
            jobs: 1,
            step_timeout_ms: limits.step_timeout_ms,
            max_reply_bytes: limits.max_reply_bytes,
            mutant: None,
        }
    }
}

impl Options {
    pub fn limits(&self) -> Limits {
        Limits {
            step_timeout_ms: self.step_timeout_ms,
            max_reply_bytes: self.max_reply_bytes,
        }
    }
}

/// The first place where actual and expected differ.
#[derive(Clone, Debug, PartialEq)]
pub struct Divergence {
    /// 1-based step number.
    pub step: usize,
    pub stimulus: String,
    /// Rule IDs the vector names for the step, and those the implementation reported.
    pub rules: Vec<String>,
    pub actual_rules: Vec<String>,
    /// `published`, `reject` or `state.<field>`.
    pub what: String,
    pub expected: Vec<String>,
    pub actual: Vec<String>,
    /// Deviations of the sources that read the step's rules differently.
    pub deviations: Vec<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Verdict {
    Pass,
    Fail(Box<Divergence>),
    Error {
        step: Option<usize>,
        message: String,
    },
    Skip(String),
}

#[derive(Clone, Debug, PartialEq)]
pub struct CaseResult {
    pub id: String,
    pub suite: Suite,
    pub title: String,
    pub rules: Vec<String>,
    pub verdict: Verdict,
    /// Steps whose stated state could be compared (the adapter reported state).
    pub state_checked: usize,
}

fn event_text(value: &Value) -> String {
    match serde_json::from_value::<Published>(value.clone()) {
        Ok(e) => describe(&e),
        Err(_) => format!("(not an event of the catalogue) {value}"),
    }
}

/// The deviations that touch `rules` and on which the rule set run (`asked`) and the
/// vector's (`expected`) disagree; all that touch `rules` when the run asks for none.
fn deviations_of(rules: &[String], expected: RuleSet, asked: Option<RuleSet>) -> Vec<String> {
    Deviation::ALL
        .iter()
        .filter(|d| rules.iter().any(|r| r == d.rule().id()))
        .filter(|d| asked.is_none_or(|a| a.has(**d) != expected.has(**d)))
        .map(|d| {
            let sets: Vec<&str> = RuleSet::ALL
                .iter()
                .filter(|s| s.has(*d))
                .map(|s| s.name())
                .collect();
            format!(
                "{} ({}, in {}): {}",
                d.id(),
                d.rule().id(),
                sets.join(", "),
                d.title()
            )
        })
        .collect()
}

/// Sorts timer lists so that they compare as sets: the protocol fixes no order for them.
fn normalize_state(field: &str, value: &Value) -> Value {
    match (field, value) {
        ("timers", Value::Array(items)) => {
            let mut items: Vec<Value> = items.clone();
            items.sort_by_key(|v| v.to_string());
            Value::Array(items)
        }
        _ => value.clone(),
    }
}

/// Runs one case on an implementation that is ready for a reset.
pub fn run_case(
    imp: &mut dyn Implementation,
    vector: &Vector,
    rules: Option<RuleSet>,
    mutant: Option<&str>,
) -> CaseResult {
    let mut result = compare_steps(imp, vector, rules, mutant);
    if matches!(result.verdict, Verdict::Pass | Verdict::Fail(_)) {
        // More lines than requests: the adapter broke the framing, and a FAIL seen on its
        // replies may be an artefact of that, so the case is an error.
        if let Err(f) = imp.after_case() {
            result.verdict = Verdict::Error {
                step: None,
                message: format!("after the last step: {f}"),
            };
        }
    }
    result
}

/// Runs the steps of one case and compares each reply with the vector.
fn compare_steps(
    imp: &mut dyn Implementation,
    vector: &Vector,
    rules: Option<RuleSet>,
    mutant: Option<&str>,
) -> CaseResult {
    let mut result = CaseResult {
        id: vector.id.clone(),
        suite: vector.suite,
        title: vector.title.clone(),
        rules: vector.rules.clone(),
        verdict: Verdict::Pass,
        state_checked: 0,
    };
    let error = |step: Option<usize>, message: String| Verdict::Error { step, message };
    let reset = Request::Reset {
        id: vector.id.clone(),
        suite: vector.suite,
        rule_set: rules.unwrap_or(vector.rule_set),
        config: vector.config.clone(),
        mutant: mutant.map(str::to_string),
    };
    match imp.request(&reset) {
        Err(f) => {
            result.verdict = error(None, format!("reset: {f}"));
            return result;
        }
        Ok(Reply {
            skip: Some(why), ..
        }) => {
            result.verdict = Verdict::Skip(why);
            return result;
        }
        Ok(Reply {
            ok: false,
            error: e,
            ..
        }) => {
            result.verdict = error(None, format!("reset refused: {}", e.unwrap_or_default()));
            return result;
        }
        Ok(_) => {}
    }
    for (i, step) in vector.steps.iter().enumerate() {
        let request = match &step.input {
            Some(input) => Request::Apply {
                at_ms: step.at_ms,
                input: *input,
                events: step.events.clone(),
            },
            None => Request::Advance {
                to_ms: step.at_ms,
                events: step.events.clone(),
            },
        };
        let reply = match imp.request(&request) {
            Err(f) => {
                result.verdict = error(Some(i + 1), f.to_string());
                return result;
            }
            Ok(r) if !r.ok => {
                result.verdict = error(
                    Some(i + 1),
                    format!(
                        "the adapter refused the step: {}",
                        r.error.unwrap_or_default()
                    ),
                );
                return result;
            }
            Ok(r) => r,
        };
        let actual_rules = reply.rules.clone().unwrap_or_default();
        let diverge = |what: &str, expected: Vec<String>, actual: Vec<String>| {
            let mut all = step.rules.clone();
            all.extend(actual_rules.iter().cloned());
            Verdict::Fail(Box::new(Divergence {
                step: i + 1,
                stimulus: step.describe(),
                rules: step.rules.clone(),
                actual_rules: actual_rules.clone(),
                what: what.to_string(),
                expected,
                actual,
                deviations: deviations_of(&all, vector.rule_set, rules),
            }))
        };
        let expected_reject = step.expect.reject.map(crate::adapter::reject_name);
        if expected_reject != reply.reject {
            result.verdict = diverge(
                "reject",
                vec![expected_reject.unwrap_or_else(|| "(accepted)".into())],
                vec![reply.reject.clone().unwrap_or_else(|| "(accepted)".into())],
            );
            return result;
        }
        let expected: Vec<Value> = step
            .expect
            .published
            .iter()
            .map(|e| serde_json::to_value(e).expect("events serialize"))
            .collect();
        let actual = reply.published.clone().unwrap_or_default();
        if expected != actual {
            result.verdict = diverge(
                "published",
                expected.iter().map(event_text).collect(),
                actual.iter().map(event_text).collect(),
            );
            return result;
        }
        if let (Some(want), Some(got)) = (&step.expect.state, &reply.state) {
            result.state_checked += 1;
            let want = serde_json::to_value(want).expect("states serialize");
            if let Value::Object(fields) = &want {
                for (field, value) in fields {
                    let have = got.get(field).cloned().unwrap_or(Value::Null);
                    if normalize_state(field, value) != normalize_state(field, &have) {
                        result.verdict = diverge(
                            &format!("state.{field}"),
                            vec![value.to_string()],
                            vec![have.to_string()],
                        );
                        return result;
                    }
                }
            }
        }
    }
    result
}

/// Which cases a run takes.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub suite: Option<Suite>,
    pub id: Option<String>,
    pub rule: Option<String>,
}

impl Filter {
    /// `None` if the case is in; else why it is left out.
    pub fn excludes(&self, v: &Vector) -> Option<String> {
        if self.suite.is_some_and(|s| s != v.suite) {
            return Some(format!("not in suite {}", self.suite.expect("checked")));
        }
        if self
            .id
            .as_ref()
            .is_some_and(|id| *id != v.id && *id != format!("{}/{}", v.suite, v.id))
        {
            return Some("another id was asked for".into());
        }
        if let Some(rule) = &self.rule {
            if !v.rules.contains(rule) {
                return Some(format!("does not cover {rule}"));
            }
        }
        None
    }
}

/// One worker's implementation, restarted after any failure.
struct Worker<'a> {
    target: &'a Target,
    options: &'a Options,
    current: Option<Box<dyn Implementation>>,
    suites: Option<Vec<Suite>>,
}

impl Worker<'_> {
    fn ready(&mut self) -> Result<&mut Box<dyn Implementation>, String> {
        if self.current.is_none() {
            let mut imp: Box<dyn Implementation> = match self.target {
                Target::Reference => Box::new(ReferenceAdapter::new(self.options.rules)),
                Target::Adapter(command) => Box::new(
                    Process::spawn(command, self.options.limits(), &[])
                        .map_err(|e| e.to_string())?,
                ),
            };
            let hello = imp
                .request(&Request::Hello {
                    protocol: PROTOCOL_VERSION,
                })
                .map_err(|e: Failure| format!("hello: {e}"))?;
            if !hello.ok {
                return Err(format!(
                    "hello refused: {}",
                    hello.error.unwrap_or_default()
                ));
            }
            if let Some(p) = hello.protocol {
                if p != PROTOCOL_VERSION {
                    return Err(format!(
                        "the adapter speaks protocol {p}, this kit {PROTOCOL_VERSION}"
                    ));
                }
            }
            self.suites = hello.suites;
            self.current = Some(imp);
        }
        Ok(self.current.as_mut().expect("just set"))
    }

    fn run(&mut self, vector: &Vector) -> CaseResult {
        let imp = match self.ready() {
            Ok(imp) => imp,
            Err(message) => {
                return CaseResult {
                    id: vector.id.clone(),
                    suite: vector.suite,
                    title: vector.title.clone(),
                    rules: vector.rules.clone(),
                    verdict: Verdict::Error {
                        step: None,
                        message,
                    },
                    state_checked: 0,
                }
            }
        };
        let _ = imp;
        if let Some(suites) = &self.suites {
            if !suites.contains(&vector.suite) {
                return CaseResult {
                    id: vector.id.clone(),
                    suite: vector.suite,
                    title: vector.title.clone(),
                    rules: vector.rules.clone(),
                    verdict: Verdict::Skip(format!(
                        "the adapter does not implement the {} suite",
                        vector.suite
                    )),
                    state_checked: 0,
                };
            }
        }
        let imp = self.current.as_mut().expect("ready");
        let result = run_case(
            imp.as_mut(),
            vector,
            self.options.rules,
            self.options.mutant.as_deref(),
        );
        if !matches!(result.verdict, Verdict::Pass | Verdict::Skip(_)) {
            // After an error or a failure, whatever state the adapter is in (a reply in
            // flight, a conversation the reset did not clear), the next case gets a fresh
            // process, so one broken case cannot contaminate the next.
            self.current = None;
        }
        result
    }
}

/// Runs the cases in parallel; results come back in the order of `vectors`.
pub fn run(vectors: &[&Vector], target: &Target, options: &Options) -> Vec<CaseResult> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<CaseResult>>> = Mutex::new(vec![None; vectors.len()]);
    let jobs = options.jobs.clamp(1, 64).min(vectors.len().max(1));
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            scope.spawn(|| {
                let mut worker = Worker {
                    target,
                    options,
                    current: None,
                    suites: None,
                };
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(vector) = vectors.get(i) else { break };
                    let result = worker.run(vector);
                    results.lock().expect("results")[i] = Some(result);
                }
            });
        }
    });
    results
        .into_inner()
        .expect("results")
        .into_iter()
        .map(|r| r.expect("every case ran"))
        .collect()
}

/// Exit code of a run: 2 on any error, else 1 on any failure, else 0.
pub fn exit_code(results: &[CaseResult]) -> u8 {
    if results
        .iter()
        .any(|r| matches!(r.verdict, Verdict::Error { .. }))
    {
        2
    } else if results
        .iter()
        .any(|r| matches!(r.verdict, Verdict::Fail(_)))
    {
        1
    } else {
        0
    }
}

/// The rules a rule ID filter may name.
pub fn known_rule(id: &str) -> bool {
    Rule::from_id(id).is_some()
}
