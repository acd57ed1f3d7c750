//! The one integration-test helper: a temporary HOME with AWS files, runs of the
//! real binary, moto's STS server, and a recording HTTP stub on 127.0.0.1 that
//! either forwards to moto (counting requests) or serves real STS error XML.
//! Nothing here touches the real ~/.aws or any address off this machine.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

pub const KEY_ID: &str = "AKIAFAKEFAKEFAKE1234";
pub const SECRET: &str = "fakeSecretKeyForTestsOnly/0123456789abcd";
pub const SERIAL: &str = "arn:aws:iam::123456789012:mfa/alice";
/// The MFA code tests pass; it must never show up in any output.
pub const CODE: &str = "914725";

/// The binary under test.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_mfa-env"))
}

/// A tool a test needs. Missing: the test fails under CI=true (CI installs it),
/// and elsewhere says it skipped.
pub fn tool(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let found = std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file());
    if found.is_none() {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("{name} is required under CI=true but is not installed; .ci/run installs it");
        }
        eprintln!("SKIPPED: {name} is not installed (CI installs it)");
    }
    found
}

/// A temporary HOME with `.aws/config`, `.aws/credentials` and XDG folders.
pub struct TestEnv {
    pub dir: tempfile::TempDir,
    /// Extra variables for every run (the endpoint, say).
    pub vars: BTreeMap<String, String>,
}

impl TestEnv {
    /// A user profile `default` with long-term keys, mfa_serial and a region.
    pub fn new() -> TestEnv {
        let env = TestEnv::empty();
        env.write_config(&format!(
            "[default]\nmfa_serial = {SERIAL}\nregion = eu-west-1\n"
        ));
        env.write_credentials(&format!(
            "[default]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\n"
        ));
        env
    }

    /// A HOME with no AWS files at all.
    pub fn empty() -> TestEnv {
        let dir = tempfile::tempdir().expect("temp dir");
        for sub in [".aws", ".cache", ".config", "work"] {
            std::fs::create_dir_all(dir.path().join(sub)).expect("mkdir");
        }
        TestEnv {
            dir,
            vars: BTreeMap::new(),
        }
    }

    pub fn home(&self) -> &Path {
        self.dir.path()
    }

    pub fn config_path(&self) -> PathBuf {
        self.home().join(".aws/config")
    }

    pub fn credentials_path(&self) -> PathBuf {
        self.home().join(".aws/credentials")
    }

    pub fn write_config(&self, text: &str) {
        std::fs::write(self.config_path(), text).expect("write config");
    }

    pub fn write_credentials(&self, text: &str) {
        std::fs::write(self.credentials_path(), text).expect("write credentials");
    }

    /// The bytes of both AWS files, to prove they were not written.
    pub fn snapshot(&self) -> (Vec<u8>, Vec<u8>) {
        (
            std::fs::read(self.config_path()).unwrap_or_default(),
            std::fs::read(self.credentials_path()).unwrap_or_default(),
        )
    }

    pub fn set(&mut self, name: &str, value: &str) -> &mut Self {
        self.vars.insert(name.to_string(), value.to_string());
        self
    }

    pub fn endpoint(&mut self, url: &str) -> &mut Self {
        self.set("AWS_ENDPOINT_URL_STS", url)
    }

    /// The exact environment every run starts from: nothing of the developer's
    /// (no AWS_*, no real HOME), only this.
    pub fn base_env(&self) -> BTreeMap<String, String> {
        let home = self.home().to_string_lossy().into_owned();
        let mut env = BTreeMap::new();
        env.insert("PATH".into(), std::env::var("PATH").unwrap_or_default());
        env.insert("HOME".into(), home.clone());
        env.insert("XDG_CACHE_HOME".into(), format!("{home}/.cache"));
        env.insert("XDG_CONFIG_HOME".into(), format!("{home}/.config"));
        env.insert("LC_ALL".into(), "C.UTF-8".into());
        env.extend(self.vars.clone());
        env
    }

