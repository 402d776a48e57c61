//! State diagrams drawn from the model's exploration, not by hand: the task (task state ×
//! media state), the media, the conversation (its eight states) and the SLA timers (a
//! run of each: armed, threshold reached, expired or stopped).
//!
//! How. [`explore`] runs the breadth-first search of `bfs` (the one the abstract
//! transitions of the conformance cover come from) to the end on each sub-configuration,
//! and projects every transition it takes onto each machine: a task's (state, media)
//! before and after, each media's state, the conversation's state, each SLA timer's
//! phase. A projected transition is labelled with the input's name (a timer's expiry as
//! `TIMER_FIRED` and the timer) and the rule IDs the step applied of that machine's
//! family (`TASK-`, `CONV-`, `SLA-`; all of the step's rules when none is of the
//! family), merged over every step that took the same transition; a task closing also
//! names its reason code, an SLA transition the SLA event the step published for that
//! timer. The spec records rules per step, not per timer, so an SLA arrow lists every
//! SLA rule of its steps (a step that starts the agent SLA and stops a customer SLA shows
//! both rules on both timers' arrows). A step that leaves a machine where it was draws
//! nothing. Sources: `2550490.md` (task and media states), `Conversation_93192236.md`
//! (the eight states), `949321729.md` (the SLA events); the rules are `spec/RULES.md`'s.
//!
//! Comparing. [`Diagram::compare`] draws a rule set's diagram against `specified`'s:
//! a transition only the rule set reaches is marked `[+]` (red in DOT and SVG), one only
//! `specified` reaches `[-]` (dashed).
//!
//! Output is deterministic: every set is ordered, and the SVG layout (`layout-rs`, pure
//! Rust, no system tool) is a function of the DOT text, which a test renders twice.
//! Left out: what the bounds do not reach (a third task, more threshold levels), agent
//! and session identities (two tasks in the same state are one node), and the model's
//! bookkeeping (message budget, monitors).

use crate::bfs;
use crate::model::{CxModel, ModelState, NOW_MS};
use cxspec_spec::{
    ConversationState, Input, MediaState, Published, ReasonCode, Rule, System, TaskState, TimerKey,
};
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fmt::Write as _;

/// The machines a diagram can show.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Machine {
    Task,
    Media,
    Conversation,
    Sla,
}

impl Machine {
    pub const ALL: [Machine; 4] = [
        Machine::Task,
        Machine::Media,
        Machine::Conversation,
        Machine::Sla,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Machine::Task => "task",
            Machine::Media => "media",
            Machine::Conversation => "conversation",
            Machine::Sla => "sla",
        }
    }

    pub fn from_name(name: &str) -> Option<Machine> {
        Machine::ALL.into_iter().find(|m| m.name() == name)
    }

    pub fn title(self) -> &'static str {
        match self {
            Machine::Task => "Task (Routing Engine): task state / media state",
            Machine::Media => "Media of a task (Routing Engine)",
            Machine::Conversation => "Conversation (Conversation Manager): the eight states",
            Machine::Sla => "SLA timers (Conversation Monitor): one run of each timer",
        }
    }

    /// The rule-ID prefix of the machine's own rules.
    fn family(self) -> &'static str {
        match self {
            Machine::Task | Machine::Media => "TASK-",
            Machine::Conversation => "CONV-",
            Machine::Sla => "SLA-",
        }
    }
}

/// A node of a diagram. `group` separates the SLA timers (agent, customer); `rank` orders
/// nodes as the machine's states are ordered (creation first); `name` is what is shown,
/// [`START`] and [`END`] being the pseudo-states.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Node {
    pub group: &'static str,
    pub rank: u16,
    pub name: String,
}

/// The name of the initial pseudo-state (Mermaid's `[*]` as a source).
pub const START: &str = "[*]";
/// The name of the final pseudo-state (Mermaid's `[*]` as a target).
pub const END: &str = "[*] end";

impl Node {
    fn start(group: &'static str) -> Node {
        Node {
            group,
            rank: 0,
            name: START.to_string(),
        }
    }

    fn end(group: &'static str) -> Node {
        Node {
            group,
            rank: u16::MAX,
            name: END.to_string(),
        }
    }

