//! Dates → ISO 8601 (`2024-05-02`), datetimes → `2024-05-02T14:30:00` with
//! the zone kept as written, so the calendar date never shifts.
//!
//! Understood: ISO (`2024-05-02`, with time and zone), `YYYYMMDD`, `YYYY/M/D`,
//! `2024年5月2日`, `A/B/YYYY` `A.B.YYYY` `A-B-YYYY` (and 2-digit years) whose
//! day/month order comes from the caller (the row's country, the column's
//! evidence or a rule) unless a part above 12 proves it, month names in
//! English, German, French, Portuguese, Spanish and Italian (`2 May 2024`,
//! `May 2, 2024`, `2. Mai 2024`, `1er mai 2024`, `2 de maio de 2024`), and Excel
//! serial numbers (5 digits: 1927–2173), Japanese era dates (`令和6年5月2日`,
//! `H2.5.2`). Impossible dates (Feb 30) are
//! rejected, never moved to a neighbouring day.

use chrono::{Datelike, Duration, NaiveDate};

use std::borrow::Cow;
use words::{is_filler, month_number};

mod words;

/// Which number comes first in `A/B/YYYY`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Order {
    #[serde(alias = "dmy")]
    DayFirst,
    #[serde(alias = "mdy")]
    MonthFirst,
}

/// Two-digit years up to this value are 20xx, above it 19xx (Excel's rule).
pub const TWO_DIGIT_PIVOT: u32 = 29;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Time {
    hour: u32,
    minute: u32,
    second: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Parsed<'a> {
    date: NaiveDate,
    time: Option<Time>,
    zone: Option<Cow<'a, str>>,
}

/// Normalizes a date value. `format` is a chrono format for date-only values
/// (`None`: ISO `%Y-%m-%d`).
pub fn normalize<'a>(
    raw: &'a str,
    order: Order,
    format: Option<&str>,
) -> Result<Cow<'a, str>, &'static str> {
    normalize_as(raw, order, format, false)
}

/// Like [`normalize`]; `datetime` keeps a written midnight time (`00:00`)
/// instead of reducing the value to its date, as a datetime column should.
pub fn normalize_as<'a>(
    raw: &'a str,
    order: Order,
    format: Option<&str>,
    datetime: bool,
) -> Result<Cow<'a, str>, &'static str> {
    if let Cow::Owned(folded) = super::text::fold_width(raw) {
        return normalize_as(&folded, order, format, datetime).map(|v| Cow::Owned(v.into_owned()));
    }
    let value = raw.trim();
    if format.is_none() && is_iso_date(value) {
        return Ok(Cow::Borrowed(value));
    }
    let parsed = parse(value, order)?;
    let date = match format {
        Some(f) => parsed.date.format(f).to_string(),
        None => iso(parsed.date),
    };
    Ok(Cow::Owned(match (parsed.time, parsed.zone) {
        (None, _) => date,
        (
            Some(Time {
                hour: 0,
                minute: 0,
                second: 0,
            }),
            None,
        ) if !datetime => date,
        (Some(t), zone) => format!(
            "{}T{:02}:{:02}:{:02}{}",
            iso(parsed.date),
            t.hour,
            t.minute,
            t.second,
            zone.as_deref().unwrap_or("")
        ),
    }))
}

/// What a value proves about day/month order: `A/B/Y` with `A > 12` proves
/// day-first, with `B > 12` month-first; anything else proves nothing.
pub fn evidence(raw: &str) -> Option<Order> {
    // Proof needs three numbers: ASCII text (never changed by width folding)
    // with fewer than three digits cannot hold them. Most cells of a file
    // stop here (this runs on every column that may hold dates).
    if raw.is_ascii() && raw.bytes().filter(u8::is_ascii_digit).nth(2).is_none() {
        return None;
    }
    let folded = super::text::fold_width(raw);
    let value = folded.trim();
    let (date_part, _) = split_time(value);
    let tokens = tokenize(date_part)?;
    let tokens = tokens.as_slice();
    if tokens.contains(&Token::Word) {
        return None;
    }
    match tokens {
        [Token::Num(a, la), Token::Num(b, _), Token::Num(_, ly)]
            if *la <= 2 && (*ly == 4 || *ly == 2) =>
        {
            match (*a > 12 && *b <= 12, *b > 12 && *a <= 12) {
                (true, false) => Some(Order::DayFirst),
                (false, true) => Some(Order::MonthFirst),
                _ => None,
            }
        }
        _ => None,
    }
}

