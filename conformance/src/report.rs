//! Reports of a conformance run: human-readable (the first divergence of each failing
//! case as expected against actual), JSON, and JUnit XML for CI dashboards. Each lists the
//! cases executed, the cases skipped and why, and the vector files that could not be read.

use crate::runner::{CaseResult, Checks, Verdict};
use crate::vector::VectorError;
use serde_json::json;
use std::fmt::Write as _;

/// Everything a report says.
pub struct Run<'a> {
    pub target: String,
    pub rules: String,
    pub results: &'a [CaseResult],
    /// Cases left out by the filters: (suite/id, why).
    pub filtered: &'a [(String, String)],
    pub malformed: &'a [VectorError],
}

fn counts(results: &[CaseResult]) -> (usize, usize, usize, usize) {
    let mut c = (0, 0, 0, 0);
    for r in results {
        match r.verdict {
            Verdict::Pass => c.0 += 1,
            Verdict::Fail(_) => c.1 += 1,
            Verdict::Error { .. } => c.2 += 1,
            Verdict::Skip(_) => c.3 += 1,
        }
    }
    c
}

pub fn human(run: &Run) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "cxspec conform: {} cases against {} (rules: {})",
        run.results.len(),
        run.target,
        run.rules
    );
    for e in run.malformed {
        let _ = writeln!(s, "MALFORMED {e}");
    }
    for r in run.results {
        let name = format!("{}/{}", r.suite, r.id);
        match &r.verdict {
            Verdict::Pass => {
                let _ = writeln!(s, "PASS  {name}");
            }
            Verdict::Skip(why) => {
                let _ = writeln!(s, "SKIP  {name}: {why}");
            }
            Verdict::Error { step, message } => {
                let at = step.map_or(String::new(), |n| format!(" at step {n}"));
                let _ = writeln!(s, "ERROR {name}{at}: {message}");
            }
            Verdict::Fail(d) => {
                let _ = writeln!(s, "FAIL  {name}  [{}] {}", r.rules.join(" "), r.title);
                let _ = writeln!(s, "      step {}: {}", d.step, d.stimulus);
                if !d.rules.is_empty() {
                    let _ = writeln!(s, "      rules of the step: {}", d.rules.join(" "));
                }
                if !d.actual_rules.is_empty() && d.actual_rules != d.rules {
                    let _ = writeln!(
                        s,
                        "      rules the implementation applied: {}",
                        d.actual_rules.join(" ")
                    );
                }
                let _ = writeln!(s, "      {} differ:", d.what);
                for line in &d.differences {
                    let _ = writeln!(s, "      ! {line}");
                }
                let width = d.expected.len().max(d.actual.len());
                for i in 0..width {
                    let e = d.expected.get(i).map_or("-", |x| x.as_str());
                    let a = d.actual.get(i).map_or("-", |x| x.as_str());
                    let _ = writeln!(s, "        expected: {e}");
                    let _ = writeln!(s, "        actual:   {a}");
                }
                if d.what == "published" {
                    let _ = writeln!(s, "        expected JSON: {}", d.expected_json);
                    let _ = writeln!(s, "        actual JSON:   {}", d.actual_json);
                }
                for dev in &d.deviations {
                    let _ = writeln!(s, "      would be explained by: {dev}");
                }
                if let Some((label, changed)) = &r.derived {
                    let _ = writeln!(
                        s,
                        "      expectations derived for the declared readings: {label} ({changed} steps differ from the vector file)"
                    );
                }
            }
        }
    }
    for r in run.results {
        if let Some(note) = &r.rules_note {
            let _ = writeln!(s, "NOTE  {}/{} {note}", r.suite, r.id);
        }
    }
    for line in derived_lines(run.results) {
        let _ = writeln!(s, "{line}");
    }
    let profiled = run
        .results
        .iter()
        .filter(|r| r.profile == crate::vendor::Profile::ExpertflowCim)
        .count();
    if profiled > 0 {
        let _ = writeln!(
            s,
            "
profile expertflow-cim (conformance/VENDOR.md): {profiled} cases exchanged in the vendor's JSON and compared after translation back; deadline_ms and state are not compared under it"
        );
    }
    let checks = total_checks(run.results);
    let _ = writeln!(s, "\nchecks exercised ({} steps run):", checks.steps);
    for line in checks_lines(&checks) {
        let _ = writeln!(s, "  {line}");
    }
    let (pass, fail, error, skip) = counts(run.results);
    let checked = run.results.iter().filter(|r| r.state_checked > 0).count();
    let _ = writeln!(
        s,
        "\nexecuted {}: {pass} passed, {fail} failed, {error} errors; {skip} skipped by the adapter; {} filtered out; {} malformed files; state compared in {checked} cases",
        pass + fail + error,
        run.filtered.len(),
        run.malformed.len()
    );
    s
}

