//! Checks that name their columns by role (`role = "email"`), made concrete
//! for one file once its roles are known.
//!
//! Guarantees: a by-role check runs on every column of that role — one
//! check per column for single-column types (`format`, `unique`, `range`,
//! …), one check over all of them for `required` (so `roles = ["email",
//! "phone"]` with `any = true` means "reachable somehow"). A by-role check
//! whose role no column has is not applicable: it is reported, never an
//! error, so a generic rule file runs on any export.

use super::{Check, Kind};
use crate::config::checks::placeholder_role;
use crate::schema::Role;

/// The checks for this file, and the by-role checks that found no column.
#[derive(Debug)]
pub struct Expanded {
    pub checks: Vec<Check>,
    /// (check name, rule-file line, the roles it asked for).
    pub not_applicable: Vec<(String, usize, Vec<Role>)>,
}

/// Replaces role placeholders by the headers of that role.
pub fn expand_roles(checks: &[Check], headers: &[String], roles: &[Role]) -> Expanded {
    let of_role = |role: Role| -> Vec<String> {
        headers
            .iter()
            .zip(roles)
            .filter(|(_, r)| **r == role)
            .map(|(h, _)| h.clone())
            .collect()
    };
    let mut out = Expanded {
        checks: Vec::with_capacity(checks.len()),
        not_applicable: Vec::new(),
    };
    for check in checks {
        let asked: Vec<Role> = check
            .kind
            .columns()
            .iter()
            .filter_map(|c| placeholder_role(c))
            .collect();
        if asked.is_empty() {
            out.checks.push(check.clone());
            continue;
        }
        let resolve = |column: &str| -> Vec<String> {
            placeholder_role(column).map_or_else(|| vec![column.to_string()], of_role)
        };
        let variants: Vec<Vec<String>> = match &check.kind {
            // One check over every matching column.
            Kind::Required { columns, .. } => {
                let all: Vec<String> = columns.iter().flat_map(|c| resolve(c)).collect();
                if all.is_empty() {
                    Vec::new()
                } else {
                    vec![all]
                }
            }
            // One check per matching column.
            kind => kind
                .columns()
                .first()
                .map(|c| resolve(c))
                .unwrap_or_default()
                .into_iter()
                .map(|h| vec![h])
                .collect(),
        };
        if variants.is_empty() {
            out.not_applicable
                .push((readable(&check.name), check.line, asked));
            continue;
        }
        let several = variants.len() > 1;
        for columns in variants {
            let mut concrete = check.clone();
            concrete.kind = with_columns(&check.kind, &columns);
            concrete.name = if check.name.contains('\u{0}') {
                name_with(&check.name, &columns)
            } else if several {
                format!("{} ({})", check.name, columns.join(", "))
            } else {
                check.name.clone()
            };
            out.checks.push(concrete);
        }
    }
    out
}

/// A check's default name with its placeholders (the span from the first
/// to the end of the last) replaced by `columns`.
fn name_with(name: &str, columns: &[String]) -> String {
    let (Some(start), Some(last)) = (name.find('\u{0}'), name.rfind('\u{0}')) else {
        return name.to_string();
    };
    let end = name[last + 1..]
        .find(|c: char| !(c.is_ascii_lowercase() || c == '_'))
        .map_or(name.len(), |n| last + 1 + n);
    format!("{}{}{}", &name[..start], columns.join(", "), &name[end..])
}

/// A name as shown when no column matched: placeholders as `role:NAME`.
fn readable(name: &str) -> String {
    name.replace('\u{0}', "role:")
}

fn with_columns(kind: &Kind, columns: &[String]) -> Kind {
    let first = || columns[0].clone();
    match kind.clone() {
        Kind::Required { any, .. } => Kind::Required {
            columns: columns.to_vec(),
            any,
        },
        Kind::Unique { .. } => Kind::Unique {
            columns: columns.to_vec(),
        },
        Kind::Format { format, strict, .. } => Kind::Format {
            column: first(),
            format,
            strict,
        },
        Kind::AllowedValues {
            values,
            ignore_case,
            ..
        } => Kind::AllowedValues {
            column: first(),
            values,
            ignore_case,
        },
        Kind::Range {
            min, max, measure, ..
        } => Kind::Range {
            column: first(),
            min,
            max,
            measure,
        },
        Kind::Freshness {
            max_age_days,
            as_of,
            ..
        } => Kind::Freshness {
            column: first(),
            max_age_days,
            as_of,
        },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::RuleFile;
    use std::path::Path;

    fn checks(text: &str) -> Vec<Check> {
        RuleFile::parse(Path::new("r.toml"), text).unwrap().checks
    }

    #[test]
    fn by_role_checks_run_on_every_column_of_the_role() {
        let rules = checks(
            "[[check]]\ntype = \"format\"\nrole = \"phone\"\nformat = \"phone\"\n\
             [[check]]\ntype = \"required\"\nroles = [\"email\", \"phone\"]\nany = true\n\
             [[check]]\ntype = \"unique\"\nrole = \"id\"\n\
             [[check]]\ntype = \"required\"\nrole = \"country\"\n",
        );
        let headers: Vec<String> = ["Kundennr", "Mail", "Handy", "Festnetz"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let roles = [Role::Id, Role::Email, Role::Phone, Role::Phone];
        let out = expand_roles(&rules, &headers, &roles);
        let names: Vec<&str> = out.checks.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "format: Handy is phone",
                "format: Festnetz is phone",
                "required: Mail, Handy, Festnetz",
                "unique: Kundennr",
            ]
        );
        assert_eq!(out.checks[2].kind.columns(), ["Mail", "Handy", "Festnetz"]);
        assert_eq!(out.not_applicable.len(), 1);
        assert_eq!(out.not_applicable[0].2, [Role::Country]);
    }
}
