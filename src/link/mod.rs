//! The link stage as one call ([`attach`]): a golden master and a new batch
//! of source records → the updated master, and for every record id the
//! master knows, its entity and how this batch's records were placed.
//!
//! The matching is the dedupe engine run with the master's entities as
//! anchors (see `matching::Settings::anchors`): anchors are paired only
//! with incoming records and never merged with each other, so the ids of
//! untouched entities never change and their rows come back byte for byte.
//! Each incoming record joins an existing entity or starts a new one with
//! a new id, numbered after the highest id ever used ([`IdAllocator`]).
//! Entities that gain records are re-merged with the usual survivorship
//! rules (the golden row counts as one member). A record whose id the
//! master already lists (`member_ids`) is an update of that entity, not
//! matched again: re-running a batch is stable.
//!
//! Files, flags and messages belong to the caller (`tidyrec link`, a
//! pipeline's link step); this module only computes. The result is the
//! same for any thread count.

mod decided;
mod ids;
mod layout;
pub use layout::source_name;
mod placement;

pub use ids::{explanation, IdAllocator};

use crate::config::RuleFile;
use crate::matching::{self, model::Model};
use crate::progress::Progress;
use crate::table::Table;
use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};

/// Columns the golden format adds (see `dedupe`).
pub const MEMBER_COUNT: &str = "member_count";
pub const MEMBER_IDS: &str = "member_ids";

/// Why a link run could not finish. Messages name the file, row and
/// column, and what to do.
#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    #[error("--entity-column `{name}` is not in the master `{master}` (columns: {columns})")]
    EntityColumnNotFound {
        name: String,
        master: String,
        columns: String,
    },
    #[error("the master `{master}` has no `cluster_id` or `entity_id` column; pass the golden file of `tidyrec dedupe`, or name the id column with --entity-column")]
    NoEntityColumn { master: String },
    #[error("the master `{master}` row {row} has {which} entity id `{id}` in `{column}`; every entity needs its own id")]
    BadEntityId {
        master: String,
        row: usize,
        which: &'static str,
        id: String,
        column: String,
    },
    #[error("the batch `{batch}` has a `{column}` column, which belongs to the master; link takes source records, not golden rows")]
    MasterColumnInBatch { batch: String, column: String },
    // The id itself stays out of the message: it can be customer data.
    #[error("the batch `{batch}` row {row} has {which} record id; give --id-column a column whose values are all present and unique")]
    BadRecordId {
        batch: String,
        row: usize,
        which: &'static str,
    },
    #[error("`{batch}` has no column to match on (names, e-mail, phone, birth date, address…); set roles in a rule file")]
    NothingToMatch { batch: String },
    #[error("entity id `{0}` does not end in a number, so tidyrec cannot number new entities after it; use ids such as 42 or E000042")]
    UnnumberedEntityId(String),
    #[error("entity ids `{0}` and `{1}` have different prefixes; tidyrec numbers new entities after one id scheme only")]
    MixedEntityIds(String, String),
    #[error(transparent)]
    Schema(#[from] crate::schema::resolve::SchemaError),
    #[error(transparent)]
    Matching(#[from] matching::MatchError),
}

/// What a link run is told, resolved from flags, the rule file and
/// defaults before a row is read.
pub struct AttachSettings<'a> {
    pub rules: &'a RuleFile,
    /// The master's entity id column (None: `cluster_id`, else `entity_id`).
    pub entity_column: Option<&'a str>,
    /// The batch's record id column (None: the first unique id column).
    pub id_column: Option<&'a str>,
    pub threshold: f64,
    pub max_block: usize,
    /// A saved model to score with instead of training one.
    pub model: Option<Model>,
    /// Normalize the master's values too (when it is not a tidyrec golden file).
    pub normalize_master: bool,
    pub default_region: Option<&'static str>,
    /// Entity ids used before (an earlier crosswalk's), never handed out again.
    pub used_entity_ids: &'a [String],
    /// A steward's decisions (see `decided`).
    pub decisions: Option<&'a crate::decisions::Decisions>,
    /// Keep the pairs from this probability up for review.
    pub review_below: Option<f64>,
}

