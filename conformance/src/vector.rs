//! The vector format (`conformance/FORMAT.md`, `conformance/schema/vector.schema.json`):
//! one self-contained YAML file per case, with its format version, id, suite, rule IDs,
//! rule set, configuration and steps. Each step is an input at a time or a clock advance,
//! with the published events expected in order, or the expected rejection, and optionally
//! the observable state expected after it.
//!
//! Reading checks the limits of `spec/src/limits.rs` before parsing, then what serde cannot
//! (one of `input`/`advance`, time order and the time domain, known rule IDs, id = file
//! name, unique ids, no input while a timer is due, by replaying the steps on the
//! reference) and names the file, line and field of every problem.
//! Left out: comments and anchors survive nowhere; vectors are generated, never edited.

use crate::reference::{DriveError, Reference};
use crate::suite::Suite;
use crate::yaml::{flow, scalar};
use cxspec_spec::config::{
    line_of_key, step_field_line, step_lines, yaml_error, ConfigError, MAX_TIME_MS,
};
use cxspec_spec::{
    Config, ConversationState, Input, Published, Readings, Reject, Rule, RuleSet, Rules, TaskView,
    TimerKey,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The format version every vector carries; a reader refuses any other.
pub const FORMAT: &str = "cxspec-vector/1";

/// A malformed vector: file, line, field and what is wrong (exit code 2).
pub type VectorError = ConfigError;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Vector {
    pub format: String,
    /// Stable ID, equal to the file name without `.yaml`.
    pub id: String,
    pub suite: Suite,
    pub title: String,
    /// How the vector was derived: `seed:<scenario>`, `cover`, `negative`, `witness`.
    pub origin: String,
    /// The rule set the expectations follow.
    pub rule_set: RuleSet,
    /// Readings chosen on top of the rule set (spec/RULES.md, "Readings"); the committed
    /// vectors have none, `vectors generate --reading` writes sets that have.
    #[serde(default, skip_serializing_if = "Readings::is_empty")]
    pub readings: Readings,
    /// Rule IDs the vector exercises (for `--rule` and the coverage check).
    pub rules: Vec<String>,
    pub config: Config,
    pub steps: Vec<Step>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// The time of the input, or the time the clock advances to.
    pub at_ms: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<Input>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub advance: bool,
    /// The rule IDs the reference applied in this step (informative; reports cite them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<String>,
    /// Component suites: what the other components published in this step, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<Published>,
    pub expect: Expect,
}

fn is_false(b: &bool) -> bool {
    !*b
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// The events the suite's implementation publishes in this step, in order.
    #[serde(default)]
    pub published: Vec<Published>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reject: Option<Reject>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<State>,
}

/// Observable state after a step; each field present is compared, absent ones are not.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct State {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation: Option<ConversationState>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tasks: Option<Vec<TaskView>>,
    /// Live timers of the suite's component, in (deadline, key) order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timers: Option<Vec<Timer>>,
    /// The open routing request (task and system suites): none, or one (TASK-23). A PULL
    /// request parked in the list has no task yet, so a wrong parking shows here at once
    /// instead of as a puzzling rejection steps later.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requests: Option<Vec<RequestView>>,
}

/// An open routing request as the Routing Engine holds it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestView {
    pub kind: cxspec_spec::task::RequestKind,
    pub session: cxspec_spec::SessionId,
    /// The task serving it; absent while a PULL request waits in the list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task: Option<cxspec_spec::TaskId>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timer {
    #[serde(flatten)]
    pub key: TimerKey,
    pub deadline_ms: u64,
}

impl Vector {
    /// The rules its expectations follow: its rule set and its readings.
    pub fn rules_run(&self) -> Rules {
        Rules::new(self.rule_set, self.readings)
    }
}

impl Step {
    /// A one-line description of the stimulus, e.g. `t=3000 REQUEST_AGENT session=1`.
    pub fn describe(&self) -> String {
        match &self.input {
            Some(input) => format!(
                "t={} {}",
                self.at_ms,
                cxspec_spec::scenarios::describe_input(input)
            ),
            None => format!("t={} ADVANCE", self.at_ms),
        }
    }
}

