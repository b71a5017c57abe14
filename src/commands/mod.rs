//! One module per subcommand (its usage examples and glue: read files,
//! resolve settings, call the library's stages, write and report), plus
//! what they share: messages on stderr, the progress bar, dispatch and the
//! rendering of errors as exit codes.

pub mod args;
pub mod dedupe;
pub mod export;
pub mod features;
pub mod init;
pub mod link;
pub mod merge;
pub mod model;
pub mod normalize;
pub mod profile;
pub mod progress_bar;
pub mod review;
pub mod run;
pub mod segment;
pub mod validate;

use crate::io::{paths, write, ReadOptions, Reject};
use args::{GlobalArgs, InputArgs, LogFormat};
use std::path::{Path, PathBuf};

/// Reading options from the input flags every command shares.
pub(crate) fn read_options(input: &InputArgs) -> ReadOptions {
    ReadOptions {
        delimiter: input.delimiter,
        encoding: input.encoding.clone(),
        sheet: input.sheet.clone(),
        lenient: input.lenient,
    }
}

/// Starts a command's [`paths::Plan`] with its data input and, when
/// `--lenient`, the rejects file beside `output`.
pub(crate) fn path_plan(input: &InputArgs, output: &Path) -> paths::Plan {
    let mut plan = paths::Plan::new();
    plan.read("INPUT", Some(&input.input));
    if input.lenient {
        plan.write("--rejects", Some(&rejects_path(input, output)));
    }
    plan
}

/// Where `--lenient` sets unreadable rows aside: `--rejects`, else
/// `<output stem>.rejects.csv` beside the output.
pub(crate) fn rejects_path(input: &InputArgs, output: &Path) -> PathBuf {
    input.rejects.clone().unwrap_or_else(|| {
        if output == Path::new("-") {
            return PathBuf::from("rejects.csv");
        }
        let stem = output
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("output");
        let name = format!("{stem}.rejects.csv");
        match output.parent() {
            Some(dir) => dir.join(name),
            None => PathBuf::from(name),
        }
    })
}

/// Writes the rows the reader set aside (line, reason, raw fields), so no
/// input row is lost, and says so on stderr.
pub(crate) fn write_rejects(
    path: &Path,
    rejects: &[Reject],
    kept: usize,
    log: &Log,
) -> Result<(), write::WriteError> {
    if rejects.is_empty() {
        return Ok(());
    }
    let rows = rejects.iter().map(|r| {
        let mut row = vec![r.line.to_string(), r.reason.clone()];
        row.extend(r.fields.iter().cloned());
        row
    });
    write::records(path, &["line", "reason", "fields…"], rows)?;
    // Every input record is accounted for: kept + set aside = read.
    let message = format!(
        "{} of {} input records could not be read and are set aside in `{}` ({kept} kept)",
        rejects.len(),
        kept + rejects.len(),
        path.display()
    );
    // A pipeline says it in its own words, with the published name.
    if log.is_step() {
        log.detail(&message);
    } else {
        log.warn(&message);
    }
    Ok(())
}

/// Says what the reader decided that the user may need to know: headers it
/// named (lenient) and an encoding it guessed.
pub(crate) fn note_read(log: &Log, path: &Path, read: &crate::io::ReadOutcome) {
    note_renamed(log, path, &read.renamed_headers);
    if read.encoding_guessed {
        log.warn(&format!(
            "`{}` is not UTF-8: read it as {} (guessed from its content); pass --encoding if that is wrong",
            path.display(),
            read.encoding.unwrap_or("?")
        ));
    }
}

/// Says which columns had no usable header, and the names they were given.
fn note_renamed(log: &Log, path: &Path, renamed: &[(usize, String)]) {
    for (index, name) in renamed {
        log.warn(&format!(
            "`{}`: column {} has no usable header; named it `{name}`",
            path.display(),
            index + 1
        ));
    }
}

