//! Postal codes: trimmed, upper-cased, inner spaces collapsed. With the row's
//! country known: US ZIP codes that lost leading zeros in Excel (`2134` →
//! `02134`, `501` → `00501`) are restored and anything that is not a ZIP or
//! ZIP+4 is rejected; UK and Canadian codes get their standard space
//! (`sw1a1aa` → `SW1A 1AA`, `k1a0b1` → `K1A 0B1`).

use std::borrow::Cow;

pub fn normalize<'a>(raw: &'a str, country: Option<&str>) -> Result<Cow<'a, str>, &'static str> {
    if let Cow::Owned(folded) = super::text::fold_width(raw) {
        return normalize(&folded, country).map(|v| Cow::Owned(v.into_owned()));
    }
    let cleaned = super::text::clean(raw);
    // The Japanese postal mark, and the country prefix Europeans write
    // (`D-71067`) when it is the row's own country's: neither is the code.
    let cleaned = match cleaned.strip_prefix('〒') {
        Some(rest) => Cow::Owned(rest.trim().to_string()),
        None => cleaned,
    };
    let cleaned = match country.and_then(|c| strip_country_prefix(&cleaned, c)) {
        Some(rest) => Cow::Owned(rest.to_string()),
        None => cleaned,
    };
    let upper: Cow<'_, str> = if cleaned.chars().any(char::is_lowercase) {
        Cow::Owned(cleaned.to_uppercase())
    } else {
        cleaned
    };
    let out: Cow<'_, str> = match country {
        Some("US") => Cow::Owned(us_zip(&upper)?),
        Some("GB") | Some("CA") => {
            let compact: String = upper.chars().filter(|c| !c.is_whitespace()).collect();
            // Both countries end in a three-character inward part.
            if compact.len() > 3 && compact.len() <= 7 && compact.is_ascii() {
                let (outward, inward_part) = compact.split_at(compact.len() - 3);
                Cow::Owned(format!("{outward} {inward_part}"))
            } else {
                upper
            }
        }
        _ => upper,
    };
    if out == raw {
        Ok(Cow::Borrowed(raw))
    } else {
        Ok(Cow::Owned(out.into_owned()))
    }
}

/// `D-71067` → `71067` for Germany: the letters of the old European postal
/// prefixes, only for the row's own country (never guessed for another).
fn strip_country_prefix<'v>(value: &'v str, country: &str) -> Option<&'v str> {
    let prefixes: &[&str] = match country {
        "DE" => &["D-", "DE-"],
        "AT" => &["A-", "AT-"],
        "CH" => &["CH-"],
        "FR" => &["F-", "FR-"],
        "IT" => &["I-", "IT-"],
        "BE" => &["B-", "BE-"],
        "LU" => &["L-", "LU-"],
        "NL" => &["NL-"],
        "ES" => &["E-", "ES-"],
        "PT" => &["P-", "PT-"],
        "SE" => &["S-", "SE-"],
        "DK" => &["DK-"],
        "NO" => &["N-", "NO-"],
        "FI" => &["FI-", "SF-"],
        "PL" => &["PL-"],
        "CZ" => &["CZ-"],
        _ => return None,
    };
    let upper = value.to_ascii_uppercase();
    prefixes.iter().find_map(|p| {
        upper
            .starts_with(p)
            .then(|| &value[p.len()..])
            .filter(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
    })
}

fn us_zip(value: &str) -> Result<String, &'static str> {
    let (base, plus4) = match value.split_once('-') {
        Some((b, p)) => (b.trim(), Some(p.trim())),
        None if value.len() == 9 && value.bytes().all(|b| b.is_ascii_digit()) => {
            (&value[..5], Some(&value[5..]))
        }
        None => (value, None),
    };
    let base_ok = (3..=5).contains(&base.len()) && base.bytes().all(|b| b.is_ascii_digit());
    let plus_ok = plus4.is_none_or(|p| p.len() == 4 && p.bytes().all(|b| b.is_ascii_digit()));
    if !base_ok || !plus_ok {
        return Err("not a US ZIP code");
    }
    let mut out = format!("{base:0>5}");
    if let Some(p) = plus4 {
        out.push('-');
        out.push_str(p);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn postal_codes() {
        let cases = [
            ("2134", Some("US"), "02134"),
            ("501", Some("US"), "00501"),
            ("94105", Some("US"), "94105"),
            ("2134-1234", Some("US"), "02134-1234"),
            ("941051234", Some("US"), "94105-1234"),
            ("sw1a1aa", Some("GB"), "SW1A 1AA"),
            ("SW1A 1AA", Some("GB"), "SW1A 1AA"),
            ("ec1a  1bb", Some("GB"), "EC1A 1BB"),
            ("k1a0b1", Some("CA"), "K1A 0B1"),
            (" 10115 ", Some("DE"), "10115"),
            ("2134", Some("DE"), "2134"),
            ("100000", Some("CN"), "100000"),
            ("1000-001", Some("PT"), "1000-001"),
            ("ab12", None, "AB12"),
        ];
        for (raw, country, want) in cases {
            assert_eq!(
                normalize(raw, country).as_deref(),
                Ok(want),
                "{raw} {country:?}"
            );
        }
        assert!(normalize("ABCDE", Some("US")).is_err());
        assert!(normalize("12", Some("US")).is_err());
    }
}
