//! The segment stage as one call ([`score`]): a normalized table with its
//! roles → per customer the days since the last purchase, R, F and M
//! scores, the RFM code and a named segment, plus a report. Which columns
//! carry recency, frequency and money is the rule file's `[segment]`, else
//! found once by header meaning (`schema::meaning`).

use super::{number, quintile_scores, segment, Dimension, Scores, NO_PURCHASE_DATE, SEGMENTS};
use crate::config::SegmentOptions;
use crate::schema::{meaning, Role};
use crate::table::{Column, Table};
use chrono::NaiveDate;
use std::collections::BTreeMap;
use std::path::Path;

/// Columns added to the output, in order.
pub const ADDED: [&str; 6] = [
    "rfm_recency_days",
    "rfm_r",
    "rfm_f",
    "rfm_m",
    "rfm_score",
    "segment",
];

/// Why a table could not be segmented.
#[derive(Debug, thiserror::Error)]
pub enum SegmentError {
    #[error("`{input}` already has a `{column}` column (segmented before?); segment the golden records instead")]
    AlreadySegmented { input: String, column: String },
    #[error("[segment] {what} = \"{name}\" is not a column of `{input}` (columns: {columns})")]
    NotAColumn {
        what: &'static str,
        name: String,
        input: String,
        columns: String,
    },
    #[error("`{input}` has no last-purchase date column (a header like `Last Purchase Date`); name it in the rule file: [segment] recency = \"…\"")]
    NoRecencyColumn { input: String },
    #[error("no value of `{column}` is a date: cannot tell how recent any purchase is")]
    NoDates { column: String },
    #[error("rule file: [segment] names has `{name}`, which is not a segment; use {known}")]
    UnknownSegment { name: String, known: String },
}

/// The report of a segmentation (keys in alphabetical order, as written).
#[derive(Debug, Clone, serde::Serialize)]
pub struct SegmentReport {
    pub as_of: String,
    pub command: &'static str,
    pub customers: usize,
    /// Segment name (renamed by the rule file) → what it means.
    pub definitions: BTreeMap<String, String>,
    pub frequency: Dimension,
    pub input: std::path::PathBuf,
    pub monetary: Dimension,
    pub recency_days: Dimension,
    /// Customers per segment name.
    pub segments: BTreeMap<String, usize>,
    pub version: u32,
}

/// The added columns ([`ADDED`] order) and the report.
pub struct Segmented {
    pub added: Vec<Column>,
    pub report: SegmentReport,
}

/// The rule file's `[segment] names` rename only segments that exist.
pub fn check_names(options: &SegmentOptions) -> Result<(), SegmentError> {
    match options
        .names
        .keys()
        .find(|key| !SEGMENTS.iter().any(|(k, _)| k == key))
    {
        Some(name) => Err(SegmentError::UnknownSegment {
            name: name.clone(),
            known: SEGMENTS
                .iter()
                .map(|(k, _)| *k)
                .collect::<Vec<_>>()
                .join(", "),
        }),
        None => Ok(()),
    }
}

/// Scores every row of `table` (normalized; `input` names it in messages
/// and the report). `as_of`: count recency up to this date (default: the
/// latest purchase in the file, so the same file gives the same segments).
pub fn score(
    table: &Table,
    roles: &[Role],
    options: &SegmentOptions,
    as_of: Option<NaiveDate>,
    input: &Path,
) -> Result<Segmented, SegmentError> {
    if let Some(column) = ADDED.iter().find(|c| table.column_index(c).is_some()) {
        return Err(SegmentError::AlreadySegmented {
            input: input.display().to_string(),
            column: column.to_string(),
        });
    }
    let columns = Columns::find(table, roles, options, input)?;
    let dates: Vec<Option<NaiveDate>> = table.columns[columns.recency]
        .iter()
        .map(|v| {
            v.get(..10)
                .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        })
        .collect();
    let as_of = match as_of.or_else(|| dates.iter().flatten().max().copied()) {
        Some(date) => date,
        // Nobody to segment: today, for the report.
        None if table.row_count() == 0 => chrono::Utc::now().date_naive(),
        None => {
            return Err(SegmentError::NoDates {
                column: table.headers[columns.recency].clone(),
            })
        }
    };
    let days: Vec<Option<f64>> = dates
        .iter()
        .map(|d| d.map(|d| (as_of - d).num_days() as f64))
        .collect();
    let numbers = |col: Option<usize>| -> Vec<Option<f64>> {
        match col {
            Some(c) => table.columns[c].iter().map(number).collect(),
            None => vec![None; table.row_count()],
        }
    };
    let frequency = numbers(columns.frequency);
    let monetary = numbers(columns.monetary);
    let (r, r_bounds) = quintile_scores(&days, false);
    let (f, f_bounds) = quintile_scores(&frequency, true);
    let (m, m_bounds) = quintile_scores(&monetary, true);

    let name_of = |key: &str| -> String {
        options
            .names
            .get(key)
            .cloned()
            .unwrap_or_else(|| key.to_string())
    };
    let mut added: Vec<Column> = ADDED.iter().map(|_| Column::default()).collect();
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for row in 0..table.row_count() {
        let scores = Scores {
            recency: r[row],
            frequency: f[row],
            monetary: m[row],
        };
        let name = match days[row] {
            Some(_) => name_of(segment(scores)),
            None => name_of(NO_PURCHASE_DATE),
        };
        added[0].push(&days[row].map_or(String::new(), |d| (d as i64).to_string()));
        added[1].push(&scores.recency.to_string());
        added[2].push(&scores.frequency.to_string());
        added[3].push(&scores.monetary.to_string());
        added[4].push(&format!(
            "{}{}{}",
            scores.recency, scores.frequency, scores.monetary
        ));
        added[5].push(&name);
        *counts.entry(name).or_default() += 1;
    }
    let dimension = |col: Option<usize>, bounds: Vec<f64>, values: &[Option<f64>]| Dimension {
        column: col.map(|c| table.headers[c].clone()),
        boundaries: bounds,
        missing: values.iter().filter(|v| v.is_none()).count(),
    };
    let report = SegmentReport {
        version: crate::report::VERSION,
        command: "segment",
        input: input.to_path_buf(),
        customers: table.row_count(),
        as_of: as_of.to_string(),
        recency_days: dimension(Some(columns.recency), r_bounds, &days),
        frequency: dimension(columns.frequency, f_bounds, &frequency),
        monetary: dimension(columns.monetary, m_bounds, &monetary),
        segments: counts,
        definitions: SEGMENTS
            .iter()
            .map(|(k, d)| (name_of(k), d.to_string()))
            .collect(),
    };
    Ok(Segmented { added, report })
}

