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
        let (columns, rejects) = join_pieces(self.headers.len(), self.pieces);
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

/// Joins parsed pieces into one column each (columns in parallel), each
/// piece freed once appended; rejects in order.
fn join_pieces(width: usize, pieces: Vec<Chunk>) -> (Vec<Column>, Vec<Reject>) {
    let mut by_column: Vec<Vec<Column>> = (0..width)
        .map(|_| Vec::with_capacity(pieces.len()))
        .collect();
    let mut rejects: Vec<Reject> = Vec::new();
    for piece in pieces {
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
    (columns, rejects)
}

type ParsedPiece = Result<Chunk, ReadError>;

/// Parses a body (whole records) in about `parts` pieces in parallel, each
/// with the file line it starts on.
fn parse_pieces(
    context: &ChunkContext<'_>,
    body: &str,
    first_line: u64,
    parts: usize,
) -> (Vec<(usize, usize)>, Vec<ParsedPiece>) {
    let bounds = record_boundaries(body.as_bytes(), context.delimiter, parts);
    let (pieces, _) = parse_pieces_at(context, body, first_line, &bounds);
    (bounds, pieces)
}

/// Parses `body` in the pieces `bounds` (whole records each) in parallel;
/// also returns the line breaks of `body`. Each piece's line breaks are
/// counted once, in parallel: they give both the line each piece starts
/// on and the size of its columns.
fn parse_pieces_at(
    context: &ChunkContext<'_>,
    body: &str,
    first_line: u64,
    bounds: &[(usize, usize)],
) -> (Vec<ParsedPiece>, u64) {
    let breaks: Vec<u64> = bounds
        .par_iter()
        .map(|&(start, end)| {
            memchr::memchr_iter(b'\n', &body.as_bytes()[start..end]).count() as u64
        })
        .collect();
    let mut lines_before = Vec::with_capacity(bounds.len());
    let mut line = first_line;
    for &count in &breaks {
        lines_before.push(line);
        line += count;
    }
    let pieces = bounds
        .par_iter()
        .zip(lines_before.par_iter().zip(&breaks))
        .map(|(&(start, end), (&first_line, &count))| {
            parse_chunk_sized(context, &body[start..end], first_line, count as usize + 1)
        })
        .collect();
    (pieces, line - first_line)
}

/// How many pieces a body of `len` bytes is parsed in.
fn piece_count(len: usize) -> usize {
    if len < PARALLEL_MIN_BYTES {
        1
    } else {
        (rayon::current_num_threads() * 4)
            .min(len / (PARALLEL_MIN_BYTES / 4))
            .max(1)
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
    let first_body_line =
        1 + memchr::memchr_iter(b'\n', &text.as_bytes()[..body_start]).count() as u64;
    let context = ChunkContext {
        path,
        keep: None,
        width: headers.len(),
        delimiter,
        lenient: options.lenient,
        had_bad_bytes: decoded.first_bad_line.is_some(),
        encoding: decoded.encoding,
    };
    let (bounds, pieces) = parse_pieces(&context, body, first_body_line, piece_count(body.len()));
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
    /// Columns to build (`None`: all); the others come back empty.
    keep: Option<&'a [bool]>,
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
    let rows_estimate = memchr::memchr_iter(b'\n', text.as_bytes()).count() + 1;
    parse_chunk_sized(context, text, first_line, rows_estimate)
}

/// [`parse_chunk`] of a text of at most `rows_estimate` records.
fn parse_chunk_sized(
    context: &ChunkContext<'_>,
    text: &str,
    first_line: u64,
    rows_estimate: usize,
) -> Result<Chunk, ReadError> {
    let width = context.width;
    if !context.had_bad_bytes {
        if let Some(columns) = super::well_formed::split(
            text.as_bytes(),
            context.delimiter,
            width,
            context.keep,
            rows_estimate,
        ) {
            return Ok(Chunk {
                columns: columns.into_iter().map(ColumnBuilder::finish).collect(),
                rejects: Vec::new(),
                damaged: false,
            });
        }
    }
    parse_chunk_with_csv(context, text, first_line, rows_estimate)
}

/// [`parse_chunk`] by the `csv` crate: any piece, with its errors and
/// rejects.
fn parse_chunk_with_csv(
    context: &ChunkContext<'_>,
    text: &str,
    first_line: u64,
    rows_estimate: usize,
) -> Result<Chunk, ReadError> {
    let width = context.width;
    let kept = |c: usize| context.keep.is_none_or(|keep| keep[c]);
    let mut columns = super::well_formed::builders(width, context.keep, rows_estimate, text.len());
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
                    for (c, (column, value)) in columns.iter_mut().zip(record.iter()).enumerate() {
                        if kept(c) {
                            column.push_bytes(super::write::unguard(value));
                        }
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
    let (mut cuts, _) = record_cuts(body, delimiter, body.len() / parts);
    cuts.insert(0, 0);
    cuts.push(body.len());
    cuts.windows(2).map(|w| (w[0], w[1])).collect()
}

/// One scan of `bytes` (which starts at a record boundary) for two
/// things: record boundaries at least `spacing` bytes apart (each just
/// past a line break outside quotes, before the end of `bytes`), and the
/// end of the last whole record (`None`: no line break outside quotes).
/// The quoting rules are [`record_boundaries`]'.
fn record_cuts(bytes: &[u8], delimiter: u8, spacing: usize) -> (Vec<usize>, Option<usize>) {
    let spacing = spacing.max(1);
    let mut cuts = Vec::new();
    let mut next_cut = spacing;
    let mut last = None;
    let mut pos = 0;
    while let Some(offset) = memchr::memchr2(b'"', b'\n', &bytes[pos..]) {
        let at = pos + offset;
        pos = at + 1;
        if bytes[at] == b'\n' {
            last = Some(pos);
            if pos >= next_cut && pos < bytes.len() {
                cuts.push(pos);
                next_cut = pos + spacing;
            }
            continue;
        }
        let opens_field = at == 0 || bytes[at - 1] == delimiter || bytes[at - 1] == b'\n';
        if !opens_field {
            continue; // a literal quote inside an unquoted field
        }
        // Skip the quoted field up to its closing quote.
        loop {
            match memchr::memchr(b'"', &bytes[pos..]) {
                Some(q) if bytes.get(pos + q + 1) == Some(&b'"') => pos += q + 2,
                Some(q) => {
                    pos += q + 1;
                    break;
                }
                // The quote never closes: no boundary after it.
                None => return (cuts, last),
            }
        }
    }
    (cuts, last)
}

fn is_blank_bytes(record: &csv::ByteRecord) -> bool {
    record.len() == 1 && record[0].iter().all(u8::is_ascii_whitespace)
}

fn is_blank(record: &csv::StringRecord) -> bool {
    record.len() == 1 && record[0].trim().is_empty()
}

/// A UTF-8 delimited file read block by block, in memory that grows with
/// the block, not the file ([`super::read_blocks`]).
///
/// Each block is whole records, parsed exactly as [`read`] parses them, so
/// the blocks laid end to end are the table [`read`] returns. Anything the
/// whole-file reader would answer differently from a block reader (bytes
/// that are not UTF-8, a forced or marked non-UTF-8 encoding, broken quotes,
/// a ragged row, a row set aside in lenient mode, a file that changes while
/// read) stops the stream with [`BlockError::NotStreamable`]: the caller
/// reads the file whole instead and gets the whole-file answer, error
/// messages included.
pub struct Blocks {
    path: std::path::PathBuf,
    file: std::fs::File,
    /// Bytes read and not yet handed out; starts at a record boundary.
    buffer: Vec<u8>,
    eof: bool,
    block_bytes: usize,
    /// File line of the first byte in `buffer`.
    next_line: u64,
    lenient: bool,
    file_len: u64,
    modified: Option<std::time::SystemTime>,
    consumed: u64,
    keep: Option<Vec<bool>>,
    pub headers: Vec<String>,
    pub delimiter: u8,
    pub renamed_headers: Vec<(usize, String)>,
}

/// Why a [`Blocks`] stream stopped early.
#[derive(Debug)]
pub enum BlockError {
    /// The file cannot be read.
    Read(ReadError),
    /// The file needs the whole-file reader (the reason says why).
    NotStreamable(&'static str),
}

impl Blocks {
    /// Opens `path`; `Ok(None)` when the file is not one a block reader can
    /// read like the whole-file reader (not UTF-8, or its header or sample
    /// lines do not fit the first blocks).
    pub fn open(
        path: &Path,
        options: &ReadOptions,
        block_bytes: usize,
    ) -> Result<Option<Blocks>, ReadError> {
        if let Some(label) = &options.encoding {
            let forced = encoding::by_label(label).ok_or_else(|| ReadError::UnknownEncoding {
                label: label.clone(),
            })?;
            if forced != encoding_rs::UTF_8 {
                return Ok(None);
            }
        }
        let io_err = |error| ReadError::Io {
            path: path.to_path_buf(),
            error,
        };
        let file = std::fs::File::open(path).map_err(io_err)?;
        let metadata = file.metadata().map_err(io_err)?;
        let file_len = metadata.len();
        let mut blocks = Blocks {
            path: path.to_path_buf(),
            file,
            buffer: Vec::new(),
            eof: false,
            block_bytes: block_bytes.max(1 << 12),
            next_line: 1,
            lenient: options.lenient,
            file_len,
            modified: metadata.modified().ok(),
            consumed: 0,
            keep: None,
            headers: Vec::new(),
            delimiter: b',',
            renamed_headers: Vec::new(),
        };
        blocks.fill(blocks.block_bytes).map_err(io_err)?;
        match encoding_rs::Encoding::for_bom(&blocks.buffer) {
            Some((bom, len)) if bom == encoding_rs::UTF_8 => {
                blocks.buffer.drain(..len);
                blocks.consumed += len as u64;
            }
            Some(_) => return Ok(None),
            None => {}
        }
        // The header, and the lines the delimiter is sniffed from, must be
        // in hand: read on (a few blocks at most) until they are.
        let text = loop {
            let end = if blocks.eof {
                blocks.buffer.len()
            } else {
                // Whole lines (the delimiter, which quoting depends on, is
                // not known yet; the sniffer needs only its sample lines).
                memchr::memrchr(b'\n', &blocks.buffer).map_or(0, |n| n + 1)
            };
            let Ok(text) = encoding::utf8(&blocks.buffer[..end]) else {
                return Ok(None);
            };
            if blocks.eof || sniff::settled_by(text) {
                break text;
            }
            if blocks.buffer.len() >= 4 * blocks.block_bytes {
                return Ok(None);
            }
            let more = blocks.buffer.len() + blocks.block_bytes;
            blocks.fill(more).map_err(io_err)?;
        };
        let delimiter = options.delimiter.unwrap_or_else(|| sniff::delimiter(text));
        let (mut headers, body_start) = read_header(path, text, delimiter)?;
        let renamed_headers = check_headers(path, &mut headers, options.lenient)?;
        blocks.next_line += memchr::memchr_iter(b'\n', &blocks.buffer[..body_start]).count() as u64;
        blocks.buffer.drain(..body_start);
        blocks.consumed += body_start as u64;
        blocks.headers = headers;
        blocks.delimiter = delimiter;
        blocks.renamed_headers = renamed_headers;
        Ok(Some(blocks))
    }

    /// Builds only the columns marked `true` in the blocks that follow (the
    /// others come back empty: a scan that needs a few columns skips
    /// copying the rest); `None`: all columns.
    pub fn keep_only(&mut self, columns: Option<Vec<bool>>) {
        self.keep = columns;
    }

    /// Bytes of the file handed out so far (for progress).
    pub fn consumed(&self) -> u64 {
        self.consumed
    }

    /// The file's size when it was opened.
    pub fn file_len(&self) -> u64 {
        self.file_len
    }

    /// The file's size and modification time when it was opened: two
    /// passes over one file compare them to know it did not change between.
    pub fn identity(&self) -> (u64, Option<std::time::SystemTime>) {
        (self.file_len, self.modified)
    }

    /// Reads until `buffer` holds `want` bytes or the file ends.
    fn fill(&mut self, want: usize) -> std::io::Result<()> {
        use std::io::Read;
        if self.eof || self.buffer.len() >= want {
            return Ok(());
        }
        let missing = want - self.buffer.len();
        self.buffer.reserve(missing);
        // `read_to_end` reads into the spare capacity without zeroing it
        // first (a `resize` zeroed every block before reading over it).
        let read = (&mut self.file)
            .take(missing as u64)
            .read_to_end(&mut self.buffer)?;
        if read < missing {
            self.eof = true;
        }
        Ok(())
    }

    /// The next block of records as a table (the header's columns), `None`
    /// at the end of the file.
    pub fn next_block(&mut self) -> Result<Option<Table>, BlockError> {
        let path = self.path.clone();
        let io_err = |error| BlockError::Read(ReadError::Io { path, error });
        if let Err(error) = self.fill(self.block_bytes) {
            return Err(io_err(error));
        }
        // The block's end and the cuts its pieces are parsed in, from one
        // scan of the quotes and line breaks.
        let (end, bounds) = loop {
            if self.eof {
                let end = self.buffer.len();
                let parts = piece_count(end);
                break (end, record_boundaries(&self.buffer, self.delimiter, parts));
            }
            let parts = piece_count(self.buffer.len());
            let spacing = self.buffer.len() / parts;
            match record_cuts(&self.buffer, self.delimiter, spacing) {
                (cuts, Some(end)) => {
                    let mut starts: Vec<usize> = std::iter::once(0)
                        .chain(cuts.into_iter().filter(|&cut| cut < end))
                        .collect();
                    starts.push(end);
                    break (end, starts.windows(2).map(|w| (w[0], w[1])).collect());
                }
                // One record longer than a block (a huge quoted note, or
                // quotes that never close): read on, until it ends.
                (_, None) => {
                    let more = self.buffer.len() + self.block_bytes;
                    if let Err(error) = self.fill(more) {
                        return Err(io_err(error));
                    }
                }
            }
        };
        if end == 0 {
            if self.consumed != self.file_len {
                return Err(BlockError::NotStreamable(
                    "the file changed while it was read",
                ));
            }
            return Ok(None);
        }
        let text = encoding::utf8(&self.buffer[..end])
            .map_err(|_| BlockError::NotStreamable("bytes that are not UTF-8"))?;
        let context = ChunkContext {
            path: &self.path,
            keep: self.keep.as_deref(),
            width: self.headers.len(),
            delimiter: self.delimiter,
            lenient: self.lenient,
            had_bad_bytes: false,
            encoding: "UTF-8",
        };
        let (pieces, line_breaks) = parse_pieces_at(&context, text, self.next_line, &bounds);
        let mut parsed = Vec::with_capacity(pieces.len());
        for piece in pieces {
            match piece {
                Ok(piece) if piece.rejects.is_empty() && !piece.damaged => parsed.push(piece),
                Ok(_) => return Err(BlockError::NotStreamable("rows set aside")),
                Err(_) => return Err(BlockError::NotStreamable("a row the reader refuses")),
            }
        }
        let (columns, _) = join_pieces(self.headers.len(), parsed);
        self.next_line += line_breaks;
        self.buffer.drain(..end);
        self.consumed += end as u64;
        Ok(Some(Table {
            headers: self.headers.clone(),
            columns,
        }))
    }
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
    #[test]
    fn blocks_laid_end_to_end_are_the_whole_file() {
        let dir = tempfile::tempdir().unwrap();
        let mut text = String::from("\u{FEFF}id;note;city\r\n");
        for i in 0..3000 {
            match i % 5 {
                0 => text.push_str(&format!("{i};\"two\r\nlines; {i}\";Köln\r\n")),
                1 => text.push_str(&format!("{i};\"say \"\"hi\"\"\";\r\n")),
                2 => text.push_str("\r\n"),
                _ => text.push_str(&format!("{i};plain;城市{i}\r\n")),
            }
        }
        text.push_str("last;no newline;end");
        let path = dir.path().join("t.csv");
        std::fs::write(&path, &text).unwrap();
        let whole = read(&path, text.as_bytes(), &ReadOptions::default()).unwrap();
        for block_bytes in [1, 5000, 1 << 20] {
            let mut blocks = Blocks::open(&path, &ReadOptions::default(), block_bytes)
                .unwrap()
                .expect("UTF-8 text streams");
            assert_eq!(blocks.headers, whole.table.headers);
            assert_eq!(blocks.delimiter, b';');
            let mut joined = Table::new(blocks.headers.clone());
            let mut count = 0;
            while let Some(block) = blocks.next_block().unwrap() {
                count += 1;
                for (into, part) in joined.columns.iter_mut().zip(&block.columns) {
                    into.append(part);
                }
            }
            assert_eq!(joined, whole.table, "blocks of {block_bytes} bytes");
            assert_eq!(blocks.consumed(), blocks.file_len());
            assert!(block_bytes > text.len() || count > 5, "{count} blocks");
        }
    }

    /// What a parse produced, comparable: columns, rejects, damage, or
    /// the error's text.
    type Summary = Result<(Vec<Vec<String>>, Vec<String>, bool), String>;

    fn parsed(result: Result<Chunk, ReadError>) -> Summary {
        result
            .map(|chunk| {
                (
                    chunk
                        .columns
                        .iter()
                        .map(|c| c.iter().map(str::to_string).collect())
                        .collect(),
                    chunk
                        .rejects
                        .iter()
                        .map(|r| format!("{} {} {:?}", r.line, r.reason, r.fields))
                        .collect(),
                    chunk.damaged,
                )
            })
            .map_err(|e| e.to_string())
    }

    use proptest::strategy::Strategy;

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4000))]
        /// The fast path answers exactly what the csv crate's path answers,
        /// on text made of the bytes that matter to CSV (quotes, both line
        /// ends, the delimiter, spaces, a formula sign, multi-byte text).
        #[test]
        fn the_fast_path_reads_what_the_csv_crate_reads(
            (text, width) in proptest::prop_oneof![
                // Random bytes: mostly pieces the fast path leaves.
                ("[a\"\n\r, ;=é]{0,40}", 1usize..4),
                // Records of plain and quoted fields (doubled quotes,
                // delimiters inside, CRLF or LF): mostly pieces it takes.
                (2usize..5).prop_flat_map(|width| {
                    (
                        proptest::collection::vec(
                            proptest::collection::vec(
                                "[a é=']{0,3}|\"([a,; é\n]|\"\"){0,3}\"",
                                width..width + 1,
                            ),
                            0..4,
                        ),
                        "\n|\r\n|\n\n",
                        proptest::prelude::Just(width),
                    )
                })
                .prop_map(|(rows, end, width)| {
                    let rows: Vec<String> = rows.iter().map(|r| r.join(",")).collect();
                    (rows.join(&end), width)
                }),
            ],
            keep_mask in 0u8..8,
            semicolon in proptest::prelude::any::<bool>(),
        ) {
            let text = if semicolon { text.replace(',', ";") } else { text };
            let delimiter = if semicolon { b';' } else { b',' };
            let keep: Vec<bool> = (0..width).map(|c| keep_mask & (1 << c) == 0).collect();
            for keep in [None, Some(&keep[..])] {
                for lenient in [false, true] {
                    let context = ChunkContext {
                        path: Path::new("t.csv"),
                        keep,
                        width,
                        delimiter,
                        lenient,
                        had_bad_bytes: false,
                        encoding: "UTF-8",
                    };
                    let rows = memchr::memchr_iter(b'\n', text.as_bytes()).count() + 1;
                    proptest::prop_assert_eq!(
                        parsed(parse_chunk(&context, &text, 7)),
                        parsed(parse_chunk_with_csv(&context, &text, 7, rows)),
                        "{:?} width {} keep {:?}", text, width, keep
                    );
                }
            }
        }
    }

    #[test]
    fn the_fast_path_takes_plain_and_quoted_records_and_leaves_the_rest() {
        let split =
            |text: &str| super::super::well_formed::split(text.as_bytes(), b',', 3, None, 4);
        let columns = |text: &str| {
            split(text).map(|columns| {
                columns
                    .into_iter()
                    .map(|c| c.finish().iter().map(str::to_string).collect::<Vec<_>>())
                    .collect::<Vec<_>>()
            })
        };
        assert_eq!(
            columns("a,\"b, \"\"c\"\"\",d\r\n\ne,,\"\"\n"),
            Some(vec![
                vec!["a".to_string(), "e".into()],
                vec!["b, \"c\"".into(), "".into()],
                vec!["d".into(), "".into()],
            ])
        );
        // A line break inside quotes, text after a closing quote, a bare
        // CR, a short record: the csv crate's path.
        for text in ["a,\"b\nc\",d\n", "a,\"b\"x,d\n", "a,b\rc,d\n", "a,b\n"] {
            assert!(split(text).is_none(), "{text:?}");
        }
    }

    #[test]
    fn blocks_refuse_what_only_the_whole_file_reader_answers() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        let mut text = String::from("id,name\n");
        for i in 0..2000 {
            text.push_str(&format!("{i},name {i}\n"));
        }
        // A ragged row, an unclosed quote, bytes that are not UTF-8.
        for (tail, bytes) in [
            ("1,2,3\n", None),
            ("9,\"open\n", None),
            ("", Some(b"9,M\xDCller\n".to_vec())),
        ] {
            let mut content = format!("{text}{tail}").into_bytes();
            if let Some(bytes) = bytes {
                content.extend(bytes);
            }
            std::fs::write(&path, &content).unwrap();
            let mut blocks = Blocks::open(&path, &ReadOptions::default(), 4096)
                .unwrap()
                .unwrap();
            let stopped = loop {
                match blocks.next_block() {
                    Ok(Some(_)) => continue,
                    Ok(None) => break None,
                    Err(error) => break Some(error),
                }
            };
            assert!(
                matches!(stopped, Some(BlockError::NotStreamable(_))),
                "{tail:?}: {stopped:?}"
            );
        }
        // A legacy encoding forced, or a UTF-16 file: not streamed at all.
        std::fs::write(&path, &text).unwrap();
        let latin1 = ReadOptions {
            encoding: Some("latin1".into()),
            ..ReadOptions::default()
        };
        assert!(Blocks::open(&path, &latin1, 4096).unwrap().is_none());
        std::fs::write(&path, b"\xFF\xFEa\x00").unwrap();
        assert!(Blocks::open(&path, &ReadOptions::default(), 4096)
            .unwrap()
            .is_none());
    }
}
