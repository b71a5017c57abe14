//! The dedupe stage as one call: a table (normalized here unless the
//! caller already did) → per-record features → matching (blocking,
//! comparison, Fellegi–Sunter, clustering) → golden records by
//! survivorship. Files, flags and messages belong to the caller (`tidyrec
//! dedupe`, a pipeline's dedupe step); this module only computes.
//!
//! Guarantees: the result is the same for any thread count; every input
//! row is in exactly one cluster; each golden row is one member's person
//! (see [`crate::merge`]); pairs, levels and weights are kept only when
//! asked for (a few hundred MB at 1.5M records).

use crate::config::RuleFile;
use crate::matching::{self, features, model::Model};
use crate::merge::{self, Survivorship};
use crate::normalize::Plan;
use crate::progress::Progress;
use crate::schema::Role;
use crate::table::{Column, Table};
use std::time::{Duration, Instant};

/// Why a dedupe run could not finish.
#[derive(Debug, thiserror::Error)]
pub enum DedupeError {
    #[error("there is no column to match on (names, e-mail, phone, birth date, address…); set roles in a rule file ([columns.\"…\"] role = \"email\")")]
    NothingToMatch,
    #[error(transparent)]
    Matching(#[from] matching::MatchError),
    #[error("setting the normalized table aside in `{dir}` while matching failed: {error}; free disk space there, or raise --max-memory to keep it in memory")]
    Spill { dir: String, error: std::io::Error },
}

/// The message for a file with nothing to match on, naming it (one wording
/// for `dedupe`, `features` and a pipeline's dedupe step).
pub fn nothing_to_match(file: &std::path::Path) -> String {
    format!(
        "`{}` has no column to match on (names, e-mail, phone, birth date, address…); set roles in a rule file ([columns.\"…\"] role = \"email\")",
        file.display()
    )
}

/// How much memory a run may plan for, and where a table it cannot hold
/// while matching is set aside (see [`crate::spill`]).
#[derive(Debug, Clone)]
pub struct MemoryBudget {
    pub bytes: u64,
    pub spill_dir: std::path::PathBuf,
}

/// Columns a golden table adds after the input's.
pub const GOLDEN_COLUMNS: [&str; 3] = ["cluster_id", "member_count", "member_ids"];

/// What a dedupe run is told, resolved from flags, the rule file and
/// defaults before a row is read.
#[derive(Debug, Clone)]
pub struct DedupeSettings {
    /// Match probability from which two records are one entity.
    pub threshold: f64,
    /// Blocks larger than this are skipped (other rules still pair them).
    pub max_block: usize,
    /// A saved model to score with instead of training on the file.
    pub model: Option<Model>,
    /// Keep pairs, levels, weights and features (for `--pairs`).
    pub keep_pairs: bool,
    /// The memory budget (None: everything stays in memory).
    pub memory: Option<MemoryBudget>,
    /// Build the golden records' lineage (for `--lineage`).
    pub keep_lineage: bool,
    /// A steward's decisions, resolved to rows (see [`crate::decisions`]).
    pub decisions: Vec<crate::decisions::RowDecision>,
    /// Keep the pairs from this probability up for review (`--review`).
    pub review_below: Option<f64>,
}

impl DedupeSettings {
    /// Flag over rule file over default, for threshold and block size.
    pub fn resolve(
        threshold: Option<f64>,
        max_block: Option<usize>,
        rules: &RuleFile,
        model: Option<Model>,
        keep_pairs: bool,
    ) -> DedupeSettings {
        DedupeSettings {
            threshold: threshold
                .or(rules.dedupe.threshold)
                .unwrap_or(matching::DEFAULT_THRESHOLD),
            max_block: max_block
                .or(rules.dedupe.max_block)
                .unwrap_or(matching::MAX_BLOCK)
                .max(2),
            model,
            keep_pairs,
            memory: None,
            keep_lineage: false,
            decisions: Vec::new(),
            review_below: None,
        }
    }
}

/// What a dedupe run found and made.
pub struct Deduped {
    /// The table matched and merged (normalized).
    pub table: Table,
    pub matches: matching::Outcome,
    /// The features, when pairs were kept (they explain each pair).
    pub features: Option<features::Features>,
    /// Each cluster's golden row as decided, read from `table` (see
    /// [`GoldenRows`] to write or lay them out).
    pub golden: merge::Decided,
    /// Each column's survivorship rule.
    pub survivorship: Vec<Survivorship>,
    /// normalize, features (the matching phases are in `matches.stats`).
    pub timings_before: [(&'static str, Duration); 2],
    pub merge_time: Duration,
    /// Bytes of normalized table set aside on disk while matching (None:
    /// it stayed in memory).
    pub spilled: Option<u64>,
    /// Writing the table aside and reading it back (zero when it stayed).
    pub set_aside_time: Duration,
}

/// Dedupes `raw` (normalized first with `plan`, when given). `roles` are
/// the resolved roles; `identifiers` other systems' person ids (evidence).
/// An error when the table has nothing to match on.
pub fn deduplicate(
    raw: Table,
    plan: Option<&Plan>,
    roles: &[Role],
    identifiers: &[usize],
    rules: &RuleFile,
    settings: &DedupeSettings,
    progress: &dyn Progress,
) -> Result<Deduped, DedupeError> {
    let normalize_started = Instant::now();
    // The values as read are not needed once normalized: each column is
    // freed as soon as its normalized form exists (one table resident, not
    // two).
    let table = match plan {
        Some(plan) => crate::normalize::run_owned(raw, plan, false, progress).table,
        None => raw,
    };
    let normalize_time = normalize_started.elapsed();

    let sources = features::Sources::from_roles(&table.headers, roles, identifiers);
    let features_started = Instant::now();
    let mut features = features::Features::columns(&table, &sources);
    let mut features_time = features_started.elapsed();
    if features.kinds.is_empty() {
        return Err(DedupeError::NothingToMatch);
    }
    let matching_settings = matching::Settings {
        threshold: settings.threshold,
        max_block: settings.max_block,
        model: settings.model.clone(),
        blocking: rules.dedupe.blocking.clone(),
        anchors: 0,
        keep_pairs: settings.keep_pairs,
        decisions: settings.decisions.clone(),
        review_below: settings.review_below,
    };
    // A table matching does not read is set aside when the budget says
    // matching could not hold it too.
    let table_size = crate::spill::table_bytes(&table);
    let set_aside = settings
        .memory
        .as_ref()
        .filter(|budget| crate::spill::should_spill(table_size, budget.bytes));
    let spill_error = |dir: &std::path::Path| {
        let dir = dir.display().to_string();
        move |error| DedupeError::Spill { dir, error }
    };
    let set_aside_started = Instant::now();
    let held = match set_aside {
        Some(budget) => Held::Spilled(
            crate::spill::spill(table, &budget.spill_dir)
                .map_err(spill_error(&budget.spill_dir))?,
            &budget.spill_dir,
        ),
        None => Held::InMemory(table),
    };
    let mut set_aside_time = set_aside_started.elapsed();
    // Packed once the table is set aside (when it is): at 10M records the
    // table, the feature columns and their packed copy were the run's peak.
    let pack_started = Instant::now();
    features.pack();
    features_time += pack_started.elapsed();
    let mut matches = matching::run(&features, &matching_settings, progress)?;
    // Pairs, their levels and weights, and the features only explain pairs:
    // unless asked for, free them before the golden table is built.
    let features = if settings.keep_pairs {
        Some(features)
    } else {
        matches.pairs = Vec::new();
        matches.levels = Vec::new();
        matches.weights = Vec::new();
        // Freed here: a binding only shadowed would live to the end of the
        // function, through the merge (3.7 GiB at 10M records).
        drop(features);
        None
    };

    let spilled = matches!(held, Held::Spilled(..)).then_some(table_size as u64);
    let restore_started = Instant::now();
    let table = match held {
        Held::InMemory(table) => table,
        Held::Spilled(spilled, dir) => spilled.restore().map_err(spill_error(dir))?,
    };
    set_aside_time += restore_started.elapsed();

    let merge_started = Instant::now();
    progress.start("merge", matches.clusters.count as u64);
    let recency = merge::recency_column(&table.headers, roles);
    let survivorship = merge::survivorship_rules(&table.headers, roles, rules, recency.is_some());
    let golden = merge::decide_clusters(
        &table,
        &matches.clusters.cluster_of,
        matches.clusters.count,
        &survivorship,
        recency,
        roles,
        settings.keep_lineage,
    );
    progress.advance(matches.clusters.count as u64);
    progress.finish();
    let merge_time = merge_started.elapsed();
    Ok(Deduped {
        table,
        matches,
        features,
        golden,
        survivorship,
        timings_before: [("normalize", normalize_time), ("features", features_time)],
        merge_time,
        spilled,
        set_aside_time,
    })
}

/// Where the normalized table is while matching runs.
enum Held<'a> {
    InMemory(Table),
    Spilled(crate::spill::Spilled, &'a std::path::Path),
}

/// A dedupe run's golden records as rows a writer formats, each cell read
/// where the decision left it (the normalized table, or a value built by
/// the merge), followed by [`GOLDEN_COLUMNS`], without copying the
/// normalized table's cells into a second table first.
pub struct GoldenRows<'a> {
    decided: &'a merge::Decided,
    table: &'a Table,
    headers: Vec<String>,
    /// `cluster_id`, `member_count`, `member_ids` of every golden row.
    added: [Column; 3],
    /// Average bytes of a row of `table`, to size write buffers.
    row_bytes: usize,
}

impl<'a> GoldenRows<'a> {
    /// `table` is the table the clusters were decided on; `ids` name its
    /// rows.
    pub fn new(decided: &'a merge::Decided, table: &'a Table, ids: &[String]) -> Self {
        use rayon::prelude::*;
        let mut headers = table.headers.clone();
        headers.extend(GOLDEN_COLUMNS.iter().map(|s| s.to_string()));
        let bytes: usize = table.columns.iter().map(Column::byte_len).sum();
        // The added columns, built a slice of clusters at a time in
        // parallel and joined in order.
        const SLICE: usize = 1 << 16;
        let pieces: Vec<[Column; 3]> = decided
            .members
            .par_chunks(SLICE)
            .enumerate()
            .map(|(s, slice)| {
                let mut cluster_id = Column::default();
                let mut count = Column::default();
                let mut member_ids = Column::default();
                let mut joined = String::new();
                for (k, members) in slice.iter().enumerate() {
                    let cluster = decided.first_cluster as usize + s * SLICE + k;
                    cluster_id.push(&cluster.to_string());
                    count.push(&members.len().to_string());
                    joined.clear();
                    for (i, &r) in members.iter().enumerate() {
                        if i > 0 {
                            joined.push(';');
                        }
                        joined.push_str(&ids[r]);
                    }
                    member_ids.push(&joined);
                }
                [cluster_id, count, member_ids]
            })
            .collect();
        let mut added: [Column; 3] = Default::default();
        for piece in &pieces {
            for (column, part) in added.iter_mut().zip(piece) {
                column.append(part);
            }
        }
        GoldenRows {
            decided,
            table,
            headers,
            added,
            row_bytes: bytes / table.row_count().max(1) + table.columns.len() + 32,
        }
    }

