//! `mfa-env console`: the AWS console signed in with the profile's role
//! session. One GET to the partition's federation endpoint trades the session
//! for a SigninToken (getSigninToken); the login URL carries that token to
//! the console page asked for. An IAM user's own MFA session (GetSessionToken)
//! is refused there, and mfa-env says so before any request instead of falling
//! back to GetFederationToken, which carries no MFA.

mod browser;

pub use browser::open;

use crate::arn::{self, IamArn};
use crate::config::Profile;
use crate::context::Context;
use crate::error::Error;
use crate::session::{self, Made, Secret, Session};
use crate::sts::{self, Fault, Net};
use std::env;
use url::Url;

/// The override of the federation endpoint (tests, proxies, private deployments).
pub const FEDERATION_VAR: &str = "MFA_ENV_FEDERATION_URL";
/// The most of a federation answer mfa-env reads.
const BODY_LIMIT: usize = 1024 * 1024;
/// What the federation endpoint takes as SessionDuration.
const CONSOLE_MIN: i64 = 900;
const CONSOLE_MAX: i64 = 43_200;

/// The hosts of a partition's sign-in and console.
#[derive(Debug, PartialEq, Eq)]
pub struct Partition {
    pub name: &'static str,
    pub signin: &'static str,
    pub console: &'static str,
}

pub const PARTITIONS: [Partition; 3] = [
    Partition {
        name: "aws",
        signin: "signin.aws.amazon.com",
        console: "console.aws.amazon.com",
    },
    Partition {
        name: "aws-cn",
        signin: "signin.amazonaws.cn",
        console: "console.amazonaws.cn",
    },
    Partition {
        name: "aws-us-gov",
        signin: "signin.amazonaws-us-gov.com",
        console: "console.amazonaws-us-gov.com",
    },
];

pub fn partition(name: &str) -> Option<&'static Partition> {
    PARTITIONS.iter().find(|p| p.name == name)
}

/// The console page asked for on the command line.
#[derive(Debug, Clone, Copy, Default)]
pub struct Page<'a> {
    pub service: Option<&'a str>,
    pub destination: Option<&'a str>,
}

/// Where a sign-in goes, settled before any request: the federation endpoint
/// and the console URL.
#[derive(Debug)]
pub struct Target {
    pub federation: Url,
    pub destination: String,
}

impl Target {
    /// Refuses an IAM user's profile, an unknown partition and a page that is
    /// not on the partition's console.
    pub fn resolve(ctx: &Context, page: &Page<'_>) -> Result<Target, Error> {
        let partition = role_partition(&ctx.profile, &ctx.serial)?;
        let destination = destination(partition, ctx.region.as_deref(), page)?;
        Ok(Target {
            federation: federation(partition, env::var(FEDERATION_VAR).ok())?,
            destination,
        })
    }

    /// The federation endpoint as messages show it (never with a query).
    pub fn shown(&self) -> String {
        let mut url = self.federation.clone();
        url.set_query(None);
        url.to_string()
    }
}

/// The partition of the profile's role; for a user profile, the refusal.
fn role_partition(profile: &Profile, serial: &str) -> Result<&'static Partition, Error> {
    let Some(role) = profile.roles.last() else {
        return Err(user_refusal(profile, serial));
    };
    let name = arn::partition(&role.arn);
    partition(name).ok_or_else(|| Error::ConsolePartition {
        arn: role.arn.clone(),
        partition: name.to_string(),
    })
}

/// Why an IAM user's profile cannot sign in here, with the account's own
/// sign-in page (the account taken from the MFA serial).
fn user_refusal(profile: &Profile, serial: &str) -> Error {
    let device = IamArn::parse(serial).filter(IamArn::account_ok);
    let partition = device
        .and_then(|d| partition(d.partition))
        .unwrap_or(&PARTITIONS[0]);
    let (signin, account) = match device {
        Some(d) => (
            format!("https://{}.{}/console", d.account, partition.signin),
            d.account.to_string(),
        ),
        None => (
            format!("https://{}/console", partition.signin),
            "ACCOUNT".to_string(),
        ),
    };
    Error::ConsoleUserProfile {
        profile: profile.name.clone(),
        signin,
        partition: partition.name.to_string(),
        account,
        keys_profile: profile.keys.profile.clone(),
    }
}

/// Whether the profile can sign in to the console, for doctor: Ok(detail) or
/// Err(why not and what works).
pub fn possible(profile: &Profile, serial: &str) -> Result<String, String> {
    role_partition(profile, serial)
        .map(|p| {
            let role = profile.roles.last().map(|r| r.arn.as_str()).unwrap_or("");
            format!(
                "possible: `mfa-env console -p {}` signs in to {} as {role}",
                profile.name, p.console
            )
        })
        .map_err(|err| format!("not possible: {err}"))
}