/// The two tables and the names they are reported under.
pub struct LinkInput<'a> {
    pub master: Table,
    pub master_name: &'a Path,
    pub batch: &'a Table,
    pub batch_name: &'a Path,
}

/// How a batch record found its entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// Its id is already a member of this entity: an update.
    Known,
    /// Matched an existing entity.
    Attached,
    /// Starts (alone or with other batch records) a new entity.
    New,
    /// Was a member of an entity, left it by a steward's `different`
    /// decision (for a new entity or another one).
    Split,
}

impl Placement {
    pub fn name(self) -> &'static str {
        match self {
            Placement::Known => "known",
            Placement::Attached => "attached",
            Placement::New => "new",
            Placement::Split => "split",
        }
    }
}

/// Where a link run put the batch's records.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LinkOutcome {
    pub batch_records: usize,
    pub known_records: usize,
    pub attached_records: usize,
    pub new_records: usize,
    /// Records a `different` decision took out of their entity.
    pub split_records: usize,
    /// Master entities a `same` decision merged into another (ids retired).
    pub entities_merged: usize,
    pub new_entities: usize,
    pub entities_updated: usize,
    pub entities: usize,
}

/// What a link run made.
pub struct Linked {
    /// The updated master: the input master's columns (new ones appended).
    pub table: Table,
    pub outcome: LinkOutcome,
    /// Entities in the master as read.
    pub master_entities: usize,
    /// Batch columns the master lacked, appended to it.
    pub new_columns: Vec<String>,
    /// The batch had no unique id column: its records are named
    /// `SOURCE:ROW:FINGERPRINT`.
    pub ids_from_fingerprints: bool,
    pub threshold: f64,
    pub model: Model,
    pub stats: matching::Stats,
    /// Preparing (alignment, roles, ids), normalize, features, merge.
    pub timings: LinkTimings,
    crosswalk: placement::Crosswalk,
    /// With decisions: what each did.
    pub decisions: Option<DecisionsApplied>,
    /// With `review_below`: the review table and page.
    pub review: Option<(Table, String)>,
}

/// What a link run did with a steward's decisions.
pub struct DecisionsApplied {
    pub rows: Vec<crate::decisions::RowDecision>,
    /// Decisions naming ids neither the master nor the batch holds.
    pub unknown: usize,
    /// `different` decisions inside one entity this batch cannot act on
    /// (it holds neither record): decision indices.
    pub unreachable: Vec<usize>,
    /// Entities whose golden row still took part in their re-merge after
    /// an unmerge (the batch did not hold all their other members).
    pub stale_golden: Vec<String>,
    /// Per decision in `rows`: what it did.
    pub effects: Vec<matching::cluster::Effect>,
    /// Links refused because they would join a `different` pair.
    pub links_refused: usize,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct LinkTimings {
    pub prepare: Duration,
    pub normalize: Duration,
    pub features: Duration,
    pub merge: Duration,
}

/// One crosswalk line: a record id, its entity, and for this batch's
/// records how it was placed (`existing` for the master's other members).
pub struct CrosswalkRow<'a> {
    pub record_id: &'a str,
    pub entity_id: &'a str,
    pub status: &'static str,
    pub match_probability: &'a str,
    pub explanation: &'a str,
}

