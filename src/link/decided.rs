//! A steward's decisions in a link run.
//!
//! A decision names record ids; in a link run an id is a fresh batch
//! record (its own row in the matching table), a record the master already
//! lists, or an entity id (both: the entity's anchor row). So a `same`
//! decision pulls a fresh record into an entity, and a `different` one
//! keeps it out. A `different` decision between two members of one entity
//! is an unmerge: the member(s) of that pair this batch holds are matched
//! afresh, kept apart from each other (or from the entity, for a member
//! the batch does not hold), so the weaker side leaves the entity for
//! another one or a new, never-used id; the entity's golden row is rebuilt
//! from the members this batch holds when it holds them all (otherwise the
//! old golden row takes part, and the run says so).

use super::layout::{Master, Records};
use crate::decisions::{Decisions, RowDecision, Verdict};
use std::collections::{BTreeMap, HashMap};

/// Unmerges found before matching.
#[derive(Debug, Default)]
pub(super) struct Unmerges {
    /// Master row → decision indices that reopen it.
    pub reopened: BTreeMap<usize, Vec<usize>>,
    /// Batch row → (its entity's master row, decision index): a member
    /// taken out of its entity to be matched again.
    pub freed: BTreeMap<usize, (usize, usize)>,
    /// `different` decisions inside one entity that this batch cannot act
    /// on: it holds neither record (decision index).
    pub unreachable: Vec<usize>,
}

/// Master ids (members and entity ids) → master row.
pub(super) fn master_rows(master: &Master) -> HashMap<String, usize> {
    let mut rows = HashMap::new();
    for row in 0..master.rows {
        for id in master.members(row) {
            rows.insert(id.to_string(), row);
        }
        rows.insert(master.entity_id(row).to_string(), row);
    }
    rows
}

/// Finds the unmerges and frees the batch records they concern (their
/// `known` entry is cleared, so they are matched again).
pub(super) fn unmerge(
    decisions: &Decisions,
    master_row_of: &HashMap<String, usize>,
    records: &mut Records,
) -> Unmerges {
    let batch_row_of: HashMap<&str, usize> = records
        .ids
        .iter()
        .enumerate()
        .map(|(r, id)| (id.as_str(), r))
        .collect();
    let mut unmerges = Unmerges::default();
    let mut to_free = Vec::new();
    for (index, d) in decisions.list.iter().enumerate() {
        if d.verdict != Verdict::Different {
            continue;
        }
        let entity = |id: &str| {
            master_row_of
                .get(id)
                .copied()
                .or_else(|| batch_row_of.get(id).and_then(|&r| records.known[r]))
        };
        let (Some(ea), Some(eb)) = (entity(&d.id_a), entity(&d.id_b)) else {
            continue;
        };
        if ea != eb {
            continue;
        }
        let held: Vec<usize> = [&d.id_a, &d.id_b]
            .iter()
            .filter_map(|id| batch_row_of.get(id.as_str()).copied())
            .filter(|&r| records.known[r] == Some(ea))
            .collect();
        if held.is_empty() {
            unmerges.unreachable.push(index);
            continue;
        }
        unmerges.reopened.entry(ea).or_default().push(index);
        for r in held {
            to_free.push((r, ea, index));
        }
    }
    for (r, entity, index) in to_free {
        records.known[r] = None;
        unmerges.freed.entry(r).or_insert((entity, index));
    }
    unmerges
}

/// The decisions on rows of the matching table: a fresh record is its own
/// row (`master_rows + i`), any other id its entity's anchor row.
pub(super) fn resolve(
    decisions: &Decisions,
    master_row_of: &HashMap<String, usize>,
    records: &Records,
    fresh: &[usize],
    master_rows: usize,
) -> (Vec<RowDecision>, usize) {
    let fresh_row: HashMap<&str, u32> = fresh
        .iter()
        .enumerate()
        .map(|(i, &r)| (records.ids[r].as_str(), (master_rows + i) as u32))
        .collect();
    let known_row: HashMap<&str, u32> = records
        .known
        .iter()
        .enumerate()
        .filter_map(|(r, m)| m.map(|m| (records.ids[r].as_str(), m as u32)))
        .collect();
    decisions.resolve(|id| {
        fresh_row
            .get(id)
            .copied()
            .or_else(|| known_row.get(id).copied())
            .or_else(|| master_row_of.get(id).map(|&m| m as u32))
    })
}
