//! Excel (XLSX/XLS/ODS) reading through calamine: the first sheet, or the one
//! named by `--sheet`.
//!
//! Cells become text the way a person sees them: whole numbers without a
//! trailing `.0`, date cells as ISO 8601 (`2024-05-02`, or with a time when the
//! cell has one). The first non-empty row is the header.
//!
//! Bounded resources: the table's shape comes from the cells present, not
//! from the sheet's declared range — a 2 KB file with one cell at
//! `XFD1048576` is two cells, not 17 billion. XLSX sheets are streamed cell
//! by cell; the workbook's parts are checked against a decompressed-size
//! limit before anything is inflated (zip bombs), and the number of cells
//! against [`MAX_CELLS`]. Rows and columns with no value at all are dropped
//! (as blank CSV lines are); a column with values but no header is an error
//! (or `column_N` with `--lenient`), never silently dropped.

use super::{check_headers, ReadError, ReadOptions, ReadOutcome};
use crate::table::{Column, Table};
use calamine::{open_workbook_auto, Data, DataRef, Reader, Xlsx};
use std::path::Path;

/// Most cells (rows × columns of the table, and non-empty cells read) a
/// spreadsheet may have: about 1M rows × 50 columns. Larger exports belong
/// in CSV or Parquet.
const MAX_CELLS: usize = if cfg!(test) { 10_000 } else { 50_000_000 };
/// Most bytes one part of the workbook may inflate to (sheet XML).
const MAX_PART_BYTES: u64 = if cfg!(test) { 1 << 20 } else { 4 << 30 };
/// Parts larger than this that inflate more than [`BOMB_RATIO`] times are
/// refused as zip bombs.
const BOMB_MIN_BYTES: u64 = 64 << 20;
const BOMB_RATIO: u64 = 200;
/// Most bytes the shared strings may inflate to (they are held in memory).
const MAX_SHARED_STRINGS_BYTES: u64 = if cfg!(test) { 1 << 20 } else { 512 << 20 };

pub fn read(path: &Path, options: &ReadOptions) -> Result<ReadOutcome, ReadError> {
    // calamine can panic on a damaged workbook (fuzzing found an integer
    // overflow on an over-long cell reference: `fixtures/fuzz/xlsx/`): a
    // damaged file is an input error, never a crash. The default hook is
    // silenced meanwhile so the user sees our message, not a backtrace.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let result = std::panic::catch_unwind(|| read_unguarded(path, options));
    std::panic::set_hook(hook);
    result.unwrap_or_else(|_| {
        Err(ReadError::Xlsx {
            path: path.to_path_buf(),
            message: "the workbook is damaged (its XML could not be read); open and save it again in a spreadsheet program, or save it as CSV".into(),
        })
    })
}

fn read_unguarded(path: &Path, options: &ReadOptions) -> Result<ReadOutcome, ReadError> {
    let error = |message: String| ReadError::Xlsx {
        path: path.to_path_buf(),
        message,
    };
    let is_xlsx = matches!(
        path.extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref(),
        Some("xlsx" | "xlsm")
    );
    let cells = if is_xlsx {
        check_zip_sizes(path).map_err(error)?;
        let mut workbook: Xlsx<_> = calamine::open_workbook(path)
            .map_err(|e| error(format!("not a readable spreadsheet ({e})")))?;
        let sheet = choose_sheet(&workbook.sheet_names(), options).map_err(error)?;
        let mut reader = workbook
            .worksheet_cells_reader(&sheet)
            .map_err(|e| error(format!("sheet `{sheet}` cannot be read ({e})")))?;
        let mut cells = Cells::default();
        while let Some(cell) = reader
            .next_cell()
            .map_err(|e| error(format!("sheet `{sheet}` cannot be read ({e})")))?
        {
            let (row, col) = cell.get_position();
            let text = match cell.get_value() {
                DataRef::SharedString(s) => s.to_string(),
                other => cell_text(&Data::from(other.clone())),
            };
            cells.push(row, col, &text).map_err(error)?;
        }
        cells
    } else {
        let mut workbook = open_workbook_auto(path)
            .map_err(|e| error(format!("not a readable spreadsheet ({e})")))?;
        let sheet = choose_sheet(&workbook.sheet_names(), options).map_err(error)?;
        let range = workbook
            .worksheet_range(&sheet)
            .map_err(|e| error(format!("sheet `{sheet}` cannot be read ({e})")))?;
        let mut cells = Cells::default();
        for (row, col, value) in range.used_cells() {
            cells
                .push(row as u32, col as u32, &cell_text(value))
                .map_err(error)?;
        }
        cells
    };
    let (mut headers, columns) = cells.into_table().map_err(error)?;
    let renamed_headers = check_headers(path, &mut headers, options.lenient)?;
    Ok(ReadOutcome {
        table: Table { headers, columns },
        rejects: Vec::new(),
        format: "xlsx",
        encoding: None,
        encoding_guessed: false,
        delimiter: None,
        renamed_headers,
    })
}

