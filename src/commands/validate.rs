//! `tidyrec validate INPUT --rules FILE [--format text|json|junit|github]
//! [--output FILE] [--failures FILE]`
//!
//! Reads the input, normalizes the columns the checks read (in memory only:
//! the input is never changed), runs the rule file's `[[check]]`s and reports.
//! Exit 0 when every `error` check passes, 1 when one fails, 2 on usage,
//! rule-file or input errors.

use super::args::InputArgs;
use super::{Log, Status};
use crate::config::RuleFile;
use crate::io::{self, write};
use crate::normalize::plan::resolve_region;
use crate::progress::Progress;
use crate::report::validate::{self as report, Report};
use crate::schema::Role;
use crate::validate;
use crate::validate::stage::{validate_table, Validated};
use anyhow::{bail, Context, Result};
use clap::{Args, ValueEnum};
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Debug, Args)]
pub struct ValidateArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Rule file (TOML) with [[check]] tables.
    #[arg(long, value_name = "FILE")]
    pub rules: PathBuf,
    /// Report format.
    #[arg(long, value_enum, default_value_t = ValidateFormat::Text)]
    pub format: ValidateFormat,
    /// Write the report to this file instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Write every failing row (row, id, check, severity, column, value, reason) as CSV.
    #[arg(long, value_name = "FILE")]
    pub failures: Option<PathBuf>,
    /// Column holding the record id shown with failures (default: inferred).
    #[arg(long, value_name = "COLUMN")]
    pub id_column: Option<String>,
    /// Country for rows without one (phone region, date order), e.g. US, GB, CN.
    #[arg(long, value_name = "COUNTRY")]
    pub default_region: Option<String>,
    /// "Today" for freshness checks, as YYYY-MM-DD (default: the current UTC date).
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ValidateFormat {
    /// A readable table.
    Text,
    /// The versioned JSON report.
    Json,
    /// JUnit XML, one test case per check.
    Junit,
    /// GitHub Actions annotations.
    Github,
}

pub const EXAMPLES: &str = "Examples:
  # A CI gate: red build with a readable reason when the export breaks a rule
  tidyrec validate export.csv --rules rules/crm-contacts.toml --format junit --output report.xml

  # Read the results in the terminal, and keep every failing row for the data team
  tidyrec validate export.csv --rules rules/crm-contacts.toml --failures failing-rows.csv

  # GitHub Actions: annotations on the workflow run
  tidyrec validate export.csv --rules rules/crm-contacts.toml --format github

Exit codes: 0 every `error` check passed (warnings allowed), 1 an `error` check failed,
2 usage, rule-file or input error.";

pub fn run(args: &ValidateArgs, log: &Log, progress: &dyn Progress) -> Result<Status> {
    let started = Instant::now();
    let input_path = &args.input.input;
    let mut plan = crate::io::paths::Plan::new();
    plan.read("INPUT", Some(input_path))
        .read("--rules", Some(&args.rules))
        .write("--output", args.output.as_deref())
        .write("--failures", args.failures.as_deref())
        .check()?;
    let rules = RuleFile::load(&args.rules)?;
    if rules.checks.is_empty() {
        bail!(
            "rule file `{}` has no [[check]] tables; add one, e.g.\n\n[[check]]\ntype = \"required\"\ncolumn = \"Email\"",
            args.rules.display()
        );
    }
    let default_region = resolve_region(args.default_region.as_deref(), &rules)?;
    let as_of = match &args.as_of {
        Some(date) => chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d")
            .with_context(|| format!("--as-of `{date}` is not a date like 2026-11-23"))?,
        None => chrono::Utc::now().date_naive(),
    };

    let read = io::read(input_path, &super::read_options(&args.input))?;
    super::note_read(log, input_path, &read);
    let raw = &read.table;
    if !read.rejects.is_empty() {
        log.warn(&format!(
            "{} unreadable row(s) were skipped (--lenient); they are not validated",
            read.rejects.len()
        ));
    }
    let read_time = started.elapsed();
    let Validated {
        checks,
        results,
        roles,
        not_applicable,
        timings: [normalize_time, match_time, check_time],
    } = validate_table(
        raw,
        &rules,
        args.id_column.as_deref(),
        default_region,
        as_of,
        input_path,
        &args.rules,
        progress,
    )?;
    for message in &not_applicable {
        log.warn(message);
    }

    let id_column = match &args.id_column {
        Some(name) => raw.column_index(name),
        None => roles.iter().position(|&r| r == Role::Id),
    };
    let report = Report {
        input: input_path,
        rules_path: &args.rules,
        table: raw,
        id_column,
        checks: &checks,
        results: &results,
    };
    let rendered = match args.format {
        ValidateFormat::Text => report::text(&report),
        ValidateFormat::Json => {
            let mut json = serde_json::to_string_pretty(&report::json(&report))?;
            json.push('\n');
            json
        }
        ValidateFormat::Junit => report::junit(&report),
        ValidateFormat::Github => report::github(&report),
    };
    match &args.output {
        Some(path) => {
            write::atomic(path, |w| w.write_all(rendered.as_bytes()))?;
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(crate::report::escape_terminal(&rendered).as_bytes())?;
            stdout.flush()?;
        }
    }
    if let Some(path) = &args.failures {
        report::write_failures(path, &report)
            .with_context(|| format!("writing failing rows to `{}`", path.display()))?;
    }
    let failed = results
        .iter()
        .filter(|r| r.status == validate::Status::Fail)
        .count();
    log.timings(&[
        ("read", read_time),
        normalize_time,
        match_time,
        check_time,
        ("total", started.elapsed()),
    ]);
    // The rendered report went to a file: say the outcome on stderr too.
    if args.output.is_some() || args.format != ValidateFormat::Text {
        log.info(&report::one_line(&report));
    }
    Ok(if failed > 0 {
        Status::Failed
    } else {
        Status::Success
    })
}
