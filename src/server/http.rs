//! Just enough HTTP/1.1 for the credential endpoint: one request per
//! connection, read with strict bounds (16 KiB of header, 10 seconds), and a
//! response with `Connection: close`.

use std::io::{self, Read, Write};
use std::net::{IpAddr, TcpStream};
use std::time::{Duration, Instant};

/// The most a request's line and headers may take.
pub const MAX_HEAD: usize = 16 * 1024;
/// How long a client has to send its request.
pub const IDLE: Duration = Duration::from_secs(10);

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
    /// The client sent nothing more within IDLE, closed the connection, or
    /// the connection failed: nothing is answered.
    Gone,
}

/// Reads one request head from `stream`: within IDLE from the first byte
/// asked for, and at most MAX_HEAD bytes. A body, if any, is left unread.
pub fn read(stream: &mut TcpStream) -> Result<Request, Failure> {
    let deadline = Instant::now() + IDLE;
    let mut head = Vec::with_capacity(1024);
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = end_of_head(&head) {
            head.truncate(end);
            return parse(&head);
        }
        if head.len() >= MAX_HEAD {
            return Err(Failure::TooLarge);
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(Failure::Gone);
        }
        stream
            .set_read_timeout(Some(left))
            .map_err(|_| Failure::Gone)?;
        // Never more than one byte past the limit, so the limit is exact.
        let want = chunk.len().min(MAX_HEAD + 1 - head.len().min(MAX_HEAD));
        match stream.read(&mut chunk[..want]) {
            Ok(0) => return Err(Failure::Gone),
            Ok(n) => head.extend_from_slice(chunk.get(..n).unwrap_or_default()),
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return Err(Failure::Gone),
        }
    }
}

/// The length of the head without its blank line, once the blank line is in.
fn end_of_head(bytes: &[u8]) -> Option<usize> {
    let crlf = bytes.windows(4).position(|w| w == b"\r\n\r\n");
    let lf = bytes.windows(2).position(|w| w == b"\n\n");
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

/// A Host header a page on another site cannot send: a loopback address or
/// `localhost`, with or without a port. (A DNS-rebinding page names its own
/// domain, which resolves to 127.0.0.1 but is not one of these.)
pub fn local_host(host: &str) -> bool {
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
        || name.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
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

/// Writes one response and ends the exchange (`Connection: close`).
pub fn respond(stream: &mut TcpStream, status: u16, body: &[u8]) -> io::Result<()> {
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        403 => "Forbidden",
        405 => "Method Not Allowed",
        431 => "Request Header Fields Too Large",
        _ => "Internal Server Error",
    };
    let allow = if status == 405 { "Allow: GET\r\n" } else { "" };
    let head = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nCache-Control: no-store\r\n{allow}Connection: close\r\n\r\n",
        body.len()
    );
    stream.set_write_timeout(Some(IDLE))?;
    stream.write_all(head.as_bytes())?;
    stream.write_all(body)?;
    stream.flush()
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

    #[test]
    fn hosts() {
        for good in [
            "127.0.0.1",
            "127.0.0.1:8080",
            "127.1.2.3:1",
            "localhost",
            "LOCALHOST:80",
            "[::1]",
            "[::1]:9000",
        ] {
            assert!(local_host(good), "{good}");
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
            assert!(!local_host(bad), "{bad}");
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
        assert_eq!(end_of_head(b"GET / HTTP/1.1\r\n\r\nbody"), Some(14));
        assert_eq!(end_of_head(b"GET / HTTP/1.1\n\n"), Some(14));
        assert_eq!(end_of_head(b"GET / HTTP/1.1\r\n"), None);
    }
}
