//! Random simulation: seeded random walks through the model, with the same properties as
//! the exhaustive check, for configurations too large to enumerate (`cxspec check
//! --random`).
//!
//! A walk starts at the initial state and takes, at each step, one of the actions the
//! model offers, chosen uniformly by a SplitMix64 generator seeded from `--seed` and the
//! walk's number, until the walk's length is reached or no action is offered. Every
//! `always` property is checked on every state of the walk; every `sometimes` property
//! found is recorded. The same seed, bounds and budget give the same walks, and walks are
//! independent of each other, so a budget of walks is reproducible exactly; a time budget
//! stops after the walk running when time is up (how many walks ran is printed).
//!
//! A violation is reduced before it is reported: the walk is cut after the first state
//! that breaks the property, then single steps are removed, first to last, as long as the
//! rest is still a path of the model (every input offered where it is taken) that ends in
//! a state breaking the same property; that repeats until no step can go. The result is
//! 1-minimal (no single step can be removed), not necessarily the shortest.
//!
//! Left out: guided or weighted choice (every offered action is equally likely), and
//! liveness: a walk is finite and the progress properties are safety properties here too.

use crate::model::{CxModel, ModelState};
use cxspec_spec::Input;
use stateright::{Expectation, Model};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// SplitMix64: a small, fast generator with a 64-bit state; good enough to pick actions.
#[derive(Clone, Debug)]
pub struct SplitMix(u64);

impl SplitMix {
    pub fn new(seed: u64) -> SplitMix {
        SplitMix(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number below `n` (`n > 0`), by multiply-shift (bias below 2^-32 for small `n`).
    pub fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }
}

/// How much to simulate.
#[derive(Clone, Debug)]
pub struct Budget {
    pub seed: u64,
    /// At most this many walks.
    pub walks: u64,
    /// Steps per walk.
    pub depth: usize,
    /// Stop after the walk that is running when this much time has passed.
    pub time: Option<Duration>,
}

/// What a simulation found.
#[derive(Clone, Debug, Default)]
pub struct Outcome {
    pub walks: u64,
    pub steps: u64,
    /// Violated `always` properties, each with its reduced counterexample, and the walk
    /// that found it.
    pub violations: BTreeMap<&'static str, (u64, Vec<Input>)>,
    /// `sometimes` properties found.
    pub found: BTreeMap<&'static str, u64>,
    pub elapsed: Duration,
}

/// The walk number `walk` of seed `seed`: its own generator, so walks are independent.
fn walk_rng(seed: u64, walk: u64) -> SplitMix {
    let mut mix = SplitMix::new(seed ^ walk.wrapping_mul(0xD1B5_4A32_D192_ED03));
    mix.next_u64();
    mix
}

/// Runs random walks within `budget`, stopping early once every `always` property is
/// violated.
pub fn simulate(model: &CxModel, budget: &Budget) -> Outcome {
    let start = Instant::now();
    let properties = model.properties();
    let mut out = Outcome::default();
    let mut actions = Vec::new();
    for walk in 0..budget.walks {
        if budget.time.is_some_and(|t| start.elapsed() >= t) {
            break;
        }
        out.walks += 1;
        let mut rng = walk_rng(budget.seed, walk);
        let mut state = model.initial();
        let mut path: Vec<Input> = Vec::new();
        for step in 0..=budget.depth {
            for p in &properties {
                let holds = (p.condition)(model, &state);
                match p.expectation {
                    Expectation::Always | Expectation::Eventually => {
                        if !holds && !out.violations.contains_key(p.name) {
                            let reduced = reduce(model, &path, p.condition);
                            out.violations.insert(p.name, (walk, reduced));
                        }
                    }
                    Expectation::Sometimes => {
                        if holds {
                            out.found.entry(p.name).or_insert(walk);
                        }
                    }
                }
            }
            if step == budget.depth {
                break;
            }
            actions.clear();
            model.actions(&state, &mut actions);
            if actions.is_empty() {
                break;
            }
            let action = actions[rng.below(actions.len())];
            let Some(next) = model.next_state(&state, action) else {
                break;
            };
            out.steps += 1;
            path.push(action);
            state = next;
        }
        let always = properties
            .iter()
            .filter(|p| p.expectation == Expectation::Always)
            .count();
        if out.violations.len() == always {
            break;
        }
    }
    out.elapsed = start.elapsed();
    out
}

/// The states of `inputs` from the initial state, if every input is offered where it is
/// taken.
fn run(model: &CxModel, inputs: &[Input]) -> Option<Vec<ModelState>> {
    let mut states = vec![model.initial()];
    let mut actions = Vec::new();
    for input in inputs {
        let state = states.last().expect("non-empty");
        actions.clear();
        model.actions(state, &mut actions);
        if !actions.contains(input) {
            return None;
        }
        states.push(model.next_state(state, *input)?);
    }
    Some(states)
}

/// The shortest prefix of `inputs` that is a path ending in a state that breaks
/// `holds`, if there is one.
fn first_violation(
    model: &CxModel,
    inputs: &[Input],
    holds: fn(&CxModel, &ModelState) -> bool,
) -> Option<Vec<Input>> {
    let states = run(model, inputs)?;
    let at = states.iter().position(|s| !holds(model, s))?;
    Some(inputs[..at].to_vec())
}

/// Reduces a violating path: cut at the first violation, then drop single steps while the
/// rest still violates (see the module header).
pub fn reduce(
    model: &CxModel,
    inputs: &[Input],
    holds: fn(&CxModel, &ModelState) -> bool,
) -> Vec<Input> {
    let mut best = first_violation(model, inputs, holds).unwrap_or_else(|| inputs.to_vec());
    loop {
        let mut shorter = None;
        for i in 0..best.len() {
            let mut candidate = best.clone();
            candidate.remove(i);
            if let Some(found) = first_violation(model, &candidate, holds) {
                shorter = Some(found);
                break;
            }
        }
        match shorter {
            Some(s) => best = s,
            None => return best,
        }
    }
}
