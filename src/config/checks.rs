//! `[[check]]` tables of a rule file → typed [`Check`]s for `validate`.
//!
//! Every check table is read into one flat [`CheckSpec`] (unknown keys are
//! errors with their line), then resolved by its `type` into a
//! [`crate::validate::Check`]: a key that does not belong to that type, a
//! missing key, or a bad value is an error naming the rule file, the line of
//! the `[[check]]` table and the key, with the fix.
//!
//! ```toml
//! [[check]]
//! type = "format"
//! column = "Mobile"
//! format = "phone"
//! severity = "error"            # or "warn" (reported, never fails the run)
//! max-failures-percent = 1.0    # or max-failures = 10 (default: 0)
//! ```
//!
//! A check may name its columns by role instead of by header — `role =
//! "email"` (every e-mail column), `roles = ["email", "phone"]` — so a rule
//! file runs on any export. Such a check is resolved with placeholder
//! columns ([`role_placeholder`]) that `validate` replaces by the headers of
//! that role once roles are inferred ([`crate::validate::expand_roles`]).

use crate::validate::{Bound, Check, Format, Kind, Measure, Op, Severity, Threshold};
use chrono::NaiveDate;
use serde::Deserialize;

/// The check types, as written in `type = "…"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CheckType {
    Required,
    NotEmptyPercent,
    Unique,
    Format,
    AllowedValues,
    Range,
    Min,
    Max,
    CrossField,
    RowCount,
    DuplicateRate,
    Freshness,
}

impl CheckType {
    pub fn name(self) -> &'static str {
        match self {
            CheckType::Required => "required",
            CheckType::NotEmptyPercent => "not-empty-percent",
            CheckType::Unique => "unique",
            CheckType::Format => "format",
            CheckType::AllowedValues => "allowed-values",
            CheckType::Range => "range",
            CheckType::Min => "min",
            CheckType::Max => "max",
            CheckType::CrossField => "cross-field",
            CheckType::RowCount => "row-count",
            CheckType::DuplicateRate => "duplicate-rate",
            CheckType::Freshness => "freshness",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FormatName {
    Email,
    Phone,
    Date,
    Url,
    Regex,
}

/// One `[[check]]` table as written (every key optional here; [`resolve`]
/// says which ones each type needs).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct CheckSpec {
    #[serde(rename = "type")]
    pub check_type: Option<CheckType>,
    pub name: Option<String>,
    pub severity: Option<Severity>,
    pub max_failures: Option<u64>,
    pub max_failures_percent: Option<f64>,
    pub column: Option<String>,
    pub columns: Option<Vec<String>>,
    /// Every column of this role (instead of `column`).
    pub role: Option<crate::schema::Role>,
    /// Every column of any of these roles (instead of `columns`).
    pub roles: Option<Vec<crate::schema::Role>>,
    /// `required` over several columns: at least one of them (default: all).
    pub any: Option<bool>,
    /// `not-empty-percent`: the share of rows that must have a value.
    pub min_percent: Option<f64>,
    /// `duplicate-rate`: the largest share of records that are duplicates.
    pub max_percent: Option<f64>,
    pub format: Option<FormatName>,
    pub pattern: Option<String>,
    /// `format`: the value must already be written in normalized form.
    pub strict: Option<bool>,
    pub values: Option<Vec<String>>,
    pub ignore_case: Option<bool>,
    pub min: Option<toml::Value>,
    pub max: Option<toml::Value>,
    /// `range`: compare the value's length in characters.
    pub length: Option<bool>,
    pub left: Option<String>,
    pub op: Option<String>,
    pub right: Option<String>,
    pub max_age_days: Option<u32>,
    /// `freshness`: the day ages are measured from (default: today, or
    /// `--as-of`), so a rule file for a fixed export gives the same answer
    /// every day.
    pub as_of: Option<toml::Value>,
    pub match_probability: Option<f64>,
}

/// The keys each type accepts besides `type`, `name`, `severity` and the
/// thresholds.
fn allowed_keys(check_type: CheckType) -> &'static [&'static str] {
    match check_type {
        CheckType::Required => &["column", "columns", "role", "roles", "any"],
        CheckType::NotEmptyPercent => &["column", "role", "min-percent"],
        CheckType::Unique => &["column", "columns", "role"],
        CheckType::Format => &["column", "role", "format", "pattern", "strict"],
        CheckType::AllowedValues => &["column", "role", "values", "ignore-case"],
        CheckType::Range | CheckType::Min | CheckType::Max => {
            &["column", "role", "min", "max", "length"]
        }
        CheckType::CrossField => &["left", "op", "right"],
        CheckType::RowCount => &["min", "max"],
        CheckType::DuplicateRate => &["max-percent", "match-probability"],
        CheckType::Freshness => &["column", "role", "max-age-days", "as-of"],
    }
}

