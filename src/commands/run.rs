//! `tidyrec run PIPELINE.toml [--dry-run] [--wait]`
//!
//! Runs a pipeline file: gather and normalize the inputs, validate, match
//! (dedupe, or link against last run's golden master so entity ids stay
//! stable), export to CRM import files, segment, and publish everything
//! together. Cron-safe: one run per pipeline at a time (lock), nothing
//! published unless the run succeeds, previous outputs kept as backups, a
//! JSON summary among the outputs and one line per run appended to the log.
//! Exit 0 success, 1 a check failed (with `stop-on-failure`, nothing is
//! published), 2 configuration, input or I/O error.

use super::{Log, Status};
use crate::io::{self, write};
use crate::pipeline::config::{MatchMode, Pipeline};
use crate::pipeline::publish::{self, Staging};
use crate::pipeline::{self, RECORD_ID};
use crate::progress::Progress;
use anyhow::{Context, Result};
use clap::Args;
use serde_json::{json, Value};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The pipeline file (TOML).
    pub pipeline: PathBuf,
    /// Check the configuration and print what would be read and written; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// When another run of this pipeline holds the lock, wait for it instead of exiting.
    #[arg(long)]
    pub wait: bool,
}

pub const EXAMPLES: &str = "Examples:
  # The demo pipeline: two sources, validation, dedupe, Salesforce and HubSpot files
  tidyrec run fixtures/pipeline/nightly.toml

  # See what would be read and written, check the whole configuration
  tidyrec run nightly.toml --dry-run

  # crontab: every night at 02:30, queue behind a run still going
  30 2 * * *  tidyrec --quiet --log-format json run /etc/tidyrec/nightly.toml --wait";

pub fn run(args: &RunArgs, log: &Log, progress: &dyn Progress) -> Result<Status> {
    let started = Instant::now();
    let started_at = chrono::Utc::now();
    let pipeline = Pipeline::load(&args.pipeline)?;
    let files = pipeline.input_files()?;
    // No published output may land on a file the pipeline reads.
    let paths = pipeline.path_plan(&files);
    paths
        .check_overlaps()
        .with_context(|| format!("pipeline file `{}`", pipeline.file.display()))?;
    if args.dry_run {
        return print_plan(&pipeline, &files);
    }
    let name = pipeline.config.pipeline.name.clone();
    let _lock = publish::lock(&pipeline.output_dir, &name, args.wait)?;
    let log_path = pipeline.output_dir.join(&pipeline.config.pipeline.log);
    watch_signals(&log_path, log, &name, started)?;
    if let Some(moved) = publish::recover(&pipeline.output_dir)? {
        log.warn(&format!(
            "the previous run of `{name}` was interrupted while publishing; finished its publish first ({moved} file(s) moved into place), so its outputs are a complete set again"
        ));
    }
    match execute(&pipeline, &files, log, progress, started_at) {
        Ok(done) => {
            let stopped = done.status == Status::Failed && done.stop;
            let published = if stopped {
                Vec::new()
            } else {
                let stamp = publish::stamp(&pipeline.output_dir, started_at);
                done.staging
                    .publish(pipeline.config.pipeline.keep, &stamp, &paths)?
            };
            let state = match (done.status, stopped) {
                (Status::Success, _) => "ok",
                (Status::Failed, false) => "checks-failed",
                (Status::Failed, true) => "stopped",
            };
            append_log(
                &log_path,
                log,
                &name,
                state,
                &done.line,
                published.len(),
                started.elapsed().as_secs_f64(),
                None,
            )?;
            if stopped {
                log.warn(&format!(
                    "pipeline `{name}`: a validation check failed and stop-on-failure is set: nothing published; the previous outputs in `{}` are unchanged",
                    pipeline.output_dir.display()
                ));
            } else {
                log.info(&format!(
                    "pipeline `{name}`: {} output file(s) published to `{}` in {:.2}s",
                    published.len(),
                    pipeline.output_dir.display(),
                    started.elapsed().as_secs_f64()
                ));
            }
            Ok(done.status)
        }
        Err(err) => {
            let message = format!("{err:#}");
            // The log line is best effort: the error itself is what matters.
            let _ = append_log(
                &log_path,
                log,
                &name,
                "error",
                &Value::Null,
                0,
                started.elapsed().as_secs_f64(),
                Some(&message),
            );
            Err(err.context(format!(
                "pipeline `{name}` failed; nothing was published, the previous outputs are unchanged"
            )))
        }
    }
}

