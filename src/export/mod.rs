//! CRM import files: a table's columns mapped onto a target's import headers
//! (by role and header keywords), values written in the target's date and
//! phone formats, encoded as the importer wants, split at its limits.
//!
//! Guarantees: every input row is either in an output part or in the
//! set-aside list with the reason (a required import field is empty);
//! values are never dropped silently — input columns no import field takes
//! are listed (and kept with `keep_unmapped`); a value the target encoding
//! cannot represent is an error naming its row and column.

pub mod merge_plan;
pub mod profile;
mod stage;

pub use stage::{
    export, ConsentOutcome, ExportOutcome, ExportSettings, Exported, FileRows, UpsertOutcome,
};

use crate::io::write::{self, CsvOptions};
use crate::schema::Role;
use crate::table::Table;
use profile::{Consent, OutputEncoding, PhoneFormat, Profile};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Why an export could not be written. Messages name the row and column
/// (never the value: errors end up in logs) and what to do.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("export writes files (it may split them): give -o a file name such as contacts.csv")]
    OutputIsStdout,
    #[error("`{0}`: CRM import files are CSV; name the output .csv")]
    NotCsv(String),
    #[error("--out-encoding `{0}` is not one of utf-8, utf-8-bom, gbk, gb18030")]
    UnknownEncoding(String),
    #[error(transparent)]
    Profile(#[from] crate::config::ConfigError),
    #[error("header `{text}` (column {column}) cannot be written in {encoding}; use --out-encoding utf-8-bom")]
    HeaderEncoding {
        text: String,
        column: usize,
        encoding: &'static str,
    },
    #[error("row {row} of the export, column `{column}`: the value has characters {encoding} cannot hold; use --out-encoding utf-8-bom (or gb18030, which covers all of Unicode)")]
    ValueEncoding {
        row: usize,
        column: String,
        encoding: &'static str,
    },
    #[error("row {row} of the export alone is larger than the {max_bytes}-byte file limit of the target")]
    RowTooLarge { row: usize, max_bytes: u64 },
    #[error("refusing to write or remove `{path}`: it is the file read as {flag}; tidyrec never modifies a file it reads — choose another -o name")]
    WouldTouchInput { path: String, flag: String },
    #[error(transparent)]
    Write(#[from] write::WriteError),
    #[error("cannot remove `{path}`, a part of an earlier export: {error}")]
    RemoveStale { path: String, error: std::io::Error },
}

/// Where an import column's value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Column(usize),
    /// The given-name part of a full-name column.
    GivenOf(usize),
    /// The family-name part of a full-name column.
    FamilyOf(usize),
    /// First and last name columns joined into a full name.
    Joined {
        first: usize,
        last: usize,
    },
    /// No input column fills this import field: written empty.
    Missing,
}

/// The profile's fields with their sources, and the input columns left out.
#[derive(Debug)]
pub struct Mapping {
    pub sources: Vec<Source>,
    pub unmapped: Vec<usize>,
}

/// Columns tidyrec itself adds (golden records, pipelines): taken only by
/// a field that names them exactly (the upsert ids), never by role.
pub const BOOKKEEPING: [&str; 6] = [
    "cluster_id",
    "member_count",
    "member_ids",
    "source",
    "record_id",
    "entity_id",
];

