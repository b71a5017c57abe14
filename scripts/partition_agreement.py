#!/usr/bin/env python3
"""Pairwise agreement of two groupings of the same records.

    scripts/partition_agreement.py A.csv A_ID A_GROUP B.csv B_ID B_GROUP

Each file maps a record id to a group (a cluster, an entity). Pairs are the
record pairs within a group; B is the reference: prints pairwise precision,
recall and F1 of A against B, and the share of records whose group in A
holds exactly the same records as their group in B. Records missing from
either file are ignored (and counted). Standard library only.
"""
import csv
import sys
from collections import defaultdict
from itertools import combinations


def read(path, id_col, group_col):
    with open(path, newline="", encoding="utf-8-sig") as f:
        return {row[id_col]: row[group_col] for row in csv.DictReader(f)}


def groups(mapping, keep):
    out = defaultdict(list)
    for record, group in mapping.items():
        if record in keep:
            out[group].append(record)
    return out


def pairs(grouped):
    return {p for members in grouped.values() for p in combinations(sorted(members), 2)}


def main():
    a = read(*sys.argv[1:4])
    b = read(*sys.argv[4:7])
    common = a.keys() & b.keys()
    ga, gb = groups(a, common), groups(b, common)
    pa, pb = pairs(ga), pairs(gb)
    tp = len(pa & pb)
    precision = tp / len(pa) if pa else 1.0
    recall = tp / len(pb) if pb else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    members_a = {r: frozenset(ga[a[r]]) for r in common}
    members_b = {r: frozenset(gb[b[r]]) for r in common}
    same = sum(members_a[r] == members_b[r] for r in common)
    print(f"records {len(common)} (only in A {len(a) - len(common)}, only in B {len(b) - len(common)})")
    print(f"pairs A {len(pa)}  B {len(pb)}  shared {tp}")
    print(f"precision {precision:.4f}  recall {recall:.4f}  F1 {f1:.4f}")
    print(f"records with identical groups {same / len(common) if common else 1.0:.4f}")


if __name__ == "__main__":
    main()
