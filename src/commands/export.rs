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
use crate::export::profile::{OutputEncoding, Profile};
use crate::export::{self, merge_plan, ConsentOutcome, ExportOutcome, FileRows, UpsertOutcome};
use crate::io::{self, write};
use crate::normalize::plan::{build_plan, resolve_region};
use crate::progress::Progress;
use crate::schema::resolve::resolve_roles;
use crate::schema::Role;
use anyhow::{bail, Context, Result};
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

/// An export's settings, resolved from the flags and the target's profile
/// before a row is read.
pub struct ExportSettings {
    pub profile: Profile,
    /// The import file (split parts are `OUTPUT-part1.csv` …).
    pub output: std::path::PathBuf,
    pub max_rows: usize,
    pub max_bytes: u64,
    pub keep_unmapped: bool,
    pub allow_formulas: bool,
    pub allow_set_aside: bool,
    pub report: Option<std::path::PathBuf>,
}

impl ExportSettings {
    /// The target's profile (with an output encoding instead of its own)
    /// and limits; the output must be a CSV file name. Flags default off.
    pub fn resolve(
        target: &str,
        out_encoding: Option<&str>,
        output: &Path,
        max_rows: Option<usize>,
        max_bytes: Option<u64>,
    ) -> Result<ExportSettings> {
        if output == Path::new("-") {
            bail!(
                "export writes files (it may split them): give -o a file name such as contacts.csv"
            );
        }
        if io::Format::from_path(output) == io::Format::Parquet
            || io::Format::from_path(output) == io::Format::Xlsx
        {
            bail!(
                "`{}`: CRM import files are CSV; name the output .csv",
                output.display()
            );
        }
        let mut profile = Profile::load(target)?;
        if let Some(label) = out_encoding {
            profile.encoding = OutputEncoding::parse(label).with_context(|| {
                format!("--out-encoding `{label}` is not one of utf-8, utf-8-bom, gbk, gb18030")
            })?;
        }
        Ok(ExportSettings {
            max_rows: max_rows.unwrap_or(profile.max_rows).max(1),
            max_bytes: max_bytes.unwrap_or(profile.max_bytes).max(1024),
            profile,
            output: output.to_path_buf(),
            keep_unmapped: false,
            allow_formulas: false,
            allow_set_aside: false,
            report: None,
        })
    }

    /// Declares the files an export writes (the import file, the set-aside
    /// rows, an opt-out list) in a path plan, so none lands on an input.
    pub fn declare_writes(&self, plan: &mut crate::io::paths::Plan) {
        plan.write("-o", Some(&self.output))
            .write("set-aside file", Some(&self.set_aside_path()))
            .write(
                "opt-out list",
                self.profile
                    .opt_out_list
                    .is_some()
                    .then_some(self.opt_out_path().as_path()),
            );
    }

    /// `OUTPUT.set-aside.csv`: the rows the importer would reject.
    pub fn set_aside_path(&self) -> std::path::PathBuf {
        self.beside("set-aside")
    }

    /// `OUTPUT.opt-out.csv`: a target's opt-out list (HubSpot).
    pub fn opt_out_path(&self) -> std::path::PathBuf {
        self.beside("opt-out")
    }

    fn beside(&self, kind: &str) -> std::path::PathBuf {
        let stem = self
            .output
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("export");
        self.output.with_file_name(format!("{stem}.{kind}.csv"))
    }
}

