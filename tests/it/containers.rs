//! `--containers`, `mfa-env docker` and `mfa-env serve` with real Docker:
//! containers on the network `mfa-env` get the role session from mfa-env's
//! endpoint on 169.254.170.2, STS being a moto on that same address.

use crate::common::*;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Output, Stdio};

pub const ROLE_ARN: &str = "arn:aws:sts::123456789012:assumed-role/admin/mfa-env-admin";

/// The role profile `admin` with STS at the bridge's moto.
pub fn bridge_env() -> TestEnv {
    role_env(bridge_moto(), "")
}

/// `mfa-env docker admin -t CODE OPTS -- run --rm -i (region, STS) IMAGE sh -c SCRIPT`.
fn docker_sh(env: &TestEnv, opts: &[&str], script: &str) -> std::process::Command {
    let sts = format!("STS={}", bridge_moto());
    let mut cmd = env.mfa_env(&["docker", "admin", "-t", CODE]);
    cmd.args(opts)
        .args(["--", "run", "--rm", "-i", "-e", "AWS_REGION"]);
    cmd.args([
        "-e",
        "AWS_DEFAULT_REGION",
        "-e",
        "MFA_ENV_CONTAINER_NETWORK",
    ]);
    cmd.args(["-e", &sts, IMAGE, "sh", "-c", script]);
    cmd
}

/// Python in the container: the caller's ARN by boto3 through the endpoint.
pub const BOTO3_ARN: &str = "python3 -c 'import boto3, os; print(boto3.client(\"sts\", endpoint_url=os.environ[\"STS\"]).get_caller_identity()[\"Arn\"])'";

#[test]
fn a_container_gets_the_role_session_and_mfa_env_exits_as_it_does() {
    let Some(_docker) = docker() else { return };
    let env = bridge_env();
    let script = format!(
        "{BOTO3_ARN}; aws --endpoint-url \"$STS\" sts get-caller-identity --query Arn --output text; \
         echo \"$MFA_ENV_CONTAINER_NETWORK ${{AWS_ACCESS_KEY_ID:-no keys}}\"; exit 7"
    );
    let out = docker_sh(&env, &[], &script).output().expect("run");
    assert_eq!(
        stdout(&out),
        format!("{ROLE_ARN}\n{ROLE_ARN}\nmfa-env no keys\n"),
        "{}",
        stderr(&out)
    );
    assert_eq!(out.status.code(), Some(7), "{}", stderr(&out));
}

