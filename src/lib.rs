//! mfa-env: get an AWS MFA session from STS and hand it to a shell or a command,
//! without ever writing `~/.aws/credentials` or `~/.aws/config`.
//!
//! The modules follow the pipeline (see `app`):
//! flags + env + files → `config` → `cache` → `mfa` (code) → `sts` → `output` / `exec`;
//! `status` lists and clears the cache.

pub mod app;
pub mod cache;
pub mod cli;
pub mod config;
pub mod doctor;
pub mod error;
pub mod exec;
pub mod init;
pub mod log;
pub mod mfa;
pub mod output;
pub mod quote;
pub mod session;
pub mod status;
pub mod sts;
