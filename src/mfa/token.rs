//! The token command (`--token-command`, `mfa_process`): run without a shell,
//! bounded in time, its stderr passed through (a YubiKey's "touch your key"
//! must be seen), the last line of its stdout taken as the code.

use super::{normalize, program};
use crate::error::{Error, clean};
use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::thread;
use std::time::{Duration, Instant};

/// How much of the command's stderr is kept for an error message.
const TAIL: usize = 400;
/// More stdout than this is not a code.
const MAX_OUTPUT: u64 = 64 * 1024;

pub fn run(cmd: &str, origin: &str, timeout: Duration) -> Result<String, Error> {
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
        .spawn()
        .map_err(|err| match err.kind() {
            std::io::ErrorKind::NotFound => fail("was not found on PATH".into(), ""),
            _ => fail(format!("could not start ({err})"), ""),
        })?;

    let (out_tx, out_rx) = mpsc::channel();
    if let Some(stdout) = child.stdout.take() {
        thread::spawn(move || {
            let mut text = String::new();
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
                let mut ours = std::io::stderr().lock();
                let _ = ours.write_all(&chunk[..n]).and_then(|()| ours.flush());
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
