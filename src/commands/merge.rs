//! `tidyrec merge INPUT --clusters CLUSTERS -o GOLDEN [--lineage FILE] …`
//!
//! Glue for golden records from a clustering computed elsewhere (Splink on
//! Spark, another engine, a reviewed file): reads the input and the
//! clusters file (record id + `cluster_id`, CSV or Parquet), lays the
//! clustering onto the records ([`crate::merge::clusters::assign`]),
//! normalizes and merges each cluster with the same survivorship as
//! `dedupe`, and writes the golden file in `dedupe`'s format (so `link`
//! and `export` take it).

use super::args::{InputArgs, OutputArgs, RecordArgs};
use super::{Log, ReadRecords, Status};
use crate::config::RuleFile;
use crate::io::{self, write};
use crate::merge::{self, clusters};
use crate::progress::Progress;
use crate::table::Table;
use anyhow::{bail, Result};
use clap::Args;
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Debug, Args)]
pub struct MergeArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// The clustering: a record id column and `cluster_id` (Splink's
    /// `unique_id`/`cluster_id`), CSV or Parquet.
    #[arg(long, value_name = "FILE")]
    pub clusters: PathBuf,
    /// Golden records: one row per cluster (CSV or Parquet by extension).
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(flatten)]
    pub records: RecordArgs,
    /// Write, for each field of each golden row, the member it came from.
    #[arg(long, value_name = "FILE")]
    pub lineage: Option<PathBuf>,
    /// Write a JSON report (records, clusters, unlisted records, timings).
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
}

pub const EXAMPLES: &str = "Examples:
  # Golden records from Splink's clusters (unique_id, cluster_id)
  tidyrec merge customers.csv --clusters splink_clusters.parquet -o golden.csv --id-column unique_id

  # With the member each golden value came from
  tidyrec merge customers.csv --clusters clusters.csv -o golden.csv --lineage lineage.csv";

/// Header names a clusters file may use for the record id, after the
/// input's own id header: Splink's, tidyrec's, plain.
const CLUSTER_ID_HEADERS: [&str; 3] = ["unique_id", "record_id", "id"];

pub fn run(args: &MergeArgs, log: &Log, progress: &dyn Progress) -> Result<Status> {
    let started = Instant::now();
    let input_path = &args.input.input;
    let output_path = &args.output.output;
    write::ensure_writable_format(output_path)?;
    let rejects_path = super::rejects_path(&args.input, output_path);
    super::path_plan(&args.input, output_path)
        .read("--clusters", Some(&args.clusters))
        .read("--rules", args.records.rules.as_deref())
        .write("-o", Some(output_path))
        .write("--lineage", args.lineage.as_deref())
        .write("--report", args.report.as_deref())
        .check()?;
    let rules = RuleFile::load_optional(args.records.rules.as_deref())?;
    let ReadRecords {
        records,
        table,
        rejects,
    } = super::read_records(
        &args.input,
        &args.records,
        &rules,
        Some("for the clusters file to name"),
        log,
        progress,
    )?;
    let clustering = io::read(&args.clusters, &io::ReadOptions::default())?.table;
    let assigned = assign(
        &clustering,
        &records.id_header,
        &records.ids,
        &args.clusters,
    )?;
    if assigned.unlisted > 0 {
        log.warn(&format!(
            "{} input record(s) are not in the clusters file: each is its own golden record",
            assigned.unlisted
        ));
    }
    if assigned.unknown > 0 {
        log.warn(&format!(
            "the clusters file lists {} record id(s) that `{}` does not have (another shard?): ignored",
            assigned.unknown,
            input_path.display()
        ));
    }
    let read_time = started.elapsed();

    let merge_started = Instant::now();
    let roles = &records.roles;
    let recency = merge::recency_column(&table.headers, roles);
    let survivorship = merge::survivorship_rules(&table.headers, roles, &rules, recency.is_some());
    let mut golden = merge::merge(
        &table,
        &assigned.cluster_of,
        assigned.clusters,
        &survivorship,
        recency,
        roles,
        args.lineage.is_some(),
    );
    let merge_time = merge_started.elapsed();

    let golden_rows = crate::dedupe::golden_table(&mut golden, &records.ids);
    let options = write::CsvOptions {
        bom: args.output.bom,
        allow_formulas: args.output.allow_formulas,
    };
    write::table(output_path, &golden_rows, options)?;
    drop(golden_rows);
    if let Some(path) = &args.lineage {
        super::dedupe::write_lineage(path, &table, &golden, &records.ids, &survivorship)?;
    }
    super::write_rejects(&rejects_path, &rejects, records.ids.len(), log)?;
    super::dedupe::warn_conflicts(log, &golden);
    let merged = records.ids.len() - assigned.clusters;
    if let Some(path) = &args.report {
        let report = serde_json::json!({
            "version": crate::report::VERSION,
            "command": "merge",
            "input": input_path,
            "clusters_file": args.clusters,
            "output": output_path,
            "records": records.ids.len(),
            "id_column": records.id_header,
            "clusters": assigned.clusters,
            "duplicate_records": merged,
            "unlisted_records": assigned.unlisted,
            "unknown_ids": assigned.unknown,
            "identity_conflicts": golden.conflicts,
            "timings_ms": {
                "read_and_normalize": read_time.as_millis() as u64,
                "merge": merge_time.as_millis() as u64,
                "total": started.elapsed().as_millis() as u64,
            },
        });
        write::json(path, &report)?;
    }
    log.info(&format!(
        "{} records → {} golden records ({merged} merged into another) in {:.2}s → {}",
        records.ids.len(),
        assigned.clusters,
        started.elapsed().as_secs_f64(),
        output_path.display()
    ));
    Ok(Status::Success)
}

/// The clusters file's record id and `cluster_id` columns, laid onto the
/// input's records.
fn assign(
    clustering: &Table,
    id_header: &str,
    ids: &[String],
    path: &Path,
) -> Result<clusters::Assignment> {
    let columns = || clustering.headers.join(", ");
    let Some(cluster) = clustering.column_index("cluster_id") else {
        bail!(
            "the clusters file `{}` has no `cluster_id` column (columns: {}); it needs a record id and a cluster_id per line",
            path.display(),
            columns()
        );
    };
    let Some(id) = std::iter::once(id_header)
        .chain(CLUSTER_ID_HEADERS)
        .find_map(|h| clustering.column_index(h))
    else {
        bail!(
            "the clusters file `{}` has no record id column: none of `{id_header}`, {} (columns: {})",
            path.display(),
            CLUSTER_ID_HEADERS.map(|h| format!("`{h}`")).join(", "),
            columns()
        );
    };
    let pairs = clustering.columns[id]
        .iter()
        .zip(clustering.columns[cluster].iter());
    clusters::assign(ids, pairs).map_err(|e| anyhow::anyhow!("`{}`: {e}", path.display()))
}
