//! Where STS requests go: the override URL or the region's endpoint.

use crate::config::Profile;
use std::env;

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
            .unwrap_or_else(|| super::default_region(partition).to_string());
        Endpoint {
            url_override,
            region,
            use_fips: truthy("AWS_USE_FIPS_ENDPOINT"),
        }
    }

    /// The URL, as shown in messages.
    /// Without a user and password: it is shown in messages.
    pub fn url(&self) -> String {
        match &self.url_override {
            Some(url) => crate::error::mask_url(url),
            None if self.region.starts_with("cn-") => {
                format!("https://sts.{}.amazonaws.com.cn", self.region)
            }
            None => format!("https://sts.{}.amazonaws.com", self.region),
        }
    }
}
