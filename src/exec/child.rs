//! The command as mfa-env's child (for `--server`, where mfa-env must stay to
//! serve): signals, waiting, and ending with the child's own status.
//!
//! The child stays in mfa-env's process group, so the terminal's Ctrl-C,
//! Ctrl-\ and Ctrl-Z reach it directly. mfa-env blocks those signals in every
//! thread and takes them on one thread with `sigwaitinfo`, which tells who
//! sent each: a signal another process sent (`kill`: SI_USER, SI_QUEUE) is
//! passed on to the child; one the terminal made (SI_KERNEL) already reached
//! the child and is not sent again. Ctrl-Z stops mfa-env too (SIGSTOP), so the
//! shell sees the job stopped and `fg` continues both. SIGTTIN and SIGTTOU stay
//! blocked, so mfa-env itself is never stopped by reading the terminal from
//! the background (a read then fails instead). Its wait sees the child stop,
//! as a shell's does (`stopped`): a child stopped for reading the terminal
//! is never left stopped while mfa-env waits.

use crate::error::Error;
use crate::proc::{self, Pid, c_int};
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, ExitCode};
use std::sync::{Arc, Mutex};

/// Taken on the signal thread.
const WAITED: [c_int; 9] = [
    libc::SIGHUP,
    libc::SIGINT,
    libc::SIGQUIT,
    libc::SIGTERM,
    libc::SIGUSR1,
    libc::SIGUSR2,
    libc::SIGALRM,
    libc::SIGWINCH,
    libc::SIGTSTP,
];
/// Blocked, never taken: the terminal's stop signals for background reads
/// and writes.
const BLOCKED: [c_int; 2] = [libc::SIGTTIN, libc::SIGTTOU];

/// Where the child is. The signal thread sends only to a pid that is still
/// the child's (running, or ended but not reaped).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// Not started: a signal acts on mfa-env as if it were not taken.
    Before,
    Running(Pid),
    /// Ended: mfa-env is about to end as it did; signals are dropped.
    Ended,
}

type Child = Arc<Mutex<Stage>>;

/// Signals blocked in every thread of mfa-env and taken on one thread.
pub struct Signals {
    child: Child,
}

impl Signals {
    /// Must be called before mfa-env starts any other thread (which would
    /// not block them). Until the child runs, a terminating signal ends
    /// mfa-env as it would have without this.
    pub fn take() -> Result<Signals, Error> {
        let all: Vec<c_int> = WAITED.iter().chain(&BLOCKED).copied().collect();
        if !proc::block(&all) {
            return Err(Error::Exec {
                name: "the command".into(),
                why: "mfa-env could not block its signals".into(),
            });
        }
        let child: Child = Arc::new(Mutex::new(Stage::Before));
        let watched = Arc::clone(&child);
        std::thread::Builder::new()
            .name("signals".into())
            .stack_size(64 * 1024)
            .spawn(move || watch(&watched))
            .map_err(|err| Error::Exec {
                name: "the command".into(),
                why: format!("mfa-env could not start its signal thread ({err})"),
            })?;
        Ok(Signals { child })
    }
}

fn watch(child: &Child) {
    loop {
        let (sig, sent) = proc::wait_signal(&WAITED);
        let stage = *child.lock().unwrap_or_else(|e| e.into_inner());
        match (stage, sig) {
            // Before the child runs: as if mfa-env did not take the signal.
            (Stage::Before, libc::SIGTSTP) => proc::stop_self(),
            (Stage::Before, libc::SIGWINCH) => {}
            (Stage::Before, sig) => proc::die_by(sig),
            (Stage::Ended, _) => {}
            (Stage::Running(pid), libc::SIGTSTP) => {
                if sent {
                    send(child, pid, libc::SIGTSTP);
                }
                proc::stop_self();
                if sent {
                    // The terminal's `fg` continues the whole group; a
                    // `kill -CONT` of mfa-env alone continues the child here.
                    send(child, pid, libc::SIGCONT);
                }
            }
            (Stage::Running(pid), sig) if sent => send(child, pid, sig),
            // The terminal's signals already reached the child.
            _ => {}
        }
    }
}

/// Sends `sig` to the child if it is still unreaped.
fn send(child: &Child, pid: Pid, sig: c_int) {
    let current = child.lock().unwrap_or_else(|e| e.into_inner());
    if *current == Stage::Running(pid) {
        proc::send(pid, sig);
    }
}

/// How the child ended.
pub enum Ended {
    Code(ExitCode),
    /// By this signal.
    Signal(c_int),
}

impl Ended {
    /// Ends as the child did: returns its exit code, or dies by its signal.
    pub fn finish(self) -> ExitCode {
        match self {
            Ended::Code(code) => code,
            Ended::Signal(sig) => proc::die_by(sig),
        }
    }
}

/// The child was stopped by `sig`. When it read or set the terminal while
/// its group did not have it (SIGTTIN, SIGTTOU), mfa-env does as a shell
/// does with a job: while a renewal's token command has the terminal, the
/// terminal's return continues the group (`proc::Terminal`); once the group
/// has the terminal, it is continued now; when mfa-env runs in the
/// background of a shell, mfa-env stops too, so that shell shows the job
/// stopped, and its `fg` (or `bg`) continues both. Ctrl-Z is the signal
/// thread's; another stop is the sender's business.
fn stopped(sig: c_int) {
    if !matches!(sig, libc::SIGTTIN | libc::SIGTTOU) || proc::terminal_lent() {
        return;
    }
    if proc::in_foreground() == Some(false) {
        proc::stop_self();
    }
    proc::continue_group();
}

/// Runs `command` as a child, passes signals on while it runs, and says how
/// it ended (mfa-env then ends the same way: `Ended::finish`).
pub fn run(mut command: Command, name: String, signals: Signals) -> Result<Ended, Error> {
    proc::unblocked(&mut command);
    {
        use std::os::unix::process::CommandExt;
        // SAFETY: between fork and exec only async-signal-safe calls are
        // made (getrlimit, setrlimit, and reading statics set before).
        unsafe {
            command.pre_exec(|| {
                // The user's own limits of core size and open files, as
                // for a command run by exec (the endpoint raised the latter).
                proc::before_exec();
                Ok(())
            });
        }
    }
    proc::child_in_group();
    // Held across the spawn: a signal that comes while the child starts
    // waits for its pid, and is passed on (not taken as one from before).
    let mut stage = signals.child.lock().unwrap_or_else(|e| e.into_inner());
    let mut child = command.spawn().map_err(|err| super::failure(name, err))?;
    let pid = proc::pid_of(&child).ok_or_else(|| Error::Exec {
        name: "the command".into(),
        why: "it started with no process id".into(),
    })?;
    *stage = Stage::Running(pid);
    drop(stage);
    while let proc::Change::Stopped(sig) = proc::wait_change(pid) {
        stopped(sig);
    }
    *signals.child.lock().unwrap_or_else(|e| e.into_inner()) = Stage::Ended;
    let status = child.wait().map_err(|err| Error::Exec {
        name: "the command".into(),
        why: format!("mfa-env could not wait for it ({err})"),
    })?;
    Ok(match (status.code(), status.signal()) {
        (Some(code), _) => Ended::Code(ExitCode::from(u8::try_from(code).unwrap_or(1))),
        (None, Some(sig)) => Ended::Signal(sig),
        (None, None) => Ended::Code(ExitCode::from(1)),
    })
}
