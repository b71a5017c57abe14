//! Atomic output: every file is written to a temp file beside the target and
//! renamed into place, so a crash or kill leaves the previous output intact.
//!
//! CSV output is UTF-8 (optionally with a BOM for Excel) and, by default,
//! guards against formula injection: a value a spreadsheet would evaluate
//! (`=`, `+`, `-`, `@`, tab or CR first) gets a leading `'`, unless it is a plain
//! number or phone number.

use crate::table::Table;
use rayon::prelude::*;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("cannot write `{path}`: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write `{path}`: {message}")]
    Encode { path: PathBuf, message: String },
    #[error("cannot write `{path}`: tidyrec writes .csv, .tsv or .parquet; for Excel write .csv with --bom")]
    UnsupportedFormat { path: PathBuf },
}

/// Options for table output.
#[derive(Debug, Clone, Copy, Default)]
pub struct CsvOptions {
    pub bom: bool,
    pub allow_formulas: bool,
}

/// Writes through `fill` into a temp file next to `path`, then renames it over
/// `path`. `-` writes to standard output, and a path that is a device or a
/// pipe (`/dev/null`, a FIFO) is written in place: there is no file to
/// replace atomically, and replacing the device would break the machine.
pub fn atomic<F>(path: &Path, fill: F) -> Result<(), WriteError>
where
    F: FnOnce(&mut (dyn Write + Send)) -> std::io::Result<()>,
{
    let io_err = |source| WriteError::Io {
        path: path.to_path_buf(),
        source,
    };
    // A device or a pipe (`-o /dev/null`, a FIFO a loader reads from) is
    // written to as it is: renaming a temp file over it would replace the
    // device with a regular file for every program on the machine.
    if is_device(path) {
        let file = std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .map_err(io_err)?;
        let mut out = BufWriter::with_capacity(1 << 20, file);
        return fill(&mut out).and_then(|_| out.flush()).map_err(io_err);
    }
    if path == Path::new("-") {
        // A buffered handle that is `Send`, so output can be written from a
        // worker thread while the next block is formatted.
        let mut out = BufWriter::with_capacity(1 << 20, std::io::stdout());
        return match fill(&mut out).and_then(|_| out.flush()) {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            other => other.map_err(io_err),
        };
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    remove_dead_temp_files(dir);
    let prefix = temp_prefix();
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    // Temp files are private (0600); an output is an ordinary file: keep the
    // mode of the file it replaces, else rw-r--r--.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)
            .map(|m| m.permissions().mode())
            .unwrap_or(0o644);
        builder.permissions(std::fs::Permissions::from_mode(mode & 0o777));
    }
    let temp = builder.tempfile_in(dir).map_err(io_err)?;
    {
        let file = EarlyWriteback {
            file: temp.as_file(),
            written: 0,
            started: 0,
        };
        let mut writer = BufWriter::with_capacity(1 << 20, file);
        fill(&mut writer).map_err(io_err)?;
        writer.flush().map_err(io_err)?;
    }
    temp.as_file().sync_all().map_err(io_err)?;
    temp.persist(path).map_err(|e| io_err(e.error))?;
    Ok(())
}

/// A temp file's writer that asks the kernel to start writing each
/// `WRITEBACK_BYTES` to disk as soon as they are written, so the `fsync`
/// before the rename waits for the last stretch only: it waited 0.38 s for
/// the whole 750 MB output of a 5.9 s `normalize`, with both cores idle.
struct EarlyWriteback<'f> {
    file: &'f std::fs::File,
    written: u64,
    /// Bytes whose writeback was started.
    started: u64,
}

const WRITEBACK_BYTES: u64 = 32 << 20;

impl Write for EarlyWriteback<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let wrote = self.file.write(buf)?;
        self.written += wrote as u64;
        if self.written - self.started >= WRITEBACK_BYTES {
            start_writeback(self.file, self.started, self.written - self.started);
            self.started = self.written;
        }
        Ok(wrote)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

