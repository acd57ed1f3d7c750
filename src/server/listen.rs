//! The endpoint's event loop: one thread, a tokio runtime of its own, one
//! task per connection. A client without the token costs a task of about
//! 2 KiB, and its header's bytes past the first KiB come from a budget all
//! connections share (`http::BUDGET`). Connections that have not sent a
//! whole request yet ("pending") are bounded (MAX_PENDING, and the file
//! descriptors the process may open, raised for the endpoint and given back
//! to the child); past the bound the oldest of them is closed. So idle or
//! dripping clients of another user delay a request with the token by a turn
//! of the loop, never more. The kernel's queue of connections not yet
//! accepted is as long as that bound (std's 128 was not): when such a client
//! reopens its connections all at once, the SYNs past a full queue are
//! dropped, and a child's connect among them waits out TCP's 1 s
//! retransmission. An answer that must wait for a renewal waits on a
//! blocking thread, not on the loop.

use super::{Server, http};
use std::collections::BTreeMap;
use std::net::TcpListener;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};
use tokio::net::TcpStream;
use tokio::task::AbortHandle;
use tokio::time::timeout;
use zeroize::Zeroize;

/// Connections that have not sent a whole request yet, at most (fewer when
/// the process may not open that many files).
pub const MAX_PENDING: usize = 4096;
/// File descriptors kept for everything but pending connections.
const OTHER_FILES: u64 = 64;
/// The loop's thread, and the threads that wait for a renewal, parse and
/// copy a few KiB.
pub const STACK: usize = 256 * 1024;
/// Answers that wait for a renewal at once; more queue for these.
const WAITERS: usize = 4;
/// The most that is read and dropped after an oversized header.
const DRAIN: usize = 1024 * 1024;

/// The connections still reading their request, oldest first.
#[derive(Default)]
struct Pending {
    next: u64,
    tasks: BTreeMap<u64, AbortHandle>,
}

type Shared = Arc<Mutex<Pending>>;

fn lock(pending: &Shared) -> std::sync::MutexGuard<'_, Pending> {
    pending.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Raises the soft limit of open files to MAX_PENDING and some (within the
/// hard limit), and says how many connections may be pending.
pub fn raise_files() -> usize {
    let now = crate::proc::raise_open_files(MAX_PENDING as u64 + OTHER_FILES);
    usize::try_from(now.saturating_sub(OTHER_FILES))
        .unwrap_or(MAX_PENDING)
        .clamp(1, MAX_PENDING)
}

/// Runs the loop until the process ends.
pub fn run(listener: TcpListener, server: Arc<Server>, most: usize) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .thread_stack_size(STACK)
        .max_blocking_threads(WAITERS)
        .build();
    let runtime = match runtime {
        Ok(runtime) => runtime,
        Err(err) => {
            server
                .log
                .warn(&format!("the credential endpoint could not start: {err}"));
            return;
        }
    };
    runtime.block_on(accept(listener, server, most));
}

async fn accept(listener: TcpListener, server: Arc<Server>, most: usize) {
    let listener = match widen_backlog(&listener)
        .and_then(|()| listener.set_nonblocking(true))
        .and_then(|()| tokio::net::TcpListener::from_std(listener))
    {
        Ok(listener) => listener,
        Err(err) => {
            server
                .log
                .warn(&format!("the credential endpoint could not start: {err}"));
            return;
        }
    };
    let pending: Shared = Arc::default();
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(_) => {
                // Out of file descriptors, say: free the oldest pending one.
                reap_oldest(&pending);
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let id = {
            let mut all = lock(&pending);
            if all.tasks.len() >= most {
                drop(all);
                reap_oldest(&pending);
                all = lock(&pending);
            }
            all.next += 1;
            all.next
        };
        let guard = Guard {
            id,
            pending: Arc::clone(&pending),
        };
        let task = tokio::spawn(handle(stream, Arc::clone(&server), guard));
        let mut all = lock(&pending);
        // A task that already ended removed nothing yet: only add a live one.
        if !task.is_finished() {
            all.tasks.insert(id, task.abort_handle());
        }
    }
}

/// Listens again with a queue of MAX_PENDING (the kernel caps it at
/// net.core.somaxconn): a listening socket takes the new length.
fn widen_backlog(listener: &TcpListener) -> std::io::Result<()> {
    let backlog = i32::try_from(MAX_PENDING).unwrap_or(i32::MAX);
    Ok(rustix::net::listen(listener, backlog)?)
}

fn reap_oldest(pending: &Shared) {
    if let Some((_, task)) = lock(pending).tasks.pop_first() {
        task.abort();
    }
}

/// A connection's place among the pending ones, given up when its request
/// is in (or the task ends, or is aborted).
struct Guard {
    id: u64,
    pending: Shared,
}

impl Drop for Guard {
    fn drop(&mut self) {
        lock(&self.pending).tasks.remove(&self.id);
    }
}

async fn handle(stream: TcpStream, server: Arc<Server>, guard: Guard) {
    let start = Instant::now();
    let _ = stream.set_nodelay(true);
    let read = timeout(http::HEAD_TIME, http::read(&stream)).await;
    let (what, status, mut body) = match read {
        Err(_) | Ok(Err(http::Failure::Gone)) => {
            server
                .log
                .verbose("a connection closed, or sent no request within 5 s");
            return;
        }
        Ok(Err(http::Failure::TooLarge)) => (
            "request".to_string(),
            431,
            http::message("the request header is larger than 16 KiB"),
        ),
        Ok(Err(http::Failure::Malformed)) => (
            "request".to_string(),
            400,
            http::message("not an HTTP/1.1 request"),
        ),
        Ok(Ok(request)) => {
            let path: String = request.path.chars().take(100).collect();
            let what = format!("{} {path}", request.method);
            let (status, body) = match server.refusal(&request) {
                Some(refusal) => refusal,
                None => {
                    // The token was sent: this connection is no longer one
                    // that may be closed to make room.
                    drop(request);
                    drop(guard);
                    answer(&server).await
                }
            };
            (what, status, body)
        }
    };
    let mut bytes = http::response(status, &body);
    body.zeroize();
    let sent = timeout(http::WRITE_TIME, http::write(&stream, &bytes)).await;
    bytes.zeroize();
    let sent = matches!(sent, Ok(Ok(())));
    if sent && status == 431 {
        // The rest of the header is still coming: take it (it is dropped),
        // so that the client reads the answer rather than a reset.
        let _ = shutdown_write(&stream);
        let _ = timeout(http::HEAD_TIME, http::drain(&stream, DRAIN)).await;
    }
    server.log.verbose(&format!(
        "{what}: {status}{} in {:.2} ms",
        if sent { "" } else { " (not delivered)" },
        start.elapsed().as_secs_f64() * 1000.0
    ));
}

/// The session's answer; from the loop when the held session may be served,
/// else on a blocking thread, which waits for the renewal.
async fn answer(server: &Arc<Server>) -> (u16, Vec<u8>) {
    if let Some(session) = server.keeper.fresh() {
        return (200, super::credentials(&session));
    }
    let server = Arc::clone(server);
    tokio::task::spawn_blocking(move || server.answer())
        .await
        .unwrap_or_else(|_| (500, http::message("the renewal stopped unexpectedly")))
}

/// Ends the sending side: the client sees the end of the answer while the
/// rest of its request is still read.
fn shutdown_write(stream: &TcpStream) -> std::io::Result<()> {
    Ok(rustix::net::shutdown(stream, rustix::net::Shutdown::Write)?)
}
