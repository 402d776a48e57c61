//! Running the checker over the sub-configurations of a preset and collecting what it
//! found, for the CLI and the tests alike.
//!
//! Exhaustive runs use depth-first search with symmetry reduction (`dfs`: the search of
//! stateright's depth-first checker, which `tests/counts.rs` and `tests/dfs.rs` compare it
//! with, at less cost per state). Depth-first paths are long and, with several threads,
//! differ from run to run; so every property that fails is searched again breadth-first
//! (`bfs`: fingerprints, parent links and compact layers), which gives a shortest
//! counterexample, the same one every time.

use crate::bounds::Bounds;
use crate::model::{CxModel, ModelState};
use cxspec_spec::{Input, RuleSet};
use stateright::{Expectation, Model};
use std::collections::{BTreeMap, BTreeSet};
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
    /// The shortest-counterexample search, if one ran (a property was violated).
    pub search: Option<crate::bfs::Stats>,
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
    // The same search as stateright's depth-first checker, at less cost per state (`dfs`).
    let (states, unique, max_depth, mut discoveries) = {
        let counters = crate::dfs::Counters::default();
        let found = std::thread::scope(|scope| {
            let search = scope
                .spawn(|| crate::dfs::search(&model, options.threads, options.symmetry, &counters));
            let mut last = Instant::now();
            while !search.is_finished() {
                std::thread::sleep(Duration::from_millis(20));
                if last.elapsed() >= every {
                    last = Instant::now();
                    progress(
                        counters.states.load(std::sync::atomic::Ordering::Relaxed),
                        counters.unique.load(std::sync::atomic::Ordering::Relaxed),
                        counters
                            .max_depth
                            .load(std::sync::atomic::Ordering::Relaxed),
                        start.elapsed(),
                    );
                }
            }
            search.join().expect("the search thread does not panic")
        });
        (
            found.states,
            found.unique,
            found.max_depth,
            found.discoveries,
        )
    };
    let failing: Vec<&'static str> = model
        .properties()
        .iter()
        .filter(|p| p.expectation == Expectation::Always && discoveries.contains_key(p.name))
        .map(|p| p.name)
        .collect();
    let mut search = None;
    if options.shortest && !failing.is_empty() {
        let (shortest, stats) =
            crate::bfs::shortest(&model, &failing, options.threads, options.symmetry);
        discoveries.extend(shortest);
        search = Some(stats);
    }
    SubReport {
        bounds,
        states,
        unique,
        max_depth,
        elapsed: start.elapsed(),
        discoveries,
        search,
    }
}

/// The shortest counterexample of each of `names`, the same on every run: a
/// breadth-first search (`bfs`) with symmetry, one thread.
pub fn shortest_counterexamples(
    model: &CxModel,
    names: BTreeSet<&'static str>,
) -> BTreeMap<&'static str, Vec<Input>> {
    let names: Vec<&'static str> = names.into_iter().collect();
    crate::bfs::shortest(model, &names, 1, true).0
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
