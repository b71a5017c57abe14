//! Data-quality checks over a table: the engine behind `tidyrec validate`.
//!
//! Guarantees:
//! - Checks see normalized values where that is what a steward means
//!   (placeholders such as `N/A` are empty; `A@X.COM` and `a@x.com` are the
//!   same e-mail for `unique`; a phone is valid when it normalizes to E.164),
//!   and the raw value where the file's own spelling matters (`regex`,
//!   `strict` formats). Failures always report the raw value.
//! - Each check counts the rows it looked at (`evaluated`) and the rows that
//!   fail; percent thresholds are relative to `evaluated` (format checks look
//!   only at non-empty values, so "≤ 1% invalid phones" means 1% of phones).
//! - Checks are independent and run in parallel; results keep the order of
//!   the rule file, and failures are sorted by row, so output is the same for
//!   any thread count.

mod checks;
mod roles;
pub mod stage;

pub use roles::{expand_roles, Expanded};

use chrono::NaiveDate;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

use crate::schema::Role;
use crate::table::Table;

/// `error` checks decide the exit code; `warn` checks are only reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    Error,
    Warn,
}

/// How many failing rows a check tolerates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Threshold {
    Count(u64),
    /// Percent of the rows the check evaluated.
    Percent(f64),
}

impl Threshold {
    pub fn allows(self, failing: usize, evaluated: usize) -> bool {
        match self {
            Threshold::Count(max) => failing as u64 <= max,
            Threshold::Percent(_) if evaluated == 0 => true,
            // Cross-multiplied (no division), with a little slack for float
            // rounding, so exactly 1 of 100 passes at 1%.
            Threshold::Percent(max) => (failing as f64) * 100.0 <= max * evaluated as f64 + 1e-9,
        }
    }

    pub fn describe(self) -> String {
        match self {
            Threshold::Count(0) => "0".into(),
            Threshold::Count(n) => format!("≤ {n}"),
            Threshold::Percent(p) => format!("≤ {p}%"),
        }
    }
}

#[derive(Debug, Clone)]
pub enum Format {
    Email,
    Phone,
    Date,
    Url,
    Regex(regex::Regex),
}

