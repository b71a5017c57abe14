//! The normalize summary: per column role, changed, emptied, rejected and
//! empty counts, with the most common rejection reasons.

use crate::io::ReadOutcome;
use crate::normalize::Outcome;
use crate::schema::Inferred;
use serde_json::{json, Value};
use std::fmt::Write;
use std::path::Path;
use std::time::Duration;

pub struct Summary<'a> {
    pub input: &'a Path,
    pub output: &'a Path,
    pub read: &'a ReadOutcome,
    /// Rows normalized (the read table is empty when the file went block by
    /// block).
    pub rows: usize,
    pub roles: &'a [Inferred],
    pub outcome: &'a Outcome,
    pub rejects_file: Option<&'a Path>,
    pub memory: Memory,
    pub timings: [(&'static str, Duration); 4],
}

/// How the run used memory: the file held whole, or read in blocks
/// (twice) because holding it would pass the budget.
pub struct Memory {
    /// `whole` or `blocks`.
    pub strategy: &'static str,
    pub budget: u64,
    pub blocks: usize,
    /// Times the input was read (1 when held whole).
    pub passes: u8,
    /// Peak resident memory of the process (Linux `VmHWM`).
    pub peak: Option<u64>,
}

pub fn json(summary: &Summary<'_>) -> Value {
    let table = &summary.read.table;
    let columns: Vec<Value> = table
        .headers
        .iter()
        .zip(summary.roles)
        .zip(&summary.outcome.stats)
        .map(|((name, inferred), stats)| {
            json!({
                "name": name,
                "role": inferred.role.name(),
                "role_source": inferred.source,
                "changed": stats.changed,
                "emptied": stats.emptied,
                "rejected": stats.rejected,
                "unchanged": stats.unchanged,
                "empty": stats.empty,
                "rejection_reasons": stats.reasons.iter().map(|(r, n)| json!({"reason": r, "count": n})).collect::<Vec<_>>(),
                "unrecognised_values": stats.unrecognised.iter().map(|(v, n)| json!({"value": v, "count": n})).collect::<Vec<_>>(),
            })
        })
        .collect();
    let timings: serde_json::Map<String, Value> = summary
        .timings
        .iter()
        .map(|(name, d)| (format!("{name}_ms"), json!(d.as_millis() as u64)))
        .collect();
    json!({
        "version": super::VERSION,
        "command": "normalize",
        "input": {
            "path": summary.input.display().to_string(),
            "format": summary.read.format,
            "encoding": summary.read.encoding,
            "encoding_guessed": summary.read.encoding_guessed,
            "delimiter": summary.read.delimiter.map(|d| (d as char).to_string()),
            "rows": summary.rows,
            "columns": table.headers.len(),
            "rejected_rows": summary.read.rejects.len(),
            "rejects_file": summary.rejects_file.map(|p| p.display().to_string()),
        },
        "output": { "path": summary.output.display().to_string() },
        "columns": columns,
        "totals": {
            "changed": summary.outcome.stats.iter().map(|s| s.changed).sum::<usize>(),
            "emptied": summary.outcome.stats.iter().map(|s| s.emptied).sum::<usize>(),
            "rejected": summary.outcome.stats.iter().map(|s| s.rejected).sum::<usize>(),
        },
        "memory": {
            "strategy": summary.memory.strategy,
            "budget_bytes": summary.memory.budget,
            "blocks": summary.memory.blocks,
            "passes": summary.memory.passes,
            "peak_resident_bytes": summary.memory.peak,
        },
        "timings": timings,
    })
}

/// The stderr summary: a line per column, then totals.
pub fn text(summary: &Summary<'_>) -> String {
    let table = &summary.read.table;
    let mut out = String::new();
    let total = summary.timings[3].1.as_secs_f64();
    let _ = writeln!(
        out,
        "normalized {} rows × {} columns in {total:.2}s → {}",
        summary.rows,
        table.headers.len(),
        summary.output.display()
    );
    let width = table
        .headers
        .iter()
        .map(|h| h.chars().count())
        .max()
        .unwrap_or(6)
        .clamp(6, 28);
    let _ = writeln!(
        out,
        "  {:<width$}  {:<11} {:>9} {:>9} {:>9} {:>9}",
        "column", "role", "changed", "emptied", "rejected", "empty"
    );
    for ((name, inferred), stats) in table
        .headers
        .iter()
        .zip(summary.roles)
        .zip(&summary.outcome.stats)
    {
        let shown: String = name.chars().take(width).collect();
        let pad = width.saturating_sub(shown.chars().count());
        let _ = write!(
            out,
            "  {shown}{:pad$}  {:<11} {:>9} {:>9} {:>9} {:>9}",
            "",
            inferred.role.name(),
            stats.changed,
            stats.emptied,
            stats.rejected,
            stats.empty
        );
        if let Some((reason, count)) = stats.reasons.first() {
            let _ = write!(out, "   ({count}× {reason})");
        }
        out.push('\n');
        if !stats.unrecognised.is_empty() {
            let shown: Vec<String> = stats
                .unrecognised
                .iter()
                .map(|(value, count)| format!("`{value}` × {count}"))
                .collect();
            let _ = writeln!(
                out,
                "    not recognised as countries (kept; their rows' national phones too): {}",
                shown.join(", ")
            );
        }
    }
    let rejected: usize = summary.outcome.stats.iter().map(|s| s.rejected).sum();
    if rejected > 0 {
        let _ = writeln!(
            out,
            "{rejected} value(s) could not be normalized and were kept as they were (see --audit)"
        );
    }
    out.trim_end().to_string()
}