    fn is_pseudo(&self) -> bool {
        self.name == START || self.name == END
    }
}

/// One projected transition of one machine.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Transition {
    pub machine: Machine,
    pub from: Node,
    pub to: Node,
    /// `INPUT[, detail]`: the input's name, and a task's reason code or an SLA event.
    pub label: String,
    /// The rules the step applied (bit `r as usize` for rule `r`).
    pub rules: RuleBits,
}

/// A set of rules as bits, `Rule` being a field-less enum of fewer than 128 variants.
pub type RuleBits = u128;

fn rule_bits(rules: &[Rule]) -> RuleBits {
    rules.iter().fold(0, |bits, r| bits | 1 << (*r as usize))
}

/// The IDs of the rules of `machine`'s family in `bits` (every one when none is of the
/// family), in catalogue order.
fn rule_ids(machine: Machine, bits: RuleBits) -> Vec<&'static str> {
    let all: Vec<&'static str> = Rule::ALL
        .iter()
        .filter(|r| bits & (1 << (**r as usize)) != 0)
        .map(|r| r.id())
        .collect();
    let own: Vec<&'static str> = all
        .iter()
        .copied()
        .filter(|id| id.starts_with(machine.family()))
        .collect();
    if own.is_empty() {
        all
    } else {
        own
    }
}

/// Whether a drawn transition is reached by the rule set only, by `specified` only, by
/// both with other rules, or by both alike (or no comparison was asked for).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Change {
    Same,
    Added,
    Removed,
    OtherRules,
}

/// A drawn transition: from, to, and the label; the rules of every step that took it
/// are merged.
pub type EdgeKey = (Node, Node, String);

/// The diagram of one machine: its transitions, each with its rules and how it compares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagram {
    pub machine: Machine,
    /// What it was drawn from, for the caption: rules, readings, configuration.
    pub caption: String,
    pub edges: BTreeMap<EdgeKey, (RuleBits, Change)>,
    /// Label arrows with input names only (no rule IDs, reason codes or SLA events).
    pub compact: bool,
}

/// The transitions of `machine`, each label once with the union of its rules.
fn merged(machine: Machine, explored: &BTreeSet<Transition>) -> BTreeMap<EdgeKey, RuleBits> {
    let mut edges: BTreeMap<EdgeKey, RuleBits> = BTreeMap::new();
    for t in explored.iter().filter(|t| t.machine == machine) {
        *edges
            .entry((t.from.clone(), t.to.clone(), t.label.clone()))
            .or_default() |= t.rules;
    }
    edges
}

fn conversation_name(state: ConversationState) -> &'static str {
    match state {
        ConversationState::Created => "CREATED",
        ConversationState::Active => "ACTIVE",
        ConversationState::OnHold => "ON_HOLD",
        ConversationState::CustomerLeft => "CUSTOMER_LEFT",
        ConversationState::WrapUp => "WRAP_UP",
        ConversationState::Inactive => "INACTIVE",
        ConversationState::Closing => "CLOSING",
        ConversationState::Closed => "CLOSED",
    }
}

fn task_name(state: TaskState) -> &'static str {
    match state {
        TaskState::Active => "ACTIVE",
        TaskState::WrapUp => "WRAP_UP",
        TaskState::Closed => "CLOSED",
    }
}

fn media_name(state: MediaState) -> &'static str {
    match state {
        MediaState::Queued => "QUEUED",
        MediaState::Reserved => "RESERVED",
        MediaState::Active => "ACTIVE",
        MediaState::Closed => "CLOSED",
    }
}

fn reason_name(reason: ReasonCode) -> &'static str {
    match reason {
        ReasonCode::Rona => "RONA",
        ReasonCode::Done => "DONE",
        ReasonCode::AgentLogout => "AGENT_LOGOUT",
        ReasonCode::Cancelled => "CANCELLED",
        ReasonCode::Transferred => "TRANSFERRED",
        ReasonCode::NoAgentAvailable => "NO_AGENT_AVAILABLE",
        ReasonCode::ForceClosed => "FORCE_CLOSED",
    }
}

