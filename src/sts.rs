//! The one STS request of a cache miss: GetSessionToken signed with the
//! profile's long-term keys.

use crate::config::{Keys, Profile, Role};
use crate::error::{Error, causes};
use crate::session::{Secret, Session};
use aws_sdk_sts::config::Intercept;
use aws_sdk_sts::config::{Credentials, Region};
use aws_sdk_sts::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_http_client::proxy::ProxyConfig;
use aws_smithy_http_client::tls::{self, TlsContext, TrustStore};
use aws_smithy_http_client::{Builder as HttpBuilder, Connector};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use aws_smithy_runtime_api::client::interceptors::context::BeforeDeserializationInterceptorContextRef;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use aws_smithy_types::retry::RetryConfig;
use aws_smithy_types::timeout::TimeoutConfig;
use std::env;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
const OPERATION_TIMEOUT: Duration = Duration::from_secs(10);

/// Where the request goes.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL or the profile's endpoint_url.
    pub url_override: Option<String>,
    /// The signing region, never empty.
    pub region: String,
    pub use_fips: bool,
}

impl Endpoint {
    /// `region` is the configured one; without it the MFA serial's partition picks
    /// the region of its global STS endpoint.
    pub fn resolve(profile: &Profile, region: Option<&str>, partition: &str) -> Endpoint {
        let var = |name| env::var(name).ok().filter(|v| !v.trim().is_empty());
        let truthy = |name| var(name).is_some_and(|v| v.eq_ignore_ascii_case("true"));
        let url_override = if truthy("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS") {
            None
        } else {
            var("AWS_ENDPOINT_URL_STS")
                .or_else(|| var("AWS_ENDPOINT_URL"))
                .or_else(|| profile.endpoint_url.clone())
        };
        let region = region
            .map(str::to_string)
            .unwrap_or_else(|| default_region(partition).to_string());
        Endpoint {
            url_override,
            region,
            use_fips: truthy("AWS_USE_FIPS_ENDPOINT"),
        }
    }

    /// The URL, as shown in messages.
    pub fn url(&self) -> String {
        match &self.url_override {
            Some(url) => url.clone(),
            None if self.region.starts_with("cn-") => {
                format!("https://sts.{}.amazonaws.com.cn", self.region)
            }
            None => format!("https://sts.{}.amazonaws.com", self.region),
        }
    }
}

/// The region to export for a partition other than `aws`, whose users cannot
/// do without one (the AWS tools default to us-east-1, which is not theirs).
pub fn partition_region(partition: &str) -> Option<&'static str> {
    (partition != "aws").then(|| default_region(partition))
}

/// The region of a partition's global STS endpoint.
pub fn default_region(partition: &str) -> &'static str {
    match partition {
        "aws-cn" => "cn-north-1",
        "aws-us-gov" => "us-gov-west-1",
        "aws-iso" => "us-iso-east-1",
        "aws-iso-b" => "us-isob-east-1",
        _ => "us-east-1",
    }
}

/// Who signs a request: the long-term keys, or an MFA session.
pub struct Signer<'a> {
    pub access_key_id: &'a str,
    pub secret_access_key: &'a Secret,
    pub session_token: Option<&'a Secret>,
}

impl<'a> Signer<'a> {
    pub fn keys(keys: &'a Keys) -> Signer<'a> {
        Signer {
            access_key_id: &keys.access_key_id,
            secret_access_key: &keys.secret_access_key,
            session_token: None,
        }
    }

    pub fn session(session: &'a Session) -> Signer<'a> {
        Signer {
            access_key_id: &session.access_key_id,
            secret_access_key: &session.secret_access_key,
            session_token: Some(&session.session_token),
        }
    }
}

/// What every request of one run shares, and what error hints speak of.
pub struct Call<'a> {
    pub profile: &'a Profile,
    pub serial: &'a str,
    pub endpoint: &'a Endpoint,
}

/// GetSessionToken with the long-term keys: exactly one request, no retry (a
/// retry would resend a code that STS may already have used up), bounded
/// connect and overall time.
pub fn get_session_token(call: &Call<'_>, code: &str, duration: u32) -> Result<Session, Error> {
    let client = client(Signer::keys(&call.profile.keys), call)?;
    let sent = block_on(
        client
            .get_session_token()
            .serial_number(call.serial)
            .token_code(code)
            .duration_seconds(seconds(duration))
            .send(),
    )?;
    let output = sent.map_err(|err| map_error(err, call, None))?;
    session(output.credentials(), call)
}

/// AssumeRole for one role: with an MFA session as signer (chained, no code),
/// or with the long-term keys and the code itself (`code` given).
pub fn assume_role(
    call: &Call<'_>,
    signer: Signer<'_>,
    role: &Role,
    duration: u32,
    code: Option<&str>,
) -> Result<Session, Error> {
    let client = client(signer, call)?;
    let mut request = client
        .assume_role()
        .role_arn(&role.arn)
        .role_session_name(&role.session_name)
        .duration_seconds(seconds(duration))
        .set_external_id(role.external_id.clone());
    if let Some(code) = code {
        request = request.serial_number(call.serial).token_code(code);
    }
    let output = block_on(request.send())?.map_err(|err| map_error(err, call, Some(role)))?;
    session(output.credentials(), call)
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
pub fn caller_identity(call: &Call<'_>) -> Result<Identity, Error> {
    let date = Arc::new(Mutex::new(None));
    let client = client_with(
        Signer::keys(&call.profile.keys),
        call,
        Some(DateHeader(Arc::clone(&date))),
    )?;
    let started = Instant::now();
    let sent = block_on(client.get_caller_identity().send())?;
    let elapsed = started.elapsed();
    let output = sent.map_err(|err| map_error(err, call, None))?;
    let date = date.lock().ok().and_then(|d| d.clone());
    Ok(Identity {
        arn: output.arn().unwrap_or_default().to_string(),
        account: output.account().unwrap_or_default().to_string(),
        date,
        elapsed,
    })
}

/// Keeps the Date header of the response.
#[derive(Debug)]
struct DateHeader(Arc<Mutex<Option<String>>>);

impl Intercept for DateHeader {
    fn name(&self) -> &'static str {
        "mfa-env date header"
    }

    fn read_after_transmit(
        &self,
        context: &BeforeDeserializationInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let (Some(date), Ok(mut slot)) =
            (context.response().headers().get("date"), self.0.lock())
        {
            *slot = Some(date.to_string());
        }
        Ok(())
    }
}

fn seconds(duration: u32) -> i32 {
    i32::try_from(duration).unwrap_or(i32::MAX)
}

fn block_on<F: std::future::Future>(future: F) -> Result<F::Output, Error> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(Error::Runtime)?;
    Ok(runtime.block_on(future))
}

