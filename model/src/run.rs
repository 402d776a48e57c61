//! Running the checker over the sub-configurations of a preset and collecting what it
//! found, for the CLI and the tests alike.
//!
//! Exhaustive runs use depth-first search with symmetry reduction (stateright 0.31
//! applies symmetry only there). Depth-first paths are long and, with several threads,
//! differ from run to run; so every property that fails is searched again breadth-first,
//! which gives a shortest counterexample, the same one every time.

use crate::bounds::Bounds;
use crate::model::{CxModel, ModelState};
use cxspec_spec::{Input, RuleSet};
use stateright::{Checker, Expectation, Model, Representative};
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::time::{Duration, Instant};

/// What the checker reports while it runs.
#[derive(Clone, Copy, Debug)]
pub struct Progress {
    pub sub_config: usize,
    pub sub_configs: usize,
    pub states: usize,
    pub unique: usize,
    pub depth: usize,
    pub elapsed: Duration,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// `always` with no counterexample.
    Holds,
    /// `always` with a counterexample.
    Violated,
    /// `sometimes` with an example.
    Found,
    /// `sometimes` with no example: the property it twins may be vacuous.
    NotFound,
}

impl Verdict {
    pub fn is_failure(&self) -> bool {
        matches!(self, Verdict::Violated | Verdict::NotFound)
    }
}

/// One sub-configuration's run.
#[derive(Clone, Debug)]
pub struct SubReport {
    pub bounds: Bounds,
    pub states: usize,
    pub unique: usize,
    pub max_depth: usize,
    pub elapsed: Duration,
    /// Property name -> a path (the stimuli from the initial state) to the discovery.
    pub discoveries: BTreeMap<&'static str, Vec<Input>>,
}

/// A whole run: every sub-configuration, then the verdict per property over all of them
/// (violated if violated in any; found if found in any).
#[derive(Clone, Debug)]
pub struct Report {
    pub rules: RuleSet,
    pub subs: Vec<SubReport>,
    pub verdicts: Vec<(&'static str, Expectation, Verdict)>,
    pub elapsed: Duration,
}

impl Report {
    pub fn failed(&self) -> bool {
        self.verdicts.iter().any(|(_, _, v)| v.is_failure())
    }

    pub fn violated(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.verdicts
            .iter()
            .filter(|(_, _, v)| *v == Verdict::Violated)
            .map(|(name, _, _)| *name)
    }

    pub fn states(&self) -> usize {
        self.subs.iter().map(|s| s.states).sum()
    }

    pub fn unique(&self) -> usize {
        self.subs.iter().map(|s| s.unique).sum()
    }

    pub fn max_depth(&self) -> usize {
        self.subs.iter().map(|s| s.max_depth).max().unwrap_or(0)
    }

    /// The first sub-configuration (in preset order) with a discovery for `name`.
    pub fn discovery(&self, name: &str) -> Option<(&SubReport, &Vec<Input>)> {
        self.subs
            .iter()
            .find_map(|s| s.discoveries.get(name).map(|path| (s, path)))
    }
}

#[derive(Clone, Debug)]
pub struct RunOptions {
    pub threads: usize,
    pub symmetry: bool,
    /// Re-search failing properties breadth-first for the shortest counterexample.
    pub shortest: bool,
    /// Readings chosen on top of the rule set (`--reading`).
    pub readings: cxspec_spec::Readings,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            threads: 1,
            symmetry: true,
            shortest: true,
            readings: cxspec_spec::Readings::NONE,
        }
    }
}

/// Checks one model exhaustively; `progress` is called about every `every`.
pub fn check_one(
    model: CxModel,
    options: &RunOptions,
    every: Duration,
    mut progress: impl FnMut(usize, usize, usize, Duration),
) -> SubReport {
    let bounds = model.bounds.clone();
    let start = Instant::now();
    let builder = model.clone().checker().threads(options.threads.max(1));
    let builder = if options.symmetry {
        builder.symmetry()
    } else {
        builder
    };
    let checker = builder.spawn_dfs();
    let mut last = Instant::now();
    while !checker.is_done() {
        std::thread::sleep(Duration::from_millis(20));
        if last.elapsed() >= every {
            last = Instant::now();
            progress(
                checker.state_count(),
                checker.unique_state_count(),
                checker.max_depth(),
                start.elapsed(),
            );
        }
    }
    let checker = checker.join();
    let mut discoveries: BTreeMap<&'static str, Vec<Input>> = checker
        .discoveries()
        .into_iter()
        .map(|(name, path)| (name, path.into_actions()))
        .collect();
    let failing: BTreeSet<&'static str> = model
        .properties()
        .iter()
        .filter(|p| p.expectation == Expectation::Always && discoveries.contains_key(p.name))
        .map(|p| p.name)
        .collect();
    if options.shortest && !failing.is_empty() {
        let shortest = shortest_counterexamples(&model, failing);
        discoveries.extend(shortest);
    }
    SubReport {
        bounds,
        states: checker.state_count(),
        unique: checker.unique_state_count(),
        max_depth: checker.max_depth(),
        elapsed: start.elapsed(),
        discoveries,
    }
}

