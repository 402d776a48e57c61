//! Configuration of one conversation's rules: routing mode, wrap-up, durations, thresholds.
//!
//! Sources: `Channel-Related-Objects_276594689.md` (routing mode, customer inactivity
//! timeout per channel), `Agent-Response-Time_142540854.md` (agent SLA per queue or list,
//! threshold levels), `Customer-Inactivity-SLA_246743058.md` (customer thresholds),
//! `Apply-Wrap-up-and-Add-Notes_2528747.md` (wrap-up switch and its 60 s default).
//! The sources give no default for the SLA durations, the request TTL, RONA or hold time;
//! the defaults below are illustrative and every vector states the values it uses.

use crate::types::{AgentId, RoutingMode};
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub routing_mode: RoutingMode,
    pub wrap_up_enabled: bool,
    /// `WRAPUP_TIME`, 60 s by default in the source.
    pub wrap_up_ms: u64,
    /// The agent response time of the queue or list; `None` (`null`) turns the agent SLA
    /// off (`Agent-Response-Time_142540854.md`: "must have a non-null value", SLA-29).
    pub agent_sla_ms: Option<u64>,
    pub customer_sla_ms: u64,
    /// The customer SLA of a voice session (its channel has its own inactivity timeout).
    pub voice_customer_sla_ms: u64,
    /// Intermediate threshold levels in percent, strictly increasing, within 1..=99, at most 3.
    pub agent_sla_thresholds_pct: Vec<u8>,
    pub customer_sla_thresholds_pct: Vec<u8>,
    pub request_ttl_ms: u64,
    pub rona_ms: u64,
    pub hold_ms: u64,
    pub mrd_auto_joinable: bool,
    /// Agents known to the routing engine have the IDs 1..=agents.
    pub agents: u32,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            routing_mode: RoutingMode::Push,
            wrap_up_enabled: false,
            wrap_up_ms: 60_000,
            agent_sla_ms: Some(60_000),
            customer_sla_ms: 300_000,
            voice_customer_sla_ms: 600_000,
            agent_sla_thresholds_pct: vec![50, 75],
            customer_sla_thresholds_pct: vec![50, 80],
            request_ttl_ms: 120_000,
            rona_ms: 20_000,
            hold_ms: 300_000,
            mrd_auto_joinable: true,
            agents: 4,
        }
    }
}

/// The largest time, in milliseconds, that cxspec reads or computes: 2^53 − 1, the largest
/// integer a JSON reader that uses doubles (JavaScript) keeps exact. Vector and scenario
/// times and every deadline in a vector are at most this; an input whose time plus the
/// longest configured duration would pass it is rejected (`TIME_OUT_OF_RANGE`), so a
/// deadline is never wrapped (conformance/FORMAT.md, "Time").
pub const MAX_TIME_MS: u64 = (1 << 53) - 1;

/// The largest configured duration: 2^48 − 1 ms (about 8900 years).
pub const MAX_DURATION_MS: u64 = (1 << 48) - 1;

/// The deadline of a timer of `duration_ms` started at `now_ms`. Within the time domain
/// (`System::apply` admits an input only when its time plus the longest configured duration
/// is at most [`MAX_TIME_MS`]) this is the exact sum; it saturates rather than wraps, so a
/// deadline is never in the past, whatever a caller passes.
pub fn deadline_after(now_ms: u64, duration_ms: u64) -> u64 {
    now_ms.saturating_add(duration_ms)
}

/// A duration is within 1..=[`MAX_DURATION_MS`]: deadlines are `now + duration` with `now`
/// at most [`MAX_TIME_MS`], and with durations below 2^48 ms (8900 years) no sum comes near
/// `u64::MAX`. The error says why, for the caller to name the field.
pub fn check_duration(value: u64) -> Result<(), String> {
    if value == 0 {
        return Err("must be greater than 0".into());
    }
    if value > MAX_DURATION_MS {
        return Err(format!(
            "{value} ms is out of range (at most 2^48 - 1 = {MAX_DURATION_MS} ms)"
        ));
    }
    Ok(())
}

