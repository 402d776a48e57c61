//! Short lists kept inline in the conversation's state: the sessions, agent participants,
//! tasks, a task's medias and the customer SLAs of one conversation.
//!
//! A conversation usually has one or two of each (the model checker's bounds go to three
//! sessions, three agents and three tasks; the timer-path workload's conversations mostly
//! have one session, one agent and one task). A `Vec` puts even one element behind a pointer,
//! so at 1M live conversations the engine paid a dependent cache miss per list it read; an
//! [`Inline`] list holds up to `N` elements in the state itself and moves to the heap only
//! beyond that (BENCHMARKS.md, issue 14, measures what it bought).
//!
//! `SmallVec` hashes, compares, prints and (de)serialises exactly as a `Vec` of the same
//! elements, so state fingerprints, traces and vectors are unchanged.
//! Left out: any bound: a list grows past `N` as a `Vec` would.

/// A list of `T` holding up to `N` elements without a heap allocation.
pub type Inline<T, const N: usize> = smallvec::SmallVec<[T; N]>;
pub use smallvec::smallvec as inline;
