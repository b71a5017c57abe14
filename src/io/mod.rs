//! Reading and writing tables: CSV/TSV (any common encoding), Parquet, XLSX.
//!
//! Guarantees: every cell is read as text exactly as it is in the file (no
//! type guessing, leading zeros kept), except that the `'` tidyrec's own
//! formula guard put before a formula-like value is taken off again
//! ([`write::unguard`]), so tidyrec's outputs read back as what was
//! written; a problem names the file, the line and the fix; with `lenient` the bad rows are set aside as [`Reject`]s instead of
//! stopping the run. Outputs are written atomically by [`write`].

mod delimited;
pub mod encoding;
pub(crate) mod parquet;
pub mod paths;
pub mod sniff;
mod well_formed;
pub mod write;
mod xlsx;

use crate::table::Table;
use std::path::{Path, PathBuf};

/// How to read an input file.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// Force a delimiter instead of sniffing it.
    pub delimiter: Option<u8>,
    /// Force an encoding label (`utf-8`, `gbk`, `latin1`, `utf-16`, …).
    pub encoding: Option<String>,
    /// Sheet name for XLSX input (first sheet when absent).
    pub sheet: Option<String>,
    /// Set bad rows aside instead of failing.
    pub lenient: bool,
}

/// A row that could not be read, with the reason and its raw fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reject {
    pub line: u64,
    pub reason: String,
    pub fields: Vec<String>,
}

/// What was read, and how.
#[derive(Debug)]
pub struct ReadOutcome {
    pub table: Table,
    pub rejects: Vec<Reject>,
    pub format: &'static str,
    pub encoding: Option<&'static str>,
    /// The encoding was guessed from the content (a legacy encoding, no BOM):
    /// the summary says so, since `--encoding` may be needed.
    pub encoding_guessed: bool,
    pub delimiter: Option<u8>,
    /// Header names that were repaired in lenient mode (empty or duplicate).
    pub renamed_headers: Vec<(usize, String)>,
}

#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    // Not a `source`: the message already says it, and the error chain
    // would print it twice.
    #[error("cannot read `{path}`: {error}")]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error(
        "unknown encoding `{label}`; use one of utf-8, utf-16, gbk, gb18030, latin1, windows-1252"
    )]
    UnknownEncoding { label: String },
    #[error("`{path}` line {line} (byte {byte}): bytes that are not valid {encoding}{}; fix them, pass `--lenient` to set the damaged rows aside, or pass `--encoding` with the file's real encoding (e.g. gbk, latin1)", damaged_lines(*.bad_lines))]
    Encoding {
        path: PathBuf,
        line: usize,
        byte: usize,
        encoding: &'static str,
        bad_lines: usize,
    },
    #[error("`{path}` line {line}: {message}")]
    Csv {
        path: PathBuf,
        line: u64,
        message: String,
    },
    #[error("`{path}` line {line}: a quoted field {problem}; close the quote (a `\"` inside a value is written `\"\"`), or pass `--lenient` to set this line aside and read the lines after it as records")]
    Quote {
        path: PathBuf,
        line: u64,
        problem: String,
    },
    #[error("`{path}` line {line}: row has {found} fields but the header has {expected}; fix the row (check quotes and delimiters) or pass `--lenient` to set bad rows aside in a rejects file")]
    Ragged {
        path: PathBuf,
        line: u64,
        expected: usize,
        found: usize,
    },
    #[error("`{path}`: header `{name}` appears in columns {first} and {second}; rename one, or pass `--lenient` to rename duplicates automatically")]
    DuplicateHeader {
        path: PathBuf,
        name: String,
        first: usize,
        second: usize,
    },
    #[error("`{path}`: column {position} has an empty header; name it, or pass `--lenient` to name it `column_{position}`")]
    EmptyHeader { path: PathBuf, position: usize },
    #[error(
        "`{path}` is empty: there is no header row; export the file again, with its column names"
    )]
    Empty { path: PathBuf },
    #[error("`{path}`: {message}")]
    Parquet { path: PathBuf, message: String },
    #[error("`{path}`: {message}")]
    Xlsx { path: PathBuf, message: String },
}

