#!/usr/bin/env python3
"""Given names with the gender their bearers overwhelmingly have, from the
US Census 1990 first-name lists (public domain; shipped in the PyPI package
`names` as `dist.male.first` and `dist.female.first`, each line
`NAME  percent-of-population  cumulative  rank`).

A name gets a gender only when one list's frequency is at least DOMINANCE
times the other's (a name on one list only counts the other as 0):
`John` (3.271 % of men, 0.012 % of women) is male, `Joan` female, `Jean`
(0.035 / 0.315, 9x) and `Chris` (8x) stay unknown. tidyrec only uses the
table to tell `Paul` from `Paula`: two known names of different genders
are two people, not a typo of one.

Every other name of the lists is written with `u`: a known given name of
either gender. The matcher reads it to tell a typo from a name (`Yni` is
no name, so one letter off `Yui` is a slip; `Ava` and `Ana` are both
names).

Writes:
- src/matching/given_name_genders.tsv: `name<TAB>m|f|u`, lower case,
  sorted, the table the matcher embeds;
- fixtures/given_names/census1990.tsv: `name<TAB>male %<TAB>female %`,
  every name of both lists, the reference the tests check the table against.

Run: python3 -m venv /tmp/v && /tmp/v/bin/pip install names==0.3.0 &&
     /tmp/v/bin/python scripts/given_names.py
"""
import pathlib

import names

ROOT = pathlib.Path(__file__).resolve().parent.parent
DOMINANCE = 10.0


def read(path):
    freq = {}
    for line in path.read_text().splitlines():
        parts = line.split()
        if len(parts) >= 2:
            freq[parts[0].lower()] = float(parts[1])
    return freq


def main():
    package = pathlib.Path(names.__file__).parent
    male = read(package / "dist.male.first")
    female = read(package / "dist.female.first")
    every = sorted(set(male) | set(female))
    table = []
    for name in every:
        m, f = male.get(name, 0.0), female.get(name, 0.0)
        if m >= DOMINANCE * f and m > 0:
            table.append((name, "m"))
        elif f >= DOMINANCE * m and f > 0:
            table.append((name, "f"))
        else:
            table.append((name, "u"))
    (ROOT / "src/matching/given_name_genders.tsv").write_text(
        "".join(f"{n}\t{g}\n" for n, g in table)
    )
    out = ROOT / "fixtures/given_names/census1990.tsv"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        "name\tmale_percent\tfemale_percent\n"
        + "".join(f"{n}\t{male.get(n, 0.0):.3f}\t{female.get(n, 0.0):.3f}\n" for n in every)
    )
    genders = [g for _, g in table]
    print(
        f"{len(every)} names, {genders.count('m')} male, {genders.count('f')} female, "
        f"{genders.count('u')} either"
    )


if __name__ == "__main__":
    main()