    /// The rows laid out as a table (for a caller that keeps them, or
    /// writes Parquet).
    pub fn to_table(&self) -> Table {
        crate::io::write::Rows::as_table(self).into_owned()
    }
}

impl crate::io::write::Rows for GoldenRows<'_> {
    fn headers(&self) -> &[String] {
        &self.headers
    }

    fn row_count(&self) -> usize {
        self.decided.len()
    }

    #[inline]
    fn cell(&self, k: usize, column: usize) -> &str {
        let width = self.table.columns.len();
        if column < width {
            self.decided.cell(self.table, k, column)
        } else {
            self.added[column - width].get(k)
        }
    }

    fn bytes_hint(&self, rows: std::ops::Range<usize>) -> usize {
        rows.len() * self.row_bytes
    }

    /// Merged clusters' cells lie anywhere in the table, and a single
    /// record's row is a few rows further each time.
    #[inline]
    fn prefetch(&self, k: usize, column: usize, text: bool) {
        if column < self.table.columns.len() {
            self.decided.prefetch(self.table, k, column, text);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// Records the phases a run reports.
    struct Phases(Mutex<Vec<String>>);

    impl Progress for Phases {
        fn start(&self, phase: &str, _: u64) {
            self.0.lock().unwrap().push(phase.to_string());
        }
        fn advance(&self, _: u64) {}
        fn finish(&self) {}
    }

    #[test]
    fn every_long_phase_reports_progress() {
        let rows: Vec<Vec<String>> = (0..40)
            .map(|i| {
                vec![
                    format!("c{i}"),
                    format!("person{}@example.com", i / 2),
                    format!("Name{}", i / 2),
                ]
            })
            .collect();
        let rows: Vec<Vec<&str>> = rows
            .iter()
            .map(|r| r.iter().map(String::as_str).collect())
            .collect();
        let rows: Vec<&[&str]> = rows.iter().map(Vec::as_slice).collect();
        let table = Table::from_rows(&["id", "email", "last_name"], &rows);
        let roles = [Role::Id, Role::Email, Role::LastName];
        let rules = RuleFile::default();
        let settings = DedupeSettings::resolve(None, None, &rules, None, false);
        let phases = Phases(Mutex::new(Vec::new()));
        deduplicate(table, None, &roles, &[], &rules, &settings, &phases).unwrap();
        let phases = phases.0.into_inner().unwrap();
        for phase in ["blocking", "compare", "train", "score", "cluster", "merge"] {
            assert!(phases.iter().any(|p| p == phase), "{phase} in {phases:?}");
        }
    }
}
