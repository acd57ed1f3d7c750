//! Running a program that gives the code (a token command, ykman, a
//! dialog): without a shell, bounded in time and in output, in three steps:
//! spawn, wait until a deadline (then kill), collect what it printed.
//!
//! With `Streams::Terminal` the program gets the terminal when there is one:
//! its stdin from /dev/tty and its stderr to /dev/tty, so a YubiKey's "touch
//! your key" and a password manager's own questions are seen and answered even
//! when mfa-env's own stdout and stderr are captured (credential_process,
//! direnv, `$(…)`); its process group then gets the terminal while it runs, so
//! it can read it. Without a terminal its stdin is closed and its stderr
//! passes through to mfa-env's. Its stdout is read either way.
//!
//! A token command and ykman run in a process group of their own, so that a
//! timeout stops everything they started (`sh -c 'sleep 300; …'` leaves no
//! `sleep` behind). When the program itself ends, its group is ended too
//! (SIGTERM, then SIGKILL after a grace): a process it left in the background
//! neither survives nor holds its stdout open, and the code is what it
//! printed.

use super::Code;
use crate::error::clean;
use crate::proc::{self, Pid, Signal, Terminal};
use std::fs::{File, OpenOptions};
use std::io::Read;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};
use zeroize::Zeroizing;

/// How much of the program's stderr is kept for an error message.
const TAIL: usize = 400;
/// More stdout than this is not a code.
const MAX_OUTPUT: u64 = 64 * 1024;
/// How long, after the program ended, its output may take to arrive: a
/// program it started may still hold the pipes, so wait a little, not forever.
const GRACE: Duration = Duration::from_millis(500);

/// Where the program's stdin and stderr go.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Streams {
    /// The terminal when /dev/tty opens; else stdin closed and stderr passed
    /// through to mfa-env's (token commands, ykman).
    Terminal,
    /// Stdin closed, stderr kept for the error message only (dialogs, whose
    /// toolkits talk on stderr).
    Quiet,
}

/// A program that was started.
struct Running {
    child: Child,
    /// The program's own process group (its pid), when it has one.
    group: Option<Pid>,
    /// The terminal while the program has it.
    terminal: Option<Terminal>,
    /// Says when the program has ended (it is not reaped yet, so its pid
    /// cannot be reused before it is killed or waited for).
    ended: Receiver<()>,
    /// Its stdout as it arrives, and a channel closed at its end.
    stdout: Arc<Mutex<Zeroizing<Vec<u8>>>>,
    stdout_done: Receiver<()>,
    /// Closed when the stderr reader is done.
    stderr_done: Option<Receiver<()>>,
    tail: Arc<Mutex<Vec<u8>>>,
}

/// How a program ended, and what it printed.
pub struct Finished {
    /// None when it was stopped at the deadline.
    pub status: Option<ExitStatus>,
    pub stdout: Code,
    /// The end of its stderr as one clean line (empty when it went to the
    /// terminal).
    pub tail: String,
}

/// The process group of the program that runs now, while it is not reaped
/// (so the group cannot be another's): `end_running` ends it.
static RUNNING: Mutex<Option<Pid>> = Mutex::new(None);

/// Ends the token command or dialog that runs now, if one does, with
/// everything it started: when `--server`'s child has ended while a renewal
/// asks for a code, nothing is left asking (a dialog's window stays open
/// otherwise, as mfa-env exits without waiting for it).
pub fn end_running() {
    if let Some(group) = *RUNNING.lock().unwrap_or_else(|e| e.into_inner()) {
        proc::signal_group(group, Signal::KILL);
    }
}

/// Runs `argv` until it ends or `timeout` passes (then it is killed).
pub fn run(argv: &[String], stdio: Streams, timeout: Duration) -> std::io::Result<Finished> {
    let mut running = spawn(argv, stdio)?;
    let status = wait(&mut running, Instant::now() + timeout);
    let (stdout, tail) = collect(running);
    Ok(Finished {
        status,
        stdout,
        tail,
    })
}

