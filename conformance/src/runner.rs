//! Runs vectors against an implementation and decides a verdict per case: pass, fail
//! (with the first divergence, expected against actual), error (the adapter crashed,
//! hung, wrote garbage or refused a request), or skip (the adapter declined the case).
//!
//! Cases run in parallel on `jobs` threads, each with its own implementation (for an
//! adapter: its own process), taking cases in order from a shared counter; verdicts are
//! reported in vector order, so a report does not depend on scheduling.

use crate::adapter::{Failure, Implementation, Limits, Process, ReferenceAdapter, VendorProfile};
use crate::protocol::{Reply, Request, PROTOCOL_VERSION};
use crate::suite::Suite;
use crate::vector::Vector;
use crate::vendor::Profile;
use cxspec_spec::scenarios::describe;
use cxspec_spec::{Deviation, Published, Readings, Rule, RuleSet, Rules};
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
    /// A step whose vector states a state, answered without `state`, fails.
    pub require_state: bool,
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
            require_state: false,
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
    /// What was expected and what came, one line per event (or one for a rejection or a
    /// state field), as people read them.
    pub expected: Vec<String>,
    pub actual: Vec<String>,
    /// The same, as the JSON the vector and the adapter hold.
    pub expected_json: Value,
    pub actual_json: Value,
    /// Each difference, field by field (`diff.rs`): what a reader looks at first.
    pub differences: Vec<String>,
    /// Deviations or rule sets of the sources that give exactly the actual reply here.
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

/// What a case compared, so that a run can say which checks it exercised: an adapter that
/// never reports `state` passes vectors without their state ever being compared.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Checks {
    /// Steps run (replies received).
    pub steps: usize,
    /// Steps whose published events were compared.
    pub published: usize,
    /// Steps whose rejection was compared, and of those, steps where one was expected.
    pub reject: usize,
    pub rejections_expected: usize,
    /// Per state field (`conversation`, `tasks`, `timers`, ...): steps where the vector
    /// states it, and steps where it was compared.
    pub state: std::collections::BTreeMap<String, (usize, usize)>,
    /// Steps where the implementation reported the rules it applied.
    pub rules_reported: usize,
}

impl Checks {
    pub fn add(&mut self, other: &Checks) {
        self.steps += other.steps;
        self.published += other.published;
        self.reject += other.reject;
        self.rejections_expected += other.rejections_expected;
        for (field, (stated, compared)) in &other.state {
            let entry = self.state.entry(field.clone()).or_default();
            entry.0 += stated;
            entry.1 += compared;
        }
        self.rules_reported += other.rules_reported;
    }
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
    pub checks: Checks,
    /// The first step whose reported rules differ from the vector's (a warning, never a
    /// failure: rules are informative, but a missing one shows where it is first missed).
    pub rules_note: Option<String>,
    /// When the adapter declared readings: the rules the case's expectations were derived
    /// for (`derive.rs`), and how many steps now expect something else.
    pub derived: Option<(String, usize)>,
    /// The JSON the adapter spoke (`hello.profile`).
    pub profile: Profile,
}

impl CaseResult {
    /// A case of `vector` with this verdict and nothing compared yet.
    pub fn new(vector: &Vector, verdict: Verdict) -> CaseResult {
        CaseResult {
            id: vector.id.clone(),
            suite: vector.suite,
            title: vector.title.clone(),
            rules: vector.rules.clone(),
            verdict,
            state_checked: 0,
            checks: Checks::default(),
            rules_note: None,
            derived: None,
            profile: Profile::Native,
        }
    }
}

fn event_text(value: &Value) -> String {
    match serde_json::from_value::<Published>(value.clone()) {
        Ok(e) => describe(&e),
        Err(_) => format!("(not an event of the catalogue) {value}"),
    }
}

