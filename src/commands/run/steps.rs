//! The pipeline's steps, each a function over tables in memory: gather,
//! validate, match (link or dedupe), export, segment, and the summary.

use super::*;

/// The gathered table as if read from the cleaned CSV it was written to.
fn as_read(table: crate::table::Table) -> io::ReadOutcome {
    io::ReadOutcome {
        table,
        rejects: Vec::new(),
        format: "csv",
        encoding: Some("utf-8"),
        encoding_guessed: false,
        delimiter: Some(b','),
        renamed_headers: Vec::new(),
    }
}

/// The summary's `matching` entry after a link.
fn link_summary(master: &Path, linked: &crate::link::LinkOutcome) -> Value {
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
    })
}

/// What the steps reported, for the summary.
pub(super) struct Steps {
    pub inputs: Vec<pipeline::InputStats>,
    pub records: usize,
    pub validation: Value,
    pub matching: Value,
    pub exports: Vec<Value>,
    pub segments: Value,
    pub timings: Vec<(&'static str, std::time::Duration)>,
}

/// Stages the run's summary (published with the outputs); returns the key
/// figures for the run's log line.
pub(super) fn write_summary(
    pipeline: &Pipeline,
    staging: &Staging,
    started_at: chrono::DateTime<chrono::Utc>,
    status: Status,
    steps: Steps,
) -> Result<Value> {
    let c = &pipeline.config;
    let matching = &steps.matching;
    let line = json!({
        "records": steps.records,
        "entities": matching.get("entities").cloned().unwrap_or(Value::Null),
        // Records that joined another: within the inputs (dedupe) or an
        // existing entity of the master (link).
        "duplicates": matching
            .get("duplicate_records")
            .or_else(|| matching.get("attached_records"))
            .cloned()
            .unwrap_or(Value::Null),
        "checks": match &steps.validation {
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
        "inputs": steps.inputs,
        "records": steps.records,
        "validation": steps.validation,
        "matching": steps.matching,
        "exports": steps.exports,
        "segments": steps.segments,
        "outputs": outputs,
        "timings_ms": steps.timings.iter().map(|(k, d)| json!([k, d.as_millis() as u64])).collect::<Vec<_>>(),
    });
    write::json(&staging.path(&c.outputs.summary)?, &summary)?;
    Ok(line)
}

/// Gathers the inputs ([`pipeline::gather`]), stages the cleaned table
/// and the rows lenient inputs could not read, and says what it found.
/// Returns the inputs' statistics and the cleaned table.
pub(super) fn gather_step(
    pipeline: &Pipeline,
    files: &[Vec<PathBuf>],
    staging: &Staging,
    cleaned_path: &Path,
    log: &Log,
    step_log: &Log,
    progress: &dyn Progress,
) -> Result<(Vec<pipeline::InputStats>, crate::table::Table)> {
    let gathered = pipeline::gather(pipeline, files, progress)?;
    write::table(cleaned_path, &gathered.table, write::CsvOptions::default())?;
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
        crate::commands::write_rejects(&staging.path(&name)?, rejects, stats.rows, step_log)?;
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
    log.event(
        "info",
        "gathered",
        &format!(
            "gathered {} records from {} file(s)",
            gathered.table.row_count(),
            gathered.inputs.len()
        ),
        json!({ "records": gathered.table.row_count(), "files": gathered.inputs.len() }),
    );
    Ok((gathered.inputs, gathered.table))
}

/// Validates the gathered table in memory; stages the report (naming the
/// published files, not the staging ones). Returns the summary's
/// `validation` entry and whether a check failed.
pub(super) fn validate_step(
    pipeline: &Pipeline,
    v: &crate::pipeline::config::Validate,
    table: &crate::table::Table,
    staging: &Staging,
    log: &Log,
    step_log: &Log,
    progress: &dyn Progress,
) -> Result<(Value, Status)> {
    let c = &pipeline.config;
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
    let count = |status: crate::validate::Status| {
        validated
            .results
            .iter()
            .filter(|r| r.status == status)
            .count()
    };
    let failed = count(crate::validate::Status::Fail);
    let outcome = if failed > 0 {
        Status::Failed
    } else {
        Status::Success
    };
    log.event(
        "info",
        "validated",
        &format!(
            "validation {}: {} passed, {} warned, {failed} failed ({} checks, {})",
            if failed == 0 { "passed" } else { "FAILED" },
            count(crate::validate::Status::Pass),
            count(crate::validate::Status::Warn),
            validated.results.len(),
            v.rules.display()
        ),
        json!({
            "passed": count(crate::validate::Status::Pass),
            "warned": count(crate::validate::Status::Warn),
            "failed": failed,
            "checks": validated.results.len(),
            "rules": v.rules,
        }),
    );
    // Each failed check by name, column, failing rows and threshold: in
    // the run's messages, its log line and its summary.
    let failures: Vec<Value> = validated
        .checks
        .iter()
        .zip(&validated.results)
        .filter(|(_, r)| r.status == crate::validate::Status::Fail)
        .map(|(check, result)| {
            json!({
                "check": check.name,
                "column": crate::report::validate::columns_text(check),
                "failing": result.failing,
                "evaluated": result.evaluated,
                "threshold": crate::report::validate::threshold_text(check),
            })
        })
        .collect();
    for f in &failures {
        log.event(
            "warn",
            "check_failed",
            &format!("check failed: {}", failed_check_text(f)),
            f.clone(),
        );
    }
    let summary = json!({
        "passed": outcome == Status::Success,
        "rules": v.rules,
        "report": v.report,
        "failed_checks": failures,
        "summary": json.get("summary").cloned().unwrap_or(Value::Null),
    });
    Ok((summary, outcome))
}

/// One failed check in words: `"Company filled" (Company): 212 of 400
/// rows failing, allowed ≥ 95%`.
pub(super) fn failed_check_text(f: &Value) -> String {
    let column = f["column"].as_str().unwrap_or_default();
    format!(
        "`{}`{}: {} of {} row(s) failing, allowed {}",
        f["check"].as_str().unwrap_or_default(),
        if column.is_empty() {
            String::new()
        } else {
            format!(" ({column})")
        },
        f["failing"],
        f["evaluated"],
        f["threshold"].as_str().unwrap_or_default()
    )
}

/// The exports and segments of the table the match step made (`output`;
/// None after a link: read once from `path`). Returns the summary's
/// `exports` and `segments` entries.
pub(super) fn export_and_segment(
    pipeline: &Pipeline,
    staging: &Staging,
    output: crate::table::Table,
    (output_path, output_name): (&Path, &str),
    (log, step_log): (&Log, &Log),
    timings: &mut Vec<(&'static str, std::time::Duration)>,
    progress: &dyn Progress,
) -> Result<(Vec<Value>, Value)> {
    let c = &pipeline.config;
    let output_table = Some(output).filter(|_| !c.exports.is_empty() || c.segment.is_some());
    let exports = match output_table.as_ref().filter(|_| !c.exports.is_empty()) {
        Some(table) => export_all(
            pipeline,
            staging,
            table,
            output_path,
            output_name,
            log,
            step_log,
            timings,
        )?,
        None => Vec::new(),
    };

    // 5. Segments of the same table.
    let mut segments = Value::Null;
    if let (Some(s), Some(table)) = (&c.segment, output_table) {
        let step = Instant::now();
        segments = segment_step(
            pipeline,
            s,
            table,
            output_name,
            staging,
            log,
            step_log,
            progress,
        )?;
        timings.push(("segment", step.elapsed()));
    }
    Ok((exports, segments))
}

/// Segments the exported table; stages the segments file. Returns the
/// summary's `segments` entry.
#[allow(clippy::too_many_arguments)]
pub(super) fn segment_step(
    pipeline: &Pipeline,
    s: &crate::pipeline::config::Segment,
    table: crate::table::Table,
    table_name: &str,
    staging: &Staging,
    log: &Log,
    step_log: &Log,
    progress: &dyn Progress,
) -> Result<Value> {
    let rules = crate::config::RuleFile::load_optional(
        s.rules.as_ref().map(|r| pipeline.base.join(r)).as_deref(),
    )?;
    crate::segment::check_names(&rules.segment)?;
    let report = crate::commands::segment::segment_table(
        table,
        Path::new(table_name),
        &rules,
        None,
        &staging.path(&s.file)?,
        step_log,
        progress,
    )?;
    log.event(
        "info",
        "segmented",
        &format!("segmented {} customers → {}", report.customers, s.file),
        json!({ "customers": report.customers, "file": s.file }),
    );
    Ok(serde_json::to_value(&report)?)
}

/// The pipeline's match step: link to last run's master (stable ids), or
/// dedupe the gathered table. Writes the golden records and the crosswalk
/// into staging; returns the summary's `matching` entry and, after a
/// dedupe, the golden table (for the exports and segments).
pub(super) fn match_step(
    pipeline: &Pipeline,
    m: &crate::pipeline::config::Match,
    cleaned: crate::table::Table,
    cleaned_path: &Path,
    (staging, work): (&Staging, &Path),
    (log, step_log): (&Log, &Log),
    progress: &dyn Progress,
) -> Result<(Value, crate::table::Table, PathBuf)> {
    let c = &pipeline.config;
    let golden_path = staging.path(&c.outputs.golden)?;
    let crosswalk_path = staging.path(&c.outputs.crosswalk)?;
    let rules = m.rules.as_ref().map(|r| pipeline.base.join(r));
    let model = m
        .model
        .as_ref()
        .map(|p| pipeline.base.join(p))
        .filter(|p| p.exists());
    let decisions = m.decisions.as_ref().map(|p| pipeline.base.join(p));
    let master = m
        .master
        .as_ref()
        .map(|name| pipeline.output_dir.join(name))
        .filter(|p| p.exists());
    let (golden_path, crosswalk_path) = (golden_path.as_path(), crosswalk_path.as_path());
    let c = &pipeline.config;
    match (m.mode, master) {
        (MatchMode::Link, Some(master)) => {
            let previous_crosswalk = pipeline.output_dir.join(&c.outputs.crosswalk);
            let settings = crate::commands::link::LinkSettings {
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
                steward: crate::commands::review::ReviewArgs {
                    decisions: decisions.clone(),
                    ..Default::default()
                },
            };
            // The batch is the gathered table in memory, as written.
            let batch = Some(as_read(cleaned));
            let crate::link::Linked {
                table: golden,
                outcome: linked,
                ..
            } = crate::commands::link::link(&settings, batch, step_log, progress)?;
            log.event(
                "info",
                "linked",
                &format!(
                    "linked to the master: {} records attached, {} already known, {} in {} new entities; {} entities",
                    linked.attached_records,
                    linked.known_records,
                    linked.new_records,
                    linked.new_entities,
                    linked.entities
                ),
                serde_json::to_value(&linked)?,
            );
            Ok((
                link_summary(&master, &linked),
                golden,
                golden_path.to_path_buf(),
            ))
        }
        (mode, _) => {
            if mode == MatchMode::Link {
                log.info("no master yet: this first run dedupes the inputs into one");
            }
            // In memory: the cleaned table as gathered, no re-read.
            let deduped = dedupe_in_memory(
                cleaned,
                cleaned_path,
                rules.as_deref(),
                model.as_deref(),
                decisions.as_deref(),
                m.threshold,
                c.pipeline.default_region.as_deref(),
                golden_path,
                crosswalk_path,
                step_log,
                progress,
            )?;
            let duplicates = deduped.records - deduped.entities;
            log.event(
                "info",
                "deduplicated",
                &format!(
                    "deduplicated: {} records → {} entities ({duplicates} duplicate records)",
                    deduped.records, deduped.entities
                ),
                json!({
                    "records": deduped.records,
                    "entities": deduped.entities,
                    "duplicate_records": duplicates,
                }),
            );
            let rate = if deduped.records == 0 {
                0.0
            } else {
                duplicates as f64 / deduped.records as f64
            };
            Ok((
                json!({
                    "mode": "dedupe",
                    "records": deduped.records,
                    "entities": deduped.entities,
                    "duplicate_records": duplicates,
                    "duplicate_rate": rate,
                }),
                deduped.golden,
                golden_path.to_path_buf(),
            ))
        }
    }
}

/// The pipeline's exports of one table (golden or cleaned records), each
/// into staging; returns each export's summary entry, with published names.
#[allow(clippy::too_many_arguments)]
pub(super) fn export_all(
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
        let (_, outcome) = crate::commands::export::export_table(
            table, &roles, &settings, &paths, step, step_log,
        )?;
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
        log.event(
            "info",
            "exported",
            &format!(
                "exported for {}: {} ({} rows{aside})",
                e.target, e.file, outcome.rows
            ),
            json!({ "target": e.target, "file": e.file, "rows": outcome.rows }),
        );
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
pub(super) struct DedupedStep {
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
pub(super) fn dedupe_in_memory(
    cleaned: crate::table::Table,
    cleaned_path: &Path,
    rules: Option<&Path>,
    model: Option<&Path>,
    decisions: Option<&Path>,
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
    let crate::commands::dedupe::Records {
        roles,
        identifiers,
        ids,
        ..
    } = crate::commands::dedupe::records(&cleaned, &rules, Some(RECORD_ID), cleaned_path)?;
    let decisions = crate::commands::review::load(decisions, &ids)?;
    let mut settings =
        crate::dedupe::DedupeSettings::resolve(threshold, None, &rules, model, false);
    if let Some(resolved) = &decisions {
        settings.decisions = resolved.rows.clone();
    }
    // The nightly dedupe plans for the default budget, like `tidyrec
    // dedupe`; a table set aside waits beside the run's staged outputs.
    settings.memory = Some(crate::dedupe::MemoryBudget {
        bytes: crate::spill::default_budget(),
        spill_dir: golden_path
            .parent()
            .filter(|dir| !dir.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf(),
    });
    let deduped = match crate::dedupe::deduplicate(
        cleaned,
        None,
        &roles,
        &identifiers,
        &rules,
        &settings,
        progress,
    ) {
        Err(crate::dedupe::DedupeError::NothingToMatch) => {
            anyhow::bail!(crate::dedupe::nothing_to_match(cleaned_path))
        }
        other => other?,
    };
    let records = deduped.table.row_count();
    let entities = deduped.matches.clusters.count;
    let golden_rows =
        crate::dedupe::GoldenRows::new(&deduped.golden, &deduped.table, &ids).to_table();
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
    crate::commands::dedupe::warn_conflicts(log, &deduped.golden.conflicts);
    if let Some(resolved) = &decisions {
        crate::commands::review::note(
            log,
            &resolved.decisions,
            crate::commands::review::Applied {
                rows: &resolved.rows,
                effects: &clusters.decision_effects,
                unknown: resolved.unknown,
                links_refused: clusters.refused_by_decisions,
            },
        );
    }
    Ok(DedupedStep {
        records,
        entities,
        golden: golden_rows,
    })
}

/// The published name of a file export writes beside `file`:
/// `crm/x.csv` → `crm/x.set-aside.csv`.
pub(super) fn published_beside(file: &str, kind: &str) -> String {
    match file.rsplit_once('.') {
        Some((stem, _)) if !stem.ends_with('/') => format!("{stem}.{kind}.csv"),
        _ => format!("{file}.{kind}.csv"),
    }
}
