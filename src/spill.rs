//! Setting a table aside on disk while a stage does not need it, and the
//! memory budget that decides when to.
//!
//! `dedupe` matches on a few feature columns but merges and writes every
//! column: at 10M records the normalized table is about 4 GB that matching
//! never reads. Spilled, it is one temporary file in the output's
//! directory, unlinked as soon as it is open (nothing is left behind, even
//! if the process is killed), read back byte for byte for the merge.
//!
//! Guarantees: the restored table equals the spilled one (same headers,
//! cells, order); the temporary file never outlives the process on Unix
//! and is removed when the spill is dropped elsewhere.

use crate::table::{Column, Table};
use std::fs::{File, OpenOptions};
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// A table written to a temporary file; [`Spilled::restore`] reads it back.
pub struct Spilled {
    file: File,
    /// Set when the file could not be unlinked while open (not Unix).
    path: Option<PathBuf>,
    headers: Vec<String>,
    /// Per column, in file order.
    shapes: Vec<Shape>,
}

/// One spilled column's sizes.
struct Shape {
    cells: usize,
    text_bytes: usize,
    length_bytes: usize,
}

/// Where a stage writing `output` sets data aside: the output's directory
/// (the disk the user chose for the result, and where its temp file goes).
pub fn dir_beside(output: &Path) -> PathBuf {
    match output.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Writes `table` to a new temporary file in `dir` and frees it. Per
/// column: its text, then each cell's length as a LEB128 varint (one byte
/// for a cell under 128 bytes). Offsets as 8-byte words were half of a
/// 10M-record table's 3 GiB on disk, and the disk, not the CPU, is what
/// setting a table aside waits on (16.5 s of a 220 s run).
pub fn spill(table: Table, dir: &Path) -> std::io::Result<Spilled> {
    let path = dir.join(format!(
        "{}spill-{}",
        crate::io::write::temp_prefix(),
        std::process::id()
    ));
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .open(&path)?;
    // Unix keeps an unlinked file until its last handle closes.
    let path = std::fs::remove_file(&path).err().map(|_| path);
    let mut spilled = Spilled {
        file,
        path,
        headers: Vec::new(),
        shapes: Vec::with_capacity(table.columns.len()),
    };
    let mut out = BufWriter::with_capacity(1 << 20, &spilled.file);
    let mut lengths: Vec<u8> = Vec::new();
    for column in &table.columns {
        let (text, ends) = column.parts();
        out.write_all(text.as_bytes())?;
        lengths.clear();
        let mut start = 0;
        for &end in ends {
            push_varint(&mut lengths, (end - start) as u64);
            start = end;
        }
        out.write_all(&lengths)?;
        spilled.shapes.push(Shape {
            cells: ends.len(),
            text_bytes: text.len(),
            length_bytes: lengths.len(),
        });
    }
    out.flush()?;
    drop(out);
    spilled.headers = table.headers;
    Ok(spilled)
}

/// LEB128: seven bits a byte, low first, the high bit set on all but the last.
fn push_varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// Cell end offsets from LEB128 cell lengths; None if the bytes do not
/// hold exactly `cells` lengths summing to at most `text_bytes`.
fn ends_from_lengths(bytes: &[u8], cells: usize, text_bytes: usize) -> Option<Vec<usize>> {
    let mut ends = Vec::with_capacity(cells);
    let (mut end, mut value, mut shift) = (0usize, 0u64, 0u32);
    for &byte in bytes {
        if shift > 56 {
            return None;
        }
        value |= u64::from(byte & 0x7F) << shift;
        if byte & 0x80 == 0 {
            end = end.checked_add(usize::try_from(value).ok()?)?;
            ends.push(end);
            (value, shift) = (0, 0);
        } else {
            shift += 7;
        }
    }
    (ends.len() == cells && shift == 0 && end <= text_bytes).then_some(ends)
}

impl Spilled {
    /// Reads the table back (and removes the file).
    pub fn restore(mut self) -> std::io::Result<Table> {
        let changed = || {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "a spilled column came back changed",
            )
        };
        self.file.seek(SeekFrom::Start(0))?;
        let mut input = BufReader::with_capacity(1 << 20, &self.file);
        let mut columns = Vec::with_capacity(self.shapes.len());
        let mut lengths: Vec<u8> = Vec::new();
        for shape in &self.shapes {
            let mut text = vec![0u8; shape.text_bytes];
            input.read_exact(&mut text)?;
            let text = String::from_utf8(text).map_err(|_| changed())?;
            lengths.resize(shape.length_bytes, 0);
            input.read_exact(&mut lengths)?;
            let ends =
                ends_from_lengths(&lengths, shape.cells, shape.text_bytes).ok_or_else(changed)?;
            columns.push(Column::from_parts(text, ends).ok_or_else(changed)?);
        }
        Ok(Table {
            headers: std::mem::take(&mut self.headers),
            columns,
        })
    }
}