/// The deviations between `expected` and `other` that touch `rules`.
fn deviations_between(rules: &[String], expected: RuleSet, other: RuleSet) -> Vec<String> {
    Deviation::ALL
        .iter()
        .filter(|d| rules.iter().any(|r| r == d.rule().id()))
        .filter(|d| other.has(**d) != expected.has(**d))
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

/// The rule sets (and their deviations touching the step's `rules`) under which the
/// reference itself gives `actual` at step `index`: only those can explain the divergence.
/// The vector's inputs are replayed on the reference under each other rule set.
fn explaining_deviations(
    vector: &Vector,
    index: usize,
    rules: &[String],
    expected: RuleSet,
    actual: &Reply,
) -> Vec<String> {
    let mut found = Vec::new();
    for &other in RuleSet::ALL.iter().filter(|r| **r != expected) {
        let mut reference = ReferenceAdapter::new(Some(other));
        reference.offer_mutants = false;
        let reset = reference.handle(&Request::Reset {
            id: vector.id.clone(),
            suite: vector.suite,
            rule_set: other,
            config: vector.config.clone(),
            mutant: None,
            readings: vector.readings,
        });
        if !reset.ok {
            continue;
        }
        let mut reply = None;
        for step in &vector.steps[..=index] {
            reply = Some(reference.handle(&step_request(step)));
        }
        let Some(reply) = reply else { continue };
        let published = |r: &Reply| r.published.clone().unwrap_or_default();
        if reply.ok
            && reply.reject == actual.reject
            && crate::diff::same_events(&published(&reply), &published(actual))
        {
            let mut touching = deviations_between(rules, expected, other);
            if touching.is_empty() {
                touching.push(format!(
                    "the `{other}` rule set gives this reply (its deviations from `{expected}` do not name the step's rules)"
                ));
            }
            found.extend(touching);
        }
    }
    found.sort();
    found.dedup();
    found
}

/// The protocol request for a vector step.
pub fn step_request(step: &crate::vector::Step) -> Request {
    match &step.input {
        Some(input) => Request::Apply {
            at_ms: step.at_ms,
            input: *input,
            events: step.events.clone(),
        },
        None => Request::Advance {
            to_ms: step.at_ms,
            events: step.events.clone(),
        },
    }
}

/// A state field in canonical form; timer lists sorted, so that they compare as sets (the
/// protocol fixes no order for them).
fn canonical_state(field: &str, value: &Value) -> Value {
    match (field, crate::diff::canonical(value)) {
        ("timers", Value::Array(mut items)) => {
            items.sort_by_key(|v| v.to_string());
            Value::Array(items)
        }
        (_, v) => v,
    }
}

/// Runs one case on an implementation that is ready for a reset.
pub fn run_case(
    imp: &mut dyn Implementation,
    vector: &Vector,
    rules: Option<RuleSet>,
    mutant: Option<&str>,
) -> CaseResult {
    let options = Options {
        rules,
        mutant: mutant.map(str::to_string),
        ..Options::default()
    };
    run_case_with(imp, vector, &options)
}

/// Runs one case with the run's options (rule set, mutant, `require_state`).
pub fn run_case_with(
    imp: &mut dyn Implementation,
    vector: &Vector,
    options: &Options,
) -> CaseResult {
    let mut result = compare_steps(imp, vector, options);
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
fn compare_steps(imp: &mut dyn Implementation, vector: &Vector, options: &Options) -> CaseResult {
    let rules = options.rules;
    let mut result = CaseResult::new(vector, Verdict::Pass);
    let error = |step: Option<usize>, message: String| Verdict::Error { step, message };
    let reset = Request::Reset {
        id: vector.id.clone(),
        suite: vector.suite,
        rule_set: rules.unwrap_or(vector.rule_set),
        config: vector.config.clone(),
        mutant: options.mutant.clone(),
        readings: vector.readings,
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
        let reply = match imp.request(&step_request(step)) {
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
        result.checks.steps += 1;
        let actual_rules = reply.rules.clone().unwrap_or_default();
        if reply.rules.is_some() {
            result.checks.rules_reported += 1;
            if result.rules_note.is_none() {
                result.rules_note = rules_note(i + 1, &step.rules, &actual_rules);
            }
        }
        let diverge = |what: &str,
                       expected: Vec<String>,
                       actual: Vec<String>,
                       expected_json: Value,
                       actual_json: Value,
                       differences: Vec<String>| {
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
                expected_json,
                actual_json,
                differences,
                // The expectations are the vector's own rule set's, whatever the run asked
                // the implementation to follow.
                deviations: explaining_deviations(vector, i, &all, vector.rule_set, &reply),
            }))
        };
        let expected_reject = step.expect.reject.map(crate::adapter::reject_name);
        result.checks.reject += 1;
        if expected_reject.is_some() {
            result.checks.rejections_expected += 1;
        }
        if expected_reject != reply.reject {
            let text = |r: &Option<String>| r.clone().unwrap_or_else(|| "(accepted)".into());
            result.verdict = diverge(
                "reject",
                vec![text(&expected_reject)],
                vec![text(&reply.reject)],
                expected_reject.clone().map_or(Value::Null, Value::String),
                reply.reject.clone().map_or(Value::Null, Value::String),
                vec![format!(
                    "expected {}, actual {}",
                    text(&expected_reject),
                    text(&reply.reject)
                )],
            );
            return result;
        }
        let expected: Vec<Value> = imp.expected_events(
            step.expect
                .published
                .iter()
                .map(|e| serde_json::to_value(e).expect("events serialize"))
                .collect(),
        );
        let actual = reply.published.clone().unwrap_or_default();
        result.checks.published += 1;
        if !crate::diff::same_events(&expected, &actual) {
            result.verdict = diverge(
                "published",
                expected.iter().map(event_text).collect(),
                actual.iter().map(event_text).collect(),
                Value::Array(expected.clone()),
                Value::Array(actual.clone()),
                crate::diff::event_differences(&expected, &actual),
            );
            return result;
        }
        let Some(want) = &step.expect.state else {
            continue;
        };
        let want = serde_json::to_value(want).expect("states serialize");
        let Value::Object(fields) = &want else {
            continue;
        };
        for field in fields.keys() {
            result.checks.state.entry(field.clone()).or_default().0 += 1;
        }
        let Some(got) = &reply.state else {
            if options.require_state {
                let field = fields.keys().next().cloned().unwrap_or_default();
                result.verdict = diverge(
                    &format!("state.{field}"),
                    vec![fields[&field].to_string()],
                    vec!["(no state reported)".into()],
                    fields[&field].clone(),
                    Value::Null,
                    vec![format!(
                        "the reply has no `state`, and --require-state asks for it whenever the vector states one (here: {})",
                        fields.keys().cloned().collect::<Vec<_>>().join(", ")
                    )],
                );
                return result;
            }
            continue;
        };
        result.state_checked += 1;
        for (field, value) in fields {
            result.checks.state.entry(field.clone()).or_default().1 += 1;
            let have = got.get(field).cloned().unwrap_or(Value::Null);
            if canonical_state(field, value) != canonical_state(field, &have) {
                let mut differences = Vec::new();
                if have.is_null() {
                    differences.push(format!("the reply's state has no `{field}`"));
                } else {
                    crate::diff::field_differences(
                        field,
                        &canonical_state(field, value),
                        &canonical_state(field, &have),
                        &mut differences,
                    );
                }
                result.verdict = diverge(
                    &format!("state.{field}"),
                    vec![value.to_string()],
                    vec![have.to_string()],
                    value.clone(),
                    have.clone(),
                    differences,
                );
                return result;
            }
        }
    }
    result
}

