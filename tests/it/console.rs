//! `mfa-env console`: the role session traded for a sign-in token at a local
//! federation stub (MFA_ENV_FEDERATION_URL), the login URL it prints, the
//! browser it starts, and every refusal.

use crate::common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

pub const ADMIN: &str = "arn:aws:iam::123456789012:role/admin";
/// The token the stub hands out: characters that must be URL-encoded.
pub const TOKEN: &str = "SigninTok+en/with=chars&more";

/// `base` holds the keys and the serial (in `partition`); `admin` is a role
/// of it (ARN `role`) with region eu-central-1.
pub fn console_env(sts: &Stub, federation: &Stub, serial: &str, role: &str) -> TestEnv {
    let mut env = TestEnv::empty();
    env.endpoint(&sts.url());
    env.set("MFA_ENV_FEDERATION_URL", &federation_url(federation));
    env.write_credentials(&format!(
        "[base]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\n"
    ));
    env.write_config(&format!(
        "[profile base]\nmfa_serial = {serial}\n\
         [profile admin]\nrole_arn = {role}\nsource_profile = base\nregion = eu-central-1\n"
    ));
    env
}

fn federation_url(stub: &Stub) -> String {
    format!("{}/federation", stub.url())
}

/// A federation endpoint that hands out TOKEN.
pub fn federation() -> Stub {
    Stub::start(Behavior::Reply(
        200,
        serde_json::json!({ "SigninToken": TOKEN }).to_string(),
    ))
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The login URL's parameters, after checking it starts at the stub.
pub fn login_params(url: &str, federation: &Stub) -> Vec<(String, String)> {
    let prefix = format!("{}?", federation_url(federation));
    let query = url
        .strip_prefix(&prefix)
        .unwrap_or_else(|| panic!("{url} does not start with {prefix}"));
    query_pairs(query)
}

pub fn expected_login(destination: &str) -> Vec<(String, String)> {
    pairs(&[
        ("Action", "login"),
        ("Issuer", "mfa-env"),
        ("Destination", destination),
        ("SigninToken", TOKEN),
    ])
}

/// The printed sign-in URL of a successful --print run.
fn printed(out: &Output) -> String {
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(out));
    let text = stdout(out);
    assert_eq!(text.matches('\n').count(), 1, "one line: {text}");
    text.trim_end().to_string()
}

/// Checks the federation request: a GET of /federation whose Session is the
/// JSON of the role session in the `index`-th STS answer, with SessionDuration
/// only when `duration` says so. Returns SessionDuration.
fn check_token_request(request: &Request, sts: &Stub, index: usize, duration: bool) -> Option<i64> {
    assert!(
        request.line.starts_with("GET /federation?"),
        "{}",
        request.line
    );
    let query = request.query();
    let names: Vec<&str> = query.iter().map(|(k, _)| k.as_str()).collect();
    if duration {
        assert_eq!(names, ["Action", "SessionDuration", "Session"]);
    } else {
        assert_eq!(names, ["Action", "Session"]);
    }
    assert_eq!(query[0].1, "getSigninToken");
    let session: Value = serde_json::from_str(&query.last().expect("Session").1).expect("json");
    let answer = &sts.responses()[index];
    let field = |tag| Value::String(xml_field(answer, tag).expect(tag));
    assert_eq!(
        session,
        serde_json::json!({
            "sessionId": field("AccessKeyId"),
            "sessionKey": field("SecretAccessKey"),
            "sessionToken": field("SessionToken"),
        }),
        "the role session moto handed out"
    );
    duration.then(|| query[1].1.parse().expect("SessionDuration is a number"))
}

