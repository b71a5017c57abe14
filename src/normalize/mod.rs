//! The normalize stage: every cell of every column through the normalizer of
//! its column's role, with the row's context (its country → phone region,
//! day/month order, ZIP rules).
//!
//! Guarantees: same columns, same rows, same order; a value that cannot be
//! normalized is kept exactly as it was and counted as rejected; placeholders
//! become empty; results do not depend on the thread count (work is split in
//! fixed chunks and reassembled in order).

pub mod boolean;
pub mod country;
pub mod date;
pub mod email;
pub mod money;
pub mod name;
pub mod phone;
pub mod placeholder;
pub mod plan;
pub mod postal;
pub mod stream;
pub mod text;

use crate::progress::Progress;
use crate::schema::Role;
use crate::table::{Column, Table};
use rayon::prelude::*;
use rustc_hash::FxHashMap as HashMap;
use serde::Serialize;
use std::borrow::Cow;

/// Rows per unit of parallel work.
const CHUNK_ROWS: usize = 32_768;

/// How one column is normalized.
#[derive(Debug, Clone)]
pub struct ColumnPlan {
    pub role: Role,
    /// `false`: the column is copied untouched.
    pub enabled: bool,
    /// Fixed day/month order for this column (rule), else per row.
    pub date_order: Option<date::Order>,
    pub strip_honorifics: bool,
    /// A value that cannot be normalized is kept as written (default) or
    /// written empty; either way it is counted and the audit has it.
    pub empty_invalid: bool,
}

/// Everything the stage needs, resolved from flags and the rule file.
#[derive(Debug, Clone)]
pub struct Plan {
    pub columns: Vec<ColumnPlan>,
    /// Column whose value gives each row's country.
    pub country_column: Option<usize>,
    /// Country for rows that have none (ISO alpha-2).
    pub default_region: Option<&'static str>,
    pub date_order: Option<date::Order>,
    pub date_format: Option<String>,
    pub extension_style: phone::ExtensionStyle,
    /// How valid phones are written (E.164 by default).
    pub phone_format: phone::PhoneFormat,
    pub placeholders: Vec<String>,
    /// Day/month evidence per column gathered over the whole file, when the
    /// stage runs on one block of rows at a time ([`stream`]); `None`: each
    /// date column's own rows are the evidence.
    pub file_evidence: Option<Vec<DateEvidence>>,
}

/// What a date column proves about day/month order, per country group:
/// (a value proves day-first, a value proves month-first). Merging is an OR,
/// so it can be gathered block by block in any order.
pub type DateEvidence = HashMap<Option<&'static str>, (bool, bool)>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Changed,
    Emptied,
    Rejected,
}

impl Action {
    pub fn name(self) -> &'static str {
        match self {
            Action::Changed => "changed",
            Action::Emptied => "emptied",
            Action::Rejected => "rejected",
        }
    }
}

/// One changed or rejected cell (values are looked up in the tables).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Finding {
    pub row: usize,
    pub column: usize,
    pub action: Action,
    pub reason: &'static str,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ColumnStats {
    pub changed: usize,
    pub emptied: usize,
    pub rejected: usize,
    pub unchanged: usize,
    /// Empty cells in the output (blank or placeholder in the input).
    pub empty: usize,
    /// Most frequent rejection reasons, with counts.
    pub reasons: Vec<(String, usize)>,
    /// Country columns: the spellings not recognised, most frequent first
    /// (at most [`UNRECOGNISED_SHOWN`]), so a steward sees `Mainland × 412`.
    pub unrecognised: Vec<(String, usize)>,
}

/// How many unrecognised country spellings a column's stats list.
pub const UNRECOGNISED_SHOWN: usize = 10;

/// The row context of a country that is written but not recognised: its
/// phones get no region (only `+` numbers are read; national ones are kept
/// as written and reported), never the default region's.
const UNKNOWN_COUNTRY: &str = "??";

