//! The in-memory table: named columns of text, stored columnar.
//!
//! Every value is kept as the text that was read (nothing is parsed into
//! typed values at read time), so a normalizer can always fall back to the raw
//! value. Each column is one contiguous string buffer plus end offsets: one
//! allocation per column instead of one per cell, which keeps reading and
//! normalizing a million-row export allocation-light.

/// A cache prefetch hint; it never faults and changes no result.
#[inline(always)]
pub(crate) fn prefetch(address: *const u8) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is only a hint: it reads nothing into the program
    // and cannot fault, whatever the address (here always a valid one).
    unsafe {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        _mm_prefetch(address as *const i8, _MM_HINT_T0);
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = address;
}

/// `work(index, column)` for every column, in parallel, largest columns
/// first; results in column order. A wide export's one long note column
/// can be half of a table's bytes: started last (in column order, where
/// it usually stands) one core copied it alone while the other waited.
pub fn par_map_columns<T: Send>(
    columns: &[Column],
    work: impl Fn(usize, &Column) -> T + Sync,
) -> Vec<T> {
    use rayon::prelude::*;
    let mut order: Vec<usize> = (0..columns.len()).collect();
    // Stable: columns of one size keep their order (the result does not
    // depend on it either way).
    order.sort_by_key(|&c| std::cmp::Reverse(columns[c].byte_len()));
    let mut done: Vec<(usize, T)> = order
        .into_par_iter()
        .with_max_len(1)
        .map(|c| (c, work(c, &columns[c])))
        .collect();
    done.sort_by_key(|(c, _)| *c);
    done.into_iter().map(|(_, result)| result).collect()
}

/// One column: all cells concatenated in `data`, cell `i` is
/// `data[ends[i-1]..ends[i]]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Column {
    data: String,
    ends: Vec<usize>,
}

impl Column {
    pub fn with_capacity(rows: usize, bytes: usize) -> Self {
        Column {
            data: String::with_capacity(bytes),
            ends: Vec::with_capacity(rows),
        }
    }

    pub fn push(&mut self, value: &str) {
        self.data.push_str(value);
        self.ends.push(self.data.len());
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    #[inline]
    pub fn get(&self, row: usize) -> &str {
        let start = if row == 0 { 0 } else { self.ends[row - 1] };
        let bytes = &self.data.as_bytes()[start..self.ends[row]];
        // SAFETY: every end offset is a character boundary of `data`: cells
        // are pushed and appended as whole strings, `from_parts` checks each
        // offset, and `ColumnBuilder` cuts valid UTF-8 only at ASCII bytes
        // (delimiters, quotes, line breaks). So the slice is whole
        // characters; this skips `str` indexing's two boundary checks, which
        // read the text a second time on the hottest path of every stage.
        unsafe { std::str::from_utf8_unchecked(bytes) }
    }

    /// Asks the CPU to start loading where cell `row` ends (its offset),
    /// a little before [`Column::prefetch_cell`] asks for its text.
    #[inline]
    pub fn prefetch_offset(&self, row: usize) {
        if let Some(end) = self.ends.get(row) {
            prefetch(std::ptr::from_ref(end).cast());
        }
    }

    /// Asks the CPU to start loading cell `row`'s text (this reads the
    /// offset before it: best after [`Column::prefetch_offset`]).
    #[inline]
    pub fn prefetch_cell(&self, row: usize) {
        let start = if row == 0 {
            0
        } else {
            self.ends.get(row - 1).copied().unwrap_or(0)
        };
        if let Some(byte) = self.data.as_bytes().get(start) {
            prefetch(byte);
        }
    }

    /// The text buffer and end offsets (for [`crate::spill`]).
    pub fn parts(&self) -> (&str, &[usize]) {
        (&self.data, &self.ends)
    }

    /// A column from a text buffer and end offsets; `None` unless the
    /// offsets rise within the text and fall on character boundaries.
    pub fn from_parts(data: String, ends: Vec<usize>) -> Option<Column> {
        let mut start = 0;
        for &end in &ends {
            if end < start || !data.is_char_boundary(end) {
                return None;
            }
            start = end;
        }
        (ends.last().copied().unwrap_or(0) == data.len()).then_some(Column { data, ends })
    }

    pub fn iter(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        (0..self.len()).map(move |i| self.get(i))
    }

    /// Appends all cells of `other`.
    pub fn append(&mut self, other: &Column) {
        let base = self.data.len();
        self.data.push_str(&other.data);
        self.ends.extend(other.ends.iter().map(|end| base + end));
    }

    /// Room for `rows` more cells of `bytes` more text.
    pub fn reserve(&mut self, rows: usize, bytes: usize) {
        self.data.reserve(bytes);
        self.ends.reserve(rows);
    }

    /// Total bytes of text held, used to size output buffers.
    pub fn byte_len(&self) -> usize {
        self.data.len()
    }
}

/// A column filled from byte slices that are UTF-8 (fields cut from valid
/// text at ASCII delimiters), validated once in [`ColumnBuilder::finish`]:
/// one pass over the whole buffer is much cheaper than a check per cell.
#[derive(Debug, Default)]
pub struct ColumnBuilder {
    data: Vec<u8>,
    ends: Vec<usize>,
}

impl ColumnBuilder {
    pub fn with_capacity(rows: usize, bytes: usize) -> Self {
        ColumnBuilder {
            data: Vec::with_capacity(bytes),
            ends: Vec::with_capacity(rows),
        }
    }

    pub fn push_bytes(&mut self, value: &[u8]) {
        self.data.extend_from_slice(value);
        self.ends.push(self.data.len());
    }

