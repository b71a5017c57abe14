#!/usr/bin/env python3
"""Writes fixtures/ids/crm_ids.csv: contacts whose id columns have the shapes
real CRMs export, under the headers they use, so tests can check that no id
is ever rewritten (as a phone, a date, a number).

Shapes (from each vendor's documentation of its record ids):
- Salesforce: 15-character case-sensitive ids (`003` = Contact, `00Q` =
  Lead) and their 18-character case-insensitive form, whose 3 extra
  characters are the checksum computed below.
- HubSpot: numeric object ids (`hs_object_id`).
- Microsoft Dynamics 365: GUIDs (`contactid`), sometimes in braces.
- Zoho CRM: 19-digit numeric record ids.
- Fxiaoke: 24-hex object ids (`_id`).
- Home-grown: `C-2125550147`, `SF-4155550132` (phone-like digits behind a
  prefix), zero-padded member numbers, `KH2024000123`.

Run: python3 scripts/crm_id_shapes.py
"""
import pathlib
import random
import uuid

OUT = pathlib.Path(__file__).resolve().parent.parent / "fixtures" / "ids" / "crm_ids.csv"
ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def salesforce_18(id15):
    suffix = ""
    for chunk in range(3):
        bits = 0
        for i, c in enumerate(id15[chunk * 5:chunk * 5 + 5]):
            if "A" <= c <= "Z":
                bits |= 1 << i
        suffix += "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"[bits]
    return id15 + suffix


def main():
    rng = random.Random(12)
    names = [("Anna", "Schmidt", "DE", "030 1234567"), ("Li", "Wei", "CN", "138 1234 5678"),
             ("John", "Smith", "US", "(415) 555-0132"), ("Marie", "Dubois", "FR", "01 42 68 53 00"),
             ("Taro", "Yamada", "JP", "03-1234-5678"), ("Emma", "Brown", "GB", "020 7946 0958")]
    header = ["Id", "Salesforce Contact Id", "hs_object_id", "contactid", "Record Id", "_id",
              "Customer ID", "Legacy Key", "Member No", "客户编号", "Account Number",
              "First Name", "Last Name", "Country", "Phone", "Email"]
    rows = []
    for i in range(60):
        first, last, country, phone = names[i % len(names)]
        id15 = "003" + "5g" + "".join(rng.choice(ALNUM) for _ in range(10))
        guid = str(uuid.UUID(int=rng.getrandbits(128)))
        rows.append([
            salesforce_18(id15),
            id15 if i % 2 else "00Q" + id15[3:],
            str(rng.randrange(1, 10**11)),
            "{" + guid + "}" if i % 3 == 0 else guid,
            str(5725767000000000000 + rng.randrange(10**9)),
            "%024x" % rng.getrandbits(96),
            "C-%d" % (2125550000 + i * 37),
            "SF-%d" % (4155550100 + i),
            "%06d" % (i + 1),
            "KH2024%06d" % (i + 1),
            "%010d" % rng.randrange(10**10),
            first, last, country, phone,
            f"{first}.{last}{i}@example.com".lower(),
        ])
    with OUT.open("w", encoding="utf-8", newline="") as f:
        f.write(",".join(header) + "\n")
        for row in rows:
            f.write(",".join(row) + "\n")


if __name__ == "__main__":
    main()