/// `YYYY-MM-DD`, written digit by digit (this runs for every date cell).
fn iso(date: NaiveDate) -> String {
    let (year, month, day) = (date.year().clamp(0, 9999) as u32, date.month(), date.day());
    let digit = |n: u32| char::from(b'0' + (n % 10) as u8);
    let mut out = String::with_capacity(10);
    for n in [year / 1000, year / 100, year / 10, year] {
        out.push(digit(n));
    }
    out.push('-');
    out.push(digit(month / 10));
    out.push(digit(month));
    out.push('-');
    out.push(digit(day / 10));
    out.push(digit(day));
    out
}

/// `YYYY-MM-DD` naming a real day (what tidyrec writes for dates).
pub fn is_iso_date(v: &str) -> bool {
    let b = v.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
        && NaiveDate::from_ymd_opt(num(&v[..4]) as i32, num(&v[5..7]), num(&v[8..])).is_some()
}

fn num(s: &str) -> u32 {
    s.parse::<u32>().unwrap_or(0)
}

fn parse(value: &str, order: Order) -> Result<Parsed<'_>, &'static str> {
    if value.is_empty() {
        return Err("not a date");
    }
    if let Some(parsed) = excel_serial(value) {
        return parsed;
    }
    if value.len() == 8 && value.bytes().all(|b| b.is_ascii_digit()) {
        let date =
            NaiveDate::from_ymd_opt(num(&value[..4]) as i32, num(&value[4..6]), num(&value[6..]))
                .ok_or("impossible date")?;
        return Ok(Parsed {
            date,
            time: None,
            zone: None,
        });
    }
    if let Some(date) = japanese_era(value) {
        return date.map(|date| Parsed {
            date,
            time: None,
            zone: None,
        });
    }
    let (date_part, time_part) = split_time(value);
    let (time, zone) = match time_part {
        Some(t) => {
            let (time, zone) = parse_time(t)?;
            (Some(time), zone)
        }
        None => (None, None),
    };
    let date = parse_date(date_part, order)?;
    Ok(Parsed { date, time, zone })
}

fn excel_serial(value: &str) -> Option<Result<Parsed<'static>, &'static str>> {
    let (whole, fraction) = value.split_once('.').unwrap_or((value, ""));
    if whole.len() != 5
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !fraction.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let days: i64 = whole.parse().ok()?;
    // Excel counts from 1899-12-30 for every serial after its fictitious 1900-02-29.
    let date = NaiveDate::from_ymd_opt(1899, 12, 30)? + Duration::days(days);
    let time = if fraction.is_empty() || fraction.bytes().all(|b| b == b'0') {
        None
    } else {
        let day_fraction: f64 = format!("0.{fraction}").parse().ok()?;
        let seconds = (day_fraction * 86_400.0).round() as u32;
        let seconds = seconds.min(86_399);
        Some(Time {
            hour: seconds / 3600,
            minute: seconds / 60 % 60,
            second: seconds % 60,
        })
    };
    Some(Ok(Parsed {
        date,
        time,
        zone: None,
    }))
}

/// Splits `date time` where the time starts at `H:MM` (after a space or `T`).
fn split_time(value: &str) -> (&str, Option<&str>) {
    let bytes = value.as_bytes();
    let Some(colon) = bytes.iter().position(|&b| b == b':') else {
        return (value, None);
    };
    let mut start = colon;
    while start > 0 && bytes[start - 1].is_ascii_digit() {
        start -= 1;
    }
    if start == 0 || colon - start > 2 || colon == start {
        return (value, None);
    }
    let date = value[..start].trim_end_matches([' ', 'T', ',', '\t']);
    (date, Some(&value[start..]))
}