/// The console URL: --destination (checked), else the page of --service (or
/// the console's home) in the region.
fn destination(
    partition: &'static Partition,
    region: Option<&str>,
    page: &Page<'_>,
) -> Result<String, Error> {
    if let Some(url) = page.destination {
        return checked_destination(partition, url);
    }
    let path = match page.service {
        None => "console",
        Some(name) if is_service(name) => name,
        Some(name) => {
            return Err(Error::BadService {
                name: name.to_string(),
            });
        }
    };
    let mut url = format!("https://{}/{path}/home", partition.console);
    if let Some(region) = region {
        url.push_str("?region=");
        url.push_str(region);
    }
    Ok(url)
}

fn is_service(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.starts_with('-')
}

/// An https URL on the partition's console (the host itself or a subdomain),
/// without user or port: anything else would make the sign-in page an open
/// redirect.
fn checked_destination(partition: &'static Partition, text: &str) -> Result<String, Error> {
    let bad = |why| Error::BadDestination {
        url: text.to_string(),
        why,
        partition: partition.name,
        console: partition.console,
    };
    let url = Url::parse(text).map_err(|_| bad("is not a URL"))?;
    if url.scheme() != "https" {
        return Err(bad("is not an https URL"));
    }
    if !url.username().is_empty() || url.password().is_some() || url.port().is_some() {
        return Err(bad("names a user or a port"));
    }
    let on_console = match url.host() {
        Some(url::Host::Domain(host)) => {
            host == partition.console
                || host
                    .strip_suffix(partition.console)
                    .is_some_and(|sub| sub.len() > 1 && sub.ends_with('.'))
        }
        _ => false,
    };
    if !on_console {
        return Err(bad("is not on the console's domain"));
    }
    Ok(url.to_string())
}

/// The federation endpoint: MFA_ENV_FEDERATION_URL, else the partition's.
fn federation(partition: &Partition, configured: Option<String>) -> Result<Url, Error> {
    let text = configured
        .filter(|v| !v.trim().is_empty())
        .unwrap_or_else(|| format!("https://{}/federation", partition.signin));
    match Url::parse(text.trim()) {
        Ok(mut url) if matches!(url.scheme(), "http" | "https") && url.has_host() => {
            url.set_fragment(None);
            Ok(url)
        }
        _ => Err(Error::BadFederationUrl { url: text }),
    }
}

/// SessionDuration for a session `made` so: only for one from AssumeRole with
/// the long-term keys (the federation endpoint refuses it for a chained role
/// session), and then as long as the session has left, within what the
/// endpoint takes (15 minutes to 12 hours).
pub fn session_duration(made: Made, session: &Session, now: i64) -> Option<i64> {
    (made == Made::DirectRole).then(|| session.left(now).clamp(CONSOLE_MIN, CONSOLE_MAX))
}

/// The Session parameter: the JSON the federation endpoint reads.
fn session_json(session: &Session) -> Secret {
    #[derive(serde::Serialize)]
    struct Json<'a> {
        #[serde(rename = "sessionId")]
        id: &'a str,
        #[serde(rename = "sessionKey")]
        key: &'a str,
        #[serde(rename = "sessionToken")]
        token: &'a str,
    }
    let json = Json {
        id: &session.access_key_id,
        key: session.secret_access_key.expose(),
        token: session.session_token.expose(),
    };
    Secret::new(serde_json::to_string(&json).unwrap_or_default())
}

