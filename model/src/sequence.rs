//! Scenarios and counterexamples as sequence diagrams: who sent each input, what each
//! component published to whom, which timers each step armed, stopped or fired, and the
//! property a counterexample violates, marked on its last step.
//!
//! Lanes: the customer, the bot, each agent the run names, the Routing Engine (tasks,
//! request TTL, RONA, wrap-up timers), the Conversation Manager (the conversation, its
//! hold timer) and the Conversation Monitor (SLA timers); the components of seed 003
//! ("CX-Activities": publishers and consumers of the CIM events). An event is drawn from
//! its publisher to its main consumer: the conversation's events to the Monitor (the SLA
//! table of `949321729.md` is keyed by them), the Monitor's SLA events and the task
//! events to the Conversation Manager, TASK_ENQUEUED and NO_AGENT_AVAILABLE to the
//! Monitor, AGENT_RESERVED to the agent.
//! Output: Mermaid `sequenceDiagram` text and a self-contained SVG drawn here (rows and
//! columns need no layout engine); both are functions of the steps, byte for byte.
//! Left out: the bus's internal order of consumption (`System::apply`), and consumers
//! beyond the main one.

use cxspec_spec::scenarios::{describe, describe_input, StepResult};
use cxspec_spec::{AgentId, Input, Outcome, Published, Reject, TimerEffect, TimerKey};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// A lane of the diagram, in drawing order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Lane {
    Customer,
    Bot,
    Agent(AgentId),
    RoutingEngine,
    ConversationManager,
    ConversationMonitor,
}

impl Lane {
    fn title(self) -> String {
        match self {
            Lane::Customer => "Customer".into(),
            Lane::Bot => "Bot".into(),
            Lane::Agent(a) => a.to_string(),
            Lane::RoutingEngine => "Routing Engine".into(),
            Lane::ConversationManager => "Conversation Manager".into(),
            Lane::ConversationMonitor => "Conversation Monitor".into(),
        }
    }

    fn id(self) -> String {
        match self {
            Lane::Customer => "Customer".into(),
            Lane::Bot => "Bot".into(),
            Lane::Agent(a) => format!("A{}", a.0),
            Lane::RoutingEngine => "RE".into(),
            Lane::ConversationManager => "CM".into(),
            Lane::ConversationMonitor => "Monitor".into(),
        }
    }
}

/// The component that keeps a timer.
fn owner(timer: &TimerKey) -> Lane {
    match timer {
        TimerKey::AgentSla | TimerKey::CustomerSla { .. } => Lane::ConversationMonitor,
        TimerKey::RequestTtl | TimerKey::Rona { .. } | TimerKey::WrapUp { .. } => {
            Lane::RoutingEngine
        }
        TimerKey::Hold => Lane::ConversationManager,
    }
}

/// Who sends an input, and to whom.
fn route(input: &Input) -> (Lane, Lane) {
    use Lane::*;
    match *input {
        Input::SessionStarted { .. }
        | Input::SessionEnded { .. }
        | Input::CustomerMessage { .. } => (Customer, ConversationManager),
        Input::BotMessage { .. } => (Bot, ConversationManager),
        Input::RequestAgent { .. } => (Bot, RoutingEngine),
        Input::AgentMessage { agent, .. }
        | Input::LeaveConversation { agent }
        | Input::HoldConversation { agent, .. }
        | Input::ResumeConversation { agent } => (Agent(agent), ConversationManager),
        Input::ReserveAgent { agent } => (RoutingEngine, Agent(agent)),
        Input::AcceptTask { agent }
        | Input::PullConversation { agent }
        | Input::QueueTransfer { agent }
        | Input::NamedTransfer { agent, .. }
        | Input::QueueConference { agent }
        | Input::WrapUpApplied { agent }
        | Input::LeaveWithoutWrapUp { agent }
        | Input::AgentLogout { agent } => (Agent(agent), RoutingEngine),
        Input::QueueFlush => (RoutingEngine, RoutingEngine),
        Input::HousekeepingDone => (ConversationManager, ConversationManager),
        Input::TimerFired { timer } => (owner(&timer), owner(&timer)),
    }
}

