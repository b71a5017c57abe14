//! Matching the fresh batch records against the master's anchors, placing
//! each record (known, attached, new), re-merging the entities that change,
//! and assembling the updated master and its crosswalk.

use super::layout::{Layout, Master, Records};
use super::{AttachSettings, BatchInfo, CrosswalkRow, IdAllocator, LinkError, Placement};
use crate::config::RuleFile;
use crate::matching::{self, compare, features};
use crate::merge;
use crate::progress::Progress;
use crate::schema::resolve::identifier_columns;
use crate::table::{Column, Table};
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::time::{Duration, Instant};

/// The matching table (master rows, then the fresh batch records) and
/// what the engine made of it.
pub(super) struct Matched {
    pub table: Table,
    pub features: features::Features,
    pub outcome: matching::Outcome,
    /// Batch rows that were matched (not already known), in order.
    pub fresh: Vec<usize>,
    pub features_time: Duration,
}

/// What the engine is told: the run's settings and the decisions on rows
/// of the matching table.
pub(super) struct Engine<'a> {
    pub settings: &'a AttachSettings<'a>,
    pub decisions: Vec<crate::decisions::RowDecision>,
    /// The batch's record id column in the layout.
    pub id_column: Option<usize>,
}

/// Runs the engine with the master's rows as anchors; `fresh` are the
/// batch rows to match (the others are known members).
pub(super) fn match_fresh(
    master_data: Table,
    batch: &Table,
    layout: &Layout,
    fresh: Vec<usize>,
    engine: Engine,
    batch_name: &Path,
    progress: &dyn Progress,
) -> Result<Matched, LinkError> {
    let started = Instant::now();
    let settings = engine.settings;
    let mut table = master_data;
    for (column, extra) in table.columns.iter_mut().zip(&batch.columns) {
        for &row in &fresh {
            column.push(extra.get(row));
        }
    }
    let identifiers = identifier_columns(&table, settings.rules, engine.id_column);
    let sources = features::Sources::from_roles(&layout.headers, &layout.roles, &identifiers);
    let features = features::Features::compute(&table, &sources);
    let features_time = started.elapsed();
    if features.kinds.is_empty() {
        return Err(LinkError::NothingToMatch {
            batch: batch_name.display().to_string(),
        });
    }
    let engine_settings = matching::Settings {
        threshold: settings.threshold,
        max_block: settings.max_block,
        model: settings.model.clone(),
        blocking: settings.rules.dedupe.blocking.clone(),
        // The master's rows come first in the matching table.
        anchors: table.row_count() - fresh.len(),
        keep_pairs: false,
        decisions: engine.decisions,
        review_below: settings.review_below,
    };
    let outcome = matching::run(&features, &engine_settings, progress)?;
    Ok(Matched {
        table,
        features,
        outcome,
        fresh,
        features_time,
    })
}

/// Where a batch record went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Target {
    /// Row of the master.
    Master(usize),
    /// Index of a new entity.
    New(usize),
}

/// Every batch record's entity.
pub(super) struct Placed {
    /// Per batch row: its entity and how it got there.
    pub placed: Vec<(Target, Placement)>,
    /// New entities: id and batch rows.
    pub new_entities: Vec<(String, Vec<usize>)>,
    /// Master rows that gain records, with those records.
    pub gained: BTreeMap<usize, Vec<usize>>,
    /// Master rows that lost members by an unmerge, with their ids.
    pub left: BTreeMap<usize, Vec<String>>,
    /// Master rows re-merged from their batch members only (their old
    /// golden row held values of members that left).
    pub rebuilt: std::collections::BTreeSet<usize>,
    /// Master rows that take in other master rows by a `same` decision
    /// (the absorbed rows leave the master; their ids are retired).
    pub absorbed: BTreeMap<usize, Vec<usize>>,
    /// Absorbed master row → (its new master row, decision index).
    pub absorbed_into: HashMap<usize, (usize, usize)>,
}