// ---- writing -------------------------------------------------------------------------

impl Vector {
    /// The file name under the vectors directory: `<suite>/<id>.yaml`.
    pub fn relative_path(&self) -> PathBuf {
        PathBuf::from(self.suite.name()).join(format!("{}.yaml", self.id))
    }

    /// The committed form: deterministic, one event per line.
    pub fn to_yaml(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "# Generated by `cxspec vectors generate`: do not edit. Format: conformance/FORMAT.md"
        );
        let _ = writeln!(s, "format: {}", scalar(&self.format));
        let _ = writeln!(s, "id: {}", scalar(&self.id));
        let _ = writeln!(s, "suite: {}", self.suite.name());
        let _ = writeln!(
            s,
            "title: {}",
            serde_json::to_string(&self.title).unwrap_or_default()
        );
        let _ = writeln!(s, "origin: {}", scalar(&self.origin));
        let _ = writeln!(s, "rule_set: {}", self.rule_set.name());
        if !self.readings.is_empty() {
            let _ = writeln!(s, "readings: {}", flow(&self.readings));
        }
        let _ = writeln!(s, "rules: {}", flow(&self.rules));
        let _ = writeln!(s, "config:");
        if let serde_yaml::Value::Mapping(map) =
            serde_yaml::to_value(&self.config).expect("config serializes")
        {
            for (k, v) in map {
                let _ = writeln!(s, "  {}: {}", flow(&k), flow(&v));
            }
        }
        let _ = writeln!(s, "steps:");
        for step in &self.steps {
            let _ = writeln!(s, "- at_ms: {}", step.at_ms);
            if let Some(input) = &step.input {
                let _ = writeln!(s, "  input: {}", flow(input));
            }
            if step.advance {
                let _ = writeln!(s, "  advance: true");
            }
            if !step.rules.is_empty() {
                let _ = writeln!(s, "  rules: {}", flow(&step.rules));
            }
            if !step.events.is_empty() {
                let _ = writeln!(s, "  events:");
                for e in &step.events {
                    let _ = writeln!(s, "  - {}", flow(e));
                }
            }
            let _ = writeln!(s, "  expect:");
            if step.expect.published.is_empty() {
                let _ = writeln!(s, "    published: []");
            } else {
                let _ = writeln!(s, "    published:");
                for e in &step.expect.published {
                    let _ = writeln!(s, "    - {}", flow(e));
                }
            }
            if let Some(reject) = &step.expect.reject {
                let _ = writeln!(s, "    reject: {}", flow(reject));
            }
            if let Some(state) = &step.expect.state {
                let _ = writeln!(s, "    state: {}", flow(state));
            }
        }
        s
    }
}

// ---- reading -------------------------------------------------------------------------

fn error(
    origin: &str,
    line: Option<usize>,
    field: &str,
    message: impl Into<String>,
) -> VectorError {
    ConfigError {
        origin: origin.to_string(),
        line,
        field: Some(field.to_string()),
        message: message.into(),
    }
}

fn past_the_domain(ms: u64) -> String {
    format!("{ms} ms is past the time domain (times and deadlines are at most 2^53 - 1 = {MAX_TIME_MS} ms)")
}

/// Every `deadline_ms` a step states, with its field path below the step: in the events of
/// other components, the expected events, and the expected timers.
fn step_deadlines(step: &Step) -> Vec<(String, u64)> {
    let mut found = Vec::new();
    // Read from the serialized event, so that no list of event types needs keeping here.
    let deadline_of = |event: &Published| match serde_yaml::to_value(event) {
        Ok(serde_yaml::Value::Mapping(map)) => map
            .get(serde_yaml::Value::from("deadline_ms"))
            .and_then(serde_yaml::Value::as_u64),
        _ => None,
    };
    for (j, event) in step.events.iter().enumerate() {
        if let Some(d) = deadline_of(event) {
            found.push((format!("events[{j}].deadline_ms"), d));
        }
    }
    for (j, event) in step.expect.published.iter().enumerate() {
        if let Some(d) = deadline_of(event) {
            found.push((format!("expect.published[{j}].deadline_ms"), d));
        }
    }
    let timers = step.expect.state.as_ref().and_then(|s| s.timers.as_ref());
    for (j, timer) in timers.into_iter().flatten().enumerate() {
        found.push((
            format!("expect.state.timers[{j}].deadline_ms"),
            timer.deadline_ms,
        ));
    }
    found
}

