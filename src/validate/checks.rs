//! Evaluation of each check type: one pass over the columns it reads.

use super::{Bound, Check, Failure, Format, Input, Kind, Measure, Op};
use crate::normalize::money;
use crate::schema::Role;
use crate::table::Column;
use chrono::NaiveDate;
use rustc_hash::FxHashMap;
use std::borrow::Cow;

/// `(evaluated, failing, detail, failures)`.
type Evaluation = (usize, usize, Option<String>, Vec<Failure>);

pub(super) fn evaluate(check: &Check, input: &Input<'_>) -> Evaluation {
    let column = |name: &str| {
        input
            .raw
            .column_index(name)
            .expect("the command checks that every column exists")
    };
    let rows = input.raw.row_count();
    match &check.kind {
        Kind::Required { columns, any } => {
            let indexes: Vec<usize> = columns.iter().map(|c| column(c)).collect();
            required(input, &indexes, *any)
        }
        Kind::Unique { columns } => {
            let indexes: Vec<usize> = columns.iter().map(|c| column(c)).collect();
            unique(input, &indexes)
        }
        Kind::Format {
            column: name,
            format,
            strict,
        } => format_check(input, column(name), format, *strict),
        Kind::AllowedValues {
            column: name,
            values,
            ignore_case,
        } => allowed(input, column(name), values, *ignore_case),
        Kind::Range {
            column: name,
            min,
            max,
            measure,
        } => range(input, column(name), *min, *max, *measure),
        Kind::CrossField { left, op, right } => {
            cross_field(input, column(left), *op, column(right))
        }
        Kind::RowCount { min, max } => {
            let n = rows as u64;
            let detail = match (min, max) {
                (Some(low), _) if n < *low => Some(format!("{rows} rows, fewer than {low}")),
                (_, Some(high)) if n > *high => Some(format!("{rows} rows, more than {high}")),
                _ => None,
            };
            let failing = usize::from(detail.is_some());
            let detail = detail.or_else(|| Some(format!("{rows} rows")));
            (rows, failing, detail, Vec::new())
        }
        Kind::DuplicateRate { .. } => duplicates(input),
        Kind::Freshness {
            column: name,
            max_age_days,
            as_of,
        } => freshness(input, column(name), *max_age_days, *as_of),
    }
}

fn is_rejected(input: &Input<'_>, column: usize, row: usize) -> bool {
    input.rejected[column].binary_search(&(row as u32)).is_ok()
}

fn fail(row: usize, column: usize, reason: impl Into<Cow<'static, str>>) -> Failure {
    Failure {
        row: row as u32,
        column: Some(column),
        reason: reason.into(),
    }
}

fn required(input: &Input<'_>, columns: &[usize], any: bool) -> Evaluation {
    let rows = input.raw.row_count();
    let values = &input.normalized.columns;
    let mut failures = Vec::new();
    for row in 0..rows {
        let empty = |&c: &usize| values[c].get(row).is_empty();
        if any {
            if columns.iter().all(empty) {
                failures.push(fail(row, columns[0], "no value in any of the columns"));
            }
        } else {
            for &c in columns.iter().filter(|c| empty(c)) {
                failures.push(fail(row, c, "empty"));
            }
        }
    }
    // Rows, not cells: a row missing two required columns fails once.
    let mut failing_rows: Vec<u32> = failures.iter().map(|f| f.row).collect();
    failing_rows.dedup();
    (rows, failing_rows.len(), None, failures)
}

fn unique(input: &Input<'_>, columns: &[usize]) -> Evaluation {
    let values = &input.normalized.columns;
    let rows = input.raw.row_count();
    let mut first_of: FxHashMap<Cow<'_, str>, u32> = FxHashMap::default();
    let mut first_rows: Vec<Option<u32>> = vec![None; rows];
    let mut evaluated = 0;
    for (row, first) in first_rows.iter_mut().enumerate() {
        let key: Cow<'_, str> = if let [c] = columns {
            Cow::Borrowed(values[*c].get(row))
        } else {
            // Unit separator: cannot occur in a CSV value by accident.
            Cow::Owned(
                columns
                    .iter()
                    .map(|&c| values[c].get(row))
                    .collect::<Vec<_>>()
                    .join("\u{1f}"),
            )
        };
        if key.chars().all(|ch| ch == '\u{1f}') {
            continue; // every key column empty: `required` judges that
        }
        evaluated += 1;
        *first = Some(*first_of.entry(key).or_insert(row as u32));
    }
    // Count each key once; every row of a repeated key fails.
    let mut count: FxHashMap<u32, u32> = FxHashMap::default();
    for first in first_rows.iter().flatten() {
        *count.entry(*first).or_default() += 1;
    }
    let mut failures = Vec::new();
    for (row, first) in first_rows.iter().enumerate() {
        let Some(first) = *first else { continue };
        let n = count[&first];
        if n > 1 {
            let reason = if first as usize == row {
                format!("value repeated in {} more row(s)", n - 1)
            } else {
                format!("same value as row {}", first + 1)
            };
            failures.push(fail(row, columns[0], reason));
        }
    }
    (evaluated, failures.len(), None, failures)
}