fn parse_time(text: &str) -> Result<(Time, Option<Cow<'_, str>>), &'static str> {
    let bytes = text.as_bytes();
    let mut parts = [0u32; 3];
    let mut index = 0;
    let mut pos = 0;
    while index < 3 {
        let start = pos;
        while pos < bytes.len() && bytes[pos].is_ascii_digit() {
            pos += 1;
        }
        if pos == start || pos - start > 2 {
            return Err("not a date");
        }
        parts[index] = num(&text[start..pos]);
        index += 1;
        if pos < bytes.len() && bytes[pos] == b':' && index < 3 {
            pos += 1;
        } else {
            break;
        }
    }
    // Fractions of a second are dropped from the output.
    if pos < bytes.len() && (bytes[pos] == b'.' || bytes[pos] == b',') && index == 3 {
        pos += 1;
        while pos < bytes.len() && bytes[pos].is_ascii_digit() {
            pos += 1;
        }
    }
    let rest = text[pos..].trim();
    let (mut hour, minute, second) = (parts[0], parts[1], parts[2]);
    let lower = rest.to_ascii_lowercase();
    let (meridiem, zone_text) = if let Some(r) = lower
        .strip_prefix("am")
        .or_else(|| lower.strip_prefix("a.m."))
    {
        (Some(false), &rest[rest.len() - r.len()..])
    } else if let Some(r) = lower
        .strip_prefix("pm")
        .or_else(|| lower.strip_prefix("p.m."))
    {
        (Some(true), &rest[rest.len() - r.len()..])
    } else {
        (None, rest)
    };
    if let Some(pm) = meridiem {
        if hour == 0 || hour > 12 {
            return Err("impossible time");
        }
        hour = match (pm, hour) {
            (false, 12) => 0,
            (true, 12) => 12,
            (true, h) => h + 12,
            (false, h) => h,
        };
    }
    if hour > 23 || minute > 59 || second > 60 {
        return Err("impossible time");
    }
    let zone = parse_zone(zone_text.trim())?;
    Ok((
        Time {
            hour,
            minute,
            second,
        },
        zone,
    ))
}

fn parse_zone(zone: &str) -> Result<Option<Cow<'_, str>>, &'static str> {
    if zone.is_empty() {
        return Ok(None);
    }
    if zone.eq_ignore_ascii_case("z")
        || zone.eq_ignore_ascii_case("utc")
        || zone.eq_ignore_ascii_case("gmt")
    {
        return Ok(Some(Cow::Borrowed("Z")));
    }
    let bytes = zone.as_bytes();
    if matches!(bytes[0], b'+' | b'-') {
        let digits: String = zone[1..].chars().filter(|c| *c != ':').collect();
        if digits.bytes().all(|b| b.is_ascii_digit()) && (digits.len() == 4 || digits.len() == 2) {
            let (h, m) = (
                num(&digits[..2]),
                if digits.len() == 4 {
                    num(&digits[2..])
                } else {
                    0
                },
            );
            if h <= 14 && m < 60 {
                return Ok(Some(Cow::Owned(format!("{}{h:02}:{m:02}", &zone[..1]))));
            }
        }
    }
    Err("not a date")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    /// Value and number of digits.
    Num(u32, usize),
    /// A month, resolved from its name.
    Month(u32),
    /// A word that is neither a month nor ignorable.
    Word,
}

/// At most this many tokens in a date (more is not a date).
const MAX_TOKENS: usize = 6;

/// A date's tokens, on the stack: tokenizing is on the hot path.
struct Tokens {
    items: [Token; MAX_TOKENS],
    len: usize,
}

impl Tokens {
    fn as_slice(&self) -> &[Token] {
        &self.items[..self.len]
    }
}

fn is_date_separator(c: char) -> bool {
    matches!(
        c,
        ' ' | '/'
            | '-'
            | '.'
            | ','
            | '年'
            | '月'
            | '日'
            | '号'
            | '년'
            | '월'
            | '일'
            | '\u{a0}'
            | '\u{202f}'
            | '\t'
            | 'º'
            | '°'
    )
}

fn tokenize(text: &str) -> Option<Tokens> {
    let mut tokens = Tokens {
        items: [Token::Word; MAX_TOKENS],
        len: 0,
    };
    let mut push = |token: Token| -> Option<()> {
        if tokens.len == MAX_TOKENS {
            return None;
        }
        tokens.items[tokens.len] = token;
        tokens.len += 1;
        Some(())
    };
    let bytes = text.as_bytes();
    let mut pos = 0;
    while pos < bytes.len() {
        let b = bytes[pos];
        if b.is_ascii_digit() {
            let start = pos;
            let mut value: u32 = 0;
            while pos < bytes.len() && bytes[pos].is_ascii_digit() {
                value = value
                    .saturating_mul(10)
                    .saturating_add((bytes[pos] - b'0') as u32);
                pos += 1;
            }
            if pos - start > 4 {
                return None;
            }
            push(Token::Num(value, pos - start))?;
            continue;
        }
        let c = text[pos..].chars().next()?;
        if is_date_separator(c) {
            pos += c.len_utf8();
        } else if c.is_alphabetic() {
            let start = pos;
            while let Some(d) = text[pos..].chars().next() {
                if !d.is_alphabetic() || is_date_separator(d) {
                    break;
                }
                pos += d.len_utf8();
            }
            let word = &text[start..pos];
            if let Some(month) = month_number(word) {
                push(Token::Month(month))?;
            } else if !is_filler(word) {
                push(Token::Word)?;
            }
        } else {
            return None;
        }
    }
    Some(tokens)
}

/// CLDR's Korean short date, `yy. M. d.` (`77. 5. 19.`): year first, each
/// number followed by a dot, the last one too. Recognised by that exact
/// shape only, because read as `d.M.yy` it would be a wrong, valid date.
fn korean_short(text: &str) -> Option<Result<NaiveDate, &'static str>> {
    let parts: Vec<&str> = text.trim().strip_suffix('.')?.split(". ").collect();
    let [y, m, d] = parts.as_slice() else {
        return None;
    };
    let number = |p: &str, max_len: usize| {
        (!p.is_empty() && p.len() <= max_len && p.bytes().all(|b| b.is_ascii_digit()))
            .then(|| p.parse::<u32>().ok())
            .flatten()
    };
    let (year, month, day) = (number(y, 2)?, number(m, 2)?, number(d, 2)?);
    let year = full_year(year, 2) as i32;
    Some(NaiveDate::from_ymd_opt(year, month, day).ok_or("impossible date"))
}

