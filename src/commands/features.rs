//! `tidyrec features INPUT -o FEATURES.parquet [--id-column COL] [--rules FILE]`
//!
//! Glue for the per-record matching features as plain columns — the id
//! column first, then folded names, the nickname-resolved first name, the
//! last name's phonetic code, birth date, e-mail key, phone digits, street
//! tokens, city, postcode, other systems' ids, company key — so matching
//! can run on another engine (Splink on Spark, DuckDB). Row-wise: run it
//! per file or per chunk on as many machines as needed; with one rule
//! file (roles fixed) every shard gets the same columns.

use super::args::{InputArgs, OutputArgs, RecordArgs};
use super::{Log, ReadRecords, Status};
use crate::config::RuleFile;
use crate::io::write;
use crate::matching::features::{Features, Sources};
use crate::normalize::stream::{self, StreamError};
use crate::progress::Progress;
use crate::schema::Role;
use crate::table::{Column, Table};
use anyhow::{bail, Result};
use clap::Args;
use std::time::Instant;

#[derive(Debug, Args)]
pub struct FeaturesArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// The features: .parquet (or .csv) by extension.
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(flatten)]
    pub records: RecordArgs,
    /// Memory to plan for, e.g. 8G or 512M (default: 8G, or three quarters
    /// of the available memory if less). A CSV/TSV file too large to hold
    /// within it is read in two passes, block by block (same output).
    #[arg(long, value_name = "SIZE", value_parser = crate::spill::parse_size)]
    pub max_memory: Option<u64>,
}