#[cfg(target_os = "linux")]
fn start_writeback(file: &std::fs::File, offset: u64, len: u64) {
    use std::os::fd::AsRawFd;
    let (Ok(offset), Ok(len)) = (i64::try_from(offset), i64::try_from(len)) else {
        return;
    };
    // SAFETY: a system call on a descriptor the `File` keeps open, with no
    // pointers. It only starts writeback of the range, without waiting;
    // its failure (a file system without it) changes nothing, since the
    // `fsync` after the last write is what makes the file durable.
    unsafe {
        libc::sync_file_range(file.as_raw_fd(), offset, len, libc::SYNC_FILE_RANGE_WRITE);
    }
}

#[cfg(not(target_os = "linux"))]
fn start_writeback(_file: &std::fs::File, _offset: u64, _len: u64) {}

/// Whether [`atomic`] writes `path` in place (standard output, a device, a
/// pipe) rather than through a temp file renamed over it: what is written
/// there cannot be taken back.
pub fn written_in_place(path: &Path) -> bool {
    path == Path::new("-") || is_device(path)
}

fn is_device(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir())
}

/// Temp files carry the writer's process id (`.tidyrec-PID-XXXXXX.tmp`), so
/// a later run can tell the leftovers of a killed process from the temp
/// files of a run still going.
pub fn temp_prefix() -> String {
    format!(".tidyrec-{}-", std::process::id())
}

/// Removes, once per folder and process, the temp files that killed tidyrec
/// processes left in `dir`: those whose process is gone (Linux: no
/// `/proc/PID`), and unattributable ones (older tidyrec) more than a day old.
fn remove_dead_temp_files(dir: &Path) {
    use std::sync::Mutex;
    static CLEANED: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
    let key = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    {
        let mut cleaned = CLEANED.lock().unwrap_or_else(|e| e.into_inner());
        if cleaned.contains(&key) {
            return;
        }
        cleaned.push(key);
    }
    let can_see_processes = Path::new("/proc/self").exists();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let Some(rest) = name
            .strip_prefix(".tidyrec-")
            .filter(|_| name.ends_with(".tmp"))
        else {
            continue;
        };
        let owner = rest
            .split_once('-')
            .and_then(|(pid, _)| pid.parse::<u32>().ok());
        let dead = match owner {
            Some(pid) => can_see_processes && !Path::new("/proc").join(pid.to_string()).exists(),
            None => entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age.as_secs() > 24 * 3600),
        };
        if dead && entry.file_type().is_ok_and(|t| t.is_file()) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Writes `value` as pretty-printed JSON with a final newline (reports,
/// summaries, saved models), through [`atomic`].
pub fn json<T: serde::Serialize + ?Sized>(path: &Path, value: &T) -> Result<(), WriteError> {
    atomic(path, |w| {
        serde_json::to_writer_pretty(&mut *w, value).map_err(std::io::Error::other)?;
        w.write_all(b"\n")
    })
}

/// Refuses an output path whose extension names a format tidyrec cannot
/// write (a spreadsheet), instead of writing CSV under that name.
pub fn ensure_writable_format(output: &Path) -> Result<(), WriteError> {
    match super::Format::from_path(output) {
        super::Format::Xlsx => Err(WriteError::UnsupportedFormat {
            path: output.to_path_buf(),
        }),
        _ => Ok(()),
    }
}

/// Rows a CSV writer can format: a [`Table`], or a view that decides each
/// cell when it is written (the golden records of a dedupe run, which are
/// mostly their input rows and so are not copied into a table first).
pub trait Rows: Sync {
    fn headers(&self) -> &[String];
    fn row_count(&self) -> usize;
    /// Cell `column` of `row`.
    fn cell(&self, row: usize, column: usize) -> &str;
    /// About how many bytes `rows` take (to size a block's buffer).
    fn bytes_hint(&self, rows: std::ops::Range<usize>) -> usize;
    /// Asks for cell `column` of `row` ahead of reading it: its offset
    /// (`text` false), then its text (`text` true). Rows whose cells lie
    /// scattered implement it; by default, nothing.
    #[inline]
    fn prefetch(&self, _row: usize, _column: usize, _text: bool) {}
    /// The rows as a table (for Parquet, written whole): each column built
    /// in parallel, unless the rows are one.
    fn as_table(&self) -> std::borrow::Cow<'_, Table> {
        let columns = (0..self.headers().len())
            .into_par_iter()
            .map(|c| {
                let mut column = crate::table::Column::default();
                for row in 0..self.row_count() {
                    column.push(self.cell(row, c));
                }
                column
            })
            .collect();
        std::borrow::Cow::Owned(Table {
            headers: self.headers().to_vec(),
            columns,
        })
    }
}

