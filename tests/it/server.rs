//! `--server`: the credential endpoint, what the child gets, real clients
//! (AWS CLI, boto3, aws-config's ECS provider), renewal, and the bounds.

use crate::common::*;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::Duration;

/// An STS stub whose role sessions end 15 minutes and 5 seconds after they
/// are issued, each with a new key (ASIAROLE…0001, …0002); the MFA session
/// lasts until 2030. AssumeRole calls after the first take `pause`; those
/// listed in `failing` (counted from 1) are refused.
fn short_role_sts(pause: Duration, failing: &'static [usize]) -> (Stub, Arc<AtomicUsize>) {
    let roles = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&roles);
    let stub = Stub::respond(move |_, request| {
        if request.param("Action").as_deref() == Some("GetSessionToken") {
            return (200, sts_session_xml());
        }
        let n = counted.fetch_add(1, Ordering::SeqCst) + 1;
        if n > 1 {
            thread::sleep(pause);
        }
        if failing.contains(&n) {
            return (
                403,
                sts_error_xml("AccessDenied", "not allowed to assume this role now"),
            );
        }
        let xml =
            sts_role_xml(&format!("ASIAROLE{n:012}")).replace(stub_end(), &rfc3339_in(15 * 60 + 5));
        (200, xml)
    });
    (stub, roles)
}

/// Waits until a session issued now has less than 15 minutes left.
fn cross_the_threshold() {
    thread::sleep(Duration::from_secs(7));
}

