//! Running one command with the session in its environment: by exec, or
//! (for `--server`) as a child that mfa-env supervises (`child`).

mod child;

pub use child::{Ended, Signals};

use crate::error::Error;
use crate::log::Log;
use crate::output::Exports;
use crate::snapshot::Snapshot;
use std::ffi::OsString;
use std::path::PathBuf;
use std::process::Command;

/// Set in a shell started by `mfa-env shell` (to the profile), so that one
/// started inside it can say so.
pub const SHELL_MARK: &str = "MFA_ENV_SHELL";

/// The user's shell: $SHELL, else /bin/sh.
pub fn shell() -> OsString {
    Snapshot::current()
        .var_os("SHELL")
        .filter(|s| !s.is_empty())
        .map_or_else(|| OsString::from("/bin/sh"), OsString::from)
}

/// Checks that the program exists and can be run before an MFA code is spent
/// on it; this also tells a missing program apart from one that cannot start
/// (a script whose interpreter is missing, say). As a shell does: missing is
/// 127, a file that is not executable or a directory is 126.
pub fn check(argv: &[OsString]) -> Result<(), Error> {
    let Some(program) = argv.first() else {
        return Ok(());
    };
    let name = program.to_string_lossy().into_owned();
    let path = if name.contains('/') {
        PathBuf::from(program)
    } else if which::which(program).is_ok() {
        return Ok(());
    } else {
        // A file of that name on PATH that is not executable.
        let path = Snapshot::current().var_os("PATH").unwrap_or_default();
        std::env::split_paths(path)
            .map(|dir| dir.join(program))
            .find(|p| p.is_file())
            .ok_or_else(|| Error::CommandNotFound { name: name.clone() })?
    };
    match std::fs::metadata(&path) {
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            Err(Error::CommandNotFound { name })
        }
        Ok(meta) if meta.is_dir() => Err(not_executable(name, true)),
        _ if rustix::fs::access(&path, rustix::fs::Access::EXEC_OK).is_err() => {
            Err(not_executable(name, false))
        }
        _ => Ok(()),
    }
}

fn not_executable(name: String, directory: bool) -> Error {
    let word = crate::quote::sh_word(&name);
    let why = if directory {
        "it is a directory, not a program. Name the program to run".to_string()
    } else {
        format!(
            "permission denied: it is not executable. Make it executable (chmod +x {word}), or run it with its interpreter (sh {word})"
        )
    };
    Error::NotExecutable { name, why }
}

/// Runs `argv` with the session. On Unix the process is replaced (exec), so the
/// exit status and signals are the child's own; this returns only on failure.
pub fn run(argv: &[OsString], exports: &Exports) -> Error {
    match command(argv, exports) {
        Ok((command, name)) => spawn(command, name),
        Err(err) => err,
    }
}

/// Runs `argv` with `exports` as mfa-env's child and says how it ended
/// (mfa-env then ends the same way): for `--server`, where mfa-env stays to
/// serve.
pub fn supervise(argv: &[OsString], exports: &Exports, signals: Signals) -> Result<Ended, Error> {
    let (command, name) = command(argv, exports)?;
    child::run(command, name, signals)
}

fn command(argv: &[OsString], exports: &Exports) -> Result<(Command, String), Error> {
    let Some((program, args)) = argv.split_first() else {
        return Err(Error::Exec {
            name: String::new(),
            why: "no command was given after --".into(),
        });
    };
    let name = program.to_string_lossy().into_owned();
    let mut command = Command::new(program);
    command.args(args);
    for name in exports.unset {
        command.env_remove(name);
    }
    for (name, value) in &exports.set {
        command.env(name, value);
    }
    Ok((command, name))
}

fn failure(name: String, err: std::io::Error) -> Error {
    match err.kind() {
        std::io::ErrorKind::NotFound => Error::CommandNotFound { name },
        std::io::ErrorKind::PermissionDenied => not_executable(name, false),
        _ => Error::Exec {
            name,
            why: err.to_string(),
        },
    }
}

#[cfg(unix)]
fn spawn(mut command: Command, name: String) -> Error {
    use std::os::unix::process::CommandExt;
    // The command gets the user's own core limit; exec returns only when it
    // failed, and then mfa-env goes on without cores.
    crate::proc::before_exec();
    let err = command.exec();
    crate::proc::after_failed_exec();
    failure(name, err)
}

#[cfg(not(unix))]
fn spawn(mut command: Command, name: String) -> Error {
    match command.status() {
        Ok(status) => std::process::exit(status.code().unwrap_or(1)),
        Err(err) => failure(name, err),
    }
}

/// Marks a shell started by `mfa-env shell`, and says when it is nested.
pub fn mark_shell(exports: &mut Exports, profile: &str, log: Log) {
    if let Some(outer) = Snapshot::current()
        .var_os(SHELL_MARK)
        .and_then(|v| v.to_str())
    {
        log.note(&format!(
            "starting a shell inside another mfa-env shell (profile '{outer}'); exit returns to it"
        ));
    }
    exports.set.push((SHELL_MARK, profile.to_string()));
}
