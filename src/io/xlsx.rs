//! Excel (XLSX/XLS/ODS) reading through calamine: the first sheet, or the one
//! named by `--sheet`.
//!
//! Cells become text the way a person sees them: whole numbers without a
//! trailing `.0`, date cells as ISO 8601 (`2024-05-02`, or with a time when the
//! cell has one). The first non-empty row is the header.

use super::{check_headers, ReadError, ReadOptions, ReadOutcome};
use crate::table::{Column, Table};
use calamine::{open_workbook_auto, Data, Reader};
use std::path::Path;

pub fn read(path: &Path, options: &ReadOptions) -> Result<ReadOutcome, ReadError> {
    let error = |message: String| ReadError::Xlsx {
        path: path.to_path_buf(),
        message,
    };
    let mut workbook =
        open_workbook_auto(path).map_err(|e| error(format!("not a readable spreadsheet ({e})")))?;
    let names = workbook.sheet_names();
    let sheet = match &options.sheet {
        Some(name) if names.contains(name) => name.clone(),
        Some(name) => {
            return Err(error(format!(
                "no sheet named `{name}`; sheets are: {}",
                names.join(", ")
            )))
        }
        None => names
            .first()
            .cloned()
            .ok_or_else(|| error("the workbook has no sheets".into()))?,
    };
    let range = workbook
        .worksheet_range(&sheet)
        .map_err(|e| error(format!("sheet `{sheet}` cannot be read ({e})")))?;
    let mut rows = range
        .rows()
        .filter(|row| row.iter().any(|c| !matches!(c, Data::Empty)));
    let mut headers: Vec<String> = rows
        .next()
        .map(|row| {
            row.iter()
                .map(|c| cell_text(c).trim().to_string())
                .collect()
        })
        .unwrap_or_default();
    // Trailing unnamed, empty columns are sheet padding, not data.
    while headers.last().is_some_and(String::is_empty) {
        headers.pop();
    }
    let renamed_headers = check_headers(path, &mut headers, options.lenient)?;
    let mut columns: Vec<Column> = headers.iter().map(|_| Column::default()).collect();
    for row in rows {
        for (index, column) in columns.iter_mut().enumerate() {
            column.push(&row.get(index).map(cell_text).unwrap_or_default());
        }
    }
    Ok(ReadOutcome {
        table: Table { headers, columns },
        rejects: Vec::new(),
        format: "xlsx",
        encoding: None,
        delimiter: None,
        renamed_headers,
    })
}

fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) if dt.is_datetime() => {
            let (y, mo, d, h, mi, s, _) = dt.to_ymd_hms_milli();
            if (h, mi, s) == (0, 0, 0) {
                format!("{y:04}-{mo:02}-{d:02}")
            } else {
                format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}")
            }
        }
        Data::DateTime(dt) => dt.as_f64().to_string(),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"),
    }
}