fn timer_name(timer: &TimerKey) -> &'static str {
    match timer {
        TimerKey::AgentSla => "AGENT_SLA",
        TimerKey::CustomerSla { .. } => "CUSTOMER_SLA",
        TimerKey::RequestTtl => "REQUEST_TTL",
        TimerKey::Rona { .. } => "RONA",
        TimerKey::WrapUp { .. } => "WRAP_UP",
        TimerKey::Hold => "HOLD",
    }
}

/// An input as a diagram names it: its name, without agent or session numbers.
pub fn input_label(input: &Input) -> String {
    match input {
        Input::TimerFired { timer } => format!("TIMER_FIRED {}", timer_name(timer)),
        other => other.name().to_string(),
    }
}

fn conversation_rank(state: ConversationState) -> u16 {
    ConversationState::ALL
        .iter()
        .position(|s| *s == state)
        .expect("every state is listed") as u16
        + 1
}

fn task_node(state: TaskState, media: MediaState) -> Node {
    Node {
        group: "",
        rank: 1 + state as u16 * 4 + media as u16,
        name: format!("{} / {}", task_name(state), media_name(media)),
    }
}

fn media_node(media: MediaState) -> Node {
    Node {
        group: "",
        rank: 1 + media as u16,
        name: media_name(media).to_string(),
    }
}

/// The phase of an SLA timer: armed before its first threshold, past threshold `k`.
fn sla_node(group: &'static str, next_level: u8) -> Node {
    let name = if next_level == 0 {
        "armed".to_string()
    } else {
        format!("threshold {next_level} reached")
    };
    Node {
        group,
        rank: 1 + u16::from(next_level),
        name,
    }
}

fn sla_ended(group: &'static str, expired: bool) -> Node {
    Node {
        group,
        rank: if expired { 100 } else { 101 },
        name: if expired { "expired" } else { "stopped" }.to_string(),
    }
}

const AGENT_SLA: &str = "agent SLA";
const CUSTOMER_SLA: &str = "customer SLA";

/// Projects one step (`before`, `input`, `after`) onto every machine. The step is run
/// again for its rules and events only when it moves a machine.
pub fn project(
    model: &CxModel,
    before: &ModelState,
    input: &Input,
    after: &ModelState,
    out: &mut HashSet<Transition>,
) {
    let (b, a) = (&before.system, &after.system);
    let sla_level = |s: &System| {
        (
            s.sla.agent.as_ref().map(|t| t.next_level),
            s.sla
                .customer
                .iter()
                .map(|(id, t)| (*id, t.next_level))
                .collect::<Vec<_>>(),
        )
    };
    let tasks_moved = a.tasks.tasks.len() != b.tasks.tasks.len()
        || a.tasks.tasks.iter().zip(&b.tasks.tasks).any(|(x, y)| {
            x.state != y.state
                || x.medias.len() != y.medias.len()
                || x.medias
                    .iter()
                    .zip(&y.medias)
                    .any(|(m, n)| m.state != n.state)
        });
    let moved = a.conversation.state != b.conversation.state
        || tasks_moved
        || sla_level(a) != sla_level(b)
        || matches!(input, Input::TimerFired { .. })
        || (b.sla.agent.is_some() || !b.sla.customer.is_empty());
    if !moved {
        return;
    }
    let Ok((_, outcome)) = model.spec_step(b, input, NOW_MS) else {
        return;
    };
    project_step(b, input, a, &outcome.rules, &outcome.published, out);
}

