//! Every rule ID of `Rule::ALL` must be covered by at least one vector, or be exempt
//! with a written reason in `conformance/exemptions.yaml` (STYLE.md, 10; the pattern of
//! s2n-quic's `specs/exceptions/*.toml`).

use crate::vector::{Vector, VectorError};
use cxspec_spec::config::{line_of_key, yaml_error};
use cxspec_spec::Rule;
use serde::Deserialize;
use std::path::Path;

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exemption {
    pub rule: String,
    pub reason: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    exemptions: Vec<Exemption>,
}

/// Reads the exemptions; each names a known rule and gives a non-empty reason.
pub fn load_exemptions(path: &Path) -> Result<Vec<Exemption>, VectorError> {
    let origin = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| VectorError {
        origin: origin.clone(),
        line: None,
        field: None,
        message: e.to_string(),
    })?;
    let file: File = serde_yaml::from_str(&text).map_err(|e| yaml_error(&e, &text, &origin))?;
    for e in &file.exemptions {
        let problem = if Rule::from_id(&e.rule).is_none() {
            Some(format!("unknown rule ID `{}`", e.rule))
        } else if e.reason.trim().is_empty() {
            Some(format!("the exemption of {} gives no reason", e.rule))
        } else {
            None
        };
        if let Some(message) = problem {
            let line = text
                .lines()
                .position(|l| l.contains(&e.rule))
                .map(|i| i + 1)
                .or_else(|| line_of_key(&text, "exemptions"));
            return Err(VectorError {
                origin,
                line,
                field: Some("exemptions".into()),
                message,
            });
        }
    }
    Ok(file.exemptions)
}

/// Rules with no vector naming them and no exemption.
pub fn uncovered(vectors: &[Vector], exemptions: &[Exemption]) -> Vec<Rule> {
    Rule::ALL
        .iter()
        .copied()
        .filter(|r| {
            !vectors
                .iter()
                .any(|v| v.rules.iter().any(|id| id == r.id()))
        })
        .filter(|r| !exemptions.iter().any(|e| e.rule == r.id()))
        .collect()
}

/// Exemptions of rules that do have vectors (the reason has gone stale).
pub fn stale<'a>(vectors: &[Vector], exemptions: &'a [Exemption]) -> Vec<&'a Exemption> {
    exemptions
        .iter()
        .filter(|e| vectors.iter().any(|v| v.rules.contains(&e.rule)))
        .collect()
}
