#!/usr/bin/env python3
"""Copies a CSV without one column: the truth column of a benchmark file
(FEBRL's `true_id`), which matching must not see.

    scripts/drop_column.py INPUT.csv OUTPUT.csv COLUMN

Standard library only.
"""
import csv
import sys


def main():
    source, target, column = sys.argv[1:4]
    with open(source, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        fields = [name for name in reader.fieldnames if name != column]
        with open(target, "w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(fields)
            for row in reader:
                writer.writerow([row[name] for name in fields])


if __name__ == "__main__":
    main()
