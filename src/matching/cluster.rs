//! Clustering: records linked by pairs above the threshold, strongest links
//! first, with a guard against chaining. Two groups are joined only if, on
//! average, their members look like the same person: when Ann and Bob share
//! a household phone and address and a third record resembles both, the
//! third joins one of them, and the two people are never merged.
//!
//! Guarantees: deterministic (links in a fixed order, ties by record index);
//! cluster numbers follow the first row of each cluster (1, 2, 3 …).

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
}

/// Mean cross-group match probability needed to join two groups.
const MIN_MEAN_PROBABILITY: f64 = 0.5;

/// `links`: pairs with their match probability (only those above the
/// threshold matter); `probability(a, b)` scores any pair, used to check
/// members that were not compared during blocking. Records below `anchors`
/// are known distinct entities (a golden master when linking): two groups
/// that each hold one are never joined.
pub fn cluster(
    rows: usize,
    anchors: usize,
    links: &[(u32, u32, f64)],
    threshold: f64,
    probability: impl Fn(usize, usize) -> f64,
) -> Clusters {
    let mut order: Vec<usize> = (0..links.len())
        .filter(|&i| links[i].2 >= threshold)
        .collect();
    order.sort_by(|&x, &y| {
        let (a, b) = (&links[x], &links[y]);
        b.2.total_cmp(&a.2).then(a.0.cmp(&b.0)).then(a.1.cmp(&b.1))
    });
    let mut group_of: Vec<u32> = (0..rows as u32).collect();
    let mut groups = Groups::singletons(rows);
    let mut best: Vec<Option<f64>> = vec![None; rows];
    let mut anchored: Vec<bool> = (0..rows).map(|r| r < anchors).collect();
    let mut refused_links = 0;
    for &i in &order {
        let (a, b, p) = links[i];
        let (ga, gb) = (group_of[a as usize], group_of[b as usize]);
        if ga == gb {
            continue;
        }
        if anchored[ga as usize] && anchored[gb as usize] {
            refused_links += 1;
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
                        probability(x as usize, y as usize)
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
        // Merge the smaller group into the larger (ties: into the lower id).
        let (into, from) = if groups.size(ga) >= groups.size(gb) {
            (ga, gb)
        } else {
            (gb, ga)
        };
        anchored[into as usize] |= anchored[from as usize];
        for r in groups.members(from) {
            group_of[r as usize] = into;
        }
        groups.append(into, from);
        for r in [a, b] {
            let slot = &mut best[r as usize];
            *slot = Some(slot.map_or(p, |q: f64| q.max(p)));
        }
    }
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
    fn components_are_numbered_by_first_row() {
        let links = [(1, 3, 0.99), (0, 2, 0.95), (2, 4, 0.2)];
        let c = cluster(5, 0, &links, 0.9, |_, _| 0.99);
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
        let c = cluster(3, 0, &links, 0.9, probability);
        assert_eq!(c.cluster_of, vec![1, 2, 1]);
        assert_eq!(c.refused_links, 1);
    }

    #[test]
    fn two_anchored_entities_are_never_joined() {
        // 0 and 1 are master entities; 2 resembles both, 3 resembles 2.
        let links = [(0, 2, 0.99), (1, 2, 0.98), (2, 3, 0.97), (1, 3, 0.96)];
        let c = cluster(4, 2, &links, 0.9, |_, _| 0.99);
        assert_eq!(c.cluster_of, vec![1, 2, 1, 1]);
        assert_eq!(c.refused_links, 2);
    }
}