fn choose_sheet(names: &[String], options: &ReadOptions) -> Result<String, String> {
    match &options.sheet {
        Some(name) if names.contains(name) => Ok(name.clone()),
        Some(name) => Err(format!(
            "no sheet named `{name}`; sheets are: {}",
            names.join(", ")
        )),
        None => names
            .first()
            .cloned()
            .ok_or_else(|| "the workbook has no sheets".into()),
    }
}

/// Refuses a workbook whose parts would inflate past the limits, from the
/// sizes its zip directory declares (before inflating anything).
fn check_zip_sizes(path: &Path) -> Result<(), String> {
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mut archive = zip::ZipArchive::new(std::io::BufReader::new(file))
        .map_err(|e| format!("not a readable spreadsheet ({e})"))?;
    for index in 0..archive.len() {
        let entry = archive
            .by_index_raw(index)
            .map_err(|e| format!("not a readable spreadsheet ({e})"))?;
        let name = entry.name().unwrap_or_default().into_owned();
        let limit = if name.ends_with("sharedStrings.xml") {
            MAX_SHARED_STRINGS_BYTES
        } else {
            MAX_PART_BYTES
        };
        // Real sheet XML deflates 5–30×; hundreds of times is a bomb.
        let bomb = entry.size() > BOMB_MIN_BYTES
            && entry.size() / entry.compressed_size().max(1) > BOMB_RATIO;
        if entry.size() > limit || bomb {
            return Err(format!(
                "part `{}` inflates to {} bytes from {} (limit {limit} bytes, at most {BOMB_RATIO}× for parts over {BOMB_MIN_BYTES} bytes): a damaged file or a zip bomb; save the sheet as CSV",
                name,
                entry.size(),
                entry.compressed_size()
            ));
        }
    }
    Ok(())
}

/// Non-empty cells in reading order, their text in one buffer.
#[derive(Default)]
struct Cells {
    positions: Vec<(u32, u32)>,
    ends: Vec<usize>,
    text: String,
}

impl Cells {
    fn push(&mut self, row: u32, col: u32, text: &str) -> Result<(), String> {
        if text.is_empty() {
            return Ok(());
        }
        if self.positions.len() >= MAX_CELLS {
            return Err(format!(
                "the sheet has more than {MAX_CELLS} cells with values, more than tidyrec reads from a spreadsheet; save it as CSV"
            ));
        }
        self.positions.push((row, col));
        self.text.push_str(text);
        self.ends.push(self.text.len());
        Ok(())
    }

    fn get(&self, index: usize) -> &str {
        let start = if index == 0 { 0 } else { self.ends[index - 1] };
        &self.text[start..self.ends[index]]
    }

    /// The header (the first row with a value) and the columns of the rows
    /// below it, over the rows and columns that hold a value.
    fn into_table(self) -> Result<(Vec<String>, Vec<Column>), String> {
        let mut order: Vec<usize> = (0..self.positions.len()).collect();
        order.sort_by_key(|&i| self.positions[i]);
        let mut used_cols: Vec<u32> = self.positions.iter().map(|p| p.1).collect();
        used_cols.sort_unstable();
        used_cols.dedup();
        let mut rows: Vec<u32> = self.positions.iter().map(|p| p.0).collect();
        rows.sort_unstable();
        rows.dedup();
        let width = used_cols.len();
        let body_rows = rows.len().saturating_sub(1);
        if width.saturating_mul(rows.len()) > MAX_CELLS {
            return Err(format!(
                "the sheet's values span {} rows × {width} columns, more than the {MAX_CELLS} cells tidyrec reads from a spreadsheet; save it as CSV",
                rows.len()
            ));
        }
        let slot = |col: u32| used_cols.binary_search(&col).expect("a used column");
        let mut headers = vec![String::new(); width];
        let mut columns: Vec<Column> = (0..width)
            .map(|_| Column::with_capacity(body_rows, 0))
            .collect();
        let mut row_values: Vec<&str> = vec![""; width];
        let mut at = 0;
        for (row_number, &row) in rows.iter().enumerate() {
            row_values.iter_mut().for_each(|v| *v = "");
            while at < order.len() && self.positions[order[at]].0 == row {
                let index = order[at];
                row_values[slot(self.positions[index].1)] = self.get(index);
                at += 1;
            }
            if row_number == 0 {
                for (header, value) in headers.iter_mut().zip(&row_values) {
                    *header = value.trim().to_string();
                }
            } else {
                for (column, value) in columns.iter_mut().zip(&row_values) {
                    column.push(value);
                }
            }
        }
        Ok((headers, columns))
    }
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
