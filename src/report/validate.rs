//! `validate` results as a text table, JSON (versioned), JUnit XML, GitHub
//! workflow annotations, and a CSV of failing rows.
//!
//! Every format says the same things: per check its status, the rows it
//! failed on out of the rows it evaluated, its threshold, and examples with
//! row number, record id, column, raw value and reason.

use crate::io::write;
use crate::table::Table;
use crate::validate::{self, Check, CheckResult, Failure, Status, Threshold};
use serde_json::{json, Value};
use std::fmt::Write as _;
use std::path::Path;

use super::{escape_markup, VERSION};

/// Examples per check in the text, JSON, JUnit and GitHub outputs (all
/// failing rows go to `--failures`).
const EXAMPLES: usize = 5;

pub struct Report<'a> {
    pub input: &'a Path,
    pub rules_path: &'a Path,
    pub table: &'a Table,
    pub id_column: Option<usize>,
    pub checks: &'a [Check],
    pub results: &'a [CheckResult],
}

impl Report<'_> {
    fn count(&self, status: Status) -> usize {
        self.results.iter().filter(|r| r.status == status).count()
    }

    fn overall(&self) -> Status {
        if self.count(Status::Fail) > 0 {
            Status::Fail
        } else if self.count(Status::Warn) > 0 {
            Status::Warn
        } else {
            Status::Pass
        }
    }

    fn id(&self, row: u32) -> String {
        self.id_column
            .map(|c| self.table.columns[c].get(row as usize).to_string())
            .unwrap_or_default()
    }

    fn value(&self, failure: &Failure) -> String {
        failure
            .column
            .map(|c| self.table.columns[c].get(failure.row as usize).to_string())
            .unwrap_or_default()
    }

    fn column_name(&self, failure: &Failure) -> &str {
        failure
            .column
            .map_or("", |c| self.table.headers[c].as_str())
    }

    /// `row 17 (C-1017), Mobile = "555-01": not a valid phone number`
    fn example(&self, failure: &Failure) -> String {
        let id = self.id(failure.row);
        let mut text = format!("row {}", failure.row + 1);
        if !id.is_empty() {
            let _ = write!(text, " ({id})");
        }
        if failure.column.is_some() {
            let _ = write!(
                text,
                ", {} = {:?}",
                self.column_name(failure),
                self.value(failure)
            );
        }
        let _ = write!(text, ": {}", failure.reason);
        text
    }

    /// `12 of 1,000 values (1.20%)` or the check's own sentence.
    fn outcome(&self, check: &Check, result: &CheckResult) -> String {
        if let Some(detail) = &result.detail {
            if matches!(
                check.kind,
                validate::Kind::RowCount { .. } | validate::Kind::Freshness { .. }
            ) {
                return detail.clone();
            }
        }
        format!(
            "{} of {} {} ({:.2}%)",
            group_digits(result.failing),
            group_digits(result.evaluated),
            unit(check),
            validate::percent(result.failing, result.evaluated)
        )
    }
}

fn unit(check: &Check) -> &'static str {
    match check.kind {
        validate::Kind::Format { .. }
        | validate::Kind::AllowedValues { .. }
        | validate::Kind::Range { .. } => "values",
        validate::Kind::CrossField { .. } => "rows compared",
        validate::Kind::DuplicateRate { .. } => "records",
        _ => "rows",
    }
}

