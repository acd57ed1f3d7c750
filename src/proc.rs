//! The process and its terminal, in one place: no core dumps, the limit of
//! open files, the signal
//! mask, taking signals on one thread, sending them, waiting for a child
//! without reaping it, and lending the terminal to a process group. On rustix;
//! libc only where rustix has no call (the signal mask, sigwaitinfo, a
//! signal's disposition, raise). Imports nothing of mfa-env's.
//!
//! Keeping secrets out of core dumps and away from other processes: at start
//! (on Linux) RLIMIT_CORE's soft limit goes to 0, so a crash leaves no core
//! file, and the process is made not dumpable (PR_SET_DUMPABLE 0), so no core
//! is written whatever the limit and no other process of the same user can
//! ptrace it or read its memory. A command run with `--` or `shell` gets the
//! user's own core limit back just before exec (exec makes it dumpable again
//! by itself); its crash dumps are the user's business.

use rustix::process::{
    Resource, Rlimit, WaitId, WaitIdOptions, getpgrp, getpid, getrlimit, kill_process,
    kill_process_group, setrlimit, waitid,
};
use rustix::termios::{tcgetpgrp, tcsetpgrp};
use std::fs::File;
use std::process::Command;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

pub(crate) use libc::c_int;
pub(crate) use rustix::process::{Pid, Signal};

/// The soft core limit the user started mfa-env with (None: unlimited).
static USER_CORE_LIMIT: OnceLock<Option<u64>> = OnceLock::new();
/// The soft limit of open files mfa-env started with, once raised.
static USER_FILES: OnceLock<Option<u64>> = OnceLock::new();

/// Called first thing in `main`. Failures are ignored: a kernel without
/// prctl or a limit that cannot be lowered leaves nothing better to do.
pub(crate) fn harden() {
    #[cfg(target_os = "linux")]
    {
        let limit = getrlimit(Resource::Core);
        let _ = USER_CORE_LIMIT.set(limit.current);
    }
    no_core();
}

/// No core file and not dumpable (again: after an exec that failed, or
/// before dying by a signal whose default would dump one).
pub(crate) fn no_core() {
    #[cfg(target_os = "linux")]
    {
        use rustix::process::{DumpableBehavior, set_dumpable_behavior};
        let _ = core_limit(Some(0));
        let _ = set_dumpable_behavior(DumpableBehavior::NotDumpable);
    }
}

/// Before an exec: the user's own limits of core size and open files for
/// the command (between fork and exec too: getrlimit and setrlimit are
/// async-signal-safe).
pub(crate) fn before_exec() {
    if let Some(limit) = USER_CORE_LIMIT.get() {
        let _ = core_limit(*limit);
    }
    if let Some(current) = USER_FILES.get() {
        let _ = set_soft(Resource::Nofile, *current);
    }
}

/// Raises the soft limit of open files to `want` (within the hard limit;
/// never lowers it), and says what it is now. A command run later gets the
/// user's own limit back (`before_exec`).
pub(crate) fn raise_open_files(want: u64) -> u64 {
    let limit = getrlimit(Resource::Nofile);
    let _ = USER_FILES.set(limit.current);
    let current = limit.current.unwrap_or(u64::MAX);
    let raised = limit.maximum.unwrap_or(u64::MAX).min(want).max(current);
    match set_soft(Resource::Nofile, Some(raised)) {
        Ok(()) => raised,
        Err(_) => current,
    }
}

fn set_soft(resource: Resource, current: Option<u64>) -> rustix::io::Result<()> {
    let maximum = getrlimit(resource).maximum;
    setrlimit(resource, Rlimit { current, maximum })
}

/// After an exec that failed: no core again.
pub(crate) fn after_failed_exec() {
    if USER_CORE_LIMIT.get().is_some() {
        let _ = core_limit(Some(0));
    }
}

#[cfg(target_os = "linux")]
fn core_limit(current: Option<u64>) -> rustix::io::Result<()> {
    set_soft(Resource::Core, current)
}

#[cfg(not(target_os = "linux"))]
fn core_limit(_current: Option<u64>) -> std::io::Result<()> {
    Ok(())
}