impl Rows for Table {
    fn headers(&self) -> &[String] {
        &self.headers
    }
    fn row_count(&self) -> usize {
        Table::row_count(self)
    }
    #[inline]
    fn cell(&self, row: usize, column: usize) -> &str {
        self.columns[column].get(row)
    }
    fn bytes_hint(&self, rows: std::ops::Range<usize>) -> usize {
        rows.map(|row| {
            self.columns
                .iter()
                .map(|c| c.get(row).len() + 1)
                .sum::<usize>()
        })
        .sum()
    }
    fn as_table(&self) -> std::borrow::Cow<'_, Table> {
        std::borrow::Cow::Borrowed(self)
    }
}

/// Writes a table as CSV or Parquet, chosen by the extension of `path`.
pub fn table(path: &Path, table: &Table, options: CsvOptions) -> Result<(), WriteError> {
    rows(path, table, options)
}

/// Writes rows as CSV or Parquet, chosen by the extension of `path`.
pub fn rows<R: Rows + ?Sized>(
    path: &Path,
    rows: &R,
    options: CsvOptions,
) -> Result<(), WriteError> {
    if super::Format::from_path(path) == super::Format::Parquet {
        let table = rows.as_table();
        let mut failure = None;
        let result = atomic(path, |out| {
            super::parquet::write(&table, out).map_err(|message| {
                failure = Some(message);
                std::io::Error::other("parquet")
            })
        });
        return match failure {
            Some(message) => Err(WriteError::Encode {
                path: path.to_path_buf(),
                message,
            }),
            None => result,
        };
    }
    let delimiter = csv_delimiter(path);
    atomic(path, |out| {
        if options.bom {
            out.write_all(b"\xEF\xBB\xBF")?;
        }
        if rows.headers().is_empty() {
            return Ok(());
        }
        csv_header(out, rows.headers(), delimiter, options)?;
        csv_rows(out, rows, delimiter, options)
    })
}

/// The delimiter of a CSV or TSV output, by its extension.
pub fn csv_delimiter(path: &Path) -> u8 {
    if super::Format::from_path(path) == super::Format::Tsv {
        b'\t'
    } else {
        b','
    }
}

/// Writes a CSV header record (guarded). With [`csv_rows`] for each block
/// of rows, the same bytes as [`table`] writes for the blocks joined.
pub fn csv_header(
    out: &mut (dyn Write + Send),
    headers: &[String],
    delimiter: u8,
    options: CsvOptions,
) -> std::io::Result<()> {
    let mut header = csv::WriterBuilder::new()
        .delimiter(delimiter)
        .from_writer(Vec::new());
    header.write_record(headers.iter().map(|h| guard(h, options).into_owned()))?;
    out.write_all(&header.into_inner().map_err(|e| e.into_error())?)
}

