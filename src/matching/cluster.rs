//! Clustering: records linked by pairs above the threshold, strongest links
//! first, with a guard against chaining. Two groups are joined only if, on
//! average, their members look like the same person: when Ann and Bob share
//! a household phone and address and a third record resembles both, the
//! third joins one of them, and the two people are never merged.
//!
//! A steward's decisions come first: every `same` pair is joined before
//! any scored link (whatever the guard says), and no join ever puts the two
//! records of a `different` pair in one cluster. Links go strongest first,
//! so when a cluster would hold a `different` pair, the pair's weaker side
//! is the one left out.
//!
//! Guarantees: deterministic (links in a fixed order, ties by record index);
//! cluster numbers follow the first row of each cluster (1, 2, 3 …).

use crate::decisions::{RowDecision, Verdict};
use rayon::prelude::*;
use std::collections::HashMap;

/// Result per record.
pub struct Clusters {
    /// 1-based cluster number per record.
    pub cluster_of: Vec<u32>,
    /// Number of clusters.
    pub count: usize,
    /// Highest match probability of the record to another member of its
    /// cluster (None for singletons).
    pub best_probability: Vec<Option<f64>>,
    /// Links above the threshold that the chaining guard refused.
    pub refused_links: usize,
    /// Per decision given (same order): what it did.
    pub decision_effects: Vec<Effect>,
    /// Links above the threshold refused because they would have put a
    /// `different` pair in one cluster.
    pub refused_by_decisions: usize,
}

/// What a steward's decision did in one clustering.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Effect {
    /// `same`: the two records were joined by the decision.
    Joined,
    /// `same`: already in one cluster through earlier decisions.
    AlreadyTogether,
    /// `same` that would put a `different` pair (or two master entities) in
    /// one cluster: not applied.
    Conflict,
    /// `different`: a join that would have put the pair together was refused.
    Separated,
    /// `different`: nothing ever tried to put the pair together.
    AlreadyApart,
}

impl Effect {
    pub fn name(self) -> &'static str {
        match self {
            Effect::Joined => "joined",
            Effect::AlreadyTogether => "already together",
            Effect::Conflict => "conflict, not applied",
            Effect::Separated => "kept apart",
            Effect::AlreadyApart => "already apart",
        }
    }
}

/// Links between two progress reports.
const PROGRESS_STEP: usize = 1 << 16;

/// Mean cross-group match probability needed to join two groups.
const MIN_MEAN_PROBABILITY: f64 = 0.5;

