//! The token command (`--token-command`, `mfa_process`): run without a shell,
//! bounded in time, its stderr passed through (a YubiKey's "touch your key"
//! must be seen), the last line of its stdout taken as the code.
//!
//! It runs in a process group of its own, so that a timeout stops everything
//! it started (`sh -c 'sleep 300; …'` leaves no `sleep` behind). When mfa-env
//! holds the terminal, the group gets the terminal while it runs, so a command
//! that asks for a PIN or password there still can.

use super::{normalize, program};
use crate::error::{Error, clean};
use rustix::process::{Pid, Signal, getpgrp, kill_process_group};
use rustix::termios::{tcgetpgrp, tcsetpgrp};
use std::fs::File;
use std::io::Read;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::thread;
use std::time::{Duration, Instant};
use zeroize::Zeroizing;

/// How much of the command's stderr is kept for an error message.
const TAIL: usize = 400;
/// More stdout than this is not a code.
const MAX_OUTPUT: u64 = 64 * 1024;

pub fn run(cmd: &str, origin: &str, timeout: Duration) -> Result<super::Code, Error> {
    let name = program(cmd);
    let fail = |why: String, tail: &str| Error::TokenCommand {
        program: name.clone(),
        origin: origin.to_string(),
        why: if tail.is_empty() {
            why
        } else {
            format!("{why}; its stderr ended with: {tail}")
        },
    };
    let words = shell_words::split(cmd)
        .map_err(|err| fail(format!("cannot be split into words ({err})"), ""))?;
    let Some((program, args)) = words.split_first() else {
        return Err(fail("is empty".into(), ""));
    };
    let mut child = Command::new(program)
        .args(args)
        .env(super::TOKEN_COMMAND_MARK, "1")
        .stdin(Stdio::inherit())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .map_err(|err| match err.kind() {
            std::io::ErrorKind::NotFound => fail("was not found on PATH".into(), ""),
            _ => fail(format!("could not start ({err})"), ""),
        })?;

    let group = Pid::from_raw(i32::try_from(child.id()).unwrap_or(0));
    let _terminal = group.map(Terminal::hand_to);

    let (out_tx, out_rx) = mpsc::channel();
    if let Some(stdout) = child.stdout.take() {
        thread::spawn(move || {
            let mut text = Zeroizing::new(String::new());
            let _ = stdout.take(MAX_OUTPUT).read_to_string(&mut text);
            let _ = out_tx.send(text);
        });
    }
    // The tail is kept as it arrives: a program the command started may hold
    // the pipe open after the command itself is gone.
    let tail = Arc::new(Mutex::new(Vec::new()));
    if let Some(mut stderr) = child.stderr.take() {
        let tail = Arc::clone(&tail);
        thread::spawn(move || {
            let mut chunk = [0u8; 1024];
            while let Ok(n) = stderr.read(&mut chunk) {
                if n == 0 {
                    break;
                }
                crate::stdio::err_bytes(&chunk[..n]);
                if let Ok(mut tail) = tail.lock() {
                    tail.extend_from_slice(&chunk[..n]);
                    let excess = tail.len().saturating_sub(TAIL);
                    tail.drain(..excess);
                }
            }
        });
    }

    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() >= deadline => {
                if let Some(group) = group {
                    let _ = kill_process_group(group, Signal::KILL);
                }
                let _ = child.kill();
                let _ = child.wait();
                let tail = stderr_tail(&tail);
                return Err(fail(
                    format!(
                        "did not finish within {} seconds and was stopped",
                        timeout.as_secs()
                    ),
                    &tail,
                ));
            }
            Ok(None) => thread::sleep(Duration::from_millis(10)),
            Err(err) => return Err(fail(format!("could not be waited for ({err})"), "")),
        }
    };
    // A program it started may still hold the pipes: wait a little, not forever.
    let output = out_rx
        .recv_timeout(Duration::from_millis(500))
        .unwrap_or_default();
    drop(_terminal);
    let tail = stderr_tail(&tail);
    if !status.success() {
        let why = match status.code() {
            Some(code) => format!("failed with exit status {code}"),
            None => "was killed by a signal".to_string(),
        };
        return Err(fail(why, &tail));
    }
    let last = output
        .lines()
        .map(str::trim)
        .rfind(|l| !l.is_empty())
        .unwrap_or("");
    normalize(last).map_err(|_| fail("printed no 6-digit code as its last line".into(), &tail))
}

/// The terminal, handed to the command's process group while it runs (when
/// mfa-env is in the foreground) and taken back when dropped.
struct Terminal {
    tty: File,
}

impl Terminal {
    fn hand_to(group: Pid) -> Option<Terminal> {
        let tty = File::options()
            .read(true)
            .write(true)
            .open("/dev/tty")
            .ok()?;
        if tcgetpgrp(&tty).ok()? != getpgrp() {
            return None;
        }
        tcsetpgrp(&tty, group).ok()?;
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
    }
}

/// The end of the command's stderr so far, as one clean line.
fn stderr_tail(tail: &Mutex<Vec<u8>>) -> String {
    // Let the reader catch up with what the command wrote last.
    thread::sleep(Duration::from_millis(50));
    let bytes = tail.lock().map(|t| t.clone()).unwrap_or_default();
    let text = String::from_utf8_lossy(&bytes);
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    clean(&lines.join(" | "))
}
