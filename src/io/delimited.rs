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
    Ok(parse(path, bytes, options)?.join())
}

/// As [`read`], for bytes not needed afterwards: they are freed once
/// parsed, before the pieces are joined into columns (the file's bytes,
/// the parsed pieces and the joined table are never all resident at once).
pub fn read_owned(
    path: &Path,
    bytes: Vec<u8>,
    options: &ReadOptions,
) -> Result<ReadOutcome, ReadError> {
    let parsed = parse(path, &bytes, options)?;
    drop(bytes);
    Ok(parsed.join())
}

/// The parsed pieces of a file, in order, not yet joined into columns.
struct Parsed {
    headers: Vec<String>,
    pieces: Vec<Chunk>,
    format: &'static str,
    encoding: &'static str,
    encoding_guessed: bool,
    delimiter: u8,
    renamed_headers: Vec<(usize, String)>,
}

impl Parsed {
    /// Joins each column's pieces in order (columns in parallel), each
    /// piece freed once appended.
    fn join(self) -> ReadOutcome {
        let width = self.headers.len();
        let mut by_column: Vec<Vec<Column>> = (0..width)
            .map(|_| Vec::with_capacity(self.pieces.len()))
            .collect();
        let mut rejects: Vec<Reject> = Vec::new();
        for piece in self.pieces {
            for (c, column) in piece.columns.into_iter().enumerate() {
                by_column[c].push(column);
            }
            rejects.extend(piece.rejects);
        }
        let columns: Vec<Column> = by_column
            .into_par_iter()
            .map(|parts| {
                let rows = parts.iter().map(Column::len).sum();
                let bytes = parts.iter().map(Column::byte_len).sum();
                let mut column = Column::with_capacity(rows, bytes);
                for part in parts {
                    column.append(&part);
                }
                column
            })
            .collect();
        ReadOutcome {
            table: Table {
                headers: self.headers,
                columns,
            },
            rejects,
            format: self.format,
            encoding: Some(self.encoding),
            encoding_guessed: self.encoding_guessed,
            delimiter: Some(self.delimiter),
            renamed_headers: self.renamed_headers,
        }
    }
}

fn parse(path: &Path, bytes: &[u8], options: &ReadOptions) -> Result<Parsed, ReadError> {
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
            byte: decoded.first_bad_byte.unwrap_or(0),
            encoding: decoded.encoding,
            bad_lines: decoded.bad_lines,
        });
    }
    let text: &str = &decoded.text;
    let delimiter = options.delimiter.unwrap_or_else(|| sniff::delimiter(text));

    let (mut headers, body_start) = read_header(path, text, delimiter)?;
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
    let broken_quotes = pieces
        .iter()
        .any(|p| matches!(p, Err(ReadError::Quote { .. })) || p.as_ref().is_ok_and(|c| c.damaged));
    let pieces: Vec<Chunk> = if broken_quotes && bounds.len() > 1 {
        // Pieces were cut where the quotes said records end; with broken
        // quotes that is not certain, so the body is read again in one
        // piece: the same answer for any thread count.
        vec![parse_chunk(&context, body, first_body_line)?]
    } else {
        pieces.into_iter().collect::<Result<_, _>>()?
    };
    Ok(Parsed {
        headers,
        pieces,
        format: if delimiter == b'\t' { "tsv" } else { "csv" },
        encoding: decoded.encoding,
        encoding_guessed: decoded.guessed,
        delimiter,
        renamed_headers,
    })
}

/// The header (the first non-blank record, trimmed, spreadsheet guards
/// undone) and where the body starts; a header with broken quotes is an
/// error naming line 1.
fn read_header(path: &Path, text: &str, delimiter: u8) -> Result<(Vec<String>, usize), ReadError> {
    let mut reader = builder(delimiter).from_reader(text.as_bytes());
    let mut record = csv::StringRecord::new();
    let mut headers: Vec<String> = Vec::new();
    while reader
        .read_record(&mut record)
        .map_err(|e| csv_error(path, 0, e))?
    {
        if !is_blank(&record) {
            headers = record
                .iter()
                .map(|h| {
                    let h = h.trim();
                    String::from_utf8_lossy(super::write::unguard(h.as_bytes())).into_owned()
                })
                .collect();
            break;
        }
    }
    if headers.is_empty() {
        return Err(ReadError::Empty {
            path: path.to_path_buf(),
        });
    }
    let body_start = reader.position().byte() as usize;
    if let Some(problem) = quote_damage(
        &text.as_bytes()[..body_start],
        delimiter,
        headers.len(),
        headers.len(),
    ) {
        return Err(ReadError::Quote {
            path: path.to_path_buf(),
            line: 1,
            problem,
        });
    }
    Ok((headers, body_start))
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
    /// Lenient mode set a record with broken quotes aside here.
    damaged: bool,
}