/// On SIGTERM, SIGINT or SIGHUP (cron's kill, Ctrl-C, a closed terminal):
/// the staging folder is removed, the run log gets an `interrupted` line,
/// and the process exits 128 + the signal. A publish under way is finished
/// first (the switch is never cut in the middle).
fn watch_signals(log_path: &Path, log: &Log, name: &str, started: Instant) -> Result<()> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGTERM, SIGINT, SIGHUP])
        .context("cannot install the signal handlers")?;
    let log_path = log_path.to_path_buf();
    let log = *log;
    let name = name.to_string();
    std::thread::spawn(move || {
        if let Some(signal) = signals.forever().next() {
            if !publish::abandon_active() {
                // Already published: the run is about to end by itself.
                return;
            }
            let _ = append_log(
                &log_path,
                &log,
                &name,
                "interrupted",
                &Value::Null,
                0,
                started.elapsed().as_secs_f64(),
                Some(&format!(
                    "stopped by signal {signal}; nothing was published"
                )),
            );
            log.warn(&format!(
                "pipeline `{name}` interrupted (signal {signal}): nothing was published, the previous outputs are unchanged"
            ));
            std::process::exit(128 + signal);
        }
    });
    Ok(())
}

/// A run that reached its end (its outputs still in staging).
struct Executed {
    staging: Staging,
    status: Status,
    /// A failed check asks to stop before publishing.
    stop: bool,
    /// Key figures for the log line.
    line: Value,
}

