//! Command-line flags (clap derive) and the parsing of their values.

use crate::error::Error;
use clap::Parser;
use std::ffi::OsString;

const EXAMPLES: &str = "\
Examples:
  eval \"$(mfa-env)\"                      export a session of the default profile into this shell
  eval \"$(mfa-env --profile work)\"       ... of profile 'work'
  mfa-env -- aws s3 ls                   run one command with the session
  mfa-env -p work -d 1h -- terraform plan
  op item get AWS --otp | mfa-env -t -   read the MFA code from stdin

The session is never written to ~/.aws/credentials or ~/.aws/config.";

#[derive(Debug, Parser)]
#[command(
    name = "mfa-env",
    version,
    about = "Get an AWS MFA session and hand it to your shell or to one command",
    after_help = EXAMPLES
)]
pub struct Cli {
    /// Profile to use [default: $AWS_PROFILE, then $MFA_ENV_PROFILE, then 'default']
    #[arg(short, long, value_name = "NAME")]
    pub profile: Option<String>,

    /// ARN of the MFA device [default: the profile's mfa_serial]
    #[arg(long, value_name = "ARN")]
    pub serial: Option<String>,

    /// The 6-digit MFA code; '-' reads one line from stdin [default: ask on the terminal]
    #[arg(short = 't', long, value_name = "CODE")]
    pub token_code: Option<String>,

    /// How long the session lasts: 15m to 36h, as 90m, 12h or seconds [default: 12h]
    #[arg(short, long, value_name = "TIME")]
    pub duration: Option<String>,

    /// Region for STS and the exported AWS_REGION [default: the profile's region, then $AWS_REGION]
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,

    /// Print nothing but errors on stderr
    #[arg(short, long)]
    pub quiet: bool,

    /// Say on stderr what mfa-env does (files, profile, serial, endpoint)
    #[arg(short, long)]
    pub verbose: bool,

    /// Command to run with the session, after `--`
    #[arg(last = true, value_name = "COMMAND")]
    pub command: Vec<OsString>,
}

/// Session length bounds of GetSessionToken for an IAM user.
pub const MIN_DURATION: u32 = 15 * 60;
pub const MAX_DURATION: u32 = 36 * 3600;
pub const DEFAULT_DURATION: u32 = 12 * 3600;

/// Parses `3600`, `90m`, `12h`, `1h30m` or `45s` into seconds, within 15m..=36h.
pub fn parse_duration(value: &str) -> Result<u32, Error> {
    let bad = |why| Error::BadDuration {
        value: value.to_string(),
        why,
    };
    let text = value.trim();
    if text.is_empty() {
        return Err(bad("is empty"));
    }
    let mut total: u64 = 0;
    let mut digits = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit = match c.to_ascii_lowercase() {
            'h' => 3600,
            'm' => 60,
            's' => 1,
            _ => return Err(bad("is not a duration")),
        };
        let n: u64 = digits.parse().map_err(|_| bad("is not a duration"))?;
        total = total.saturating_add(n.saturating_mul(unit));
        digits.clear();
    }
    if !digits.is_empty() {
        let n: u64 = digits.parse().map_err(|_| bad("is not a duration"))?;
        total = total.saturating_add(n);
    }
    if total < u64::from(MIN_DURATION) {
        return Err(bad("is shorter than STS allows (15 minutes)"));
    }
    if total > u64::from(MAX_DURATION) {
        return Err(bad("is longer than STS allows (36 hours)"));
    }
    u32::try_from(total).map_err(|_| bad("is longer than STS allows (36 hours)"))
}

#[cfg(test)]
mod tests {
    use super::parse_duration;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("3600").ok(), Some(3600));
        assert_eq!(parse_duration("90m").ok(), Some(5400));
        assert_eq!(parse_duration("12h").ok(), Some(43200));
        assert_eq!(parse_duration("1h30m").ok(), Some(5400));
        assert_eq!(parse_duration("15m").ok(), Some(900));
        assert_eq!(parse_duration("36h").ok(), Some(129_600));
        for bad in [
            "",
            "14m",
            "37h",
            "12x",
            "h",
            "1.5h",
            "-1h",
            "99999999999999999999h",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad:?} should be refused");
        }
    }
}
