//! The prompt on the terminal itself (/dev/tty, never stdout), so it works
//! inside `$(…)`, direnv and credential_process. The code is visible while
//! typed (as in aws-vault's terminal prompt; botocore hides it) and Ctrl-C
//! ends mfa-env by SIGINT like any command, with nothing written and no
//! terminal mode to undo. Inside direnv, Ctrl-C is read as a key
//! (`InterruptKey`): a SIGINT would reach direnv too, which kills the
//! .envrc's evaluation, so the rest of it would not load and no reload would
//! be watched for.

use super::{Code, CodeRequest};
use crate::duration;
use crate::error::{Error, clean_lines};
use rustix::event::{PollFd, PollFlags, Timespec, poll};
use rustix::termios::{self, LocalModes, OptionalActions, SpecialCodeIndex, Termios};
use std::fs::{File, OpenOptions};
use std::io::{BufReader, Read, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Whether `--server` runs (`serving`): mfa-env blocks SIGTTIN, so a read
/// of the terminal from the background fails instead of stopping it.
static SERVING: AtomicBool = AtomicBool::new(false);

/// Under `--server` from now on. Its renewals never ask here
/// (`Source::Away`): only the first session's prompt, before the child runs.
pub fn serving() {
    SERVING.store(true, Ordering::SeqCst);
}

/// The terminal, when /dev/tty opens.
pub fn open() -> std::io::Result<File> {
    OpenOptions::new().read(true).write(true).open("/dev/tty")
}

/// One answer typed on the terminal, as typed (the caller checks it). `note`
/// is said on a line of its own before the prompt.
pub fn ask(tty: &File, ask: &CodeRequest<'_>, note: Option<&str>) -> Result<Code, Error> {
    let serving = SERVING.load(Ordering::SeqCst);
    if serving && taken(tty) {
        return Err(Error::NoCode {
            why: "the terminal belongs to another process group: mfa-env runs in the background (bring it to the foreground with fg, or give --token-command)".into(),
        });
    }
    let unreadable = |err: std::io::Error| Error::CodeUnreadable {
        source_name: "the terminal",
        why: err.to_string(),
    };
    // Before the prompt shows: a Ctrl-C from then on is read, not signalled.
    let key = (!serving && direnv_warning().is_some())
        .then(|| InterruptKey::set(tty))
        .flatten();
    let mut writer = tty;
    let prompt = clean_lines(&ask.prompt());
    let mut text = note
        .map(|n| format!("{}\n", clean_lines(n)))
        .unwrap_or_default();
    text.push_str(&prompt);
    writer
        .write_all(text.as_bytes())
        .and_then(|()| writer.flush())
        .map_err(unreadable)?;
    if let Some(warn) = direnv_warning()
        && !line_within(tty, warn)
    {
        // direnv has said on this line that it "is taking a while": ask again
        // at the start of the line (it ends its own), else over the old prompt.
        writer
            .write_all(format!("\r{prompt}").as_bytes())
            .and_then(|()| writer.flush())
            .map_err(unreadable)?;
    }
    let mut reader = Interruptible {
        tty,
        key: key.as_ref().map(|k| k.byte),
        hit: false,
    };
    let read = super::read_line(&mut BufReader::new(&mut reader), "the terminal");
    drop(key);
    if reader.hit {
        let _ = writer.write_all(b"\n");
        return Err(Error::Cancelled {
            how: "the prompt was cancelled with Ctrl-C".into(),
        });
    }
    let Some(line) = read? else {
        // Ctrl-D: end the prompt's line, then say no code was typed.
        let _ = writer.write_all(b"\n");
        return Err(Error::NoCode {
            why: "none was typed at the prompt".into(),
        });
    };
    Ok(line)
}

/// Whether, under `--server` (whose renewals never ask here: they take
/// `Source::Away`), the terminal belongs to another process group: mfa-env
/// runs in the background, where a read fails (SIGTTIN is blocked).
fn taken(tty: &File) -> bool {
    crate::proc::terminal_taken(tty)
}

/// When mfa-env runs inside direnv's evaluation of an .envrc: how long after
/// the prompt direnv says it "is taking a while to execute" (its timer started
/// a little before mfa-env did, so this is just after it).
fn direnv_warning() -> Option<Duration> {
    let snap = crate::snapshot::Snapshot::current();
    if snap.var_os("DIRENV_IN_ENVRC").is_none_or(|v| v != "1") {
        return None;
    }
    let timeout = snap
        .var_os("DIRENV_WARN_TIMEOUT")
        .and_then(|v| v.to_str())
        .and_then(duration::parse_go)
        .unwrap_or(Duration::from_secs(5));
    Some(timeout + Duration::from_millis(200))
}

/// Whether a whole line was typed within `wait`.
fn line_within(tty: &File, wait: Duration) -> bool {
    let Ok(timeout) = Timespec::try_from(wait) else {
        return true;
    };
    let mut fds = [PollFd::new(tty, PollFlags::IN)];
    loop {
        match poll(&mut fds, Some(&timeout)) {
            Err(rustix::io::Errno::INTR) => continue,
            Ok(0) => return false,
            _ => return true,
        }
    }
}

/// While it lives, the terminal's interrupt key (Ctrl-C) makes no SIGINT and
/// ends the typed line instead (as VEOL), so that the prompt reads it; the
/// terminal's modes come back when it is dropped.
struct InterruptKey<'a> {
    tty: &'a File,
    saved: Termios,
    byte: u8,
}

impl<'a> InterruptKey<'a> {
    fn set(tty: &'a File) -> Option<InterruptKey<'a>> {
        let saved = termios::tcgetattr(tty).ok()?;
        let byte = saved.special_codes[SpecialCodeIndex::VINTR];
        // 0 is _POSIX_VDISABLE: no interrupt key.
        if byte == 0 || !saved.local_modes.contains(LocalModes::ISIG) {
            return None;
        }
        let mut changed = saved.clone();
        changed.local_modes.remove(LocalModes::ISIG);
        changed.special_codes[SpecialCodeIndex::VEOL] = byte;
        termios::tcsetattr(tty, OptionalActions::Now, &changed).ok()?;
        Some(InterruptKey { tty, saved, byte })
    }
}

impl Drop for InterruptKey<'_> {
    fn drop(&mut self) {
        let _ = termios::tcsetattr(self.tty, OptionalActions::Now, &self.saved);
    }
}

/// The terminal, read up to the interrupt key: that key ends the line (and
/// is noted in `hit`) as Enter would.
struct Interruptible<'a> {
    tty: &'a File,
    key: Option<u8>,
    hit: bool,
}

impl Read for Interruptible<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = (&*self.tty).read(buf)?;
        let at = self
            .key
            .and_then(|key| buf[..n].iter().position(|b| *b == key));
        match at {
            Some(at) => {
                self.hit = true;
                buf[at] = b'\n';
                Ok(at + 1)
            }
            None => Ok(n),
        }
    }
}