/// ` (N lines are damaged …)` when more than one is.
fn damaged_lines(count: usize) -> String {
    if count > 1 {
        format!(" ({count} lines are damaged; the rest of the file is valid)")
    } else {
        String::new()
    }
}

/// File formats tidyrec reads and writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Delimited,
    Tsv,
    Parquet,
    Xlsx,
}

impl Format {
    /// Chooses a format from the file extension (`-` and unknown extensions are
    /// delimited text, whose delimiter is sniffed).
    pub fn from_path(path: &Path) -> Format {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("parquet" | "pq") => Format::Parquet,
            Some("xlsx" | "xlsm" | "xls" | "xlsb" | "ods") => Format::Xlsx,
            Some("tsv" | "tab") => Format::Tsv,
            _ => Format::Delimited,
        }
    }
}

/// Reads a table from `path` (`-` is standard input, read as delimited text).
pub fn read(path: &Path, options: &ReadOptions) -> Result<ReadOutcome, ReadError> {
    let mut options = options.clone();
    match Format::from_path(path) {
        Format::Parquet => parquet::read(path),
        Format::Xlsx => xlsx::read(path, &options),
        format => {
            if format == Format::Tsv && options.delimiter.is_none() {
                options.delimiter = Some(b'\t');
            }
            let large = path != Path::new("-")
                && std::fs::metadata(path).is_ok_and(|m| m.len() > READ_IN_BLOCKS_FROM);
            if large {
                if let Some(read) = read_in_blocks(path, &options, READ_BLOCK_BYTES) {
                    return Ok(read);
                }
            }
            delimited::read_owned(path, read_bytes(path)?, &options)
        }
    }
}

/// Delimited files larger than this are read block by block
/// ([`read_in_blocks`]).
const READ_IN_BLOCKS_FROM: u64 = 64 << 20;

/// The block size of [`read_in_blocks`].
const READ_BLOCK_BYTES: usize = 32 << 20;

/// A large delimited file read as [`Blocks`], each block's columns appended
/// to the table while the next block is read and parsed: reading the file
/// overlaps parsing (the whole-file reader read all of it before parsing
/// any, one core waiting on the other), and the file's bytes are never
/// held whole. The table is the one the whole-file reader returns
/// ([`Blocks`] promises it, and gives up on anything it would read
/// differently); `None` when it gives up, so the caller reads the file
/// whole and gets the whole-file answer, errors included.
fn read_in_blocks(path: &Path, options: &ReadOptions, block_bytes: usize) -> Option<ReadOutcome> {
    use rayon::prelude::*;
    // Any error is the whole-file reader's to report: it decodes the whole
    // file before it reads the header, so its first error may be another.
    let Ok(Some(mut blocks)) = Blocks::open(path, options, block_bytes) else {
        return None;
    };
    let mut columns: Vec<crate::table::Column> = vec![Default::default(); blocks.headers.len()];
    let mut next = blocks.next_block();
    let mut first = true;
    loop {
        let block = match next {
            Ok(Some(block)) => block,
            Ok(None) => break,
            Err(_) => return None,
        };
        if std::mem::take(&mut first) {
            // Each column sized once for the whole file, from the first
            // block's share of it (a tenth over): grown by doubling, the
            // columns were copied a dozen times and left the freed copies'
            // pages behind.
            let share = blocks.file_len() as f64 / blocks.consumed().max(1) as f64 * 1.1;
            let scale = |n: usize| (n as f64 * share) as usize;
            for (column, part) in columns.iter_mut().zip(&block.columns) {
                column.reserve(scale(part.len()), scale(part.byte_len()));
            }
        }
        let ((), following) = rayon::join(
            || {
                columns
                    .par_iter_mut()
                    .zip(&block.columns)
                    .for_each(|(column, part)| column.append(part));
            },
            || blocks.next_block(),
        );
        next = following;
    }
    let delimiter = blocks.delimiter;
    Some(ReadOutcome {
        table: Table {
            headers: std::mem::take(&mut blocks.headers),
            columns,
        },
        rejects: Vec::new(),
        format: if delimiter == b'\t' { "tsv" } else { "csv" },
        encoding: Some("UTF-8"),
        encoding_guessed: false,
        delimiter: Some(delimiter),
        renamed_headers: std::mem::take(&mut blocks.renamed_headers),
    })
}

