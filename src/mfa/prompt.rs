//! The prompt on the terminal itself (/dev/tty, never stdout), so it works
//! inside `$(…)`, direnv and credential_process. The terminal is left as it
//! is: the code is visible while typed (as in aws-vault's terminal prompt;
//! botocore hides it) and Ctrl-C ends mfa-env by SIGINT like any command, with nothing written
//! and no terminal mode to undo.

use super::{Ask, Code};
use crate::duration;
use crate::error::{Error, clean_lines};
use rustix::event::{PollFd, PollFlags, Timespec, poll};
use std::fs::{File, OpenOptions};
use std::io::{BufReader, Write};
use std::time::Duration;

/// The terminal, when /dev/tty opens.
pub fn open() -> std::io::Result<File> {
    OpenOptions::new().read(true).write(true).open("/dev/tty")
}

/// One answer typed on the terminal, as typed (the caller checks it). `note`
/// is said on a line of its own before the prompt.
pub fn ask(tty: &File, ask: &Ask<'_>, note: Option<&str>) -> Result<Code, Error> {
    let unreadable = |err: std::io::Error| Error::CodeUnreadable {
        source_name: "the terminal",
        why: err.to_string(),
    };
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
    let Some(line) = super::read_line(&mut BufReader::new(tty), "the terminal")? else {
        // Ctrl-D: end the prompt's line, then say no code was typed.
        let _ = writer.write_all(b"\n");
        return Err(Error::NoCode {
            why: "none was typed at the prompt".into(),
        });
    };
    Ok(line)
}

/// When mfa-env runs inside direnv's evaluation of an .envrc: how long after
/// the prompt direnv says it "is taking a while to execute" (its timer started
/// a little before mfa-env did, so this is just after it).
fn direnv_warning() -> Option<Duration> {
    if std::env::var_os("DIRENV_IN_ENVRC").is_none_or(|v| v != "1") {
        return None;
    }
    let timeout = std::env::var("DIRENV_WARN_TIMEOUT")
        .ok()
        .and_then(|v| duration::parse_go(&v))
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
