//! `tidyrec export INPUT --target salesforce|hubspot|dynamics|zoho|fxiaoke|PROFILE.toml -o OUTPUT`
//!
//! Read → normalize (unless `--no-normalize`) → map columns onto the target's
//! import fields → write the import file(s), split at the target's limits.
//! Rows the importer would reject (a required field empty) go to a
//! set-aside file beside the output, never dropped. With `--merge-plan` and
//! `--clusters`, also writes the merge calls for the clusters found in an
//! export of the target (Salesforce: a master and two duplicates per call).

use super::args::InputArgs;
use super::{Log, Status};
use crate::config::RuleFile;
use crate::export::profile::Profile;
use crate::export::{self, merge_plan, ExportOutcome, ExportSettings};
use crate::io::{self, write};
use crate::normalize::plan::{build_plan, resolve_region};
use crate::progress::Progress;
use crate::schema::resolve::resolve_roles;
use crate::schema::Role;
use anyhow::{bail, Result};
use clap::Args;
use std::collections::HashMap;
use std::path::Path;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Target: salesforce, hubspot, dynamics, zoho, fxiaoke (contacts),
    /// salesforce-leads, zoho-leads, or a profile file (.toml).
    #[arg(long, short, value_name = "TARGET")]
    pub target: String,
    /// Import file to write (.csv); split outputs are OUTPUT-part1.csv, -part2 …
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
    /// Output encoding instead of the profile's: utf-8, utf-8-bom, gbk, gb18030.
    #[arg(long, value_name = "NAME")]
    pub out_encoding: Option<String>,
    /// Rows per file instead of the profile's limit.
    #[arg(long, value_name = "N")]
    pub max_rows: Option<usize>,
    /// Bytes per file instead of the profile's limit.
    #[arg(long, value_name = "BYTES")]
    pub max_bytes: Option<u64>,
    /// Also export the columns no import field takes, under their own headers.
    #[arg(long)]
    pub keep_unmapped: bool,
    /// Rule file (TOML) that sets column roles and options.
    #[arg(long, value_name = "FILE")]
    pub rules: Option<PathBuf>,
    /// Export the values as they are (the input is already normalized).
    #[arg(long)]
    pub no_normalize: bool,
    /// Country for rows without one (phone region, date order), e.g. US, GB, CN.
    #[arg(long, value_name = "COUNTRY")]
    pub default_region: Option<String>,
    /// Do not neutralize values that a spreadsheet would run as formulas.
    #[arg(long)]
    pub allow_formulas: bool,
    /// Clusters file of `tidyrec dedupe` on this export (for --merge-plan).
    #[arg(long, value_name = "FILE")]
    pub clusters: Option<PathBuf>,
    /// Write the merge calls (master + duplicates, at the target's batch size).
    #[arg(long, value_name = "FILE")]
    pub merge_plan: Option<PathBuf>,
    /// Exit 0 even when rows are set aside (by default set-aside rows make
    /// the exit code 1: an import that misses customers is not a success).
    #[arg(long)]
    pub allow_set_aside: bool,
    /// Write what the export did as JSON: rows, files, set-aside rows by
    /// reason, derived and placeholder-filled fields, consent, upsert ids.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
}

pub const EXAMPLES: &str = "Examples:
  # Golden records as a Salesforce Data Import Wizard file (split at 50,000 rows)
  tidyrec export golden.csv --target salesforce -o salesforce-contacts.csv

  # 纷享销客 import file in GBK for Excel on Chinese Windows
  tidyrec export golden.csv --target fxiaoke --out-encoding gbk -o fxiaoke.csv

  # Your own CRM: a profile file (copy one from rules/export/)
  tidyrec export golden.csv --target rules/export/mycrm.toml -o mycrm.csv

  # Salesforce merge calls (master + 2 duplicates each) for a deduped export
  tidyrec dedupe sf-export.csv -o golden.csv --id-column Id --clusters clusters.csv
  tidyrec export sf-export.csv --target salesforce -o contacts.csv \\
      --clusters clusters.csv --merge-plan merge-plan.csv";

