//! AWS's limits on sessions, and its partitions: facts about STS that the
//! resolution, the duration parser and the requests all use. Imports nothing.

/// GetSessionToken's limits for an IAM user, and its default.
pub const MIN_DURATION: u32 = 15 * 60;
pub const MAX_DURATION: u32 = 36 * 3600;
pub const DEFAULT_DURATION: u32 = 12 * 3600;
/// AWS caps a role session assumed with another session (role chaining) at 1 hour.
pub const CHAINED_MAX: u32 = 3600;
/// AssumeRole gives at most 12 hours.
pub const ROLE_MAX: u32 = 12 * 3600;

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
