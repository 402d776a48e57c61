//! Counterexamples for people: a state in a few readable lines, a path as a replayable
//! [`Scenario`] with plausible times, and where a rule set's run of a path first differs
//! from `specified`'s (which names the deviation to blame).
//!
//! Times: the model runs every step at 0 ms (see `model`). A scenario needs times that
//! move forward, so a stimulus comes 1 s after the previous one and a timer fires at its
//! deadline (or at once if that has passed). The model lets any armed timer fire first,
//! so a counterexample can fire a timer before one with an earlier deadline; the replay
//! still reproduces the violation, because no rule compares the clock with a deadline.

use crate::bounds::Bounds;
use crate::model::{CxModel, ModelState};
use cxspec_spec::scenarios::{describe, describe_input, Scenario, Step};
use cxspec_spec::{
    ChannelKind, Deviation, Input, Outcome, Published, Reject, Rule, RuleSet, Sender, System,
    TaskState,
};

/// A state as indented lines: conversation, sessions, participants, tasks, request,
/// live timers with deadlines, budget, what the step broke (`explorer::state_view`).
pub fn describe_state(state: &ModelState, bounds: &Bounds) -> String {
    crate::explorer::state_view(state, Some(bounds.thresholds))
}

/// The system part of [`describe_state`], one line per part; every armed timer with its
/// deadline. Without `thresholds` (the number of SLA threshold levels) an SLA timer's
/// next step is told from its deadline alone.
pub fn describe_system(system: &System, thresholds: Option<usize>) -> Vec<String> {
    let conv = &system.conversation;
    let mut lines = Vec::new();
    let last = match conv.last_message {
        None => "none",
        Some(Sender::Customer) => "customer",
        Some(Sender::Agent) => "agent",
        Some(Sender::Bot) => "bot",
    };
    lines.push(format!(
        "conversation {:?}{}, last message: {last}",
        conv.state,
        if conv.on_hold() { " (on hold)" } else { "" }
    ));
    let sessions: Vec<String> = conv
        .sessions
        .iter()
        .map(|s| {
            format!(
                "{} {} {}",
                s.id,
                match s.channel {
                    ChannelKind::Voice => "voice",
                    ChannelKind::NonVoice => "chat",
                },
                if s.open { "open" } else { "ended" }
            )
        })
        .collect();
    lines.push(format!("sessions: {}", list(&sessions)));
    let agents: Vec<String> = conv
        .agents
        .iter()
        .map(|p| format!("{} {:?}", p.agent, p.role))
        .collect();
    lines.push(format!("participants: {}", list(&agents)));
    let tasks: Vec<String> = system
        .tasks
        .tasks
        .iter()
        .map(|t| {
            let mut text = format!("{}", t.id);
            if let Some(agent) = t.agent {
                text.push_str(&format!(" {agent}"));
            }
            let medias: Vec<String> = t
                .medias
                .iter()
                .map(|m| format!("{:?}@{}", m.state, m.session.0))
                .collect();
            text.push_str(&format!(
                " {:?} media {} {:?}/{:?}",
                t.state,
                medias.join(","),
                t.direction,
                t.mode
            ));
            if let Some(reason) = t.reason {
                text.push_str(&format!(" reason {reason:?}"));
            } else if t.state == TaskState::WrapUp {
                text.push_str(&format!(" (closes {:?})", t.wrap_up_reason));
            }
            text
        })
        .collect();
    lines.push(format!("tasks: {}", list(&tasks)));
    let request = system.tasks.request.as_ref().map(|r| {
        let mut text = format!("{:?} for {}", r.kind, r.session);
        if let Some(task) = r.task {
            text.push_str(&format!(", {task}"));
        }
        if r.ttl_expired {
            text.push_str(", TTL expired");
        }
        text
    });
    lines.push(format!(
        "request: {}",
        request.unwrap_or_else(|| "-".into())
    ));
    let levels = |t: &cxspec_spec::sla::SlaTimer| {
        let next = t.next_level;
        let expiry_next = match thresholds {
            Some(n) => usize::from(next) >= n,
            None => t.deadline_ms == t.started_ms.saturating_add(t.duration_ms),
        };
        let what = match (expiry_next, thresholds) {
            (true, _) => "next: expiry".to_string(),
            (false, Some(n)) => format!("next threshold {} of {n}", next + 1),
            (false, None) => format!("next threshold {}", next + 1),
        };
        format!("{what}, due {} ms", t.deadline_ms)
    };
    let mut timers = Vec::new();
    if let Some(t) = &system.sla.agent {
        timers.push(format!("agent SLA ({})", levels(t)));
    }
    for (s, t) in &system.sla.customer {
        timers.push(format!("customer SLA of {s} ({})", levels(t)));
    }
    for (key, deadline) in system.timers() {
        if !matches!(
            key,
            cxspec_spec::TimerKey::AgentSla | cxspec_spec::TimerKey::CustomerSla { .. }
        ) {
            timers.push(format!("{key} (due {deadline} ms)"));
        }
    }
    lines.push(format!("timers: {}", list(&timers)));
    lines
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "-".to_string()
    } else {
        items.join(", ")
    }
}