    /// A command with exactly `base_env`, run in HOME/work.
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut cmd = Command::new(program);
        cmd.env_clear()
            .envs(self.base_env())
            .current_dir(self.home().join("work"))
            .stdin(Stdio::null());
        cmd
    }

    /// PATH with the binary's folder first, for scripts that call `mfa-env`.
    pub fn with_binary_on_path(&mut self) -> &mut Self {
        let dir = bin()
            .parent()
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        let path = format!("{dir}:{}", std::env::var("PATH").unwrap_or_default());
        self.set("PATH", &path)
    }

    /// mfa-env with `args`, stdin closed, and no controlling terminal.
    pub fn mfa_env(&self, args: &[&str]) -> Command {
        let mut cmd = self.command("setsid");
        cmd.arg("-w").arg(bin()).args(args);
        cmd
    }

    pub fn cache_dir(&self) -> PathBuf {
        self.home().join(".cache/mfa-env")
    }

    /// The cache files whose names end in `ext`, sorted.
    pub fn cache_files(&self, ext: &str) -> Vec<PathBuf> {
        let mut found: Vec<PathBuf> = std::fs::read_dir(self.cache_dir())
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        found.retain(|p| p.to_string_lossy().ends_with(ext));
        found.sort();
        found
    }

    /// The one cached session file.
    pub fn cache_entry(&self) -> PathBuf {
        let files = self.cache_files(".json");
        assert_eq!(files.len(), 1, "one cache entry: {files:?}");
        files[0].clone()
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.mfa_env(args).output().expect("run mfa-env")
    }
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Asserts a failure of the default run (the one whose output is `eval`ed):
/// exit 1, `false` and nothing else on stdout (so the `eval` fails too), one
/// line on stderr that contains every part of `expected`.
pub fn assert_fails(out: &Output, expected: &[&str]) {
    assert_fails_printing(out, "false\n", expected);
}

/// The same for any command, with exactly `printed` on stdout.
pub fn assert_fails_printing(out: &Output, printed: &str, expected: &[&str]) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(1), "stderr: {err}");
    assert_eq!(stdout(out), printed, "stdout on failure");
    assert_eq!(err.lines().count(), 1, "one line on stderr: {err}");
    for part in expected {
        assert!(err.contains(part), "stderr lacks {part:?}: {err}");
    }
    for secret in [SECRET, CODE] {
        assert!(!err.contains(secret), "a secret leaked into: {err}");
    }
}

/// Parses `env -0` output.
pub fn parse_env0(bytes: &[u8]) -> BTreeMap<String, String> {
    bytes
        .split(|b| *b == 0)
        .filter(|entry| !entry.is_empty())
        .filter_map(|entry| {
            let text = String::from_utf8_lossy(entry);
            text.split_once('=')
                .map(|(k, v)| (k.to_string(), v.to_string()))
        })
        .collect()
}

/// moto's STS server, one per test binary, on a free loopback port. A shell
/// watchdog ends it when this test process is gone.
pub fn moto() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| start_moto(&[]))
}

/// Starts another moto (for TLS, say) with extra server flags; it lives as long
/// as this test process.
pub fn start_moto(flags: &[&str]) -> String {
    let port = free_port();
    let script = "python3 -m moto.server -H 127.0.0.1 -p \"$1\" $3 >/dev/null 2>&1 & m=$!; \
                  while kill -0 \"$2\" 2>/dev/null && kill -0 $m 2>/dev/null; do sleep 0.3; done; kill $m";
    let child = Command::new("sh")
        .args(["-c", script, "sh", &port.to_string()])
        .arg(std::process::id().to_string())
        .arg(flags.join(" "))
        .stdin(Stdio::null())
        .spawn();
    if child.is_err() || tool("python3").is_none() {
        panic!("python3 with moto is needed: pip install 'moto[server]'");
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            let scheme = if flags.is_empty() { "http" } else { "https" };
            return format!("{scheme}://127.0.0.1:{port}");
        }
        thread::sleep(Duration::from_millis(100));
    }
    panic!("moto did not start on port {port}: is it installed? pip install 'moto[server]'");
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// A port nothing listens on.
pub fn closed_port_url() -> String {
    format!("http://127.0.0.1:{}", free_port())
}

