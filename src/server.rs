//! `--server`: a credential endpoint on 127.0.0.1 for the child, speaking the
//! container-credentials protocol every AWS SDK and CLI knows
//! (`AWS_CONTAINER_CREDENTIALS_FULL_URI` + `AWS_CONTAINER_AUTHORIZATION_TOKEN`).
//! It serves the session from memory and renews it (`renew`) before less
//! than 15 minutes are left.
//!
//! One thread accepts; each connection gets a small thread of its own and
//! one request (`http`: 16 KiB of header, 10 seconds); at most 64 are
//! served at once, and one more is closed unless a slot frees within 100 ms.

mod http;
mod renew;

pub use renew::{Keeper, MIN_LEFT};

use crate::acquire::Acquirer;
use crate::error::Error;
use crate::log::Log;
use crate::session::{Secret, Session};
use crate::{exec, output, stdio};
use std::ffi::OsString;
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::process::ExitCode;
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};
use zeroize::Zeroize;

/// Connections served at once. One more waits up to `FULL_WAIT` for a free
/// slot (a burst of clients is served), then it is closed unanswered.
pub const MAX_OPEN: usize = 64;
const FULL_WAIT: Duration = Duration::from_millis(100);
/// How long the check that the port can be reached may take.
const PROBE: Duration = Duration::from_secs(2);
/// A connection thread only parses, copies and writes a few KiB.
const CONNECTION_STACK: usize = 256 * 1024;

/// Runs the child (a command, or $SHELL for `shell`) with the credential
/// endpoint instead of keys, and serves it until the child ends.
pub fn run(
    endpoint: Endpoint,
    signals: exec::Signals,
    acquirer: Acquirer,
    session: Session,
    child: Child<'_>,
    renew_below: i64,
    log: Log,
) -> Result<ExitCode, Error> {
    let ctx = acquirer.context();
    let mut exports = output::server_exports(
        &endpoint.url(),
        endpoint.token().expose(),
        ctx.region.as_deref(),
        &ctx.name,
        &ctx.files.credentials,
    );
    if child.is_shell {
        exec::mark_shell(&mut exports, &ctx.name, log);
    }
    stdio::serving();
    endpoint.serve(Keeper::new(acquirer, session, renew_below, log), log)?;
    exec::supervise(child.argv, &exports, signals)
}

/// The command `--server` serves.
pub struct Child<'a> {
    pub argv: &'a [OsString],
    /// `shell --server`: $SHELL, marked as mfa-env's shell.
    pub is_shell: bool,
}

/// The bound socket and the token the child must send.
pub struct Endpoint {
    listener: TcpListener,
    port: u16,
    token: Secret,
}

impl Endpoint {
    /// Binds 127.0.0.1 on a port the OS picks, and makes a new token of 256
    /// random bits.
    pub fn bind() -> Result<Endpoint, Error> {
        let failed = |why: String| Error::Endpoint { why };
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .map_err(|err| failed(format!("could not listen on 127.0.0.1 ({err})")))?;
        let port = listener
            .local_addr()
            .map_err(|err| failed(format!("no port was given ({err})")))?
            .port();
        // 127.0.0.1 can be bound while the loopback interface is down; the
        // child could not connect then, so try it once here.
        TcpStream::connect_timeout(&(Ipv4Addr::LOCALHOST, port).into(), PROBE)
            .and_then(|_| listener.accept())
            .map_err(|err| failed(format!("127.0.0.1:{port} cannot be reached ({err})")))?;
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes)
            .map_err(|err| failed(format!("no random bytes for its token ({err})")))?;
        let token = Secret::new(bytes.iter().map(|b| format!("{b:02x}")).collect::<String>());
        bytes.zeroize();
        Ok(Endpoint {
            listener,
            port,
            token,
        })
    }

    /// What the child gets as AWS_CONTAINER_CREDENTIALS_FULL_URI.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }

    /// What the child gets as AWS_CONTAINER_AUTHORIZATION_TOKEN.
    pub fn token(&self) -> &Secret {
        &self.token
    }

    /// Serves `keeper`'s session on a thread of its own until the process
    /// ends (mfa-env exits when its child does).
    pub fn serve(self, keeper: Keeper, log: Log) -> Result<(), Error> {
        one_arena();
        let server = Arc::new(Server {
            keeper,
            token: self.token,
            log,
            open: Mutex::new(0),
            freed: Condvar::new(),
        });
        let listener = self.listener;
        log.verbose(&format!(
            "serving the session on http://127.0.0.1:{}/ (renewed when {} or less is left)",
            self.port,
            crate::duration::left(server.keeper.below())
        ));
        thread::Builder::new()
            .name("accept".into())
            .stack_size(CONNECTION_STACK)
            .spawn(move || accept(&listener, &server))
            .map(|_| ())
            .map_err(|err| Error::Endpoint {
                why: format!("could not start its thread ({err})"),
            })
    }
}