pub fn run(args: &ExportArgs, log: &Log, progress: &dyn Progress) -> Result<Status> {
    execute(args, log, progress).map(|(status, _)| status)
}

/// The export, with what it did (for `--report` and a pipeline's summary).
pub fn execute(
    args: &ExportArgs,
    log: &Log,
    progress: &dyn Progress,
) -> Result<(Status, ExportOutcome)> {
    let started = Instant::now();
    let input_path = &args.input.input;
    let output_path = &args.output;
    let settings = ExportSettings::resolve(
        &args.target,
        args.out_encoding.as_deref(),
        output_path,
        args.max_rows,
        args.max_bytes,
    )?;
    let settings = ExportSettings {
        keep_unmapped: args.keep_unmapped,
        allow_formulas: args.allow_formulas,
        allow_set_aside: args.allow_set_aside,
        report: args.report.clone(),
        ..settings
    };
    let mut paths = super::path_plan(&args.input, output_path);
    paths
        .read("--rules", args.rules.as_deref())
        .read("--clusters", args.clusters.as_deref())
        .read(
            "--target",
            Some(Path::new(&args.target)).filter(|p| p.is_file()),
        )
        .write("--merge-plan", args.merge_plan.as_deref())
        .write("--report", args.report.as_deref());
    settings.declare_writes(&mut paths);
    paths.check()?;
    if args.merge_plan.is_some() != args.clusters.is_some() {
        bail!("--merge-plan needs --clusters (the clusters file of `tidyrec dedupe` on this export), and the other way round");
    }
    let rules = RuleFile::load_optional(args.rules.as_deref())?;
    let default_region = resolve_region(args.default_region.as_deref(), &rules)?;

    let read = io::read(input_path, &super::read_options(&args.input))?;
    super::note_read(log, input_path, &read);
    let raw = &read.table;
    let inferred = resolve_roles(raw, &rules, None, input_path)?;
    let roles: Vec<Role> = inferred.iter().map(|i| i.role).collect();
    let normalized;
    let table = if args.no_normalize {
        raw
    } else {
        let plan = build_plan(raw, &inferred, &rules, default_region, None);
        normalized = crate::normalize::run(raw, &plan, false, progress).table;
        &normalized
    };
    let (status, outcome) = export_table(table, &roles, &settings, &paths, started, log)?;
    super::write_rejects(
        &super::rejects_path(&args.input, output_path),
        &read.rejects,
        raw.row_count(),
        log,
    )?;
    if let (Some(plan_path), Some(clusters_path)) = (&args.merge_plan, &args.clusters) {
        let calls = write_merge_plan(plan_path, clusters_path, raw, &settings.profile, args)?;
        log.info(&format!("{calls} merge call(s) → {}", plan_path.display()));
    }
    Ok((status, outcome))
}

/// Exports a table (normalized, with its roles) with [`export::export`],
/// says what happened and decides the exit status: set-aside rows and lost
/// consent choices are a failure unless `--allow-set-aside`. `paths`
/// guards the files read.
pub(crate) fn export_table(
    table: &crate::table::Table,
    roles: &[Role],
    settings: &ExportSettings,
    paths: &crate::io::paths::Plan,
    started: Instant,
    log: &Log,
) -> Result<(Status, ExportOutcome)> {
    let exported = export::export(table, roles, settings, paths)?;
    if log.is_verbose() {
        describe_mapping(table, settings, &exported.mapping, log);
    }
    let outcome = exported.outcome;
    log_outcome(settings, &outcome, started, log);
    if let Some(report) = &settings.report {
        write::json(report, &outcome)?;
    }
    // A consent column the target cannot take would lose customers' choices.
    if let Some(consent) = outcome.consent.as_ref().filter(|c| !c.exported) {
        log.warn(&format!(
            "consent column `{}` has no {} import field: the CRM would not learn these choices; export it with --keep-unmapped",
            consent.column, settings.profile.name
        ));
        if !settings.allow_set_aside {
            log.warn(
                "exit 1: a consent choice would be lost (pass --allow-set-aside to accept that)",
            );
            return Ok((Status::Failed, outcome));
        }
    }
    // Every input row is in an import file or in the set-aside file; a
    // set-aside row is a customer the CRM will not get, so it is a policy
    // failure unless the steward allowed it.
    if outcome.set_aside > 0 && !settings.allow_set_aside {
        log.warn(&format!(
            "exit 1: {} of {} row(s) set aside (pass --allow-set-aside to accept that)",
            outcome.set_aside,
            outcome.set_aside + outcome.rows
        ));
        return Ok((Status::Failed, outcome));
    }
    Ok((Status::Success, outcome))
}

