//! The integration tests, one binary: each module runs the real `tidyrec`
//! binary (through `common::Workdir`, which clears the environment) on
//! fixtures and checks records, stderr and exit codes; `snapshots` pins
//! every `--help`, typical error messages and their exit codes.

mod blocks;
mod commands;
mod common;
mod fuzz;
mod hostile;
mod pipeline;
mod profile;
mod scale_out;
mod snapshots;
mod steward;
mod validate;
