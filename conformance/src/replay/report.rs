//! Reports of a replay: human-readable (each conversation that does not conform with its
//! first divergence, expected against observed, then the summary), JSON, and JUnit XML (one
//! test case per conversation listed) for CI dashboards. The same [`Outcome`] gives all
//! three, byte for byte the same for the same log and options.
//!
//! Left out: conforming conversations are counted, not listed, unless the replay kept them
//! (`--list-conforming`), so that a report's size follows the problems, not the log.

use super::judge::{ConversationResult, Divergence, Kind, Summary, Timed, Verdict};
use super::{ConfigSource, Outcome};
use crate::report::xml;
use serde_json::{json, Value};
use std::fmt::Write as _;

fn describe(event: &cxspec_spec::Published) -> String {
    super::judge::describe(event)
}

fn timed(t: &Timed, verb: &str) -> String {
    match t.line {
        Some(line) => format!("{} {verb} {} ms (line {line})", describe(&t.event), t.at_ms),
        None => format!("{} {verb} {} ms", describe(&t.event), t.at_ms),
    }
}

fn config_text(source: ConfigSource) -> &'static str {
    match source {
        ConfigSource::Given => "--config",
        ConfigSource::LogHeader => "the log's header",
        ConfigSource::Default => "the spec's default",
    }
}

/// The header line both text forms open with.
fn heading(o: &Outcome, origin: &str) -> String {
    format!(
        "cxspec replay: {origin}, {} records in {} lines, {} conversations; check: {}; rules: {}; tolerance: {} ms; config: {}",
        o.summary.records,
        o.lines,
        o.summary.conversations,
        o.options.check,
        o.options.rules,
        o.options.tolerance_ms,
        config_text(o.config)
    )
}

fn divergence_lines(d: &Divergence, indent: &str, out: &mut String) {
    let _ = writeln!(out, "{indent}step: {}", d.cause);
    match &d.expected {
        Some(e) => {
            let _ = writeln!(out, "{indent}expected: {}", timed(e, "due at"));
        }
        None => {
            let _ = writeln!(out, "{indent}expected: nothing");
        }
    }
    match &d.observed {
        Some(o) => {
            let _ = writeln!(out, "{indent}observed: {}", timed(o, "at"));
        }
        None => {
            let _ = writeln!(out, "{indent}observed: nothing");
        }
    }
    let _ = writeln!(out, "{indent}{}", d.detail);
    for line in &d.differences {
        let _ = writeln!(out, "{indent}! {line}");
    }
    for e in &d.explained_by {
        let _ = writeln!(out, "{indent}would be explained by: {}", e.text);
    }
}

fn title(r: &ConversationResult) -> String {
    format!(
        "conversation {} (lines {}-{}, {} records)",
        r.name, r.first_line, r.last_line, r.records
    )
}

fn counts<K: std::fmt::Display>(items: impl Iterator<Item = (K, u64)>) -> String {
    let parts: Vec<String> = items.map(|(k, n)| format!("{k} {n}")).collect();
    if parts.is_empty() {
        "none".into()
    } else {
        parts.join(", ")
    }
}

fn summary_lines(s: &Summary, o: &Outcome, out: &mut String) {
    let _ = writeln!(
        out,
        "summary: {} conversations: {} conform, {} diverge, {} incomplete",
        s.conversations, s.conforms, s.diverges, s.incomplete
    );
    let _ = writeln!(
        out,
        "  divergences by kind: {}",
        counts(s.by_kind.iter().map(|(k, n)| (k.name(), *n)))
    );
    let _ = writeln!(
        out,
        "  divergences by rule: {}",
        counts(s.by_rule.iter().map(|(k, n)| (k, *n)))
    );
    let _ = writeln!(
        out,
        "  explained by: {} ({} of {} divergences tried explained)",
        counts(s.by_explanation.iter().map(|(k, n)| (k, *n))),
        s.explained,
        s.explain_tried
    );
    let _ = writeln!(
        out,
        "  diverging conversations that conform as a whole under: {}",
        counts(s.fits.iter().map(|(k, n)| (k, *n)))
    );
    let _ = writeln!(
        out,
        "  mission invariant breaches: {}",
        counts(s.breaches.iter().map(|(k, n)| (k, *n)))
    );
    let _ = writeln!(
        out,
        "  records out of order beyond the tolerance: {}; records past the reorder window: {}",
        s.out_of_order, s.late_arrivals
    );
    let _ = writeln!(out, "  malformed lines: {}", o.malformed_count);
}