fn session(
    creds: Option<&aws_sdk_sts::types::Credentials>,
    call: &Call<'_>,
) -> Result<Session, Error> {
    let creds = creds.ok_or_else(|| Error::BadResponse {
        url: call.endpoint.url(),
        why: "it holds no credentials".into(),
    })?;
    Ok(Session {
        access_key_id: creds.access_key_id().to_string(),
        secret_access_key: Secret::new(creds.secret_access_key()),
        session_token: Secret::new(creds.session_token()),
        expiration: creds.expiration().secs(),
    })
}

fn client(signer: Signer<'_>, call: &Call<'_>) -> Result<aws_sdk_sts::Client, Error> {
    client_with(signer, call, None)
}

fn client_with(
    signer: Signer<'_>,
    call: &Call<'_>,
    date: Option<DateHeader>,
) -> Result<aws_sdk_sts::Client, Error> {
    let credentials = Credentials::new(
        signer.access_key_id,
        signer.secret_access_key.expose(),
        signer.session_token.map(|t| t.expose().to_string()),
        None,
        "mfa-env",
    );
    let endpoint = call.endpoint;
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .read_timeout(OPERATION_TIMEOUT)
        .operation_timeout(OPERATION_TIMEOUT)
        .build();
    let mut config = aws_sdk_sts::Config::builder()
        .region(Region::new(endpoint.region.clone()))
        .credentials_provider(credentials)
        .http_client(http_client(call.profile)?)
        .timeout_config(timeouts)
        .retry_config(RetryConfig::disabled())
        .use_fips(endpoint.use_fips);
    if let Some(url) = &endpoint.url_override {
        config = config.endpoint_url(url);
    }
    if let Some(date) = date {
        config = config.interceptor(date);
    }
    Ok(aws_sdk_sts::Client::from_conf(config.build()))
}

/// rustls with ring; HTTPS_PROXY / NO_PROXY from the environment; AWS_CA_BUNDLE
/// (or the profile's ca_bundle) replacing the system's roots, as in the AWS CLI.
fn http_client(profile: &Profile) -> Result<SharedHttpClient, Error> {
    let bundle = env::var("AWS_CA_BUNDLE")
        .ok()
        .filter(|v| !v.is_empty())
        .or_else(|| profile.ca_bundle.clone());
    let store = match bundle {
        Some(path) => {
            let pem = std::fs::read(&path).map_err(|err| Error::CaBundle {
                path: path.clone(),
                why: err.to_string(),
            })?;
            TrustStore::empty().with_pem_certificate(pem)
        }
        None => TrustStore::default(),
    };
    let context = TlsContext::builder()
        .with_trust_store(store)
        .build()
        .map_err(|err| Error::Request {
            why: format!("the TLS setup failed: {err}"),
        })?;
    Ok(
        HttpBuilder::new().build_with_connector_fn(move |settings, components| {
            let mut builder = Connector::builder().proxy_config(ProxyConfig::from_env());
            builder.set_connector_settings(settings.cloned());
            if let Some(components) = components {
                builder.set_sleep_impl(components.sleep_impl());
            }
            builder
                .tls_provider(tls::Provider::Rustls(
                    tls::rustls_provider::CryptoMode::Ring,
                ))
                .tls_context(context.clone())
                .build()
        }),
    )
}

fn map_error<E>(err: SdkError<E>, call: &Call<'_>, role: Option<&Role>) -> Error
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let url = call.endpoint.url();
    let why = causes(&err);
    match err {
        SdkError::ServiceError(ctx) => {
            let status = ctx.raw().status().as_u16();
            let e = ctx.err();
            match e.code() {
                Some(code) => Error::Sts {
                    code: code.to_string(),
                    message: sentence(e.message().unwrap_or("(no message)")),
                    hint: hint(code, e.message().unwrap_or(""), call, role),
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
        SdkError::ResponseError(ctx) => Error::BadResponse {
            url,
            why: format!("HTTP status {}: {why}", ctx.raw().status().as_u16()),
        },
        _ => Error::Request { why },
    }
}

/// STS's message, ending in a full stop so the hint reads as the next sentence.
fn sentence(message: &str) -> String {
    let message = message.trim();
    if message.ends_with('.') {
        message.to_string()
    } else {
        format!("{message}.")
    }
}

/// What to do about an STS error code, in the terms of this profile.
fn hint(code: &str, message: &str, call: &Call<'_>, role: Option<&Role>) -> String {
    let keys = &call.profile.keys;
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
            call.serial
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
            call.endpoint.region
        ),
        _ => "See the AWS STS documentation for this error code".to_string(),
    }
}
