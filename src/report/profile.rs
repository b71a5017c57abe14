//! `profile` results as a terminal table, versioned JSON (stable enough to
//! compare run to run), a comparison with an earlier JSON, and one
//! self-contained HTML page (inline CSS and SVG, no scripts, no network).

use super::{escape_markup, VERSION};
use crate::profile::{ColumnProfile, Duplicates};
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

/// The whole profile, as written by `--json` and read by `--compare`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Profile {
    pub version: u32,
    pub command: String,
    pub input: String,
    pub rows: usize,
    pub columns: Vec<ColumnProfile>,
    /// `None` when not estimated (`--no-duplicates`) or nothing to match on.
    pub duplicates: Option<Duplicates>,
}

impl Profile {
    pub fn new(
        input: String,
        rows: usize,
        columns: Vec<ColumnProfile>,
        duplicates: Option<Duplicates>,
    ) -> Profile {
        Profile {
            version: VERSION,
            command: "profile".into(),
            input,
            rows,
            columns,
            duplicates,
        }
    }

    /// Mean completeness over columns, in percent.
    pub fn completeness(&self) -> f64 {
        mean(self.columns.iter().map(|c| c.completeness))
    }

    /// Mean validity over columns that have one, in percent.
    pub fn validity(&self) -> Option<f64> {
        let values: Vec<f64> = self.columns.iter().filter_map(|c| c.validity).collect();
        (!values.is_empty()).then(|| mean(values.into_iter()))
    }
}

fn mean(values: impl Iterator<Item = f64>) -> f64 {
    let (sum, n) = values.fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    if n == 0 {
        0.0
    } else {
        crate::profile::round(sum / n as f64)
    }
}

fn pct(value: Option<f64>) -> String {
    value.map_or("—".into(), |v| format!("{v:.1}%"))
}

fn clip(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_string()
    } else {
        let mut out: String = text.chars().take(width - 1).collect();
        out.push('…');
        out
    }
}

/// The table printed on stdout.
pub fn text(profile: &Profile) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "tidyrec profile: {} ({} rows × {} columns)\n",
        profile.input,
        profile.rows,
        profile.columns.len()
    );
    let name_width = profile
        .columns
        .iter()
        .map(|c| c.name.chars().count())
        .max()
        .unwrap_or(6)
        .clamp(6, 28);
    let _ = writeln!(
        out,
        "{:<name_width$}  {:<11}  {:<7}  {:>8}  {:>8}  {:>9}  {:>9}  TOP VALUE",
        "COLUMN", "ROLE", "FROM", "COMPLETE", "VALID", "DISTINCT", "TO CLEAN"
    );
    for column in &profile.columns {
        let top = column
            .top_values
            .first()
            .map(|t| format!("{} ({})", clip(&t.value, 24), t.count))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "{:<name_width$}  {:<11}  {:<7}  {:>8}  {:>8}  {:>9}  {:>9}  {}",
            clip(&column.name, name_width),
            column.role,
            column.role_source,
            pct(Some(column.completeness)),
            pct(column.validity),
            column.distinct,
            column.needs_normalizing,
            top
        );
    }
    let _ = writeln!(
        out,
        "\ncompleteness {} · validity {}{}",
        pct(Some(profile.completeness())),
        pct(profile.validity()),
        match &profile.duplicates {
            Some(d) => format!(
                " · likely duplicates {} of {} records ({:.2}%) in {} clusters",
                d.duplicate_records, profile.rows, d.rate, d.clusters
            ),
            None => String::new(),
        }
    );
    out
}

/// One metric that moved between two profiles.
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    pub subject: String,
    pub metric: &'static str,
    pub old: f64,
    pub new: f64,
    /// `better`, `worse` or `same`.
    pub verdict: &'static str,
}

