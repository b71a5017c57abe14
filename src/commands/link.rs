//! `tidyrec link --master MASTER INPUT -o OUTPUT [--crosswalk FILE] …`
//!
//! Glue for [`crate::link::attach`]: reads the master and the batch,
//! resolves settings, writes the updated master and the crosswalk.
//!
//! The crosswalk maps every record id the master knows to its entity id,
//! with, for this batch, how the record was placed and why.

use super::args::{parse_max_block, parse_probability, InputArgs};
use super::review::{self as steward, ReviewArgs};
use super::{Log, Status};
use crate::config::RuleFile;
use crate::io::{self, paths, write};
use crate::link::{AttachSettings, LinkInput, Linked};
use crate::matching;
use crate::normalize::plan::resolve_region;
use crate::progress::Progress;
use anyhow::{bail, Result};
use clap::Args;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Debug, Args)]
pub struct LinkArgs {
    /// The new batch of source records.
    #[command(flatten)]
    pub input: InputArgs,
    /// The golden master (the -o of `tidyrec dedupe` or of an earlier `link`).
    #[arg(long, value_name = "FILE")]
    pub master: PathBuf,
    /// The updated master (CSV or Parquet by extension).
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
    /// Write every record id with its entity id (and, for this batch, how it was placed).
    #[arg(long, value_name = "FILE")]
    pub crosswalk: Option<PathBuf>,
    /// An earlier crosswalk whose entity ids are never handed out again
    /// [default: the --crosswalk file, when it exists].
    #[arg(long, value_name = "FILE")]
    pub previous_crosswalk: Option<PathBuf>,
    /// The master's entity id column [default: cluster_id, else entity_id].
    #[arg(long, value_name = "COLUMN")]
    pub entity_column: Option<String>,
    /// The batch's record id column (default: the first id column whose values are unique).
    #[arg(long, value_name = "COLUMN")]
    pub id_column: Option<String>,
    /// Rule file: roles, normalization options, survivorship, [dedupe] settings.
    #[arg(long, value_name = "FILE")]
    pub rules: Option<PathBuf>,
    /// Match probability from which a record joins an entity [default: 0.99].
    #[arg(long, value_name = "P", value_parser = parse_probability)]
    pub threshold: Option<f64>,
    /// Score with a saved model (from `dedupe --save-model`) instead of training one.
    #[arg(long, value_name = "FILE")]
    pub model: Option<PathBuf>,
    /// Save the model used (JSON).
    #[arg(long, value_name = "FILE")]
    pub save_model: Option<PathBuf>,
    /// Write a JSON report (counts, blocking, model, timings).
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// Blocks with more records than this are skipped [default: 50; 2–5000].
    #[arg(long, value_name = "N", value_parser = parse_max_block)]
    pub max_block: Option<usize>,
    /// Normalize the master's values too (when it is not a tidyrec golden file).
    #[arg(long)]
    pub normalize_master: bool,
    /// Country for phones of rows without one (ISO code or name).
    #[arg(long, value_name = "COUNTRY")]
    pub default_region: Option<String>,
    /// Start CSV output with a UTF-8 byte-order mark (for Excel).
    #[arg(long)]
    pub bom: bool,
    /// Do not neutralize values that a spreadsheet would run as formulas.
    #[arg(long)]
    pub allow_formulas: bool,
    #[command(flatten)]
    pub steward: ReviewArgs,
}

pub const EXAMPLES: &str = "Examples:
  # Nightly: attach tonight's web sign-ups to the customer master
  tidyrec link --master golden.csv signups.csv -o golden-new.csv --crosswalk crosswalk.csv

  # Score with the model trained when the master was built (consistent run to run)
  tidyrec dedupe customers.csv -o golden.csv --save-model model.json
  tidyrec link --master golden.csv batch.csv -o golden-new.csv --model model.json

  # Unmerge: mark two members of one entity as different people and re-run;
  # the weaker side leaves for a new entity id (the crosswalk says why)
  echo 'C17,C42,different' >> decisions.csv     # header: id_a,id_b,decision
  tidyrec link --master golden.csv batch.csv -o golden-new.csv --crosswalk crosswalk.csv --decisions decisions.csv

  # A master whose entity ids live in another column
  tidyrec link --master master.csv batch.csv -o master-new.csv --entity-column \"Customer Key\"";