/// Who publishes an event, and its main consumer. Exhaustive, so that a new event must
/// be given its lanes.
fn publication(event: &Published) -> (Lane, Lane) {
    use Lane::*;
    match event {
        Published::AgentReserved { agent, .. } => (RoutingEngine, Agent(*agent)),
        Published::TaskStateChanged { .. } => (RoutingEngine, ConversationManager),
        Published::TaskEnqueued { .. } | Published::NoAgentAvailable { .. } => {
            (RoutingEngine, ConversationMonitor)
        }
        Published::AgentSlaStarted { .. }
        | Published::ResetAgentSla { .. }
        | Published::AgentSlaStopped
        | Published::AgentSlaThresholdReached { .. }
        | Published::AgentSlaExpired
        | Published::CustomerSlaStarted { .. }
        | Published::CustomerSlaStopped { .. }
        | Published::CustomerSlaThresholdReached { .. }
        | Published::CustomerSlaExpired { .. } => (ConversationMonitor, ConversationManager),
        Published::ChannelSessionStarted { .. }
        | Published::ChannelSessionEnded { .. }
        | Published::CustomerMessage { .. }
        | Published::BotMessage { .. }
        | Published::AgentMessage { .. }
        | Published::TopicStateChanged { .. }
        | Published::AgentSubscribed { .. }
        | Published::AgentUnsubscribed { .. }
        | Published::ParticipantRoleChanged { .. }
        | Published::ConversationPaused
        | Published::ConversationResumed => (ConversationManager, ConversationMonitor),
    }
}

/// An event on one line, the task's view shortened to what a reader follows.
pub fn event_text(event: &Published) -> String {
    match event {
        Published::TaskStateChanged { task } => {
            let mut text = format!(
                "TASK_STATE_CHANGED {} {}/{}",
                task.id,
                screaming(&task.state),
                screaming(&task.media_state)
            );
            if let Some(agent) = task.agent {
                text.push_str(&format!(" {agent}"));
            }
            if let Some(reason) = task.reason {
                text.push_str(&format!(" reason={}", screaming(&reason)));
            }
            text
        }
        other => describe(other),
    }
}

/// An enum value as the vectors spell it (`WrapUp` as `WRAP_UP`).
fn screaming(value: &impl std::fmt::Debug) -> String {
    let mut out = String::new();
    for (i, c) in format!("{value:?}").chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_uppercase());
    }
    out
}

/// An input on one line; a timer's expiry names the timer.
pub fn input_text(input: &Input) -> String {
    match input {
        Input::TimerFired { timer } => format!("TIMER_FIRED {timer}"),
        other => describe_input(other),
    }
}

/// One step of a drawn run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// The step's time, when the run has times (scenarios do; the model's paths do not).
    pub at_ms: Option<u64>,
    pub input: Input,
    pub outcome: Result<Outcome, Reject>,
}

/// A run to draw: its title, its steps, and the properties its last step violates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sequence {
    pub title: String,
    pub steps: Vec<Step>,
    pub violated: Vec<String>,
}

/// One row of the drawing.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Row {
    Arrow {
        from: Lane,
        to: Lane,
        text: String,
        reply: bool,
    },
    Note {
        over: (Lane, Lane),
        text: String,
        alarm: bool,
    },
}

impl Sequence {
    /// A scenario's results (`Scenario::run`) as a sequence.
    pub fn of_results(title: &str, results: &[StepResult], violated: Vec<String>) -> Sequence {
        Sequence {
            title: title.to_string(),
            steps: results
                .iter()
                .map(|r| Step {
                    at_ms: Some(r.at_ms),
                    input: r.input,
                    outcome: r.outcome.clone(),
                })
                .collect(),
            violated,
        }
    }

