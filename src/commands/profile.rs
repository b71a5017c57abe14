//! `tidyrec profile INPUT [--json FILE] [--html FILE] [--compare OLD.json]`
//!
//! Reads the input, normalizes every column in memory (the input is never
//! changed), and reports per column its role, completeness, validity,
//! distinct and top values, lengths and range, plus the estimated duplicate
//! rate from the matching engine. Prints a table on stdout; writes JSON and
//! a self-contained HTML page on request; compares with an earlier JSON.

use super::args::InputArgs;
use super::{Log, Status};
use crate::config::RuleFile;
use crate::io::{self, write};
use crate::normalize::plan::{build_plan, resolve_region};
use crate::profile;
use crate::progress::Progress;
use crate::report::profile::{self as report, Profile};
use crate::schema::resolve::resolve_roles;
use crate::schema::Role;
use anyhow::{Context, Result};
use clap::Args;
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Debug, Args)]
pub struct ProfileArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Write the profile as JSON (stable, versioned; input of --compare).
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Write a self-contained HTML report with charts.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// An earlier `--json` profile: show what got better or worse.
    #[arg(long, value_name = "OLD.json")]
    pub compare: Option<PathBuf>,
    /// With --compare: exit 1 when a metric got worse by more than its
    /// tolerance (`[profile.tolerance]` in the rule file; default: any).
    #[arg(long, requires = "compare")]
    pub fail_on_regression: bool,
    /// Rule file (TOML) that sets column roles and options.
    #[arg(long, value_name = "FILE")]
    pub rules: Option<PathBuf>,
    /// Skip the duplicate estimate (the slowest part on large files).
    #[arg(long)]
    pub no_duplicates: bool,
    /// Country for rows without one (phone region, date order), e.g. US, GB, CN.
    #[arg(long, value_name = "COUNTRY")]
    pub default_region: Option<String>,
}

pub const EXAMPLES: &str = "Examples:
  # The table in the terminal, and a report to open in a browser
  tidyrec profile export.csv --html quality.html

  # Nightly KPIs: keep the JSON, and say what changed since yesterday
  tidyrec profile export.csv --json today.json --compare yesterday.json

  # CI gate: exit 1 when quality got worse than yesterday's (beyond the
  # rule file's [profile.tolerance], e.g. completeness = 1.0)
  tidyrec profile export.csv --json today.json --compare yesterday.json --fail-on-regression

  # Large files: skip the duplicate estimate (it runs the matching engine)
  tidyrec profile big_export.parquet --no-duplicates --json profile.json";

pub fn run(args: &ProfileArgs, log: &Log, progress: &dyn Progress) -> Result<Status> {
    let started = Instant::now();
    let input_path = &args.input.input;
    let mut plan = crate::io::paths::Plan::new();
    plan.read("INPUT", Some(input_path))
        .read("--rules", args.rules.as_deref())
        .read("--compare", args.compare.as_deref())
        .write("--json", args.json.as_deref())
        .write("--html", args.html.as_deref())
        .check()?;
    let rules = RuleFile::load_optional(args.rules.as_deref())?;
    let default_region = resolve_region(args.default_region.as_deref(), &rules)?;
    // Read the earlier profile first: a bad path fails before the real work.
    let old: Option<Profile> = match &args.compare {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading the earlier profile `{}`", path.display()))?;
            Some(serde_json::from_str(&text).with_context(|| {
                format!(
                    "`{}` is not a tidyrec profile (write one with `tidyrec profile … --json FILE`)",
                    path.display()
                )
            })?)
        }
        None => None,
    };

    let read = io::read(input_path, &super::read_options(&args.input))?;
    super::note_read(log, input_path, &read);
    let raw = &read.table;
    if !read.rejects.is_empty() {
        log.warn(&format!(
            "{} unreadable row(s) were skipped (--lenient); they are not profiled",
            read.rejects.len()
        ));
    }
    let inferred = resolve_roles(raw, &rules, None, input_path)?;
    let mut plan = build_plan(raw, &inferred, &rules, default_region, None);
    // Ranges are reported as ISO dates whatever the rule file writes.
    plan.date_format = None;
    let read_time = started.elapsed();

    let normalize_started = Instant::now();
    let normalized = crate::normalize::run(raw, &plan, false, progress);
    let normalize_time = normalize_started.elapsed();

    let profile_started = Instant::now();
    let columns = profile::columns(raw, &normalized.table, &inferred, &normalized.stats);
    let profile_time = profile_started.elapsed();

    let match_started = Instant::now();
    let duplicates = if args.no_duplicates || raw.row_count() < 2 {
        None
    } else {
        let roles: Vec<Role> = inferred.iter().map(|i| i.role).collect();
        // The threshold `dedupe` would use with this rule file.
        let threshold = rules
            .dedupe
            .threshold
            .unwrap_or(crate::matching::DEFAULT_THRESHOLD);
        crate::matching::cluster_rows(raw, &normalized.table, &roles, &rules, threshold, progress)?
            .map(|clusters| profile::duplicates(&clusters))
    };
    let match_time = match_started.elapsed();

    let result = Profile::new(
        input_path.display().to_string(),
        raw.row_count(),
        columns,
        duplicates,
    );
    let changes = old.as_ref().map(|old| report::compare(old, &result));
    let regressions: Vec<&report::Change> = match &changes {
        Some(changes) if args.fail_on_regression => {
            report::regressions(changes, &rules.profile.tolerance)
        }
        _ => Vec::new(),
    };
    if let Some(path) = &args.json {
        let mut json = serde_json::to_value(&result)?;
        if let Some(changes) = &changes {
            json["changes"] = serde_json::to_value(changes)?;
        }
        if args.fail_on_regression {
            json["regressions"] = serde_json::to_value(&regressions)?;
        }
        write::json(path, &json)?;
    }
    if let Some(path) = &args.html {
        let page = report::html(&result);
        write::atomic(path, |w| w.write_all(page.as_bytes()))?;
    }
    let mut text = report::text(&result);
    if let (Some(old), Some(changes)) = (&old, &changes) {
        text.push('\n');
        text.push_str(&report::compare_text(old, &result, changes));
    }
    if !log.is_quiet() {
        let mut stdout = std::io::stdout().lock();
        stdout.write_all(crate::report::escape_terminal(&text).as_bytes())?;
        stdout.flush()?;
    }
    log.timings(&[
        ("read", read_time),
        ("normalize", normalize_time),
        ("profile", profile_time),
        ("duplicates", match_time),
        ("total", started.elapsed()),
    ]);
    if !regressions.is_empty() {
        let list: Vec<String> = regressions
            .iter()
            .map(|c| format!("{} {} {} → {}", c.subject, c.metric, c.old, c.new))
            .collect();
        log.warn(&format!(
            "--fail-on-regression: {} metric(s) got worse beyond their tolerance: {}",
            regressions.len(),
            list.join("; ")
        ));
        return Ok(Status::Failed);
    }
    Ok(Status::Success)
}
