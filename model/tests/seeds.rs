//! The `default` preset covers the shape of every seed scenario: each seed's stimuli, in
//! order, are a path of one of its sub-configurations, stimulus by stimulus among the
//! actions the model offers. So every interleaving around every seed case is explored.
//! Also: `ci` and `default` find every `sometimes` property on their own (the presets'
//! promise), checked here on the cheaper `ci`.

use cxspec_model::run::{check_all, RunOptions, Verdict};
use cxspec_model::{CxModel, Preset};
use cxspec_spec::scenarios::{seed_scenarios, Scenario};
use cxspec_spec::{Input, RuleSet};
use stateright::Model;
use std::time::Duration;

/// Whether `scenario`'s stimuli are a path of `model`.
fn is_path(model: &CxModel, scenario: &Scenario) -> Result<(), String> {
    let mut state = model.initial();
    for (i, step) in scenario.steps.iter().enumerate() {
        let mut offered: Vec<Input> = Vec::new();
        model.actions(&state, &mut offered);
        if !offered.contains(&step.input) {
            return Err(format!("step {} ({:?}) is not offered", i + 1, step.input));
        }
        state = model
            .next_state(&state, step.input)
            .ok_or_else(|| format!("step {} is rejected", i + 1))?;
    }
    Ok(())
}

#[test]
fn every_seed_is_a_path_of_a_default_sub_configuration() {
    let subs = Preset::default_preset().subs;
    for scenario in seed_scenarios() {
        let same_settings = subs.iter().filter(|b| {
            b.routing == scenario.config.routing_mode
                && b.wrap_up == scenario.config.wrap_up_enabled
                && b.mrd_auto_joinable == scenario.config.mrd_auto_joinable
                && b.alphabet.no_agent_sla == scenario.config.agent_sla_ms.is_none()
        });
        let mut misses = Vec::new();
        let fits = same_settings.into_iter().any(|b| {
            let model = CxModel::new(b.clone(), scenario.rule_set);
            match is_path(&model, &scenario) {
                Ok(()) => true,
                Err(e) => {
                    misses.push(format!("{b}: {e}"));
                    false
                }
            }
        });
        assert!(
            fits,
            "seed `{}` fits no default sub-configuration: {misses:#?}",
            scenario.name
        );
    }
}

/// A seed that is not a path is caught: an unknown agent, and a third session.
#[test]
fn a_stimulus_outside_the_bounds_is_not_a_path() {
    let mut scenario = seed_scenarios().remove(0);
    let model = CxModel::new(Preset::ci().subs[0].clone(), RuleSet::Specified);
    assert_eq!(is_path(&model, &scenario), Ok(()));
    scenario.steps.push(cxspec_spec::scenarios::Step {
        at_ms: 9_000,
        input: Input::AgentMessage {
            agent: cxspec_spec::AgentId(3),
            wrap_up: false,
        },
    });
    assert!(is_path(&model, &scenario).is_err());
}

/// The presets' promise and the requirement on the rules, from one run of `ci`: every
/// `sometimes` property is found, and under `specified` no property fails.
#[test]
fn ci_finds_every_situation_and_specified_keeps_every_property() {
    let report = check_all(
        &Preset::ci().subs,
        RuleSet::Specified,
        &RunOptions {
            threads: 2,
            symmetry: true,
            shortest: true,
            ..RunOptions::default()
        },
        Duration::from_secs(3600),
        |_| {},
    );
    let missing: Vec<&str> = report
        .verdicts
        .iter()
        .filter(|(_, _, v)| *v == Verdict::NotFound)
        .map(|(n, _, _)| *n)
        .collect();
    assert!(missing.is_empty(), "not found: {missing:?}");
    let violated: Vec<String> = report
        .violated()
        .map(|name| {
            let (sub, path) = report.discovery(name).expect("violated means found");
            format!("{name} ({}): {path:?}", sub.bounds)
        })
        .collect();
    assert!(violated.is_empty(), "violated: {violated:#?}");
}