/// Lower-case letters and digits only: `Date_of Birth` → `dateofbirth`.
fn squash(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Maps input columns (with their roles) onto the profile's fields. Fields
/// with exact `headers` take a column of that name; fields with keywords take the first unused column whose header holds one of
/// them (and has the field's role, if it names one); fields with only a role
/// take the first unused column of that role. Names are split or joined when
/// the input has full names and the target wants first and last, or the
/// other way round.
pub fn map_columns(profile: &Profile, headers: &[String], roles: &[Role]) -> Mapping {
    let squashed: Vec<String> = headers.iter().map(|h| squash(h)).collect();
    let mut used = vec![false; headers.len()];
    let mut sources = vec![Source::Missing; profile.fields.len()];
    // Exact headers first, then keywords, so `Mobile` goes to the mobile
    // field before a role-only phone field can take it.
    for (f, field) in profile.fields.iter().enumerate() {
        let found = (0..headers.len()).find(|&c| {
            !used[c]
                && field
                    .headers
                    .iter()
                    .any(|h| h.eq_ignore_ascii_case(headers[c].trim()))
        });
        if let Some(c) = found {
            used[c] = true;
            sources[f] = Source::Column(c);
        }
    }
    for (f, field) in profile.fields.iter().enumerate() {
        if field.keywords.is_empty() || sources[f] != Source::Missing {
            continue;
        }
        let keywords: Vec<String> = field.keywords.iter().map(|k| squash(k)).collect();
        let found = (0..headers.len()).find(|&c| {
            !used[c]
                && field.role.is_none_or(|r| r == roles[c])
                && keywords
                    .iter()
                    .any(|k| !k.is_empty() && squashed[c].contains(k.as_str()))
        });
        if let Some(c) = found {
            used[c] = true;
            sources[f] = Source::Column(c);
        }
    }
    // Then by role; a field with exact headers falls back to its role (the
    // record-id upsert column: `record_id`, else the input's id column).
    for (f, field) in profile.fields.iter().enumerate() {
        let Some(role) = field.role else { continue };
        if !field.keywords.is_empty() || sources[f] != Source::Missing {
            continue;
        }
        if let Some(c) = (0..headers.len())
            .find(|&c| !used[c] && roles[c] == role && !BOOKKEEPING.contains(&headers[c].trim()))
        {
            used[c] = true;
            sources[f] = Source::Column(c);
        }
    }
    // Names the target splits or joins differently from the input.
    let column_of = |role: Role| roles.iter().position(|&r| r == role);
    for (f, field) in profile.fields.iter().enumerate() {
        if sources[f] != Source::Missing {
            continue;
        }
        sources[f] = match (
            field.role,
            column_of(Role::FullName),
            column_of(Role::FirstName),
            column_of(Role::LastName),
        ) {
            (Some(Role::FirstName), Some(full), _, _) => Source::GivenOf(full),
            (Some(Role::LastName), Some(full), _, _) => Source::FamilyOf(full),
            (Some(Role::FullName), _, Some(first), Some(last)) => Source::Joined { first, last },
            _ => Source::Missing,
        };
        if let Source::GivenOf(c) | Source::FamilyOf(c) = sources[f] {
            used[c] = true;
        }
        if let Source::Joined { first, last } = sources[f] {
            used[first] = true;
            used[last] = true;
        }
    }
    Mapping {
        sources,
        unmapped: (0..headers.len()).filter(|&c| !used[c]).collect(),
    }
}

/// (given, family) of a full name as written ([`crate::normalize::name::split_full`]):
/// an import field that must be filled takes the likeliest reading.
pub fn split_name(full: &str) -> (String, String) {
    let parts = crate::normalize::name::split_full(full);
    (parts.given, parts.family)
}

/// A full name from its parts ([`crate::normalize::name::join_full`]).
pub fn join_name(first: &str, last: &str) -> String {
    crate::normalize::name::join_full(first, last)
}

/// Counts of what rendering changed or could not change.
#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct RenderStats {
    pub rows: usize,
    pub set_aside: usize,
    /// Set-aside rows by reason (`LastName empty`).
    pub set_aside_reasons: BTreeMap<String, usize>,
    /// Per import field, the rows whose empty value was derived from the
    /// row's other name columns (a last name split from the full name).
    pub derived: BTreeMap<String, usize>,
    /// Per import field, the rows filled with the profile's `when-empty`
    /// placeholder.
    pub filled: BTreeMap<String, usize>,
    /// Dates that were not ISO (not normalizable) and were written as they are.
    pub dates_not_converted: usize,
}