/// One line per set of rules the cases were derived for (the adapter's declared readings):
/// how many cases, and how many of them expect something else than the vector files say.
fn derived_lines(results: &[CaseResult]) -> Vec<String> {
    let mut by_rules: std::collections::BTreeMap<&str, (usize, usize)> = Default::default();
    for r in results {
        if let Some((label, changed)) = &r.derived {
            let entry = by_rules.entry(label.as_str()).or_default();
            entry.0 += 1;
            entry.1 += usize::from(*changed > 0);
        }
    }
    by_rules
        .into_iter()
        .map(|(label, (cases, changed))| {
            format!(
                "\nreadings declared by the adapter: {cases} cases derived for `{label}`, {changed} of them with expectations other than the vector files'"
            )
        })
        .collect()
}

fn total_checks(results: &[CaseResult]) -> Checks {
    let mut total = Checks::default();
    for r in results {
        total.add(&r.checks);
    }
    total
}

/// One line per check: how many steps it was compared in, with a warning where a vector
/// states something the implementation never reported.
fn checks_lines(checks: &Checks) -> Vec<String> {
    let mut lines = vec![
        format!("published  compared in {} steps", checks.published),
        format!(
            "reject     compared in {} steps ({} of them expect a rejection)",
            checks.reject, checks.rejections_expected
        ),
    ];
    for (field, (stated, compared)) in &checks.state {
        let warn = if *compared == 0 && *stated > 0 {
            "  WARNING: never reported by the implementation (--require-state makes this fail)"
        } else if compared < stated {
            "  (not reported in some steps)"
        } else {
            ""
        };
        lines.push(format!(
            "state.{field:<12} compared in {compared} of the {stated} steps that state it{warn}"
        ));
    }
    lines.push(format!(
        "rules      reported in {} of {} steps (compared as a warning: NOTE lines)",
        checks.rules_reported, checks.steps
    ));
    lines
}

pub fn json(run: &Run) -> String {
    let (pass, fail, error, skip) = counts(run.results);
    let checks = total_checks(run.results);
    let cases: Vec<serde_json::Value> = run
        .results
        .iter()
        .map(|r| {
            let mut case = json!({
                "suite": r.suite, "id": r.id, "title": r.title, "rules": r.rules,
                "state_checked_steps": r.state_checked,
            });
            if let Some(note) = &r.rules_note {
                case["rules_note"] = json!(note);
            }
            if let Some((label, changed)) = &r.derived {
                case["derived_for"] = json!(label);
                case["derived_changed_steps"] = json!(changed);
            }
            if r.profile != crate::vendor::Profile::Native {
                case["profile"] = json!(r.profile.name());
            }
            match &r.verdict {
                Verdict::Pass => case["verdict"] = json!("pass"),
                Verdict::Skip(why) => {
                    case["verdict"] = json!("skip");
                    case["reason"] = json!(why);
                }
                Verdict::Error { step, message } => {
                    case["verdict"] = json!("error");
                    case["step"] = json!(step);
                    case["message"] = json!(message);
                }
                Verdict::Fail(d) => {
                    case["verdict"] = json!("fail");
                    case["divergence"] = json!({
                        "step": d.step, "stimulus": d.stimulus, "rules": d.rules,
                        "actual_rules": d.actual_rules, "what": d.what,
                        "expected": d.expected_json, "actual": d.actual_json,
                        "expected_text": d.expected, "actual_text": d.actual,
                        "differences": d.differences, "explained_by": d.deviations,
                    });
                }
            }
            case
        })
        .collect();
    let report = json!({
        "target": run.target,
        "rules": run.rules,
        "summary": {"executed": pass + fail + error, "passed": pass, "failed": fail, "errors": error, "skipped": skip, "filtered": run.filtered.len(), "malformed": run.malformed.len()},
        "checks": {
            "steps": checks.steps, "published": checks.published, "reject": checks.reject,
            "rejections_expected": checks.rejections_expected, "rules_reported": checks.rules_reported,
            "state": checks.state.iter().map(|(f, (stated, compared))| (f.clone(), json!({"stated": stated, "compared": compared}))).collect::<serde_json::Map<_, _>>(),
        },
        "cases": cases,
        "filtered": run.filtered.iter().map(|(id, why)| json!({"case": id, "reason": why})).collect::<Vec<_>>(),
        "malformed": run.malformed.iter().map(|e| json!({"file": e.origin, "line": e.line, "field": e.field, "message": e.message})).collect::<Vec<_>>(),
    });
    serde_json::to_string_pretty(&report).expect("reports serialize") + "\n"
}

