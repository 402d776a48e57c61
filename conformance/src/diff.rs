//! How replies are compared with vectors, and how a difference is shown: field by field,
//! so that `null` against absent, an extra field or `1` against `"1"` is visible, not two
//! lines that print alike.
//!
//! Equivalences (FORMAT.md, "Serialisation"): an object field whose value is `null` is the
//! same as the field left out, because every optional field of the format is omitted when
//! it has no value and `null` says the same thing; `extra_medias: []` is the same as no
//! `extra_medias`, because it is the one list the format omits when empty. Nothing else is
//! equivalent: an extra field, another type or another order is a difference.

use serde_json::{Map, Value};

/// Lists the format omits when they are empty.
const OMITTED_WHEN_EMPTY: [&str; 1] = ["extra_medias"];

/// `value` in its canonical form: `null` fields and empty omitted-when-empty lists removed.
pub fn canonical(value: &Value) -> Value {
    match value {
        Value::Object(fields) => {
            let mut out = Map::new();
            for (key, v) in fields {
                let empty_list = OMITTED_WHEN_EMPTY.contains(&key.as_str())
                    && v.as_array().is_some_and(|a| a.is_empty());
                if v.is_null() || empty_list {
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

/// The differences between two event lists, position by position, naming each event.
pub fn event_differences(expected: &[Value], actual: &[Value]) -> Vec<String> {
    let mut out = Vec::new();
    if expected.len() != actual.len() {
        out.push(format!(
            "expected {} events, actual {}",
            expected.len(),
            actual.len()
        ));
    }
    for i in 0..expected.len().max(actual.len()) {
        let n = i + 1;
        match (expected.get(i), actual.get(i)) {
            (Some(e), Some(a)) if !same(e, a) => {
                let name = |v: &Value| {
                    v.get("event")
                        .and_then(Value::as_str)
                        .unwrap_or("?")
                        .to_string()
                };
                let mut fields = Vec::new();
                field_differences("", e, a, &mut fields);
                for f in fields {
                    out.push(format!("event {n} ({}): {f}", name(e)));
                }
                if name(e) != name(a) {
                    out.push(format!(
                        "event {n}: a {} where {} was expected (an event missing or out of order?)",
                        name(a),
                        name(e)
                    ));
                }
            }
            (Some(e), None) => out.push(format!("event {n}: missing, expected {}", shown(e))),
            (None, Some(a)) => out.push(format!("event {n}: not expected: {}", shown(a))),
            _ => {}
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
}
