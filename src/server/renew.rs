//! The session the endpoint serves, renewed through the run's `Acquirer`
//! (cache, lock, code, STS) once too little of it is left. Renewal is
//! single-flight: requests that come while one runs wait for it and all get
//! its result, session or error.

use crate::acquire::Acquirer;
use crate::error::clean;
use crate::log::Log;
use crate::session::{self, Session};
use std::sync::{Condvar, Mutex, MutexGuard};

/// The SDKs refresh 15 minutes before expiry (and fail hard under 10), so
/// the endpoint never serves a session with less left.
pub const MIN_LEFT: i64 = 15 * 60;

/// A renewal runs on its own thread, with the stack the SDK's futures
/// need; the connection threads that wait for it have small stacks.
const RENEW_STACK: usize = 8 * 1024 * 1024;

pub struct Keeper {
    acquirer: Acquirer,
    /// Renew when this many seconds or fewer are left.
    below: i64,
    log: Log,
    state: Mutex<State>,
    done: Condvar,
}

struct State {
    session: Session,
    renewing: bool,
    /// Renewals finished so far.
    round: u64,
    /// How the last renewal ended: None when it worked, else its error.
    failure: Option<String>,
}

impl Keeper {
    /// `acquirer` was made with a min-ttl of `below`, so that it reuses a
    /// cached session only when the endpoint may serve it.
    pub fn new(acquirer: Acquirer, session: Session, below: i64, log: Log) -> Keeper {
        Keeper {
            acquirer,
            below,
            log,
            state: Mutex::new(State {
                session,
                renewing: false,
                round: 0,
                failure: None,
            }),
            done: Condvar::new(),
        }
    }

    /// Seconds left under which the session is renewed.
    pub fn below(&self) -> i64 {
        self.below
    }

    /// When the session held (the last one served) ends.
    pub fn expiration(&self) -> i64 {
        self.lock().session.expiration
    }

    /// The held session, when it may be served without a renewal (this
    /// never waits for one).
    pub fn fresh(&self) -> Option<Session> {
        let state = self.lock();
        (state.session.left(session::now()) > self.below).then(|| state.session.clone())
    }

    /// The session to serve: the one held while more than `below` is left,
    /// else the result of a renewal (this request's own, or the one already
    /// running). The error is mfa-env's one-line message.
    pub fn session(&self) -> Result<Session, String> {
        let mut state = self.lock();
        if state.session.left(session::now()) > self.below {
            return Ok(state.session.clone());
        }
        if state.renewing {
            let round = state.round;
            while state.renewing && state.round == round {
                state = self.done.wait(state).unwrap_or_else(|e| e.into_inner());
            }
            return match &state.failure {
                None => Ok(state.session.clone()),
                Some(why) => Err(why.clone()),
            };
        }
        state.renewing = true;
        let old = state.session.expiration;
        drop(state);

        let result = self.renew();

        let mut state = self.lock();
        state.renewing = false;
        state.round += 1;
        let answer = match result {
            Ok(new) => {
                let tense = if old > session::now() {
                    "ends"
                } else {
                    "ended"
                };
                self.log.verbose(&format!(
                    "renewed the session: it {tense} {}, the new one ({}) ends {}",
                    session::rfc3339(old),
                    session::mask(&new.access_key_id),
                    new.expiration_rfc3339()
                ));
                state.session = new;
                state.failure = None;
                Ok(state.session.clone())
            }
            Err(why) => {
                // Said once, not again for every request that fails the same way.
                if state.failure.as_deref() != Some(why.as_str()) {
                    self.log
                        .warn(&format!("renewing the session failed: {why}"));
                }
                state.failure = Some(why.clone());
                Err(why)
            }
        };
        self.done.notify_all();
        answer
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// One renewal: the cached session if another mfa-env renewed it, else a
    /// new one (for a role, assumed from the cached MFA session: no prompt).
    fn renew(&self) -> Result<Session, String> {
        std::thread::scope(|scope| {
            let worker = std::thread::Builder::new()
                .name("renew".into())
                .stack_size(RENEW_STACK)
                .spawn_scoped(scope, || self.acquirer.session(false));
            match worker {
                Ok(handle) => match handle.join() {
                    Ok(result) => result.map_err(|err| clean(&err.to_string())),
                    Err(_) => Err("the renewal stopped unexpectedly".into()),
                },
                Err(err) => Err(format!("could not start the renewal: {err}")),
            }
        })
    }
}