/// [`project`] on the systems and what the step applied and published.
pub fn project_step(
    before: &System,
    input: &Input,
    after: &System,
    rules: &[Rule],
    published: &[Published],
    out: &mut HashSet<Transition>,
) {
    let name = input_label(input);
    let bits = rule_bits(rules);
    let mut add = |machine: Machine, from: Node, to: Node, detail: String| {
        out.insert(Transition {
            machine,
            from,
            to,
            label: format!("{name}{detail}"),
            rules: bits,
        });
    };
    // Conversation.
    let (a, b) = (before.conversation.state, after.conversation.state);
    if a != b {
        let node = |s: ConversationState| Node {
            group: "",
            rank: conversation_rank(s),
            name: conversation_name(s).to_string(),
        };
        add(Machine::Conversation, node(a), node(b), String::new());
    }
    // Tasks and their medias.
    for task in &after.tasks.tasks {
        let old = before.tasks.task(task.id);
        let to = task_node(task.state, task.media_state());
        let from = old.map_or(Node::start(""), |t| task_node(t.state, t.media_state()));
        if from != to {
            let detail = match (task.reason, old.and_then(|t| t.reason)) {
                (Some(reason), None) => format!(", reason {}", reason_name(reason)),
                _ => String::new(),
            };
            add(Machine::Task, from, to, detail);
        }
        for (i, media) in task.medias.iter().enumerate() {
            let from = old
                .and_then(|t| t.medias.get(i))
                .map_or(Node::start(""), |m| media_node(m.state));
            let to = media_node(media.state);
            if from != to {
                add(Machine::Media, from, to, String::new());
            }
        }
    }
    // SLA timers: each timer's phase before and after, and how a run ended.
    let fired = |key: TimerKey| *input == Input::TimerFired { timer: key };
    let mut timers: Vec<(&'static str, TimerKey, Option<u8>, Option<u8>)> = vec![(
        AGENT_SLA,
        TimerKey::AgentSla,
        before.sla.agent.as_ref().map(|t| t.next_level),
        after.sla.agent.as_ref().map(|t| t.next_level),
    )];
    let sessions: BTreeSet<_> = before
        .sla
        .customer
        .iter()
        .chain(&after.sla.customer)
        .map(|(s, _)| *s)
        .collect();
    for session in sessions {
        timers.push((
            CUSTOMER_SLA,
            TimerKey::CustomerSla { session },
            before.sla.customer_sla(session).map(|t| t.next_level),
            after.sla.customer_sla(session).map(|t| t.next_level),
        ));
    }
    for (group, key, was, now) in timers {
        let events: Vec<&str> = published
            .iter()
            .filter(|e| e.sla_timer() == Some(key))
            .map(Published::name)
            .collect();
        // A restart (the same level again, started by this step) shows as events.
        let restarted = was.is_some()
            && now == Some(0)
            && events
                .iter()
                .any(|e| e.ends_with("_STARTED") || e.starts_with("RESET_"));
        let detail = if events.is_empty() {
            String::new()
        } else {
            format!(" / {}", events.join(" "))
        };
        match (was, now) {
            (None, None) => {}
            (None, Some(level)) => {
                add(
                    Machine::Sla,
                    Node::start(group),
                    sla_node(group, level),
                    detail,
                );
            }
            (Some(level), None) => {
                let end = sla_ended(group, fired(key));
                add(Machine::Sla, sla_node(group, level), end, detail);
            }
            (Some(a), Some(b)) if a != b || restarted => {
                add(Machine::Sla, sla_node(group, a), sla_node(group, b), detail);
            }
            (Some(_), Some(_)) => {}
        }
    }
}

/// What [`explore`] explored, for the caption and the report.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Explored {
    pub transitions: BTreeSet<Transition>,
    /// Unique states per sub-configuration.
    pub unique: Vec<usize>,
}

/// Every projected transition of every model, each explored to the end.
pub fn explore(models: &[CxModel], threads: usize) -> Explored {
    let mut explored = Explored::default();
    for model in models {
        let project = |b: &ModelState, i: &Input, a: &ModelState, out: &mut HashSet<Transition>| {
            project(model, b, i, a, out)
        };
        let (transitions, stats) = bfs::transitions(model, threads, true, &project);
        explored.transitions.extend(transitions);
        explored.unique.push(stats.unique);
    }
    explored
}

impl Diagram {
    /// The diagram of `machine` from explored transitions.
    pub fn of(machine: Machine, explored: &BTreeSet<Transition>, caption: &str) -> Diagram {
        Diagram {
            machine,
            caption: caption.to_string(),
            edges: merged(machine, explored)
                .into_iter()
                .map(|(k, rules)| (k, (rules, Change::Same)))
                .collect(),
            compact: false,
        }
    }

