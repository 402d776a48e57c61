//! The lifetime of an adapter process: started in a process group of its own, ended as a
//! whole group, never left behind.
//!
//! `--adapter "python3 adapter.py"` runs `sh -c`, and a shell may fork the adapter instead
//! of replacing itself with it; adapters may also start helpers of their own. Killing the
//! child we spawned would then kill only the shell and leave a hung adapter running. So the
//! child leads a new process group, every process it starts inherits that group, and the
//! end of a [`Group`] is `kill(-pgid, SIGKILL)` for all of them. The leader is reaped only
//! after the group is killed, so its process ID (which is the group's ID) cannot have been
//! reused by then.
//!
//! If cxspec itself is interrupted (SIGINT, SIGTERM, SIGHUP), the groups it started are
//! killed from the signal handler before cxspec dies by the same signal: a terminal's
//! Ctrl-C no longer reaches them directly, since they are in a group of their own.
//!
//! Left out: a process that leaves the group on purpose (`setsid`, `setpgid`) is beyond
//! reach, as with any process supervisor that does not use cgroups. Unix only.

use std::os::unix::process::CommandExt;
use std::process::{Child, Command};
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::Once;
use std::time::{Duration, Instant};

/// Process groups to kill if cxspec is interrupted; 0 marks a free slot. A fixed array of
/// atomics, because the signal handler may neither lock nor allocate.
static LIVE_GROUPS: [AtomicI32; 256] = [const { AtomicI32::new(0) }; 256];
static INSTALL_HANDLERS: Once = Once::new();
/// Threads between spawning a child and registering its group. The handler waits for them,
/// so a child spawned just as cxspec is interrupted is not left behind unregistered; the
/// spawning thread blocks the signals meanwhile, so the handler never waits on itself.
static SPAWNING: AtomicI32 = AtomicI32::new(0);
const CLEANUP_SIGNALS: [libc::c_int; 3] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP];

extern "C" fn on_fatal_signal(signal: libc::c_int) {
    // A spawn in progress registers its group within microseconds; wait for it (bounded, in
    // case a spawn is stuck), yielding the core to the spawning thread.
    let mut spins = 0u32;
    while SPAWNING.load(Ordering::SeqCst) > 0 && spins < 1_000_000 {
        // SAFETY: sched_yield only gives up the processor.
        unsafe { libc::sched_yield() };
        spins += 1;
    }
    for slot in &LIVE_GROUPS {
        let pgid = slot.load(Ordering::SeqCst);
        if pgid > 0 {
            // SAFETY: kill is async-signal-safe.
            unsafe { libc::kill(-pgid, libc::SIGKILL) };
        }
    }
    // Die by the same signal, so the caller sees the usual status (130 for Ctrl-C).
    // SAFETY: signal and raise are async-signal-safe.
    unsafe {
        libc::signal(signal, libc::SIG_DFL);
        libc::raise(signal);
    }
}

fn install_handlers() {
    INSTALL_HANDLERS.call_once(|| {
        for signal in CLEANUP_SIGNALS {
            // SAFETY: a plain C handler that only calls async-signal-safe functions. A
            // signal that was ignored when cxspec started (e.g. SIGHUP under nohup) stays
            // ignored.
            unsafe {
                let mut old: libc::sigaction = std::mem::zeroed();
                libc::sigaction(signal, std::ptr::null(), &mut old);
                if old.sa_sigaction == libc::SIG_IGN {
                    continue;
                }
                let mut action: libc::sigaction = std::mem::zeroed();
                action.sa_sigaction = on_fatal_signal as *const () as libc::sighandler_t;
                libc::sigemptyset(&mut action.sa_mask);
                libc::sigaction(signal, &action, std::ptr::null_mut());
            }
        }
    });
}

fn register(pgid: i32) {
    for slot in &LIVE_GROUPS {
        if slot
            .compare_exchange(0, pgid, Ordering::SeqCst, Ordering::SeqCst)
            .is_ok()
        {
            return;
        }
    }
    // More than 256 live adapters: the extra ones are still ended by `Drop`, only not on an
    // interrupt. `--jobs` is far below this.
}

