//! The wheel's buckets: the level arithmetic, and each bucket as an append-only chain of
//! 1 KiB blocks of `(slot, stamp)` entries from one shared pool.
//!
//! - Level arithmetic ([`bucket_for`], [`bucket_start`]): 6 levels of 4096 buckets plus
//!   `OVERDUE`. Level `L` bucket `s` holds timers whose deadline agrees with `now` on every
//!   bit above bit `12L + 11` and has `s` as its 12-bit digit at level `L`.
//! - Chains: a bucket is a list of blocks; appending writes one 8-byte entry. Walking a bucket
//!   is a [`Walk`] over its blocks, the one way every part of the wheel reads entries: it yields
//!   a block and how many of its entries are used, by index, so the walker may append to other
//!   buckets (and grow the pool) while it walks.
//! - Per bucket a live count and a cached minimum deadline; per level an occupancy bitmap of
//!   64 words and a summary word, and a mask of non-empty levels, so the next bucket is three
//!   `trailing_zeros` away.
//!
//! A block pool sized up front asks for huge pages (`huge_pages.rs`): buckets are scattered
//! through it.
//!
//! Left out: which entries are stale (the slab knows; compaction asks it through `&Slab`).

use super::slab::{self, Slab};
use crate::advise_huge_pages;

pub(super) const LEVEL_BITS: u32 = 12;
pub(super) const SLOTS_PER_LEVEL: usize = 1 << LEVEL_BITS;
/// ceil(64 / LEVEL_BITS): enough levels that every `u64` deadline has a bucket.
pub(super) const LEVELS: usize = 64_usize.div_ceil(LEVEL_BITS as usize);
/// 64-bit words of occupancy bitmap per level.
const WORDS: usize = SLOTS_PER_LEVEL.div_ceil(64);
// A digit fits in a `u16` (`drain_level0`) and the words of a level in one summary word.
const _: () = assert!(SLOTS_PER_LEVEL <= 1 << 16 && WORDS <= 64);
pub(super) const OVERDUE: usize = LEVELS * SLOTS_PER_LEVEL;
pub(super) const BUCKETS: usize = OVERDUE + 1;
pub(super) const NIL: u32 = u32::MAX;
/// Entries per block: 1 KiB, large enough that walking a bucket is a sequential scan, small
/// enough that a half-empty last block per bucket costs little.
pub(super) const BLOCK: usize = 128;
/// At most this many blocks are reserved beyond what `with_capacity` strictly needs.
const BLOCK_SPARE: usize = 64;
/// Stale entries a bucket may hold beyond its live count before it is compacted.
pub(super) const STALE_SLACK: u32 = 64;
/// A bucket is compacted when its entries exceed this many times its live timers (plus the
/// slack). Compacting reads every entry's slot, so each compaction costs
/// `FACTOR / (FACTOR - 1)` slot reads per stale entry removed: 3 keeps that at 1.5 while
/// stale entries stay below twice the live ones.
pub(super) const STALE_FACTOR: u32 = 3;
/// How many entries ahead compaction prefetches the slab slot (its loop body is short, so it
/// needs a longer lead than the wheel's walks).
const COMPACT_PREFETCH_AHEAD: usize = 64;

/// The bucket a timer with `deadline_ms` belongs in while the clock reads `now_ms`.
#[inline]
pub(super) fn bucket_for(now_ms: u64, deadline_ms: u64) -> usize {
    if deadline_ms <= now_ms {
        return OVERDUE;
    }
    // The highest differing bit picks the level: below it the deadline's digits are free,
    // above it the deadline agrees with now, so the bucket is reached in order.
    let differing = deadline_ms ^ now_ms;
    let level = (63 - differing.leading_zeros()) / LEVEL_BITS;
    let digit = (deadline_ms >> (level * LEVEL_BITS)) as usize & (SLOTS_PER_LEVEL - 1);
    level as usize * SLOTS_PER_LEVEL + digit
}

/// First millisecond covered by bucket (`level`, `digit`) in the rotation `now_ms` is in.
#[inline]
pub(super) fn bucket_start(now_ms: u64, level: u32, digit: u32) -> u64 {
    let shift = level * LEVEL_BITS;
    let above = shift + LEVEL_BITS;
    let prefix = if above >= 64 {
        0
    } else {
        now_ms & !((1u64 << above) - 1)
    };
    prefix | (u64::from(digit) << shift)
}