pub struct Outcome {
    pub table: Table,
    pub stats: Vec<ColumnStats>,
    /// Sorted by row, then column. Empty unless requested.
    pub findings: Vec<Finding>,
    /// Per column, the rows whose value was rejected (ascending). Always
    /// collected: rejections are rare, and `validate`/`profile` need them.
    pub rejected: Vec<Vec<u32>>,
}

/// Each row's country as its country column states it: a code,
/// [`UNKNOWN_COUNTRY`] when written but not recognised, `None` when empty or
/// a placeholder (then the default region applies).
pub(crate) fn row_countries(column: &Column, placeholders: &[String]) -> Vec<Option<&'static str>> {
    // Country columns have few distinct spellings: look each up once.
    let mut memo: HashMap<&str, Option<&'static str>> = HashMap::default();
    column
        .iter()
        .map(|raw| {
            *memo.entry(raw).or_insert_with(|| {
                let stated =
                    !raw.trim().is_empty() && !placeholder::is_placeholder(raw, placeholders);
                country::lookup(raw).or(stated.then_some(UNKNOWN_COUNTRY))
            })
        })
        .collect()
}

/// The audit's columns: one row per changed, emptied or rejected cell.
pub const AUDIT_HEADER: [&str; 7] = ["row", "id", "column", "original", "new", "action", "reason"];

/// The audit rows of `findings` (1-based file rows: `first_row` is the
/// index of `input`'s first row in the file), with the record id from
/// `id_column`, the original value from `input` and the new from `output`.
pub fn audit_rows<'a>(
    input: &'a Table,
    output: &'a Table,
    findings: &'a [Finding],
    id_column: Option<usize>,
    first_row: usize,
) -> impl Iterator<Item = [String; 7]> + 'a {
    findings.iter().map(move |f| {
        [
            (first_row + f.row + 1).to_string(),
            id_column
                .map(|c| input.columns[c].get(f.row).to_string())
                .unwrap_or_default(),
            input.headers[f.column].clone(),
            input.columns[f.column].get(f.row).to_string(),
            output.columns[f.column].get(f.row).to_string(),
            f.action.name().to_string(),
            f.reason.to_string(),
        ]
    })
}

/// Per-row context shared by all columns.
struct RowContext {
    /// The row's country: a code, [`UNKNOWN_COUNTRY`] when written but not
    /// recognised, `None` when empty (then the default region applies).
    country: Vec<Option<&'static str>>,
}

/// US convention (and the few others that write the month first).
fn month_first_country(code: &str) -> bool {
    matches!(
        code,
        "US" | "PH" | "FM" | "MH" | "PW" | "GU" | "PR" | "AS" | "VI" | "MP" | "UM" | "BZ"
    )
}

struct Piece {
    column: Column,
    stats: ColumnStats,
    findings: Vec<Finding>,
    rejected: Vec<u32>,
    reasons: HashMap<&'static str, usize>,
}

/// Runs the stage on a borrowed table (kept as read, e.g. for an audit of
/// original values).
pub fn run(input: &Table, plan: &Plan, collect_findings: bool, progress: &dyn Progress) -> Outcome {
    let columns = input.columns.iter().map(Cow::Borrowed).collect();
    let mut outcome = run_columns(&input.headers, columns, plan, collect_findings, progress);
    finish_stats(&mut outcome.stats);
    outcome
}

/// Runs the stage on one block of a file's rows ([`stream`]): rows are
/// numbered from the block's start, and the stats are not finished (every
/// unrecognised country spelling is kept), so blocks add up with
/// [`add_stats`] and [`finish_stats`] to what [`run`] says of the file.
pub fn run_block(input: &Table, plan: &Plan, collect_findings: bool) -> Outcome {
    let columns = input.columns.iter().map(Cow::Borrowed).collect();
    run_columns(
        &input.headers,
        columns,
        plan,
        collect_findings,
        &crate::progress::Silent,
    )
}

