//! `mfa-env keys rotate PROFILE`: a new access key for the IAM user whose
//! key the keystore holds, in an order that leaves one working key stored
//! whatever fails: who the key belongs to (GetCallerIdentity with it) → the
//! MFA session (one code, as any run) → room for a second key
//! (ListAccessKeys) → CreateAccessKey → the new key proven (GetCallerIdentity
//! with it, retried while IAM spreads it) → stored → the old key's cached
//! sessions dropped → DeleteAccessKey of the old one. A failure after
//! CreateAccessKey deletes the new key again when the old one is still the
//! stored one, and the message says what IAM holds.
//!
//! Messages mask key ids (AKIA…1234) as everywhere, except in the command a
//! user must run: `aws iam delete-access-key` needs the whole id. A key id is
//! not a secret (every signed request carries it); it is masked only so that
//! screens and logs do not show it for nothing.

use crate::acquire::{Acquirer, Options};
use crate::arn::IamArn;
use crate::cache::{Cache, Key};
use crate::config::{Place, Profile};
use crate::context::Context;
use crate::error::Error;
use crate::iam::{Iam, NewKey};
use crate::log::Log;
use crate::output;
use crate::quote::sh_word;
use crate::resolve::{self, sessions};
use crate::session::mask;
use crate::snapshot::Snapshot;
use crate::sts::{self, Signer};
use std::fmt::Write;
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// How long a new key may take to work (IAM is eventually consistent), and
/// the pause between tries.
const PROVE_WITHIN: Duration = Duration::from_secs(30);
const PROVE_PAUSE: Duration = Duration::from_secs(2);

/// IAM allows a user this many access keys.
const MOST_KEYS: usize = 2;

const NOTHING: &str = "nothing was changed";

/// `keys rotate PROFILE [session options]`, with the context and options the
/// session options resolve to.
pub fn rotate(
    (ctx, options): (Context, Options),
    refresh: bool,
    log: Log,
) -> Result<ExitCode, Error> {
    refuse(&ctx.name, &ctx.profile)?;
    let snap = Snapshot::current();
    let holder = ctx.profile.keys.profile.clone();
    let old = ctx.profile.keys.access_key_id.clone();
    let iam_at = resolve::iam_endpoint(snap, &ctx.profile, &ctx.endpoint);
    let acquirer = Acquirer::new(ctx, options, log);
    let ctx = acquirer.context();
    let net = acquirer.net();
    let stop = |(why, fix): (String, Option<String>), state: &str, first: Option<String>| {
        Error::Rotation {
            profile: holder.clone(),
            why,
            state: state.to_string(),
            fix: first.or(fix).unwrap_or_default(),
        }
    };
    let said = |err: Error| {
        let said = err.message();
        (said.what, said.fix)
    };
    // Whose key it is: its user's name is what IAM is asked about.
    let me = sts::caller_identity(net, ctx.caller())?;
    let user = user_name(&holder, &me.arn)?;
    let session = acquirer.session(refresh)?;
    let iam = Iam::new(net, &ctx.profile, &iam_at, &session)?;
    let listed = iam.keys(&user).map_err(|e| stop(said(e), NOTHING, None))?;
    room(&holder, &user, &old, &listed)?;
    let new = iam
        .create(&user)
        .map_err(|e| stop(said(e), NOTHING, None))?;
    // From here the user has two keys: any failure before the new one is
    // stored deletes it again (the old one is still stored and works).
    let kept = match prove(net, ctx, &new, &me.arn) {
        Err(err) => Err((
            format!(
                "the new key {} did not work (GetCallerIdentity with it: {})",
                mask(&new.access_key_id),
                err.message().what
            ),
            Some(format!(
                "Run `mfa-env keys rotate {}` again in a few minutes",
                sh_word(&holder)
            )),
        )),
        Ok(()) => super::store(
            snap,
            &holder,
            &new.access_key_id,
            new.secret_access_key.clone(),
        )
        .map_err(said),
    };
    if let Err(failed) = kept {
        let undone = iam.delete(&user, &new.access_key_id).is_ok();
        let (state, fix) = unused(&user, &holder, &old, &new.access_key_id, undone);
        return Err(stop(failed, &state, fix));
    }
    let dropped = drop_sessions(snap, ctx, &old, log);
    if let Err(err) = iam.delete(&user, &old) {
        let state = format!(
            "the new key {} exists in IAM and is stored in the OS keystore (runs use it); the old key {} could not be deleted and still exists in IAM",
            mask(&new.access_key_id),
            mask(&old)
        );
        let fix = delete_it("it", &user, &holder, &old);
        return Err(stop(said(err), &state, Some(fix)));
    }
    let mut text = format!(
        "rotated the keys of profile '{holder}' (IAM user {user}): the new key {} is stored in the OS keystore, the old key {} is deleted from IAM\n",
        mask(&new.access_key_id),
        mask(&old)
    );
    if dropped > 0 {
        let _ = writeln!(
            text,
            "deleted {dropped} cached session{} made with the old key: the next run asks for a code",
            if dropped == 1 { "" } else { "s" }
        );
    }
    output::print(&text)
}

/// Profiles whose keys mfa-env cannot rotate, refused before any request.
fn refuse(name: &str, profile: &Profile) -> Result<(), Error> {
    let keys = &profile.keys;
    let refused = |why: String, fix: String| Error::Rotation {
        profile: keys.profile.clone(),
        why,
        state: NOTHING.into(),
        fix,
    };
    if let Some(role) = profile.roles.last() {
        return Err(refused(
            format!(
                "profile '{name}' assumes role {}, and IAM must be asked as the user whose keys profile '{}' holds",
                role.arn, keys.profile
            ),
            format!(
                "Rotate them as that profile: `mfa-env keys rotate {}`",
                sh_word(&keys.profile)
            ),
        ));
    }
    if keys.place == Place::File {
        let p = sh_word(&keys.profile);
        return Err(refused(
            format!(
                "its keys are in the credentials file {}, which mfa-env never writes",
                keys.file.display()
            ),
            format!(
                "Move them into the OS keystore with `mfa-env keys add {p} --from-file` (and delete the lines it prints from the file), then run `mfa-env keys rotate {p}`"
            ),
        ));
    }
    Ok(())
}

