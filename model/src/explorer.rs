//! What stateright's web Explorer (`cxspec explore`) shows of the model, as a
//! contact-center engineer reads it rather than as Rust values.
//!
//! The Explorer shows a state as its `{:#?}` form and a step as `Model::format_step`, an
//! action as `Model::format_action`, and a path as the SVG of `Model::as_svg` (stateright's
//! `ui/index.htm`). So:
//! * [`state_view`]: the conversation state, the sessions, the participants with their
//!   roles, the tasks with state / media / reason, the open request and every armed timer
//!   with its deadline, then the model's bookkeeping (message budget, what the step
//!   broke); `ModelState`'s alternate `Debug` is this view;
//! * [`step_view`]: what a step published, which timers it armed or stopped and which
//!   rules it applied, above the state after it;
//! * actions by their input names ([`sequence::input_text`]; a timer's expiry names the
//!   timer);
//! * [`path_svg`]: the path so far as a sequence diagram (`sequence`), the `always`
//!   properties its last state violates marked on the last step.
//!
//! Steps run at the model's time 0 (`model`), so a deadline is the timer's duration.
//! Left out: the monitors' ghost state (shown only as what the step broke).

use crate::model::{CxModel, ModelState, NOW_MS};
use crate::sequence::{self, Sequence};
use cxspec_spec::{Input, TimerEffect};
use stateright::{Expectation, Model};

/// A state as lines of text (the Explorer's "Current State").
pub fn state_view(state: &ModelState, thresholds: Option<usize>) -> String {
    let mut lines = crate::trace::describe_system(&state.system, thresholds);
    if let Some(n) = state.messages_left {
        lines.push(format!("messages left: {n}"));
    }
    if !state.moves.is_empty() {
        lines.push(format!("step broke: {}", state.moves.join("; ")));
    }
    if state.ttl_postponed {
        lines.push("step re-armed the TTL of a waiting request".to_string());
    }
    if state.closing_postponed {
        lines.push("step opened a task or re-armed a wrap-up timer in Closing".to_string());
    }
    let broken: Vec<&str> = cxspec_spec::monitors::Mission::ALL
        .into_iter()
        .filter(|m| state.broken.contains(*m))
        .map(|m| m.name())
        .collect();
    if !broken.is_empty() {
        lines.push(format!("step broke: {}", broken.join("; ")));
    }
    lines.join("\n")
}

/// A step: its input, what it published, its timer changes and rules, then the state
/// after it; `None` if the model does not take it.
pub fn step_view(model: &CxModel, before: &ModelState, input: &Input) -> Option<String> {
    let after = model.step(before, input)?;
    let (_, outcome) = model.spec_step(&before.system, input, NOW_MS).ok()?;
    let mut lines = vec![format!("after {}:", sequence::input_text(input))];
    let published: Vec<String> = outcome.published.iter().map(sequence::event_text).collect();
    if !published.is_empty() {
        lines.push(format!("  published: {}", published.join(", ")));
    }
    let armed_before: Vec<_> = before.system.timers();
    let timers: Vec<String> = outcome
        .timers
        .iter()
        .filter_map(|effect| match *effect {
            TimerEffect::Armed { key, deadline_ms } => (!armed_before
                .contains(&(key, deadline_ms)))
            .then(|| format!("armed {key} (due {deadline_ms} ms)")),
            TimerEffect::Stopped { key } => armed_before
                .iter()
                .any(|(k, _)| *k == key)
                .then(|| format!("stopped {key}")),
        })
        .collect();
    if let Input::TimerFired { timer } = input {
        lines.push(format!("  fired: {timer}"));
    }
    if !timers.is_empty() {
        lines.push(format!("  timers: {}", timers.join(", ")));
    }
    let rules: Vec<&str> = outcome.rules.iter().map(|r| r.id()).collect();
    if !rules.is_empty() {
        lines.push(format!("  rules: {}", rules.join(" ")));
    }
    lines.push(String::new());
    lines.push(state_view(&after, Some(model.bounds.thresholds)));
    Some(lines.join("\n"))
}

/// The path from the initial state through `inputs` as a sequence diagram; `None` if a
/// step does not replay.
pub fn path_svg(model: &CxModel, inputs: &[Input]) -> Option<String> {
    let mut state = model.initial();
    let mut steps = Vec::with_capacity(inputs.len());
    for input in inputs {
        let (_, outcome) = model.spec_step(&state.system, input, NOW_MS).ok()?;
        steps.push(sequence::Step {
            at_ms: None,
            input: *input,
            outcome: Ok(outcome),
        });
        state = model.step(&state, input)?;
    }
    let violated = model
        .properties()
        .into_iter()
        .filter(|p| p.expectation == Expectation::Always && !(p.condition)(model, &state))
        .map(|p| p.name.to_string())
        .collect();
    let title = format!("rules {}, {}", model.run_rules(), model.bounds);
    Some(
        Sequence {
            title,
            steps,
            violated,
        }
        .svg(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bounds::Preset;
    use cxspec_spec::{ChannelKind, RuleSet, SessionId};

    fn ci_model() -> CxModel {
        CxModel::new(Preset::ci().subs[0].clone(), RuleSet::Specified)
    }

    #[test]
    fn a_state_reads_as_a_conversation_not_as_rust() {
        let model = ci_model();
        let start = Input::SessionStarted {
            session: SessionId(1),
            channel: ChannelKind::NonVoice,
            routing_mode: None,
        };
        let state = model.step(&model.initial(), &start).expect("taken");
        let shown = format!("{state:#?}");
        assert!(shown.starts_with("conversation Created"), "{shown}");
        assert!(shown.contains("sessions: session 1 chat open"), "{shown}");
        // 949321729.md: a non-voice CHANNEL_SESSION_STARTED starts that session's customer SLA.
        assert!(shown.contains("customer SLA of session 1 (next"), "{shown}");
        assert!(shown.contains(" ms)"), "deadlines are shown: {shown}");
        assert!(!shown.contains("ever_had_agent"), "{shown}");
        // The plain form stays the field dump, for test failures.
        assert!(format!("{state:?}").contains("ever_had_agent"));
        let step = step_view(&model, &model.initial(), &start).expect("taken");
        assert!(
            step.contains("published: CHANNEL_SESSION_STARTED session=1"),
            "{step}"
        );
        assert!(step.contains("armed customer SLA of session 1"), "{step}");
    }

    #[test]
    fn the_path_is_drawn_as_a_sequence() {
        let model = ci_model();
        let start = Input::SessionStarted {
            session: SessionId(1),
            channel: ChannelKind::NonVoice,
            routing_mode: None,
        };
        let svg = path_svg(&model, &[start]).expect("replays");
        assert!(svg.contains("1. SESSION_STARTED session=1"), "{svg}");
        assert!(!svg.contains("VIOLATED"));
    }
}