impl Placed {
    /// Known records stay with their entity; a fresh record joins the
    /// anchor of its cluster, or a new entity shared with its cluster.
    pub fn place(
        master: &Master,
        records: &Records,
        matched: &Matched,
        used_entity_ids: &[String],
    ) -> Result<Placed, LinkError> {
        let clusters = &matched.outcome.clusters;
        let mut anchor_of_cluster: HashMap<u32, usize> = HashMap::new();
        for row in 0..master.rows {
            anchor_of_cluster.insert(clusters.cluster_of[row], row);
        }
        let mut allocator = IdAllocator::after(
            master.table.columns[master.entity_col]
                .iter()
                .chain(used_entity_ids.iter().map(String::as_str)),
        )?;
        let mut new_entities: Vec<(String, Vec<usize>)> = Vec::new();
        let mut new_of_cluster: HashMap<u32, usize> = HashMap::new();
        let mut placed = vec![(Target::Master(0), Placement::Known); records.ids.len()];
        for (r, k) in records.known.iter().enumerate() {
            if let Some(m) = k {
                placed[r] = (Target::Master(*m), Placement::Known);
            }
        }
        for (i, &r) in matched.fresh.iter().enumerate() {
            let cluster = clusters.cluster_of[master.rows + i];
            placed[r] = match anchor_of_cluster.get(&cluster) {
                Some(&m) => (Target::Master(m), Placement::Attached),
                None => {
                    let n = *new_of_cluster.entry(cluster).or_insert_with(|| {
                        new_entities.push((allocator.next_id(), Vec::new()));
                        new_entities.len() - 1
                    });
                    new_entities[n].1.push(r);
                    (Target::New(n), Placement::New)
                }
            };
        }
        let mut gained: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for (r, &(target, _)) in placed.iter().enumerate() {
            if let Target::Master(m) = target {
                gained.entry(m).or_default().push(r);
            }
        }
        Ok(Placed {
            placed,
            new_entities,
            gained,
            left: BTreeMap::new(),
            rebuilt: Default::default(),
            absorbed: BTreeMap::new(),
            absorbed_into: HashMap::new(),
        })
    }

    /// After an unmerge: records matched again that found another entity
    /// are `Split` (one that came back is `Known`), their old entity
    /// forgets them and is re-merged without its old golden row when this
    /// batch holds all its other members. Returns the entity ids whose
    /// golden row still takes part (the batch lacked some members).
    pub fn reopen(
        &mut self,
        master: &Master,
        records: &Records,
        unmerges: &super::decided::Unmerges,
    ) -> Vec<String> {
        for (&r, &(entity, _)) in &unmerges.freed {
            if self.placed[r].0 == Target::Master(entity) {
                self.placed[r].1 = Placement::Known;
            } else {
                self.placed[r].1 = Placement::Split;
                self.left
                    .entry(entity)
                    .or_default()
                    .push(records.ids[r].clone());
            }
        }
        let mut stale = Vec::new();
        for (&entity, leavers) in &self.left {
            let here: std::collections::HashSet<&str> = self
                .gained
                .get(&entity)
                .into_iter()
                .flatten()
                .map(|&r| records.ids[r].as_str())
                .collect();
            let complete = master
                .members(entity)
                .filter(|id| !leavers.iter().any(|l| l == id))
                .all(|id| here.contains(id));
            if complete && !here.is_empty() {
                self.rebuilt.insert(entity);
            } else {
                stale.push(master.entity_id(entity).to_string());
            }
            self.gained.entry(entity).or_default();
        }
        stale
    }

    /// Applies `same` decisions between two master entities (which the
    /// engine never joins): the later entity is absorbed by the earlier one
    /// (master order), its records and golden row go into the earlier one's
    /// merge, and its id is retired. A pair of entities a `different`
    /// decision keeps apart is not joined. Updates `effects` (the engine
    /// said `Conflict` for these decisions).
    pub fn absorb(
        &mut self,
        master_rows: usize,
        decisions: &[crate::decisions::RowDecision],
        effects: &mut [matching::cluster::Effect],
    ) {
        use crate::decisions::Verdict;
        use matching::cluster::Effect;
        let anchor = |row: u32| (row as usize) < master_rows;
        let mut root: HashMap<usize, usize> = HashMap::new();
        fn find(root: &HashMap<usize, usize>, mut m: usize) -> usize {
            while let Some(&up) = root.get(&m) {
                m = up;
            }
            m
        }
        for (i, d) in decisions.iter().enumerate() {
            if d.verdict != Verdict::Same || !anchor(d.a) || !anchor(d.b) {
                continue;
            }
            let (ra, rb) = (find(&root, d.a as usize), find(&root, d.b as usize));
            if ra == rb {
                effects[i] = Effect::AlreadyTogether;
                continue;
            }
            let apart = decisions.iter().any(|x| {
                x.verdict == Verdict::Different && anchor(x.a) && anchor(x.b) && {
                    let (xa, xb) = (find(&root, x.a as usize), find(&root, x.b as usize));
                    (xa == ra && xb == rb) || (xa == rb && xb == ra)
                }
            });
            if apart {
                effects[i] = Effect::Conflict;
                continue;
            }
            let (keep, gone) = (ra.min(rb), ra.max(rb));
            root.insert(gone, keep);
            self.absorbed_into.insert(gone, (keep, d.index));
            effects[i] = Effect::Joined;
        }
        if self.absorbed_into.is_empty() {
            return;
        }
        // Chains (c into b into a) end at the root.
        let targets: Vec<(usize, usize, usize)> = self
            .absorbed_into
            .iter()
            .map(|(&gone, &(_, index))| (gone, find(&root, gone), index))
            .collect();
        for (gone, keep, index) in targets {
            self.absorbed_into.insert(gone, (keep, index));
            self.absorbed.entry(keep).or_default().push(gone);
        }
        for list in self.absorbed.values_mut() {
            list.sort_unstable();
        }
        for (target, _) in self.placed.iter_mut() {
            if let Target::Master(m) = *target {
                if let Some(&(keep, _)) = self.absorbed_into.get(&m) {
                    *target = Target::Master(keep);
                }
            }
        }
        for (gone, (keep, _)) in self.absorbed_into.clone() {
            let rows = self.gained.remove(&gone).unwrap_or_default();
            self.gained.entry(keep).or_default().extend(rows);
        }
        for rows in self.gained.values_mut() {
            rows.sort_unstable();
        }
    }