/// Runs the stage on a table that is not needed afterwards: each column as
/// read is freed once its normalized form is built, so the peak is one
/// table and a batch of columns, not two tables.
pub fn run_owned(
    input: Table,
    plan: &Plan,
    collect_findings: bool,
    progress: &dyn Progress,
) -> Outcome {
    let columns = input.columns.into_iter().map(Cow::Owned).collect();
    let mut outcome = run_columns(&input.headers, columns, plan, collect_findings, progress);
    finish_stats(&mut outcome.stats);
    outcome
}

/// Adds one block's column stats to the running totals (counts summed,
/// reasons and unrecognised spellings merged by value).
pub fn add_stats(total: &mut Vec<ColumnStats>, block: Vec<ColumnStats>) {
    if total.is_empty() {
        *total = block;
        return;
    }
    let merge = |into: &mut Vec<(String, usize)>, from: Vec<(String, usize)>| {
        let mut counts: HashMap<String, usize> = into.drain(..).collect();
        for (value, count) in from {
            *counts.entry(value).or_default() += count;
        }
        into.extend(counts);
    };
    for (sum, part) in total.iter_mut().zip(block) {
        sum.changed += part.changed;
        sum.emptied += part.emptied;
        sum.rejected += part.rejected;
        sum.unchanged += part.unchanged;
        sum.empty += part.empty;
        merge(&mut sum.reasons, part.reasons);
        merge(&mut sum.unrecognised, part.unrecognised);
    }
}

/// Orders reasons and unrecognised spellings most frequent first (ties by
/// value) and keeps the [`UNRECOGNISED_SHOWN`] most frequent spellings.
pub fn finish_stats(stats: &mut [ColumnStats]) {
    let order =
        |a: &(String, usize), b: &(String, usize)| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0));
    for column in stats {
        column.reasons.sort_by(order);
        column.unrecognised.sort_by(order);
        column.unrecognised.truncate(UNRECOGNISED_SHOWN);
    }
}

/// Chunk tasks normalized at once: columns are done in batches of about
/// this many chunks, and each batch's pieces are joined (and dropped)
/// before the next starts.
const BATCH_CHUNKS: usize = 64;

