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
use crate::schema::{meaning, Role};
use crate::segment::{self, Dimension, Scores};
use crate::table::Column;
use anyhow::{bail, Context, Result};
use clap::Args;
use std::collections::BTreeMap;
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

/// Columns added to the output.
const ADDED: [&str; 6] = [
    "rfm_recency_days",
    "rfm_r",
    "rfm_f",
    "rfm_m",
    "rfm_score",
    "segment",
];

pub fn run(args: &SegmentArgs, log: &Log, progress: &dyn Progress) -> Result<Status> {
    let input_path = &args.input.input;
    write::ensure_writable_format(&args.output)?;
    super::path_plan(&args.input, &args.output)
        .read("--rules", args.rules.as_deref())
        .write("-o", Some(&args.output))
        .write("--report", args.report.as_deref())
        .check()?;
    let rules = RuleFile::load_optional(args.rules.as_deref())?;
    check_names(&rules)?;
    let read = io::read(input_path, &super::read_options(&args.input))?;
    super::note_read(log, input_path, &read);
    let report = segment_table(
        read.table,
        input_path,
        &rules,
        args.as_of.as_deref(),
        &args.output,
        log,
        progress,
    )?;
    if let Some(path) = &args.report {
        write::json(path, &report)?;
    }
    Ok(Status::Success)
}

