//! The reader's fast path: a piece of whole records split into columns
//! without the `csv` crate's byte-at-a-time state machine, for pieces that
//! hold nothing but well-formed records.
//!
//! Guarantee: where [`split`] answers, the columns are exactly what
//! `csv_core` (with the reader's settings: the delimiter, `"` quoting with
//! doubled quotes, CR, LF and CRLF ends, no comments) followed by the
//! reader's own checks would build — a property test in `delimited.rs`
//! holds it to that on random text. Anything else — a line break or CR
//! inside quotes, text after a closing quote, a bare CR, a record whose
//! field count is not the header's, a blank record, undecodable bytes —
//! makes it answer `None`, and the caller parses the piece with the `csv`
//! crate, which also reports errors and sets rows aside.
//!
//! Why our own code: the `csv` crate copies every field of every record
//! through its per-byte automaton, even fields the scan of a two-pass
//! stage does not keep; here unquoted fields are found with `memchr`
//! (several bytes at a time) and copied only when kept. On the 672 MB
//! 26-column file this halves the reader's time (`docs/design.md`).

use crate::table::ColumnBuilder;

/// The columns of `text` (whole records, `width` fields each), only those
/// `keep` marks built, or `None` when the piece is not plain well-formed
/// records (see the module header).
pub fn split(
    text: &[u8],
    delimiter: u8,
    width: usize,
    keep: Option<&[bool]>,
    rows_estimate: usize,
) -> Option<Vec<ColumnBuilder>> {
    // One field per record cannot be told from a blank record (skipped by
    // the reader) without the whole record; such files take the csv path.
    if width < 2 || matches!(delimiter, b'"' | b'\n' | b'\r') {
        return None;
    }
    // A CR must end a line (CRLF): a bare one ends a record for csv_core.
    if memchr::memchr_iter(b'\r', text).any(|at| text.get(at + 1) != Some(&b'\n')) {
        return None;
    }
    let kept = |c: usize| keep.is_none_or(|keep| keep[c]);
    let mut columns = builders(width, keep, rows_estimate, text.len());
    let mut unescaped: Vec<u8> = Vec::new();
    let end = text.len();
    let mut pos = 0;
    while pos < end {
        // csv_core skips empty lines (and the LF of a CRLF).
        if matches!(text[pos], b'\n' | b'\r') {
            pos += 1;
            continue;
        }
        let mut field = 0;
        loop {
            if field == width {
                return None;
            }
            let record_ends;
            if text[pos..].first() == Some(&b'"') {
                // A quoted field: up to the quote that is not doubled.
                let open = pos + 1;
                let mut from = open;
                let mut escaped = false;
                unescaped.clear();
                let close = loop {
                    let at = from + memchr::memchr3(b'"', b'\n', b'\r', &text[from..])?;
                    if text[at] != b'"' {
                        // A line break inside quotes: records and lines no
                        // longer coincide, and the reader checks such
                        // records for swallowed lines.
                        return None;
                    }
                    if text.get(at + 1) == Some(&b'"') {
                        unescaped.extend_from_slice(&text[from..=at]);
                        escaped = true;
                        from = at + 2;
                        continue;
                    }
                    break at;
                };
                if kept(field) {
                    let value = if escaped {
                        unescaped.extend_from_slice(&text[from..close]);
                        &unescaped[..]
                    } else {
                        &text[open..close]
                    };
                    columns[field].push_bytes(super::write::unguard(value));
                }
                pos = close + 1;
                match text.get(pos) {
                    None => record_ends = true,
                    Some(&b) if b == delimiter => {
                        record_ends = false;
                        pos += 1;
                    }
                    Some(b'\n') => {
                        record_ends = true;
                        pos += 1;
                    }
                    Some(b'\r') => {
                        record_ends = true;
                        pos += 2;
                    }
                    // Text after the closing quote.
                    Some(_) => return None,
                }
            } else {
                // An unquoted field: up to the delimiter or the line's end
                // (a quote inside it is a plain character, as in csv_core).
                let rest = &text[pos..];
                let (len, ends) = match memchr::memchr2(delimiter, b'\n', rest) {
                    None => (rest.len(), true),
                    Some(at) => (at, rest[at] == b'\n'),
                };
                let mut value = &rest[..len];
                if ends {
                    if let [before @ .., b'\r'] = value {
                        value = before;
                    }
                }
                if kept(field) {
                    columns[field].push_bytes(super::write::unguard(value));
                }
                record_ends = ends;
                pos += len + 1;
            }
            field += 1;
            if record_ends {
                break;
            }
        }
        if field != width {
            return None;
        }
    }
    Some(columns)
}

/// One builder per column of a piece of `bytes` bytes and at most
/// `rows` records, sized for its share; the columns `keep` leaves out get
/// empty ones.
pub fn builders(
    width: usize,
    keep: Option<&[bool]>,
    rows: usize,
    bytes: usize,
) -> Vec<ColumnBuilder> {
    let share = bytes / width.max(1);
    (0..width)
        .map(|c| match keep.is_none_or(|keep| keep[c]) {
            true => ColumnBuilder::with_capacity(rows, share),
            false => ColumnBuilder::with_capacity(0, 0),
        })
        .collect()
}