/// Attaches `input.batch` to `input.master`.
pub fn attach(
    input: LinkInput,
    settings: &AttachSettings,
    progress: &dyn Progress,
) -> Result<Linked, LinkError> {
    let started = Instant::now();
    let mut master =
        layout::Master::split(input.master, settings.entity_column, input.master_name)?;
    let mut layout = layout::Layout::align(&master, input.batch, input.batch_name)?;
    let mut master_data = master.take_data(&layout);
    let inferred = layout.infer_roles(&master_data, settings, input.batch_name)?;
    let mut records = layout.record_ids(input.batch, settings, input.batch_name)?;
    records.known = master.known_members(&records);
    let master_row_of = settings
        .decisions
        .map(|_| decided::master_rows(&master))
        .unwrap_or_default();
    let unmerges = match settings.decisions {
        Some(decisions) => decided::unmerge(decisions, &master_row_of, &mut records),
        None => decided::Unmerges::default(),
    };
    let prepare = started.elapsed();

    let normalize_started = Instant::now();
    let plan = crate::normalize::plan::build_plan(
        &layout.batch,
        &inferred,
        settings.rules,
        settings.default_region,
        None,
    );
    let normalized_batch = crate::normalize::run(&layout.batch, &plan, false, progress).table;
    if settings.normalize_master {
        master_data = crate::normalize::run_owned(master_data, &plan, false, progress).table;
    }
    let normalize = normalize_started.elapsed();

    let fresh: Vec<usize> = (0..records.ids.len())
        .filter(|&r| records.known[r].is_none())
        .collect();
    let (decision_rows, unknown) = match settings.decisions {
        Some(decisions) => {
            let (mut rows, unknown) =
                decided::resolve(decisions, &master_row_of, &records, &fresh, master.rows);
            // Two ids of one entity that stays whole: nothing to do here
            // (an unreachable unmerge is reported on its own).
            rows.retain(|d| d.a != d.b);
            (rows, unknown)
        }
        None => (Vec::new(), 0),
    };
    let matched = placement::match_fresh(
        master_data,
        &normalized_batch,
        &layout,
        fresh,
        placement::Engine {
            settings,
            decisions: decision_rows.clone(),
            id_column: records.id_column,
        },
        input.batch_name,
        progress,
    )?;
    let merge_started = Instant::now();
    let mut placed =
        placement::Placed::place(&master, &records, &matched, settings.used_entity_ids)?;
    let mut effects = matched.outcome.clusters.decision_effects.clone();
    placed.absorb(master.rows, &decision_rows, &mut effects);
    let stale_golden = placed.reopen(&master, &records, &unmerges);
    let merged = placed.merge(&matched, &normalized_batch, &layout, settings.rules);
    let merge = merge_started.elapsed();
    let (table, crosswalk) =
        placement::assemble(&master, &layout, &matched, &placed, &merged, &records);
    let count = |p: Placement| placed.placed.iter().filter(|(_, q)| *q == p).count();
    let outcome = LinkOutcome {
        batch_records: records.ids.len(),
        known_records: count(Placement::Known),
        attached_records: count(Placement::Attached),
        new_records: count(Placement::New),
        split_records: count(Placement::Split),
        entities_merged: placed.absorbed_into.len(),
        new_entities: placed.new_entities.len(),
        entities_updated: placed.gained.len(),
        entities: table.row_count(),
    };
    let crosswalk = crosswalk.with_batch(placed.batch_info(
        &matched,
        &master,
        &records,
        &unmerges,
        settings.decisions,
    ));
    let review = settings.review_below.map(|_| {
        let entity_of_row = placed.entity_of_rows(&master, &matched);
        let id = |row: usize| match row.checked_sub(master.rows) {
            Some(i) => records.ids[matched.fresh[i]].clone(),
            None => master.entity_id(row).to_string(),
        };
        let cluster = |row: usize| entity_of_row[row].clone();
        let source = crate::review::Source {
            table: &matched.table,
            id: &id,
            cluster: &cluster,
            clusters: &matched.outcome.clusters,
            kinds: &matched.outcome.kinds,
        };
        (
            crate::review::table(&matched.outcome.review, &source),
            crate::review::html(&matched.outcome.review, &source, "tidyrec link review"),
        )
    });
    let decisions = settings.decisions.map(|_| DecisionsApplied {
        rows: decision_rows,
        unknown,
        unreachable: unmerges.unreachable.clone(),
        stale_golden,
        effects,
        links_refused: matched.outcome.clusters.refused_by_decisions,
    });
    Ok(Linked {
        table,
        outcome,
        master_entities: master.rows,
        new_columns: layout.new_columns,
        ids_from_fingerprints: records.id_column.is_none(),
        threshold: settings.threshold,
        model: matched.outcome.model,
        stats: matched.outcome.stats,
        timings: LinkTimings {
            prepare,
            normalize,
            features: matched.features_time,
            merge,
        },
        crosswalk,
        decisions,
        review,
    })
}

