//! The normalize stage over a file too large to hold: one or two passes
//! over a CSV/TSV input, block by block, in memory that grows with a block
//! of rows, not with the file.
//!
//! 1. **Scan**: the samples role inference reads (the first
//!    [`SAMPLE`](crate::schema::SAMPLE) filled values of each column) and the
//!    day/month evidence of every column that may turn out to hold dates,
//!    grouped by each row's country under every column that may turn out to
//!    be the country column (usually one). Roles are resolved from the
//!    samples, so they are the roles the whole-file stage resolves.
//! 2. **Normalize and write**: each block through [`super::run_block`] with
//!    the file's evidence, its rows written to the output (and audit) as they
//!    come.
//!
//! When the first block settles every role, [`run`] stops the scan there
//! and writes in the same pass, ordering dates by the first block's
//! evidence while it gathers every block's; if the whole file's evidence
//! gives any country of any date column another order, that output is
//! dropped before it replaces anything and the file is read in two passes.
//!
//! Guarantees: the output, audit, roles and counts are byte for byte those of
//! [`super::run`] on the whole file. Files the block reader cannot read
//! exactly as the whole-file reader does (not UTF-8, broken quotes, rows set
//! aside) are refused with [`StreamError::NotStreamable`] before any output
//! is committed (in the scan, or while the one pass writes to its temp
//! file), so the caller can read them whole; a file that changes between
//! the passes is an error, never a mixed output. One pass is tried only
//! when its output and audit are files replaced whole (not standard output,
//! a pipe or a device), so a dropped pass leaves nothing behind.

use super::{ColumnStats, DateEvidence, Plan};
use crate::config::RuleFile;
use crate::io::write::{self, CsvOptions};
use crate::io::{BlockError, Blocks, ReadOptions};
use crate::progress::Progress;
use crate::schema::resolve::{possible_roles, resolve_roles};
use crate::schema::{Inferred, Role};
use crate::table::{Column, Table};
use std::io::Write;
use std::path::Path;

/// Whether a file of `bytes` is read in blocks under a memory `budget`:
/// when holding it whole (about five times its size: the text as read, its
/// normalized copy, offsets) would pass the budget. Under it the file can
/// be held, in one pass, with the same outputs (`docs/memory.md`);
/// `normalize` still reads large files in blocks
/// ([`normalize_in_blocks`]).
pub fn in_blocks(bytes: u64, budget: u64) -> bool {
    bytes.saturating_mul(5) > budget
}

/// Files larger than this are read in blocks by `normalize` even when
/// holding them would fit the budget. Measured on 1.5M-record exports of
/// 279 MB and 672 MB (release build, 2 threads, alternating runs), the two
/// passes were as fast or faster than holding the file (4.5–4.9 s against
/// 4.8–5.2 s; 7.2–7.6 s against 7.5–8.0 s) in a fifth to a tenth of the
/// memory: a held file is faulted in and zeroed page by page five times
/// over, which costs more than the scan's second read.
pub const HOLD_WHOLE_UP_TO: u64 = 256 << 20;

/// Whether `normalize` reads a file of `bytes` in blocks: when holding it
/// would pass the budget ([`in_blocks`]), or when it is larger than
/// [`HOLD_WHOLE_UP_TO`].
pub fn normalize_in_blocks(bytes: u64, budget: u64) -> bool {
    in_blocks(bytes, budget) || bytes > HOLD_WHOLE_UP_TO
}

/// The block size for a memory budget: a thirty-second of it, between
/// 64 KiB and 32 MiB (three blocks are in flight, each held about five
/// times over as text, parsed, normalized and formatted).
pub fn block_bytes(budget: u64) -> usize {
    (budget / 32).clamp(64 << 10, 32 << 20) as usize
}

/// What decides roles and options, as for the whole-file stage.
pub struct Settings<'a> {
    pub rules: &'a RuleFile,
    pub id_column: Option<&'a str>,
    pub default_region: Option<&'static str>,
    pub date_order: Option<super::date::Order>,
}

/// Where the results go.
pub struct Sinks<'a> {
    pub output: &'a Path,
    pub csv: CsvOptions,
    pub audit: Option<&'a Path>,
}

