#!/usr/bin/env python3
"""Golden-record accuracy against the generator's truth.

usage: golden_accuracy.py GOLDEN.csv TRUTH.csv GOLDEN_TRUTH.csv

GOLDEN is `tidyrec dedupe -o`; TRUTH and GOLDEN_TRUTH come from
`tidyrec-gen --duplicates --truth T --golden-truth G`. For every golden row
that merged two or more records of one true entity (clusters mixing
entities are a matching error, counted apart), each field the truth has is
compared with the golden value (names case-sensitively, e-mails as lower
case). Prints field accuracy per column, overall, and the share of merged
customers right in every field."""
import collections
import csv
import sys

golden_path, truth_path, gtruth_path = sys.argv[1:4]
csv.field_size_limit(10**9)
entity_of = {r["Customer ID"]: r["entity"] for r in csv.DictReader(open(truth_path, encoding="utf-8"))}
truth = {r["entity"]: r for r in csv.DictReader(open(gtruth_path, encoding="utf-8"))}
fields = [f for f in next(iter(truth.values())).keys() if f != "entity"]
right = collections.Counter()
counted = collections.Counter()
customers = all_right = mixed = 0
wrong_examples = collections.defaultdict(list)
for row in csv.DictReader(open(golden_path, encoding="utf-8")):
    members = row["member_ids"].split(";")
    if len(members) < 2:
        continue
    entities = {entity_of[m] for m in members}
    if len(entities) > 1:
        mixed += 1
        continue
    want = truth[entities.pop()]
    customers += 1
    ok = True
    for f in fields:
        expected = want[f]
        if not expected or f not in row:
            continue
        got = row[f]
        if f == "Email":
            got = got.lower()
        counted[f] += 1
        if got == expected:
            right[f] += 1
        else:
            ok = False
            if len(wrong_examples[f]) < 5:
                wrong_examples[f].append((got, expected))
    all_right += ok
total_right, total = sum(right.values()), sum(counted.values())
for f in fields:
    if counted[f]:
        print(f"{f:<14} {100 * right[f] / counted[f]:6.2f} %  ({counted[f]} fields)  e.g. wrong: {wrong_examples[f][:3]}")
print(f"fields: {100 * total_right / max(total, 1):.2f} % of {total} right")
print(f"merged customers right in every field: {100 * all_right / max(customers, 1):.2f} % of {customers}"
      f" ({mixed} golden rows mixed two entities)")
