//! The one path for everything mfa-env writes to stdout and stderr.
//!
//! A closed pipe (EPIPE: `mfa-env status | head -1`, a reader that is gone)
//! ends the run at once and quietly with exit status 141 (128 + SIGPIPE, what
//! the shell reports for a program killed by SIGPIPE), never a panic, never a
//! message. Other stdout errors are reported; other stderr errors are ignored,
//! as there is nowhere left to say them.

use crate::error::Error;
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};

/// stdin read straight from its descriptor, with no buffer: behind a
/// `BufReader` of capacity 1 a line is read a byte at a time, so whatever
/// follows it (`-t -` then the child's input) is left for the child.
pub struct Unbuffered;

impl io::Read for Unbuffered {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        use std::os::fd::AsFd;
        Ok(rustix::io::read(io::stdin().as_fd(), buf)?)
    }
}

/// The exit status of a run ended by a closed stdout or stderr.
pub const CLOSED_PIPE: u8 = 141;

/// Writes `text` to stdout and flushes it.
pub fn out(text: &str) -> Result<(), Error> {
    out_bytes(text.as_bytes())
}

pub fn out_bytes(bytes: &[u8]) -> Result<(), Error> {
    let mut stdout = io::stdout().lock();
    let result = stdout.write_all(bytes).and_then(|()| stdout.flush());
    drop(stdout);
    match result {
        Err(err) if err.kind() == io::ErrorKind::BrokenPipe => closed(),
        other => other.map_err(Error::Stdout),
    }
}

/// Writes `text` to stderr.
pub fn err(text: &str) {
    err_bytes(text.as_bytes());
}

pub fn err_bytes(bytes: &[u8]) {
    let mut stderr = io::stderr().lock();
    let result = stderr.write_all(bytes).and_then(|()| stderr.flush());
    drop(stderr);
    if let Err(err) = result
        && err.kind() == io::ErrorKind::BrokenPipe
        && !SERVING.load(Ordering::Relaxed)
    {
        closed();
    }
}

/// Set while `--server` runs its child: mfa-env must go on serving it, so a
/// closed stderr then loses the message and nothing else.
static SERVING: AtomicBool = AtomicBool::new(false);

/// From now on a closed stderr does not end the run.
pub fn serving() {
    SERVING.store(true, Ordering::Relaxed);
}

/// Ends the run because stdout or stderr is a pipe no one reads.
fn closed() -> ! {
    std::process::exit(i32::from(CLOSED_PIPE))
}