/// The first line of step `index` that contains `needle` (or the step's first line).
fn step_line_containing(text: &str, starts: &[usize], index: usize, needle: &str) -> Option<usize> {
    let first = *starts.get(index)?;
    let end = starts.get(index + 1).copied().unwrap_or(usize::MAX);
    text.lines()
        .enumerate()
        .skip(first - 1)
        .take_while(|(i, _)| i + 1 < end)
        .find(|(_, l)| l.contains(needle))
        .map(|(i, _)| i + 1)
        .or(Some(first))
}

impl Vector {
    /// Parses and checks a vector; `origin` names it in errors (usually its path).
    pub fn from_yaml(text: &str, origin: &str) -> Result<Vector, VectorError> {
        // Size, line length and nesting before serde_yaml sees the text (spec/src/limits.rs).
        cxspec_spec::limits::check_text(text, origin)?;
        let vector: Vector =
            serde_yaml::from_str(text).map_err(|e| yaml_error(&e, text, origin))?;
        vector.check(text, origin)?;
        Ok(vector)
    }

    fn check(&self, text: &str, origin: &str) -> Result<(), VectorError> {
        let top = |key: &str, message: String| error(origin, line_of_key(text, key), key, message);
        if self.format != FORMAT {
            return Err(top(
                "format",
                format!(
                    "format `{}` is not supported (this kit reads `{FORMAT}`)",
                    self.format
                ),
            ));
        }
        if self.id.is_empty()
            || !self
                .id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
        {
            return Err(top(
                "id",
                "an id is non-empty and uses only [A-Za-z0-9._-]".into(),
            ));
        }
        for id in &self.rules {
            if Rule::from_id(id).is_none() {
                return Err(top("rules", format!("unknown rule ID `{id}`")));
            }
        }
        if let Err(invalid) = self.config.validate() {
            return Err(error(
                origin,
                line_of_key(text, invalid.field).or_else(|| line_of_key(text, "config")),
                &format!("config.{}", invalid.field),
                invalid.message,
            ));
        }
        if self.steps.is_empty() {
            return Err(top("steps", "a vector has at least one step".into()));
        }
        let starts = step_lines(text);
        let mut previous_ms = 0;
        for (i, step) in self.steps.iter().enumerate() {
            let at = |key: &str, message: String| {
                error(
                    origin,
                    step_field_line(text, &starts, i, key),
                    &format!("steps[{i}].{key}"),
                    message,
                )
            };
            match (&step.input, step.advance) {
                (Some(_), true) => {
                    return Err(at(
                        "advance",
                        "a step is an input or an advance, not both".into(),
                    ))
                }
                (None, false) => {
                    return Err(at(
                        "input",
                        "a step needs an `input` or `advance: true`".into(),
                    ))
                }
                (Some(Input::TimerFired { .. }), false) => {
                    return Err(at(
                        "input",
                        "TIMER_FIRED is not a vector input: timers fire on `advance` steps".into(),
                    ))
                }
                (Some(_), false) | (None, true) => {}
            }
            if step.at_ms > MAX_TIME_MS {
                return Err(at("at_ms", past_the_domain(step.at_ms)));
            }
            if step.at_ms < previous_ms {
                return Err(at(
                    "at_ms",
                    format!("{} is before the previous step's {previous_ms} (time never goes backwards)", step.at_ms),
                ));
            }
            previous_ms = step.at_ms;
            for id in &step.rules {
                if Rule::from_id(id).is_none() {
                    return Err(at("rules", format!("unknown rule ID `{id}`")));
                }
            }
            if self.suite == Suite::System && !step.events.is_empty() {
                return Err(at(
                    "events",
                    "`events` belongs to component suites; a system vector's events are all expected outputs".into(),
                ));
            }
            if step.expect.reject.is_some() {
                if step.advance {
                    return Err(at("reject", "an advance is never rejected".into()));
                }
                if !step.expect.published.is_empty() {
                    return Err(at("reject", "a rejected input publishes nothing".into()));
                }
            }
            for (field, deadline_ms) in step_deadlines(step) {
                if deadline_ms > MAX_TIME_MS {
                    let needle = format!("deadline_ms: {deadline_ms}");
                    return Err(error(
                        origin,
                        step_line_containing(text, &starts, i, &needle),
                        &format!("steps[{i}].{field}"),
                        past_the_domain(deadline_ms),
                    ));
                }
            }
        }
        self.replay(text, origin, &starts)
    }