    fn lanes(&self) -> Vec<Lane> {
        let mut agents = BTreeSet::new();
        for step in &self.steps {
            agents.extend(step.input.agents());
            if let Ok(out) = &step.outcome {
                for e in &out.published {
                    let (a, b) = publication(e);
                    for lane in [a, b] {
                        if let Lane::Agent(agent) = lane {
                            agents.insert(agent);
                        }
                    }
                }
            }
        }
        let mut lanes = vec![Lane::Customer, Lane::Bot];
        lanes.extend(agents.into_iter().map(Lane::Agent));
        lanes.extend([
            Lane::RoutingEngine,
            Lane::ConversationManager,
            Lane::ConversationMonitor,
        ]);
        lanes
    }

    /// The rows of each step, in order.
    fn rows(&self) -> Vec<Vec<Row>> {
        let lanes = self.lanes();
        let (first, last) = (lanes[0], lanes[lanes.len() - 1]);
        let count = self.steps.len();
        // The timers armed before each step: a step reports every timer it touched, also
        // one it stops that was not armed or re-arms at the same deadline; only changes
        // are drawn.
        let mut armed: BTreeMap<TimerKey, u64> = BTreeMap::new();
        self.steps
            .iter()
            .enumerate()
            .map(|(i, step)| {
                let mut rows = Vec::new();
                let (from, to) = route(&step.input);
                let mut text = format!("{}. {}", i + 1, input_text(&step.input));
                if let Some(at) = step.at_ms {
                    text.push_str(&format!(" (t={at} ms)"));
                }
                rows.push(Row::Arrow {
                    from,
                    to,
                    text,
                    reply: false,
                });
                match &step.outcome {
                    Err(reject) => rows.push(Row::Note {
                        over: (to, to),
                        text: format!("rejected: {reject}"),
                        alarm: true,
                    }),
                    Ok(out) => {
                        if let Input::TimerFired { timer } = step.input {
                            armed.remove(&timer);
                        }
                        for e in &out.published {
                            let (from, to) = publication(e);
                            rows.push(Row::Arrow {
                                from,
                                to,
                                text: event_text(e),
                                reply: true,
                            });
                        }
                        for effect in &out.timers {
                            let (key, text) = match *effect {
                                TimerEffect::Armed { key, deadline_ms } => {
                                    if armed.insert(key, deadline_ms) == Some(deadline_ms) {
                                        continue;
                                    }
                                    (key, format!("arms {key}, due {deadline_ms} ms"))
                                }
                                TimerEffect::Stopped { key } => {
                                    if armed.remove(&key).is_none() {
                                        continue;
                                    }
                                    (key, format!("stops {key}"))
                                }
                            };
                            let lane = owner(&key);
                            rows.push(Row::Note {
                                over: (lane, lane),
                                text,
                                alarm: false,
                            });
                        }
                    }
                }
                if i + 1 == count && !self.violated.is_empty() {
                    rows.push(Row::Note {
                        over: (first, last),
                        text: format!("VIOLATED: {}", self.violated.join("; ")),
                        alarm: true,
                    });
                }
                rows
            })
            .collect()
    }

    /// Mermaid `sequenceDiagram`; the last step of a counterexample on a red background.
    pub fn mermaid(&self) -> String {
        let mut s = String::from("sequenceDiagram\n");
        let _ = writeln!(s, "    title {}", mermaid_text(&self.title));
        for lane in self.lanes() {
            let kind = match lane {
                Lane::Customer | Lane::Agent(_) => "actor",
                _ => "participant",
            };
            let _ = writeln!(s, "    {kind} {} as {}", lane.id(), lane.title());
        }
        let steps = self.rows();
        let count = steps.len();
        for (i, rows) in steps.into_iter().enumerate() {
            let marked = i + 1 == count && !self.violated.is_empty();
            if marked {
                s.push_str("    rect rgb(255, 225, 225)\n");
            }
            for row in rows {
                match row {
                    Row::Arrow {
                        from,
                        to,
                        text,
                        reply,
                    } => {
                        let arrow = if reply { "-->>" } else { "->>" };
                        let _ = writeln!(
                            s,
                            "    {}{arrow}{}: {}",
                            from.id(),
                            to.id(),
                            mermaid_text(&text)
                        );
                    }
                    Row::Note { over, text, .. } => {
                        let over = if over.0 == over.1 {
                            over.0.id()
                        } else {
                            format!("{},{}", over.0.id(), over.1.id())
                        };
                        let _ = writeln!(s, "    Note over {over}: {}", mermaid_text(&text));
                    }
                }
            }
            if marked {
                s.push_str("    end\n");
            }
        }
        s
    }

