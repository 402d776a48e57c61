//! A small, deterministic YAML writer for vectors: block style for the document's
//! skeleton, flow style (`{event: X, session: 1}`) for events, inputs and states, so that
//! one event is one line and a vector reads like a table (STYLE.md, 13).
//!
//! serde_yaml writes block style only, and its output could change with its version; the
//! committed vectors must stay byte-identical, so the layout is ours. Everything written
//! here is read back by serde_yaml (a test checks the round trip).

use serde::Serialize;
use serde_yaml::Value;

/// One value in flow style, map keys in the order the type serializes them.
pub fn flow<T: Serialize>(value: &T) -> String {
    let value = serde_yaml::to_value(value).expect("vector values serialize");
    let mut out = String::new();
    write_flow(&value, &mut out);
    out
}

fn write_flow(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => out.push_str(&scalar(s)),
        Value::Sequence(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_flow(item, out);
            }
            out.push(']');
        }
        Value::Mapping(map) => {
            out.push('{');
            for (i, (k, v)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_flow(k, out);
                out.push_str(": ");
                write_flow(v, out);
            }
            out.push('}');
        }
        Value::Tagged(tagged) => write_flow(&tagged.value, out),
    }
}

/// A string as a plain scalar when YAML reads it back as the same string, else quoted.
pub fn scalar(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')
        && !matches!(
            s.to_ascii_lowercase().as_str(),
            "true" | "false" | "null" | "yes" | "no" | "on" | "off" | "y" | "n"
        );
    if plain {
        s.to_string()
    } else {
        // A JSON string is a valid YAML double-quoted scalar.
        serde_json::to_string(s).expect("strings serialize")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_that_yaml_would_misread_are_quoted() {
        assert_eq!(scalar("SLA-02"), "SLA-02");
        assert_eq!(scalar("yes"), "\"yes\"");
        assert_eq!(scalar("12"), "\"12\"");
        assert_eq!(scalar("a: b"), "\"a: b\"");
        assert_eq!(scalar(""), "\"\"");
        for s in ["yes", "12", "a: b", "", "x # y", "null", "SLA-02"] {
            let back: String = serde_yaml::from_str(&scalar(s)).unwrap();
            assert_eq!(back, s);
        }
    }
}