/// Judges every filled value of column `c`: `judge(row, raw, normalized)`
/// gives the reason a value fails, if it does. Empty values are left to
/// `required` and not evaluated.
fn each_filled<'a>(
    input: &Input<'a>,
    c: usize,
    mut judge: impl FnMut(usize, &'a str, &'a str) -> Option<&'static str>,
) -> Evaluation {
    let raw: &'a Column = &input.raw.columns[c];
    let normalized: &'a Column = &input.normalized.columns[c];
    let mut evaluated = 0;
    let mut failures = Vec::new();
    for row in 0..raw.len() {
        let value = normalized.get(row);
        if value.is_empty() {
            continue;
        }
        evaluated += 1;
        if let Some(reason) = judge(row, raw.get(row), value) {
            failures.push(fail(row, c, reason));
        }
    }
    (evaluated, failures.len(), None, failures)
}

fn format_check(input: &Input<'_>, c: usize, format: &Format, strict: bool) -> Evaluation {
    each_filled(input, c, |row, original, value| match format {
        Format::Email | Format::Phone | Format::Date => {
            if is_rejected(input, c, row) {
                Some(match format {
                    Format::Email => "not a valid e-mail address",
                    Format::Phone => "not a valid phone number",
                    _ => "not a valid date",
                })
            } else if strict && value != original {
                Some("valid, but not written in normalized form")
            } else {
                None
            }
        }
        Format::Url => (!is_url(original.trim())).then_some("not a web address"),
        Format::Regex(pattern) => {
            (!pattern.is_match(original.trim())).then_some("does not match the pattern")
        }
    })
}

/// `https://example.com/x`, `http://…`, or `www.example.com`: a host with a
/// dot and no spaces.
fn is_url(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    let rest = if let Some(rest) = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
    {
        rest
    } else if lower.starts_with("www.") {
        &lower
    } else {
        return false;
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = host.rsplit('@').next().unwrap_or(host);
    let host = host.split(':').next().unwrap_or(host);
    !value.contains(char::is_whitespace)
        && (host == "localhost"
            || (host.contains('.')
                && !host.starts_with('.')
                && !host.ends_with('.')
                && !host.contains("..")
                && host
                    .chars()
                    .all(|ch| ch.is_alphanumeric() || ch == '.' || ch == '-')))
}

fn allowed<'a>(input: &Input<'a>, c: usize, values: &[String], ignore_case: bool) -> Evaluation {
    let fold = |s: &str| -> String {
        if ignore_case {
            s.to_lowercase()
        } else {
            s.to_string()
        }
    };
    let allowed: rustc_hash::FxHashSet<String> = values.iter().map(|v| fold(v.trim())).collect();
    // Distinct values are few: judge each once.
    let mut verdicts: FxHashMap<(&str, &str), bool> = FxHashMap::default();
    each_filled(input, c, |_, original, value| {
        // As written or as normalized (`USA` and `US` both match "US").
        let ok = *verdicts.entry((original, value)).or_insert_with(|| {
            allowed.contains(&fold(value)) || allowed.contains(&fold(original.trim()))
        });
        (!ok).then_some("not one of the allowed values")
    })
}

/// A date from a normalized date or datetime value (`2024-05-02…`).
fn iso_date(value: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(value.get(..10)?, "%Y-%m-%d").ok()
}

/// A number from a normalized value (plain, or an amount such as `$1,234.50`).
fn number(value: &str) -> Option<f64> {
    let trimmed = value.trim();
    trimmed.parse::<f64>().ok().or_else(|| {
        money::normalize(trimmed)
            .ok()
            .and_then(|v| v.parse::<f64>().ok())
    })
}

fn range(
    input: &Input<'_>,
    c: usize,
    min: Option<Bound>,
    max: Option<Bound>,
    measure: Measure,
) -> Evaluation {
    let dates = matches!(min.or(max), Some(Bound::Date(_)));
    each_filled(input, c, |_, _, value| {
        if measure == Measure::Length {
            let length = value.chars().count() as f64;
            match (min, max) {
                (Some(Bound::Number(low)), _) if length < low => Some("too short"),
                (_, Some(Bound::Number(high))) if length > high => Some("too long"),
                _ => None,
            }
        } else if dates {
            match iso_date(value) {
                None => Some("not a date"),
                Some(date) => match (min, max) {
                    (Some(Bound::Date(low)), _) if date < low => Some("before the minimum"),
                    (_, Some(Bound::Date(high))) if date > high => Some("after the maximum"),
                    _ => None,
                },
            }
        } else {
            match number(value) {
                None => Some("not a number"),
                Some(x) => match (min, max) {
                    (Some(Bound::Number(low)), _) if x < low => Some("below the minimum"),
                    (_, Some(Bound::Number(high))) if x > high => Some("above the maximum"),
                    _ => None,
                },
            }
        }
    })
}

