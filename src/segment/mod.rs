//! RFM customer segments: recency (days since the last purchase),
//! frequency (orders, or merged records) and monetary value (lifetime
//! value) each scored 1–5 by quintile, then a named segment per customer.
//!
//! Guarantees: scores depend only on the values (ties share a score, the
//! order of rows does not matter); a customer without a value scores 1 on
//! that dimension and is counted in the report, never dropped.

use serde::Serialize;

mod stage;
pub use stage::{check_names, score, SegmentError, SegmentReport, Segmented, ADDED};

/// Scores per customer: 1 (worst) … 5 (best).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scores {
    pub recency: u8,
    pub frequency: u8,
    pub monetary: u8,
}

/// Quintile boundaries of one dimension, for the report.
#[derive(Debug, Clone, Serialize)]
pub struct Dimension {
    pub column: Option<String>,
    /// The values at the 20th, 40th, 60th and 80th percentiles.
    pub boundaries: Vec<f64>,
    pub missing: usize,
}

/// Scores `values` 1–5 by quintile (`higher_is_better`: larger values get
/// higher scores); `None` scores 1. Equal values share a score: a value's
/// score follows the share of values strictly below it.
pub fn quintile_scores(values: &[Option<f64>], higher_is_better: bool) -> (Vec<u8>, Vec<f64>) {
    let mut sorted: Vec<f64> = values.iter().flatten().copied().collect();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    let boundaries: Vec<f64> = if n == 0 {
        Vec::new()
    } else {
        (1..5).map(|q| sorted[(q * n / 5).min(n - 1)]).collect()
    };
    let scores = values
        .iter()
        .map(|v| match v {
            None => 1,
            Some(v) => {
                let below = sorted.partition_point(|x| x < v);
                let above = n - sorted.partition_point(|x| x <= v);
                // Rank among the others from the better side.
                let better_than = if higher_is_better { below } else { above };
                (1 + (5 * better_than) / n.max(1)).min(5) as u8
            }
        })
        .collect();
    (scores, boundaries)
}

/// The segments, in the order they are tried, with their default names.
pub const SEGMENTS: &[(&str, &str)] = &[
    (
        "champions",
        "bought recently, often and for a lot: R, F and M ≥ 4",
    ),
    (
        "high-value",
        "spend in the top 40% and bought not long ago: M ≥ 4, R ≥ 3",
    ),
    ("frequent-buyers", "buy often: F ≥ 4"),
    (
        "potential",
        "bought recently but rarely so far: R ≥ 4, F ≤ 2",
    ),
    (
        "at-risk",
        "used to buy often or much, not lately: R ≤ 2, F or M ≥ 3",
    ),
    ("hibernating", "not bought for a long time: R ≤ 2"),
    ("regular", "everyone else"),
    (
        "no-purchase-date",
        "no last-purchase date: recency unknown, so not scored into a segment",
    ),
];

/// The segment of a customer with no last-purchase date: without recency
/// no RFM segment is honest (at-risk means "used to buy, not lately").
pub const NO_PURCHASE_DATE: &str = "no-purchase-date";

/// The segment key of a customer's scores.
pub fn segment(s: Scores) -> &'static str {
    let (r, f, m) = (s.recency, s.frequency, s.monetary);
    if r >= 4 && f >= 4 && m >= 4 {
        "champions"
    } else if m >= 4 && r >= 3 {
        "high-value"
    } else if r <= 2 && (f >= 3 || m >= 3) {
        "at-risk"
    } else if f >= 4 {
        "frequent-buyers"
    } else if r >= 4 && f <= 2 {
        "potential"
    } else if r <= 2 {
        "hibernating"
    } else {
        "regular"
    }
}

/// A number from a cell: `1,234.50`, `$99`, `¥1200` → value; else None.
pub fn number(value: &str) -> Option<f64> {
    let cleaned: String = value
        .chars()
        .filter(|c| c.is_ascii_digit() || matches!(c, '.' | '-'))
        .collect();
    if cleaned.is_empty() || !value.chars().any(|c| c.is_ascii_digit()) {
        return None;
    }
    cleaned.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quintiles_score_by_rank_and_ties_share() {
        let values: Vec<Option<f64>> = (1..=10).map(|v| Some(v as f64)).collect();
        let (scores, bounds) = quintile_scores(&values, true);
        assert_eq!(scores, vec![1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
        assert_eq!(bounds, vec![3.0, 5.0, 7.0, 9.0]);
        let (scores, _) = quintile_scores(&values, false);
        assert_eq!(scores, vec![5, 5, 4, 4, 3, 3, 2, 2, 1, 1]);
        let (scores, _) = quintile_scores(&[Some(2.0), Some(2.0), None, Some(9.0)], true);
        assert_eq!(scores, vec![1, 1, 1, 4]);
    }

    #[test]
    fn segments_follow_the_scores() {
        let s = |recency, frequency, monetary| {
            segment(Scores {
                recency,
                frequency,
                monetary,
            })
        };
        assert_eq!(s(5, 5, 5), "champions");
        assert_eq!(s(3, 2, 5), "high-value");
        assert_eq!(s(3, 5, 2), "frequent-buyers");
        assert_eq!(s(5, 1, 1), "potential");
        assert_eq!(s(1, 4, 2), "at-risk");
        assert_eq!(s(1, 1, 1), "hibernating");
        assert_eq!(s(3, 3, 3), "regular");
    }

    #[test]
    fn numbers_are_read_from_money_text() {
        assert_eq!(number("1,234.50"), Some(1234.5));
        assert_eq!(number("¥1200"), Some(1200.0));
        assert_eq!(number(""), None);
        assert_eq!(number("n/a"), None);
    }
}