pub fn human(o: &Outcome, origin: &str) -> String {
    let mut s = heading(o, origin) + "\n";
    for r in &o.results {
        match &r.verdict {
            Verdict::Conforms => {
                let _ = writeln!(s, "CONFORMS    {}", title(r));
            }
            Verdict::Diverges(d) => {
                let _ = writeln!(
                    s,
                    "DIVERGES    {}: {} at {} ms, line {} [{}]",
                    title(r),
                    d.kind.name(),
                    d.at_ms,
                    d.line,
                    d.rules.join(" ")
                );
                divergence_lines(d, "            ", &mut s);
            }
            Verdict::Incomplete { reason, context } => {
                let _ = writeln!(s, "INCOMPLETE  {}: {reason}", title(r));
                if let Some(d) = context {
                    let _ = writeln!(
                        s,
                        "            {} {} event at line {}:",
                        d.component,
                        d.kind.name(),
                        d.line
                    );
                    divergence_lines(d, "            ", &mut s);
                }
            }
        }
        for f in &r.further {
            match &f.verdict {
                Verdict::Conforms => {
                    let _ = writeln!(s, "            under {}: conforms", f.rules);
                }
                Verdict::Diverges(d) => {
                    let _ = writeln!(
                        s,
                        "            under {}: {} at {} ms, line {} [{}]",
                        f.rules,
                        d.kind.name(),
                        d.at_ms,
                        d.line,
                        d.rules.join(" ")
                    );
                    divergence_lines(d, "              ", &mut s);
                }
                Verdict::Incomplete { reason, .. } => {
                    let _ = writeln!(s, "            under {}: incomplete: {reason}", f.rules);
                }
            }
        }
        for b in &r.breaches {
            let _ = writeln!(
                s,
                "            invariant \"{}\" broken at line {}: {}",
                b.mission, b.line, b.what
            );
        }
        if let Some(ooo) = &r.out_of_order {
            let _ = writeln!(
                s,
                "            {} records out of order beyond the tolerance, first at line {} ({} ms behind)",
                ooo.records, ooo.first_line, ooo.first_by_ms
            );
        }
    }
    for m in &o.malformed {
        let _ = writeln!(s, "MALFORMED   {m}");
    }
    if o.malformed_count > o.malformed.len() as u64 {
        let _ = writeln!(
            s,
            "MALFORMED   ... and {} more lines",
            o.malformed_count - o.malformed.len() as u64
        );
    }
    summary_lines(&o.summary, o, &mut s);
    s
}

/// The event as JSON, without a `deadline_ms` the log did not carry (`--format cim`).
fn event_json(event: &cxspec_spec::Published) -> Value {
    let mut v = serde_json::to_value(event).expect("events serialise");
    if let Some(o) = v.as_object_mut() {
        if o.get("deadline_ms").and_then(Value::as_u64) == Some(super::judge::DEADLINE_NOT_CARRIED)
        {
            o.remove("deadline_ms");
        }
    }
    v
}

fn timed_json(t: &Option<Timed>) -> Value {
    match t {
        Some(t) => json!({
            "event": event_json(&t.event),
            "at_ms": t.at_ms,
            "line": t.line,
        }),
        None => Value::Null,
    }
}

fn divergence_json(d: &Divergence) -> Value {
    json!({
        "kind": d.kind.name(),
        "at_ms": d.at_ms,
        "line": d.line,
        "component": d.component.name(),
        "step": d.cause,
        "expected": timed_json(&d.expected),
        "observed": timed_json(&d.observed),
        "detail": d.detail,
        "differences": d.differences,
        "rules": d.rules,
        "explained_by": d.explained_by.iter().map(|e| json!({"key": e.key, "text": e.text})).collect::<Vec<_>>(),
    })
}

fn name_json(r: &ConversationResult) -> Value {
    match &r.name {
        super::format::ConversationName::Number(n) => json!(n),
        super::format::ConversationName::Text(t) => json!(t.as_ref()),
    }
}