/// The IAM user's name, from the ARN GetCallerIdentity gave for its key.
fn user_name(holder: &str, arn: &str) -> Result<String, Error> {
    match IamArn::parse(arn).and_then(|a| a.name_of("user")) {
        Some(user) => Ok(user.to_string()),
        None => Err(Error::Rotation {
            profile: holder.to_string(),
            why: format!("its key belongs to {arn}, which is not an IAM user"),
            state: NOTHING.into(),
            fix: "Rotate the keys of the root user or of others in the IAM console".into(),
        }),
    }
}

/// Refuses when the user has no room for a second key.
fn room(holder: &str, user: &str, old: &str, listed: &[String]) -> Result<(), Error> {
    if listed.len() < MOST_KEYS {
        return Ok(());
    }
    let other = listed
        .iter()
        .find(|id| *id != old)
        .map_or(old, String::as_str);
    let ids: Vec<String> = listed.iter().map(|id| mask(id)).collect();
    Err(Error::Rotation {
        profile: holder.to_string(),
        why: format!(
            "IAM user {user} already has {} access keys ({}), the most IAM allows, and rotating makes a second one",
            listed.len(),
            ids.join(", ")
        ),
        state: NOTHING.into(),
        fix: format!(
            "{}, then run `mfa-env keys rotate {}` again",
            delete_it("the one mfa-env does not use", user, holder, other),
            sh_word(holder)
        ),
    })
}

/// GetCallerIdentity with the new key until it answers as the same user:
/// IAM takes a few seconds to spread a new key, during which STS calls it
/// invalid (InvalidClientTokenId); any other answer ends the wait.
fn prove(net: &sts::Net, ctx: &Context, new: &NewKey, arn: &str) -> Result<(), Error> {
    let signer = Signer {
        access_key_id: &new.access_key_id,
        secret_access_key: &new.secret_access_key,
        session_token: None,
    };
    let started = Instant::now();
    loop {
        match sts::identity_as(net, ctx.caller(), &signer) {
            Ok(found) if found.arn == arn => return Ok(()),
            Ok(found) => {
                return Err(Error::Iam {
                    operation: "CreateAccessKey",
                    why: format!(
                        "the new key {} signs as {}, not as {arn}",
                        mask(&new.access_key_id),
                        found.arn
                    ),
                    fix: "Check that AWS_ENDPOINT_URL_IAM and AWS_ENDPOINT_URL_STS point at the same account's IAM and STS".into(),
                });
            }
            Err(err) if spreading(&err) && started.elapsed() + PROVE_PAUSE < PROVE_WITHIN => {
                std::thread::sleep(PROVE_PAUSE);
            }
            Err(err) => return Err(err),
        }
    }
}

/// STS's answer while IAM spreads a new key.
fn spreading(err: &Error) -> bool {
    matches!(err, Error::Sts { code, .. } if code == "InvalidClientTokenId")
}

/// The state after a failure between CreateAccessKey and storing the new
/// key, and what to do: `undone` says the new key was deleted again.
fn unused(
    user: &str,
    holder: &str,
    old: &str,
    new: &str,
    undone: bool,
) -> (String, Option<String>) {
    if undone {
        return (
            format!(
                "{NOTHING}: the new key {} was deleted again, and the old key {} is still stored and works",
                mask(new),
                mask(old)
            ),
            None,
        );
    }
    (
        format!(
            "the new key {} exists in IAM but is not stored and could not be deleted (its secret is gone); the old key {} is still stored and works",
            mask(new),
            mask(old)
        ),
        Some(delete_it("the new key", user, holder, new)),
    )
}

/// "Delete WHAT with `mfa-env -p PROFILE -- aws iam delete-access-key …`":
/// the whole key id, and run through mfa-env, as IAM asks for MFA.
fn delete_it(what: &str, user: &str, holder: &str, id: &str) -> String {
    format!(
        "Delete {what} with `mfa-env -p {} -- aws iam delete-access-key --user-name {} --access-key-id {}`",
        sh_word(holder),
        sh_word(user),
        sh_word(id)
    )
}

/// Deletes the cached sessions made with the old key: the MFA session of
/// this run and every session a run of a profile signing with that key
/// could use. Returns how many there were.
fn drop_sessions(snap: &Snapshot, ctx: &Context, old: &str, log: Log) -> usize {
    let Some(cache) = Cache::open(ctx.cache.clone(), log) else {
        return 0;
    };
    let mut keys = vec![Key::mfa_session(old, &ctx.serial, &ctx.endpoint)];
    for (_, resolved) in resolve::every_profile(snap) {
        if let Ok((profile, serial)) = resolved
            && profile.keys.access_key_id == old
        {
            let endpoint = resolve::usual_endpoint(snap, &profile, &serial);
            keys.extend(sessions::any_run(&profile, &serial, &endpoint));
        }
    }
    let mut paths: Vec<_> = keys.iter().map(|key| (cache.path(key), key)).collect();
    paths.sort_by(|a, b| a.0.cmp(&b.0));
    paths.dedup_by(|a, b| a.0 == b.0);
    paths
        .into_iter()
        .filter(|(path, key)| {
            let there = path.exists();
            cache.remove(key);
            there
        })
        .count()
}

#[cfg(test)]
mod tests;
