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
//! the background (a read then fails instead).

use crate::error::Error;
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, ExitCode};
use std::sync::{Arc, Mutex};

/// Taken on the signal thread.
const WAITED: [libc::c_int; 9] = [
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
const BLOCKED: [libc::c_int; 2] = [libc::SIGTTIN, libc::SIGTTOU];

/// Where the child is. The signal thread sends only to a pid that is still
/// the child's (running, or ended but not reaped).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// Not started: a signal acts on mfa-env as if it were not taken.
    Before,
    Running(libc::pid_t),
    /// Ended: mfa-env is about to end as it did; signals are dropped.
    Ended,
}

type Pid = Arc<Mutex<Stage>>;

/// Signals blocked in every thread of mfa-env and taken on one thread.
pub struct Signals {
    child: Pid,
}

impl Signals {
    /// Must be called before mfa-env starts any other thread (which would
    /// not block them). Until the child runs, a terminating signal ends
    /// mfa-env as it would have without this.
    pub fn take() -> Result<Signals, Error> {
        let mut all = empty_set();
        for sig in WAITED.iter().chain(&BLOCKED) {
            // SAFETY: `all` is an initialized sigset_t and `sig` a valid signal.
            unsafe { libc::sigaddset(&mut all, *sig) };
        }
        // SAFETY: a valid set; the old mask is not wanted.
        let blocked = unsafe { libc::pthread_sigmask(libc::SIG_BLOCK, &all, std::ptr::null_mut()) };
        if blocked != 0 {
            return Err(Error::Exec {
                name: "the command".into(),
                why: "mfa-env could not block its signals".into(),
            });
        }
        crate::mfa::cancellable_prompt();
        let child: Pid = Arc::new(Mutex::new(Stage::Before));
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

/// Makes `command` start with no signal blocked, as it would from a shell
/// (a process inherits its parent's mask, and mfa-env blocks signals while
/// `--server` runs; a token command run for a renewal is started this way).
pub fn unblocked(command: &mut Command) {
    use std::os::unix::process::CommandExt;
    // SAFETY: between fork and exec only sigprocmask is called, which is
    // async-signal-safe.
    unsafe {
        command.pre_exec(|| {
            let none = empty_set();
            libc::pthread_sigmask(libc::SIG_SETMASK, &none, std::ptr::null_mut());
            Ok(())
        });
    }
}

fn empty_set() -> libc::sigset_t {
    let mut set = std::mem::MaybeUninit::<libc::sigset_t>::uninit();
    // SAFETY: sigemptyset initializes the set it is given.
    unsafe {
        libc::sigemptyset(set.as_mut_ptr());
        set.assume_init()
    }
}

fn watch(child: &Pid) {
    let mut set = empty_set();
    for sig in WAITED {
        // SAFETY: as in `take`.
        unsafe { libc::sigaddset(&mut set, sig) };
    }
    loop {
        // SAFETY: siginfo_t is plain data; zeroed is a valid value.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        // SAFETY: a valid set and a valid siginfo_t to fill.
        let sig = unsafe { libc::sigwaitinfo(&set, &mut info) };
        if sig < 0 {
            continue;
        }
        let sent = matches!(info.si_code, libc::SI_USER | libc::SI_QUEUE);
        let stage = *child.lock().unwrap_or_else(|e| e.into_inner());
        match (stage, sig) {
            // Before the child runs: as if mfa-env did not take the signal.
            (Stage::Before, libc::SIGTSTP) => stop_self(),
            (Stage::Before, libc::SIGWINCH) => {}
            (Stage::Before, sig) => die_by(sig),
            (Stage::Ended, _) => {}
            (Stage::Running(pid), libc::SIGTSTP) => {
                if sent {
                    send(child, pid, libc::SIGTSTP);
                }
                stop_self();
                if sent {
                    // The terminal's `fg` continues the whole group; a
                    // `kill -CONT` of mfa-env alone continues the child here.
                    send(child, pid, libc::SIGCONT);
                }
            }
            (Stage::Running(pid), sig) if sent => send(child, pid, sig),
            // The terminal's Ctrl-C reached the child; a renewal's prompt
            // ends too (that renewal fails), mfa-env goes on.
            (Stage::Running(_), libc::SIGINT) => crate::mfa::cancel_prompt(),
            _ => {}
        }
    }
}

/// Sends `sig` to the child if it is still unreaped.
fn send(child: &Pid, pid: libc::pid_t, sig: libc::c_int) {
    let current = child.lock().unwrap_or_else(|e| e.into_inner());
    if *current == Stage::Running(pid) {
        // SAFETY: kill has no memory-safety preconditions.
        unsafe { libc::kill(pid, sig) };
    }
}

fn stop_self() {
    // SAFETY: as in `send`; returns once mfa-env is continued.
    unsafe { libc::kill(libc::getpid(), libc::SIGSTOP) };
}

/// Ends mfa-env by `sig` with its default action, so that the caller sees
/// 128+N; never with a core dump (mfa-env's memory holds the session).
pub fn die_by(sig: libc::c_int) -> ! {
    no_core();
    let mut one = empty_set();
    // SAFETY: restoring the default action and unblocking one signal in this
    // thread, then raising it on this thread.
    unsafe {
        libc::signal(sig, libc::SIG_DFL);
        libc::sigaddset(&mut one, sig);
        libc::pthread_sigmask(libc::SIG_UNBLOCK, &one, std::ptr::null_mut());
        libc::raise(sig);
    }
    // Only a signal whose default is to be ignored gets here.
    std::process::exit(128 + sig)
}

fn no_core() {
    #[cfg(target_os = "linux")]
    {
        use rustix::process::{
            DumpableBehavior, Resource, Rlimit, getrlimit, set_dumpable_behavior, setrlimit,
        };
        let _ = set_dumpable_behavior(DumpableBehavior::NotDumpable);
        let maximum = getrlimit(Resource::Core).maximum;
        let _ = setrlimit(
            Resource::Core,
            Rlimit {
                current: Some(0),
                maximum,
            },
        );
    }
}

/// How the child ended.
pub enum Ended {
    Code(ExitCode),
    /// By this signal.
    Signal(libc::c_int),
}

impl Ended {
    /// Ends as the child did: returns its exit code, or dies by its signal.
    pub fn finish(self) -> ExitCode {
        match self {
            Ended::Code(code) => code,
            Ended::Signal(sig) => die_by(sig),
        }
    }
}

/// Runs `command` as a child, passes signals on while it runs, and says how
/// it ended (mfa-env then ends the same way: `Ended::finish`).
pub fn run(mut command: Command, name: String, signals: Signals) -> Result<Ended, Error> {
    unblocked(&mut command);
    {
        use std::os::unix::process::CommandExt;
        // SAFETY: between fork and exec only async-signal-safe calls are
        // made (getrlimit, setrlimit, and reading two statics set before).
        unsafe {
            command.pre_exec(|| {
                // The user's own core limit, as for a command run by exec,
                // and their own limit of open files (the endpoint raised it).
                crate::harden::before_exec();
                crate::server::user_files();
                Ok(())
            });
        }
    }
    // Held across the spawn: a signal that comes while the child starts
    // waits for its pid, and is passed on (not taken as one from before).
    let mut stage = signals.child.lock().unwrap_or_else(|e| e.into_inner());
    let mut child = command.spawn().map_err(|err| super::failure(name, err))?;
    let pid = libc::pid_t::try_from(child.id()).unwrap_or(0);
    *stage = Stage::Running(pid);
    drop(stage);
    wait_unreaped(pid);
    *signals.child.lock().unwrap_or_else(|e| e.into_inner()) = Stage::Ended;
    crate::mfa::abandon_prompt();
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

/// Waits until the child has ended, leaving it unreaped so that its pid
/// cannot be reused while the signal thread may still send to it.
fn wait_unreaped(pid: libc::pid_t) {
    loop {
        // SAFETY: siginfo_t is plain data; waitid fills it.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        // SAFETY: a valid pid and siginfo_t.
        let done = unsafe {
            libc::waitid(
                libc::P_PID,
                pid as libc::id_t,
                &mut info,
                libc::WEXITED | libc::WNOWAIT,
            )
        };
        if done == 0 || std::io::Error::last_os_error().kind() != std::io::ErrorKind::Interrupted {
            return;
        }
    }
}