fn run_columns(
    headers: &[String],
    mut columns: Vec<Cow<'_, Column>>,
    plan: &Plan,
    collect_findings: bool,
    progress: &dyn Progress,
) -> Outcome {
    let rows = columns.first().map_or(0, |c| c.len());
    let context = RowContext {
        country: match plan.country_column {
            Some(index) => row_countries(&columns[index], &plan.placeholders),
            None => Vec::new(),
        },
    };

    let chunks = rows.div_ceil(CHUNK_ROWS).max(1);
    // Columns that are not normalized are moved (or copied) whole below.
    let enabled: Vec<usize> = (0..columns.len())
        .filter(|&c| plan.columns[c].enabled)
        .collect();
    progress.start("normalize", (enabled.len() * rows) as u64);
    let mut joined: Vec<Option<Joined>> = (0..columns.len()).map(|_| None).collect();
    let mut unrecognised_by_column: Vec<Vec<(String, usize)>> = vec![Vec::new(); columns.len()];
    // Normalizes one batch of columns: their chunk tasks in parallel.
    let normalize_batch = |columns: &[Cow<'_, Column>], batch: &[usize]| -> Vec<Piece> {
        let orders: Vec<Option<Vec<date::Order>>> = batch
            .par_iter()
            .map(|&c| {
                let column_plan = &plan.columns[c];
                matches!(column_plan.role, Role::Date | Role::Datetime)
                    .then(|| date_orders(&columns[c], c, column_plan, plan, &context))
            })
            .collect();
        let tasks: Vec<(usize, usize)> = (0..batch.len())
            .flat_map(|b| (0..chunks).map(move |k| (b, k)))
            .collect();
        tasks
            .par_iter()
            .map(|&(b, k)| {
                let c = batch[b];
                let range = k * CHUNK_ROWS..((k + 1) * CHUNK_ROWS).min(rows);
                let piece = normalize_range(
                    &columns[c],
                    c,
                    range.clone(),
                    plan,
                    &context,
                    orders[b].as_deref(),
                    collect_findings,
                );
                progress.advance(range.len() as u64);
                piece
            })
            .collect()
    };
    // A batch's pieces are joined while the next batch is normalized: a
    // batch is often one column, whose join (a copy of the column) kept
    // one core busy and the other idle.
    let batches: Vec<&[usize]> = enabled.chunks((BATCH_CHUNKS / chunks).max(1)).collect();
    let mut previous: Option<(&[usize], Vec<Piece>)> = None;
    for k in 0..=batches.len() {
        let current = batches.get(k).copied();
        let (finished, pieces) = rayon::join(
            || {
                previous.take().map(|(batch, pieces)| {
                    let batch_joined: Vec<Joined> = pieces
                        .par_chunks(chunks)
                        .map(|column_pieces| join_pieces(column_pieces, rows))
                        .collect();
                    (batch, batch_joined)
                })
            },
            || current.map(|batch| normalize_batch(&columns, batch)),
        );
        if let Some((batch, batch_joined)) = finished {
            for (&c, column) in batch.iter().zip(batch_joined) {
                if plan.columns[c].role == Role::Country && column.1.rejected > 0 {
                    unrecognised_by_column[c] = unrecognised(&columns[c], &column.3);
                }
                joined[c] = Some(column);
                // An owned column as read is not needed any more.
                if let Cow::Owned(source) = &mut columns[c] {
                    *source = Column::default();
                }
            }
        }
        previous = current.zip(pieces);
    }
    progress.finish();

    let mut table = Table {
        headers: headers.to_vec(),
        columns: Vec::with_capacity(columns.len()),
    };
    let mut stats = Vec::with_capacity(columns.len());
    let mut findings = Vec::new();
    let mut rejected = Vec::with_capacity(columns.len());
    for (c, source) in columns.into_iter().enumerate() {
        let (column, mut column_stats, column_findings, column_rejected) = match joined[c].take() {
            Some(joined) => joined,
            None => {
                let copied = ColumnStats {
                    unchanged: rows,
                    empty: source.iter().filter(|v| v.is_empty()).count(),
                    ..ColumnStats::default()
                };
                (source.into_owned(), copied, Vec::new(), Vec::new())
            }
        };
        column_stats.unrecognised = std::mem::take(&mut unrecognised_by_column[c]);
        table.columns.push(column);
        stats.push(column_stats);
        findings.extend(column_findings);
        rejected.push(column_rejected);
    }
    findings.sort_unstable_by_key(|f| (f.row, f.column));
    Outcome {
        table,
        stats,
        findings,
        rejected,
    }
}

/// The rejected spellings of a country column with their counts (ordered
/// and cut by [`finish_stats`]).
fn unrecognised(column: &Column, rejected: &[u32]) -> Vec<(String, usize)> {
    let mut counts: HashMap<&str, usize> = HashMap::default();
    for &row in rejected {
        *counts.entry(column.get(row as usize).trim()).or_default() += 1;
    }
    counts
        .into_iter()
        .map(|(v, n)| (v.to_string(), n))
        .collect()
}

/// One column joined from its pieces: values, counts, findings, rejected rows.
type Joined = (Column, ColumnStats, Vec<Finding>, Vec<u32>);