#[test]
fn chained_role_session_signs_in_and_is_reused() {
    let sts = Stub::moto();
    let fed = federation();
    let env = console_env(&sts, &fed, SERIAL, ADMIN);
    let url = printed(&env.run(&["console", "-p", "admin", "--print", "-t", CODE]));
    assert_eq!(
        login_params(&url, &fed),
        expected_login("https://console.aws.amazon.com/console/home?region=eu-central-1")
    );
    assert_eq!(sts.actions(), ["GetSessionToken", "AssumeRole"]);
    assert_eq!(fed.count(), 1);
    assert_eq!(
        check_token_request(&fed.requests()[0], &sts, 1, false),
        None
    );

    // The cached role session: no code, no STS request, one more token.
    let again = env.run(&["console", "-p", "admin", "--print"]);
    assert_eq!(printed(&again), url);
    assert_eq!(stderr(&again), "");
    assert_eq!(sts.count(), 2);
    assert_eq!(fed.count(), 2);
    check_token_request(&fed.requests()[1], &sts, 1, false);
}

#[test]
fn direct_role_session_asks_for_the_console_session_length() {
    let sts = Stub::moto();
    let fed = federation();
    let env = console_env(&sts, &fed, SERIAL, ADMIN);
    let url = printed(&env.run(&["console", "-p", "admin", "--print", "-d", "2h", "-t", CODE]));
    assert_eq!(sts.actions(), ["AssumeRole"]);
    assert_eq!(
        login_params(&url, &fed),
        expected_login("https://console.aws.amazon.com/console/home?region=eu-central-1")
    );
    let seconds = check_token_request(&fed.requests()[0], &sts, 0, true).expect("duration");
    // What the two-hour session has left (moto's expiry is whole seconds).
    assert!(
        (7140..=7200).contains(&seconds),
        "SessionDuration {seconds}"
    );

    // The cached direct session with half an hour left, reused by a run
    // without -d (whatever made it): the console gets that half hour, as a
    // direct session (a chained session never gets SessionDuration at all).
    set_expiration(&env.cache_entry(), &rfc3339_in(1800));
    printed(&env.run(&["console", "-p", "admin", "--print"]));
    assert_eq!(sts.count(), 1, "the cached session");
    let seconds = check_token_request(&fed.requests()[1], &sts, 0, true).expect("duration");
    assert!(
        (1740..=1800).contains(&seconds),
        "SessionDuration {seconds}"
    );
}

#[test]
fn each_partition_has_its_console() {
    for (partition, console, region) in [
        ("aws", "console.aws.amazon.com", None),
        ("aws-cn", "console.amazonaws.cn", Some("cn-north-1")),
        (
            "aws-us-gov",
            "console.amazonaws-us-gov.com",
            Some("us-gov-west-1"),
        ),
    ] {
        let sts = Stub::moto();
        let fed = federation();
        let serial = format!("arn:{partition}:iam::123456789012:mfa/alice");
        let role = format!("arn:{partition}:iam::123456789012:role/admin");
        let env = console_env(&sts, &fed, &serial, &role);
        // Without the profile's region: the partition's usual one, if any.
        env.write_config(&format!(
            "[profile base]\nmfa_serial = {serial}\n\
             [profile admin]\nrole_arn = {role}\nsource_profile = base\n"
        ));
        let url = printed(&env.run(&["console", "-p", "admin", "--print", "-t", CODE]));
        let destination = match region {
            Some(region) => format!("https://{console}/console/home?region={region}"),
            None => format!("https://{console}/console/home"),
        };
        assert_eq!(login_params(&url, &fed), expected_login(&destination));
        check_token_request(&fed.requests()[0], &sts, 1, false);

        // A console URL of another partition is not handed out.
        let other = if partition == "aws" {
            "https://console.amazonaws.cn/"
        } else {
            "https://console.aws.amazon.com/"
        };
        let out = env.run(&["console", "-p", "admin", "--print", "--destination", other]);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(stderr(&out).contains(console), "{}", stderr(&out));
    }
}