/// Segments a table as read (normalized here): RFM scores and a segment
/// per row, written to `output` with the input's values; returns the
/// report. `input_path` names the input in messages and the report.
pub(crate) fn segment_table(
    raw: crate::table::Table,
    input_path: &std::path::Path,
    rules: &RuleFile,
    as_of: Option<&str>,
    output: &std::path::Path,
    log: &Log,
    progress: &dyn Progress,
) -> Result<serde_json::Value> {
    for name in ADDED {
        if raw.column_index(name).is_some() {
            bail!(
                "`{}` already has a `{name}` column (segmented before?); segment the golden records instead",
                input_path.display()
            );
        }
    }
    let inferred = resolve_roles(&raw, rules, None, input_path)?;
    let roles: Vec<Role> = inferred.iter().map(|i| i.role).collect();
    let region = resolve_region(None, rules)?;
    let plan = build_plan(&raw, &inferred, rules, region, None);
    let table = crate::normalize::run(&raw, &plan, false, progress).table;

    let find =
        |named: &Option<String>, what: &str, keywords: &[&str], ok: &dyn Fn(Role) -> bool| {
            match named {
                Some(name) => table.column_index(name).map(Some).with_context(|| {
                    format!(
                        "[segment] {what} = \"{name}\" is not a column of `{}` (columns: {})",
                        input_path.display(),
                        table.headers.join(", ")
                    )
                }),
                None => Ok((0..table.headers.len()).find(|&c| {
                    let h = table.headers[c].to_lowercase().replace(['_', '-'], " ");
                    ok(roles[c]) && keywords.iter().any(|k| h.contains(k))
                })),
            }
        };
    let is_date = |r: Role| matches!(r, Role::Date | Role::Datetime);
    let any = |_: Role| true;
    let recency_col = find(
        &rules.segment.recency,
        "recency",
        meaning::LAST_PURCHASE,
        &is_date,
    )?;
    let frequency_col = match find(
        &rules.segment.frequency,
        "frequency",
        meaning::ORDER_COUNT,
        &any,
    )? {
        Some(c) => Some(c),
        None => table.column_index("member_count"),
    };
    let monetary_col = find(
        &rules.segment.monetary,
        "monetary",
        meaning::LIFETIME_VALUE,
        &any,
    )?
    .or_else(|| (0..table.headers.len()).find(|&c| roles[c] == Role::Money));
    let Some(recency_col) = recency_col else {
        bail!(
            "`{}` has no last-purchase date column (a header like `Last Purchase Date`); name it in the rule file: [segment] recency = \"…\"",
            input_path.display()
        );
    };

    let dates: Vec<Option<chrono::NaiveDate>> = table.columns[recency_col]
        .iter()
        .map(|v| {
            v.get(..10)
                .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        })
        .collect();
    // Default "today": the latest purchase in the file, so the same file
    // always gives the same segments.
    let as_of = match as_of {
        Some(text) => chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .with_context(|| format!("--as-of `{text}` is not a date YYYY-MM-DD"))?,
        None => match dates.iter().flatten().max() {
            Some(d) => *d,
            // Nobody to segment: today, for the report.
            None if table.row_count() == 0 => chrono::Utc::now().date_naive(),
            None => bail!(
                "no value of `{}` is a date: cannot tell how recent any purchase is",
                table.headers[recency_col]
            ),
        },
    };
    let days: Vec<Option<f64>> = dates
        .iter()
        .map(|d| d.map(|d| (as_of - d).num_days() as f64))
        .collect();
    let numbers = |col: Option<usize>| -> Vec<Option<f64>> {
        match col {
            Some(c) => table.columns[c].iter().map(segment::number).collect(),
            None => vec![None; table.row_count()],
        }
    };
    let frequency = numbers(frequency_col);
    let monetary = numbers(monetary_col);
    let (r, r_bounds) = segment::quintile_scores(&days, false);
    let (f, f_bounds) = segment::quintile_scores(&frequency, true);
    let (m, m_bounds) = segment::quintile_scores(&monetary, true);

    let name_of = |key: &str| -> String {
        rules
            .segment
            .names
            .get(key)
            .cloned()
            .unwrap_or_else(|| key.to_string())
    };
    let mut added: Vec<Column> = ADDED.iter().map(|_| Column::default()).collect();
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for row in 0..table.row_count() {
        let scores = Scores {
            recency: r[row],
            frequency: f[row],
            monetary: m[row],
        };
        let name = name_of(segment::segment(scores));
        added[0].push(&days[row].map_or(String::new(), |d| (d as i64).to_string()));
        added[1].push(&scores.recency.to_string());
        added[2].push(&scores.frequency.to_string());
        added[3].push(&scores.monetary.to_string());
        added[4].push(&format!(
            "{}{}{}",
            scores.recency, scores.frequency, scores.monetary
        ));
        added[5].push(&name);
        *counts.entry(name).or_default() += 1;
    }
    // The input's values as read (not normalized) plus the added columns.
    let mut out = raw;
    out.headers.extend(ADDED.iter().map(|s| s.to_string()));
    out.columns.extend(added);
    write::table(output, &out, write::CsvOptions::default())?;

    let dimension = |col: Option<usize>, bounds: Vec<f64>, values: &[Option<f64>]| Dimension {
        column: col.map(|c| table.headers[c].clone()),
        boundaries: bounds,
        missing: values.iter().filter(|v| v.is_none()).count(),
    };
    let report = serde_json::json!({
        "version": crate::report::VERSION,
        "command": "segment",
        "input": input_path,
        "customers": table.row_count(),
        "as_of": as_of.to_string(),
        "recency_days": dimension(Some(recency_col), r_bounds, &days),
        "frequency": dimension(frequency_col, f_bounds, &frequency),
        "monetary": dimension(monetary_col, m_bounds, &monetary),
        "segments": counts,
        "definitions": segment::SEGMENTS.iter().map(|(k, d)| (name_of(k), d.to_string())).collect::<BTreeMap<_, _>>(),
    });
    if frequency_col.is_none() {
        log.warn("no order-count column and no member_count: frequency scores are all 1 (name one with [segment] frequency = \"…\")");
    }
    if monetary_col.is_none() {
        log.warn("no lifetime-value column: monetary scores are all 1 (name one with [segment] monetary = \"…\")");
    }
    log.info(&format!(
        "{} customers segmented as of {as_of}: {} → {}",
        table.row_count(),
        counts
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(", "),
        output.display()
    ));
    Ok(report)
}

/// The rule file's `[segment] names` rename only segments that exist.
pub(crate) fn check_names(rules: &RuleFile) -> Result<()> {
    for key in rules.segment.names.keys() {
        if !segment::SEGMENTS.iter().any(|(k, _)| k == key) {
            bail!(
                "rule file: [segment] names has `{key}`, which is not a segment; use {}",
                segment::SEGMENTS
                    .iter()
                    .map(|(k, _)| *k)
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
    }
    Ok(())
}