fn set_of(signals: &[c_int]) -> libc::sigset_t {
    let mut set = std::mem::MaybeUninit::<libc::sigset_t>::uninit();
    // SAFETY: sigemptyset initializes the set it is given; sigaddset takes an
    // initialized set and a signal number (an invalid one is refused).
    unsafe {
        libc::sigemptyset(set.as_mut_ptr());
        let mut set = set.assume_init();
        for sig in signals {
            libc::sigaddset(&mut set, *sig);
        }
        set
    }
}

/// Blocks `signals` in this thread and in the threads it starts from now on.
pub(crate) fn block(signals: &[c_int]) -> bool {
    let set = set_of(signals);
    // SAFETY: a valid set; the old mask is not wanted.
    unsafe { libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut()) == 0 }
}

/// Makes `command` start with no signal blocked, as it would from a shell
/// (a process inherits its parent's mask, and mfa-env blocks signals while
/// `--server` runs; a token command run for a renewal is started this way).
pub(crate) fn unblocked(command: &mut Command) {
    use std::os::unix::process::CommandExt;
    // SAFETY: between fork and exec only sigprocmask is called, which is
    // async-signal-safe.
    unsafe {
        command.pre_exec(|| {
            let none = set_of(&[]);
            libc::pthread_sigmask(libc::SIG_SETMASK, &none, std::ptr::null_mut());
            Ok(())
        });
    }
}

/// Waits for one of `signals` (blocked): the signal, and whether another
/// process sent it (`kill`: SI_USER, SI_QUEUE) rather than the terminal.
pub(crate) fn wait_signal(signals: &[c_int]) -> (c_int, bool) {
    let set = set_of(signals);
    loop {
        // SAFETY: siginfo_t is plain data; zeroed is a valid value.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        // SAFETY: a valid set and a valid siginfo_t to fill.
        let sig = unsafe { libc::sigwaitinfo(&set, &mut info) };
        if sig >= 0 {
            return (sig, matches!(info.si_code, libc::SI_USER | libc::SI_QUEUE));
        }
    }
}

/// Sends `sig` to the process `pid`.
pub(crate) fn send(pid: Pid, sig: c_int) {
    if let Some(sig) = Signal::from_named_raw(sig) {
        let _ = kill_process(pid, sig);
    }
}

/// Stops mfa-env (SIGSTOP); returns once it is continued.
pub(crate) fn stop_self() {
    let _ = kill_process(getpid(), Signal::STOP);
}

/// Ends mfa-env by `sig` with its default action, so that the caller sees
/// 128+N; never with a core dump (mfa-env's memory holds the session).
pub(crate) fn die_by(sig: c_int) -> ! {
    no_core();
    let one = set_of(&[sig]);
    // SAFETY: restoring the default action and unblocking one signal in this
    // thread, then raising it on this thread.
    unsafe {
        libc::signal(sig, libc::SIG_DFL);
        libc::pthread_sigmask(libc::SIG_UNBLOCK, &one, std::ptr::null_mut());
        libc::raise(sig);
    }
    // Only a signal whose default is to be ignored gets here.
    std::process::exit(128 + sig)
}

/// The pid of a child as rustix takes it.
pub(crate) fn pid_of(child: &std::process::Child) -> Option<Pid> {
    Pid::from_raw(i32::try_from(child.id()).ok()?)
}

/// Waits until the child `pid` has ended, leaving it unreaped so that its
/// pid cannot be reused while a signal may still be sent to it.
pub(crate) fn wait_unreaped(pid: Pid) {
    let options = WaitIdOptions::EXITED | WaitIdOptions::NOWAIT;
    while let Err(err) = waitid(WaitId::Pid(pid), options) {
        if err != rustix::io::Errno::INTR {
            break;
        }
    }
}

/// How a child changed, as `wait_change` sees it.
pub(crate) enum Change {
    /// It ended (it is not reaped).
    Ended,
    /// A signal stopped it.
    Stopped(c_int),
}