    /// The diagram of `machine` under a rule set, with the transitions that differ from
    /// `specified`'s marked.
    pub fn compare(
        machine: Machine,
        explored: &BTreeSet<Transition>,
        specified: &BTreeSet<Transition>,
        caption: &str,
    ) -> Diagram {
        let ours = merged(machine, explored);
        let theirs = merged(machine, specified);
        let mut edges = BTreeMap::new();
        for (key, rules) in &ours {
            let change = match theirs.get(key) {
                None => Change::Added,
                Some(r) if rule_ids(machine, *r) != rule_ids(machine, *rules) => Change::OtherRules,
                Some(_) => Change::Same,
            };
            edges.insert(key.clone(), (*rules, change));
        }
        for (key, rules) in theirs {
            edges.entry(key).or_insert((rules, Change::Removed));
        }
        Diagram {
            machine,
            caption: caption.to_string(),
            edges,
            compact: false,
        }
    }

    /// How many drawn transitions differ from `specified`.
    pub fn changes(&self) -> usize {
        self.edges
            .values()
            .filter(|(_, c)| *c != Change::Same)
            .count()
    }

    /// The nodes in rank order, with the final pseudo-state added after every final state
    /// (a closed task or media, Closed, an ended SLA run).
    fn nodes(&self) -> BTreeSet<Node> {
        self.edges
            .keys()
            .flat_map(|(from, to, _)| [from.clone(), to.clone()])
            .collect()
    }

    /// Lines of every (from, to) pair: one per label with its rules, each with its change.
    fn arrows(&self) -> BTreeMap<(Node, Node), Vec<(String, Change)>> {
        self.arrows_with(true)
    }

    /// [`Diagram::arrows`]; with `detail` off, each line is only the input's name, once
    /// per arrow.
    fn arrows_with(&self, detail: bool) -> BTreeMap<(Node, Node), Vec<(String, Change)>> {
        let mut arrows: BTreeMap<(Node, Node), Vec<(String, Change)>> = BTreeMap::new();
        for ((from, to, label), (rules, change)) in &self.edges {
            if !detail {
                let input = label.split([',', '/']).next().unwrap_or(label).trim_end();
                let lines = arrows.entry((from.clone(), to.clone())).or_default();
                if !lines.iter().any(|(l, _)| l == input) {
                    lines.push((input.to_string(), *change));
                }
                continue;
            }
            let ids = rule_ids(self.machine, *rules);
            let line = if ids.is_empty() {
                label.clone()
            } else {
                format!("{label} ({})", ids.join(" "))
            };
            arrows
                .entry((from.clone(), to.clone()))
                .or_default()
                .push((line, *change));
        }
        if self.machine == Machine::Conversation {
            // Every conversation starts Created: the model's initial state.
            let created = Node {
                group: "",
                rank: conversation_rank(ConversationState::Created),
                name: conversation_name(ConversationState::Created).to_string(),
            };
            arrows.entry((Node::start(""), created)).or_default();
        }
        for node in self.nodes() {
            if is_final(self.machine, &node) {
                arrows
                    .entry((node.clone(), Node::end(node.group)))
                    .or_default();
            }
        }
        arrows
    }

    /// Mermaid `stateDiagram-v2`; the SLA timers each in a composite state of its own.
    pub fn mermaid(&self) -> String {
        self.mermaid_with(!self.compact)
    }

    /// The same diagram with arrows labelled by input names only.
    pub fn compact(mut self) -> Diagram {
        self.compact = true;
        self
    }

    /// Mermaid with each arrow labelled by its inputs' names only: a picture to look at
    /// (the README's), where [`Diagram::mermaid`] is one to read.
    pub fn mermaid_inputs(&self) -> String {
        self.mermaid_with(false)
    }