/// What got better or worse since `old` (columns matched by name).
pub fn compare(old: &Profile, new: &Profile) -> Vec<Change> {
    let mut changes = Vec::new();
    let mut push =
        |subject: &str, metric: &'static str, old: f64, new: f64, higher_is_better: bool| {
            let delta = new - old;
            let verdict = if delta.abs() < 0.005 {
                "same"
            } else if (delta > 0.0) == higher_is_better {
                "better"
            } else {
                "worse"
            };
            changes.push(Change {
                subject: subject.to_string(),
                metric,
                old,
                new,
                verdict,
            });
        };
    push("table", "rows", old.rows as f64, new.rows as f64, true);
    if let (Some(a), Some(b)) = (&old.duplicates, &new.duplicates) {
        push("table", "duplicate rate %", a.rate, b.rate, false);
    }
    for column in &new.columns {
        let Some(before) = old.columns.iter().find(|c| c.name == column.name) else {
            continue;
        };
        push(
            &column.name,
            "completeness %",
            before.completeness,
            column.completeness,
            true,
        );
        if let (Some(a), Some(b)) = (before.validity, column.validity) {
            push(&column.name, "validity %", a, b, true);
        }
    }
    changes
}

/// The changes that got worse by more than `tolerance` allows (see
/// [`crate::config::Tolerances`]).
pub fn regressions<'a>(
    changes: &'a [Change],
    tolerance: &crate::config::Tolerances,
) -> Vec<&'a Change> {
    changes
        .iter()
        .filter(|c| c.verdict == "worse")
        .filter(|c| {
            let worsening = (c.new - c.old).abs();
            match c.metric {
                "rows" => {
                    let percent = if c.old > 0.0 {
                        100.0 * worsening / c.old
                    } else {
                        0.0
                    };
                    percent > tolerance.rows_percent.unwrap_or(0.0)
                }
                "duplicate rate %" => worsening > tolerance.duplicate_rate.unwrap_or(0.0),
                "completeness %" => worsening > tolerance.completeness.unwrap_or(0.0),
                "validity %" => worsening > tolerance.validity.unwrap_or(0.0),
                _ => true,
            }
        })
        .collect()
}

/// The comparison as text: what got worse first, then what got better.
pub fn compare_text(old: &Profile, new: &Profile, changes: &[Change]) -> String {
    let mut out = format!("compared with {} ({} rows):\n", old.input, old.rows);
    let moved: Vec<&Change> = changes.iter().filter(|c| c.verdict != "same").collect();
    if moved.is_empty() {
        out.push_str("  no change in rows, completeness, validity or duplicates\n");
    }
    for verdict in ["worse", "better"] {
        for change in moved.iter().filter(|c| c.verdict == verdict) {
            let _ = writeln!(
                out,
                "  {:<6} {:<24} {:<17} {} → {}",
                verdict.to_uppercase(),
                clip(&change.subject, 24),
                change.metric,
                change.old,
                change.new
            );
        }
    }
    let old_names: Vec<&str> = old.columns.iter().map(|c| c.name.as_str()).collect();
    let new_names: Vec<&str> = new.columns.iter().map(|c| c.name.as_str()).collect();
    for name in new_names.iter().filter(|n| !old_names.contains(n)) {
        let _ = writeln!(out, "  NEW    column {name}");
    }
    for name in old_names.iter().filter(|n| !new_names.contains(n)) {
        let _ = writeln!(out, "  GONE   column {name}");
    }
    out
}

