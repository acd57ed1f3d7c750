//! A client of `mfa-env --server` built on aws-config's own container
//! provider (`EcsCredentialsProvider`), as any Rust SDK program in the child
//! uses it: reads AWS_CONTAINER_CREDENTIALS_FULL_URI and
//! AWS_CONTAINER_AUTHORIZATION_TOKEN, and prints the key id and expiry it got
//! (never the secret). The integration tests run it as the child.
//!
//!     mfa-env --server -p PROFILE -- cargo run --example ecs_credentials

use aws_config::ecs::EcsCredentialsProvider;
use aws_config::provider_config::ProviderConfig;
use aws_smithy_http_client::tls::{Provider, rustls_provider::CryptoMode};
use std::process::ExitCode;

fn main() -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("ecs_credentials: no runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .build_https();
    let config = ProviderConfig::default().with_http_client(http);
    let provider = EcsCredentialsProvider::builder().configure(&config).build();
    match runtime.block_on(provider.credentials()) {
        Ok(credentials) => {
            let expiry = credentials
                .expiry()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map(|d| d.as_secs().to_string())
                .unwrap_or_default();
            println!("{} {expiry}", credentials.access_key_id());
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("ecs_credentials: {err}");
            ExitCode::FAILURE
        }
    }
}
