//! CSV/TSV reading: decode, sniff the delimiter, parse with the `csv` crate.
//!
//! Rows must have as many fields as the header; a ragged row is an error
//! naming its line, or a [`Reject`] in lenient mode. Quoted fields may hold
//! delimiters and newlines. Blank lines are skipped.

use super::{check_headers, encoding, sniff, ReadError, ReadOptions, ReadOutcome, Reject};
use crate::table::{Column, ColumnBuilder, Table};
use rayon::prelude::*;
use std::path::Path;

/// Inputs smaller than this are parsed on one thread (tiny in tests, so the
/// tests exercise the parallel path).
const PARALLEL_MIN_BYTES: usize = if cfg!(test) { 4096 } else { 4 << 20 };

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
    if let (Some(line), false) = (decoded.first_bad_line, options.lenient) {
        return Err(ReadError::Encoding {
            path: path.to_path_buf(),
            line,
            encoding: decoded.encoding,
        });
    }
    let text: &str = &decoded.text;
    let delimiter = options.delimiter.unwrap_or_else(|| sniff::delimiter(text));

    // Header: the first non-blank record.
    let mut reader = builder(delimiter).from_reader(text.as_bytes());
    let mut record = csv::StringRecord::new();
    let mut headers: Vec<String> = Vec::new();
    while reader
        .read_record(&mut record)
        .map_err(|e| csv_error(path, 0, e))?
    {
        if !is_blank(&record) {
            headers = record.iter().map(|h| h.trim().to_string()).collect();
            break;
        }
    }
    let body_start = reader.position().byte() as usize;
    let renamed_headers = check_headers(path, &mut headers, options.lenient)?;

    // The body is cut at record boundaries and parsed in parallel; pieces are
    // joined in order, so the result is the same for any thread count.
    let body = &text[body_start..];
    let parts = if body.len() < PARALLEL_MIN_BYTES {
        1
    } else {
        (rayon::current_num_threads() * 4)
            .min(body.len() / (PARALLEL_MIN_BYTES / 4))
            .max(1)
    };
    let bounds = record_boundaries(body.as_bytes(), delimiter, parts);
    let first_body_line =
        1 + memchr::memchr_iter(b'\n', &text.as_bytes()[..body_start]).count() as u64;
    let mut lines_before = Vec::with_capacity(bounds.len());
    let mut line = first_body_line;
    let mut previous = 0;
    for &(start, _) in &bounds {
        line += memchr::memchr_iter(b'\n', &body.as_bytes()[previous..start]).count() as u64;
        lines_before.push(line);
        previous = start;
    }
    let context = ChunkContext {
        path,
        width: headers.len(),
        delimiter,
        lenient: options.lenient,
        had_bad_bytes: decoded.first_bad_line.is_some(),
        encoding: decoded.encoding,
    };
    let pieces: Vec<Result<Chunk, ReadError>> = bounds
        .par_iter()
        .zip(lines_before.par_iter())
        .map(|(&(start, end), &first_line)| parse_chunk(&context, &body[start..end], first_line))
        .collect();
    let pieces: Vec<Chunk> = pieces.into_iter().collect::<Result<_, _>>()?;
    let mut columns: Vec<Column> = (0..headers.len())
        .map(|c| {
            let rows = pieces.iter().map(|p| p.columns[c].len()).sum();
            let bytes = pieces.iter().map(|p| p.columns[c].byte_len()).sum();
            Column::with_capacity(rows, bytes)
        })
        .collect();
    columns.par_iter_mut().enumerate().for_each(|(c, column)| {
        for piece in &pieces {
            column.append(&piece.columns[c]);
        }
    });
    let rejects: Vec<Reject> = pieces.into_iter().flat_map(|piece| piece.rejects).collect();
    Ok(ReadOutcome {
        table: Table { headers, columns },
        rejects,
        format: if delimiter == b'\t' { "tsv" } else { "csv" },
        encoding: Some(decoded.encoding),
        delimiter: Some(delimiter),
        renamed_headers,
    })
}

fn builder(delimiter: u8) -> csv::ReaderBuilder {
    let mut builder = csv::ReaderBuilder::new();
    builder
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true);
    builder
}

fn csv_error(path: &Path, first_line: u64, err: csv::Error) -> ReadError {
    ReadError::Csv {
        path: path.to_path_buf(),
        line: first_line + err.position().map_or(0, |p| p.line()).saturating_sub(1),
        message: err.to_string(),
    }
}

struct ChunkContext<'a> {
    path: &'a Path,
    width: usize,
    delimiter: u8,
    lenient: bool,
    had_bad_bytes: bool,
    encoding: &'static str,
}

struct Chunk {
    columns: Vec<Column>,
    rejects: Vec<Reject>,
}

