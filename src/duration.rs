//! Durations: parsing what the user types (`90m`, `12h`, `1d`, `1h30m`,
//! `3600`; clap's value parsers of every duration option) and formatting time
//! left (`11h59m`). Imports nothing of mfa-env's but AWS's limits.

use std::time::Duration;

pub const DEFAULT_MIN_TTL: i64 = 5 * 60;
/// How long a token command may take when --token-timeout is not given.
pub const DEFAULT_TOKEN_TIMEOUT: Duration = Duration::from_secs(60);

/// The forms every duration takes, for messages.
const FORMS: &str = "as 90m, 12h, 1d, 1h30m, 45s or seconds (3600)";

/// clap's parser of --duration: `3600`, `90m`, `12h`, `1d`, `1h30m` or `45s`
/// into seconds, within the limits of GetSessionToken (15m to 36h).
pub fn session_arg(value: &str) -> Result<u32, String> {
    let seconds = seconds(value).map_err(|why| format!("{why}; give 15m to 36h, {FORMS}"))?;
    if seconds < u64::from(crate::limits::MIN_DURATION) {
        return Err(format!("shorter than STS allows; give 15m to 36h, {FORMS}"));
    }
    u32::try_from(seconds)
        .ok()
        .filter(|s| *s <= crate::limits::MAX_DURATION)
        .ok_or_else(|| format!("longer than STS allows; give 15m to 36h, {FORMS}"))
}

/// clap's parser of --min-ttl: the same forms, 0 to 36h.
pub fn min_ttl_arg(value: &str) -> Result<i64, String> {
    let seconds = seconds(value).map_err(|why| format!("{why}; give 0 to 36h, {FORMS}"))?;
    i64::try_from(seconds)
        .ok()
        .filter(|s| *s <= i64::from(crate::limits::MAX_DURATION))
        .ok_or_else(|| format!("longer than any session; give 0 to 36h, {FORMS}"))
}

/// clap's parser of --token-timeout: 1s to 10m.
pub fn token_timeout_arg(value: &str) -> Result<Duration, String> {
    match seconds(value).map_err(|why| format!("{why}; give 1s to 10m, {FORMS}"))? {
        0 => Err(format!("zero; give 1s to 10m, {FORMS}")),
        s if s > 600 => Err(format!("longer than 10 minutes; give 1s to 10m, {FORMS}")),
        s => Ok(Duration::from_secs(s)),
    }
}

/// A duration as Go writes it (`5s`, `1m30s`, `1.5h`, `500ms`), as direnv
/// reads DIRENV_WARN_TIMEOUT; None when it is not one.
pub fn parse_go(value: &str) -> Option<Duration> {
    let mut rest = value.trim();
    if rest.is_empty() {
        return None;
    }
    if rest == "0" {
        return Some(Duration::ZERO);
    }
    let mut total = 0f64;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit() && c != '.')
            .unwrap_or(rest.len());
        let number: f64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale = match &rest[..unit_len] {
            "ns" => 1e-9,
            "us" | "µs" | "μs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return None,
        };
        rest = &rest[unit_len..];
        total += number * scale;
    }
    Duration::try_from_secs_f64(total).ok()
}

/// `3600`, `90m`, `12h`, `1d`, `1h30m`, `45s` → seconds.
fn seconds(value: &str) -> Result<u64, &'static str> {
    let text = value.trim();
    if text.is_empty() {
        return Err("empty");
    }
    let mut total: u64 = 0;
    let mut digits = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit = match c.to_ascii_lowercase() {
            'd' => 86400,
            'h' => 3600,
            'm' => 60,
            's' => 1,
            _ => return Err("not a duration"),
        };
        let n: u64 = digits.parse().map_err(|_| "not a duration")?;
        total = total.saturating_add(n.saturating_mul(unit));
        digits.clear();
    }
    if !digits.is_empty() {
        let n: u64 = digits.parse().map_err(|_| "not a duration")?;
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
    fn go_durations() {
        let d = |s| parse_go(s).map(|d| d.as_millis());
        assert_eq!(d("5s"), Some(5000));
        assert_eq!(d("1m30s"), Some(90_000));
        assert_eq!(d("1.5h"), Some(5_400_000));
        assert_eq!(d("500ms"), Some(500));
        assert_eq!(d("0"), Some(0));
        for bad in ["", "5", "5x", "s", "1m-"] {
            assert_eq!(d(bad), None, "{bad}");
        }
    }

    #[test]
    fn durations() {
        assert_eq!(session_arg("3600").ok(), Some(3600));
        assert_eq!(session_arg("1d").ok(), Some(86400));
        assert_eq!(session_arg("90m").ok(), Some(5400));
        assert_eq!(session_arg("12h").ok(), Some(43200));
        assert_eq!(session_arg("1h30m").ok(), Some(5400));
        assert_eq!(session_arg("15m").ok(), Some(900));
        assert_eq!(session_arg("36h").ok(), Some(129_600));
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
            assert!(session_arg(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn min_ttls() {
        assert_eq!(min_ttl_arg("0").ok(), Some(0));
        assert_eq!(min_ttl_arg("1h").ok(), Some(3600));
        assert_eq!(min_ttl_arg("1d").ok(), Some(86400));
        assert!(min_ttl_arg("37h").is_err());
        assert!(min_ttl_arg("soon").is_err());
        assert_eq!(token_timeout_arg("30s").ok(), Some(Duration::from_secs(30)));
        assert!(token_timeout_arg("1d").is_err());
        assert!(token_timeout_arg("0").is_err());
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
