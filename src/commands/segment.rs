//! `tidyrec segment INPUT -o OUTPUT [--rules FILE] [--as-of DATE] [--report FILE]`
//!
//! Adds RFM scores and a named segment to every customer (usually golden
//! records): recency from a last-purchase date, frequency from an order
//! count (else `member_count`, the records merged into the customer),
//! monetary from lifetime value. Columns are found by header unless the
//! rule file's `[segment]` names them; segment names can be renamed there.
//! Every input row is written, in order, with its columns unchanged.

use super::args::InputArgs;
use super::{Log, Status};
use crate::config::RuleFile;
use crate::io::{self, write};
use crate::normalize::plan::{build_plan, resolve_region};
use crate::progress::Progress;
use crate::schema::resolve::resolve_roles;
use crate::schema::Role;
use crate::segment::{self, SegmentReport};
use anyhow::{Context, Result};
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct SegmentArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Output: the input's rows and columns plus rfm_* and segment.
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
    /// Rule file: [segment] columns and segment names.
    #[arg(long, value_name = "FILE")]
    pub rules: Option<PathBuf>,
    /// Count recency up to this date, YYYY-MM-DD (default: the latest purchase in the file).
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
    /// Write a JSON report: quintile boundaries, customers per segment.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
}

pub const EXAMPLES: &str = "Examples:
  # Segments of the golden records (recency as of the latest purchase in the file)
  tidyrec segment golden.csv -o segments.csv --report segments.json

  # Chinese segment names (高价值客户, 高频购买者, 潜在客户 …), recency as of a date
  tidyrec segment golden.csv -o segments.csv --rules rules/segments-zh.toml --as-of 2026-11-23";

pub fn run(args: &SegmentArgs, log: &Log, progress: &dyn Progress) -> Result<Status> {
    let input_path = &args.input.input;
    write::ensure_writable_format(&args.output)?;
    super::path_plan(&args.input, &args.output)
        .read("--rules", args.rules.as_deref())
        .write("-o", Some(&args.output))
        .write("--report", args.report.as_deref())
        .check()?;
    let as_of = parse_as_of(args.as_of.as_deref())?;
    let rules = RuleFile::load_optional(args.rules.as_deref())?;
    segment::check_names(&rules.segment)?;
    let read = io::read(input_path, &super::read_options(&args.input))?;
    super::note_read(log, input_path, &read);
    let report = segment_table(
        read.table,
        input_path,
        &rules,
        as_of,
        &args.output,
        log,
        progress,
    )?;
    if let Some(path) = &args.report {
        write::json(path, &report)?;
    }
    Ok(Status::Success)
}

/// `--as-of`, read before any file is.
fn parse_as_of(text: Option<&str>) -> Result<Option<chrono::NaiveDate>> {
    text.map(|text| {
        chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .with_context(|| format!("--as-of `{text}` is not a date YYYY-MM-DD"))
    })
    .transpose()
}

/// Segments a table as read (normalized here, see [`segment::score`]):
/// writes the input's values plus the scores to `output`, says what it
/// found and returns the report. `input_path` names the input in messages
/// and the report.
pub(crate) fn segment_table(
    raw: crate::table::Table,
    input_path: &std::path::Path,
    rules: &RuleFile,
    as_of: Option<chrono::NaiveDate>,
    output: &std::path::Path,
    log: &Log,
    progress: &dyn Progress,
) -> Result<SegmentReport> {
    let inferred = resolve_roles(&raw, rules, None, input_path)?;
    let roles: Vec<Role> = inferred.iter().map(|i| i.role).collect();
    let region = resolve_region(None, rules)?;
    let plan = build_plan(&raw, &inferred, rules, region, None);
    let table = crate::normalize::run(&raw, &plan, false, progress).table;
    let segmented = segment::score(&table, &roles, &rules.segment, as_of, input_path)?;
    let report = segmented.report;
    // The input's values as read (not normalized) plus the added columns.
    let mut out = raw;
    out.headers
        .extend(segment::ADDED.iter().map(|s| s.to_string()));
    out.columns.extend(segmented.added);
    write::table(output, &out, write::CsvOptions::default())?;
    if report.frequency.column.is_none() {
        log.warn("no order-count column and no member_count: frequency scores are all 1 (name one with [segment] frequency = \"…\")");
    }
    if report.monetary.column.is_none() {
        log.warn("no lifetime-value column: monetary scores are all 1 (name one with [segment] monetary = \"…\")");
    }
    log.info(&format!(
        "{} customers segmented as of {}: {} → {}",
        report.customers,
        report.as_of,
        report
            .segments
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(", "),
        output.display()
    ));
    Ok(report)
}