/// A note when the rules an implementation reports for a step differ from the vector's.
fn rules_note(step: usize, expected: &[String], actual: &[String]) -> Option<String> {
    let missing: Vec<&str> = expected
        .iter()
        .filter(|r| !actual.contains(r))
        .map(String::as_str)
        .collect();
    let extra: Vec<&str> = actual
        .iter()
        .filter(|r| !expected.contains(r))
        .map(String::as_str)
        .collect();
    if missing.is_empty() && extra.is_empty() {
        return None;
    }
    let mut note = format!("step {step}: rules reported differ from the vector's");
    if !missing.is_empty() {
        note.push_str(&format!("; not reported: {}", missing.join(" ")));
    }
    if !extra.is_empty() {
        note.push_str(&format!("; not in the vector: {}", extra.join(" ")));
    }
    Some(note)
}

/// Which cases a run takes.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub suite: Option<Suite>,
    pub id: Option<String>,
    pub rule: Option<String>,
    /// `--rules`: component vectors of another rule set are left out (see
    /// [`COMPONENT_RULES_REASON`]).
    pub rules: Option<RuleSet>,
}

/// Why `--rules` leaves out component vectors of another rule set. A component vector hands
/// the implementation what the other components published, under the vector's own rule
/// set; under another rule set they would have published other events, so the vector
/// cannot say what this component should do then. The system suite has no such events.
pub const COMPONENT_RULES_REASON: &str = "a component vector carries the other components' \
events under its own rule set, so it cannot hold a component to another one; run the system \
suite under --rules, or the component suites without it";

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
        if let Some(asked) = self.rules {
            if v.suite != Suite::System && v.rule_set != asked {
                return Some(format!(
                    "{} vector under --rules {asked}: {COMPONENT_RULES_REASON}",
                    v.rule_set
                ));
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
    /// The readings the implementation declared in `hello`.
    readings: Readings,
    /// The JSON it declared it speaks in `hello`.
    profile: Profile,
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
            self.profile = match hello.profile.as_deref().map(str::parse::<Profile>) {
                None => Profile::Native,
                Some(Ok(p)) => p,
                Some(Err(e)) => return Err(format!("hello: {e}")),
            };
            self.suites = hello.suites;
            self.readings = hello.readings.unwrap_or_default();
            self.current = Some(imp);
        }
        Ok(self.current.as_mut().expect("just set"))
    }

    fn run(&mut self, vector: &Vector) -> CaseResult {
        let imp = match self.ready() {
            Ok(imp) => imp,
            Err(message) => {
                return CaseResult::new(
                    vector,
                    Verdict::Error {
                        step: None,
                        message,
                    },
                )
            }
        };
        let _ = imp;
        if let Some(suites) = &self.suites {
            if !suites.contains(&vector.suite) {
                return CaseResult::new(
                    vector,
                    Verdict::Skip(format!(
                        "the adapter does not implement the {} suite",
                        vector.suite
                    )),
                );
            }
        }
        // The declared readings on top of the vector's own: where they change anything, the
        // case runs as derived for them, so an implementation is held to its own reading.
        let chosen = vector.readings.overlay(self.readings);
        let derived = if chosen == vector.readings {
            None
        } else {
            match crate::derive::derive(vector, Rules::new(vector.rule_set, chosen)) {
                Ok(d) => Some(d),
                Err(e) => {
                    return CaseResult::new(
                        vector,
                        Verdict::Error {
                            step: None,
                            message: format!(
                                "cannot derive the case for the declared readings: {e}"
                            ),
                        },
                    );
                }
            }
        };
        let imp = self.current.as_mut().expect("ready");
        let case = derived.as_ref().unwrap_or(vector);
        let mut result = match self.profile {
            Profile::Native => run_case_with(imp.as_mut(), case, self.options),
            Profile::ExpertflowCim => {
                run_case_with(&mut VendorProfile::new(imp.as_mut()), case, self.options)
            }
        };
        result.profile = self.profile;
        if let Some(d) = &derived {
            result.derived = Some((
                d.rules_run().label(),
                crate::derive::changed_steps(vector, d),
            ));
        }
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
                    readings: Readings::NONE,
                    profile: Profile::Native,
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