/// Parses records of one piece of the body; `first_line` is the file line
/// the piece starts on, so errors name real line numbers.
///
/// A record whose quoted field runs to the end of the piece (an unclosed
/// quote), or spans several lines and then has the wrong number of fields,
/// or swallowed lines that are whole records themselves, is damaged: an
/// error naming the line where the quote opened, or in lenient mode only
/// that line is set aside (raw) and reading resumes on the next line — the
/// records the quote swallowed are read as the records they are.
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
    let mut damaged = false;
    // Where the current reader starts: byte offset in `text` and file line.
    let mut offset = 0usize;
    let mut offset_line = first_line;
    'segments: loop {
        let segment = &text.as_bytes()[offset..];
        let mut reader = builder(context.delimiter).from_reader(segment);
        // Byte records: the text is already valid UTF-8 and the parser splits
        // it only at ASCII bytes, so fields are valid UTF-8 too (checked once
        // per column buffer by `ColumnBuilder::finish`, far cheaper than
        // `StringRecord`'s per-record validation or a check per field).
        let mut record = csv::ByteRecord::new();
        while reader
            .read_byte_record(&mut record)
            .map_err(|e| csv_error(context.path, offset_line, e))?
        {
            if is_blank_bytes(&record) {
                continue;
            }
            let position = record.position().expect("records have positions");
            let line = offset_line + position.line() - 1;
            let lines_spanned = reader.position().line() - position.line();
            if lines_spanned > 1 || reader.position().byte() as usize >= segment.len() {
                let raw = &segment[position.byte() as usize..reader.position().byte() as usize];
                if let Some(problem) = quote_damage(raw, context.delimiter, width, record.len()) {
                    if !context.lenient {
                        return Err(ReadError::Quote {
                            path: context.path.to_path_buf(),
                            line,
                            problem,
                        });
                    }
                    damaged = true;
                    let start = offset + position.byte() as usize;
                    let line_end = memchr::memchr(b'\n', &text.as_bytes()[start..])
                        .map_or(text.len(), |n| start + n + 1);
                    rejects.push(Reject {
                        line,
                        reason: format!("a quoted field {problem}"),
                        fields: vec![text[start..line_end]
                            .trim_end_matches(['\r', '\n'])
                            .to_string()],
                    });
                    offset = line_end;
                    offset_line = line + 1;
                    if offset >= text.len() {
                        break 'segments;
                    }
                    continue 'segments;
                }
            }
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
                        column.push_bytes(super::write::unguard(value));
                    }
                }
            }
        }
        break;
    }
    Ok(Chunk {
        columns: columns.into_iter().map(ColumnBuilder::finish).collect(),
        rejects,
        damaged,
    })
}

/// What is wrong with the quotes of one record's raw text (a record that
/// spans lines or ends the input), if anything.
fn quote_damage(raw: &[u8], delimiter: u8, width: usize, fields: usize) -> Option<String> {
    let (open_at_end, swallowed) = scan_quotes(raw, delimiter);
    if open_at_end {
        return Some(
            "opened on this line is never closed: the rest of the input would be one value".into(),
        );
    }
    if swallowed.is_empty() {
        return None;
    }
    if fields != width {
        return Some(format!(
            "opened on this line swallows {} line break(s) and leaves a row of {fields} fields (the header has {width})",
            swallowed.len()
        ));
    }
    // Lines inside a quoted value that are whole records themselves: the
    // quote ate other customers, it is not a multi-line note.
    let record_like = width.saturating_sub(1).max(3);
    let swallowed_records = swallowed
        .iter()
        .filter(|line| line.iter().filter(|&&b| b == delimiter).count() >= record_like)
        .count();
    (swallowed_records > 0).then(|| {
        format!(
            "opened on this line swallows {swallowed_records} line(s) that look like whole records"
        )
    })
}