pub fn json(o: &Outcome, origin: &str) -> String {
    let s = &o.summary;
    let conversations: Vec<Value> = o
        .results
        .iter()
        .map(|r| {
            let mut v = json!({
                "conversation": name_json(r),
                "verdict": r.verdict.name(),
                "first_line": r.first_line,
                "last_line": r.last_line,
                "records": r.records,
                "breaches": r.breaches.iter().map(|b| json!({"line": b.line, "at_ms": b.at_ms, "invariant": b.mission, "what": b.what})).collect::<Vec<_>>(),
            });
            match &r.verdict {
                Verdict::Conforms => {}
                Verdict::Diverges(d) => v["divergence"] = divergence_json(d),
                Verdict::Incomplete { reason, context } => {
                    v["reason"] = json!(reason);
                    if let Some(d) = context {
                        v["context"] = divergence_json(d);
                    }
                }
            }
            if !r.further.is_empty() {
                v["further"] = json!(r.further.iter().map(|f| {
                    let mut x = json!({"rules": f.rules.label(), "verdict": f.verdict.name()});
                    match &f.verdict {
                        Verdict::Diverges(d) => x["divergence"] = divergence_json(d),
                        Verdict::Incomplete { reason, .. } => x["reason"] = json!(reason),
                        Verdict::Conforms => {}
                    }
                    x
                }).collect::<Vec<_>>());
            }
            if let Some(ooo) = &r.out_of_order {
                v["out_of_order"] = json!({"records": ooo.records, "first_line": ooo.first_line, "first_by_ms": ooo.first_by_ms});
            }
            v
        })
        .collect();
    let report = json!({
        "tool": "cxspec replay",
        "log": origin,
        "check": o.options.check.name(),
        "rules": o.options.rules.label(),
        "tolerance_ms": o.options.tolerance_ms,
        "config": config_text(o.config),
        "lines": o.lines,
        "records": s.records,
        "summary": {
            "conversations": s.conversations,
            "conforms": s.conforms,
            "diverges": s.diverges,
            "incomplete": s.incomplete,
            "by_kind": Kind::ALL.iter().filter_map(|k| s.by_kind.get(k).map(|n| (k.name().to_string(), json!(n)))).collect::<serde_json::Map<_, _>>(),
            "by_rule": s.by_rule,
            "explained_by": s.by_explanation,
            "fits": s.fits,
            "explained": s.explained,
            "explain_tried": s.explain_tried,
            "breaches": s.breaches,
            "out_of_order": s.out_of_order,
            "late_arrivals": s.late_arrivals,
            "malformed": o.malformed_count,
        },
        "conversations": conversations,
        "malformed": o.malformed.iter().map(|m| json!({"file": m.origin, "line": m.line, "message": m.message})).collect::<Vec<_>>(),
    });
    serde_json::to_string_pretty(&report).expect("reports serialise") + "\n"
}

pub fn junit(o: &Outcome, origin: &str) -> String {
    let s = &o.summary;
    let listed = o.results.len();
    let failures = o
        .results
        .iter()
        .filter(|r| matches!(r.verdict, Verdict::Diverges(_)))
        .count();
    let skipped = o
        .results
        .iter()
        .filter(|r| matches!(r.verdict, Verdict::Incomplete { .. }))
        .count();
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        x,
        "<testsuites name=\"cxspec replay\" tests=\"{}\" failures=\"{failures}\" errors=\"{}\" skipped=\"{skipped}\">",
        listed + o.malformed.len(),
        o.malformed.len()
    );
    let _ = writeln!(
        x,
        "  <testsuite name=\"replay.{}\" tests=\"{listed}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\">",
        o.options.check
    );
    let _ = writeln!(
        x,
        "    <properties><property name=\"log\" value=\"{}\"/><property name=\"rules\" value=\"{}\"/><property name=\"summary\" value=\"{}\"/></properties>",
        xml(origin),
        xml(&o.options.rules.label()),
        xml(&format!(
            "{} conversations: {} conform, {} diverge, {} incomplete",
            s.conversations, s.conforms, s.diverges, s.incomplete
        ))
    );
    for r in &o.results {
        let _ = write!(
            x,
            "    <testcase classname=\"cxspec.replay.{}\" name=\"conversation {}\"",
            o.options.check,
            xml(&r.name.to_string())
        );
        match &r.verdict {
            Verdict::Conforms => {
                let _ = writeln!(x, "/>");
            }
            Verdict::Incomplete { reason, .. } => {
                let _ = writeln!(x, "><skipped message=\"{}\"/></testcase>", xml(reason));
            }
            Verdict::Diverges(d) => {
                let mut body = String::new();
                divergence_lines(d, "", &mut body);
                for f in &r.further {
                    let _ = writeln!(body, "judged again under {}: {}", f.rules, f.verdict.name());
                    if let Verdict::Diverges(d) = &f.verdict {
                        divergence_lines(d, "  ", &mut body);
                    }
                }
                for b in &r.breaches {
                    let _ = writeln!(
                        body,
                        "invariant \"{}\" broken at line {}: {}",
                        b.mission, b.line, b.what
                    );
                }
                let _ = writeln!(
                    x,
                    "><failure message=\"{}\">{}</failure></testcase>",
                    xml(&format!(
                        "{} at line {} [{}]",
                        d.kind.name(),
                        d.line,
                        d.rules.join(" ")
                    )),
                    xml(&body)
                );
            }
        }
    }
    let _ = writeln!(x, "  </testsuite>");
    if !o.malformed.is_empty() {
        let _ = writeln!(
            x,
            "  <testsuite name=\"malformed\" tests=\"{0}\" errors=\"{0}\">",
            o.malformed.len()
        );
        for m in &o.malformed {
            let _ = writeln!(
                x,
                "    <testcase classname=\"cxspec.malformed\" name=\"{}:{}\"><error message=\"{}\"/></testcase>",
                xml(&m.origin),
                m.line,
                xml(&m.message)
            );
        }
        let _ = writeln!(x, "  </testsuite>");
    }
    x.push_str("</testsuites>\n");
    x
}