#[test]
fn service_and_destination_pick_the_page() {
    let sts = Stub::moto();
    let fed = federation();
    let env = console_env(&sts, &fed, SERIAL, ADMIN);
    let run = |args: &[&str]| {
        let mut all = vec!["console", "-p", "admin", "--print", "-t", CODE];
        all.extend_from_slice(args);
        login_params(&printed(&env.run(&all)), &fed)
    };
    assert_eq!(
        run(&["--service", "s3"]),
        expected_login("https://console.aws.amazon.com/s3/home?region=eu-central-1")
    );
    assert_eq!(
        run(&["--service", "cloudformation", "--region", "us-west-2"]),
        expected_login("https://console.aws.amazon.com/cloudformation/home?region=us-west-2")
    );
    let page =
        "https://eu-central-1.console.aws.amazon.com/ec2/home?region=eu-central-1#Instances:";
    assert_eq!(run(&["--destination", page]), expected_login(page));
    // One MFA session and one role session served all three.
    assert_eq!(sts.actions(), ["GetSessionToken", "AssumeRole"]);
    assert_eq!(fed.count(), 3);
}

#[test]
fn bad_pages_are_refused_before_any_request() {
    let sts = Stub::moto();
    let fed = federation();
    let env = console_env(&sts, &fed, SERIAL, ADMIN);
    for args in [
        ["--destination", "https://evil.example/"],
        ["--destination", "http://console.aws.amazon.com/"],
        [
            "--destination",
            "https://console.aws.amazon.com.evil.example/",
        ],
        ["--destination", "https://evilconsole.aws.amazon.com/"],
        ["--destination", "https://x@console.aws.amazon.com/"],
        ["--destination", "https://console.aws.amazon.com:444/"],
        ["--destination", "javascript:alert(1)"],
        ["--destination", "console.aws.amazon.com"],
        ["--service", "../../evil"],
        ["--service", "S3"],
    ] {
        let mut all = vec!["console", "-p", "admin", "--print", "-t", CODE];
        all.extend_from_slice(&args);
        let out = env.run(&all);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(stdout(&out), "");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(args[1]), "{err}");
    }
    let both = env.run(&[
        "console",
        "-p",
        "admin",
        "--service",
        "s3",
        "--destination",
        "https://console.aws.amazon.com/",
    ]);
    assert_eq!(both.status.code(), Some(2));
    assert_eq!(sts.count(), 0);
    assert_eq!(fed.count(), 0);
}

#[test]
fn user_profile_is_refused_with_what_works() {
    let sts = Stub::moto();
    let fed = federation();
    let mut env = TestEnv::new();
    env.endpoint(&sts.url());
    env.set("MFA_ENV_FEDERATION_URL", &federation_url(&fed));
    let out = env.run(&["console", "--print", "-t", CODE]);
    assert_fails_printing(
        &out,
        "",
        &[
            "profile 'default' is an IAM user's own profile",
            "GetFederationToken, which carries no MFA",
            "Sign in at https://123456789012.signin.aws.amazon.com/console with your password and MFA device",
            "[profile NAME] role_arn = arn:aws:iam::123456789012:role/ROLE, source_profile = default",
        ],
    );
    assert_eq!(sts.count(), 0);
    assert_eq!(fed.count(), 0);

    // In aws-cn, the account's sign-in page is there.
    env.write_config("[default]\nmfa_serial = arn:aws-cn:iam::210987654321:mfa/bob\n");
    let out = env.run(&["console", "-t", CODE]);
    assert_fails_printing(
        &out,
        "",
        &[
            "https://210987654321.signin.amazonaws.cn/console",
            "role_arn = arn:aws-cn:iam::210987654321:role/ROLE",
        ],
    );
    assert_eq!(sts.count(), 0);
}

