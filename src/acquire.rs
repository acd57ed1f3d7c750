//! Getting a session: cache → lock → code → STS → cache write, the role chain,
//! the retry on a refused code, and dropping an MFA session STS rejected.
//! The default run, `shell`, `credential-process` (and later the credential
//! endpoint and console sign-in) all get their session here.

use crate::cache::{Cache, Entry, Key};
use crate::context::{Context, Plan};
use crate::duration;
use crate::error::Error;
use crate::log::Log;
use crate::mfa::{CodeRequest, Source};
use crate::resolve::sessions::{self, Candidate, Serves};
use crate::session::{self, Made, Session};
use crate::sts::{self, Net, Signer};
use std::sync::Mutex;
use std::time::Duration;

/// How a run gets its session; one per run, reusable (the credential
/// endpoint asks it again for every renewal).
pub struct Acquirer {
    ctx: Context,
    source: Source,
    /// Where a renewal under --server takes its code (`renewing`).
    renewal: Option<Source>,
    token_timeout: Duration,
    log: Log,
    cache: Option<Cache>,
    min_ttl: i64,
    asked: Option<u32>,
    net: Net,
    /// How the last session handed out was made (a reused one may have been
    /// made by another plan than this run's).
    made: Mutex<Made>,
}

/// The choices of the command line that shape how a session is got.
pub struct Options {
    pub source: Source,
    /// Where a renewal under --server takes its code (`Source::renewal`).
    pub renewal: Source,
    pub token_timeout: Duration,
    /// Reuse a cached session only while more than this many seconds are left.
    pub min_ttl: i64,
    pub use_cache: bool,
    /// The --duration given, if any: a reused session with less left gets a note.
    pub asked: Option<u32>,
}

impl Acquirer {
    pub fn new(ctx: Context, options: Options, log: Log) -> Acquirer {
        let made = ctx.plan.made();
        let cache = if options.use_cache {
            Cache::open(ctx.cache.clone(), log)
        } else {
            None
        };
        Acquirer {
            ctx,
            source: options.source,
            renewal: Some(options.renewal),
            token_timeout: options.token_timeout,
            log,
            cache,
            min_ttl: options.min_ttl,
            asked: options.asked,
            made: Mutex::new(made),
            net: Net::default(),
        }
    }

    /// From now on codes come as a renewal's under --server (the child
    /// runs): never the -t code again, stdin or the terminal.
    pub fn renewing(&mut self) {
        if let Some(renewal) = self.renewal.take() {
            self.source = renewal;
        }
    }

    pub fn context(&self) -> &Context {
        &self.ctx
    }