/// One bucket entry: a slab slot and the stamp it had when this entry was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Entry {
    pub(super) slot: u32,
    pub(super) stamp: u32,
}

/// An entry of the level-0 run, with its level-0 digit (its deadline's low bits).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct RunEntry {
    pub(super) entry: Entry,
    pub(super) digit: u16,
}

struct Block {
    entries: [Entry; BLOCK],
    /// Next block of the same bucket (meaningless in its last block and in a vacant one).
    next: u32,
}

/// The blocks of a bucket: `first ..= last`, with `last_len` entries used in `last`.
#[derive(Clone, Copy, Debug)]
pub(super) struct Chain {
    first: u32,
    last: u32,
    last_len: u32,
}

impl Chain {
    const EMPTY: Chain = Chain {
        first: NIL,
        last: NIL,
        last_len: 0,
    };

    /// Walks the chain's blocks in order.
    pub(super) fn walk(self) -> Walk {
        Walk {
            block: self.first,
            chain: self,
        }
    }
}

/// A cursor over a chain's blocks: each step gives a block index and its used length. It
/// holds indices, not borrows, so the walker may change the pool while it walks (blocks of a
/// detached chain are neither written nor freed until the walker frees them).
pub(super) struct Walk {
    block: u32,
    chain: Chain,
}

impl Walk {
    #[inline]
    pub(super) fn next(&mut self, buckets: &Buckets) -> Option<(u32, usize)> {
        let block = self.block;
        if block == NIL {
            return None;
        }
        let used = if block == self.chain.last {
            self.block = NIL;
            self.chain.last_len as usize
        } else {
            self.block = buckets.blocks[block as usize].next;
            BLOCK
        };
        Some((block, used))
    }
}

/// A bucket: a chain of blocks plus counts, and a cached minimum deadline.
///
/// The minimum matters only for level >= 1 buckets and `OVERDUE` (a level-0 bucket holds one
/// deadline); `next_deadline` refreshes it (it takes `&mut self`, since it settles first).
struct Bucket {
    chain: Chain,
    /// Entries, live and stale.
    entries: u32,
    /// Live timers; the occupancy bit is set iff this is non-zero.
    live: u32,
    /// When `min_exact`, the least live deadline; otherwise a lower bound.
    min_ms: u64,
    min_exact: bool,
}

/// Every bucket, the block pool they share, and the occupancy bitmaps.
pub(super) struct Buckets {
    blocks: Vec<Block>,
    /// Vacant blocks, reused last-in first-out.
    free_blocks: Vec<u32>,
    /// Reused by `drain_level0`.
    digits: Vec<u16>,
    /// The level-1 bucket of the current level-1 range, sorted by level-0 digit (stable, so
    /// entry order within a digit): see `set_run`. `run[run_at..]` is what has not fired.
    run: Vec<RunEntry>,
    run_at: usize,
    /// Reused by `set_run`: the run sorted by the low half of the digit.
    run_scratch: Vec<RunEntry>,
    headers: Box<[Bucket]>,
    /// Bit `s % 64` of `occupied[L][s / 64]` is set iff bucket `(L, s)` has live timers.
    occupied: [[u64; WORDS]; LEVELS],
    /// Bit `w` of `words[L]` is set iff `occupied[L][w] != 0`.
    words: [u64; LEVELS],
    /// Bit `L` is set iff `words[L] != 0`.
    levels: u16,
}

impl Buckets {
    /// Room for `capacity` entries before the block pool reallocates.
    pub(super) fn with_capacity(capacity: usize) -> Self {
        let headers = (0..BUCKETS)
            .map(|_| Bucket {
                chain: Chain::EMPTY,
                entries: 0,
                live: 0,
                min_ms: u64::MAX,
                min_exact: true,
            })
            .collect();
        let needed = capacity.div_ceil(BLOCK);
        // Plus a few for the part-filled last blocks of the buckets in use.
        let blocks = Vec::with_capacity(needed + needed.min(BLOCK_SPARE));
        advise_huge_pages(&blocks);
        Self {
            blocks,
            free_blocks: Vec::new(),
            digits: Vec::new(),
            run: Vec::new(),
            run_at: 0,
            run_scratch: Vec::new(),
            headers,
            occupied: [[0; WORDS]; LEVELS],
            words: [0; LEVELS],
            levels: 0,
        }
    }

