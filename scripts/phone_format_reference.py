#!/usr/bin/env python3
"""Regenerates fixtures/phones_formats.tsv: libphonenumber's own output
formats (Python port `phonenumbers==9.0.33`, the metadata version of the Rust
`phonenumber` crate tidyrec uses) for the example numbers libphonenumber
ships for every region and number type, plus a few with extensions.

Columns: e164, extension, international, national, rfc3966. tidyrec's
`phone-format` tests format each E.164 number and compare.

Run: python3 -m venv /tmp/v && /tmp/v/bin/pip install phonenumbers==9.0.33 &&
     /tmp/v/bin/python scripts/phone_format_reference.py
"""
import pathlib

import phonenumbers
from phonenumbers import PhoneNumberFormat as F, PhoneNumberType as T

OUT = pathlib.Path(__file__).resolve().parent.parent / "fixtures" / "phones_formats.tsv"
TYPES = [T.MOBILE, T.FIXED_LINE, T.TOLL_FREE, T.PREMIUM_RATE, T.VOIP, T.UAN]


def main():
    seen = set()
    rows = []
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in TYPES:
            number = phonenumbers.example_number_for_type(region, kind)
            if number is None or not phonenumbers.is_valid_number(number):
                continue
            e164 = phonenumbers.format_number(number, F.E164)
            if e164 in seen:
                continue
            seen.add(e164)
            rows.append(number)
    for raw, region in [("+1 650 253 0000 ext. 45", None), ("+44 20 7946 0958 x12", None),
                        ("+49 30 1234567 ext 9", None)]:
        rows.append(phonenumbers.parse(raw, region))
    with OUT.open("w", encoding="utf-8") as f:
        f.write("e164\textension\tinternational\tnational\trfc3966\n")
        for number in rows:
            f.write("\t".join([
                phonenumbers.format_number(number, F.E164),
                number.extension or "",
                phonenumbers.format_number(number, F.INTERNATIONAL),
                phonenumbers.format_number(number, F.NATIONAL),
                phonenumbers.format_number(number, F.RFC3966),
            ]) + "\n")
    print(f"{len(rows)} numbers")


if __name__ == "__main__":
    main()
