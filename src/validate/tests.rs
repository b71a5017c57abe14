//! Each check type with a passing and a failing table.

use super::*;
use crate::config::checks::{resolve, CheckSpec};

fn table(headers: &[&str], rows: &[&[&str]]) -> Table {
    Table::from_rows(headers, rows)
}

fn check(text: &str) -> Check {
    let spec: CheckSpec = toml::from_str(text).unwrap();
    resolve(&spec, 1).unwrap()
}

/// Runs one check; `normalized` defaults to the raw table.
fn run_one(
    check_text: &str,
    raw: &Table,
    normalized: Option<&Table>,
    rejected: Option<Vec<Vec<u32>>>,
    clusters: Option<&[u32]>,
) -> CheckResult {
    let roles: Vec<Role> = raw
        .headers
        .iter()
        .map(|h| {
            if h.contains("date") {
                Role::Date
            } else {
                Role::Text
            }
        })
        .collect();
    let rejected = rejected.unwrap_or_else(|| vec![Vec::new(); raw.headers.len()]);
    let input = Input {
        raw,
        normalized: normalized.unwrap_or(raw),
        roles: &roles,
        rejected: &rejected,
        clusters,
        as_of: NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
    };
    run(&[check(check_text)], &input).remove(0)
}

#[test]
fn required_all_and_any() {
    let t = table(
        &["email", "phone"],
        &[&["a@x.com", ""], &["", "+1"], &["", ""]],
    );
    let all = run_one(
        "type = \"required\"\ncolumns = [\"email\", \"phone\"]",
        &t,
        None,
        None,
        None,
    );
    assert_eq!(
        (all.evaluated, all.failing, all.status),
        (3, 3, Status::Fail)
    );
    let any = run_one(
        "type = \"required\"\ncolumns = [\"email\", \"phone\"]\nany = true",
        &t,
        None,
        None,
        None,
    );
    assert_eq!((any.failing, any.failures[0].row), (1, 2));
    let tolerant = run_one(
        "type = \"required\"\ncolumns = [\"email\", \"phone\"]\nany = true\nmax-failures-percent = 34",
        &t,
        None,
        None,
        None,
    );
    assert_eq!(tolerant.status, Status::Pass);
}

#[test]
fn not_empty_percent() {
    let t = table(&["phone"], &[&["1"], &["2"], &["3"], &[""]]);
    let pass = run_one(
        "type = \"not-empty-percent\"\ncolumn = \"phone\"\nmin-percent = 75",
        &t,
        None,
        None,
        None,
    );
    assert_eq!(pass.status, Status::Pass);
    let fail = run_one(
        "type = \"not-empty-percent\"\ncolumn = \"phone\"\nmin-percent = 80",
        &t,
        None,
        None,
        None,
    );
    assert_eq!((fail.failing, fail.status), (1, Status::Fail));
}

#[test]
fn unique_single_and_composite() {
    let t = table(
        &["id", "first", "last"],
        &[
            &["1", "Ann", "Lee"],
            &["2", "Ann", "Lee"],
            &["2", "Bob", "Lee"],
            &["", "", ""],
        ],
    );
    let ids = run_one("type = \"unique\"\ncolumn = \"id\"", &t, None, None, None);
    assert_eq!((ids.evaluated, ids.failing), (3, 2));
    assert_eq!(ids.failures[1].reason, "same value as row 2");
    let names = run_one(
        "type = \"unique\"\ncolumns = [\"first\", \"last\"]",
        &t,
        None,
        None,
        None,
    );
    assert_eq!(names.failing, 2);
    let ok = run_one(
        "type = \"unique\"\ncolumns = [\"id\", \"first\"]",
        &t,
        None,
        None,
        None,
    );
    assert_eq!((ok.failing, ok.status), (0, Status::Pass));
}

#[test]
fn formats_use_rejections_and_strictness() {
    let raw = table(&["email"], &[&["A@X.COM"], &["bad@"], &["b@y.org"], &[""]]);
    let normalized = table(&["email"], &[&["a@x.com"], &["bad@"], &["b@y.org"], &[""]]);
    let loose = run_one(
        "type = \"format\"\ncolumn = \"email\"\nformat = \"email\"",
        &raw,
        Some(&normalized),
        Some(vec![vec![1]]),
        None,
    );
    assert_eq!((loose.evaluated, loose.failing), (3, 1));
    let strict = run_one(
        "type = \"format\"\ncolumn = \"email\"\nformat = \"email\"\nstrict = true",
        &raw,
        Some(&normalized),
        Some(vec![vec![1]]),
        None,
    );
    assert_eq!(strict.failing, 2);
    let ids = table(&["id"], &[&["C-1"], &["C-22"], &["X9"]]);
    let regex = run_one(
        "type = \"format\"\ncolumn = \"id\"\nformat = \"regex\"\npattern = 'C-\\d+'",
        &ids,
        None,
        None,
        None,
    );
    assert_eq!((regex.failing, regex.failures[0].row), (1, 2));
    let urls = table(&["site"], &[&["https://a.com"], &["a dot com"]]);
    let url = run_one(
        "type = \"format\"\ncolumn = \"site\"\nformat = \"url\"",
        &urls,
        None,
        None,
        None,
    );
    assert_eq!(url.failing, 1);
}

