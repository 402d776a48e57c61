//! The kit from the implementer's side: every difference visible in the report, every
//! unchecked part named, and hints only where they explain the divergence.
//!
//! Each test drives the runner with the reference, tampered in one way an implementation
//! in JavaScript, Java or Python would naturally differ (`null` for an absent field, an
//! extra field, no `state`), and reads the report as a user would.

use cxspec_conformance::adapter::{Failure, Implementation, ReferenceAdapter};
use cxspec_conformance::protocol::{Reply, Request};
use cxspec_conformance::report::{human, json, Run};
use cxspec_conformance::runner::{run_case_with, CaseResult, Options, Verdict};
use cxspec_conformance::vector::{load_dir, Vector};
use cxspec_spec::RuleSet;
use serde_json::{json, Value};
use std::path::Path;

/// The reference, with every reply passed through `tamper`.
struct Tampered<F: FnMut(&Request, Reply) -> Reply + Send> {
    reference: ReferenceAdapter,
    tamper: F,
}

impl<F: FnMut(&Request, Reply) -> Reply + Send> Implementation for Tampered<F> {
    fn request(&mut self, request: &Request) -> Result<Reply, Failure> {
        let reply = self.reference.handle(request);
        Ok((self.tamper)(request, reply))
    }
}

fn vectors() -> Vec<Vector> {
    load_dir(Path::new("conformance/vectors"))
        .expect("vectors")
        .0
}

fn vector(suite: &str, id: &str) -> Vector {
    vectors()
        .into_iter()
        .find(|v| v.suite.name() == suite && v.id == id)
        .unwrap_or_else(|| panic!("{suite}/{id}"))
}

/// Rewrites every TASK_STATE_CHANGED's task with `f`.
fn each_task(reply: &mut Reply, f: &dyn Fn(&mut serde_json::Map<String, Value>)) {
    for event in reply.published.iter_mut().flatten() {
        if event["event"] == "TASK_STATE_CHANGED" {
            if let Some(task) = event.get_mut("task").and_then(Value::as_object_mut) {
                f(task);
            }
        }
    }
}

fn run_one(
    v: &Vector,
    options: &Options,
    tamper: impl FnMut(&Request, Reply) -> Reply + Send,
) -> CaseResult {
    let mut imp = Tampered {
        reference: ReferenceAdapter::new(None),
        tamper,
    };
    run_case_with(&mut imp, v, options)
}

fn report(results: &[CaseResult]) -> String {
    human(&Run {
        target: "test".into(),
        rules: "each vector's own".into(),
        results,
        filtered: &[],
        malformed: &[],
    })
}

/// A task-suite vector whose first task has no agent and no extra medias at some point.
fn task_vector() -> Vector {
    vector("task", "seed-case-1-single-agent")
}

#[test]
fn null_for_an_absent_field_and_an_empty_extra_medias_are_accepted() {
    let v = task_vector();
    let result = run_one(&v, &Options::default(), |_, mut reply| {
        each_task(&mut reply, &|task| {
            task.entry("agent").or_insert(Value::Null);
            task.entry("reason").or_insert(Value::Null);
            task.entry("extra_medias").or_insert(json!([]));
        });
        reply
    });
    assert_eq!(
        result.verdict,
        Verdict::Pass,
        "{}",
        report(std::slice::from_ref(&result))
    );
}

#[test]
fn an_extra_field_is_marked_by_name_in_human_and_json_reports() {
    let v = task_vector();
    let result = run_one(&v, &Options::default(), |_, mut reply| {
        each_task(&mut reply, &|task| {
            task.insert("queue".into(), json!("default"));
        });
        reply
    });
    let Verdict::Fail(d) = &result.verdict else {
        panic!("{:?}", result.verdict)
    };
    assert_eq!(d.what, "published");
    assert!(
        d.differences
            .iter()
            .any(|l| l.contains("task.queue: not expected (actual \"default\")")),
        "{:?}",
        d.differences
    );
    let text = report(std::slice::from_ref(&result));
    assert!(
        text.contains("! event 1 (TASK_STATE_CHANGED): task.queue: not expected"),
        "{text}"
    );
    // The JSON report carries the events as JSON, not as display strings.
    let results = [result];
    let report: Value = serde_json::from_str(&json(&Run {
        target: "test".into(),
        rules: "x".into(),
        results: &results,
        filtered: &[],
        malformed: &[],
    }))
    .unwrap();
    let divergence = &report["cases"][0]["divergence"];
    assert_eq!(divergence["actual"][0]["task"]["queue"], json!("default"));
    assert!(divergence["expected"][0]["task"].get("queue").is_none());
    assert!(divergence["differences"][0]
        .as_str()
        .unwrap()
        .contains("task.queue"));
}

