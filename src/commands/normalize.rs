//! `tidyrec normalize INPUT -o OUTPUT [--rules FILE] [--audit FILE] [--report FILE]`
//!
//! Reads the input, resolves column roles (rule file > header > content),
//! normalizes every column and writes the same columns, rows and order. The
//! audit lists every changed or rejected cell with its original value; the
//! summary on stderr and the JSON report give per-column counts.

use super::args::{DateOrderArg, InputArgs, OutputArgs};
use super::{Log, Status};
use crate::config::RuleFile;
use crate::io::{self, write};
use crate::normalize::plan::{build_plan, resolve_region};
use crate::normalize::{self, date};
use crate::progress::Progress;
use crate::report::normalize as report;
use crate::schema::resolve::resolve_roles;
use crate::schema::{Inferred, Role};
use anyhow::{Context, Result};
use clap::Args;
use std::path::Path;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Debug, Args)]
pub struct NormalizeArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub output: OutputArgs,
    /// Rule file (TOML) that sets column roles and options.
    #[arg(long, value_name = "FILE")]
    pub rules: Option<PathBuf>,
    /// Write one row per changed or rejected cell (CSV).
    #[arg(long, value_name = "FILE")]
    pub audit: Option<PathBuf>,
    /// Write a JSON report (roles, per-column counts, timings).
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// Country for rows without one (phone region, date order), e.g. US, GB, CN.
    #[arg(long, value_name = "COUNTRY")]
    pub default_region: Option<String>,
    /// Day/month order for all date columns (default: per row from its country).
    #[arg(long, value_enum)]
    pub date_order: Option<DateOrderArg>,
    /// Column holding the record id (default: inferred).
    #[arg(long, value_name = "COLUMN")]
    pub id_column: Option<String>,
    /// Memory to plan for, e.g. 8G or 512M (default: 8G, or three quarters
    /// of the available memory if less). A CSV/TSV file too large to hold
    /// within it is normalized in two passes, block by block (same output).
    #[arg(long, value_name = "SIZE", value_parser = crate::spill::parse_size)]
    pub max_memory: Option<u64>,
}

pub const EXAMPLES: &str = "Examples:
  # Zero configuration: roles are inferred, each row's country decides phone region and date order
  tidyrec normalize crm_export.csv -o clean.csv

  # Keep a record of every change, and a JSON report for the scheduler
  tidyrec normalize crm_export.csv -o clean.csv --audit changes.csv --report report.json

  # Excel in, Parquet out, with a rule file that fixes roles and options
  tidyrec normalize export.xlsx --sheet Contacts -o clean.parquet --rules rules/crm-contacts.toml

  # A GBK file from a Chinese CRM whose rows have no country column
  tidyrec normalize 客户.csv -o clean.csv --encoding gbk --default-region CN";

pub fn run(args: &NormalizeArgs, log: &Log, progress: &dyn Progress) -> Result<Status> {
    let started = Instant::now();
    let input_path = &args.input.input;
    let output_path = &args.output.output;
    write::ensure_writable_format(output_path)?;
    let rejects_path = super::rejects_path(&args.input, output_path);
    super::path_plan(&args.input, output_path)
        .read("--rules", args.rules.as_deref())
        .write("-o", Some(output_path))
        .write("--audit", args.audit.as_deref())
        .write("--report", args.report.as_deref())
        .check()?;

    // Parse, then resolve: the rule file and flags are checked before reading.
    let rules = RuleFile::load_optional(args.rules.as_deref())?;
    let default_region = resolve_region(args.default_region.as_deref(), &rules)?;

    let date_order = args.date_order.map(|o| match o {
        DateOrderArg::DayFirst => date::Order::DayFirst,
        DateOrderArg::MonthFirst => date::Order::MonthFirst,
    });
    let csv_options = write::CsvOptions {
        bom: args.output.bom,
        allow_formulas: args.output.allow_formulas,
    };
    let read_options = super::read_options(&args.input);
    let budget = args.max_memory.unwrap_or_else(crate::spill::default_budget);
    let input_bytes = std::fs::metadata(input_path).map_or(0, |m| m.len());
    if normalize::stream::normalize_in_blocks(input_bytes, budget) {
        let settings = normalize::stream::Settings {
            rules: &rules,
            id_column: args.id_column.as_deref(),
            default_region,
            date_order,
        };
        let sinks = normalize::stream::Sinks {
            output: output_path,
            csv: csv_options,
            audit: args.audit.as_deref(),
        };
        let block_bytes = normalize::stream::block_bytes(budget);
        match normalize::stream::run(
            input_path,
            &read_options,
            &settings,
            &sinks,
            block_bytes,
            progress,
        ) {
            Ok(streamed) => {
                return finish_streamed(args, log, streamed, budget, started);
            }
            Err(normalize::stream::StreamError::NotStreamable(why)) => log.detail(&format!(
                "`{}` is read whole{} ({why})",
                input_path.display(),
                if normalize::stream::in_blocks(input_bytes, budget) {
                    ", past the memory budget"
                } else {
                    ""
                }
            )),
            Err(normalize::stream::StreamError::Failed(error)) => return Err(error),
            Err(normalize::stream::StreamError::Visit(error)) => return Err(error.into()),
        }
    }

    let read = io::read(input_path, &read_options)?;
    let read_time = started.elapsed();
    let table = &read.table;
    super::note_read(log, input_path, &read);

    let roles = resolve_roles(table, &rules, args.id_column.as_deref(), input_path)?;
    let plan = build_plan(table, &roles, &rules, default_region, date_order);
    if log.is_verbose() {
        log.detail(&format!(
            "read {} rows × {} columns from `{}` ({}{}) in {:.2}s",
            table.row_count(),
            table.headers.len(),
            input_path.display(),
            read.format,
            read.encoding.map(|e| format!(", {e}")).unwrap_or_default(),
            read_time.as_secs_f64()
        ));
        log_roles(log, &table.headers, &roles);
    }

    let normalize_started = Instant::now();
    let outcome = normalize::run(table, &plan, args.audit.is_some(), progress);
    let normalize_time = normalize_started.elapsed();

    let write_started = Instant::now();
    write::table(output_path, &outcome.table, csv_options)?;
    if let Some(audit_path) = &args.audit {
        write_audit(audit_path, table, &outcome, &roles)?;
    }
    super::write_rejects(&rejects_path, &read.rejects, table.row_count(), log)?;
    let write_time = write_started.elapsed();

    let summary = report::Summary {
        input: input_path,
        output: output_path,
        read: &read,
        rows: table.row_count(),
        roles: &roles,
        outcome: &outcome,
        rejects_file: (!read.rejects.is_empty()).then_some(rejects_path.as_path()),
        memory: report::Memory {
            strategy: "whole",
            budget,
            blocks: 1,
            passes: 1,
            peak: crate::spill::peak_resident(),
        },
        timings: [
            ("read", read_time),
            ("normalize", normalize_time),
            ("write", write_time),
            ("total", started.elapsed()),
        ],
    };
    if let Some(report_path) = &args.report {
        let json = report::json(&summary);
        write::json(report_path, &json)?;
    }
    log.info(&report::text(&summary));
    Ok(Status::Success)
}

