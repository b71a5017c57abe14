//! Values written the way each country's exports write them: dates in the
//! local order and language, phone numbers in every common spelling.

use crate::locales::*;
use crate::rng::Rng;

/// A date as (year, month, day).
pub(crate) type Ymd = (i32, u32, u32);

pub(crate) fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

pub(crate) fn random_date(rng: &mut Rng, from: i32, to: i32) -> Ymd {
    let y = from + rng.below((to - from + 1) as usize) as i32;
    let m = 1 + rng.below(12) as u32;
    let d = 1 + rng.below(days_in_month(y, m) as usize) as u32;
    (y, m, d)
}

pub(crate) fn iso((y, m, d): Ymd) -> String {
    format!("{y:04}-{m:02}-{d:02}")
}

/// Days since 1899-12-30 (Excel serial).
pub(crate) fn excel_serial((y, m, d): Ymd) -> i64 {
    let days_from_civil = |y: i64, m: i64, d: i64| {
        let y = if m <= 2 { y - 1 } else { y };
        let era = if y >= 0 { y } else { y - 399 } / 400;
        let yoe = y - era * 400;
        let mp = (m + 9) % 12;
        let doy = (153 * mp + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    };
    days_from_civil(y as i64, m as i64, d as i64) - days_from_civil(1899, 12, 30)
}

/// Writes a date the way `locale` writes it; returns (raw, truth).
pub(crate) fn render_date(
    rng: &mut Rng,
    locale: &Locale,
    date: Ymd,
    with_time: bool,
) -> (String, String) {
    let (y, m, d) = date;
    let truth = iso(date);
    let roll = rng.below(100);
    if roll < 3 {
        // Placeholders: the truth is an empty cell.
        return (
            rng.pick(&["N/A", "", "-", "null", "unknown"]).to_string(),
            String::new(),
        );
    }
    if with_time && roll < 15 {
        let (h, mi, s) = (rng.below(24), rng.below(60), rng.below(60));
        return match rng.below(3) {
            0 => (
                format!("{truth}T{h:02}:{mi:02}:{s:02}Z"),
                format!("{truth}T{h:02}:{mi:02}:{s:02}Z"),
            ),
            1 => (
                format!("{truth} {h:02}:{mi:02}"),
                format!("{truth}T{h:02}:{mi:02}:00"),
            ),
            _ => (
                format!("{truth}T{h:02}:{mi:02}:{s:02}+08:00"),
                format!("{truth}T{h:02}:{mi:02}:{s:02}+08:00"),
            ),
        };
    }
    let raw = match (locale.code, roll) {
        (_, 3..=8) => truth.clone(),
        (_, 9..=11) => format!("{y:04}{m:02}{d:02}"),
        (_, 12..=14) if y >= 1928 => excel_serial(date).to_string(),
        ("CN", _) | ("JP", _) => match rng.below(4) {
            0 => format!("{y}年{m}月{d}日"),
            1 => format!("{y}/{m}/{d}"),
            2 => format!("{y}/{m:02}/{d:02}"),
            _ => format!("{y}-{m:02}-{d:02}"),
        },
        _ => {
            let numeric_sep = match locale.code {
                "DE" | "NL" => ".",
                "IN" => "-",
                _ => "/",
            };
            let (a, b) = if locale.month_first { (m, d) } else { (d, m) };
            match rng.below(10) {
                0..=3 => format!("{a:02}{numeric_sep}{b:02}{numeric_sep}{y}"),
                4 | 5 => format!("{a}{numeric_sep}{b}{numeric_sep}{y}"),
                6 => format!("{a}{numeric_sep}{b}{numeric_sep}{:02}", y % 100),
                7 | 8 => match locale.months {
                    Some(months) => {
                        let day = if locale.code == "FR" && d == 1 {
                            "1er".to_string()
                        } else {
                            d.to_string()
                        };
                        locale
                            .month_pattern
                            .replace("{d}", &day)
                            .replace("{m}", months[(m - 1) as usize])
                            .replace("{y}", &y.to_string())
                    }
                    None => truth.clone(),
                },
                _ => format!("{d}-{}-{y}", EN_ABBR[(m - 1) as usize]),
            }
        }
    };
    // Two-digit years follow Excel's pivot (00–29 → 20xx); the generator only
    // writes them for years where that is right.
    if raw.len() < 10 && raw.matches(['/', '.', '-']).count() == 2 && !(1930..=2029).contains(&y) {
        return (truth.clone(), truth);
    }
    (raw, truth)
}

pub(crate) fn grouped(digits: &str, rng: &mut Rng, sep: &str) -> String {
    let sizes: &[usize] = match digits.len() {
        0..=7 => &[3, 4],
        8 => &[4, 4],
        9 => &[3, 3, 3],
        10 => &[3, 3, 4],
        _ => &[3, 4, 4],
    };
    let mut out = String::new();
    let mut pos = 0;
    for (i, size) in sizes.iter().enumerate() {
        if pos >= digits.len() {
            break;
        }
        let end = if i == sizes.len() - 1 {
            digits.len()
        } else {
            (pos + size).min(digits.len())
        };
        if i > 0 {
            out.push_str(if rng.chance(90) { sep } else { " " });
        }
        out.push_str(&digits[pos..end]);
        pos = end;
    }
    out
}

pub(crate) fn fullwidth(value: &str) -> String {
    value
        .chars()
        .map(|c| match c {
            '0'..='9' => char::from_u32(c as u32 - '0' as u32 + 0xFF10).unwrap_or(c),
            '+' => '＋',
            _ => c,
        })
        .collect()
}

/// A phone number of `locale` written in one of many ways (raw only: truth is
/// libphonenumber's reading of it).
pub(crate) fn render_phone(rng: &mut Rng, locale: &Locale, mobile: bool) -> String {
    let nsn = phone_nsn(rng, locale, mobile);
    format_phone(rng, locale, &nsn, mobile, false)
}

/// A valid national significant number of `locale` (mobile or fixed line).
pub(crate) fn phone_nsn(rng: &mut Rng, locale: &Locale, mobile: bool) -> String {
    let meta = phonenumber::metadata::DATABASE
        .by_id(locale.code)
        .expect("metadata");
    let descriptors = meta.descriptors();
    let desc = if mobile {
        descriptors.mobile()
    } else {
        descriptors.fixed_line()
    };
    let example = desc.and_then(|d| d.example()).unwrap_or("2015550123");
    // Vary up to 7 subscriber digits, as many as keep the number valid: real
    // numbers are one person's (or one household's), so a file of millions
    // of people must not reuse a few thousand numbers among strangers.
    let region = tidyrec::normalize::phone::region(locale.code);
    for vary in [7usize, 6, 5] {
        let keep = example.len().saturating_sub(vary).max(1);
        for _ in 0..16 {
            let candidate = format!("{}{}", &example[..keep], rng.digits(example.len() - keep));
            let valid = tidyrec::normalize::phone::normalize(
                &candidate,
                region,
                tidyrec::normalize::phone::ExtensionStyle::Drop,
            )
            .is_ok();
            if valid {
                return candidate;
            }
        }
    }
    let keep = example.len().saturating_sub(4);
    format!("{}{}", &example[..keep], rng.digits(example.len() - keep))
}

/// `nsn` written in one of many ways; `international` forces a `+CC` form
/// (for rows whose country is blank, read with the default region).
pub(crate) fn format_phone(
    rng: &mut Rng,
    locale: &Locale,
    nsn: &str,
    mobile: bool,
    international: bool,
) -> String {
    let nsn = nsn.to_string();
    let meta = phonenumber::metadata::DATABASE
        .by_id(locale.code)
        .expect("metadata");
    let cc = meta.country_code();
    let trunk = meta.national_prefix().unwrap_or("");
    let sep = *rng.pick(&[" ", "-", ".", " "]);
    let roll = if international {
        2 + rng.below(28)
    } else {
        rng.below(100)
    };
    let mut raw = match roll {
        0..=1 => {
            return rng
                .pick(&["N/A", "", "-", "none", "call me", "12345"])
                .to_string()
        }
        2..=21 => format!("+{cc} {}", grouped(&nsn, rng, sep)),
        22..=29 => format!("+{cc}{nsn}"),
        30..=33 => format!("00{cc} {}", grouped(&nsn, rng, " ")),
        34..=36 if !trunk.is_empty() && locale.code != "US" && locale.code != "CA" => {
            format!("+{cc} ({trunk}){}", grouped(&nsn, rng, " "))
        }
        37..=39 => format!("tel:+{cc}-{}", grouped(&nsn, rng, "-")),
        40..=44 if locale.code == "US" || locale.code == "CA" => {
            format!("({}) {}-{}", &nsn[..3], &nsn[3..6], &nsn[6..])
        }
        45..=47 if locale.code == "US" => format!("1-{}", grouped(&nsn, rng, "-")),
        _ => {
            let national = if locale.code == "CN" && mobile {
                nsn.clone()
            } else {
                format!("{trunk}{nsn}")
            };
            grouped(&national, rng, sep)
        }
    };
    if rng.chance(2) {
        raw.push_str(&format!(
            " {}{}",
            rng.pick(&["x", "ext. ", "ext "]),
            10 + rng.below(990)
        ));
    }
    if (locale.code == "CN" || locale.code == "JP") && rng.chance(3) {
        raw = fullwidth(&raw);
    }
    if rng.chance(2) {
        raw = format!(" {raw} ");
    }
    raw
}

pub(crate) fn ascii_fold(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'á' | 'à' | 'ã' | 'â' | 'ä' => 'a',
            'é' | 'è' | 'ê' => 'e',
            'í' => 'i',
            'ó' | 'ô' | 'õ' | 'ö' => 'o',
            'ú' | 'ü' => 'u',
            'ç' => 'c',
            'ñ' => 'n',
            c => c,
        })
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_lowercase()
}
