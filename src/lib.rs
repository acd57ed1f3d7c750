//! mfa-env: get an AWS MFA session from STS and hand it to a shell or a command,
//! without ever writing `~/.aws/credentials` or `~/.aws/config`.
//!
//! The modules follow the pipeline (see `app`): `cli` → `snapshot` (what a
//! run may read, read once) → `resolve` (pure functions of it: profile,
//! chain, serial, region, endpoint, plan, the cached sessions that apply;
//! gathered in `context`) → `acquire` (`cache`, `mfa`,
//! `sts`) → `output` / `exec`, or `console` (the AWS console signed in with
//! the session). `status` lists and clears the cache; `doctor` diagnoses. At the bottom, importing nothing above them: `arn`, `duration`,
//! `limits`, `session`, `quote`, `error`, `snapshot`.

pub mod acquire;
pub mod app;
pub mod arn;
pub mod cache;
pub mod cli;
pub mod commands;
pub mod config;
pub mod console;
pub mod containers;
pub mod context;
pub mod doctor;
pub mod duration;
pub mod error;
pub mod exec;
pub mod harden;
pub mod init;
pub mod limits;
pub mod list;
pub mod log;
pub mod man;
pub mod mfa;
pub mod output;
pub mod quote;
pub mod resolve;
pub mod server;
pub mod session;
pub mod snapshot;
pub mod status;
pub mod stdio;
pub mod sts;
pub mod usage;