/// `text` escaped for XML attributes and text (also used by the replay report).
pub(crate) fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 allows only tab, newline, carriage return and the characters from
            // U+0020 except U+FFFE and U+FFFF, not even escaped; adapter stderr can hold
            // anything.
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('?'),
            c => out.push(c),
        }
    }
    out
}

pub fn junit(run: &Run) -> String {
    let mut s = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let (_, fail, error, skip) = counts(run.results);
    let _ = writeln!(
        s,
        "<testsuites name=\"cxspec conform\" tests=\"{}\" failures=\"{fail}\" errors=\"{}\" skipped=\"{skip}\">",
        run.results.len(),
        error + run.malformed.len()
    );
    let mut suites: Vec<crate::suite::Suite> = run.results.iter().map(|r| r.suite).collect();
    suites.sort();
    suites.dedup();
    for suite in suites {
        let cases: Vec<&CaseResult> = run.results.iter().filter(|r| r.suite == suite).collect();
        let (_, f, e, k) = counts(&cases.iter().map(|c| (*c).clone()).collect::<Vec<_>>());
        let _ = writeln!(
            s,
            "  <testsuite name=\"{suite}\" tests=\"{}\" failures=\"{f}\" errors=\"{e}\" skipped=\"{k}\">",
            cases.len()
        );
        for r in cases {
            let _ = write!(
                s,
                "    <testcase classname=\"cxspec.{suite}\" name=\"{}\"",
                xml(&r.id)
            );
            match &r.verdict {
                Verdict::Pass => {
                    let _ = writeln!(s, "/>");
                }
                Verdict::Skip(why) => {
                    let _ = writeln!(s, "><skipped message=\"{}\"/></testcase>", xml(why));
                }
                Verdict::Error { step, message } => {
                    let _ = writeln!(
                        s,
                        "><error message=\"{}\">{}</error></testcase>",
                        xml(&format!(
                            "step {}: adapter error",
                            step.map_or("-".into(), |n| n.to_string())
                        )),
                        xml(message)
                    );
                }
                Verdict::Fail(d) => {
                    let mut body = format!(
                        "{}\nstep {}: {}\n{} differ\n",
                        r.title, d.step, d.stimulus, d.what
                    );
                    for line in &d.differences {
                        body.push_str(&format!("! {line}\n"));
                    }
                    for e in &d.expected {
                        body.push_str(&format!("expected: {e}\n"));
                    }
                    for a in &d.actual {
                        body.push_str(&format!("actual:   {a}\n"));
                    }
                    for dev in &d.deviations {
                        body.push_str(&format!("would be explained by: {dev}\n"));
                    }
                    let _ = writeln!(
                        s,
                        "><failure message=\"{}\">{}</failure></testcase>",
                        xml(&format!(
                            "step {}: {} differ [{}]",
                            d.step,
                            d.what,
                            d.rules.join(" ")
                        )),
                        xml(&body)
                    );
                }
            }
        }
        let _ = writeln!(s, "  </testsuite>");
    }
    if !run.malformed.is_empty() {
        let _ = writeln!(
            s,
            "  <testsuite name=\"malformed\" tests=\"{0}\" errors=\"{0}\">",
            run.malformed.len()
        );
        for e in run.malformed {
            let _ = writeln!(
                s,
                "    <testcase classname=\"cxspec.malformed\" name=\"{}\"><error message=\"{}\"/></testcase>",
                xml(&e.origin),
                xml(&e.to_string())
            );
        }
        let _ = writeln!(s, "  </testsuite>");
    }
    s.push_str("</testsuites>\n");
    s
}