    /// Blocks ever allocated.
    pub(super) fn allocated(&self) -> usize {
        self.blocks.len()
    }

    /// The entries of `block`'s first `used` slots (a step of a [`Walk`]).
    #[inline]
    pub(super) fn entries(&self, block: u32, used: usize) -> &[Entry] {
        &self.blocks[block as usize].entries[..used]
    }

    #[inline]
    pub(super) fn live(&self, bucket: usize) -> u32 {
        self.headers[bucket].live
    }

    /// The lowest non-empty level and its first non-empty bucket's digit. Lower levels always
    /// start earlier than higher ones (a level-L bucket lies inside the current level-(L+1)
    /// bucket), so this is the next bucket in time.
    #[inline]
    pub(super) fn first_occupied(&self) -> Option<(u32, u32)> {
        if self.levels == 0 {
            return None;
        }
        let level = self.levels.trailing_zeros() as usize;
        let word = self.words[level].trailing_zeros() as usize;
        let bit = self.occupied[level][word].trailing_zeros() as usize;
        Some((level as u32, (word * 64 + bit) as u32))
    }

    #[inline]
    fn set_occupied(&mut self, bucket: usize) {
        if bucket != OVERDUE {
            let (level, digit) = (bucket / SLOTS_PER_LEVEL, bucket % SLOTS_PER_LEVEL);
            self.occupied[level][digit / 64] |= 1 << (digit % 64);
            self.words[level] |= 1 << (digit / 64);
            self.levels |= 1 << level;
        }
    }

    #[inline]
    fn clear_occupied(&mut self, bucket: usize) {
        if bucket != OVERDUE {
            let (level, digit) = (bucket / SLOTS_PER_LEVEL, bucket % SLOTS_PER_LEVEL);
            let word = &mut self.occupied[level][digit / 64];
            *word &= !(1 << (digit % 64));
            if *word == 0 {
                self.words[level] &= !(1 << (digit / 64));
                if self.words[level] == 0 {
                    self.levels &= !(1 << level);
                }
            }
        }
    }

    fn alloc_block(&mut self) -> u32 {
        // A stack, not a list threaded through the blocks: popping a threaded list reads the
        // popped block's link, a cache miss that the next pop waits on, and a cascade into
        // many sparse buckets (level 0 has 4096) pops one block per entry.
        if let Some(block) = self.free_blocks.pop() {
            return block;
        }
        let block = u32::try_from(self.blocks.len())
            .ok()
            .filter(|&b| b != NIL)
            .expect("more than 2^32 - 1 entry blocks");
        if self.blocks.len() == self.blocks.capacity() {
            // Grow by an eighth rather than double: blocks are most of the memory after the
            // slab, and a doubled pool would idle up to 8 bytes per live timer. (Large
            // reallocations are remapped rather than copied by the system allocator.)
            self.blocks.reserve_exact(self.blocks.len() / 8 + 4);
        }
        self.blocks.push(Block {
            entries: [Entry { slot: 0, stamp: 0 }; BLOCK],
            next: NIL,
        });
        block
    }

    /// Returns a detached chain's blocks to the pool. (A chain is freed right after it was
    /// walked, or holds one block, so following its links here reads cached lines.)
    pub(super) fn free_chain(&mut self, chain: Chain) {
        let mut walk = chain.walk();
        while let Some((block, _)) = walk.next(self) {
            self.free_blocks.push(block);
        }
    }