/// `links`: pairs with their match probability (only those above the
/// threshold matter); `probability(a, b)` scores any pair, used to check
/// members that were not compared during blocking. Records below `anchors`
/// are known distinct entities (a golden master when linking): two groups
/// that each hold one are never joined. `decisions` are a steward's, on
/// rows (see the module header).
pub fn cluster(
    rows: usize,
    anchors: usize,
    links: &[(u32, u32, f64)],
    threshold: f64,
    probability: impl Fn(usize, usize) -> f64,
    decisions: &[RowDecision],
    progress: &dyn crate::progress::Progress,
) -> Clusters {
    let mut order: Vec<usize> = (0..links.len())
        .filter(|&i| links[i].2 >= threshold)
        .collect();
    // A total order (each pair is linked once), so sorting in parallel
    // gives the order sorting on one thread would (8M links at 10M records).
    order.par_sort_unstable_by(|&x, &y| {
        let (a, b) = (&links[x], &links[y]);
        b.2.total_cmp(&a.2).then(a.0.cmp(&b.0)).then(a.1.cmp(&b.1))
    });
    let linked = LinkIndex::new(rows, links);
    let mut group_of: Vec<u32> = (0..rows as u32).collect();
    let mut groups = Groups::singletons(rows);
    let mut best: Vec<Option<f64>> = vec![None; rows];
    let mut anchored: Vec<bool> = (0..rows).map(|r| r < anchors).collect();
    let mut refused_links = 0;
    let mut apart = KeptApart::new(rows, decisions);
    let mut effects: Vec<Effect> = decisions
        .iter()
        .map(|d| match d.verdict {
            Verdict::Same => Effect::Joined,
            Verdict::Different => Effect::AlreadyApart,
        })
        .collect();
    let mut refused_by_decisions = 0;
    for (i, d) in decisions.iter().enumerate() {
        if d.verdict != Verdict::Same {
            continue;
        }
        let (ga, gb) = (group_of[d.a as usize], group_of[d.b as usize]);
        if ga == gb {
            effects[i] = Effect::AlreadyTogether;
            continue;
        }
        if (anchored[ga as usize] && anchored[gb as usize])
            || apart.crossing(&groups, &group_of, ga, gb).is_some()
        {
            effects[i] = Effect::Conflict;
            continue;
        }
        join(
            &mut groups,
            &mut group_of,
            &mut anchored,
            &mut apart,
            ga,
            gb,
        );
        for r in [d.a, d.b] {
            best[r as usize] = Some(1.0);
        }
    }
    progress.start("cluster", order.len() as u64);
    for (done, &i) in order.iter().enumerate() {
        if done % PROGRESS_STEP == PROGRESS_STEP - 1 {
            progress.advance(PROGRESS_STEP as u64);
        }
        let (a, b, p) = links[i];
        let (ga, gb) = (group_of[a as usize], group_of[b as usize]);
        if ga == gb {
            continue;
        }
        if anchored[ga as usize] && anchored[gb as usize] {
            refused_links += 1;
            continue;
        }
        if let Some(decision) = apart.crossing(&groups, &group_of, ga, gb) {
            effects[decision] = Effect::Separated;
            refused_by_decisions += 1;
            continue;
        }
        let coherent = groups.size(ga) + groups.size(gb) == 2 || {
            let mut sum = 0.0;
            let mut n = 0.0;
            for x in groups.members(ga) {
                for y in groups.members(gb) {
                    sum += if (x, y) == (a, b) || (y, x) == (a, b) {
                        p
                    } else {
                        linked
                            .probability(links, x, y)
                            .unwrap_or_else(|| probability(x as usize, y as usize))
                    };
                    n += 1.0;
                }
            }
            sum / n >= MIN_MEAN_PROBABILITY
        };
        if !coherent {
            refused_links += 1;
            continue;
        }
        join(
            &mut groups,
            &mut group_of,
            &mut anchored,
            &mut apart,
            ga,
            gb,
        );
        for r in [a, b] {
            let slot = &mut best[r as usize];
            *slot = Some(slot.map_or(p, |q: f64| q.max(p)));
        }
    }
    progress.finish();
    // Number clusters by their first row.
    let mut number: Vec<u32> = vec![0; rows];
    let mut next = 0u32;
    let mut cluster_of = vec![0u32; rows];
    for row in 0..rows {
        let group = group_of[row] as usize;
        if number[group] == 0 {
            next += 1;
            number[group] = next;
        }
        cluster_of[row] = number[group];
    }
    Clusters {
        cluster_of,
        count: next as usize,
        best_probability: best,
        refused_links,
        decision_effects: effects,
        refused_by_decisions,
    }
}

/// The links of each record as the first of the pair, when `links` come
/// sorted by pair (candidate pairs always do): a coherence check reads a
/// linked pair's probability here instead of comparing and scoring the
/// two records again (in the serial part of clustering, a random read of
/// both records each). Only the pair as linked, `(x, y)` for a link
/// `(x, y)`, is answered: the same probability scoring it gives, bit for
/// bit (the link's probability was computed from the same comparison).
struct LinkIndex {
    /// Links of record `r` as the first record: `links[first[r]..first[r + 1]]`.
    first: Vec<u32>,
}

impl LinkIndex {
    fn new(rows: usize, links: &[(u32, u32, f64)]) -> LinkIndex {
        let sorted = links.len() < u32::MAX as usize
            && links
                .windows(2)
                .all(|w| (w[0].0, w[0].1) < (w[1].0, w[1].1))
            && links.iter().all(|l| (l.0 as usize) < rows);
        if !sorted {
            return LinkIndex { first: Vec::new() };
        }
        let mut first = vec![0u32; rows + 1];
        for link in links {
            first[link.0 as usize + 1] += 1;
        }
        for r in 0..rows {
            first[r + 1] += first[r];
        }
        LinkIndex { first }
    }

    /// The probability of link `(x, y)`, if it is one.
    fn probability(&self, links: &[(u32, u32, f64)], x: u32, y: u32) -> Option<f64> {
        let x = x as usize;
        let (start, end) = (*self.first.get(x)?, *self.first.get(x + 1)?);
        let of_x = &links[start as usize..end as usize];
        of_x.binary_search_by_key(&y, |l| l.1)
            .ok()
            .map(|i| of_x[i].2)
    }
}

/// Joins groups `ga` and `gb`: the smaller into the larger (ties: into
/// `ga`).
fn join(
    groups: &mut Groups,
    group_of: &mut [u32],
    anchored: &mut [bool],
    apart: &mut KeptApart,
    ga: u32,
    gb: u32,
) {
    let (into, from) = if groups.size(ga) >= groups.size(gb) {
        (ga, gb)
    } else {
        (gb, ga)
    };
    anchored[into as usize] |= anchored[from as usize];
    apart.constrained[into as usize] |= apart.constrained[from as usize];
    for r in groups.members(from) {
        group_of[r as usize] = into;
    }
    groups.append(into, from);
}