/// Waits until the child `pid` ends, leaving it unreaped (as
/// `wait_unreaped`), or stops (as a shell's wait sees its jobs stop: WSTOPPED).
pub(crate) fn wait_change(pid: Pid) -> Change {
    let seen = WaitIdOptions::EXITED | WaitIdOptions::STOPPED | WaitIdOptions::NOWAIT;
    loop {
        match waitid(WaitId::Pid(pid), seen) {
            Err(rustix::io::Errno::INTR) => {}
            Ok(Some(status)) if status.stopped() => {
                // Taken, so that it is seen once; nothing when the child was
                // continued meanwhile.
                let taken = waitid(
                    WaitId::Pid(pid),
                    WaitIdOptions::STOPPED | WaitIdOptions::NOHANG,
                );
                if let Ok(Some(status)) = taken
                    && let Some(sig) = status.stopping_signal()
                {
                    return Change::Stopped(sig);
                }
            }
            _ => return Change::Ended,
        }
    }
}

/// Whether the terminal is lent to a program's process group (`Terminal`).
static LENT: AtomicBool = AtomicBool::new(false);
/// Whether a child shares mfa-env's process group (`--server`).
static SHARED: AtomicBool = AtomicBool::new(false);

/// From now on a child shares mfa-env's process group: when the terminal
/// comes back from a program it was lent to, that group is continued (a
/// process of it that read the terminal meanwhile was stopped by SIGTTIN).
pub(crate) fn child_in_group() {
    SHARED.store(true, Ordering::SeqCst);
}

/// Whether a child shares mfa-env's process group (`child_in_group`).
pub(crate) fn child_shares_group() -> bool {
    SHARED.load(Ordering::SeqCst)
}

/// Whether the terminal is lent to a program's process group now.
pub(crate) fn terminal_lent() -> bool {
    LENT.load(Ordering::SeqCst)
}

/// Whether mfa-env's process group is the terminal's foreground; None
/// without a terminal.
pub(crate) fn in_foreground() -> Option<bool> {
    let tty = File::options().read(true).open("/dev/tty").ok()?;
    tcgetpgrp(&tty).ok().map(|owner| owner == getpgrp())
}

/// Continues every stopped process of mfa-env's process group (a running
/// one, mfa-env too, is not changed by SIGCONT).
pub(crate) fn continue_group() {
    let _ = kill_process_group(getpgrp(), Signal::CONT);
}

/// Sends `sig` to the process group `group`.
pub(crate) fn signal_group(group: Pid, sig: Signal) {
    let _ = kill_process_group(group, sig);
}

/// Whether the terminal `tty` belongs to another process group than
/// mfa-env's (an interactive shell that took it for its jobs).
pub(crate) fn terminal_taken(tty: &File) -> bool {
    tcgetpgrp(tty).is_ok_and(|owner| owner != getpgrp())
}

/// The terminal, handed to a process group while it runs (when mfa-env is
/// in the foreground) and taken back when dropped.
pub(crate) struct Terminal {
    tty: File,
}

impl Terminal {
    pub(crate) fn hand_to(group: Pid) -> Option<Terminal> {
        let tty = File::options()
            .read(true)
            .write(true)
            .open("/dev/tty")
            .ok()?;
        if tcgetpgrp(&tty).ok()? != getpgrp() {
            return None;
        }
        // Before the group has it: a child that stops reading it is then
        // left to the terminal's return (`wait_change`'s caller).
        LENT.store(true, Ordering::SeqCst);
        if tcsetpgrp(&tty, group).is_err() {
            LENT.store(false, Ordering::SeqCst);
            return None;
        }
        // Had it read the terminal before it was handed over, it was stopped.
        let _ = kill_process_group(group, Signal::CONT);
        Some(Terminal { tty })
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        // mfa-env is in the background now, where tcsetpgrp raises SIGTTOU
        // (which would stop it): ignore that signal while taking it back.
        // SAFETY: setting a signal to SIG_IGN and back installs no handler.
        unsafe {
            let old = libc::signal(libc::SIGTTOU, libc::SIG_IGN);
            let _ = tcsetpgrp(&self.tty, getpgrp());
            libc::signal(libc::SIGTTOU, old);
        }
        LENT.store(false, Ordering::SeqCst);
        // A child in mfa-env's group that read the terminal while it was
        // lent was stopped (SIGTTIN, the whole group): it has it back now.
        if SHARED.load(Ordering::SeqCst) {
            continue_group();
        }
    }
}