/// Writes a table's rows as CSV records (no header).
pub fn csv_rows<R: Rows + ?Sized>(
    out: &mut (dyn Write + Send),
    table: &R,
    delimiter: u8,
    options: CsvOptions,
) -> std::io::Result<()> {
    // Rows are formatted in parallel, one buffer per block, and written in
    // order; a window of blocks at a time bounds the memory held.
    let rows = table.row_count();
    let blocks: Vec<(usize, usize)> = (0..rows.div_ceil(WRITE_BLOCK_ROWS))
        .map(|b| (b * WRITE_BLOCK_ROWS, ((b + 1) * WRITE_BLOCK_ROWS).min(rows)))
        .collect();
    // While one window of blocks is written, the next one is formatted.
    let window = rayon::current_num_threads() * 4;
    let mut ready: Vec<std::io::Result<Vec<u8>>> = Vec::new();
    for group in blocks.chunks(window) {
        let (written, formatted) = rayon::join(
            || write_buffers(out, std::mem::take(&mut ready)),
            || {
                group
                    .par_iter()
                    .map(|&(start, end)| format_rows(table, start..end, delimiter, options))
                    .collect::<Vec<_>>()
            },
        );
        written?;
        ready = formatted;
    }
    write_buffers(out, ready)?;
    Ok(())
}

fn write_buffers(
    out: &mut (dyn Write + Send),
    buffers: Vec<std::io::Result<Vec<u8>>>,
) -> std::io::Result<()> {
    for buffer in buffers {
        out.write_all(&buffer?)?;
    }
    Ok(())
}

/// Rows per block of parallel CSV formatting (tiny in tests, so the tests
/// cross many blocks and windows).
const WRITE_BLOCK_ROWS: usize = if cfg!(test) { 7 } else { 16_384 };

fn format_rows<R: Rows + ?Sized>(
    table: &R,
    rows: std::ops::Range<usize>,
    delimiter: u8,
    options: CsvOptions,
) -> std::io::Result<Vec<u8>> {
    let bytes = table.bytes_hint(rows.clone());
    let mut out = Vec::with_capacity(bytes + bytes / 16);
    let width = table.headers().len();
    let lone_column = width == 1;
    // The cells of a few hundred rows are looked up column by column, then
    // laid out row by row: a row's cells lie in as many places as there are
    // columns, and reading them row by row waited on memory at each one.
    const SPAN: usize = 256;
    let mut cells: Vec<&str> = Vec::with_capacity(SPAN * width);
    let mut start = rows.start;
    while start < rows.end {
        let end = (start + SPAN).min(rows.end);
        let span = end - start;
        cells.clear();
        for c in 0..width {
            const AHEAD: usize = 8;
            for row in start..end {
                if row + 2 * AHEAD < end {
                    table.prefetch(row + 2 * AHEAD, c, false);
                }
                if row + AHEAD < end {
                    table.prefetch(row + AHEAD, c, true);
                }
                cells.push(table.cell(row, c));
            }
        }
        for i in 0..span {
            for c in 0..width {
                if c > 0 {
                    out.push(delimiter);
                }
                let value = guard(cells[c * span + i], options);
                // A record of one empty field would be a blank line: quote it.
                if lone_column && value.is_empty() {
                    out.extend_from_slice(b"\"\"");
                } else {
                    push_field(&mut out, value.as_bytes(), delimiter);
                }
            }
            out.push(b'\n');
        }
        start = end;
    }
    Ok(out)
}

/// Appends one field, quoted exactly when the `csv` crate would quote it
/// (it holds the delimiter, a quote or a line break; quotes are doubled).
/// Hand-written because this runs for every cell of the output and the
/// general writer's per-byte state machine dominated the write phase.
fn push_field(out: &mut Vec<u8>, field: &[u8], delimiter: u8) {
    if !needs_quotes(field, delimiter) {
        out.extend_from_slice(field);
        return;
    }
    out.push(b'"');
    let mut rest = field;
    while let Some(at) = memchr::memchr(b'"', rest) {
        out.extend_from_slice(&rest[..=at]);
        out.push(b'"');
        rest = &rest[at + 1..];
    }
    out.extend_from_slice(rest);
    out.push(b'"');
}