/// The shortest counterexample of each of `names`, the same on every run.
///
/// stateright's breadth-first checker keeps overwriting a discovery with later, longer
/// paths until it stops, so this is a plain breadth-first search of its own: states in
/// the order of their distance from the initial state (actions in `actions` order),
/// merged by their symmetric representative (renaming does not change the distance),
/// and each property checked when its state is taken from the queue.
pub fn shortest_counterexamples(
    model: &CxModel,
    names: BTreeSet<&'static str>,
) -> BTreeMap<&'static str, Vec<Input>> {
    let mut wanted: Vec<_> = model
        .properties()
        .into_iter()
        .filter(|p| names.contains(p.name) && p.expectation == Expectation::Always)
        .collect();
    let mut found = BTreeMap::new();
    // (state, parent index, action from the parent)
    let mut nodes: Vec<(ModelState, usize, Option<Input>)> = vec![(model.initial(), 0, None)];
    let mut seen: HashSet<ModelState> = HashSet::from([model.initial().representative()]);
    let mut actions = Vec::new();
    let mut next = 0;
    while next < nodes.len() && !wanted.is_empty() {
        let state = nodes[next].0.clone();
        wanted.retain(|p| {
            if (p.condition)(model, &state) {
                return true;
            }
            let mut path = Vec::new();
            let mut at = next;
            while let Some(action) = nodes[at].2 {
                path.push(action);
                at = nodes[at].1;
            }
            path.reverse();
            found.insert(p.name, path);
            false
        });
        actions.clear();
        model.actions(&state, &mut actions);
        for action in actions.drain(..) {
            if let Some(after) = model.next_state(&state, action) {
                if seen.insert(after.representative()) {
                    nodes.push((after, next, Some(action)));
                }
            }
        }
        next += 1;
    }
    found
}

/// Checks every sub-configuration in order and merges the verdicts.
pub fn check_all(
    subs: &[Bounds],
    rules: RuleSet,
    options: &RunOptions,
    every: Duration,
    mut progress: impl FnMut(Progress),
) -> Report {
    let start = Instant::now();
    let mut reports = Vec::new();
    for (i, bounds) in subs.iter().enumerate() {
        let model = CxModel::new(bounds.clone(), rules).with_readings(options.readings);
        let report = check_one(model, options, every, |states, unique, depth, elapsed| {
            progress(Progress {
                sub_config: i + 1,
                sub_configs: subs.len(),
                states,
                unique,
                depth,
                elapsed,
            })
        });
        reports.push(report);
    }
    let properties = crate::properties::all();
    let verdicts = properties
        .iter()
        .map(|p| {
            let found = reports.iter().any(|r| r.discoveries.contains_key(p.name));
            let verdict = match (&p.expectation, found) {
                (Expectation::Always | Expectation::Eventually, false) => Verdict::Holds,
                (Expectation::Always | Expectation::Eventually, true) => Verdict::Violated,
                (Expectation::Sometimes, true) => Verdict::Found,
                (Expectation::Sometimes, false) => Verdict::NotFound,
            };
            (p.name, p.expectation.clone(), verdict)
        })
        .collect();
    Report {
        rules,
        subs: reports,
        verdicts,
        elapsed: start.elapsed(),
    }
}

/// The states along a path, from the initial state (for tests and printing).
pub fn replay(model: &CxModel, inputs: &[Input]) -> Option<Vec<ModelState>> {
    let mut states = vec![model.initial()];
    for input in inputs {
        let next = model.step(states.last().expect("non-empty"), input)?;
        states.push(next);
    }
    Some(states)
}

/// Serves stateright's Explorer for `model` on `addr` until the process is stopped.
/// The address is tried first, so that a bad or busy one is an error, not a panic in
/// the server thread.
pub fn explore(model: CxModel, addr: &str) -> Result<(), String> {
    let listener =
        std::net::TcpListener::bind(addr).map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    drop(listener);
    model.checker().serve(addr);
    Ok(())
}
