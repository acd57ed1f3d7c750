//! The endpoint under another local user (issue 20): idle and dripping
//! connections, oversized headers, the port after the run.

use crate::common::*;
use std::io::{BufRead, BufReader};
use std::process::Stdio;

/// The attacker (bench/server.py's too): `flood.py ADDR IDLE DRIPPING`
/// holds IDLE idle connections and DRIPPING ones that send a byte a second,
/// opening a new one for each the endpoint closes, until its stdin ends.
const FLOOD: &str = include_str!("../../bench/flood.py");

/// Opens COUNT connections to ADDR at once and, once they are all connected
/// (or 30 s have passed), prints how many are, and how many needed their SYN
/// sent again (TCP_INFO's tcpi_total_retrans): a SYN that finds the queue of
/// connections not yet accepted full is dropped, and resent 1 s later.
const BURST: &str = r#"
import resource, selectors, socket, struct, sys, time
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096), hard))
host, port = sys.argv[1].rsplit(":", 1)
socks = []
for _ in range(int(sys.argv[2])):
    s = socket.socket()
    s.setblocking(False)
    s.connect_ex((host, int(port)))
    socks.append(s)
sel = selectors.DefaultSelector()
for s in socks:
    sel.register(s, selectors.EVENT_WRITE)
waiting, deadline = len(socks), time.time() + 30
while waiting and time.time() < deadline:
    for key, _ in sel.select(timeout=1):
        sel.unregister(key.fileobj)
        waiting -= 1
info = lambda s: s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)
retried = sum(struct.unpack_from("I", info(s), 100)[0] > 0 for s in socks)
print(f"connected={len(socks) - waiting} retried={retried}")
"#;

/// A memory figure of `pid` (VmRSS, VmHWM: the peak), in KiB.
fn memory_kib(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("status");
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("a memory figure")
}

