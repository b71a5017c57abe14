//! Merge plans for CRMs whose merge call takes a few records at a time.
//!
//! Salesforce merges at most three records per call (a master and two
//! duplicates; Apex `merge` and the SOAP `merge()` call). A cluster of n
//! records therefore needs ⌈(n−1)/2⌉ calls, chained on one master: each line
//! of the plan is one call, and the master survives every call.
//!
//! Guarantees: every member of every multi-record cluster appears exactly
//! once (as master or duplicate); lines follow cluster order, then member
//! order, so the plan is deterministic.

/// One merge call: the surviving record and up to `batch − 1` duplicates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergeCall {
    pub cluster: String,
    pub step: usize,
    pub master: String,
    pub duplicates: Vec<String>,
}

/// `members`: per cluster (in first-appearance order) its records as
/// `(id, filled field count)` in input order. The master is the most complete
/// record (ties: the first); the others follow in input order.
pub fn plan(clusters: &[(String, Vec<(String, usize)>)], batch: usize) -> Vec<MergeCall> {
    let per_call = batch.saturating_sub(1).max(1);
    let mut calls = Vec::new();
    for (cluster, members) in clusters {
        if members.len() < 2 {
            continue;
        }
        let master = members
            .iter()
            .enumerate()
            .max_by(|(i, a), (j, b)| a.1.cmp(&b.1).then(j.cmp(i)))
            .map(|(i, _)| i)
            .unwrap_or_default();
        let losers: Vec<&String> = members
            .iter()
            .enumerate()
            .filter(|&(i, _)| i != master)
            .map(|(_, m)| &m.0)
            .collect();
        for (step, chunk) in losers.chunks(per_call).enumerate() {
            calls.push(MergeCall {
                cluster: cluster.clone(),
                step: step + 1,
                master: members[master].0.clone(),
                duplicates: chunk.iter().map(|s| s.to_string()).collect(),
            });
        }
    }
    calls
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clusters_become_chained_calls_of_three() {
        let members = |ids: &[(&str, usize)]| -> Vec<(String, usize)> {
            ids.iter().map(|&(i, n)| (i.to_string(), n)).collect()
        };
        let clusters = vec![
            ("1".to_string(), members(&[("a", 3)])),
            (
                "2".to_string(),
                members(&[("b", 2), ("c", 5), ("d", 5), ("e", 1), ("f", 0)]),
            ),
        ];
        let calls = plan(&clusters, 3);
        assert_eq!(calls.len(), 2);
        assert_eq!(calls[0].master, "c");
        assert_eq!(calls[0].duplicates, vec!["b", "d"]);
        assert_eq!(calls[1].master, "c");
        assert_eq!(calls[1].duplicates, vec!["e", "f"]);
        assert_eq!(calls[1].step, 2);
    }
}
