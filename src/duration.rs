//! Durations: parsing what the user types (`90m`, `12h`, `1h30m`, `3600`) and
//! formatting time left (`11h59m`). Imports nothing of mfa-env's but the error.

use crate::error::Error;
use std::time::Duration;

pub const DEFAULT_MIN_TTL: i64 = 5 * 60;

/// Parses `3600`, `90m`, `12h`, `1h30m` or `45s` into seconds, within the
/// limits of GetSessionToken (15m to 36h).
pub fn parse_session(value: &str) -> Result<u32, Error> {
    let bad = |why| Error::BadDuration {
        value: value.to_string(),
        why,
    };
    let seconds = seconds(value).map_err(bad)?;
    if seconds < u64::from(crate::sts::MIN_DURATION) {
        return Err(bad("is shorter than STS allows (15 minutes)"));
    }
    u32::try_from(seconds)
        .ok()
        .filter(|s| *s <= crate::sts::MAX_DURATION)
        .ok_or_else(|| bad("is longer than STS allows (36 hours)"))
}

/// Parses --min-ttl (the same forms, 0 to 36h); 5 minutes when not given.
pub fn parse_min_ttl(value: Option<&str>) -> Result<i64, Error> {
    let Some(value) = value else {
        return Ok(DEFAULT_MIN_TTL);
    };
    let bad = |why| Error::BadMinTtl {
        value: value.to_string(),
        why,
    };
    let seconds = seconds(value).map_err(bad)?;
    i64::try_from(seconds)
        .ok()
        .filter(|s| *s <= i64::from(crate::sts::MAX_DURATION))
        .ok_or_else(|| bad("is longer than any session (36 hours)"))
}

/// Parses --token-timeout (1s to 10m); 60 seconds when not given.
pub fn parse_token_timeout(value: Option<&str>) -> Result<Duration, Error> {
    let Some(value) = value else {
        return Ok(Duration::from_secs(60));
    };
    let bad = |why| Error::BadTokenTimeout {
        value: value.to_string(),
        why,
    };
    match seconds(value).map_err(bad)? {
        0 => Err(bad("is zero")),
        s if s > 600 => Err(bad("is longer than 10 minutes")),
        s => Ok(Duration::from_secs(s)),
    }
}

/// `3600`, `90m`, `12h`, `1h30m`, `45s` → seconds.
fn seconds(value: &str) -> Result<u64, &'static str> {
    let text = value.trim();
    if text.is_empty() {
        return Err("is empty");
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
            _ => return Err("is not a duration"),
        };
        let n: u64 = digits.parse().map_err(|_| "is not a duration")?;
        total = total.saturating_add(n.saturating_mul(unit));
        digits.clear();
    }
    if !digits.is_empty() {
        let n: u64 = digits.parse().map_err(|_| "is not a duration")?;
        total = total.saturating_add(n);
    }
    Ok(total)
}

/// Time left as `11h59m`, `4m`, `40s` or `expired`.
pub fn left(seconds: i64) -> String {
    match seconds {
        s if s <= 0 => "expired".into(),
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m", s / 60),
        s => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_session("3600").ok(), Some(3600));
        assert_eq!(parse_session("90m").ok(), Some(5400));
        assert_eq!(parse_session("12h").ok(), Some(43200));
        assert_eq!(parse_session("1h30m").ok(), Some(5400));
        assert_eq!(parse_session("15m").ok(), Some(900));
        assert_eq!(parse_session("36h").ok(), Some(129_600));
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
            assert!(parse_session(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn min_ttls() {
        assert_eq!(parse_min_ttl(None).ok(), Some(300));
        assert_eq!(parse_min_ttl(Some("0")).ok(), Some(0));
        assert_eq!(parse_min_ttl(Some("1h")).ok(), Some(3600));
        assert!(parse_min_ttl(Some("37h")).is_err());
        assert!(parse_min_ttl(Some("soon")).is_err());
    }

    #[test]
    fn time_left() {
        assert_eq!(left(-5), "expired");
        assert_eq!(left(0), "expired");
        assert_eq!(left(40), "40s");
        assert_eq!(left(299), "4m");
        assert_eq!(left(43_140), "11h59m");
        assert_eq!(left(3600), "1h00m");
    }
}