    /// Replays the steps on the reference under the vector's own rule set, to find what
    /// only a run shows: an input at a time when an armed timer is already due (FORMAT.md,
    /// "Time": every vector advances the clock first), or an advance the reference cannot
    /// make. Such a vector is malformed, not a divergence of the implementation under test.
    /// Component vectors leave out only rejected inputs, which change nothing, so the
    /// replay reaches the same timers as the system run they were cut from.
    fn replay(&self, text: &str, origin: &str, starts: &[usize]) -> Result<(), VectorError> {
        let mut reference = Reference::new(self.config.clone(), self.rules_run());
        for (i, step) in self.steps.iter().enumerate() {
            let driven = match &step.input {
                Some(input) => reference.apply(step.at_ms, input).map(|_| ()),
                None => reference.advance(step.at_ms).map(|_| ()),
            };
            if let Err(DriveError(message)) = driven {
                return Err(error(
                    origin,
                    step_field_line(text, starts, i, "at_ms"),
                    &format!("steps[{i}].at_ms"),
                    message,
                ));
            }
        }
        Ok(())
    }

    /// Reads one vector file; also checks that the id is the file name and the suite the
    /// directory, when the directory is named after a suite. Only a regular file within the
    /// limits of `spec/src/limits.rs` is read: a FIFO or device is refused unopened.
    pub fn load(path: &Path) -> Result<Vector, VectorError> {
        Vector::load_text(path).map(|(vector, _)| vector)
    }

    fn load_text(path: &Path) -> Result<(Vector, String), VectorError> {
        let origin = path.display().to_string();
        let text = cxspec_spec::limits::read_file(path)?;
        let vector = Vector::from_yaml(&text, &origin)?;
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        if vector.id != stem {
            return Err(error(
                &origin,
                line_of_key(&text, "id"),
                "id",
                format!("id `{}` differs from the file name `{stem}`", vector.id),
            ));
        }
        let dir = path
            .parent()
            .and_then(|p| p.file_name())
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        if let Ok(suite) = dir.parse::<Suite>() {
            if suite != vector.suite {
                return Err(error(
                    &origin,
                    line_of_key(&text, "suite"),
                    "suite",
                    format!("suite `{}` in directory `{dir}/`", vector.suite),
                ));
            }
        }
        Ok((vector, text))
    }
}

fn is_yaml(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "yaml" || e == "yml")
}

/// Every `*.yaml` and `*.yml` under `dir`, sorted by path so that runs are reproducible.
///
/// Symbolic links are followed, to directories and to files, but each directory and each
/// file is visited once, by its canonical path: a link loop ends, and a file reachable by
/// two names is listed once, by the name met first (the real tree before any link, links
/// in path order). Entries that are not regular files (a FIFO, socket or device named
/// `*.yaml`, a dangling link) are listed too, so that loading reports each by name instead
/// of skipping it silently; nothing here opens a file.
pub fn find_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    let mut seen_dirs = BTreeSet::new();
    let mut seen_files = BTreeSet::new();
    seen_dirs.insert(dir.canonicalize()?);
    let mut pending = vec![dir.to_path_buf()];
    let mut links = BTreeSet::new();
    loop {
        while let Some(d) = pending.pop() {
            let mut entries = std::fs::read_dir(&d)?
                .map(|entry| entry.map(|e| e.path()))
                .collect::<std::io::Result<Vec<_>>>()?;
            entries.sort();
            for path in entries {
                let kind = std::fs::symlink_metadata(&path)?.file_type();
                if kind.is_symlink() {
                    links.insert(path);
                } else if kind.is_dir() {
                    if seen_dirs.insert(path.canonicalize()?) {
                        pending.push(path);
                    }
                } else if is_yaml(&path) && seen_files.insert(path.canonicalize()?) {
                    found.push(path);
                }
            }
        }
        // The real tree is walked; follow the first link not yet followed.
        let Some(link) = links.pop_first() else {
            break;
        };
        let target = link.canonicalize();
        match (std::fs::metadata(&link), target) {
            (Ok(meta), Ok(target)) if meta.is_dir() => {
                if seen_dirs.insert(target) {
                    pending.push(link);
                }
            }
            (Ok(_), Ok(target)) => {
                if is_yaml(&link) && seen_files.insert(target) {
                    found.push(link);
                }
            }
            // Dangling, or a loop of links: load reports it when it is named like a vector.
            (Err(_), _) | (_, Err(_)) => {
                if is_yaml(&link) {
                    found.push(link);
                }
            }
        }
    }
    found.sort();
    Ok(found)
}