/// Runs `inputs` on a fresh conversation with plausible times (see the module header);
/// stops at the first rejection.
pub fn timed_steps(
    inputs: &[Input],
    config: &cxspec_spec::Config,
    rules: impl Into<cxspec_spec::Rules>,
) -> Result<Vec<Step>, (usize, Reject)> {
    let rules: cxspec_spec::Rules = rules.into();
    let mut system = System::new();
    let mut steps = Vec::with_capacity(inputs.len());
    let mut now = 0u64;
    for (i, input) in inputs.iter().enumerate() {
        let at_ms = match input {
            Input::TimerFired { timer } => system
                .timers()
                .into_iter()
                .find(|(k, _)| k == timer)
                .map_or(now, |(_, deadline)| deadline.max(now)),
            _ if i == 0 => 0,
            _ => now + 1_000,
        };
        now = at_ms;
        let mut out = Outcome::default();
        system
            .apply(input, at_ms, config, rules, &mut out)
            .map_err(|e| (i, e))?;
        steps.push(Step {
            at_ms,
            input: *input,
        });
    }
    Ok(steps)
}

/// A counterexample as a scenario file that `cxspec simulate` replays.
pub fn to_scenario(
    model: &CxModel,
    inputs: &[Input],
    name: &str,
    title: &str,
) -> Result<Scenario, (usize, Reject)> {
    let steps = timed_steps(inputs, &model.config, model.run_rules())?;
    let mut scenario = Scenario {
        name: name.to_string(),
        title: title.to_string(),
        rules: Vec::new(),
        rule_set: model.rules,
        readings: model.readings,
        config: model.config.clone(),
        steps,
    };
    let (_, results) = scenario
        .run()
        .expect("timed_steps produces non-decreasing times");
    // Every rule the replay applied, in catalogue order.
    let mut rules: Vec<Rule> = results
        .iter()
        .filter_map(|r| r.outcome.as_ref().ok())
        .flat_map(|o| o.rules.iter().copied())
        .collect();
    rules.sort();
    rules.dedup();
    scenario.rules = rules.iter().map(|r| r.id().to_string()).collect();
    Ok(scenario)
}

/// Where running `inputs` under `rules` first differs from running them under
/// `specified`: the step, what each published (or why it was rejected), and the
/// deviations of `rules` on the rules that step applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Divergence {
    /// 0-based step index.
    pub step: usize,
    pub under_rules: Result<Vec<Published>, Reject>,
    pub under_specified: Result<Vec<Published>, Reject>,
    pub deviations: Vec<Deviation>,
}

pub fn first_divergence(
    inputs: &[Input],
    config: &cxspec_spec::Config,
    rules: RuleSet,
) -> Option<Divergence> {
    let mut a = System::new();
    let mut b = System::new();
    for (step, input) in inputs.iter().enumerate() {
        let mut out_a = Outcome::default();
        let mut out_b = Outcome::default();
        let ra = a.apply(input, 0, config, rules, &mut out_a);
        let rb = b.apply(input, 0, config, RuleSet::Specified, &mut out_b);
        let pa = ra.map(|()| out_a.published.clone());
        let pb = rb.map(|()| out_b.published.clone());
        if pa != pb || a != b {
            let applied: Vec<Rule> = out_a.rules.iter().chain(&out_b.rules).copied().collect();
            let deviations = Deviation::ALL
                .iter()
                .copied()
                .filter(|d| rules.has(*d) && applied.contains(&d.rule()))
                .collect();
            return Some(Divergence {
                step,
                under_rules: pa,
                under_specified: pb,
                deviations,
            });
        }
    }
    None
}

/// One line for a step's published events.
pub fn describe_published(published: &Result<Vec<Published>, Reject>) -> String {
    match published {
        Ok(events) if events.is_empty() => "nothing".to_string(),
        Ok(events) => events.iter().map(describe).collect::<Vec<_>>().join(", "),
        Err(reject) => format!("rejected ({reject})"),
    }
}

/// A path as numbered lines: each stimulus, then what it changed in the state (the
/// lines of [`describe_state`] that differ from the state before), and the whole state
/// after the last step.
pub fn describe_path(model: &CxModel, inputs: &[Input]) -> String {
    let mut text = String::new();
    let mut state = model.initial();
    let mut previous: Vec<String> = Vec::new();
    for (i, input) in inputs.iter().enumerate() {
        text.push_str(&format!("{:>3}. {}\n", i + 1, describe_input(input)));
        let Some(next) = model.step(&state, input) else {
            text.push_str("       (rejected: the path does not replay)\n");
            return text;
        };
        let lines: Vec<String> = describe_state(&next, &model.bounds)
            .lines()
            .map(str::to_string)
            .collect();
        let last = i + 1 == inputs.len();
        let changed: Vec<&String> = lines
            .iter()
            .filter(|l| last || !previous.contains(l))
            .collect();
        if changed.is_empty() {
            text.push_str("       (state unchanged)\n");
        }
        for line in changed {
            text.push_str(&format!("       {line}\n"));
        }
        previous = lines;
        state = next;
    }
    text
}
