//! A clustering computed elsewhere (Splink's `cluster_id` per `unique_id`,
//! another engine's, a steward's spreadsheet) laid onto the input's
//! records, so golden records can be made with our survivorship.
//!
//! Guarantees: every input record is in exactly one cluster (a record the
//! clustering does not list is its own cluster, and is counted); clusters
//! are numbered 1, 2, … in the order of their first record in the input,
//! so the numbering does not depend on the order of the clusters file or
//! on the other engine's cluster ids; a record listed twice is an error
//! (two clusters for one record cannot be merged honestly).

use rustc_hash::FxHashMap;

/// The input's records in clusters, numbered from 1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    /// Per input record, its cluster (1-based, as `merge::merge` takes).
    pub cluster_of: Vec<u32>,
    pub clusters: usize,
    /// Input records the clustering does not list (each its own cluster).
    pub unlisted: usize,
    /// Ids the clustering lists that the input does not have (ignored).
    pub unknown: usize,
}

/// Why a clustering cannot be laid onto the input.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AssignError {
    // The id stays out of the message (it can be customer data); the line
    // of the clusters file says where to look.
    #[error("line {line} of the clusters file lists a record id that line {first} already listed; each record belongs to one cluster")]
    ListedTwice { first: usize, line: usize },
    #[error("line {line} of the clusters file has an empty {what}; every line needs a record id and a cluster id")]
    Empty { line: usize, what: &'static str },
}

/// A clusters file read: per listed record id (trimmed), its cluster and
/// line. Ids are kept as 128-bit digests ([`crate::table::digest`]) and
/// clusters as numbers, so the file itself can be dropped once read: 24
/// bytes a listed record (a map of the id strings took about 100), which
/// is what bounds `merge` in blocks for a clustering of any size.
pub struct Listed {
    /// Id digest → (cluster key, line).
    cluster_of_id: FxHashMap<(u64, u64), (u32, u32)>,
    /// Distinct cluster ids in the file.
    clusters: usize,
}

impl Listed {
    /// Reads `clustering` (record id, cluster id; one per line of a
    /// clusters file after its header).
    pub fn new<'a>(
        clustering: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, AssignError> {
        let mut cluster_of_id: FxHashMap<(u64, u64), (u32, u32)> = FxHashMap::default();
        // The other engine's cluster ids, numbered as first seen (only
        // while the file is read).
        let mut key_of: FxHashMap<&str, u32> = FxHashMap::default();
        for (row, (id, cluster)) in clustering.into_iter().enumerate() {
            // Line numbers of a file with one header line (past 4 billion
            // lines, an error names the last line a u32 holds).
            let line = row + 2;
            let (id, cluster) = (id.trim(), cluster.trim());
            if id.is_empty() {
                return Err(AssignError::Empty {
                    line,
                    what: "record id",
                });
            }
            if cluster.is_empty() {
                return Err(AssignError::Empty {
                    line,
                    what: "cluster id",
                });
            }
            let next = key_of.len() as u32;
            let key = *key_of.entry(cluster).or_insert(next);
            match cluster_of_id.entry(crate::table::digest(id)) {
                std::collections::hash_map::Entry::Occupied(earlier) => {
                    return Err(AssignError::ListedTwice {
                        first: earlier.get().1 as usize,
                        line,
                    });
                }
                std::collections::hash_map::Entry::Vacant(slot) => {
                    slot.insert((key, u32::try_from(line).unwrap_or(u32::MAX)));
                }
            }
        }
        Ok(Listed {
            cluster_of_id,
            clusters: key_of.len(),
        })
    }

    /// Numbers the input's records, which are handed in file order.
    pub fn numbering(&self) -> Numbering<'_> {
        Numbering {
            listed: self,
            number_of: vec![0; self.clusters],
            clusters: 0,
            unlisted: 0,
            found: 0,
            matched: vec![0; (self.cluster_of_id.len() + 2).div_ceil(64)],
        }
    }
}

