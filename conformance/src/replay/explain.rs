//! What would explain a divergence of a replayed conversation: the rules of the spec step
//! involved, and the rule sets, deviations and readings under which the spec itself gives
//! what the log shows (as `cxspec conform` names them for a failing case, `runner.rs`).
//!
//! The conversation's stimuli, kept while it agreed with the spec, are run again on the
//! reference (`reference.rs`: the pure step function, timers fired in deadline order, the
//! engine's semantics for one conversation) under each candidate: every other rule set (with
//! the same readings), and every other alternative of every reading on top of the rules in
//! use. A candidate explains the divergence when it publishes, within the tolerance, what was
//! observed (an extra event, a payload, a time) or does not publish what was missing, or
//! accepts the refused stimulus. For a rule set, the deviations named are those that touch the
//! step's rules, less any whose own reading, set back, still explains it. Left out: pairs of
//! readings (each is tried alone), and what happened after the divergence.

use super::judge::{same_event, Divergence, Kind, Options};
use crate::reference::Reference;
use cxspec_spec::{Deviation, Input, Published, Reading, Rule, RuleSet, Rules};

/// One stimulus of a conversation, as the judge applied it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Step {
    pub at_ms: u64,
    pub input: Input,
    pub line: u64,
}

/// A rule set, deviation or reading alternative that explains a divergence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Explanation {
    /// Short, for counting: `ATM-01`, `DEV-02`, `R-05=request-session`, `rule set documented`.
    pub key: String,
    pub text: String,
    /// The rules under which the spec gives what was observed.
    pub rules: Rules,
}

/// A conversation's published events under some rules: (time, event, rules of its step),
/// and the stimuli refused (by index into the history).
struct Rerun {
    events: Vec<(u64, Published, Vec<Rule>)>,
    refused: Vec<usize>,
}

fn rerun(opts: &Options, rules: Rules, history: &[Step], until_ms: u64) -> Rerun {
    let mut reference = Reference::new(opts.config.clone(), rules);
    let mut run = Rerun {
        events: Vec::new(),
        refused: Vec::new(),
    };
    let push = |at: u64, outcome: &cxspec_spec::Outcome, events: &mut Vec<_>| {
        for e in &outcome.published {
            if opts.check.publishes(e) {
                events.push((at, e.clone(), outcome.rules.clone()));
            }
        }
    };
    for (i, step) in history.iter().enumerate() {
        let Ok(fires) = reference.advance(step.at_ms) else {
            return run;
        };
        for f in &fires {
            push(f.at_ms, &f.outcome, &mut run.events);
        }
        match reference.apply(step.at_ms, &step.input) {
            Ok(Ok(outcome)) => push(step.at_ms, &outcome, &mut run.events),
            Ok(Err(_)) => run.refused.push(i),
            Err(_) => return run,
        }
    }
    if let Ok(fires) = reference.advance(until_ms.max(reference.now_ms)) {
        for f in &fires {
            push(f.at_ms, &f.outcome, &mut run.events);
        }
    }
    run
}

/// The rules to judge the rest of a conversation under after `d`: the nearest rule set
/// that explains it (`specified`, `documented`, `as-implemented`, in that order), else the
/// first reading that does.
pub fn next_rules(d: &Divergence, current: Rules) -> Option<Rules> {
    let sets = RuleSet::ALL.iter().filter_map(|set| {
        d.explained_by.iter().find(|e| {
            e.rules.set == *set && e.rules.readings == current.readings && *set != current.set
        })
    });
    sets.chain(d.explained_by.iter())
        .map(|e| e.rules)
        .find(|r| *r != current)
}

/// Whether the candidate's run gives what the divergence observed.
fn explains(d: &Divergence, run: &Rerun, history: &[Step], tolerance: u64) -> bool {
    let near = |event: &Published, at: u64, after_only: bool| {
        run.events.iter().any(|(t, e, _)| {
            same_event(e, event, tolerance)
                && if after_only {
                    at >= *t && at - *t <= tolerance
                } else {
                    t.abs_diff(at) <= tolerance
                }
        })
    };
    match d.kind {
        Kind::Missing => {
            let e = d
                .expected
                .as_ref()
                .expect("a missing event has an expectation");
            !near(&e.event, e.at_ms, false)
        }
        Kind::Extra | Kind::WrongPayload => {
            let o = d.observed.as_ref().expect("observed");
            near(&o.event, o.at_ms, false)
        }
        Kind::Early | Kind::Late => {
            let o = d.observed.as_ref().expect("observed");
            near(&o.event, o.at_ms, true)
        }
        Kind::Rejected => {
            let refused = history.iter().rposition(|s| s.line == d.line);
            refused.is_some_and(|i| !run.refused.contains(&i))
        }
        Kind::Invariant => false,
    }
}