fn unregister(pgid: i32) {
    for slot in &LIVE_GROUPS {
        if slot
            .compare_exchange(pgid, 0, Ordering::SeqCst, Ordering::SeqCst)
            .is_ok()
        {
            return;
        }
    }
}

/// A child process leading its own process group; dropping it ends the whole group.
pub struct Group {
    child: Child,
    pgid: i32,
}

impl Group {
    /// Spawns `command` as the leader of a new process group.
    pub fn spawn(mut command: Command) -> std::io::Result<Group> {
        install_handlers();
        command.process_group(0);
        // SAFETY: sigset operations on a local set; pthread_sigmask changes only this
        // thread's mask, restored below on every path.
        let old_mask = unsafe {
            let mut set: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut set);
            for signal in CLEANUP_SIGNALS {
                libc::sigaddset(&mut set, signal);
            }
            let mut old: libc::sigset_t = std::mem::zeroed();
            libc::pthread_sigmask(libc::SIG_BLOCK, &set, &mut old);
            old
        };
        SPAWNING.fetch_add(1, Ordering::SeqCst);
        let spawned = command.spawn().and_then(|child| {
            let pgid = i32::try_from(child.id()).map_err(std::io::Error::other)?;
            register(pgid);
            Ok(Group { child, pgid })
        });
        SPAWNING.fetch_sub(1, Ordering::SeqCst);
        // SAFETY: restores the mask saved above; a signal that arrived meanwhile is
        // delivered now, with the new group registered.
        unsafe { libc::pthread_sigmask(libc::SIG_SETMASK, &old_mask, std::ptr::null_mut()) };
        spawned
    }

    pub fn child_mut(&mut self) -> &mut Child {
        &mut self.child
    }

    /// The process group's ID (the leader's process ID).
    pub fn pgid(&self) -> i32 {
        self.pgid
    }

    /// Whether the leader has exited, without reaping it (so the group ID stays ours).
    fn leader_exited(&self) -> bool {
        // SAFETY: waitid with WNOWAIT only reads the child's status.
        unsafe {
            let mut info: libc::siginfo_t = std::mem::zeroed();
            let rc = libc::waitid(
                libc::P_PID,
                self.pgid as libc::id_t,
                &mut info,
                libc::WEXITED | libc::WNOHANG | libc::WNOWAIT,
            );
            rc == 0 && info.si_pid() != 0
        }
    }

    /// The leader's exit status if it has exited within `wait`, without reaping it.
    pub fn exit_status_within(&mut self, wait: Duration) -> Option<String> {
        let start = Instant::now();
        loop {
            if self.leader_exited() {
                // SAFETY: as above; reads the status of an exited child without reaping it.
                let status = unsafe {
                    let mut info: libc::siginfo_t = std::mem::zeroed();
                    libc::waitid(
                        libc::P_PID,
                        self.pgid as libc::id_t,
                        &mut info,
                        libc::WEXITED | libc::WNOHANG | libc::WNOWAIT,
                    );
                    match info.si_code {
                        libc::CLD_EXITED => format!("exit status: {}", info.si_status()),
                        _ => format!("killed by signal {}", info.si_status()),
                    }
                };
                return Some(status);
            }
            if start.elapsed() >= wait {
                return None;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    /// Ends the group: waits up to `grace` for the leader to exit by itself (after its
    /// stdin was closed), then kills every process still in the group and reaps the leader.
    /// Ending it again does nothing.
    pub fn end_now(&mut self, grace: Duration) {
        if self.pgid == 0 {
            return;
        }
        if !grace.is_zero() {
            let _ = self.exit_status_within(grace);
        }
        // SAFETY: the leader is not reaped yet, so no other process can hold this group ID.
        unsafe { libc::kill(-self.pgid, libc::SIGKILL) };
        let _ = self.child.wait();
        unregister(self.pgid);
        self.pgid = 0;
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        self.end_now(Duration::ZERO);
    }
}
