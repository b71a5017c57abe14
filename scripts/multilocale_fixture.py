#!/usr/bin/env python3
"""Writes fixtures/multilocale/{contacts,expected}.csv: a contact export whose
headers and spellings come from outside references, not from tidyrec-gen:

- phones: libphonenumber's example numbers (Python `phonenumbers`) for the
  row's country, written as a person would (national, international, `00`
  prefix, national with the trunk `(0)`, full-width digits, an extension);
  expected: libphonenumber's E.164 of the number as written;
- countries: CLDR names of the row's country in a random locale (`babel`),
  or its alpha-2/alpha-3 code; expected: the alpha-2 code;
- birth dates: CLDR's short/medium/long date formats of the row's locale
  (`babel.dates.format_date`), ISO, or full-width; expected: ISO 8601.

Headers are a mix of CRM spellings tidyrec-gen does not write.

Run: python3 -m venv /tmp/v && /tmp/v/bin/pip install babel phonenumbers==9.0.33 &&
     /tmp/v/bin/python scripts/multilocale_fixture.py
"""
import csv
import datetime
import pathlib
import random
import unicodedata

import phonenumbers
from babel import Locale
from babel.dates import format_date
from phonenumbers import PhoneNumberFormat as F, PhoneNumberType as T

OUT = pathlib.Path(__file__).resolve().parent.parent / "fixtures" / "multilocale"
# Country → the locale its exports are written in.
COUNTRIES = {
    "US": "en_US", "GB": "en_GB", "DE": "de_DE", "FR": "fr_FR", "ES": "es_ES", "IT": "it_IT",
    "PT": "pt_PT", "BR": "pt_BR", "NL": "nl_NL", "CN": "zh_Hans_CN", "TW": "zh_Hant_TW",
    "HK": "zh_Hant_HK", "JP": "ja_JP", "KR": "ko_KR", "RU": "ru_RU", "IN": "en_IN", "MX": "es_MX",
    "CA": "en_CA", "AU": "en_AU", "CH": "de_CH", "AT": "de_AT", "PL": "pl_PL", "SE": "sv_SE",
}
NAME_LOCALES = ["en", "de", "fr", "es", "it", "pt", "nl", "zh_Hans", "zh_Hant", "ja", "ko", "ru"]
FULL_WIDTH = str.maketrans("0123456789+-/() ", "０１２３４５６７８９＋－／（）\u3000")


def phone_variants(rng, region):
    number = phonenumbers.example_number_for_type(region, rng.choice([T.MOBILE, T.FIXED_LINE]))
    # Vary the subscriber digits, keeping the number valid.
    for _ in range(20):
        national = str(number.national_number)
        tail = "".join(rng.choice("0123456789") for _ in range(3))
        candidate = phonenumbers.parse("+%d%s%s" % (number.country_code, national[:-3], tail), None)
        if phonenumbers.is_valid_number(candidate):
            number = candidate
            break
    style = rng.choice(["national", "international", "00", "e164", "fullwidth", "ext"])
    if style == "national":
        text = phonenumbers.format_number(number, F.NATIONAL)
    elif style == "international":
        text = phonenumbers.format_number(number, F.INTERNATIONAL)
    elif style == "00":
        # The row's own international prefix (00 in most of the world, 011
        # in North America), as someone abroad would dial it.
        meta = phonenumbers.PhoneMetadata.metadata_for_region(region)
        idd = next((p for p in [meta.preferred_international_prefix, meta.international_prefix]
                    if p and p.isdigit()), None)
        intl = phonenumbers.format_number(number, F.INTERNATIONAL)
        text = idd + " " + intl[1:] if idd else intl
    elif style == "e164":
        text = phonenumbers.format_number(number, F.E164)
    elif style == "fullwidth":
        text = phonenumbers.format_number(number, F.NATIONAL).translate(FULL_WIDTH)
    else:
        text = phonenumbers.format_number(number, F.INTERNATIONAL) + " ext. " + str(rng.randrange(10, 999))
    parsed = phonenumbers.parse(unicodedata.normalize("NFKC", text), region)
    expected = phonenumbers.format_number(parsed, F.E164) if phonenumbers.is_valid_number(parsed) else text
    if parsed.extension:
        expected += ";ext=" + parsed.extension
    return text, expected


def country_spelling(rng, code):
    choice = rng.random()
    if choice < 0.15:
        return code
    if choice < 0.25:
        return {"US": "USA", "GB": "GBR", "DE": "DEU", "FR": "FRA", "CN": "CHN", "JP": "JPN"}.get(code, code)
    return Locale.parse(rng.choice(NAME_LOCALES)).territories[code]


def date_spelling(rng, date, locale):
    style = rng.choice(["short", "medium", "long", "iso", "fullwidth"])
    if style == "iso":
        return date.isoformat()
    if style == "fullwidth":
        return date.isoformat().translate(FULL_WIDTH)
    return format_date(date, format=style, locale=locale)


def main():
    rng = random.Random(20261128)
    OUT.mkdir(parents=True, exist_ok=True)
    headers = ["Kunden-Nr.", "Vorname", "Nachname", "Land", "Telefonnummer", "Geburtsdatum", "E-Mail-Adresse"]
    rows, expected = [], []
    firsts = ["Anna", "Li", "José", "Chloé", "Taro", "Min-jun", "Ivan", "Priya", "Lucas", "Sofia"]
    lasts = ["Müller", "Wang", "García", "Dubois", "Sato", "Kim", "Ivanov", "Sharma", "Silva", "Rossi"]
    for i in range(2000):
        code = rng.choice(list(COUNTRIES))
        locale = COUNTRIES[code]
        phone, phone_e164 = phone_variants(rng, code)
        birth = datetime.date(1940, 1, 1) + datetime.timedelta(days=rng.randrange(0, 25000))
        first, last = rng.choice(firsts), rng.choice(lasts)
        email = f"{first}.{last}{i}@example.org"
        rows.append([f"K-{100000 + i}", first, last, country_spelling(rng, code), phone,
                     date_spelling(rng, birth, locale), email])
        expected.append([f"K-{100000 + i}", code, phone_e164, birth.isoformat()])
    with (OUT / "contacts.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(headers)
        w.writerows(rows)
    with (OUT / "expected.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "country", "phone", "birth_date"])
        w.writerows(expected)


if __name__ == "__main__":
    main()
