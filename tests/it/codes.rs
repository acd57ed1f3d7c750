//! Where the MFA code comes from: the flag, stdin, a token command, the
//! profile's mfa_process, or the terminal (driven through a pseudo-terminal).

use crate::common::*;

fn user_env(url: &str) -> TestEnv {
    let mut env = TestEnv::new();
    env.endpoint(url);
    env
}

#[test]
fn token_command_prints_the_code_and_its_stderr_passes_through() {
    let stub = Stub::moto();
    let env = user_env(&stub.url());
    let out = env.run(&[
        "-v",
        "--token-command",
        "sh -c 'echo Touch your YubiKey... >&2; printf \"noise\\n 246 810 \\n\\n\"'",
    ]);
    ok(&out);
    let err = stderr(&out);
    assert!(err.contains("Touch your YubiKey...\n"), "{err}");
    assert!(
        err.contains("using the MFA code from the command sh (--token-command)"),
        "{err}"
    );
    assert_eq!(
        stub.requests()[0].param("TokenCode").as_deref(),
        Some("246810")
    );
}

#[test]
fn mfa_process_in_the_profile_and_the_flag_before_it() {
    let stub = Stub::moto();
    let env = user_env(&stub.url());
    env.write_config(&format!(
        "[default]\nmfa_serial = {SERIAL}\nmfa_process = sh -c 'echo 135790'\n"
    ));
    let out = env.run(&["-v"]);
    ok(&out);
    assert!(stderr(&out).contains("(mfa_process of profile 'default')"));
    assert_eq!(
        stub.requests()[0].param("TokenCode").as_deref(),
        Some("135790")
    );

    let out = env.run(&["--refresh", "-t", "975310"]);
    ok(&out);
    assert_eq!(
        stub.requests()[1].param("TokenCode").as_deref(),
        Some("975310")
    );
    let out = env.run(&["--refresh", "--token-command", "echo 864200"]);
    ok(&out);
    assert_eq!(
        stub.requests()[2].param("TokenCode").as_deref(),
        Some("864200")
    );
}

fn token_failure(command: &str, extra: &[&str], expected: &[&str]) {
    let stub = Stub::moto();
    let env = user_env(&stub.url());
    let mut args = vec!["--token-command", command];
    args.extend_from_slice(extra);
    let out = env.run(&args);
    // The command's own stderr passes through; mfa-env's error is the last line.
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout(&out), "false\n");
    let err = stderr(&out);
    let last = err.lines().last().unwrap_or("");
    assert!(last.starts_with("mfa-env: "), "{err}");
    for part in expected {
        assert!(last.contains(part), "lacks {part:?}: {last}");
    }
    assert_eq!(stub.count(), 0);
    assert!(
        !stderr(&out).contains("hunter2"),
        "the command line is not shown"
    );
}

#[test]
fn token_command_failures() {
    token_failure(
        "sh -c 'echo no YubiKey found >&2; exit 3' --password=hunter2",
        &[],
        &[
            "the MFA token command sh (from --token-command) failed with exit status 3",
            "its stderr ended with: no YubiKey found",
            "--token-code",
        ],
    );
    token_failure(
        "sh -c 'echo waiting for touch >&2; sleep 30'",
        &["--token-timeout", "1s"],
        &[
            "did not finish within 1 seconds and was stopped",
            "waiting for touch",
        ],
    );
    token_failure(
        "sh -c 'echo hello; echo 12345'",
        &[],
        &["printed no 6-digit code as its last line"],
    );
    token_failure(
        "no-such-token-tool-xyz --pw hunter2",
        &[],
        &["no-such-token-tool-xyz", "was not found on PATH"],
    );
    token_failure("sh -c 'unterminated", &[], &["cannot be split into words"]);
}

