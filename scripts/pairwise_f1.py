#!/usr/bin/env python3
"""Pairwise precision / recall / F1 of a tidyrec clusters file against truth.

    scripts/pairwise_f1.py CLUSTERS.csv TRUTH.csv ID_COLUMN TRUTH_COLUMN

CLUSTERS.csv: tidyrec `--clusters` output (ID_COLUMN, cluster_id, ...).
TRUTH.csv: any CSV with ID_COLUMN and TRUTH_COLUMN (the entity of each record).
Pairs are all record pairs within a cluster (predicted) or an entity (true).
Standard library only.
"""
import csv
import sys
from collections import defaultdict
from itertools import combinations


def pairs(groups):
    out = set()
    for members in groups.values():
        for a, b in combinations(sorted(members), 2):
            out.add((a, b))
    return out


def main():
    clusters_path, truth_path, id_col, truth_col = sys.argv[1:5]
    predicted = defaultdict(list)
    with open(clusters_path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            predicted[row["cluster_id"]].append(row[id_col])
    truth = defaultdict(list)
    with open(truth_path, newline="", encoding="utf-8-sig") as f:
        for row in csv.DictReader(f):
            truth[row[truth_col]].append(row[id_col])
    p, t = pairs(predicted), pairs(truth)
    tp = len(p & t)
    precision = tp / len(p) if p else 1.0
    recall = tp / len(t) if t else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    print(f"predicted pairs {len(p)}  true pairs {len(t)}  true positives {tp}")
    print(f"precision {precision:.4f}  recall {recall:.4f}  F1 {f1:.4f}")


if __name__ == "__main__":
    main()