    /// The finished column. Bytes that are not UTF-8, or a character split
    /// between two cells (which the callers rule out), are replaced with
    /// U+FFFD cell by cell rather than lost.
    pub fn finish(self) -> Column {
        // simdutf8 checks non-ASCII text (CJK names, accents) many times
        // faster than `String::from_utf8`, which matters at a million rows.
        // Every cell must be whole characters too ([`Column::get`] relies on
        // it): an end offset never points into a character (at a
        // continuation byte, 0b10xx_xxxx).
        let whole_cells = self
            .ends
            .iter()
            .all(|&end| self.data.get(end).is_none_or(|&b| b & 0xC0 != 0x80));
        if whole_cells && simdutf8::basic::from_utf8(&self.data).is_ok() {
            // SAFETY: the bytes were validated as UTF-8 on the line above.
            let data = unsafe { String::from_utf8_unchecked(self.data) };
            return Column {
                data,
                ends: self.ends,
            };
        }
        let mut column = Column::with_capacity(self.ends.len(), self.data.len());
        let mut start = 0;
        for &end in &self.ends {
            column.push(&String::from_utf8_lossy(&self.data[start..end]));
            start = end;
        }
        column
    }
}

impl<'a> FromIterator<&'a str> for Column {
    fn from_iter<I: IntoIterator<Item = &'a str>>(iter: I) -> Self {
        let mut column = Column::default();
        for value in iter {
            column.push(value);
        }
        column
    }
}

/// A table of text columns with unique, non-empty header names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table {
    pub headers: Vec<String>,
    pub columns: Vec<Column>,
}

impl Table {
    pub fn new(headers: Vec<String>) -> Self {
        let columns = headers.iter().map(|_| Column::default()).collect();
        Table { headers, columns }
    }

    /// A table from literal rows (tests, small fixtures); each row has one
    /// value per header.
    pub fn from_rows(headers: &[&str], rows: &[&[&str]]) -> Self {
        let mut table = Table::new(headers.iter().map(|h| h.to_string()).collect());
        for row in rows {
            table.push_row(row.iter().copied());
        }
        table
    }

    pub fn row_count(&self) -> usize {
        self.columns.first().map_or(0, Column::len)
    }

    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.headers.iter().position(|h| h == name)
    }

    /// A short, stable fingerprint of a row's values (FxHash, no random
    /// seed: the same values give the same text on every run and machine).
    /// Names records of files without an id column, so that a row number
    /// alone never ties tonight's row 5 to last night's.
    pub fn row_fingerprint(&self, row: usize) -> String {
        use std::hash::Hasher;
        let mut hasher = rustc_hash::FxHasher::default();
        for column in &self.columns {
            hasher.write(column.get(row).as_bytes());
            hasher.write_u8(0x1f);
        }
        format!("{:08x}", hasher.finish() as u32)
    }

    /// Appends one row; the caller guarantees `row.len() == headers.len()`.
    pub fn push_row<'a>(&mut self, row: impl IntoIterator<Item = &'a str>) {
        for (column, value) in self.columns.iter_mut().zip(row) {
            column.push(value);
        }
    }
}

/// A 128-bit digest of a value (two SipHash-1-3 digests with different
/// salts), for sets of ids too large to hold as strings: 16 bytes a value
/// whatever the ids look like; two different values share one only by a
/// 128-bit collision.
pub fn digest(value: &str) -> (u64, u64) {
    use std::hash::{Hash, Hasher};
    let half = |salt: u8| {
        let mut hasher = std::hash::DefaultHasher::new();
        salt.hash(&mut hasher);
        value.hash(&mut hasher);
        hasher.finish()
    };
    (half(1), half(2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_mapped_largest_first_come_back_in_column_order() {
        let sizes = [3, 0, 40, 7, 40, 1, 12];
        let columns: Vec<Column> = sizes
            .iter()
            .map(|&n| std::iter::repeat_n("xy", n).collect())
            .collect();
        let mapped = par_map_columns(&columns, |c, column| (c, column.byte_len()));
        let expected: Vec<(usize, usize)> = sizes.iter().map(|&n| n * 2).enumerate().collect();
        assert_eq!(mapped, expected);
    }

    #[test]
    fn column_round_trips_values_including_empty() {
        let column: Column = ["a", "", "héllo", ""].into_iter().collect();
        assert_eq!(column.len(), 4);
        assert_eq!(column.iter().collect::<Vec<_>>(), ["a", "", "héllo", ""]);
        assert_eq!(column.get(2), "héllo");
    }

    #[test]
    fn builder_validates_once_and_keeps_cells() {
        let mut builder = ColumnBuilder::default();
        builder.push_bytes("Zoë".as_bytes());
        builder.push_bytes(b"");
        builder.push_bytes(b"\xff");
        let column = builder.finish();
        assert_eq!(column.iter().collect::<Vec<_>>(), ["Zoë", "", "\u{FFFD}"]);
    }

    #[test]
    fn a_character_split_between_cells_is_never_a_cell() {
        // Valid UTF-8 as a whole, but `é` is cut in two: each half is
        // replaced, not handed out as a broken `&str`.
        let mut builder = ColumnBuilder::default();
        builder.push_bytes(b"caf\xC3");
        builder.push_bytes(b"\xA9");
        builder.push_bytes("ok".as_bytes());
        let column = builder.finish();
        assert_eq!(
            column.iter().collect::<Vec<_>>(),
            ["caf\u{FFFD}", "\u{FFFD}", "ok"]
        );
    }

    #[test]
    fn table_push_row_fills_each_column() {
        let mut table = Table::new(vec!["x".into(), "y".into()]);
        table.push_row(["1", "2"]);
        table.push_row(["3", ""]);
        assert_eq!(table.row_count(), 2);
        assert_eq!(table.columns[1].get(0), "2");
        assert_eq!(table.column_index("y"), Some(1));
    }
}
