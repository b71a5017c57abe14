//! CSV/TSV reading: decode, sniff the delimiter, parse with the `csv` crate.
//!
//! Rows must have as many fields as the header; a ragged row is an error
//! naming its line, or a [`Reject`] in lenient mode. Quoted fields may hold
//! delimiters and newlines. Blank lines are skipped.

use super::{check_headers, encoding, sniff, ReadError, ReadOptions, ReadOutcome, Reject};
use crate::table::{Column, Table};
use std::path::Path;

pub fn read(path: &Path, bytes: &[u8], options: &ReadOptions) -> Result<ReadOutcome, ReadError> {
    let forced = match &options.encoding {
        Some(label) => {
            Some(
                encoding::by_label(label).ok_or_else(|| ReadError::UnknownEncoding {
                    label: label.clone(),
                })?,
            )
        }
        None => None,
    };
    let decoded = encoding::decode(bytes, forced);
    let mut bad_line = decoded.first_bad_line;
    if let (Some(line), false) = (bad_line, options.lenient) {
        return Err(ReadError::Encoding {
            path: path.to_path_buf(),
            line,
            encoding: decoded.encoding,
        });
    }
    let text: &str = &decoded.text;
    let delimiter = options.delimiter.unwrap_or_else(|| sniff::delimiter(text));

    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut record = csv::StringRecord::new();
    let csv_error = |err: csv::Error| ReadError::Csv {
        path: path.to_path_buf(),
        line: err.position().map_or(0, |p| p.line()),
        message: err.to_string(),
    };

    // Header: the first non-blank record.
    let mut headers: Vec<String> = Vec::new();
    while reader.read_record(&mut record).map_err(csv_error)? {
        if !is_blank(&record) {
            headers = record.iter().map(|h| h.trim().to_string()).collect();
            break;
        }
    }
    let renamed_headers = check_headers(path, &mut headers, options.lenient)?;
    let width = headers.len();
    // Estimate the size of each column to avoid regrowing buffers.
    let row_estimate = text.len() / (text.lines().next().map_or(64, |l| l.len().max(16)) + 1);
    let bytes_per_column = text.len() / width.max(1);
    let mut columns: Vec<Column> = (0..width)
        .map(|_| Column::with_capacity(row_estimate, bytes_per_column))
        .collect();
    let mut rejects = Vec::new();

    while reader.read_record(&mut record).map_err(csv_error)? {
        if is_blank(&record) {
            continue;
        }
        let line = record.position().map_or(0, |p| p.line());
        if record.len() != width {
            if !options.lenient {
                return Err(ReadError::Ragged {
                    path: path.to_path_buf(),
                    line,
                    expected: width,
                    found: record.len(),
                });
            }
            rejects.push(Reject {
                line,
                reason: format!("row has {} fields, header has {width}", record.len()),
                fields: record.iter().map(str::to_string).collect(),
            });
            continue;
        }
        if bad_line.is_some() && record.iter().any(|f| f.contains('\u{FFFD}')) {
            // Lenient mode: the undecodable row is set aside, never half-kept.
            rejects.push(Reject {
                line,
                reason: format!("bytes that are not valid {}", decoded.encoding),
                fields: record.iter().map(str::to_string).collect(),
            });
            bad_line = Some(0);
            continue;
        }
        for (column, value) in columns.iter_mut().zip(record.iter()) {
            column.push(value);
        }
    }
    Ok(ReadOutcome {
        table: Table { headers, columns },
        rejects,
        format: if delimiter == b'\t' { "tsv" } else { "csv" },
        encoding: Some(decoded.encoding),
        delimiter: Some(delimiter),
        renamed_headers,
    })
}

fn is_blank(record: &csv::StringRecord) -> bool {
    record.len() == 1 && record[0].trim().is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_str(text: &str, lenient: bool) -> Result<ReadOutcome, ReadError> {
        let options = ReadOptions {
            lenient,
            ..ReadOptions::default()
        };
        read(Path::new("t.csv"), text.as_bytes(), &options)
    }

    #[test]
    fn reads_quoted_newlines_and_keeps_values_verbatim() {
        let out = read_str("id,note\n1,\"two\nlines\"\n2, 007 \n", false).unwrap();
        assert_eq!(out.table.row_count(), 2);
        assert_eq!(out.table.columns[1].get(0), "two\nlines");
        assert_eq!(out.table.columns[1].get(1), " 007 ");
    }

    #[test]
    fn ragged_row_is_an_error_with_its_line() {
        let err = read_str("a,b\n1,2\n3\n", false).unwrap_err();
        let message = err.to_string();
        assert!(message.contains("line 3"), "{message}");
        assert!(message.contains("--lenient"), "{message}");
    }

    #[test]
    fn lenient_sets_ragged_rows_aside() {
        let out = read_str("a,b\n1,2\n3\n4,5,6\n7,8\n", true).unwrap();
        assert_eq!(out.table.row_count(), 2);
        assert_eq!(out.rejects.len(), 2);
        assert_eq!(out.rejects[0].line, 3);
        assert_eq!(out.rejects[1].fields, ["4", "5", "6"]);
    }

    #[test]
    fn empty_and_header_only_files() {
        let out = read_str("", false).unwrap();
        assert_eq!(out.table.headers.len(), 0);
        let out = read_str("a,b\n", false).unwrap();
        assert_eq!(out.table.headers, ["a", "b"]);
        assert_eq!(out.table.row_count(), 0);
    }

    #[test]
    fn duplicate_and_empty_headers() {
        assert!(read_str("a,a\n1,2\n", false)
            .unwrap_err()
            .to_string()
            .contains("appears in columns 1 and 2"));
        assert!(read_str("a,\n1,2\n", false)
            .unwrap_err()
            .to_string()
            .contains("empty header"));
        let out = read_str("a,a,\n1,2,3\n", true).unwrap();
        assert_eq!(out.table.headers, ["a", "a_2", "column_3"]);
    }

    #[test]
    fn semicolon_file_is_sniffed() {
        let out = read_str("name;city\nAnna;Köln\n", false).unwrap();
        assert_eq!(out.delimiter, Some(b';'));
        assert_eq!(out.table.columns[1].get(0), "Köln");
    }
}
