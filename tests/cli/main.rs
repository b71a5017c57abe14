//! The integration tests, one binary: each module runs the real `tidyrec`
//! binary (through `common::Workdir`, which clears the environment) on
//! fixtures and checks records, stderr and exit codes; `snapshots` pins
//! every `--help`, typical error messages and their exit codes.

mod commands;
mod common;
mod fuzz;
mod hostile;
mod merge;
mod pipeline;
mod profile;
mod snapshots;
mod validate;