#[test]
fn wrong_code_from_a_command_fails_at_once() {
    let stub = Stub::sts_error(
        403,
        "AccessDenied",
        "MultiFactorAuthentication failed with invalid MFA one time pass code.",
    );
    let env = user_env(&stub.url());
    let out = env.run(&["--token-command", "echo 111111"]);
    assert_fails(&out, &["wrong or already used", "Wait for the next code"]);
    assert_eq!(stub.count(), 1, "no second try without a person");
}

/// Runs `mfa-env ARGS > out` in a shell on a pseudo-terminal (so the prompt
/// goes to /dev/tty while stdout is captured, as in `$(…)`), with the
/// terminal settings saved before and after.
fn on_terminal(env: &TestEnv, args: &str) -> rexpect::session::PtySession {
    let script = format!(
        "trap : INT; stty -g > before; \"$0\" {args} > out; echo \"rc=$?\"; stty -g > after; sleep 0.2"
    );
    let mut cmd = env.command("sh");
    cmd.args(["-c", &script]).arg(bin());
    rexpect::session::spawn_command(cmd, Some(20_000)).expect("spawn on a pty")
}

fn file(env: &TestEnv, name: &str) -> String {
    std::fs::read_to_string(env.home().join("work").join(name)).unwrap_or_default()
}

#[test]
fn prompt_on_the_terminal_while_stdout_is_captured() {
    let stub = Stub::moto();
    let env = user_env(&stub.url());
    let mut pty = on_terminal(&env, "");
    pty.exp_string(&format!("MFA code for profile default ({SERIAL}): "))
        .expect("prompt");
    pty.send_line("123 456").expect("type");
    pty.exp_string("rc=0").expect("success");
    let out = file(&env, "out");
    assert!(out.starts_with("export AWS_ACCESS_KEY_ID="), "{out}");
    assert!(!out.contains("MFA code"), "the prompt is not on stdout");
    assert_eq!(
        stub.requests()[0].param("TokenCode").as_deref(),
        Some("123456")
    );
    assert_eq!(
        file(&env, "before"),
        file(&env, "after"),
        "terminal left as it was"
    );
}

#[test]
fn wrong_code_at_the_prompt_is_asked_again() {
    let refused = sts_error_xml(
        "AccessDenied",
        "MultiFactorAuthentication failed with invalid MFA one time pass code.",
    );
    let stub = Stub::script(vec![(403, refused.clone()), (200, sts_session_xml())]);
    let env = user_env(&stub.url());
    let mut pty = on_terminal(&env, "");
    pty.exp_string("MFA code for profile default")
        .expect("prompt");
    pty.send_line("111111").expect("type");
    pty.exp_string("a code works only once). Wait for the next code. Try 2 of 3.")
        .expect("note");
    pty.exp_string("MFA code for profile default")
        .expect("second prompt");
    pty.send_line("222222").expect("type");
    pty.exp_string("rc=0").expect("success");
    let codes: Vec<_> = stub
        .requests()
        .iter()
        .map(|r| r.param("TokenCode"))
        .collect();
    assert_eq!(codes, [Some("111111".into()), Some("222222".into())]);
    assert!(file(&env, "out").contains("ASIASTUBSTUBSTUB1234"));

    // Three refusals: it gives up with the hint.
    let stub = Stub::script(vec![
        (403, refused.clone()),
        (403, refused.clone()),
        (403, refused),
    ]);
    let env = user_env(&stub.url());
    let mut pty = on_terminal(&env, "");
    for _ in 0..3 {
        pty.exp_string("MFA code for profile default")
            .expect("prompt");
        pty.send_line("333333").expect("type");
    }
    pty.exp_string("wrong or already used").expect("error");
    pty.exp_string("rc=1").expect("failure");
    assert_eq!(stub.count(), 3);
    assert_eq!(file(&env, "out"), "false\n");
}

#[test]
fn ctrl_c_at_the_prompt() {
    let stub = Stub::moto();
    let env = user_env(&stub.url());
    let mut pty = on_terminal(&env, "");
    pty.exp_string("MFA code for profile default")
        .expect("prompt");
    pty.send_control('c').expect("ctrl-c");
    pty.exp_string("rc=130").expect("interrupted");
    assert_cancelled(pty, &env, &stub, "", "nothing written");
}

