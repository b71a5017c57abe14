#!/usr/bin/env python3
"""Widens a generated export to the shape of a real CRM export (issue 15's
~800 MB file): six more columns per record, so that reading, normalizing,
merging and writing are measured on long rows, not only on the fields
matching reads.

    scripts/widen.py export.csv truth.csv wide.csv [MIN-MAX]

Adds Job Title, Industry, Website, Address Line 2 and Tags per person (the
entity of `truth.csv`: a person's duplicates repeat them, blank in about a
quarter of the people) and a Description of 20-30 words per record (MIN-MAX
words when given: 33-43 makes the 1.5M-record file about 800 MB). The
same input writes the same file (a fixed seed per entity and per row).
"""

import csv
import random
import sys

TITLES = ["Account Manager", "Head of Procurement", "CFO", "Office Manager",
          "IT Director", "Marketing Lead", "Owner", "Buyer", "Engineer",
          "Operations Manager", "Sales Director", "Consultant"]
INDUSTRIES = ["Retail", "Manufacturing", "Healthcare", "Finance", "Logistics",
              "Hospitality", "Education", "Construction", "Software", "Energy"]
TAGS = ["vip", "newsletter", "trade-show-2024", "reseller", "churn-risk",
        "webinar", "partner", "upsell", "renewal-q3", "support-heavy"]
WORDS = ("customer asked about delivery times invoice discount renewal contract "
         "meeting follow up next quarter pricing catalogue sample order return "
         "complaint resolved warehouse account payment terms visit showroom "
         "prefers email phone evening call back training onboarding upgrade "
         "budget approved pending decision competitor offer loyalty points").split()


def main() -> None:
    export, truth, out = sys.argv[1:4]
    low, high = (int(n) for n in (sys.argv[4] if len(sys.argv) > 4 else "20-30").split("-"))
    with open(truth, newline="", encoding="utf-8") as f:
        entity = {row[0]: row[1] for row in csv.reader(f)}
    with open(export, newline="", encoding="utf-8") as src, \
            open(out, "w", newline="", encoding="utf-8") as dst:
        reader = csv.reader(src)
        writer = csv.writer(dst, lineterminator="\n")
        header = next(reader)
        writer.writerow(header + ["Job Title", "Industry", "Website",
                                  "Address Line 2", "Tags", "Description"])
        for n, row in enumerate(reader):
            person = random.Random(entity.get(row[0], row[0]))
            if person.random() < 0.25:
                extra = ["", "", "", "", ""]
            else:
                company = "".join(c for c in row[header.index("Company")].lower()
                                  if c.isalnum()) if "Company" in header else ""
                extra = [
                    person.choice(TITLES),
                    person.choice(INDUSTRIES),
                    f"https://www.{company or 'example'}.com",
                    f"Suite {person.randint(1, 900)}, Floor {person.randint(1, 40)}",
                    ";".join(sorted(person.sample(TAGS, person.randint(1, 3)))),
                ]
            words = random.Random(n)
            description = " ".join(words.choice(WORDS)
                                   for _ in range(words.randint(low, high)))
            writer.writerow(row + extra + [description.capitalize() + "."])


if __name__ == "__main__":
    main()
