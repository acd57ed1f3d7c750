//! Bad input and STS failures: one clear line, exit 1, nothing on stdout, and no
//! STS request where the problem can be caught locally.

use crate::common::*;

/// A stub that would count any request; local errors must leave it at 0.
fn guarded() -> (TestEnv, Stub) {
    let stub = Stub::sts_error(500, "ShouldNotBeCalled", "no request was expected");
    let mut env = TestEnv::new();
    env.endpoint(&stub.url());
    (env, stub)
}

fn local_error(env: &TestEnv, stub: &Stub, args: &[&str], expected: &[&str]) {
    let files = env.snapshot();
    let out = env.run(args);
    assert_fails(&out, expected);
    assert_eq!(stub.count(), 0, "no STS request for {expected:?}");
    assert_eq!(env.snapshot(), files);
}

#[test]
fn no_config_files() {
    let stub = Stub::sts_error(500, "X", "x");
    let mut env = TestEnv::empty();
    env.endpoint(&stub.url());
    let home = env.home().display().to_string();
    local_error(
        &env,
        &stub,
        &["-t", CODE],
        &[
            "no AWS configuration found",
            &format!("{home}/.aws/config"),
            &format!("{home}/.aws/credentials"),
            "aws configure",
        ],
    );
    env.set("AWS_CONFIG_FILE", "~/elsewhere/config");
    local_error(
        &env,
        &stub,
        &["-t", CODE],
        &[&format!("{home}/elsewhere/config")],
    );
}

#[test]
fn profile_not_found_names_files_and_profiles() {
    let (env, stub) = guarded();
    env.write_config("[profile zeta]\nregion = eu-west-1\n[profile alpha]\nregion = eu-west-1\n");
    local_error(
        &env,
        &stub,
        &["-t", CODE, "-p", "work"],
        &[
            "profile 'work' (from --profile) was not found in",
            ".aws/config and ",
            ".aws/credentials",
            "profiles found: alpha, default, zeta",
        ],
    );
}

#[test]
fn keys_missing() {
    let (env, stub) = guarded();
    env.write_credentials("[default]\nregion = eu-west-1\n");
    local_error(
        &env,
        &stub,
        &["-t", CODE],
        &[
            "profile 'default' has no aws_access_key_id",
            "aws configure --profile default",
        ],
    );
    env.write_credentials(&format!("[default]\naws_access_key_id = {KEY_ID}\n"));
    let file = env.credentials_path().display().to_string();
    local_error(
        &env,
        &stub,
        &["-t", CODE],
        &["has no aws_secret_access_key", &file],
    );
}

#[test]
fn temporary_keys_are_refused_before_the_call() {
    let (env, stub) = guarded();
    let file = env.credentials_path().display().to_string();
    env.write_credentials(&format!(
        "[default]\naws_access_key_id = ASIAOLDSESSIONOLDSESS\naws_secret_access_key = {SECRET}\n"
    ));
    local_error(
        &env,
        &stub,
        &["-t", CODE],
        &[
            "holds temporary session keys (its key id starts with ASIA)",
            "Cannot call GetSessionToken with session credentials",
            &file,
        ],
    );
    env.write_credentials(&format!(
        "[default]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\naws_session_token = pasted\n"
    ));
    local_error(
        &env,
        &stub,
        &["-t", CODE],
        &["(it has an aws_session_token)", "remove aws_session_token"],
    );
}

#[test]
fn serial_missing_or_wrong() {
    let (env, stub) = guarded();
    env.write_config("[default]\nregion = eu-west-1\n");
    local_error(
        &env,
        &stub,
        &["-t", CODE],
        &[
            "profile 'default' has no mfa_serial",
            "--serial",
            "arn:aws:iam::ACCOUNT:mfa/NAME",
        ],
    );
    local_error(
        &env,
        &stub,
        &[
            "-t",
            CODE,
            "--serial",
            "arn:aws:iam::123456789012:user/alice",
        ],
        &["is a user ARN", "arn:aws:iam::123456789012:mfa/alice"],
    );
    local_error(
        &env,
        &stub,
        &["-t", CODE, "--serial", "arn:aws:iam::1234:mfa/alice"],
        &["is not an MFA device ARN", "arn:aws:iam::ACCOUNT:mfa/NAME"],
    );
}

#[test]
fn code_not_six_digits() {
    let (env, stub) = guarded();
    local_error(
        &env,
        &stub,
        &["-t", "12345"],
        &["must be 6 digits", "has 5 digits"],
    );
    local_error(
        &env,
        &stub,
        &["-t", "12a456"],
        &["characters other than digits"],
    );
}

#[test]
fn no_code_source_and_no_terminal() {
    let (env, stub) = guarded();
    local_error(
        &env,
        &stub,
        &[],
        &[
            "no MFA code",
            "no terminal",
            "--token-code CODE",
            "--token-code -",
        ],
    );
    local_error(&env, &stub, &["-t", "-"], &["stdin held no line"]);
}