/// A configuration that cannot be used, with where it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    pub origin: String,
    pub line: Option<usize>,
    pub field: Option<String>,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.origin)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(field) = &self.field {
            write!(f, ": field `{field}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for ConfigError {}

/// A semantic problem found by [`Config::validate`]: the field and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvalidField {
    pub field: &'static str,
    pub message: String,
}

impl Config {
    pub const MAX_THRESHOLDS: usize = 3;

    pub fn validate(&self) -> Result<(), InvalidField> {
        let positive = [
            ("wrap_up_ms", self.wrap_up_ms),
            // `null` is how the agent SLA is turned off; 0 is still an error.
            ("agent_sla_ms", self.agent_sla_ms.unwrap_or(1)),
            ("customer_sla_ms", self.customer_sla_ms),
            ("voice_customer_sla_ms", self.voice_customer_sla_ms),
            ("request_ttl_ms", self.request_ttl_ms),
            ("rona_ms", self.rona_ms),
            ("hold_ms", self.hold_ms),
        ];
        for (field, value) in positive {
            check_duration(value).map_err(|message| InvalidField { field, message })?;
        }
        for (field, levels) in [
            ("agent_sla_thresholds_pct", &self.agent_sla_thresholds_pct),
            (
                "customer_sla_thresholds_pct",
                &self.customer_sla_thresholds_pct,
            ),
        ] {
            if levels.len() > Self::MAX_THRESHOLDS {
                return Err(InvalidField {
                    field,
                    message: format!(
                        "at most {} intermediate levels, got {}",
                        Self::MAX_THRESHOLDS,
                        levels.len()
                    ),
                });
            }
            let mut previous = 0;
            for &pct in levels {
                if pct == 0 || pct >= 100 {
                    return Err(InvalidField {
                        field,
                        message: format!(
                            "level {pct}% is outside 1..=99 (0% is the start, 100% the expiry)"
                        ),
                    });
                }
                if pct <= previous {
                    return Err(InvalidField {
                        field,
                        message: "levels must be strictly increasing".into(),
                    });
                }
                previous = pct;
            }
        }
        if self.agents == 0 || self.agents > 1_000_000 {
            return Err(InvalidField {
                field: "agents",
                message: "must be within 1..=1000000".into(),
            });
        }
        Ok(())
    }

    /// The longest duration a timer of this configuration can run: every deadline a step
    /// arms is at most its time plus this.
    pub fn longest_duration_ms(&self) -> u64 {
        [
            self.wrap_up_ms,
            self.agent_sla_ms.unwrap_or(0),
            self.customer_sla_ms,
            self.voice_customer_sla_ms,
            self.request_ttl_ms,
            self.rona_ms,
            self.hold_ms,
        ]
        .into_iter()
        .max()
        .unwrap_or(0)
    }

    pub fn knows_agent(&self, agent: AgentId) -> bool {
        agent.0 >= 1 && agent.0 <= self.agents
    }

    /// Parses and validates a YAML configuration; errors name `origin`, the line and the field.
    pub fn from_yaml(text: &str, origin: &str) -> Result<Config, ConfigError> {
        crate::limits::check_text(text, origin)?;
        let config: Config =
            serde_yaml::from_str(text).map_err(|e| yaml_error(&e, text, origin))?;
        config.validate().map_err(|invalid| ConfigError {
            origin: origin.to_string(),
            line: line_of_key(text, invalid.field),
            field: Some(invalid.field.to_string()),
            message: invalid.message,
        })?;
        Ok(config)
    }
}

/// Turns a serde_yaml error into a [`ConfigError`]: the field is the path of the field at
/// fault (`steps[0].input.channel`, `config.rona_msx`), never the bad value, which stays in
/// the message (`unknown variant `FAX`, expected ...`).
pub fn yaml_error(error: &serde_yaml::Error, text: &str, origin: &str) -> ConfigError {
    let full = error.to_string();
    // serde_yaml appends " at line N column M"; we print the line ourselves.
    let full = match full.find(" at line ") {
        Some(at) => &full[..at],
        None => &full[..],
    };
    // serde_yaml prefixes the path of the value it was reading: `config.agents: invalid type`.
    let (path, message) = split_path(full);
    let mut line = error.location().map(|l| l.line());
    let quoted = backticked(message);
    let field = match quoted {
        // The backticked word is a field name: an unknown, missing or duplicate field.
        Some(name)
            if message.starts_with("unknown field")
                || message.starts_with("missing field")
                || message.starts_with("duplicate field") =>
        {
            Some(join(path, &name))
        }
        // The backticked word is the bad value. For an internally tagged or flattened enum
        // serde_yaml's path (and location) stop at the enclosing struct, so the key that
        // holds the value is looked up in the text, from the reported line on.
        Some(value) if message.starts_with("unknown variant") => {
            match key_holding(text, line.unwrap_or(1), &value) {
                Some(found) => {
                    line = Some(found.line);
                    Some(refine(path, &found))
                }
                None => path.map(str::to_string),
            }
        }
        _ => path.map(str::to_string),
    };
    let line = line.or_else(|| {
        field
            .as_deref()
            .and_then(|f| line_of_key(text, last_key(f)))
    });
    ConfigError {
        origin: origin.to_string(),
        line,
        field,
        message: message.to_string(),
    }
}

/// Splits `steps[0].at_ms: invalid type ...` into the path and the message proper.
fn split_path(message: &str) -> (Option<&str>, &str) {
    if let Some(at) = message.find(": ") {
        let path = &message[..at];
        let is_path = !path.is_empty()
            && path
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_-.[]?".contains(c));
        if is_path {
            return (Some(path), &message[at + 2..]);
        }
    }
    (None, message)
}

fn join(path: Option<&str>, name: &str) -> String {
    match path {
        Some(path) => format!("{path}.{name}"),
        None => name.to_string(),
    }
}

/// The last key of a field path: `steps[0].input.channel` -> `channel`.
fn last_key(field: &str) -> &str {
    let last = field.rsplit('.').next().unwrap_or(field);
    last.split('[').next().unwrap_or(last)
}

/// Where a bad value sits: its line, the key holding it, and the block key that opens the
/// line when the value is inside a flow mapping (`input: {event: X, channel: FAX}`).
struct Holder {
    line: usize,
    key: String,
    block_key: Option<String>,
}

/// The first `key: value` (value plain or quoted) at or after line `from`, within 200 lines.
fn key_holding(text: &str, from: usize, value: &str) -> Option<Holder> {
    let candidates = [
        format!(": {value}"),
        format!(": \"{value}\""),
        format!(": '{value}'"),
    ];
    for (i, l) in text
        .lines()
        .enumerate()
        .skip(from.saturating_sub(1))
        .take(200)
    {
        for candidate in &candidates {
            let mut search = 0;
            while let Some(at) = l[search..].find(candidate.as_str()) {
                let at = search + at;
                search = at + 1;
                let after = l[at + candidate.len()..].chars().next();
                if after.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
                    continue; // a longer value that starts with this one
                }
                let before = &l[..at];
                let key_start = before
                    .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
                    .map_or(0, |k| k + 1);
                let key = &before[key_start..];
                if key.is_empty() {
                    continue;
                }
                let opening = l.trim_start().trim_start_matches("- ");
                let block_key = opening
                    .find(':')
                    .map(|k| &opening[..k])
                    .filter(|k| {
                        *k != key && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                    })
                    .filter(|k| !k.is_empty())
                    .map(str::to_string);
                return Some(Holder {
                    line: i + 1,
                    key: key.to_string(),
                    block_key,
                });
            }
        }
    }
    None
}