const CSS: &str = "
body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,'Noto Sans','Noto Sans CJK SC',sans-serif;margin:0;background:#f5f6f8;color:#1d2330}
header{background:#1d2330;color:#fff;padding:20px 32px}
header h1{margin:0;font-size:20px}
header p{margin:4px 0 0;color:#b8c0d0}
main{padding:24px 32px;max-width:1200px}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin-bottom:24px}
.card{background:#fff;border-radius:8px;padding:14px 18px;box-shadow:0 1px 2px rgba(0,0,0,.08);min-width:150px}
.card b{display:block;font-size:24px}
.card span{color:#5b6475;font-size:12px;text-transform:uppercase;letter-spacing:.04em}
section{background:#fff;border-radius:8px;padding:16px 20px;margin-bottom:24px;box-shadow:0 1px 2px rgba(0,0,0,.08)}
h2{font-size:16px;margin:0 0 12px}
.legend span{display:inline-block;width:12px;height:12px;border-radius:2px;margin:0 4px 0 12px;vertical-align:-1px}
.columns{display:grid;grid-template-columns:repeat(auto-fill,minmax(340px,1fr));gap:16px}
.column{border:1px solid #e3e6ec;border-radius:8px;padding:12px 14px}
.column h3{margin:0 0 2px;font-size:15px}
.role{color:#5b6475;font-size:12px}
dl{display:grid;grid-template-columns:auto 1fr;gap:2px 12px;margin:8px 0;font-size:13px}
dt{color:#5b6475}dd{margin:0}
svg text{font-size:12px;fill:#1d2330}
";

const COMPLETE: &str = "#3b6fd8";
const VALID: &str = "#2e9e6a";
const INVALID: &str = "#d8523b";

/// Completeness and validity bars, one row per column.
fn quality_chart(profile: &Profile) -> String {
    let label = 200.0;
    let bar = 480.0;
    let row = 34.0;
    let height = row * profile.columns.len() as f64 + 10.0;
    let mut svg = format!(
        "<svg role=\"img\" aria-label=\"Completeness and validity per column\" width=\"{}\" height=\"{height}\" viewBox=\"0 0 {} {height}\">",
        label + bar + 80.0,
        label + bar + 80.0
    );
    for (i, column) in profile.columns.iter().enumerate() {
        let y = i as f64 * row + 4.0;
        let _ = write!(
            svg,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
            label - 8.0,
            y + 14.0,
            escape_markup(&clip(&column.name, 28))
        );
        let _ = write!(
            svg,
            "<rect x=\"{label}\" y=\"{y}\" width=\"{bar}\" height=\"12\" fill=\"#e9ecf2\"/><rect class=\"completeness\" x=\"{label}\" y=\"{y}\" width=\"{:.1}\" height=\"12\" fill=\"{COMPLETE}\"><title>{}: {:.1}% complete</title></rect><text x=\"{}\" y=\"{}\">{:.1}%</text>",
            bar * column.completeness / 100.0,
            escape_markup(&column.name),
            column.completeness,
            label + bar + 6.0,
            y + 10.0,
            column.completeness
        );
        if let Some(validity) = column.validity {
            let _ = write!(
                svg,
                "<rect x=\"{label}\" y=\"{}\" width=\"{bar}\" height=\"10\" fill=\"{INVALID}\" opacity=\".35\"/><rect class=\"validity\" x=\"{label}\" y=\"{}\" width=\"{:.1}\" height=\"10\" fill=\"{VALID}\"><title>{}: {:.1}% valid</title></rect><text x=\"{}\" y=\"{}\">{:.1}%</text>",
                y + 14.0,
                y + 14.0,
                bar * validity / 100.0,
                escape_markup(&column.name),
                validity,
                label + bar + 6.0,
                y + 23.0,
                validity
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

/// Horizontal bars of a column's top values.
fn values_chart(column: &ColumnProfile) -> String {
    let Some(most) = column.top_values.first().map(|t| t.count) else {
        return "<p class=\"role\">no values</p>".into();
    };
    if most == 1 {
        return "<p class=\"role\">every value occurs once</p>".into();
    }
    let (label, bar, row) = (150.0, 150.0, 18.0);
    let height = row * column.top_values.len() as f64 + 4.0;
    let mut svg = format!(
        "<svg role=\"img\" aria-label=\"Top values of {}\" width=\"{}\" height=\"{height}\">",
        escape_markup(&column.name),
        label + bar + 60.0
    );
    for (i, top) in column.top_values.iter().enumerate() {
        let y = i as f64 * row + 2.0;
        let width = bar * top.count as f64 / most as f64;
        let _ = write!(
            svg,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text><rect class=\"value\" x=\"{label}\" y=\"{y}\" width=\"{width:.1}\" height=\"13\" fill=\"{COMPLETE}\" opacity=\".8\"/><text x=\"{}\" y=\"{}\">{}</text>",
            label - 6.0,
            y + 11.0,
            escape_markup(&clip(&top.value, 18)),
            label + width + 4.0,
            y + 11.0,
            top.count
        );
    }
    svg.push_str("</svg>");
    svg
}

/// Clusters by size (2, 3, …): how duplicates group.
fn duplicates_chart(duplicates: &Duplicates) -> String {
    let sizes: Vec<(&String, &usize)> = duplicates
        .cluster_sizes
        .iter()
        .filter(|(size, _)| size.as_str() != "1")
        .collect();
    if sizes.is_empty() {
        return "<p>No likely duplicates: every record is its own customer.</p>".into();
    }
    let most = sizes.iter().map(|(_, n)| **n).max().unwrap_or(1) as f64;
    let (column, plot) = (56.0, 160.0);
    let width = column * sizes.len() as f64 + 40.0;
    let mut svg = format!(
        "<svg role=\"img\" aria-label=\"Duplicate clusters by size\" width=\"{width}\" height=\"{}\">",
        plot + 44.0
    );
    let mut ordered = sizes;
    ordered.sort_by_key(|(size, _)| size.parse::<usize>().unwrap_or(0));
    for (i, (size, count)) in ordered.iter().enumerate() {
        let h = plot * **count as f64 / most;
        let x = 20.0 + i as f64 * column;
        let _ = write!(
            svg,
            "<rect class=\"cluster-size\" x=\"{x}\" y=\"{:.1}\" width=\"{}\" height=\"{h:.1}\" fill=\"{COMPLETE}\"><title>{count} clusters of {size} records</title></rect><text x=\"{}\" y=\"{:.1}\" text-anchor=\"middle\">{count}</text><text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{size}</text>",
            plot + 16.0 - h,
            column - 12.0,
            x + (column - 12.0) / 2.0,
            plot + 12.0 - h,
            x + (column - 12.0) / 2.0,
            plot + 34.0
        );
    }
    svg.push_str("</svg>");
    svg
}

/// The self-contained HTML report.
pub fn html(profile: &Profile) -> String {
    let mut out = String::from("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
    let _ = write!(
        out,
        "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>tidyrec profile: {}</title><style>{CSS}</style></head><body>",
        escape_markup(&profile.input)
    );
    let _ = write!(
        out,
        "<header><h1>Data quality profile</h1><p>{} · {} rows × {} columns · tidyrec {}</p></header><main>",
        escape_markup(&profile.input),
        profile.rows,
        profile.columns.len(),
        env!("CARGO_PKG_VERSION")
    );
    out.push_str("<div class=\"cards\">");
    let mut card = |value: String, label: &str| {
        let _ = write!(
            out,
            "<div class=\"card\"><b>{value}</b><span>{label}</span></div>"
        );
    };
    card(profile.rows.to_string(), "rows");
    card(profile.columns.len().to_string(), "columns");
    card(pct(Some(profile.completeness())), "completeness");
    card(pct(profile.validity()), "validity");
    if let Some(d) = &profile.duplicates {
        card(format!("{:.2}%", d.rate), "likely duplicates");
    }
    out.push_str("</div>");
    let _ = write!(
        out,
        "<section id=\"quality\"><h2>Completeness and validity per column</h2><p class=\"legend\"><span style=\"background:{COMPLETE}\"></span>filled<span style=\"background:{VALID}\"></span>valid for its role<span style=\"background:{INVALID};opacity:.35\"></span>invalid</p>{}</section>",
        quality_chart(profile)
    );
    if let Some(d) = &profile.duplicates {
        let _ = write!(
            out,
            "<section id=\"duplicates\"><h2>Likely duplicate customers</h2><p>{} of {} records ({:.2}%) look like another record of the same customer; they form {} clusters. Clusters by number of records:</p>{}</section>",
            d.duplicate_records,
            profile.rows,
            d.rate,
            d.cluster_sizes
                .iter()
                .filter(|(size, _)| size.as_str() != "1")
                .map(|(_, n)| n)
                .sum::<usize>(),
            duplicates_chart(d)
        );
    }
    out.push_str("<section id=\"columns\"><h2>Columns</h2><div class=\"columns\">");
    for column in &profile.columns {
        let _ = write!(
            out,
            "<div class=\"column\"><h3>{}</h3><div class=\"role\">{} (from {})</div><dl><dt>filled</dt><dd>{} ({})</dd><dt>valid</dt><dd>{}</dd><dt>distinct</dt><dd>{}</dd><dt>to normalize</dt><dd>{}</dd>",
            escape_markup(&column.name),
            column.role,
            column.role_source,
            column.filled,
            pct(Some(column.completeness)),
            match (column.validity, column.invalid) {
                (Some(v), Some(bad)) => format!("{} ({bad} invalid)", pct(Some(v))),
                _ => "—".into(),
            },
            column.distinct,
            column.needs_normalizing
        );
        if let (Some(min), Some(max)) = (&column.min, &column.max) {
            let _ = write!(
                out,
                "<dt>range</dt><dd>{} … {}</dd>",
                escape_markup(min),
                escape_markup(max)
            );
        }
        if let Some(length) = &column.length {
            let _ = write!(
                out,
                "<dt>length</dt><dd>{} … {} (mean {})</dd>",
                length.min, length.max, length.mean
            );
        }
        let _ = write!(out, "</dl>{}</div>", values_chart(column));
    }
    out.push_str("</div></section></main></body></html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::TopValue;

    fn column(name: &str, completeness: f64, validity: Option<f64>) -> ColumnProfile {
        ColumnProfile {
            name: name.into(),
            role: "email".into(),
            role_source: "header".into(),
            filled: 9,
            completeness,
            invalid: validity.map(|_| 1),
            validity,
            needs_normalizing: 2,
            distinct: 8,
            top_values: vec![
                TopValue {
                    value: "<b>a@x.com</b>".into(),
                    count: 2,
                },
                TopValue {
                    value: "c@x.com".into(),
                    count: 1,
                },
            ],
            length: None,
            min: None,
            max: None,
        }
    }

    #[test]
    fn comparison_says_what_got_worse() {
        let old = Profile::new(
            "old.csv".into(),
            10,
            vec![column("Email", 90.0, Some(99.0))],
            None,
        );
        let new = Profile::new(
            "new.csv".into(),
            12,
            vec![
                column("Email", 95.0, Some(97.5)),
                column("Phone", 50.0, None),
            ],
            None,
        );
        let changes = compare(&old, &new);
        let verdict = |metric: &str| changes.iter().find(|c| c.metric == metric).unwrap().verdict;
        assert_eq!(verdict("completeness %"), "better");
        assert_eq!(verdict("validity %"), "worse");
        let text = compare_text(&old, &new, &changes);
        assert!(
            text.find("WORSE").unwrap() < text.find("BETTER").unwrap(),
            "{text}"
        );
        assert!(text.contains("NEW    column Phone"), "{text}");
    }

    #[test]
    fn html_escapes_values_and_has_charts() {
        let profile = Profile::new(
            "x.csv".into(),
            10,
            vec![column("Email", 90.0, Some(99.0))],
            None,
        );
        let page = html(&profile);
        assert!(page.contains("&lt;b&gt;a@x.com&lt;/b&gt;"));
        assert!(!page.contains("<b>a@x.com"));
        assert_eq!(page.matches("class=\"completeness\"").count(), 1);
        assert!(!page.contains("<script"));
        assert!(!page.contains("http"), "no network resources");
    }
}