fn execute(
    pipeline: &Pipeline,
    files: &[Vec<PathBuf>],
    log: &Log,
    progress: &dyn Progress,
    started_at: chrono::DateTime<chrono::Utc>,
) -> Result<Executed> {
    let c = &pipeline.config;
    // Steps report in the pipeline's words; their own lines are details.
    let step_log = log.for_step();
    let staging = Staging::new(&pipeline.output_dir)?;
    let work = staging.work()?;
    let mut timings: Vec<(&str, std::time::Duration)> = Vec::new();
    let mut status = Status::Success;

    // 1. Gather: read, rename, normalize every input; stack them.
    let step = Instant::now();
    let gathered = pipeline::gather(pipeline, files, progress)?;
    let cleaned_path = staging.path(&c.outputs.cleaned)?;
    write::table(&cleaned_path, &gathered.table, write::CsvOptions::default())?;
    let records = gathered.table.row_count();
    // Kept for an in-memory dedupe step; otherwise freed now.
    // Kept for the in-memory validate and dedupe steps.
    let mut cleaned_table = Some(gathered.table);
    // Rows a lenient input could not read are published, never lost.
    for ((source, path, rejects), stats) in gathered.rejects.iter().zip(&gathered.inputs) {
        if rejects.is_empty() {
            continue;
        }
        let file = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let name = format!("rejects/{source}-{file}.csv");
        super::write_rejects(&staging.path(&name)?, rejects, stats.rows, &step_log)?;
        log.warn(&format!(
            "input `{source}`: {} unreadable row(s) of `{}` set aside in {name}",
            rejects.len(),
            path.display()
        ));
    }
    for input in gathered.inputs.iter().filter(|i| i.ids_are_row_numbers) {
        log.warn(&format!(
            "input `{}` (`{}`) has no unique id column: its records are named by row number and content, which the CRM does not know; set id-column",
            input.source,
            input.file.display()
        ));
    }
    log.info(&format!(
        "gathered {records} records from {} file(s)",
        gathered.inputs.len()
    ));
    timings.push(("gather", step.elapsed()));

    // 2. Validate the cleaned records.
    let mut validation = Value::Null;
    if let Some(v) = &c.validate {
        let step = Instant::now();
        // In memory, on the gathered table; the report names the published
        // files, not the staging ones.
        let rules_path = pipeline.base.join(&v.rules);
        let rules = crate::config::RuleFile::load(&rules_path)?;
        if rules.checks.is_empty() {
            anyhow::bail!(
                "rule file `{}` has no [[check]] tables; add one, e.g.\n\n[[check]]\ntype = \"required\"\ncolumn = \"Email\"",
                rules_path.display()
            );
        }
        let default_region =
            crate::normalize::plan::resolve_region(c.pipeline.default_region.as_deref(), &rules)?;
        let table = cleaned_table
            .as_ref()
            .context("internal: the cleaned table was not kept for validation")?;
        let published_input = pipeline.output_dir.join(&c.outputs.cleaned);
        let validated = crate::validate::stage::validate_table(
            table,
            &rules,
            Some(RECORD_ID),
            default_region,
            chrono::Utc::now().date_naive(),
            &published_input,
            &rules_path,
            progress,
        )?;
        for message in &validated.not_applicable {
            step_log.warn(message);
        }
        let report = crate::report::validate::Report {
            input: &published_input,
            rules_path: &rules_path,
            table,
            id_column: table.column_index(RECORD_ID),
            checks: &validated.checks,
            results: &validated.results,
        };
        let json = crate::report::validate::json(&report);
        write::json(&staging.path(&v.report)?, &json)?;
        let outcome = if validated
            .results
            .iter()
            .any(|r| r.status == crate::validate::Status::Fail)
        {
            Status::Failed
        } else {
            Status::Success
        };
        let counts = &json["summary"];
        log.info(&format!(
            "validation {}: {} passed, {} warned, {} failed ({} checks, {})",
            if outcome == Status::Success {
                "passed"
            } else {
                "FAILED"
            },
            counts["passed"],
            counts["warned"],
            counts["failed"],
            counts["checks"],
            v.rules.display()
        ));
        validation = json!({
            "passed": outcome == Status::Success,
            "rules": v.rules,
            "report": v.report,
            "summary": json.get("summary").cloned().unwrap_or(Value::Null),
        });
        timings.push(("validate", step.elapsed()));
        if outcome == Status::Failed {
            status = Status::Failed;
            if v.stop_on_failure {
                return Ok(Executed {
                    staging,
                    status,
                    stop: true,
                    line: json!({ "records": records, "checks": "failed" }),
                });
            }
        }
    }

    // 3. Match: link to last run's master (stable ids), or dedupe.
    let mut matching = Value::Null;
    let mut golden: Option<PathBuf> = None;
    let mut golden_in_memory: Option<crate::table::Table> = None;
    if let Some(m) = &c.matching {
        let step = Instant::now();
        let golden_path = staging.path(&c.outputs.golden)?;
        let crosswalk_path = staging.path(&c.outputs.crosswalk)?;
        let rules = m.rules.as_ref().map(|r| pipeline.base.join(r));
        let model = m
            .model
            .as_ref()
            .map(|p| pipeline.base.join(p))
            .filter(|p| p.exists());
        let master = m
            .master
            .as_ref()
            .map(|name| pipeline.output_dir.join(name))
            .filter(|p| p.exists());
        let (summary, golden_table) = match_step(
            pipeline,
            m,
            master,
            cleaned_table.take(),
            &cleaned_path,
            &work,
            (&golden_path, &crosswalk_path),
            (rules, model),
            log,
            &step_log,
            progress,
        )?;
        matching = summary;
        golden_in_memory = golden_table;
        golden = Some(golden_path);
        timings.push(("match", step.elapsed()));
    }

    // 4. Exports of the golden records (or of the cleaned ones), from one
    // table in memory: the golden records made above, the ones `link`
    // wrote (read once), or the cleaned records.
    let (table_path, table_name) = match &golden {
        Some(path) => (path.clone(), c.outputs.golden.clone()),
        None => (cleaned_path.clone(), c.outputs.cleaned.clone()),
    };
    let output_table = if c.exports.is_empty() && c.segment.is_none() {
        None
    } else {
        Some(match (golden_in_memory.take(), &golden) {
            (Some(table), _) => table,
            (None, Some(path)) => io::read(path, &io::ReadOptions::default())?.table,
            (None, None) => cleaned_table
                .take()
                .context("internal: the cleaned table was not kept for the exports")?,
        })
    };
    drop(cleaned_table);
    let exports = match output_table.as_ref().filter(|_| !c.exports.is_empty()) {
        Some(table) => export_all(
            pipeline,
            &staging,
            table,
            &table_path,
            &table_name,
            log,
            &step_log,
            &mut timings,
        )?,
        None => Vec::new(),
    };

    // 5. Segments of the same table.
    let mut segments = Value::Null;
    if let (Some(s), Some(table)) = (&c.segment, output_table) {
        let step = Instant::now();
        let rules = crate::config::RuleFile::load_optional(
            s.rules.as_ref().map(|r| pipeline.base.join(r)).as_deref(),
        )?;
        crate::segment::check_names(&rules.segment)?;
        let report = super::segment::segment_table(
            table,
            Path::new(&table_name),
            &rules,
            None,
            &staging.path(&s.file)?,
            &step_log,
            progress,
        )?;
        log.info(&format!(
            "segmented {} customers → {}",
            report.customers, s.file
        ));
        segments = serde_json::to_value(&report)?;
        timings.push(("segment", step.elapsed()));
    }

    // 6. The summary, published with the outputs.
    let line = json!({
        "records": records,
        "entities": matching.get("entities").cloned().unwrap_or(Value::Null),
        // Records that joined another: within the inputs (dedupe) or an
        // existing entity of the master (link).
        "duplicates": matching
            .get("duplicate_records")
            .or_else(|| matching.get("attached_records"))
            .cloned()
            .unwrap_or(Value::Null),
        "checks": match &validation {
            Value::Null => "none",
            v if v["passed"] == Value::Bool(true) => "passed",
            _ => "failed",
        },
    });
    let mut outputs = staging.staged_names()?;
    outputs.push(c.outputs.summary.clone());
    outputs.sort();
    let summary = json!({
        "version": crate::report::VERSION,
        "pipeline": c.pipeline.name,
        "pipeline_file": pipeline.file,
        "started_at": started_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "status": if status == Status::Success { "ok" } else { "checks-failed" },
        "inputs": gathered.inputs,
        "records": records,
        "validation": validation,
        "matching": matching,
        "exports": exports,
        "segments": segments,
        "outputs": outputs,
        "timings_ms": timings.iter().map(|(k, d)| json!([k, d.as_millis() as u64])).collect::<Vec<_>>(),
    });
    let summary_path = staging.path(&c.outputs.summary)?;
    write::json(&summary_path, &summary)?;
    Ok(Executed {
        staging,
        status,
        stop: false,
        line,
    })
}