    /// Makes `unsorted` (the live entries of the level-1 bucket that time has just entered,
    /// in entry order, with their level-0 digits) the run of the level-0 range, sorted by
    /// digit (a stable radix sort), and counts each as a live timer of its level-0 bucket.
    ///
    /// Why a run and not a cascade into the level-0 buckets: a level-1 bucket of an hour of
    /// spread timers puts one or two entries in each of 4096 level-0 buckets, so a cascade
    /// pays a block, a block line and a chain per entry; the run is one sequential array.
    /// Firing order is kept: every entry of the run was armed before time entered the range,
    /// so before anything armed into a level-0 bucket since, and `drain_level0` takes a
    /// digit's run entries before its bucket's. (A range is filled either from a level-1
    /// bucket, or, when it opens a level-2 range, by the cascade of that level-2 bucket
    /// straight into level 0; never both.)
    pub(super) fn set_run(&mut self, unsorted: &[RunEntry]) {
        // What is left of the previous range's run is stale: a digit with a live timer is
        // occupied, and level 0 fires before any level-1 bucket.
        debug_assert!(self.run[self.run_at..]
            .iter()
            .all(|e| self.headers[usize::from(e.digit)].live == 0));
        // A least-significant-digit radix sort, two passes of half the digit's bits: stable,
        // and O(n + 2^(bits/2)) per bucket. (One counting pass over all 4096 digits would cost
        // 4096 steps even for a bucket of one timer, which a sparse wheel has by the hundred.)
        const HALF: u32 = LEVEL_BITS.div_ceil(2);
        const SMALL_RUN: usize = 16;
        fn pass(from: &[RunEntry], to: &mut Vec<RunEntry>, shift: u32) {
            let key = |e: &RunEntry| usize::from(e.digit >> shift) & ((1 << HALF) - 1);
            let mut starts = [0u32; (1 << HALF) + 1];
            for e in from {
                starts[key(e) + 1] += 1;
            }
            for d in 1..starts.len() {
                starts[d] += starts[d - 1];
            }
            to.clear();
            to.resize(
                from.len(),
                RunEntry {
                    entry: Entry { slot: 0, stamp: 0 },
                    digit: 0,
                },
            );
            for e in from {
                let at = &mut starts[key(e)];
                to[*at as usize] = *e;
                *at += 1;
            }
        }
        if unsorted.len() <= SMALL_RUN {
            // A few entries, as a sparse wheel has: an insertion sort (stable) beats two
            // passes over 64 counters each.
            self.run.clear();
            self.run.extend_from_slice(unsorted);
            for i in 1..self.run.len() {
                let mut j = i;
                while j > 0 && self.run[j - 1].digit > self.run[j].digit {
                    self.run.swap(j - 1, j);
                    j -= 1;
                }
            }
        } else {
            let mut low_sorted = std::mem::take(&mut self.run_scratch);
            pass(unsorted, &mut low_sorted, 0);
            pass(&low_sorted, &mut self.run, HALF);
            self.run_scratch = low_sorted;
        }
        self.run_at = 0;
        for e in unsorted {
            let b = &mut self.headers[usize::from(e.digit)];
            b.live += 1;
            if b.live == 1 {
                self.set_occupied(usize::from(e.digit));
            }
        }
    }

    /// Detaches every level-0 bucket up to `last_digit` (inclusive) and appends their entries
    /// to `out` in time order: by digit (each level-0 bucket is one millisecond), then the
    /// digit's run entries, then its bucket's, each in entry (arm/reset) order. The first
    /// line of upcoming buckets' blocks is prefetched, so sparse buckets, holding one or two
    /// entries each, do not each wait for their block. Run entries of digits no longer
    /// occupied (every timer there left) are passed over: they are stale.
    pub(super) fn drain_level0(&mut self, last_digit: usize, out: &mut Vec<Entry>) {
        const AHEAD: usize = 8;
        let mut digits = std::mem::take(&mut self.digits);
        digits.clear();
        // The summary word names the non-empty words, so a sparse level costs what it holds.
        let mut words = self.words[0];
        while words != 0 {
            let w = words.trailing_zeros() as usize;
            words &= words - 1;
            if w * 64 > last_digit {
                break;
            }
            let mut bits = self.occupied[0][w];
            while bits != 0 {
                let digit = w * 64 + bits.trailing_zeros() as usize;
                if digit > last_digit {
                    break;
                }
                digits.push(digit as u16);
                bits &= bits - 1;
            }
        }
        for (at, &digit) in digits.iter().enumerate() {
            if let Some(&ahead) = digits.get(at + AHEAD) {
                let first = self.headers[usize::from(ahead)].chain.first;
                if first != NIL {
                    slab::prefetch(&self.blocks[first as usize].entries[0]);
                }
            }
            while let Some(e) = self
                .run
                .get(self.run_at)
                .copied()
                .filter(|e| e.digit <= digit)
            {
                if e.digit == digit {
                    out.push(e.entry);
                }
                self.run_at += 1;
            }
            let chain = self.take(usize::from(digit));
            let mut walk = chain.walk();
            while let Some((block, used)) = walk.next(self) {
                // Most level-0 buckets hold an entry or two: a loop, not a `memcpy` call.
                for &entry in self.entries(block, used) {
                    out.push(entry);
                }
            }
            self.free_chain(chain);
        }
        // Past the last digit fired, what is left of the run lies ahead, or is stale.
        while let Some(&e) = self.run.get(self.run_at) {
            if usize::from(e.digit) > last_digit {
                break;
            }
            self.run_at += 1;
        }
        self.digits = digits;
    }