#[test]
fn another_users_idle_and_dripping_connections_do_not_starve_it() {
    // The system's python: the user's own (pyenv) may not be readable by
    // another user.
    let Some(mut flood) = as_other_user("/usr/bin/python3") else {
        return;
    };
    let (env, _stub) = TestEnv::with_moto();
    let mut served = Served::start(&env, &["--server", "-t", CODE]);
    let attacker = flood
        .args(["-c", FLOOD, &served.addr(), "500", "500"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the flood");
    let mut attacker = Reaper(attacker);
    let before = memory_kib(served.pid(), "VmRSS");
    let mut line = String::new();
    let out = attacker.0.stdout.take().expect("stdout");
    BufReader::new(out).read_line(&mut line).expect("flood");
    assert_eq!(line, "holding\n");
    // Through two rounds of the endpoint's header deadline (5 s), every
    // request with the token is answered.
    let mut answers = Vec::new();
    for _ in 0..24 {
        std::thread::sleep(std::time::Duration::from_millis(500));
        answers.push(
            http_raw(
                &served.addr(),
                format!(
                    "GET / HTTP/1.1\r\nHost: {}\r\nAuthorization: {}\r\n\r\n",
                    served.addr(),
                    served.token
                )
                .as_bytes(),
            )
            .map(|(status, _)| status),
        );
    }
    assert_eq!(answers, vec![Some(200); 24]);
    // This is a debug build (bench/server.py gives the release figure:
    // a 12 MiB peak under 2,000 such connections): the flood may add at most 8 MiB.
    let grown = memory_kib(served.pid(), "VmHWM").saturating_sub(before);
    assert!(grown < 8 * 1024, "the flood added {grown} KiB");
    drop(attacker);
    assert_eq!(served.finish().status.code(), Some(0));
}

/// Another user's 2,000 connects at once (as the flood reopens what the
/// endpoint closed) all wait in the kernel's queue until the endpoint
/// accepts them: no SYN is dropped, so a child's connect among them never
/// waits out TCP's 1 s retransmission. With std's queue of 128, hundreds
/// were dropped and resent.
#[test]
fn another_users_burst_of_connects_is_queued_not_dropped() {
    let Some(mut burst) = as_other_user("/usr/bin/python3") else {
        return;
    };
    let (env, _stub) = TestEnv::with_moto();
    let mut served = Served::start(&env, &["--server", "-t", CODE]);
    let out = burst
        .args(["-c", BURST, &served.addr(), "2000"])
        .output()
        .expect("the burst");
    assert_eq!(
        stdout(&out),
        "connected=2000 retried=0\n",
        "{}",
        stderr(&out)
    );
    assert_eq!(served.get().0, 200);
    assert_eq!(served.finish().status.code(), Some(0));
}

/// Sends `request` as a client does (a failed write is a failed request,
/// as for curl and the SDKs), then reads the answer to the end.
fn send_all(addr: &str, request: &[u8]) -> Result<String, std::io::Error> {
    use std::io::{Read, Write};
    let mut conn = std::net::TcpStream::connect(addr)?;
    conn.set_read_timeout(Some(std::time::Duration::from_secs(60)))?;
    conn.write_all(request)?;
    let mut answer = String::new();
    conn.read_to_string(&mut answer)?;
    Ok(answer)
}

#[test]
fn a_header_over_16_kib_gets_431_not_a_reset() {
    let (env, _stub) = TestEnv::with_moto();
    let mut served = Served::start(&env, &["--server", "-t", CODE]);
    let addr = served.addr();
    for filler in [16 * 1024, 256 * 1024] {
        let big = format!(
            "GET / HTTP/1.1\r\nHost: {addr}\r\nX-Filler: {}\r\n\r\n",
            "a".repeat(filler)
        );
        let answer = send_all(&addr, big.as_bytes()).map_err(|err| err.kind());
        let body = r#"{"Message":"the request header is larger than 16 KiB"}"#;
        assert_eq!(
            answer
                .as_ref()
                .map(|a| (a.lines().next(), a.ends_with(body))),
            Ok((Some("HTTP/1.1 431 Request Header Fields Too Large"), true)),
            "{filler} bytes"
        );
    }
    assert_eq!(served.get().0, 200);
    assert_eq!(served.finish().status.code(), Some(0));
}

/// What, in `[default]` and in another profile of the config file, would
/// give an SDK credentials without the endpoint.
const CREDENTIALS_IN_CONFIG: [(&str, &str); 4] = [
    (
        "static keys",
        "aws_access_key_id = AKIACONFIGKEY0000001\naws_secret_access_key = configSecret\n",
    ),
    (
        "credential_process",
        "credential_process = printf '{\"Version\": 1, \"AccessKeyId\": \"AKIAPROCESS000000001\", \"SecretAccessKey\": \"s\"}'\n",
    ),
    (
        "a role",
        "role_arn = arn:aws:iam::123456789012:role/other\nsource_profile = keys\n",
    ),
    (
        "IAM Identity Center",
        "sso_session = corp\nsso_account_id = 123456789012\nsso_role_name = admin\n",
    ),
];

/// For the default profile and for AWS_PROFILE=other: how botocore got its
/// credentials, the key id, and a retry setting of the profile.
const BOTOCORE: &str = r#"
import botocore.session
for profile in (None, "other"):
    session = botocore.session.Session(profile=profile)
    try:
        creds = session.get_credentials()
        print(profile, creds.method, creds.get_frozen_credentials().access_key,
              session.get_config_variable("max_attempts"))
    except Exception as err:
        print(profile, type(err).__name__)
"#;

/// The same with the JS SDK's default chain (fromNodeProviderChain).
const NODE: &str = r#"
const { fromNodeProviderChain } = require("@aws-sdk/credential-providers");
(async () => {
  for (const profile of [undefined, "other"]) {
    if (profile) process.env.AWS_PROFILE = profile;
    try {
      const creds = await fromNodeProviderChain()();
      console.log(`${profile ?? "None"} ${creds.accessKeyId}`);
    } catch (err) {
      console.log(`${profile ?? "None"} ${err.name}`);
    }
  }
})();
"#;

/// node with the JS SDK's credential providers (npm install -g, as CI does).
fn node_with_the_sdk() -> Option<String> {
    let node = tool("node")?;
    let root = std::process::Command::new(tool("npm")?)
        .args(["root", "-g"])
        .output()
        .ok()
        .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_string())?;
    if !std::path::Path::new(&root)
        .join("@aws-sdk/credential-providers")
        .exists()
    {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("@aws-sdk/credential-providers is required under CI=true; .ci/run installs it");
        }
        eprintln!(
            "SKIPPED: the JS SDK is not installed (npm install -g @aws-sdk/credential-providers)"
        );
        return None;
    }
    Some(format!(
        "NODE_PATH={root} {} -e {}",
        node.to_string_lossy(),
        shell_quote(NODE)
    ))
}

fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

