//! IAM ARNs: `arn:PARTITION:iam::ACCOUNT:RESOURCE`, parsed once for the MFA
//! serial, the role ARN and doctor's user ARN.

/// The parts of an IAM ARN.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IamArn<'a> {
    pub partition: &'a str,
    pub account: &'a str,
    /// `mfa/NAME`, `role/PATH/NAME`, `user/PATH/NAME`…
    pub resource: &'a str,
}

impl<'a> IamArn<'a> {
    /// An IAM ARN with a 12-digit account, else None.
    pub fn parse(text: &'a str) -> Option<IamArn<'a>> {
        let parts: Vec<&str> = text.splitn(6, ':').collect();
        match parts[..] {
            ["arn", partition, "iam", "", account, resource]
                if partition.starts_with("aws") && !resource.is_empty() =>
            {
                Some(IamArn {
                    partition,
                    account,
                    resource,
                })
            }
            _ => None,
        }
    }

    pub fn account_ok(&self) -> bool {
        self.account.len() == 12 && self.account.bytes().all(|b| b.is_ascii_digit())
    }

    /// The name after `KIND/` (and any path), when the resource is of that kind.
    pub fn name_of(&self, kind: &str) -> Option<&'a str> {
        let rest = self.resource.strip_prefix(kind)?.strip_prefix('/')?;
        let name = rest.rsplit('/').next().unwrap_or(rest);
        (!name.is_empty()).then_some(name)
    }

    /// The MFA device ARN that an IAM user of this name usually has.
    pub fn device_of_user(&self) -> Option<String> {
        self.name_of("user")
            .map(|name| format!("arn:{}:iam::{}:mfa/{name}", self.partition, self.account))
    }
}

/// The account of an IAM ARN with a 12-digit account (a role's, an MFA
/// device's), else None: a hardware token's serial names no account.
pub fn account(text: &str) -> Option<&str> {
    IamArn::parse(text)
        .filter(IamArn::account_ok)
        .map(|arn| arn.account)
}

/// The account a session belongs to: the role's for a role session (which
/// may be in another account than the user), the MFA device's for a user
/// session; None when that ARN names no account (never guessed).
pub fn session_account<'a>(role: Option<&'a str>, serial: &'a str) -> Option<&'a str> {
    account(role.unwrap_or(serial))
}

/// The partition named by an ARN (`aws`, `aws-cn`, `aws-us-gov`), `aws` for
/// anything else (a hardware token's serial number, say).
pub fn partition(text: &str) -> &str {
    text.strip_prefix("arn:")
        .and_then(|rest| rest.split(':').next())
        .filter(|p| !p.is_empty())
        .unwrap_or("aws")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses() {
        let arn = IamArn::parse("arn:aws:iam::123456789012:mfa/alice").unwrap();
        assert_eq!(arn.partition, "aws");
        assert_eq!(arn.account, "123456789012");
        assert_eq!(arn.name_of("mfa"), Some("alice"));
        assert!(arn.account_ok());
        let user = IamArn::parse("arn:aws-cn:iam::123456789012:user/team/bob").unwrap();
        assert_eq!(user.name_of("user"), Some("bob"));
        assert_eq!(
            user.device_of_user().as_deref(),
            Some("arn:aws-cn:iam::123456789012:mfa/bob")
        );
        assert!(!IamArn::parse("arn:aws:iam::12:mfa/a").unwrap().account_ok());
        for bad in [
            "arn:aws:s3:::bucket",
            "GAHT12345678",
            "arn:x:iam::1:mfa/a",
            "",
        ] {
            assert_eq!(IamArn::parse(bad), None, "{bad}");
        }
        assert_eq!(
            IamArn::parse("arn:aws:iam::123456789012:role/")
                .unwrap()
                .name_of("role"),
            None
        );
    }

    #[test]
    fn accounts() {
        for (text, account) in [
            ("arn:aws:iam::123456789012:mfa/alice", Some("123456789012")),
            (
                "arn:aws-cn:iam::210987654321:role/team/admin",
                Some("210987654321"),
            ),
            (
                "arn:aws:iam::123456789012:u2f/user/alice/key",
                Some("123456789012"),
            ),
            ("arn:aws:iam::12345:mfa/alice", None),
            ("arn:aws:iam::12345678901x:mfa/alice", None),
            ("arn:aws:sts::123456789012:assumed-role/admin/s", None),
            ("GAHT12345678", None),
            ("", None),
        ] {
            assert_eq!(super::account(text), account, "{text}");
        }
    }

    #[test]
    fn session_accounts() {
        const DEVICE: &str = "arn:aws:iam::123456789012:mfa/alice";
        for (role, serial, account) in [
            (None, DEVICE, Some("123456789012")),
            (None, "GAHT12345678", None),
            (
                Some("arn:aws:iam::210987654321:role/admin"),
                DEVICE,
                Some("210987654321"),
            ),
            (
                Some("arn:aws:iam::210987654321:role/admin"),
                "GAHT12345678",
                Some("210987654321"),
            ),
            // A role ARN naming no account: not the device's account instead.
            (Some("arn:aws:iam::acct:role/admin"), DEVICE, None),
        ] {
            assert_eq!(session_account(role, serial), account, "{role:?} {serial}");
        }
    }

    #[test]
    fn partitions() {
        assert_eq!(
            partition("arn:aws-us-gov:iam::123456789012:mfa/a"),
            "aws-us-gov"
        );
        assert_eq!(partition("GAHT12345678"), "aws");
    }
}
