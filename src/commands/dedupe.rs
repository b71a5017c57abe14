//! `tidyrec dedupe INPUT -o GOLDEN [--clusters F] [--pairs F] [--lineage F] …`
//!
//! Read → normalize (unless `--no-normalize`) → match (features, blocking,
//! comparison, Fellegi–Sunter scoring, clustering) → merge into golden
//! records → write. Every output is written atomically; the input is never
//! touched. Exit 1 with `--fail-on-duplicates` when a cluster has two or
//! more records.

use super::args::{parse_max_block, parse_probability, InputArgs, OutputArgs};
use super::review::{self as steward, ReviewArgs};
use super::{Log, Status};
use crate::config::RuleFile;
use crate::dedupe::{self, DedupeError, DedupeSettings, Deduped, GOLDEN_COLUMNS};
use crate::io::{self, write};
use crate::matching::load_model;
use crate::matching::{self, features};
use crate::merge::{self, Survivorship};
use crate::normalize::plan::{build_plan, resolve_region};
use crate::progress::Progress;
use crate::report::phase_timings;
use crate::schema::resolve::{
    check_unique_ids, default_id_column, identifier_columns, resolve_roles,
};
use crate::schema::Role;
use crate::table::Table;
use anyhow::{bail, Context, Result};
use clap::Args;
use std::collections::BTreeMap;
use std::path::Path;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Debug, Args)]
pub struct DedupeArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Golden records: one row per entity (CSV or Parquet by extension).
    #[command(flatten)]
    pub output: OutputArgs,
    /// The column that identifies a record (default: the first id column
    /// whose values are unique, else the row number).
    #[arg(long, value_name = "COLUMN")]
    pub id_column: Option<String>,
    /// Rule file: roles, normalization options, survivorship per column.
    #[arg(long, value_name = "FILE")]
    pub rules: Option<PathBuf>,
    /// Match probability from which two records are the same entity
    /// [default: 0.99, or `threshold` in the rule file's [dedupe]].
    #[arg(long, value_name = "P", value_parser = parse_probability)]
    pub threshold: Option<f64>,
    /// Write every input record's cluster (id, cluster_id, cluster_size, match_probability).
    #[arg(long, value_name = "FILE")]
    pub clusters: Option<PathBuf>,
    /// Write every scored candidate pair with per-field levels and weights.
    #[arg(long, value_name = "FILE")]
    pub pairs: Option<PathBuf>,
    /// Write, for each field of each merged golden row, the member it came from.
    #[arg(long, value_name = "FILE")]
    pub lineage: Option<PathBuf>,
    /// Write a JSON report (counts, blocking, model, timings).
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// Save the trained model (JSON) to score later runs the same way.
    #[arg(long, value_name = "FILE")]
    pub save_model: Option<PathBuf>,
    /// Score with a saved model instead of training one.
    #[arg(long, value_name = "FILE")]
    pub model: Option<PathBuf>,
    /// Match the values as they are (the input is already normalized).
    #[arg(long)]
    pub no_normalize: bool,
    /// Exit 1 when any cluster has more than one record (for CI checks).
    #[arg(long)]
    pub fail_on_duplicates: bool,
    /// Blocks with more records than this are skipped and reported
    /// [default: 50, or `max-block` in the rule file's [dedupe]; 2–5000].
    #[arg(long, value_name = "N", value_parser = parse_max_block)]
    pub max_block: Option<usize>,
    /// Memory to plan for, e.g. 8G or 512M (default: 8G, or three quarters
    /// of the available memory if less). Past it, the normalized table is
    /// set aside in a temporary file next to the output while matching.
    #[arg(long, value_name = "SIZE", value_parser = crate::spill::parse_size)]
    pub max_memory: Option<u64>,
    /// Country for phones of rows without one (ISO code or name).
    #[arg(long, value_name = "COUNTRY")]
    pub default_region: Option<String>,
    #[command(flatten)]
    pub steward: ReviewArgs,
}

