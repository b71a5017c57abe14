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

mod dry_run;
mod steps;

use super::{Log, Status};
use crate::io::{self, write};
use crate::pipeline::config::{MatchMode, Pipeline};
use crate::pipeline::publish::{self, Staging};
use crate::pipeline::{self, RECORD_ID};
use crate::progress::Progress;
use anyhow::{Context, Result};
use clap::Args;
use dry_run::print_plan;
use serde_json::{json, Value};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;
use steps::*;

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
                log.event("warn", "stopped", &format!(
                    "pipeline `{name}`: {} and stop-on-failure is set: nothing else published, the previous outputs in `{}` are unchanged; the failing checks' report is `{}`",
                    done.line["failed_checks"]
                        .as_str()
                        .map_or("a validation check failed".to_string(), |f| format!("check(s) failed: {f}")),
                    pipeline.output_dir.display(),
                    done.line["report"].as_str().unwrap_or_default()
                ), json!({
                    "pipeline": name,
                    "output_dir": pipeline.output_dir,
                    "failed_report": done.line["report"],
                    "seconds": started.elapsed().as_secs_f64(),
                }));
            } else {
                // A failed report from an earlier stopped run is stale now.
                if let Some(v) = &pipeline.config.validate {
                    let _ = std::fs::remove_file(
                        pipeline.output_dir.join(failed_report_name(&v.report)),
                    );
                }
                log.event(
                    "info",
                    "published",
                    &format!(
                        "pipeline `{name}`: {} output file(s) published to `{}` in {:.2}s",
                        published.len(),
                        pipeline.output_dir.display(),
                        started.elapsed().as_secs_f64()
                    ),
                    json!({
                        "pipeline": name,
                        "status": state,
                        "files": published.len(),
                        "output_dir": pipeline.output_dir,
                        "seconds": started.elapsed().as_secs_f64(),
                    }),
                );
            }
            Ok(done.status)
        }
        Err(err) => {
            let message = crate::commands::unalias(&format!("{err:#}")).into_owned();
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
    crate::commands::alias_path(&staging.dir, &pipeline.output_dir);
    let work = staging.work()?;
    let mut timings: Vec<(&str, std::time::Duration)> = Vec::new();
    let mut status = Status::Success;

    // 1. Gather: read, rename, normalize every input; stack them.
    let step = Instant::now();
    let cleaned_path = staging.path(&c.outputs.cleaned)?;
    let (gathered_inputs, cleaned) = gather_step(
        pipeline,
        files,
        &staging,
        &cleaned_path,
        log,
        &step_log,
        progress,
    )?;
    let records = cleaned.row_count();
    timings.push(("gather", step.elapsed()));

    // 2. Validate the cleaned records, in memory.
    let mut validation = Value::Null;
    if let Some(v) = &c.validate {
        let step = Instant::now();
        let (summary, outcome) =
            validate_step(pipeline, v, &cleaned, &staging, log, &step_log, progress)?;
        validation = summary;
        timings.push(("validate", step.elapsed()));
        if outcome == Status::Failed {
            status = Status::Failed;
            let failed: Vec<String> = validation["failed_checks"]
                .as_array()
                .into_iter()
                .flatten()
                .map(failed_check_text)
                .collect();
            if v.stop_on_failure {
                // The report is what the steward needs most: publish it
                // beside the last good outputs, under its own name.
                // Written atomically (temp + rename), as every output.
                let failed_report = failed_report_name(&v.report);
                let published = pipeline.output_dir.join(&failed_report);
                let report = std::fs::read(staging.path(&v.report)?)?;
                write::atomic(&published, |out| out.write_all(&report)).with_context(|| {
                    format!(
                        "cannot write the failed validation report `{}`",
                        published.display()
                    )
                })?;
                return Ok(Executed {
                    staging,
                    status,
                    stop: true,
                    line: json!({
                        "records": records,
                        "checks": "failed",
                        "failed_checks": failed.join("; "),
                        "report": failed_report,
                    }),
                });
            }
        }
    }

    // 3. Match: link to last run's master (stable ids), or dedupe.
    let mut matching = Value::Null;
    let (mut output, mut output_path, mut output_name) =
        (cleaned, cleaned_path, c.outputs.cleaned.clone());
    if let Some(m) = &c.matching {
        let step = Instant::now();
        let (summary, golden_table, golden_path) = match_step(
            pipeline,
            m,
            output,
            &output_path,
            (&staging, &work),
            (log, &step_log),
            progress,
        )?;
        matching = summary;
        output = golden_table;
        output_path = golden_path;
        output_name = c.outputs.golden.clone();
        timings.push(("match", step.elapsed()));
    }

    // 4, 5. Exports and segments of the golden records (or of the
    // cleaned ones), from one table in memory.
    let (exports, segments) = export_and_segment(
        pipeline,
        &staging,
        output,
        (&output_path, &output_name),
        (log, &step_log),
        &mut timings,
        progress,
    )?;

    // 6. The summary, published with the outputs.
    let steps = Steps {
        inputs: gathered_inputs,
        records,
        validation,
        matching,
        exports,
        segments,
        timings,
    };
    let line = write_summary(pipeline, &staging, started_at, status, steps)?;
    Ok(Executed {
        staging,
        status,
        stop: false,
        line,
    })
}

/// Whether the run log is JSON lines: an existing log keeps the format of
/// its first line (one format per file, whatever `--log-format` says now);
/// a new one follows `--log-format`.
fn log_is_json(path: &Path, log: &Log) -> bool {
    use std::io::BufRead;
    let first = std::fs::File::open(path).ok().and_then(|file| {
        std::io::BufReader::new(file)
            .lines()
            .map_while(Result::ok)
            .find(|line| !line.trim().is_empty())
    });
    match first {
        Some(line) => line.trim_start().starts_with('{'),
        None => log.is_json(),
    }
}

/// Where a stopped run's validation report goes in the output directory:
/// `validation.json` → `validation.failed.json` (never one of the
/// published set's names, so the last good set stays whole).
fn failed_report_name(report: &str) -> String {
    match report.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => format!("{stem}.failed.{ext}"),
        _ => format!("{report}.failed"),
    }
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
    let line = if log_is_json(path, log) {
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
                let value = v.as_str().map_or(v.to_string(), str::to_string);
                // A value with spaces is quoted, so the line still splits
                // into key=value pairs.
                if value.contains(char::is_whitespace) || value.contains('"') {
                    text.push_str(&format!(" {k}={value:?}"));
                } else {
                    text.push_str(&format!(" {k}={value}"));
                }
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
