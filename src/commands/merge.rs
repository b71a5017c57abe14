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
use super::features::Sink;
use super::{Log, ReadRecords, Status};
use crate::config::RuleFile;
use crate::io::{self, write};
use crate::merge::{self, clusters, external};
use crate::normalize::stream::{self, StreamError};
use crate::progress::Progress;
use crate::schema::Role;
use crate::table::Table;
use anyhow::{bail, Context, Result};
use clap::Args;
use std::io::{BufWriter, Seek, SeekFrom};
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
    /// Memory to plan for, e.g. 8G or 512M (default: 8G, or three quarters
    /// of the available memory if less). A CSV/TSV input too large to hold
    /// within it is merged in bounded memory: normalized block by block and
    /// sorted by cluster on disk (same output).
    #[arg(long, value_name = "SIZE", value_parser = crate::spill::parse_size)]
    pub max_memory: Option<u64>,
}

pub const EXAMPLES: &str = "Examples:
  # Golden records from Splink's clusters (unique_id, cluster_id)
  tidyrec merge customers.csv --clusters splink_clusters.parquet -o golden.csv --id-column unique_id

  # With the member each golden value came from
  tidyrec merge customers.csv --clusters clusters.csv -o golden.csv --lineage lineage.csv

  # A file larger than memory: sorted by cluster on disk, within 2 GB
  tidyrec merge big.csv --clusters clusters.parquet -o golden.csv --max-memory 2G";

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
    let input_bytes = std::fs::metadata(input_path).map_or(0, |m| m.len());
    let budget = args.max_memory.unwrap_or_else(crate::spill::default_budget);
    if stream::in_blocks(input_bytes, budget) {
        match in_blocks(args, &rules, budget, log, progress, started) {
            Ok(status) => return Ok(status),
            Err(StreamError::NotStreamable(why)) => {
                log.detail(&format!("`{}` is read whole ({why})", input_path.display()))
            }
            Err(StreamError::Failed(error)) => return Err(error),
            Err(StreamError::Visit(error)) => return Err(error.into()),
        }
    }
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
    warn_assignment(log, &assigned, input_path);
    let read_time = started.elapsed();

    let merge_started = Instant::now();
    let roles = &records.roles;
    let recency = merge::recency_column(&table.headers, roles);
    let survivorship = merge::survivorship_rules(&table.headers, roles, &rules, recency.is_some());
    let golden = merge::decide_clusters(
        &table,
        &assigned.cluster_of,
        assigned.clusters,
        &survivorship,
        recency,
        roles,
        args.lineage.is_some(),
    );
    let merge_time = merge_started.elapsed();

    let golden_rows = crate::dedupe::GoldenRows::new(&golden, &table, &records.ids);
    write::rows(output_path, &golden_rows, csv_options(args))?;
    if let Some(path) = &args.lineage {
        super::dedupe::write_lineage(path, &table, &golden.lineage, &records.ids, &survivorship)?;
    }
    super::write_rejects(&rejects_path, &rejects, records.ids.len(), log)?;
    conclude(
        args,
        Merged {
            records: records.ids.len(),
            id_header: records.id_header,
            assigned,
            conflicts: golden.conflicts,
            memory: serde_json::json!({
                "strategy": "whole",
                "budget_bytes": budget,
                "peak_resident_bytes": crate::spill::peak_resident(),
            }),
            read_time,
            merge_time,
        },
        log,
        started,
    )
}

fn csv_options(args: &MergeArgs) -> write::CsvOptions {
    write::CsvOptions {
        bom: args.output.bom,
        allow_formulas: args.output.allow_formulas,
    }
}

/// Says which records the clusters file does not list, and which of its
/// ids the input does not have.
fn warn_assignment(log: &Log, assigned: &clusters::Assignment, input: &Path) {
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
            input.display()
        ));
    }
}

