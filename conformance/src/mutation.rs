//! Mutation testing of the vectors: single-rule mutants of the reference, each of which
//! must be killed (made to fail) by at least one vector (`conformance/MUTATION.md`).
//!
//! The spec crate is not ours to edit, so a mutant lives on the adapter side: it runs the
//! reference and, in every step where the reference applied its rule (`Outcome::rules`),
//! perturbs that step's reply the way a broken implementation of the rule would: it drops
//! the events the rule publishes, alters the field the rule decides (a reason code, a
//! mode, a deadline), or keeps a timer the rule removes. Later steps run on the correct
//! state, so a mutant is killed only by a vector that checks the step where the rule
//! acts: exactly what "this rule is covered by a vector" should mean.
//! Left out: rules that publish nothing and change no reported state (guards, invariants
//! and PULL's parking); they have no mutant of this kind, and MUTATION.md says why.

use crate::adapter::{Implementation, ReferenceAdapter};
use crate::runner::{run_case, Verdict};
use crate::vector::Vector;
use cxspec_spec::{ConversationState as CS, Input, Published as P, ReasonCode as RC, Rule};
use serde_json::Value;

/// How a mutant breaks its rule's output.
#[derive(Clone, Copy, Debug)]
enum Break {
    /// Drop the events the rule publishes.
    Drop(fn(&P) -> bool),
    /// Change a field the rule decides.
    Alter(fn(&mut P)),
    /// Change the reported state.
    State(fn(&mut Value)),
}

#[derive(Clone, Copy, Debug)]
pub struct Mutant {
    pub rule: Rule,
    how: Break,
    pub description: &'static str,
}

fn reason(e: &mut P, from: RC, to: RC) {
    if let P::TaskStateChanged { task } = e {
        if task.reason == Some(from) {
            task.reason = Some(to);
        }
    }
}

fn topic(e: &P, state: CS) -> bool {
    matches!(e, P::TopicStateChanged { state: s } if *s == state)
}

