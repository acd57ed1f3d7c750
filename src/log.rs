//! Notes and warnings on stderr. Neither ever carries a secret.

use crate::error::clean;

#[derive(Debug, Clone, Copy, Default)]
pub struct Log {
    pub quiet: bool,
    pub verbose: bool,
}

impl Log {
    /// For `-v`: what mfa-env is doing.
    pub fn say(&self, text: &str) {
        if self.verbose && !self.quiet {
            eprintln!("mfa-env: {}", clean(text));
        }
    }

    /// Something worth knowing, said unless -q.
    pub fn note(&self, text: &str) {
        if !self.quiet {
            eprintln!("mfa-env: {}", clean(text));
        }
    }

    /// Something is wrong but the run goes on (a cache problem, say).
    pub fn warn(&self, text: &str) {
        if !self.quiet {
            eprintln!("mfa-env: warning: {}", clean(text));
        }
    }
}
