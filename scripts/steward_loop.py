#!/usr/bin/env python3
"""The steward's loop on an export with ground truth, end to end.

    scripts/steward_loop.py TIDYREC EXPORT TRUTH ID_COLUMN ENTITY_COLUMN WORKDIR [N]

1. `tidyrec dedupe EXPORT --review` (clusters, review file);
2. a steward's decisions from the truth: N wrong merges marked `different`
   (two records of one cluster that are two entities) and N missed pairs
   marked `same` (one entity in two clusters);
3. `tidyrec dedupe EXPORT --decisions` again;
4. checks: every decision obeyed; every cluster without a decided record
   has exactly the same members as before; prints the pairwise precision,
   recall and F1 before and after, and the wall times.

Exit 1 when a decision is not obeyed or an untouched cluster changed.
"""

import collections
import csv
import itertools
import subprocess
import sys
import time


def clusters(path, id_column):
    with open(path, newline="", encoding="utf-8") as f:
        return {r[id_column]: r["cluster_id"] for r in csv.DictReader(f)}


def groups(of):
    by = collections.defaultdict(set)
    for record, group in of.items():
        by[group].add(record)
    return by


def pairwise(predicted, truth):
    def pairs(of):
        out = set()
        for members in groups(of).values():
            out.update(itertools.combinations(sorted(members), 2))
        return out

    p, t = pairs(predicted), pairs(truth)
    tp = len(p & t)
    precision = tp / len(p) if p else 1.0
    recall = tp / len(t) if t else 1.0
    f1 = 2 * precision * recall / (precision + recall) if tp else 0.0
    return precision, recall, f1


def run(cmd):
    started = time.time()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return time.time() - started


def main():
    tidyrec, export, truth_path, id_column, entity_column, work = sys.argv[1:7]
    n = int(sys.argv[7]) if len(sys.argv) > 7 else 20
    with open(truth_path, newline="", encoding="utf-8") as f:
        truth = {r[id_column]: r[entity_column] for r in csv.DictReader(f)}
    base = [tidyrec, "--threads", "2", "dedupe", export, "--id-column", id_column]
    first = run(base + ["-o", f"{work}/golden.csv", "--clusters", f"{work}/clusters.csv",
                        "--review", f"{work}/review.csv"])
    before = clusters(f"{work}/clusters.csv", id_column)
    with open(f"{work}/review.csv", newline="", encoding="utf-8") as f:
        review_rows = sum(1 for _ in csv.DictReader(f))

    wrong, missed = [], []
    for _, members in sorted(groups(before).items(), key=lambda g: int(g[0])):
        for a, b in itertools.combinations(sorted(members), 2):
            if truth[a] != truth[b]:
                wrong.append((a, b))
                break
        if len(wrong) >= n:
            break
    for _, members in sorted(groups(truth).items()):
        for a, b in itertools.combinations(sorted(members), 2):
            if before[a] != before[b]:
                missed.append((a, b))
                break
        if len(missed) >= n:
            break
    decided = set()
    with open(f"{work}/decisions.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id_a", "id_b", "decision", "note", "who"])
        for a, b in wrong:
            w.writerow([a, b, "different", "wrong merge", "steward_loop.py"])
        for a, b in missed:
            w.writerow([a, b, "same", "missed pair", "steward_loop.py"])
    for a, b in wrong + missed:
        decided.update(m for m in groups(before)[before[a]])
        decided.update(m for m in groups(before)[before[b]])

    second = run(base + ["-o", f"{work}/golden-2.csv", "--clusters", f"{work}/clusters-2.csv",
                         "--decisions", f"{work}/decisions.csv"])
    after = clusters(f"{work}/clusters-2.csv", id_column)
    violated = [(a, b, d) for a, b, d in
                [(a, b, "different") for a, b in wrong] + [(a, b, "same") for a, b in missed]
                if (after[a] == after[b]) != (d == "same")]
    untouched = lambda of: {frozenset(m) for m in groups(of).values() if not (m & decided)}
    changed = len(untouched(before) ^ untouched(after))
    p0, r0, f0 = pairwise(before, truth)
    p1, r1, f1 = pairwise(after, truth)
    print(f"review pairs: {review_rows}")
    print(f"decisions: {len(wrong)} different (wrong merges), {len(missed)} same (missed pairs)")
    print(f"obeyed: {len(wrong) + len(missed) - len(violated)} of {len(wrong) + len(missed)}")
    print(f"untouched clusters whose members changed: {changed}")
    print(f"before: P {p0:.4f} R {r0:.4f} F1 {f0:.4f} ({first:.1f} s with --review)")
    print(f"after:  P {p1:.4f} R {r1:.4f} F1 {f1:.4f} ({second:.1f} s with --decisions)")
    for v in violated:
        print("violated:", v)
    sys.exit(1 if violated or changed else 0)


if __name__ == "__main__":
    main()