#[test]
fn the_endpoint_wants_the_token_and_no_argv_holds_it() {
    let Some(_docker) = docker() else { return };
    let env = bridge_env();
    let script =
        "echo \"$AWS_CONTAINER_AUTHORIZATION_TOKEN $AWS_CONTAINER_CREDENTIALS_FULL_URI\"; \
         python3 -c 'import os, urllib.request as u
for token in (None, \"wrong\"):
    r = u.Request(os.environ[\"AWS_CONTAINER_CREDENTIALS_FULL_URI\"])
    if token: r.add_header(\"Authorization\", token)
    try: print(u.urlopen(r).status)
    except Exception as e: print(e.code)'; read x";
    let mut child = docker_sh(&env, &[], script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let first = lines.next().and_then(Result::ok).unwrap_or_default();
    let (token, url) = first.split_once(' ').expect("token and url");
    assert_eq!(token.len(), 64, "{first}");
    assert!(url.starts_with("http://169.254.170.2:"), "{url}");
    for _ in 0..2 {
        assert_eq!(lines.next().and_then(Result::ok).as_deref(), Some("403"));
    }
    // From the host, the same.
    assert_eq!(http_get(url, None).0, 403);
    assert_eq!(http_get(url, Some(token)).0, 200);
    // Every process's argv, the docker CLI's included, while it runs.
    let mut argvs = String::new();
    for entry in std::fs::read_dir("/proc").expect("proc").flatten() {
        if let Ok(bytes) = std::fs::read(entry.path().join("cmdline")) {
            argvs.push_str(&String::from_utf8_lossy(&bytes).replace('\0', " "));
            argvs.push('\n');
        }
    }
    assert!(!argvs.contains(token), "the token is in an argv");
    assert!(
        argvs.contains("run --network mfa-env -e AWS_CONTAINER_CREDENTIALS_FULL_URI -e AWS_CONTAINER_AUTHORIZATION_TOKEN --rm -i"),
        "{argvs}"
    );
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"\n")
        .expect("end");
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn a_renewal_is_seen_in_the_container_as_a_new_key() {
    let Some(_docker) = docker() else { return };
    // The role sessions end 15m05s after they are issued: 6 seconds later,
    // less than the 15 minutes the endpoint keeps left, so the second
    // request renews it.
    let stub = short_role_sts();
    let env = role_env(&stub.url(), "");
    let script = "python3 -c 'import os, json, time, urllib.request as u
for wait in (0, 6):
    time.sleep(wait)
    r = u.Request(os.environ[\"AWS_CONTAINER_CREDENTIALS_FULL_URI\"])
    r.add_header(\"Authorization\", os.environ[\"AWS_CONTAINER_AUTHORIZATION_TOKEN\"])
    print(json.load(u.urlopen(r))[\"AccessKeyId\"])'";
    let out = docker_sh(&env, &[], script).output().expect("run");
    let text = stdout(&out);
    let keys: Vec<&str> = text.lines().collect();
    assert_eq!(keys.len(), 2, "{text} {}", stderr(&out));
    assert!(keys.iter().all(|k| k.starts_with("ASIAROLE")), "{text}");
    assert_ne!(keys[0], keys[1], "the second request got the same key");
    assert_eq!(
        stub.actions(),
        ["GetSessionToken", "AssumeRole", "AssumeRole"]
    );
}

#[test]
fn serve_until_sigterm_with_a_detached_container() {
    let Some(_docker) = docker() else { return };
    let env = bridge_env();
    let port = free_port().to_string();
    let args = ["serve", "admin", "-t", CODE, "--containers", "--port"];
    let mut serve = Reaper(
        env.mfa_env(&args)
            .arg(&port)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("serve"),
    );
    let mut lines = BufReader::new(serve.0.stdout.take().expect("stdout")).lines();
    let url = format!("http://169.254.170.2:{port}/");
    let first = lines.next().and_then(Result::ok).unwrap_or_default();
    assert_eq!(
        first,
        format!("export AWS_CONTAINER_CREDENTIALS_FULL_URI='{url}'")
    );
    let second = lines.next().and_then(Result::ok).unwrap_or_default();
    let file = second
        .strip_prefix("export AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE='")
        .and_then(|s| s.strip_suffix('\''))
        .expect(&second)
        .to_string();
    let file = Path::new(&file);
    let folder = file.parent().expect("folder").to_path_buf();
    let third = lines.next().and_then(Result::ok).unwrap_or_default();
    assert_eq!(
        third,
        "unset AWS_CONTAINER_AUTHORIZATION_TOKEN AWS_CONTAINER_CREDENTIALS_RELATIVE_URI \
         AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_SECURITY_TOKEN AWS_PROFILE"
    );
    assert_eq!(mode(file), 0o600);
    assert_eq!(mode(&folder), 0o700);

    // A detached container, the token file bind-mounted read-only (Debian's
    // boto3 1.29 predates AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE, so the
    // script reads it).
    let mount = format!("{}:/run/mfa-env/token:ro", file.display());
    let script =
        format!("export AWS_CONTAINER_AUTHORIZATION_TOKEN=$(cat /run/mfa-env/token); {BOTO3_ARN}");
    let sts = format!("STS={}", bridge_moto());
    let uri = format!("AWS_CONTAINER_CREDENTIALS_FULL_URI={url}");
    let run = docker_run(&[
        "run",
        "-d",
        "--network",
        "mfa-env",
        "-v",
        &mount,
        "-e",
        &uri,
        "-e",
        &sts,
        "-e",
        "AWS_DEFAULT_REGION=eu-central-1",
        IMAGE,
        "sh",
        "-c",
        &script,
    ]);
    let id = String::from_utf8_lossy(&run.stdout).trim().to_string();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    docker_run(&["wait", &id]);
    let logs = docker_run(&["logs", &id]);
    docker_run(&["rm", "-f", &id]);
    assert_eq!(
        String::from_utf8_lossy(&logs.stdout),
        format!("{ROLE_ARN}\n")
    );

    // On the host, a current SDK reads the file itself.
    let host = env
        .command("python3")
        .args(["-c", "import boto3, os; print(boto3.client('sts', endpoint_url=os.environ['STS']).get_caller_identity()['Arn'])"])
        .env("AWS_CONTAINER_CREDENTIALS_FULL_URI", &url)
        .env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", file)
        .env("AWS_DEFAULT_REGION", "eu-central-1")
        .env("STS", bridge_moto())
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .output()
        .expect("python3");
    assert_eq!(stdout(&host), format!("{ROLE_ARN}\n"), "{}", stderr(&host));

    let pid = serve.0.id() as libc::pid_t;
    // SAFETY: kill has no memory-safety preconditions.
    unsafe { libc::kill(pid, libc::SIGTERM) };
    let status = serve.0.wait().expect("wait");
    assert_eq!(status.code(), Some(0));
    assert_eq!(lines.next().and_then(Result::ok), None, "more on stdout");
    assert!(!folder.exists(), "the token's folder is left");
    let addr = format!("169.254.170.2:{port}");
    assert!(
        std::net::TcpStream::connect(&addr).is_err(),
        "{addr} still open"
    );
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).expect("stat").permissions().mode() & 0o777
}

/// A refused run: exit 1, one line on stderr naming `want`, no STS request,
/// no child (nothing on stdout).
fn refused(out: &Output, stub: &Stub, want: &str) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains(want), "{err}");
    assert_eq!(stdout(out), "");
    assert_eq!(stub.count(), 0, "an STS request was made");
}

#[test]
fn where_containers_cannot_be_served_nothing_runs() {
    let Some(_docker) = docker() else { return };
    let stub = Stub::moto();
    let env = role_env(&stub.url(), "");
    let ps = ["docker", "admin", "-t", CODE, "--", "ps"];
    // No CLI.
    let mut none = env.mfa_env(&[
        "docker",
        "admin",
        "-t",
        CODE,
        "--container-cli",
        "no-such-cli",
        "--",
        "ps",
    ]);
    refused(
        &none.output().expect("run"),
        &stub,
        "no container CLI 'no-such-cli'",
    );
    let out = env
        .mfa_env(&["--containers", "-p", "admin", "-t", CODE, "--", "true"])
        .env("MFA_ENV_CONTAINER_CLI", "no-such-cli")
        .output()
        .expect("run");
    refused(&out, &stub, "no container CLI 'no-such-cli'");
    // A daemon that does not run there.
    let gone = tempfile::tempdir().expect("dir");
    let host = format!("unix://{}/docker.sock", gone.path().display());
    let out = env
        .mfa_env(&ps)
        .env("DOCKER_HOST", &host)
        .output()
        .expect("run");
    refused(&out, &stub, "the container engine is not running");
    // A network `mfa-env` of another subnet.
    docker_run(&["network", "rm", "mfa-env"]);
    docker_run(&["network", "create", "--subnet", "10.213.7.0/24", "mfa-env"]);
    let out = env.mfa_env(&ps).output().expect("run");
    docker_run(&["network", "rm", "mfa-env"]);
    bridge_network();
    refused(&out, &stub, "exists with subnet 10.213.7.0/24");
    // A network of the user's own.
    let out = env
        .mfa_env(&[
            "docker",
            "admin",
            "-t",
            CODE,
            "--",
            "run",
            "--net=host",
            IMAGE,
            "true",
        ])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("`--net=host` was given"),
        "{}",
        stderr(&out)
    );
    assert_eq!(stub.count(), 0);
}