pub use delimited::{BlockError, Blocks};

/// Opens a CSV/TSV file to read block by block ([`Blocks`]); `Ok(None)`
/// when it must be read whole: standard input, Parquet, XLSX, or text that
/// is not UTF-8.
pub fn read_blocks(
    path: &Path,
    options: &ReadOptions,
    block_bytes: usize,
) -> Result<Option<Blocks>, ReadError> {
    let mut options = options.clone();
    match Format::from_path(path) {
        Format::Parquet | Format::Xlsx => Ok(None),
        _ if path == Path::new("-") => Ok(None),
        format => {
            if format == Format::Tsv && options.delimiter.is_none() {
                options.delimiter = Some(b'\t');
            }
            Blocks::open(path, &options, block_bytes)
        }
    }
}

/// Reads delimited text already in memory; `path` only names it in errors.
pub fn read_delimited(
    path: &Path,
    bytes: &[u8],
    options: &ReadOptions,
) -> Result<ReadOutcome, ReadError> {
    delimited::read(path, bytes, options)
}

/// The header of a file, read without loading it: a delimited file's first
/// mebibyte (cut after its last line break), a Parquet or XLSX file whole
/// (their readers need the file; they are compact). For checks that only
/// need column names, such as `run --dry-run`.
pub fn read_headers(path: &Path, options: &ReadOptions) -> Result<Vec<String>, ReadError> {
    const PREFIX: u64 = 1 << 20;
    let format = Format::from_path(path);
    let small = std::fs::metadata(path).is_ok_and(|m| m.len() <= PREFIX);
    if matches!(format, Format::Parquet | Format::Xlsx) || small || path == Path::new("-") {
        return read(path, options).map(|r| r.table.headers);
    }
    let io_err = |error| ReadError::Io {
        path: path.to_path_buf(),
        error,
    };
    let mut bytes = Vec::with_capacity(PREFIX as usize);
    let file = std::fs::File::open(path).map_err(io_err)?;
    std::io::Read::read_to_end(&mut std::io::Read::take(file, PREFIX), &mut bytes)
        .map_err(io_err)?;
    let utf16 = bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]);
    if let Some(end) = bytes.iter().rposition(|&b| b == b'\n') {
        // UTF-16 keeps whole code units: the newline's other byte too.
        let end = if utf16 { (end + 2) & !1 } else { end + 1 };
        bytes.truncate(end.min(bytes.len()));
    }
    let mut options = options.clone();
    // The last line of the prefix may be cut inside a quoted field.
    options.lenient = true;
    if format == Format::Tsv && options.delimiter.is_none() {
        options.delimiter = Some(b'\t');
    }
    delimited::read_owned(path, bytes, &options).map(|r| r.table.headers)
}

fn read_bytes(path: &Path) -> Result<Vec<u8>, ReadError> {
    let io_err = |error| ReadError::Io {
        path: path.to_path_buf(),
        error,
    };
    if path == Path::new("-") {
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut bytes).map_err(io_err)?;
        Ok(bytes)
    } else {
        std::fs::read(path).map_err(io_err)
    }
}