/// The rules of the run's step that published `event` near `at_ms`.
fn step_rules(run: &Rerun, event: &Published, at_ms: u64, tolerance: u64) -> Option<Vec<Rule>> {
    run.events
        .iter()
        .filter(|(t, e, _)| same_event(e, event, tolerance) && t.abs_diff(at_ms) <= tolerance)
        .min_by_key(|(t, _, _)| t.abs_diff(at_ms))
        .map(|(_, _, rules)| rules.clone())
}

/// The rules of the spec's step behind the divergence, under the rules in use.
fn own_rules(d: &Divergence, history: &[Step], opts: &Options) -> Vec<Rule> {
    let until = d.at_ms.saturating_add(opts.tolerance_ms);
    let current = rerun(opts, opts.rules, history, until);
    if let Some(e) = &d.expected {
        if let Some(rules) = step_rules(&current, &e.event, e.at_ms, opts.tolerance_ms) {
            return rules;
        }
    }
    // No expectation (an extra event, a refused stimulus): the last step at or before it.
    current
        .events
        .iter()
        .rev()
        .find(|(t, _, _)| *t <= d.at_ms)
        .map(|(_, _, rules)| rules.clone())
        .unwrap_or_default()
}

fn ids(rules: &[Rule]) -> Vec<String> {
    rules.iter().map(|r| r.id().to_string()).collect()
}

/// Fills in the divergence's rules only (past the explain limit).
pub fn rules_only(d: &mut Divergence, history: &[Step], opts: &Options) {
    if d.kind != Kind::Invariant {
        d.rules = ids(&own_rules(d, history, opts));
    }
}

/// Fills in the divergence's rules and what explains it.
pub fn explain(d: &mut Divergence, history: &[Step], opts: &Options) {
    if d.kind == Kind::Invariant {
        return;
    }
    let tolerance = opts.tolerance_ms;
    let until = d.at_ms.saturating_add(tolerance);
    let mut rules = own_rules(d, history, opts);
    let current = opts.rules;
    let mut found = Vec::new();
    for set in RuleSet::ALL.into_iter().filter(|s| *s != current.set) {
        let candidate = Rules::new(set, current.readings);
        let run = rerun(opts, candidate, history, until);
        if !explains(d, &run, history, tolerance) {
            continue;
        }
        let mut touched = rules.clone();
        if let Some(o) = &d.observed {
            if let Some(theirs) = step_rules(&run, &o.event, o.at_ms, tolerance) {
                touched.extend(theirs);
            }
        }
        let mut named: Vec<Deviation> = Deviation::ALL
            .iter()
            .copied()
            .filter(|dev| touched.contains(&dev.rule()))
            .filter(|dev| candidate.has(*dev) != current.has(*dev))
            .collect();
        // A deviation whose reading, set back to the rules in use, still explains it is not
        // what explains it.
        named.retain(|dev| {
            let Some(reading) = Reading::ALL
                .iter()
                .copied()
                .find(|r| r.alternatives().iter().any(|a| a.deviation == Some(*dev)))
            else {
                return true;
            };
            let back = reading
                .alternative(current.reads(reading))
                .expect("the rules read an alternative of the catalogue");
            let without = Rules::new(set, candidate.readings.with(reading, back));
            !explains(d, &rerun(opts, without, history, until), history, tolerance)
        });
        if named.is_empty() {
            found.push(Explanation {
                rules: candidate,
                key: format!("rule set {set}"),
                text: format!(
                    "the `{set}` rule set gives this (its deviations from `{current}` do not name the step's rules)"
                ),
            });
        }
        for dev in named {
            let sets: Vec<&str> = RuleSet::ALL
                .iter()
                .filter(|s| s.has(dev))
                .map(|s| s.name())
                .collect();
            if rules.is_empty() || !rules.contains(&dev.rule()) {
                rules.push(dev.rule());
            }
            found.push(Explanation {
                rules: candidate,
                key: dev.id().to_string(),
                text: format!(
                    "{} ({}, in {}): {}",
                    dev.id(),
                    dev.rule().id(),
                    sets.join(", "),
                    dev.title()
                ),
            });
        }
    }
    for &reading in Reading::ALL.iter().filter(|r| !r.names_only()) {
        let taken = current.reads(reading);
        for alternative in reading.alternatives().iter().filter(|a| a.name != taken) {
            let index = reading
                .alternative(alternative.name)
                .expect("an alternative of the catalogue");
            let candidate = Rules::new(current.set, current.readings.with(reading, index));
            if explains(
                d,
                &rerun(opts, candidate, history, until),
                history,
                tolerance,
            ) {
                found.push(Explanation {
                    rules: candidate,
                    key: format!("{}={}", reading.id(), alternative.name),
                    text: format!(
                        "reading {} = {} ({}): {}",
                        reading,
                        alternative.name,
                        reading.rule().id(),
                        alternative.meaning
                    ),
                });
            }
        }
    }
    found.sort_by(|a, b| a.key.cmp(&b.key));
    found.dedup_by(|a, b| a.key == b.key);
    d.rules = ids(&rules);
    d.explained_by = found;
}