    fn mermaid_with(&self, detail: bool) -> String {
        let mut s = String::from("stateDiagram-v2\n");
        let _ = writeln!(s, "    %% {}", self.caption);
        let groups: BTreeSet<&'static str> = self.nodes().iter().map(|n| n.group).collect();
        for group in groups {
            let indent = if group.is_empty() { "    " } else { "        " };
            if !group.is_empty() {
                let _ = writeln!(s, "    state \"{group}\" as {} {{", mermaid_group(group));
            }
            for node in self.nodes().iter().filter(|n| n.group == group) {
                if !node.is_pseudo() {
                    let _ = writeln!(s, "{indent}state \"{}\" as {}", node.name, mermaid_id(node));
                }
            }
            for ((from, to), lines) in self.arrows_with(detail) {
                if from.group != group {
                    continue;
                }
                let text: Vec<String> = lines
                    .iter()
                    .map(|(label, change)| format!("{}{}", marker(*change), mermaid_text(label)))
                    .collect();
                let _ = write!(s, "{indent}{} --> {}", mermaid_id(&from), mermaid_id(&to));
                if !text.is_empty() {
                    let _ = write!(s, " : {}", text.join("<br/>"));
                }
                s.push('\n');
            }
            if !group.is_empty() {
                s.push_str("    }\n");
            }
        }
        s
    }

    /// Graphviz DOT: left to right, boxes for states, points for the pseudo-states;
    /// transitions only the rule set reaches in red, those only `specified` reaches dashed.
    pub fn dot(&self) -> String {
        let mut s = format!("digraph {} {{\n", self.machine.name());
        s.push_str("    rankdir=LR;\n");
        let _ = writeln!(s, "    label={};", dot_quote(&self.caption));
        let ids: BTreeMap<Node, String> = self
            .arrows()
            .into_keys()
            .flat_map(|(from, to)| [from, to])
            .collect::<BTreeSet<_>>()
            .into_iter()
            .enumerate()
            .map(|(i, n)| (n, format!("n{i}")))
            .collect();
        for (node, id) in &ids {
            let label = if node.is_pseudo() {
                if node.group.is_empty() {
                    String::new()
                } else {
                    node.group.to_string()
                }
            } else if node.group.is_empty() {
                node.name.clone()
            } else {
                format!("{}: {}", node.group, node.name)
            };
            let shape = if node.is_pseudo() { "circle" } else { "box" };
            let _ = writeln!(s, "    {id} [shape={shape}, label={}];", dot_quote(&label));
        }
        for ((from, to), lines) in self.arrows_with(!self.compact) {
            let text: Vec<String> = lines
                .iter()
                .map(|(label, change)| format!("{}{label}", marker(*change)))
                .collect();
            let mut attrs = vec![format!("label={}", dot_quote(&text.join("\n")))];
            let changes: BTreeSet<Change> = lines.iter().map(|(_, c)| *c).collect();
            if changes.contains(&Change::Added) {
                attrs.push("color=\"red\"".into());
            } else if changes.len() == 1 && changes.contains(&Change::Removed) {
                attrs.push("style=\"dashed\"".into());
                attrs.push("color=\"gray\"".into());
            }
            let _ = writeln!(
                s,
                "    {} -> {} [{}];",
                ids[&from],
                ids[&to],
                attrs.join(", ")
            );
        }
        s.push_str("}\n");
        s
    }

    /// SVG, laid out by `layout-rs` from [`Diagram::dot`].
    pub fn svg(&self) -> Result<String, String> {
        dot_to_svg(&self.dot())
    }
}

/// Lays out a DOT graph and renders it as SVG with `layout-rs`.
pub fn dot_to_svg(dot: &str) -> Result<String, String> {
    let mut parser = layout::gv::DotParser::new(dot);
    let graph = parser.process()?;
    let mut builder = layout::gv::GraphBuilder::new();
    builder.visit_graph(&graph);
    let mut visual = builder.get();
    let mut svg = layout::backends::svg::SVGWriter::new();
    visual.do_it(false, false, false, &mut svg);
    Ok(sorted_styles(&svg.finalize()))
}

/// layout-rs writes one CSS class per font size from a hash map, in the map's order;
/// sorting those lines makes the SVG the same on every run.
fn sorted_styles(svg: &str) -> String {
    let (Some(start), Some(end)) = (svg.find("<style>\n"), svg.find("</style>")) else {
        return svg.to_string();
    };
    let body = start + "<style>\n".len();
    if end < body {
        return svg.to_string();
    }
    let mut lines: Vec<&str> = svg[body..end].lines().collect();
    lines.sort_unstable();
    let mut out = String::with_capacity(svg.len());
    out.push_str(&svg[..body]);
    for line in lines {
        out.push_str(line);
        out.push('\n');
    }
    out.push_str(&svg[end..]);
    out
}

