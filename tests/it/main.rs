//! The integration tests: one binary, so the helper compiles once and one
//! moto server serves the whole run. Each module covers one part of mfa-env.

mod common;

mod account;
mod asked;
mod binary;
mod cache;
mod cli;
mod codes;
mod completion;
mod console;
mod console_page;
mod containers;
mod containers_readme;
mod dialogs;
mod docs;
mod doctor;
mod endpoint;
mod errors;
mod exec;
mod export;
mod hardening;
mod hostile;
mod keys;
mod layout;
mod poison;
mod profiles;
mod prompt;
mod quote;
mod renewal;
mod resolution;
mod roles;
mod rotate;
mod server;
mod server_child;
mod shells;
mod usage;
