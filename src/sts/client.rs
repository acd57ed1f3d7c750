//! The network side of a run: one tokio runtime and one HTTP client (with its
//! TLS context), built on first use and shared by every request of the run:
//! STS's, and the console's one plain GET to the federation endpoint.
//! The cache-hit path never builds them.

use crate::config::Profile;
use crate::error::{Error, causes};
use crate::sts::Signer;
use crate::sts::endpoint::Endpoint;
use aws_sdk_sts::config::Intercept;
use aws_sdk_sts::config::{Credentials, Region};
use aws_smithy_http_client::proxy::ProxyConfig;
use aws_smithy_http_client::tls::{self, TlsContext, TrustStore};
use aws_smithy_http_client::{Builder as HttpBuilder, Connector};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::http::{
    HttpConnector, HttpConnectorSettings, SharedHttpClient,
};
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeDeserializationInterceptorContextMut, BeforeDeserializationInterceptorContextRef,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::byte_stream::ByteStream;
use aws_smithy_types::config_bag::ConfigBag;
use aws_smithy_types::retry::RetryConfig;
use aws_smithy_types::timeout::TimeoutConfig;
use std::env;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use zeroize::Zeroizing;

pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
pub const OPERATION_TIMEOUT: Duration = Duration::from_secs(10);

/// Lazily built runtime and HTTP client; cheap to make, free until used.
#[derive(Default)]
pub struct Net {
    built: Mutex<Option<Arc<Built>>>,
}

struct Built {
    runtime: tokio::runtime::Runtime,
    http: SharedHttpClient,
    tls: TlsContext,
}

/// The answer to a plain GET: its status and its body (bounded).
pub struct Fetched {
    pub status: u16,
    /// Wiped on drop: it may hold a secret (a sign-in token).
    pub body: Zeroizing<Vec<u8>>,
}

/// Why a plain GET got no answer. No variant holds the URL (it may carry a
/// secret in its query).
pub enum Fault {
    /// The run's network could not be set up (runtime, CA bundle).
    Setup(Error),
    /// No connection, or it broke: why, with the URL left out.
    Unreachable(String),
    /// No full answer within the operation timeout.
    Timeout,
    /// The body (of an answer with this status) is longer than the limit.
    TooLarge(u16),
}

impl Net {
    fn built(&self, profile: &Profile) -> Result<Arc<Built>, Error> {
        let mut slot = self.built.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(built) = slot.as_ref() {
            return Ok(Arc::clone(built));
        }
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(Error::Runtime)?;
        let tls = tls_context(profile)?;
        let built = Arc::new(Built {
            runtime,
            http: http_client(tls.clone()),
            tls,
        });
        *slot = Some(Arc::clone(&built));
        Ok(built)
    }

    /// Runs one request to completion on the run's runtime.
    pub fn block_on<F: std::future::Future>(
        &self,
        profile: &Profile,
        future: impl FnOnce() -> F,
    ) -> Result<F::Output, Error> {
        let built = self.built(profile)?;
        Ok(built.runtime.block_on(future()))
    }

    /// The run's HTTP client, for the IAM client of `keys rotate`.
    pub fn http(&self, profile: &Profile) -> Result<SharedHttpClient, Error> {
        Ok(self.built(profile)?.http.clone())
    }

    /// One plain GET of `url` on the run's HTTP stack (same TLS roots, CA
    /// bundle and proxy as STS), with STS's connect and overall timeouts and no
    /// retry; a body longer than `limit` bytes is refused.
    pub fn get(&self, profile: &Profile, url: &str, limit: usize) -> Result<Fetched, Fault> {
        let built = self.built(profile).map_err(Fault::Setup)?;
        // The error would not say more than this: the URL may hold a secret.
        let mut request = HttpRequest::get(url).map_err(|_| {
            Fault::Setup(Error::Request {
                why: "its URL is not one an HTTP request can take".into(),
            })
        })?;
        let headers = request.headers_mut();
        headers.insert("accept", "application/json");
        headers.insert("user-agent", concat!("mfa-env/", env!("CARGO_PKG_VERSION")));
        let settings = HttpConnectorSettings::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .read_timeout(OPERATION_TIMEOUT)
            .build();
        let connector = connector(&built.tls, Some(settings), None);
        let exchange = async {
            let response = connector.call(request).await.map_err(|err| {
                if err.is_timeout() {
                    Fault::Timeout
                } else {
                    Fault::Unreachable(causes(&err))
                }
            })?;
            let status = response.status().as_u16();
            let mut stream = ByteStream::new(response.into_body());
            let mut body = Zeroizing::new(Vec::new());
            while let Some(chunk) = stream.next().await {
                let chunk = chunk.map_err(|err| Fault::Unreachable(causes(&err)))?;
                if body.len() + chunk.len() > limit {
                    return Err(Fault::TooLarge(status));
                }
                body.extend_from_slice(&chunk);
            }
            Ok(Fetched { status, body })
        };
        built.runtime.block_on(async {
            tokio::time::timeout(OPERATION_TIMEOUT, exchange)
                .await
                .unwrap_or(Err(Fault::Timeout))
        })
    }