    /// The entity id each row of the matching table ended in.
    pub fn entity_of_rows(&self, master: &Master, matched: &Matched) -> Vec<String> {
        let mut entity: Vec<String> = (0..master.rows)
            .map(|m| master.entity_id(m).to_string())
            .collect();
        for &r in &matched.fresh {
            entity.push(match self.placed[r].0 {
                Target::Master(m) if self.absorbed_into.contains_key(&m) => {
                    master.entity_id(self.absorbed_into[&m].0).to_string()
                }
                Target::Master(m) => master.entity_id(m).to_string(),
                Target::New(n) => self.new_entities[n].0.clone(),
            });
        }
        entity
    }

    /// Survivorship over each touched or new entity: the golden row (one
    /// member) and its new records. Golden rows: touched entities in master
    /// order, then new entities.
    pub fn merge(
        &self,
        matched: &Matched,
        normalized_batch: &Table,
        layout: &Layout,
        rules: &RuleFile,
    ) -> merge::Golden {
        let (headers, roles) = (&layout.headers, &layout.roles);
        let recency = merge::recency_column(headers, roles);
        let survivorship = merge::survivorship_rules(headers, roles, rules, recency.is_some());
        let mut to_merge = Table::new(headers.clone());
        let mut group_of: Vec<u32> = Vec::new();
        let groups = self.gained.len() + self.new_entities.len();
        for (g, (&m, rows)) in self.gained.iter().enumerate() {
            let golden_rows = std::iter::once(m)
                .filter(|m| !self.rebuilt.contains(m))
                .chain(self.absorbed.get(&m).into_iter().flatten().copied());
            for row in golden_rows {
                to_merge.push_row(matched.table.columns.iter().map(|c| c.get(row)));
                group_of.push(g as u32 + 1);
            }
            for &r in rows {
                to_merge.push_row(normalized_batch.columns.iter().map(|c| c.get(r)));
                group_of.push(g as u32 + 1);
            }
        }
        for (n, (_, rows)) in self.new_entities.iter().enumerate() {
            for &r in rows {
                to_merge.push_row(normalized_batch.columns.iter().map(|c| c.get(r)));
                group_of.push((self.gained.len() + n) as u32 + 1);
            }
        }
        merge::merge(
            &to_merge,
            &group_of,
            groups,
            &survivorship,
            recency,
            roles,
            false,
        )
    }