/// A $BROWSER script that marks its start (`started.PID`), waits for `go` in
/// `dir`, then writes whether it leads its own process group, where its
/// stdin, stdout and stderr went, and its arguments to `record` (it writes
/// anyway after 20 seconds, so a run that waited for it is caught).
pub fn recording_browser(dir: &Path) -> PathBuf {
    let script = dir.join("browser");
    let d = dir.display();
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\n\
             : > '{d}/started.'$$\n\
             stdio=\"$(readlink /proc/$$/fd/0) $(readlink /proc/$$/fd/1) $(readlink /proc/$$/fd/2)\"\n\
             n=0; while [ ! -e '{d}/go' ] && [ $n -lt 200 ]; do sleep 0.1; n=$((n+1)); done\n\
             {{ echo \"pgid-is-pid=$(test \"$(cut -d' ' -f5 /proc/$$/stat)\" = $$ && echo yes)\"\n\
             echo \"stdio=$stdio\"\n\
             for a in \"$@\"; do printf '%s\\n' \"$a\"; done; }} > '{d}/record.tmp'\n\
             mv '{d}/record.tmp' '{d}/record'\n"
        ),
    )
    .expect("script");
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .expect("chmod");
    script
}

/// Lets the browser script go on and returns what it recorded.
pub fn browser_record(dir: &Path) -> Vec<String> {
    std::fs::write(dir.join("go"), "").expect("go");
    let record = dir.join("record");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !record.exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let text = std::fs::read_to_string(&record).expect("the browser ran");
    text.lines().map(str::to_string).collect()
}