/// The pipeline's match step: link to last run's master (stable ids), or
/// dedupe the gathered table. Writes the golden records and the crosswalk
/// into staging; returns the summary's `matching` entry and, after a
/// dedupe, the golden table (for the exports and segments).
#[allow(clippy::too_many_arguments)]
fn match_step(
    pipeline: &Pipeline,
    m: &crate::pipeline::config::Match,
    master: Option<PathBuf>,
    cleaned: Option<crate::table::Table>,
    cleaned_path: &Path,
    work: &Path,
    (golden_path, crosswalk_path): (&Path, &Path),
    (rules, model): (Option<PathBuf>, Option<PathBuf>),
    log: &Log,
    step_log: &Log,
    progress: &dyn Progress,
) -> Result<(Value, Option<crate::table::Table>)> {
    let c = &pipeline.config;
    match (m.mode, master) {
        (MatchMode::Link, Some(master)) => {
            let previous_crosswalk = pipeline.output_dir.join(&c.outputs.crosswalk);
            let settings = super::link::LinkSettings {
                batch: cleaned_path.to_path_buf(),
                read: io::ReadOptions::default(),
                lenient: false,
                rejects: work.join("rejects.csv"),
                master: master.clone(),
                output: golden_path.to_path_buf(),
                crosswalk: Some(crosswalk_path.to_path_buf()),
                previous_crosswalk: Some(previous_crosswalk).filter(|p| p.exists()),
                entity_column: None,
                id_column: Some(RECORD_ID.into()),
                rules,
                threshold: m.threshold,
                model,
                save_model: None,
                report: None,
                max_block: None,
                normalize_master: false,
                default_region: c.pipeline.default_region.clone(),
                bom: false,
                allow_formulas: false,
            };
            // The batch is the gathered table in memory, as written.
            let batch = cleaned.map(|table| io::ReadOutcome {
                table,
                rejects: Vec::new(),
                format: "csv",
                encoding: Some("utf-8"),
                encoding_guessed: false,
                delimiter: Some(b','),
                renamed_headers: Vec::new(),
            });
            let linked = super::link::link(&settings, batch, step_log, progress)?;
            log.info(&format!(
                "linked to the master: {} records attached, {} already known, {} in {} new entities; {} entities",
                linked.attached_records,
                linked.known_records,
                linked.new_records,
                linked.new_entities,
                linked.entities
            ));
            Ok((
                json!({
                    "mode": "link",
                    "master": master,
                    "records": linked.batch_records,
                    "known_records": linked.known_records,
                    "attached_records": linked.attached_records,
                    "new_records": linked.new_records,
                    "new_entities": linked.new_entities,
                    "entities_updated": linked.entities_updated,
                    "entities": linked.entities,
                }),
                None,
            ))
        }
        (mode, _) => {
            if mode == MatchMode::Link {
                log.info("no master yet: this first run dedupes the inputs into one");
            }
            // In memory: the cleaned table as gathered, no re-read.
            let cleaned =
                cleaned.context("internal: the cleaned table was not kept for matching")?;
            let deduped = dedupe_in_memory(
                cleaned,
                cleaned_path,
                rules.as_deref(),
                model.as_deref(),
                m.threshold,
                c.pipeline.default_region.as_deref(),
                golden_path,
                crosswalk_path,
                step_log,
                progress,
            )?;
            let r = json!({
                "records": deduped.records,
                "clusters": deduped.entities,
                "duplicate_records": deduped.records - deduped.entities,
                "duplicate_rate": if deduped.records == 0 {
                    0.0
                } else {
                    (deduped.records - deduped.entities) as f64 / deduped.records as f64
                },
            });
            log.info(&format!(
                "deduplicated: {} records → {} entities ({} duplicate records)",
                r["records"], r["clusters"], r["duplicate_records"]
            ));
            Ok((
                json!({
                    "mode": "dedupe",
                    "records": r["records"],
                    "entities": r["clusters"],
                    "duplicate_records": r["duplicate_records"],
                    "duplicate_rate": r["duplicate_rate"],
                }),
                Some(deduped.golden),
            ))
        }
    }
}

