//! `tidyrec model export MODEL.json --to splink --dialect duckdb|spark -o SETTINGS.json`
//!
//! Glue for [`crate::matching::splink::settings`]: a model saved by
//! `dedupe --save-model` as a Splink settings file over the columns of
//! `tidyrec features`, for matching on Splink's engines.

use super::{Log, Status};
use crate::io::{paths, write};
use crate::matching::{load_model, splink};
use anyhow::{bail, Result};
use clap::{Args, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct ModelArgs {
    #[command(subcommand)]
    pub action: ModelAction,
}

#[derive(Debug, Subcommand)]
pub enum ModelAction {
    /// Write a saved model for another engine (Splink settings).
    #[command(after_help = EXAMPLES)]
    Export(ExportModelArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Target {
    Splink,
}

#[derive(Debug, Args)]
pub struct ExportModelArgs {
    /// A model saved by `tidyrec dedupe --save-model`.
    #[arg(value_name = "MODEL")]
    pub model: PathBuf,
    /// The engine to write it for.
    #[arg(long, value_enum, value_name = "ENGINE")]
    pub to: Target,
    /// SQL dialect of the settings: duckdb or spark (athena and postgres are refused for now).
    #[arg(long, value_name = "DIALECT", default_value = "duckdb")]
    pub dialect: String,
    /// The settings file to write (JSON).
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
    /// The record id column of the feature files (the first column `tidyrec features` writes).
    #[arg(long, value_name = "COLUMN", default_value = "unique_id")]
    pub id_column: String,
}

pub const EXAMPLES: &str = "Examples:
  # Train here, match there: features per shard, the model as Splink settings
  tidyrec dedupe sample.csv -o golden.csv --save-model model.json --id-column \"Customer ID\"
  tidyrec features customers.csv -o features.parquet --id-column \"Customer ID\"
  tidyrec model export model.json --to splink --dialect duckdb --id-column \"Customer ID\" -o settings.json

  # The same model for Splink's Spark backend (Databricks, EMR, Glue)
  tidyrec model export model.json --to splink --dialect spark --id-column \"Customer ID\" -o settings-spark.json

  # Then in Python: Linker(db_api.register(\"features.parquet\"), \"settings.json\").inference.predict()";

pub fn run(args: &ModelArgs, log: &Log) -> Result<Status> {
    match &args.action {
        ModelAction::Export(args) => export(args, log),
    }
}

fn export(args: &ExportModelArgs, log: &Log) -> Result<Status> {
    let mut plan = paths::Plan::new();
    plan.read("MODEL", Some(&args.model))
        .write("-o", Some(&args.output));
    plan.check()?;
    let Some(dialect) = splink::Dialect::parse(&args.dialect) else {
        bail!(
            "--dialect `{}` is not one of duckdb, spark, athena, postgres",
            args.dialect
        );
    };
    let model = load_model(&args.model)?;
    let settings = splink::settings(&model, &args.id_column, dialect)?;
    write::json(&args.output, &settings)?;
    let comparisons = settings["comparisons"].as_array().map_or(0, Vec::len);
    let rules = settings["blocking_rules_to_generate_predictions"]
        .as_array()
        .map_or(0, Vec::len);
    log.info(&format!(
        "model → Splink settings ({comparisons} comparisons with the guard, {rules} blocking rules, m and u fixed) → {}",
        args.output.display()
    ));
    Ok(Status::Success)
}