/// Follows the quoting rules of the `csv` crate over one record's raw
/// bytes: whether it ends inside a quoted field, and the lines that start
/// inside a quoted field (each up to its line break).
fn scan_quotes(raw: &[u8], delimiter: u8) -> (bool, Vec<&[u8]>) {
    let raw = match raw {
        [rest @ .., b'\r', b'\n'] | [rest @ .., b'\n'] => rest,
        _ => raw,
    };
    let mut swallowed = Vec::new();
    let mut pos = 0;
    while pos < raw.len() {
        let at_field_start = pos == 0 || raw[pos - 1] == delimiter || raw[pos - 1] == b'\n';
        if raw[pos] == b'"' && at_field_start {
            pos += 1;
            loop {
                match memchr::memchr2(b'"', b'\n', &raw[pos..]) {
                    None => return (true, swallowed),
                    Some(q) if raw[pos + q] == b'\n' => {
                        let start = pos + q + 1;
                        let end =
                            memchr::memchr(b'\n', &raw[start..]).map_or(raw.len(), |n| start + n);
                        swallowed.push(&raw[start..end]);
                        pos = start;
                    }
                    Some(q) if raw.get(pos + q + 1) == Some(&b'"') => pos += q + 2,
                    Some(q) => {
                        pos += q + 1;
                        break;
                    }
                }
            }
        } else {
            pos += 1;
        }
    }
    (false, swallowed)
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
        for empty in ["", "\u{FEFF}", "\n\n  \n"] {
            let err = read_str(empty, true).unwrap_err().to_string();
            assert!(err.contains("no header"), "{err}");
        }
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
    fn an_unclosed_quote_is_an_error_at_the_line_it_opens() {
        let err = read_str("id,note\nC1,\"hello\nC2,world\nC3,bye\n", false)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("line 2") && err.contains("never closed"),
            "{err}"
        );
        // Lenient: exactly the damaged line is set aside, the rest is read.
        let out = read_str("id,note\nC1,\"hello\nC2,world\nC3,bye\n", true).unwrap();
        assert_eq!(
            out.table.columns[0].iter().collect::<Vec<_>>(),
            ["C2", "C3"]
        );
        assert_eq!(out.rejects.len(), 1);
        assert_eq!(out.rejects[0].line, 2);
        assert_eq!(out.rejects[0].fields, ["C1,\"hello"]);
    }

    #[test]
    fn a_quote_that_swallows_records_is_caught_and_lenient_recovers_them() {
        let mut text = String::from("id,name,city,note\n");
        for i in 0..40 {
            if i == 10 {
                text.push_str("10,\"Ann,Köln,x\n");
            } else if i == 20 {
                text.push_str("20,Bob,Bonn\",y\n");
            } else {
                text.push_str(&format!("{i},N{i},Berlin,ok\n"));
            }
        }
        let err = read_str(&text, false).unwrap_err().to_string();
        assert!(err.contains("line 12"), "{err}");
        for threads in [1, 3] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let out = pool.install(|| read_str(&text, true)).unwrap();
            // Every input line is accounted for: 40 records, kept or set aside.
            assert_eq!(
                out.table.row_count() + out.rejects.len(),
                40,
                "{:?}",
                out.rejects
            );
            assert_eq!(out.rejects[0].line, 12);
            assert!(out.table.columns[0].iter().any(|id| id == "15"));
        }
    }

    #[test]
    fn multi_line_notes_with_commas_are_still_values() {
        let out = read_str(
            "id,note\n1,\"called, no answer\nagain, later\"\n2,x\n",
            false,
        )
        .unwrap();
        assert_eq!(out.table.row_count(), 2);
    }

    #[test]
    fn semicolon_file_is_sniffed() {
        let out = read_str("name;city\nAnna;Köln\n", false).unwrap();
        assert_eq!(out.delimiter, Some(b';'));
        assert_eq!(out.table.columns[1].get(0), "Köln");
    }
}
