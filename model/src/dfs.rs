//! The exhaustive depth-first search of `cxspec check`: the same search as stateright's
//! depth-first checker with symmetry (every state reachable within the bounds, merged by
//! the fingerprint of its representative, each property checked on each unique state),
//! at less cost per state.
//!
//! Why not stateright's checker: per generated state it looks every property up in a
//! `DashMap` of discoveries keyed by name (SipHash, a shard lock; 48 properties), hashes
//! the state twice (its representative, then the state itself, a fingerprint it does not
//! use), and copies the whole path of action indices into every pending state. On `ci`
//! that overhead was about a quarter of the time (`perf`, model/README.md "Speed and
//! memory"). Here a property found is not evaluated again, a state is hashed once, and
//! paths are implicit: a worker's stack of frames is the path.
//!
//! Work sharing. Each worker runs a plain depth-first search from a job (a state, the
//! path to it, and which of its actions to take). A worker with nothing to do says so;
//! a busy worker then hands over the untried actions of the lowest frame of its stack
//! that has any, as a job. The search ends when every worker waits and no job is left.
//!
//! Counts. The unique states are the orbits reached, whatever the order; every unique
//! state is expanded once and its successors counted, so "states" (every successor
//! generated, plus the initial state) does not depend on the order or the thread count
//! either: both equal stateright's (`tests/dfs.rs`). The maximum depth does depend on
//! them, as stateright's does.
//!
//! Left out: `eventually` properties (the model has none: progress is stated as safety),
//! and stopping early once every property is decided (stateright
//! does; this search always runs to the end, so its counts are always the whole space).

use crate::bfs::{inputs, PassThrough};
use crate::model::{CxModel, ModelState};
use cxspec_spec::Input;
use stateright::{Expectation, Model, Property, Representative};
use std::collections::{BTreeMap, HashSet};
use std::hash::{BuildHasher, BuildHasherDefault, Hash, Hasher};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};

/// What the search counts while it runs; read by the progress line.
#[derive(Default)]
pub struct Counters {
    pub states: AtomicUsize,
    pub unique: AtomicUsize,
    pub max_depth: AtomicUsize,
}

/// What a finished search found.
#[derive(Clone, Debug, Default)]
pub struct Found {
    pub states: usize,
    pub unique: usize,
    pub max_depth: usize,
    /// Property name -> the path to the first state found that decides it.
    pub discoveries: BTreeMap<&'static str, Vec<Input>>,
}

/// Fingerprints seen, in shards so that workers rarely wait for each other.
struct Seen {
    shards: Vec<Mutex<HashSet<u64, BuildHasherDefault<PassThrough>>>>,
}

const SHARD_BITS: u32 = 6;

impl Seen {
    fn new() -> Seen {
        Seen {
            shards: (0..1 << SHARD_BITS)
                .map(|_| Mutex::new(HashSet::default()))
                .collect(),
        }
    }

    /// True if `fingerprint` was not seen before.
    fn insert(&self, fingerprint: u64) -> bool {
        let shard = (fingerprint >> (64 - SHARD_BITS)) as usize;
        self.shards[shard]
            .lock()
            .expect("no worker panics holding a shard")
            .insert(fingerprint)
    }
}

/// The 64-bit fingerprint of a state (of its representative, with symmetry): aHash with
/// fixed keys, as stateright's fingerprint.
fn fingerprint(state: &ModelState, symmetry: bool) -> u64 {
    let keys =
        ahash::RandomState::with_seeds(123_456_789_987_654_321, 98_765_432_123_456_789, 0, 0);
    let mut hasher = keys.build_hasher();
    if symmetry {
        state.representative().hash(&mut hasher);
    } else {
        state.hash(&mut hasher);
    }
    hasher.finish()
}

/// A state on a worker's stack, its actions, and the next one to take.
struct Frame {
    state: ModelState,
    actions: Vec<Input>,
    /// Index in `actions` of the next action to take; actions before it were taken.
    next: usize,
    /// Index of `actions[0]` in the state's full action list (a job may start midway).
    offset: usize,
}

/// Work handed from one worker to another: a state, the path to it, and the indices
/// (in its full action list) of the actions still to take.
struct Job {
    path: Vec<u8>,
    state: ModelState,
    actions: std::ops::Range<usize>,
}

struct Pool {
    jobs: Vec<Job>,
    idle: usize,
    done: bool,
}

struct Shared<'a> {
    model: &'a CxModel,
    properties: Vec<Property<CxModel>>,
    decided: Vec<AtomicBool>,
    discoveries: Mutex<BTreeMap<&'static str, Vec<u8>>>,
    seen: Seen,
    pool: Mutex<Pool>,
    wake: Condvar,
    /// Some worker waits for a job.
    hungry: AtomicBool,
    counters: &'a Counters,
    threads: usize,
    symmetry: bool,
}