pub fn run(args: &LinkArgs, log: &Log, progress: &dyn Progress) -> Result<Status> {
    link(&LinkSettings::from_args(args), None, log, progress).map(|_| Status::Success)
}

/// A link run's settings, resolved from the flags (or a pipeline's file)
/// before a row is read.
pub struct LinkSettings {
    pub batch: PathBuf,
    pub read: io::ReadOptions,
    pub lenient: bool,
    /// Where unreadable batch rows go (`--lenient`).
    pub rejects: PathBuf,
    pub master: PathBuf,
    pub output: PathBuf,
    pub crosswalk: Option<PathBuf>,
    pub previous_crosswalk: Option<PathBuf>,
    pub entity_column: Option<String>,
    pub id_column: Option<String>,
    pub rules: Option<PathBuf>,
    pub threshold: Option<f64>,
    pub model: Option<PathBuf>,
    pub save_model: Option<PathBuf>,
    pub report: Option<PathBuf>,
    pub max_block: Option<usize>,
    pub normalize_master: bool,
    pub default_region: Option<String>,
    pub bom: bool,
    pub allow_formulas: bool,
    /// Decisions and review files.
    pub steward: ReviewArgs,
}

impl LinkSettings {
    fn from_args(args: &LinkArgs) -> LinkSettings {
        LinkSettings {
            batch: args.input.input.clone(),
            read: super::read_options(&args.input),
            lenient: args.input.lenient,
            rejects: super::rejects_path(&args.input, &args.output),
            master: args.master.clone(),
            output: args.output.clone(),
            crosswalk: args.crosswalk.clone(),
            previous_crosswalk: args.previous_crosswalk.clone(),
            entity_column: args.entity_column.clone(),
            id_column: args.id_column.clone(),
            rules: args.rules.clone(),
            threshold: args.threshold,
            model: args.model.clone(),
            save_model: args.save_model.clone(),
            report: args.report.clone(),
            max_block: args.max_block,
            normalize_master: args.normalize_master,
            default_region: args.default_region.clone(),
            bom: args.bom,
            allow_formulas: args.allow_formulas,
            steward: args.steward.clone(),
        }
    }
}

pub use crate::link::LinkOutcome;

