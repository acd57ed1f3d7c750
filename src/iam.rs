//! IAM, for `mfa-env keys rotate` only: ListAccessKeys, CreateAccessKey and
//! DeleteAccessKey of one user, signed with the MFA session (a policy that
//! asks for MFA allows them only so). The client is built when rotate asks,
//! on the run's shared HTTP client; no other command (and no cache hit)
//! builds it. One request per operation, never retried: a retried
//! CreateAccessKey could make a second key.

use crate::config::Profile;
use crate::error::{Error, causes, clean, mask_url};
use crate::session::{Secret, Session};
use crate::sts::{self, Endpoint, Net};
use aws_sdk_iam::config::{Credentials, Region};
use aws_sdk_iam::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_types::retry::RetryConfig;

/// An IAM client signing as one MFA session.
pub struct Iam<'a> {
    net: &'a Net,
    profile: &'a Profile,
    client: aws_sdk_iam::Client,
    /// The override URL, as messages show it; None for AWS's own IAM.
    url: Option<String>,
}

/// A new access key, as CreateAccessKey gave it.
pub struct NewKey {
    pub access_key_id: String,
    pub secret_access_key: Secret,
}

impl<'a> Iam<'a> {
    /// IAM at `endpoint` (its override URL, else the partition's global IAM
    /// that the SDK's rules pick for the region), signed as `session`.
    pub fn new(
        net: &'a Net,
        profile: &'a Profile,
        endpoint: &Endpoint,
        session: &Session,
    ) -> Result<Iam<'a>, Error> {
        let credentials = Credentials::new(
            &session.access_key_id,
            session.secret_access_key.expose(),
            Some(session.session_token.expose().to_string()),
            None,
            "mfa-env",
        );
        let mut config = aws_sdk_iam::Config::builder()
            .region(Region::new(endpoint.region.clone()))
            .credentials_provider(credentials)
            .http_client(net.http(profile)?)
            .timeout_config(sts::timeouts())
            .retry_config(RetryConfig::disabled())
            .use_fips(endpoint.use_fips)
            .interceptor(sts::BodyLimit);
        if let Some(url) = &endpoint.url_override {
            config = config.endpoint_url(url);
        }
        Ok(Iam {
            net,
            profile,
            client: aws_sdk_iam::Client::from_conf(config.build()),
            url: endpoint.url_override.as_deref().map(mask_url),
        })
    }

    /// The ids of the user's access keys.
    pub fn keys(&self, user: &str) -> Result<Vec<String>, Error> {
        let request = self.client.list_access_keys().user_name(user);
        let output = self
            .net
            .block_on(self.profile, || request.send())?
            .map_err(|err| self.failed("ListAccessKeys", err))?;
        Ok(output
            .access_key_metadata()
            .iter()
            .filter_map(|key| key.access_key_id())
            .map(str::to_string)
            .collect())
    }

    /// A new access key for the user.
    pub fn create(&self, user: &str) -> Result<NewKey, Error> {
        let request = self.client.create_access_key().user_name(user);
        let output = self
            .net
            .block_on(self.profile, || request.send())?
            .map_err(|err| self.failed("CreateAccessKey", err))?;
        let key = output.access_key().ok_or_else(|| Error::Iam {
            operation: "CreateAccessKey",
            why: "its answer holds no access key".into(),
            fix: self.check(),
        })?;
        Ok(NewKey {
            access_key_id: key.access_key_id().to_string(),
            secret_access_key: Secret::new(key.secret_access_key()),
        })
    }

    /// Deletes one of the user's access keys.
    pub fn delete(&self, user: &str, key_id: &str) -> Result<(), Error> {
        let request = self
            .client
            .delete_access_key()
            .user_name(user)
            .access_key_id(key_id);
        self.net
            .block_on(self.profile, || request.send())?
            .map_err(|err| self.failed("DeleteAccessKey", err))?;
        Ok(())
    }

    fn check(&self) -> String {
        match &self.url {
            Some(url) => format!("Check that AWS_ENDPOINT_URL_IAM ({url}) points at IAM"),
            None => "Check the network, HTTPS_PROXY / NO_PROXY".into(),
        }
    }

    /// IAM's error in words: its code and message, or why no answer came.
    fn failed<E>(&self, operation: &'static str, err: SdkError<E>) -> Error
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let (why, denied) = match &err {
            SdkError::ServiceError(service) => match service.err().code() {
                Some(code) => (
                    format!(
                        "{code}: {}",
                        service.err().message().unwrap_or("(no message)").trim()
                    ),
                    code == "AccessDenied",
                ),
                None => (
                    format!(
                        "HTTP status {} without an IAM error code",
                        service.raw().status().as_u16()
                    ),
                    false,
                ),
            },
            SdkError::TimeoutError(_) => (no_answer(), false),
            SdkError::DispatchFailure(failure) if failure.is_timeout() => (no_answer(), false),
            _ => (causes(&err), false),
        };
        let why = match (&self.url, clean(&why)) {
            (Some(url), why) => format!("{why} (IAM at {url})"),
            (None, why) => why,
        };
        let fix = match denied {
            true => "Your IAM policy must let your user list, create and delete its own access keys (iam:ListAccessKeys, iam:CreateAccessKey, iam:DeleteAccessKey on arn:aws:iam::ACCOUNT:user/${aws:username}) with MFA".into(),
            false => self.check(),
        };
        Error::Iam {
            operation,
            why,
            fix,
        }
    }
}

fn no_answer() -> String {
    format!(
        "no answer within {} seconds",
        sts::OPERATION_TIMEOUT.as_secs()
    )
}
