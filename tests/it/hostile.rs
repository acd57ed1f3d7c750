//! Hostile STS answers, config files, codes and endpoints: every read is
//! bounded, every value that cannot be carried is refused, no password or
//! invisible character reaches the terminal.

use crate::common::*;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;

fn stub_env(stub: &Stub) -> TestEnv {
    let mut env = TestEnv::new();
    env.endpoint(&stub.url());
    env
}

/// A GetSessionToken answer with these credentials.
fn answer(key_id: &str, secret: &str, token: &str, expiration: &str) -> String {
    format!(
        "<GetSessionTokenResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><GetSessionTokenResult><Credentials><AccessKeyId>{key_id}</AccessKeyId><SecretAccessKey>{secret}</SecretAccessKey><SessionToken>{token}</SessionToken><Expiration>{expiration}</Expiration></Credentials></GetSessionTokenResult><ResponseMetadata><RequestId>58c5dbae-abef-11e0-8cfe-09039844ac7d</RequestId></ResponseMetadata></GetSessionTokenResponse>"
    )
}

#[test]
fn a_code_line_on_stdin_is_read_to_256_bytes_only() {
    let stub = Stub::start(Behavior::Reply(200, sts_session_xml()));
    let env = stub_env(&stub);
    let mut child = spawn_piped(&mut env.mfa_env(&["-t", "-"]));
    let mut stdin = child.stdin.take().expect("stdin");
    // An endless line: mfa-env stops reading it, and the writer sees EPIPE.
    let writer = std::thread::spawn(move || {
        let chunk = vec![b'7'; 64 * 1024];
        let mut written = 0usize;
        while written < 512 * 1024 * 1024 && stdin.write_all(&chunk).is_ok() {
            written += chunk.len();
        }
        written
    });
    let out = child.wait_with_output().expect("wait");
    let written = writer.join().expect("writer");
    assert!(written < 512 * 1024 * 1024, "mfa-env kept reading");
    assert_fails(&out, &["from stdin", "longer than 256 bytes"]);
    assert_eq!(stub.count(), 0);

    // 256 bytes of spaces around a code are still a code.
    let line = format!("{}{CODE}{}\n", " ".repeat(100), " ".repeat(150));
    let out = run_with_input(&mut env.mfa_env(&["-t", "-"]), line.as_bytes());
    ok(&out);
    assert_eq!(stub.requests()[0].param("TokenCode").as_deref(), Some(CODE));
}

#[test]
fn a_long_line_at_the_prompt_is_refused() {
    let stub = Stub::start(Behavior::Reply(200, sts_session_xml()));
    let env = stub_env(&stub);
    let mut cmd = env.command(bin());
    cmd.args(["--no-cache"]);
    let mut pty = rexpect::session::spawn_command(cmd, Some(20_000)).expect("pty");
    pty.exp_string("MFA code for profile default")
        .expect("prompt");
    pty.send_line(&"1".repeat(300)).expect("type");
    pty.exp_string("longer than 256 bytes").expect("refused");
    pty.exp_eof().expect("ended");
    assert_eq!(stub.count(), 0);
}

#[test]
fn an_sts_answer_over_1_mib_is_refused() {
    let big = format!(
        "<GetSessionTokenResponse>{}</GetSessionTokenResponse>",
        "x".repeat(2 * 1024 * 1024)
    );
    let stub = Stub::start(Behavior::Reply(200, big));
    let env = stub_env(&stub);
    let out = env.run(&["-t", CODE]);
    assert_fails(&out, &["larger than 1 MiB"]);
    assert!(env.cache_files(".json").is_empty());
}

/// Serves one endless chunked answer (no Content-Length) to every request.
fn endless_chunked() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    std::thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let mut reader = BufReader::new(conn.try_clone().expect("clone"));
                let mut length = 0;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                        length = v.trim().parse().unwrap_or(0);
                    }
                    if line == "\r\n" {
                        break;
                    }
                }
                let mut body = vec![0; length];
                let _ = reader.read_exact(&mut body);
                let mut conn = conn;
                let _ = conn.write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nTransfer-Encoding: chunked\r\n\r\n",
                );
                let chunk = format!("10000\r\n{}\r\n", "x".repeat(0x10000));
                // Up to 64 MiB, far past the bound, unless mfa-env hangs up.
                for _ in 0..1024 {
                    if conn.write_all(chunk.as_bytes()).is_err() {
                        return;
                    }
                }
                let _ = conn.write_all(b"0\r\n\r\n");
            });
        }
    });
    format!("http://{addr}")
}