/// The consent column of a table, with the polarity its header states: a
/// yes/no column (`Email Opt Out`, `opt_in`, `退订`); `Consent Date` is not
/// one.
pub fn consent_column(table: &Table, roles: &[Role]) -> Option<(usize, Consent)> {
    (0..table.headers.len()).find_map(|c| {
        (roles[c] == Role::Boolean)
            .then(|| Consent::of_header(&table.headers[c]))
            .flatten()
            .map(|polarity| (c, polarity))
    })
}

/// Whether a row's consent value says the person opted out of e-mail.
pub fn opted_out(value: &str, column: Consent) -> Option<bool> {
    let flag = match crate::normalize::boolean::normalize(value) {
        Ok("true") => true,
        Ok("false") => false,
        _ => return None,
    };
    Some(if column == Consent::OptOut {
        flag
    } else {
        !flag
    })
}

/// A row left out of the import, with why.
pub struct SetAside {
    pub row: usize,
    pub reason: String,
    pub values: Vec<String>,
}

/// The import rows: one `Vec<String>` per kept input row, plus the rows set
/// aside because a required field is empty.
pub struct Rendered {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub set_aside: Vec<SetAside>,
    pub stats: RenderStats,
}

pub fn render(
    table: &Table,
    roles: &[Role],
    profile: &Profile,
    mapping: &Mapping,
    keep_unmapped: bool,
    options: CsvOptions,
) -> Rendered {
    // Import fields no column fills are left out (an empty column only adds
    // noise to the importer's mapping screen), unless the target requires
    // them: then the rows are set aside, and the steward sees why.
    let fields: Vec<usize> = (0..profile.fields.len())
        .filter(|&f| {
            mapping.sources[f] != Source::Missing
                || profile.fields[f].required
                || profile.fields[f].required_group.is_some()
        })
        .collect();
    let name_column = |role: Role| roles.iter().position(|&r| r == role);
    let (full, first, last) = (
        name_column(Role::FullName),
        name_column(Role::FirstName),
        name_column(Role::LastName),
    );
    // A name field empty in its own column is filled from the row's other
    // name columns: a last name from the full name, a full name from first
    // and last — a row is set aside only when the name is nowhere.
    let name_fallback = |role: Option<Role>, row: usize| -> Option<String> {
        let get = |c: Option<usize>| c.map_or("", |c| table.columns[c].get(row)).trim();
        match role? {
            Role::FirstName if !get(full).is_empty() => Some(split_name(get(full)).0),
            Role::LastName if !get(full).is_empty() => Some(split_name(get(full)).1),
            Role::FullName if !get(first).is_empty() || !get(last).is_empty() => {
                Some(join_name(get(first), get(last)))
            }
            _ => None,
        }
    };
    let mut header: Vec<String> = fields
        .iter()
        .map(|&f| profile.fields[f].header.clone())
        .collect();
    if keep_unmapped {
        header.extend(mapping.unmapped.iter().map(|&c| table.headers[c].clone()));
    }
    // Groups of which at least one field must have a value.
    let mut groups: Vec<&str> = fields
        .iter()
        .filter_map(|&f| profile.fields[f].required_group.as_deref())
        .collect();
    groups.sort_unstable();
    groups.dedup();
    let mut stats = RenderStats::default();
    let mut rows = Vec::with_capacity(table.row_count());
    let mut set_aside = Vec::new();
    for row in 0..table.row_count() {
        let mut values = Vec::with_capacity(header.len());
        for &f in &fields {
            let value = match mapping.sources[f] {
                Source::Column(c) => match profile.fields[f].consent {
                    Some(target) => consent_value(
                        table.columns[c].get(row),
                        Consent::of_header(&table.headers[c]),
                        target,
                        profile.fields[f].labels.as_ref(),
                    ),
                    None => format_value(table.columns[c].get(row), roles[c], profile, &mut stats),
                },
                Source::GivenOf(c) => split_name(table.columns[c].get(row)).0,
                Source::FamilyOf(c) => split_name(table.columns[c].get(row)).1,
                Source::Joined { first, last } => {
                    join_name(table.columns[first].get(row), table.columns[last].get(row))
                }
                Source::Missing => String::new(),
            };
            let field = &profile.fields[f];
            let split_or_joined = matches!(
                mapping.sources[f],
                Source::GivenOf(_) | Source::FamilyOf(_) | Source::Joined { .. }
            );
            if split_or_joined && !value.trim().is_empty() {
                *stats.derived.entry(field.header.clone()).or_default() += 1;
            }
            let value = if value.trim().is_empty() {
                fill_empty(field, value, || name_fallback(field.role, row), &mut stats)
            } else {
                value
            };
            values.push(write::guard(&value, options).into_owned());
        }
        if keep_unmapped {
            for &c in &mapping.unmapped {
                values.push(write::guard(table.columns[c].get(row), options).into_owned());
            }
        }
        let missing = missing_required(profile, &fields, &groups, &values);
        if missing.is_empty() {
            rows.push(values);
        } else {
            for field in &missing {
                *stats
                    .set_aside_reasons
                    .entry(format!("{field} empty"))
                    .or_default() += 1;
            }
            set_aside.push(SetAside {
                row: row + 1,
                reason: format!("required import field(s) empty: {}", missing.join(", ")),
                values,
            });
        }
    }
    stats.rows = rows.len();
    stats.set_aside = set_aside.len();
    Rendered {
        header,
        rows,
        set_aside,
        stats,
    }
}

