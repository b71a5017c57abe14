//! `tidyrec export INPUT --target salesforce|hubspot|dynamics|zoho|fxiaoke|PROFILE.toml -o OUTPUT`
//!
//! Read → normalize (unless `--no-normalize`) → map columns onto the target's
//! import fields → write the import file(s), split at the target's limits.
//! Rows the importer would reject (a required field empty) go to a
//! set-aside file beside the output, never dropped. With `--merge-plan` and
//! `--clusters`, also writes the merge calls for the clusters found in an
//! export of the target (Salesforce: a master and two duplicates per call).

use super::normalize::{build_plan, resolve_region, resolve_roles};
use super::{Log, Status};
use crate::cli::ExportArgs;
use crate::config::RuleFile;
use crate::export::{self, merge_plan, profile::OutputEncoding, profile::Profile};
use crate::io::{self, write};
use crate::progress::Progress;
use crate::schema::Role;
use anyhow::{bail, Context, Result};
use std::collections::HashMap;
use std::path::Path;
use std::time::Instant;

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

/// Columns tidyrec itself adds (golden records, pipelines).
const BOOKKEEPING: [&str; 5] = [
    "cluster_id",
    "member_count",
    "member_ids",
    "source",
    "record_id",
];

pub fn run(args: &ExportArgs, log: &Log, progress: &dyn Progress) -> Result<Status> {
    let started = Instant::now();
    let input_path = &args.input.input;
    let output_path = &args.output;
    if output_path == Path::new("-") {
        bail!("export writes files (it may split them): give -o a file name such as contacts.csv");
    }
    if io::Format::from_path(output_path) == io::Format::Parquet
        || io::Format::from_path(output_path) == io::Format::Xlsx
    {
        bail!(
            "`{}`: CRM import files are CSV; name the output .csv",
            output_path.display()
        );
    }
    let mut profile = Profile::load(&args.target)?;
    if let Some(label) = &args.out_encoding {
        profile.encoding = OutputEncoding::parse(label).with_context(|| {
            format!("--out-encoding `{label}` is not one of utf-8, utf-8-bom, gbk, gb18030")
        })?;
    }
    let max_rows = args.max_rows.unwrap_or(profile.max_rows).max(1);
    let max_bytes = args.max_bytes.unwrap_or(profile.max_bytes).max(1024);
    let set_aside_path = output_path.with_file_name(format!(
        "{}.set-aside.csv",
        output_path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("export")
    ));
    let mut paths = super::path_plan(&args.input, output_path);
    paths
        .read("--rules", args.rules.as_deref())
        .read("--clusters", args.clusters.as_deref())
        .read(
            "--target",
            Some(Path::new(&args.target)).filter(|p| p.is_file()),
        )
        .write("-o", Some(output_path))
        .write("--merge-plan", args.merge_plan.as_deref())
        .write("set-aside file", Some(&set_aside_path))
        .check()?;
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

    let mapping = export::map_columns(&profile, &table.headers, &roles);
    let options = write::CsvOptions {
        bom: false,
        allow_formulas: args.allow_formulas,
    };
    let rendered = export::render(
        table,
        &roles,
        &profile,
        &mapping,
        args.keep_unmapped,
        options,
    );
    let written = export::write_parts(
        output_path,
        &rendered,
        profile.encoding,
        max_rows,
        max_bytes,
        &paths,
    )?;
    if !rendered.set_aside.is_empty() {
        let mut header = vec!["row".to_string(), "reason".to_string()];
        header.extend(rendered.header.iter().cloned());
        let header: Vec<&str> = header.iter().map(String::as_str).collect();
        write::records(
            &set_aside_path,
            &header,
            rendered.set_aside.iter().map(|s| {
                let mut row = vec![s.row.to_string(), s.reason.clone()];
                row.extend(s.values.iter().cloned());
                row
            }),
        )?;
        log.warn(&format!(
            "{} row(s) set aside in `{}`: the target requires a field they lack",
            rendered.set_aside.len(),
            set_aside_path.display()
        ));
    }
    super::write_rejects(
        &super::rejects_path(&args.input, output_path),
        &read.rejects,
        raw.row_count(),
        log,
    )?;
    if let (Some(plan_path), Some(clusters_path)) = (&args.merge_plan, &args.clusters) {
        let calls = write_merge_plan(plan_path, clusters_path, raw, &profile, args)?;
        log.info(&format!("{calls} merge call(s) → {}", plan_path.display()));
    }

    if log.is_verbose() {
        log.detail(&format!(
            "profile {} ({}), {}, dates {}, at most {max_rows} rows / {max_bytes} bytes per file",
            profile.name,
            profile.description,
            profile.encoding.name(),
            profile.date_format
        ));
        for (field, source) in profile.fields.iter().zip(&mapping.sources) {
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
    // tidyrec's own columns (golden records, pipelines) are not data the
    // steward expects in a CRM: leaving them out is not worth a warning.
    let left_out: Vec<String> = mapping
        .unmapped
        .iter()
        .filter(|&&c| !BOOKKEEPING.contains(&table.headers[c].as_str()))
        .map(|&c| format!("`{}`", table.headers[c]))
        .collect();
    if !left_out.is_empty() && !args.keep_unmapped {
        let message = format!(
            "column(s) with no {} import field, not exported: {} (add them with --keep-unmapped)",
            profile.name,
            left_out.join(", ")
        );
        // A pipeline exports the same columns every night: say it once in
        // --verbose, not as a nightly warning.
        if log.is_step() {
            log.detail(&message);
        } else {
            log.warn(&message);
        }
    }
    if rendered.stats.dates_not_converted > 0 {
        log.warn(&format!(
            "{} date value(s) could not be read as dates and were exported as written",
            rendered.stats.dates_not_converted
        ));
    }
    let parts: Vec<String> = written
        .parts
        .iter()
        .map(|(p, n)| format!("{} ({n} rows)", p.display()))
        .collect();
    log.info(&format!(
        "{} rows → {} import file(s) for {} in {:.2}s: {}",
        rendered.stats.rows,
        parts.len(),
        profile.name,
        started.elapsed().as_secs_f64(),
        parts.join(", ")
    ));
    // A consent column the target cannot take would lose customers' choices.
    let lost_consent: Vec<String> = mapping
        .unmapped
        .iter()
        .filter(|&&c| {
            // A choice is a yes/no column (`Consent Date` is not one).
            roles[c] == Role::Boolean
                && crate::export::profile::Consent::of_header(&table.headers[c]).is_some()
        })
        .map(|&c| format!("`{}`", table.headers[c]))
        .collect();
    if !lost_consent.is_empty() && !args.keep_unmapped {
        log.warn(&format!(
            "consent column(s) {} have no {} import field: the CRM would not learn these choices; export them with --keep-unmapped",
            lost_consent.join(", "),
            profile.name
        ));
        if !args.allow_set_aside {
            log.warn(
                "exit 1: a consent choice would be lost (pass --allow-set-aside to accept that)",
            );
            return Ok(Status::Failed);
        }
    }
    // Every input row is in an import file or in the set-aside file; a
    // set-aside row is a customer the CRM will not get, so it is a policy
    // failure unless the steward allowed it.
    if !rendered.set_aside.is_empty() && !args.allow_set_aside {
        log.warn(&format!(
            "exit 1: {} of {} row(s) set aside (pass --allow-set-aside to accept that)",
            rendered.set_aside.len(),
            rendered.set_aside.len() + rendered.stats.rows
        ));
        return Ok(Status::Failed);
    }
    Ok(Status::Success)
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
