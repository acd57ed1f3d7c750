//! STS: the requests mfa-env makes (GetSessionToken, AssumeRole, and doctor's
//! GetCallerIdentity; AWS's limits on sessions are in `limits`). Each request
//! is exactly one HTTP exchange on the run's shared client (`client::Net`),
//! which also makes the console's plain GET to the federation endpoint.

mod client;
mod endpoint;
mod errors;

use client::DateHeader;
pub use client::{BodyLimit, Fault, Net, OPERATION_TIMEOUT, timeouts};
pub use endpoint::Endpoint;
pub use errors::{is_rejected_session, is_wrong_code};

use crate::config::{Keys, Profile, Role};
use crate::error::Error;
use crate::quote;
use crate::session::{Secret, Session};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What a request needs of the resolved run: the profile (its keys, for
/// messages), the MFA serial and where STS is.
#[derive(Clone, Copy)]
pub struct Caller<'a> {
    pub profile: &'a Profile,
    pub serial: &'a str,
    pub endpoint: &'a Endpoint,
}

/// Who signs a request: the long-term keys, or an MFA session.
pub struct Signer<'a> {
    pub access_key_id: &'a str,
    pub secret_access_key: &'a Secret,
    pub session_token: Option<&'a Secret>,
}

impl<'a> Signer<'a> {
    /// Signed with the long-term keys (read from the keystore now when
    /// they are kept there).
    pub fn keys(keys: &'a Keys) -> Result<Signer<'a>, Error> {
        Ok(Signer {
            access_key_id: &keys.access_key_id,
            secret_access_key: keys.secret()?,
            session_token: None,
        })
    }

    pub fn session(session: &'a Session) -> Signer<'a> {
        Signer {
            access_key_id: &session.access_key_id,
            secret_access_key: &session.secret_access_key,
            session_token: Some(&session.session_token),
        }
    }
}

/// GetSessionToken with the long-term keys.
pub fn get_session_token(
    net: &Net,
    ctx: Caller<'_>,
    code: &str,
    duration: u32,
) -> Result<Session, Error> {
    let signer = Signer::keys(&ctx.profile.keys)?;
    let client = net.client(&signer, ctx.profile, ctx.endpoint, None)?;
    let sent = net.block_on(ctx.profile, || {
        client
            .get_session_token()
            .serial_number(ctx.serial)
            .token_code(code)
            .duration_seconds(seconds(duration))
            .send()
    })?;
    let output = sent.map_err(|err| errors::map_error(err, ctx, None))?;
    session(output.credentials(), ctx)
}

/// AssumeRole for one role: with an MFA session as signer (chained, no code),
/// or with the long-term keys and the code itself (`code` given).
pub fn assume_role(
    net: &Net,
    ctx: Caller<'_>,
    signer: Signer<'_>,
    role: &Role,
    duration: u32,
    code: Option<&str>,
) -> Result<Session, Error> {
    let client = net.client(&signer, ctx.profile, ctx.endpoint, None)?;
    let mut request = client
        .assume_role()
        .role_arn(&role.arn)
        .role_session_name(&role.session_name)
        .duration_seconds(seconds(duration))
        .set_external_id(role.external_id.clone());
    if let Some(code) = code {
        request = request.serial_number(ctx.serial).token_code(code);
    }
    let output = net
        .block_on(ctx.profile, || request.send())?
        .map_err(|err| errors::map_error(err, ctx, Some(role)))?;
    session(output.credentials(), ctx)
}

/// Who the long-term keys belong to, as `doctor` reports it.
pub struct Identity {
    pub arn: String,
    pub account: String,
    /// The Date header of the answer, for the clock check.
    pub date: Option<String>,
    pub elapsed: Duration,
}

/// GetCallerIdentity with the long-term keys (no MFA needed), timed, keeping
/// the answer's Date header.
pub fn caller_identity(net: &Net, ctx: Caller<'_>) -> Result<Identity, Error> {
    identity_as(net, ctx, &Signer::keys(&ctx.profile.keys)?)
}

/// GetCallerIdentity signed as `signer` (`keys rotate` proves a new key so).
pub fn identity_as(net: &Net, ctx: Caller<'_>, signer: &Signer<'_>) -> Result<Identity, Error> {
    let date = Arc::new(Mutex::new(None));
    let client = net.client(
        signer,
        ctx.profile,
        ctx.endpoint,
        Some(DateHeader(Arc::clone(&date))),
    )?;
    let started = Instant::now();
    let sent = net.block_on(ctx.profile, || client.get_caller_identity().send())?;
    let elapsed = started.elapsed();
    let output = sent.map_err(|err| errors::map_error(err, ctx, None))?;
    let date = date.lock().ok().and_then(|d| d.clone());
    Ok(Identity {
        arn: output.arn().unwrap_or_default().to_string(),
        account: output.account().unwrap_or_default().to_string(),
        date,
        elapsed,
    })
}

fn seconds(duration: u32) -> i32 {
    i32::try_from(duration).unwrap_or(i32::MAX)
}

/// The session of an answer, refused when a value holds a control character
/// (no real STS answer has one, and no shell carries it safely).
fn session(
    creds: Option<&aws_sdk_sts::types::Credentials>,
    ctx: Caller<'_>,
) -> Result<Session, Error> {
    let bad = |why: &str| Error::BadResponse {
        url: ctx.endpoint.url(),
        why: why.to_string(),
    };
    let creds = creds.ok_or_else(|| bad("it holds no credentials"))?;
    let session = Session {
        access_key_id: creds.access_key_id().to_string(),
        secret_access_key: Secret::new(creds.secret_access_key()),
        session_token: Secret::new(creds.session_token()),
        expiration: creds.expiration().secs(),
    };
    let now = crate::session::now();
    if crate::session::too_long(session.expiration, now) {
        return Err(bad(&format!(
            "its session ends at {}, {} from now, and no AWS session lasts longer than 36 hours; nothing was exported or cached. Check this machine's clock (date -u)",
            session.expiration_rfc3339(),
            crate::duration::left(session.expiration.saturating_sub(now))
        )));
    }
    for (name, value) in [
        ("AccessKeyId", session.access_key_id.as_str()),
        ("SecretAccessKey", session.secret_access_key.expose()),
        ("SessionToken", session.session_token.expose()),
    ] {
        if quote::has_control(value) {
            return Err(bad(&format!(
                "its {name} holds a control character (NUL, a line break or another), which no real STS answer has"
            )));
        }
    }
    Ok(session)
}

/// A new session must have more than `min_ttl` left (or, when less than that
/// was asked for, more than half of what was asked), else it is refused: it
/// would be exported and cached unseen. A clock far ahead, or an endpoint
/// that is not STS, hands out such sessions.
pub fn fresh(
    session: Session,
    ctx: Caller<'_>,
    min_ttl: i64,
    asked: u32,
) -> Result<Session, Error> {
    let left = session.expiration - crate::session::now();
    if left > min_ttl.min(i64::from(asked) / 2) {
        return Ok(session);
    }
    Err(Error::StaleSession {
        url: ctx.endpoint.url(),
        expiration: session.expiration_rfc3339(),
        left: if left <= 0 {
            "it has already expired".into()
        } else {
            format!("only {} are left", crate::duration::left(left))
        },
        asked: crate::duration::left(i64::from(asked)),
    })
}