impl Format {
    pub fn name(&self) -> &'static str {
        match self {
            Format::Email => "email",
            Format::Phone => "phone",
            Format::Date => "date",
            Format::Url => "url",
            Format::Regex(_) => "regex",
        }
    }

    /// The role whose normalizer decides validity, if any.
    fn role(&self) -> Option<Role> {
        match self {
            Format::Email => Some(Role::Email),
            Format::Phone => Some(Role::Phone),
            Format::Date => Some(Role::Date),
            Format::Url | Format::Regex(_) => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    Value,
    /// Length in characters.
    Length,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Bound {
    Number(f64),
    Date(NaiveDate),
}

impl Bound {
    pub fn greater_than(&self, other: &Bound) -> bool {
        match (self, other) {
            (Bound::Number(a), Bound::Number(b)) => a > b,
            (Bound::Date(a), Bound::Date(b)) => a > b,
            _ => false,
        }
    }

    fn describe(&self) -> String {
        match self {
            Bound::Number(n) => n.to_string(),
            Bound::Date(d) => d.to_string(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
    Equal,
    NotEqual,
}

impl Op {
    pub fn parse(text: &str) -> Option<Op> {
        Some(match text.trim() {
            "<" => Op::Less,
            "<=" => Op::LessOrEqual,
            ">" => Op::Greater,
            ">=" => Op::GreaterOrEqual,
            "==" | "=" => Op::Equal,
            "!=" | "<>" => Op::NotEqual,
            _ => return None,
        })
    }

    pub fn symbol(self) -> &'static str {
        match self {
            Op::Less => "<",
            Op::LessOrEqual => "<=",
            Op::Greater => ">",
            Op::GreaterOrEqual => ">=",
            Op::Equal => "==",
            Op::NotEqual => "!=",
        }
    }

    fn holds(self, ordering: std::cmp::Ordering) -> bool {
        use std::cmp::Ordering::*;
        match self {
            Op::Less => ordering == Less,
            Op::LessOrEqual => ordering != Greater,
            Op::Greater => ordering == Greater,
            Op::GreaterOrEqual => ordering != Less,
            Op::Equal => ordering == Equal,
            Op::NotEqual => ordering != Equal,
        }
    }
}

/// What a check tests.
#[derive(Debug, Clone)]
pub enum Kind {
    /// Every column has a value (`any`: at least one of them).
    Required {
        columns: Vec<String>,
        any: bool,
    },
    /// No two rows share the (normalized) value of these columns.
    Unique {
        columns: Vec<String>,
    },
    Format {
        column: String,
        format: Format,
        /// The value must already be in normalized form.
        strict: bool,
    },
    AllowedValues {
        column: String,
        values: Vec<String>,
        ignore_case: bool,
    },
    Range {
        column: String,
        min: Option<Bound>,
        max: Option<Bound>,
        measure: Measure,
    },
    CrossField {
        left: String,
        op: Op,
        right: String,
    },
    RowCount {
        min: Option<u64>,
        max: Option<u64>,
    },
    /// Records that are likely duplicates of another (matching engine).
    DuplicateRate {
        match_probability: f64,
    },
    /// The newest date in the column is at most this old.
    Freshness {
        column: String,
        max_age_days: u32,
        /// The day ages are measured from, when the rule file pins one
        /// (else the run's `as_of`: `--as-of` or today).
        as_of: Option<chrono::NaiveDate>,
    },
}

impl Kind {
    /// The columns this check reads.
    pub fn columns(&self) -> Vec<&str> {
        match self {
            Kind::Required { columns, .. } | Kind::Unique { columns } => {
                columns.iter().map(String::as_str).collect()
            }
            Kind::Format { column, .. }
            | Kind::AllowedValues { column, .. }
            | Kind::Range { column, .. }
            | Kind::Freshness { column, .. } => vec![column],
            Kind::CrossField { left, right, .. } => vec![left, right],
            Kind::RowCount { .. } | Kind::DuplicateRate { .. } => Vec::new(),
        }
    }

    /// The role a column must be normalized as for this check, when the
    /// check decides it (a `format = "phone"` check on a column inferred as
    /// text still judges phones).
    pub fn required_role(&self, current: Role) -> Option<Role> {
        let is_date = matches!(current, Role::Date | Role::Datetime);
        match self {
            Kind::Format { format, .. } => match format.role() {
                Some(Role::Date) if is_date => None,
                role => role,
            },
            Kind::Range {
                min,
                max,
                measure: Measure::Value,
                ..
            } if !is_date && matches!(min.or(*max), Some(Bound::Date(_))) => Some(Role::Date),
            Kind::Freshness { .. } if !is_date => Some(Role::Date),
            _ => None,
        }
    }
}

/// One check from a rule file.
#[derive(Debug, Clone)]
pub struct Check {
    pub name: String,
    /// As written in `type = "…"`.
    pub check_type: &'static str,
    /// Line of its `[[check]]` table in the rule file.
    pub line: usize,
    pub severity: Severity,
    pub threshold: Threshold,
    pub kind: Kind,
}

impl Check {
    pub fn severity_name(&self) -> &'static str {
        match self.severity {
            Severity::Error => "error",
            Severity::Warn => "warn",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Pass,
    Warn,
    Fail,
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Warn => "warn",
            Status::Fail => "fail",
        }
    }
}

/// One failing row of a check.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    /// 0-based data row.
    pub row: u32,
    /// Index of the column whose value failed (none for table-level checks).
    pub column: Option<usize>,
    pub reason: Cow<'static, str>,
}

#[derive(Debug, Clone)]
pub struct CheckResult {
    pub evaluated: usize,
    pub failing: usize,
    pub status: Status,
    /// A sentence for table-level checks ("newest 2026-10-01, 53 days old").
    pub detail: Option<String>,
    /// Sorted by row.
    pub failures: Vec<Failure>,
}

/// What the checks look at, prepared by the caller.
pub struct Input<'a> {
    pub raw: &'a Table,
    /// Same shape as `raw`; columns the checks use are normalized.
    pub normalized: &'a Table,
    /// Roles the normalized columns were normalized as.
    pub roles: &'a [Role],
    /// Per column, the rows whose value could not be normalized (ascending).
    pub rejected: &'a [Vec<u32>],
    /// Per row, its cluster from the matching engine (for `duplicate-rate`).
    pub clusters: Option<&'a [u32]>,
    /// "Today" for `freshness`.
    pub as_of: NaiveDate,
}

/// Runs every check (in parallel) and returns results in the checks' order.
/// Every column a check names must exist (the caller checks this first).
pub fn run(checks: &[Check], input: &Input<'_>) -> Vec<CheckResult> {
    checks
        .par_iter()
        .map(|check| {
            let (evaluated, failing, detail, mut failures) = checks::evaluate(check, input);
            failures.sort_by_key(|f| (f.row, f.column));
            let status = if check.threshold.allows(failing, evaluated) {
                Status::Pass
            } else if check.severity == Severity::Warn {
                Status::Warn
            } else {
                Status::Fail
            };
            CheckResult {
                evaluated,
                failing,
                status,
                detail,
                failures,
            }
        })
        .collect()
}

/// Failing share of evaluated rows, in percent.
pub fn percent(failing: usize, evaluated: usize) -> f64 {
    if evaluated == 0 {
        0.0
    } else {
        failing as f64 * 100.0 / evaluated as f64
    }
}

/// A short description of the check's bounds, for reports.
pub fn describe_bounds(kind: &Kind) -> Option<String> {
    match kind {
        Kind::Range {
            min, max, measure, ..
        } => {
            let what = if *measure == Measure::Length {
                "length "
            } else {
                ""
            };
            Some(match (min, max) {
                (Some(low), Some(high)) => {
                    format!("{what}{} … {}", low.describe(), high.describe())
                }
                (Some(low), None) => format!("{what}≥ {}", low.describe()),
                (None, Some(high)) => format!("{what}≤ {}", high.describe()),
                (None, None) => String::new(),
            })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests;
