//! The breadth-first search for shortest counterexamples, as lean as the exhaustive
//! depth-first one: it keeps a 64-bit fingerprint per unique state, a parent link per
//! unique state (the parent's number and the index of the action in the parent's
//! `actions` list), and only the current and the next layer as compactly encoded states.
//! A counterexample is rebuilt by replaying its action indices from the initial state.
//!
//! Why not stateright's breadth-first checker: it keeps whole states in its queue and
//! overwrites a discovery with later, longer paths until it stops; the search here
//! checks each property on each new state in breadth-first order and stops once every
//! wanted property has its first (shortest) counterexample, the same on every run.
//!
//! Order and determinism. States are numbered in the order they are first generated:
//! a layer's states in order, each state's actions in `actions` order. A layer is
//! expanded in batches, each batch split between threads; the threads only compute
//! successors, and one thread merges them in that fixed order. So the numbering, the
//! counterexamples and the counts do not depend on the thread count. States are merged
//! by the fingerprint of their symmetric representative (`symmetry`), as the depth-first
//! checker does; a fingerprint collision (probability about n^2 / 2^65 for n states,
//! under 10^-4 for 10^8 states) would merge two states.
//!
//! The same search, run to the end, collects the abstract transitions (`abstraction`)
//! of every transition it takes, those into states seen before included.
//!
//! Left out: progress reporting; the search is run after the exhaustive one, which
//! reports.

use crate::abstraction::Edge;
pub use crate::abstraction::Edge as AbstractEdge;
use crate::model::{CxModel, ModelState};
use cxspec_spec::Input;
use stateright::{Model, Representative};
use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::hash::{BuildHasherDefault, Hash, Hasher};

/// A property condition, as stateright's `Property` holds it.
type Condition = fn(&CxModel, &ModelState) -> bool;

/// What one search used, for the memory report.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Unique states numbered (up to symmetry).
    pub unique: usize,
    /// Layers expanded.
    pub depth: usize,
    /// The widest layer, in states.
    pub widest_layer: usize,
    /// Peak bytes held by the search's own tables: fingerprints, parent links, layers.
    pub peak_bytes: usize,
    /// Layers expanded completely: every path of up to this many steps was taken. Less
    /// than `depth` only when a budget stopped the search inside a layer.
    pub complete_layers: usize,
    /// A unique-state budget stopped the search before its end.
    pub stopped_by_budget: bool,
}

/// How a search for transitions outside a known set ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GrownOutcome {
    /// A transition outside the set was reached (the search stopped after that batch).
    New,
    /// The search ran to the end and reached none: the set holds every transition.
    NoneNew,
    /// The unique-state budget ran out first with none reached: no path of up to
    /// `Stats::complete_layers` steps leaves the set; longer paths were not all taken.
    NoneNewWithinBudget,
}

/// Hashes a `u64` fingerprint to itself: fingerprints are already uniformly spread.
#[derive(Default)]
pub(crate) struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

type Seen = HashSet<u64, BuildHasherDefault<PassThrough>>;

/// The fingerprint of a state's symmetric representative. `DefaultHasher::new()` has
/// fixed keys, so fingerprints are the same on every run.
pub fn fingerprint(state: &ModelState, symmetry: bool) -> u64 {
    let mut hasher = DefaultHasher::new();
    if symmetry {
        state.representative().hash(&mut hasher);
    } else {
        state.hash(&mut hasher);
    }
    hasher.finish()
}

fn encode(state: &ModelState, out: &mut Vec<u8>) {
    let bytes = postcard::to_extend(state, std::mem::take(out)).expect("states encode");
    *out = bytes;
}

fn decode(bytes: &[u8]) -> ModelState {
    postcard::from_bytes(bytes).expect("encoded by `encode`")
}

/// One layer: its states encoded back to back, where each ends, and their numbers.
#[derive(Default)]
struct Layer {
    bytes: Vec<u8>,
    ends: Vec<u32>,
    nodes: Vec<u32>,
}