fn cross_field(input: &Input<'_>, left: usize, op: Op, right: usize) -> Evaluation {
    let is_date = |c: usize| matches!(input.roles[c], Role::Date | Role::Datetime);
    let dates = is_date(left) && is_date(right);
    let (a, b) = (
        &input.normalized.columns[left],
        &input.normalized.columns[right],
    );
    let mut evaluated = 0;
    let mut failures = Vec::new();
    for row in 0..a.len() {
        let (x, y) = (a.get(row), b.get(row));
        if x.is_empty() || y.is_empty() {
            continue;
        }
        // Values that are not dates or numbers are left to format checks;
        // anything else compares as text.
        let ordering = if dates {
            match (iso_date(x), iso_date(y)) {
                (Some(p), Some(q)) => Some(p.cmp(&q)),
                _ => None,
            }
        } else {
            match (number(x), number(y)) {
                (Some(p), Some(q)) => p.partial_cmp(&q),
                _ => Some(x.cmp(y)),
            }
        };
        let Some(ordering) = ordering else { continue };
        evaluated += 1;
        if !op.holds(ordering) {
            failures.push(fail(
                row,
                left,
                format!("`{x}` {} `{y}` does not hold", op.symbol()),
            ));
        }
    }
    (evaluated, failures.len(), None, failures)
}

fn duplicates(input: &Input<'_>) -> Evaluation {
    let rows = input.raw.row_count();
    let Some(clusters) = input.clusters else {
        return (rows, 0, None, Vec::new());
    };
    let mut first_of: FxHashMap<u32, u32> = FxHashMap::default();
    let mut failures = Vec::new();
    for (row, &cluster) in clusters.iter().enumerate() {
        let first = *first_of.entry(cluster).or_insert(row as u32);
        if first as usize != row {
            failures.push(Failure {
                row: row as u32,
                column: None,
                reason: format!("likely the same customer as row {}", first + 1).into(),
            });
        }
    }
    let detail = format!(
        "{} likely duplicate record(s) in {} group(s) ({:.2}%)",
        failures.len(),
        first_of.len(),
        super::percent(failures.len(), rows)
    );
    (rows, failures.len(), Some(detail), failures)
}

fn freshness(
    input: &Input<'_>,
    c: usize,
    max_age_days: u32,
    pinned: Option<chrono::NaiveDate>,
) -> Evaluation {
    let as_of = pinned.unwrap_or(input.as_of);
    let normalized = &input.normalized.columns[c];
    let newest = normalized.iter().filter_map(iso_date).max();
    let evaluated = normalized.iter().filter(|v| !v.is_empty()).count();
    let (failing, detail) = match newest {
        None => (1, "no date in the column".to_string()),
        Some(date) => {
            let age = (as_of - date).num_days();
            let failing = usize::from(age > i64::from(max_age_days));
            (
                failing,
                format!("newest {date}, {age} day(s) before {as_of}"),
            )
        }
    };
    (evaluated, failing, Some(detail), Vec::new())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cmp::Ordering;

    #[test]
    fn urls() {
        for good in [
            "https://example.com",
            "http://shop.example.co.uk/path?q=1",
            "www.example.de",
            "https://user@host.example.com:8080/x",
            "http://localhost",
        ] {
            assert!(is_url(good), "{good}");
        }
        for bad in [
            "example",
            "ftp://x.com",
            "https://",
            "https://exa mple.com",
            "www.",
            "http://a..b",
        ] {
            assert!(!is_url(bad), "{bad}");
        }
    }

    #[test]
    fn numbers_and_dates() {
        assert_eq!(number("1234.50"), Some(1234.5));
        assert_eq!(number("$1,234.50"), Some(1234.5));
        assert_eq!(number("abc"), None);
        assert_eq!(
            iso_date("2024-05-02T10:00:00Z"),
            NaiveDate::from_ymd_opt(2024, 5, 2)
        );
        assert_eq!(iso_date("02/05/2024"), None);
    }

    #[test]
    fn comparisons() {
        assert!(Op::LessOrEqual.holds(Ordering::Equal));
        assert!(!Op::Less.holds(Ordering::Equal));
        assert!(Op::NotEqual.holds(Ordering::Greater));
        assert!(!Op::GreaterOrEqual.holds(Ordering::Less));
    }
}
