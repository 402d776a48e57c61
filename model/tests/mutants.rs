//! Every property can fail: for each, a planted one-rule mutant of the spec
//! (`cxspec_model::mutants`) and the checker reporting that property violated.
//!
//! For each mutant the test asserts that
//! 1. the breadth-first checker (`shortest_counterexamples`) finds a counterexample for
//!    the property on the mutant, within small bounds;
//! 2. the same sequence, run by the unmutated spec, keeps the property at every step
//!    (so the mutant's change is what breaks it, not the bounds or the spec);
//! 3. for the mutants that the storage-based invariants cannot see (a silent restart, a
//!    second `AGENT_SLA_STARTED`, an unsubscribe published but not applied), the state
//!    invariant holds along the counterexample: only the event monitor has the teeth.

use cxspec_model::bounds::parse_sessions;
use cxspec_model::mutants::Mutant;
use cxspec_model::properties::{
    self, CLOSING_PROGRESS, NO_AGENT_SLA_AFTER_UNSUBSCRIBE, NO_CHAT_SLA_DURING_VOICE, ONE_LIVE_SLA,
    QUEUED_PROGRESS, TRANSITIONS,
};
use cxspec_model::run::{replay, shortest_counterexamples};
use cxspec_model::Alphabet;
use cxspec_model::{Bounds, CxModel, ModelState};
use cxspec_spec::invariants::Invariant;
use cxspec_spec::*;
use stateright::Model;
use std::collections::BTreeSet;

fn bounds(sessions: &str, wrap_up: bool, tasks: u32) -> Bounds {
    Bounds {
        sessions: parse_sessions(sessions).unwrap(),
        agents: 2,
        messages: None,
        tasks,
        wrap_up,
        routing: RoutingMode::Push,
        mrd_auto_joinable: true,
        thresholds: 1,
        alphabet: Alphabet::default(),
    }
}

fn holds(model: &CxModel, property: &str, state: &ModelState) -> bool {
    let p = properties::all()
        .into_iter()
        .find(|p| p.name == property)
        .unwrap_or_else(|| panic!("no property `{property}`"));
    (p.condition)(model, state)
}

/// Checks points 1 and 2 of the header and returns the mutant's counterexample states.
fn mutant_breaks(mutant: Mutant, bounds: Bounds, property: &'static str) -> Vec<ModelState> {
    let spec = CxModel::new(bounds, RuleSet::Specified);
    let mutated = spec.clone().with_mutant(mutant);
    let found = shortest_counterexamples(&mutated, BTreeSet::from([property]));
    let path = found
        .get(property)
        .unwrap_or_else(|| panic!("{mutant:?}: `{property}` not violated"));
    let states = replay(&mutated, path).expect("the counterexample is a path of the mutant");
    assert!(
        !holds(&mutated, property, states.last().unwrap()),
        "{mutant:?}: the last state breaks `{property}`"
    );
    match replay(&spec, path) {
        // The mutant may offer an input the spec rejects (TASK-23): then the spec cannot
        // even take the path.
        None => assert_eq!(mutant, Mutant::Task23Dropped, "{mutant:?}: {path:?}"),
        Some(spec_states) => {
            for (i, s) in spec_states.iter().enumerate() {
                assert!(
                    holds(&spec, property, s),
                    "{mutant:?}: the spec itself breaks `{property}` at step {i}"
                );
            }
        }
    }
    states
}

fn invariant_name(i: Invariant) -> &'static str {
    properties::all()
        .into_iter()
        .find(|p| p.name == i.name())
        .expect("every invariant is a property")
        .name
}

#[test]
fn sla_27_appended_breaks_one_customer_sla_per_session_and_the_event_monitor() {
    let b = bounds("chat,chat", true, 1);
    mutant_breaks(
        Mutant::Sla27Appends,
        b.clone(),
        invariant_name(Invariant::OneCustomerSlaPerSession),
    );
    mutant_breaks(Mutant::Sla27Appends, b, ONE_LIVE_SLA);
}

#[test]
fn a_silent_restart_is_seen_by_the_probe_not_by_the_storage() {
    let states = mutant_breaks(
        Mutant::Sla27SilentRestart,
        bounds("chat,chat", true, 1),
        ONE_LIVE_SLA,
    );
    let config = CxModel::new(bounds("chat,chat", true, 1), RuleSet::Specified).config;
    for s in &states {
        assert!(Invariant::OneCustomerSlaPerSession.holds(&s.system, &config));
    }
}

#[test]
fn a_second_agent_sla_start_is_seen_by_the_event_monitor_only() {
    let states = mutant_breaks(
        Mutant::Sla14RestartsAgentSla,
        bounds("chat,voice", false, 1),
        ONE_LIVE_SLA,
    );
    // One storage slot: the state never shows two agent SLAs.
    let last = &states.last().unwrap().system;
    assert!(last.sla.agent.is_some());
}