    /// Drops the run's stale entries (for a wrapping stamp, see `TimingWheel::bump_stamp`).
    pub(super) fn purge_run<P>(&mut self, slab: &Slab<P>) {
        let unfired = self.run.split_off(self.run_at);
        self.run.clear();
        self.run.extend(
            unfired
                .into_iter()
                .filter(|e| slab.current(e.entry).is_some()),
        );
        self.run_at = 0;
    }

    /// Appends the entry of a live timer with `deadline_ms` to `bucket`.
    #[inline]
    pub(super) fn place(&mut self, bucket: usize, entry: Entry, deadline_ms: u64) {
        let Chain {
            mut last, last_len, ..
        } = self.headers[bucket].chain;
        let mut last_len = last_len as usize;
        if last == NIL || last_len == BLOCK {
            let block = self.alloc_block();
            if last == NIL {
                self.headers[bucket].chain.first = block;
            } else {
                self.blocks[last as usize].next = block;
            }
            (last, last_len) = (block, 0);
        }
        self.blocks[last as usize].entries[last_len] = entry;
        let b = &mut self.headers[bucket];
        b.chain.last = last;
        b.chain.last_len = last_len as u32 + 1;
        b.entries += 1;
        b.live += 1;
        if b.live == 1 {
            b.min_ms = deadline_ms;
            b.min_exact = true;
            self.set_occupied(bucket);
        } else {
            if deadline_ms < b.min_ms {
                // Below even a stale lower bound, so it is the true minimum.
                b.min_ms = deadline_ms;
                b.min_exact = true;
            }
        }
    }

    /// Detaches every entry of `bucket` and returns their chain; the bucket is then empty.
    #[inline]
    pub(super) fn take(&mut self, bucket: usize) -> Chain {
        let b = &mut self.headers[bucket];
        let chain = std::mem::replace(&mut b.chain, Chain::EMPTY);
        b.entries = 0;
        b.live = 0;
        self.clear_occupied(bucket);
        chain
    }

    /// Records that the timer whose deadline was `deadline_ms` left `bucket` (its entry is
    /// already stale: the caller bumped the stamp). Empties the bucket if that was its last
    /// live timer; compaction is the caller's next step (`compact_if_stale`), once every
    /// timer leaving has been counted, so that compaction sees exact counts.
    #[inline]
    pub(super) fn unplace(&mut self, bucket: usize, deadline_ms: u64) {
        let b = &mut self.headers[bucket];
        b.live -= 1;
        if b.live == 0 {
            let chain = self.take(bucket);
            self.free_chain(chain);
            return;
        }
        if deadline_ms == b.min_ms {
            // Another timer may share the minimum; recomputing is deferred to `min`.
            b.min_exact = false;
        }
    }

    /// Compacts `bucket` if its stale entries have piled up past the limit.
    #[inline]
    pub(super) fn compact_if_stale<P>(&mut self, bucket: usize, slab: &Slab<P>) {
        let b = &self.headers[bucket];
        if b.entries > STALE_FACTOR * b.live + STALE_SLACK {
            self.compact(bucket, slab);
        }
    }