/// Cluster numbers for the input's records, given one at a time in file
/// order: the first record of a cluster opens the next number.
pub struct Numbering<'l> {
    listed: &'l Listed,
    /// Per cluster key, its number (0: no record of it seen yet).
    number_of: Vec<u32>,
    clusters: u32,
    unlisted: usize,
    /// Listed ids that named a record, and which (a bit per line): two
    /// input ids that differ only by surrounding spaces name one listed id.
    found: usize,
    matched: Vec<u64>,
}

impl Numbering<'_> {
    /// The cluster of the next record, whose id is `id`.
    pub fn next(&mut self, id: &str) -> u32 {
        match self
            .listed
            .cluster_of_id
            .get(&crate::table::digest(id.trim()))
        {
            Some(&(key, line)) => {
                // Lines are 2.. (after the header), one per listed id.
                let bit = line as usize - 2;
                if let Some(word) = self.matched.get_mut(bit / 64) {
                    if *word & (1 << (bit % 64)) == 0 {
                        *word |= 1 << (bit % 64);
                        self.found += 1;
                    }
                }
                let number = &mut self.number_of[key as usize];
                if *number == 0 {
                    self.clusters += 1;
                    *number = self.clusters;
                }
                *number
            }
            None => {
                self.unlisted += 1;
                self.clusters += 1;
                self.clusters
            }
        }
    }

    /// Clusters, unlisted records and unknown ids (listed ids that named
    /// no record) once every record was numbered.
    pub fn finish(self, cluster_of: Vec<u32>) -> Assignment {
        Assignment {
            cluster_of,
            clusters: self.clusters as usize,
            unlisted: self.unlisted,
            unknown: self.listed.cluster_of_id.len() - self.found,
        }
    }
}

/// Lays `clustering` (record id, cluster id; one per line of a clusters
/// file after its header) onto the records named `ids` (unique).
pub fn assign<'a>(
    ids: &[String],
    clustering: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<Assignment, AssignError> {
    let listed = Listed::new(clustering)?;
    let mut numbering = listed.numbering();
    let cluster_of = ids.iter().map(|id| numbering.next(id)).collect();
    Ok(numbering.finish(cluster_of))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn clusters_are_numbered_by_their_first_record_in_the_input() {
        let records = ids(&["a", "b", "c", "d", "e"]);
        // The other engine's ids and row order do not matter.
        let clustering = [("e", "x9"), ("c", "x1"), ("a", "x1"), ("b", "x9")];
        let assigned = assign(&records, clustering).unwrap();
        assert_eq!(assigned.cluster_of, [1, 2, 1, 3, 2]);
        assert_eq!(
            (assigned.clusters, assigned.unlisted, assigned.unknown),
            (3, 1, 0)
        );
    }

    #[test]
    fn unknown_ids_are_counted_and_a_record_listed_twice_is_an_error() {
        let records = ids(&["a", "b"]);
        let assigned = assign(&records, [("a", "1"), ("z", "1"), ("b", "2")]).unwrap();
        assert_eq!(assigned.cluster_of, [1, 2]);
        assert_eq!(assigned.unknown, 1);
        assert_eq!(
            assign(&records, [("a", "1"), ("b", "1"), ("a", "2")]),
            Err(AssignError::ListedTwice { first: 2, line: 4 })
        );
        // Two records whose ids differ only by spaces name one listed id:
        // the other listed id is still unknown.
        let spaced = ids(&["a", " a"]);
        let assigned = assign(&spaced, [("a", "1"), ("z", "2")]).unwrap();
        assert_eq!(assigned.cluster_of, [1, 1]);
        assert_eq!(assigned.unknown, 1);
        assert_eq!(
            assign(&records, [("a", " ")]),
            Err(AssignError::Empty {
                line: 2,
                what: "cluster id"
            })
        );
    }
}
