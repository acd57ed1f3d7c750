//! The endpoint's address after the run. A process the child left behind
//! (in the background, say) still has AWS_CONTAINER_CREDENTIALS_FULL_URI;
//! were the port let go, another local user could bind it, take the token
//! that process sends and hand it keys of their own. So when the child ends
//! and a process of this user still has the address in its environment,
//! mfa-env hands the listening socket to a small process of its own,
//! `mfa-env --hold-endpoint FD UNTIL URL` (a new exec: none of the session
//! or the keys is in its memory), which answers every request with a refusal
//! saying the run ended, until no such process is left or the last session
//! served has expired, whichever comes first. mfa-env itself returns at once
//! with the child's status.

use std::ffi::OsString;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, RawFd};
use std::os::unix::process::CommandExt;
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

/// The first argument of the holding process.
pub const FLAG: &str = "--hold-endpoint";
/// How often the holder looks for processes that have the address.
const LOOK: Duration = Duration::from_secs(2);
const VARIABLE: &[u8] = b"AWS_CONTAINER_CREDENTIALS_FULL_URI=";

/// Whether a process of this user (other than mfa-env) has `url` as its
/// AWS_CONTAINER_CREDENTIALS_FULL_URI. A process whose environment cannot
/// be read (another user's, or one not dumpable) is not counted.
pub fn in_use(url: &str) -> bool {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return false;
    };
    let me = std::process::id().to_string();
    let mut wanted = VARIABLE.to_vec();
    wanted.extend_from_slice(url.as_bytes());
    dir.filter_map(Result::ok)
        .map(|entry| entry.file_name())
        .filter(|name| {
            let name = name.to_string_lossy();
            name.bytes().all(|b| b.is_ascii_digit()) && name != me
        })
        .any(|pid| {
            let path = std::path::Path::new("/proc").join(pid).join("environ");
            std::fs::read(path).is_ok_and(|env| env.split(|b| *b == 0).any(|v| v == wanted))
        })
}

/// Starts the holder with `listener` (it keeps the socket bound after
/// mfa-env exits). Its input and output are /dev/null (a `$(…)` around
/// mfa-env does not wait for it), it is in a session of its own (the
/// terminal's hangup and Ctrl-C are not for it), its signals unblocked.
pub fn hand_over(listener: &TcpListener, url: &str, until: i64) -> std::io::Result<()> {
    let fd = listener.as_raw_fd();
    let mut command = Command::new("/proc/self/exe");
    command
        .arg0("mfa-env")
        .args([FLAG, &fd.to_string(), &until.to_string(), url])
        .env_clear()
        .current_dir("/")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    crate::proc::unblocked(&mut command);
    // SAFETY: between fork and exec only fcntl and setsid are called, which
    // are async-signal-safe.
    unsafe {
        command.pre_exec(move || {
            if libc::fcntl(fd, libc::F_SETFD, 0) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            libc::setsid();
            Ok(())
        });
    }
    command.spawn().map(drop)
}

/// `mfa-env --hold-endpoint FD UNTIL URL`: holds the socket, refusing every
/// request. None when mfa-env was not started that way (or FD is not a
/// listening socket): then it is a normal run.
pub fn main(args: &[OsString]) -> Option<ExitCode> {
    let [_, flag, fd, until, url] = args else {
        return None;
    };
    if flag != FLAG {
        return None;
    }
    let fd: RawFd = fd.to_str()?.parse().ok()?;
    let until: i64 = until.to_str()?.parse().ok()?;
    let url = url.to_str()?;
    if !listening(fd) {
        return None;
    }
    // SAFETY: fd is a listening socket this process was given, owned by
    // nothing else here.
    let listener = unsafe { TcpListener::from_raw_fd(fd) };
    hold(&listener, url, until);
    Some(ExitCode::SUCCESS)
}

fn listening(fd: RawFd) -> bool {
    // SAFETY: only borrowed for one getsockopt; a number that is no open
    // descriptor makes it fail (EBADF), and nothing is closed.
    let fd = unsafe { BorrowedFd::borrow_raw(fd) };
    rustix::net::sockopt::socket_acceptconn(fd).unwrap_or(false)
}

fn hold(listener: &TcpListener, url: &str, until: i64) {
    let _ = listener.set_nonblocking(true);
    let mut looked = Instant::now();
    while crate::session::now() < until {
        if looked.elapsed() >= LOOK {
            if !in_use(url) {
                return;
            }
            looked = Instant::now();
        }
        let ready = rustix::event::poll(
            &mut [rustix::event::PollFd::new(
                listener,
                rustix::event::PollFlags::IN,
            )],
            Some(&rustix::event::Timespec {
                tv_sec: 0,
                tv_nsec: 500_000_000,
            }),
        );
        if ready.is_ok_and(|n| n > 0) {
            while let Ok((stream, _)) = listener.accept() {
                refuse(stream);
            }
        }
    }
}

/// Answers 503 with the reason; what the client sent is read first (as
/// much as has come), so that closing does not reset the connection.
fn refuse(mut stream: std::net::TcpStream) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(Duration::from_millis(50)));
    let _ = stream.set_write_timeout(Some(Duration::from_millis(200)));
    let mut head = [0u8; 4096];
    let _ = stream.read(&mut head);
    let body = super::http::message(
        "the mfa-env run that served this endpoint has ended; run the command again with mfa-env --server",
    );
    let _ = stream.write_all(&super::http::response(503, &body));
    let _ = stream.shutdown(std::net::Shutdown::Write);
    let _ = stream.read(&mut head);
}
