//! Where STS requests go: the override URL or the region's endpoint (chosen
//! by `resolve::endpoint`).

/// Where the request goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL or the profile's endpoint_url.
    pub url_override: Option<String>,
    /// The signing region, never empty.
    pub region: String,
    pub use_fips: bool,
}

impl Endpoint {
    /// What the cache keys a session on: the override URL as given, else the
    /// partition of AWS's own endpoint, so that a session from one STS is
    /// never handed out for another.
    pub fn cache_id(&self) -> String {
        match &self.url_override {
            Some(url) => format!("url {}", url.trim()),
            None => format!("aws {}", crate::limits::region_partition(&self.region)),
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