impl Shared<'_> {
    /// Checks the undecided properties on a new state reached by `path`.
    fn check(&self, state: &ModelState, path: impl Fn() -> Vec<u8>) {
        for (i, p) in self.properties.iter().enumerate() {
            if self.decided[i].load(Ordering::Relaxed) {
                continue;
            }
            let holds = (p.condition)(self.model, state);
            let decides = match p.expectation {
                Expectation::Always => !holds,
                Expectation::Sometimes => holds,
                // The model states progress as bounded-response safety (`properties`), so
                // it has no `eventually` property; `tests/dfs.rs` checks that.
                Expectation::Eventually => unreachable!("no `eventually` property"),
            };
            if decides {
                let mut discoveries = self.discoveries.lock().expect("no panic holding it");
                discoveries.entry(p.name).or_insert_with(&path);
                self.decided[i].store(true, Ordering::Relaxed);
            }
        }
    }

    fn take_job(&self) -> Option<Job> {
        let mut pool = self.pool.lock().expect("no panic holding the pool");
        loop {
            if let Some(job) = pool.jobs.pop() {
                self.hungry
                    .store(pool.idle > pool.jobs.len(), Ordering::Relaxed);
                return Some(job);
            }
            if pool.done {
                return None;
            }
            pool.idle += 1;
            if pool.idle == self.threads {
                pool.done = true;
                self.wake.notify_all();
                return None;
            }
            self.hungry.store(true, Ordering::Relaxed);
            pool = self.wake.wait(pool).expect("no panic holding the pool");
            pool.idle -= 1;
        }
    }

    /// Hands the untried actions of the lowest frame that has some to a waiting worker.
    fn share(&self, stack: &mut [Frame], prefix: &[u8]) {
        let Some(at) = stack.iter().position(|f| f.next < f.actions.len()) else {
            return;
        };
        let path = path_to(prefix, &stack[..at]);
        let frame = &mut stack[at];
        let job = Job {
            path,
            state: frame.state.clone(),
            actions: frame.offset + frame.next..frame.offset + frame.actions.len(),
        };
        frame.actions.truncate(frame.next);
        let mut pool = self.pool.lock().expect("no panic holding the pool");
        pool.jobs.push(job);
        self.hungry
            .store(pool.idle > pool.jobs.len(), Ordering::Relaxed);
        self.wake.notify_one();
    }

    fn worker(&self) {
        let mut stack: Vec<Frame> = Vec::new();
        let mut spare: Vec<Vec<Input>> = Vec::new();
        let (mut states, mut unique) = (0usize, 0usize);
        while let Some(job) = self.take_job() {
            let mut actions = spare.pop().unwrap_or_default();
            self.model.actions(&job.state, &mut actions);
            let offset = job.actions.start;
            actions.truncate(job.actions.end);
            actions.drain(..offset);
            let prefix = job.path;
            stack.push(Frame {
                state: job.state,
                actions,
                next: 0,
                offset,
            });
            while let Some(top) = stack.last_mut() {
                let Some(&action) = top.actions.get(top.next) else {
                    let mut frame = stack.pop().expect("non-empty");
                    frame.actions.clear();
                    spare.push(frame.actions);
                    continue;
                };
                let index = top.offset + top.next;
                top.next += 1;
                let Some(next) = self.model.next_state(&top.state, action) else {
                    continue;
                };
                states += 1;
                if !self.seen.insert(fingerprint(&next, self.symmetry)) {
                    continue;
                }
                unique += 1;
                let depth = prefix.len() + stack.len() + 1;
                self.counters.max_depth.fetch_max(depth, Ordering::Relaxed);
                self.check(&next, || {
                    let mut path = path_to(&prefix, &stack[..stack.len() - 1]);
                    path.push(u8::try_from(index).expect("fewer than 256 actions"));
                    path
                });
                let mut actions = spare.pop().unwrap_or_default();
                self.model.actions(&next, &mut actions);
                stack.push(Frame {
                    state: next,
                    actions,
                    next: 0,
                    offset: 0,
                });
                if unique % 256 == 0 {
                    self.counters.states.fetch_add(states, Ordering::Relaxed);
                    self.counters.unique.fetch_add(unique, Ordering::Relaxed);
                    (states, unique) = (0, 0);
                    if self.hungry.load(Ordering::Relaxed) {
                        self.share(&mut stack, &prefix);
                    }
                }
            }
        }
        self.counters.states.fetch_add(states, Ordering::Relaxed);
        self.counters.unique.fetch_add(unique, Ordering::Relaxed);
    }
}

/// The path to the state of the frame after `frames`: `prefix`, then the action each
/// frame took.
fn path_to(prefix: &[u8], frames: &[Frame]) -> Vec<u8> {
    let mut path = prefix.to_vec();
    path.extend(
        frames.iter().map(|f| {
            u8::try_from(f.offset + f.next - 1).expect("fewer than 256 actions per state")
        }),
    );
    path
}

/// Searches every state of `model` depth-first with `threads` workers.
pub fn search(model: &CxModel, threads: usize, symmetry: bool, counters: &Counters) -> Found {
    let threads = threads.max(1);
    let properties = model.properties();
    let shared = Shared {
        model,
        decided: properties.iter().map(|_| AtomicBool::new(false)).collect(),
        properties,
        discoveries: Mutex::new(BTreeMap::new()),
        seen: Seen::new(),
        pool: Mutex::new(Pool {
            jobs: Vec::new(),
            idle: 0,
            done: false,
        }),
        wake: Condvar::new(),
        hungry: AtomicBool::new(false),
        counters,
        threads,
        symmetry,
    };
    let init = model.initial();
    shared.seen.insert(fingerprint(&init, symmetry));
    counters.states.fetch_add(1, Ordering::Relaxed);
    counters.unique.fetch_add(1, Ordering::Relaxed);
    counters.max_depth.fetch_max(1, Ordering::Relaxed);
    shared.check(&init, Vec::new);
    let mut actions = Vec::new();
    model.actions(&init, &mut actions);
    shared.pool.lock().expect("not shared yet").jobs.push(Job {
        path: Vec::new(),
        state: init,
        actions: 0..actions.len(),
    });
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| shared.worker());
        }
    });
    let discoveries = shared
        .discoveries
        .into_inner()
        .expect("workers are done")
        .into_iter()
        .map(|(name, path)| (name, inputs(model, &path)))
        .collect();
    Found {
        states: counters.states.load(Ordering::Relaxed),
        unique: counters.unique.load(Ordering::Relaxed),
        max_depth: counters.max_depth.load(Ordering::Relaxed),
        discoveries,
    }
}
