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

/// Lays `clustering` (record id, cluster id; one per line of a clusters
/// file after its header) onto the records named `ids`.
pub fn assign<'a>(
    ids: &[String],
    clustering: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<Assignment, AssignError> {
    let known: FxHashMap<&str, ()> = ids.iter().map(|id| (id.as_str(), ())).collect();
    let mut cluster_of_id: FxHashMap<&str, (&str, usize)> = FxHashMap::default();
    let mut unknown = 0;
    for (row, (id, cluster)) in clustering.into_iter().enumerate() {
        // Line numbers of a file with one header line.
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
        if let Some(&(_, first)) = cluster_of_id.get(id) {
            return Err(AssignError::ListedTwice { first, line });
        }
        cluster_of_id.insert(id, (cluster, line));
        if !known.contains_key(id) {
            unknown += 1;
        }
    }
    let mut number_of: FxHashMap<&str, u32> = FxHashMap::default();
    let mut clusters = 0u32;
    let mut unlisted = 0;
    let cluster_of = ids
        .iter()
        .map(|id| match cluster_of_id.get(id.trim()) {
            Some(&(cluster, _)) => *number_of.entry(cluster).or_insert_with(|| {
                clusters += 1;
                clusters
            }),
            None => {
                unlisted += 1;
                clusters += 1;
                clusters
            }
        })
        .collect();
    Ok(Assignment {
        cluster_of,
        clusters: clusters as usize,
        unlisted,
        unknown,
    })
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
        assert_eq!(
            assign(&records, [("a", " ")]),
            Err(AssignError::Empty {
                line: 2,
                what: "cluster id"
            })
        );
    }
}