/// A path shown in messages under another name: a pipeline's staging
/// directory is shown as its output directory (where the files will be),
/// never as the private folder a steward cannot find after the run.
static PATH_ALIAS: std::sync::RwLock<Option<(String, String)>> = std::sync::RwLock::new(None);

/// Shows `from` as `to` in every later message and error.
pub(crate) fn alias_path(from: &Path, to: &Path) {
    if let Ok(mut alias) = PATH_ALIAS.write() {
        *alias = Some((from.display().to_string(), to.display().to_string()));
    }
}

/// `message` with an aliased path replaced (see [`alias_path`]).
pub(crate) fn unalias(message: &str) -> std::borrow::Cow<'_, str> {
    match PATH_ALIAS.read().ok().as_deref().and_then(Option::as_ref) {
        Some((from, to)) if message.contains(from.as_str()) => {
            message.replace(from.as_str(), to).into()
        }
        _ => message.into(),
    }
}

/// Now, for JSON log lines (UTC, milliseconds).
pub(crate) fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Exit status of a command that ran to the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Success,
    /// The run completed but a check or policy failed (exit 1).
    Failed,
}

/// Messages on stderr, as text or JSON lines; quiet suppresses all but errors.
#[derive(Clone, Copy)]
pub struct Log {
    quiet: bool,
    verbose: bool,
    json: bool,
    /// A step of a pipeline: its progress lines are details (the pipeline
    /// says what happened in its own words), its warnings stay warnings.
    step: bool,
}

impl Log {
    pub fn new(global: &GlobalArgs) -> Log {
        Log {
            quiet: global.quiet,
            verbose: global.verbose && !global.quiet,
            json: global.log_format == LogFormat::Json,
            step: false,
        }
    }

    /// The log a pipeline hands to the commands it runs as steps.
    pub fn for_step(&self) -> Log {
        Log {
            step: true,
            ..*self
        }
    }

    /// Whether this is a pipeline step's log.
    pub fn is_step(&self) -> bool {
        self.step
    }

    pub fn is_verbose(&self) -> bool {
        self.verbose
    }

    /// Messages are JSON lines (`--log-format json`).
    pub fn is_json(&self) -> bool {
        self.json
    }

    pub fn is_quiet(&self) -> bool {
        self.quiet
    }

    pub fn info(&self, message: &str) {
        if self.step {
            self.detail(message);
        } else if !self.quiet {
            self.emit("info", message);
        }
    }

    pub fn detail(&self, message: &str) {
        if self.verbose {
            self.emit("debug", message);
        }
    }

    /// Phase timings at `--verbose`: a line each as text, one `timings`
    /// event (seconds per phase) as JSON.
    pub fn timings(&self, timings: &[(&str, std::time::Duration)]) {
        if !self.verbose {
            return;
        }
        if self.json {
            let seconds: serde_json::Map<String, serde_json::Value> = timings
                .iter()
                .map(|(phase, time)| {
                    let s = (time.as_secs_f64() * 1000.0).round() / 1000.0;
                    (phase.to_string(), s.into())
                })
                .collect();
            self.emit_event(
                "debug",
                "timings",
                "",
                serde_json::json!({ "seconds": seconds }),
            );
            return;
        }
        for (phase, time) in timings {
            self.detail(&format!("  {phase:<18} {:>8.2}s", time.as_secs_f64()));
        }
    }

    /// A named event with machine-readable fields: as text, `message`
    /// (shown like `info`, or like `warn` for level `warn`); as JSON, one
    /// object with `ts`, `level`, `event`, `message` and the fields.
    pub fn event(&self, level: &str, event: &str, message: &str, fields: serde_json::Value) {
        let shown = match level {
            "warn" => !self.quiet,
            "debug" => self.verbose,
            // A pipeline step's info is a detail (see `info`).
            _ if self.step => self.verbose,
            _ => !self.quiet,
        };
        if !shown {
            return;
        }
        let level = if level == "info" && self.step {
            "debug"
        } else {
            level
        };
        if self.json {
            self.emit_event(level, event, message, fields);
        } else {
            self.emit(level, message);
        }
    }

