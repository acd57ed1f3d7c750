//! Renewals under `--server` (issue 20): no storms, no code used twice.

use crate::common::*;

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