/// Checks header names: non-empty and unique. In lenient mode repairs them
/// (`column_N`, `name_2`) and returns what was renamed.
pub(crate) fn check_headers(
    path: &Path,
    headers: &mut [String],
    lenient: bool,
) -> Result<Vec<(usize, String)>, ReadError> {
    let mut renamed = Vec::new();
    for (index, header) in headers.iter_mut().enumerate() {
        if header.trim().is_empty() {
            if !lenient {
                return Err(ReadError::EmptyHeader {
                    path: path.to_path_buf(),
                    position: index + 1,
                });
            }
            *header = format!("column_{}", index + 1);
            renamed.push((index, header.clone()));
        }
    }
    let mut seen = std::collections::HashMap::<String, usize>::new();
    for index in 0..headers.len() {
        let name = headers[index].clone();
        if let Some(&first) = seen.get(&name) {
            if !lenient {
                return Err(ReadError::DuplicateHeader {
                    path: path.to_path_buf(),
                    name,
                    first: first + 1,
                    second: index + 1,
                });
            }
            let mut suffix = 2;
            while seen.contains_key(&format!("{name}_{suffix}"))
                || headers.contains(&format!("{name}_{suffix}"))
            {
                suffix += 1;
            }
            headers[index] = format!("{name}_{suffix}");
            renamed.push((index, headers[index].clone()));
        }
        seen.insert(headers[index].clone(), index);
    }
    Ok(renamed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn whole(path: &Path, options: &ReadOptions) -> Result<ReadOutcome, ReadError> {
        delimited::read_owned(path, std::fs::read(path).unwrap(), options)
    }

    /// Read in blocks of a few KiB, a file gives the whole-file reader's
    /// table and description, or gives up where that reader answers
    /// otherwise (an error, rows set aside).
    #[test]
    fn blocks_read_what_the_whole_file_reader_reads_or_give_up() {
        let dir = std::env::temp_dir().join(format!("tidyrec-read-blocks-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = |name: &str| dir.join(name);
        let people = file("people.csv");
        tidyrec_gen::people::generate(
            3_000,
            5,
            people.to_str().unwrap(),
            file("truth.csv").to_str().unwrap(),
            None,
        )
        .unwrap();
        let generated = std::fs::read_to_string(&people).unwrap();
        let quoted: String = (0..4_000)
            .map(|i| format!("{i},\"line one\r\nline \"\"two\"\"\",Zoë {i}\r\n"))
            .collect();
        let tabbed: String = (0..4_000).map(|i| format!("{i}\tx{i}\t\n")).collect();
        let late = |tail: &str| -> Vec<u8> {
            let mut bytes = generated.clone().into_bytes();
            bytes.extend_from_slice(tail.as_bytes());
            bytes
        };
        let mut latin1 = late("");
        latin1.extend_from_slice(b"C9,Ren\xe9,,,,,,,,,,,,,,,,,,\n");
        let cases: Vec<(&str, Vec<u8>, bool)> = vec![
            ("generated.csv", generated.clone().into_bytes(), true),
            (
                "bom-crlf.csv",
                [
                    b"\xEF\xBB\xBFid,note,name\r\n".as_slice(),
                    quoted.as_bytes(),
                ]
                .concat(),
                true,
            ),
            (
                "tabs.tsv",
                [b"id\tcode\tempty\n".as_slice(), tabbed.as_bytes()].concat(),
                true,
            ),
            ("header-only.csv", b"id,name\n".to_vec(), true),
            ("ragged-late.csv", late("C1,too,few\n"), false),
            ("latin1-late.csv", latin1, false),
        ];
        for (name, bytes, streams) in cases {
            let path = file(name);
            std::fs::write(&path, &bytes).unwrap();
            for lenient in [false, true] {
                let mut options = ReadOptions {
                    lenient,
                    ..ReadOptions::default()
                };
                if name.ends_with(".tsv") {
                    options.delimiter = Some(b'\t');
                }
                let blocks = read_in_blocks(&path, &options, 4096);
                let expected = whole(&path, &options);
                match blocks {
                    Some(read) => {
                        let expected = expected.unwrap();
                        assert!(streams, "{name} read in blocks");
                        assert_eq!(read.table, expected.table, "{name}");
                        assert!(expected.rejects.is_empty(), "{name}");
                        assert_eq!(
                            (read.format, read.encoding, read.encoding_guessed),
                            (
                                expected.format,
                                expected.encoding,
                                expected.encoding_guessed
                            ),
                            "{name}"
                        );
                        assert_eq!(read.delimiter, expected.delimiter, "{name}");
                        assert_eq!(read.renamed_headers, expected.renamed_headers, "{name}");
                    }
                    None => assert!(
                        !streams && expected.is_err_or_set_aside(),
                        "{name} (lenient {lenient}) gave up"
                    ),
                }
            }
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    trait Answered {
        fn is_err_or_set_aside(&self) -> bool;
    }

    impl Answered for Result<ReadOutcome, ReadError> {
        fn is_err_or_set_aside(&self) -> bool {
            match self {
                Err(_) => true,
                Ok(read) => !read.rejects.is_empty() || read.encoding != Some("UTF-8"),
            }
        }
    }
}