impl Layer {
    fn len(&self) -> usize {
        self.nodes.len()
    }

    fn state(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.bytes[start..self.ends[i] as usize]
    }

    fn push(&mut self, bytes: &[u8], node: u32) {
        self.bytes.extend_from_slice(bytes);
        self.ends
            .push(u32::try_from(self.bytes.len()).expect("a layer fits in 4 GiB"));
        self.nodes.push(node);
    }

    fn heap_bytes(&self) -> usize {
        self.bytes.capacity() + 4 * self.ends.capacity() + 4 * self.nodes.capacity()
    }
}

/// A successor computed by a worker, before the merge decides whether it is new.
struct Successor {
    from: u32,
    action: u8,
    fingerprint: u64,
    /// Bit `i`: wanted property `i` fails on the successor.
    violated: u64,
    end: u32,
}

/// The states of one batch a worker expanded: successors and their encodings, and what
/// the projection made of the transitions taken, if they are collected.
struct Expanded<T> {
    successors: Vec<Successor>,
    bytes: Vec<u8>,
    edges: HashSet<T>,
}

/// What a search collects of each transition it takes (`before`, the input, `after`):
/// the abstract transitions of the cover, or the per-machine transitions of the diagrams.
pub type Projection<'a, T> = &'a (dyn Fn(&ModelState, &Input, &ModelState, &mut HashSet<T>) + Sync);

fn expand<T: Eq + Hash>(
    model: &CxModel,
    symmetry: bool,
    wanted: &[(&'static str, Condition)],
    layer: &Layer,
    range: std::ops::Range<usize>,
    project: Option<Projection<'_, T>>,
) -> Expanded<T> {
    let mut out = Expanded {
        successors: Vec::new(),
        bytes: Vec::new(),
        edges: HashSet::new(),
    };
    let mut actions = Vec::new();
    for at in range {
        let state = decode(layer.state(at));
        actions.clear();
        model.actions(&state, &mut actions);
        for (i, action) in actions.drain(..).enumerate() {
            let Some(next) = model.next_state(&state, action) else {
                continue;
            };
            if let Some(project) = project {
                project(&state, &action, &next, &mut out.edges);
            }
            let mut violated = 0u64;
            for (bit, (_, holds)) in wanted.iter().enumerate() {
                if !holds(model, &next) {
                    violated |= 1 << bit;
                }
            }
            encode(&next, &mut out.bytes);
            out.successors.push(Successor {
                from: at as u32,
                action: u8::try_from(i).expect("fewer than 256 actions per state"),
                fingerprint: fingerprint(&next, symmetry),
                violated,
                end: u32::try_from(out.bytes.len()).expect("a batch fits in 4 GiB"),
            });
        }
    }
    out
}

/// States expanded per batch: large enough that starting threads costs nothing, small
/// enough that a batch's successors (duplicates included) take little memory.
const BATCH: usize = 8192;

/// The shortest counterexample of each of `names` (`always` properties of the model),
/// with `threads` threads; the result does not depend on `threads`.
pub fn shortest(
    model: &CxModel,
    names: &[&'static str],
    threads: usize,
    symmetry: bool,
) -> (BTreeMap<&'static str, Vec<Input>>, Stats) {
    let (found, _, stats) = search::<Edge>(model, names, threads, symmetry, None, Limits::none());
    (found, stats)
}

/// Every abstract transition of the model's reachable states, by a search to the end.
pub fn abstract_edges(model: &CxModel, threads: usize, symmetry: bool) -> (BTreeSet<Edge>, Stats) {
    transitions(model, threads, symmetry, &|before, input, after, out| {
        out.insert(Edge::of(before, input, after));
    })
}

/// What `project` makes of every transition of the model's reachable states (those into
/// states seen before included), by a search to the end. The state diagrams
/// (`diagram`) and the abstract transitions are both collected this way.
pub fn transitions<T: Eq + Hash + Ord + Clone + Send>(
    model: &CxModel,
    threads: usize,
    symmetry: bool,
    project: Projection<'_, T>,
) -> (BTreeSet<T>, Stats) {
    let (_, edges, stats) = search(model, &[], threads, symmetry, Some(project), Limits::none());
    (edges, stats)
}

/// Like [`abstract_edges`], but the search stops after the first batch that reaches a
/// transition outside `known`: enough to say that a grown bound is not saturated, at a
/// fraction of the cost of a search to the end. Otherwise it runs to the end, or, with a
/// `budget`, until it has numbered that many unique states (checked between batches;
/// breadth-first, so what it then says holds for every path up to the last complete
/// layer). The set holds the transitions found until the search stopped, so after
/// [`GrownOutcome::New`] the new ones in it are a lower bound.
pub fn abstract_edges_until_new(
    model: &CxModel,
    threads: usize,
    symmetry: bool,
    known: &BTreeSet<Edge>,
    budget: Option<usize>,
) -> (BTreeSet<Edge>, Stats, GrownOutcome) {
    let project: Projection<'_, Edge> = &|before, input, after, out| {
        out.insert(Edge::of(before, input, after));
    };
    let limits = Limits {
        until_new: Some(known),
        budget,
    };
    let (_, edges, stats) = search(model, &[], threads, symmetry, Some(project), limits);
    let outcome = if edges.iter().any(|e| !known.contains(e)) {
        GrownOutcome::New
    } else if stats.stopped_by_budget {
        GrownOutcome::NoneNewWithinBudget
    } else {
        GrownOutcome::NoneNew
    };
    (edges, stats, outcome)
}

/// When a search stops early (`abstract_edges_until_new`).
struct Limits<'a, T> {
    /// Stop after the batch that first projects a transition outside this set.
    until_new: Option<&'a BTreeSet<T>>,
    /// Stop (between batches) once this many unique states are numbered.
    budget: Option<usize>,
}

impl<T> Limits<'_, T> {
    /// Search to the end.
    fn none() -> Self {
        Limits {
            until_new: None,
            budget: None,
        }
    }
}