/// The `different` decisions, by record, and which groups hold a record
/// that has one (so that the common case, no decision in either group,
/// costs one lookup per join).
struct KeptApart {
    /// Record → (other record, decision index).
    partners: HashMap<u32, Vec<(u32, usize)>>,
    /// Per group (named by its head): holds a record with a decision.
    constrained: Vec<bool>,
}

impl KeptApart {
    fn new(rows: usize, decisions: &[RowDecision]) -> KeptApart {
        let mut partners: HashMap<u32, Vec<(u32, usize)>> = HashMap::new();
        let mut constrained = vec![false; rows];
        for (i, d) in decisions.iter().enumerate() {
            if d.verdict == Verdict::Different {
                partners.entry(d.a).or_default().push((d.b, i));
                partners.entry(d.b).or_default().push((d.a, i));
                constrained[d.a as usize] = true;
                constrained[d.b as usize] = true;
            }
        }
        KeptApart {
            partners,
            constrained,
        }
    }

    /// The first `different` decision with one record in `ga` and the
    /// other in `gb`, if any.
    fn crossing(&self, groups: &Groups, group_of: &[u32], ga: u32, gb: u32) -> Option<usize> {
        if !(self.constrained[ga as usize] && self.constrained[gb as usize]) {
            return None;
        }
        let (small, other) = if groups.size(ga) <= groups.size(gb) {
            (ga, gb)
        } else {
            (gb, ga)
        };
        groups.members(small).find_map(|r| {
            self.partners
                .get(&r)?
                .iter()
                .find_map(|&(partner, i)| (group_of[partner as usize] == other).then_some(i))
        })
    }
}

/// Each group's members in the order they joined, as a linked list: a
/// group is named by its first member, which heads its list. Three `u32`
/// per record instead of a `Vec` per record (10M singletons were 10M
/// allocations).
struct Groups {
    /// Last member of the group a record heads.
    tail: Vec<u32>,
    /// The member after a record in its group's list (itself: the last).
    next: Vec<u32>,
    /// Members of the group a record heads.
    size: Vec<u32>,
}

impl Groups {
    fn singletons(rows: usize) -> Groups {
        Groups {
            tail: (0..rows as u32).collect(),
            next: (0..rows as u32).collect(),
            size: vec![1; rows],
        }
    }

    fn size(&self, group: u32) -> usize {
        self.size[group as usize] as usize
    }