/// What either path did, for the closing warnings, report and summary.
struct Merged {
    records: usize,
    id_header: String,
    assigned: clusters::Assignment,
    conflicts: Vec<u32>,
    memory: serde_json::Value,
    read_time: std::time::Duration,
    merge_time: std::time::Duration,
}

fn conclude(args: &MergeArgs, merged: Merged, log: &Log, started: Instant) -> Result<Status> {
    let input_path = &args.input.input;
    let output_path = &args.output.output;
    let assigned = &merged.assigned;
    super::dedupe::warn_conflicts(log, &merged.conflicts);
    let duplicates = merged.records - assigned.clusters;
    if let Some(path) = &args.report {
        let report = serde_json::json!({
            "version": crate::report::VERSION,
            "command": "merge",
            "input": input_path,
            "clusters_file": args.clusters,
            "output": output_path,
            "records": merged.records,
            "id_column": merged.id_header,
            "clusters": assigned.clusters,
            "duplicate_records": duplicates,
            "unlisted_records": assigned.unlisted,
            "unknown_ids": assigned.unknown,
            "identity_conflicts": merged.conflicts,
            "memory": merged.memory,
            "timings_ms": {
                "read_and_normalize": merged.read_time.as_millis() as u64,
                "merge": merged.merge_time.as_millis() as u64,
                "total": started.elapsed().as_millis() as u64,
            },
        });
        write::json(path, &report)?;
    }
    log.info(&format!(
        "{} records → {} golden records ({duplicates} merged into another) in {:.2}s → {}",
        merged.records,
        assigned.clusters,
        started.elapsed().as_secs_f64(),
        output_path.display()
    ));
    Ok(Status::Success)
}

