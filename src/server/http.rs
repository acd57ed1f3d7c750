//! Just enough HTTP/1.1 for the credential endpoint: one request per
//! connection, read with strict bounds (16 KiB of header, `HEAD_TIME` from
//! the connection's start), and a response with `Connection: close`. Reads
//! and writes are the event loop's (`listen`): nothing here blocks a thread.

use std::io;
use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::net::TcpStream;

/// The most a request's line and headers may take.
pub const MAX_HEAD: usize = 16 * 1024;
/// How long a client has to send its request (every SDK sends it at once).
pub const HEAD_TIME: Duration = Duration::from_secs(5);
/// A head's first KiB is its own; bytes past it come from this budget,
/// which all connections share (an SDK's request is a few hundred bytes).
pub const BUDGET: usize = 4 * 1024 * 1024;
const OWN: usize = 1024;
static BUDGET_USED: AtomicUsize = AtomicUsize::new(0);

/// How long an answer may take to write.
pub const WRITE_TIME: Duration = Duration::from_secs(5);

/// What the endpoint needs of a request.
pub struct Request {
    pub method: String,
    pub path: String,
    pub host: Option<String>,
    /// The Authorization header's value; it may hold the token, so no Debug.
    pub authorization: Option<Vec<u8>>,
}

impl Drop for Request {
    fn drop(&mut self) {
        if let Some(value) = &mut self.authorization {
            zeroize::Zeroize::zeroize(value);
        }
    }
}

/// Why no request could be read.
#[derive(Debug, PartialEq, Eq)]
pub enum Failure {
    /// More than MAX_HEAD bytes without the end of the header.
    TooLarge,
    /// Not an HTTP/1.x request.
    Malformed,
    /// The client closed the connection, or the connection failed: nothing
    /// is answered. (The caller bounds the time.)
    Gone,
}

/// Reads one request head from `stream`, at most MAX_HEAD bytes. A body, if
/// any, is left unread.
pub async fn read(stream: &TcpStream) -> Result<Request, Failure> {
    let mut head = Head::default();
    let mut chunk = [0u8; 1024];
    let mut searched = 0;
    loop {
        if let Some(end) = end_of_head(&head.bytes, searched) {
            return parse(head.bytes.get(..end).unwrap_or_default());
        }
        // The blank line may start in the last 3 bytes already searched.
        searched = head.bytes.len().saturating_sub(3);
        if head.bytes.len() >= MAX_HEAD {
            return Err(Failure::TooLarge);
        }
        stream.readable().await.map_err(|_| Failure::Gone)?;
        // Never more than one byte past the limit, so the limit is exact.
        let want = chunk
            .len()
            .min(MAX_HEAD + 1 - head.bytes.len().min(MAX_HEAD));
        match stream.try_read(&mut chunk[..want]) {
            Ok(0) => return Err(Failure::Gone),
            Ok(n) => head.add(chunk.get(..n).unwrap_or_default())?,
            Err(err) if retry(&err) => {}
            Err(_) => return Err(Failure::Gone),
        }
    }
}

/// A head as it comes in, its bytes past OWN drawn from the shared budget.
#[derive(Default)]
struct Head {
    bytes: Vec<u8>,
    drawn: usize,
}

impl Head {
    /// Adds `more`; a head that would take more than the budget has left
    /// is refused as too large.
    fn add(&mut self, more: &[u8]) -> Result<(), Failure> {
        let need = (self.bytes.len() + more.len()).saturating_sub(OWN);
        if need > self.drawn {
            let extra = need - self.drawn;
            let taken = BUDGET_USED.fetch_add(extra, Ordering::Relaxed);
            self.drawn = need;
            if taken + extra > BUDGET {
                return Err(Failure::TooLarge);
            }
        }
        self.bytes.extend_from_slice(more);
        Ok(())
    }
}

impl Drop for Head {
    fn drop(&mut self) {
        BUDGET_USED.fetch_sub(self.drawn, Ordering::Relaxed);
        zeroize::Zeroize::zeroize(&mut self.bytes);
    }
}

fn retry(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted
    )
}