/// glibc gives threads that allocate at the same time arenas of their own
/// (up to 8 per core); the connection threads allocate a few KiB each, so one
/// arena keeps the serving mfa-env small.
fn one_arena() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets a tunable of the allocator.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
    }
}

struct Server {
    keeper: Keeper,
    token: Secret,
    log: Log,
    /// Connections being served.
    open: Mutex<usize>,
    freed: Condvar,
}

/// One open connection, counted until it is dropped (also when its thread
/// could not start).
struct Slot(Arc<Server>);

impl Slot {
    /// A slot, when one is free or frees within FULL_WAIT.
    fn claim(server: &Arc<Server>) -> Option<Slot> {
        let deadline = Instant::now() + FULL_WAIT;
        let mut open = server.open.lock().unwrap_or_else(|e| e.into_inner());
        while *open >= MAX_OPEN {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return None;
            }
            open = match server.freed.wait_timeout(open, left) {
                Ok((open, _)) => open,
                Err(e) => e.into_inner().0,
            };
        }
        *open += 1;
        Some(Slot(Arc::clone(server)))
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.0.open.lock().unwrap_or_else(|e| e.into_inner());
        *open = open.saturating_sub(1);
        self.0.freed.notify_one();
    }
}

fn accept(listener: &TcpListener, server: &Arc<Server>) {
    for conn in listener.incoming() {
        let stream = match conn {
            Ok(stream) => stream,
            Err(_) => {
                // Out of file descriptors, say: let connections finish.
                thread::sleep(Duration::from_millis(10));
                continue;
            }
        };
        let Some(slot) = Slot::claim(server) else {
            server
                .log
                .verbose("closed a connection: 64 are open already");
            drop(stream);
            continue;
        };
        let _ = thread::Builder::new()
            .stack_size(CONNECTION_STACK)
            .spawn(move || slot.0.handle(stream));
    }
}

impl Server {
    fn handle(&self, mut stream: TcpStream) {
        let start = Instant::now();
        let _ = stream.set_nodelay(true);
        let (what, status, mut body) = match http::read(&mut stream) {
            Err(http::Failure::Gone) => {
                self.log
                    .verbose("a connection closed, or sent no request within 10 s");
                return;
            }
            Err(http::Failure::TooLarge) => (
                "request".to_string(),
                431,
                http::message("the request header is larger than 16 KiB"),
            ),
            Err(http::Failure::Malformed) => (
                "request".to_string(),
                400,
                http::message("not an HTTP/1.1 request"),
            ),
            Ok(request) => {
                let (status, body) = self.answer(&request);
                let path: String = request.path.chars().take(100).collect();
                (format!("{} {path}", request.method), status, body)
            }
        };
        let sent = http::respond(&mut stream, status, &body);
        body.zeroize();
        self.log.verbose(&format!(
            "{what}: {status}{} in {:.2} ms",
            if sent.is_err() {
                " (not delivered)"
            } else {
                ""
            },
            start.elapsed().as_secs_f64() * 1000.0
        ));
    }

    fn answer(&self, request: &http::Request) -> (u16, Vec<u8>) {
        if request
            .host
            .as_deref()
            .is_some_and(|h| !http::local_host(h))
        {
            return (
                403,
                http::message(
                    "the Host header must name 127.0.0.1 or localhost (a web page cannot read this endpoint)",
                ),
            );
        }
        if request.method != "GET" {
            return (405, http::message("only GET is served"));
        }
        let token = self.token.expose().as_bytes();
        match &request.authorization {
            Some(given) if http::same(given, token) => {}
            Some(_) => return (403, http::message("wrong authorization token")),
            None => return (403, http::message("no Authorization header")),
        }
        match self.keeper.session() {
            Ok(session) => (200, credentials(&session)),
            Err(why) => (500, http::message(&why)),
        }
    }
}

/// The container-credentials answer, written once into a buffer of its
/// final size (no copies of the secrets are left behind by regrowth).
fn credentials(session: &Session) -> Vec<u8> {
    #[derive(serde::Serialize)]
    #[serde(rename_all = "PascalCase")]
    struct Answer<'a> {
        access_key_id: &'a str,
        secret_access_key: &'a str,
        token: &'a str,
        expiration: String,
    }
    let answer = Answer {
        access_key_id: &session.access_key_id,
        secret_access_key: session.secret_access_key.expose(),
        token: session.session_token.expose(),
        expiration: session.expiration_rfc3339(),
    };
    let room =
        128 + answer.access_key_id.len() + answer.secret_access_key.len() + answer.token.len() * 2;
    let mut body = Vec::with_capacity(room);
    match serde_json::to_writer(&mut body, &answer) {
        Ok(()) => body,
        Err(_) => http::message("the session could not be written as JSON"),
    }
}