/// A CSV/TSV input too large to hold, merged in bounded memory: the first
/// pass (`normalize::stream::scan`) resolves roles, date evidence and the
/// record ids; the second normalizes block by block, numbers each record's
/// cluster and sorts the records by cluster into runs on disk
/// ([`merge::external`]); the third reads the runs back cluster by cluster,
/// decides batches of whole clusters as the in-memory merge does, and
/// writes the golden rows (and lineage) as they come. The same files as
/// the whole-file path.
fn in_blocks(
    args: &MergeArgs,
    rules: &RuleFile,
    budget: u64,
    log: &Log,
    progress: &dyn Progress,
    started: Instant,
) -> Result<Status, StreamError> {
    let input_path = &args.input.input;
    let output_path = &args.output.output;
    if !matches!(
        io::Format::from_path(output_path),
        io::Format::Delimited | io::Format::Tsv | io::Format::Parquet
    ) {
        return Err(StreamError::NotStreamable("the output is written whole"));
    }
    let options = &args.records;
    let super::ScannedRecords {
        scan,
        read_options,
        block_bytes,
        id_column,
        ..
    } = super::scan_records(&args.input, options, rules, budget, log, progress)?;
    let Some(id_column) = id_column else {
        return Err(anyhow::anyhow!(
            "`{}` has no column of unique record ids for the clusters file to name; give one with --id-column",
            input_path.display()
        )
        .into());
    };
    let id_header = scan.headers[id_column].clone();
    let clustering = io::read(&args.clusters, &io::ReadOptions::default())
        .map_err(anyhow::Error::from)?
        .table;
    let (id, cluster) = cluster_columns(&clustering, &id_header, &args.clusters)?;
    let listed = clusters::Listed::new(
        clustering.columns[id]
            .iter()
            .zip(clustering.columns[cluster].iter()),
    )
    .map_err(|e| anyhow::anyhow!("`{}`: {e}", args.clusters.display()))?;
    // The digests are all that is kept of the clusters file.
    drop(clustering);
    let roles: Vec<Role> = scan.roles.iter().map(|i| i.role).collect();
    let recency = merge::recency_column(&scan.headers, &roles);
    let survivorship = merge::survivorship_rules(&scan.headers, &roles, rules, recency.is_some());
    let counted: Vec<bool> = (0..roles.len())
        .map(|c| merge::Voters::counts(&survivorship, &roles, c))
        .collect();
    let spill_dir = crate::spill::dir_beside(output_path);
    let spill_error = |error: std::io::Error| {
        StreamError::Failed(anyhow::anyhow!(
            "sorting the records by cluster in `{}` (set aside there; is the disk full?): {error}",
            spill_dir.display()
        ))
    };
    // Runs of an eighth of the budget, at most 256 MiB: the run buffer
    // (and, while merging, a batch of clusters) is what this stage holds
    // beside the clustering itself; more runs cost nothing measurable (10M
    // records: 10 runs of 256 MiB).
    let run_bytes = (budget / 8).clamp(16 << 10, 256 << 20) as usize;
    let mut sorter = external::Sorter::new(&spill_dir, run_bytes, &counted);
    let mut numbering = listed.numbering();
    let normalize = (!options.no_normalize).then_some(false);
    let mut records = 0usize;
    let visited = stream::for_each_block(
        input_path,
        &read_options,
        block_bytes,
        &scan,
        normalize,
        progress,
        |raw, outcome, first_row| {
            let ids = &raw.columns[id_column];
            let clusters: Vec<u32> = ids.iter().map(|id| numbering.next(id)).collect();
            records += clusters.len();
            let block = outcome.as_ref().map_or(&raw, |o| &o.table);
            sorter.push(ids, &clusters, first_row, block)
        },
    );
    match visited {
        Err(StreamError::Visit(error)) => return Err(spill_error(error)),
        other => other?,
    };
    // (Each record's cluster went to the sort; the counts are what is kept.)
    let assigned = numbering.finish(Vec::new());
    warn_assignment(log, &assigned, input_path);
    let mut sorted = sorter.finish().map_err(spill_error)?;
    let runs = sorted.runs();
    let read_time = started.elapsed();

    let merge_started = Instant::now();
    let voters = merge::Voters::new(&survivorship, recency, &roles, sorted.take_counts());
    let with_lineage = args.lineage.is_some();
    // Lineage rows go to an unlinked temporary file while the golden file
    // is written, and are copied into place after it (both atomic).
    let mut lineage = match with_lineage {
        true => Some(csv::WriterBuilder::new().flexible(true).from_writer(
            BufWriter::with_capacity(
                1 << 20,
                tempfile::tempfile_in(&spill_dir).map_err(spill_error)?,
            ),
        )),
        false => None,
    };
    if let Some(writer) = &mut lineage {
        writer
            .write_record(super::dedupe::LINEAGE_HEADER)
            .map_err(|e| spill_error(e.into()))?;
    }
    let csv_options = csv_options(args);
    let parquet = io::Format::from_path(output_path) == io::Format::Parquet;
    let mut out_headers = scan.headers.clone();
    out_headers.extend(crate::dedupe::GOLDEN_COLUMNS.iter().map(|s| s.to_string()));
    let mut conflicts: Vec<u32> = Vec::new();
    let mut failure: Option<StreamError> = None;
    progress.start("merge", assigned.clusters as u64);
    let written = write::atomic(output_path, |out| {
        let delimiter = write::csv_delimiter(output_path);
        let mut sink = if parquet {
            Sink::Parquet(Box::new(io::parquet::BlockWriter::new(out)))
        } else {
            if csv_options.bom {
                out.write_all(b"\xEF\xBB\xBF")?;
            }
            write::csv_header(out, &out_headers, delimiter, csv_options)?;
            Sink::Csv(out)
        };
        // A failed write of the golden rows goes back to the atomic writer
        // (which names the output); a failed read of the runs is a sort
        // error (which names the directory they are in).
        let mut write_failure: Option<std::io::Error> = None;
        let merged = sorted.for_each_batch(&scan.headers, |batch| {
            let ids: Vec<String> = batch.ids.iter().map(str::to_string).collect();
            let mut golden = merge::decide_gathered(
                &batch.local,
                batch.members,
                batch.first_cluster,
                &voters,
                with_lineage,
            );
            progress.advance(golden.members.len() as u64);
            if let Some(writer) = &mut lineage {
                // Guarded as `write::records` guards the whole-file lineage.
                let options = write::CsvOptions::default();
                for row in
                    super::dedupe::lineage_rows(&batch.local, &golden.lineage, &ids, &survivorship)
                {
                    writer
                        .write_record(row.iter().map(|v| write::guard(v, options).into_owned()))?;
                }
            }
            conflicts.append(&mut golden.conflicts);
            let rows = crate::dedupe::GoldenRows::new(&golden, &batch.local, &ids);
            let written = match &mut sink {
                Sink::Parquet(writer) => writer
                    .write(&rows.to_table())
                    .map_err(std::io::Error::other),
                Sink::Csv(out) => write::csv_rows(*out, &rows, delimiter, csv_options),
            };
            written.map_err(|error| {
                write_failure = Some(error);
                std::io::Error::other("stopped")
            })
        });
        if let Some(error) = write_failure {
            return Err(error);
        }
        if let Err(error) = merged {
            failure = Some(spill_error(error));
            return Err(std::io::Error::other("stopped"));
        }
        match sink {
            Sink::Parquet(writer) => writer
                .finish(&Table::new(out_headers.clone()))
                .map_err(std::io::Error::other),
            Sink::Csv(_) => Ok(()),
        }
    });
    progress.finish();
    if let Some(failure) = failure {
        return Err(failure);
    }
    written.map_err(anyhow::Error::from)?;
    if let (Some(path), Some(writer)) = (&args.lineage, lineage) {
        let mut file = writer
            .into_inner()
            .map_err(|e| spill_error(e.into_error()))?
            .into_inner()
            .map_err(|e| spill_error(e.into_error()))?;
        file.seek(SeekFrom::Start(0)).map_err(spill_error)?;
        write::atomic(path, |out| std::io::copy(&mut file, out).map(|_| ()))
            .with_context(|| format!("writing the lineage to `{}`", path.display()))?;
    }
    let merge_time = merge_started.elapsed();
    let peak = crate::spill::peak_resident();
    if log.is_verbose() {
        let gib = |bytes: u64| bytes as f64 / f64::from(1u32 << 30);
        log.detail(&format!(
            "memory: read `{}` in {} blocks, twice, and sorted its records by cluster in {runs} run(s) beside the output, budget {:.1} GiB; peak {:.2} GiB",
            input_path.display(),
            scan.blocks,
            gib(budget),
            gib(peak.unwrap_or(0)),
        ));
    }
    conclude(
        args,
        Merged {
            records,
            id_header,
            assigned,
            conflicts,
            memory: serde_json::json!({
                "strategy": "blocks",
                "budget_bytes": budget,
                "blocks": scan.blocks,
                "sort_runs": runs,
                "peak_resident_bytes": peak,
            }),
            read_time,
            merge_time,
        },
        log,
        started,
    )
    .map_err(StreamError::Failed)
}

/// The clusters file's record id and `cluster_id` columns, laid onto the
/// input's records.
fn assign(
    clustering: &Table,
    id_header: &str,
    ids: &[String],
    path: &Path,
) -> Result<clusters::Assignment> {
    let (id, cluster) = cluster_columns(clustering, id_header, path)?;
    let pairs = clustering.columns[id]
        .iter()
        .zip(clustering.columns[cluster].iter());
    clusters::assign(ids, pairs).map_err(|e| anyhow::anyhow!("`{}`: {e}", path.display()))
}

/// Which columns of the clusters file hold the record id and the cluster.
fn cluster_columns(clustering: &Table, id_header: &str, path: &Path) -> Result<(usize, usize)> {
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
    Ok((id, cluster))
}
