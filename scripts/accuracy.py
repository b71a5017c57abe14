#!/usr/bin/env python3
"""Accuracy of `tidyrec normalize` on a generated export (see tidyrec-gen).

usage: accuracy.py EXPORT.csv TRUTH.csv NORMALIZED.csv

Phones: agreement with libphonenumber (`pip install phonenumbers==9.0.33`):
the expected value is libphonenumber's E.164 (with `;ext=N`) when it says the
number is valid for the row's region (the row's true country, else US), and
the raw value otherwise (tidyrec keeps what it cannot normalize). Dates,
e-mails and countries: agreement with the generator's truth."""
import csv, sys
import phonenumbers

export_path, truth_path, out_path = sys.argv[1:4]
csv.field_size_limit(10**9)
raw = list(csv.DictReader(open(export_path, encoding="utf-8")))
truth = list(csv.DictReader(open(truth_path, encoding="utf-8")))
out = list(csv.DictReader(open(out_path, encoding="utf-8")))
assert len(raw) == len(truth) == len(out), "row counts differ"

def lib_phone(value, region):
    try:
        n = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(n):
        return None
    e = phonenumbers.format_number(n, phonenumbers.PhoneNumberFormat.E164)
    return e + (";ext=" + n.extension if n.extension else "")

PLACEHOLDERS = {"n/a", "-", "none", "null", "unknown"}
def expected_phone(value, region):
    if value.strip() == "" or value.strip().lower() in PLACEHOLDERS:
        return ""
    got = lib_phone(value, region)
    return got if got is not None else value

results = {}
def tally(name, ok, example):
    total, good, bad = results.get(name, (0, 0, []))
    if not ok and len(bad) < 8:
        bad.append(example)
    results[name] = (total + 1, good + (1 if ok else 0), bad)

for r, t, o in zip(raw, truth, out):
    region = t["country"] or "US"
    for col in ("Mobile", "Phone"):
        want = expected_phone(r[col], region)
        tally(col, o[col] == want, (r[col], region, o[col], want))
    for col, key in (("Date of Birth", "date_of_birth"), ("Created At", "created_at"), ("Last Purchase Date", "last_purchase_date")):
        want = t[key]
        if want == "" and r[col].strip() != "" and r[col].strip().lower() not in PLACEHOLDERS:
            want = r[col]
        tally(col, o[col] == want, (r[col], t["country"], o[col], want))
    want_email = t["email"]
    tally("Email", o["Email"] == want_email, (r["Email"], o["Email"], want_email))
    tally("Country", o["Country"] == t["country"], (r["Country"], o["Country"], t["country"]))

worst = 1.0
for name, (total, good, bad) in results.items():
    share = good / total
    worst = min(worst, share)
    print(f"{name:<20} {good:>9}/{total:<9} {100*share:8.3f}%")
    for example in bad:
        print("      ", example)
print(f"lowest column agreement: {100*worst:.3f}%")