/// After a Ctrl-C: the run ended having written `out` (`why`), with the
/// terminal restored, nothing cached and nothing sent to STS.
fn assert_cancelled(
    mut pty: rexpect::session::PtySession,
    env: &TestEnv,
    stub: &Stub,
    out: &str,
    why: &str,
) {
    pty.exp_eof().expect("end");
    assert_eq!(file(env, "out"), out, "{why}");
    assert_eq!(file(env, "before"), file(env, "after"), "terminal restored");
    assert!(env.cache_files(".json").is_empty(), "nothing cached");
    assert_eq!(stub.count(), 0);
}

#[test]
fn ctrl_c_in_a_token_command_on_the_terminal() {
    let stub = Stub::moto();
    let env = user_env(&stub.url());
    let mut pty = on_terminal(
        &env,
        "--token-command 'sh -c \"echo touch your key >&2; read x; echo $x\"'",
    );
    pty.exp_string("touch your key").expect("the command asks");
    // The command has the terminal, so Ctrl-C reaches it (not mfa-env).
    pty.send_control('c').expect("ctrl-c");
    pty.exp_string("no MFA code: the token command sh was interrupted (Ctrl-C), so nothing was written or cached")
        .expect("cancelled");
    pty.exp_string("rc=130")
        .expect("as for Ctrl-C at the prompt");
    assert_cancelled(pty, &env, &stub, "false\n", "only what fails an eval");
}

#[test]
fn printing_to_the_terminal_says_how_to_use_the_lines() {
    let stub = Stub::moto();
    let env = user_env(&stub.url());
    let mut cmd = env.command(bin());
    cmd.args(["-t", CODE]);
    let mut pty = rexpect::session::spawn_command(cmd, Some(20_000)).expect("pty");
    pty.exp_string("these lines change nothing when only printed: run eval")
        .expect("hint");
    pty.exp_string("export AWS_ACCESS_KEY_ID=").expect("lines");
    // Captured by $(…), no hint.
    let out = env.run(&["-t", CODE]);
    assert_eq!(stderr(&out), "");
}

#[test]
fn typos_and_refused_codes_share_three_tries() {
    let refused = sts_error_xml(
        "AccessDenied",
        "MultiFactorAuthentication failed with invalid MFA one time pass code.",
    );
    let stub = Stub::script(vec![(403, refused), (200, sts_session_xml())]);
    let env = user_env(&stub.url());
    let mut pty = on_terminal(&env, "");
    pty.exp_string("MFA code for profile default")
        .expect("prompt");
    pty.send_line("12").expect("type");
    pty.exp_string("has 2 digits. Type the 6 digits your authenticator shows now. Try 2 of 3.\r\nMFA code for profile default")
        .expect("second prompt");
    pty.send_line("12a456").expect("type");
    pty.exp_string("holds characters other than digits. Type the 6 digits your authenticator shows now. Try 3 of 3.\r\nMFA code for profile default")
        .expect("third prompt");
    pty.send_line("111111").expect("type");
    let rest = pty
        .exp_string("rc=1")
        .expect("failure after the third answer");
    assert!(rest.contains("wrong or already used"), "{rest}");
    assert!(
        !rest.contains("MFA code for profile"),
        "no fourth ask: {rest}"
    );
    assert_eq!(stub.count(), 1, "typos are never sent");
    assert_eq!(
        stub.requests()[0].param("TokenCode").as_deref(),
        Some("111111")
    );
    assert_eq!(file(&env, "out"), "false\n", "only what fails an eval");
    assert!(env.cache_files(".json").is_empty());
}

