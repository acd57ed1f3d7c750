//! Where a console sign-in goes, settled before any request: the partition
//! of the role, the federation endpoint and a console page that cannot be an
//! open redirect; and the refusal of an IAM user's own session.

use crate::arn::{self, IamArn};
use crate::config::Profile;
use crate::context::Context;
use crate::error::Error;
use crate::snapshot::Snapshot;
use url::Url;

/// The override of the federation endpoint (tests, proxies, private deployments).
pub const FEDERATION_VAR: &str = "MFA_ENV_FEDERATION_URL";

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
            federation: federation(
                partition,
                Snapshot::current()
                    .var_os(FEDERATION_VAR)
                    .and_then(|v| v.to_str())
                    .map(str::to_string),
            )?,
            destination,
        })
    }

    /// The federation endpoint as messages show it: never with a query, and
    /// a user and password masked as `***` (as the STS endpoint's are).
    pub fn shown(&self) -> String {
        let mut url = self.federation.clone();
        url.set_query(None);
        crate::error::mask_url(url.as_str())
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
    fn federation_drops_a_fragment() {
        assert_eq!(
            federation(aws(), Some("https://h/f#frag".into()))
                .unwrap()
                .to_string(),
            "https://h/f"
        );
    }
}