#[test]
fn allowed_values_raw_or_normalized() {
    let raw = table(&["country"], &[&["USA"], &["de"], &["Mars"]]);
    let normalized = table(&["country"], &[&["US"], &["DE"], &["Mars"]]);
    let result = run_one(
        "type = \"allowed-values\"\ncolumn = \"country\"\nvalues = [\"US\", \"DE\"]",
        &raw,
        Some(&normalized),
        None,
        None,
    );
    assert_eq!((result.failing, result.failures[0].row), (1, 2));
    let sources = table(&["source"], &[&["web"], &["Web"]]);
    let exact = run_one(
        "type = \"allowed-values\"\ncolumn = \"source\"\nvalues = [\"Web\"]",
        &sources,
        None,
        None,
        None,
    );
    assert_eq!(exact.failing, 1);
    let folded = run_one(
        "type = \"allowed-values\"\ncolumn = \"source\"\nvalues = [\"Web\"]\nignore-case = true",
        &sources,
        None,
        None,
        None,
    );
    assert_eq!(folded.failing, 0);
}

#[test]
fn ranges_of_numbers_dates_and_lengths() {
    let t = table(&["ltv"], &[&["10"], &["-5"], &["$1,000.00"], &["n/a?"]]);
    let numbers = run_one(
        "type = \"min\"\ncolumn = \"ltv\"\nmin = 0",
        &t,
        None,
        None,
        None,
    );
    let reasons: Vec<&str> = numbers.failures.iter().map(|f| f.reason.as_ref()).collect();
    assert_eq!(reasons, ["below the minimum", "not a number"]);
    let dates = table(
        &["birth date"],
        &[&["1899-12-31"], &["1980-01-01"], &["2030-01-01"]],
    );
    let born = run_one(
        "type = \"range\"\ncolumn = \"birth date\"\nmin = 1900-01-01\nmax = 2026-11-23",
        &dates,
        None,
        None,
        None,
    );
    assert_eq!(
        born.failures.iter().map(|f| f.row).collect::<Vec<_>>(),
        [0, 2]
    );
    let notes = table(&["notes"], &[&["short"], &["much too long"]]);
    let length = run_one(
        "type = \"max\"\ncolumn = \"notes\"\nmax = 5\nlength = true",
        &notes,
        None,
        None,
        None,
    );
    assert_eq!((length.failing, length.failures[0].row), (1, 1));
}

#[test]
fn cross_field_dates_and_numbers() {
    let t = table(
        &["created date", "purchase date"],
        &[
            &["2024-01-01", "2024-02-01"],
            &["2024-03-01", "2024-02-01"],
            &["2024-03-01", ""],
        ],
    );
    let result = run_one(
        "type = \"cross-field\"\nleft = \"created date\"\nop = \"<=\"\nright = \"purchase date\"",
        &t,
        None,
        None,
        None,
    );
    assert_eq!((result.evaluated, result.failing), (2, 1));
    let n = table(&["a", "b"], &[&["9", "10"], &["11", "10"]]);
    let numbers = run_one(
        "type = \"cross-field\"\nleft = \"a\"\nop = \"<\"\nright = \"b\"",
        &n,
        None,
        None,
        None,
    );
    // Compared as numbers: "9" < "10" holds although "9" > "10" as text.
    assert_eq!(
        numbers.failures.iter().map(|f| f.row).collect::<Vec<_>>(),
        [1]
    );
}

#[test]
fn row_count_duplicates_freshness_and_warnings() {
    let t = table(
        &["updated date"],
        &[&["2026-11-20"], &["2026-10-01"], &[""]],
    );
    let count = run_one("type = \"row-count\"\nmin = 4", &t, None, None, None);
    assert_eq!((count.failing, count.status), (1, Status::Fail));
    let warn = run_one(
        "type = \"row-count\"\nmax = 2\nseverity = \"warn\"",
        &t,
        None,
        None,
        None,
    );
    assert_eq!(warn.status, Status::Warn);
    let fresh = run_one(
        "type = \"freshness\"\ncolumn = \"updated date\"\nmax-age-days = 3",
        &t,
        None,
        None,
        None,
    );
    assert_eq!(fresh.status, Status::Pass);
    let stale = run_one(
        "type = \"freshness\"\ncolumn = \"updated date\"\nmax-age-days = 2",
        &t,
        None,
        None,
        None,
    );
    assert_eq!(stale.status, Status::Fail);
    assert!(stale.detail.unwrap().contains("newest 2026-11-20"));
    let clusters = [0, 1, 0];
    let dupes = run_one(
        "type = \"duplicate-rate\"\nmax-percent = 40",
        &t,
        None,
        None,
        Some(&clusters),
    );
    assert_eq!((dupes.failing, dupes.status), (1, Status::Pass));
    assert_eq!(
        dupes.failures[0].reason,
        "likely the same customer as row 1"
    );
    let strict = run_one(
        "type = \"duplicate-rate\"\nmax-percent = 30",
        &t,
        None,
        None,
        Some(&clusters),
    );
    assert_eq!(strict.status, Status::Fail);
}

#[test]
fn thresholds_compare_exactly() {
    assert!(Threshold::Percent(1.0).allows(1, 100));
    assert!(!Threshold::Percent(1.0).allows(2, 100));
    assert!(Threshold::Percent(0.0).allows(0, 0));
    assert!(Threshold::Count(2).allows(2, 3));
    assert!(!Threshold::Count(0).allows(1, 3));
}
