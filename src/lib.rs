//! mfa-env: get an AWS MFA session from STS and hand it to a shell or a command,
//! without ever writing `~/.aws/credentials` or `~/.aws/config`.
//!
//! The modules follow the pipeline (see `app`): `commands` (where a run
//! starts, and which command runs) → `cli` → `snapshot` (what a run may read,
//! read once) → `resolve` (pure functions of it: profile, chain, serial,
//! region, endpoint, plan, the cached sessions that apply; gathered in
//! `context`) → `acquire` (`cache`, `mfa`, `sts`) → `output` / `exec`, or
//! `console` (the AWS console signed in with the session). `status` lists and
//! clears the cache; `doctor` diagnoses.
//!
//! Arrows run down and form no circle: at the bottom, importing nothing above
//! them, are `arn`, `duration`, `limits`, `session`, `quote`, `error`, `proc`
//! and `snapshot`. A lower module that must act on a higher one is handed a
//! callback.
//! tests/it/layout.rs reads the `crate::` paths and holds the layers.
//!
//! Only what the binary (`commands::main`) and the tests (`quote`) use is
//! public; every other module is the crate's own, so the compiler reports
//! what nothing uses.

pub(crate) mod acquire;
pub(crate) mod app;
pub(crate) mod arn;
pub(crate) mod cache;
pub(crate) mod cli;
pub mod commands;
pub(crate) mod config;
pub(crate) mod console;
pub(crate) mod containers;
pub(crate) mod context;
pub(crate) mod doctor;
pub(crate) mod duration;
pub(crate) mod error;
pub(crate) mod exec;
pub(crate) mod iam;
pub(crate) mod init;
pub(crate) mod keys;
pub(crate) mod keystore;
pub(crate) mod limits;
pub(crate) mod list;
pub(crate) mod log;
pub(crate) mod man;
pub(crate) mod mfa;
pub(crate) mod output;
pub(crate) mod proc;
pub mod quote;
pub(crate) mod resolve;
pub(crate) mod serve;
pub(crate) mod server;
pub(crate) mod session;
pub(crate) mod snapshot;
pub(crate) mod status;
pub(crate) mod stdio;
pub(crate) mod sts;
pub(crate) mod usage;
