//! The export stage as one call ([`export`]): a normalized table with its
//! roles → the import file(s) split at the target's limits, the set-aside
//! rows, the opt-out list (HubSpot), and an [`ExportOutcome`] saying what
//! happened. Flags, messages and exit codes belong to the caller.
//!
//! Guarantees: every input row is in an import file or in the set-aside
//! file; every consent choice reaches the target (its field, inverted when
//! the polarities differ, or the opt-out list) or the outcome says it did
//! not (`consent.exported == false`); no file the caller reads is written.

use super::profile::{Consent, OutputEncoding, Profile, Upsert};
use super::{consent_column, map_columns, opted_out, render, write_parts, Mapping, Source};
use super::{ExportError, Rendered, BOOKKEEPING};
use crate::io::{self, paths, write};
use crate::schema::Role;
use crate::table::Table;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// An export's settings, resolved from the flags and the target's profile
/// before a row is read.
pub struct ExportSettings {
    pub profile: Profile,
    /// The import file (split parts are `OUTPUT-part1.csv` …).
    pub output: PathBuf,
    pub max_rows: usize,
    pub max_bytes: u64,
    pub keep_unmapped: bool,
    pub allow_formulas: bool,
    pub allow_set_aside: bool,
    pub report: Option<PathBuf>,
}

impl ExportSettings {
    /// The target's profile (with an output encoding instead of its own)
    /// and limits; the output must be a CSV file name. Flags default off.
    pub fn resolve(
        target: &str,
        out_encoding: Option<&str>,
        output: &Path,
        max_rows: Option<usize>,
        max_bytes: Option<u64>,
    ) -> Result<ExportSettings, ExportError> {
        if output == Path::new("-") {
            return Err(ExportError::OutputIsStdout);
        }
        if io::Format::from_path(output) == io::Format::Parquet
            || io::Format::from_path(output) == io::Format::Xlsx
        {
            return Err(ExportError::NotCsv(output.display().to_string()));
        }
        let mut profile = Profile::load(target)?;
        if let Some(label) = out_encoding {
            profile.encoding = OutputEncoding::parse(label)
                .ok_or_else(|| ExportError::UnknownEncoding(label.to_string()))?;
        }
        Ok(ExportSettings {
            max_rows: max_rows.unwrap_or(profile.max_rows).max(1),
            max_bytes: max_bytes.unwrap_or(profile.max_bytes).max(1024),
            profile,
            output: output.to_path_buf(),
            keep_unmapped: false,
            allow_formulas: false,
            allow_set_aside: false,
            report: None,
        })
    }

    /// Declares the files an export writes (the import file, the set-aside
    /// rows, an opt-out list) in a path plan, so none lands on an input.
    pub fn declare_writes(&self, plan: &mut crate::io::paths::Plan) {
        plan.write("-o", Some(&self.output))
            .write("set-aside file", Some(&self.set_aside_path()))
            .write(
                "opt-out list",
                self.profile
                    .opt_out_list
                    .is_some()
                    .then_some(self.opt_out_path().as_path()),
            );
    }

    /// `OUTPUT.set-aside.csv`: the rows the importer would reject.
    pub fn set_aside_path(&self) -> PathBuf {
        self.beside("set-aside")
    }

    /// `OUTPUT.opt-out.csv`: a target's opt-out list (HubSpot).
    pub fn opt_out_path(&self) -> PathBuf {
        self.beside("opt-out")
    }

    fn beside(&self, kind: &str) -> PathBuf {
        let stem = self
            .output
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("export");
        self.output.with_file_name(format!("{stem}.{kind}.csv"))
    }
}