pub const EXAMPLES: &str = "Examples:
  # Zero configuration: golden records plus the cluster of every input record
  tidyrec dedupe crm_export.csv -o golden.csv --clusters clusters.csv

  # Explain every scored pair, record where each golden value came from
  tidyrec dedupe crm_export.csv -o golden.csv --pairs pairs.csv --lineage lineage.csv

  # Cron: train once, then score every night with the same model
  tidyrec dedupe master.csv -o golden.csv --save-model model.json
  tidyrec dedupe tonight.csv -o golden.csv --model model.json

  # Review the uncertain pairs, then re-run obeying the steward's verdicts
  tidyrec dedupe export.csv -o golden.csv --review review.csv --review-html review.html
  tidyrec dedupe export.csv -o golden.csv --decisions review.csv

  # CI: fail the job when the export holds duplicates
  tidyrec dedupe export.csv -o /tmp/golden.csv --fail-on-duplicates --report dedupe.json";

pub fn run(args: &DedupeArgs, log: &Log, progress: &dyn Progress) -> Result<Status> {
    let started = Instant::now();
    let input_path = &args.input.input;
    let output_path = &args.output.output;
    let rejects_path = super::rejects_path(&args.input, output_path);
    check_paths(args)?;
    let rules = RuleFile::load_optional(args.rules.as_deref())?;
    let default_region = resolve_region(args.default_region.as_deref(), &rules)?;
    let saved_model = args.model.as_deref().map(load_model).transpose()?;

    let read = io::read(input_path, &super::read_options(&args.input))?;
    super::note_read(log, input_path, &read);
    let rejects = read.rejects;
    let raw = read.table;
    let Records {
        inferred,
        roles,
        identifiers,
        id_header,
        ids,
    } = records(&raw, &rules, args.id_column.as_deref(), input_path)?;
    let decisions = steward::load(args.steward.decisions.as_deref(), &ids)?;
    let read_time = started.elapsed();

    let mut settings = DedupeSettings::resolve(
        args.threshold,
        args.max_block,
        &rules,
        saved_model,
        args.pairs.is_some(),
    );
    let budget = dedupe::MemoryBudget {
        bytes: args.max_memory.unwrap_or_else(crate::spill::default_budget),
        spill_dir: crate::spill::dir_beside(output_path),
    };
    settings.memory = Some(budget.clone());
    settings.keep_lineage = args.lineage.is_some();
    settings.review_below = args.steward.band();
    if let Some(resolved) = &decisions {
        settings.decisions = resolved.rows.clone();
    }
    let plan =
        (!args.no_normalize).then(|| build_plan(&raw, &inferred, &rules, default_region, None));
    let deduped = match dedupe::deduplicate(
        raw,
        plan.as_ref(),
        &roles,
        &identifiers,
        &rules,
        &settings,
        progress,
    ) {
        Err(DedupeError::NothingToMatch) => bail!(dedupe::nothing_to_match(input_path)),
        other => other?,
    };
    let Deduped {
        table,
        matches: outcome,
        features,
        golden,
        survivorship,
        timings_before: [normalize_time, features_time],
        merge_time,
        spilled,
        set_aside_time,
    } = deduped;
    let records = table.row_count();
    let (threshold, max_block) = (settings.threshold, settings.max_block);

    let write_started = Instant::now();
    progress.start("write", records as u64);
    let id_header = id_header.as_str();
    let csv_options = write::CsvOptions {
        bom: args.output.bom,
        allow_formulas: args.output.allow_formulas,
    };
    // Golden rows are formatted from the normalized table and the merge's
    // decisions, not from a golden copy of the table.
    let golden_rows = dedupe::GoldenRows::new(&golden, &table, &ids);
    // The golden and clusters files are independent: write them side by side.
    let (golden_written, clusters_written) = rayon::join(
        || write::rows(output_path, &golden_rows, csv_options),
        || match &args.clusters {
            Some(path) => write_clusters(path, id_header, &ids, &outcome),
            None => Ok(()),
        },
    );
    golden_written?;
    clusters_written?;
    drop(golden_rows);
    // The normalized table only serves the lineage and the review from
    // here: without them, free it.
    let table = (args.lineage.is_some() || settings.review_below.is_some()).then_some(table);
    if let (Some(path), Some(features)) = (&args.pairs, &features) {
        write_pairs(path, id_header, &ids, features, &outcome)?;
    }
    if let Some(path) = &args.lineage {
        if let Some(table) = &table {
            write_lineage(path, table, &golden.lineage, &ids, &survivorship)?;
        }
    }
    // Rows the reader could not use are not matched, but never lost.
    super::write_rejects(&rejects_path, &rejects, ids.len(), log)?;
    if let Some(path) = &args.save_model {
        write::json(path, &outcome.model)?;
    }
    let review_count = match (&table, settings.review_below) {
        (Some(table), Some(_)) => {
            let id = |r: usize| ids[r].clone();
            let cluster = |r: usize| outcome.clusters.cluster_of[r].to_string();
            let source = crate::review::Source {
                table,
                id: &id,
                cluster: &cluster,
                clusters: &outcome.clusters,
                kinds: &outcome.kinds,
            };
            Some(steward::write_files(
                &args.steward,
                &outcome.review,
                &source,
                csv_options,
                log,
            )?)
        }
        _ => None,
    };
    progress.advance(records as u64);
    progress.finish();
    let write_time = write_started.elapsed();
    let decisions_json = decisions.as_ref().map(|resolved| {
        steward::note(
            log,
            &resolved.decisions,
            steward::Applied {
                rows: &resolved.rows,
                effects: &outcome.clusters.decision_effects,
                unknown: resolved.unknown,
                links_refused: outcome.clusters.refused_by_decisions,
            },
        )
    });

    warn_conflicts(log, &golden.conflicts);
    let duplicates = records - outcome.clusters.count;
    // The table's trip to disk and back is its own line when it happened,
    // so the phases add up to the total.
    let mut after = vec![("merge", merge_time), ("write", write_time)];
    if spilled.is_some() {
        after.insert(0, ("set aside", set_aside_time));
    }
    let timings = phase_timings(
        [("read", read_time), normalize_time, features_time],
        &outcome.stats,
        &after,
        started.elapsed(),
    );
    let memory = memory_note(budget.bytes, spilled);
    if log.is_verbose() {
        log.detail(&memory.line);
    }
    if let Some(path) = &args.report {
        let report = report(
            args,
            id_header,
            threshold,
            &outcome,
            &golden,
            &timings,
            memory.json,
        );
        let mut report = report;
        if let Some(decisions) = &decisions_json {
            report["decisions"] = decisions.clone();
        }
        if let Some(count) = review_count {
            report["review_pairs"] = count.into();
        }
        write::json(path, &report)?;
    }
    log_outcome(
        log,
        args,
        &outcome,
        (threshold, max_block),
        &timings,
        started,
    );
    if args.fail_on_duplicates && duplicates > 0 {
        log.warn(&format!(
            "--fail-on-duplicates: {duplicates} duplicate record(s) found"
        ));
        return Ok(Status::Failed);
    }
    Ok(Status::Success)
}

