//! A vector as it reads under other rules: the same stimuli, with the expectations (and,
//! in component suites, the other components' events) the reference gives under those
//! rules. This is how one set of vector files serves every combination of readings: an
//! adapter declares its readings in `hello`, and the runner derives each case for them
//! (conformance/PROTOCOL.md, "Readings"); `cxspec vectors generate --reading` writes the
//! derived set.
//!
//! The stimuli stay as they are, with one addition: where the other rules arm a timer that
//! falls due at or before an input's time, an advance to that time comes first, so the
//! derived vector keeps FORMAT.md's promise that no timer is due when an input arrives.
//! Left out: a derived vector is not re-minimised; it covers what its original covered.

use crate::generate::{project, Driver, Recorded};
use crate::vector::Vector;
use cxspec_spec::Rules;

/// `vector` under `rules`; an error if the reference cannot run its stimuli (a kit error).
pub fn derive(vector: &Vector, rules: Rules) -> Result<Vector, String> {
    let mut driver = Driver::new(vector.config.clone());
    driver.reference.rules = rules;
    let mut recorded: Vec<Recorded> = Vec::with_capacity(vector.steps.len());
    for step in &vector.steps {
        if let Some(input) = &step.input {
            if driver
                .reference
                .next_due()
                .is_some_and(|(due, _)| due <= step.at_ms)
            {
                recorded.push(driver.replay_at(step.at_ms, None)?);
            }
            recorded.push(driver.replay_at(step.at_ms, Some(input))?);
        } else {
            recorded.push(driver.replay_at(step.at_ms, None)?);
        }
    }
    // The vector keeps the rule IDs it is about (`--rule` selects on them); each step's
    // own list is the reference's under the new rules.
    Ok(Vector {
        rule_set: rules.set,
        readings: rules.readings,
        steps: project(vector.suite, &recorded),
        ..vector.clone()
    })
}

/// How many steps of `derived` expect something else than the step of `original` with the
/// same stimulus (an inserted advance counts as one).
pub fn changed_steps(original: &Vector, derived: &Vector) -> usize {
    let mut changed = derived.steps.len().saturating_sub(original.steps.len());
    let mut originals = original.steps.iter();
    for step in &derived.steps {
        // Inserted advances have no counterpart; skip them when pairing.
        let Some(o) = originals.clone().next() else {
            break;
        };
        if o.at_ms == step.at_ms && o.input == step.input {
            originals.next();
            if o.expect != step.expect || o.events != step.events {
                changed += 1;
            }
        }
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;
    use cxspec_spec::{Readings, RuleSet};
    use std::path::Path;

    fn vectors() -> Vec<Vector> {
        crate::vector::load_dir(Path::new("vectors")).unwrap().0
    }

    #[test]
    fn under_its_own_rules_a_vector_derives_to_itself() {
        for v in vectors() {
            let derived = derive(&v, v.rules_run()).unwrap();
            assert_eq!(derived, v, "{}/{}", v.suite, v.id);
        }
    }

    #[test]
    fn a_reading_changes_exactly_the_steps_it_reads() {
        let readings = Readings::NONE.parse_one("R-03=agent-sla-started").unwrap();
        let mut changed_somewhere = false;
        for v in vectors()
            .iter()
            .filter(|v| v.rule_set == RuleSet::Specified)
        {
            let derived = derive(v, Rules::new(RuleSet::Specified, readings)).unwrap();
            for (a, b) in v.steps.iter().zip(&derived.steps) {
                if a.expect != b.expect {
                    changed_somewhere = true;
                    // Only SLA-22 restarts the agent SLA on resume.
                    assert!(a.rules.iter().any(|r| r == "SLA-22"), "{}: {a:?}", v.id);
                    let renamed = |step: &crate::vector::Step| {
                        serde_json::to_string(&step.expect)
                            .unwrap()
                            .replace("RESET_AGENT_SLA", "AGENT_SLA_STARTED")
                    };
                    assert_eq!(renamed(a), renamed(b), "{}", v.id);
                }
            }
        }
        assert!(
            changed_somewhere,
            "some vector resumes with a PRIMARY agent present"
        );
    }
}