    fn members(&self, group: u32) -> impl Iterator<Item = u32> + '_ {
        std::iter::successors(Some(group), move |&r| {
            (r != self.tail[group as usize]).then(|| self.next[r as usize])
        })
    }

    /// Puts `from`'s members after `into`'s.
    fn append(&mut self, into: u32, from: u32) {
        let last = self.tail[into as usize];
        self.next[last as usize] = from;
        self.tail[into as usize] = self.tail[from as usize];
        self.size[into as usize] += self.size[from as usize];
        self.size[from as usize] = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::progress::Silent;

    #[test]
    fn groups_list_members_in_joining_order() {
        let mut groups = Groups::singletons(6);
        groups.append(4, 1);
        groups.append(2, 5);
        groups.append(4, 2);
        assert_eq!(groups.members(4).collect::<Vec<_>>(), vec![4, 1, 2, 5]);
        assert_eq!(groups.size(4), 4);
        assert_eq!(groups.members(0).collect::<Vec<_>>(), vec![0]);
    }

    #[test]
    fn linked_pairs_are_read_as_scoring_would_give_them() {
        // Pairs of 60 records whose probability depends on the order of
        // the two records (as a term frequency may): clustering with the
        // links sorted (read from the index) and the same links unsorted
        // (every pair scored) must agree on everything.
        let probability = |a: usize, b: usize| {
            let h = (a * 7919 + b * 104_729) % 1000;
            h as f64 / 1000.0
        };
        let mut links: Vec<(u32, u32, f64)> = Vec::new();
        for a in 0..60u32 {
            for b in a + 1..60 {
                if (a * 31 + b * 17) % 5 != 0 {
                    links.push((a, b, probability(a as usize, b as usize)));
                }
            }
        }
        let index = LinkIndex::new(60, &links);
        assert_eq!(index.probability(&links, 0, 1), Some(probability(0, 1)));
        assert_eq!(index.probability(&links, 1, 0), None, "only as linked");
        assert_eq!(index.probability(&links, 0, 5), None, "not a link");
        let mut unsorted = links.clone();
        unsorted.reverse();
        assert!(LinkIndex::new(60, &unsorted).first.is_empty());
        let sorted = cluster(60, 0, &links, 0.9, probability, &[], &Silent);
        let scored = cluster(60, 0, &unsorted, 0.9, probability, &[], &Silent);
        assert_eq!(sorted.cluster_of, scored.cluster_of);
        assert_eq!(sorted.refused_links, scored.refused_links);
        assert_eq!(sorted.best_probability, scored.best_probability);
        assert!(sorted.refused_links > 0, "the checks ran");
    }

    #[test]
    fn components_are_numbered_by_first_row() {
        let links = [(1, 3, 0.99), (0, 2, 0.95), (2, 4, 0.2)];
        let c = cluster(5, 0, &links, 0.9, |_, _| 0.99, &[], &Silent);
        assert_eq!(c.cluster_of, vec![1, 2, 1, 2, 3]);
        assert_eq!(c.count, 3);
        assert_eq!(c.best_probability[4], None);
    }

    #[test]
    fn a_record_resembling_two_people_does_not_chain_them() {
        // 0 = Ann, 1 = Bob (same household, clearly different people),
        // 2 = ambiguous record linked to both.
        let links = [(0, 2, 0.97), (1, 2, 0.96)];
        let probability = |a: usize, b: usize| match (a.min(b), a.max(b)) {
            (0, 1) => 0.0001,
            (0, 2) => 0.97,
            _ => 0.96,
        };
        let c = cluster(3, 0, &links, 0.9, probability, &[], &Silent);
        assert_eq!(c.cluster_of, vec![1, 2, 1]);
        assert_eq!(c.refused_links, 1);
    }

    #[test]
    fn two_anchored_entities_are_never_joined() {
        // 0 and 1 are master entities; 2 resembles both, 3 resembles 2.
        let links = [(0, 2, 0.99), (1, 2, 0.98), (2, 3, 0.97), (1, 3, 0.96)];
        let c = cluster(4, 2, &links, 0.9, |_, _| 0.99, &[], &Silent);
        assert_eq!(c.cluster_of, vec![1, 2, 1, 1]);
        assert_eq!(c.refused_links, 2);
    }

    fn decision(a: u32, b: u32, verdict: Verdict, index: usize) -> RowDecision {
        RowDecision {
            a,
            b,
            verdict,
            index,
        }
    }

    #[test]
    fn a_different_pair_is_never_one_cluster_and_its_weaker_side_leaves() {
        // 0–1 strong, 1–2 weaker, 0–2 also linked: one cluster without decisions.
        let links = [(0, 1, 0.999), (1, 2, 0.995), (0, 2, 0.993), (3, 4, 0.99)];
        let plain = cluster(5, 0, &links, 0.9, |_, _| 0.99, &[], &Silent);
        assert_eq!(plain.cluster_of, vec![1, 1, 1, 2, 2]);
        let apart = [decision(2, 0, Verdict::Different, 0)];
        let c = cluster(5, 0, &links, 0.9, |_, _| 0.99, &apart, &Silent);
        assert_eq!(c.cluster_of, vec![1, 1, 2, 3, 3]);
        assert_eq!(c.decision_effects, vec![Effect::Separated]);
        assert_eq!(c.refused_by_decisions, 2);
    }

    #[test]
    fn a_same_pair_is_joined_whatever_the_scores_unless_it_contradicts_a_different_one() {
        let links = [(0, 1, 0.999)];
        let decisions = [
            decision(3, 4, Verdict::Same, 0),
            decision(1, 2, Verdict::Different, 1),
            decision(0, 2, Verdict::Same, 2),
            decision(4, 3, Verdict::Same, 3),
        ];
        // 0–2 joined by decision, so the scored 0–1 link would put 1 and 2
        // together: refused.
        let c = cluster(5, 0, &links, 0.9, |_, _| 0.0001, &decisions, &Silent);
        assert_eq!(c.cluster_of, vec![1, 2, 1, 3, 3]);
        assert_eq!(
            c.decision_effects,
            vec![
                Effect::Joined,
                Effect::Separated,
                Effect::Joined,
                Effect::AlreadyTogether
            ]
        );
        assert_eq!(c.best_probability[3], Some(1.0));
        // 0–2 joined first, so the 0–1 link is the one refused.
        let conflict = [
            decision(1, 2, Verdict::Different, 0),
            decision(0, 2, Verdict::Same, 1),
            decision(0, 1, Verdict::Same, 2),
        ];
        let c = cluster(3, 0, &links, 0.9, |_, _| 0.0001, &conflict, &Silent);
        assert_eq!(c.cluster_of, vec![1, 2, 1]);
        assert_eq!(
            c.decision_effects,
            vec![Effect::Separated, Effect::Joined, Effect::Conflict]
        );
    }
}