fn group_digits(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

pub fn threshold_text(check: &Check) -> String {
    match check.kind {
        validate::Kind::RowCount { min, max } => match (min, max) {
            (Some(low), Some(high)) => format!("{low} … {high} rows"),
            (Some(low), None) => format!("≥ {low} rows"),
            (None, Some(high)) => format!("≤ {high} rows"),
            (None, None) => String::new(),
        },
        validate::Kind::Freshness { max_age_days, .. } => format!("≤ {max_age_days} days old"),
        _ => check.threshold.describe(),
    }
}

pub fn columns_text(check: &Check) -> String {
    check.kind.columns().join(", ")
}

/// The readable table for the terminal.
pub fn text(report: &Report<'_>) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "tidyrec validate: {} ({} rows) against {}\n",
        report.input.display(),
        group_digits(report.table.row_count()),
        report.rules_path.display()
    );
    let rows: Vec<[String; 5]> = report
        .checks
        .iter()
        .zip(report.results)
        .map(|(check, result)| {
            [
                result.status.name().to_uppercase(),
                check.name.clone(),
                columns_text(check),
                report.outcome(check, result),
                threshold_text(check),
            ]
        })
        .collect();
    let headers = ["STATUS", "CHECK", "COLUMNS", "FAILING", "ALLOWED"];
    let width = |i: usize| {
        rows.iter()
            .map(|r| r[i].chars().count())
            .chain([headers[i].len()])
            .max()
            .unwrap_or(0)
            .min(48)
    };
    let widths: Vec<usize> = (0..5).map(width).collect();
    let line = |cells: [&str; 5]| {
        let mut text = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i == 4 {
                text.push_str(cell);
            } else {
                let pad = widths[i].saturating_sub(cell.chars().count());
                let _ = write!(text, "{cell}{}  ", " ".repeat(pad));
            }
        }
        text.trim_end().to_string()
    };
    let _ = writeln!(out, "{}", line(headers));
    for ((row, check), result) in rows.iter().zip(report.checks).zip(report.results) {
        let _ = writeln!(
            out,
            "{}",
            line([&row[0], &row[1], &row[2], &row[3], &row[4]])
        );
        if result.status != Status::Pass {
            let indent = " ".repeat(widths[0] + 2);
            for failure in result.failures.iter().take(3) {
                let _ = writeln!(out, "{indent}e.g. {}", report.example(failure));
            }
            if result.failures.is_empty() {
                if let Some(detail) = &result.detail {
                    if !matches!(
                        check.kind,
                        validate::Kind::RowCount { .. } | validate::Kind::Freshness { .. }
                    ) {
                        let _ = writeln!(out, "{indent}{detail}");
                    }
                }
            }
        }
    }
    let _ = writeln!(out, "\n{}", one_line(report));
    out
}

/// `1 failed, 1 warned, 8 passed (10 checks) → exit 1`
pub fn one_line(report: &Report<'_>) -> String {
    let failed = report.count(Status::Fail);
    format!(
        "{} failed, {} warned, {} passed ({} checks) → exit {}",
        failed,
        report.count(Status::Warn),
        report.count(Status::Pass),
        report.results.len(),
        u8::from(failed > 0)
    )
}