/// One HTTP request as the stub saw it.
#[derive(Debug, Clone)]
pub struct Request {
    pub line: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The pairs of the query string in the request line (a GET's), decoded,
    /// in order.
    pub fn query(&self) -> Vec<(String, String)> {
        let target = self.line.split(' ').nth(1).unwrap_or("");
        query_pairs(target.split_once('?').map(|(_, q)| q).unwrap_or(""))
    }

    /// A form field of the query body, URL-decoded.
    pub fn param(&self, name: &str) -> Option<String> {
        self.body.split('&').find_map(|pair| {
            let (k, v) = pair.split_once('=')?;
            (k == name).then(|| url_decode(v))
        })
    }
}

/// The pairs of a query string (`a=1&b=2`), URL-decoded, in order.
pub fn query_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (url_decode(k), url_decode(v))
        })
        .collect()
}

fn url_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                out.push(u8::from_str_radix(hex, 16).unwrap_or(b'?'));
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// What the stub does with each request.
#[derive(Clone)]
pub enum Behavior {
    /// Pass it on to this address (moto) and return its answer.
    Forward(String),
    /// Answer with this status and body.
    Reply(u16, String),
    /// Accept the connection and never answer.
    Silent,
    /// Answer with this status, these extra headers and this body.
    ReplyWith(u16, Vec<(String, String)>, String),
    /// Answer each request with the next of these (status, body); 500 when
    /// they run out.
    Script(Arc<Mutex<std::collections::VecDeque<(u16, String)>>>),
    /// Wait this long, then behave as the inner behavior.
    Slow(Duration, Box<Behavior>),
    /// Answer the n-th request (counted from 0) with what the function makes
    /// of it: (status, body).
    Respond(Arc<std::sync::atomic::AtomicUsize>, Responder),
}

/// Makes the answer to the n-th request.
pub type Responder = Arc<dyn Fn(usize, &Request) -> (u16, String) + Send + Sync>;

/// A recording HTTP/1.1 server on 127.0.0.1; it stops with the test process.
pub struct Stub {
    pub addr: SocketAddr,
    log: Arc<Mutex<Vec<(Request, String)>>>,
}

impl Stub {
    pub fn start(behavior: Behavior) -> Stub {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind stub");
        let addr = listener.local_addr().expect("stub addr");
        let log = Arc::new(Mutex::new(Vec::new()));
        let shared = Arc::clone(&log);
        thread::spawn(move || {
            for conn in listener.incoming().flatten() {
                let (behavior, log) = (behavior.clone(), Arc::clone(&shared));
                thread::spawn(move || serve(conn, behavior, log));
            }
        });
        Stub { addr, log }
    }

    /// A counting proxy in front of the shared moto.
    pub fn moto() -> Stub {
        Stub::start(Behavior::Forward(
            moto().trim_start_matches("http://").to_string(),
        ))
    }

    /// Answers each request with `respond(n, request)`.
    pub fn respond(
        respond: impl Fn(usize, &Request) -> (u16, String) + Send + Sync + 'static,
    ) -> Stub {
        Stub::start(Behavior::Respond(Arc::default(), Arc::new(respond)))
    }

    /// Answers the requests in turn with these (status, body).
    pub fn script(answers: Vec<(u16, String)>) -> Stub {
        Stub::start(Behavior::Script(Arc::new(Mutex::new(answers.into()))))
    }

    /// The Action of each request, in order.
    pub fn actions(&self) -> Vec<String> {
        self.requests()
            .iter()
            .map(|r| r.param("Action").unwrap_or_default())
            .collect()
    }

