//! Renewals under `--server` (issue 20): no storms, no code used twice.

use crate::common::*;

/// A --min-ttl no new session could meet is refused before any request
/// (exit 2, the cap named), with or without --server, and nothing runs.
#[test]
fn a_min_ttl_no_new_session_could_meet_is_a_usage_error_naming_the_cap() {
    let stub = Stub::moto();
    let env = role_env(&stub.url(), "");
    let ran = env.home().join("ran");
    let touch = format!("touch {}", ran.display());
    let chained = "mfa-env: --min-ttl 2h00m cannot be met: a new session of profile 'admin' is a role session assumed with the MFA session, which AWS caps at 1h00m (role chaining), so none would ever have more than 2h00m left, and every run (every request under --server) would ask STS for another. Give a --min-ttl under 1h00m, or -d over 1h (up to 12h, within the role's maximum session duration) to assume the role directly with the long-term keys and a code\n";
    for args in [
        &[
            "--server",
            "-p",
            "admin",
            "--min-ttl",
            "2h",
            "-t",
            CODE,
            "--",
            "sh",
            "-c",
            &touch,
        ][..],
        &["-p", "admin", "--min-ttl", "2h", "-t", CODE],
        &["serve", "admin", "--min-ttl", "2h", "-t", CODE],
    ] {
        let out = env.run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?} {}", stderr(&out));
        assert_eq!(stderr(&out), chained, "{args:?}");
        // The printing run prints `false`, so that an eval of it fails.
        assert!(!stdout(&out).contains("AWS_"), "{args:?}");
    }
    let out = env.run(&["-p", "admin", "-d", "4h", "--min-ttl", "4h", "-t", CODE]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        "mfa-env: --min-ttl 4h00m cannot be met: a new session of profile 'admin' lasts 4h00m (-d 4h00m), so none would ever have more than 4h00m left, and every run (every request under --server) would ask STS for another. Give a --min-ttl under 4h00m, or a longer session with -d (up to 12h00m)\n"
    );
    assert!(stub.actions().is_empty(), "{:?}", stub.actions());
    assert!(!ran.exists(), "the command ran");

    let (env, stub) = TestEnv::with_moto();
    let out = env.run(&[
        "--server",
        "-d",
        "15m",
        "--min-ttl",
        "15m",
        "-t",
        CODE,
        "--",
        "true",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        "mfa-env: --min-ttl 15m cannot be met: a new session of profile 'default' lasts 15m (-d 15m), so none would ever have more than 15m left, and every run (every request under --server) would ask STS for another. Give a --min-ttl under 15m, or a longer session with -d (up to 36h00m)\n"
    );
    assert!(stub.actions().is_empty(), "{:?}", stub.actions());
}

#[test]
fn a_short_session_is_renewed_once_per_half_of_its_life_not_per_request() {
    let (env, stub) = TestEnv::with_moto();
    let runs = env.home().join("token-command-runs");
    let command = format!("sh -c 'echo run >> {}; echo {CODE}'", runs.display());
    let mut served = Served::start(
        &env,
        &["--server", "-d", "15m", "--token-command", &command],
    );
    let keys: Vec<String> = (0..10).map(|_| served.key()).collect();
    assert_eq!(keys, vec![keys[0].clone(); 10]);
    let out = served.finish();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stub.actions(), ["GetSessionToken"]);
    assert_eq!(
        std::fs::read_to_string(&runs).ok().as_deref(),
        Some("run\n")
    );
}