/// The pipeline's exports of one table (golden or cleaned records), each
/// into staging; returns each export's summary entry, with published names.
#[allow(clippy::too_many_arguments)]
fn export_all(
    pipeline: &Pipeline,
    staging: &Staging,
    table: &crate::table::Table,
    table_path: &Path,
    table_name: &str,
    log: &Log,
    step_log: &Log,
    timings: &mut Vec<(&'static str, std::time::Duration)>,
) -> Result<Vec<Value>> {
    let c = &pipeline.config;
    let mut exports = Vec::new();
    let no_rules = crate::config::RuleFile::default();
    crate::normalize::plan::resolve_region(c.pipeline.default_region.as_deref(), &no_rules)?;
    let roles: Vec<crate::schema::Role> =
        crate::schema::resolve::resolve_roles(table, &no_rules, None, Path::new(table_name))?
            .iter()
            .map(|i| i.role)
            .collect();
    for e in &c.exports {
        let step = Instant::now();
        let output = staging.path(&e.file)?;
        let settings = crate::export::ExportSettings {
            // The pipeline reports set-aside rows in its summary and log.
            allow_set_aside: true,
            ..crate::export::ExportSettings::resolve(
                &pipeline.resolve_target(&e.target),
                e.encoding.as_deref(),
                &output,
                None,
                None,
            )?
        };
        let mut paths = crate::io::paths::Plan::new();
        paths.read("the exported table", Some(table_path));
        settings.declare_writes(&mut paths);
        paths.check()?;
        let (_, outcome) =
            super::export::export_table(table, &roles, &settings, &paths, step, step_log)?;
        let aside = if outcome.set_aside > 0 {
            format!(
                ", {} set aside ({})",
                outcome.set_aside,
                outcome
                    .set_aside_reasons
                    .iter()
                    .map(|(reason, n)| format!("{reason}: {n}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        } else {
            String::new()
        };
        log.info(&format!(
            "exported for {}: {} ({} rows{aside})",
            e.target, e.file, outcome.rows
        ));
        // Paths in the summary are the published ones, not the staging's.
        let mut entry = serde_json::to_value(&outcome)?;
        entry["file"] = json!(e.file);
        if let Some(map) = entry.as_object_mut() {
            map.remove("files");
            map.remove("version");
            if outcome.set_aside_file.is_some() {
                map.insert(
                    "set_aside_file".into(),
                    json!(published_beside(&e.file, "set-aside")),
                );
            }
            if let Some(list) = map
                .get_mut("consent")
                .and_then(|c| c.get_mut("opt_out_list"))
                .filter(|l| !l.is_null())
            {
                list["file"] = json!(published_beside(&e.file, "opt-out"));
            }
        }
        exports.push(entry);
        timings.push(("export", step.elapsed()));
    }
    Ok(exports)
}

/// What the pipeline's in-memory dedupe step made.
struct DedupedStep {
    records: usize,
    entities: usize,
    /// The golden records as written (for the exports and segments).
    golden: crate::table::Table,
}

/// The pipeline's dedupe step on the gathered table, in memory: the same
/// roles, settings and outputs as `tidyrec dedupe --no-normalize
/// --id-column record_id` on the cleaned file, without writing and
/// re-reading it; writes the golden records and the crosswalk.
#[allow(clippy::too_many_arguments)]
fn dedupe_in_memory(
    cleaned: crate::table::Table,
    cleaned_path: &Path,
    rules: Option<&Path>,
    model: Option<&Path>,
    threshold: Option<f64>,
    default_region: Option<&str>,
    golden_path: &Path,
    crosswalk_path: &Path,
    log: &Log,
    progress: &dyn Progress,
) -> Result<DedupedStep> {
    let rules = crate::config::RuleFile::load_optional(rules)?;
    crate::normalize::plan::resolve_region(default_region, &rules)?;
    let model = model.map(crate::matching::load_model).transpose()?;
    let super::dedupe::Records {
        roles,
        identifiers,
        ids,
        ..
    } = super::dedupe::records(&cleaned, &rules, Some(RECORD_ID), cleaned_path)?;
    let settings = crate::dedupe::DedupeSettings::resolve(threshold, None, &rules, model, false);
    let mut deduped = match crate::dedupe::deduplicate(
        cleaned,
        None,
        &roles,
        &identifiers,
        &rules,
        &settings,
        progress,
    ) {
        Err(crate::dedupe::DedupeError::NothingToMatch) => anyhow::bail!(
            "`{}` has no column to match on (names, e-mail, phone, birth date, address…); set roles in a rule file ([columns.\"…\"] role = \"email\")",
            cleaned_path.display()
        ),
        other => other?,
    };
    let records = deduped.table.row_count();
    let entities = deduped.matches.clusters.count;
    let golden_rows = crate::dedupe::golden_table(&mut deduped.golden, &ids);
    write::table(golden_path, &golden_rows, write::CsvOptions::default())?;
    let clusters = &deduped.matches.clusters;
    write::records(
        crosswalk_path,
        &[
            "record_id",
            "entity_id",
            "status",
            "match_probability",
            "explanation",
        ],
        ids.iter().enumerate().map(|(row, id)| {
            [
                id.clone(),
                clusters.cluster_of[row].to_string(),
                "new".to_string(),
                clusters.best_probability[row].map_or(String::new(), |p| format!("{p:.6}")),
                String::new(),
            ]
        }),
    )?;
    super::dedupe::warn_conflicts(log, &deduped.golden);
    Ok(DedupedStep {
        records,
        entities,
        golden: golden_rows,
    })
}

/// One line per run, appended: text, or JSON with `--log-format json`.
#[allow(clippy::too_many_arguments)]
fn append_log(
    path: &Path,
    log: &Log,
    pipeline: &str,
    state: &str,
    figures: &Value,
    published: usize,
    seconds: f64,
    error: Option<&str>,
) -> Result<()> {
    let at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let line = if log.is_json() {
        let mut entry = json!({
            "at": at,
            "pipeline": pipeline,
            "status": state,
            "published": published,
            "seconds": (seconds * 100.0).round() / 100.0,
        });
        if let Value::Object(figures) = figures {
            for (k, v) in figures {
                entry[k] = v.clone();
            }
        }
        if let Some(e) = error {
            entry["error"] = json!(e);
        }
        entry.to_string()
    } else {
        let mut text = format!("{at} pipeline={pipeline} status={state}");
        if let Value::Object(figures) = figures {
            for (k, v) in figures {
                text.push_str(&format!(
                    " {k}={}",
                    v.as_str().map_or(v.to_string(), str::to_string)
                ));
            }
        }
        text.push_str(&format!(" published={published} seconds={seconds:.2}"));
        if let Some(e) = error {
            text.push_str(&format!(" error={:?}", e));
        }
        text
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| format!("cannot append to the run log `{}`", path.display()))?;
    writeln!(file, "{line}")?;
    Ok(())
}

/// `--dry-run`: what would be read and written; nothing is touched.
fn print_plan(pipeline: &Pipeline, files: &[Vec<PathBuf>]) -> Result<Status> {
    let c = &pipeline.config;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "pipeline `{}` ({})",
        c.pipeline.name,
        pipeline.file.display()
    )?;
    writeln!(out, "read:")?;
    let mut unreadable = Vec::new();
    for (input, paths) in c.inputs.iter().zip(files) {
        for path in paths {
            // Each file must be readable tonight: read it (nothing is written)
            // with the input's own options.
            let headers = match io::read(path, &pipeline.read_options(input)?) {
                Ok(r) => format!(
                    "{} rows, {} columns",
                    r.table.row_count(),
                    r.table.headers.len()
                ),
                Err(e) => {
                    unreadable.push(format!("{e}"));
                    "UNREADABLE".to_string()
                }
            };
            writeln!(out, "  [{}] {} ({headers})", input.source, path.display())?;
        }
    }
    let mut steps = vec!["normalize".to_string()];
    if let Some(v) = &c.validate {
        steps.push(format!(
            "validate with {}{}",
            v.rules.display(),
            if v.stop_on_failure {
                " (a failure stops the run)"
            } else {
                ""
            }
        ));
    }
    if let Some(m) = &c.matching {
        match (m.mode, &m.master) {
            (MatchMode::Link, Some(master)) => {
                let path = pipeline.output_dir.join(master);
                steps.push(if path.exists() {
                    format!("link to the master {}", path.display())
                } else {
                    format!("dedupe (no master {} yet: first run)", path.display())
                });
            }
            _ => steps.push("dedupe".into()),
        }
    }
    for e in &c.exports {
        steps.push(format!("export for {} → {}", e.target, e.file));
    }
    if let Some(s) = &c.segment {
        steps.push(format!("segment → {}", s.file));
    }
    writeln!(out, "steps: {}", steps.join(" → "))?;
    writeln!(
        out,
        "write (published together into {}):",
        pipeline.output_dir.display()
    )?;
    let mut names = vec![c.outputs.cleaned.clone()];
    if let Some(v) = &c.validate {
        names.push(v.report.clone());
    }
    if c.matching.is_some() {
        names.push(c.outputs.golden.clone());
        names.push(c.outputs.crosswalk.clone());
    }
    names.extend(c.exports.iter().map(|e| e.file.clone()));
    names.extend(c.segment.iter().map(|s| s.file.clone()));
    names.push(c.outputs.summary.clone());
    for name in names {
        writeln!(out, "  {name}")?;
    }
    writeln!(
        out,
        "backups: the previous {} generation(s) in {}; run log: {}",
        c.pipeline.keep,
        pipeline.output_dir.join(".backups").display(),
        pipeline.output_dir.join(&c.pipeline.log).display()
    )?;
    if let Some(first) = unreadable.first() {
        drop(out);
        anyhow::bail!(
            "{} input file(s) cannot be read tonight; the first: {first}",
            unreadable.len()
        );
    }
    writeln!(out, "configuration OK; nothing was written (--dry-run)")?;
    Ok(Status::Success)
}

/// The published name of a file export writes beside `file`:
/// `crm/x.csv` → `crm/x.set-aside.csv`.
fn published_beside(file: &str, kind: &str) -> String {
    match file.rsplit_once('.') {
        Some((stem, _)) if !stem.ends_with('/') => format!("{stem}.{kind}.csv"),
        _ => format!("{file}.{kind}.csv"),
    }
}