/// The stable machine-readable report (documented in the README).
pub fn json(report: &Report<'_>) -> Value {
    let checks: Vec<Value> = report
        .checks
        .iter()
        .zip(report.results)
        .map(|(check, result)| {
            let threshold = match check.threshold {
                Threshold::Count(n) => json!({ "max_failures": n }),
                Threshold::Percent(p) => json!({ "max_failures_percent": p }),
            };
            json!({
                "name": check.name,
                "type": check.check_type,
                "severity": check.severity,
                "columns": check.kind.columns(),
                "rule_line": check.line,
                "status": result.status,
                "evaluated": result.evaluated,
                "failing": result.failing,
                "failing_percent": round(validate::percent(result.failing, result.evaluated)),
                "threshold": threshold,
                "detail": result.detail,
                "examples": result.failures.iter().take(EXAMPLES).map(|f| json!({
                    "row": f.row + 1,
                    "id": report.id(f.row),
                    "column": report.column_name(f),
                    "value": report.value(f),
                    "reason": f.reason,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "version": VERSION,
        "command": "validate",
        "input": report.input,
        "rules": report.rules_path,
        "rows": report.table.row_count(),
        "status": report.overall(),
        "summary": {
            "checks": report.results.len(),
            "passed": report.count(Status::Pass),
            "warned": report.count(Status::Warn),
            "failed": report.count(Status::Fail),
        },
        "checks": checks,
    })
}

fn round(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// JUnit XML: one test case per check; failed `error` checks are failures,
/// `warn` checks that exceed their threshold pass with the finding in
/// `system-out` (JUnit has no warnings).
pub fn junit(report: &Report<'_>) -> String {
    let failures = report.count(Status::Fail);
    let tests = report.results.len();
    let suite = escape_markup(&report.input.display().to_string());
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"tidyrec validate\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\">"
    );
    let _ = writeln!(
        out,
        "  <testsuite name=\"{suite}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\">"
    );
    for (check, result) in report.checks.iter().zip(report.results) {
        let name = escape_markup(&check.name);
        let class = escape_markup(&format!("tidyrec.validate.{}", check.check_type));
        let summary = format!(
            "{}; allowed {}",
            report.outcome(check, result),
            threshold_text(check)
        );
        let mut body = String::new();
        for failure in result.failures.iter().take(EXAMPLES) {
            let _ = writeln!(body, "{}", report.example(failure));
        }
        if result.failing > EXAMPLES && !result.failures.is_empty() {
            let _ = writeln!(
                body,
                "… {} more (see --failures)",
                result.failing - EXAMPLES
            );
        }
        match result.status {
            Status::Pass => {
                let _ = writeln!(out, "    <testcase name=\"{name}\" classname=\"{class}\"/>");
            }
            Status::Fail => {
                let _ = writeln!(out, "    <testcase name=\"{name}\" classname=\"{class}\">");
                let _ = writeln!(
                    out,
                    "      <failure type=\"{}\" message=\"{}\">{}</failure>",
                    check.check_type,
                    escape_markup(&summary),
                    escape_markup(body.trim_end())
                );
                let _ = writeln!(out, "    </testcase>");
            }
            Status::Warn => {
                let _ = writeln!(out, "    <testcase name=\"{name}\" classname=\"{class}\">");
                let _ = writeln!(
                    out,
                    "      <system-out>warning: {}\n{}</system-out>",
                    escape_markup(&summary),
                    escape_markup(body.trim_end())
                );
                let _ = writeln!(out, "    </testcase>");
            }
        }
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

/// GitHub Actions workflow commands: `::error` / `::warning` per check that
/// exceeds its threshold, and a `::notice` with the totals.
pub fn github(report: &Report<'_>) -> String {
    // https://docs.github.com/actions/reference/workflow-commands-for-github-actions
    fn data(text: &str) -> String {
        text.replace('%', "%25")
            .replace('\r', "%0D")
            .replace('\n', "%0A")
    }
    fn property(text: &str) -> String {
        data(text).replace(':', "%3A").replace(',', "%2C")
    }
    let file = property(&report.input.display().to_string());
    let mut out = String::new();
    for (check, result) in report.checks.iter().zip(report.results) {
        let command = match result.status {
            Status::Pass => continue,
            Status::Warn => "warning",
            Status::Fail => "error",
        };
        let mut message = format!(
            "{}; allowed {}",
            report.outcome(check, result),
            threshold_text(check)
        );
        for failure in result.failures.iter().take(EXAMPLES) {
            message.push('\n');
            message.push_str(&report.example(failure));
        }
        let _ = writeln!(
            out,
            "::{command} file={file},title={}::{}",
            property(&check.name),
            data(&message)
        );
    }
    let _ = writeln!(
        out,
        "::notice title=tidyrec validate::{}",
        data(&one_line(report))
    );
    out
}

/// Every failing row: row, id, check, column, value, reason.
pub fn write_failures(path: &Path, report: &Report<'_>) -> Result<(), write::WriteError> {
    let rows = report
        .checks
        .iter()
        .zip(report.results)
        .flat_map(|(check, result)| {
            result.failures.iter().map(move |failure| {
                vec![
                    (failure.row + 1).to_string(),
                    report.id(failure.row),
                    check.name.clone(),
                    check.severity_name().to_string(),
                    report.column_name(failure).to_string(),
                    report.value(failure),
                    failure.reason.to_string(),
                ]
            })
        });
    write::records(
        path,
        &[
            "row", "id", "check", "severity", "column", "value", "reason",
        ],
        rows,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_are_grouped() {
        assert_eq!(group_digits(0), "0");
        assert_eq!(group_digits(999), "999");
        assert_eq!(group_digits(1000), "1,000");
        assert_eq!(group_digits(1234567), "1,234,567");
    }

    #[test]
    fn xml_is_escaped() {
        assert_eq!(
            escape_markup("a<b & \"c\"\u{1}"),
            "a&lt;b &amp; &quot;c&quot;\u{fffd}"
        );
    }
}
