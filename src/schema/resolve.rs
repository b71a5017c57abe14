//! Column roles resolved for a run: the rule file's role first, then
//! `--id-column`, then header and content ([`super::infer`]); and the id
//! columns a run uses — the record id (unique, never empty) and other
//! systems' person identifiers, which are evidence for matching.

use super::{Inferred, Role, Source};
use crate::config::RuleFile;
use crate::table::Table;
use std::path::Path;

/// A column named by a rule file or flag that the input lacks, or an id
/// column that does not name every record once. Messages name rows, not
/// values (customer data stays out of logs).
#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    #[error("column `{name}` named in the rule file is not in `{input}` (columns: {columns}); fix the name in [columns.\"…\"]")]
    RuleColumnMissing {
        name: String,
        input: String,
        columns: String,
    },
    #[error("--id-column `{name}` is not in `{input}` (columns: {columns})")]
    IdColumnMissing {
        name: String,
        input: String,
        columns: String,
    },
    #[error("`{input}` row {row} (line {line} of a CSV with one header line): the id column `{header}` is empty; give every record an id, or leave out --id-column to name records by row number")]
    EmptyId {
        input: String,
        row: usize,
        line: usize,
        header: String,
    },
    #[error("`{input}`: rows {first} and {row} have the same id in `{header}`; an id column must be unique (choose another with --id-column, or leave it out to name records by row number)")]
    RepeatedId {
        input: String,
        first: usize,
        row: usize,
        header: String,
    },
}

/// Roles per column: rule file > `--id-column` > header and content.
pub fn resolve_roles(
    table: &Table,
    rules: &RuleFile,
    id_column: Option<&str>,
    input: &Path,
) -> Result<Vec<Inferred>, SchemaError> {
    for name in rules.columns.keys() {
        if table.column_index(name).is_none() {
            return Err(SchemaError::RuleColumnMissing {
                name: name.clone(),
                input: input.display().to_string(),
                columns: table.headers.join(", "),
            });
        }
    }
    if let Some(id) = id_column {
        if table.column_index(id).is_none() {
            return Err(SchemaError::IdColumnMissing {
                name: id.to_string(),
                input: input.display().to_string(),
                columns: table.headers.join(", "),
            });
        }
    }
    let mut roles: Vec<Inferred> = table
        .headers
        .iter()
        .zip(&table.columns)
        .map(
            |(header, column)| match rules.columns.get(header).and_then(|o| o.role) {
                Some(role) => Inferred {
                    role,
                    source: Source::Rule,
                },
                None if id_column == Some(header.as_str()) => Inferred {
                    role: Role::Id,
                    source: Source::Rule,
                },
                None => super::infer(header, column.iter()),
            },
        )
        .collect();
    // `--id-column` names the one id column: other columns inferred as ids
    // (without a rule saying so) are treated as text.
    if id_column.is_some() {
        for (inferred, header) in roles.iter_mut().zip(&table.headers) {
            if inferred.role == Role::Id
                && Some(header.as_str()) != id_column
                && inferred.source != Source::Rule
            {
                inferred.role = Role::Text;
            }
        }
    }
    Ok(roles)
}

/// Before any value is read: the columns whose role may resolve to a date
/// (or datetime) once content is seen, and those that may resolve to the
/// country column. Content alone never makes a column a country, and never
/// changes a role the rule file sets, an `--id-column`, or a header that
/// says id or free text.
pub fn possible_roles(
    headers: &[String],
    rules: &RuleFile,
    id_column: Option<&str>,
) -> (Vec<usize>, Vec<usize>) {
    let mut dates = Vec::new();
    let mut countries = Vec::new();
    for (index, header) in headers.iter().enumerate() {
        let (date, country) = match rules.columns.get(header).and_then(|o| o.role) {
            Some(role) => (
                matches!(role, Role::Date | Role::Datetime),
                role == Role::Country,
            ),
            None if id_column == Some(header.as_str()) => (false, false),
            None => match super::headers::role(header) {
                Some(Role::Id | Role::Text) => (false, false),
                from_header => (true, from_header == Some(Role::Country)),
            },
        };
        if date {
            dates.push(index);
        }
        if country {
            countries.push(index);
        }
    }
    (dates, countries)
}

/// The first id column whose values are all filled and unique: the record id
/// when none is named.
pub fn default_id_column(table: &Table, roles: &[Role]) -> Option<usize> {
    (0..table.headers.len()).find(|&c| {
        roles[c] == Role::Id && {
            let mut seen = distinct_set(table.row_count());
            table.columns[c]
                .iter()
                .all(|v| !v.trim().is_empty() && seen.insert(v))
        }
    })
}

/// A set for telling whether a column's values repeat, sized for `rows`
/// up front (10M ids: about 1.0 s, against 2.9–3.5 s growing a SipHash
/// set; the answer is the same, only the hashing differs).
fn distinct_set<'a>(rows: usize) -> rustc_hash::FxHashSet<&'a str> {
    rustc_hash::FxHashSet::with_capacity_and_hasher(rows, Default::default())
}

/// Other systems' ids for the person (a social security or loyalty number):
/// columns that look like ids (inferred again, since `--id-column` turns
/// the others to text), are not this file's record id, have no role from
/// the rule file, and repeat some value. A column whose values never repeat
/// is some system's record id (a source's customer number in a pipeline):
/// it can never link two records, only make every pair look different.
pub fn identifier_columns(table: &Table, rules: &RuleFile, id_column: Option<usize>) -> Vec<usize> {
    (0..table.headers.len())
        .filter(|&c| Some(c) != id_column)
        .filter(|&c| {
            rules
                .columns
                .get(&table.headers[c])
                .and_then(|o| o.role)
                .is_none()
                && super::infer(&table.headers[c], table.columns[c].iter()).role == Role::Id
                && {
                    let mut seen = distinct_set(table.row_count());
                    table.columns[c]
                        .iter()
                        .filter(|v| !v.trim().is_empty())
                        .any(|v| !seen.insert(v))
                }
        })
        .collect()
}

/// A record id column must name every record once: an empty or repeated id
/// would put one id in two clusters. The error names rows, not values
/// (customer data stays out of logs).
pub fn check_unique_ids(table: &Table, column: usize, path: &Path) -> Result<(), SchemaError> {
    let header = &table.headers[column];
    let mut first_row: rustc_hash::FxHashMap<&str, usize> = Default::default();
    for (row, id) in table.columns[column].iter().enumerate() {
        if id.trim().is_empty() {
            return Err(SchemaError::EmptyId {
                input: path.display().to_string(),
                row: row + 1,
                line: row + 2,
                header: header.clone(),
            });
        }
        if let Some(first) = first_row.insert(id, row) {
            return Err(SchemaError::RepeatedId {
                input: path.display().to_string(),
                first: first + 1,
                row: row + 1,
                header: header.clone(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_id_columns_that_repeat_a_value_are_person_identifiers() {
        let mut table = Table::new(vec![
            "record".into(),
            "Customer ID".into(),
            "soc_sec_id".into(),
            "Name".into(),
        ]);
        table.push_row(["1", "C-1", "3919359", "Ann Lee"]);
        table.push_row(["2", "C-2", "3919359", "Ann Lee"]);
        table.push_row(["3", "C-3", "2182752", "Bo Chan"]);
        let rules = RuleFile::default();
        let ssn = table.column_index("soc_sec_id").unwrap();
        // A source system's customer numbers never repeat: they cannot link
        // two records, so they are no evidence either way.
        assert_eq!(identifier_columns(&table, &rules, Some(0)), vec![ssn]);
    }
}