/// Refuses, before anything is read, a run that would write over one of
/// its inputs or write one file twice.
fn check_paths(args: &DedupeArgs) -> Result<()> {
    let output_path = &args.output.output;
    write::ensure_writable_format(output_path)?;
    super::path_plan(&args.input, output_path)
        .read("--rules", args.rules.as_deref())
        .read("--model", args.model.as_deref())
        .write("-o", Some(output_path))
        .write("--clusters", args.clusters.as_deref())
        .write("--pairs", args.pairs.as_deref())
        .write("--lineage", args.lineage.as_deref())
        .write("--report", args.report.as_deref())
        .write("--save-model", args.save_model.as_deref())
        .read("--decisions", args.steward.decisions.as_deref())
        .write("--review", args.steward.review.as_deref())
        .write("--review-html", args.steward.review_html.as_deref())
        .check()?;
    Ok(())
}

/// `--report`: counts, cluster sizes, blocking, model and timings.
fn report(
    args: &DedupeArgs,
    id_header: &str,
    threshold: f64,
    outcome: &matching::Outcome,
    golden: &merge::Decided,
    timings: &[(&'static str, std::time::Duration)],
    memory: serde_json::Value,
) -> serde_json::Value {
    let (input_path, output_path) = (&args.input.input, &args.output.output);
    let mut sizes: BTreeMap<usize, usize> = BTreeMap::new();
    for members in &golden.members {
        *sizes.entry(members.len()).or_default() += 1;
    }
    let records: usize = golden.members.iter().map(Vec::len).sum();
    let duplicates = records - outcome.clusters.count;
    serde_json::json!({
        "version": crate::report::VERSION,
        "command": "dedupe",
        "input": input_path,
        "output": output_path,
        "records": records,
        "id_column": id_header,
        "clusters": outcome.clusters.count,
        "duplicate_records": duplicates,
        "duplicate_rate": if records == 0 { 0.0 } else { duplicates as f64 / records as f64 },
        "clusters_by_size": sizes.iter().map(|(k, v)| (k.to_string(), *v)).collect::<BTreeMap<_, _>>(),
        "threshold": threshold,
        "fields": outcome.stats.fields,
        "blocking": outcome.stats.blocking,
        "candidate_pairs": outcome.stats.candidate_pairs,
        "matched_pairs": outcome.stats.matched_pairs,
        "refused_links": outcome.stats.refused_links,
        "identity_conflicts": golden.conflicts,
        "model": outcome.model,
        "guards": outcome.stats.guard_calibration.as_ref().map(|c| c.report()),
        "memory": memory,
        "timings_ms": timings.iter().map(|(k, d)| (k.to_string(), d.as_millis() as u64)).collect::<BTreeMap<_, _>>(),
    })
}

/// How memory was used: the budget, whether the normalized table was set
/// aside on disk while matching, and the peak so far (a line for `-v`, an
/// object for the report).
struct MemoryNote {
    line: String,
    json: serde_json::Value,
}

fn memory_note(budget: u64, spilled: Option<u64>) -> MemoryNote {
    let peak = crate::spill::peak_resident();
    let gib = |bytes: u64| bytes as f64 / f64::from(1u32 << 30);
    let strategy = match spilled {
        Some(bytes) => format!(
            "normalized table ({:.1} GiB) set aside on disk while matching",
            gib(bytes)
        ),
        None => "all in memory".to_string(),
    };
    let peak_text = peak.map_or(String::new(), |p| format!("; peak {:.2} GiB", gib(p)));
    MemoryNote {
        line: format!(
            "memory: {strategy} (budget {:.1} GiB){peak_text}",
            gib(budget)
        ),
        json: serde_json::json!({
            "budget_bytes": budget,
            "table_spilled_bytes": spilled,
            "peak_resident_bytes": peak,
        }),
    }
}

/// What matching found: fields and blocking (`--verbose`), oversized
/// blocks, the result line, links refused by the guards.
fn log_outcome(
    log: &Log,
    args: &DedupeArgs,
    outcome: &matching::Outcome,
    (threshold, max_block): (f64, usize),
    timings: &[(&'static str, std::time::Duration)],
    started: Instant,
) {
    let records = outcome.clusters.cluster_of.len();
    let duplicates = records - outcome.clusters.count;
    let output_path = &args.output.output;
    if log.is_verbose() {
        log.detail(&format!("matching on: {}", outcome.stats.fields.join(", ")));
        if let Some(calibration) = &outcome.stats.guard_calibration {
            log.detail(&calibration.describe());
        }
        for rule in &outcome.stats.blocking {
            let mut notes = Vec::new();
            if rule.neighbourhood_blocks > 0 {
                notes.push(format!(
                    "{} large block(s) paired by nearest {} neighbours",
                    rule.neighbourhood_blocks,
                    crate::matching::blocking::WINDOW - 1
                ));
            }
            if rule.oversized_blocks > 0 {
                notes.push(format!(
                    "{} oversized block(s) with {} records skipped",
                    rule.oversized_blocks, rule.records_in_oversized_blocks
                ));
            }
            let notes = if notes.is_empty() {
                String::new()
            } else {
                format!(" ({})", notes.join("; "))
            };
            log.detail(&format!(
                "  blocking {:<32} {:>10} pairs{notes}",
                rule.rule, rule.pairs
            ));
        }
        log.timings(timings);
    }
    for rule in outcome
        .stats
        .blocking
        .iter()
        .filter(|r| r.oversized_blocks > 0)
    {
        log.warn(&format!(
            "blocking rule `{}`: {} block(s) larger than --max-block {} skipped ({} records); other rules still pair them",
            rule.rule, rule.oversized_blocks, max_block, rule.records_in_oversized_blocks
        ));
    }
    log.event(
        "info",
        "deduplicated",
        &format!(
            "{records} records → {} entities ({duplicates} duplicate records; {} candidate pairs, {} above {}) in {:.2}s → {}",
            outcome.clusters.count,
            outcome.stats.candidate_pairs,
            outcome.stats.matched_pairs,
            threshold,
            started.elapsed().as_secs_f64(),
            output_path.display()
        ),
        serde_json::json!({
            "records": records,
            "entities": outcome.clusters.count,
            "duplicate_records": duplicates,
            "candidate_pairs": outcome.stats.candidate_pairs,
            "matched_pairs": outcome.stats.matched_pairs,
            "threshold": threshold,
            "seconds": started.elapsed().as_secs_f64(),
            "output": output_path,
        }),
    );
    if outcome.clusters.refused_links > 0 {
        log.info(&format!(
            "{} link(s) above the threshold were not followed: they would have joined records that do not match each other",
            outcome.clusters.refused_links
        ));
    }
}

/// The roles and ids of a table to dedupe: roles resolved (rule file >
/// `--id-column` > inference), the record id column (named and checked
/// unique, else the first unique id column, else row numbers), other
/// systems' person identifiers, and each row's id as written.
pub(crate) struct Records {
    pub inferred: Vec<crate::schema::Inferred>,
    pub roles: Vec<Role>,
    pub identifiers: Vec<usize>,
    pub id_header: String,
    pub ids: Vec<String>,
}

pub(crate) fn records(
    raw: &Table,
    rules: &RuleFile,
    id_column: Option<&str>,
    input_path: &Path,
) -> Result<Records> {
    for name in GOLDEN_COLUMNS {
        if raw.column_index(name).is_some() {
            bail!(
                "`{}` already has a column named `{name}`, which dedupe adds to the golden file; rename it",
                input_path.display()
            );
        }
    }
    let inferred = resolve_roles(raw, rules, id_column, input_path)?;
    let roles: Vec<Role> = inferred.iter().map(|i| i.role).collect();
    let id_column = match id_column {
        Some(name) => {
            let column = raw.column_index(name).with_context(|| {
                format!(
                    "--id-column `{name}` is not a column of `{}` (columns: {})",
                    input_path.display(),
                    raw.headers.join(", ")
                )
            })?;
            check_unique_ids(raw, column, input_path)?;
            Some(column)
        }
        None => default_id_column(raw, &roles),
    };
    let identifiers = identifier_columns(raw, rules, id_column);
    // Record ids as written (before normalization), for every output.
    let id_header = id_column.map_or("row".to_string(), |c| raw.headers[c].clone());
    let ids: Vec<String> = (0..raw.row_count())
        .map(|row| match id_column {
            Some(c) => raw.columns[c].get(row).to_string(),
            None => (row + 1).to_string(),
        })
        .collect();
    Ok(Records {
        inferred,
        roles,
        identifiers,
        id_header,
        ids,
    })
}

/// Says which merged customers may be two people.
pub(crate) fn warn_conflicts(log: &Log, conflicts: &[u32]) {
    if conflicts.is_empty() {
        return;
    }
    log.warn(&format!(
        "{} merged customer(s) have members with different first names and birth dates (clusters {}{}): each golden row is one member's person, but check them — they may be two people",
        conflicts.len(),
        conflicts
            .iter()
            .take(10)
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(", "),
        if conflicts.len() > 10 { ", …; all in --report" } else { "" }
    ));
}

fn write_clusters(
    path: &Path,
    id_header: &str,
    ids: &[String],
    outcome: &matching::Outcome,
) -> Result<()> {
    let clusters = &outcome.clusters;
    let mut sizes = vec![0usize; clusters.count + 1];
    for &c in &clusters.cluster_of {
        sizes[c as usize] += 1;
    }
    let rows = ids.iter().enumerate().map(|(row, id)| {
        let c = clusters.cluster_of[row];
        [
            id.clone(),
            c.to_string(),
            sizes[c as usize].to_string(),
            clusters.best_probability[row].map_or(String::new(), |p| format!("{p:.6}")),
        ]
    });
    write::records(
        path,
        &[id_header, "cluster_id", "cluster_size", "match_probability"],
        rows,
    )
    .with_context(|| format!("writing the clusters to `{}`", path.display()))
}

fn write_pairs(
    path: &Path,
    id_header: &str,
    ids: &[String],
    features: &features::Features,
    outcome: &matching::Outcome,
) -> Result<()> {
    let width = outcome.kinds.len();
    let mut header: Vec<String> = vec![
        format!("{id_header}_l"),
        format!("{id_header}_r"),
        "match_probability".into(),
        "match_weight".into(),
    ];
    for kind in &outcome.kinds {
        header.push(format!("{}_level", kind.name()));
        header.push(format!("{}_weight", kind.name()));
    }
    let header_refs: Vec<&str> = header.iter().map(String::as_str).collect();
    let rows = outcome.pairs.iter().enumerate().map(|(i, &(a, b))| {
        let weight = outcome.weights[i];
        let mut row = vec![
            ids[a as usize].clone(),
            ids[b as usize].clone(),
            format!("{:.6}", matching::probability(weight)),
            format!("{weight:.3}"),
        ];
        let field_weights = matching::explain(features, outcome, i);
        for (f, kind) in outcome.kinds.iter().enumerate() {
            let level = outcome.levels[i * width + f];
            row.push(matching::compare::level_names(*kind)[level as usize].to_string());
            row.push(format!("{:.3}", field_weights[f]));
        }
        row
    });
    write::records(path, &header_refs, rows)
        .with_context(|| format!("writing the pairs to `{}`", path.display()))
}

/// The lineage file's columns.
pub(crate) const LINEAGE_HEADER: [&str; 5] = ["cluster_id", "column", "value", "source_id", "rule"];

pub(crate) fn write_lineage(
    path: &Path,
    table: &Table,
    lineage: &[merge::Lineage],
    ids: &[String],
    survivorship: &[Survivorship],
) -> Result<()> {
    write::records(
        path,
        &LINEAGE_HEADER,
        lineage_rows(table, lineage, ids, survivorship),
    )
    .with_context(|| format!("writing the lineage to `{}`", path.display()))
}

/// Each lineage entry as a row of the lineage file (values guarded
/// against formulas, as every CSV we write); `table` and `ids` are the
/// rows the lineage points into.
pub(crate) fn lineage_rows<'a>(
    table: &'a Table,
    lineage: &'a [merge::Lineage],
    ids: &'a [String],
    survivorship: &'a [Survivorship],
) -> impl Iterator<Item = [String; 5]> + 'a {
    lineage.iter().map(move |l| {
        let value = match (&l.derived, l.source_row) {
            (Some(derived), _) => derived.as_str(),
            (None, Some(r)) => table.columns[l.column].get(r),
            (None, None) => "",
        };
        [
            l.cluster.to_string(),
            table.headers[l.column].clone(),
            value.to_string(),
            l.source_row.map_or(String::new(), |r| ids[r].clone()),
            if l.derived.is_some() {
                "derived".to_string()
            } else {
                survivorship[l.column].name().to_string()
            },
        ]
    })
}
