//! The checks that ask STS: reachability, whose keys these are, the clock.

use super::Report;
use crate::arn::IamArn;
use crate::context::Context;
use crate::error::Error;
use crate::session::now;
use crate::sts::{self, Net};
use aws_smithy_types::DateTime;
use aws_smithy_types::date_time::Format;

/// `ctx` is what doctor resolved step by step; its serial may be empty.
pub(super) fn checks(report: &mut Report, ctx: &Context) {
    let serial = Some(ctx.serial.as_str()).filter(|s| !s.is_empty());
    let endpoint = &ctx.endpoint;
    let identity = match sts::caller_identity(&Net::default(), ctx.caller()) {
        Ok(identity) => identity,
        Err(err) => {
            let check = if matches!(err, Error::Sts { .. }) {
                "identity"
            } else {
                "sts"
            };
            if check == "identity" {
                report.ok("sts", format!("{} answered", endpoint.url()));
            }
            report.fail_with(check, &err);
            if check == "sts" {
                report.skip("identity", "skipped: STS could not be reached");
            }
            report.skip("clock", "skipped: no answer from STS to compare with");
            return;
        }
    };
    report.ok(
        "sts",
        format!(
            "{} answered in {} ms",
            endpoint.url(),
            identity.elapsed.as_millis()
        ),
    );
    identity_check(report, &identity.arn, &identity.account, serial);
    clock_check(report, identity.date.as_deref());
}

fn identity_check(report: &mut Report, arn: &str, account: &str, serial: Option<&str>) {
    // arn:PARTITION:iam::ACCOUNT:user/PATH/NAME → arn:PARTITION:iam::ACCOUNT:mfa/NAME
    let likely = IamArn::parse(arn).and_then(|user| user.device_of_user());
    let mismatch = match (serial, &likely) {
        (None, Some(device)) => Some(format!(
            "no usable mfa_serial; the user's device is likely {device}"
        )),
        (Some(s), Some(device))
            if s.starts_with("arn:") && !s.contains(&format!(":{account}:")) =>
        {
            Some(format!(
                "mfa_serial {s} is not in this user's account {account}; the device is likely {device}"
            ))
        }
        _ => None,
    };
    match (mismatch, likely) {
        (Some(detail), Some(device)) => report.warn(
            "identity",
            format!("the keys belong to {arn}; {detail}"),
            format!("mfa_serial = {device} (check IAM console → your user → Security credentials → Assigned MFA device)"),
        ),
        _ => report.ok("identity", format!("the keys belong to {arn}")),
    }
}

fn clock_check(report: &mut Report, date: Option<&str>) {
    let Some(server) = date.and_then(|d| DateTime::from_str(d, Format::HttpDate).ok()) else {
        report.skip("clock", "skipped: the answer had no Date header");
        return;
    };
    let skew = server.secs() - now();
    let detail = format!("this machine's clock is off by {}s from STS's", skew.abs());
    match skew.abs() {
        s if s > 300 => report.fail(
            "clock",
            format!("{detail}: more than 5 minutes, so AWS rejects every signed request"),
            "set the clock right (timedatectl set-ntp true)",
        ),
        s if s > 60 => report.warn(
            "clock",
            format!("{detail}: more than a minute"),
            "set the clock right (timedatectl set-ntp true)",
        ),
        _ => report.ok("clock", detail),
    }
}
