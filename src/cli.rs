//! The command line assembled: the `tidyrec` parser, its subcommands (each
//! one's flags live with its glue in `commands/`), and dispatch — run the
//! chosen command, render an error, map the outcome to an exit code.

use crate::commands::{
    self, args::GlobalArgs, args::LogFormat, dedupe::DedupeArgs, export::ExportArgs,
    features::FeaturesArgs, init::InitArgs, link::LinkArgs, merge::MergeArgs, model::ModelArgs,
    normalize::NormalizeArgs, profile::ProfileArgs, run::RunArgs, segment::SegmentArgs,
    validate::ValidateArgs, Log, Status,
};
use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "tidyrec",
    version = env!("TIDYREC_LONG_VERSION"),
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
    /// Write a starter rule file for an export: roles, options, checks.
    ///
    /// Infers each column's role (commented with where it came from, so
    /// you confirm it), lists the normalize options, and writes checks by
    /// role with thresholds from the data: `validate` with the file on the
    /// same export exits 0, and fails when a later export gets worse.
    #[command(after_help = crate::commands::init::EXAMPLES)]
    Init(InitArgs),
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
    /// Golden records from a clustering computed elsewhere (Splink, Spark).
    ///
    /// Reads the input and a clusters file (a record id and cluster_id per
    /// line, CSV or Parquet), and merges each cluster with the same
    /// survivorship as dedupe; the golden file has dedupe's format.
    #[command(after_help = crate::commands::merge::EXAMPLES)]
    Merge(MergeArgs),
    /// The per-record matching features as plain columns (for Splink, Spark).
    ///
    /// Normalizes (unless --no-normalize) and writes, per record, its id and
    /// the keys tidyrec matches on: folded and nickname-resolved names,
    /// phonetic codes, e-mail key, phone digits, street tokens, postcode,
    /// company key. Row-wise, so it can run per shard.
    #[command(after_help = crate::commands::features::EXAMPLES)]
    Features(FeaturesArgs),
    /// Saved models: export one for another engine (Splink settings).
    Model(ModelArgs),
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
    /// Print shell completions (bash, zsh, fish, powershell, elvish).
    #[command(after_help = COMPLETIONS_EXAMPLES)]
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page, or write one per command into a directory.
    #[command(after_help = MAN_EXAMPLES)]
    Man {
        /// Write tidyrec.1 and tidyrec-COMMAND.1 for every command here.
        #[arg(long, value_name = "DIR")]
        dir: Option<std::path::PathBuf>,
    },
}

const COMPLETIONS_EXAMPLES: &str = "Examples:
  tidyrec completions bash > ~/.local/share/bash-completion/completions/tidyrec
  tidyrec completions zsh > ~/.zfunc/_tidyrec        # with fpath+=~/.zfunc
  tidyrec completions fish > ~/.config/fish/completions/tidyrec.fish";

const MAN_EXAMPLES: &str = "Examples:
  tidyrec man | man -l -
  tidyrec man --dir ~/.local/share/man/man1 && man tidyrec-dedupe";

/// Shell completions for `shell` on `out`.
fn completions(shell: clap_complete::Shell, out: &mut dyn std::io::Write) {
    use clap::CommandFactory;
    clap_complete::generate(shell, &mut Cli::command(), "tidyrec", out);
}

/// The man page on standard output, or one page per command into `dir`
/// (each written atomically).
fn man_pages(dir: Option<&std::path::Path>) -> anyhow::Result<()> {
    use clap::CommandFactory;
    let command = Cli::command();
    let Some(dir) = dir else {
        let mut out = std::io::stdout().lock();
        clap_mangen::Man::new(command).render(&mut out)?;
        return Ok(());
    };
    std::fs::create_dir_all(dir).map_err(|error| {
        anyhow::anyhow!(
            "cannot create the man page directory `{}`: {error}",
            dir.display()
        )
    })?;
    let mut pages = vec![("tidyrec.1".to_string(), command.clone())];
    for sub in command.get_subcommands() {
        let name = format!("tidyrec-{}", sub.get_name());
        pages.push((
            format!("{name}.1"),
            sub.clone()
                .name(name)
                .version(command.get_version().unwrap_or_default().to_string()),
        ));
    }
    for (file, page) in pages {
        crate::io::write::atomic(&dir.join(file), |out| {
            clap_mangen::Man::new(page).render(out)
        })?;
    }
    Ok(())
}

/// `--threads` is capped at this many threads per core.
const MAX_THREADS_PER_CORE: usize = 4;

/// Runs tidyrec with the process arguments and returns the exit code
/// (0 success, 1 check failed, 2 usage/config/input/I/O error).
pub fn main_exit_code() -> u8 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let code = if err.use_stderr() { 2 } else { 0 };
            let _ = err.print();
            return code;
        }
    };
    if let Some(mut threads) = cli.global.threads {
        if threads == 0 {
            eprintln!("error: --threads must be at least 1");
            return 2;
        }
        // More threads than a few per core only add memory and contention
        // (output is the same for any count): cap them, and say so.
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let cap = MAX_THREADS_PER_CORE * cores;
        if threads > cap {
            if !cli.global.quiet {
                eprintln!(
                    "warning: --threads {threads} is more than {MAX_THREADS_PER_CORE}× the {cores} core(s) here; using {cap}"
                );
            }
            threads = cap;
        }
        if let Err(err) = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build_global()
        {
            eprintln!("error: cannot start {threads} threads: {err}");
            return 2;
        }
    }
    let log = Log::new(&cli.global);
    let progress = commands::progress_bar::Bar::boxed(!cli.global.quiet && !cli.global.no_progress);
    let result = match &cli.command {
        Command::Normalize(args) => commands::normalize::run(args, &log, progress.as_ref()),
        Command::Dedupe(args) => commands::dedupe::run(args, &log, progress.as_ref()),
        Command::Validate(args) => commands::validate::run(args, &log, progress.as_ref()),
        Command::Profile(args) => commands::profile::run(args, &log, progress.as_ref()),
        Command::Export(args) => commands::export::run(args, &log, progress.as_ref()),
        Command::Link(args) => commands::link::run(args, &log, progress.as_ref()),
        Command::Merge(args) => commands::merge::run(args, &log, progress.as_ref()),
        Command::Features(args) => commands::features::run(args, &log, progress.as_ref()),
        Command::Model(args) => commands::model::run(args, &log),
        Command::Run(args) => commands::run::run(args, &log, progress.as_ref()),
        Command::Segment(args) => commands::segment::run(args, &log, progress.as_ref()),
        Command::Init(args) => commands::init::run(args, &log, progress.as_ref()),
        Command::Completions { shell } => {
            completions(*shell, &mut std::io::stdout().lock());
            Ok(Status::Success)
        }
        Command::Man { dir } => man_pages(dir.as_deref()).map(|_| Status::Success),
    };
    match result {
        Ok(Status::Success) => 0,
        Ok(Status::Failed) => 1,
        Err(err) => {
            if is_broken_pipe(&err) {
                return 0;
            }
            let mut message = format!("error: {err}");
            for cause in err.chain().skip(1) {
                message.push_str(&format!("\n  caused by: {cause}"));
            }
            let message = commands::unalias(&message);
            let message = crate::report::escape_terminal(&message).into_owned();
            if cli.global.log_format == LogFormat::Json {
                eprintln!(
                    "{}",
                    serde_json::json!({
                        "ts": commands::now_rfc3339(),
                        "level": "error",
                        "event": "error",
                        "message": message,
                        "exit_code": 2,
                    })
                );
            } else {
                eprintln!("{message}");
            }
            2
        }
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