    /// Serves a real STS error document.
    pub fn sts_error(status: u16, code: &str, message: &str) -> Stub {
        Stub::start(Behavior::Reply(status, sts_error_xml(code, message)))
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn requests(&self) -> Vec<Request> {
        self.log
            .lock()
            .expect("stub log")
            .iter()
            .map(|(r, _)| r.clone())
            .collect()
    }

    /// The response bodies sent back, in order.
    pub fn responses(&self) -> Vec<String> {
        self.log
            .lock()
            .expect("stub log")
            .iter()
            .map(|(_, r)| r.clone())
            .collect()
    }

    pub fn count(&self) -> usize {
        self.log.lock().expect("stub log").len()
    }
}

/// The error document STS sends, e.g. 403 InvalidClientTokenId.
pub fn sts_error_xml(code: &str, message: &str) -> String {
    format!(
        "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n  <Error>\n    <Type>Sender</Type>\n    <Code>{code}</Code>\n    <Message>{message}</Message>\n  </Error>\n  <RequestId>4f1e3b2a-0c6d-4c2e-9a7b-1d2e3f4a5b6c</RequestId>\n</ErrorResponse>\n"
    )
}

/// A successful GetSessionToken answer, as STS sends it.
pub fn sts_session_xml() -> String {
    sts_session_xml_for("ASIASTUBSTUBSTUB1234")
}

/// The same with another access key id.
pub fn sts_session_xml_for(key_id: &str) -> String {
    "<GetSessionTokenResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><GetSessionTokenResult><Credentials><AccessKeyId>KEYID</AccessKeyId><SecretAccessKey>stubSecret</SecretAccessKey><SessionToken>stubToken</SessionToken><Expiration>2030-01-02T03:04:05Z</Expiration></Credentials></GetSessionTokenResult><ResponseMetadata><RequestId>58c5dbae-abef-11e0-8cfe-09039844ac7d</RequestId></ResponseMetadata></GetSessionTokenResponse>".replace("KEYID", key_id)
}

/// A successful AssumeRole answer, as STS sends it.
pub fn sts_role_xml(key_id: &str) -> String {
    format!(
        "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><AssumeRoleResult><Credentials><AccessKeyId>{key_id}</AccessKeyId><SecretAccessKey>roleSecret</SecretAccessKey><SessionToken>roleToken</SessionToken><Expiration>2030-01-02T03:04:05Z</Expiration></Credentials><AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/admin/mfa-env-admin</Arn><AssumedRoleId>AROA3XFRBF535PLBIFPI4:mfa-env-admin</AssumedRoleId></AssumedRoleUser></AssumeRoleResult><ResponseMetadata><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ResponseMetadata></AssumeRoleResponse>"
    )
}

/// A successful GetCallerIdentity answer for the IAM user `name`.
pub fn sts_identity_xml(name: &str) -> String {
    format!(
        "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/{name}</Arn><UserId>AIDACKCEVSQ6C2EXAMPLE</UserId><Account>123456789012</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>01234567-89ab-cdef-0123-456789abcdef</RequestId></ResponseMetadata></GetCallerIdentityResponse>"
    )
}

/// The session variables mfa-env must export for the `index`-th answer the
/// stub saw (the expiration without a fraction, as mfa-env prints it).
pub fn session_vars(stub: &Stub, index: usize) -> BTreeMap<String, String> {
    let responses = stub.responses();
    let xml = &responses[index];
    let field = |tag| xml_field(xml, tag).unwrap_or_else(|| panic!("no {tag} in {xml}"));
    let expiration = field("Expiration");
    let seconds = expiration
        .split('.')
        .next()
        .unwrap_or("")
        .trim_end_matches('Z');
    BTreeMap::from([
        ("AWS_ACCESS_KEY_ID".to_string(), field("AccessKeyId")),
        (
            "AWS_SECRET_ACCESS_KEY".to_string(),
            field("SecretAccessKey"),
        ),
        ("AWS_SESSION_TOKEN".to_string(), field("SessionToken")),
        (
            "AWS_CREDENTIAL_EXPIRATION".to_string(),
            format!("{seconds}Z"),
        ),
    ])
}

/// The time `offset` seconds from now in `date -u` FORMAT (`date`, so that the
/// tests do not lean on mfa-env's own date code).
pub fn date_in(offset: i64, format: &str) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let out = Command::new("date")
        .args(["-u", "-d", &format!("@{}", now + offset), format])
        .env("LC_ALL", "C")
        .output()
        .expect("date");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// RFC 3339 UTC, `offset` seconds from now.
pub fn rfc3339_in(offset: i64) -> String {
    date_in(offset, "+%Y-%m-%dT%H:%M:%SZ")
}

/// Rewrites the expiration of the cache entry at `path` (its mode stays 0600).
pub fn set_expiration(path: &Path, when: &str) {
    let text = std::fs::read_to_string(path).expect("entry");
    let value: serde_json::Value = serde_json::from_str(&text).expect("json");
    let old = value["expiration"].as_str().expect("expiration");
    std::fs::write(path, text.replace(old, when)).expect("rewrite");
}

/// The text between `<tag>` and `</tag>`.
pub fn xml_field(xml: &str, tag: &str) -> Option<String> {
    let start = xml.find(&format!("<{tag}>"))? + tag.len() + 2;
    let end = xml[start..].find(&format!("</{tag}>"))? + start;
    Some(xml[start..end].to_string())
}

fn serve(conn: TcpStream, behavior: Behavior, log: Arc<Mutex<Vec<(Request, String)>>>) {
    let mut reader = BufReader::new(match conn.try_clone() {
        Ok(c) => c,
        Err(_) => return,
    });
    let mut conn = conn;
    let behavior = match behavior {
        Behavior::Slow(pause, inner) => {
            thread::sleep(pause);
            *inner
        }
        other => other,
    };
    while let Some((request, raw)) = read_request(&mut reader) {
        if let Behavior::Silent = behavior {
            log.lock().expect("log").push((request, String::new()));
            thread::sleep(Duration::from_secs(120));
            return;
        }
        let mut extra = String::new();
        let (status, head, body) = match &behavior {
            Behavior::Reply(status, body) => (*status, String::new(), body.clone()),
            Behavior::ReplyWith(status, headers, body) => {
                for (k, v) in headers {
                    extra.push_str(&format!("{k}: {v}\r\n"));
                }
                (*status, String::new(), body.clone())
            }
            Behavior::Script(queue) => queue
                .lock()
                .expect("script")
                .pop_front()
                .map(|(status, body)| (status, String::new(), body))
                .unwrap_or((500, String::new(), "script ran out".into())),
            Behavior::Forward(target) => match forward(target, &raw) {
                Some((status, content_type, date, body)) => {
                    if let Some(date) = date {
                        extra.push_str(&format!("Date: {date}\r\n"));
                    }
                    (status, content_type, body)
                }
                None => (502, String::new(), "moto did not answer".into()),
            },
            Behavior::Respond(count, respond) => {
                let n = count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let (status, body) = respond(n, &request);
                (status, String::new(), body)
            }
            Behavior::Silent | Behavior::Slow(..) => unreachable!(),
        };
        log.lock().expect("log").push((request, body.clone()));
        let content_type = if head.is_empty() { "text/xml" } else { &head };
        let response = format!(
            "HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nx-amzn-RequestId: 4f1e3b2a\r\n{extra}\r\n{body}",
            body.len()
        );
        if conn.write_all(response.as_bytes()).is_err() {
            return;
        }
    }
    let _ = conn.shutdown(Shutdown::Both);
}

fn read_request(reader: &mut BufReader<TcpStream>) -> Option<(Request, Vec<u8>)> {
    let mut raw = Vec::new();
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    raw.extend_from_slice(line.as_bytes());
    let request_line = line.trim_end().to_string();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).ok()? == 0 {
            return None;
        }
        raw.extend_from_slice(h.as_bytes());
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    let len = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = vec![0; len];
    reader.read_exact(&mut body).ok()?;
    raw.extend_from_slice(&body);
    let request = Request {
        line: request_line,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    };
    Some((request, raw))
}

