//! tidyrec: clean, validate, deduplicate and merge CRM customer exports.
//!
//! The flow is `read → normalize → (validate, match, merge) → write`; each
//! stage is a module with one entry point. The binary (`main.rs`) only parses
//! flags, runs a command and maps its result to an exit code.

pub mod cli;
pub mod commands;
pub mod config;
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
pub mod rng;
pub mod schema;
pub mod segment;
pub mod table;
pub mod validate;

use clap::Parser;
use commands::Status;

/// `--threads` is capped at this many threads per core.
const MAX_THREADS_PER_CORE: usize = 4;

/// Runs tidyrec with the process arguments and returns the exit code
/// (0 success, 1 check failed, 2 usage/config/input/I/O error).
pub fn main_exit_code() -> u8 {
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let code = if err.use_stderr() { 2 } else { 0 };
            let _ = err.print();
            return code;
        }
    };
    if let Some(mut threads) = cli.global.threads {
        if threads == 0 {
            eprintln!("error: --threads must be at least 1");
            return 2;
        }
        // More threads than a few per core only add memory and contention
        // (output is the same for any count): cap them, and say so.
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let cap = MAX_THREADS_PER_CORE * cores;
        if threads > cap {
            if !cli.global.quiet {
                eprintln!(
                    "warning: --threads {threads} is more than {MAX_THREADS_PER_CORE}× the {cores} core(s) here; using {cap}"
                );
            }
            threads = cap;
        }
        if let Err(err) = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build_global()
        {
            eprintln!("error: cannot start {threads} threads: {err}");
            return 2;
        }
    }
    let log = commands::Log::new(&cli.global);
    let progress = progress::Bar::boxed(!cli.global.quiet && !cli.global.no_progress);
    let result = match &cli.command {
        cli::Command::Normalize(args) => commands::normalize::run(args, &log, progress.as_ref()),
        cli::Command::Dedupe(args) => commands::dedupe::run(args, &log, progress.as_ref()),
        cli::Command::Validate(args) => commands::validate::run(args, &log, progress.as_ref()),
        cli::Command::Profile(args) => commands::profile::run(args, &log, progress.as_ref()),
        cli::Command::Export(args) => commands::export::run(args, &log, progress.as_ref()),
        cli::Command::Link(args) => commands::link::run(args, &log, progress.as_ref()),
        cli::Command::Run(args) => commands::run::run(args, &log, progress.as_ref()),
        cli::Command::Segment(args) => commands::segment::run(args, &log, progress.as_ref()),
    };
    match result {
        Ok(Status::Success) => 0,
        Ok(Status::Failed) => 1,
        Err(err) => {
            if is_broken_pipe(&err) {
                return 0;
            }
            let mut message = format!("error: {err}");
            for cause in err.chain().skip(1) {
                message.push_str(&format!("\n  caused by: {cause}"));
            }
            let message = report::escape_terminal(&message).into_owned();
            if cli.global.log_format == cli::LogFormat::Json {
                eprintln!(
                    "{}",
                    serde_json::json!({ "level": "error", "message": message })
                );
            } else {
                eprintln!("{message}");
            }
            2
        }
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