/// The sign-in URL for `session`: one GET for a SigninToken (no retry), then
/// the login URL with it. Errors carry the status and a hint, never a secret.
pub fn sign_in_url(
    net: &Net,
    ctx: &Context,
    target: &Target,
    session: &Session,
) -> Result<Secret, Error> {
    let duration = session_duration(ctx.plan.made(), session, session::now());
    let json = session_json(session);
    let seconds = duration.map(|d| d.to_string());
    let mut pairs = vec![("Action", "getSigninToken")];
    if let Some(seconds) = &seconds {
        pairs.push(("SessionDuration", seconds));
    }
    pairs.push(("Session", json.expose()));
    let request = with_query(&target.federation, &pairs);
    let url = target.shown();
    let fetched = net
        .get(&ctx.profile, request.expose(), BODY_LIMIT)
        .map_err(|fault| match fault {
            Fault::Setup(err) => err,
            Fault::Timeout => Error::FederationTimeout {
                url: url.clone(),
                secs: sts::OPERATION_TIMEOUT.as_secs(),
            },
            Fault::Unreachable(why) => Error::FederationUnreachable {
                url: url.clone(),
                why: scrub(&why, session, &request),
            },
            Fault::TooLarge(status) => Error::NoSigninToken {
                url: url.clone(),
                status,
                what: "with more than 1 MiB",
            },
        })?;
    if fetched.status != 200 {
        return Err(Error::FederationRefused {
            url,
            status: fetched.status,
            body: body_kind(&fetched.body),
            hint: hint(fetched.status, duration),
        });
    }
    let token = signin_token(&fetched.body).ok_or(Error::NoSigninToken {
        url,
        status: fetched.status,
        what: "without a SigninToken",
    })?;
    Ok(with_query(
        &target.federation,
        &[
            ("Action", "login"),
            ("Issuer", "mfa-env"),
            ("Destination", &target.destination),
            ("SigninToken", token.expose()),
        ],
    ))
}

/// `base` with `pairs` added to its query, form-encoded, built in one string
/// (it holds a secret, so no other copy is made on the way).
fn with_query(base: &Url, pairs: &[(&str, &str)]) -> Secret {
    let mut text = base.to_string();
    let start = match text.find('?') {
        Some(at) => at + 1,
        None => {
            text.push('?');
            text.len()
        }
    };
    let mut query = url::form_urlencoded::Serializer::for_suffix(text, start);
    for (name, value) in pairs {
        query.append_pair(name, value);
    }
    Secret::new(query.finish())
}

/// The SigninToken of a federation answer: `{"SigninToken": "…"}`.
fn signin_token(body: &[u8]) -> Option<Secret> {
    #[derive(serde::Deserialize)]
    struct Answer {
        #[serde(rename = "SigninToken")]
        token: Option<Secret>,
    }
    let answer: Answer = serde_json::from_slice(body).ok()?;
    answer.token.filter(|t| !t.expose().is_empty())
}

/// What the refusal came with, as the message says it (never its text).
fn body_kind(body: &[u8]) -> &'static str {
    let text = String::from_utf8_lossy(&body[..body.len().min(512)]).to_ascii_lowercase();
    let text = text.trim_start();
    if text.is_empty() {
        ""
    } else if text.starts_with('<') {
        " (an HTML page)"
    } else if text.starts_with('{') {
        " (a JSON error)"
    } else {
        " (a text answer)"
    }
}

fn hint(status: u16, duration: Option<i64>) -> String {
    match status {
        400 | 401 | 403 => {
            let mut hint = "It takes only a valid role session: if the cached one expired early or was revoked, run again with --refresh".to_string();
            if let Some(seconds) = duration {
                hint.push_str(&format!("; SessionDuration {seconds}s may also be longer than the role's maximum session duration (ask for less with --duration)"));
            }
            hint
        }
        500..=599 => "The endpoint failed; try again in a moment".into(),
        _ => "Is MFA_ENV_FEDERATION_URL pointing at the federation endpoint?".into(),
    }
}

