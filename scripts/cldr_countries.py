#!/usr/bin/env python3
"""Country names from CLDR (through Python `babel`), in the locales tidyrec
serves and the ones CRM exports commonly come in.

Writes two files:
- src/normalize/country_names.tsv: `name<TAB>alpha-2`, the table the
  country normalizer embeds (names that mean different countries in
  different locales are left out: ambiguous, never guessed);
- fixtures/cldr/countries.tsv: `locale<TAB>alpha-2<TAB>name`, every name
  CLDR gives, the reference the tests check the normalizer against.

Run: python3 -m venv /tmp/v && /tmp/v/bin/pip install babel &&
     /tmp/v/bin/python scripts/cldr_countries.py
"""
import pathlib
import unicodedata

import babel
from babel import Locale

ROOT = pathlib.Path(__file__).resolve().parent.parent
LOCALES = [
    # the locales the product serves
    "en", "zh_Hans", "zh_Hant", "ja", "de", "fr", "pt", "es", "it", "ko", "ru", "ar", "hi",
    # common in CRM exports
    "nl", "pl", "sv", "da", "nb", "fi", "tr", "el", "cs", "uk", "vi", "th", "id", "ms", "he",
    "hu", "ro", "pt_PT", "en_GB", "zh_Hant_HK", "fr_CA", "es_MX",
]
# CLDR territories that are not countries (regions, groupings, unknowns).
NOT_COUNTRIES = {"EU", "EZ", "UN", "ZZ", "QO", "XA", "XB"}


def is_country(code):
    return len(code) == 2 and code.isalpha() and code.isupper() and code not in NOT_COUNTRIES


def main():
    rows = []
    for name in LOCALES:
        locale = Locale.parse(name)
        for code, text in sorted(locale.territories.items()):
            if is_country(code):
                rows.append((name, code, unicodedata.normalize("NFC", text)))
    reference = ROOT / "fixtures" / "cldr" / "countries.tsv"
    reference.parent.mkdir(parents=True, exist_ok=True)
    with reference.open("w", encoding="utf-8") as f:
        f.write(f"# CLDR territory names via babel {babel.__version__}; scripts/cldr_countries.py\n")
        f.write("locale\tcode\tname\n")
        for row in rows:
            f.write("\t".join(row) + "\n")
    # One code per name: a name two locales give to different countries is
    # ambiguous and left out.
    codes = {}
    for _, code, text in rows:
        codes.setdefault(text, set()).add(code)
    table = ROOT / "src" / "normalize" / "country_names.tsv"
    with table.open("w", encoding="utf-8") as f:
        for text in sorted(codes):
            if len(codes[text]) == 1:
                f.write(f"{text}\t{next(iter(codes[text]))}\n")
    ambiguous = sorted(t for t, c in codes.items() if len(c) > 1)
    print(f"{len(rows)} names, {len(codes) - len(ambiguous)} unambiguous; ambiguous: {ambiguous}")


if __name__ == "__main__":
    main()