impl CheckSpec {
    /// The type-specific keys that are set, as written in the file.
    fn keys_set(&self) -> Vec<&'static str> {
        let mut keys = Vec::new();
        let mut note = |set: bool, key: &'static str| {
            if set {
                keys.push(key);
            }
        };
        note(self.column.is_some(), "column");
        note(self.columns.is_some(), "columns");
        note(self.role.is_some(), "role");
        note(self.roles.is_some(), "roles");
        note(self.any.is_some(), "any");
        note(self.min_percent.is_some(), "min-percent");
        note(self.max_percent.is_some(), "max-percent");
        note(self.format.is_some(), "format");
        note(self.pattern.is_some(), "pattern");
        note(self.strict.is_some(), "strict");
        note(self.values.is_some(), "values");
        note(self.ignore_case.is_some(), "ignore-case");
        note(self.min.is_some(), "min");
        note(self.max.is_some(), "max");
        note(self.length.is_some(), "length");
        note(self.left.is_some(), "left");
        note(self.op.is_some(), "op");
        note(self.right.is_some(), "right");
        note(self.max_age_days.is_some(), "max-age-days");
        note(self.as_of.is_some(), "as-of");
        note(self.match_probability.is_some(), "match-probability");
        keys
    }
}

/// A freshness check's `as-of`: a TOML date (`as-of = 2024-06-05`) or the
/// same as a string.
fn as_of_date(value: &toml::Value) -> Result<chrono::NaiveDate, String> {
    let text = match value {
        toml::Value::Datetime(d) => d.to_string(),
        toml::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| format!("`as-of = {value}` is not a date; write it like as-of = 2024-06-05"))
}

/// Turns one check table into a [`Check`]; `Err` is the message (the caller
/// adds the file and line).
pub fn resolve(spec: &CheckSpec, line: usize) -> Result<Check, String> {
    let check_type = spec.check_type.ok_or(
        "`type` is missing; one of required, not-empty-percent, unique, format, allowed-values, \
         range, min, max, cross-field, row-count, duplicate-rate, freshness",
    )?;
    let type_name = check_type.name();
    let allowed = allowed_keys(check_type);
    if let Some(key) = spec.keys_set().into_iter().find(|k| !allowed.contains(k)) {
        return Err(format!(
            "`{key}` does not apply to a {type_name} check (it takes: {})",
            allowed.join(", ")
        ));
    }
    let threshold = threshold(spec, check_type)?;
    let column = || -> Result<String, String> {
        match (&spec.column, spec.role) {
            (Some(_), Some(_)) => Err("give either `column` or `role`, not both".into()),
            (Some(column), None) => Ok(column.clone()),
            (None, Some(role)) => Ok(role_placeholder(role)),
            (None, None) => Err(format!(
                "a {type_name} check needs `column = \"…\"` (a header) or `role = \"…\"` (every column of that role)"
            )),
        }
    };
    let kind = match check_type {
        CheckType::Required => Kind::Required {
            columns: columns(spec, type_name)?,
            any: spec.any.unwrap_or(false),
        },
        CheckType::NotEmptyPercent => Kind::Required {
            columns: vec![column()?],
            any: false,
        },
        CheckType::Unique => Kind::Unique {
            columns: columns(spec, type_name)?,
        },
        CheckType::Format => format_kind(spec, column()?)?,
        CheckType::AllowedValues => {
            let values = spec
                .values
                .clone()
                .ok_or("an allowed-values check needs `values = [\"…\", …]`")?;
            if values.is_empty() {
                return Err("`values` is empty: list the values that are allowed".into());
            }
            Kind::AllowedValues {
                column: column()?,
                values,
                ignore_case: spec.ignore_case.unwrap_or(false),
            }
        }
        CheckType::Range | CheckType::Min | CheckType::Max => {
            range_kind(spec, check_type, column()?)?
        }
        CheckType::CrossField => {
            let (Some(left), Some(op), Some(right)) = (&spec.left, &spec.op, &spec.right) else {
                return Err(
                    "a cross-field check needs `left`, `op` and `right`, e.g. left = \"Created At\", op = \"<=\", right = \"Last Purchase Date\"".into(),
                );
            };
            let op = Op::parse(op).ok_or(format!(
                "op = \"{op}\" is not a comparison; use one of <, <=, >, >=, ==, !="
            ))?;
            Kind::CrossField {
                left: left.clone(),
                op,
                right: right.clone(),
            }
        }
        CheckType::RowCount => row_count_kind(spec)?,
        CheckType::DuplicateRate => {
            let probability = spec
                .match_probability
                .unwrap_or(crate::matching::DEFAULT_THRESHOLD);
            if !(probability > 0.0 && probability < 1.0) {
                return Err("`match-probability` is strictly between 0 and 1, e.g. 0.99".into());
            }
            Kind::DuplicateRate {
                match_probability: probability,
            }
        }
        CheckType::Freshness => Kind::Freshness {
            column: column()?,
            max_age_days: spec
                .max_age_days
                .ok_or("a freshness check needs `max-age-days = N`")?,
            as_of: spec.as_of.as_ref().map(as_of_date).transpose()?,
        },
    };
    let name = spec
        .name
        .clone()
        .unwrap_or_else(|| default_name(type_name, &kind));
    Ok(Check {
        name,
        check_type: type_name,
        line,
        severity: spec.severity.unwrap_or(Severity::Error),
        threshold,
        kind,
    })
}