impl Drop for Spilled {
    fn drop(&mut self) {
        if let Some(path) = &self.path {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Memory a table holds: its text and one offset per cell.
pub fn table_bytes(table: &Table) -> usize {
    table
        .columns
        .iter()
        .map(|c| c.byte_len() + c.len() * std::mem::size_of::<usize>())
        .sum()
}

/// Matching's peak, measured, is about three times the normalized table it
/// matches (features, packed copy, candidate pairs and their levels); the
/// table is spilled when that estimate would pass the budget.
pub const PEAK_PER_TABLE_BYTE: usize = 3;

/// Whether a table of `bytes` should be set aside while matching under a
/// memory budget of `budget` bytes.
pub fn should_spill(bytes: usize, budget: u64) -> bool {
    (bytes as u64).saturating_mul(PEAK_PER_TABLE_BYTE as u64) > budget
}

/// The default budget: 8 GiB, or three quarters of the memory available
/// when the machine has less.
pub fn default_budget() -> u64 {
    const EIGHT_GIB: u64 = 8 << 30;
    available_memory().map_or(EIGHT_GIB, |available| EIGHT_GIB.min(available / 4 * 3))
}

/// `MemAvailable` of `/proc/meminfo` (Linux), in bytes.
fn available_memory() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// The process's peak resident memory so far (`VmHWM`, Linux), in bytes.
pub fn peak_resident() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = text.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Parses a size such as `8G`, `512M`, `8GiB`, `1500000000` (bytes).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let trimmed = text.trim();
    let split = trimmed
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(split);
    let number: f64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a size (e.g. 8G, 512M)"))?;
    let scale: u64 = match unit.trim().to_ascii_uppercase().as_str() {
        "" | "B" => 1,
        "K" | "KB" | "KIB" => 1 << 10,
        "M" | "MB" | "MIB" => 1 << 20,
        "G" | "GB" | "GIB" => 1 << 30,
        "T" | "TB" | "TIB" => 1 << 40,
        _ => return Err(format!("`{text}`: unknown unit (use K, M, G or T)")),
    };
    let bytes = number * scale as f64;
    if bytes.is_nan() || bytes < (64 << 10) as f64 || bytes > (1u64 << 50) as f64 {
        return Err(format!("`{text}`: give between 64K and 1024T"));
    }
    Ok(bytes as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spilled_table_comes_back_equal_and_leaves_no_file() {
        let dir = std::env::temp_dir().join(format!("tidyrec-spill-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        // Cell lengths of one, two and three varint bytes.
        let (long, longer) = ("x".repeat(200), "長".repeat(6000));
        let table = Table::from_rows(
            &["Name", "City"],
            &[
                &["Ana", "São Paulo"],
                &["", "東京"],
                &["Bo \"B\", Jr", ""],
                &[&long, &longer],
            ],
        );
        let spilled = spill(table.clone(), &dir).unwrap();
        let restored = spilled.restore().unwrap();
        assert_eq!(restored.headers, table.headers);
        assert_eq!(restored.columns, table.columns);
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn cell_lengths_decode_only_when_whole() {
        let mut bytes = Vec::new();
        for length in [0u64, 5, 127, 128, 300, 70_000] {
            push_varint(&mut bytes, length);
        }
        let ends = ends_from_lengths(&bytes, 6, 70_560).unwrap();
        assert_eq!(ends, [0, 5, 132, 260, 560, 70_560]);
        // A length cut short, one cell too few, or more text than there is.
        assert!(ends_from_lengths(&bytes[..bytes.len() - 1], 6, 70_560).is_none());
        assert!(ends_from_lengths(&bytes, 7, 70_560).is_none());
        assert!(ends_from_lengths(&bytes, 6, 70_559).is_none());
    }

    #[test]
    fn sizes_parse_with_units_and_refuse_nonsense() {
        assert_eq!(parse_size("8G").unwrap(), 8 << 30);
        assert_eq!(parse_size("512MiB").unwrap(), 512 << 20);
        assert_eq!(parse_size("1.5g").unwrap(), 3 << 29);
        assert!(parse_size("10").is_err(), "10 bytes is below 64K");
        assert!(parse_size("lots").is_err());
        assert!(parse_size("8X").is_err());
    }

    #[test]
    fn a_table_is_spilled_only_past_the_budget() {
        assert!(!should_spill(600 << 20, 8 << 30));
        assert!(should_spill(4 << 30, 8 << 30));
    }
}
