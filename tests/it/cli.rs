//! Help, version and usage errors.

use crate::common::*;

#[test]
fn help_shows_examples_and_exits_0() {
    let env = TestEnv::new();
    let out = env.run(&["--help"]);
    ok(&out);
    let text = stdout(&out);
    for part in [
        "eval \"$(mfa-env)\"",
        "mfa-env -- aws s3 ls",
        "--token-code",
        "--duration",
        "--region",
    ] {
        assert!(text.contains(part), "help lacks {part}");
    }
}

/// The version and the commit the binary was built from (this checkout's
/// HEAD: the tests build it first).
#[test]
fn version_names_the_commit() {
    let env = TestEnv::new();
    let out = env.run(&["--version"]);
    ok(&out);
    let head = std::process::Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("git");
    let head = String::from_utf8_lossy(&head.stdout).trim().to_string();
    assert_eq!(head.len(), 12, "a git checkout");
    assert_eq!(
        stdout(&out),
        format!("mfa-env {} (commit {head})\n", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn unknown_flag_is_a_usage_error() {
    let env = TestEnv::new();
    let out = env.run(&["--no-such-flag"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stdout(&out), "false\n", "an eval of it fails too");
    assert!(stderr(&out).contains("--no-such-flag"));
}

#[test]
fn verbose_names_the_steps_and_never_a_secret() {
    let (env, stub) = TestEnv::with_moto();
    let out = env.run(&["-v", "-t", CODE]);
    ok(&out);
    let err = stderr(&out);
    assert!(err.contains("profile 'default' from "), "{err}");
    assert!(
        err.contains(&format!(
            "GetSessionToken for {SERIAL}, 43200s, at {}",
            stub.url()
        )),
        "{err}"
    );
    for secret in [SECRET, CODE, "wJalrXUtnFEMI"] {
        assert!(!err.contains(secret), "{err}");
    }
    let quiet = env.run(&["-q", "-v", "-t", CODE]);
    assert_eq!(stderr(&quiet), "");
}
