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
//! callback (the child supervisor cancels a prompt through `exec::Prompt`).
//! tests/it/layout.rs reads the `crate::` paths and holds the layers.

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
pub mod init;
pub mod limits;
pub mod list;
pub mod log;
pub mod man;
pub mod mfa;
pub mod output;
pub mod proc;
pub mod quote;
pub mod resolve;
pub mod serve;
pub mod server;
pub mod session;
pub mod snapshot;
pub mod status;
pub mod stdio;
pub mod sts;
pub mod usage;