/// Lower-cases a short word into `buffer` without allocating (ASCII), or into
/// an owned string (other scripts).
fn lower_word<'a>(word: &'a str, buffer: &'a mut [u8; 24]) -> std::borrow::Cow<'a, str> {
    if word.is_ascii() && word.len() <= buffer.len() {
        let out = &mut buffer[..word.len()];
        out.copy_from_slice(word.as_bytes());
        out.make_ascii_lowercase();
        std::borrow::Cow::Borrowed(std::str::from_utf8(out).unwrap_or(word))
    } else {
        std::borrow::Cow::Owned(word.to_lowercase())
    }
}

fn parse_date(text: &str, order: Order) -> Result<NaiveDate, &'static str> {
    if let Some(date) = korean_short(text) {
        return date;
    }
    let tokens = tokenize(text).ok_or("not a date")?;
    let tokens = tokens.as_slice();
    if tokens.contains(&Token::Word) {
        return Err("not a date");
    }
    let (year, month, day) = match tokens {
        [Token::Num(y, 4), Token::Num(m, _), Token::Num(d, _)] => (*y, *m, *d),
        [Token::Num(a, la), Token::Num(b, lb), Token::Num(y, ly)]
            if *la <= 2 && *lb <= 2 && (*ly == 4 || *ly == 2) =>
        {
            let year = full_year(*y, *ly);
            let (month, day) = match (*a > 12, *b > 12, order) {
                (true, false, _) => (*b, *a),
                (false, true, _) => (*a, *b),
                (_, _, Order::DayFirst) => (*b, *a),
                (_, _, Order::MonthFirst) => (*a, *b),
            };
            (year, month, day)
        }
        // 2 May 2024, 2. Mai 2024, 1er mai 2024, 2 de maio de 2024, 02-May-24
        [Token::Num(d, ld), Token::Month(m), Token::Num(y, ly)]
            if *ld <= 2 && (*ly == 4 || *ly == 2) =>
        {
            (full_year(*y, *ly), *m, *d)
        }
        // May 2, 2024
        [Token::Month(m), Token::Num(d, ld), Token::Num(y, ly)]
            if *ld <= 2 && (*ly == 4 || *ly == 2) =>
        {
            (full_year(*y, *ly), *m, *d)
        }
        // 2024 May 2, 2024-May-02
        [Token::Num(y, 4), Token::Month(m), Token::Num(d, ld)] if *ld <= 2 => (*y, *m, *d),
        _ => return Err("not a date"),
    };
    NaiveDate::from_ymd_opt(year as i32, month, day)
        .filter(|d| d.year() >= 1000)
        .ok_or("impossible date")
}