fn spawn(argv: &[String], stdio: Streams) -> std::io::Result<Running> {
    let Some((program, args)) = argv.split_first() else {
        return Err(std::io::ErrorKind::InvalidInput.into());
    };
    let mut command = Command::new(program);
    command
        .args(args)
        .env(super::TOKEN_COMMAND_MARK, "1")
        .stdout(Stdio::piped());
    // A dialog stays in mfa-env's group, so that Ctrl-C on the terminal ends
    // it with mfa-env; but not the group of a --server child, whose Ctrl-C
    // is the child's (a renewal's dialog has its own Cancel).
    let own_group = stdio == Streams::Terminal || proc::child_shares_group();
    if own_group {
        command.process_group(0);
    }
    let tty = match stdio {
        Streams::Terminal => terminal(),
        Streams::Quiet => None,
    };
    let on_terminal = tty.is_some();
    match tty {
        Some((input, output)) => command.stdin(input).stderr(output),
        None => command.stdin(Stdio::null()).stderr(Stdio::piped()),
    };
    // Under --server mfa-env blocks signals; the program must not inherit that.
    proc::unblocked(&mut command);
    let mut child = command.spawn()?;
    let pid = proc::pid_of(&child);
    let group = pid.filter(|_| own_group);
    *RUNNING.lock().unwrap_or_else(|e| e.into_inner()) = group;
    let terminal = match group {
        Some(group) if on_terminal => Terminal::hand_to(group),
        _ => None,
    };

    let stdout = Arc::new(Mutex::new(Zeroizing::new(Vec::new())));
    let (out_done, stdout_done) = mpsc::channel::<()>();
    if let Some(pipe) = child.stdout.take() {
        let stdout = Arc::clone(&stdout);
        thread::spawn(move || {
            let _done = out_done;
            let mut pipe = pipe.take(MAX_OUTPUT);
            let mut chunk = Zeroizing::new([0u8; 1024]);
            while let Ok(n) = pipe.read(&mut chunk[..]) {
                if n == 0 {
                    break;
                }
                if let Ok(mut out) = stdout.lock() {
                    out.extend_from_slice(&chunk[..n]);
                }
            }
        });
    }
    // The tail is kept as it arrives, and passed through when asked for.
    let tail = Arc::new(Mutex::new(Vec::new()));
    let mut stderr_done = None;
    if let Some(mut pipe) = child.stderr.take() {
        let (done_tx, done) = mpsc::channel::<()>();
        stderr_done = Some(done);
        let tail = Arc::clone(&tail);
        let pass = stdio == Streams::Terminal;
        thread::spawn(move || {
            let _done = done_tx;
            let mut chunk = [0u8; 1024];
            while let Ok(n) = pipe.read(&mut chunk) {
                if n == 0 {
                    break;
                }
                if pass {
                    crate::stdio::err_bytes(&chunk[..n]);
                }
                if let Ok(mut tail) = tail.lock() {
                    tail.extend_from_slice(&chunk[..n]);
                    let excess = tail.len().saturating_sub(TAIL);
                    tail.drain(..excess);
                }
            }
        });
    }

    // Waits for the end without reaping, so that a kill at the deadline can
    // never reach another process that got the pid.
    let (end_tx, ended) = mpsc::channel();
    if let Some(pid) = pid {
        thread::spawn(move || {
            proc::wait_unreaped(pid);
            let _ = end_tx.send(());
        });
    }
    Ok(Running {
        child,
        group,
        terminal,
        ended,
        stdout,
        stdout_done,
        stderr_done,
        tail,
    })
}

/// The terminal as the program's stdin and stderr, when /dev/tty opens.
fn terminal() -> Option<(File, File)> {
    let tty = OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .ok()?;
    let copy = tty.try_clone().ok()?;
    Some((tty, copy))
}

/// The exit status, or None when the deadline came first (the program and
/// everything it started are killed then). The terminal is taken back.
fn wait(running: &mut Running, deadline: Instant) -> Option<ExitStatus> {
    let left = deadline.saturating_duration_since(Instant::now());
    let ended = running.ended.recv_timeout(left).is_ok();
    // From here this run ends the group itself, then reaps the program.
    RUNNING.lock().unwrap_or_else(|e| e.into_inner()).take();
    let status = if !ended {
        // Not reaped yet, so the group cannot be another's.
        if let Some(group) = running.group {
            proc::signal_group(group, Signal::KILL);
        }
        let _ = running.child.kill();
        let _ = running.child.wait();
        None
    } else {
        // Ended, not reaped: the group is still its, whatever it left there.
        if let Some(group) = running.group {
            proc::signal_group(group, Signal::TERM);
            let _ = running.stdout_done.recv_timeout(GRACE);
            proc::signal_group(group, Signal::KILL);
        }
        running.child.wait().ok()
    };
    running.terminal = None;
    status
}

/// What the program printed: its stdout, and the end of its stderr.
fn collect(running: Running) -> (Code, String) {
    let until = Instant::now() + GRACE;
    let left = || until.saturating_duration_since(Instant::now());
    // Err when the reader is done (its sender is gone) or the grace is over.
    let _ = running.stdout_done.recv_timeout(left());
    let stdout = running
        .stdout
        .lock()
        .map(|out| Zeroizing::new(String::from_utf8_lossy(&out).into_owned()))
        .unwrap_or_default();
    if let Some(done) = &running.stderr_done {
        // Err when the reader is done (its sender is gone) or the grace is over.
        let _ = done.recv_timeout(left());
    }
    let bytes = running.tail.lock().map(|t| t.clone()).unwrap_or_default();
    let text = String::from_utf8_lossy(&bytes);
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    (stdout, clean(&lines.join(" | ")))
}