/// Whether `field` holds the delimiter, a quote or a line break. Eight
/// bytes at a time (a word holds byte `c` when `word ^ c…c` has a zero
/// byte): a byte-by-byte search stopping at the first hit was a fifth of
/// the write phase on long text columns.
fn needs_quotes(field: &[u8], delimiter: u8) -> bool {
    const ONES: u64 = u64::from_le_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_le_bytes([0x80; 8]);
    let holds = |word: u64, byte: u8| {
        let x = word ^ (ONES * u64::from(byte));
        x.wrapping_sub(ONES) & !x & HIGHS
    };
    let mut words = field.chunks_exact(8);
    for word in &mut words {
        let word = u64::from_le_bytes(word.try_into().expect("eight bytes"));
        if holds(word, delimiter) | holds(word, b'"') | holds(word, b'\n') | holds(word, b'\r') != 0
        {
            return true;
        }
    }
    words
        .remainder()
        .iter()
        .any(|&b| b == delimiter || matches!(b, b'"' | b'\n' | b'\r'))
}

/// Writes plain string records as CSV (reports, audits, rejects), guarded.
pub fn records<I, R>(path: &Path, header: &[&str], rows: I) -> Result<(), WriteError>
where
    I: IntoIterator<Item = R>,
    R: IntoIterator,
    R::Item: AsRef<str>,
{
    let options = CsvOptions::default();
    atomic(path, |out| {
        let mut writer = csv::WriterBuilder::new().flexible(true).from_writer(out);
        writer.write_record(header)?;
        for row in rows {
            let row: Vec<String> = row
                .into_iter()
                .map(|v| guard(v.as_ref(), options).into_owned())
                .collect();
            writer.write_record(&row)?;
        }
        writer.flush()
    })
}

/// Neutralizes a value a spreadsheet would evaluate as a formula, with a
/// leading `'`.
///
/// The guard is undone exactly by [`unguard`], which every CSV read applies,
/// so every output of tidyrec reads back into tidyrec as the same values
/// (ids, headers and all). To make that a bijection, a value whose leading
/// quotes hide a formula (`'=x`) is guarded too (`''=x`): the decision looks
/// past leading quotes on both sides.
pub fn guard(value: &str, options: CsvOptions) -> std::borrow::Cow<'_, str> {
    if options.allow_formulas || !needs_guard(value.as_bytes()) {
        std::borrow::Cow::Borrowed(value)
    } else {
        std::borrow::Cow::Owned(format!("'{value}"))
    }
}

/// The value [`guard`] was given, from what it wrote: one leading `'` is
/// removed when it stands before what the guard protects.
pub fn unguard(value: &[u8]) -> &[u8] {
    match value {
        [b'\'', rest @ ..] if needs_guard(rest) => rest,
        _ => value,
    }
}

fn needs_guard(value: &[u8]) -> bool {
    let start = value.iter().take_while(|&&b| b == b'\'').count();
    is_formula_like(&value[start..])
}

