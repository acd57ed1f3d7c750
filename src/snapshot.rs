//! What a run may read, read once: the environment variables mfa-env uses and
//! the two AWS files, parsed with aws-config's profile loader. Everything that
//! decides (`resolve`) is a function of a snapshot; nothing else reads the
//! process environment. Tests build one from literal tables
//! (`Snapshot::from_tables`): no process, file or network.
//!
//! The files are read and parsed on first use, once: a command that needs no
//! profile (`init`, `man`) reads none, and a run for one profile parses only
//! that profile's sections (`sections`), so a config of thousands of profiles
//! costs a cache hit little.

mod keystore;
mod sections;
mod vars;

pub use vars::{PROXIES, VARS};

use crate::error::{Error, causes};
use aws_config::profile::{Profile, ProfileSet};
use aws_runtime::env_config::file::{EnvConfigFileKind, EnvConfigFiles};
use aws_types::os_shim_internal::{Env, Fs};
use std::collections::HashMap;
use std::ffi::{OsStr, OsString};
use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::pin;
use std::sync::{Mutex, OnceLock};
use std::task::{Context, Poll, Waker};

/// The credentials file a child of `--server` is given (the SDKs would read
/// the default profile's long-term keys in the real one before they ask the
/// endpoint), and the variable that then names the real one for an mfa-env
/// in the child.
pub const HIDDEN: &str = "/dev/null";
pub const HIDDEN_CREDENTIALS: &str = "MFA_ENV_SHARED_CREDENTIALS_FILE";
/// The config file a child of `--server` is given is a copy without
/// credentials (`server::config`), named also by SERVED_CONFIG; REAL_CONFIG
/// then names the real one for an mfa-env in the child.
pub const REAL_CONFIG: &str = "MFA_ENV_CONFIG_FILE";
pub const SERVED_CONFIG: &str = "MFA_ENV_SERVED_CONFIG_FILE";

/// A config or credentials file larger than this is not one.
pub const MAX_FILE: u64 = 16 * 1024 * 1024;

/// Where the two files are, from AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE
/// or the defaults under $HOME.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Files {
    pub config: PathBuf,
    pub credentials: PathBuf,
}

impl Files {
    /// Both, as messages name them.
    pub fn both(&self) -> String {
        format!(
            "{} and {}",
            self.config.display(),
            self.credentials.display()
        )
    }
}

/// The text of the two files (None: the file does not exist).
struct Texts {
    config: Option<String>,
    credentials: Option<String>,
}

/// What a run may read. Built once (`Snapshot::real`, or from tables in tests).
pub struct Snapshot {
    vars: HashMap<&'static str, OsString>,
    files: Files,
    fs: Fs,
    /// Files are checked for size on disk first (the real file system only).
    real: bool,
    texts: OnceLock<Result<Texts, Failure>>,
    all: OnceLock<Result<ProfileSet, Failure>>,
    /// The texts cut to one profile's sections, by profile (a run asks for
    /// the same few several times).
    cuts: Mutex<Vec<(String, Cut)>>,
    /// The config file alone, and the credentials file alone, parsed.
    alone: [OnceLock<Option<ProfileSet>>; 2],
    keystore: OnceLock<crate::keystore::index::Index>,
}

/// The two texts cut to one profile's sections.
type Cut = (Option<String>, Option<String>);

static CURRENT: OnceLock<Snapshot> = OnceLock::new();

impl Snapshot {
    /// The process's own: its environment now, its files when first asked.
    pub fn real() -> Snapshot {
        let vars = VARS
            .iter()
            .chain(PROXIES)
            .filter_map(|name| std::env::var_os(name).map(|value| (*name, value)))
            .collect();
        Snapshot::build(vars, Fs::real(), true)
    }

    /// A snapshot of literal tables: variables and files (path, contents).
    #[cfg(test)]
    pub fn from_tables(vars: &[(&str, &str)], files: &[(&str, &[u8])]) -> Snapshot {
        let vars = vars
            .iter()
            .filter_map(|(name, value)| {
                let known = VARS.iter().chain(PROXIES).find(|v| **v == *name)?;
                Some((*known, OsString::from(value)))
            })
            .collect();
        let files: HashMap<String, Vec<u8>> = files
            .iter()
            .map(|(path, text)| (path.to_string(), text.to_vec()))
            .collect();
        Snapshot::build(vars, Fs::from_map(files), false)
    }

    fn build(vars: HashMap<&'static str, OsString>, fs: Fs, real: bool) -> Snapshot {
        let mut snapshot = Snapshot {
            vars,
            files: Files {
                config: PathBuf::new(),
                credentials: PathBuf::new(),
            },
            fs,
            real,
            texts: OnceLock::new(),
            all: OnceLock::new(),
            cuts: Mutex::new(Vec::new()),
            alone: [OnceLock::new(), OnceLock::new()],
            keystore: OnceLock::new(),
        };
        snapshot.files = snapshot.locate();
        snapshot
    }