fn join_pieces(pieces: &[Piece], rows: usize) -> Joined {
    let bytes = pieces.iter().map(|p| p.column.byte_len()).sum();
    let mut column = Column::with_capacity(rows, bytes);
    let mut total = ColumnStats::default();
    let mut reasons: HashMap<&'static str, usize> = HashMap::default();
    let mut findings = Vec::new();
    let mut rejected = Vec::new();
    for piece in pieces {
        column.append(&piece.column);
        rejected.extend_from_slice(&piece.rejected);
        total.changed += piece.stats.changed;
        total.emptied += piece.stats.emptied;
        total.rejected += piece.stats.rejected;
        total.unchanged += piece.stats.unchanged;
        total.empty += piece.stats.empty;
        for (reason, count) in &piece.reasons {
            *reasons.entry(reason).or_default() += count;
        }
        findings.extend_from_slice(&piece.findings);
    }
    let mut reasons: Vec<(String, usize)> = reasons
        .into_iter()
        .map(|(r, n)| (r.to_string(), n))
        .collect();
    reasons.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    total.reasons = reasons;
    (column, total, findings, rejected)
}

/// What `column` proves about day/month order per country group, each
/// row's country from `countries` (a row's stated code, empty: none; an
/// unrecognised one counts as none) or else `default_region`. Row blocks are
/// gathered in parallel and merged (an OR: order-free).
pub(crate) fn gather_evidence(
    column: &Column,
    countries: &[Option<&'static str>],
    default_region: Option<&'static str>,
) -> DateEvidence {
    let country_of = |row: usize| {
        countries
            .get(row)
            .copied()
            .flatten()
            .filter(|&c| c != UNKNOWN_COUNTRY)
            .or(default_region)
    };
    (0..column.len().div_ceil(CHUNK_ROWS))
        .into_par_iter()
        .map(|k| {
            let mut found = DateEvidence::default();
            for row in k * CHUNK_ROWS..((k + 1) * CHUNK_ROWS).min(column.len()) {
                if let Some(order) = date::evidence(column.get(row)) {
                    let entry = found.entry(country_of(row)).or_default();
                    match order {
                        date::Order::DayFirst => entry.0 = true,
                        date::Order::MonthFirst => entry.1 = true,
                    }
                }
            }
            found
        })
        .reduce(DateEvidence::default, |mut a, b| {
            merge_evidence(&mut a, b);
            a
        })
}

/// Adds `more` evidence to `into` (an OR per country group).
pub(crate) fn merge_evidence(into: &mut DateEvidence, more: DateEvidence) {
    for (country, (day, month)) in more {
        let entry = into.entry(country).or_default();
        entry.0 |= day;
        entry.1 |= month;
    }
}

/// Day/month order per row of a date column: a rule wins; otherwise what the
/// column proves for rows of the same country (a value like `25/12/2023`),
/// otherwise the country's convention.
fn date_orders(
    column: &Column,
    c: usize,
    column_plan: &ColumnPlan,
    plan: &Plan,
    context: &RowContext,
) -> Vec<date::Order> {
    if let Some(order) = column_plan.date_order.or(plan.date_order) {
        return vec![order; column.len()];
    }
    let country_of = |row: usize| {
        context
            .country
            .get(row)
            .copied()
            .flatten()
            .filter(|&c| c != UNKNOWN_COUNTRY)
            .or(plan.default_region)
    };
    let gathered;
    let evidence = match &plan.file_evidence {
        Some(file) => &file[c],
        None => {
            gathered = gather_evidence(column, &context.country, plan.default_region);
            &gathered
        }
    };
    (0..column.len())
        .map(|row| {
            let country = country_of(row);
            order_for(evidence.get(&country), country)
        })
        .collect()
}

/// The day/month order of a date column's rows of `country`, from what the
/// column proves for that country (`(day first proven, month first
/// proven)`): a proof of one order alone wins, otherwise the country's
/// convention.
pub(crate) fn order_for(proofs: Option<&(bool, bool)>, country: Option<&str>) -> date::Order {
    match proofs {
        Some((true, false)) => date::Order::DayFirst,
        Some((false, true)) => date::Order::MonthFirst,
        _ if country.is_some_and(month_first_country) => date::Order::MonthFirst,
        _ => date::Order::DayFirst,
    }
}

fn normalize_range(
    source: &Column,
    c: usize,
    range: std::ops::Range<usize>,
    plan: &Plan,
    context: &RowContext,
    orders: Option<&[date::Order]>,
    collect_findings: bool,
) -> Piece {
    let column_plan = &plan.columns[c];
    let bytes = range.clone().map(|r| source.get(r).len()).sum::<usize>();
    let mut piece = Piece {
        column: Column::with_capacity(range.len(), bytes),
        stats: ColumnStats::default(),
        findings: Vec::new(),
        rejected: Vec::new(),
        reasons: HashMap::default(),
    };
    let mut cell = CellNormalizer {
        plan,
        column_plan,
        phones: phone::Normalizer::new(plan.extension_style).with_format(plan.phone_format),
        region_index: HashMap::default(),
        countries: HashMap::default(),
    };
    let mut memo = Memo::for_role(column_plan.role);
    for row in range {
        let raw = source.get(row);
        // The row's own country (default region not applied here).
        let country = || context.country.get(row).copied().flatten();
        let order = || orders.map_or(date::Order::DayFirst, |o| o[row]);
        let fresh;
        let result = match memo.as_mut() {
            Some(memo) if memo.active => memo.lookup(raw, order() as u8, || {
                cached(raw, cell.normalize(raw, country, order))
            }),
            _ => {
                fresh = cached(raw, cell.normalize(raw, country, order));
                fresh.as_str()
            }
        };
        let (value, action, reason) = match result {
            Cached::Same => {
                piece.stats.unchanged += 1;
                (raw, None, "")
            }
            Cached::Value("") => {
                let placeholder = !raw.trim().is_empty();
                if placeholder {
                    piece.stats.emptied += 1;
                    ("", Some(Action::Emptied), "placeholder")
                } else {
                    piece.stats.changed += 1;
                    ("", Some(Action::Changed), "blank")
                }
            }
            Cached::Value(value) => {
                piece.stats.changed += 1;
                (value, Some(Action::Changed), column_plan.role.name())
            }
            Cached::Rejected(reason) => {
                piece.stats.rejected += 1;
                piece.rejected.push(row as u32);
                *piece.reasons.entry(reason).or_default() += 1;
                let kept = if column_plan.empty_invalid { "" } else { raw };
                (kept, Some(Action::Rejected), reason)
            }
        };
        if value.is_empty() {
            piece.stats.empty += 1;
        }
        if let (Some(action), true) = (action, collect_findings) {
            piece.findings.push(Finding {
                row,
                column: c,
                action,
                reason,
            });
        }
        piece.column.push(value);
        // A memo that mostly misses costs more than it saves: stop using it.
        if let Some(m) = &mut memo {
            m.review();
        }
    }
    piece
}

/// One cell through its column's normalizer, with the caches that live as
/// long as one piece of work.
struct CellNormalizer<'p, 'a> {
    plan: &'p Plan,
    column_plan: &'p ColumnPlan,
    phones: phone::Normalizer,
    region_index: HashMap<&'static str, Option<usize>>,
    countries: HashMap<&'a str, Result<&'static str, &'static str>>,
}

impl<'a> CellNormalizer<'_, 'a> {
    fn normalize(
        &mut self,
        raw: &'a str,
        country: impl FnOnce() -> Option<&'static str>,
        order: impl FnOnce() -> date::Order,
    ) -> Result<Cow<'_, str>, &'static str> {
        let role = self.column_plan.role;
        if raw.trim().is_empty()
            || (role != Role::Id && placeholder::is_placeholder(raw, &self.plan.placeholders))
        {
            return Ok(Cow::Borrowed(""));
        }
        match role {
            Role::Id | Role::Company | Role::Street | Role::City | Role::Region | Role::Text => {
                Ok(text::clean(raw))
            }
            Role::FirstName | Role::LastName | Role::FullName => {
                Ok(name::normalize(raw, self.column_plan.strip_honorifics))
            }
            Role::Email => email::normalize(raw),
            Role::Phone => {
                let stated = country();
                let region = stated.or(self.plan.default_region).and_then(|code| {
                    *self
                        .region_index
                        .entry(code)
                        .or_insert_with(|| phone::region(code))
                });
                match self.phones.normalize(raw, region) {
                    // A `+` number needs no country; a national one is read
                    // with the row's country only, never a default instead
                    // of a country the row states that we do not know.
                    Err(_) if stated == Some(UNKNOWN_COUNTRY) => {
                        Err("the row's country is not recognised")
                    }
                    other => other.map(Cow::Borrowed),
                }
            }
            // Only a country the row states: padding a 4-digit code to a US
            // ZIP because of a default region would corrupt other countries'.
            Role::PostalCode => postal::normalize(raw, country().filter(|&c| c != UNKNOWN_COUNTRY)),
            Role::Country => (*self
                .countries
                .entry(raw)
                .or_insert_with(|| country::normalize(raw)))
            .map(Cow::Borrowed),
            Role::Date | Role::Datetime => date::normalize_as(
                raw,
                order(),
                self.plan.date_format.as_deref(),
                role == Role::Datetime,
            ),
            Role::Boolean => boolean::normalize(raw).map(Cow::Borrowed),
            Role::Money => money::normalize(raw),
        }
    }
}