/// Loads every vector under `dir`: the good ones, and one error per malformed file.
/// Ids are unique within a suite: a second file with an id already loaded is malformed,
/// and its error names both files.
pub fn load_dir(dir: &Path) -> Result<(Vec<Vector>, Vec<VectorError>), VectorError> {
    let files = find_files(dir).map_err(|e| ConfigError {
        origin: dir.display().to_string(),
        line: None,
        field: None,
        message: format!("cannot read the vectors directory: {e}"),
    })?;
    let mut vectors = Vec::new();
    let mut errors = Vec::new();
    let mut first_of: BTreeMap<(Suite, String), PathBuf> = BTreeMap::new();
    for path in files {
        match Vector::load_text(&path) {
            Ok((v, text)) => match first_of.get(&(v.suite, v.id.clone())) {
                Some(first) => errors.push(error(
                    &path.display().to_string(),
                    line_of_key(&text, "id"),
                    "id",
                    format!(
                        "duplicate id `{}` in suite `{}`: {} has it too (ids are unique within a suite)",
                        v.id,
                        v.suite,
                        first.display()
                    ),
                )),
                None => {
                    first_of.insert((v.suite, v.id.clone()), path);
                    vectors.push(v);
                }
            },
            Err(e) => errors.push(e),
        }
    }
    Ok((vectors, errors))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vector {
        Vector {
            format: FORMAT.into(),
            id: "sample".into(),
            suite: Suite::System,
            title: "A sample: with a colon".into(),
            origin: "cover".into(),
            rule_set: RuleSet::Specified,
            readings: Readings::NONE,
            rules: vec!["SLA-02".into()],
            config: Config::default(),
            steps: vec![
                Step {
                    at_ms: 0,
                    input: Some(Input::SessionStarted {
                        session: cxspec_spec::SessionId(1),
                        channel: cxspec_spec::ChannelKind::NonVoice,
                        routing_mode: None,
                    }),
                    advance: false,
                    rules: vec!["SLA-02".into()],
                    events: vec![],
                    expect: Expect {
                        published: vec![Published::CustomerSlaStarted {
                            session: cxspec_spec::SessionId(1),
                            deadline_ms: 300_000,
                        }],
                        reject: None,
                        state: Some(State {
                            conversation: Some(ConversationState::Created),
                            tasks: None,
                            timers: Some(vec![Timer {
                                key: TimerKey::CustomerSla {
                                    session: cxspec_spec::SessionId(1),
                                },
                                deadline_ms: 300_000,
                            }]),
                            requests: None,
                        }),
                    },
                },
                Step {
                    at_ms: 300_000,
                    input: None,
                    advance: true,
                    rules: vec![],
                    events: vec![],
                    expect: Expect::default(),
                },
            ],
        }
    }

    #[test]
    fn written_vectors_read_back_equal() {
        let v = sample();
        let text = v.to_yaml();
        assert_eq!(Vector::from_yaml(&text, "x.yaml").unwrap(), v, "{text}");
    }

    #[test]
    fn errors_name_line_and_field() {
        let text = sample().to_yaml().replace(
            "advance: true",
            "advance: true\n  input: {event: QUEUE_FLUSH}",
        );
        let err = Vector::from_yaml(&text, "x.yaml").unwrap_err();
        assert_eq!(err.field.as_deref(), Some("steps[1].advance"), "{err}");
        let line = text
            .lines()
            .position(|l| l.contains("advance: true"))
            .unwrap()
            + 1;
        assert_eq!(err.line, Some(line), "{err}");

        let text = sample()
            .to_yaml()
            .replace("SESSION_STARTED", "SESSION_BEGAN");
        let err = Vector::from_yaml(&text, "x.yaml").unwrap_err();
        let line = text
            .lines()
            .position(|l| l.contains("SESSION_BEGAN"))
            .unwrap()
            + 1;
        assert_eq!(err.line, Some(line), "{err}");

        let text = sample()
            .to_yaml()
            .replace("rules: [SLA-02]\nconfig", "rules: [SLA-99]\nconfig");
        let err = Vector::from_yaml(&text, "x.yaml").unwrap_err();
        assert_eq!(err.field.as_deref(), Some("rules"), "{err}");
        assert!(err.to_string().contains("SLA-99"), "{err}");
    }
    fn line_of(text: &str, needle: &str) -> Option<usize> {
        text.lines().position(|l| l.contains(needle)).map(|i| i + 1)
    }

    #[test]
    fn a_bad_value_is_named_by_its_field_not_by_itself() {
        let text = sample()
            .to_yaml()
            .replace("channel: NON_VOICE", "channel: FAX");
        let err = Vector::from_yaml(&text, "x.yaml").unwrap_err();
        assert_eq!(
            err.field.as_deref(),
            Some("steps[0].input.channel"),
            "{err}"
        );
        assert_eq!(err.line, line_of(&text, "FAX"), "{err}");
        assert!(err.message.contains("`FAX`"), "{err}");

        let text = sample()
            .to_yaml()
            .replace("SESSION_STARTED", "SESSION_BEGAN");
        let err = Vector::from_yaml(&text, "x.yaml").unwrap_err();
        assert_eq!(err.field.as_deref(), Some("steps[0].input.event"), "{err}");
        assert!(err.message.contains("`SESSION_BEGAN`"), "{err}");
    }

    #[test]
    fn times_and_deadlines_past_the_domain_are_malformed() {
        let past = MAX_TIME_MS + 1;
        let text = sample()
            .to_yaml()
            .replace("at_ms: 300000", &format!("at_ms: {past}"));
        let err = Vector::from_yaml(&text, "x.yaml").unwrap_err();
        assert_eq!(err.field.as_deref(), Some("steps[1].at_ms"), "{err}");
        assert_eq!(err.line, line_of(&text, &past.to_string()), "{err}");

        let text =
            sample()
                .to_yaml()
                .replacen("deadline_ms: 300000", &format!("deadline_ms: {past}"), 1);
        let err = Vector::from_yaml(&text, "x.yaml").unwrap_err();
        assert_eq!(
            err.field.as_deref(),
            Some("steps[0].expect.published[0].deadline_ms"),
            "{err}"
        );
        assert_eq!(err.line, line_of(&text, &past.to_string()), "{err}");
        // The largest time is accepted.
        let text = sample()
            .to_yaml()
            .replace("at_ms: 300000", &format!("at_ms: {MAX_TIME_MS}"));
        assert!(Vector::from_yaml(&text, "x.yaml").is_ok());
    }

    #[test]
    fn an_input_while_a_timer_is_due_is_malformed() {
        // The customer SLA's first level (50% of 300 s) is due at 150 s; an input at 300 s
        // without an advance first breaks FORMAT.md "Time".
        let text = sample().to_yaml().replace(
            "advance: true",
            "input: {event: CUSTOMER_MESSAGE, session: 1}",
        );
        let err = Vector::from_yaml(&text, "x.yaml").unwrap_err();
        assert_eq!(err.field.as_deref(), Some("steps[1].at_ms"), "{err}");
        assert_eq!(err.line, line_of(&text, "at_ms: 300000"), "{err}");
        assert!(err.message.contains("advance the clock first"), "{err}");
    }
}