    fn emit_event(&self, level: &str, event: &str, message: &str, fields: serde_json::Value) {
        let mut line = serde_json::json!({
            "ts": now_rfc3339(),
            "level": level,
            "event": event,
        });
        if !message.is_empty() {
            line["message"] = crate::report::escape_terminal(&unalias(message))
                .into_owned()
                .into();
        }
        if let serde_json::Value::Object(fields) = fields {
            for (k, v) in fields {
                line[k] = v;
            }
        }
        eprintln!("{line}");
    }

    pub fn warn(&self, message: &str) {
        if !self.quiet {
            self.emit("warn", message);
        }
    }

    fn emit(&self, level: &str, message: &str) {
        // JSON escapes control characters itself; text must not pass a
        // header's escape sequence to the terminal.
        let message = unalias(message);
        let message = &crate::report::escape_terminal(&message);
        if self.json {
            let event = if level == "warn" {
                "warning"
            } else {
                "message"
            };
            self.emit_event(level, event, message, serde_json::Value::Null);
        } else if level == "warn" {
            eprintln!("warning: {message}");
        } else {
            eprintln!("{message}");
        }
    }
}

/// An input read for `features` and `merge`: its records (roles, ids),
/// the values normalized unless `--no-normalize`, the rows set aside.
/// The first pass over a record file read in blocks (`features`, `merge`):
/// what the whole-file path learns from the table before its first row is
/// used.
pub(crate) struct ScannedRecords {
    pub scan: crate::normalize::stream::Scan,
    pub read_options: ReadOptions,
    pub block_bytes: usize,
    /// Columns that can be ids (followed by the scan).
    pub id_like: Vec<usize>,
    /// The record id column, as [`dedupe::records`] picks it.
    pub id_column: Option<usize>,
}

/// Scans `input` in blocks for a memory `budget`: roles, date evidence and
/// the record ids, with the whole-file path's errors (a golden column
/// already there, an empty or repeated id).
pub(crate) fn scan_records(
    input: &InputArgs,
    options: &args::RecordArgs,
    rules: &crate::config::RuleFile,
    budget: u64,
    log: &Log,
    progress: &dyn crate::progress::Progress,
) -> Result<ScannedRecords, crate::normalize::stream::StreamError> {
    use crate::normalize::stream;
    let path = &input.input;
    let read_options = read_options(input);
    let default_region =
        crate::normalize::plan::resolve_region(options.default_region.as_deref(), rules)
            .map_err(anyhow::Error::from)?;
    let settings = stream::Settings {
        rules,
        id_column: options.id_column.as_deref(),
        default_region,
        date_order: None,
    };
    let block_bytes = stream::block_bytes(budget);
    let headers = crate::io::read_headers(path, &read_options).map_err(anyhow::Error::from)?;
    refuse_golden_columns(&headers, path)?;
    let id_like = id_like_columns(&headers, rules, options.id_column.as_deref());
    let scan = stream::scan(
        path,
        &read_options,
        &settings,
        block_bytes,
        &id_like,
        progress,
    )?;
    let id_column = streamed_id_column(&scan, options.id_column.as_deref(), path)?;
    // What the whole-file path says on reading (a block-read file is UTF-8).
    note_renamed(log, path, &scan.renamed_headers);
    Ok(ScannedRecords {
        scan,
        read_options,
        block_bytes,
        id_like,
        id_column,
    })
}

/// Refuses an input that already has a column dedupe adds to the golden
/// file.
fn refuse_golden_columns(headers: &[String], input: &Path) -> anyhow::Result<()> {
    for name in crate::dedupe::GOLDEN_COLUMNS {
        if headers.iter().any(|h| h == name) {
            anyhow::bail!(
                "`{}` already has a column named `{name}`, which dedupe adds to the golden file; rename it",
                input.display()
            );
        }
    }
    Ok(())
}

