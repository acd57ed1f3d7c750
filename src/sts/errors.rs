//! STS's errors in the profile's terms, and the predicates the policy needs.

use crate::config::Role;
use crate::error::{Error, causes};
use crate::sts::Caller;
use crate::sts::client::{OPERATION_TIMEOUT, too_big};
use aws_sdk_sts::error::{ProvideErrorMetadata, SdkError};

/// STS says the MFA code was wrong or already used.
pub fn is_wrong_code(err: &Error) -> bool {
    matches!(err, Error::Sts { code, message, .. }
        if code == "AccessDenied" && message.contains("one time pass code"))
}

/// STS refused the session a request was signed with (a cached MFA session
/// that expired early or was revoked).
pub fn is_rejected_session(err: &Error) -> bool {
    matches!(err, Error::Sts { code, .. }
        if ["ExpiredToken", "InvalidToken", "InvalidClientTokenId"].contains(&code.as_str()))
}

pub fn map_error<E>(err: SdkError<E>, ctx: Caller<'_>, role: Option<&Role>) -> Error
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let url = ctx.endpoint.url();
    // The SDK's own words may quote the URL with its password.
    let mut why = causes(&err);
    if let Some(raw) = &ctx.endpoint.url_override
        && *raw != url
    {
        why = why.replace(raw.as_str(), &url);
    }
    match err {
        SdkError::ServiceError(service) => {
            let status = service.raw().status().as_u16();
            let e = service.err();
            match e.code() {
                Some(code) => Error::Sts {
                    code: code.to_string(),
                    message: sentence(e.message().unwrap_or("(no message)")),
                    hint: hint(code, e.message().unwrap_or(""), ctx, role),
                },
                None => Error::BadResponse {
                    url,
                    why: format!("HTTP status {status} without an STS error code"),
                },
            }
        }
        SdkError::TimeoutError(_) => Error::Timeout {
            url,
            secs: OPERATION_TIMEOUT.as_secs(),
        },
        SdkError::DispatchFailure(failure) => {
            if failure.is_timeout() {
                Error::Timeout {
                    url,
                    secs: OPERATION_TIMEOUT.as_secs(),
                }
            } else {
                Error::Unreachable { url, why }
            }
        }
        // http-body-util's words for a body cut at MAX_BODY.
        SdkError::ResponseError(_) if why.contains("length limit exceeded") => Error::BadResponse {
            url,
            why: too_big(),
        },
        SdkError::ResponseError(response) => Error::BadResponse {
            url,
            why: format!("HTTP status {}: {why}", response.raw().status().as_u16()),
        },
        _ => Error::Request { why },
    }
}

/// STS's message without its closing full stop: the error's words add it
/// before the hint.
fn sentence(message: &str) -> String {
    let message = message.trim();
    message.strip_suffix('.').unwrap_or(message).to_string()
}

/// What to do about an STS error code, in the terms of this profile.
fn hint(code: &str, message: &str, ctx: Caller<'_>, role: Option<&Role>) -> String {
    let keys = &ctx.profile.keys;
    let (p, file) = (&keys.profile, keys.file());
    let file = file.display();
    match code {
        "InvalidClientTokenId" => format!(
            "The long-term access key id of profile '{p}' ({file}) is not known to AWS: it was deleted, deactivated or mistyped. Use your permanent AKIA… key (IAM console → your user → Security credentials)"
        ),
        "SignatureDoesNotMatch" => format!(
            "The secret key of profile '{p}' ({file}) does not match its key id, or this machine's clock is off by more than 5 minutes. Copy aws_secret_access_key again, and check the clock"
        ),
        "AccessDenied" if message.contains("unable to validate MFA code") => format!(
            "The serial {} is not an MFA device of this IAM user. Set mfa_serial to the Assigned MFA device ARN (arn:aws:iam::ACCOUNT:mfa/NAME) shown in IAM console → your user → Security credentials",
            ctx.serial
        ),
        "AccessDenied" if message.contains("one time pass code") => {
            "The code was wrong or already used: each code works only once. Wait for the next code and run mfa-env again".to_string()
        }
        "AccessDenied" if message.contains("session credentials") => format!(
            "Profile '{p}' ({file}) holds session keys: put the permanent AKIA… keys back and remove aws_session_token"
        ),
        "AccessDenied" => match role {
            Some(role) => format!(
                "The trust policy of {} must let the IAM user of profile '{p}' assume it, and where it requires MFA (aws:MultiFactorAuthPresent) the session must carry it; check its Principal and Condition, and that the user may call sts:AssumeRole on it",
                role.arn
            ),
            None => format!(
                "The IAM user of profile '{p}' may not call sts:GetSessionToken; ask your administrator"
            ),
        },
        "ExpiredToken" | "InvalidToken" => match role {
            Some(_) => "The cached MFA session was rejected: run mfa-env again with --refresh, or `mfa-env clear`".to_string(),
            None => format!(
                "The keys of profile '{p}' ({file}) are an expired or damaged session: put the permanent AKIA… keys back"
            ),
        },
        "ValidationError" if message.contains("DurationSeconds") => {
            "Ask for a shorter session with --duration or duration_seconds, or raise the role's maximum session duration".to_string()
        }
        "Throttling" | "ThrottlingException" | "RequestLimitExceeded" => {
            "STS is limiting requests from this account: wait a minute, then run mfa-env again with a new code (mfa-env does not retry, as a code works only once)".to_string()
        }
        "RegionDisabledException" => format!(
            "STS is not active in region {}: choose another with --region, or activate it in IAM → Account settings",
            ctx.endpoint.region
        ),
        _ => "See the AWS STS documentation for this error code".to_string(),
    }
}