/// The columns that carry recency, frequency and money.
struct Columns {
    recency: usize,
    /// An order count, else `member_count` (records merged into the customer).
    frequency: Option<usize>,
    /// Lifetime value, else the first money column.
    monetary: Option<usize>,
}

impl Columns {
    fn find(
        table: &Table,
        roles: &[Role],
        options: &SegmentOptions,
        input: &Path,
    ) -> Result<Columns, SegmentError> {
        let find = |named: &Option<String>,
                    what: &'static str,
                    keywords: &[&str],
                    ok: &dyn Fn(Role) -> bool| match named {
            Some(name) => {
                table
                    .column_index(name)
                    .map(Some)
                    .ok_or_else(|| SegmentError::NotAColumn {
                        what,
                        name: name.clone(),
                        input: input.display().to_string(),
                        columns: table.headers.join(", "),
                    })
            }
            None => Ok((0..table.headers.len()).find(|&c| {
                let h = table.headers[c].to_lowercase().replace(['_', '-'], " ");
                ok(roles[c]) && keywords.iter().any(|k| h.contains(k))
            })),
        };
        let is_date = |r: Role| matches!(r, Role::Date | Role::Datetime);
        let any = |_: Role| true;
        let recency = find(
            &options.recency,
            "recency",
            meaning::LAST_PURCHASE,
            &is_date,
        )?;
        let frequency = find(&options.frequency, "frequency", meaning::ORDER_COUNT, &any)?
            .or_else(|| table.column_index("member_count"));
        let monetary = find(&options.monetary, "monetary", meaning::LIFETIME_VALUE, &any)?
            .or_else(|| (0..table.headers.len()).find(|&c| roles[c] == Role::Money));
        let Some(recency) = recency else {
            return Err(SegmentError::NoRecencyColumn {
                input: input.display().to_string(),
            });
        };
        Ok(Columns {
            recency,
            frequency,
            monetary,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(headers: &[&str], rows: &[&[&str]]) -> Table {
        Table::from_rows(headers, rows)
    }

    #[test]
    fn recency_counts_to_the_latest_purchase_and_missing_columns_are_named() {
        let t = table(
            &["Last Purchase Date", "Orders"],
            &[&["2026-01-10", "3"], &["2026-01-01", "1"]],
        );
        let roles = [Role::Date, Role::Text];
        let options = SegmentOptions::default();
        let s = score(&t, &roles, &options, None, Path::new("g.csv")).unwrap();
        assert_eq!(s.report.as_of, "2026-01-10");
        assert_eq!(s.added[0].get(1), "9");
        assert_eq!(s.report.frequency.column.as_deref(), Some("Orders"));
        let no_date = table(&["Orders"], &[&["3"]]);
        assert!(matches!(
            score(&no_date, &[Role::Text], &options, None, Path::new("g.csv")),
            Err(SegmentError::NoRecencyColumn { .. })
        ));
        let again = table(&["segment"], &[&["x"]]);
        assert!(matches!(
            score(&again, &[Role::Text], &options, None, Path::new("g.csv")),
            Err(SegmentError::AlreadySegmented { .. })
        ));
    }
}