/// What the stage did.
pub struct Streamed {
    /// What the first pass found (headers, roles, blocks, its time).
    pub scan: Scan,
    pub rows: usize,
    pub stats: Vec<ColumnStats>,
    /// Time of the pass that normalized and wrote.
    pub write_time: std::time::Duration,
    /// Times the file was read: 1 (the first block settled the roles and
    /// the whole file confirmed its day/month orders), 2 (scan, then
    /// normalize), or 3 (a pass dropped because a later block proved
    /// another order, then two).
    pub passes: u8,
}

#[derive(Debug, thiserror::Error)]
pub enum StreamError {
    /// The file must be read whole (nothing was written).
    #[error("read whole: {0}")]
    NotStreamable(&'static str),
    #[error(transparent)]
    Failed(#[from] anyhow::Error),
    /// A block's visitor failed to write (the caller names the file).
    #[error(transparent)]
    Visit(std::io::Error),
}

impl StreamError {
    /// For a pass inside an atomic write: a failed write goes back to the
    /// writer (which names the file); anything else is kept in `failure`
    /// for the caller, and stops the write (its temp file is dropped).
    pub fn into_io(self, failure: &mut Option<StreamError>) -> std::io::Error {
        match self {
            StreamError::Visit(error) => error,
            other => {
                *failure = Some(other);
                std::io::Error::other("stopped")
            }
        }
    }
}

impl From<crate::io::ReadError> for StreamError {
    fn from(error: crate::io::ReadError) -> Self {
        StreamError::Failed(error.into())
    }
}

impl From<BlockError> for StreamError {
    fn from(error: BlockError) -> Self {
        match error {
            BlockError::Read(error) => error.into(),
            BlockError::NotStreamable(why) => StreamError::NotStreamable(why),
        }
    }
}

/// What the first pass learned: everything the whole-file stage decides
/// from the whole file before it normalizes a row.
pub struct Scan {
    pub headers: Vec<String>,
    pub roles: Vec<Inferred>,
    /// The stage plan, with the file's date evidence.
    pub plan: Plan,
    pub delimiter: u8,
    pub renamed_headers: Vec<(usize, String)>,
    /// Blocks the file was read in.
    pub blocks: usize,
    /// What the whole file says of each column asked for in `ids`.
    pub ids: Vec<IdScan>,
    /// The file's size and modification time when scanned.
    file: (u64, Option<std::time::SystemTime>),
    pub time: std::time::Duration,
}

/// Whether a column's values name every record once, from the whole file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IdScan {
    pub column: usize,
    /// The first row (0-based) that is empty, or repeats an earlier row's
    /// value (with that earlier row): where a record-id check fails.
    pub first_problem: Option<IdProblem>,
    /// Some filled value appears twice.
    pub filled_repeat: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdProblem {
    Empty { row: usize },
    Repeated { first: usize, row: usize },
}

/// Tracks one id column across blocks. Values are kept as 128-bit hashes
/// (two SipHash-1-3 digests), not strings: 24 bytes a record whatever the
/// ids look like; a false repeat would need a 128-bit collision.
struct IdTracker {
    scan: IdScan,
    seen: rustc_hash::FxHashMap<(u64, u64), u32>,
}

impl IdTracker {
    fn add(&mut self, column: &Column, first_row: usize) {
        for (offset, value) in column.iter().enumerate() {
            let row = first_row + offset;
            if value.trim().is_empty() {
                if self.scan.first_problem.is_none() {
                    self.scan.first_problem = Some(IdProblem::Empty { row });
                }
                continue;
            }
            match self.seen.entry(crate::table::digest(value)) {
                std::collections::hash_map::Entry::Occupied(earlier) => {
                    self.scan.filled_repeat = true;
                    if self.scan.first_problem.is_none() {
                        self.scan.first_problem = Some(IdProblem::Repeated {
                            first: *earlier.get() as usize,
                            row,
                        });
                    }
                }
                std::collections::hash_map::Entry::Vacant(slot) => {
                    slot.insert(row as u32);
                }
            }
        }
    }
}

/// The first pass: samples, date evidence and, for the columns in `ids`,
/// whether their values are filled and unique.
pub fn scan(
    input: &Path,
    read_options: &ReadOptions,
    settings: &Settings<'_>,
    block_bytes: usize,
    ids: &[usize],
    progress: &dyn Progress,
) -> Result<Scan, StreamError> {
    scan_from(
        input,
        read_options,
        settings,
        block_bytes,
        ids,
        progress,
        false,
    )
    .map(|(scan, _)| scan)
}

/// A file's first blocks, read whole, and its reader, positioned after
/// them: what [`scan_from`] hands back when the first block settles every
/// role.
struct Head {
    blocks: Blocks,
    held: Vec<Table>,
}

/// [`scan`], or with `head`, a scan that stops after the first block when
/// that block settles every role (or is the whole file): the plan then
/// carries the first block's date evidence, and the [`Head`] the blocks
/// read so far and the reader. Otherwise the whole file is scanned.
fn scan_from(
    input: &Path,
    read_options: &ReadOptions,
    settings: &Settings<'_>,
    block_bytes: usize,
    ids: &[usize],
    progress: &dyn Progress,
    head: bool,
) -> Result<(Scan, Option<Head>), StreamError> {
    let scan_started = std::time::Instant::now();
    let mut blocks = open_blocks(input, read_options, block_bytes)?;
    let headers = blocks.headers.clone();
    let rules = settings.rules;
    let (mut date_columns, country_columns) = possible_roles(&headers, rules, settings.id_column);
    date_columns.retain(|&c| {
        let column_order = rules.columns.get(&headers[c]).and_then(|o| o.date_order);
        column_order
            .or(settings.date_order)
            .or(rules.normalize.date_order)
            .is_none()
    });
    // Evidence under each possible country column (`None`: no country
    // column, every row in the default region).
    let mut variants: Vec<(Option<usize>, Vec<DateEvidence>)> = std::iter::once(None)
        .chain(country_columns.iter().copied().map(Some))
        .map(|variant| (variant, vec![DateEvidence::default(); headers.len()]))
        .collect();
    let mut samples: Vec<Vec<String>> = vec![Vec::new(); headers.len()];
    // A column's role is settled once the rule file or `--id-column` fixes
    // it, or its sample is complete: then it is what the whole-file stage
    // resolves, and a column settled as neither date nor country needs no
    // more evidence.
    let settled = |c: usize, samples: &[Vec<String>]| -> Option<Role> {
        let header = &headers[c];
        if let Some(role) = rules.columns.get(header).and_then(|o| o.role) {
            return Some(role);
        }
        if settings.id_column == Some(header.as_str()) {
            return Some(Role::Id);
        }
        (samples[c].len() == crate::schema::SAMPLE)
            .then(|| crate::schema::infer(header, samples[c].iter().map(String::as_str)).role)
    };
    let placeholders = &rules.normalize.placeholders;
    progress.start("scan", blocks.file_len());
    let mut block_count = 0;
    let mut rows_seen = 0usize;
    let mut trackers: Vec<IdTracker> = ids
        .iter()
        .map(|&column| IdTracker {
            scan: IdScan {
                column,
                ..IdScan::default()
            },
            seen: Default::default(),
        })
        .collect();
    let mut reported = 0;
    // Each block is scanned while the next is read and parsed. Returns the
    // columns later blocks need, and (when `check` asks) whether every
    // column's role is settled.
    let mut scan_block = |block: &Table, check: bool| -> (Vec<bool>, bool) {
        for tracker in &mut trackers {
            tracker.add(&block.columns[tracker.scan.column], rows_seen);
        }
        rows_seen += block.row_count();
        for (sample, column) in samples.iter_mut().zip(&block.columns) {
            if sample.len() < crate::schema::SAMPLE {
                let wanted = crate::schema::SAMPLE - sample.len();
                sample.extend(
                    column
                        .iter()
                        .filter(|v| crate::schema::is_sampled(v))
                        .take(wanted)
                        .map(str::to_string),
                );
            }
        }
        date_columns.retain(|&c| {
            settled(c, &samples).is_none_or(|role| matches!(role, Role::Date | Role::Datetime))
        });
        // The country column is known once the candidates before it are
        // settled as something else and it is settled as a country.
        let mut known = Some(None);
        for &k in &country_columns {
            match settled(k, &samples) {
                Some(Role::Country) => {
                    known = Some(Some(k));
                    break;
                }
                Some(_) => {}
                None => {
                    known = None;
                    break;
                }
            }
        }
        if let Some(country) = known {
            variants.retain(|(variant, _)| *variant == country);
        }
        if !date_columns.is_empty() {
            for (variant, found) in &mut variants {
                add_evidence(
                    found,
                    block,
                    &date_columns,
                    *variant,
                    placeholders,
                    settings,
                );
            }
        }
        // The columns later blocks still need: samples not complete, and
        // evidence (date columns and the countries of their rows).
        let mut needed: Vec<bool> = samples
            .iter()
            .map(|sample| sample.len() < crate::schema::SAMPLE)
            .collect();
        if !date_columns.is_empty() {
            for &c in &date_columns {
                needed[c] = true;
            }
            for &(variant, _) in &variants {
                if let Some(k) = variant {
                    needed[k] = true;
                }
            }
        }
        for &c in ids {
            needed[c] = true;
        }
        let all_settled = check && (0..samples.len()).all(|c| settled(c, &samples).is_some());
        (needed, all_settled)
    };
    let mut held = None;
    let mut next = blocks.next_block()?;
    while let Some(block) = next {
        block_count += 1;
        let first = head && block_count == 1;
        // The block read meanwhile was cut with the needs known before this
        // one: a superset of what is needed now (needs only shrink). The
        // second block is cut with none known: it is whole.
        let ((needed, all_settled), following) =
            rayon::join(|| scan_block(&block, first), || blocks.next_block());
        let following = following?;
        if first && (all_settled || following.is_none()) {
            held = Some(
                std::iter::once(block)
                    .chain(following)
                    .collect::<Vec<Table>>(),
            );
            break;
        }
        blocks.keep_only(Some(needed));
        progress.advance(blocks.consumed() - reported);
        reported = blocks.consumed();
        next = following;
    }
    progress.finish();
    let scanned = blocks.identity();
    let delimiter = blocks.delimiter;
    let renamed_headers = std::mem::take(&mut blocks.renamed_headers);
    let head = held.map(|held| Head { blocks, held });

    let sample_table = Table {
        headers: headers.clone(),
        columns: samples
            .iter()
            .map(|values| values.iter().map(String::as_str).collect::<Column>())
            .collect(),
    };
    let roles = resolve_roles(&sample_table, rules, settings.id_column, input)
        .map_err(anyhow::Error::from)?;
    let mut plan: Plan = super::plan::build_plan(
        &sample_table,
        &roles,
        rules,
        settings.default_region,
        settings.date_order,
    );
    let variant = variants
        .iter()
        .position(|(v, _)| *v == plan.country_column)
        .ok_or(StreamError::NotStreamable("an unforeseen country column"))?;
    plan.file_evidence = Some(variants.swap_remove(variant).1);
    drop(sample_table);

    Ok((
        Scan {
            headers,
            roles,
            plan,
            delimiter,
            renamed_headers,
            blocks: block_count,
            ids: trackers.into_iter().map(|t| t.scan).collect(),
            file: scanned,
            time: scan_started.elapsed(),
        },
        head,
    ))
}

/// Normalizes `input` into `sinks` in blocks of about `block_bytes`.
///
/// Where the first block settles every column's role, the file is read
/// once: the first block's day/month evidence orders the dates as the
/// blocks are written, the evidence of every block is gathered on the way,
/// and at the end the orders it gives for every country of every date
/// column are compared with the first block's. Equal (nearly always: a
/// country's dates prove their order early, or never), the output is what
/// two passes write; different (a later row proves another order for rows
/// already written), that output is dropped unwritten and the file is read
/// twice, as before.
pub fn run(
    input: &Path,
    read_options: &ReadOptions,
    settings: &Settings<'_>,
    sinks: &Sinks<'_>,
    block_bytes: usize,
    progress: &dyn Progress,
) -> Result<Streamed, StreamError> {
    if crate::io::Format::from_path(sinks.output) == crate::io::Format::Parquet {
        return Err(StreamError::NotStreamable(
            "Parquet output is written whole",
        ));
    }
    // One pass may have to be taken back: only into files replaced whole.
    let may_retry =
        !write::written_in_place(sinks.output) && !sinks.audit.is_some_and(write::written_in_place);
    let (scan, head) = scan_from(
        input,
        read_options,
        settings,
        block_bytes,
        &[],
        progress,
        may_retry,
    )?;
    let pass = |scan, head, passes| {
        write_pass(
            input,
            read_options,
            settings,
            sinks,
            block_bytes,
            progress,
            scan,
            head,
            passes,
        )
    };
    let (scan, passes) = match head {
        None => (scan, 2),
        Some(head) => match pass(scan, Some(head), 1)? {
            Some(streamed) => return Ok(streamed),
            // A later block proved another order: scan the whole file.
            None => {
                let whole = scan_from(
                    input,
                    read_options,
                    settings,
                    block_bytes,
                    &[],
                    progress,
                    false,
                )?;
                (whole.0, 3)
            }
        },
    };
    // Without a head there are no orders to check: the pass always writes.
    pass(scan, None, passes)?
        .ok_or_else(|| StreamError::Failed(anyhow::anyhow!("a second pass has no orders to check")))
}

/// Normalizes and writes every block with `scan`'s plan: the blocks of
/// `head` and the rest of its reader (one pass, whose date orders are
/// checked at the end: `None` when they differ, nothing written), or
/// without a head, the file opened again (the second
/// of two passes). `passes`: what the run will have read, for the report.
#[allow(clippy::too_many_arguments)]
fn write_pass(
    input: &Path,
    read_options: &ReadOptions,
    settings: &Settings<'_>,
    sinks: &Sinks<'_>,
    block_bytes: usize,
    progress: &dyn Progress,
    mut scan: Scan,
    head: Option<Head>,
    passes: u8,
) -> Result<Option<Streamed>, StreamError> {
    let write_started = std::time::Instant::now();
    let headers = &scan.headers;
    let id_column = scan.roles.iter().position(|r| r.role == Role::Id);
    let delimiter = write::csv_delimiter(sinks.output);
    let mut rows = 0usize;
    let mut blocks = 0usize;
    let mut stats: Vec<ColumnStats> = Vec::new();
    let mut failure: Option<StreamError> = None;
    let mut orders_changed = false;
    // Read once: the evidence of every block, to check the first block's.
    let checked: Vec<usize> = match &head {
        Some(_) => (0..headers.len())
            .filter(|&c| {
                let column = &scan.plan.columns[c];
                matches!(column.role, Role::Date | Role::Datetime)
                    && column.date_order.or(scan.plan.date_order).is_none()
            })
            .collect(),
        None => Vec::new(),
    };
    let first_evidence: Vec<DateEvidence> = scan.plan.file_evidence.clone().unwrap_or_default();
    let mut whole_evidence = first_evidence.clone();
    let country_column = scan.plan.country_column;
    let placeholders = &settings.rules.normalize.placeholders;
    let mut head = head;
    let plan = &scan.plan;
    let mut pass = |out: &mut (dyn Write + Send),
                    mut audit: Option<csv::Writer<&mut (dyn Write + Send)>>|
     -> std::io::Result<()> {
        if sinks.csv.bom {
            out.write_all(b"\xEF\xBB\xBF")?;
        }
        write::csv_header(out, headers, delimiter, sinks.csv)?;
        if let Some(audit) = &mut audit {
            audit.write_record(super::AUDIT_HEADER)?;
        }
        let collect_findings = audit.is_some();
        let visit = |block: Table, outcome: Option<super::Outcome>, first_row: usize| {
            let outcome = outcome.expect("normalized");
            write::csv_rows(out, &outcome.table, delimiter, sinks.csv)?;
            if let Some(audit) = &mut audit {
                let guarded = CsvOptions::default();
                let rows = super::audit_rows(
                    &block,
                    &outcome.table,
                    &outcome.findings,
                    id_column,
                    first_row,
                );
                for row in rows {
                    audit.write_record(
                        row.iter()
                            .map(|v| write::guard(v, guarded).as_bytes().to_vec()),
                    )?;
                }
            }
            if !checked.is_empty() {
                add_evidence(
                    &mut whole_evidence,
                    &block,
                    &checked,
                    country_column,
                    placeholders,
                    settings,
                );
            }
            rows += block.row_count();
            blocks += 1;
            super::add_stats(&mut stats, outcome.stats);
            Ok(())
        };
        let visited = match head.take() {
            Some(head) => {
                let source = Source {
                    blocks: head.blocks,
                    held: head.held,
                };
                stream_blocks(source, plan, Some(collect_findings), progress, visit)
            }
            None => for_each_block(
                input,
                read_options,
                block_bytes,
                &scan,
                Some(collect_findings),
                progress,
                visit,
            ),
        };
        visited.map_err(|error| error.into_io(&mut failure))?;
        if !same_orders(&checked, &first_evidence, &whole_evidence) {
            orders_changed = true;
            return Err(std::io::Error::other("the day/month orders changed"));
        }
        if let Some(mut audit) = audit {
            audit.flush()?;
        }
        Ok(())
    };
    let written = write::atomic(sinks.output, |out| match sinks.audit {
        Some(audit_path) => {
            // The audit is committed just before the output, inside its
            // write: a run that stops midway leaves neither behind.
            write::atomic(audit_path, |audit_out| {
                let audit = csv::WriterBuilder::new()
                    .flexible(true)
                    .from_writer(audit_out);
                pass(out, Some(audit))
            })
            .map_err(std::io::Error::other)
        }
        None => pass(out, None),
    });
    if let Some(failure) = failure {
        return Err(failure);
    }
    if orders_changed {
        return Ok(None);
    }
    written.map_err(anyhow::Error::from)?;
    if stats.is_empty() {
        stats = vec![ColumnStats::default(); headers.len()];
    }
    super::finish_stats(&mut stats);
    if passes == 1 {
        // Read once: the blocks are those of the one pass.
        scan.blocks = blocks;
    }
    Ok(Some(Streamed {
        scan,
        rows,
        stats,
        write_time: write_started.elapsed(),
        passes,
    }))
}

/// Adds what `block` proves of the day/month order of its `columns`, by
/// each row's country (read from `country_column`), to `found` (one entry
/// per column of the file). The scan and the one pass gather evidence
/// with this one function, so the orders they compare are reckoned alike.
fn add_evidence(
    found: &mut [DateEvidence],
    block: &Table,
    columns: &[usize],
    country_column: Option<usize>,
    placeholders: &[String],
    settings: &Settings<'_>,
) {
    let countries = country_column
        .map(|k| super::row_countries(&block.columns[k], placeholders))
        .unwrap_or_default();
    for &c in columns {
        let more = super::gather_evidence(&block.columns[c], &countries, settings.default_region);
        super::merge_evidence(&mut found[c], more);
    }
}

/// Whether the day/month orders `whole` gives every country of the date
/// columns `checked` are those `first` gave.
fn same_orders(checked: &[usize], first: &[DateEvidence], whole: &[DateEvidence]) -> bool {
    checked.iter().all(|&c| {
        let (first, whole) = (&first[c], &whole[c]);
        first.keys().chain(whole.keys()).all(|country| {
            super::order_for(first.get(country), *country)
                == super::order_for(whole.get(country), *country)
        })
    })
}

/// The second pass: every block of `input` in file order, with its
/// normalized form when `normalize` is `Some(collect_findings)`, handed to
/// `visit` with the index of its first row. Three blocks are in flight:
/// while `visit` has block k, block k+1 is normalized and block k+2 read
/// and parsed (each phase alone leaves a core idle part of the time).
pub fn for_each_block(
    input: &Path,
    read_options: &ReadOptions,
    block_bytes: usize,
    scan: &Scan,
    normalize: Option<bool>,
    progress: &dyn Progress,
    visit: impl FnMut(Table, Option<super::Outcome>, usize) -> std::io::Result<()> + Send,
) -> Result<usize, StreamError> {
    let blocks = open_blocks(input, read_options, block_bytes)?;
    if blocks.headers != scan.headers || blocks.identity() != scan.file {
        return Err(StreamError::Failed(changed(input)));
    }
    let source = Source {
        blocks,
        held: Vec::new(),
    };
    // The scan read every block: one the reader now refuses is a change.
    stream_blocks(source, &scan.plan, normalize, progress, visit).map_err(|error| match error {
        StreamError::NotStreamable(_) => StreamError::Failed(changed(input)),
        other => other,
    })
}

/// Blocks handed out in file order: those already read first, then the
/// reader's.
struct Source {
    blocks: Blocks,
    held: Vec<Table>,
}

impl Source {
    fn next_block(&mut self) -> Result<Option<Table>, BlockError> {
        if self.held.is_empty() {
            self.blocks.next_block()
        } else {
            Ok(Some(self.held.remove(0)))
        }
    }
}

/// [`for_each_block`] over `source`; a block the reader refuses is
/// [`StreamError::NotStreamable`].
fn stream_blocks(
    mut source: Source,
    plan: &Plan,
    normalize: Option<bool>,
    progress: &dyn Progress,
    mut visit: impl FnMut(Table, Option<super::Outcome>, usize) -> std::io::Result<()> + Send,
) -> Result<usize, StreamError> {
    progress.start("normalize", source.blocks.file_len());
    let mut reported = 0;
    let mut rows = 0usize;
    let mut pending: Option<(Table, Option<super::Outcome>)> = None;
    let mut next = source.next_block();
    loop {
        let current = next?;
        let previous = pending.take();
        let finished = current.is_none() && previous.is_none();
        let (visited, (outcome, following)) = rayon::join(
            || -> std::io::Result<()> {
                match previous {
                    Some((block, outcome)) => {
                        let first_row = rows;
                        rows += block.row_count();
                        visit(block, outcome, first_row)
                    }
                    None => Ok(()),
                }
            },
            || match &current {
                Some(block) => rayon::join(
                    || normalize.map(|findings| super::run_block(block, plan, findings)),
                    || source.next_block(),
                ),
                None => (None, Ok(None)),
            },
        );
        visited.map_err(StreamError::Visit)?;
        progress.advance(source.blocks.consumed() - reported);
        reported = source.blocks.consumed();
        if finished {
            break;
        }
        match current {
            Some(block) => {
                pending = Some((block, outcome));
                next = following;
            }
            // The last block went to `visit`; one more turn ends the loop.
            None => next = Ok(None),
        }
    }
    progress.finish();
    Ok(rows)
}

fn open_blocks(
    input: &Path,
    read_options: &ReadOptions,
    block_bytes: usize,
) -> Result<Blocks, StreamError> {
    crate::io::read_blocks(input, read_options, block_bytes)?
        .ok_or(StreamError::NotStreamable("not UTF-8 text"))
}

fn changed(input: &Path) -> anyhow::Error {
    anyhow::anyhow!(
        "`{}` changed between the two passes over it; nothing was written — run again once the file is complete",
        input.display()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_files_are_normalized_in_blocks_even_within_the_budget() {
        let budget = 8 << 30;
        // A small file is held (one pass).
        assert!(!normalize_in_blocks(10 << 20, budget));
        assert!(!normalize_in_blocks(HOLD_WHOLE_UP_TO, budget));
        // A large one is read in blocks though it would fit.
        assert!(!in_blocks(HOLD_WHOLE_UP_TO + 1, budget));
        assert!(normalize_in_blocks(HOLD_WHOLE_UP_TO + 1, budget));
        // Past the budget, whatever the size.
        assert!(normalize_in_blocks(10 << 20, 32 << 20));
    }

    #[test]
    fn a_file_that_changes_between_the_passes_is_an_error_not_a_mixed_output() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("in.csv");
        let mut text = String::from("id,name,signed\n");
        for i in 0..500 {
            text.push_str(&format!("C{i},anna {i},03/04/2020\n"));
        }
        std::fs::write(&path, &text).unwrap();
        let rules = RuleFile::default();
        let settings = Settings {
            rules: &rules,
            id_column: None,
            default_region: Some("US"),
            date_order: None,
        };
        let options = ReadOptions::default();
        let silent = crate::progress::Silent;
        let scan = scan(&path, &options, &settings, 4096, &[0], &silent).unwrap();
        assert_eq!(scan.ids[0].first_problem, None);
        // Unchanged: every row visited, in order.
        let rows = for_each_block(
            &path,
            &options,
            4096,
            &scan,
            Some(false),
            &silent,
            |_, _, _| Ok(()),
        );
        assert_eq!(rows.unwrap(), 500);
        // A row appended after the scan.
        text.push_str("C500,late,25/12/2020\n");
        std::fs::write(&path, &text).unwrap();
        let error = for_each_block(
            &path,
            &options,
            4096,
            &scan,
            Some(false),
            &silent,
            |_, _, _| Ok(()),
        )
        .unwrap_err()
        .to_string();
        assert!(error.contains("changed between the two passes"), "{error}");
    }
}