    /// Per batch record id: placement, probability and, for an attached
    /// record, the fields that placed it.
    pub fn batch_info(
        &self,
        matched: &Matched,
        master: &Master,
        records: &Records,
        unmerges: &super::decided::Unmerges,
        decisions: Option<&crate::decisions::Decisions>,
    ) -> BatchInfo {
        let outcome = &matched.outcome;
        let scorer = matching::Scorer {
            features: &matched.features,
            kinds: &outcome.kinds,
            model: &outcome.model,
            tf: &outcome.tf,
            tf_by_row: None,
            level_weights: None,
        };
        let fresh_index: HashMap<usize, usize> = matched
            .fresh
            .iter()
            .enumerate()
            .map(|(i, &r)| (r, i))
            .collect();
        let mut levels = vec![0u8; outcome.kinds.len()];
        (0..records.ids.len())
            .map(|r| {
                let (target, placement) = self.placed[r];
                let split = placement == Placement::Split;
                let as_placed = match (split, target) {
                    (true, Target::Master(_)) => Placement::Attached,
                    (true, Target::New(_)) => Placement::New,
                    _ => placement,
                };
                // The weight of this record against matching row `other`,
                // and the fields that made it.
                let mut explain = |row: usize, other: usize| {
                    let mut weights = vec![0.0; outcome.kinds.len()];
                    let weight = scorer.score(row, other, &mut levels, |f, w| weights[f] = w);
                    let fields: Vec<(&str, &str, f64)> = outcome
                        .kinds
                        .iter()
                        .enumerate()
                        .map(|(f, k)| {
                            let level = compare::level_names(*k)[levels[f] as usize];
                            (k.name(), level, weights[f])
                        })
                        .collect();
                    (weight, super::explanation(&fields, 4))
                };
                let (probability, mut why) = match (as_placed, target) {
                    (Placement::Attached, Target::Master(m)) => {
                        let (weight, why) = explain(master.rows + fresh_index[&r], m);
                        (format!("{:.6}", matching::probability(weight)), why)
                    }
                    (Placement::New, Target::New(n)) if self.new_entities[n].1.len() > 1 => {
                        // A new entity of several batch records: the member
                        // this one resembles most, and why.
                        let row = master.rows + fresh_index[&r];
                        let best = self.new_entities[n]
                            .1
                            .iter()
                            .filter(|&&other| other != r)
                            .map(|&other| {
                                let (weight, why) = explain(row, master.rows + fresh_index[&other]);
                                (weight, other, why)
                            })
                            .max_by(|a, b| a.0.total_cmp(&b.0).then(b.1.cmp(&a.1)));
                        match best {
                            Some((weight, other, why)) => (
                                format!("{:.6}", matching::probability(weight)),
                                format!("new entity with {}: {why}", records.ids[other]),
                            ),
                            None => (String::new(), String::new()),
                        }
                    }
                    (Placement::New, _) => (
                        outcome.clusters.best_probability[master.rows + fresh_index[&r]]
                            .map_or(String::new(), |p| format!("{p:.6}")),
                        String::new(),
                    ),
                    _ => (String::new(), "record id already in the master".to_string()),
                };
                let absorbed = records.known[r].filter(|m| self.absorbed_into.contains_key(m));
                if let (Some(decisions), Some(old)) = (decisions, absorbed) {
                    let (keep, index) = self.absorbed_into[&old];
                    why = format!(
                        "entity {} merged into {} by decisions row {}",
                        master.entity_id(old),
                        master.entity_id(keep),
                        decisions.list[index].row
                    );
                }
                if let (true, Some(&(entity, index)), Some(decisions)) =
                    (split, unmerges.freed.get(&r), decisions)
                {
                    let d = &decisions.list[index];
                    let other = if d.id_a == records.ids[r] {
                        &d.id_b
                    } else {
                        &d.id_a
                    };
                    let moved = format!(
                        "left entity {} by decisions row {} ({} is a different person)",
                        master.entity_id(entity),
                        d.row,
                        other
                    );
                    why = if why.is_empty() {
                        moved
                    } else {
                        format!("{moved}; {why}")
                    };
                }
                (records.ids[r].clone(), (placement, probability, why))
            })
            .collect()
    }
}

/// Who belongs to the entities this batch touched or created, for the
/// crosswalk (the master's untouched rows are read from the output).
pub(super) struct Crosswalk {
    /// Master rows in the output (absorbed entities left).
    master_rows: usize,
    /// Output row → master row, for the first `master_rows` rows.
    kept: Vec<usize>,
    entity_col: usize,
    ids_col: Option<usize>,
    /// Per master row, its merged golden row (u32::MAX: untouched).
    merged_row: Vec<u32>,
    touched_members: Vec<Vec<String>>,
    new_members: Vec<Vec<String>>,
    batch: BatchInfo,
}