/// An empty import value: derived from the row's other name columns when
/// they hold the name, else the target's placeholder when the field is
/// required and has one, else left empty (counted either way).
fn fill_empty(
    field: &profile::Field,
    value: String,
    derive: impl FnOnce() -> Option<String>,
    stats: &mut RenderStats,
) -> String {
    match derive() {
        Some(derived) if !derived.trim().is_empty() => {
            *stats.derived.entry(field.header.clone()).or_default() += 1;
            derived
        }
        _ => match &field.when_empty {
            Some(placeholder) if field.required => {
                *stats.filled.entry(field.header.clone()).or_default() += 1;
                placeholder.clone()
            }
            _ => value,
        },
    }
}

/// The required import fields a rendered row leaves empty, and the
/// required groups (`one of Email / Phone`) none of whose fields it fills.
fn missing_required(
    profile: &Profile,
    fields: &[usize],
    groups: &[&str],
    values: &[String],
) -> Vec<String> {
    let mut missing: Vec<String> = fields
        .iter()
        .zip(values)
        .filter(|&(&f, v)| profile.fields[f].required && v.trim().is_empty())
        .map(|(&f, _)| profile.fields[f].header.clone())
        .collect();
    for &group in groups {
        let members: Vec<(usize, &String)> = fields
            .iter()
            .zip(values)
            .filter(|&(&f, _)| profile.fields[f].required_group.as_deref() == Some(group))
            .map(|(&f, v)| (f, v))
            .collect();
        if members.iter().all(|(_, v)| v.trim().is_empty()) {
            let names: Vec<&str> = members
                .iter()
                .map(|&(f, _)| profile.fields[f].header.as_str())
                .collect();
            missing.push(format!("one of {}", names.join(" / ")));
        }
    }
    missing
}

/// A consent value in the target's polarity: the normalized boolean,
/// inverted when the column says the opposite of the field; empty when the
/// column's polarity is unknown or the value is not a boolean.
fn consent_value(
    value: &str,
    column: Option<Consent>,
    target: Consent,
    labels: Option<&[String; 2]>,
) -> String {
    let Some(column) = column else {
        return String::new();
    };
    let Some(out) = opted_out(value, column) else {
        return String::new();
    };
    let flag = if target == Consent::OptOut { out } else { !out };
    match labels {
        Some([yes, no]) => if flag { yes } else { no }.clone(),
        None => flag.to_string(),
    }
}