/// Sends one raw request to `target` and returns (status, content type, Date
/// header, body).
fn forward(target: &str, raw: &[u8]) -> Option<(u16, String, Option<String>, String)> {
    let mut upstream = TcpStream::connect(target).ok()?;
    upstream.write_all(raw).ok()?;
    let mut reader = BufReader::new(upstream);
    let mut status_line = String::new();
    reader.read_line(&mut status_line).ok()?;
    let status = status_line.split_whitespace().nth(1)?.parse().ok()?;
    let (mut len, mut content_type, mut date) = (0, String::new(), None);
    loop {
        let mut h = String::new();
        reader.read_line(&mut h).ok()?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            if k.eq_ignore_ascii_case("content-length") {
                len = v.trim().parse().ok()?;
            } else if k.eq_ignore_ascii_case("content-type") {
                content_type = v.trim().to_string();
            } else if k.eq_ignore_ascii_case("date") {
                date = Some(v.trim().to_string());
            }
        }
    }
    let mut body = vec![0; len];
    reader.read_exact(&mut body).ok()?;
    Some((
        status,
        content_type,
        date,
        String::from_utf8_lossy(&body).into_owned(),
    ))
}

/// One raw exchange with a server on 127.0.0.1: sends `request` as it is and
/// returns the status and body, or None when the server closed the
/// connection without an answer.
pub fn http_raw(addr: &str, request: &[u8]) -> Option<(u16, String)> {
    let mut conn = TcpStream::connect(addr).expect("connect");
    conn.set_read_timeout(Some(Duration::from_secs(60)))
        .expect("timeout");
    // The server may close before reading all of an oversized request.
    let _ = conn.write_all(request);
    let mut answer = Vec::new();
    let _ = conn.read_to_end(&mut answer);
    let text = String::from_utf8_lossy(&answer).into_owned();
    let (head, body) = text.split_once("\r\n\r\n")?;
    let status = head.split_whitespace().nth(1)?.parse().ok()?;
    Some((status, body.to_string()))
}