/// Japanese era dates: `令和6年5月2日`, `平成元年1月8日`, `R6.5.2`, `H2/5/2`.
fn japanese_era(value: &str) -> Option<Result<NaiveDate, &'static str>> {
    // Every era starts with its name or letter: a value that starts with a
    // digit (nearly every date) is none, without trying the eight prefixes.
    if value.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    const ERAS: [(&str, char, i32, NaiveDate); 4] = [
        ("令和", 'R', 2018, date_const(2019, 5, 1)),
        ("平成", 'H', 1988, date_const(1989, 1, 8)),
        ("昭和", 'S', 1925, date_const(1926, 12, 25)),
        ("大正", 'T', 1911, date_const(1912, 7, 30)),
    ];
    let (offset, first_day, rest) = ERAS.iter().find_map(|(name, letter, offset, first_day)| {
        if let Some(rest) = value.strip_prefix(name) {
            return Some((*offset, *first_day, rest.trim_start()));
        }
        let rest = value
            .strip_prefix(*letter)
            .or_else(|| value.strip_prefix(letter.to_ascii_lowercase()))?;
        rest.starts_with(|c: char| c.is_ascii_digit())
            .then_some((*offset, *first_day, rest))
    })?;
    let rest = rest.replacen("元", "1", 1);
    let tokens = tokenize(&rest)?;
    let [Token::Num(year, ly), Token::Num(month, _), Token::Num(day, _)] = tokens.as_slice() else {
        return Some(Err("not a date"));
    };
    if *ly > 2 {
        return Some(Err("not a date"));
    }
    let date = NaiveDate::from_ymd_opt(offset + *year as i32, *month, *day);
    Some(date.filter(|d| *d >= first_day).ok_or("impossible date"))
}

const fn date_const(year: i32, month: u32, day: u32) -> NaiveDate {
    match NaiveDate::from_ymd_opt(year, month, day) {
        Some(date) => date,
        None => NaiveDate::MIN,
    }
}