#[test]
fn an_endless_chunked_answer_is_cut_at_1_mib() {
    let mut env = TestEnv::new();
    env.endpoint(&endless_chunked());
    let out = env.run(&["-t", CODE]);
    assert_fails(&out, &["larger than 1 MiB"]);
}

#[test]
fn a_config_file_over_16_mib_is_refused_by_name() {
    let env = TestEnv::new();
    let file = std::fs::OpenOptions::new()
        .append(true)
        .open(env.config_path())
        .expect("config");
    file.set_len(17 * 1024 * 1024).expect("grow");
    let out = env.run(&["-t", CODE]);
    assert_fails(
        &out,
        &[
            &env.config_path().display().to_string(),
            "17 MiB",
            "over 16 MiB",
        ],
    );
}

#[test]
fn profile_not_found_lists_20_names_and_a_count() {
    let env = TestEnv::new();
    let mut config = String::new();
    for i in 0..5000 {
        let _ = writeln!(config, "[profile p{i:05}]\nregion = eu-west-1");
    }
    env.write_config(&config);
    let out = env.run(&["--profile", "missing", "-t", CODE]);
    assert_fails(
        &out,
        &[
            "profiles found: default, p00000, p00001,",
            "p00018 and 4981 more (5001 in all)",
        ],
    );
    assert!(stderr(&out).len() < 1000, "{}", stderr(&out));
    assert!(!stderr(&out).contains("p00019"));
}

#[test]
fn control_characters_from_sts_are_refused_in_every_format() {
    for (secret, token) in [
        ("abc&#0;def", "token"),
        ("abc", "tok&#10;export X=1"),
        ("abc\ndef", "token"),
        ("abc", "tok&#x1b;[2J"),
        ("abc", "tok&#127;"),
    ] {
        let xml = answer("ASIASTUBSTUBSTUB1234", secret, token, stub_end());
        let stub = Stub::start(Behavior::Reply(200, xml));
        let env = stub_env(&stub);
        // sh and fish print `false`, so that an eval fails too.
        for (format, printed) in [
            ("sh", "false\n"),
            ("fish", "false\n"),
            ("powershell", ""),
            ("dotenv", ""),
            ("json", ""),
        ] {
            let out = env.run(&["-t", CODE, "--format", format]);
            assert_fails_printing(
                &out,
                printed,
                &["control character", "no real STS answer has"],
            );
        }
        let out = env.run(&["credential-process", "-t", CODE]);
        assert_fails_printing(&out, "", &["control character"]);
        let out = env.run(&["-t", CODE, "--", "true"]);
        assert_fails_printing(&out, "", &["control character"]);
        assert!(env.cache_files(".json").is_empty(), "nothing cached");
    }
}

#[test]
fn dotenv_refuses_dollar_and_backslash() {
    for secret in ["a${HOME}b", "a\\\\b", "it&apos;s"] {
        let xml = answer("ASIASTUBSTUBSTUB1234", secret, "token", stub_end());
        let stub = Stub::start(Behavior::Reply(200, xml));
        let env = stub_env(&stub);
        let out = env.run(&["-t", CODE, "--format", "dotenv", "--no-cache"]);
        assert_fails_printing(
            &out,
            "",
            &["AWS_SECRET_ACCESS_KEY holds a character that dotenv cannot carry"],
        );
        // The shells carry it.
        let out = env.run(&["-t", CODE, "--format", "sh", "--no-cache"]);
        ok(&out);
    }
}

#[test]
fn an_expired_session_from_sts_is_refused() {
    for (expiration, says) in [
        ("2020-01-02T03:04:05Z".to_string(), "it has already expired"),
        // 2m50s: still "2m" when mfa-env looks, however slow the run.
        (rfc3339_in(170), "only 2m are left"),
    ] {
        let xml = answer("ASIASTUBSTUBSTUB1234", "s", "t", &expiration);
        let stub = Stub::start(Behavior::Reply(200, xml));
        let env = stub_env(&stub);
        let out = env.run(&["-t", CODE]);
        assert_fails(
            &out,
            &[
                &format!("handed out a session that expires at {expiration}"),
                says,
                "12h00m were asked for",
                "clock",
                "AWS_ENDPOINT_URL_STS",
            ],
        );
        assert!(env.cache_files(".json").is_empty(), "nothing cached");
        // More than --min-ttl left: served.
        let out = env.run(&["-t", CODE, "--min-ttl", "1m"]);
        assert_eq!(
            out.status.code(),
            Some(if says.starts_with("only") { 0 } else { 1 }),
            "{}",
            stderr(&out)
        );
    }
}