/// The sign-in URL the page at `file_url` sends the browser on to, after
/// checking that the page is a 0600 file in a 0700 folder of this user.
pub fn sign_in_page(file_url: &str) -> String {
    use std::os::unix::fs::MetadataExt;
    let path = Path::new(
        file_url
            .strip_prefix("file://")
            .unwrap_or_else(|| panic!("not a file URL: {file_url}")),
    );
    let meta = std::fs::symlink_metadata(path).expect("the page");
    assert!(meta.is_file());
    assert_eq!(meta.mode() & 0o777, 0o600, "{path:?}");
    let folder = std::fs::symlink_metadata(path.parent().expect("folder")).expect("folder");
    assert_eq!(folder.mode() & 0o777, 0o700, "{path:?}");
    let html = std::fs::read_to_string(path).expect("page");
    let start = html.find("content=\"0;url=").expect("a refresh") + "content=\"0;url=".len();
    let end = html[start..].find('"').expect("end") + start;
    html[start..end]
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

#[test]
fn browser_gets_the_url_and_is_not_waited_for() {
    let sts = Stub::moto();
    let fed = federation();
    let mut env = console_env(&sts, &fed, SERIAL, ADMIN);
    let expected = expected_login("https://console.aws.amazon.com/iam/home?region=eu-central-1");
    for (browser_args, before, after) in [
        ("--new-window", vec!["--new-window"], vec![]),
        ("--url=%s --flag", vec![], vec!["--flag"]),
    ] {
        let dir = tempfile::tempdir().expect("dir");
        let script = recording_browser(dir.path());
        env.set("BROWSER", &format!("'{}' {browser_args}", script.display()));
        let out = env.run(&["console", "-p", "admin", "--service", "iam", "-t", CODE]);
        ok(&out);
        assert_eq!(stdout(&out), "");
        assert_eq!(stderr(&out), "");
        // mfa-env has returned while the browser still waits.
        assert!(!dir.path().join("record").exists(), "mfa-env waited");

        let record = browser_record(dir.path());
        assert_eq!(record[0], "pgid-is-pid=yes", "its own process group");
        assert_eq!(record[1], "stdio=/dev/null /dev/null /dev/null");
        let args = &record[2..];
        assert_eq!(args.len(), before.len() + 1 + after.len(), "{args:?}");
        assert_eq!(args[..before.len()], before[..]);
        assert_eq!(args[before.len() + 1..], after[..]);
        let url = &args[before.len()];
        let url = url.strip_prefix("--url=").unwrap_or(url);
        assert_eq!(login_params(&sign_in_page(url), &fed), expected);
        for secret in [SECRET, CODE] {
            assert!(!record.iter().any(|l| l.contains(secret)));
        }
        let role_answer = &sts.responses()[1];
        for field in ["SecretAccessKey", "SessionToken"] {
            let value = xml_field(role_answer, field).expect(field);
            assert!(
                !record.iter().any(|l| l.contains(&value)),
                "the session's {field} is in the browser's argv"
            );
        }
    }
}

#[test]
fn without_a_browser_the_url_goes_to_stdout() {
    let sts = Stub::moto();
    let fed = federation();
    let mut env = console_env(&sts, &fed, SERIAL, ADMIN);
    let expected =
        expected_login("https://console.aws.amazon.com/console/home?region=eu-central-1");

    env.set("BROWSER", "/nonexistent/browser --new-window");
    let out = env.run(&["console", "-p", "admin", "-t", CODE]);
    assert_eq!(login_params(&printed(&out), &fed), expected);
    assert_eq!(
        stderr(&out),
        "mfa-env: could not start /nonexistent/browser: No such file or directory (os error 2); the sign-in URL is on stdout: open it in a browser within 15 minutes\n"
    );

    // No $BROWSER, and no xdg-open on PATH (only what the run needs).
    let Some(setsid) = tool("setsid") else { return };
    let bin = env.home().join("bin");
    std::fs::create_dir_all(&bin).expect("bin");
    std::os::unix::fs::symlink(setsid, bin.join("setsid")).expect("link");
    env.vars.remove("BROWSER");
    env.set("PATH", &bin.display().to_string());
    let out = env.run(&["console", "-p", "admin"]);
    assert_eq!(login_params(&printed(&out), &fed), expected);
    assert_eq!(
        stderr(&out),
        "mfa-env: no browser to start: $BROWSER is not set and xdg-open is not on PATH; the sign-in URL is on stdout: open it in a browser within 15 minutes\n"
    );
}

#[test]
fn federation_errors_say_the_status_and_start_no_browser() {
    let sts = Stub::moto();
    let dir = tempfile::tempdir().expect("dir");
    let script = recording_browser(dir.path());
    let html = "<!DOCTYPE html><html><body>Only federation tokens or assume role tokens may be used for federated login</body></html>";
    let cases: Vec<(Stub, Vec<&str>)> = vec![
        (
            Stub::start(Behavior::Reply(403, html.into())),
            vec!["HTTP 403 (an HTML page)", "run again with --refresh"],
        ),
        (
            Stub::start(Behavior::Reply(
                403,
                r#"{"message":"Access denied"}"#.into(),
            )),
            vec!["HTTP 403 (a JSON error)", "run again with --refresh"],
        ),
        (
            Stub::start(Behavior::Reply(200, r#"{"Other":"x"}"#.into())),
            vec![
                "answered HTTP 200 without a SigninToken",
                "MFA_ENV_FEDERATION_URL",
            ],
        ),
        (
            Stub::start(Behavior::Reply(200, "x".repeat(2 * 1024 * 1024))),
            vec!["answered HTTP 200 with more than 1 MiB"],
        ),
        (
            Stub::start(Behavior::Reply(503, String::new())),
            vec!["HTTP 503.", "try again in a moment"],
        ),
        (
            Stub::start(Behavior::Silent),
            vec!["did not answer within 10 seconds (no HTTP status)"],
        ),
    ];
    let good = federation();
    let mut env = console_env(&sts, &good, SERIAL, ADMIN);
    env.set("BROWSER", &script.display().to_string());
    // Get the role session once, so that each failure below is the federation's.
    printed(&env.run(&["console", "-p", "admin", "--print", "-t", CODE]));
    let role_answer = sts.responses()[1].clone();
    let secrets: Vec<String> = ["SecretAccessKey", "SessionToken"]
        .iter()
        .map(|f| xml_field(&role_answer, f).expect("field"))
        .collect();
    let mut check = |url: String, expected: &[&str]| {
        env.set("MFA_ENV_FEDERATION_URL", &url);
        let out = env.run(&["console", "-p", "admin"]);
        let mut parts = vec![
            "the AWS federation endpoint",
            url.as_str(),
            "No browser was started",
        ];
        parts.extend_from_slice(expected);
        assert_fails_printing(&out, "", &parts);
        let err = stderr(&out);
        for secret in &secrets {
            assert!(!err.contains(secret.as_str()), "a secret leaked: {err}");
        }
        assert!(!err.contains("Session="), "{err}");
    };
    for (stub, expected) in &cases {
        check(federation_url(stub), expected);
        assert_eq!(stub.count(), 1, "one request, no retry");
    }
    check(
        format!("{}/federation", closed_port_url()),
        &["could not be reached (no HTTP status)"],
    );
    assert_eq!(sts.count(), 2, "the cached role session served every run");

    // A run that succeeds starts the browser; none of the failures (seconds
    // earlier) did: one browser has started.
    env.set("MFA_ENV_FEDERATION_URL", &federation_url(&good));
    let out = env.run(&["console", "-p", "admin"]);
    ok(&out);
    let record = browser_record(dir.path());
    assert_eq!(record.len(), 3, "one URL: {record:?}");
    let started = std::fs::read_dir(dir.path())
        .expect("dir")
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("started."))
        .count();
    assert_eq!(started, 1, "browsers started");
}

/// doctor's console line for a profile, as (status, detail).
fn doctor_console(env: &TestEnv, profile: &str) -> (String, String) {
    let out = env.run(&["doctor", "--json", "--offline", "-p", profile]);
    let value: Value = serde_json::from_slice(&out.stdout).expect("doctor json");
    let checks = value["checks"].as_array().expect("checks");
    let lines: Vec<&Value> = checks.iter().filter(|c| c["check"] == "console").collect();
    assert_eq!(lines.len(), 1, "one console line: {checks:?}");
    let field = |k: &str| lines[0][k].as_str().unwrap_or("").to_string();
    (field("status"), field("detail"))
}

#[test]
fn doctor_says_whether_console_sign_in_is_possible() {
    let sts = Stub::moto();
    let fed = federation();
    let env = console_env(&sts, &fed, SERIAL, ADMIN);
    assert_eq!(
        doctor_console(&env, "admin"),
        (
            "ok".to_string(),
            format!(
                "possible: `mfa-env console -p admin` signs in to console.aws.amazon.com as {ADMIN}"
            )
        )
    );
    let (status, detail) = doctor_console(&env, "base");
    assert_eq!(status, "skip");
    for part in [
        "not possible: profile 'base' is an IAM user's own profile",
        "the federation endpoint takes only role sessions",
        "Sign in at https://123456789012.signin.aws.amazon.com/console",
        "role_arn = arn:aws:iam::123456789012:role/ROLE, source_profile = base",
    ] {
        assert!(detail.contains(part), "{detail}");
    }
    let (status, detail) = doctor_console(&env, "missing");
    assert_eq!(
        (status.as_str(), detail.as_str()),
        ("skip", "skipped: no usable profile")
    );
    assert_eq!(sts.count() + fed.count(), 0);
}

#[test]
fn proxy_rules_are_those_of_sts() {
    let sts = Stub::moto();
    let proxy = federation();
    let mut env = console_env(&sts, &proxy, SERIAL, ADMIN);
    env.set(
        "MFA_ENV_FEDERATION_URL",
        "http://signin.mfa-env.test/federation",
    );
    env.set("HTTP_PROXY", &proxy.url());
    env.set("NO_PROXY", "127.0.0.1");
    let out = env.run(&["console", "-p", "admin", "--print", "-t", CODE]);
    let url = printed(&out);
    assert!(
        url.starts_with("http://signin.mfa-env.test/federation?Action=login&"),
        "{url}"
    );
    let line = &proxy.requests()[0].line;
    assert!(
        line.starts_with(
            "GET http://signin.mfa-env.test/federation?Action=getSigninToken&Session="
        ),
        "{line}"
    );
    assert_eq!(
        sts.actions(),
        ["GetSessionToken", "AssumeRole"],
        "STS past the proxy"
    );

    // https goes through a CONNECT tunnel; a proxy that refuses it is an
    // unreachable endpoint.
    let refusing = Stub::start(Behavior::Reply(502, String::new()));
    env.set(
        "MFA_ENV_FEDERATION_URL",
        "https://signin.mfa-env.test/federation",
    );
    env.set("HTTPS_PROXY", &refusing.url());
    let out = env.run(&["console", "-p", "admin", "--print"]);
    assert_fails_printing(
        &out,
        "",
        &[
            "the AWS federation endpoint https://signin.mfa-env.test/federation could not be reached (no HTTP status)",
        ],
    );
    assert_eq!(
        refusing.requests()[0].line,
        "CONNECT signin.mfa-env.test:443 HTTP/1.1"
    );
}

#[test]
fn ca_bundle_is_that_of_sts() {
    let sts = Stub::moto();
    let fed = federation();
    let mut env = console_env(&sts, &fed, SERIAL, ADMIN);
    let certs = env.home().join("certs");
    std::fs::create_dir_all(&certs).expect("mkdir");
    if crate::errors::make_certs(&certs).is_none() {
        return;
    }
    // A federation endpoint over TLS, with a certificate of the test CA. It
    // binds a port of its own choosing and says which (a port picked here
    // could be taken by another test's connection before it binds).
    let server = "import http.server, json, ssl, sys\n\
        class H(http.server.BaseHTTPRequestHandler):\n\
        \x20   def do_GET(self):\n\
        \x20       body = json.dumps({'SigninToken': sys.argv[3]}).encode()\n\
        \x20       self.send_response(200)\n\
        \x20       self.send_header('Content-Length', str(len(body)))\n\
        \x20       self.end_headers()\n\
        \x20       self.wfile.write(body)\n\
        \x20   def log_message(self, *args):\n\
        \x20       pass\n\
        s = http.server.HTTPServer(('127.0.0.1', 0), H)\n\
        c = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)\n\
        c.load_cert_chain(sys.argv[1], sys.argv[2])\n\
        s.socket = c.wrap_socket(s.socket, server_side=True)\n\
        print(s.server_address[1], flush=True)\n\
        s.serve_forever()\n";
    let Some(python) = tool("python3") else {
        return;
    };
    let mut child = std::process::Command::new(python)
        .arg("-c")
        .arg(server)
        .arg(certs.join("srv.pem"))
        .arg(certs.join("srv.key"))
        .arg(TOKEN)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3");
    let out = child.stdout.take().expect("stdout");
    let _server = Reaper(child);
    let mut line = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(out), &mut line).expect("port");
    let port: u16 = line.trim().parse().expect("the TLS server said its port");
    let url = format!("https://127.0.0.1:{port}/federation");
    env.set("MFA_ENV_FEDERATION_URL", &url);

    // The system's roots do not know this CA.
    let out = env.run(&["console", "-p", "admin", "--print", "-t", CODE]);
    assert_fails_printing(
        &out,
        "",
        &[
            &format!("the AWS federation endpoint {url} could not be reached"),
            "certificate",
        ],
    );

    env.set("AWS_CA_BUNDLE", &certs.join("ca.pem").display().to_string());
    let out = env.run(&["console", "-p", "admin", "--print"]);
    let printed = printed(&out);
    let query = printed
        .strip_prefix(&format!("{url}?"))
        .unwrap_or_else(|| panic!("{printed}"));
    assert_eq!(
        query_pairs(query),
        expected_login("https://console.aws.amazon.com/console/home?region=eu-central-1")
    );
}