    /// Drops the stale entries of `bucket`, keeping the live ones in order, and returns the
    /// blocks it no longer needs to the pool.
    pub(super) fn compact<P>(&mut self, bucket: usize, slab: &Slab<P>) {
        let chain = self.headers[bucket].chain;
        if chain.first == NIL {
            return;
        }
        // The write cursor trails the read cursor, so compacting in place is safe.
        let (mut write_block, mut write_at) = (chain.first, 0usize);
        let mut kept = 0u32;
        let mut walk = chain.walk();
        while let Some((block, used)) = walk.next(self) {
            for i in 0..used {
                let entries = self.entries(block, used);
                if let Some(ahead) = entries.get(i + COMPACT_PREFETCH_AHEAD) {
                    slab.prefetch(ahead.slot);
                }
                let entry = entries[i];
                if slab.current(entry).is_none() {
                    continue;
                }
                if write_at == BLOCK {
                    write_block = self.blocks[write_block as usize].next;
                    write_at = 0;
                }
                self.blocks[write_block as usize].entries[write_at] = entry;
                write_at += 1;
                kept += 1;
            }
        }
        let b = &mut self.headers[bucket];
        // A level-0 bucket's live timers may also sit in the run (`set_run`).
        debug_assert!(kept == b.live || (bucket < SLOTS_PER_LEVEL && kept <= b.live));
        b.entries = kept;
        if kept == 0 {
            if b.live == 0 {
                let chain = self.take(bucket);
                self.free_chain(chain);
            } else {
                b.chain = Chain::EMPTY;
                self.free_chain(chain);
            }
            return;
        }
        b.chain.last = write_block;
        b.chain.last_len = write_at as u32;
        let spare = self.blocks[write_block as usize].next;
        self.blocks[write_block as usize].next = NIL;
        if write_block != chain.last {
            self.free_chain(Chain {
                first: spare,
                last: chain.last,
                last_len: 0,
            });
        }
    }

    /// The minimum live deadline in a level >= 1 or `OVERDUE` bucket, refreshing the cache.
    pub(super) fn min<P>(&mut self, bucket: usize, slab: &Slab<P>) -> u64 {
        let b = &self.headers[bucket];
        if b.min_exact {
            return b.min_ms;
        }
        let mut min = u64::MAX;
        let mut walk = b.chain.walk();
        while let Some((block, used)) = walk.next(self) {
            for &entry in self.entries(block, used) {
                if let Some(deadline_ms) = slab.current(entry) {
                    min = min.min(deadline_ms);
                }
            }
        }
        let b = &mut self.headers[bucket];
        b.min_ms = min;
        b.min_exact = true;
        min
    }
}

#[cfg(test)]
impl Buckets {
    /// Every entry of `bucket`, in order (checked against its entry count).
    pub(super) fn entries_of(&self, bucket: usize) -> Vec<Entry> {
        let mut out = Vec::new();
        let mut walk = self.headers[bucket].chain.walk();
        while let Some((block, used)) = walk.next(self) {
            out.extend_from_slice(self.entries(block, used));
        }
        assert_eq!(out.len(), self.headers[bucket].entries as usize);
        out
    }

