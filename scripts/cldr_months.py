#!/usr/bin/env python3
"""Month names from CLDR (through Python `babel`): wide and abbreviated, in
format (genitive: `grudnia`, `января`) and stand-alone forms, for the locales
CRM exports are written in. Writes src/normalize/month_names.tsv
(`name<TAB>month`, lower case, trailing dots removed), which the date
normalizer embeds. A name that means different months in different locales
is left out (ambiguous, never guessed).

Run: python3 -m venv /tmp/v && /tmp/v/bin/pip install babel &&
     /tmp/v/bin/python scripts/cldr_months.py
"""
import pathlib
import unicodedata

from babel.dates import get_month_names

ROOT = pathlib.Path(__file__).resolve().parent.parent
LOCALES = ["en", "de", "fr", "es", "it", "pt", "nl", "sv", "da", "nb", "fi", "pl", "cs", "sk",
           "hu", "ro", "tr", "ru", "uk", "el", "id", "ms", "vi", "ca", "et", "lv", "lt", "de_AT",
           "pt_PT", "es_MX", "fr_CA", "en_GB", "en_AU"]


def main():
    months = {}
    for locale in LOCALES:
        for width in ("wide", "abbreviated"):
            for context in ("format", "stand-alone"):
                for number, name in get_month_names(width, context, locale).items():
                    key = unicodedata.normalize("NFC", name).lower().strip().rstrip(".")
                    if key and not any(c.isdigit() for c in key):
                        months.setdefault(key, set()).add(number)
    out = ROOT / "src" / "normalize" / "month_names.tsv"
    ambiguous = sorted(k for k, v in months.items() if len(v) > 1)
    with out.open("w", encoding="utf-8") as f:
        for name in sorted(months):
            if len(months[name]) == 1:
                f.write(f"{name}\t{next(iter(months[name]))}\n")
    print(f"{len(months) - len(ambiguous)} names; ambiguous, left out: {ambiguous}")


if __name__ == "__main__":
    main()
