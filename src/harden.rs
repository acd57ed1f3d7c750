//! Keeping secrets out of core dumps and away from other processes.
//!
//! At start (on Linux): RLIMIT_CORE's soft limit goes to 0, so a crash leaves
//! no core file, and the process is made not dumpable (PR_SET_DUMPABLE 0), so
//! no core is written whatever the limit and no other process of the same user
//! can ptrace it or read its memory. A command run with `--` or `shell` gets
//! the user's own core limit back just before exec (exec makes it dumpable
//! again by itself); its crash dumps are the user's business.

use std::sync::OnceLock;

/// The soft core limit the user started mfa-env with (None: unlimited).
static USER_CORE_LIMIT: OnceLock<Option<u64>> = OnceLock::new();

/// Called first thing in `main`. Failures are ignored: a kernel without
/// prctl or a limit that cannot be lowered leaves nothing better to do.
pub fn start() {
    #[cfg(target_os = "linux")]
    {
        use rustix::process::{DumpableBehavior, Resource, getrlimit, set_dumpable_behavior};
        let limit = getrlimit(Resource::Core);
        let _ = USER_CORE_LIMIT.set(limit.current);
        let _ = core_limit(Some(0));
        let _ = set_dumpable_behavior(DumpableBehavior::NotDumpable);
    }
}

/// Before an exec: the user's own core limit for the command.
pub fn before_exec() {
    if let Some(limit) = USER_CORE_LIMIT.get() {
        let _ = core_limit(*limit);
    }
}

/// After an exec that failed: no core again.
pub fn after_failed_exec() {
    if USER_CORE_LIMIT.get().is_some() {
        let _ = core_limit(Some(0));
    }
}

#[cfg(target_os = "linux")]
fn core_limit(current: Option<u64>) -> rustix::io::Result<()> {
    use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
    let maximum = getrlimit(Resource::Core).maximum;
    setrlimit(Resource::Core, Rlimit { current, maximum })
}

#[cfg(not(target_os = "linux"))]
fn core_limit(_current: Option<u64>) -> std::io::Result<()> {
    Ok(())
}