    /// The process's snapshot, made on first use (`commands::main` makes it at the
    /// start). For the few leaves that are not handed one.
    pub fn current() -> &'static Snapshot {
        CURRENT.get_or_init(Snapshot::real)
    }

    /// A variable as it was at the start; None when unset.
    pub fn var_os(&self, name: &str) -> Option<&OsStr> {
        debug_assert!(
            VARS.contains(&name) || PROXIES.contains(&name),
            "{name} is not in snapshot::VARS"
        );
        self.vars.get(name).map(OsString::as_os_str)
    }

    /// A variable as text, None when unset, empty (or only blanks) or not UTF-8.
    pub fn var(&self, name: &str) -> Option<&str> {
        self.var_os(name)
            .and_then(OsStr::to_str)
            .filter(|v| !v.trim().is_empty())
    }

    /// Whether a variable is set to anything non-empty.
    pub fn is_set(&self, name: &str) -> bool {
        self.var_os(name).is_some_and(|v| !v.is_empty())
    }

    pub fn files(&self) -> &Files {
        &self.files
    }

    fn locate(&self) -> Files {
        let home = self.var_os("HOME").filter(|h| !h.is_empty());
        let pick = |var: &str, default: &str| match self.var_os(var).filter(|p| !p.is_empty()) {
            Some(path) => expand_home(path, home),
            None => match home {
                Some(home) => Path::new(home).join(default),
                None => PathBuf::from("~").join(default),
            },
        };
        // In the child of `--server` the SDKs get no credentials file; mfa-env
        // still reads the real one.
        let hidden = self
            .var_os("AWS_SHARED_CREDENTIALS_FILE")
            .is_some_and(|p| p == HIDDEN)
            && self.is_set(HIDDEN_CREDENTIALS);
        let credentials = if hidden {
            HIDDEN_CREDENTIALS
        } else {
            "AWS_SHARED_CREDENTIALS_FILE"
        };
        // Nor the whole config file: AWS_CONFIG_FILE is a copy without
        // credentials while it is still the one mfa-env gave.
        let served = self.is_set(REAL_CONFIG)
            && self
                .var_os("AWS_CONFIG_FILE")
                .is_some_and(|p| Some(p) == self.var_os(SERVED_CONFIG));
        let config = if served {
            REAL_CONFIG
        } else {
            "AWS_CONFIG_FILE"
        };
        Files {
            config: pick(config, ".aws/config"),
            credentials: pick(credentials, ".aws/credentials"),
        }
    }

    /// Every profile of both files, parsed once.
    pub fn profiles(&self) -> Result<&ProfileSet, Error> {
        let texts = self.texts()?;
        self.all
            .get_or_init(|| {
                let (config, credentials) = (texts.config.as_deref(), texts.credentials.as_deref());
                // A file the loader refuses is named, with its own line numbers.
                parse(config, credentials).map_err(|_| {
                    let config = parse(config, None).map_err(|f| f.of(&self.files.config));
                    let credentials =
                        parse(None, credentials).map_err(|f| f.of(&self.files.credentials));
                    match config.and(credentials) {
                        Err(failure) => failure,
                        Ok(_) => Failure::Unreadable("the two files together".into()),
                    }
                })
            })
            .as_ref()
            .map_err(Failure::error)
    }

    /// Profile `name` (None: no file defines it), parsed by the same loader
    /// from its own sections only: what the chain walk reads, without parsing
    /// thousands of other profiles.
    pub fn profile(&self, name: &str) -> Result<Option<Profile>, Error> {
        if let Some(Ok(all)) = self.all.get() {
            return Ok(all.get_profile(name).cloned());
        }
        let (config, credentials) = self.own_texts(name)?;
        match parse(config.as_deref(), credentials.as_deref()) {
            Ok(set) => Ok(set.get_profile(name).cloned()),
            // Said of the whole files, with their names and line numbers.
            Err(failure) => match self.profiles() {
                Err(err) => Err(err),
                Ok(all) => Ok(all.get_profile(name).cloned()).and(Err(failure.error())),
            },
        }
    }

    /// Whether one file alone (the credentials file, or the config file)
    /// gives profile `name` the property `key` (which file holds a profile's
    /// keys, for messages).
    pub fn defines(&self, name: &str, key: &str, credentials: bool) -> bool {
        let has = |set: &ProfileSet| set.get_profile(name).is_some_and(|p| p.get(key).is_some());
        // Once every profile is parsed (list, status), each file alone is
        // parsed once too; a single run cuts out the profile's sections.
        if let (Some(Ok(_)), Ok(texts)) = (self.all.get(), self.texts()) {
            let i = usize::from(credentials);
            let alone = self.alone[i].get_or_init(|| match credentials {
                true => parse(None, Some(texts.credentials.as_deref().unwrap_or(""))).ok(),
                false => parse(Some(texts.config.as_deref().unwrap_or("")), None).ok(),
            });
            return alone.as_ref().is_some_and(has);
        }
        let Ok((config, creds)) = self.own_texts(name) else {
            return false;
        };
        let set = match credentials {
            true => parse(None, Some(creds.as_deref().unwrap_or(""))),
            false => parse(Some(config.as_deref().unwrap_or("")), None),
        };
        set.ok().is_some_and(|set| has(&set))
    }

    /// The texts of the two files cut to the sections of profile `name`.
    fn own_texts(&self, name: &str) -> Result<Cut, Error> {
        let texts = self.texts()?;
        let mut cuts = self.cuts.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, cut)) = cuts.iter().find(|(n, _)| n == name) {
            return Ok(cut.clone());
        }
        let cut = |text: &Option<String>| text.as_deref().map(|t| sections::cut(t, name));
        let both = (cut(&texts.config), cut(&texts.credentials));
        cuts.push((name.to_string(), both.clone()));
        Ok(both)
    }

    fn texts(&self) -> Result<&Texts, Error> {
        self.texts
            .get_or_init(|| {
                let texts = Texts {
                    config: self.read(&self.files.config)?,
                    credentials: self.read(&self.files.credentials)?,
                };
                if texts.config.is_none() && texts.credentials.is_none() {
                    return Err(Failure::NoFiles(self.files.clone()));
                }
                Ok(texts)
            })
            .as_ref()
            .map_err(Failure::error)
    }

    /// A file's text; None when it is missing (or not a file). Too large, or
    /// not text, is an error: an empty list of profiles would mislead.
    fn read(&self, path: &Path) -> Result<Option<String>, Failure> {
        if self.real {
            match std::fs::metadata(path) {
                Ok(meta) if meta.is_file() && meta.len() > MAX_FILE => {
                    return Err(Failure::TooLarge(path.to_path_buf(), meta.len() >> 20));
                }
                Ok(meta) if meta.is_file() => {}
                _ => return Ok(None),
            }
        }
        let bytes = match block_on(self.fs.read_to_end(path)) {
            Ok(bytes) => bytes,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(err) => return Err(Failure::Unreadable(format!("{}: {err}", path.display()))),
        };
        String::from_utf8(bytes)
            .map(Some)
            .map_err(|_| Failure::NotText(path.to_path_buf()))
    }
}

