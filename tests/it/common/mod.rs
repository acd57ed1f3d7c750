//! The one integration-test helper, split by job: `testenv` (a temporary
//! HOME, runs of the real binary and assertions on them), `stub` (moto's STS
//! server and a recording HTTP stub on 127.0.0.1), `fixtures` (STS answers,
//! dates, a plain HTTP client), `served` (a child under --server), `docker`
//! (real Docker for the container tests), `keyring` (a private Secret
//! Service), `iam` (moto's IAM users, through boto3). Nothing here touches
//! the real ~/.aws or any address off this machine.

mod docker;
mod fixtures;
mod iam;
mod keyring;
mod served;
mod stub;
mod testenv;

pub use docker::*;
pub use fixtures::*;
pub use iam::*;
pub use keyring::*;
pub use served::*;
pub use stub::*;
pub use testenv::*;

use std::path::PathBuf;
use std::process::Child;

pub const KEY_ID: &str = "AKIAFAKEFAKEFAKE1234";
pub const SECRET: &str = "fakeSecretKeyForTestsOnly/0123456789abcd";
pub const SERIAL: &str = "arn:aws:iam::123456789012:mfa/alice";
/// The account SERIAL names.
pub const ACCOUNT: &str = "123456789012";
/// The MFA code tests pass; it must never show up in any output.
pub const CODE: &str = "914725";

/// The binary under test.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_mfa-env"))
}

/// A tool a test needs. Missing: the test fails under CI=true (CI installs it),
/// and elsewhere says it skipped.
pub fn tool(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let found = std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file());
    if found.is_none() {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("{name} is required under CI=true but is not installed; .ci/run installs it");
        }
        eprintln!("SKIPPED: {name} is not installed (CI installs it)");
    }
    found
}

/// Kills a child if a test panics before it is reaped.
pub struct Reaper(pub Child);

impl Drop for Reaper {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `program` run as another user (nobody: uid and gid 65534, no groups),
/// through setpriv; None when that cannot be done here (not root, or no
/// setpriv: then the test says it skipped, or fails under CI=true).
pub fn as_other_user(program: &str) -> Option<std::process::Command> {
    if rustix::process::geteuid().as_raw() != 0 {
        eprintln!("SKIPPED: needs root to run a process as another user");
        return None;
    }
    let setpriv = tool("setpriv")?;
    let mut command = std::process::Command::new(setpriv);
    command.args([
        "--reuid=65534",
        "--regid=65534",
        "--clear-groups",
        "--",
        program,
    ]);
    Some(command)
}
