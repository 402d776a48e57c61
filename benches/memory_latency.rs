//! The physical limit the timer benchmarks run into: how long one cache miss takes on this
//! machine, measured by chasing pointers through a random cycle of cache lines.
//!
//! Each working set is a `Vec` of 64-byte lines; line `i` holds the index of the next line of
//! one random cycle through all of them (Sattolo's algorithm, fixed seed), so every load
//! depends on the one before and the hardware prefetchers cannot guess the next address.
//! One iteration is one load:
//! - `chase/<size>`: one chain, so the time per load is the full latency of the level the
//!   working set lives in (L1, L2, L3 or DRAM, plus TLB misses at the large sizes);
//! - `chase_x8/<size>`: eight independent chains stepped in turn, so up to eight misses are
//!   in flight; the time per load is what independent misses cost when the core overlaps
//!   them, the regime of a bucket walk or of unrelated inputs.
//!
//! - `chase_huge`, `chase_x8_huge` (8 MiB and up): the same on memory the kernel was asked to
//!   back with 2 MiB pages (`cxspec_timer::advise_huge_pages`, as a presized wheel asks), so
//!   the difference is what TLB misses and page walks add to each miss.
//!
//! Timed with thread CPU time (`support/clock.rs`), as the other benches. Left out: NUMA (one
//! node here), bandwidth-bound streaming.
//!
//! ```sh
//! cargo bench --bench memory_latency
//! ```

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};

#[path = "support/clock.rs"]
mod clock;
use clock::Stopwatch;

#[path = "support/rng.rs"]
#[allow(dead_code)]
mod rng;
use rng::SplitMix;

/// One cache line; `next` is the index of the next line of the cycle.
#[repr(align(64))]
#[derive(Clone, Copy)]
struct Line {
    next: u32,
}

/// A random cycle through `lines` lines (Sattolo: one cycle, every line visited once), on
/// memory advised to use huge pages if `huge`.
fn cycle(lines: usize, huge: bool) -> Vec<Line> {
    let mut order: Vec<u32> = (0..lines as u32).collect();
    let mut rng = SplitMix(0xC4A5_E000 ^ lines as u64);
    for i in (1..lines).rev() {
        let j = (rng.next() % i as u64) as usize;
        order.swap(i, j);
    }
    let mut memory = Vec::with_capacity(lines);
    if huge {
        cxspec_timer::advise_huge_pages(&memory);
    }
    memory.resize(lines, Line { next: 0 });
    for w in 0..lines {
        memory[order[w] as usize].next = order[(w + 1) % lines];
    }
    memory
}

/// Follows `chains` independent pointer chains, `loads` loads in all; returns the time.
fn chase(memory: &[Line], chains: usize, loads: u64) -> Duration {
    let lines = memory.len();
    let mut at: Vec<u32> = (0..chains).map(|c| (c * lines / chains) as u32).collect();
    let rounds = loads / chains as u64;
    let t = Stopwatch::start();
    for _ in 0..rounds {
        for p in at.iter_mut() {
            *p = memory[*p as usize].next;
        }
    }
    let elapsed = t.elapsed();
    black_box(&at);
    elapsed
}

fn bench(c: &mut Criterion) {
    const KIB: usize = 1024;
    let sizes = [
        ("16KiB", 16 * KIB),
        ("512KiB", 512 * KIB),
        ("8MiB", 8 * KIB * KIB),
        ("64MiB", 64 * KIB * KIB),
        ("1GiB", 1024 * KIB * KIB),
    ];
    let mut group = c.benchmark_group("memory_latency");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    for (label, bytes) in sizes {
        for huge in [false, true] {
            if huge && bytes < 8 * KIB * KIB {
                // A few huge pages at most: nothing for the TLB to gain.
                continue;
            }
            let memory = cycle(bytes / 64, huge);
            let suffix = if huge { "_huge" } else { "" };
            for (name, chains) in [("chase", 1), ("chase_x8", 8)] {
                let id = BenchmarkId::new(format!("{name}{suffix}"), label);
                group.bench_with_input(id, &chains, |b, &chains| {
                    b.iter_custom(|iters| chase(&memory, chains, iters.max(chains as u64)))
                });
            }
        }
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
