//! `mfa-env console`: the AWS console signed in with the profile's role
//! session. One GET to the partition's federation endpoint trades the session
//! for a SigninToken (getSigninToken); the login URL carries that token to
//! the console page asked for. An IAM user's own MFA session (GetSessionToken)
//! is refused there, and mfa-env says so before any request instead of falling
//! back to GetFederationToken, which carries no MFA.

mod browser;
mod page;
mod target;

pub use browser::open;
pub use target::{Page, Target, possible};

use crate::acquire::{Acquirer, Options};
use crate::context::Context;
use crate::error::Error;
use crate::log::Log;
use crate::output;
use crate::session::{self, Made, Secret, Session};
use crate::sts::{self, Fault, Net};
use std::fmt::Write;
use std::process::ExitCode;
use url::Url;

/// The AWS console signed in with the profile's role session: what to open
/// is settled (and an IAM user's profile refused) before any request; then
/// the session, one GET for a sign-in token, and a browser (or stdout).
pub fn run(
    (ctx, options): (Context, Options),
    page: &Page<'_>,
    refresh: bool,
    print: bool,
    log: Log,
) -> Result<ExitCode, Error> {
    let target = Target::resolve(&ctx, page)?;
    let acquirer = Acquirer::new(ctx, options, log);
    let session = acquirer.session(refresh)?;
    log.verbose(&format!(
        "getSigninToken at {}, for {}",
        target.shown(),
        target.destination
    ));
    let made = acquirer.made();
    let url = sign_in_url(acquirer.net(), acquirer.context(), made, &target, &session)?;
    let line = Secret::new(format!("{}\n", url.expose()));
    if print {
        return output::print(line.expose());
    }
    // The browser gets a page that sends it on, never the URL itself: its
    // argv is readable by every local user.
    let opened = page::Page::write(&url).and_then(|page| match open(&page.url) {
        Ok(program) => {
            page.remove_later();
            Ok((program, page.url))
        }
        Err(why) => {
            page.remove_now();
            Err(why)
        }
    });
    match opened {
        Ok((program, page)) => {
            log.verbose(&format!(
                "started {program} on {page}, a page that sends it on to the sign-in URL (removed in {} seconds)",
                page::KEPT.as_secs()
            ));
            Ok(ExitCode::SUCCESS)
        }
        Err(why) => {
            log.note(&format!(
                "{why}; the sign-in URL is on stdout: open it in a browser within 15 minutes"
            ));
            output::print(line.expose())
        }
    }
}

/// The most of a federation answer mfa-env reads.
const BODY_LIMIT: usize = 1024 * 1024;
/// What the federation endpoint takes as SessionDuration.
const CONSOLE_MIN: i64 = 900;
const CONSOLE_MAX: i64 = 43_200;

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
    made: Made,
    target: &Target,
    session: &Session,
) -> Result<Secret, Error> {
    let duration = session_duration(made, session, session::now());
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
                why: scrub(&why, session, &request, target.federation.password()),
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
                let _ = write!(
                    hint,
                    "; SessionDuration {seconds}s may also be longer than the role's maximum session duration (ask for less with --duration)"
                );
            }
            hint
        }
        500..=599 => "The endpoint failed; try again in a moment".into(),
        _ => "Is MFA_ENV_FEDERATION_URL pointing at the federation endpoint?".into(),
    }
}

/// An error text with nothing of the session or the request's URL in it.
fn scrub(why: &str, session: &Session, request: &Secret, password: Option<&str>) -> String {
    let secrets = [
        session.secret_access_key.expose(),
        session.session_token.expose(),
        request.expose(),
        password.unwrap_or(""),
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
