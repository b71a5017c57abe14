//! Column profiles: what `tidyrec profile` measures.
//!
//! Guarantees: one pass per column (columns in parallel) over the raw and
//! normalized values; every figure is computed from the whole table, not a
//! sample; ties in top values are broken by the value, so the same input
//! gives the same profile for any thread count.

use crate::normalize::{date, ColumnStats};
use crate::schema::{Inferred, Role};
use crate::table::Table;
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Values listed per column in `top_values`.
pub const TOP_VALUES: usize = 10;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ColumnProfile {
    pub name: String,
    pub role: String,
    /// Where the role came from: rule, header or content.
    pub role_source: String,
    /// Non-empty values (placeholders such as `N/A` count as empty).
    pub filled: usize,
    /// `filled` / rows, in percent.
    pub completeness: f64,
    /// Values that do not normalize for the role (an e-mail without a
    /// domain, an impossible date); `None` for roles without validity.
    pub invalid: Option<usize>,
    /// Valid share of the filled values, in percent (`None` when the role
    /// has no validity or the column has no value).
    pub validity: Option<f64>,
    /// Values `normalize` would rewrite (formats, casing, placeholders).
    pub needs_normalizing: usize,
    /// Distinct normalized values.
    pub distinct: usize,
    pub top_values: Vec<TopValue>,
    /// Characters per filled value (normalized).
    pub length: Option<LengthStats>,
    /// Smallest and largest value: ISO dates for date columns, numbers for
    /// numeric ones.
    pub min: Option<String>,
    pub max: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TopValue {
    pub value: String,
    pub count: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LengthStats {
    pub min: usize,
    pub max: usize,
    pub mean: f64,
}

/// Likely duplicates from the matching engine.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Duplicates {
    pub clusters: usize,
    /// Records that are a duplicate of an earlier one (rows − clusters).
    pub duplicate_records: usize,
    /// `duplicate_records` / rows, in percent.
    pub rate: f64,
    /// Cluster size → number of clusters of that size.
    pub cluster_sizes: BTreeMap<String, usize>,
}

/// Roles whose normalizer can reject a value (so validity means something).
fn has_validity(role: Role) -> bool {
    matches!(
        role,
        Role::Email
            | Role::Phone
            | Role::Date
            | Role::Datetime
            | Role::Country
            | Role::Boolean
            | Role::Money
            | Role::PostalCode
    )
}

pub fn round(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn percent(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        round(part as f64 * 100.0 / whole as f64)
    }
}

/// Profiles every column of `raw` from its normalized twin and stats.
pub fn columns(
    raw: &Table,
    normalized: &Table,
    roles: &[Inferred],
    stats: &[ColumnStats],
) -> Vec<ColumnProfile> {
    let rows = raw.row_count();
    (0..raw.headers.len())
        .into_par_iter()
        .map(|c| {
            let role = roles[c].role;
            let values = &normalized.columns[c];
            let mut counts: FxHashMap<&str, usize> = FxHashMap::default();
            let (mut min_len, mut max_len, mut total_len) = (usize::MAX, 0, 0usize);
            let mut numbers = 0usize;
            let (mut low, mut high) = (f64::INFINITY, f64::NEG_INFINITY);
            let (mut first_date, mut last_date): (Option<&str>, Option<&str>) = (None, None);
            let dates = matches!(role, Role::Date | Role::Datetime);
            for value in values.iter().filter(|v| !v.is_empty()) {
                *counts.entry(value).or_default() += 1;
                let length = value.chars().count();
                min_len = min_len.min(length);
                max_len = max_len.max(length);
                total_len += length;
                if dates {
                    // ISO dates sort as text; rejected values keep their raw
                    // spelling and are left out.
                    if let Some(day) = value.get(..10).filter(|d| date::is_iso_date(d)) {
                        first_date = Some(first_date.map_or(day, |f: &str| f.min(day)));
                        last_date = Some(last_date.map_or(day, |l: &str| l.max(day)));
                    }
                } else if let Ok(x) = value.parse::<f64>() {
                    if x.is_finite() {
                        numbers += 1;
                        low = low.min(x);
                        high = high.max(x);
                    }
                }
            }
            let filled: usize = counts.values().sum();
            let mut top: Vec<(&str, usize)> = counts.iter().map(|(v, n)| (*v, *n)).collect();
            top.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
            top.truncate(TOP_VALUES);
            // Numeric when nearly every value is a number (ids such as
            // `C0000001` are not; amounts and counts are).
            // Phones and postcodes parse as numbers but have no range.
            let numeric = matches!(role, Role::Money | Role::Text)
                && filled > 0
                && numbers * 100 >= filled * 95;
            let (min, max) = if dates {
                (first_date.map(String::from), last_date.map(String::from))
            } else if numeric {
                (Some(format_number(low)), Some(format_number(high)))
            } else {
                (None, None)
            };
            // No filled value, nothing to judge: validity is unknown, not 0%.
            let invalid = (has_validity(role) && filled > 0).then_some(stats[c].rejected);
            ColumnProfile {
                name: raw.headers[c].clone(),
                role: role.name().to_string(),
                role_source: roles[c].source.name().to_string(),
                filled,
                completeness: percent(filled, rows),
                invalid,
                validity: invalid.map(|bad| percent(filled.saturating_sub(bad), filled)),
                needs_normalizing: stats[c].changed + stats[c].emptied,
                distinct: counts.len(),
                top_values: top
                    .into_iter()
                    .map(|(value, count)| TopValue {
                        value: value.to_string(),
                        count,
                    })
                    .collect(),
                length: (filled > 0).then(|| LengthStats {
                    min: min_len,
                    max: max_len,
                    mean: round(total_len as f64 / filled as f64),
                }),
                min,
                max,
            }
        })
        .collect()
}

fn format_number(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

/// Duplicate figures from each record's cluster.
pub fn duplicates(cluster_of: &[u32]) -> Duplicates {
    let mut size_of: FxHashMap<u32, usize> = FxHashMap::default();
    for &cluster in cluster_of {
        *size_of.entry(cluster).or_default() += 1;
    }
    let mut sizes: BTreeMap<usize, usize> = BTreeMap::new();
    for &size in size_of.values() {
        *sizes.entry(size).or_default() += 1;
    }
    let rows = cluster_of.len();
    let duplicate_records = rows - size_of.len();
    Duplicates {
        clusters: size_of.len(),
        duplicate_records,
        rate: percent(duplicate_records, rows),
        cluster_sizes: sizes.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::Source;

    #[test]
    fn a_column_is_profiled() {
        let mut raw = Table::new(vec!["Email".into(), "Born".into(), "LTV".into()]);
        let mut normalized = Table::new(raw.headers.clone());
        for (r, n) in [
            (
                ["A@X.COM", "02/05/1990", "$10"],
                ["a@x.com", "1990-05-02", "10"],
            ),
            (
                ["a@x.com", "1985-01-01", "2.5"],
                ["a@x.com", "1985-01-01", "2.5"],
            ),
            (["bad@", "31/02/1990", ""], ["bad@", "31/02/1990", ""]),
            (["N/A", "", "7"], ["", "", "7"]),
        ] {
            raw.push_row(r);
            normalized.push_row(n);
        }
        let roles = [Role::Email, Role::Date, Role::Money].map(|role| Inferred {
            role,
            source: Source::Header,
        });
        let stats = [
            ColumnStats {
                changed: 1,
                emptied: 1,
                rejected: 1,
                ..Default::default()
            },
            ColumnStats {
                changed: 1,
                rejected: 1,
                ..Default::default()
            },
            ColumnStats {
                changed: 1,
                ..Default::default()
            },
        ];
        let profiles = columns(&raw, &normalized, &roles, &stats);
        let email = &profiles[0];
        assert_eq!(
            (email.filled, email.distinct, email.invalid),
            (3, 2, Some(1))
        );
        assert_eq!(email.completeness, 75.0);
        assert_eq!(email.validity, Some(66.67));
        assert_eq!(email.needs_normalizing, 2);
        assert_eq!(
            email.top_values[0],
            TopValue {
                value: "a@x.com".into(),
                count: 2
            }
        );
        let born = &profiles[1];
        assert_eq!(
            (born.min.as_deref(), born.max.as_deref()),
            (Some("1985-01-01"), Some("1990-05-02"))
        );
        let ltv = &profiles[2];
        assert_eq!(
            (ltv.min.as_deref(), ltv.max.as_deref()),
            (Some("2.5"), Some("10"))
        );
    }

    #[test]
    fn duplicate_figures() {
        let d = duplicates(&[1, 2, 1, 3, 1, 2]);
        assert_eq!((d.clusters, d.duplicate_records), (3, 3));
        assert_eq!(d.rate, 50.0);
        assert_eq!(d.cluster_sizes["3"], 1);
        assert_eq!(d.cluster_sizes["2"], 1);
        assert_eq!(d.cluster_sizes["1"], 1);
    }
}