/// Reads master and batch, links them ([`crate::link::attach`]), writes the
/// updated master, the crosswalk, the model and the report, says what
/// happened, and returns the result (the updated master in memory).
/// `batch`: the batch already in memory (a pipeline's gathered table),
/// else read from `config.batch`.
pub(crate) fn link(
    config: &LinkSettings,
    batch: Option<io::ReadOutcome>,
    log: &Log,
    progress: &dyn Progress,
) -> Result<Linked> {
    let started = Instant::now();
    check_paths(config)?;
    let rules = RuleFile::load_optional(config.rules.as_deref())?;
    let default_region = resolve_region(config.default_region.as_deref(), &rules)?;
    let model = config
        .model
        .as_deref()
        .map(matching::load_model)
        .transpose()?;
    let master = io::read(&config.master, &io::ReadOptions::default())?.table;
    let read = match batch {
        Some(read) => read,
        None => io::read(&config.batch, &config.read)?,
    };
    super::note_read(log, &config.batch, &read);
    let used_entity_ids = crosswalk_entity_ids(
        config
            .previous_crosswalk
            .as_deref()
            .or(config.crosswalk.as_deref()),
    )?;
    let decisions = config.steward.decisions()?;
    let read_time = started.elapsed();

    // Flag over rule file over default, as dedupe.
    let resolved = crate::dedupe::DedupeSettings::resolve(
        config.threshold,
        config.max_block,
        &rules,
        model,
        false,
    );
    let settings = AttachSettings {
        rules: &rules,
        entity_column: config.entity_column.as_deref(),
        id_column: config.id_column.as_deref(),
        threshold: resolved.threshold,
        max_block: resolved.max_block,
        model: resolved.model,
        normalize_master: config.normalize_master,
        default_region,
        used_entity_ids: &used_entity_ids,
        decisions: decisions.as_ref(),
        review_below: config.steward.band(),
    };
    let input = LinkInput {
        master,
        master_name: &config.master,
        batch: &read.table,
        batch_name: &config.batch,
    };
    let linked = crate::link::attach(input, &settings, progress)?;
    if !linked.new_columns.is_empty() {
        log.warn(&format!(
            "the batch has column(s) the master lacks, added to the master: {}",
            linked.new_columns.join(", ")
        ));
    }
    if linked.ids_from_fingerprints {
        log.warn(&format!(
            "the batch has no column of unique record ids; its records are named `{}:ROW:FINGERPRINT` in the crosswalk (set --id-column for ids the CRM knows)",
            crate::link::source_name(&config.batch)
        ));
    }

    let decisions_json = match (&decisions, &linked.decisions) {
        (Some(decisions), Some(applied)) => Some(note_decisions(log, decisions, applied)),
        _ => None,
    };

    let write_started = Instant::now();
    write_outputs(config, &linked)?;
    if let Some((table, page)) = &linked.review {
        let csv = write::CsvOptions {
            bom: config.bom,
            allow_formulas: config.allow_formulas,
        };
        if let Some(path) = &config.steward.review {
            write::table(path, table, csv)?;
        }
        if let Some(path) = &config.steward.review_html {
            write::atomic(path, |out| out.write_all(page.as_bytes()))?;
        }
        log.event(
            "info",
            "review",
            &format!(
                "review: {} pair(s) to look at (match probability from {} up, not merged)",
                table.row_count(),
                config.steward.band().unwrap_or_default()
            ),
            serde_json::json!({ "pairs": table.row_count() }),
        );
    }
    super::write_rejects(&config.rejects, &read.rejects, read.table.row_count(), log)?;
    if let Some(path) = &config.save_model {
        write::json(path, &linked.model)?;
    }
    let write_time = write_started.elapsed();
    let t = &linked.timings;
    let timings = crate::report::phase_timings(
        [
            ("read", read_time + t.prepare),
            ("normalize", t.normalize),
            ("features", t.features),
        ],
        &linked.stats,
        &[("merge", t.merge), ("write", write_time)],
        started.elapsed(),
    );
    if let Some(path) = &config.report {
        let mut report = report(config, &linked, &timings);
        if let Some(decisions) = decisions_json {
            report["decisions"] = decisions;
        }
        if let Some((table, _)) = &linked.review {
            report["review_pairs"] = table.row_count().into();
        }
        write::json(path, &report)?;
    }
    log.timings(&timings);
    let o = &linked.outcome;
    log.event(
        "info",
        "linked",
        &format!(
        "{} records → {} attached to existing entities, {} already known, {}{} in {} new entities ({} entities updated) in {:.2}s → {}",
        o.batch_records,
        o.attached_records,
        o.known_records,
        match (o.split_records, o.entities_merged) {
            (0, 0) => String::new(),
            (split, merged) => format!(
                "{split} split from their entity and {merged} entit(ies) merged into another by decisions, "
            ),
        },
        o.new_records,
        o.new_entities,
        o.entities_updated,
        started.elapsed().as_secs_f64(),
        config.output.display()
    ),
        serde_json::to_value(o).unwrap_or_default(),
    );
    Ok(linked)
}

/// Refuses, before anything is read, a run that would write over one of
/// its inputs or write one file twice.
fn check_paths(config: &LinkSettings) -> Result<()> {
    write::ensure_writable_format(&config.output)?;
    let mut plan = paths::Plan::new();
    plan.read("INPUT", Some(&config.batch));
    if config.lenient {
        plan.write("--rejects", Some(&config.rejects));
    }
    plan.read("--master", Some(&config.master))
        .read("--rules", config.rules.as_deref())
        .read("--model", config.model.as_deref())
        .write("-o", Some(&config.output))
        .write("--crosswalk", config.crosswalk.as_deref())
        .write("--report", config.report.as_deref())
        .write("--save-model", config.save_model.as_deref())
        .read("--decisions", config.steward.decisions.as_deref())
        .write("--review", config.steward.review.as_deref())
        .write("--review-html", config.steward.review_html.as_deref());
    // The previous crosswalk is, by design, the crosswalk this run updates
    // (the default): only a different file is protected as an input.
    if let Some(previous) = &config.previous_crosswalk {
        let mut same = paths::Plan::new();
        same.read("--previous-crosswalk", Some(previous))
            .write("--crosswalk", config.crosswalk.as_deref());
        if same.check_overlaps().is_ok() {
            plan.read("--previous-crosswalk", Some(previous));
        }
    }
    plan.check()?;
    Ok(())
}

