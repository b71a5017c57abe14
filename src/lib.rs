//! tidyrec: clean, validate, deduplicate and merge CRM customer exports.
//!
//! The flow is `read → normalize → (validate, match, merge) → write`; each
//! stage is a module with one entry point. The command line (`cli`, the
//! clap definitions, and `commands`, one file of glue per subcommand plus
//! dispatch and error rendering) sits on top; the binary (`main.rs`) only
//! maps [`main_exit_code`] to the process exit code. See
//! `docs/architecture.md`.

pub mod cli;
pub mod commands;
pub mod config;
pub mod decisions;
pub mod dedupe;
pub mod export;
pub mod io;
pub mod link;
pub mod matching;
pub mod merge;
pub mod normalize;
pub mod pipeline;
pub mod profile;
pub mod progress;
pub mod report;
pub mod review;
pub mod rng;
pub mod schema;
pub mod segment;
pub mod spill;
pub mod table;
pub mod validate;

pub use cli::main_exit_code;
