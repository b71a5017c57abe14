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
use crate::normalize::plan::{build_plan, resolve_region};
use crate::progress::Progress;
use crate::report::validate::{self as report, Report};
use crate::schema::resolve::resolve_roles;
use crate::schema::Role;
use crate::validate::{self, Kind};
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
    // Every header a check names must exist: all missing ones at once.
    let missing: Vec<String> = rules
        .checks
        .iter()
        .flat_map(|check| {
            check
                .kind
                .columns()
                .into_iter()
                .filter(|name| {
                    crate::config::checks::placeholder_role(name).is_none()
                        && raw.column_index(name).is_none()
                })
                .map(|name| format!("`{name}` (line {}, check `{}`)", check.line, check.name))
                .collect::<Vec<_>>()
        })
        .collect();
    if !missing.is_empty() {
        bail!(
            "rule file `{}` names {} column(s) that `{}` does not have: {}; its columns are: {}. Fix the names, or name columns by role (`role = \"email\"`) so the rule file runs on any export",
            args.rules.display(),
            missing.len(),
            input_path.display(),
            missing.join(", "),
            raw.headers.join(", ")
        );
    }
    let inferred = resolve_roles(raw, &rules, args.id_column.as_deref(), input_path)?;
    let mut roles: Vec<Role> = inferred.iter().map(|i| i.role).collect();
    // Checks that name a role run on this file's columns of that role.
    let expanded = validate::expand_roles(&rules.checks, &raw.headers, &roles);
    for (name, line, asked) in &expanded.not_applicable {
        let asked: Vec<&str> = asked.iter().map(|r| r.name()).collect();
        log.warn(&format!(
            "check `{name}` (line {line}) does not apply: no column of role {} in `{}`",
            asked.join(" or "),
            input_path.display()
        ));
    }
    let checks = expanded.checks;
    // A check can decide how its column is read (a phone format check on a
    // column inferred as text judges phones).
    for check in &checks {
        for name in check.kind.columns() {
            let c = raw.column_index(name).expect("checked above");
            if let Some(role) = check.kind.required_role(roles[c]) {
                roles[c] = role;
            }
        }
    }
    let read_time = started.elapsed();

    // Normalize only what the checks read (everything when matching).
    let matching = checks
        .iter()
        .any(|c| matches!(c.kind, Kind::DuplicateRate { .. }));
    let used: Vec<bool> = (0..raw.headers.len())
        .map(|c| {
            matching
                || checks
                    .iter()
                    .any(|check| check.kind.columns().contains(&raw.headers[c].as_str()))
        })
        .collect();
    let mut adjusted = inferred.clone();
    for (inferred, &role) in adjusted.iter_mut().zip(&roles) {
        inferred.role = role;
    }
    let mut plan = build_plan(raw, &adjusted, &rules, default_region, None);
    // Checks compare ISO dates, whatever the rule file writes for normalize.
    plan.date_format = None;
    for (column_plan, &used) in plan.columns.iter_mut().zip(&used) {
        column_plan.enabled &= used;
    }
    let normalize_started = Instant::now();
    let normalized = crate::normalize::run(raw, &plan, false, progress);
    let normalize_time = normalize_started.elapsed();

    let match_started = Instant::now();
    let clusters = if matching {
        let threshold = rules
            .checks
            .iter()
            .find_map(|c| match c.kind {
                Kind::DuplicateRate { match_probability } => Some(match_probability),
                _ => None,
            })
            .unwrap_or(0.99);
        let clusters = crate::matching::cluster_rows(
            raw,
            &normalized.table,
            &roles,
            &rules,
            threshold,
            progress,
        )?;
        if clusters.is_none() {
            bail!(
                "rule file `{}`: the duplicate-rate check needs columns to match on (names, e-mail, phone, birth date, address), and `{}` has none; set roles in [columns.\"…\"]",
                args.rules.display(),
                input_path.display()
            );
        }
        clusters
    } else {
        None
    };
    let match_time = match_started.elapsed();

    let check_started = Instant::now();
    let input = validate::Input {
        raw,
        normalized: &normalized.table,
        roles: &roles,
        rejected: &normalized.rejected,
        clusters: clusters.as_deref(),
        as_of,
    };
    let results = validate::run(&checks, &input);
    let check_time = check_started.elapsed();

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
        ("normalize", normalize_time),
        ("match", match_time),
        ("checks", check_time),
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
