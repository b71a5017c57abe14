//! `tidyrec-gen`: the command line of the test-data generator (see the
//! library's documentation for what it writes).

use clap::Parser;
use std::path::PathBuf;

/// The version, with the data version: bumped whenever the same options
/// write other records (benchmark scripts regenerate their cached files
/// when it changes). 2: family mailboxes.
const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), " (data 2)");

/// Writes a synthetic, messy, multi-locale CRM export and its ground truth
/// (for benchmarks and accuracy checks; the same seed writes the same file).
#[derive(Debug, Parser)]
#[command(name = "tidyrec-gen", version = VERSION)]
struct Args {
    /// Records to write.
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..=1_000_000_000))]
    rows: u64,
    /// Random seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Records of people with duplicates (truth: each row's entity) instead
    /// of one row per customer (truth: each value's normalized form).
    #[arg(long)]
    duplicates: bool,
    /// With --duplicates: each entity's true values, what a golden record
    /// should say.
    #[arg(long, value_name = "FILE", requires = "duplicates")]
    golden_truth: Option<PathBuf>,
    /// With --duplicates: percent of couples who share one e-mail (a
    /// family mailbox).
    #[arg(long, value_name = "PERCENT", default_value_t = 30, requires = "duplicates", value_parser = clap::value_parser!(u8).range(0..=100))]
    family_mailboxes: u8,
    /// The export to write.
    #[arg(short, long, value_name = "FILE")]
    output: PathBuf,
    /// The ground truth to write.
    #[arg(long, value_name = "FILE")]
    truth: PathBuf,
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let path = |p: &PathBuf| p.to_string_lossy().into_owned();
    let rows = args.rows as usize;
    let result = if args.duplicates {
        tidyrec_gen::people::generate_with(
            rows,
            args.seed,
            &path(&args.output),
            &path(&args.truth),
            args.golden_truth.as_ref().map(path).as_deref(),
            &tidyrec_gen::people::Options {
                family_mailboxes: args.family_mailboxes,
            },
        )
    } else {
        tidyrec_gen::plain::generate(rows, args.seed, &path(&args.output), &path(&args.truth))
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            std::process::ExitCode::from(2)
        }
    }
}