#[test]
fn a_wrong_type_is_shown_with_its_type() {
    let v = task_vector();
    let result = run_one(&v, &Options::default(), |_, mut reply| {
        each_task(&mut reply, &|task| {
            if let Some(id) = task.get("id").cloned() {
                task.insert("id".into(), json!(id.to_string()));
            }
        });
        reply
    });
    let Verdict::Fail(d) = &result.verdict else {
        panic!("{:?}", result.verdict)
    };
    assert!(
        d.differences
            .iter()
            .any(|l| l.contains("task.id: expected 1, actual \"1\"")),
        "{:?}",
        d.differences
    );
}

#[test]
fn without_state_a_run_warns_and_require_state_fails() {
    let v = vector("sla", "seed-case-1-single-agent");
    let no_state = |_: &Request, mut reply: Reply| {
        reply.state = None;
        reply
    };
    let passed = run_one(&v, &Options::default(), no_state);
    assert_eq!(passed.verdict, Verdict::Pass);
    let text = report(&[passed]);
    assert!(
        text.contains("state.timers") && text.contains("WARNING: never reported"),
        "{text}"
    );
    let required = Options {
        require_state: true,
        ..Options::default()
    };
    let failed = run_one(&v, &required, no_state);
    let Verdict::Fail(d) = &failed.verdict else {
        panic!("{:?}", failed.verdict)
    };
    assert_eq!(d.what, "state.timers");
    assert!(
        d.differences[0].contains("--require-state"),
        "{:?}",
        d.differences
    );
}

#[test]
fn a_deviation_is_hinted_only_where_it_gives_the_actual_reply() {
    // An implementation of the documented reading, run on `specified` vectors: each
    // failure is explained by a deviation of `documented` (or by the rule set as a whole).
    let documented: Vec<Vector> = vectors()
        .into_iter()
        .filter(|v| v.suite.name() == "system" && v.rule_set == RuleSet::Specified)
        .collect();
    let mut explained = 0;
    for v in &documented {
        let mut imp = ReferenceAdapter::new(Some(RuleSet::Documented));
        imp.offer_mutants = false;
        let result = run_case_with(&mut imp, v, &Options::default());
        if let Verdict::Fail(d) = &result.verdict {
            assert!(
                !d.deviations.is_empty(),
                "{}: a documented reply with no explanation: {d:?}",
                v.id
            );
            explained += 1;
        }
    }
    assert!(explained > 0, "documented differs from specified somewhere");
    // A wrong rejection at a step that applied TASK-08 (which DEV-10 reads differently:
    // PULL tasks with mode QUEUE) is no reading of the sources: no hint. The old runner
    // hinted DEV-10 at every failure of such a step.
    let (v, index) = vectors()
        .into_iter()
        .filter(|v| v.suite.name() == "task" && v.rule_set == RuleSet::Specified)
        .find_map(|v| {
            let i = v
                .steps
                .iter()
                .position(|s| s.input.is_some() && s.rules.iter().any(|r| r == "TASK-08"))?;
            Some((v, i))
        })
        .expect("a task vector applies TASK-08");
    let mut steps_seen = 0;
    let result = run_one(&v, &Options::default(), move |request, mut reply| {
        if matches!(request, Request::Apply { .. } | Request::Advance { .. }) {
            if steps_seen == index {
                reply.reject = Some("NO_CUSTOMER".into());
                reply.published = Some(Vec::new());
            }
            steps_seen += 1;
        }
        reply
    });
    let Verdict::Fail(d) = &result.verdict else {
        panic!("{:?}", result.verdict)
    };
    assert_eq!((d.what.as_str(), d.step), ("reject", index + 1));
    assert!(d.rules.iter().any(|r| r == "TASK-08"));
    assert!(d.deviations.is_empty(), "{:?}", d.deviations);
}