/// An error text with nothing of the session or the request's URL in it.
fn scrub(why: &str, session: &Session, request: &Secret) -> String {
    let secrets = [
        session.secret_access_key.expose(),
        session.session_token.expose(),
        request.expose(),
    ];
    if secrets.iter().any(|s| !s.is_empty() && why.contains(s)) || why.contains("Session=") {
        "the connection failed".into()
    } else {
        why.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn aws() -> &'static Partition {
        &PARTITIONS[0]
    }

    #[test]
    fn destinations() {
        let page = |service, destination| Page {
            service,
            destination,
        };
        assert_eq!(
            destination(aws(), Some("eu-west-1"), &page(None, None)).unwrap(),
            "https://console.aws.amazon.com/console/home?region=eu-west-1"
        );
        assert_eq!(
            destination(aws(), None, &page(Some("s3"), None)).unwrap(),
            "https://console.aws.amazon.com/s3/home"
        );
        assert_eq!(
            destination(&PARTITIONS[1], Some("cn-north-1"), &page(Some("ec2"), None)).unwrap(),
            "https://console.amazonaws.cn/ec2/home?region=cn-north-1"
        );
        for bad in ["", "S3", "s3/../x", "-x", "a b", "s3?x=1"] {
            assert!(
                matches!(
                    destination(aws(), None, &page(Some(bad), None)),
                    Err(Error::BadService { .. })
                ),
                "{bad}"
            );
        }
        for good in [
            "https://console.aws.amazon.com/",
            "https://eu-west-1.console.aws.amazon.com/ec2/home?region=eu-west-1#Instances:",
            "https://s3.console.aws.amazon.com/s3/buckets",
        ] {
            assert_eq!(checked_destination(aws(), good).unwrap(), good);
        }
        for bad in [
            "http://console.aws.amazon.com/",
            "https://console.aws.amazon.com.evil.example/",
            "https://evilconsole.aws.amazon.com/",
            "https://evil.example/?console.aws.amazon.com",
            "https://user@console.aws.amazon.com/",
            "https://console.aws.amazon.com:8443/",
            "https://console.amazonaws.cn/",
            "https://127.0.0.1/",
            "javascript:alert(1)",
            "//console.aws.amazon.com/",
            "console.aws.amazon.com",
        ] {
            assert!(
                matches!(
                    checked_destination(aws(), bad),
                    Err(Error::BadDestination { .. })
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn federation_endpoints() {
        let default = |p: &Partition| federation(p, None).unwrap().to_string();
        assert_eq!(
            default(&PARTITIONS[0]),
            "https://signin.aws.amazon.com/federation"
        );
        assert_eq!(
            default(&PARTITIONS[1]),
            "https://signin.amazonaws.cn/federation"
        );
        assert_eq!(
            default(&PARTITIONS[2]),
            "https://signin.amazonaws-us-gov.com/federation"
        );
        assert_eq!(
            federation(aws(), Some("http://127.0.0.1:9/federation".into()))
                .unwrap()
                .to_string(),
            "http://127.0.0.1:9/federation"
        );
        assert_eq!(
            federation(aws(), Some(" ".into())).unwrap().to_string(),
            "https://signin.aws.amazon.com/federation"
        );
        for bad in ["ftp://x/federation", "signin.aws.amazon.com", "file:///etc"] {
            assert!(
                matches!(
                    federation(aws(), Some(bad.into())),
                    Err(Error::BadFederationUrl { .. })
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn queries_are_form_encoded() {
        let url = |text| Url::parse(text).unwrap();
        assert_eq!(
            with_query(
                &url("http://h/federation"),
                &[("A", "x y"), ("S", "{\"k\":\"a+b/c=\"}")]
            )
            .expose(),
            "http://h/federation?A=x+y&S=%7B%22k%22%3A%22a%2Bb%2Fc%3D%22%7D"
        );
        assert_eq!(
            with_query(&url("https://h/f?p=1"), &[("A", "login")]).expose(),
            "https://h/f?p=1&A=login"
        );
        assert_eq!(
            federation(aws(), Some("https://h/f#frag".into()))
                .unwrap()
                .to_string(),
            "https://h/f"
        );
    }

    #[test]
    fn session_duration_only_for_a_direct_role_session() {
        let session = |left: i64| Session {
            access_key_id: "ASIAEXAMPLE".into(),
            secret_access_key: Secret::new("s"),
            session_token: Secret::new("t"),
            expiration: 1_000_000 + left,
        };
        let direct = |left| session_duration(Made::DirectRole, &session(left), 1_000_000);
        assert_eq!(direct(7200), Some(7200));
        assert_eq!(direct(1800), Some(1800));
        assert_eq!(direct(300), Some(900));
        assert_eq!(direct(50_000), Some(43_200));
        for made in [Made::ChainedRole, Made::SessionToken] {
            assert_eq!(session_duration(made, &session(3600), 1_000_000), None);
        }
    }

    #[test]
    fn session_json_is_what_the_endpoint_reads() {
        let session = Session {
            access_key_id: "ASIAEXAMPLE".into(),
            secret_access_key: Secret::new("se\"cret/+"),
            session_token: Secret::new("tok"),
            expiration: 0,
        };
        assert_eq!(
            session_json(&session).expose(),
            r#"{"sessionId":"ASIAEXAMPLE","sessionKey":"se\"cret/+","sessionToken":"tok"}"#
        );
    }

    #[test]
    fn tokens_and_bodies() {
        assert_eq!(
            signin_token(br#"{"SigninToken":"abc"}"#).map(|t| t.expose().to_string()),
            Some("abc".into())
        );
        assert!(signin_token(br#"{"SigninToken":""}"#).is_none());
        assert!(signin_token(b"{}").is_none());
        assert!(signin_token(b"<html>").is_none());
        assert_eq!(body_kind(b"  <!DOCTYPE html>"), " (an HTML page)");
        assert_eq!(body_kind(br#"{"message":"x"}"#), " (a JSON error)");
        assert_eq!(body_kind(b""), "");
    }
}