fn search<T: Eq + Hash + Ord + Clone + Send>(
    model: &CxModel,
    names: &[&'static str],
    threads: usize,
    symmetry: bool,
    project: Option<Projection<'_, T>>,
    limits: Limits<'_, T>,
) -> (BTreeMap<&'static str, Vec<Input>>, BTreeSet<T>, Stats) {
    let until_new = limits.until_new;
    let collect_edges = project.is_some();
    // With `until_new`, the search ends after the batch that first projects a transition
    // outside that set (`abstract_edges_until_new`).
    let mut stop = false;
    let mut edges: HashSet<T> = HashSet::new();
    let mut wanted: Vec<(&'static str, Condition)> = model
        .properties()
        .into_iter()
        .filter(|p| names.contains(&p.name))
        .map(|p| (p.name, p.condition))
        .collect();
    assert!(wanted.len() <= 64, "at most 64 properties per search");
    let mut found = BTreeMap::new();
    let mut stats = Stats::default();
    let init = model.initial();
    wanted.retain(|(name, holds)| {
        let ok = holds(model, &init);
        if !ok {
            found.insert(*name, Vec::new());
        }
        ok
    });
    // Node 0 is the initial state; `parents[n]`, `actions[n]` lead to node n.
    let mut parents: Vec<u32> = vec![u32::MAX];
    let mut action_of: Vec<u8> = vec![0];
    let mut seen = Seen::default();
    seen.insert(fingerprint(&init, symmetry));
    let mut layer = Layer::default();
    let mut buffer = Vec::new();
    encode(&init, &mut buffer);
    layer.push(&buffer, 0);
    let threads = threads.max(1);
    while layer.len() > 0 && !stop && (collect_edges || !wanted.is_empty()) {
        stats.depth += 1;
        stats.widest_layer = stats.widest_layer.max(layer.len());
        let mut next = Layer::default();
        let mut start = 0;
        while start < layer.len() && !stop && (collect_edges || !wanted.is_empty()) {
            let end = (start + BATCH).min(layer.len());
            let share = (end - start).div_ceil(threads);
            let parts: Vec<Expanded<T>> = std::thread::scope(|scope| {
                let handles: Vec<_> = (start..end)
                    .step_by(share)
                    .map(|lo| {
                        let hi = (lo + share).min(end);
                        let (layer, wanted) = (&layer, &wanted);
                        scope.spawn(move || expand(model, symmetry, wanted, layer, lo..hi, project))
                    })
                    .collect();
                handles
                    .into_iter()
                    .map(|h| h.join().expect("a search thread panicked"))
                    .collect()
            });
            let batch_bytes: usize = parts
                .iter()
                .map(|p| p.bytes.capacity() + p.successors.capacity() * 32)
                .sum();
            for part in &parts {
                if let Some(known) = until_new {
                    stop |= part.edges.iter().any(|e| !known.contains(e));
                }
                edges.extend(part.edges.iter().cloned());
                let mut begin = 0usize;
                for s in &part.successors {
                    let bytes = &part.bytes[begin..s.end as usize];
                    begin = s.end as usize;
                    if !seen.insert(s.fingerprint) {
                        continue;
                    }
                    let node = u32::try_from(parents.len()).expect("fewer than 2^32 states");
                    parents.push(layer.nodes[s.from as usize]);
                    action_of.push(s.action);
                    next.push(bytes, node);
                    if s.violated != 0 {
                        let names: Vec<&'static str> = wanted
                            .iter()
                            .enumerate()
                            .filter(|(bit, _)| s.violated & (1 << bit) != 0)
                            .map(|(_, (name, _))| *name)
                            .collect();
                        for name in names {
                            found
                                .entry(name)
                                .or_insert_with(|| path(model, &parents, &action_of, node));
                        }
                    }
                }
            }
            // Stop looking for what was found; bits of `violated` index the old list,
            // so the list only shrinks between batches.
            wanted.retain(|(name, _)| !found.contains_key(name));
            if limits.budget.is_some_and(|b| parents.len() >= b) && !stop {
                stop = true;
                stats.stopped_by_budget = end < layer.len() || next.len() > 0;
            }
            let held = seen.capacity() * 9
                + parents.capacity() * 4
                + action_of.capacity()
                + layer.heap_bytes()
                + next.heap_bytes()
                + batch_bytes;
            stats.peak_bytes = stats.peak_bytes.max(held);
            start = end;
        }
        if start >= layer.len() {
            stats.complete_layers += 1;
        }
        layer = next;
    }
    stats.unique = parents.len();
    (found, edges.into_iter().collect(), stats)
}

/// The inputs from the initial state to `node`, rebuilt by replaying action indices.
fn path(model: &CxModel, parents: &[u32], action_of: &[u8], node: u32) -> Vec<Input> {
    let mut indices = Vec::new();
    let mut at = node;
    while at != 0 {
        indices.push(action_of[at as usize]);
        at = parents[at as usize];
    }
    indices.reverse();
    inputs(model, &indices)
}

/// The inputs an action-index path stands for (the index of each step in `actions` of
/// the state before it), replayed from the initial state.
pub(crate) fn inputs(model: &CxModel, path: &[u8]) -> Vec<Input> {
    let mut state = model.initial();
    let mut inputs = Vec::with_capacity(path.len());
    let mut actions = Vec::new();
    for &i in path {
        actions.clear();
        model.actions(&state, &mut actions);
        let input = actions[i as usize];
        state = model
            .next_state(&state, input)
            .expect("a recorded step replays");
        inputs.push(input);
    }
    inputs
}
