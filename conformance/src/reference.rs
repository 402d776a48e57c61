//! The reference implementation as a vector sees it: the spec's pure [`System::step`]
//! driven by inputs at times and by clock advances.
//!
//! An advance to `T` fires, one at a time, the armed timer with the smallest
//! `(deadline, key)` whose deadline is at most `T`, at its deadline, re-reading the
//! armed timers after each fire (a fire may arm or disarm others); then the clock is `T`.
//! This is how FORMAT.md defines "advance", written with the spec's `TIMER_FIRED` input;
//! `tests/conformance_engine.rs` checks that the engine with real deadlines
//! (`spec/src/engine.rs`) publishes the same events.
//! An input at `t` needs every armed deadline to be later than `t`: vectors advance the
//! clock explicitly, so that no implementation has to guess whether a timer due at `t`
//! fires before or after an input at `t`.

use crate::suite::Suite;
use crate::vector::{State, Timer};
use cxspec_spec::{Config, Input, Outcome, Published, Reject, Rules, System, TimerKey};

/// One timer that fired during an advance, and what it did.
#[derive(Clone, Debug)]
pub struct Fire {
    pub timer: TimerKey,
    pub at_ms: u64,
    pub outcome: Outcome,
}

/// A vector that the reference cannot run as written (a kit error, not a divergence).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DriveError(pub String);

impl std::fmt::Display for DriveError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Clone, Debug)]
pub struct Reference {
    pub system: System,
    pub config: Config,
    /// The rule set and any readings on top of it.
    pub rules: Rules,
    pub now_ms: u64,
}

impl Reference {
    pub fn new(config: Config, rules: impl Into<Rules>) -> Reference {
        Reference {
            system: System::new(),
            config,
            rules: rules.into(),
            now_ms: 0,
        }
    }

    /// The armed timer that fires next: smallest deadline, then smallest key.
    pub fn next_due(&self) -> Option<(u64, TimerKey)> {
        self.system
            .timers()
            .into_iter()
            .map(|(key, deadline)| (deadline, key))
            .min()
    }

    /// Applies an input at `at_ms`. A rejection is a result; a time that breaks the
    /// vector rules is a [`DriveError`].
    pub fn apply(
        &mut self,
        at_ms: u64,
        input: &Input,
    ) -> Result<Result<Outcome, Reject>, DriveError> {
        if at_ms < self.now_ms {
            return Err(DriveError(format!(
                "input at {at_ms} ms is before the clock ({} ms)",
                self.now_ms
            )));
        }
        if let Input::TimerFired { .. } = input {
            return Err(DriveError(
                "TIMER_FIRED is not an input of vectors; use an advance".into(),
            ));
        }
        if let Some((deadline, key)) = self.next_due() {
            if deadline <= at_ms {
                return Err(DriveError(format!(
                    "input at {at_ms} ms, but the {key} timer is due at {deadline} ms: advance the clock first"
                )));
            }
        }
        self.now_ms = at_ms;
        match self.system.step(input, at_ms, &self.config, self.rules) {
            Ok((next, outcome)) => {
                self.system = next;
                Ok(Ok(outcome))
            }
            Err(reject) => Ok(Err(reject)),
        }
    }

    /// Advances the clock to `to_ms`, firing every timer due by then in (deadline, key) order.
    pub fn advance(&mut self, to_ms: u64) -> Result<Vec<Fire>, DriveError> {
        if to_ms < self.now_ms {
            return Err(DriveError(format!(
                "advance to {to_ms} ms is before the clock ({} ms)",
                self.now_ms
            )));
        }
        let mut fires = Vec::new();
        while let Some((deadline, timer)) = self.next_due().filter(|(d, _)| *d <= to_ms) {
            let input = Input::TimerFired { timer };
            let (next, outcome) = self
                .system
                .step(&input, deadline, &self.config, self.rules)
                .map_err(|reject| {
                    DriveError(format!("the armed {timer} timer was rejected: {reject}"))
                })?;
            self.system = next;
            self.now_ms = deadline;
            fires.push(Fire {
                timer,
                at_ms: deadline,
                outcome,
            });
            // A cap against a rule that re-arms a timer at the same instant forever.
            if fires.len() > 10_000 {
                return Err(DriveError(format!(
                    "more than 10000 timers fired before {to_ms} ms"
                )));
            }
        }
        self.now_ms = to_ms;
        Ok(fires)
    }

    /// The observable state a suite's vectors state after each step.
    pub fn observe(&self, suite: Suite) -> State {
        let mut timers: Vec<Timer> = self
            .system
            .timers()
            .into_iter()
            .filter(|(key, _)| suite.owns_timer(key))
            .map(|(key, deadline_ms)| Timer { key, deadline_ms })
            .collect();
        timers.sort_by_key(|t| (t.deadline_ms, t.key));
        let tasks = || {
            self.system
                .tasks
                .tasks
                .iter()
                .map(|t| t.view())
                .collect::<Vec<_>>()
        };
        let requests = || {
            self.system
                .tasks
                .request
                .iter()
                .map(|r| crate::vector::RequestView {
                    kind: r.kind,
                    session: r.session,
                    task: r.task,
                })
                .collect::<Vec<_>>()
        };
        match suite {
            Suite::Sla => State {
                conversation: None,
                tasks: None,
                timers: Some(timers),
                requests: None,
            },
            Suite::Task => State {
                conversation: None,
                tasks: Some(tasks()),
                timers: Some(timers),
                requests: Some(requests()),
            },
            Suite::Conversation => State {
                conversation: Some(self.system.conversation.state),
                tasks: None,
                timers: Some(timers),
                requests: None,
            },
            Suite::System => State {
                conversation: Some(self.system.conversation.state),
                tasks: Some(tasks()),
                timers: Some(timers),
                requests: Some(requests()),
            },
        }
    }
}

/// Splits a step's published events between a suite's own (expected) and the others'
/// (consumed), keeping the order of each.
pub fn split(suite: Suite, published: &[Published]) -> (Vec<Published>, Vec<Published>) {
    published.iter().cloned().partition(|e| suite.publishes(e))
}
