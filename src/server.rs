//! `--server`: a credential endpoint on 127.0.0.1 for the child, speaking the
//! container-credentials protocol every AWS SDK and CLI knows
//! (`AWS_CONTAINER_CREDENTIALS_FULL_URI` + `AWS_CONTAINER_AUTHORIZATION_TOKEN`).
//! It serves the session from memory and renews it (`renew`) before less
//! than 15 minutes are left.
//!
//! One thread runs an event loop on tokio (`listen`): each connection gets
//! one request (`http`: 16 KiB of header within 5 seconds). No client without
//! the token can hold the endpoint: past 4,096 connections that have not yet
//! sent a request, the oldest of them is closed (`listen`).

mod config;
mod hold;
mod http;
mod listen;
mod renew;

pub use renew::{Keeper, MIN_LEFT};

use crate::acquire::Acquirer;
use crate::error::Error;
use crate::log::Log;
use crate::session::{Secret, Session};
use crate::{exec, mfa, output, stdio};
use config::ChildConfig;
use std::ffi::OsString;
use std::net::{IpAddr, SocketAddr, TcpListener, TcpStream};
use std::process::ExitCode;
use std::sync::Arc;
use std::thread;
use std::time::Duration;
use zeroize::Zeroize;

/// The signals, taken on one thread for a served child (before any other
/// thread starts).
pub fn take_signals() -> Result<exec::Signals, Error> {
    let signals = exec::Signals::take()?;
    mfa::serving();
    Ok(signals)
}

/// How long the check that the port can be reached may take.
const PROBE: Duration = Duration::from_secs(2);

/// Runs the child (a command, or $SHELL for `shell`) with the credential
/// endpoint instead of keys, and serves it until the child ends.
pub fn run(
    endpoint: Endpoint,
    signals: exec::Signals,
    mut acquirer: Acquirer,
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
    // The SDKs read keys, credential_process, roles and SSO from the config
    // file before they ask the endpoint: the child gets a copy without them.
    let copy = ChildConfig::write(&ctx.files.config, ctx.cache.as_deref())?;
    let copy_path = copy.file.to_string_lossy().into_owned();
    exports.set.push(("AWS_CONFIG_FILE", copy_path.clone()));
    exports.set.push((config::SERVED_CONFIG, copy_path));
    exports.set.push((
        config::REAL_CONFIG,
        ctx.files.config.to_string_lossy().into_owned(),
    ));
    if child.is_shell {
        exec::mark_shell(&mut exports, &ctx.name, log);
    }
    exports.set.extend(child.env.iter().cloned());
    stdio::serving();
    let url = endpoint.url();
    // A renewal runs while the child has stdin and the terminal.
    acquirer.renewing();
    let serving = endpoint.serve(Keeper::new(acquirer, session, renew_below, log), log)?;
    let ended = exec::supervise(child.argv, &exports, signals)?;
    // A renewal that still asks (a dialog, a token command) asks no more.
    mfa::end_running();
    copy.remove();
    // A process the child left behind may still ask this address: no other
    // user may take it while it could (`hold`).
    let until = serving.server.keeper.expiration();
    if until > crate::session::now() && hold::in_use(&url) {
        match hold::hand_over(&serving.listener, &url, until) {
            Ok(()) => log.verbose(&format!(
                "a process the command started still has {url}: a process of mfa-env keeps the port, refusing every request, until it ends or the session has expired"
            )),
            Err(err) => log.warn(&format!(
                "a process the command started still has {url}, and no process could keep the port after mfa-env exits ({err}); end that process"
            )),
        }
    }
    Ok(ended.finish())
}

/// `mfa-env --hold-endpoint …`, the process that keeps a finished run's
/// port; None for every other run.
pub fn held(args: &[OsString]) -> Option<ExitCode> {
    hold::main(args)
}