impl Linked {
    /// Every record id the master knows, in master order then new
    /// entities, with its entity (see [`CrosswalkRow`]).
    pub fn crosswalk<E>(&self, emit: impl FnMut(CrosswalkRow) -> Result<(), E>) -> Result<(), E> {
        self.crosswalk.rows(&self.table, emit)
    }
}

/// Per batch record id: placement, match probability, explanation.
type BatchInfo = HashMap<String, (Placement, String, String)>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::progress::Silent;

    fn table(headers: &[&str], rows: &[&[&str]]) -> Table {
        Table::from_rows(headers, rows)
    }

    fn attach_to(master: Table, batch: &Table) -> Result<Linked, LinkError> {
        let rules = RuleFile::default();
        let settings = AttachSettings {
            rules: &rules,
            entity_column: None,
            id_column: None,
            threshold: matching::DEFAULT_THRESHOLD,
            max_block: matching::MAX_BLOCK,
            model: None,
            normalize_master: false,
            default_region: None,
            used_entity_ids: &[],
            decisions: None,
            review_below: None,
        };
        let input = LinkInput {
            master,
            master_name: Path::new("golden.csv"),
            batch,
            batch_name: Path::new("batch.csv"),
        };
        attach(input, &settings, &Silent)
    }

    #[test]
    fn a_master_needs_one_id_per_entity_and_a_batch_no_golden_columns() {
        let batch = table(&["id", "email"], &[&["r9", "a@example.com"]]);
        let repeated = table(
            &["cluster_id", "email"],
            &[&["1", "a@x.org"], &["1", "b@x.org"]],
        );
        assert!(matches!(
            attach_to(repeated, &batch),
            Err(LinkError::BadEntityId {
                row: 2,
                which: "a repeated",
                ..
            })
        ));
        let no_ids = table(&["email"], &[&["a@x.org"]]);
        assert!(matches!(
            attach_to(no_ids, &batch),
            Err(LinkError::NoEntityColumn { .. })
        ));
        let master = table(&["cluster_id", "email"], &[&["1", "a@x.org"]]);
        let golden_batch = table(&["cluster_id", "email"], &[&["7", "a@example.com"]]);
        assert!(matches!(
            attach_to(master, &golden_batch),
            Err(LinkError::MasterColumnInBatch { .. })
        ));
    }

    #[test]
    fn a_known_record_id_updates_its_entity_and_others_start_new_ones() {
        let master = table(
            &["cluster_id", "member_count", "member_ids", "id", "email"],
            &[&["E001", "1", "r1", "r1", "ann@example.com"]],
        );
        let batch = table(
            &["id", "email"],
            &[&["r1", "ann@example.com"], &["r2", "bob@example.org"]],
        );
        let linked = attach_to(master, &batch).unwrap();
        assert_eq!(linked.outcome.known_records, 1);
        assert_eq!(linked.outcome.new_entities, 1);
        assert_eq!(linked.table.columns[0].get(1), "E002");
        let mut lines = Vec::new();
        linked
            .crosswalk(|row| -> Result<(), ()> {
                lines.push(format!(
                    "{} {} {}",
                    row.record_id, row.entity_id, row.status
                ));
                Ok(())
            })
            .unwrap();
        assert_eq!(lines, ["r1 E001 known", "r2 E002 new"]);
    }
}
