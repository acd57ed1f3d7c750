//! STS on 127.0.0.1: moto's server (one per test run), and a recording HTTP
//! stub that forwards to moto (counting requests) or serves scripted answers.

use super::*;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

/// moto's STS server, one per test binary, on a free loopback port. A shell
/// watchdog ends it when this test process is gone.
pub fn moto() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| start_moto(&[]))
}

/// Starts another moto (for TLS, say) with extra server flags; it lives as long
/// as this test process.
pub fn start_moto(flags: &[&str]) -> String {
    start_moto_on("127.0.0.1", flags)
}

/// Starts a moto on `host` (127.0.0.1, or the bridge's 169.254.170.2 where
/// containers reach it).
pub fn start_moto_on(host: &str, flags: &[&str]) -> String {
    let port = free_port();
    let script = "python3 -m moto.server -H \"$4\" -p \"$1\" $3 >/dev/null 2>&1 & m=$!; \
                  while kill -0 \"$2\" 2>/dev/null && kill -0 $m 2>/dev/null; do sleep 0.3; done; kill $m";
    let child = Command::new("sh")
        .args(["-c", script, "sh", &port.to_string()])
        .arg(std::process::id().to_string())
        .arg(flags.join(" "))
        .arg(host)
        .stdin(Stdio::null())
        .spawn();
    if child.is_err() || tool("python3").is_none() {
        panic!("python3 with moto is needed: pip install 'moto[server]'");
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if TcpStream::connect((host, port)).is_ok() {
            let scheme = if flags.is_empty() { "http" } else { "https" };
            return format!("{scheme}://{host}:{port}");
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
    /// The key id it was signed with (its Authorization header's Credential=).
    pub fn signed_with(&self) -> String {
        let auth = self.header("authorization").unwrap_or_default();
        let credential = auth.split("Credential=").nth(1).unwrap_or_default();
        credential.split('/').next().unwrap_or_default().to_string()
    }

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
    /// Answer what the function gives for a request; pass the others on to
    /// this address (moto).
    Intercept(String, Interceptor),
}

/// The answer (status, body) to a request the stub takes over, or None.
pub type Interceptor = Arc<dyn Fn(&Request) -> Option<(u16, String)> + Send + Sync>;

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

    /// Serves one connection as `behavior` says, then closes its port: a
    /// later connection to the URL is refused. The handle ends with that
    /// connection.
    pub fn once(behavior: Behavior) -> (String, thread::JoinHandle<()>) {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind stub");
        let url = format!("http://{}", listener.local_addr().expect("stub addr"));
        let log = Arc::new(Mutex::new(Vec::new()));
        let handle = thread::spawn(move || {
            let conn = listener.accept().map(|(conn, _)| conn);
            drop(listener);
            if let Ok(conn) = conn {
                serve(conn, behavior, log);
            }
        });
        (url, handle)
    }

    /// A counting proxy in front of the shared moto.
    pub fn moto() -> Stub {
        Stub::start(Behavior::Forward(
            moto().trim_start_matches("http://").to_string(),
        ))
    }

    /// A recording proxy in front of the shared moto that answers itself
    /// the requests `answer` takes over (an injected failure).
    pub fn moto_except(
        answer: impl Fn(&Request) -> Option<(u16, String)> + Send + Sync + 'static,
    ) -> Stub {
        let moto = moto().trim_start_matches("http://").to_string();
        Stub::start(Behavior::Intercept(moto, Arc::new(answer)))
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
                    let _ = writeln!(extra, "{k}: {v}\r");
                }
                (*status, String::new(), body.clone())
            }
            Behavior::Script(queue) => queue
                .lock()
                .expect("script")
                .pop_front()
                .map(|(status, body)| (status, String::new(), body))
                .unwrap_or((500, String::new(), "script ran out".into())),
            Behavior::Forward(target) => passed_on(target, &raw, &mut extra),
            Behavior::Intercept(target, answer) => match answer(&request) {
                Some((status, body)) => (status, String::new(), body),
                None => passed_on(target, &raw, &mut extra),
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

/// Moto's answer (status, content type, body), its Date header added to `extra`.
fn passed_on(target: &str, raw: &[u8], extra: &mut String) -> (u16, String, String) {
    match forward(target, raw) {
        Some((status, content_type, date, body)) => {
            if let Some(date) = date {
                let _ = writeln!(extra, "Date: {date}\r");
            }
            (status, content_type, body)
        }
        None => (502, String::new(), "moto did not answer".into()),
    }
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
