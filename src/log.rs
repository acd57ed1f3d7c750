//! Notes and warnings on stderr. Neither ever carries a secret.

use crate::error::clean;
use crate::stdio;

#[derive(Debug, Clone, Copy, Default)]
pub struct Log {
    pub quiet: bool,
    pub verbose: bool,
}

impl Log {
    /// Says nothing at all.
    pub fn silent() -> Log {
        Log {
            quiet: true,
            verbose: false,
        }
    }

    /// Said only with `-v`: what mfa-env is doing.
    pub fn verbose(&self, text: &str) {
        if self.verbose && !self.quiet {
            stdio::err(&format!("mfa-env: {}\n", clean(text)));
        }
    }

    /// Something worth knowing, said unless -q.
    pub fn note(&self, text: &str) {
        if !self.quiet {
            stdio::err(&format!("mfa-env: {}\n", clean(text)));
        }
    }

    /// Something is wrong but the run goes on (a cache problem, say).
    pub fn warn(&self, text: &str) {
        if !self.quiet {
            stdio::err(&format!("mfa-env: warning: {}\n", clean(text)));
        }
    }
}