    /// How the last session `session` handed out was made.
    pub fn made(&self) -> Made {
        *self.made.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The run's network (runtime and HTTP client), for a request after the
    /// session's (the console's federation GET).
    pub fn net(&self) -> &Net {
        &self.net
    }

    /// The profile's session: a cached one that serves this run
    /// (`resolve::sessions`: the same role or user, made by any plan, with
    /// enough left), else a new one. `refresh` ignores a cached one (for a
    /// role: its role session; the MFA session it is assumed from is still
    /// reused).
    pub fn session(&self, refresh: bool) -> Result<Session, Error> {
        let ctx = &self.ctx;
        let handed: Vec<Key> =
            sessions::candidates(&ctx.profile, &ctx.serial, ctx.plan, &ctx.endpoint)
                .into_iter()
                .filter(|c| c.serves == Serves::Session)
                .map(|c| c.key)
                .collect();
        match ctx.plan {
            Plan::User(duration) => self.mfa_session(duration, refresh, self.asked),
            Plan::Role { duration, direct } => self.cached_or_new(
                &handed,
                &Key::profile_session(&ctx.profile, &ctx.serial, ctx.plan.made(), &ctx.endpoint),
                &ctx.name,
                refresh,
                self.asked,
                || {
                    if direct {
                        self.direct(duration)
                    } else {
                        self.chained(duration)
                    }
                },
            ),
        }
    }

    /// A cached session of `found` that serves, or a new one from `make`
    /// cached as `key`, under that entry's lock so that runs started together
    /// ask for one code. A reused session with less left than `asked` (an
    /// explicit --duration, within the margin) gets a note.
    fn cached_or_new(
        &self,
        found: &[Key],
        key: &Key,
        profile: &str,
        refresh: bool,
        asked: Option<u32>,
        make: impl FnOnce() -> Result<Session, Error>,
    ) -> Result<Session, Error> {
        if let Some(session) = self.reuse((found, key.made), profile, refresh, asked, true) {
            self.short(&session, profile, asked);
            return Ok(session);
        }
        let _lock = self.cache.as_ref().and_then(|c| c.lock(key));
        // Another mfa-env may have made it while this one waited.
        if let Some(session) = self.reuse((found, key.made), profile, refresh, asked, false) {
            self.short(&session, profile, asked);
            return Ok(session);
        }
        let session = make()?;
        *self.made.lock().unwrap_or_else(|e| e.into_inner()) = key.made;
        self.tell("new", &session);
        if let Some(cache) = &self.cache {
            cache.put(key, &Entry::new(profile, key, &session));
        }
        Ok(session)
    }

    /// The cached session of `found` that serves this run (the rule of
    /// `resolve::sessions`); with `why`, -v says why one is or is not reused.
    fn reuse(
        &self,
        (found, made): (&[Key], Made),
        profile: &str,
        refresh: bool,
        asked: Option<u32>,
        why: bool,
    ) -> Option<Session> {
        let what = format!("{} of profile '{profile}'", made.describe());
        let say = |text: String| {
            if why {
                self.log.verbose(&text);
            }
        };
        let Some(cache) = &self.cache else {
            say(format!(
                "no session cache (--no-cache, or it cannot be used): a new {what}"
            ));
            return None;
        };
        if refresh {
            say(format!("--refresh: not reusing the cached {what}"));
            return None;
        }
        let now = session::now();
        let cached: Vec<Option<Session>> = found
            .iter()
            .map(|key| cache.fresh_session(key, now, i64::MIN))
            .collect();
        let left: Vec<Option<i64>> = cached
            .iter()
            .map(|s| s.as_ref().map(|s| s.expiration - now))
            .collect();
        let choices: Vec<Candidate> = found
            .iter()
            .map(|key| Candidate {
                key: key.clone(),
                serves: Serves::Session,
            })
            .collect();
        let min_ttl = duration::left(self.min_ttl);
        let Some(i) = sessions::choose(&choices, &left, self.min_ttl, asked) else {
            let most = (0..found.len()).filter_map(|i| Some((left[i]?, i))).max();
            let Some((most, i)) = most else {
                say(format!("no cached {what}"));
                return None;
            };
            let what = format!("{} of profile '{profile}'", found[i].made.describe());
            let most = duration::left(most);
            match left[i] > Some(self.min_ttl) {
                true => say(format!(
                    "not reusing the cached {what}: {most} left, more than --min-ttl {min_ttl} short of the {} --duration asks for",
                    duration::left(i64::from(asked.unwrap_or(0)))
                )),
                false => say(format!(
                    "not reusing the cached {what}: {most} left, not more than --min-ttl {min_ttl}"
                )),
            }
            return None;
        };
        let session = cached.into_iter().nth(i).flatten()?;
        *self.made.lock().unwrap_or_else(|e| e.into_inner()) = found[i].made;
        self.log.verbose(&format!(
            "reusing the cached {} of profile '{profile}': {} left, more than --min-ttl {min_ttl}",
            found[i].made.describe(),
            duration::left(session.expiration - now)
        ));
        self.tell("cached", &session);
        Some(session)
    }

    /// The note when a reused session has less left than --duration asked for.
    fn short(&self, session: &Session, profile: &str, asked: Option<u32>) {
        let Some(asked) = asked else { return };
        let left = session.expiration - session::now();
        if left < i64::from(asked) {
            let asked = duration::left(i64::from(asked));
            self.log.note(&format!(
                "reusing the cached session of profile '{profile}', which has {} left, less than the {asked} asked for; --refresh gets a full one now, or --min-ttl {asked} whenever less is left",
                duration::left(left)
            ));
        }
    }

    /// For -v: which session (masked key id) and until when.
    fn tell(&self, kind: &str, session: &Session) {
        self.log.verbose(&format!(
            "{kind} session {} valid until {}",
            session::mask(&session.access_key_id),
            session.expiration_rfc3339()
        ));
    }

    /// Gets a code and makes `request` with it. When a person answers (at the
    /// terminal or in a dialog), an answer that is not a code and a code STS
    /// refuses as wrong are both asked for again: 3 answers in all. Any other
    /// source fails at once.
    fn with_code(
        &self,
        request: impl Fn(&str) -> Result<Session, Error>,
    ) -> Result<Session, Error> {
        const TRIES: u32 = 3;
        self.log
            .verbose(&format!("using {}", self.source.describe()));
        let ask = CodeRequest {
            profile: &self.ctx.name,
            serial: &self.ctx.serial,
            oath_name: self.ctx.profile.mfa_oath_name.as_deref(),
            timeout: self.token_timeout,
        };
        let mut note: Option<String> = None;
        let mut attempt = 1;
        loop {
            let result = self
                .source
                .code(&ask, note.as_deref())
                .and_then(|code| request(&code));
            let again = match &result {
                Err(err @ Error::BadCode { .. }) => err.to_string(),
                Err(err) if sts::is_wrong_code(err) => "STS refused that code: it was wrong, or already used (a code works only once). Wait for the next code.".into(),
                _ => return result,
            };
            if !self.source.interactive() || attempt >= TRIES {
                return result;
            }
            attempt += 1;
            note = Some(format!(
                "{}. Try {attempt} of {TRIES}.",
                again.trim_end_matches('.')
            ));
        }
    }

    /// The MFA session of the long-term keys (GetSessionToken), cached under
    /// the keys' own profile.
    fn mfa_session(
        &self,
        duration: u32,
        refresh: bool,
        asked: Option<u32>,
    ) -> Result<Session, Error> {
        let ctx = &self.ctx;
        let keys = &ctx.profile.keys;
        let key = Key::mfa_session(&keys.access_key_id, &ctx.serial, &ctx.endpoint);
        let found = [key.clone()];
        self.cached_or_new(&found, &key, &keys.profile, refresh, asked, || {
            self.with_code(|code| {
                self.log.verbose(&format!(
                    "GetSessionToken for {}, {duration}s, at {} (region {})",
                    ctx.serial,
                    ctx.endpoint.url(),
                    ctx.endpoint.region
                ));
                sts::get_session_token(&self.net, ctx.caller(), code, duration)
                    .and_then(|s| sts::fresh(s, ctx.caller(), self.min_ttl, duration))
            })
        })
    }

    /// Each role of the chain assumed in turn from the MFA session. When STS
    /// rejects a cached MFA session (expired early, revoked), it is dropped and
    /// a new one made, once.
    fn chained(&self, duration: u32) -> Result<Session, Error> {
        let profile = &self.ctx.profile;
        self.log.verbose(&format!(
            "role {}: AssumeRole for {duration}s signed with the MFA session of profile '{}' (chained: no second prompt, 1 hour at most)",
            profile.roles.last().map(|r| r.arn.as_str()).unwrap_or(""),
            profile.keys.profile
        ));
        let mfa = self.mfa_session(crate::limits::DEFAULT_DURATION, false, None)?;
        match self.assume_chain(&mfa, duration) {
            Err(err) if sts::is_rejected_session(&err) => {
                self.log.warn(
                    "STS rejected the cached MFA session; dropping it and asking for a new one",
                );
                if let Some(cache) = &self.cache {
                    cache.remove(&Key::mfa_session(
                        &profile.keys.access_key_id,
                        &self.ctx.serial,
                        &self.ctx.endpoint,
                    ));
                }
                let mfa = self.mfa_session(crate::limits::DEFAULT_DURATION, true, None)?;
                self.assume_chain(&mfa, duration)
            }
            other => other,
        }
    }

    fn assume_chain(&self, mfa: &Session, duration: u32) -> Result<Session, Error> {
        let mut current = mfa.clone();
        for role in &self.ctx.profile.roles {
            self.log
                .verbose(&format!("AssumeRole {} as {}", role.arn, role.session_name));
            current = sts::assume_role(
                &self.net,
                self.ctx.caller(),
                Signer::session(&current),
                role,
                duration,
                None,
            )
            .and_then(|s| sts::fresh(s, self.ctx.caller(), self.min_ttl, duration))?;
        }
        Ok(current)
    }

    /// One role, assumed with the long-term keys and the code itself.
    fn direct(&self, duration: u32) -> Result<Session, Error> {
        let profile = &self.ctx.profile;
        let role = profile.roles.last().ok_or_else(|| Error::Request {
            why: "no role to assume".into(),
        })?;
        self.log.verbose(&format!(
            "role {}: AssumeRole for {duration}s with the MFA code itself, because more than 1 hour was asked for and AWS caps chained role sessions at 1 hour",
            role.arn
        ));
        profile.keys.secret()?;
        self.with_code(|code| {
            self.log.verbose(&format!(
                "AssumeRole {} as {} with the MFA code",
                role.arn, role.session_name
            ));
            sts::assume_role(
                &self.net,
                self.ctx.caller(),
                Signer::keys(&profile.keys)?,
                role,
                duration,
                Some(code),
            )
            .and_then(|s| sts::fresh(s, self.ctx.caller(), self.min_ttl, duration))
        })
    }
}
