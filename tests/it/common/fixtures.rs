//! Fixtures: real STS answer XML, the variables a session sets, dates,
//! query strings, a plain GET.

use super::*;
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// The error document STS sends, e.g. 403 InvalidClientTokenId.
pub fn sts_error_xml(code: &str, message: &str) -> String {
    format!(
        "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n  <Error>\n    <Type>Sender</Type>\n    <Code>{code}</Code>\n    <Message>{message}</Message>\n  </Error>\n  <RequestId>4f1e3b2a-0c6d-4c2e-9a7b-1d2e3f4a5b6c</RequestId>\n</ErrorResponse>\n"
    )
}

/// When the stub's sessions end: 12 hours after the tests started (a session
/// ending more than 36 hours from now is refused, as no AWS session lasts
/// that long).
pub fn stub_end() -> &'static str {
    static END: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    END.get_or_init(|| rfc3339_in(12 * 3600))
}

/// A successful GetSessionToken answer, as STS sends it.
pub fn sts_session_xml() -> String {
    sts_session_xml_for("ASIASTUBSTUBSTUB1234")
}

/// The same with another access key id.
pub fn sts_session_xml_for(key_id: &str) -> String {
    "<GetSessionTokenResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><GetSessionTokenResult><Credentials><AccessKeyId>KEYID</AccessKeyId><SecretAccessKey>stubSecret</SecretAccessKey><SessionToken>stubToken</SessionToken><Expiration>END</Expiration></Credentials></GetSessionTokenResult><ResponseMetadata><RequestId>58c5dbae-abef-11e0-8cfe-09039844ac7d</RequestId></ResponseMetadata></GetSessionTokenResponse>".replace("KEYID", key_id).replace("END", stub_end())
}

/// A successful AssumeRole answer, as STS sends it.
pub fn sts_role_xml(key_id: &str) -> String {
    format!(
        "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><AssumeRoleResult><Credentials><AccessKeyId>{key_id}</AccessKeyId><SecretAccessKey>roleSecret</SecretAccessKey><SessionToken>roleToken</SessionToken><Expiration>{end}</Expiration></Credentials><AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/admin/mfa-env-admin</Arn><AssumedRoleId>AROA3XFRBF535PLBIFPI4:mfa-env-admin</AssumedRoleId></AssumedRoleUser></AssumeRoleResult><ResponseMetadata><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ResponseMetadata></AssumeRoleResponse>",
        end = stub_end()
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

/// What every session hand-over unsets (botocore reads AWS_SECURITY_TOKEN
/// first; a profile variable would win over the keys): the one list the
/// tests compare with.
pub const UNSET: [&str; 5] = [
    "AWS_SECURITY_TOKEN",
    "AWS_SESSION_EXPIRATION",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SDK_LOAD_CONFIG",
];

/// The role `admin` of the role fixtures.
pub const ADMIN_ROLE: &str = "arn:aws:iam::123456789012:role/admin";

/// A HOME on `url` where `base` holds the keys and the serial and `admin`
/// (role ADMIN_ROLE, region eu-central-1) is a role of it; `more` is added
/// to the config.
pub fn role_env(url: &str, more: &str) -> TestEnv {
    let mut env = TestEnv::empty();
    env.endpoint(url);
    env.write_credentials(&format!(
        "[base]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\n"
    ));
    env.write_config(&format!(
        "[profile base]\nmfa_serial = {SERIAL}\n\
         [profile admin]\nrole_arn = {ADMIN_ROLE}\nsource_profile = base\nregion = eu-central-1\n{more}"
    ));
    env
}

/// An STS stub whose user sessions end 15 minutes and 5 seconds after they
/// are issued (past the endpoint's renewal threshold 5 seconds later), each
/// with a new key (ASIAUSER…0001, …0002).
pub fn short_user_sts() -> Stub {
    Stub::respond(|n, _| {
        let xml = sts_session_xml_for(&format!("ASIAUSER{:012}", n + 1))
            .replace(stub_end(), &rfc3339_in(15 * 60 + 5));
        (200, xml)
    })
}

/// An STS stub whose MFA sessions last 12 hours and whose role sessions end
/// 15 minutes and 5 seconds after they are issued (past the endpoint's
/// renewal threshold 5 seconds later), each with a new key (ASIAROLE…0001,
/// …0002; the n-th answer).
pub fn short_role_sts() -> Stub {
    Stub::respond(|n, request| match request.param("Action").as_deref() {
        Some("AssumeRole") => (
            200,
            sts_role_xml(&format!("ASIAROLE{:012}", n + 1))
                .replace(stub_end(), &rfc3339_in(15 * 60 + 5)),
        ),
        _ => (200, sts_session_xml()),
    })
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

pub(super) fn url_decode(text: &str) -> String {
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
