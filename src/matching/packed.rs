//! The fields `compare` reads, stored record after record.
//!
//! Comparing a candidate pair is memory-bound: with one column per field,
//! each field of each record is two cache misses (its offset, its bytes),
//! about 50 per pair. Here a record's fields sit together behind one offset,
//! so a pair costs a handful of cache lines (measured: comparison ≈ 3× faster
//! at 1.5M records). Values longer than 65,535 bytes are stored as empty
//! (missing): no name, e-mail or phone is that long.

use crate::table::{prefetch, Column};
use rayon::prelude::*;

/// Fields in record order; the index into [`Record::fields`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    First,
    FirstCanonical,
    FirstGender,
    Last,
    LastPhonetic,
    Birth,
    Email,
    Phone,
    PhoneSecond,
    Street,
    City,
    Postal,
    Identifier,
    Company,
    FirstKnown,
}

pub const FIELDS: usize = 15;

/// Rows per unit of parallel packing.
const CHUNK_ROWS: usize = 65_536;

/// Every record's fields: a header of `FIELDS` little-endian `u16` lengths,
/// then the field bytes.
#[derive(Debug, Clone, Default)]
pub struct Packed {
    data: Vec<u8>,
    /// `starts[r]..starts[r + 1]` is record `r`.
    starts: Vec<usize>,
}

/// One record's fields.
#[derive(Debug, Clone, Copy)]
pub struct Record<'a> {
    fields: [&'a str; FIELDS],
}

impl<'a> Record<'a> {
    #[inline]
    pub fn get(&self, field: Field) -> &'a str {
        self.fields[field as usize]
    }
}

impl Packed {
    /// Packs `columns` (in [`Field`] order, all of `rows` cells).
    pub fn build(columns: [&Column; FIELDS], rows: usize) -> Packed {
        let chunks: Vec<(Vec<u8>, Vec<usize>)> = (0..rows.div_ceil(CHUNK_ROWS))
            .into_par_iter()
            .map(|k| {
                let range = k * CHUNK_ROWS..((k + 1) * CHUNK_ROWS).min(rows);
                let mut data = Vec::new();
                let mut ends = Vec::with_capacity(range.len());
                for row in range {
                    let values = columns.map(|c| {
                        let value = c.get(row);
                        if value.len() > usize::from(u16::MAX) {
                            ""
                        } else {
                            value
                        }
                    });
                    for value in values {
                        data.extend_from_slice(&(value.len() as u16).to_le_bytes());
                    }
                    for value in values {
                        data.extend_from_slice(value.as_bytes());
                    }
                    ends.push(data.len());
                }
                (data, ends)
            })
            .collect();
        let total = chunks.iter().map(|(d, _)| d.len()).sum();
        let mut data = Vec::with_capacity(total);
        let mut starts = Vec::with_capacity(rows + 1);
        starts.push(0);
        for (chunk, ends) in chunks {
            let base = data.len();
            data.extend_from_slice(&chunk);
            starts.extend(ends.into_iter().map(|end| base + end));
        }
        Packed { data, starts }
    }

    /// Asks the CPU to start loading where record `row` begins (its offset).
    #[inline]
    pub fn prefetch_offset(&self, row: usize) {
        if let Some(start) = self.starts.get(row) {
            prefetch(start as *const usize as *const u8);
        }
    }

    /// Asks the CPU to start loading record `row`'s bytes (best after
    /// [`Packed::prefetch_offset`] a little earlier: this reads the offset).
    #[inline]
    pub fn prefetch_record(&self, row: usize) {
        if let Some(&start) = self.starts.get(row) {
            if let Some(byte) = self.data.get(start) {
                prefetch(byte);
                if let Some(next) = self.data.get(start + 64) {
                    prefetch(next);
                }
            }
        }
    }

    #[inline]
    pub fn record(&self, row: usize) -> Record<'_> {
        let bytes = &self.data[self.starts[row]..self.starts[row + 1]];
        let (header, mut body) = bytes.split_at(FIELDS * 2);
        let mut fields = [""; FIELDS];
        for (k, field) in fields.iter_mut().enumerate() {
            let len = usize::from(u16::from_le_bytes([header[2 * k], header[2 * k + 1]]));
            let (value, rest) = body.split_at(len);
            // SAFETY: `build` wrote each field as the bytes of a `&str`, and
            // its length in the header, so `value` is exactly one of them.
            *field = unsafe { std::str::from_utf8_unchecked(value) };
            body = rest;
        }
        Record { fields }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_give_back_every_field() {
        let values: Vec<Column> = (0..FIELDS)
            .map(|k| {
                let mut column = Column::default();
                column.push(&format!("f{k}"));
                column.push(if k % 2 == 0 { "" } else { "王伟 ü" });
                column.push(&"x".repeat(70_000));
                column
            })
            .collect();
        let columns: [&Column; FIELDS] = std::array::from_fn(|k| &values[k]);
        let packed = Packed::build(columns, 3);
        assert_eq!(packed.record(0).get(Field::First), "f0");
        assert_eq!(packed.record(0).get(Field::Company), "f13");
        assert_eq!(packed.record(1).get(Field::First), "");
        assert_eq!(packed.record(1).get(Field::FirstCanonical), "王伟 ü");
        // Too long to be a matching value: stored as missing.
        assert_eq!(packed.record(2).get(Field::Email), "");
    }
}