fn full_year(year: u32, digits: usize) -> u32 {
    match digits {
        2 if year <= TWO_DIGIT_PIVOT => 2000 + year,
        2 => 1900 + year,
        _ => year,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Order::{DayFirst, MonthFirst};

    fn n(raw: &str, order: Order) -> Result<String, &'static str> {
        normalize(raw, order, None).map(Cow::into_owned)
    }

    /// CLDR month names and date formats beyond the hand-written ones.
    #[test]
    fn cldr_month_names_and_korean_forms() {
        for (raw, want) in [
            ("15 апреля 1972\u{202f}г.", "1972-04-15"),
            ("29 окт. 1958 г.", "1958-10-29"),
            ("24 grudnia 1951", "1951-12-24"),
            ("14 gru 1997", "1997-12-14"),
            ("19 januari 1992", "1992-01-19"),
            ("1940년 1월 31일", "1940-01-31"),
            ("77. 5. 19.", "1977-05-19"),
            ("01. 4. 28.", "2001-04-28"),
            ("3. huhtikuuta 1980", "1980-04-03"),
            ("12 Σεπτεμβρίου 1975", "1975-09-12"),
        ] {
            assert_eq!(n(raw, DayFirst).as_deref(), Ok(want), "{raw}");
        }
    }

    #[test]
    fn many_spellings_of_one_date() {
        let cases = [
            "2024-05-02",
            "20240502",
            "2024/5/2",
            "2024/05/02",
            "2024.05.02",
            "2024年5月2日",
            "2024年05月02日",
            "2 May 2024",
            "02 May 2024",
            "May 2, 2024",
            "May 2 2024",
            "2-May-2024",
            "02-May-24",
            "2nd May 2024",
            "Thursday, May 2, 2024",
            "2. Mai 2024",
            "2 mai 2024",
            "jeudi 2 mai 2024",
            "2 de maio de 2024",
            "2 de mayo de 2024",
            "2 maggio 2024",
            "2 Sept 2023",
            "45414",
            " 2024-05-02 ",
        ];
        for raw in cases {
            let want = if raw == "2 Sept 2023" {
                "2023-09-02"
            } else {
                "2024-05-02"
            };
            assert_eq!(n(raw, DayFirst).as_deref(), Ok(want), "{raw}");
        }
        assert_eq!(n("1er mai 2024", DayFirst).as_deref(), Ok("2024-05-01"));
    }

    #[test]
    fn numeric_order_follows_context_unless_proven() {
        assert_eq!(n("05/02/2024", MonthFirst).as_deref(), Ok("2024-05-02"));
        assert_eq!(n("05/02/2024", DayFirst).as_deref(), Ok("2024-02-05"));
        assert_eq!(n("02.05.2024", DayFirst).as_deref(), Ok("2024-05-02"));
        assert_eq!(n("02-05-2024", DayFirst).as_deref(), Ok("2024-05-02"));
        assert_eq!(n("25/12/2023", MonthFirst).as_deref(), Ok("2023-12-25"));
        assert_eq!(n("12/25/2023", DayFirst).as_deref(), Ok("2023-12-25"));
        assert_eq!(n("5/2/24", MonthFirst).as_deref(), Ok("2024-05-02"));
        assert_eq!(n("5/2/85", MonthFirst).as_deref(), Ok("1985-05-02"));
        assert_eq!(n("31.12.29", DayFirst).as_deref(), Ok("2029-12-31"));
        assert_eq!(n("31.12.30", DayFirst).as_deref(), Ok("1930-12-31"));
    }

    #[test]
    fn evidence_of_order() {
        assert_eq!(evidence("25/12/2023"), Some(DayFirst));
        assert_eq!(evidence("12/25/2023"), Some(MonthFirst));
        assert_eq!(evidence("05/02/2024"), None);
        assert_eq!(evidence("2024-12-25"), None);
        assert_eq!(evidence("25 May 2023"), None);
    }

    #[test]
    fn datetimes_keep_their_date_and_zone() {
        assert_eq!(
            n("2024-05-02T14:30:00Z", DayFirst).as_deref(),
            Ok("2024-05-02T14:30:00Z")
        );
        assert_eq!(
            n("2024-05-02T23:30:00-07:00", DayFirst).as_deref(),
            Ok("2024-05-02T23:30:00-07:00")
        );
        assert_eq!(
            n("2024-05-02 14:30", DayFirst).as_deref(),
            Ok("2024-05-02T14:30:00")
        );
        assert_eq!(
            n("2024-05-02 14:30:15.123+0200", DayFirst).as_deref(),
            Ok("2024-05-02T14:30:15+02:00")
        );
        assert_eq!(
            n("05/02/2024 2:30 PM", MonthFirst).as_deref(),
            Ok("2024-05-02T14:30:00")
        );
        assert_eq!(
            n("05/02/2024 12:05 am", MonthFirst).as_deref(),
            Ok("2024-05-02T00:05:00")
        );
        assert_eq!(
            n("1990-05-02 00:00:00", DayFirst).as_deref(),
            Ok("1990-05-02")
        );
        assert_eq!(n("45414.5", DayFirst).as_deref(), Ok("2024-05-02T12:00:00"));
        assert_eq!(
            n("2024年5月2日 14:30", DayFirst).as_deref(),
            Ok("2024-05-02T14:30:00")
        );
    }

    #[test]
    fn impossible_and_non_dates_are_rejected() {
        for raw in [
            "2024-02-30",
            "30/02/2024",
            "31.04.2024",
            "20240230",
            "2023-02-29",
            "13/13/2024",
        ] {
            assert_eq!(n(raw, DayFirst), Err("impossible date"), "{raw}");
        }
        for raw in [
            "",
            "soon",
            "May 2024",
            "1990",
            "12/2024",
            "2024-05-02 25:00",
            "hello 2 May 2024",
            "123456",
        ] {
            assert!(n(raw, DayFirst).is_err(), "{raw}");
        }
        assert_eq!(n("2024-02-29", DayFirst).as_deref(), Ok("2024-02-29"));
    }

    #[test]
    fn midnight_is_kept_in_datetime_columns() {
        let as_datetime = |raw| normalize_as(raw, DayFirst, None, true).map(Cow::into_owned);
        assert_eq!(
            as_datetime("2024-05-02 00:00").as_deref(),
            Ok("2024-05-02T00:00:00")
        );
        assert_eq!(as_datetime("2024-05-02").as_deref(), Ok("2024-05-02"));
        assert_eq!(n("2024-05-02 00:00", DayFirst).as_deref(), Ok("2024-05-02"));
    }

    #[test]
    fn japanese_era_dates() {
        assert_eq!(n("令和6年5月2日", DayFirst).as_deref(), Ok("2024-05-02"));
        assert_eq!(n("平成元年1月8日", DayFirst).as_deref(), Ok("1989-01-08"));
        assert_eq!(n("昭和60年12月1日", DayFirst).as_deref(), Ok("1985-12-01"));
        assert_eq!(n("R6.5.2", DayFirst).as_deref(), Ok("2024-05-02"));
        assert_eq!(n("H2/5/2", DayFirst).as_deref(), Ok("1990-05-02"));
        assert_eq!(n("平成元年1月7日", DayFirst), Err("impossible date"));
        assert!(n("Reiwa", DayFirst).is_err());
    }

    #[test]
    fn custom_output_format() {
        assert_eq!(
            normalize("2 May 2024", DayFirst, Some("%d.%m.%Y")).unwrap(),
            "02.05.2024"
        );
    }
}
