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
    pub agent_sla_ms: u64,
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
            agent_sla_ms: 60_000,
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
            ("agent_sla_ms", self.agent_sla_ms),
            ("customer_sla_ms", self.customer_sla_ms),
            ("voice_customer_sla_ms", self.voice_customer_sla_ms),
            ("request_ttl_ms", self.request_ttl_ms),
            ("rona_ms", self.rona_ms),
            ("hold_ms", self.hold_ms),
        ];
        for (field, value) in positive {
            if value == 0 {
                return Err(InvalidField {
                    field,
                    message: "must be greater than 0".into(),
                });
            }
            // Deadlines are `now + duration`; keeping durations below 2^48 ms (8900 years)
            // rules out overflow for any realistic clock.
            if value >= 1 << 48 {
                return Err(InvalidField {
                    field,
                    message: format!("{value} ms is out of range (must be below 2^48)"),
                });
            }
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

    pub fn knows_agent(&self, agent: AgentId) -> bool {
        agent.0 >= 1 && agent.0 <= self.agents
    }

    /// Parses and validates a YAML configuration; errors name `origin`, the line and the field.
    pub fn from_yaml(text: &str, origin: &str) -> Result<Config, ConfigError> {
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

/// Turns a serde_yaml error into a [`ConfigError`], naming the field when serde names one.
pub fn yaml_error(error: &serde_yaml::Error, text: &str, origin: &str) -> ConfigError {
    let message = error.to_string();
    let field = backticked(&message);
    let line = error
        .location()
        .map(|l| l.line())
        .or_else(|| field.as_deref().and_then(|f| line_of_key(text, f)));
    // serde_yaml appends " at line N column M"; we print the line ourselves.
    let message = match message.find(" at line ") {
        Some(at) => message[..at].to_string(),
        None => message,
    };
    ConfigError {
        origin: origin.to_string(),
        line,
        field,
        message,
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