/// What became of one cell: unchanged, a new value, or rejected (kept raw).
enum Cached<V> {
    Same,
    Value(V),
    Rejected(&'static str),
}

fn cached<'v>(raw: &str, result: Result<Cow<'v, str>, &'static str>) -> Cached<Cow<'v, str>> {
    match result {
        // Same text: borrowed from the raw value (a pointer test), or equal.
        Ok(Cow::Borrowed(value)) if value.as_ptr() == raw.as_ptr() && value.len() == raw.len() => {
            Cached::Same
        }
        Ok(value) if value == raw => Cached::Same,
        Ok(value) => Cached::Value(value),
        Err(reason) => Cached::Rejected(reason),
    }
}

impl<V: std::ops::Deref<Target = str>> Cached<V> {
    fn as_str(&self) -> Cached<&str> {
        match self {
            Cached::Same => Cached::Same,
            Cached::Value(value) => Cached::Value(value),
            Cached::Rejected(reason) => Cached::Rejected(reason),
        }
    }
}

/// Results per distinct raw value (and date order) within one piece, for
/// roles whose result depends on nothing else. Columns of mostly distinct
/// values (most phone, e-mail and amount columns) switch it off after a
/// sample, so it never costs more than a little.
struct Memo<'a> {
    results: HashMap<(&'a str, u8), Cached<Box<str>>>,
    active: bool,
    lookups: u32,
    misses: u32,
}

impl<'a> Memo<'a> {
    /// Lookups before the memo judges whether it pays.
    const SAMPLE: u32 = 4096;

    fn for_role(role: Role) -> Option<Self> {
        // Phones and countries have their own caches; postal codes depend on
        // the row's country.
        let context_free = !matches!(role, Role::Phone | Role::Country | Role::PostalCode);
        context_free.then(|| Memo {
            results: HashMap::default(),
            active: true,
            lookups: 0,
            misses: 0,
        })
    }

    fn lookup<'r, 'c>(
        &'r mut self,
        raw: &'a str,
        context: u8,
        compute: impl FnOnce() -> Cached<Cow<'c, str>>,
    ) -> Cached<&'r str> {
        self.lookups += 1;
        let misses = &mut self.misses;
        self.results
            .entry((raw, context))
            .or_insert_with(|| {
                *misses += 1;
                match compute() {
                    Cached::Same => Cached::Same,
                    Cached::Value(value) => Cached::Value(value.into()),
                    Cached::Rejected(reason) => Cached::Rejected(reason),
                }
            })
            .as_str()
    }

    fn review(&mut self) {
        if self.active && self.lookups == Self::SAMPLE && self.misses * 2 > self.lookups {
            self.active = false;
            self.results = HashMap::default();
        }
    }
}

#[cfg(test)]
mod tests;
