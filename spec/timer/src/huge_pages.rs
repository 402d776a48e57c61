//! Asking the kernel to back the wheel's large arrays with 2 MiB pages.
//!
//! The wheel's slab and block pool are read at random: at a million timers, nearly every
//! slot a cancel or an expiry touches lies on a 4 KiB page whose translation is no longer in
//! the TLB, so each cache miss first waits for a page walk (in a virtual machine, a walk of
//! two page tables). On 2 MiB pages the slab of a million timers needs a dozen translations.
//! Measured here (`benches/memory_latency.rs`): the walk is 15-37 % of a random miss over
//! 64 MiB to 1 GiB. BENCHMARKS.md ("Issue 14, fourth round") measures what it buys the wheel.
//!
//! Only arrays allocated to their working size up front are advised
//! (`TimingWheel::with_capacity`), never on growth: a reallocation moves a buffer, which
//! splits its huge pages until the kernel collapses them again in the background. Measured
//! on the engine, which grows its wheel and its conversation slab from empty, advising on
//! every growth made it 1-19 % slower, where a presized wheel's cancel gained 4-26 % (A/B).
//!
//! Linux only, and advice only: `madvise(MADV_HUGEPAGE)`, which takes effect when the
//! system's transparent huge pages are set to `madvise` (a common default) or `always`, and
//! is ignored (as is any error) when they are `never` or elsewhere. It changes how memory is
//! mapped, never its contents. The cost: a partly used last 2 MiB page per array.
//!
//! Left out: explicit `hugetlbfs` pages (they need the system configured for them), and
//! arrays under 2 MiB (they cannot fill a huge page).

/// Bytes in a huge page (x86-64 and most Linux targets' transparent huge pages).
const HUGE_PAGE: usize = 2 << 20;

/// Advises the kernel to back `v`'s whole buffer (its capacity, not only its length) with
/// huge pages, if it spans at least one. Call it once, on a buffer allocated to its working
/// size, before it is first written.
// Out of line and cold: inlined into a constructor it would only make that larger.
#[cold]
#[inline(never)]
pub fn advise_huge_pages<T>(v: &Vec<T>) {
    let bytes = v.capacity() * std::mem::size_of::<T>();
    if bytes >= HUGE_PAGE {
        // A refusal (THP compiled out, a sandbox) leaves the pages as they were: nothing to do.
        let _accepted = advise(v.as_ptr().cast(), bytes);
    }
}

/// Whether the kernel accepted the advice.
#[cfg(target_os = "linux")]
fn advise(start: *const u8, bytes: usize) -> bool {
    // madvise wants a page-aligned start; the rounded range may take in the ends of
    // neighbouring allocations on the first and last 4 KiB page, which is harmless: the
    // advice changes how pages are mapped, never what they hold.
    let page = 4096;
    let from = start as usize & !(page - 1);
    let to = (start as usize + bytes).next_multiple_of(page);
    // SAFETY: the range lies within mappings this process owns (the Vec's buffer, rounded
    // out to its pages); MADV_HUGEPAGE only sets a paging policy on them and does not read,
    // write, move or free any memory. Failure (THP disabled or unsupported) is harmless.
    unsafe { libc::madvise(from as *mut libc::c_void, to - from, libc::MADV_HUGEPAGE) == 0 }
}

#[cfg(not(target_os = "linux"))]
fn advise(_start: *const u8, _bytes: usize) -> bool {
    false
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    /// The `VmFlags` line of the mapping that holds `address`, from `/proc/self/smaps`.
    fn vm_flags_at(address: usize) -> Option<String> {
        let smaps = std::fs::read_to_string("/proc/self/smaps").ok()?;
        let mut inside = false;
        for line in smaps.lines() {
            if let Some((range, _)) = line.split_once(' ') {
                if let Some((lo, hi)) = range.split_once('-') {
                    if let (Ok(lo), Ok(hi)) =
                        (usize::from_str_radix(lo, 16), usize::from_str_radix(hi, 16))
                    {
                        inside = (lo..hi).contains(&address);
                        continue;
                    }
                }
            }
            if inside {
                if let Some(flags) = line.strip_prefix("VmFlags:") {
                    return Some(flags.trim().to_string());
                }
            }
        }
        None
    }

    #[test]
    fn a_buffer_of_a_huge_page_or_more_is_advised_and_a_small_one_is_not() {
        // Whether this kernel takes the advice at all (THP compiled in, no sandbox refusing
        // madvise): asked on a buffer of our own, so the check below is not vacuous where it
        // can run, and says why where it cannot.
        let probe: Vec<u64> = Vec::with_capacity(HUGE_PAGE / 8);
        if !advise(probe.as_ptr().cast(), HUGE_PAGE) {
            eprintln!("skipped: this kernel refuses MADV_HUGEPAGE");
            return;
        }
        let big: Vec<u64> = Vec::with_capacity(4 * HUGE_PAGE / 8);
        advise_huge_pages(&big);
        let middle = big.as_ptr() as usize + 2 * HUGE_PAGE;
        let flags = vm_flags_at(middle).expect("the buffer's mapping is in /proc/self/smaps");
        // `hg`: the mapping carries MADV_HUGEPAGE.
        assert!(flags.split(' ').any(|f| f == "hg"), "VmFlags: {flags}");
        let small: Vec<u64> = Vec::with_capacity(1024);
        advise_huge_pages(&small);
        let flags = vm_flags_at(small.as_ptr() as usize).expect("mapped");
        assert!(!flags.split(' ').any(|f| f == "hg"), "VmFlags: {flags}");
    }
}
