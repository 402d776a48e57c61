//! The benchmarks' clock, shared by `timer_core` and `timer_path`: this thread's CPU time on
//! a shared machine, or wall time with `CXSPEC_BENCH_CLOCK=wall`.

use std::time::Duration;

/// Times a region by this thread's CPU time (`CLOCK_THREAD_CPUTIME_ID`), so that time the
/// scheduler gives to other processes on this shared 2-core machine is not billed to the
/// code under test. `CXSPEC_BENCH_CLOCK=wall` switches to wall-clock time.
pub struct Stopwatch(Duration);

fn wall_clock() -> bool {
    static WALL: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *WALL.get_or_init(|| std::env::var_os("CXSPEC_BENCH_CLOCK").is_some_and(|v| v == "wall"))
}

fn clock_now() -> Duration {
    if wall_clock() {
        static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
        return START.get_or_init(std::time::Instant::now).elapsed();
    }
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; the clock id is a constant libc knows.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID)");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

impl Stopwatch {
    pub fn start() -> Self {
        Self(clock_now())
    }
    pub fn elapsed(&self) -> Duration {
        clock_now().saturating_sub(self.0)
    }
}
