//! Pipelines: the steps of a scheduled run, composed from the commands.
//!
//! `config` parses and checks the pipeline file; `publish` gives the cron
//! guarantees (lock, staging, atomic publish, backups); this module gathers
//! the inputs into one normalized table with `source` and `record_id`
//! columns, so records of several systems can be matched together and every
//! record keeps an id that is unique across sources.

pub mod config;
pub mod publish;

use crate::config::RuleFile;
use crate::io::{self, Reject};
use crate::normalize::plan::{build_plan, resolve_region};
use crate::progress::Progress;
use crate::schema::resolve::resolve_roles;
use crate::table::{Column, Table};
use anyhow::{bail, Context, Result};
use config::Pipeline;
use serde::Serialize;
use std::path::PathBuf;

/// Columns the pipeline adds to the cleaned table.
pub const SOURCE: &str = "source";
pub const RECORD_ID: &str = "record_id";

/// What was read from one input file.
#[derive(Debug, Serialize)]
pub struct InputStats {
    pub source: String,
    pub file: PathBuf,
    pub rows: usize,
    pub unreadable_rows: usize,
    pub values_changed: u64,
    pub values_rejected: u64,
    /// True when the record ids are row numbers (no id column).
    pub ids_are_row_numbers: bool,
}

/// The gathered inputs.
pub struct Gathered {
    pub table: Table,
    pub inputs: Vec<InputStats>,
    /// Unreadable rows per input file (with `lenient`; otherwise a bad row
    /// fails the run), by source.
    pub rejects: Vec<(String, PathBuf, Vec<Reject>)>,
}

/// Reads, renames and normalizes every input file (each with its own rule
/// file), and stacks them: columns by header in order of first appearance,
/// then `source` and `record_id` (`source:id`, or `source:file:row:fingerprint`
/// when the input has no unique id column: the fingerprint of the row's
/// values keeps another night's row of that number from passing as known).
pub fn gather(
    pipeline: &Pipeline,
    files: &[Vec<PathBuf>],
    progress: &dyn Progress,
) -> Result<Gathered> {
    let mut parts: Vec<Part> = Vec::new();
    let mut inputs = Vec::new();
    let mut rejects = Vec::new();
    for (input, paths) in pipeline.config.inputs.iter().zip(files) {
        let rules = match &input.rules {
            Some(path) => RuleFile::load(&pipeline.base.join(path))?,
            None => RuleFile::default(),
        };
        let region_flag = pipeline.config.pipeline.default_region.as_deref();
        let default_region = resolve_region(region_flag, &rules)?;
        let options = pipeline.read_options(input)?;
        for path in paths {
            let (part, stats, unreadable) =
                read_input(input, path, &options, &rules, default_region, progress)?;
            inputs.push(stats);
            rejects.push((input.source.clone(), path.clone(), unreadable));
            parts.push(part);
        }
    }
    let table = stack(&parts)?;
    Ok(Gathered {
        table,
        inputs,
        rejects,
    })
}

/// One input file normalized, its source name and its record ids.
type Part = (Table, String, Vec<String>);

/// One input file: read, renamed, normalized, its records named (by its id
/// column, else by row and content). Returns the normalized table with
/// source and ids, its statistics and the rows it could not read.
fn read_input(
    input: &config::Input,
    path: &std::path::Path,
    options: &io::ReadOptions,
    rules: &RuleFile,
    default_region: Option<&'static str>,
    progress: &dyn Progress,
) -> Result<(Part, InputStats, Vec<io::Reject>)> {
    let read = io::read(path, options)?;
    let mut raw = read.table;
    for (from, to) in &input.rename {
        match raw.column_index(from) {
            Some(c) => raw.headers[c] = to.clone(),
            None => bail!(
                "input `{}`: rename names column `{from}`, which `{}` lacks (columns: {})",
                input.source,
                path.display(),
                raw.headers.join(", ")
            ),
        }
    }
    for added in [SOURCE, RECORD_ID] {
        if raw.column_index(added).is_some() {
            bail!(
                "input `{}`: `{}` already has a `{added}` column, which the pipeline adds; rename it with rename = {{ \"{added}\" = \"…\" }}",
                input.source,
                path.display()
            );
        }
    }
    let inferred = resolve_roles(&raw, rules, input.id_column.as_deref(), path)?;
    let roles: Vec<_> = inferred.iter().map(|i| i.role).collect();
    let plan = build_plan(&raw, &inferred, rules, default_region, None);
    let outcome = crate::normalize::run(&raw, &plan, false, progress);
    let id_column = match &input.id_column {
        Some(name) => Some(raw.column_index(name).with_context(|| {
            format!(
                "input `{}`: id-column `{name}` is not in `{}`",
                input.source,
                path.display()
            )
        })?),
        None => crate::schema::resolve::default_id_column(&raw, &roles),
    };
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let ids: Vec<String> = (0..raw.row_count())
        .map(|row| match id_column {
            Some(c) => format!("{}:{}", input.source, raw.columns[c].get(row).trim()),
            None => format!(
                "{}:{file_name}:{}:{}",
                input.source,
                row + 1,
                raw.row_fingerprint(row)
            ),
        })
        .collect();
    let stats = InputStats {
        source: input.source.clone(),
        file: path.to_path_buf(),
        rows: raw.row_count(),
        unreadable_rows: read.rejects.len(),
        values_changed: outcome.stats.iter().map(|s| s.changed as u64).sum(),
        values_rejected: outcome.stats.iter().map(|s| s.rejected as u64).sum(),
        ids_are_row_numbers: id_column.is_none(),
    };
    Ok((
        (outcome.table, input.source.clone(), ids),
        stats,
        read.rejects,
    ))
}

/// The inputs' tables stacked: the union of their headers in order of
/// first appearance, then `source` and `record_id` (each id once).
fn stack(parts: &[Part]) -> Result<Table> {
    // Header union in order of first appearance.
    let mut headers: Vec<String> = Vec::new();
    for (table, _, _) in parts {
        for h in &table.headers {
            if !headers.contains(h) {
                headers.push(h.clone());
            }
        }
    }
    let rows: usize = parts.iter().map(|p| p.0.row_count()).sum();
    let mut columns: Vec<Column> = headers
        .iter()
        .map(|_| Column::with_capacity(rows, 0))
        .collect();
    let mut source = Column::with_capacity(rows, 0);
    let mut record_id = Column::with_capacity(rows, 0);
    let mut seen = std::collections::HashSet::new();
    for (table, name, ids) in parts {
        for (h, column) in headers.iter().zip(columns.iter_mut()) {
            match table.column_index(h) {
                Some(c) => column.append(&table.columns[c]),
                None => (0..table.row_count()).for_each(|_| column.push("")),
            }
        }
        for (row, id) in ids.iter().enumerate() {
            if !seen.insert(id.as_str()) {
                // Rows, not the id: an id can be customer data (an e-mail).
                bail!(
                    "source `{name}` row {}: its record id appears in an earlier row; give the input a unique id-column, or leave it out to number rows",
                    row + 1
                );
            }
            source.push(name);
            record_id.push(id);
        }
    }
    headers.push(SOURCE.into());
    headers.push(RECORD_ID.into());
    columns.push(source);
    columns.push(record_id);
    Ok(Table { headers, columns })
}