/// The updated master, built column by column: untouched entities keep
/// their values as read, touched ones take their merged row, new entities
/// follow. Also the member lists the crosswalk needs.
pub(super) fn assemble(
    master: &Master,
    layout: &Layout,
    matched: &Matched,
    placed: &Placed,
    merged: &merge::Golden,
    records: &Records,
) -> (Table, Crosswalk) {
    let out_headers: Vec<String> = master
        .table
        .headers
        .iter()
        .chain(&layout.new_columns)
        .cloned()
        .collect();
    // Per output column, its data column (None: entity id, member columns).
    let data_of_out: Vec<Option<usize>> = out_headers
        .iter()
        .enumerate()
        .map(|(c, h)| match master.is_bookkeeping(c) {
            true => None,
            false => layout.headers.iter().position(|x| x == h),
        })
        .collect();
    let mut merged_row = vec![u32::MAX; master.rows];
    for (g, &m) in placed.gained.keys().enumerate() {
        merged_row[m] = g as u32;
    }
    let touched_members: Vec<Vec<String>> = placed
        .gained
        .iter()
        .map(|(&m, rows)| {
            let left = placed.left.get(&m);
            let absorbed = placed.absorbed.get(&m).into_iter().flatten();
            let mut members: Vec<String> = std::iter::once(&m)
                .chain(absorbed)
                .flat_map(|&row| master.members(row))
                .filter(|id| !left.is_some_and(|l| l.iter().any(|x| x == id)))
                .map(str::to_string)
                .collect();
            for &r in rows {
                if !members.contains(&records.ids[r]) {
                    members.push(records.ids[r].clone());
                }
            }
            members
        })
        .collect();
    let new_members: Vec<Vec<String>> = placed
        .new_entities
        .iter()
        .map(|(_, rows)| rows.iter().map(|&r| records.ids[r].clone()).collect())
        .collect();
    // Master rows in the output: all but the absorbed ones.
    let kept: Vec<usize> = (0..master.rows)
        .filter(|m| !placed.absorbed_into.contains_key(m))
        .collect();
    let total_rows = kept.len() + placed.new_entities.len();
    let gained = placed.gained.len();
    let columns: Vec<Column> = (0..out_headers.len())
        .into_par_iter()
        .map(|c| {
            let mut column = Column::with_capacity(total_rows, 0);
            let members_value = |members: &Vec<String>| -> String {
                if Some(c) == master.count_col {
                    members.len().to_string()
                } else {
                    members.join(";")
                }
            };
            for &m in &kept {
                let g = merged_row[m];
                match data_of_out[c] {
                    _ if c == master.entity_col => column.push(master.table.columns[c].get(m)),
                    None if g == u32::MAX => column.push(master.table.columns[c].get(m)),
                    None => column.push(&members_value(&touched_members[g as usize])),
                    Some(d) if g == u32::MAX => column.push(matched.table.columns[d].get(m)),
                    Some(d) => column.push(merged.table.columns[d].get(g as usize)),
                }
            }
            for (n, (id, _)) in placed.new_entities.iter().enumerate() {
                match data_of_out[c] {
                    _ if c == master.entity_col => column.push(id),
                    None => column.push(&members_value(&new_members[n])),
                    Some(d) => column.push(merged.table.columns[d].get(gained + n)),
                }
            }
            column
        })
        .collect();
    let crosswalk = Crosswalk {
        master_rows: kept.len(),
        kept,
        entity_col: master.entity_col,
        ids_col: master.ids_col,
        merged_row,
        touched_members,
        new_members,
        batch: BatchInfo::new(),
    };
    let table = Table {
        headers: out_headers,
        columns,
    };
    (table, crosswalk)
}

impl Crosswalk {
    pub fn with_batch(self, batch: BatchInfo) -> Crosswalk {
        Crosswalk { batch, ..self }
    }

    /// The crosswalk lines, from the updated master `table` (whose entity
    /// and member columns are where the master had them).
    pub fn rows<E>(
        &self,
        table: &Table,
        mut emit: impl FnMut(CrosswalkRow) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut line = |id: &str, entity: &str| -> Result<(), E> {
            let (status, p, why) = match self.batch.get(id) {
                Some((placement, p, why)) => (placement.name(), p.as_str(), why.as_str()),
                None => ("existing", "", ""),
            };
            emit(CrosswalkRow {
                record_id: id,
                entity_id: entity,
                status,
                match_probability: p,
                explanation: why,
            })
        };
        for row in 0..table.row_count() {
            let entity = table.columns[self.entity_col].get(row);
            let members: Option<&Vec<String>> = if row >= self.master_rows {
                Some(&self.new_members[row - self.master_rows])
            } else if self.merged_row[self.kept[row]] != u32::MAX {
                Some(&self.touched_members[self.merged_row[self.kept[row]] as usize])
            } else {
                None
            };
            if self.ids_col.is_none() && row < self.master_rows && members.is_some() {
                // A master without member ids: the entity stands for itself.
                line(entity, entity)?;
            }
            match (members, self.ids_col) {
                (Some(members), _) => {
                    for id in members {
                        line(id, entity)?;
                    }
                }
                (None, Some(c)) => {
                    for id in table.columns[c]
                        .get(row)
                        .split(';')
                        .filter(|s| !s.is_empty())
                    {
                        line(id, entity)?;
                    }
                }
                // A master without member ids: the entity stands for itself.
                (None, None) => line(entity, entity)?,
            }
        }
        Ok(())
    }
}
