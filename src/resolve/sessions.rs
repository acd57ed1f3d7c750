//! Which cached sessions a run would use, and the rule that says whether one
//! still serves. The run, `status`, `status --check`, `clear`, `list` and
//! `doctor` ask these, so they agree on what a run for a profile reuses.
//!
//! The rule: a cached session of the same role (role ARN, session name,
//! external id, from the same keys and MFA device) or of the same user is
//! reused whatever plan made it (GetSessionToken; AssumeRole chained from the
//! MFA session, or directly with the code), while it has more than the
//! refresh margin (--min-ttl) left. --duration sets the length of a new
//! session only, except that with --duration given a cached session with
//! clearly less left than asked (short by more than the margin) is not
//! reused.

use super::Plan;
use crate::cache::Key;
use crate::config::Profile;
use crate::session::Made;
use crate::sts::Endpoint;

/// How a cached session serves a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Serves {
    /// Handed out as it is.
    Session,
    /// The MFA session a chained role session is assumed with: no code.
    Signer,
}

/// One cached session a run may use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub key: Key,
    pub serves: Serves,
}

/// The cached sessions a run of `plan` for `profile` would use, those handed
/// out first: for a role, its role session made either way, then (for a
/// chained plan) the MFA session it is assumed with; for a user, its MFA
/// session.
pub fn candidates(
    profile: &Profile,
    serial: &str,
    plan: Plan,
    endpoint: &Endpoint,
) -> Vec<Candidate> {
    let mfa = Key::mfa_session(&profile.keys.access_key_id, serial, endpoint);
    if profile.roles.is_empty() {
        return vec![Candidate {
            key: mfa,
            serves: Serves::Session,
        }];
    }
    let mut found: Vec<Candidate> = [Made::ChainedRole, Made::DirectRole]
        .into_iter()
        .map(|made| Candidate {
            key: Key::profile_session(profile, serial, made, endpoint),
            serves: Serves::Session,
        })
        .collect();
    if plan.made() == Made::ChainedRole {
        found.push(Candidate {
            key: mfa,
            serves: Serves::Signer,
        });
    }
    found
}

/// Every cached session some run for the profile could use, whatever its
/// --duration: what `clear --profile` deletes.
pub fn any_run(profile: &Profile, serial: &str, endpoint: &Endpoint) -> Vec<Key> {
    let chained = Plan::Role {
        duration: crate::limits::CHAINED_MAX,
        direct: false,
    };
    candidates(profile, serial, chained, endpoint)
        .into_iter()
        .map(|c| c.key)
        .collect()
}

/// Whether a cached session with `left` seconds left serves a run with
/// this refresh margin and --duration (`asked`).
pub fn serves(left: i64, min_ttl: i64, asked: Option<u32>) -> bool {
    left > min_ttl && asked.is_none_or(|asked| i64::from(asked) - left <= min_ttl)
}

/// Which of the candidates a run uses, given the seconds left of each one
/// cached (None: not cached): of those handed out, the one with the most
/// left that serves; else a signer with more than the margin left.
pub fn choose(
    candidates: &[Candidate],
    left: &[Option<i64>],
    min_ttl: i64,
    asked: Option<u32>,
) -> Option<usize> {
    let found = || candidates.iter().zip(left).enumerate();
    found()
        .filter(|(_, (c, left))| {
            c.serves == Serves::Session && left.is_some_and(|l| serves(l, min_ttl, asked))
        })
        .max_by_key(|(i, (_, left))| (*left, std::cmp::Reverse(*i)))
        .or_else(|| {
            found().find(|(_, (c, left))| {
                c.serves == Serves::Signer && left.is_some_and(|l| serves(l, min_ttl, None))
            })
        })
        .map(|(i, _)| i)
}