/// The updated master and the crosswalk, written side by side, each
/// atomically.
fn write_outputs(config: &LinkSettings, linked: &Linked) -> Result<()> {
    let csv_options = write::CsvOptions {
        bom: config.bom,
        allow_formulas: config.allow_formulas,
    };
    let (written, crosswalk_written) = rayon::join(
        || write::table(&config.output, &linked.table, csv_options),
        || match &config.crosswalk {
            Some(path) => write::atomic(path, |w| {
                let mut writer = csv::Writer::from_writer(w);
                writer.write_record([
                    "record_id",
                    "entity_id",
                    "status",
                    "match_probability",
                    "explanation",
                ])?;
                let options = write::CsvOptions::default();
                linked.crosswalk(|row| {
                    writer
                        .write_record([
                            write::guard(row.record_id, options).as_ref(),
                            write::guard(row.entity_id, options).as_ref(),
                            row.status,
                            row.match_probability,
                            write::guard(row.explanation, options).as_ref(),
                        ])
                        .map_err(std::io::Error::from)
                })?;
                writer.flush()
            }),
            None => Ok(()),
        },
    );
    written?;
    crosswalk_written?;
    Ok(())
}

/// `--report`: counts, blocking, model and timings.
fn report(
    config: &LinkSettings,
    linked: &Linked,
    timings: &[(&'static str, std::time::Duration)],
) -> serde_json::Value {
    let o = &linked.outcome;
    serde_json::json!({
        "version": crate::report::VERSION,
        "command": "link",
        "master": config.master,
        "input": config.batch,
        "output": config.output,
        "master_entities": linked.master_entities,
        "batch_records": o.batch_records,
        "known_records": o.known_records,
        "attached_records": o.attached_records,
        "new_records": o.new_records,
        "split_records": o.split_records,
        "entities_merged": o.entities_merged,
        "new_entities": o.new_entities,
        "entities_updated": o.entities_updated,
        "entities": o.entities,
        "threshold": linked.threshold,
        "candidate_pairs": linked.stats.candidate_pairs,
        "matched_pairs": linked.stats.matched_pairs,
        "blocking": linked.stats.blocking,
        "model": linked.model,
        "timings_ms": timings.iter().map(|(k, d)| (k.to_string(), d.as_millis() as u64)).collect::<BTreeMap<_, _>>(),
    })
}

/// Says what the decisions did, warns about unmerges this batch could not
/// act on and entities whose old golden row took part in their re-merge;
/// returns the report's `decisions` object.
fn note_decisions(
    log: &Log,
    decisions: &crate::decisions::Decisions,
    applied: &crate::link::DecisionsApplied,
) -> serde_json::Value {
    let mut json = steward::note(
        log,
        decisions,
        steward::Applied {
            rows: &applied.rows,
            effects: &applied.effects,
            unknown: applied.unknown,
            links_refused: applied.links_refused,
        },
    );
    for &index in &applied.unreachable {
        let d = &decisions.list[index];
        log.warn(&format!(
            "decisions row {}: `{}` and `{}` are one entity in the master, but this batch holds neither record, so the entity cannot be split here; link a batch that holds one of them",
            d.row, d.id_a, d.id_b
        ));
    }
    if !applied.stale_golden.is_empty() {
        log.warn(&format!(
            "entit(ies) {} lost members by a decision, but this batch does not hold all their other members: their golden row was re-merged with the old one, which may still carry values of the members that left; re-run with a batch that holds every member",
            applied.stale_golden.join(", ")
        ));
    }
    json["unreachable_unmerges"] = applied.unreachable.len().into();
    json["golden_rows_not_rebuilt"] = applied.stale_golden.clone().into();
    json
}

/// Entity ids an earlier crosswalk names (ids of entities no longer in the
/// master must not be handed out again). Empty when there is none yet.
fn crosswalk_entity_ids(path: Option<&Path>) -> Result<Vec<String>> {
    let Some(path) = path.filter(|p| p.exists()) else {
        return Ok(Vec::new());
    };
    let table = io::read(path, &io::ReadOptions::default())?.table;
    let Some(c) = table.column_index("entity_id") else {
        bail!(
            "the crosswalk `{}` has no `entity_id` column; it is not a tidyrec crosswalk (move it away or choose another path)",
            path.display()
        );
    };
    Ok(table.columns[c].iter().map(str::to_string).collect())
}
