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
use crate::progress::Progress;
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