fn is_formula_like(bytes: &[u8]) -> bool {
    if bytes.len() < 2 || !matches!(bytes[0], b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') {
        return false;
    }
    // A signed number or a phone number (with an extension written as
    // `;ext=7`, ` ext. 7` or ` x7`) is data, not a formula.
    let mut rest = &bytes[1..];
    if bytes[0] == b'+' {
        for marker in [&b";ext="[..], b" ext. ", b" x"] {
            if let Some(at) = find(rest, marker) {
                let ext = &rest[at + marker.len()..];
                if !ext.is_empty() && ext.iter().all(u8::is_ascii_digit) {
                    rest = &rest[..at];
                    break;
                }
            }
        }
    }
    let plain_number = matches!(bytes[0], b'+' | b'-')
        && rest.iter().any(u8::is_ascii_digit)
        && rest.iter().all(|b| {
            b.is_ascii_digit() || matches!(b, b' ' | b'.' | b',' | b'-' | b'(' | b')' | b'/')
        });
    !plain_number
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Our field writer must produce exactly what the `csv` crate writes.
    fn csv_crate_bytes(rows: &[Vec<String>], delimiter: u8) -> Vec<u8> {
        let mut writer = csv::WriterBuilder::new()
            .delimiter(delimiter)
            .from_writer(Vec::new());
        for row in rows {
            writer.write_record(row).unwrap();
        }
        writer.into_inner().unwrap()
    }

    fn our_bytes(rows: &[Vec<String>], delimiter: u8) -> Vec<u8> {
        let width = rows[0].len();
        let mut table = Table::new((0..width).map(|i| format!("c{i}")).collect());
        for row in rows {
            table.push_row(row.iter().map(String::as_str));
        }
        let options = CsvOptions {
            allow_formulas: true,
            ..CsvOptions::default()
        };
        format_rows(&table, 0..rows.len(), delimiter, options).unwrap()
    }

    proptest::proptest! {
        #[test]
        fn field_writer_matches_the_csv_crate(
            rows in proptest::collection::vec(
                proptest::collection::vec("[a-z ,;\"\\n\\r\\t'é中]{0,6}", 3), 1..6),
            lone in proptest::prelude::any::<bool>(),
            tab in proptest::prelude::any::<bool>(),
        ) {
            let delimiter = if tab { b'\t' } else { b',' };
            let rows: Vec<Vec<String>> = if lone {
                rows.into_iter().map(|r| r[..1].to_vec()).collect()
            } else {
                rows
            };
            proptest::prop_assert_eq!(our_bytes(&rows, delimiter), csv_crate_bytes(&rows, delimiter));
        }
    }

    proptest::proptest! {
        /// The word-at-a-time test answers what a byte-by-byte one does,
        /// wherever the special byte falls in a word.
        #[test]
        fn quoting_is_needed_exactly_where_a_special_byte_is(
            field in proptest::collection::vec(
                proptest::prop_oneof![
                    8 => proptest::prelude::any::<u8>(),
                    1 => proptest::sample::select(vec![b',', b';', b'"', b'\n', b'\r', 0x80, 0xFF]),
                ],
                0..40,
            ),
            delimiter in proptest::sample::select(vec![b',', b';', b'\t', b'|']),
        ) {
            let byte_by_byte = field
                .iter()
                .any(|&b| b == delimiter || matches!(b, b'"' | b'\n' | b'\r'));
            proptest::prop_assert_eq!(needs_quotes(&field, delimiter), byte_by_byte);
        }
    }

    #[test]
    fn formulas_are_neutralized_numbers_and_phones_are_not() {
        let o = CsvOptions::default();
        assert_eq!(guard("=SUM(A1:A2)", o), "'=SUM(A1:A2)");
        assert_eq!(guard("@cmd", o), "'@cmd");
        assert_eq!(guard("+cmd|' /C calc'!A0", o), "'+cmd|' /C calc'!A0");
        assert_eq!(guard("-2+3", o), "'-2+3");
        assert_eq!(guard("-12.50", o), "-12.50");
        assert_eq!(guard("+14155550132", o), "+14155550132");
        assert_eq!(guard("+14155550132;ext=123", o), "+14155550132;ext=123");
        assert_eq!(guard("+1 (415) 555-0132", o), "+1 (415) 555-0132");
        assert_eq!(guard("-", o), "-");
        assert_eq!(guard("plain", o), "plain");
        let allow = CsvOptions {
            allow_formulas: true,
            ..o
        };
        assert_eq!(guard("=1+1", allow), "=1+1");
    }

    #[test]
    fn atomic_write_replaces_whole_file_and_leaves_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        std::fs::write(&path, "old").unwrap();
        let failed = atomic(&path, |w| {
            w.write_all(b"partial")?;
            Err(std::io::Error::other("boom"))
        });
        assert!(failed.is_err());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old");
        atomic(&path, |w| w.write_all(b"new")).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let fresh = dir.path().join("fresh.csv");
            atomic(&fresh, |w| w.write_all(b"x")).unwrap();
            let mode = std::fs::metadata(&fresh).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o644);
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_pipe_is_written_in_place_not_replaced() {
        use std::os::unix::fs::FileTypeExt;
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("loader.pipe");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if !made.is_ok_and(|s| s.success()) {
            return; // no mkfifo on this machine
        }
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
        };
        atomic(&fifo, |w| w.write_all(b"rows")).unwrap();
        assert_eq!(reader.join().unwrap(), "rows");
        let kind = std::fs::metadata(&fifo).unwrap().file_type();
        assert!(kind.is_fifo(), "still a pipe, not a regular file");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn guard_and_unguard_round_trip_every_value() {
        let options = CsvOptions::default();
        for value in [
            "=HYPERLINK(\"x\")",
            "'=x",
            "''=x",
            "'",
            "'hello",
            "-12",
            "+1 415 555 0132",
            "+14155550132;ext=12",
            "@SUM",
            "-",
            "=",
            "'=",
            "\tcmd",
            "plain",
            "",
            "+x;ext=1",
        ] {
            let written = guard(value, options);
            assert_eq!(unguard(written.as_bytes()), value.as_bytes(), "{value}");
        }
        assert_eq!(guard("=1+1", options), "'=1+1");
        assert_eq!(guard("'=1+1", options), "''=1+1");
        assert_eq!(guard("'hello", options), "'hello");
        assert_eq!(
            guard("+1-415-555-0132 ext. 7", options),
            "+1-415-555-0132 ext. 7"
        );
        assert_eq!(guard("+1 ext. =2", options), "'+1 ext. =2");
    }

    #[test]
    fn temp_files_of_dead_processes_are_removed_by_the_next_write() {
        if !Path::new("/proc/self").exists() {
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        // PIDs above the kernel's maximum (4194304) are never alive.
        let dead = dir.path().join(".tidyrec-4294967-abc123.tmp");
        let alive = dir.path().join(format!("{}abc123.tmp", temp_prefix()));
        std::fs::write(&dead, "half").unwrap();
        std::fs::write(&alive, "in use").unwrap();
        atomic(&dir.path().join("out.csv"), |w| w.write_all(b"x")).unwrap();
        assert!(!dead.exists());
        assert!(alive.exists());
    }

    #[test]
    fn many_blocks_are_written_in_order() {
        let mut table = Table::new(vec!["n".into(), "text".into()]);
        let rows: Vec<(String, String)> = (0..1000)
            .map(|i| (i.to_string(), format!("row, {i}")))
            .collect();
        for (n, text) in &rows {
            table.push_row([n.as_str(), text.as_str()]);
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        super::table(&path, &table, CsvOptions::default()).unwrap();
        let mut reader = csv::Reader::from_path(&path).unwrap();
        let read: Vec<(String, String)> = reader
            .records()
            .map(|r| {
                let r = r.unwrap();
                (r[0].to_string(), r[1].to_string())
            })
            .collect();
        assert_eq!(read, rows);
    }

    #[test]
    fn refuses_to_overwrite_input() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in.csv");
        std::fs::write(&input, "a\n").unwrap();
        let same = dir.path().join(".").join("in.csv");
        // Outputs are checked against inputs by `io::paths` (by identity).
        let refused = |output: &Path| {
            let mut plan = crate::io::paths::Plan::new();
            plan.read("INPUT", Some(&input)).write("-o", Some(output));
            plan.check().is_err()
        };
        assert!(refused(&same));
        assert!(!refused(&dir.path().join("out.csv")));
    }
}
