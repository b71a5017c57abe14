#!/usr/bin/env python3
"""Field-level patterns of the false links: for each pattern of levels among
the links above the threshold that join two entities, how many links and
scored pairs of that pattern are true and false, and its match weight.
A pattern with many false and few true links is where the model's
independence assumption adds up to a match that is not one.

    scripts/link_patterns.py PAIRS.csv TRUTH.csv ID_COLUMN TRUTH_COLUMN [THRESHOLD] [N]

PAIRS.csv: `tidyrec dedupe --pairs` output (every scored pair). Standard
library only; streams the pairs file (gigabytes at 1.5M records).
"""
import csv
import sys
from collections import Counter


def main():
    pairs_path, truth_path, id_col, truth_col = sys.argv[1:5]
    threshold = float(sys.argv[5]) if len(sys.argv) > 5 else 0.99
    shown = int(sys.argv[6]) if len(sys.argv) > 6 else 20
    entity = {}
    with open(truth_path, newline="", encoding="utf-8-sig") as f:
        for row in csv.DictReader(f):
            entity[row[id_col]] = row[truth_col]
    true_all, false_all, true_links, false_links = Counter(), Counter(), Counter(), Counter()
    weight = {}
    with open(pairs_path, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader)
        levels = [i for i, h in enumerate(header) if h.endswith("_level")]
        for row in reader:
            pattern = " ".join(
                f"{header[i][:-6]}={row[i]}" for i in levels if row[i] != "missing"
            )
            same = entity[row[0]] == entity[row[1]]
            (true_all if same else false_all)[pattern] += 1
            if float(row[2]) >= threshold:
                (true_links if same else false_links)[pattern] += 1
            weight[pattern] = row[3]
    print(f"links: {sum(true_links.values())} true, {sum(false_links.values())} false")
    print("false links  true links | scored: true  false | weight  pattern")
    for pattern, count in false_links.most_common(shown):
        print(
            f"{count:11} {true_links[pattern]:11} | {true_all[pattern]:12} {false_all[pattern]:6}"
            f" | {weight[pattern]:>7}  {pattern}"
        )


if __name__ == "__main__":
    main()