/// Parses records of one piece of the body; `first_line` is the file line
/// the piece starts on, so errors name real line numbers.
fn parse_chunk(
    context: &ChunkContext<'_>,
    text: &str,
    first_line: u64,
) -> Result<Chunk, ReadError> {
    let width = context.width;
    let rows_estimate = memchr::memchr_iter(b'\n', text.as_bytes()).count() + 1;
    let mut columns: Vec<ColumnBuilder> = (0..width)
        .map(|_| ColumnBuilder::with_capacity(rows_estimate, text.len() / width.max(1)))
        .collect();
    let mut rejects = Vec::new();
    let mut reader = builder(context.delimiter).from_reader(text.as_bytes());
    // Byte records: the text is already valid UTF-8 and the parser splits it
    // only at ASCII bytes, so fields are valid UTF-8 too (checked once per
    // column buffer by `ColumnBuilder::finish`, far cheaper than
    // `StringRecord`'s per-record validation or a check per field).
    let mut record = csv::ByteRecord::new();
    while reader
        .read_byte_record(&mut record)
        .map_err(|e| csv_error(context.path, first_line, e))?
    {
        if is_blank_bytes(&record) {
            continue;
        }
        let line = first_line + record.position().map_or(1, |p| p.line()) - 1;
        let field = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
        let bad = if record.len() != width {
            if !context.lenient {
                return Err(ReadError::Ragged {
                    path: context.path.to_path_buf(),
                    line,
                    expected: width,
                    found: record.len(),
                });
            }
            Some(format!(
                "row has {} fields, header has {width}",
                record.len()
            ))
        } else if context.had_bad_bytes
            && record
                .iter()
                .any(|f| f.windows(3).any(|w| w == "\u{FFFD}".as_bytes()))
        {
            // Lenient mode: the undecodable row is set aside, never half-kept.
            Some(format!("bytes that are not valid {}", context.encoding))
        } else {
            None
        };
        match bad {
            Some(reason) => rejects.push(Reject {
                line,
                reason,
                fields: record.iter().map(field).collect(),
            }),
            None => {
                for (column, value) in columns.iter_mut().zip(record.iter()) {
                    column.push_bytes(value);
                }
            }
        }
    }
    Ok(Chunk {
        columns: columns.into_iter().map(ColumnBuilder::finish).collect(),
        rejects,
    })
}

/// Cuts `body` into about `parts` pieces of whole records, following the
/// quoting rules of the `csv` crate: a quote opens a quoted field only as the
/// first byte of a field (right after a delimiter or a line break), `""`
/// inside it is an escaped quote, and a newline is a record boundary only
/// outside quotes. Only quotes and newlines are visited (memchr), so the scan
/// costs a small part of parsing.
fn record_boundaries(body: &[u8], delimiter: u8, parts: usize) -> Vec<(usize, usize)> {
    if parts <= 1 || body.is_empty() {
        return vec![(0, body.len())];
    }
    let target = body.len() / parts;
    let mut cuts = vec![0];
    let mut next_cut = target;
    let mut pos = 0;
    while let Some(offset) = memchr::memchr2(b'"', b'\n', &body[pos..]) {
        let at = pos + offset;
        pos = at + 1;
        if body[at] == b'\n' {
            if pos >= next_cut && pos < body.len() {
                cuts.push(pos);
                next_cut = pos + target;
            }
            continue;
        }
        let opens_field = at == 0 || body[at - 1] == delimiter || body[at - 1] == b'\n';
        if !opens_field {
            continue; // a literal quote inside an unquoted field
        }
        // Skip the quoted field up to its closing quote.
        loop {
            match memchr::memchr(b'"', &body[pos..]) {
                Some(q) if body.get(pos + q + 1) == Some(&b'"') => pos += q + 2,
                Some(q) => {
                    pos += q + 1;
                    break;
                }
                None => {
                    pos = body.len();
                    break;
                }
            }
        }
    }
    cuts.push(body.len());
    cuts.windows(2).map(|w| (w[0], w[1])).collect()
}

fn is_blank_bytes(record: &csv::ByteRecord) -> bool {
    record.len() == 1 && record[0].iter().all(u8::is_ascii_whitespace)
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
    fn record_boundaries_respect_quotes() {
        let body = b"1,\"a\nb\"\n2,\"x\"\"\n\"\n3,plain\n4,5\"6\n7,8\n";
        for parts in 1..8 {
            let bounds = record_boundaries(body, b',', parts);
            assert_eq!(bounds.first().unwrap().0, 0);
            assert_eq!(bounds.last().unwrap().1, body.len());
            for &(start, _) in &bounds[1..] {
                // Every cut is at the start of a record: 2, 3, 4 or 7.
                assert!(
                    [b'2', b'3', b'4', b'7'].contains(&body[start]),
                    "cut at {start} for {parts} parts"
                );
            }
        }
    }

    #[test]
    fn parallel_parse_equals_sequential_and_keeps_line_numbers() {
        let mut text = String::from("id,note\n");
        for i in 0..60_000 {
            text.push_str(&format!("{i},\"line {i}\nsecond, with comma\"\n"));
        }
        let big = read_str(&text, false).unwrap();
        assert_eq!(big.table.row_count(), 60_000);
        assert_eq!(
            big.table.columns[1].get(59_999),
            "line 59999\nsecond, with comma"
        );
        text.push_str("oops\n");
        let err = read_str(&text, false).unwrap_err().to_string();
        assert!(err.contains("line 120002"), "{err}");
    }

    #[test]
    fn semicolon_file_is_sniffed() {
        let out = read_str("name;city\nAnna;Köln\n", false).unwrap();
        assert_eq!(out.delimiter, Some(b';'));
        assert_eq!(out.table.columns[1].get(0), "Köln");
    }
}