pub const EXAMPLES: &str = "Examples:
  # Features of one export, for Splink on DuckDB or Spark
  tidyrec features customers.csv -o features.parquet --id-column \"Customer ID\"

  # Sharded: one file per chunk, same rule file for all (roles fixed)
  for f in chunks/*.csv; do tidyrec features \"$f\" --rules rules.toml -o \"features/$(basename \"$f\" .csv).parquet\"; done";

pub fn run(args: &FeaturesArgs, log: &Log, progress: &dyn Progress) -> Result<Status> {
    let started = Instant::now();
    let input_path = &args.input.input;
    let output_path = &args.output.output;
    write::ensure_writable_format(output_path)?;
    let rejects_path = super::rejects_path(&args.input, output_path);
    super::path_plan(&args.input, output_path)
        .read("--rules", args.records.rules.as_deref())
        .write("-o", Some(output_path))
        .check()?;
    let rules = RuleFile::load_optional(args.records.rules.as_deref())?;
    let input_bytes = std::fs::metadata(input_path).map_or(0, |m| m.len());
    let budget = args.max_memory.unwrap_or_else(crate::spill::default_budget);
    if stream::in_blocks(input_bytes, budget) {
        match in_blocks(args, &rules, log, progress, started) {
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
    } = super::read_records(&args.input, &args.records, &rules, None, log, progress)?;
    let sources = Sources::from_roles(&table.headers, &records.roles, &records.identifiers);
    let features = Features::columns(&table, &sources);
    drop(table);
    if features.kinds.is_empty() {
        bail!(crate::dedupe::nothing_to_match(input_path));
    }
    let named = features.into_named_columns(&sources);
    let mut out = Table {
        headers: vec![records.id_header.clone()],
        columns: vec![records.ids.iter().map(String::as_str).collect::<Column>()],
    };
    for (name, column) in named {
        out.headers.push(name.to_string());
        out.columns.push(column);
    }
    let options = write::CsvOptions {
        bom: args.output.bom,
        allow_formulas: args.output.allow_formulas,
    };
    write::table(output_path, &out, options)?;
    super::write_rejects(&rejects_path, &rejects, records.ids.len(), log)?;
    log.info(&format!(
        "{} records → {} feature columns ({}) in {:.2}s → {}",
        records.ids.len(),
        out.headers.len() - 1,
        out.headers[1..].join(", "),
        started.elapsed().as_secs_f64(),
        output_path.display()
    ));
    Ok(Status::Success)
}

/// The features of a large CSV/TSV file, block by block: the first pass
/// (`normalize::stream::scan`) resolves roles, date evidence and which id
/// columns are filled and unique, the second computes each block's features
/// and writes them as they come. The same columns and values as the
/// whole-file path, in memory that grows with a block (and the record ids'
/// digests, 24 bytes a record, for the uniqueness checks).
fn in_blocks(
    args: &FeaturesArgs,
    rules: &RuleFile,
    log: &Log,
    progress: &dyn Progress,
    started: Instant,
) -> Result<Status, StreamError> {
    let input_path = &args.input.input;
    let output_path = &args.output.output;
    let options = &args.records;
    let budget = args.max_memory.unwrap_or_else(crate::spill::default_budget);
    let super::ScannedRecords {
        scan,
        read_options,
        block_bytes,
        id_like,
        id_column,
    } = super::scan_records(&args.input, options, rules, budget, log, progress)?;
    let id_scan = |c: usize| scan.ids.iter().find(|s| s.column == c);
    let roles: Vec<Role> = scan.roles.iter().map(|i| i.role).collect();
    let identifiers: Vec<usize> = id_like
        .iter()
        .copied()
        .filter(|&c| Some(c) != id_column)
        .filter(|&c| {
            rules
                .columns
                .get(&scan.headers[c])
                .and_then(|o| o.role)
                .is_none()
        })
        .filter(|&c| crate::schema::headers::role(&scan.headers[c]) == Some(Role::Id))
        .filter(|&c| id_scan(c).is_some_and(|s| s.filled_repeat))
        .collect();
    let id_header = id_column.map_or("row".to_string(), |c| scan.headers[c].clone());
    if id_column.is_none() {
        log.warn(&format!(
            "`{}` has no column of unique record ids: records are named by row number in `row`, which is not unique across shards (set --id-column)",
            input_path.display()
        ));
    }
    let sources = Sources::from_roles(&scan.headers, &roles, &identifiers);
    let empty = Table::new(scan.headers.clone());
    let shape = Features::columns(&empty, &sources);
    if shape.kinds.is_empty() {
        return Err(anyhow::anyhow!(crate::dedupe::nothing_to_match(input_path)).into());
    }
    let mut out_headers = vec![id_header];
    out_headers.extend(
        shape
            .into_named_columns(&sources)
            .into_iter()
            .map(|(name, _)| name.to_string()),
    );
    // The id as written (before normalization), then the features of the
    // block's values (normalized unless `--no-normalize`).
    let features_of = |raw: &Table, block: &Table, first_row: usize| -> Table {
        let features = Features::columns(block, &sources);
        let mut out = Table {
            headers: out_headers.clone(),
            columns: vec![match id_column {
                Some(c) => raw.columns[c].clone(),
                None => (first_row + 1..first_row + 1 + block.row_count())
                    .map(|n| n.to_string())
                    .collect::<Vec<_>>()
                    .iter()
                    .map(String::as_str)
                    .collect::<Column>(),
            }],
        };
        out.columns.extend(
            features
                .into_named_columns(&sources)
                .into_iter()
                .map(|(_, c)| c),
        );
        out
    };
    let csv_options = write::CsvOptions {
        bom: args.output.bom,
        allow_formulas: args.output.allow_formulas,
    };
    let normalize = (!options.no_normalize).then_some(false);
    let parquet = crate::io::Format::from_path(output_path) == crate::io::Format::Parquet;
    let mut failure: Option<StreamError> = None;
    let mut records = 0usize;
    let written = write::atomic(output_path, |out| {
        let delimiter = write::csv_delimiter(output_path);
        let mut sink = if parquet {
            Sink::Parquet(Box::new(crate::io::parquet::BlockWriter::new(out)))
        } else {
            Sink::Csv(out)
        };
        let mut header_written = false;
        let visited = stream::for_each_block(
            input_path,
            &read_options,
            block_bytes,
            &scan,
            normalize,
            progress,
            |raw, outcome, first_row| {
                let block = match &outcome {
                    Some(outcome) => &outcome.table,
                    None => &raw,
                };
                let table = features_of(&raw, block, first_row);
                records += table.row_count();
                match &mut sink {
                    Sink::Parquet(writer) => writer.write(&table).map_err(std::io::Error::other),
                    Sink::Csv(out) => {
                        if !header_written {
                            header_written = true;
                            if csv_options.bom {
                                out.write_all(b"\xEF\xBB\xBF")?;
                            }
                            write::csv_header(*out, &table.headers, delimiter, csv_options)?;
                        }
                        write::csv_rows(*out, &table, delimiter, csv_options)
                    }
                }
            },
        );
        visited.map_err(|error| error.into_io(&mut failure))?;
        match sink {
            Sink::Parquet(writer) => writer
                .finish(&Table::new(out_headers.clone()))
                .map_err(std::io::Error::other),
            Sink::Csv(out) if !header_written => {
                if csv_options.bom {
                    out.write_all(b"\xEF\xBB\xBF")?;
                }
                write::csv_header(out, &out_headers, delimiter, csv_options)
            }
            Sink::Csv(_) => Ok(()),
        }
    });
    if let Some(failure) = failure {
        return Err(failure);
    }
    written.map_err(anyhow::Error::from)?;
    log.info(&format!(
        "{} records → {} feature columns ({}) in {:.2}s → {}",
        records,
        out_headers.len() - 1,
        out_headers[1..].join(", "),
        started.elapsed().as_secs_f64(),
        output_path.display()
    ));
    Ok(Status::Success)
}

/// Where the rows of a file written block by block go.
pub(crate) enum Sink<'w> {
    Parquet(Box<crate::io::parquet::BlockWriter<&'w mut (dyn std::io::Write + Send)>>),
    Csv(&'w mut (dyn std::io::Write + Send)),
}