/// The command `--server` serves.
pub struct Child<'a> {
    pub argv: &'a [OsString],
    /// `shell --server`: $SHELL, marked as mfa-env's shell.
    pub is_shell: bool,
    /// More variables for it (`--containers`: the network's name).
    pub env: Vec<(&'static str, String)>,
}

/// The bound socket and the token the child must send.
pub struct Endpoint {
    listener: TcpListener,
    addr: SocketAddr,
    token: Secret,
}

impl Endpoint {
    /// Binds `addr` (port 0: one the OS picks), and makes a new token of 256
    /// random bits.
    pub fn bind(addr: SocketAddr) -> Result<Endpoint, Error> {
        let failed = |why: String| Error::Endpoint { why };
        let ip = addr.ip();
        let listener = TcpListener::bind(addr)
            .map_err(|err| failed(format!("could not listen on {ip} ({err})")))?;
        let addr = listener
            .local_addr()
            .map_err(|err| failed(format!("no port was given ({err})")))?;
        // 127.0.0.1 can be bound while the loopback interface is down; the
        // child could not connect then, so try it once here.
        TcpStream::connect_timeout(&addr, PROBE)
            .and_then(|_| listener.accept())
            .map_err(|err| failed(format!("{addr} cannot be reached ({err})")))?;
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes)
            .map_err(|err| failed(format!("no random bytes for its token ({err})")))?;
        let token = Secret::new(bytes.iter().map(|b| format!("{b:02x}")).collect::<String>());
        bytes.zeroize();
        Ok(Endpoint {
            listener,
            addr,
            token,
        })
    }

    /// What the child gets as AWS_CONTAINER_CREDENTIALS_FULL_URI.
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// What the child gets as AWS_CONTAINER_AUTHORIZATION_TOKEN.
    pub fn token(&self) -> &Secret {
        &self.token
    }

    /// Serves `keeper`'s session on a thread of its own until the process
    /// ends (mfa-env exits when its child does).
    pub fn serve(self, keeper: Keeper, log: Log) -> Result<Serving, Error> {
        one_arena();
        log.verbose(&format!(
            "serving the session on {} (renewed when {} or less is left)",
            self.url(),
            crate::duration::left(keeper.below())
        ));
        let server = Arc::new(Server {
            keeper,
            token: self.token,
            own: self.addr.ip(),
            log,
        });
        let failed = |err: std::io::Error| Error::Endpoint {
            why: format!("could not start its thread ({err})"),
        };
        let listener = self.listener.try_clone().map_err(failed)?;
        let most = listen::raise_files();
        let serving = Serving {
            listener: self.listener,
            server: Arc::clone(&server),
        };
        thread::Builder::new()
            .name("endpoint".into())
            .stack_size(listen::STACK)
            .spawn(move || listen::run(listener, server, most))
            .map_err(failed)?;
        Ok(serving)
    }
}

/// An endpoint being served: its socket (for `hold`) and its state.
pub struct Serving {
    listener: TcpListener,
    server: Arc<Server>,
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
    /// The address the endpoint is bound to (a Host header may name it).
    own: IpAddr,
    log: Log,
}

impl Server {
    /// Whether `request` may have the session; if not, the refusal.
    fn refusal(&self, request: &http::Request) -> Option<(u16, Vec<u8>)> {
        if request
            .host
            .as_deref()
            .is_some_and(|h| !http::local_host(h, self.own))
        {
            return Some((
                403,
                http::message(
                    "the Host header must name 127.0.0.1 or localhost (a web page cannot read this endpoint)",
                ),
            ));
        }
        if request.method != "GET" {
            return Some((405, http::message("only GET is served")));
        }
        let token = self.token.expose().as_bytes();
        match &request.authorization {
            Some(given) if http::same(given, token) => None,
            Some(_) => Some((403, http::message("wrong authorization token"))),
            None => Some((403, http::message("no Authorization header"))),
        }
    }

    /// The answer to a request with the token (this may wait for a renewal).
    fn answer(&self) -> (u16, Vec<u8>) {
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