/// The full path of the key holding a bad value, from serde_yaml's (possibly shorter) path.
fn refine(path: Option<&str>, holder: &Holder) -> String {
    let Some(path) = path else {
        return holder.key.clone();
    };
    let names: Vec<&str> = path
        .split('.')
        .map(|segment| segment.split('[').next().unwrap_or(segment))
        .collect();
    if names.last() == Some(&holder.key.as_str()) {
        return path.to_string();
    }
    match &holder.block_key {
        Some(block) if !names.contains(&block.as_str()) => {
            format!("{path}.{block}.{}", holder.key)
        }
        _ => format!("{path}.{}", holder.key),
    }
}

fn backticked(message: &str) -> Option<String> {
    let start = message.find('`')? + 1;
    let end = start + message[start..].find('`')?;
    Some(message[start..end].to_string())
}

/// The 1-based line of the first `key:` in a YAML text, for pointing at a field.
pub fn line_of_key(text: &str, key: &str) -> Option<usize> {
    text.lines()
        .position(|line| {
            line.trim_start()
                .trim_start_matches("- ")
                .starts_with(&format!("{key}:"))
        })
        .map(|i| i + 1)
}

/// The 1-based first line of each item of the top-level `steps:` list.
pub fn step_lines(text: &str) -> Vec<usize> {
    let lines: Vec<&str> = text.lines().collect();
    let Some(start) = lines.iter().position(|l| l.trim_end() == "steps:") else {
        return Vec::new();
    };
    let mut indent = None;
    let mut found = Vec::new();
    for (i, line) in lines.iter().enumerate().skip(start + 1) {
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let width = line.len() - trimmed.len();
        if width == 0 && !trimmed.starts_with("- ") && trimmed != "-" {
            break; // the next top-level key
        }
        if trimmed.starts_with("- ") || trimmed == "-" {
            match indent {
                None => {
                    indent = Some(width);
                    found.push(i + 1);
                }
                Some(w) if w == width => found.push(i + 1),
                Some(_) => {}
            }
        }
    }
    found
}