/// A format check: a named format, or an anchored regular expression.
fn format_kind(spec: &CheckSpec, column: String) -> Result<Kind, String> {
    let format = match (spec.format, &spec.pattern) {
        (None, _) => {
            return Err(
                "a format check needs `format = \"email\"` (or phone, date, url, regex)".into(),
            )
        }
        (Some(FormatName::Regex), None) => {
            return Err("format = \"regex\" needs `pattern = \"…\"`".into())
        }
        (Some(FormatName::Regex), Some(pattern)) => {
            // Anchored: the whole value must match, as stewards expect.
            let anchored = format!("^(?:{pattern})$");
            Format::Regex(
                regex::Regex::new(&anchored)
                    .map_err(|e| format!("`pattern` is not a valid regular expression: {e}"))?,
            )
        }
        (Some(_), Some(_)) => return Err("`pattern` only applies to format = \"regex\"".into()),
        (Some(FormatName::Email), None) => Format::Email,
        (Some(FormatName::Phone), None) => Format::Phone,
        (Some(FormatName::Date), None) => Format::Date,
        (Some(FormatName::Url), None) => Format::Url,
    };
    if spec.strict == Some(true) && matches!(format, Format::Url | Format::Regex(_)) {
        return Err("`strict` applies to email, phone and date formats".into());
    }
    Ok(Kind::Format {
        column,
        format,
        strict: spec.strict.unwrap_or(false),
    })
}

/// A range, min or max check, on values or (`length = true`) lengths.
fn range_kind(spec: &CheckSpec, check_type: CheckType, column: String) -> Result<Kind, String> {
    let measure = if spec.length.unwrap_or(false) {
        Measure::Length
    } else {
        Measure::Value
    };
    let min = spec
        .min
        .as_ref()
        .map(|v| bound(v, "min", measure))
        .transpose()?;
    let max = spec
        .max
        .as_ref()
        .map(|v| bound(v, "max", measure))
        .transpose()?;
    match check_type {
        CheckType::Min if min.is_none() => return Err("a min check needs `min`".into()),
        CheckType::Max if max.is_none() => return Err("a max check needs `max`".into()),
        CheckType::Range if min.is_none() && max.is_none() => {
            return Err("a range check needs `min`, `max` or both".into())
        }
        _ => {}
    }
    if let (Some(low), Some(high)) = (&min, &max) {
        if std::mem::discriminant(low) != std::mem::discriminant(high) {
            return Err("`min` and `max` must both be numbers or both be dates".into());
        }
        if low.greater_than(high) {
            return Err("`min` is greater than `max`".into());
        }
    }
    Ok(Kind::Range {
        column,
        min,
        max,
        measure,
    })
}

/// A row-count check: whole-number bounds.
fn row_count_kind(spec: &CheckSpec) -> Result<Kind, String> {
    let count = |value: &Option<toml::Value>, key: &str| -> Result<Option<u64>, String> {
        match value {
            None => Ok(None),
            Some(toml::Value::Integer(n)) if *n >= 0 => Ok(Some(*n as u64)),
            Some(_) => Err(format!(
                "`{key}` of a row-count check is a whole number ≥ 0"
            )),
        }
    };
    let (min, max) = (count(&spec.min, "min")?, count(&spec.max, "max")?);
    if min.is_none() && max.is_none() {
        return Err("a row-count check needs `min`, `max` or both".into());
    }
    if let (Some(low), Some(high)) = (min, max) {
        if low > high {
            return Err("`min` is greater than `max`".into());
        }
    }
    Ok(Kind::RowCount { min, max })
}