/// Reads and drops what the client still sends, until it closes or `limit`
/// bytes came: closing a socket with unread bytes would reset the
/// connection, and the client would lose the answer already sent.
pub async fn drain(stream: &TcpStream, limit: usize) {
    let mut chunk = [0u8; 2048];
    let mut read = 0;
    while read < limit {
        if stream.readable().await.is_err() {
            return;
        }
        match stream.try_read(&mut chunk) {
            Ok(0) => return,
            Ok(n) => read += n,
            Err(err) if retry(&err) => {}
            Err(_) => return,
        }
    }
}

/// The length of the head without its blank line, once the blank line is in
/// (searched for from `from` on: a head that comes a byte at a time is
/// searched once, not once per byte).
fn end_of_head(bytes: &[u8], from: usize) -> Option<usize> {
    let rest = bytes.get(from..).unwrap_or_default();
    let crlf = rest
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|at| at + from);
    let lf = rest
        .windows(2)
        .position(|w| w == b"\n\n")
        .map(|at| at + from);
    match (crlf, lf) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn parse(head: &[u8]) -> Result<Request, Failure> {
    let mut lines = head
        .split(|b| *b == b'\n')
        .map(|line| line.strip_suffix(b"\r").unwrap_or(line));
    let first = lines.next().ok_or(Failure::Malformed)?;
    let first = std::str::from_utf8(first).map_err(|_| Failure::Malformed)?;
    let mut parts = first.split(' ');
    let (Some(method), Some(path), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Failure::Malformed);
    };
    let token = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_graphic());
    if !token(method) || !token(path) || !version.starts_with("HTTP/1.") {
        return Err(Failure::Malformed);
    }
    let mut request = Request {
        method: method.to_string(),
        path: path.to_string(),
        host: None,
        authorization: None,
    };
    for line in lines {
        let colon = line
            .iter()
            .position(|b| *b == b':')
            .ok_or(Failure::Malformed)?;
        let (name, value) = line.split_at(colon);
        let value = trim(value.get(1..).unwrap_or_default());
        // A name must be a token: no spaces, so no obsolete line folding.
        if name.is_empty() || !name.iter().all(|b| b.is_ascii_graphic()) {
            return Err(Failure::Malformed);
        }
        // A second Host or Authorization makes the request ambiguous.
        if name.eq_ignore_ascii_case(b"host") {
            let host = std::str::from_utf8(value).map_err(|_| Failure::Malformed)?;
            if request.host.replace(host.to_string()).is_some() {
                return Err(Failure::Malformed);
            }
        } else if name.eq_ignore_ascii_case(b"authorization")
            && request.authorization.replace(value.to_vec()).is_some()
        {
            return Err(Failure::Malformed);
        }
    }
    Ok(request)
}

fn trim(bytes: &[u8]) -> &[u8] {
    let blank = |b: &u8| *b == b' ' || *b == b'\t';
    let start = bytes.iter().position(|b| !blank(b)).unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|b| !blank(b))
        .map_or(start, |e| e + 1);
    bytes.get(start..end).unwrap_or_default()
}

/// A Host header a page on another site cannot send: a loopback address,
/// `localhost` or the endpoint's own address `own`, with or without a port. (A DNS-rebinding page names its own
/// domain, which resolves to 127.0.0.1 but is not one of these.)
pub fn local_host(host: &str, own: IpAddr) -> bool {
    let name = if let Some(rest) = host.strip_prefix('[') {
        match rest.split_once(']') {
            Some((ip, "")) => ip,
            Some((ip, port)) if port.strip_prefix(':').is_some_and(valid_port) => ip,
            _ => return false,
        }
    } else {
        match host.rsplit_once(':') {
            Some((name, port)) if valid_port(port) => name,
            Some(_) => return false,
            None => host,
        }
    };
    name.eq_ignore_ascii_case("localhost")
        || name
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback() || ip == own)
}

fn valid_port(text: &str) -> bool {
    text.bytes().all(|b| b.is_ascii_digit()) && text.parse::<u16>().is_ok()
}

/// Compares in time that depends on the length only, never on where the
/// first difference is. The token's length is not secret.
pub fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a
        .iter()
        .zip(b)
        .fold(0u8, |acc, (x, y)| std::hint::black_box(acc | (x ^ y)));
    diff == 0
}