#[test]
fn endpoint_passwords_are_masked_everywhere() {
    let stub = Stub::start(Behavior::Reply(200, sts_session_xml()));
    let port = stub.addr.port();
    let mut env = TestEnv::new();
    env.endpoint(&format!("http://user:hunter2@127.0.0.1:{port}"));
    let out = env.run(&["-v", "-t", CODE]);
    ok(&out);
    let err = stderr(&out);
    assert!(
        err.contains(&format!("at http://***@127.0.0.1:{port}")),
        "{err}"
    );
    assert!(!err.contains("hunter2"), "{err}");

    // An error about it.
    let closed = closed_port_url().replace("http://", "http://user:hunter2@");
    let mut env = TestEnv::new();
    env.endpoint(&closed);
    let out = env.run(&["-t", CODE]);
    assert_fails(&out, &["could not be reached", "http://***@127.0.0.1:"]);
    assert!(!stderr(&out).contains("hunter2"));

    // doctor, from the environment and from the profile.
    for (var, profile_line) in [
        ("AWS_ENDPOINT_URL", String::new()),
        ("", format!("endpoint_url = {closed}\n")),
    ] {
        let mut env = TestEnv::new();
        env.write_config(&format!(
            "[default]\nmfa_serial = {SERIAL}\nregion = eu-west-1\n{profile_line}"
        ));
        if !var.is_empty() {
            env.set(var, &closed);
        }
        let out = env.run(&["doctor"]);
        let text = stdout(&out);
        assert!(text.contains("http://***@127.0.0.1:"), "{text}");
        assert!(!text.contains("hunter2"), "{text}");
        assert!(!stderr(&out).contains("hunter2"));
    }
}

#[test]
fn federation_passwords_are_masked_in_verbose_lines_and_errors() {
    let sts = Stub::moto();
    let fed = Stub::start(Behavior::Reply(
        200,
        serde_json::json!({ "SigninToken": "tok" }).to_string(),
    ));
    let mut env = role_env(&sts.url(), "");
    let with_password = |stub: &Stub| {
        let port = stub.addr.port();
        format!("http://user:hunter2@127.0.0.1:{port}/federation")
    };
    env.set("MFA_ENV_FEDERATION_URL", &with_password(&fed));
    let out = env.run(&["console", "-p", "admin", "--print", "-v", "-t", CODE]);
    ok(&out);
    let err = stderr(&out);
    let shown = format!(
        "getSigninToken at http://***@127.0.0.1:{}/",
        fed.addr.port()
    );
    assert!(err.contains(&shown), "{err}");
    assert!(!err.contains("hunter2"), "{err}");

    // Errors about it: refused, and unreachable.
    let refused = Stub::start(Behavior::Reply(403, "{}".into()));
    let closed = closed_port_url().replace("http://", "http://user:hunter2@") + "/federation";
    for url in [with_password(&refused), closed] {
        env.set("MFA_ENV_FEDERATION_URL", &url);
        let out = env.run(&["console", "-p", "admin"]);
        assert_fails_printing(&out, "", &["http://***@127.0.0.1:"]);
        assert!(!stderr(&out).contains("hunter2"), "{}", stderr(&out));
    }
}

#[test]
fn bidi_and_invisible_characters_from_sts_are_stripped() {
    let stub = Stub::sts_error(
        403,
        "AccessDenied",
        "User: evil\u{202E}txt.exe\u{2066}x\u{2069}\u{200B} is not authorized",
    );
    let env = stub_env(&stub);
    let out = env.run(&["-t", CODE]);
    assert_fails(&out, &["User: eviltxt.exex is not authorized"]);
    for c in ['\u{202E}', '\u{2066}', '\u{2069}', '\u{200B}'] {
        assert!(!stderr(&out).contains(c), "{c:?} reached the terminal");
    }
}

/// What the README says of `-t CODE`: another local user reads it in
/// mfa-env's argv for the whole of a --server run.
#[test]
fn a_code_on_the_command_line_is_in_ps_for_the_whole_server_run() {
    if tool("setpriv").is_none() {
        return;
    }
    let (env, _stub) = TestEnv::with_moto();
    let mut served = Served::start(&env, &["--server", "-t", CODE]);
    let read = std::process::Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "cat"])
        .arg(format!("/proc/{}/cmdline", served.pid()))
        .output()
        .expect("setpriv");
    assert!(stdout(&read).split('\0').any(|arg| arg == CODE));
    ok(&served.finish());
}