/// Columns that can be ids: named so by the rule file, `--id-column` or
/// their header (content never makes a column an id). A file read in
/// blocks follows them in its first pass ([`crate::normalize::stream::scan`]).
fn id_like_columns(
    headers: &[String],
    rules: &crate::config::RuleFile,
    id_column: Option<&str>,
) -> Vec<usize> {
    (0..headers.len())
        .filter(|&c| {
            let header = &headers[c];
            match rules.columns.get(header).and_then(|o| o.role) {
                Some(role) => role == crate::schema::Role::Id,
                None => {
                    id_column == Some(header.as_str())
                        || crate::schema::headers::role(header) == Some(crate::schema::Role::Id)
                }
            }
        })
        .collect()
}

/// The record id column of a file read in blocks, as [`dedupe::records`]
/// picks it for a file read whole: the named id column must be filled and
/// unique (the same errors, naming the same rows), else the first id
/// column that is.
fn streamed_id_column(
    scan: &crate::normalize::stream::Scan,
    id_column: Option<&str>,
    input: &Path,
) -> Result<Option<usize>, crate::normalize::stream::StreamError> {
    use crate::normalize::stream::IdProblem;
    use crate::schema::resolve::SchemaError;
    let id_scan = |c: usize| scan.ids.iter().find(|s| s.column == c);
    let Some(name) = id_column else {
        return Ok((0..scan.headers.len()).find(|&c| {
            scan.roles[c].role == crate::schema::Role::Id
                && id_scan(c).is_some_and(|s| s.first_problem.is_none())
        }));
    };
    let column = scan.headers.iter().position(|h| h == name).ok_or_else(|| {
        anyhow::anyhow!(
            "--id-column `{name}` is not a column of `{}`",
            input.display()
        )
    })?;
    let header = scan.headers[column].clone();
    let input = input.display().to_string();
    match id_scan(column).and_then(|s| s.first_problem) {
        Some(IdProblem::Empty { row }) => Err(anyhow::Error::from(SchemaError::EmptyId {
            input,
            row: row + 1,
            line: row + 2,
            header,
        })
        .into()),
        Some(IdProblem::Repeated { first, row }) => {
            Err(anyhow::Error::from(SchemaError::RepeatedId {
                input,
                first: first + 1,
                row: row + 1,
                header,
            })
            .into())
        }
        None => Ok(Some(column)),
    }
}

pub(crate) struct ReadRecords {
    pub records: dedupe::Records,
    pub table: crate::table::Table,
    pub rejects: Vec<Reject>,
}

/// Reads `input` and names its records; `require_ids` refuses an input
/// without a unique id column (`why` says what needs the ids).
pub(crate) fn read_records(
    input: &InputArgs,
    options: &args::RecordArgs,
    rules: &crate::config::RuleFile,
    require_ids: Option<&str>,
    log: &Log,
    progress: &dyn crate::progress::Progress,
) -> anyhow::Result<ReadRecords> {
    let path = &input.input;
    let default_region =
        crate::normalize::plan::resolve_region(options.default_region.as_deref(), rules)?;
    let read = crate::io::read(path, &read_options(input))?;
    note_read(log, path, &read);
    let raw = read.table;
    let records = dedupe::records(&raw, rules, options.id_column.as_deref(), path)?;
    if records.id_header == "row" {
        match require_ids {
            Some(why) => anyhow::bail!(
                "`{}` has no column of unique record ids {why}; give one with --id-column",
                path.display()
            ),
            None => log.warn(&format!(
                "`{}` has no column of unique record ids: records are named by row number in `row`, which is not unique across shards (set --id-column)",
                path.display()
            )),
        }
    }
    let table = if options.no_normalize {
        raw
    } else {
        let plan = crate::normalize::plan::build_plan(
            &raw,
            &records.inferred,
            rules,
            default_region,
            None,
        );
        crate::normalize::run(&raw, &plan, false, progress).table
    };
    Ok(ReadRecords {
        records,
        table,
        rejects: read.rejects,
    })
}