    /// A self-contained SVG: a column per lane, a row per arrow or note.
    pub fn svg(&self) -> String {
        const LANE: f64 = 210.0;
        const ROW: f64 = 22.0;
        const TOP: f64 = 64.0;
        const MARGIN: f64 = 20.0;
        // The advance of one character of 11 px monospace, a little generous.
        const CHAR: f64 = 6.8;
        let lanes = self.lanes();
        let x = |lane: Lane| {
            let i = lanes
                .iter()
                .position(|l| *l == lane)
                .expect("every lane is listed");
            MARGIN + LANE * i as f64 + LANE / 2.0
        };
        let steps = self.rows();
        let rows: usize = steps.iter().map(Vec::len).sum();
        // Room on the right for a self-arrow's label on the last lane.
        let width = MARGIN * 2.0 + LANE * lanes.len() as f64 + 140.0;
        let height = TOP + ROW * (rows as f64 + 1.0) + 40.0;
        let mut s = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"monospace\" font-size=\"11\">\n"
        );
        s.push_str("<defs><marker id=\"arrow\" markerWidth=\"8\" markerHeight=\"6\" refX=\"8\" refY=\"3\" orient=\"auto\"><polygon points=\"0 0, 8 3, 0 6\" fill=\"#333\"/></marker></defs>\n");
        let _ = writeln!(
            s,
            "<rect x=\"0\" y=\"0\" width=\"{width}\" height=\"{height}\" fill=\"#ffffff\"/>"
        );
        let _ = writeln!(
            s,
            "<text x=\"{MARGIN}\" y=\"18\" font-size=\"13\" font-weight=\"bold\" fill=\"#111\">{}</text>",
            xml(&self.title)
        );
        // The last step of a counterexample, on a red background.
        if !self.violated.is_empty() && !steps.is_empty() {
            let before: usize = steps[..steps.len() - 1].iter().map(Vec::len).sum();
            let y = TOP + ROW * before as f64 + 4.0;
            let h = ROW * steps[steps.len() - 1].len() as f64;
            let _ = writeln!(
                s,
                "<rect x=\"2\" y=\"{y}\" width=\"{}\" height=\"{h}\" fill=\"#ffe1e1\"/>",
                width - 4.0
            );
        }
        for lane in &lanes {
            let cx = x(*lane);
            let _ = writeln!(
                s,
                "<line x1=\"{cx}\" y1=\"{}\" x2=\"{cx}\" y2=\"{}\" stroke=\"#bbb\" stroke-dasharray=\"4 3\"/>",
                TOP - 14.0,
                height - 10.0
            );
            let _ = writeln!(
                s,
                "<rect x=\"{}\" y=\"28\" width=\"{}\" height=\"22\" rx=\"4\" fill=\"#e8eef7\" stroke=\"#4a6790\"/>",
                cx - LANE / 2.0 + 8.0,
                LANE - 16.0
            );
            let _ = writeln!(
                s,
                "<text x=\"{cx}\" y=\"43\" text-anchor=\"middle\" fill=\"#111\">{}</text>",
                xml(&lane.title())
            );
        }
        let mut y = TOP;
        for row in steps.iter().flatten() {
            y += ROW;
            match row {
                Row::Arrow {
                    from,
                    to,
                    text,
                    reply,
                } => {
                    let (x1, x2) = (x(*from), x(*to));
                    let dash = if *reply {
                        " stroke-dasharray=\"5 3\""
                    } else {
                        ""
                    };
                    let color = if *reply { "#555" } else { "#111" };
                    if from == to {
                        let _ = writeln!(
                            s,
                            "<path d=\"M {x1} {} h 24 v 8 h -22\" fill=\"none\" stroke=\"{color}\"{dash} marker-end=\"url(#arrow)\"/>",
                            y - 6.0
                        );
                        let _ = writeln!(
                            s,
                            "<text x=\"{}\" y=\"{}\" fill=\"{color}\">{}</text>",
                            x1 + 28.0,
                            y - 1.0,
                            xml(text)
                        );
                    } else {
                        let _ = writeln!(
                            s,
                            "<line x1=\"{x1}\" y1=\"{y}\" x2=\"{x2}\" y2=\"{y}\" stroke=\"{color}\"{dash} marker-end=\"url(#arrow)\"/>"
                        );
                        let _ = writeln!(
                            s,
                            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"{color}\">{}</text>",
                            (x1 + x2) / 2.0,
                            y - 4.0,
                            xml(text)
                        );
                    }
                }
                Row::Note { over, text, alarm } => {
                    // As wide as its lanes or its text, whichever is wider, within the picture.
                    let span = x(over.1) - x(over.0) + LANE - 12.0;
                    let w = span.max(text.chars().count() as f64 * CHAR + 12.0);
                    let centre = (x(over.0) + x(over.1)) / 2.0;
                    let left = (centre - w / 2.0).max(4.0).min(width - 4.0 - w);
                    let right = left + w;
                    let (fill, stroke) = if *alarm {
                        ("#ffd0d0", "#c0392b")
                    } else {
                        ("#fff8d6", "#c9a227")
                    };
                    let _ = writeln!(
                        s,
                        "<rect x=\"{left}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{fill}\" stroke=\"{stroke}\"/>",
                        y - 14.0,
                        right - left,
                        ROW - 4.0
                    );
                    let _ = writeln!(
                        s,
                        "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"#111\">{}</text>",
                        (left + right) / 2.0,
                        y,
                        xml(text)
                    );
                }
            }
        }
        s.push_str("</svg>\n");
        s
    }
}