fn is_final(machine: Machine, node: &Node) -> bool {
    match machine {
        Machine::Task => node.name.starts_with("CLOSED"),
        Machine::Media => node.name == "CLOSED",
        Machine::Conversation => node.name == "CLOSED",
        Machine::Sla => node.name == "expired" || node.name == "stopped",
    }
}

fn marker(change: Change) -> &'static str {
    match change {
        Change::Same => "",
        Change::Added => "[+] ",
        Change::Removed => "[-] ",
        Change::OtherRules => "[~] ",
    }
}

fn mermaid_group(group: &str) -> String {
    group
        .split_whitespace()
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

fn mermaid_id(node: &Node) -> String {
    if node.is_pseudo() {
        return "[*]".to_string();
    }
    let mut id = mermaid_group(node.group);
    id.push_str(
        &node
            .name
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect::<String>(),
    );
    format!("s_{id}")
}

/// A transition label as Mermaid reads it: no `:` or `;`, which end a label.
fn mermaid_text(label: &str) -> String {
    label.replace([':', ';'], ",")
}

fn dot_quote(text: &str) -> String {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n");
    format!("\"{escaped}\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(machine: Machine, from: &str, to: &str, label: &str, rule: &str) -> Transition {
        let node = |name: &str| match name {
            START => Node::start(""),
            _ => Node {
                group: "",
                rank: 1,
                name: name.to_string(),
            },
        };
        Transition {
            machine,
            from: node(from),
            to: node(to),
            label: label.to_string(),
            rules: rule_bits(&[Rule::from_id(rule).expect("a rule ID")]),
        }
    }

    #[test]
    fn a_comparison_marks_what_only_one_side_reaches() {
        let a = t(Machine::Media, START, "QUEUED", "REQUEST_AGENT", "TASK-01");
        let b = t(Machine::Media, "QUEUED", "CLOSED", "QUEUE_FLUSH", "TASK-21");
        let c = t(
            Machine::Media,
            "QUEUED",
            "CLOSED",
            "SESSION_ENDED",
            "TASK-18",
        );
        let specified: BTreeSet<_> = [a.clone(), b.clone()].into();
        let documented: BTreeSet<_> = [a.clone(), c.clone()].into();
        let d = Diagram::compare(Machine::Media, &documented, &specified, "x");
        let change = |t: &Transition| d.edges[&(t.from.clone(), t.to.clone(), t.label.clone())].1;
        assert_eq!(change(&a), Change::Same);
        assert_eq!(change(&b), Change::Removed);
        assert_eq!(change(&c), Change::Added);
        assert_eq!(d.changes(), 2);
        let mermaid = d.mermaid();
        assert!(mermaid.contains("[+] SESSION_ENDED (TASK-18)"), "{mermaid}");
        assert!(mermaid.contains("[-] QUEUE_FLUSH (TASK-21)"), "{mermaid}");
        let dot = d.dot();
        assert!(dot.contains("color=\"red\""), "{dot}");
        // CLOSED is final: an arrow to the end pseudo-state.
        assert!(mermaid.contains("s_CLOSED --> [*]"), "{mermaid}");
    }

    #[test]
    fn svg_is_the_same_every_time() {
        let a = t(Machine::Media, START, "QUEUED", "REQUEST_AGENT", "TASK-01");
        let b = t(
            Machine::Media,
            "QUEUED",
            "RESERVED",
            "RESERVE_AGENT",
            "TASK-02",
        );
        let c = t(
            Machine::Media,
            "RESERVED",
            "CLOSED",
            "TIMER_FIRED RONA",
            "TASK-04",
        );
        let d = Diagram::of(Machine::Media, &[a, b, c].into(), "x");
        let first = d.svg().expect("renders");
        assert!(
            first.starts_with("<svg") || first.contains("<svg"),
            "{first}"
        );
        assert!(first.contains("RESERVE_AGENT"));
        for _ in 0..20 {
            assert_eq!(d.svg().unwrap(), first);
        }
    }
}