#[test]
fn reported_rules_that_differ_are_noted_not_failed() {
    let v = vector("sla", "seed-case-1-single-agent");
    let result = run_one(&v, &Options::default(), |request, mut reply| {
        if matches!(request, Request::Apply { .. } | Request::Advance { .. }) {
            reply.rules = Some(vec!["SLA-01".into()]);
        }
        reply
    });
    assert_eq!(result.verdict, Verdict::Pass);
    let note = result.rules_note.clone().expect("a note");
    assert!(note.starts_with("step 1:"), "{note}");
    assert!(report(&[result]).contains("NOTE  sla/seed-case-1-single-agent step 1"));
}

#[test]
fn a_component_without_guards_fails_the_negative_vectors_of_its_suite() {
    // Every input a component owns has its rejections in that component's suite: an
    // implementation that accepts everything fails each of them at the rejected step.
    for suite in ["task", "conversation"] {
        let negatives: Vec<Vector> = vectors()
            .into_iter()
            .filter(|v| v.suite.name() == suite && v.origin == "negative")
            .collect();
        assert!(!negatives.is_empty(), "{suite} has negative vectors");
        for v in &negatives {
            let no_guards = |_: &Request, mut reply: Reply| {
                reply.reject = None;
                reply
            };
            let result = run_one(v, &Options::default(), no_guards);
            let Verdict::Fail(d) = &result.verdict else {
                panic!("{suite}/{}: {:?}", v.id, result.verdict)
            };
            assert_eq!(d.what, "reject", "{suite}/{}", v.id);
            assert_eq!(d.step, v.steps.len(), "{suite}/{}", v.id);
        }
    }
}

#[test]
fn another_rule_set_on_a_component_suite_is_refused_with_the_reason() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_cxspec"))
        .args(["conform", "--suite", "task", "--rules", "as-implemented"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("carries the other components' events under its own rule set"),
        "{stderr}"
    );
    // On the whole set, the component vectors are left out (with the reason in the
    // report) and the system vectors run under the rule set asked for.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_cxspec"))
        .args(["conform", "--rules", "documented", "--report", "json"])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let cases = report["cases"].as_array().unwrap();
    assert!(cases
        .iter()
        .all(|c| c["suite"] == "system" || c["id"].as_str().unwrap().ends_with("-documented")));
    assert!(report["filtered"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["reason"].as_str().unwrap().contains("own rule set")));
}

#[test]
fn a_parked_pull_request_is_visible_in_state_where_it_starts() {
    // A Routing Engine that forgets to park a PULL request fails at that very step, on
    // `state.requests`, not steps later on a puzzling rejection.
    let (v, step) = vectors()
        .into_iter()
        .filter(|v| v.suite.name() == "task" && v.rule_set == RuleSet::Specified)
        .find_map(|v| {
            let i = v.steps.iter().position(|s| {
                s.expect.state.as_ref().is_some_and(|st| {
                    st.requests
                        .as_ref()
                        .is_some_and(|r| r.iter().any(|r| r.task.is_none()))
                })
            })?;
            Some((v, i))
        })
        .expect("a task vector parks a PULL request");
    let forgets = |_: &Request, mut reply: Reply| {
        if let Some(state) = reply.state.as_mut().and_then(Value::as_object_mut) {
            if let Some(Value::Array(requests)) = state.get_mut("requests") {
                requests.retain(|r| r.get("task").is_some());
            }
        }
        reply
    };
    let result = run_one(&v, &Options::default(), forgets);
    let Verdict::Fail(d) = &result.verdict else {
        panic!("{}: {:?}", v.id, result.verdict)
    };
    assert_eq!(
        (d.what.as_str(), d.step),
        ("state.requests", step + 1),
        "{}",
        v.id
    );
}
