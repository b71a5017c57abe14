//! Command-line definitions (clap) only: no behaviour lives here.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "tidyrec",
    version,
    about = "Clean, validate, deduplicate and merge CRM customer exports.",
    long_about = "tidyrec reads messy CRM exports (CSV/TSV in any common encoding, Parquet, XLSX), \
infers what each column holds and normalizes its values: dates to ISO 8601, phones to E.164, \
e-mails, names, countries, booleans, money, postal codes; placeholders like N/A to empty. \
It finds and merges duplicate customers, links new batches to a golden master with stable \
ids, checks exports against rule files for CI, profiles data quality, writes import files for \
Salesforce, HubSpot, Dynamics 365, Zoho and Fxiaoke, segments customers, and runs all of it as \
a cron-safe pipeline.\n\n\
Exit codes: 0 success, 1 a check or policy failed, 2 usage, configuration, input or I/O error.",
    after_help = "Examples:\n  tidyrec normalize fixtures/demo/crm_export.csv -o clean.csv --audit audit.csv\n  tidyrec dedupe fixtures/demo/customers_dupes.csv -o golden.csv --clusters clusters.csv\n  tidyrec validate export.csv --rules rules/crm-contacts.toml --format junit --output report.xml\n  tidyrec profile export.csv --html quality.html --json profile.json\n  tidyrec link --master golden.csv tonight.csv -o golden-new.csv --crosswalk crosswalk.csv\n  tidyrec export golden.csv --target salesforce -o salesforce-contacts.csv\n  tidyrec run fixtures/pipeline/nightly.toml"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Print nothing but errors.
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// Print inferred column roles, settings and timings on stderr.
    #[arg(long, short, global = true)]
    pub verbose: bool,
    /// Worker threads (default: all cores). Output is identical for any value.
    #[arg(long, global = true, value_name = "N")]
    pub threads: Option<usize>,
    /// Format of messages on stderr.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// Never draw progress bars (they are also hidden when stderr is not a terminal).
    #[arg(long, global = true)]
    pub no_progress: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Normalize values in place: same columns, rows and order; values made consistent.
    #[command(after_help = crate::commands::normalize::EXAMPLES)]
    Normalize(NormalizeArgs),
    /// Find duplicate customers and merge each group into a golden record.
    ///
    /// Normalizes the input (unless --no-normalize), computes matching
    /// features, pairs records that share a blocking key, scores each pair
    /// with a Fellegi–Sunter model trained on the file itself (no labels),
    /// clusters pairs above the threshold and writes one golden row per
    /// cluster.
    #[command(after_help = crate::commands::dedupe::EXAMPLES)]
    Dedupe(DedupeArgs),
    /// Check an export against the rules of a rule file (CI gate).
    ///
    /// Runs every [[check]] of the rule file (required, not-empty-percent,
    /// unique, format, allowed-values, range/min/max, cross-field, row-count,
    /// duplicate-rate, freshness) and reports each with its failing rows.
    #[command(after_help = crate::commands::validate::EXAMPLES)]
    Validate(ValidateArgs),
    /// Profile data quality: per column role, completeness, validity, values.
    ///
    /// Prints a table; writes a versioned JSON profile (compare runs with
    /// --compare) and a self-contained HTML report with charts. Estimates
    /// the share of likely duplicate customers with the matching engine.
    #[command(after_help = crate::commands::profile::EXAMPLES)]
    Profile(ProfileArgs),
    /// Write an import file for a CRM: its field names, date and phone
    /// formats, encoding and file-size splits.
    ///
    /// Targets: salesforce, hubspot, dynamics, zoho, fxiaoke (contacts),
    /// salesforce-leads, zoho-leads, or a profile file (see rules/export/). Rows missing a field the importer requires
    /// are set aside in OUTPUT.set-aside.csv.
    #[command(after_help = crate::commands::export::EXAMPLES)]
    Export(ExportArgs),
    /// Match a new batch against a golden master; keep entity ids stable.
    ///
    /// Each incoming record joins an existing entity or starts a new one
    /// with a new id (never reused). Untouched entities are written back
    /// unchanged; entities that gain records are re-merged. --crosswalk maps
    /// every record id to its entity id, with why each new record went where.
    #[command(after_help = crate::commands::link::EXAMPLES)]
    Link(LinkArgs),
    /// Run a pipeline file: inputs, validation, matching, exports, segments.
    ///
    /// Cron-safe: a lock per pipeline, all outputs published together only
    /// when the run succeeds, the previous generations kept as backups, a
    /// JSON summary and one line per run in the log.
    #[command(after_help = crate::commands::run::EXAMPLES)]
    Run(RunArgs),
    /// Add RFM scores and a named segment to every customer.
    ///
    /// Recency from the last-purchase date, frequency from an order count
    /// (else member_count), monetary from lifetime value; each scored 1–5
    /// by quintile (boundaries in --report).
    #[command(after_help = crate::commands::segment::EXAMPLES)]
    Segment(SegmentArgs),
}

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