#[test]
fn duration_unparsable_or_out_of_range() {
    // A usage error (exit 2, clap's message naming the accepted forms), and
    // `false` on stdout so that an `eval` of it fails.
    let (env, stub) = guarded();
    for (value, why) in [
        ("soon", "not a duration"),
        ("14m", "shorter than STS allows"),
        ("37h", "longer than STS allows"),
        ("1.5h", "not a duration"),
    ] {
        let out = env.run(&["-t", CODE, "-d", value]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert_eq!(stdout(&out), "false\n");
        assert!(
            err.starts_with(&format!(
                "error: invalid value '{value}' for '--duration <TIME>': {why}; give 15m to 36h, as 90m, 12h, 1d, 1h30m, 45s or seconds (3600)\n"
            )),
            "{err}"
        );
    }
    assert_eq!(stub.count(), 0);
}

#[test]
fn unreadable_ca_bundle() {
    let (mut env, stub) = guarded();
    env.set("AWS_CA_BUNDLE", "/nonexistent/ca.pem");
    local_error(
        &env,
        &stub,
        &["-t", CODE],
        &["AWS_CA_BUNDLE", "/nonexistent/ca.pem", "could not be read"],
    );
}

#[test]
fn broken_config_file() {
    let (env, stub) = guarded();
    env.write_config("[profile default\nregion = eu-west-1\n");
    local_error(
        &env,
        &stub,
        &["-t", CODE],
        &["could not read the AWS configuration", ".aws/config"],
    );
}

/// Runs against a stub serving `code`/`message` and checks the one request.
fn sts_error(status: u16, code: &str, message: &str, expected: &[&str]) {
    let stub = Stub::sts_error(status, code, message);
    let mut env = TestEnv::new();
    env.endpoint(&stub.url());
    let files = env.snapshot();
    let out = env.run(&["-t", CODE]);
    let mut all = vec![code, message];
    all.extend_from_slice(expected);
    assert_fails(&out, &all);
    assert_eq!(stub.count(), 1, "exactly one request, no retry");
    assert_eq!(env.snapshot(), files);
}

#[test]
fn invalid_client_token_id() {
    sts_error(
        403,
        "InvalidClientTokenId",
        "The security token included in the request is invalid.",
        &[
            "long-term access key id of profile 'default'",
            ".aws/credentials",
            "AKIA",
        ],
    );
}

#[test]
fn signature_does_not_match() {
    sts_error(
        403,
        "SignatureDoesNotMatch",
        "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
        &[
            "secret key of profile 'default'",
            "clock is off by more than 5 minutes",
        ],
    );
}

#[test]
fn mfa_serial_not_this_users() {
    sts_error(
        403,
        "AccessDenied",
        "MultiFactorAuthentication failed, unable to validate MFA code. Please verify your MFA serial number is valid and associated with this user.",
        &[
            &format!("The serial {SERIAL} is not an MFA device of this IAM user"),
            "arn:aws:iam::ACCOUNT:mfa/NAME",
        ],
    );
}

#[test]
fn wrong_code() {
    sts_error(
        403,
        "AccessDenied",
        "MultiFactorAuthentication failed with invalid MFA one time pass code.",
        &["wrong or already used", "Wait for the next code"],
    );
}

#[test]
fn session_credentials_answer() {
    sts_error(
        403,
        "AccessDenied",
        "Cannot call GetSessionToken with session credentials",
        &["holds session keys", "remove aws_session_token"],
    );
}

#[test]
fn expired_token() {
    sts_error(
        400,
        "ExpiredToken",
        "The security token included in the request is expired",
        &["expired or damaged session"],
    );
}

#[test]
fn throttling_is_not_retried() {
    sts_error(
        400,
        "Throttling",
        "Rate exceeded",
        &["wait a minute", "does not retry"],
    );
}

#[test]
fn server_error_is_not_retried() {
    sts_error(
        500,
        "InternalFailure",
        "An internal error occurred.",
        &["STS refused the request"],
    );
}

#[test]
fn not_sts_at_all() {
    let stub = Stub::start(Behavior::Reply(200, "<html>captive portal</html>".into()));
    let mut env = TestEnv::new();
    env.endpoint(&stub.url());
    let out = env.run(&["-t", CODE]);
    assert_fails(
        &out,
        &["gave an answer mfa-env does not understand", &stub.url()],
    );
    assert_eq!(stub.count(), 1);
}

#[test]
fn unreachable_endpoint() {
    let mut env = TestEnv::new();
    let url = closed_port_url();
    env.endpoint(&url);
    let out = env.run(&["-t", CODE]);
    assert_fails(
        &out,
        &[
            &format!("STS at {url} could not be reached"),
            "Connection refused",
            "HTTPS_PROXY",
        ],
    );
}

#[test]
fn silent_endpoint_times_out() {
    let stub = Stub::start(Behavior::Silent);
    let mut env = TestEnv::new();
    env.endpoint(&stub.url());
    let out = env.run(&["-t", CODE]);
    assert_fails(
        &out,
        &["did not answer within 10 seconds", "was not retried"],
    );
    assert_eq!(stub.count(), 1);
}

#[test]
fn http_proxy_and_no_proxy_are_honoured() {
    let proxy = Stub::start(Behavior::Reply(200, sts_session_xml()));
    let mut env = TestEnv::new();
    env.endpoint("http://sts.mfa-env.test");
    env.set("HTTP_PROXY", &proxy.url());
    let out = env.run(&["-t", CODE]);
    ok(&out);
    assert!(stdout(&out).contains("export AWS_ACCESS_KEY_ID='ASIASTUBSTUBSTUB1234'\n"));
    assert_eq!(
        proxy.requests()[0].line,
        "POST http://sts.mfa-env.test/ HTTP/1.1"
    );

    // NO_PROXY sends it straight to the endpoint, past a dead proxy.
    let direct = Stub::start(Behavior::Reply(200, sts_session_xml()));
    env.endpoint(&direct.url());
    env.set("HTTP_PROXY", &closed_port_url());
    env.set("NO_PROXY", "127.0.0.1");
    let out = env.run(&["--no-cache", "-t", CODE]);
    ok(&out);
    assert_eq!(direct.count(), 1);
}

#[test]
fn https_proxy_gets_a_connect() {
    let proxy = Stub::start(Behavior::Reply(502, String::new()));
    let mut env = TestEnv::new();
    env.endpoint("https://sts.mfa-env.test");
    env.set("HTTPS_PROXY", &proxy.url());
    let out = env.run(&["-t", CODE]);
    assert_fails(
        &out,
        &["STS at https://sts.mfa-env.test could not be reached"],
    );
    assert_eq!(
        proxy.requests()[0].line,
        "CONNECT sts.mfa-env.test:443 HTTP/1.1"
    );
}

/// A CA and a server certificate for 127.0.0.1, made with openssl.
pub fn make_certs(dir: &std::path::Path) -> Option<()> {
    let openssl = tool("openssl")?;
    let run = |args: &[&str]| {
        let out = std::process::Command::new(&openssl)
            .args(args)
            .current_dir(dir)
            .output()
            .expect("openssl");
        assert!(out.status.success(), "openssl {args:?}: {}", stderr(&out));
    };
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    run(&[
        &["req", "-x509"][..],
        &ec,
        &[
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=mfa-env test CA",
        ],
    ]
    .concat());
    run(&[
        &["req"][..],
        &ec,
        &[
            "-keyout",
            "srv.key",
            "-out",
            "srv.csr",
            "-subj",
            "/CN=127.0.0.1",
        ],
    ]
    .concat());
    std::fs::write(
        dir.join("ext"),
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n",
    )
    .expect("ext");
    run(&[
        "x509",
        "-req",
        "-in",
        "srv.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "srv.pem",
        "-days",
        "2",
        "-extfile",
        "ext",
    ]);
    Some(())
}

#[test]
fn ca_bundle_is_honoured() {
    let mut env = TestEnv::new();
    let certs = env.home().join("certs");
    std::fs::create_dir_all(&certs).expect("mkdir");
    if make_certs(&certs).is_none() {
        return;
    }
    let cert = certs.join("srv.pem").display().to_string();
    let key = certs.join("srv.key").display().to_string();
    let ca = certs.join("ca.pem").display().to_string();
    let url = start_moto(&["-c", &cert, "-k", &key]);
    env.endpoint(&url);

    // The system's roots do not know this CA.
    let out = env.run(&["-t", CODE]);
    assert_fails(
        &out,
        &[&format!("STS at {url} could not be reached"), "certificate"],
    );

    env.set("AWS_CA_BUNDLE", &ca);
    let out = env.run(&["-t", CODE]);
    ok(&out);
    assert!(stdout(&out).contains("export AWS_SESSION_TOKEN="));

    // The profile's ca_bundle works the same.
    env.vars.remove("AWS_CA_BUNDLE");
    env.write_config(&format!(
        "[default]\nmfa_serial = {SERIAL}\nca_bundle = {ca}\n"
    ));
    let out = env.run(&["-t", CODE]);
    ok(&out);
}

/// The whole line for a role's maximum session duration, as STS words it.
#[test]
fn duration_over_the_roles_maximum() {
    let message = "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.";
    let stub = Stub::sts_error(400, "ValidationError", message);
    let mut env = TestEnv::new();
    env.endpoint(&stub.url());
    let out = env.run(&["-t", CODE]);
    assert_fails(&out, &[]);
    assert_eq!(
        stderr(&out),
        format!(
            "mfa-env: STS refused the request: ValidationError: {message} Ask for a shorter session with --duration or duration_seconds, or raise the role's maximum session duration\n"
        )
    );
}