#[test]
fn sla_07_dropped_breaks_both_agent_sla_invariants() {
    let b = bounds("chat,voice", false, 1);
    mutant_breaks(
        Mutant::Sla07Dropped,
        b.clone(),
        invariant_name(Invariant::AgentSlaNeedsPrimaryAgent),
    );
    mutant_breaks(Mutant::Sla07Dropped, b, NO_AGENT_SLA_AFTER_UNSUBSCRIBE);
}

#[test]
fn an_unsubscribe_published_but_not_applied_is_seen_by_the_event_monitor_only() {
    let b = bounds("chat,voice", false, 1);
    let states = mutant_breaks(
        Mutant::UnsubscribeNotApplied,
        b.clone(),
        NO_AGENT_SLA_AFTER_UNSUBSCRIBE,
    );
    let config = CxModel::new(b, RuleSet::Specified).config;
    for s in &states {
        assert!(Invariant::AgentSlaNeedsPrimaryAgent.holds(&s.system, &config));
    }
}

#[test]
fn sla_19_dropped_breaks_no_sla_on_hold() {
    mutant_breaks(
        Mutant::Sla19Dropped,
        bounds("chat,voice", false, 1),
        invariant_name(Invariant::NoSlaOnHold),
    );
}

#[test]
fn sla_10_dropped_breaks_no_timer_for_an_ended_session() {
    mutant_breaks(
        Mutant::Sla10Dropped,
        bounds("chat,voice", false, 1),
        invariant_name(Invariant::NoTimerForEndedSession),
    );
}

#[test]
fn sla_01_dropped_breaks_no_agent_sla_during_voice() {
    mutant_breaks(
        Mutant::Sla01Dropped,
        bounds("chat,voice", false, 1),
        invariant_name(Invariant::NoAgentSlaDuringVoice),
    );
}

#[test]
fn sla_03_keeping_the_chats_breaks_no_chat_sla_during_voice() {
    mutant_breaks(
        Mutant::Sla03KeepsChats,
        bounds("chat,voice", false, 1),
        NO_CHAT_SLA_DURING_VOICE,
    );
}

#[test]
fn sla_08_dropped_breaks_waiting_customer_is_timed() {
    mutant_breaks(
        Mutant::Sla08Dropped,
        bounds("chat,voice", false, 1),
        invariant_name(Invariant::WaitingCustomerIsTimed),
    );
}

#[test]
fn task_22_without_reason_breaks_closed_tasks_have_a_reason() {
    mutant_breaks(
        Mutant::Task22NoReason,
        bounds("chat,voice", false, 1),
        invariant_name(Invariant::ClosedTasksHaveReason),
    );
}

#[test]
fn task_22_restamping_breaks_the_step_property() {
    mutant_breaks(
        Mutant::Task22Restamps,
        bounds("chat,voice", false, 2),
        TRANSITIONS,
    );
}

#[test]
fn task_23_dropped_breaks_one_open_task_per_agent() {
    mutant_breaks(
        Mutant::Task23Dropped,
        bounds("chat,voice", true, 2),
        invariant_name(Invariant::OneOpenTaskPerAgent),
    );
}

#[test]
fn conv_07_dropped_breaks_state_agrees_with_participants() {
    mutant_breaks(
        Mutant::Conv07Dropped,
        bounds("chat,voice", false, 1),
        invariant_name(Invariant::StateAgreesWithParticipants),
    );
}

#[test]
fn task_01_ttl_rearmed_breaks_queued_progress() {
    mutant_breaks(
        Mutant::Task01TtlRearmed,
        bounds("chat,voice", false, 1),
        QUEUED_PROGRESS,
    );
}

#[test]
fn task_17_dropped_in_closing_breaks_closing_progress() {
    mutant_breaks(
        Mutant::Task17DroppedInClosing,
        bounds("chat,voice", true, 2),
        CLOSING_PROGRESS,
    );
}

/// Every `always` property has a mutant above; a property added without one fails here.
#[test]
fn every_always_property_has_a_mutant_test() {
    let covered: BTreeSet<&str> = [
        Invariant::OneCustomerSlaPerSession.name(),
        Invariant::AgentSlaNeedsPrimaryAgent.name(),
        Invariant::NoSlaOnHold.name(),
        Invariant::NoTimerForEndedSession.name(),
        Invariant::NoAgentSlaDuringVoice.name(),
        Invariant::ClosedTasksHaveReason.name(),
        Invariant::OneOpenTaskPerAgent.name(),
        Invariant::StateAgreesWithParticipants.name(),
        Invariant::WaitingCustomerIsTimed.name(),
        ONE_LIVE_SLA,
        NO_AGENT_SLA_AFTER_UNSUBSCRIBE,
        NO_CHAT_SLA_DURING_VOICE,
        TRANSITIONS,
        QUEUED_PROGRESS,
        CLOSING_PROGRESS,
    ]
    .into_iter()
    .collect();
    let always: BTreeSet<&str> = CxModel::new(bounds("chat", false, 1), RuleSet::Specified)
        .properties()
        .into_iter()
        .filter(|p| p.expectation == stateright::Expectation::Always)
        .map(|p| p.name)
        .collect();
    assert_eq!(always, covered);
    assert_eq!(Mutant::ALL.len(), 17);
}
