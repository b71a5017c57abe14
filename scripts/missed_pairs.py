#!/usr/bin/env python3
"""Why true pairs were missed: never compared (blocking), refused by a guard
(weight -10), scored below the threshold, or a link clustering refused.

    scripts/missed_pairs.py CLUSTERS.csv PAIRS.csv TRUTH.csv ID_COLUMN TRUTH_COLUMN [THRESHOLD]

CLUSTERS.csv and PAIRS.csv are `tidyrec dedupe --clusters … --pairs …`
outputs; TRUTH.csv holds each record's entity. Prints the counts per cause,
then the most common field-level patterns of the scored misses.
Standard library only.
"""
import csv
import sys
from collections import Counter, defaultdict
from itertools import combinations


def main():
    clusters_path, pairs_path, truth_path, id_col, truth_col = sys.argv[1:6]
    threshold = float(sys.argv[6]) if len(sys.argv) > 6 else 0.99
    cluster = {}
    with open(clusters_path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            cluster[row[id_col]] = row["cluster_id"]
    entity = defaultdict(list)
    with open(truth_path, newline="", encoding="utf-8-sig") as f:
        for row in csv.DictReader(f):
            entity[row[truth_col]].append(row[id_col])
    missed = set()
    true_pairs = 0
    for members in entity.values():
        for a, b in combinations(sorted(members), 2):
            true_pairs += 1
            if cluster.get(a) != cluster.get(b):
                missed.add((a, b))
    causes = Counter()
    patterns = Counter()
    seen = set()
    with open(pairs_path, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader)
        levels = [i for i, h in enumerate(header) if h.endswith("_level")]
        for row in reader:
            key = tuple(sorted((row[0], row[1])))
            if key not in missed:
                continue
            seen.add(key)
            weight, probability = float(row[3]), float(row[2])
            if weight == -10.0:
                cause = "refused by a guard"
            elif probability >= threshold:
                cause = "link refused in clustering"
            else:
                cause = "scored below the threshold"
            causes[cause] += 1
            pattern = " ".join(
                f"{header[i][:-6]}={row[i]}" for i in levels if row[i] != "missing"
            )
            patterns[(cause, pattern)] += 1
    causes["never compared"] = len(missed) - len(seen)
    print(f"true pairs {true_pairs}, missed {len(missed)}")
    for cause, count in causes.most_common():
        print(f"  {cause:28} {count}")
    for (cause, pattern), count in patterns.most_common(15):
        print(f"{count:6}  {cause}: {pattern}")


if __name__ == "__main__":
    main()