/// Installs the process's snapshot (once, at the start of a run).
pub fn install(snapshot: Snapshot) -> &'static Snapshot {
    let _ = CURRENT.set(snapshot);
    Snapshot::current()
}

/// Why the files could not be read (kept, as the parse is done once).
#[derive(Debug, Clone)]
enum Failure {
    NoFiles(Files),
    TooLarge(PathBuf, u64),
    NotText(PathBuf),
    Unreadable(String),
}

impl Failure {
    /// The loader's complaint, naming the file (it was given the text only).
    fn of(self, path: &Path) -> Failure {
        match self {
            Failure::Unreadable(why) => Failure::Unreadable(why.replacen(
                "error parsing  on",
                &format!("error parsing {} on", path.display()),
                1,
            )),
            other => other,
        }
    }

    fn error(&self) -> Error {
        match self.clone() {
            Failure::NoFiles(files) => Error::NoConfigFiles {
                config: files.config,
                credentials: files.credentials,
            },
            Failure::TooLarge(path, size) => Error::ConfigTooLarge { path, size },
            Failure::NotText(path) => Error::ConfigNotText { path },
            Failure::Unreadable(why) => Error::ConfigUnreadable { why },
        }
    }
}

/// aws-config's profile loader over the texts (none: an empty config).
fn parse(config: Option<&str>, credentials: Option<&str>) -> Result<ProfileSet, Failure> {
    // The loader insists on at least one file.
    let config = config.or(credentials.is_none().then_some(""));
    let mut builder = EnvConfigFiles::builder();
    if let Some(text) = config {
        builder = builder.with_contents(EnvConfigFileKind::Config, text);
    }
    if let Some(text) = credentials {
        builder = builder.with_contents(EnvConfigFileKind::Credentials, text);
    }
    let (fs, env, sources) = (Fs::from_slice(&[]), Env::from_slice(&[]), builder.build());
    block_on(aws_config::profile::load(&fs, &env, &sources, None))
        .map_err(|err| Failure::Unreadable(causes(&err)))
}

fn expand_home(path: &OsStr, home: Option<&OsStr>) -> PathBuf {
    let text = path.to_string_lossy();
    match (text.strip_prefix("~/"), home) {
        (Some(rest), Some(home)) => Path::new(home).join(rest),
        _ => PathBuf::from(path),
    }
}

/// The profile loader and the Fs shim are async but work synchronously, so
/// their futures are ready on the first poll: no runtime (and none on the
/// cache-hit path).
fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
        std::thread::yield_now();
    }
}