fn log_roles(log: &Log, headers: &[String], roles: &[Inferred]) {
    for (header, inferred) in headers.iter().zip(roles) {
        log.detail(&format!(
            "  {header:<24} {:<12} (from {})",
            inferred.role.name(),
            inferred.source.name()
        ));
    }
}

/// Reports a run that went block by block ([`normalize::stream`]).
fn finish_streamed(
    args: &NormalizeArgs,
    log: &Log,
    streamed: normalize::stream::Streamed,
    budget: u64,
    started: Instant,
) -> Result<Status> {
    let input_path = &args.input.input;
    let scan = streamed.scan;
    let read = io::ReadOutcome {
        table: crate::table::Table::new(scan.headers),
        rejects: Vec::new(),
        format: if scan.delimiter == b'\t' {
            "tsv"
        } else {
            "csv"
        },
        encoding: Some("UTF-8"),
        encoding_guessed: false,
        delimiter: Some(scan.delimiter),
        renamed_headers: scan.renamed_headers,
    };
    super::note_read(log, input_path, &read);
    let memory = report::Memory {
        strategy: "blocks",
        budget,
        blocks: scan.blocks,
        passes: streamed.passes,
        peak: crate::spill::peak_resident(),
    };
    if log.is_verbose() {
        let gib = |bytes: u64| bytes as f64 / f64::from(1u32 << 30);
        let passes = match streamed.passes {
            1 => "once (roles from the first block, whose day/month orders the whole file confirmed)",
            2 => "twice",
            _ => "three times (the day/month orders of the first block changed further on: read twice)",
        };
        log.detail(&format!(
            "memory: read `{}` in {} blocks, {passes}: roles and date evidence in {:.2}s, normalize and write in {:.2}s; budget {:.1} GiB; peak {:.2} GiB",
            input_path.display(),
            memory.blocks,
            scan.time.as_secs_f64(),
            streamed.write_time.as_secs_f64(),
            gib(budget),
            gib(memory.peak.unwrap_or(0)),
        ));
        log_roles(log, &read.table.headers, &scan.roles);
    }
    let outcome = normalize::Outcome {
        table: crate::table::Table::new(Vec::new()),
        stats: streamed.stats,
        findings: Vec::new(),
        rejected: Vec::new(),
    };
    let total = started.elapsed();
    let summary = report::Summary {
        input: input_path,
        output: &args.output.output,
        read: &read,
        rows: streamed.rows,
        roles: &scan.roles,
        outcome: &outcome,
        rejects_file: None,
        memory,
        // Reading is part of both passes: `read` is the first pass (roles
        // and evidence), `normalize` the second (normalize and write).
        timings: [
            ("read", scan.time),
            ("normalize", streamed.write_time),
            ("write", std::time::Duration::ZERO),
            ("total", total),
        ],
    };
    if let Some(report_path) = &args.report {
        write::json(report_path, &report::json(&summary))?;
    }
    log.info(&report::text(&summary));
    Ok(Status::Success)
}

fn write_audit(
    path: &Path,
    input: &crate::table::Table,
    outcome: &normalize::Outcome,
    roles: &[Inferred],
) -> Result<()> {
    let id_column = roles.iter().position(|r| r.role == Role::Id);
    let rows = normalize::audit_rows(input, &outcome.table, &outcome.findings, id_column, 0);
    write::records(path, &normalize::AUDIT_HEADER, rows)
        .with_context(|| format!("writing the audit to `{}`", path.display()))
}
