#!/usr/bin/env python3
"""Pairwise precision / recall / F1 of a tidyrec clusters file against truth.

    scripts/pairwise_f1.py CLUSTERS.csv TRUTH.csv ID_COLUMN TRUTH_COLUMN [CLUSTER_COLUMN [CLUSTERS_ID_COLUMN]]

CLUSTERS.csv: tidyrec `--clusters` output (ID_COLUMN, cluster_id, ...), or
any file giving each record a cluster: a `link --crosswalk` is scored with
`entity_id record_id` as the last two arguments.
TRUTH.csv: any CSV with ID_COLUMN and TRUTH_COLUMN (the entity of each record).
Pairs are all record pairs within a cluster (predicted) or an entity (true),
counted per (cluster, entity) cell rather than listed (10M records in a
few hundred MB).
Standard library only.
"""
import csv
import sys
from collections import Counter


def pairs_within(sizes):
    return sum(n * (n - 1) // 2 for n in sizes)


def main():
    clusters_path, truth_path, id_col, truth_col = sys.argv[1:5]
    cluster_col = sys.argv[5] if len(sys.argv) > 5 else "cluster_id"
    clusters_id_col = sys.argv[6] if len(sys.argv) > 6 else id_col
    # Counted, not listed: the pairs two partitions share are the pairs
    # inside each (cluster, entity) cell, so 10M records need a few
    # counters instead of sets of 8.5M id pairs.
    truth = {}
    with open(truth_path, newline="", encoding="utf-8-sig") as f:
        for row in csv.DictReader(f):
            truth[row[id_col]] = row[truth_col]
    cluster_sizes = Counter()
    cells = Counter()
    with open(clusters_path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            cluster = row[cluster_col]
            cluster_sizes[cluster] += 1
            entity = truth.get(row[clusters_id_col])
            if entity is not None:
                cells[(cluster, entity)] += 1
    predicted = pairs_within(cluster_sizes.values())
    true = pairs_within(Counter(truth.values()).values())
    tp = pairs_within(cells.values())
    precision = tp / predicted if predicted else 1.0
    recall = tp / true if true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    print(f"predicted pairs {predicted}  true pairs {true}  true positives {tp}")
    print(f"precision {precision:.4f}  recall {recall:.4f}  F1 {f1:.4f}")


if __name__ == "__main__":
    main()