/// One response, head and body, ending the exchange (`Connection: close`).
pub fn response(status: u16, body: &[u8]) -> Vec<u8> {
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        403 => "Forbidden",
        405 => "Method Not Allowed",
        431 => "Request Header Fields Too Large",
        503 => "Service Unavailable",
        _ => "Internal Server Error",
    };
    let allow = if status == 405 { "Allow: GET\r\n" } else { "" };
    let head = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nCache-Control: no-store\r\n{allow}Connection: close\r\n\r\n",
        body.len()
    );
    // One buffer of its final size: no copies of a secret left by regrowth.
    let mut all = Vec::with_capacity(head.len() + body.len());
    all.extend_from_slice(head.as_bytes());
    all.extend_from_slice(body);
    all
}

/// Writes all of `bytes`.
pub async fn write(stream: &TcpStream, mut bytes: &[u8]) -> io::Result<()> {
    while !bytes.is_empty() {
        stream.writable().await?;
        match stream.try_write(bytes) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => bytes = bytes.get(n..).unwrap_or_default(),
            Err(err) if retry(&err) => {}
            Err(err) => return Err(err),
        }
    }
    Ok(())
}

/// `{"Message": text}`, the body of every error answer.
pub fn message(text: &str) -> Vec<u8> {
    serde_json::json!({ "Message": text })
        .to_string()
        .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOCAL: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);

    #[test]
    fn hosts() {
        let bridge: IpAddr = [169, 254, 170, 2].into();
        assert!(local_host("169.254.170.2", bridge));
        assert!(!local_host("169.254.170.2", LOCAL));
        for good in [
            "127.0.0.1",
            "127.0.0.1:8080",
            "127.1.2.3:1",
            "localhost",
            "LOCALHOST:80",
            "[::1]",
            "[::1]:9000",
        ] {
            assert!(local_host(good, LOCAL), "{good}");
        }
        for bad in [
            "evil.example",
            "evil.example:80",
            "127.0.0.1.evil.example",
            "localhost.evil.example",
            "10.0.0.1:80",
            "[::2]:80",
            "127.0.0.1:99999",
            "127.0.0.1:x",
            "127.0.0.1:+80",
            "[::1]80",
            "",
        ] {
            assert!(!local_host(bad, LOCAL), "{bad}");
        }
    }

    #[test]
    fn compares() {
        assert!(same(b"abc", b"abc"));
        assert!(!same(b"abc", b"abd"));
        assert!(!same(b"abc", b"abcd"));
        assert!(same(b"", b""));
    }

    #[test]
    fn parses() {
        let r = parse(b"GET /x HTTP/1.1\r\nHost: 127.0.0.1:5\r\nauthorization:  tok \r\nX: y")
            .ok()
            .unwrap();
        assert_eq!((r.method.as_str(), r.path.as_str()), ("GET", "/x"));
        assert_eq!(r.host.as_deref(), Some("127.0.0.1:5"));
        assert_eq!(r.authorization.as_deref(), Some(&b"tok"[..]));
        for bad in [
            &b"GET /x"[..],
            b"GET /x HTTP/2",
            b"GET  /x HTTP/1.1",
            b"GET /x HTTP/1.1\r\nno colon",
            b"GET /x HTTP/1.1\r\n folded: x",
            b"GET /x HTTP/1.1\r\nHost: a\r\nHost: b",
            b"GET /x HTTP/1.1\r\nAuthorization: a\r\nauthorization: b",
            b"\xff /x HTTP/1.1",
        ] {
            assert_eq!(parse(bad).err(), Some(Failure::Malformed), "{bad:?}");
        }
        assert_eq!(end_of_head(b"GET / HTTP/1.1\r\n\r\nbody", 0), Some(14));
        assert_eq!(end_of_head(b"GET / HTTP/1.1\r\n\r\nbody", 13), Some(14));
        assert_eq!(end_of_head(b"GET / HTTP/1.1\n\n", 0), Some(14));
        assert_eq!(end_of_head(b"GET / HTTP/1.1\r\n", 0), None);
    }
}