#[test]
fn the_child_signs_with_the_served_session_whatever_the_config_file_holds() {
    let Some(python) = tool("python3") else {
        return;
    };
    let python = python.to_string_lossy().into_owned();
    let (env, stub) = TestEnv::with_moto();
    env.write_credentials(&format!(
        "[mfa]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\n"
    ));
    for (what, snippet) in CREDENTIALS_IN_CONFIG {
        let config = format!(
            "[profile mfa]\nmfa_serial = {SERIAL}\nregion = eu-west-1\n\
             [default]\nmax_attempts = 7\n{snippet}\
             [profile other]\nmax_attempts = 7\n{snippet}\
             [profile keys]\naws_access_key_id = AKIAKEYSPROFILE00001\naws_secret_access_key = k\n\
             [sso-session corp]\nsso_start_url = https://example.invalid/start\nsso_region = eu-west-1\n"
        );
        env.write_config(&config);
        let out = env.run(&[
            "--server", "-p", "mfa", "-t", CODE, "--", &python, "-c", BOTOCORE,
        ]);
        // The session of the first run, cached and served to every run.
        let key = &session_vars(&stub, 0)["AWS_ACCESS_KEY_ID"];
        assert_eq!(
            (stdout(&out), out.status.code()),
            (
                format!("None container-role {key} 7\nother container-role {key} 7\n"),
                Some(0)
            ),
            "{what}: {}",
            stderr(&out)
        );
        if let Some(node) = node_with_the_sdk() {
            let out = env.run(&["--server", "-p", "mfa", "-t", CODE, "--", "sh", "-c", &node]);
            assert_eq!(
                stdout(&out),
                format!("None {key}\nother {key}\n"),
                "{what}, JS SDK: {}",
                stderr(&out)
            );
        }
        // The AWS CLI (botocore too) names where its keys come from.
        if tool("aws").is_some() {
            let script = "aws configure list; AWS_PROFILE=other aws configure list";
            let out = env.run(&[
                "--server", "-p", "mfa", "-t", CODE, "--", "sh", "-c", script,
            ]);
            let listed = stdout(&out);
            let kinds: Vec<&str> = listed
                .lines()
                .filter(|l| l.trim_start().starts_with("access_key"))
                .filter_map(|l| l.split_whitespace().nth(2))
                .collect();
            assert_eq!(kinds, ["container-role", "container-role"], "{what}");
        }
        // The copy is gone with the run, and the real file is untouched.
        assert_eq!(
            std::fs::read_to_string(env.config_path()).ok(),
            Some(config)
        );
        let left: Vec<_> = std::fs::read_dir(env.cache_dir())
            .expect("cache")
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().starts_with("server-"))
            .collect();
        assert!(left.is_empty(), "{what}: {left:?}");
    }
}

/// Another user tries to take ADDR's port (as a squatter would, with
/// SO_REUSEADDR and SO_REUSEPORT) and says whether it could.
const SQUAT: &str = r#"
import socket, sys
host, port = sys.argv[1].rsplit(":", 1)
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
try:
    s.bind((host, int(port)))
    s.listen()
    print("bound")
except OSError as err:
    print("taken" if err.errno == 98 else f"error {err}")
"#;

/// A process the child left behind, ended at the latest with the test.
struct Leftover(Option<String>);

impl Leftover {
    fn end(&mut self) {
        if let Some(pid) = self.0.take() {
            let killed = std::process::Command::new("kill").arg(&pid).status();
            assert!(killed.is_ok_and(|s| s.success()), "kill {pid}");
        }
    }
}

impl Drop for Leftover {
    fn drop(&mut self) {
        if let Some(pid) = self.0.take() {
            let _ = std::process::Command::new("kill").arg(pid).status();
        }
    }
}

#[test]
fn after_the_run_no_other_user_can_take_the_port_while_a_leftover_has_it() {
    let Some(mut squat) = as_other_user("/usr/bin/python3") else {
        return;
    };
    let (env, _stub) = TestEnv::with_moto();
    // The command leaves a process behind that still has the address.
    let script = "sleep 120 </dev/null >/dev/null 2>&1 & \
                  echo $! $AWS_CONTAINER_CREDENTIALS_FULL_URI $AWS_CONTAINER_AUTHORIZATION_TOKEN";
    let out = env.run(&["--server", "-t", CODE, "--", "sh", "-c", script]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let printed = stdout(&out);
    let [leftover, url, token] = printed.split_whitespace().collect::<Vec<_>>()[..] else {
        panic!("{printed}");
    };
    let mut leftover = Leftover(Some(leftover.to_string()));
    let addr = url.trim_start_matches("http://").trim_end_matches('/');
    let squatted = squat.args(["-c", SQUAT, addr]).output().expect("squat");
    assert_eq!(stdout(&squatted), "taken\n", "{}", stderr(&squatted));
    // What the leftover gets when it asks: a refusal, no credentials.
    assert_eq!(
        http_get(url, Some(token)),
        (
            503,
            r#"{"Message":"the mfa-env run that served this endpoint has ended; run the command again with mfa-env --server"}"#
                .to_string()
        )
    );
    // Once no process has the address, the port is let go.
    leftover.end();
    let mut free = false;
    for _ in 0..40 {
        std::thread::sleep(std::time::Duration::from_millis(250));
        if std::net::TcpListener::bind(addr).is_ok() {
            free = true;
            break;
        }
    }
    assert!(free, "the port of {url} is still held");
}