#[test]
fn token_command_gets_the_terminal_under_the_aws_cli() {
    let Some(aws) = tool("aws") else { return };
    let (env, stub) = TestEnv::with_moto();
    // Says "touch your key" on stderr and reads its answer from stdin, as
    // ykman or a password manager's unlock prompt would.
    let script = env.write_script(
        "token.sh",
        "#!/bin/sh\necho 'touch your key, then type the code:' >&2\nIFS= read -r answer\necho \"$answer\"\n",
    );
    env.write_via_mfa_env_config(&format!(
        "{} credential-process --profile default --token-command {}",
        bin().display(),
        script.display()
    ));
    let mut cmd = env.command(&aws);
    cmd.args(aws_identity_args("text"));
    let mut pty = rexpect::session::spawn_command(cmd, Some(30_000)).expect("pty");
    // The CLI captures the process's stdout and stderr: this is the terminal.
    pty.exp_string("touch your key, then type the code:")
        .expect("the command's stderr on the terminal");
    pty.send_line("246 810").expect("type");
    pty.exp_string("123456789012")
        .expect("the CLI got credentials");
    pty.exp_eof().expect("end");
    assert_eq!(stub.actions(), ["GetSessionToken", "GetCallerIdentity"]);
    assert_eq!(
        stub.requests()[0].param("TokenCode").as_deref(),
        Some("246810")
    );
}