#[test]
fn the_child_gets_the_endpoint_and_no_keys() {
    let (mut env, stub) = TestEnv::with_moto();
    for (name, value) in [
        ("AWS_ACCESS_KEY_ID", "AKIASTALE"),
        ("AWS_SECRET_ACCESS_KEY", "stale"),
        ("AWS_SESSION_TOKEN", "stale"),
        ("AWS_SECURITY_TOKEN", "stale"),
        ("AWS_CREDENTIAL_EXPIRATION", "2020-01-01T00:00:00Z"),
        ("AWS_ACCOUNT_ID", "999999999999"),
        ("AWS_PROFILE", "default"),
        ("AWS_DEFAULT_PROFILE", "default"),
        ("AWS_SDK_LOAD_CONFIG", "1"),
        ("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/creds"),
        ("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "/tmp/token"),
        (
            "AWS_CONTAINER_CREDENTIALS_FULL_URI",
            "http://169.254.170.2/",
        ),
    ] {
        env.set(name, value);
    }
    let files = env.snapshot();
    let out = env.run(&["--server", "-t", CODE, "--", "env", "-0"]);
    ok(&out);
    let got = parse_env0(&out.stdout);

    let url = got["AWS_CONTAINER_CREDENTIALS_FULL_URI"].clone();
    let port = url
        .strip_prefix("http://127.0.0.1:")
        .and_then(|rest| rest.strip_suffix('/'))
        .unwrap_or_else(|| panic!("a loopback URL: {url}"));
    assert!(port.parse::<u16>().is_ok_and(|p| p > 0), "{url}");
    let token = got["AWS_CONTAINER_AUTHORIZATION_TOKEN"].clone();
    assert_eq!(token.len(), 64, "256 bits as hex: {token}");
    // The config file is a copy without credentials, in a folder of its own
    // in the cache folder.
    let copy = got["AWS_CONFIG_FILE"].clone();
    let folder = std::path::Path::new(&copy)
        .parent()
        .and_then(|p| p.strip_prefix(env.cache_dir()).ok())
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_default();
    assert!(folder.starts_with("server-"), "{copy}");
    assert!(token.bytes().all(|b| b.is_ascii_hexdigit()), "{token}");

    let credentials = env.credentials_path().to_string_lossy().into_owned();
    let config = env.config_path().to_string_lossy().into_owned();
    let mut expected: BTreeMap<String, String> = env.base_env();
    for name in [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN",
        "AWS_CREDENTIAL_EXPIRATION",
        "AWS_ACCOUNT_ID",
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_SDK_LOAD_CONFIG",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    ] {
        expected.remove(name);
    }
    for (name, value) in [
        ("AWS_CONTAINER_CREDENTIALS_FULL_URI", url.as_str()),
        ("AWS_CONTAINER_AUTHORIZATION_TOKEN", token.as_str()),
        ("AWS_SHARED_CREDENTIALS_FILE", "/dev/null"),
        ("MFA_ENV_SHARED_CREDENTIALS_FILE", &credentials),
        ("AWS_CONFIG_FILE", &copy),
        ("MFA_ENV_SERVED_CONFIG_FILE", &copy),
        ("MFA_ENV_CONFIG_FILE", &config),
        ("AWS_REGION", "eu-west-1"),
        ("AWS_DEFAULT_REGION", "eu-west-1"),
        ("MFA_ENV_PROFILE", "default"),
        ("MFA_ENV_SERVER", "1"),
    ] {
        expected.insert(name.into(), value.into());
    }
    assert_eq!(got, expected);
    assert_eq!(stub.actions(), ["GetSessionToken"]);
    assert_eq!(env.snapshot(), files);

    // A new token for every run.
    let again = parse_env0(&env.run(&["--server", "--", "env", "-0"]).stdout);
    assert_ne!(again["AWS_CONTAINER_AUTHORIZATION_TOKEN"], token);
}

/// The served session of the stub's first answer: key id and session token.
fn served(stub: &Stub) -> (String, String) {
    let vars = session_vars(stub, 0);
    (
        vars["AWS_ACCESS_KEY_ID"].clone(),
        vars["AWS_SESSION_TOKEN"].clone(),
    )
}

fn assert_signed_with(request: &Request, key: &str, token: &str) {
    let auth = request.header("authorization").expect("signed");
    assert!(auth.contains(&format!("Credential={key}/")), "{auth}");
    assert_eq!(request.header("x-amz-security-token"), Some(token));
}

#[test]
fn the_aws_cli_signs_with_the_served_session() {
    let Some(_) = tool("aws") else { return };
    let (env, stub) = TestEnv::with_moto();
    let script = "env | grep -c '^AWS_ACCESS_KEY_ID=' || true; \
                  aws sts get-caller-identity --query Account --output text";
    let out = env.run(&["--server", "-t", CODE, "--", "sh", "-c", script]);
    ok(&out);
    assert_eq!(stdout(&out), "0\n123456789012\n");
    assert_eq!(stub.actions(), ["GetSessionToken", "GetCallerIdentity"]);
    let (key, token) = served(&stub);
    assert_signed_with(&stub.requests()[1], &key, &token);
}

#[test]
fn boto3_signs_with_the_served_session() {
    let Some(python) = tool("python3") else {
        return;
    };
    let (env, stub) = TestEnv::with_moto();
    let script = "import os, boto3\n\
                  assert 'AWS_ACCESS_KEY_ID' not in os.environ\n\
                  session = boto3.Session()\n\
                  print(session.get_credentials().method)\n\
                  print(session.client('sts').get_caller_identity()['Account'])\n";
    let python = python.to_string_lossy().into_owned();
    let out = env.run(&["--server", "-t", CODE, "--", &python, "-c", script]);
    ok(&out);
    assert_eq!(stdout(&out), "container-role\n123456789012\n");
    assert_eq!(stub.actions(), ["GetSessionToken", "GetCallerIdentity"]);
    let (key, token) = served(&stub);
    assert_signed_with(&stub.requests()[1], &key, &token);
}

#[test]
fn aws_config_ecs_provider_reads_the_endpoint() {
    let (env, stub) = TestEnv::with_moto();
    let client = bin()
        .parent()
        .expect("target dir")
        .join("examples/ecs_credentials");
    assert!(client.is_file(), "cargo test builds the examples");
    let client = client.to_string_lossy().into_owned();
    let out = env.run(&["--server", "-t", CODE, "--", &client]);
    ok(&out);
    let (key, _) = served(&stub);
    let expiration = session_vars(&stub, 0)["AWS_CREDENTIAL_EXPIRATION"].clone();
    let epoch = date_of(&expiration);
    assert_eq!(stdout(&out), format!("{key} {epoch}\n"));
}

/// Seconds since the epoch of an RFC 3339 time, by `date`.
fn date_of(rfc3339: &str) -> String {
    let out = std::process::Command::new("date")
        .args(["-u", "-d", rfc3339, "+%s"])
        .output()
        .expect("date");
    stdout(&out).trim().to_string()
}

#[test]
fn a_role_is_renewed_without_a_prompt_once_15_minutes_are_left() {
    let (stub, _) = short_role_sts(Duration::ZERO, &[]);
    let env = role_env(&stub.url(), "");
    let mut served = Served::start(&env, &["-v", "--server", "-p", "admin", "-t", CODE]);
    let first = served.key();
    assert_eq!(served.key(), first, "served from memory while fresh");
    cross_the_threshold();
    let second = served.key();
    assert_ne!(second, first);
    assert_eq!(served.key(), second);
    let out = served.finish();
    ok(&out);
    // One code (the MFA session), then one AssumeRole per renewal.
    assert_eq!(
        stub.actions(),
        ["GetSessionToken", "AssumeRole", "AssumeRole"]
    );
    let err = stderr(&out);
    assert!(
        err.contains("renewed the session: it ends ") && err.contains("(ASIA…0002)"),
        "{err}"
    );
    assert!(err.contains("GET /: 200 in "), "{err}");
    for secret in [SECRET, CODE, "roleSecret", "roleToken", &served.token] {
        assert!(!err.contains(secret), "a secret in: {err}");
    }
}

#[test]
fn fifty_requests_at_the_threshold_cause_one_renewal() {
    let (stub, roles) = short_role_sts(Duration::from_millis(500), &[]);
    let env = role_env(&stub.url(), "");
    let mut served = Served::start(&env, &["--server", "-p", "admin", "-t", CODE]);
    let first = served.key();
    cross_the_threshold();
    let barrier = Arc::new(Barrier::new(50));
    let keys: Vec<String> = (0..50)
        .map(|_| {
            let (url, token, barrier) = (
                served.url.clone(),
                served.token.clone(),
                Arc::clone(&barrier),
            );
            thread::spawn(move || {
                barrier.wait();
                let (status, body) = http_get(&url, Some(&token));
                assert_eq!(status, 200, "{body}");
                let json: serde_json::Value = serde_json::from_str(&body).expect("json");
                json["AccessKeyId"].as_str().expect("key").to_string()
            })
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|t| t.join().expect("request"))
        .collect();
    assert_eq!(roles.load(Ordering::SeqCst), 2, "one renewal");
    assert!(keys.iter().all(|k| *k == keys[0]), "{keys:?}");
    assert_ne!(keys[0], first);
    assert_eq!(served.finish().status.code(), Some(0));
}

#[test]
fn a_failed_renewal_answers_500_and_the_next_request_tries_again() {
    let (stub, roles) = short_role_sts(Duration::ZERO, &[2]);
    let env = role_env(&stub.url(), "");
    let mut served = Served::start(&env, &["--server", "-p", "admin", "-t", CODE]);
    let first = served.key();
    cross_the_threshold();
    let (status, body) = served.get();
    assert_eq!(status, 500);
    let json: serde_json::Value = serde_json::from_str(&body).expect("json");
    let message = json["Message"].as_str().expect("message");
    assert!(
        message.contains("not allowed to assume this role now"),
        "{body}"
    );
    assert_eq!(json.as_object().map(|o| o.len()), Some(1), "{body}");
    let third = served.key();
    assert_ne!(third, first);
    assert_eq!(roles.load(Ordering::SeqCst), 3);
    let out = served.finish();
    assert_eq!(out.status.code(), Some(0), "the child lives on");
    let err = stderr(&out);
    assert!(
        err.contains("warning: renewing the session failed: "),
        "{err}"
    );
}

#[test]
fn refused_requests() {
    let (env, stub) = TestEnv::with_moto();
    let mut served = Served::start(&env, &["--server", "-t", CODE]);
    let addr = served.addr();
    let token = served.token.clone();
    let ask = |request: String| http_raw(&addr, request.as_bytes()).expect("an answer");
    let message = |text: &str| format!("{{\"Message\":\"{text}\"}}");

    assert_eq!(
        http_get(&served.url, None),
        (403, message("no Authorization header"))
    );
    // The same length, the last digit changed (a token ending in 0 must not
    // be "changed" into itself).
    let last = if token.ends_with('0') { '1' } else { '0' };
    let wrong = format!("{}{last}", &token[..63]);
    assert_eq!(
        http_get(&served.url, Some(&wrong)),
        (403, message("wrong authorization token"))
    );
    assert_eq!(
        http_get(&served.url, Some(&format!("{token}0"))).0,
        403,
        "a longer token"
    );
    let rebinding =
        "the Host header must name 127.0.0.1 or localhost (a web page cannot read this endpoint)";
    assert_eq!(
        ask(format!(
            "GET / HTTP/1.1\r\nHost: evil.example:{}\r\nAuthorization: {token}\r\n\r\n",
            addr.rsplit(':').next().unwrap_or("")
        )),
        (403, message(rebinding))
    );
    assert_eq!(
        ask(format!(
            "POST / HTTP/1.1\r\nHost: {addr}\r\nAuthorization: {token}\r\nContent-Length: 2\r\n\r\n{{}}"
        )),
        (405, message("only GET is served"))
    );
    assert_eq!(
        ask("\u{1}garbage\r\n\r\n".to_string()),
        (400, message("not an HTTP/1.1 request"))
    );
    for host in ["localhost", "127.0.0.1", "[::1]:80", "LOCALHOST:1"] {
        let (status, _) = ask(format!(
            "GET /any/path HTTP/1.1\r\nHost: {host}\r\nAuthorization: {token}\r\n\r\n"
        ));
        assert_eq!(status, 200, "{host}");
    }
    let (status, body) = served.get();
    assert_eq!(status, 200);
    let json: serde_json::Value = serde_json::from_str(&body).expect("json");
    let vars = session_vars(&stub, 0);
    assert_eq!(
        json,
        serde_json::json!({
            "AccessKeyId": vars["AWS_ACCESS_KEY_ID"],
            "SecretAccessKey": vars["AWS_SECRET_ACCESS_KEY"],
            "Token": vars["AWS_SESSION_TOKEN"],
            "Expiration": vars["AWS_CREDENTIAL_EXPIRATION"],
        })
    );
    assert_eq!(served.finish().status.code(), Some(0));
}

#[test]
fn mfa_env_in_the_child_still_finds_the_keys() {
    let stub = Stub::moto();
    let mut env = TestEnv::new();
    env.endpoint(&stub.url()).with_binary_on_path();
    let script = "mfa-env -- sh -c 'echo $AWS_ACCESS_KEY_ID'; \
                  mfa-env --no-cache -t 914725 -q -- sh -c 'echo $AWS_ACCESS_KEY_ID'";
    let out = env.run(&["--server", "-t", CODE, "--", "sh", "-c", script]);
    ok(&out);
    // The cached session, then a new one made with the long-term keys.
    let (first, _) = served(&stub);
    let second = session_vars(&stub, 1)["AWS_ACCESS_KEY_ID"].clone();
    assert_eq!(stdout(&out), format!("{first}\n{second}\n"));
    assert_eq!(stub.actions(), ["GetSessionToken", "GetSessionToken"]);
    let signed = stub.requests()[1]
        .header("authorization")
        .unwrap_or("")
        .to_string();
    assert!(
        signed.contains(&format!("Credential={KEY_ID}/")),
        "{signed}"
    );
}

#[test]
fn a_token_command_starts_with_no_signal_blocked() {
    let (env, _stub) = TestEnv::with_moto();
    let command = format!("sh -c 'grep SigBlk /proc/self/status > blocked; echo {CODE}'");
    let out = env.run(&["--server", "--token-command", &command, "--", "true"]);
    ok(&out);
    let blocked = std::fs::read_to_string(env.home().join("work/blocked")).expect("ran");
    assert_eq!(blocked, "SigBlk:\t0000000000000000\n");
}

#[test]
fn boto3_in_the_child_gets_the_renewed_session_by_itself() {
    let Some(python) = tool("python3") else {
        return;
    };
    let (stub, _) = short_role_sts(Duration::ZERO, &[]);
    let env = role_env(&stub.url(), "");
    // botocore refreshes container credentials 15 minutes before they end.
    let script = "import time, boto3\n\
                  credentials = boto3.Session().get_credentials()\n\
                  print(credentials.get_frozen_credentials().access_key)\n\
                  time.sleep(7)\n\
                  print(credentials.get_frozen_credentials().access_key)\n";
    let python = python.to_string_lossy().into_owned();
    let out = env.run(&[
        "--server", "-p", "admin", "-t", CODE, "--", &python, "-c", script,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "ASIAROLE000000000001\nASIAROLE000000000002\n");
    assert_eq!(
        stub.actions(),
        ["GetSessionToken", "AssumeRole", "AssumeRole"]
    );
}