/// Exports a table (normalized, with its roles): maps its columns onto the
/// profile, writes the import file(s), the set-aside rows and an opt-out
/// list, logs what happened and returns it. `paths` guards the files read.
pub(crate) fn export_table(
    table: &crate::table::Table,
    roles: &[Role],
    settings: &ExportSettings,
    paths: &crate::io::paths::Plan,
    started: Instant,
    log: &Log,
) -> Result<(Status, ExportOutcome)> {
    let mapping = export::map_columns(&settings.profile, &table.headers, roles);
    let options = write::CsvOptions {
        bom: false,
        allow_formulas: settings.allow_formulas,
    };
    let rendered = export::render(
        table,
        roles,
        &settings.profile,
        &mapping,
        settings.keep_unmapped,
        options,
    );
    let written = export::write_parts(
        &settings.output,
        &rendered,
        settings.profile.encoding,
        settings.max_rows,
        settings.max_bytes,
        paths,
    )?;
    if !rendered.set_aside.is_empty() {
        let mut header = vec!["row".to_string(), "reason".to_string()];
        header.extend(rendered.header.iter().cloned());
        let header: Vec<&str> = header.iter().map(String::as_str).collect();
        write::records(
            &settings.set_aside_path(),
            &header,
            rendered.set_aside.iter().map(|s| {
                let mut row = vec![s.row.to_string(), s.reason.clone()];
                row.extend(s.values.iter().cloned());
                row
            }),
        )?;
    }

    // E-mail consent: into the target's consent field, or (HubSpot) into an
    // opt-out list file; either way the polarity is kept.
    let consent_column = export::consent_column(table, roles);
    let consent = consent_column.map(|(c, column_means)| {
        let field = settings
            .profile
            .fields
            .iter()
            .enumerate()
            .find(|(f, field)| {
                field.consent.is_some() && mapping.sources[*f] == export::Source::Column(c)
            });
        let opted_out = (0..table.row_count())
            .filter(|&r| export::opted_out(table.columns[c].get(r), column_means) == Some(true))
            .count();
        ConsentOutcome {
            column: table.headers[c].clone(),
            column_means,
            field: field.map(|(_, f)| f.header.clone()),
            field_means: field.and_then(|(_, f)| f.consent),
            inverted: field.is_some_and(|(_, f)| f.consent != Some(column_means)),
            opt_out_list: None,
            opted_out,
            exported: field.is_some() || settings.keep_unmapped,
        }
    });
    let consent = match (consent, consent_column, &settings.profile.opt_out_list) {
        (Some(mut consent), Some((c, means)), Some(list_header)) if consent.field.is_none() => {
            let email = roles.iter().position(|&r| r == Role::Email);
            // In first-seen order, each once (a set: 700k opt-outs at 1.5M
            // records made a linear search quadratic).
            let mut addresses: Vec<String> = Vec::new();
            let mut seen: rustc_hash::FxHashSet<&str> = Default::default();
            if let Some(email) = email {
                for r in 0..table.row_count() {
                    let address = table.columns[email].get(r).trim();
                    if !address.is_empty()
                        && export::opted_out(table.columns[c].get(r), means) == Some(true)
                        && seen.insert(address)
                    {
                        addresses.push(address.to_string());
                    }
                }
            }
            write::records(
                &settings.opt_out_path(),
                &[list_header.as_str()],
                addresses
                    .iter()
                    .map(|a| vec![write::guard(a, options).into_owned()]),
            )?;
            consent.opt_out_list = Some(FileRows {
                file: settings.opt_out_path().display().to_string(),
                rows: addresses.len(),
            });
            consent.exported = email.is_some();
            Some(consent)
        }
        (consent, _, _) => consent,
    };

    if log.is_verbose() {
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
    // tidyrec's own columns (golden records, pipelines) are not data the
    // steward expects in a CRM: leaving them out is not worth a warning.
    let left_out: Vec<String> = mapping
        .unmapped
        .iter()
        .filter(|&&c| !export::BOOKKEEPING.contains(&table.headers[c].as_str()))
        .map(|&c| table.headers[c].clone())
        // A consent column that went into an opt-out list is not lost.
        .filter(|h| {
            consent
                .as_ref()
                .is_none_or(|k| k.opt_out_list.is_none() || &k.column != h)
        })
        .collect();
    if !left_out.is_empty() && !settings.keep_unmapped {
        let message = format!(
            "column(s) with no {} import field, not exported: {} (add them with --keep-unmapped)",
            settings.profile.name,
            left_out
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
    if rendered.stats.dates_not_converted > 0 {
        log.warn(&format!(
            "{} date value(s) could not be read as dates and were exported as written",
            rendered.stats.dates_not_converted
        ));
    }
    let counts = |map: &std::collections::BTreeMap<String, usize>| -> String {
        map.iter()
            .map(|(k, n)| format!("{k} ({n})"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if !rendered.stats.derived.is_empty() {
        log.info(&format!(
            "filled from the row's other name columns: {}",
            counts(&rendered.stats.derived)
        ));
    }
    for (field, n) in &rendered.stats.filled {
        let placeholder = settings
            .profile
            .fields
            .iter()
            .find(|f| &f.header == field)
            .and_then(|f| f.when_empty.clone())
            .unwrap_or_default();
        log.warn(&format!(
            "{n} row(s) had no {field}, which {} requires: written as `{placeholder}` (the importer's placeholder)",
            settings.profile.name
        ));
    }
    if !rendered.set_aside.is_empty() {
        log.warn(&format!(
            "{} row(s) set aside in `{}`: {}",
            rendered.set_aside.len(),
            settings.set_aside_path().display(),
            counts(&rendered.stats.set_aside_reasons)
        ));
    }
    let upsert: Vec<UpsertOutcome> = settings
        .profile
        .fields
        .iter()
        .zip(&mapping.sources)
        .filter_map(|(field, source)| {
            field.upsert.map(|carries| UpsertOutcome {
                field: field.header.clone(),
                carries,
                column: match *source {
                    export::Source::Column(c) => Some(table.headers[c].clone()),
                    _ => None,
                },
            })
        })
        .collect();
    if !upsert.is_empty() && upsert.iter().all(|u| u.column.is_none()) {
        log.warn(&format!(
            "the input has no id column: a later import into {} cannot update these records (give the input an id column, or export golden records)",
            settings.profile.name
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
        settings.profile.name,
        started.elapsed().as_secs_f64(),
        parts.join(", ")
    ));
    if let Some(consent) = &consent {
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
    let outcome = ExportOutcome {
        version: crate::report::VERSION,
        target: settings.profile.name.clone(),
        input_rows: table.row_count(),
        rows: rendered.stats.rows,
        files: written
            .parts
            .iter()
            .map(|(p, n)| FileRows {
                file: p.display().to_string(),
                rows: *n,
            })
            .collect(),
        set_aside: rendered.set_aside.len(),
        set_aside_reasons: rendered.stats.set_aside_reasons.clone(),
        set_aside_file: (!rendered.set_aside.is_empty())
            .then(|| settings.set_aside_path().display().to_string()),
        derived: rendered.stats.derived.clone(),
        filled: rendered.stats.filled.clone(),
        consent,
        upsert,
        unmapped: left_out,
        dates_not_converted: rendered.stats.dates_not_converted,
    };
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
    if !rendered.set_aside.is_empty() && !settings.allow_set_aside {
        log.warn(&format!(
            "exit 1: {} of {} row(s) set aside (pass --allow-set-aside to accept that)",
            rendered.set_aside.len(),
            rendered.set_aside.len() + rendered.stats.rows
        ));
        return Ok((Status::Failed, outcome));
    }
    Ok((Status::Success, outcome))
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
