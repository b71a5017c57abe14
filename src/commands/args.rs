//! The flags several commands share (clap definitions): global flags, how
//! to read the input and write the output, the date order, and the value
//! parsers that bound what a flag accepts.

use clap::{Args, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Print nothing but errors.
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// Print inferred column roles, settings and timings on stderr.
    #[arg(long, short, global = true)]
    pub verbose: bool,
    /// Worker threads (default: all cores). Output is identical for any value.
    #[arg(long, global = true, value_name = "N")]
    pub threads: Option<usize>,
    /// Format of messages on stderr.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// Never draw progress bars (they are also hidden when stderr is not a terminal).
    #[arg(long, global = true)]
    pub no_progress: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// How to read the input (shared by every command that reads a table).
#[derive(Debug, Args)]
pub struct InputArgs {
    /// Input file: .csv, .tsv, .txt, .parquet, .xlsx (or `-` for CSV on stdin).
    pub input: PathBuf,
    /// Field delimiter for CSV input (default: detected among , ; TAB |).
    #[arg(long, value_name = "CHAR", value_parser = parse_delimiter)]
    pub delimiter: Option<u8>,
    /// Input encoding (default: detected): utf-8, utf-16, gbk, gb18030, latin1, windows-1252 …
    #[arg(long, value_name = "NAME")]
    pub encoding: Option<String>,
    /// Sheet to read from an Excel workbook (default: the first).
    #[arg(long, value_name = "NAME")]
    pub sheet: Option<String>,
    /// Set unreadable rows aside in a rejects file instead of stopping.
    #[arg(long)]
    pub lenient: bool,
    /// Where `--lenient` writes rejected rows (default: OUTPUT with `.rejects.csv`).
    #[arg(long, value_name = "FILE")]
    pub rejects: Option<PathBuf>,
}

/// How to write CSV output.
#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Output file: .csv, .tsv or .parquet (`-` for CSV on stdout).
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
    /// Start CSV output with a UTF-8 byte-order mark (for Excel).
    #[arg(long)]
    pub bom: bool,
    /// Do not neutralize values that a spreadsheet would run as formulas.
    #[arg(long)]
    pub allow_formulas: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DateOrderArg {
    #[value(alias = "dmy")]
    DayFirst,
    #[value(alias = "mdy")]
    MonthFirst,
}

pub fn parse_delimiter(value: &str) -> Result<u8, String> {
    match value {
        "\\t" | "tab" | "TAB" => Ok(b'\t'),
        v if v.len() == 1 && v.is_ascii() => Ok(v.as_bytes()[0]),
        _ => Err("the delimiter must be one ASCII character, or `tab`".into()),
    }
}

pub fn parse_max_block(value: &str) -> Result<usize, String> {
    let limit = crate::matching::MAX_BLOCK_LIMIT;
    match value.parse::<usize>() {
        Ok(n) if (2..=limit).contains(&n) => Ok(n),
        _ => Err(format!(
            "a block size from 2 to {limit} (a block of n records makes n(n-1)/2 pairs)"
        )),
    }
}

pub fn parse_probability(value: &str) -> Result<f64, String> {
    match value.parse::<f64>() {
        Ok(p) if p > 0.0 && p < 1.0 => Ok(p),
        _ => Err("the threshold is a probability strictly between 0 and 1, e.g. 0.9".into()),
    }
}

/// How `features` and `merge` read records: which column names them, the
/// rule file, and normalization.
#[derive(Debug, Args)]
pub struct RecordArgs {
    /// The record id column [default: the first id column whose values
    /// are unique; `features` falls back to the row number].
    #[arg(long, value_name = "COLUMN")]
    pub id_column: Option<String>,
    /// Rule file: roles and normalization options (`merge`: survivorship
    /// too; `features`: give every shard the same one).
    #[arg(long, value_name = "FILE")]
    pub rules: Option<PathBuf>,
    /// Take the values as they are (the input is already normalized).
    #[arg(long)]
    pub no_normalize: bool,
    /// Country for phones of rows without one (ISO code or name).
    #[arg(long, value_name = "COUNTRY")]
    pub default_region: Option<String>,
}
