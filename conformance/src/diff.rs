//! How replies are compared with vectors, and how a difference is shown: field by field,
//! so that `null` against absent, an extra field or `1` against `"1"` is visible, not two
//! lines that print alike.
//!
//! Equivalences (FORMAT.md, "Comparing events and states"): an object field whose value is `null` is the
//! same as the field left out, because every optional field of the format is omitted when
//! it has no value and `null` says the same thing; `extra_medias: []` is the same as no
//! `extra_medias`, because it is the one list the format omits when empty; `wrap_up: false`
//! is the same as no `wrap_up`, the one flag the format omits when false. Nothing else is
//! equivalent: an extra field, another type or another order is a difference.

use serde_json::{Map, Value};

/// Lists the format omits when they are empty.
const OMITTED_WHEN_EMPTY: [&str; 1] = ["extra_medias"];

/// Flags the format omits when they are false.
const OMITTED_WHEN_FALSE: [&str; 1] = ["wrap_up"];

/// `value` in its canonical form: `null` fields, empty omitted-when-empty lists and false
/// omitted-when-false flags removed.
pub fn canonical(value: &Value) -> Value {
    match value {
        Value::Object(fields) => {
            let mut out = Map::new();
            for (key, v) in fields {
                let empty_list = OMITTED_WHEN_EMPTY.contains(&key.as_str())
                    && v.as_array().is_some_and(|a| a.is_empty());
                let false_flag =
                    OMITTED_WHEN_FALSE.contains(&key.as_str()) && *v == Value::Bool(false);
                if v.is_null() || empty_list || false_flag {
                    continue;
                }
                out.insert(key.clone(), canonical(v));
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(canonical).collect()),
        other => other.clone(),
    }
}

/// Whether two values are the same under the format's equivalences.
pub fn same(expected: &Value, actual: &Value) -> bool {
    canonical(expected) == canonical(actual)
}

/// The SLA timer an event is about (`Published::sla_timer`); `None` for every other event
/// and for anything that is not an event of the catalogue (compared at its place).
fn sla_timer(event: &Value) -> Option<cxspec_spec::TimerKey> {
    // The timer is told by name and session; an SLA start without its deadline (the vendor
    // profile compares none) is still about its timer.
    let event = crate::vendor::with_placeholder_deadline(&canonical(event));
    serde_json::from_value::<cxspec_spec::Published>(event)
        .ok()?
        .sla_timer()
}

/// Whether two lists of published events are the same (RULES.md, "Order of events within
/// one step"): every event that is not an SLA event at the same position; the SLA events
/// in the remaining positions the same per timer and in order, but timers among each other
/// in any order, because no component acts on the relative order of events about
/// different timers.
pub fn same_events(expected: &[Value], actual: &[Value]) -> bool {
    if expected.len() != actual.len() {
        return false;
    }
    let mut per_timer: std::collections::BTreeMap<cxspec_spec::TimerKey, (Vec<Value>, Vec<Value>)> =
        Default::default();
    for (e, a) in expected.iter().zip(actual) {
        match (sla_timer(e), sla_timer(a)) {
            (None, None) if same(e, a) => {}
            (Some(te), Some(ta)) => {
                per_timer.entry(te).or_default().0.push(canonical(e));
                per_timer.entry(ta).or_default().1.push(canonical(a));
            }
            _ => return false,
        }
    }
    per_timer.values().all(|(e, a)| e == a)
}

fn shown(value: &Value) -> String {
    let text = value.to_string();
    if text.len() > 120 {
        let cut: String = text.chars().take(117).collect();
        format!("{cut}...")
    } else {
        text
    }
}

/// Each difference between `expected` and `actual` under `path`, one line each, e.g.
/// ``task.agent: expected 1, actual "1"`` or ``task.note: not expected (actual 3)``.
pub fn field_differences(path: &str, expected: &Value, actual: &Value, out: &mut Vec<String>) {
    let name = |key: &str| {
        if path.is_empty() {
            key.to_string()
        } else {
            format!("{path}.{key}")
        }
    };
    match (canonical(expected), canonical(actual)) {
        (Value::Object(e), Value::Object(a)) => {
            let mut keys: Vec<&String> = e.keys().chain(a.keys()).collect();
            keys.sort();
            keys.dedup();
            for key in keys {
                match (e.get(key), a.get(key)) {
                    (Some(ev), Some(av)) => field_differences(&name(key), ev, av, out),
                    (Some(ev), None) => {
                        let raw = actual.get(key);
                        let how = if raw.is_some_and(Value::is_null) {
                            "null (read as absent)"
                        } else {
                            "absent"
                        };
                        out.push(format!(
                            "{}: expected {}, actual {how}",
                            name(key),
                            shown(ev)
                        ));
                    }
                    (None, Some(av)) => out.push(format!(
                        "{}: not expected (actual {}); the field is absent in the vector",
                        name(key),
                        shown(av)
                    )),
                    (None, None) => {}
                }
            }
        }
        (Value::Array(e), Value::Array(a)) => {
            let label = if path.is_empty() { "list" } else { path };
            if e.len() != a.len() {
                out.push(format!(
                    "{label}: expected {} items, actual {}",
                    e.len(),
                    a.len()
                ));
            }
            for (i, (ev, av)) in e.iter().zip(a.iter()).enumerate() {
                field_differences(&format!("{path}[{i}]"), ev, av, out);
            }
        }
        (e, a) if e != a => {
            let label = if path.is_empty() { "value" } else { path };
            out.push(format!(
                "{label}: expected {}, actual {}",
                shown(&e),
                shown(&a)
            ));
        }
        _ => {}
    }
}

fn event_name(v: &Value) -> String {
    v.get("event")
        .and_then(Value::as_str)
        .unwrap_or("?")
        .to_string()
}

/// How two event lists line up: the longest common subsequence of equal events, so that
/// one missing or extra event in the middle is reported as that, not as a shift of every
/// event after it.
enum Aligned {
    Both,
    Expected(usize),
    Actual(usize),
}

fn align(expected: &[Value], actual: &[Value]) -> Vec<Aligned> {
    let (n, m) = (expected.len(), actual.len());
    let mut lcs = vec![vec![0usize; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if same(&expected[i], &actual[j]) {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < n || j < m {
        if i < n && j < m && same(&expected[i], &actual[j]) {
            out.push(Aligned::Both);
            i += 1;
            j += 1;
        } else if j == m || (i < n && lcs[i + 1][j] >= lcs[i][j + 1]) {
            out.push(Aligned::Expected(i));
            i += 1;
        } else {
            out.push(Aligned::Actual(j));
            j += 1;
        }
    }
    out
}

/// The differences between two event lists: events missing, events not expected, and
/// for an expected and an actual event of the same name in the same gap, field by field.
/// Events are numbered from 1 in each list.
pub fn event_differences(expected: &[Value], actual: &[Value]) -> Vec<String> {
    let mut out = Vec::new();
    if expected.len() != actual.len() {
        out.push(format!(
            "expected {} events, actual {}",
            expected.len(),
            actual.len()
        ));
    }
    let aligned = align(expected, actual);
    // Unmatched events between two matched ones form a gap.
    let mut gaps: Vec<(Vec<usize>, Vec<usize>)> = vec![(Vec::new(), Vec::new())];
    for a in aligned {
        match a {
            Aligned::Both => gaps.push((Vec::new(), Vec::new())),
            Aligned::Expected(i) => gaps.last_mut().expect("one gap").0.push(i),
            Aligned::Actual(j) => gaps.last_mut().expect("one gap").1.push(j),
        }
    }
    let unmatched_actual: Vec<usize> = gaps.iter().flat_map(|g| g.1.clone()).collect();
    for (missing, extra) in gaps {
        let mut extra: Vec<usize> = extra;
        for i in missing {
            let e = &expected[i];
            let elsewhere = unmatched_actual.iter().any(|j| same(e, &actual[*j]));
            if let Some(k) = extra
                .iter()
                .position(|j| event_name(&actual[*j]) == event_name(e) && !same(e, &actual[*j]))
            {
                let j = extra.remove(k);
                let mut fields = Vec::new();
                field_differences("", e, &actual[j], &mut fields);
                for f in fields {
                    out.push(format!(
                        "event {} ({}): {f}{}",
                        i + 1,
                        event_name(e),
                        if i == j {
                            String::new()
                        } else {
                            format!(" (actual event {})", j + 1)
                        }
                    ));
                }
            } else if elsewhere {
                out.push(format!(
                    "event {} ({}): present, but out of order",
                    i + 1,
                    event_name(e)
                ));
            } else {
                out.push(format!("event {}: missing, expected {}", i + 1, shown(e)));
            }
        }
        for j in extra {
            let a = &actual[j];
            if !expected.iter().any(|e| same(e, a)) {
                out.push(format!(
                    "actual event {}: not expected: {}",
                    j + 1,
                    shown(a)
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn null_and_empty_omitted_lists_read_as_absent() {
        let expected = json!({"event": "TASK_STATE_CHANGED", "task": {"id": 1, "state": "ACTIVE"}});
        let actual = json!({"event": "TASK_STATE_CHANGED", "task": {"id": 1, "state": "ACTIVE", "agent": null, "extra_medias": [], "reason": null}});
        assert!(same(&expected, &actual));
        // Only the omitted-when-empty list: another empty list is a difference.
        let other = json!({"event": "TASK_STATE_CHANGED", "task": {"id": 1, "state": "ACTIVE", "notes": []}});
        assert!(!same(&expected, &other));
    }

    #[test]
    fn wrap_up_false_reads_as_absent_and_true_does_not() {
        let reply = json!({"event": "AGENT_MESSAGE", "agent": 1, "role": "PRIMARY"});
        let with_false =
            json!({"event": "AGENT_MESSAGE", "agent": 1, "role": "PRIMARY", "wrap_up": false});
        let with_true =
            json!({"event": "AGENT_MESSAGE", "agent": 1, "role": "PRIMARY", "wrap_up": true});
        assert!(same(&reply, &with_false));
        assert!(!same(&reply, &with_true));
        // Only that flag: another false field is a difference.
        let other =
            json!({"event": "AGENT_MESSAGE", "agent": 1, "role": "PRIMARY", "urgent": false});
        assert!(!same(&reply, &other));
    }

    #[test]
    fn each_kind_of_difference_is_named() {
        let expected = json!([{"event": "AGENT_RESERVED", "agent": 1, "task": 2}]);
        let actual = json!([{"event": "AGENT_RESERVED", "agent": "1", "task": 2, "queue": "x"}]);
        let d = event_differences(expected.as_array().unwrap(), actual.as_array().unwrap());
        assert_eq!(
            d,
            vec![
                "event 1 (AGENT_RESERVED): agent: expected 1, actual \"1\"".to_string(),
                "event 1 (AGENT_RESERVED): queue: not expected (actual \"x\"); the field is absent in the vector".to_string(),
            ]
        );
        let missing = json!({"event": "X", "agent": null});
        let mut out = Vec::new();
        field_differences("", &json!({"event": "X", "agent": 3}), &missing, &mut out);
        assert_eq!(out, vec!["agent: expected 3, actual null (read as absent)"]);
        let d = event_differences(&[json!({"event": "A"})], &[]);
        assert_eq!(
            d,
            vec![
                "expected 1 events, actual 0",
                "event 1: missing, expected {\"event\":\"A\"}"
            ]
        );
    }

    #[test]
    fn sla_events_of_different_timers_compare_in_any_order() {
        let stop_agent = json!({"event": "AGENT_SLA_STOPPED"});
        let start_1 = json!({"event": "CUSTOMER_SLA_STARTED", "session": 1, "deadline_ms": 5});
        let stop_1 = json!({"event": "CUSTOMER_SLA_STOPPED", "session": 1});
        let start_2 = json!({"event": "CUSTOMER_SLA_STARTED", "session": 2, "deadline_ms": 5});
        let other = json!({"event": "TOPIC_STATE_CHANGED", "state": "ACTIVE"});
        // Different timers: any order.
        assert!(same_events(
            &[stop_agent.clone(), start_1.clone(), start_2.clone()],
            &[start_2.clone(), stop_agent.clone(), start_1.clone()]
        ));
        // The same timer: the order is behaviour.
        assert!(!same_events(
            &[stop_1.clone(), start_1.clone()],
            &[start_1.clone(), stop_1.clone()]
        ));
        // Other events keep their place.
        assert!(!same_events(
            &[other.clone(), stop_agent.clone()],
            &[stop_agent.clone(), other.clone()]
        ));
        assert!(same_events(
            &[other.clone(), stop_agent.clone(), start_1.clone()],
            &[other, start_1, stop_agent]
        ));
    }

    #[test]
    fn an_extra_event_in_the_middle_is_one_difference_not_a_shift() {
        let a = json!({"event": "A"});
        let b = json!({"event": "B", "session": 1});
        let b2 = json!({"event": "B", "session": 2});
        let c = json!({"event": "C"});
        let d = event_differences(
            &[a.clone(), b2.clone(), c.clone()],
            &[a.clone(), b.clone(), b2.clone(), c.clone()],
        );
        assert_eq!(
            d,
            vec![
                "expected 3 events, actual 4",
                r#"actual event 2: not expected: {"event":"B","session":1}"#,
            ]
        );
        // A changed field is named once, with both positions when they differ.
        let d = event_differences(&[a.clone(), b.clone()], std::slice::from_ref(&b2));
        assert_eq!(
            d,
            vec![
                "expected 2 events, actual 1",
                r#"event 1: missing, expected {"event":"A"}"#,
                "event 2 (B): session: expected 1, actual 2 (actual event 1)",
            ]
        );
        // Swapped events are named as out of order.
        let d = event_differences(&[a.clone(), c.clone()], &[c, a]);
        assert!(d.iter().any(|l| l.contains("out of order")), "{d:?}");
    }
}