/// Mermaid ends a message at `;` and reads `#` as an entity.
fn mermaid_text(text: &str) -> String {
    text.replace(';', ",").replace('#', "no. ")
}

fn xml(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use cxspec_spec::scenarios::seed_scenario;

    #[test]
    fn case_1_draws_its_inputs_events_and_timers_on_their_lanes() {
        let scenario = seed_scenario("case-1-single-agent").expect("a seed");
        let (_, results) = scenario.run().expect("runs");
        let seq = Sequence::of_results(&scenario.title, &results, Vec::new());
        let m = seq.mermaid();
        // The customer starts a chat with the Conversation Manager, which tells the
        // Monitor; the Monitor arms the customer SLA (949321729.md, CHANNEL_SESSION_STARTED).
        assert!(
            m.contains("Customer->>CM: 1. SESSION_STARTED session=1"),
            "{m}"
        );
        assert!(
            m.contains("CM-->>Monitor: CHANNEL_SESSION_STARTED session=1"),
            "{m}"
        );
        assert!(
            m.contains("Note over Monitor: arms customer SLA of session 1"),
            "{m}"
        );
        // The routing engine reserves agent 1 (2550490.md, PUSH).
        assert!(m.contains("RE->>A1: "), "{m}");
        assert!(!m.contains("VIOLATED"), "{m}");
        let svg = seq.svg();
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>\n"));
        assert!(svg.contains(">Conversation Monitor<"));
        assert_eq!(seq.svg(), svg, "the same drawing every time");
    }

    #[test]
    fn a_violation_is_marked_on_the_last_step() {
        let scenario = seed_scenario("case-1-single-agent").expect("a seed");
        let (_, results) = scenario.run().expect("runs");
        let seq = Sequence::of_results("x", &results[..3], vec!["some property".into()]);
        let m = seq.mermaid();
        let last = m.rfind("rect rgb").expect("the last step is marked");
        assert!(m[last..].contains("3. "), "{m}");
        assert!(m[last..].contains("Note over Customer,Monitor: VIOLATED: some property"));
        assert!(seq.svg().contains("VIOLATED: some property"));
    }
}