fn format_value(value: &str, role: Role, profile: &Profile, stats: &mut RenderStats) -> String {
    if value.is_empty() {
        return String::new();
    }
    match role {
        Role::Date => match chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d") {
            Ok(date) => date.format(&profile.date_format).to_string(),
            Err(_) => {
                stats.dates_not_converted += 1;
                value.to_string()
            }
        },
        Role::Phone => match &profile.phone_format {
            PhoneFormat::E164 => value.to_string(),
            PhoneFormat::NationalIn { calling_code } => {
                national_digits(value, calling_code).unwrap_or_else(|| value.to_string())
            }
        },
        _ => value.to_string(),
    }
}

/// A number of the calling code's country as dialled at home, digits only,
/// with the trunk prefix where the country's rules put one (libphonenumber's
/// national format, by `normalize::phone::format`): `+861065529988` →
/// `01065529988`, `+8613812345678` → `13812345678`. None for numbers of
/// other countries, extensions, or text that is not E.164.
fn national_digits(value: &str, calling_code: &str) -> Option<String> {
    let rest = value.strip_prefix('+')?.strip_prefix(calling_code)?;
    if rest.is_empty() || !rest.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Our libphonenumber-faithful parser and formatter (normalize/phone),
    // not the `phonenumber` crate's, which mis-parses some numbers.
    let parsed = crate::normalize::phone::metadata::parse(&value[1..], true, None).ok()?;
    if !crate::normalize::phone::metadata::is_valid(&parsed) {
        return None;
    }
    let national = crate::normalize::phone::format::render(
        &parsed,
        None,
        crate::normalize::phone::PhoneFormat::National,
    );
    let digits: String = national.chars().filter(char::is_ascii_digit).collect();
    (!digits.is_empty()).then_some(digits)
}

/// The file name of part `n` (1-based) when an export is split:
/// `contacts.csv` → `contacts-part2.csv`.
pub fn part_path(output: &Path, n: usize) -> PathBuf {
    let stem = output
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("export");
    let name = match output.extension().and_then(|e| e.to_str()) {
        Some(ext) => format!("{stem}-part{n}.{ext}"),
        None => format!("{stem}-part{n}"),
    };
    output.with_file_name(name)
}

/// One CSV line, encoded. `Err((field, text))` names the first field the
/// encoding cannot represent.
fn encode_line(
    fields: &[String],
    encoding: OutputEncoding,
) -> std::result::Result<Vec<u8>, (usize, String)> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    writer
        .write_record(fields)
        .and_then(|_| writer.flush().map_err(csv::Error::from))
        .expect("writing CSV to memory cannot fail");
    let line = writer.into_inner().expect("flushed");
    let target = match encoding {
        OutputEncoding::Utf8 | OutputEncoding::Utf8Bom => return Ok(line),
        OutputEncoding::Gbk => encoding_rs::GBK,
        OutputEncoding::Gb18030 => encoding_rs::GB18030,
    };
    let text = String::from_utf8(line).expect("fields are UTF-8");
    let (bytes, _, unmappable) = target.encode(&text);
    if unmappable {
        let bad = fields
            .iter()
            .position(|f| target.encode(f).2)
            .unwrap_or_default();
        return Err((bad, fields[bad].clone()));
    }
    Ok(bytes.into_owned())
}

/// What was written: the part files and their row counts.
#[derive(Debug, serde::Serialize)]
pub struct Written {
    pub parts: Vec<(PathBuf, usize)>,
}

