//! `mfa-env doctor`: the troubleshooting page as a command. Each check says
//! ok, warn or fail, and the fix. Nothing secret is ever printed: key ids are
//! shown as AKIA…WXYZ, and no secret key, token or code is read out.

mod environment;
mod online;
mod session;
mod setup;

use crate::context::{Context, Plan, Wanted};
use crate::error::{Error, Message, clean};
use crate::resolve;
use crate::snapshot::Snapshot;
use serde::Serialize;
use std::fmt::Write;
use std::process::ExitCode;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    Warn,
    Fail,
    Skip,
}

#[derive(Debug, Serialize)]
pub struct Check {
    pub check: &'static str,
    pub status: Status,
    pub detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

#[derive(Default)]
struct Report(Vec<Check>);

impl Report {
    fn add(
        &mut self,
        check: &'static str,
        status: Status,
        detail: impl Into<String>,
        fix: Option<String>,
    ) {
        self.0.push(Check {
            check,
            status,
            detail: clean(&detail.into()),
            fix: fix.map(|f| clean(&f)),
        });
    }
    fn ok(&mut self, check: &'static str, detail: impl Into<String>) {
        self.add(check, Status::Ok, detail, None);
    }
    fn warn(&mut self, check: &'static str, detail: impl Into<String>, fix: impl Into<String>) {
        self.add(check, Status::Warn, detail, Some(fix.into()));
    }
    fn fail(&mut self, check: &'static str, detail: impl Into<String>, fix: impl Into<String>) {
        self.add(check, Status::Fail, detail, Some(fix.into()));
    }
    /// A failure from an mfa-env error: what failed on the detail line, its
    /// fix on the fix line.
    fn fail_with(&mut self, check: &'static str, err: &Error) {
        let Message { what, fix } = err.message();
        let fix = fix.map(|f| {
            let mut chars = f.chars();
            chars
                .next()
                .map(|first| first.to_lowercase().chain(chars).collect())
                .unwrap_or_default()
        });
        self.add(check, Status::Fail, what, fix);
    }
    fn skip(&mut self, check: &'static str, why: &str) {
        self.add(check, Status::Skip, why, None);
    }
}

pub fn run(
    snap: &Snapshot,
    wanted: &Wanted<'_>,
    offline: bool,
    json: bool,
) -> Result<ExitCode, Error> {
    let mut report = Report::default();
    let files = snap.files();
    let (name, _) = resolve::profile_name(snap, wanted.profile);
    let profile = if setup::files_check(&mut report, snap) {
        setup::profile_checks(&mut report, snap, &name)
    } else {
        report.skip("profile", "skipped: no config files");
        None
    };
    let serial = profile
        .as_ref()
        .and_then(|p| setup::serial_check(&mut report, wanted, p, files));
    let region = profile
        .as_ref()
        .and_then(|p| setup::region_check(&mut report, snap, wanted, p, serial.as_deref()));
    environment::checks(&mut report, snap);
    let folder = resolve::cache_folder(snap);
    let endpoint = profile
        .as_ref()
        .zip(serial.as_deref())
        .map(|(p, s)| resolve::endpoint(snap, p, region.as_deref(), crate::arn::partition(s)));
    session::cache_check(
        &mut report,
        folder,
        profile
            .as_ref()
            .zip(serial.as_deref())
            .zip(endpoint.as_ref()),
    );
    session::console_check(&mut report, profile.as_ref(), serial.as_deref());
    match (&profile, offline) {
        (_, true) => {
            for check in ["sts", "identity", "clock"] {
                report.skip(check, "skipped (--offline)");
            }
        }
        (None, false) => {
            for check in ["sts", "identity", "clock"] {
                report.skip(check, "skipped: the profile has no usable long-term keys");
            }
        }
        (Some(profile), false) => {
            let ctx = Context::assemble(
                snap,
                name.clone(),
                profile.clone(),
                serial.unwrap_or_default(),
                region,
                Plan::User(crate::limits::DEFAULT_DURATION),
            );
            online::checks(&mut report, &ctx);
        }
    }

    let failed = report.0.iter().any(|c| c.status == Status::Fail);
    let text = if json {
        let value = serde_json::json!({
            "version": env!("CARGO_PKG_VERSION"),
            "profile": name,
            "ok": !failed,
            "checks": report.0,
        });
        format!("{value}\n")
    } else {
        human(&name, &report.0)
    };
    crate::stdio::out(&text)?;
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn human(profile: &str, checks: &[Check]) -> String {
    let mut out = format!("mfa-env doctor: profile '{}'\n", clean(profile));
    for c in checks {
        let status = match c.status {
            Status::Ok => "ok",
            Status::Warn => "warn",
            Status::Fail => "fail",
            Status::Skip => "skip",
        };
        let _ = writeln!(out, "{status:<5} {:<13} {}", c.check, c.detail);
        if let Some(fix) = &c.fix {
            let _ = writeln!(out, "{:<19} fix: {fix}", "");
        }
    }
    let fails = checks.iter().filter(|c| c.status == Status::Fail).count();
    let warns = checks.iter().filter(|c| c.status == Status::Warn).count();
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    let _ = writeln!(out, "{fails} failed, {warns} warning{}", plural(warns));
    out
}