/// `--verbose`: the profile and where each import field comes from.
fn describe_mapping(
    table: &crate::table::Table,
    settings: &ExportSettings,
    mapping: &export::Mapping,
    log: &Log,
) {
    log.detail(&format!(
        "profile {} ({}), {}, dates {}, at most {} rows / {} bytes per file",
        settings.profile.name,
        settings.profile.description,
        settings.profile.encoding.name(),
        settings.profile.date_format,
        settings.max_rows,
        settings.max_bytes
    ));
    for (field, source) in settings.profile.fields.iter().zip(&mapping.sources) {
        let from = match *source {
            export::Source::Column(c) => format!("`{}`", table.headers[c]),
            export::Source::GivenOf(c) => format!("given name of `{}`", table.headers[c]),
            export::Source::FamilyOf(c) => format!("family name of `{}`", table.headers[c]),
            export::Source::Joined { first, last } => {
                format!("`{}` + `{}`", table.headers[first], table.headers[last])
            }
            export::Source::Missing => "(empty: no column)".to_string(),
        };
        log.detail(&format!("  {:<28} ← {from}", field.header));
    }
}

/// What the export left out, filled in, set aside and wrote.
fn log_outcome(settings: &ExportSettings, outcome: &ExportOutcome, started: Instant, log: &Log) {
    let target = &settings.profile.name;
    if !outcome.unmapped.is_empty() && !settings.keep_unmapped {
        let message = format!(
            "column(s) with no {target} import field, not exported: {} (add them with --keep-unmapped)",
            outcome
                .unmapped
                .iter()
                .map(|h| format!("`{h}`"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        // A pipeline exports the same columns every night: say it once in
        // --verbose, not as a nightly warning.
        if log.is_step() {
            log.detail(&message);
        } else {
            log.warn(&message);
        }
    }
    if outcome.dates_not_converted > 0 {
        log.warn(&format!(
            "{} date value(s) could not be read as dates and were exported as written",
            outcome.dates_not_converted
        ));
    }
    let counts = |map: &std::collections::BTreeMap<String, usize>| -> String {
        map.iter()
            .map(|(k, n)| format!("{k} ({n})"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if !outcome.derived.is_empty() {
        log.info(&format!(
            "filled from the row's other name columns: {}",
            counts(&outcome.derived)
        ));
    }
    for (field, n) in &outcome.filled {
        let placeholder = settings
            .profile
            .fields
            .iter()
            .find(|f| &f.header == field)
            .and_then(|f| f.when_empty.clone())
            .unwrap_or_default();
        log.warn(&format!(
            "{n} row(s) had no {field}, which {target} requires: written as `{placeholder}` (the importer's placeholder)"
        ));
    }
    if outcome.set_aside > 0 {
        log.warn(&format!(
            "{} row(s) set aside in `{}`: {}",
            outcome.set_aside,
            settings.set_aside_path().display(),
            counts(&outcome.set_aside_reasons)
        ));
    }
    if !outcome.upsert.is_empty() && outcome.upsert.iter().all(|u| u.column.is_none()) {
        log.warn(&format!(
            "the input has no id column: a later import into {target} cannot update these records (give the input an id column, or export golden records)"
        ));
    }
    let parts: Vec<String> = outcome
        .files
        .iter()
        .map(|f| format!("{} ({} rows)", f.file, f.rows))
        .collect();
    log.info(&format!(
        "{} rows → {} import file(s) for {target} in {:.2}s: {}",
        outcome.rows,
        parts.len(),
        started.elapsed().as_secs_f64(),
        parts.join(", ")
    ));
    if let Some(consent) = &outcome.consent {
        match (&consent.field, &consent.opt_out_list) {
            (Some(field), _) => log.info(&format!(
                "e-mail consent: `{}` → {field}{} ({} opted out)",
                consent.column,
                if consent.inverted { ", inverted" } else { "" },
                consent.opted_out
            )),
            (None, Some(list)) => log.info(&format!(
                "e-mail consent: {} opted-out address(es) → {} (import it as an opt-out list)",
                list.rows, list.file
            )),
            (None, None) => {}
        }
    }
}

/// Reads the clusters file, groups the export's records by cluster and
/// writes one line per merge call. Returns the number of calls.
fn write_merge_plan(
    plan_path: &Path,
    clusters_path: &Path,
    raw: &crate::table::Table,
    profile: &Profile,
    args: &ExportArgs,
) -> Result<usize> {
    let Some(batch) = profile.merge_batch else {
        bail!(
            "the {} profile has no `merge-batch`: its importer takes no merge plan",
            profile.name
        );
    };
    let clusters = io::read(clusters_path, &io::ReadOptions::default())?.table;
    let Some(cluster_col) = clusters.column_index("cluster_id") else {
        bail!(
            "`{}` has no `cluster_id` column: pass the --clusters file written by `tidyrec dedupe`",
            clusters_path.display()
        );
    };
    let id_header = clusters.headers[0].clone();
    let Some(id_col) = raw.column_index(&id_header) else {
        bail!(
            "the clusters file `{}` identifies records by `{id_header}`, which `{}` lacks; run dedupe with --id-column on this export",
            clusters_path.display(),
            args.input.input.display()
        );
    };
    let cluster_of: HashMap<&str, &str> = clusters.columns[0]
        .iter()
        .zip(clusters.columns[cluster_col].iter())
        .collect();
    let mut order: Vec<String> = Vec::new();
    let mut members: HashMap<String, Vec<(String, usize)>> = HashMap::new();
    for row in 0..raw.row_count() {
        let id = raw.columns[id_col].get(row);
        let Some(&cluster) = cluster_of.get(id) else {
            bail!(
                "record `{id}` (row {}) of `{}` is not in the clusters file `{}`: the clusters belong to another file",
                row + 1,
                args.input.input.display(),
                clusters_path.display()
            );
        };
        let filled = raw
            .columns
            .iter()
            .filter(|c| !c.get(row).trim().is_empty())
            .count();
        let entry = members.entry(cluster.to_string()).or_insert_with(|| {
            order.push(cluster.to_string());
            Vec::new()
        });
        entry.push((id.to_string(), filled));
    }
    let grouped: Vec<(String, Vec<(String, usize)>)> = order
        .into_iter()
        .map(|c| {
            let m = members.remove(&c).unwrap_or_default();
            (c, m)
        })
        .collect();
    let calls = merge_plan::plan(&grouped, batch);
    let width = batch.saturating_sub(1).max(1);
    let mut header = vec![
        "cluster_id".to_string(),
        "step".to_string(),
        "MasterRecordId".to_string(),
    ];
    header.extend((1..=width).map(|k| format!("DuplicateRecordId{k}")));
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    write::records(
        plan_path,
        &header,
        calls.iter().map(|call| {
            let mut row = vec![
                call.cluster.clone(),
                call.step.to_string(),
                call.master.clone(),
            ];
            row.extend(call.duplicates.iter().cloned());
            row.resize(3 + width, String::new());
            row
        }),
    )?;
    Ok(calls.len())
}