#[derive(Debug, Args)]
pub struct SegmentArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Output: the input's rows and columns plus rfm_* and segment.
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
    /// Rule file: [segment] columns and segment names.
    #[arg(long, value_name = "FILE")]
    pub rules: Option<PathBuf>,
    /// Count recency up to this date, YYYY-MM-DD (default: the latest purchase in the file).
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
    /// Write a JSON report: quintile boundaries, customers per segment.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
}

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
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Target: salesforce, hubspot, dynamics, zoho, fxiaoke (contacts),
    /// salesforce-leads, zoho-leads, or a profile file (.toml).
    #[arg(long, short, value_name = "TARGET")]
    pub target: String,
    /// Import file to write (.csv); split outputs are OUTPUT-part1.csv, -part2 …
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
    /// Output encoding instead of the profile's: utf-8, utf-8-bom, gbk, gb18030.
    #[arg(long, value_name = "NAME")]
    pub out_encoding: Option<String>,
    /// Rows per file instead of the profile's limit.
    #[arg(long, value_name = "N")]
    pub max_rows: Option<usize>,
    /// Bytes per file instead of the profile's limit.
    #[arg(long, value_name = "BYTES")]
    pub max_bytes: Option<u64>,
    /// Also export the columns no import field takes, under their own headers.
    #[arg(long)]
    pub keep_unmapped: bool,
    /// Rule file (TOML) that sets column roles and options.
    #[arg(long, value_name = "FILE")]
    pub rules: Option<PathBuf>,
    /// Export the values as they are (the input is already normalized).
    #[arg(long)]
    pub no_normalize: bool,
    /// Country for rows without one (phone region, date order), e.g. US, GB, CN.
    #[arg(long, value_name = "COUNTRY")]
    pub default_region: Option<String>,
    /// Do not neutralize values that a spreadsheet would run as formulas.
    #[arg(long)]
    pub allow_formulas: bool,
    /// Clusters file of `tidyrec dedupe` on this export (for --merge-plan).
    #[arg(long, value_name = "FILE")]
    pub clusters: Option<PathBuf>,
    /// Write the merge calls (master + duplicates, at the target's batch size).
    #[arg(long, value_name = "FILE")]
    pub merge_plan: Option<PathBuf>,
    /// Exit 0 even when rows are set aside (by default set-aside rows make
    /// the exit code 1: an import that misses customers is not a success).
    #[arg(long)]
    pub allow_set_aside: bool,
    /// Write what the export did as JSON: rows, files, set-aside rows by
    /// reason, derived and placeholder-filled fields, consent, upsert ids.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ProfileArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Write the profile as JSON (stable, versioned; input of --compare).
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Write a self-contained HTML report with charts.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// An earlier `--json` profile: show what got better or worse.
    #[arg(long, value_name = "OLD.json")]
    pub compare: Option<PathBuf>,
    /// Rule file (TOML) that sets column roles and options.
    #[arg(long, value_name = "FILE")]
    pub rules: Option<PathBuf>,
    /// Skip the duplicate estimate (the slowest part on large files).
    #[arg(long)]
    pub no_duplicates: bool,
    /// Country for rows without one (phone region, date order), e.g. US, GB, CN.
    #[arg(long, value_name = "COUNTRY")]
    pub default_region: Option<String>,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Rule file (TOML) with [[check]] tables.
    #[arg(long, value_name = "FILE")]
    pub rules: PathBuf,
    /// Report format.
    #[arg(long, value_enum, default_value_t = ValidateFormat::Text)]
    pub format: ValidateFormat,
    /// Write the report to this file instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Write every failing row (row, id, check, severity, column, value, reason) as CSV.
    #[arg(long, value_name = "FILE")]
    pub failures: Option<PathBuf>,
    /// Column holding the record id shown with failures (default: inferred).
    #[arg(long, value_name = "COLUMN")]
    pub id_column: Option<String>,
    /// Country for rows without one (phone region, date order), e.g. US, GB, CN.
    #[arg(long, value_name = "COUNTRY")]
    pub default_region: Option<String>,
    /// "Today" for freshness checks, as YYYY-MM-DD (default: the current UTC date).
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ValidateFormat {
    /// A readable table.
    Text,
    /// The versioned JSON report.
    Json,
    /// JUnit XML, one test case per check.
    Junit,
    /// GitHub Actions annotations.
    Github,
}

