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

/// The partition a region belongs to: the cache keys a session of AWS's
/// own STS on it (a session of one partition is no use in another).
pub fn region_partition(region: &str) -> &'static str {
    match region {
        r if r.starts_with("cn-") => "aws-cn",
        r if r.starts_with("us-gov-") => "aws-us-gov",
        r if r.starts_with("us-isob-") => "aws-iso-b",
        r if r.starts_with("us-iso-") => "aws-iso",
        _ => "aws",
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn regions_belong_to_partitions() {
        for (region, partition) in [
            ("us-east-1", "aws"),
            ("eu-west-1", "aws"),
            ("cn-north-1", "aws-cn"),
            ("us-gov-west-1", "aws-us-gov"),
            ("us-iso-east-1", "aws-iso"),
            ("us-isob-east-1", "aws-iso-b"),
        ] {
            assert_eq!(super::region_partition(region), partition, "{region}");
            assert_eq!(
                super::region_partition(super::default_region(partition)),
                partition
            );
        }
    }
}