fn columns(spec: &CheckSpec, type_name: &str) -> Result<Vec<String>, String> {
    let by_role: Option<Vec<crate::schema::Role>> = match (spec.role, &spec.roles) {
        (Some(_), Some(_)) => return Err("give either `role` or `roles`, not both".into()),
        (Some(role), None) => Some(vec![role]),
        (None, Some(roles)) if !roles.is_empty() => Some(roles.clone()),
        (None, Some(_)) => return Err("`roles` is empty: list roles such as \"email\"".into()),
        (None, None) => None,
    };
    let by_header = spec.column.is_some() || spec.columns.is_some();
    match (&spec.column, &spec.columns, by_role) {
        (_, _, Some(_)) if by_header => Err(
            "name columns by header (`column`, `columns`) or by role (`role`, `roles`), not both"
                .into(),
        ),
        (None, None, Some(roles)) => Ok(roles.into_iter().map(role_placeholder).collect()),
        (Some(_), Some(_), _) => Err("give either `column` or `columns`, not both".into()),
        (Some(column), None, None) => Ok(vec![column.clone()]),
        (None, Some(columns), None) if !columns.is_empty() => Ok(columns.clone()),
        _ => Err(format!(
            "a {type_name} check needs `column = \"…\"`, `columns = [\"…\", …]`, `role = \"…\"` or `roles = [\"…\", …]`"
        )),
    }
}

/// Stands for "every column of `role`" in a resolved check until
/// `validate` knows the roles. Starts with a byte no header can hold.
pub fn role_placeholder(role: crate::schema::Role) -> String {
    format!("{ROLE_MARK}{}", role.name())
}

/// The role a placeholder stands for.
pub fn placeholder_role(column: &str) -> Option<crate::schema::Role> {
    let name = column.strip_prefix(ROLE_MARK)?;
    crate::schema::Role::ALL
        .iter()
        .copied()
        .find(|r| r.name() == name)
}

const ROLE_MARK: char = '\u{0}';

/// The failure threshold: `max-failures`, `max-failures-percent`, or the
/// type's own percent key; default: no failure allowed.
fn threshold(spec: &CheckSpec, check_type: CheckType) -> Result<Threshold, String> {
    let percent = |value: f64, key: &str| -> Result<f64, String> {
        if (0.0..=100.0).contains(&value) {
            Ok(value)
        } else {
            Err(format!("`{key}` is a percentage between 0 and 100"))
        }
    };
    let own = match check_type {
        CheckType::NotEmptyPercent => Some(
            spec.min_percent
                .map(|p| percent(p, "min-percent").map(|p| 100.0 - p))
                .ok_or("a not-empty-percent check needs `min-percent = N`")??,
        ),
        CheckType::DuplicateRate => spec
            .max_percent
            .map(|p| percent(p, "max-percent"))
            .transpose()?,
        _ => None,
    };
    let set = [
        spec.max_failures.is_some(),
        spec.max_failures_percent.is_some(),
        own.is_some(),
    ];
    if set.iter().filter(|&&s| s).count() > 1 {
        return Err("give one threshold: `max-failures`, `max-failures-percent`, or the check's own percent key".into());
    }
    if matches!(check_type, CheckType::RowCount | CheckType::Freshness)
        && (spec.max_failures.is_some() || spec.max_failures_percent.is_some())
    {
        return Err(format!(
            "a {} check passes or fails as a whole: drop `max-failures`",
            check_type.name()
        ));
    }
    Ok(match (spec.max_failures, spec.max_failures_percent, own) {
        (Some(count), _, _) => Threshold::Count(count),
        (_, Some(p), _) => Threshold::Percent(percent(p, "max-failures-percent")?),
        (_, _, Some(p)) => Threshold::Percent(p),
        _ => Threshold::Count(0),
    })
}

fn bound(value: &toml::Value, key: &str, measure: Measure) -> Result<Bound, String> {
    let fail = || {
        format!(
            "`{key}` must be a number{}",
            if measure == Measure::Length {
                " of characters"
            } else {
                " or a date such as 2000-01-01"
            }
        )
    };
    match (value, measure) {
        (toml::Value::Integer(n), _) => Ok(Bound::Number(*n as f64)),
        (toml::Value::Float(x), Measure::Value) if x.is_finite() => Ok(Bound::Number(*x)),
        (toml::Value::Datetime(d), Measure::Value) => d
            .date
            .and_then(|d| NaiveDate::from_ymd_opt(d.year.into(), d.month.into(), d.day.into()))
            .map(Bound::Date)
            .ok_or_else(fail),
        (toml::Value::String(s), Measure::Value) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map(Bound::Date)
            .map_err(|_| fail()),
        _ => Err(fail()),
    }
}