#[derive(Debug, Args)]
pub struct DedupeArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Golden records: one row per entity (CSV or Parquet by extension).
    #[command(flatten)]
    pub output: OutputArgs,
    /// The column that identifies a record (default: the first id column
    /// whose values are unique, else the row number).
    #[arg(long, value_name = "COLUMN")]
    pub id_column: Option<String>,
    /// Rule file: roles, normalization options, survivorship per column.
    #[arg(long, value_name = "FILE")]
    pub rules: Option<PathBuf>,
    /// Match probability from which two records are the same entity
    /// [default: 0.99, or `threshold` in the rule file's [dedupe]].
    #[arg(long, value_name = "P", value_parser = parse_probability)]
    pub threshold: Option<f64>,
    /// Write every input record's cluster (id, cluster_id, cluster_size, match_probability).
    #[arg(long, value_name = "FILE")]
    pub clusters: Option<PathBuf>,
    /// Write every scored candidate pair with per-field levels and weights.
    #[arg(long, value_name = "FILE")]
    pub pairs: Option<PathBuf>,
    /// Write, for each field of each merged golden row, the member it came from.
    #[arg(long, value_name = "FILE")]
    pub lineage: Option<PathBuf>,
    /// Write a JSON report (counts, blocking, model, timings).
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// Save the trained model (JSON) to score later runs the same way.
    #[arg(long, value_name = "FILE")]
    pub save_model: Option<PathBuf>,
    /// Score with a saved model instead of training one.
    #[arg(long, value_name = "FILE")]
    pub model: Option<PathBuf>,
    /// Match the values as they are (the input is already normalized).
    #[arg(long)]
    pub no_normalize: bool,
    /// Exit 1 when any cluster has more than one record (for CI checks).
    #[arg(long)]
    pub fail_on_duplicates: bool,
    /// Blocks with more records than this are skipped and reported
    /// [default: 50, or `max-block` in the rule file's [dedupe]; 2–5000].
    #[arg(long, value_name = "N", value_parser = parse_max_block)]
    pub max_block: Option<usize>,
    /// Country for phones of rows without one (ISO code or name).
    #[arg(long, value_name = "COUNTRY")]
    pub default_region: Option<String>,
}

fn parse_max_block(value: &str) -> Result<usize, String> {
    let limit = crate::matching::MAX_BLOCK_LIMIT;
    match value.parse::<usize>() {
        Ok(n) if (2..=limit).contains(&n) => Ok(n),
        _ => Err(format!(
            "a block size from 2 to {limit} (a block of n records makes n(n-1)/2 pairs)"
        )),
    }
}

fn parse_probability(value: &str) -> Result<f64, String> {
    match value.parse::<f64>() {
        Ok(p) if p > 0.0 && p < 1.0 => Ok(p),
        _ => Err("the threshold is a probability strictly between 0 and 1, e.g. 0.9".into()),
    }
}

/// How to read the input (shared by every command that reads a table).
#[derive(Debug, Args)]
pub struct InputArgs {
    /// Input file: .csv, .tsv, .txt, .parquet, .xlsx (or `-` for CSV on stdin).
    pub input: PathBuf,
    /// Field delimiter for CSV input (default: detected among , ; TAB |).
    #[arg(long, value_name = "CHAR", value_parser = parse_delimiter)]
    pub delimiter: Option<u8>,
    /// Input encoding (default: detected): utf-8, utf-16, gbk, gb18030, latin1, windows-1252 …
    #[arg(long, value_name = "NAME")]
    pub encoding: Option<String>,
    /// Sheet to read from an Excel workbook (default: the first).
    #[arg(long, value_name = "NAME")]
    pub sheet: Option<String>,
    /// Set unreadable rows aside in a rejects file instead of stopping.
    #[arg(long)]
    pub lenient: bool,
    /// Where `--lenient` writes rejected rows (default: OUTPUT with `.rejects.csv`).
    #[arg(long, value_name = "FILE")]
    pub rejects: Option<PathBuf>,
}

/// How to write CSV output.
#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Output file: .csv, .tsv or .parquet (`-` for CSV on stdout).
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
    /// Start CSV output with a UTF-8 byte-order mark (for Excel).
    #[arg(long)]
    pub bom: bool,
    /// Do not neutralize values that a spreadsheet would run as formulas.
    #[arg(long)]
    pub allow_formulas: bool,
}

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
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DateOrderArg {
    #[value(alias = "dmy")]
    DayFirst,
    #[value(alias = "mdy")]
    MonthFirst,
}

fn parse_delimiter(value: &str) -> Result<u8, String> {
    match value {
        "\\t" | "tab" | "TAB" => Ok(b'\t'),
        v if v.len() == 1 && v.is_ascii() => Ok(v.as_bytes()[0]),
        _ => Err("the delimiter must be one ASCII character, or `tab`".into()),
    }
}