/// The line of `key:` inside step `index` (or the step's first line).
pub fn step_field_line(text: &str, starts: &[usize], index: usize, key: &str) -> Option<usize> {
    let first = *starts.get(index)?;
    let end = starts.get(index + 1).copied().unwrap_or(usize::MAX);
    text.lines()
        .enumerate()
        .skip(first - 1)
        .take_while(|(i, _)| i + 1 < end)
        .find(|(_, l)| {
            let t = l.trim_start().trim_start_matches("- ");
            t.starts_with(&format!("{key}:"))
        })
        .map(|(i, _)| i + 1)
        .or(Some(first))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_valid() {
        assert_eq!(Config::default().validate(), Ok(()));
    }

    #[test]
    fn unknown_field_names_line_and_field() {
        let err = Config::from_yaml("wrap_up_enabled: true\nrona_msx: 5\n", "c.yaml").unwrap_err();
        assert_eq!(err.line, Some(2));
        assert_eq!(err.field.as_deref(), Some("rona_msx"));
        assert!(
            err.to_string().starts_with("c.yaml:2: field `rona_msx`"),
            "{err}"
        );
    }

    #[test]
    fn wrong_type_names_line() {
        let err = Config::from_yaml("agents: 2\nwrap_up_ms: soon\n", "c.yaml").unwrap_err();
        assert_eq!(err.line, Some(2));
    }

    #[test]
    fn the_field_is_named_and_the_bad_value_stays_in_the_message() {
        let err = Config::from_yaml("agents: 2\nrouting_mode: SIDEWAYS\n", "c.yaml").unwrap_err();
        assert_eq!(err.field.as_deref(), Some("routing_mode"), "{err}");
        assert_eq!(err.line, Some(2), "{err}");
        assert!(err.message.contains("`SIDEWAYS`"), "{err}");
        let err = Config::from_yaml("agents: -1\n", "c.yaml").unwrap_err();
        assert_eq!(err.field.as_deref(), Some("agents"), "{err}");
        assert!(err.message.contains("-1"), "{err}");
    }

    #[test]
    fn limits_apply_before_parsing() {
        let deep = format!("agents: {}1{}\n", "[".repeat(10_000), "]".repeat(10_000));
        let err = Config::from_yaml(&deep, "c.yaml").unwrap_err();
        assert_eq!(err.line, Some(1), "{err}");
        assert!(err.message.contains("nest"), "{err}");
    }

    #[test]
    fn semantic_errors_name_the_field() {
        let err = Config::from_yaml("agents: 2\nagent_sla_thresholds_pct: [50, 40]\n", "c.yaml")
            .unwrap_err();
        assert_eq!(err.field.as_deref(), Some("agent_sla_thresholds_pct"));
        assert_eq!(err.line, Some(2));
        let err = Config::from_yaml("customer_sla_thresholds_pct: [10, 20, 30, 40]\n", "c.yaml")
            .unwrap_err();
        assert!(err.message.contains("at most 3"), "{err}");
        let err = Config::from_yaml("rona_ms: 0\n", "c.yaml").unwrap_err();
        assert_eq!(err.field.as_deref(), Some("rona_ms"));
    }
}