fn default_name(type_name: &str, kind: &Kind) -> String {
    let subject = match kind {
        Kind::Required { columns, any: true } => columns.join(" or "),
        Kind::Required { columns, .. } | Kind::Unique { columns } => columns.join(" + "),
        Kind::Format { column, format, .. } => format!("{column} is {}", format.name()),
        Kind::AllowedValues { column, .. }
        | Kind::Range { column, .. }
        | Kind::Freshness { column, .. } => column.clone(),
        Kind::CrossField { left, op, right } => format!("{left} {} {right}", op.symbol()),
        Kind::RowCount { .. } | Kind::DuplicateRate { .. } => return type_name.to_string(),
    };
    format!("{type_name}: {subject}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(text: &str) -> CheckSpec {
        toml::from_str(text).unwrap()
    }

    #[test]
    fn each_type_resolves() {
        let cases = [
            "type = \"required\"\ncolumns = [\"Email\", \"Phone\"]\nany = true",
            "type = \"not-empty-percent\"\ncolumn = \"Phone\"\nmin-percent = 80",
            "type = \"unique\"\ncolumns = [\"First\", \"Last\"]",
            "type = \"format\"\ncolumn = \"Email\"\nformat = \"email\"\nstrict = true",
            "type = \"format\"\ncolumn = \"Id\"\nformat = \"regex\"\npattern = \"C-\\\\d+\"",
            "type = \"allowed-values\"\ncolumn = \"Source\"\nvalues = [\"Web\"]",
            "type = \"range\"\ncolumn = \"Born\"\nmin = 1900-01-01\nmax = \"2010-12-31\"",
            "type = \"max\"\ncolumn = \"Notes\"\nmax = 500\nlength = true",
            "type = \"cross-field\"\nleft = \"a\"\nop = \"<=\"\nright = \"b\"",
            "type = \"row-count\"\nmin = 1",
            "type = \"duplicate-rate\"\nmax-percent = 0.5",
            "type = \"freshness\"\ncolumn = \"Updated\"\nmax-age-days = 2",
        ];
        for text in cases {
            let check = resolve(&spec(text), 1).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert!(!check.name.is_empty());
        }
    }

    #[test]
    fn thresholds() {
        let check = resolve(
            &spec("type = \"not-empty-percent\"\ncolumn = \"P\"\nmin-percent = 80"),
            1,
        )
        .unwrap();
        assert_eq!(check.threshold, Threshold::Percent(20.0));
        let check = resolve(
            &spec("type = \"unique\"\ncolumn = \"P\"\nmax-failures = 3"),
            1,
        )
        .unwrap();
        assert_eq!(check.threshold, Threshold::Count(3));
        let check = resolve(&spec("type = \"unique\"\ncolumn = \"P\""), 1).unwrap();
        assert_eq!(check.threshold, Threshold::Count(0));
    }

    #[test]
    fn mistakes_are_explained() {
        let cases = [
            ("column = \"x\"", "`type` is missing"),
            ("type = \"unique\"", "needs `column"),
            (
                "type = \"unique\"\ncolumn = \"a\"\nvalues = [\"x\"]",
                "`values` does not apply",
            ),
            (
                "type = \"format\"\ncolumn = \"a\"\nformat = \"regex\"",
                "needs `pattern",
            ),
            (
                "type = \"format\"\ncolumn = \"a\"\nformat = \"regex\"\npattern = \"(\"",
                "not a valid regular expression",
            ),
            (
                "type = \"cross-field\"\nleft = \"a\"\nop = \"=<\"\nright = \"b\"",
                "not a comparison",
            ),
            (
                "type = \"range\"\ncolumn = \"a\"\nmin = 5\nmax = 1",
                "greater than",
            ),
            (
                "type = \"range\"\ncolumn = \"a\"\nmin = \"soon\"",
                "or a date",
            ),
            (
                "type = \"unique\"\ncolumn = \"a\"\nmax-failures = 1\nmax-failures-percent = 2.0",
                "one threshold",
            ),
            (
                "type = \"not-empty-percent\"\ncolumn = \"a\"\nmin-percent = 120",
                "between 0 and 100",
            ),
            ("type = \"row-count\"\nmin = -1", "whole number"),
            ("type = \"freshness\"\ncolumn = \"a\"", "max-age-days"),
        ];
        for (text, expected) in cases {
            let err = resolve(&spec(text), 1).unwrap_err();
            assert!(err.contains(expected), "{text}: {err}");
        }
    }
}