/// A `ykman` stand-in on PATH: records its arguments, says "touch" on stderr
/// and prints a code.
fn ykman_env(url: &str) -> TestEnv {
    let mut env = user_env(url);
    let dir = env.home().join("bin");
    std::fs::create_dir_all(&dir).unwrap();
    let ykman = dir.join("ykman");
    std::fs::write(
        &ykman,
        "#!/bin/sh\nprintf '%s\\n' \"$@\" > \"$HOME/ykman.args\"\necho 'Touch your YubiKey...' >&2\necho 192837\n",
    )
    .unwrap();
    std::fs::set_permissions(&ykman, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let path = format!("{}:{}", dir.display(), std::env::var("PATH").unwrap());
    env.set("PATH", &path);
    env
}

#[test]
fn ykman_asks_the_yubikey() {
    let stub = Stub::moto();
    let mut env = ykman_env(&stub.url());
    let args = |env: &TestEnv| std::fs::read_to_string(env.home().join("ykman.args")).unwrap();

    // The serial names the OATH account when mfa_oath_name is not set.
    let out = env.run(&["--prompt", "ykman", "-v"]);
    ok(&out);
    assert_eq!(
        args(&env),
        format!("oath\naccounts\ncode\n--single\n--\n{SERIAL}\n")
    );
    let err = stderr(&out);
    assert!(err.contains("Touch your YubiKey...\n"), "{err}");
    assert!(
        err.contains("using the MFA code from ykman (--prompt)"),
        "{err}"
    );
    assert_eq!(
        stub.requests()[0].param("TokenCode").as_deref(),
        Some("192837")
    );

    // mfa_prompt and mfa_oath_name in the profile; the device from the environment.
    env.write_config(&format!(
        "[default]\nmfa_serial = {SERIAL}\nmfa_prompt = ykman\nmfa_oath_name = Amazon Web Services:alice@work\n"
    ));
    env.set("YKMAN_OATH_DEVICE_SERIAL", "12345678");
    let out = env.run(&["--refresh"]);
    ok(&out);
    assert_eq!(
        args(&env),
        "--device\n12345678\noath\naccounts\ncode\n--single\n--\nAmazon Web Services:alice@work\n"
    );
    assert_eq!(stub.count(), 2);

    // No ykman on PATH.
    env.set("PATH", &std::env::var("PATH").unwrap());
    let out = env.run(&["--refresh"]);
    assert_fails(
        &out,
        &[
            "the MFA token command ykman (from mfa_prompt of profile 'default') was not found on PATH",
        ],
    );
    assert_eq!(stub.count(), 2);
}

#[test]
fn a_token_command_that_leaves_a_process_behind_gives_its_code_and_the_process_ends() {
    let stub = Stub::moto();
    let env = user_env(&stub.url());
    let pid_file = env.home().join("left.pid");
    let command = format!("sh -c 'echo {CODE}; sleep 300 & echo $! > \"$HOME/left.pid\"'");
    let out = env.run(&["--token-command", &command]);
    ok(&out);
    assert_eq!(stub.requests()[0].param("TokenCode").as_deref(), Some(CODE));
    let pid = std::fs::read_to_string(&pid_file).expect("the command ran");
    let proc = std::path::PathBuf::from(format!("/proc/{}", pid.trim()));
    // Killed, then reaped by whoever adopted it (a zombie has no cmdline).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let alive = || std::fs::read(proc.join("cmdline")).is_ok_and(|c| c.starts_with(b"sleep"));
    while alive() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(!alive(), "the sleep the command left behind survives");
}

#[test]
fn nothing_lands_as_an_option_of_ykman() {
    let stub = Stub::moto();
    let mut env = ykman_env(&stub.url());
    let ran = env.home().join("ykman.args");
    for (oath_name, device, expected) in [
        ("--password=x", None, "OATH account '--password=x'"),
        ("AWS:alice", Some("--password=x"), "is not a YubiKey serial"),
        ("AWS:alice", Some("-h"), "is not a YubiKey serial"),
    ] {
        env.write_config(&format!(
            "[default]\nmfa_serial = {SERIAL}\nmfa_prompt = ykman\nmfa_oath_name = {oath_name}\n"
        ));
        match device {
            Some(serial) => env.set("YKMAN_OATH_DEVICE_SERIAL", serial),
            None => env.set("YKMAN_OATH_DEVICE_SERIAL", "12345678"),
        };
        let out = env.run(&[]);
        assert_fails(&out, &["the MFA token command ykman", expected]);
        assert!(
            !ran.exists(),
            "ykman ran: {:?}",
            std::fs::read_to_string(&ran)
        );
    }
    assert_eq!(stub.count(), 0);
}

#[test]
fn prompt_precedence_flag_environment_profile() {
    let stub = Stub::moto();
    let mut env = ykman_env(&stub.url());
    env.write_config(&format!(
        "[default]\nmfa_serial = {SERIAL}\nmfa_prompt = terminal\n"
    ));
    // The profile alone: the terminal, which a run without one does not have.
    let out = env.run(&[]);
    assert_fails(&out, &["no MFA code: there is no terminal to ask on"]);
    // MFA_ENV_PROMPT before the profile.
    env.set("MFA_ENV_PROMPT", "ykman");
    let out = env.run(&[]);
    ok(&out);
    // The flag before both.
    let out = env.run(&["--refresh", "--prompt", "terminal"]);
    assert_fails(&out, &["no MFA code: there is no terminal to ask on"]);
    // A token command before any prompt.
    let out = env.run(&["--refresh", "--token-command", "echo 101010"]);
    ok(&out);
    assert_eq!(stub.count(), 2);

    env.set("MFA_ENV_PROMPT", "dialog");
    let out = env.run(&["--refresh"]);
    assert_fails(
        &out,
        &[
            "MFA_ENV_PROMPT is 'dialog', which is not a way to ask for the code",
            "auto, terminal, zenity, kdialog, osascript, ykman",
        ],
    );
    let out = env.run(&["--refresh", "--prompt", "dialog"]);
    assert_eq!(out.status.code(), Some(2), "a usage error");

    // No terminal and no desktop: the error names every way.
    env.vars.remove("MFA_ENV_PROMPT");
    env.write_config(&format!("[default]\nmfa_serial = {SERIAL}\n"));
    let out = env.run(&["--refresh"]);
    assert_fails(
        &out,
        &[
            "and no desktop dialog (zenity or kdialog with DISPLAY or WAYLAND_DISPLAY set",
            "--token-code",
            "--prompt zenity, kdialog or osascript",
        ],
    );
    let out = env.run(&["--refresh", "--prompt", "zenity"]);
    assert_fails(
        &out,
        &["zenity needs a desktop, and neither DISPLAY nor WAYLAND_DISPLAY is set"],
    );
    assert_eq!(stub.count(), 2);
}
