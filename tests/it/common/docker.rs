//! Real Docker for the container tests: the test image (built by .ci/run
//! with debootstrap, no registry), the network `mfa-env`, and a moto on its
//! bridge address 169.254.170.2, where containers on that network reach it.

use super::*;
use std::process::{Command, Output, Stdio};
use std::sync::{Mutex, MutexGuard, OnceLock};

/// The image .ci/run builds: Debian bookworm with boto3 and the AWS CLI v2.
pub const IMAGE: &str = "mfa-env-test:bookworm";

/// One container test at a time (one of them replaces the network), once
/// Docker answers and the image is there; None (SKIPPED) when not, which
/// fails under CI=true.
pub fn docker() -> Option<MutexGuard<'static, ()>> {
    static LOCK: Mutex<()> = Mutex::new(());
    tool("docker")?;
    let guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    if !docker_ok(&["image", "inspect", IMAGE]) {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("Docker must run with the image {IMAGE} under CI=true; .ci/run builds it");
        }
        eprintln!("SKIPPED: Docker is not running or has no image {IMAGE} (.ci/run builds it)");
        return None;
    }
    Some(guard)
}

/// `docker ARGS`, its output.
pub fn docker_run(args: &[&str]) -> Output {
    Command::new("docker")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("docker")
}

fn docker_ok(args: &[&str]) -> bool {
    docker_run(args).status.success()
}

/// Makes the network `mfa-env` as mfa-env makes it (again, after a test
/// replaced it).
pub fn bridge_network() {
    if !docker_ok(&["network", "inspect", "mfa-env"]) {
        docker_run(&[
            "network",
            "create",
            "--subnet",
            "169.254.170.0/24",
            "--gateway",
            "169.254.170.2",
            "mfa-env",
        ]);
    }
}

/// moto on 169.254.170.2, one per test run.
pub fn bridge_moto() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| {
        bridge_network();
        start_moto_on("169.254.170.2", &[])
    })
}