    /// An STS client signing as `signer`, on the shared HTTP client: exactly one
    /// request per operation (no retry: a retry would resend a code that STS
    /// may already have used up), bounded connect and overall time.
    pub fn client(
        &self,
        signer: &Signer<'_>,
        profile: &Profile,
        endpoint: &Endpoint,
        date: Option<DateHeader>,
    ) -> Result<aws_sdk_sts::Client, Error> {
        let built = self.built(profile)?;
        let credentials = Credentials::new(
            signer.access_key_id,
            signer.secret_access_key.expose(),
            signer.session_token.map(|t| t.expose().to_string()),
            None,
            "mfa-env",
        );
        let mut config = aws_sdk_sts::Config::builder()
            .region(Region::new(endpoint.region.clone()))
            .credentials_provider(credentials)
            .http_client(built.http.clone())
            .timeout_config(timeouts())
            .retry_config(RetryConfig::disabled())
            .use_fips(endpoint.use_fips);
        if let Some(url) = &endpoint.url_override {
            config = config.endpoint_url(url);
        }
        if let Some(date) = date {
            config = config.interceptor(date);
        }
        config = config.interceptor(BodyLimit);
        Ok(aws_sdk_sts::Client::from_conf(config.build()))
    }
}

/// Bounded connect and overall time of one request.
pub fn timeouts() -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .read_timeout(OPERATION_TIMEOUT)
        .operation_timeout(OPERATION_TIMEOUT)
        .build()
}

/// AWS_CA_BUNDLE (or the profile's ca_bundle) replacing the system's roots, as
/// in the AWS CLI.
fn tls_context(profile: &Profile) -> Result<TlsContext, Error> {
    let bundle = crate::snapshot::Snapshot::current()
        .var_os("AWS_CA_BUNDLE")
        .and_then(|v| v.to_str())
        .filter(|v| !v.is_empty())
        .map(str::to_string)
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
    TlsContext::builder()
        .with_trust_store(store)
        .build()
        .map_err(|err| Error::Request {
            why: format!("the TLS setup failed: {err}"),
        })
}

/// The SDK's HTTP client on `connector`.
fn http_client(context: TlsContext) -> SharedHttpClient {
    HttpBuilder::new().build_with_connector_fn(move |settings, components| {
        connector(&context, settings.cloned(), components)
    })
}

/// rustls with ring and this TLS context; HTTPS_PROXY / NO_PROXY from the
/// environment; the settings' connect and read timeouts, timed by the SDK's
/// sleep or else tokio's.
fn connector(
    context: &TlsContext,
    settings: Option<HttpConnectorSettings>,
    components: Option<&RuntimeComponents>,
) -> Connector {
    let mut builder = Connector::builder().proxy_config(ProxyConfig::from_env());
    builder.set_connector_settings(settings);
    if let Some(components) = components {
        builder.set_sleep_impl(components.sleep_impl());
    }
    builder
        .tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::Ring,
        ))
        .tls_context(context.clone())
        .build()
}

/// The most of an answer mfa-env reads: an STS answer is a few KB.
pub const MAX_BODY: u64 = 1024 * 1024;

/// Refuses an answer over MAX_BODY: by its Content-Length at once, else (a
/// chunked answer) when the reading passes the bound, so a hostile or broken
/// endpoint cannot make mfa-env buffer without end.
#[derive(Debug)]
pub struct BodyLimit;

impl Intercept for BodyLimit {
    fn name(&self) -> &'static str {
        "mfa-env body limit"
    }

    fn modify_before_deserialization(
        &self,
        context: &mut BeforeDeserializationInterceptorContextMut<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let response = context.response_mut();
        let length = response
            .headers()
            .get("content-length")
            .and_then(|v| v.trim().parse::<u64>().ok());
        if length.is_some_and(|n| n > MAX_BODY) {
            return Err(too_big().into());
        }
        let body = std::mem::replace(response.body_mut(), SdkBody::taken());
        let limit = usize::try_from(MAX_BODY).unwrap_or(usize::MAX);
        *response.body_mut() = SdkBody::from_body_1_x(http_body_util::Limited::new(body, limit));
        Ok(())
    }
}

pub fn too_big() -> String {
    format!(
        "the answer is larger than {} MiB, which no STS answer is",
        MAX_BODY / 1024 / 1024
    )
}

/// Keeps the Date header of the response.
#[derive(Debug)]
pub struct DateHeader(pub Arc<Mutex<Option<String>>>);

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