    /// Rewrites every entry `(slot, from)` to `(slot, to)`.
    pub(super) fn restamp(&mut self, slot: u32, from: u32, to: u32) {
        for block in &mut self.blocks {
            for entry in &mut block.entries {
                if *entry == (Entry { slot, stamp: from }) {
                    entry.stamp = to;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn level_digit(bucket: usize) -> (u32, u32) {
        assert_ne!(bucket, OVERDUE);
        (
            (bucket / SLOTS_PER_LEVEL) as u32,
            (bucket % SLOTS_PER_LEVEL) as u32,
        )
    }

    /// Width in ms of one bucket at `level` (saturating for the top level's digit range).
    fn width(level: u32) -> u128 {
        1u128 << (level * LEVEL_BITS)
    }

    #[test]
    fn the_level_is_the_highest_bit_in_which_deadline_and_now_differ() {
        let now = 0;
        let n = SLOTS_PER_LEVEL as u64; // the first deadline of level 1 when now is 0
        assert_eq!(bucket_for(now, 1), 1);
        assert_eq!(bucket_for(now, n - 1), SLOTS_PER_LEVEL - 1);
        assert_eq!(bucket_for(now, n), SLOTS_PER_LEVEL + 1);
        assert_eq!(bucket_for(now, n * n - 1), 2 * SLOTS_PER_LEVEL - 1);
        assert_eq!(bucket_for(now, n * n), 2 * SLOTS_PER_LEVEL + 1);
        // The top level has only the bits above (LEVELS - 1) * LEVEL_BITS.
        let top_shift = (LEVELS as u32 - 1) * LEVEL_BITS;
        let top = (LEVELS - 1) * SLOTS_PER_LEVEL;
        assert_eq!(bucket_for(now, 1 << top_shift), top + 1);
        assert_eq!(
            bucket_for(now, u64::MAX),
            top + (u64::MAX >> top_shift) as usize
        );
        // Relative to now: n + 5 and 2n - 1 share now's digits above level 0.
        assert_eq!(bucket_for(n + 5, 2 * n - 1), SLOTS_PER_LEVEL - 1);
        // 2n - 1 -> 2n crosses a level-1 boundary: level 1, digit 2.
        assert_eq!(bucket_for(2 * n - 1, 2 * n), SLOTS_PER_LEVEL + 2);
    }

    #[test]
    fn deadlines_at_or_before_now_are_overdue() {
        assert_eq!(bucket_for(0, 0), OVERDUE);
        assert_eq!(bucket_for(1_000, 999), OVERDUE);
        assert_eq!(bucket_for(u64::MAX, u64::MAX), OVERDUE);
        assert_eq!(bucket_for(1_000, 0), OVERDUE);
    }

    #[test]
    fn a_deadline_lies_in_the_range_its_bucket_starts() {
        let nows = [
            0,
            1,
            63,
            64,
            4_095,
            123_456_789,
            1 << 36,
            u64::MAX / 3,
            u64::MAX - 1,
        ];
        let offsets = [
            1,
            2,
            63,
            64,
            65,
            4_096,
            262_143,
            1 << 30,
            1 << 36,
            1 << 59,
            1 << 62,
        ];
        for now in nows {
            for offset in offsets {
                let Some(deadline) = now.checked_add(offset) else {
                    continue;
                };
                let (level, digit) = level_digit(bucket_for(now, deadline));
                let start = bucket_start(now, level, digit);
                assert!(
                    u128::from(start) <= u128::from(deadline)
                        && u128::from(deadline) < u128::from(start) + width(level),
                    "now {now}, deadline {deadline}: bucket ({level}, {digit}) starts at {start}"
                );
                // A bucket in the wheel is always ahead of the clock.
                assert!(start > now, "now {now}, deadline {deadline}");
            }
        }
    }

    #[test]
    fn lower_levels_start_before_higher_ones() {
        // The advance loop relies on it: any occupied level-L bucket starts before any
        // occupied level-(L+1) bucket, for the buckets `bucket_for` can pick.
        for now in [0u64, 5, 4_100, 1 << 40, u64::MAX - 70] {
            for level in 0..(LEVELS as u32 - 1) {
                let top_digit = (SLOTS_PER_LEVEL - 1) as u32;
                let lower_end = u128::from(bucket_start(now, level, top_digit)) + width(level);
                let higher_shift = (level + 1) * LEVEL_BITS;
                let now_digit = (now >> higher_shift) as u32 & top_digit;
                // The next higher bucket, if that level has one (the top level has fewer digits).
                let next = ((u128::from(now) >> higher_shift) + 1) << higher_shift;
                if now_digit == top_digit || next > u128::from(u64::MAX) {
                    continue;
                }
                let higher = bucket_start(now, level + 1, now_digit + 1);
                assert_eq!(u128::from(higher), next);
                assert!(lower_end <= next, "now {now}, level {level}");
            }
        }
    }

    #[test]
    fn bucket_start_of_the_top_level_ignores_now() {
        let top = LEVELS as u32 - 1;
        let top_shift = top * LEVEL_BITS;
        assert_eq!(bucket_start(u64::MAX, top, 0), 0);
        assert_eq!(bucket_start(12_345, top, 15), 15 << top_shift);
        // Below the top, the digits above the bucket's level come from now.
        let n = SLOTS_PER_LEVEL as u64;
        let now = 7 * n * n + 5 * n + 9;
        assert_eq!(bucket_start(now, 1, 3), 7 * n * n + 3 * n);
    }
}