/// What one export did, for the log, `--report` and a pipeline's summary.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ExportOutcome {
    /// The report format's version.
    pub version: u32,
    pub target: String,
    pub input_rows: usize,
    /// Rows written to the import file(s).
    pub rows: usize,
    pub files: Vec<FileRows>,
    /// Rows left out because a required field is empty, by reason; they
    /// are in `set_aside_file`.
    pub set_aside: usize,
    pub set_aside_reasons: BTreeMap<String, usize>,
    pub set_aside_file: Option<String>,
    /// Per import field, rows whose empty value came from the row's other
    /// name columns (`LastName` split from the full name).
    pub derived: BTreeMap<String, usize>,
    /// Per import field, rows filled with the target's placeholder.
    pub filled: BTreeMap<String, usize>,
    /// How e-mail consent reached the target (None: the input has no
    /// consent column).
    pub consent: Option<ConsentOutcome>,
    /// The upsert id columns and the input columns that fill them.
    pub upsert: Vec<UpsertOutcome>,
    /// Input columns no import field takes (left out unless --keep-unmapped).
    pub unmapped: Vec<String>,
    pub dates_not_converted: usize,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct FileRows {
    pub file: String,
    pub rows: usize,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct ConsentOutcome {
    /// The input's consent column and what `true` means in it.
    pub column: String,
    pub column_means: Consent,
    /// The import field it fills (with the field's polarity), or None.
    pub field: Option<String>,
    pub field_means: Option<Consent>,
    /// Whether values were inverted (an opt-in column into an opt-out field).
    pub inverted: bool,
    /// The opt-out list file (HubSpot) and how many addresses it holds.
    pub opt_out_list: Option<FileRows>,
    /// Rows opted out of e-mail.
    pub opted_out: usize,
    /// Whether the choices reach the target (false: the exit code is 1
    /// unless allowed).
    pub exported: bool,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct UpsertOutcome {
    pub field: String,
    pub carries: Upsert,
    /// The input column, or None when the input has none (then the field
    /// is not written).
    pub column: Option<String>,
}

/// What an export made: its outcome, and how the columns were mapped.
pub struct Exported {
    pub outcome: ExportOutcome,
    pub mapping: Mapping,
}

/// Exports a table (normalized, with its roles): maps its columns onto the
/// profile and writes the import file(s), the set-aside rows and an
/// opt-out list. `guard` names the files read, which are never written.
pub fn export(
    table: &Table,
    roles: &[Role],
    settings: &ExportSettings,
    guard: &paths::Plan,
) -> Result<Exported, ExportError> {
    let mapping = map_columns(&settings.profile, &table.headers, roles);
    let options = write::CsvOptions {
        bom: false,
        allow_formulas: settings.allow_formulas,
    };
    let rendered = render(
        table,
        roles,
        &settings.profile,
        &mapping,
        settings.keep_unmapped,
        options,
    );
    let written = write_parts(
        &settings.output,
        &rendered,
        settings.profile.encoding,
        settings.max_rows,
        settings.max_bytes,
        guard,
    )?;
    if !rendered.set_aside.is_empty() {
        write_set_aside(&settings.set_aside_path(), &rendered)?;
    }
    let consent = consent_outcome(table, roles, settings, &mapping)?;
    // tidyrec's own columns (golden records, pipelines) are not data the
    // steward expects in a CRM: leaving them out is not worth a warning.
    let unmapped: Vec<String> = mapping
        .unmapped
        .iter()
        .filter(|&&c| !BOOKKEEPING.contains(&table.headers[c].as_str()))
        .map(|&c| table.headers[c].clone())
        // A consent column that went into an opt-out list is not lost.
        .filter(|h| {
            consent
                .as_ref()
                .is_none_or(|k| k.opt_out_list.is_none() || &k.column != h)
        })
        .collect();
    let upsert: Vec<UpsertOutcome> = settings
        .profile
        .fields
        .iter()
        .zip(&mapping.sources)
        .filter_map(|(field, source)| {
            field.upsert.map(|carries| UpsertOutcome {
                field: field.header.clone(),
                carries,
                column: match *source {
                    Source::Column(c) => Some(table.headers[c].clone()),
                    _ => None,
                },
            })
        })
        .collect();
    let outcome = ExportOutcome {
        version: crate::report::VERSION,
        target: settings.profile.name.clone(),
        input_rows: table.row_count(),
        rows: rendered.stats.rows,
        files: written
            .parts
            .iter()
            .map(|(p, n)| FileRows {
                file: p.display().to_string(),
                rows: *n,
            })
            .collect(),
        set_aside: rendered.set_aside.len(),
        set_aside_reasons: rendered.stats.set_aside_reasons,
        set_aside_file: (!rendered.set_aside.is_empty())
            .then(|| settings.set_aside_path().display().to_string()),
        derived: rendered.stats.derived,
        filled: rendered.stats.filled,
        consent,
        upsert,
        unmapped,
        dates_not_converted: rendered.stats.dates_not_converted,
    };
    Ok(Exported { outcome, mapping })
}

/// The rows the importer would reject, with their input row and reason.
fn write_set_aside(path: &Path, rendered: &Rendered) -> Result<(), ExportError> {
    let mut header = vec!["row".to_string(), "reason".to_string()];
    header.extend(rendered.header.iter().cloned());
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    write::records(
        path,
        &header,
        rendered.set_aside.iter().map(|s| {
            let mut row = vec![s.row.to_string(), s.reason.clone()];
            row.extend(s.values.iter().cloned());
            row
        }),
    )?;
    Ok(())
}

/// E-mail consent: into the target's consent field, or (HubSpot) into an
/// opt-out list file; either way the polarity is kept.
fn consent_outcome(
    table: &Table,
    roles: &[Role],
    settings: &ExportSettings,
    mapping: &Mapping,
) -> Result<Option<ConsentOutcome>, ExportError> {
    let Some((c, column_means)) = consent_column(table, roles) else {
        return Ok(None);
    };
    let field = settings
        .profile
        .fields
        .iter()
        .enumerate()
        .find(|(f, field)| field.consent.is_some() && mapping.sources[*f] == Source::Column(c));
    let opted_out_rows = (0..table.row_count())
        .filter(|&r| opted_out(table.columns[c].get(r), column_means) == Some(true))
        .count();
    let mut consent = ConsentOutcome {
        column: table.headers[c].clone(),
        column_means,
        field: field.map(|(_, f)| f.header.clone()),
        field_means: field.and_then(|(_, f)| f.consent),
        inverted: field.is_some_and(|(_, f)| f.consent != Some(column_means)),
        opt_out_list: None,
        opted_out: opted_out_rows,
        exported: field.is_some() || settings.keep_unmapped,
    };
    let Some(list_header) = settings.profile.opt_out_list.as_ref() else {
        return Ok(Some(consent));
    };
    if consent.field.is_some() {
        return Ok(Some(consent));
    }
    let email = roles.iter().position(|&r| r == Role::Email);
    // In first-seen order, each once (a set: 700k opt-outs at 1.5M
    // records made a linear search quadratic).
    let mut addresses: Vec<String> = Vec::new();
    let mut seen: rustc_hash::FxHashSet<&str> = Default::default();
    if let Some(email) = email {
        for r in 0..table.row_count() {
            let address = table.columns[email].get(r).trim();
            if !address.is_empty()
                && opted_out(table.columns[c].get(r), column_means) == Some(true)
                && seen.insert(address)
            {
                addresses.push(address.to_string());
            }
        }
    }
    let options = write::CsvOptions {
        bom: false,
        allow_formulas: settings.allow_formulas,
    };
    write::records(
        &settings.opt_out_path(),
        &[list_header.as_str()],
        addresses
            .iter()
            .map(|a| vec![write::guard(a, options).into_owned()]),
    )?;
    consent.opt_out_list = Some(FileRows {
        file: settings.opt_out_path().display().to_string(),
        rows: addresses.len(),
    });
    consent.exported = email.is_some();
    Ok(Some(consent))
}