/// The perturbation of each rule, or why it has none. One arm per rule (STYLE.md, 5).
fn breaks(rule: Rule) -> Result<(Break, &'static str), &'static str> {
    use Break::*;
    Ok(match rule {
        Rule::Sla01 | Rule::Sla07 | Rule::Sla09 | Rule::Sla12 | Rule::Sla19 | Rule::Sla21 => (
            Drop(|e| matches!(e, P::AgentSlaStopped)),
            "agent SLA not stopped",
        ),
        Rule::Sla02
        | Rule::Sla08
        | Rule::Sla11
        | Rule::Sla13
        | Rule::Sla15
        | Rule::Sla17
        | Rule::Sla20 => (
            Drop(|e| matches!(e, P::CustomerSlaStarted { .. })),
            "customer SLA not started",
        ),
        Rule::Sla03 => (
            Drop(|e| {
                matches!(
                    e,
                    P::CustomerSlaStarted { .. } | P::CustomerSlaStopped { .. }
                )
            }),
            "voice session's customer SLAs untouched",
        ),
        Rule::Sla04 | Rule::Sla06 | Rule::Sla10 | Rule::Sla16 | Rule::Sla18 => (
            Drop(|e| matches!(e, P::CustomerSlaStopped { .. })),
            "customer SLA not stopped",
        ),
        Rule::Sla05 => (
            Drop(|e| matches!(e, P::AgentSlaStarted { .. } | P::ResetAgentSla { .. })),
            "agent SLA not started or reset on AGENT_SUBSCRIBED",
        ),
        Rule::Sla14 => (
            Drop(|e| matches!(e, P::AgentSlaStarted { .. })),
            "agent SLA not started",
        ),
        Rule::Sla22 => (
            Drop(|e| matches!(e, P::ResetAgentSla { .. })),
            "agent SLA not restarted on resume",
        ),
        Rule::Sla23 => (
            Drop(|e| {
                matches!(
                    e,
                    P::AgentSlaThresholdReached { .. } | P::CustomerSlaThresholdReached { .. }
                )
            }),
            "threshold levels not published",
        ),
        Rule::Sla24 => (
            Drop(|e| matches!(e, P::AgentSlaExpired)),
            "agent SLA never expires",
        ),
        Rule::Sla25 => (
            Drop(|e| matches!(e, P::CustomerSlaExpired { .. })),
            "customer SLA never expires",
        ),
        Rule::Sla26 => (
            Alter(|e| match e {
                P::AgentSlaStarted { deadline_ms }
                | P::ResetAgentSla { deadline_ms }
                | P::CustomerSlaStarted { deadline_ms, .. } => *deadline_ms += 1_000,
                _ => {}
            }),
            "durations one second too long",
        ),
        Rule::Sla27 | Rule::Sla28 | Rule::Sla29 => {
            return Err("says what does not happen: there is no output of the rule to break")
        }
        Rule::Task25 => (
            Drop(|e| {
                matches!(e, P::TaskStateChanged { task }
                    if task.media_state == cxspec_spec::MediaState::Closed
                        && task.state != cxspec_spec::TaskState::Closed)
            }),
            "a media not closed when its session ends",
        ),
        Rule::Task01 => (
            Alter(|e| {
                if let P::TaskStateChanged { task } = e {
                    if task.media_state == cxspec_spec::MediaState::Queued {
                        task.mode = cxspec_spec::TaskMode::Agent;
                    }
                }
            }),
            "PUSH task created with mode AGENT",
        ),
        Rule::Task02 | Rule::Task13 => (
            Drop(|e| matches!(e, P::AgentReserved { .. })),
            "AGENT_RESERVED not published",
        ),
        Rule::Task03 => (
            Alter(|e| {
                if let P::TaskStateChanged { task } = e {
                    if task.media_state == cxspec_spec::MediaState::Active {
                        task.media_state = cxspec_spec::MediaState::Reserved;
                    }
                }
            }),
            "accepted media stays RESERVED",
        ),
        Rule::Task04 => (
            Alter(|e| reason(e, RC::Rona, RC::NoAgentAvailable)),
            "RONA closes with NO_AGENT_AVAILABLE",
        ),
        Rule::Task05 | Rule::Task14 => (
            Drop(|e| matches!(e, P::NoAgentAvailable { .. })),
            "NO_AGENT_AVAILABLE not published",
        ),
        Rule::Task06 => (
            Alter(|e| reason(e, RC::NoAgentAvailable, RC::Rona)),
            "late RONA closes with RONA",
        ),
        Rule::Task07 => return Err("parks the request: publishes nothing and reports no timer"),
        Rule::Task08 => (
            Alter(|e| {
                if let P::TaskStateChanged { task } = e {
                    task.mode = cxspec_spec::TaskMode::Queue;
                }
            }),
            "pulled task has mode QUEUE",
        ),
        Rule::Task09 => (
            Alter(|e| {
                if let P::TaskStateChanged { task } = e {
                    task.extra_medias.clear();
                }
            }),
            "second media not added to the task",
        ),
        Rule::Task10 => (
            Alter(|e| {
                if let P::TaskStateChanged { task } = e {
                    if task.direction == cxspec_spec::Direction::DirectConference {
                        task.direction = cxspec_spec::Direction::Inbound;
                    }
                }
            }),
            "conference task with direction INBOUND",
        ),
        Rule::Task11 => (
            Alter(|e| {
                if let P::TaskStateChanged { task } = e {
                    if task.direction == cxspec_spec::Direction::DirectTransfer {
                        task.direction = cxspec_spec::Direction::Inbound;
                    }
                }
            }),
            "queue transfer task with direction INBOUND",
        ),
        Rule::Task12 => (
            Drop(|e| matches!(e, P::TaskEnqueued { .. })),
            "transfer not re-queued after RONA",
        ),
        Rule::Task15 => (
            Alter(|e| reason(e, RC::Done, RC::Transferred)),
            "leaving closes TRANSFERRED",
        ),
        Rule::Task16 => (
            Alter(|e| {
                if let P::TaskStateChanged { task } = e {
                    if task.state == cxspec_spec::TaskState::WrapUp {
                        task.state = cxspec_spec::TaskState::Active;
                    }
                }
            }),
            "task stays ACTIVE instead of WRAP_UP",
        ),
        Rule::Task17 => (
            Alter(|e| {
                if let P::TaskStateChanged { task } = e {
                    if task.reason.is_some() {
                        task.reason = Some(RC::ForceClosed);
                    }
                }
            }),
            "wrap-up end closes FORCE_CLOSED",
        ),
        Rule::Task18 => (
            Alter(|e| reason(e, RC::Cancelled, RC::NoAgentAvailable)),
            "customer leaving closes NO_AGENT_AVAILABLE",
        ),
        Rule::Task19 => (
            Alter(|e| reason(e, RC::Cancelled, RC::ForceClosed)),
            "voice call closes FORCE_CLOSED",
        ),
        Rule::Task20 => (
            Alter(|e| reason(e, RC::AgentLogout, RC::Done)),
            "logout closes DONE",
        ),
        Rule::Task21 => (
            Alter(|e| reason(e, RC::ForceClosed, RC::NoAgentAvailable)),
            "flush closes NO_AGENT_AVAILABLE",
        ),
        Rule::Task22 | Rule::Task23 => {
            return Err(
                "an invariant or a guard: it shows as a rejection or an absence, not as an output",
            )
        }
        Rule::Task24 => (
            Alter(|e| reason(e, RC::Done, RC::AgentLogout)),
            "SLA removal closes AGENT_LOGOUT",
        ),
        Rule::Conv01 => (
            State(|s| {
                if s.get("conversation").is_some() {
                    s["conversation"] = Value::from("INACTIVE");
                }
            }),
            "a new conversation is not CREATED",
        ),
        Rule::Conv02 => (Drop(|e| topic(e, CS::Active)), "ACTIVE not published"),
        Rule::Conv03 => (
            Drop(|e| matches!(e, P::ConversationPaused)),
            "CONVERSATION_PAUSED not published",
        ),
        Rule::Conv04 => (
            Drop(|e| matches!(e, P::ConversationResumed)),
            "CONVERSATION_RESUMED not published",
        ),
        Rule::Conv05 => (
            Drop(|e| topic(e, CS::CustomerLeft)),
            "CUSTOMER_LEFT not published",
        ),
        Rule::Conv06 => (
            Drop(|e| matches!(e, P::ParticipantRoleChanged { .. })),
            "agents not moved to WRAP_UP",
        ),
        Rule::Conv07 => (Drop(|e| topic(e, CS::Inactive)), "INACTIVE not published"),
        Rule::Conv08 => (
            Drop(|e| matches!(e, P::AgentSubscribed { .. } | P::AgentUnsubscribed { .. })),
            "participants not (un)subscribed",
        ),
        Rule::Conv09 => (Drop(|e| topic(e, CS::Closing)), "CLOSING not published"),
        Rule::Conv10 => (Drop(|e| topic(e, CS::Closed)), "CLOSED not published"),
        Rule::Conv11 => (
            Drop(|e| matches!(e, P::TopicStateChanged { .. })),
            "TOPIC_STATE_CHANGED never published",
        ),
        Rule::Conv12 => (
            Drop(|e| {
                matches!(
                    e,
                    P::ChannelSessionStarted { .. } | P::ChannelSessionEnded { .. }
                )
            }),
            "channel session events not published",
        ),
        Rule::Conv13 => (
            State(|s| {
                if let Some(Value::Array(timers)) = s.get_mut("timers") {
                    timers.push(serde_json::json!({"timer": "HOLD", "deadline_ms": 0}));
                }
            }),
            "hold timer kept after the last agent or the customer left",
        ),
        Rule::Conv14 => (
            Drop(|e| matches!(e, P::ChannelSessionEnded { .. })),
            "expired session not ended",
        ),
        Rule::Conv15 => (
            Drop(|e| matches!(e, P::AgentUnsubscribed { .. })),
            "agents not removed on agent SLA expiry",
        ),
    })
}

impl Mutant {
    /// Every rule that has a mutant, in rule order.
    pub fn all() -> Vec<Mutant> {
        Rule::ALL
            .iter()
            .filter_map(|&rule| {
                breaks(rule).ok().map(|(how, description)| Mutant {
                    rule,
                    how,
                    description,
                })
            })
            .collect()
    }

    /// The rules without a mutant, and why.
    pub fn exempt() -> Vec<(Rule, &'static str)> {
        Rule::ALL
            .iter()
            .filter_map(|&rule| breaks(rule).err().map(|why| (rule, why)))
            .collect()
    }

    pub fn name(&self) -> String {
        self.rule.id().to_string()
    }

    pub fn by_name(name: &str) -> Option<Mutant> {
        Mutant::all().into_iter().find(|m| m.name() == name)
    }

    /// Perturbs a reply if the step applied the mutant's rule.
    pub fn apply(
        &self,
        rules: &[Rule],
        _input: Option<&Input>,
        published: &mut Vec<P>,
        state: &mut Value,
    ) {
        if !rules.contains(&self.rule) {
            return;
        }
        match self.how {
            Break::Drop(hit) => published.retain(|e| !hit(e)),
            Break::Alter(change) => published.iter_mut().for_each(change),
            Break::State(change) => change(state),
        }
    }
}

/// What one mutant run found.
#[derive(Clone, Debug)]
pub struct MutantResult {
    pub mutant: Mutant,
    /// The first vector that failed under the mutant, if any.
    pub killed_by: Option<String>,
    pub vectors_run: usize,
}

/// Runs each mutant against the vectors that name its rule (a mutant acts only where its
/// rule fires), stopping at the first kill.
pub fn run(vectors: &[Vector]) -> Vec<MutantResult> {
    let mut results = Vec::new();
    for mutant in Mutant::all() {
        let mut killed_by = None;
        let mut run = 0;
        for v in vectors
            .iter()
            .filter(|v| v.rules.iter().any(|r| r == mutant.rule.id()))
        {
            run += 1;
            let mut adapter: Box<dyn Implementation> = Box::new(ReferenceAdapter::new(None));
            let verdict = run_case(adapter.as_mut(), v, None, Some(&mutant.name()));
            if let Verdict::Fail(_) = verdict.verdict {
                killed_by = Some(format!("{}/{}", v.suite, v.id));
                break;
            }
        }
        results.push(MutantResult {
            mutant,
            killed_by,
            vectors_run: run,
        });
    }
    results
}

/// The kill table of MUTATION.md.
pub fn table(results: &[MutantResult]) -> String {
    let killed = results.iter().filter(|r| r.killed_by.is_some()).count();
    let mut s = format!(
        "Kill rate: {killed}/{} mutants ({:.0}%).\n\n| mutant (rule) | how the rule is broken | killed by |\n|---|---|---|\n",
        results.len(),
        if results.is_empty() { 0.0 } else { 100.0 * killed as f64 / results.len() as f64 }
    );
    for r in results {
        s.push_str(&format!(
            "| {} | {} | {} |\n",
            r.mutant.rule.id(),
            r.mutant.description,
            r.killed_by.as_deref().map_or(
                format!("**survived** ({} vectors run)", r.vectors_run),
                |v| format!("`{v}`")
            )
        ));
    }
    s.push_str("\nRules without a mutant:\n\n");
    for (rule, why) in Mutant::exempt() {
        s.push_str(&format!("- {}: {why}\n", rule.id()));
    }
    s
}

/// One mutant of an adapter (its `hello.mutants`), and the first vector that killed it.
#[derive(Clone, Debug)]
pub struct AdapterMutantResult {
    pub name: String,
    pub killed_by: Option<String>,
    pub failed: usize,
    pub executed: usize,
}

/// Runs every mutant an adapter offers over the vectors of the suites it implements.
pub fn run_adapter(
    vectors: &[&Vector],
    command: &str,
    options: &crate::runner::Options,
) -> Result<Vec<AdapterMutantResult>, String> {
    let mut process = crate::adapter::Process::spawn(command, options.limits(), &[])
        .map_err(|e| e.to_string())?;
    let hello = process
        .request(&crate::protocol::Request::Hello {
            protocol: crate::protocol::PROTOCOL_VERSION,
        })
        .map_err(|e| format!("hello: {e}"))?;
    drop(process);
    let mutants = hello.mutants.unwrap_or_default();
    if mutants.is_empty() {
        return Err("the adapter offers no mutants (hello.mutants)".into());
    }
    let selected: Vec<&Vector> = vectors
        .iter()
        .copied()
        .filter(|v| hello.suites.as_ref().is_none_or(|s| s.contains(&v.suite)))
        .collect();
    let target = crate::runner::Target::Adapter(command.to_string());
    let mut results = Vec::new();
    for name in mutants {
        let opts = crate::runner::Options {
            mutant: Some(name.clone()),
            ..options.clone()
        };
        let verdicts = crate::runner::run(&selected, &target, &opts);
        if let Some(e) = verdicts
            .iter()
            .find(|r| matches!(r.verdict, Verdict::Error { .. }))
        {
            return Err(format!(
                "mutant {name}: {}/{}: {:?}",
                e.suite, e.id, e.verdict
            ));
        }
        let failed: Vec<&crate::runner::CaseResult> = verdicts
            .iter()
            .filter(|r| matches!(r.verdict, Verdict::Fail(_)))
            .collect();
        results.push(AdapterMutantResult {
            name,
            killed_by: failed.first().map(|r| format!("{}/{}", r.suite, r.id)),
            failed: failed.len(),
            executed: verdicts
                .iter()
                .filter(|r| !matches!(r.verdict, Verdict::Skip(_)))
                .count(),
        });
    }
    Ok(results)
}

/// The kill table of an adapter's mutants.
pub fn adapter_table(results: &[AdapterMutantResult]) -> String {
    let killed = results.iter().filter(|r| r.killed_by.is_some()).count();
    let mut s = format!(
        "Kill rate: {killed}/{} mutants ({:.0}%).\n\n| mutant (rule disabled) | vectors failing | first killed by |\n|---|---|---|\n",
        results.len(),
        if results.is_empty() { 0.0 } else { 100.0 * killed as f64 / results.len() as f64 }
    );
    for r in results {
        s.push_str(&format!(
            "| {} | {}/{} | {} |\n",
            r.name,
            r.failed,
            r.executed,
            r.killed_by
                .as_deref()
                .map_or("**survived**".to_string(), |v| format!("`{v}`"))
        ));
    }
    s
}