/// Encodes and writes the rows, split into parts at the profile's limits
/// (each part with the header, and the BOM when the encoding has one). Every
/// part is written atomically; parts of an earlier, longer export that this
/// one no longer produces are removed. No file that `guard` names as read
/// is written or removed: a part name that collides with an input stops the
/// export before anything is written.
pub fn write_parts(
    output: &Path,
    rendered: &Rendered,
    encoding: OutputEncoding,
    max_rows: usize,
    max_bytes: u64,
    guard: &crate::io::paths::Plan,
) -> Result<Written, ExportError> {
    let bom: &[u8] = if encoding == OutputEncoding::Utf8Bom {
        b"\xEF\xBB\xBF"
    } else {
        &[]
    };
    let header = encode_line(&rendered.header, encoding).map_err(|(f, text)| {
        ExportError::HeaderEncoding {
            text,
            column: f + 1,
            encoding: encoding.name(),
        }
    })?;
    let fixed = (bom.len() + header.len()) as u64;
    // Rows grouped into parts, each within both limits.
    let mut parts: Vec<Vec<u8>> = Vec::new();
    let mut counts: Vec<usize> = Vec::new();
    let mut current: Vec<u8> = Vec::new();
    let mut count = 0usize;
    for (i, row) in rendered.rows.iter().enumerate() {
        // The value itself stays out of the message: errors end up in
        // logs, and customer data does not belong there.
        let line = encode_line(row, encoding).map_err(|(f, _)| ExportError::ValueEncoding {
            row: i + 1,
            column: rendered.header[f].clone(),
            encoding: encoding.name(),
        })?;
        if fixed + line.len() as u64 > max_bytes {
            return Err(ExportError::RowTooLarge {
                row: i + 1,
                max_bytes,
            });
        }
        if count > 0
            && (count >= max_rows || fixed + (current.len() + line.len()) as u64 > max_bytes)
        {
            parts.push(std::mem::take(&mut current));
            counts.push(count);
            count = 0;
        }
        current.extend_from_slice(&line);
        count += 1;
    }
    parts.push(current);
    counts.push(count);

    let paths: Vec<PathBuf> = if parts.len() == 1 {
        vec![output.to_path_buf()]
    } else {
        (1..=parts.len()).map(|n| part_path(output, n)).collect()
    };
    // Leftover parts of an earlier run would be imported twice: they are
    // removed after writing, as is a plain-named earlier single file.
    let first_stale = if parts.len() == 1 { 1 } else { parts.len() + 1 };
    let stale: Vec<PathBuf> = (first_stale..)
        .map(|n| part_path(output, n))
        .take_while(|p| std::fs::metadata(p).is_ok_and(|m| m.is_file()))
        .chain(
            (parts.len() > 1 && std::fs::metadata(output).is_ok_and(|m| m.is_file()))
                .then(|| output.to_path_buf()),
        )
        .collect();
    for path in paths.iter().chain(&stale) {
        if let Some(flag) = guard.reads_file(path) {
            return Err(ExportError::WouldTouchInput {
                path: path.display().to_string(),
                flag: flag.to_string(),
            });
        }
    }
    for (path, body) in paths.iter().zip(&parts) {
        write::atomic(path, |w| {
            w.write_all(bom)?;
            w.write_all(&header)?;
            w.write_all(body)
        })?;
    }
    // Only regular files are removed: never a device like /dev/null.
    for path in &stale {
        std::fs::remove_file(path).map_err(|error| ExportError::RemoveStale {
            path: path.display().to_string(),
            error,
        })?;
    }
    Ok(Written {
        parts: paths.into_iter().zip(counts).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(headers: &[&str], rows: &[&[&str]]) -> Table {
        Table::from_rows(headers, rows)
    }

    #[test]
    fn columns_map_by_keyword_then_role() {
        let profile = Profile::load("salesforce").unwrap();
        let headers: Vec<String> = ["Mobile", "Phone", "First", "Surname", "DOB", "Created"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let roles = [
            Role::Phone,
            Role::Phone,
            Role::FirstName,
            Role::LastName,
            Role::Date,
            Role::Date,
        ];
        let mapping = map_columns(&profile, &headers, &roles);
        let source_of =
            |h: &str| mapping.sources[profile.fields.iter().position(|f| f.header == h).unwrap()];
        assert_eq!(source_of("MobilePhone"), Source::Column(0));
        assert_eq!(source_of("Phone"), Source::Column(1));
        assert_eq!(source_of("FirstName"), Source::Column(2));
        assert_eq!(source_of("Birthdate"), Source::Column(4));
        // A creation date is not a birth date: it stays unmapped.
        assert_eq!(mapping.unmapped, vec![5]);
    }

    #[test]
    fn names_split_and_join() {
        assert_eq!(split_name("Smith, John"), ("John".into(), "Smith".into()));
        assert_eq!(
            split_name("Mary Ann Jones"),
            ("Mary Ann".into(), "Jones".into())
        );
        assert_eq!(split_name("王伟"), ("伟".into(), "王".into()));
        assert_eq!(join_name("伟", "王"), "王伟");
        assert_eq!(join_name("John", "Smith"), "John Smith");
        assert_eq!(join_name("", "Smith"), "Smith");
    }

    #[test]
    fn values_take_the_target_formats() {
        let mut profile = Profile::load("fxiaoke").unwrap();
        let t = table(
            &["Name", "Mobile", "Birthday"],
            &[
                &["王伟", "+8613812345678", "1990-05-02"],
                &["Ann Lee", "+14155550132", "not a date"],
                &["", "+8613812345679", ""],
            ],
        );
        let roles = [Role::FullName, Role::Phone, Role::Date];
        profile.date_format = "%d/%m/%Y".into();
        let mapping = map_columns(&profile, &t.headers, &roles);
        let out = render(&t, &roles, &profile, &mapping, false, CsvOptions::default());
        let col = |h: &str| out.header.iter().position(|x| x == h).unwrap();
        assert_eq!(out.rows[0][col("手机")], "13812345678");
        assert_eq!(
            national_digits("+861065529988", "86").as_deref(),
            Some("01065529988")
        );
        assert_eq!(national_digits("+14155550132", "86"), None);
        assert_eq!(out.rows[0][col("生日")], "02/05/1990");
        assert_eq!(out.rows[1][col("手机")], "+14155550132");
        assert_eq!(out.rows[1][col("生日")], "not a date");
        assert_eq!(out.stats.dates_not_converted, 1);
        // 姓名 is required: the nameless row is set aside, not dropped.
        assert_eq!(out.set_aside.len(), 1);
        assert_eq!(out.set_aside[0].row, 3);
    }

    #[test]
    fn parts_respect_row_and_byte_limits() {
        let dir = tempfile::tempdir().unwrap();
        let output = dir.path().join("out.csv");
        let rendered = Rendered {
            header: vec!["A".into()],
            rows: (0..5).map(|i| vec![format!("value{i}")]).collect(),
            set_aside: Vec::new(),
            stats: RenderStats::default(),
        };
        let written = write_parts(
            &output,
            &rendered,
            OutputEncoding::Utf8Bom,
            2,
            1 << 20,
            &Default::default(),
        )
        .unwrap();
        let counts: Vec<usize> = written.parts.iter().map(|p| p.1).collect();
        assert_eq!(counts, vec![2, 2, 1]);
        let first = std::fs::read(part_path(&output, 1)).unwrap();
        assert!(first.starts_with(b"\xEF\xBB\xBFA\r\nvalue0\r\n"));
        // A later, smaller export removes the parts it no longer makes.
        let written = write_parts(
            &output,
            &rendered,
            OutputEncoding::Utf8,
            10,
            1 << 20,
            &Default::default(),
        )
        .unwrap();
        assert_eq!(written.parts.len(), 1);
        assert!(output.exists() && !part_path(&output, 1).exists());
        // Bytes: the header (3) and two rows (8 each) fill 19 bytes.
        let written = write_parts(
            &output,
            &rendered,
            OutputEncoding::Utf8,
            100,
            19,
            &Default::default(),
        )
        .unwrap();
        let counts: Vec<usize> = written.parts.iter().map(|p| p.1).collect();
        assert_eq!(counts, vec![2, 2, 1]);
    }

    #[test]
    fn gbk_refuses_what_it_cannot_encode() {
        assert!(encode_line(&["王伟".into()], OutputEncoding::Gbk).is_ok());
        let err = encode_line(&["ok".into(), "😀".into()], OutputEncoding::Gbk).unwrap_err();
        assert_eq!(err.0, 1);
        assert!(encode_line(&["😀".into()], OutputEncoding::Gb18030).is_ok());
    }
}