/// GET `url` (http://127.0.0.1:PORT/…) with this Authorization header, if any.
pub fn http_get(url: &str, token: Option<&str>) -> (u16, String) {
    let rest = url.trim_start_matches("http://");
    let (addr, path) = rest.split_once('/').unwrap_or((rest, ""));
    let auth = token
        .map(|t| format!("Authorization: {t}\r\n"))
        .unwrap_or_default();
    let request = format!("GET /{path} HTTP/1.1\r\nHost: {addr}\r\n{auth}\r\n");
    http_raw(addr, request.as_bytes()).expect("an answer")
}

/// `mfa-env ARGS -- sh -c …` under --server: the child prints its endpoint
/// and token on one line, then waits until `finish` closes its stdin.
pub struct Served {
    child: Option<Child>,
    pub url: String,
    pub token: String,
}

impl Served {
    pub fn start(env: &TestEnv, args: &[&str]) -> Served {
        let mut child = env
            .mfa_env(args)
            .args([
                "--",
                "sh",
                "-c",
                "echo \"$AWS_CONTAINER_CREDENTIALS_FULL_URI $AWS_CONTAINER_AUTHORIZATION_TOKEN\"; read x; exit 0",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn mfa-env");
        let mut line = String::new();
        let stdout = child.stdout.as_mut().expect("stdout");
        let mut byte = [0u8; 1];
        while stdout.read(&mut byte).unwrap_or(0) == 1 && byte[0] != b'\n' {
            line.push(byte[0] as char);
        }
        let mut served = Served {
            child: Some(child),
            url: String::new(),
            token: String::new(),
        };
        let Some((url, token)) = line.split_once(' ') else {
            let out = served.finish();
            panic!("mfa-env did not start the child: {}", stderr(&out));
        };
        served.url = url.to_string();
        served.token = token.to_string();
        served
    }

    /// The host:port of the endpoint.
    pub fn addr(&self) -> String {
        self.url
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_string()
    }

    /// GET with the right token.
    pub fn get(&self) -> (u16, String) {
        http_get(&self.url, Some(&self.token))
    }

    /// The access key id of a 200 answer.
    pub fn key(&self) -> String {
        let (status, body) = self.get();
        assert_eq!(status, 200, "{body}");
        let json: serde_json::Value = serde_json::from_str(&body).expect("json");
        json["AccessKeyId"].as_str().expect("key").to_string()
    }

    /// Lets the child end and returns mfa-env's output.
    pub fn finish(&mut self) -> Output {
        let mut child = self.child.take().expect("running");
        drop(child.stdin.take());
        child.wait_with_output().expect("wait")
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Kills a child if a test panics before it is reaped.
pub struct Reaper(pub Child);

impl Drop for Reaper {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
