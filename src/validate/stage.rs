//! The validate stage as one call: a table as read and a rule file's
//! checks → one result per check. Files, formats and messages belong to
//! the caller (`tidyrec validate`, a pipeline's validate step).
//!
//! Guarantees: every header a check names exists (all missing ones in one
//! error); a check by role runs on every column of that role, or is
//! reported as not applicable; only the columns checks read are
//! normalized (all of them when a duplicate-rate check clusters records).

use crate::config::RuleFile;
use crate::normalize::plan::build_plan;
use crate::progress::Progress;
use crate::schema::resolve::resolve_roles;
use crate::schema::Role;
use crate::validate::{self, Kind};
use std::time::Instant;

/// Why a rule file's checks could not run on a table.
#[derive(Debug, thiserror::Error)]
pub enum ValidateError {
    #[error("rule file `{rules}` names {count} column(s) that `{input}` does not have: {missing}; its columns are: {columns}. Fix the names, or name columns by role (`role = \"email\"`) so the rule file runs on any export")]
    MissingColumns {
        rules: String,
        count: usize,
        input: String,
        missing: String,
        columns: String,
    },
    #[error("rule file `{rules}`: the duplicate-rate check needs columns to match on (names, e-mail, phone, birth date, address), and `{input}` has none; set roles in [columns.\"…\"]")]
    NothingToMatch { rules: String, input: String },
    #[error(transparent)]
    Schema(#[from] crate::schema::resolve::SchemaError),
    #[error(transparent)]
    Matching(#[from] crate::matching::MatchError),
}

/// What a validation found: the checks as run (role checks expanded to
/// columns), one result each, the roles used, and the checks that did not
/// apply (no column of their role).
pub struct Validated {
    pub checks: Vec<validate::Check>,
    pub results: Vec<validate::CheckResult>,
    pub roles: Vec<Role>,
    pub not_applicable: Vec<String>,
    pub timings: [(&'static str, std::time::Duration); 3],
}

/// Runs a rule file's checks on a table as read: every named column must
/// exist (all missing ones in one error), roles resolved, only the checked
/// columns normalized, duplicates clustered when a duplicate-rate check
/// asks. `input_path` and `rules_path` name the files in messages.
#[allow(clippy::too_many_arguments)]
pub fn validate_table(
    raw: &crate::table::Table,
    rules: &RuleFile,
    id_column: Option<&str>,
    default_region: Option<&'static str>,
    as_of: chrono::NaiveDate,
    input_path: &std::path::Path,
    rules_path: &std::path::Path,
    progress: &dyn Progress,
) -> Result<Validated, ValidateError> {
    check_columns_exist(raw, rules, input_path, rules_path)?;
    let inferred = resolve_roles(raw, rules, id_column, input_path)?;
    let mut roles: Vec<Role> = inferred.iter().map(|i| i.role).collect();
    // Checks that name a role run on this file's columns of that role.
    let expanded = validate::expand_roles(&rules.checks, &raw.headers, &roles);
    let not_applicable: Vec<String> = expanded
        .not_applicable
        .iter()
        .map(|(name, line, asked)| {
            let asked: Vec<&str> = asked.iter().map(|r| r.name()).collect();
            format!(
                "check `{name}` (line {line}) does not apply: no column of role {} in `{}`",
                asked.join(" or "),
                input_path.display()
            )
        })
        .collect();
    let checks = expanded.checks;
    // A check can decide how its column is read (a phone format check on a
    // column inferred as text judges phones).
    for check in &checks {
        for name in check.kind.columns() {
            let c = raw.column_index(name).expect("checked above");
            if let Some(role) = check.kind.required_role(roles[c]) {
                roles[c] = role;
            }
        }
    }
    // Normalize only what the checks read (everything when matching).
    let matching = checks
        .iter()
        .any(|c| matches!(c.kind, Kind::DuplicateRate { .. }));
    let used: Vec<bool> = (0..raw.headers.len())
        .map(|c| {
            matching
                || checks
                    .iter()
                    .any(|check| check.kind.columns().contains(&raw.headers[c].as_str()))
        })
        .collect();
    let mut adjusted = inferred.clone();
    for (inferred, &role) in adjusted.iter_mut().zip(&roles) {
        inferred.role = role;
    }
    let mut plan = build_plan(raw, &adjusted, rules, default_region, None);
    // Checks compare ISO dates, whatever the rule file writes for normalize.
    plan.date_format = None;
    for (column_plan, &used) in plan.columns.iter_mut().zip(&used) {
        column_plan.enabled &= used;
    }
    let normalize_started = Instant::now();
    let normalized = crate::normalize::run(raw, &plan, false, progress);
    let normalize_time = normalize_started.elapsed();

    let match_started = Instant::now();
    let clusters = match matching {
        true => duplicate_clusters(
            raw,
            &normalized.table,
            &roles,
            rules,
            (input_path, rules_path),
            progress,
        )?,
        false => None,
    };
    let match_time = match_started.elapsed();

    let check_started = Instant::now();
    let input = validate::Input {
        raw,
        normalized: &normalized.table,
        roles: &roles,
        rejected: &normalized.rejected,
        clusters: clusters.as_deref(),
        as_of,
    };
    let results = validate::run(&checks, &input);
    let check_time = check_started.elapsed();
    Ok(Validated {
        checks,
        results,
        roles,
        not_applicable,
        timings: [
            ("normalize", normalize_time),
            ("match", match_time),
            ("checks", check_time),
        ],
    })
}

/// Every header a check names must exist: all missing ones at once.
fn check_columns_exist(
    raw: &crate::table::Table,
    rules: &RuleFile,
    input_path: &std::path::Path,
    rules_path: &std::path::Path,
) -> Result<(), ValidateError> {
    let missing: Vec<String> = rules
        .checks
        .iter()
        .flat_map(|check| {
            check
                .kind
                .columns()
                .into_iter()
                .filter(|name| {
                    crate::config::checks::placeholder_role(name).is_none()
                        && raw.column_index(name).is_none()
                })
                .map(|name| format!("`{name}` (line {}, check `{}`)", check.line, check.name))
                .collect::<Vec<_>>()
        })
        .collect();
    if !missing.is_empty() {
        return Err(ValidateError::MissingColumns {
            rules: rules_path.display().to_string(),
            count: missing.len(),
            input: input_path.display().to_string(),
            missing: missing.join(", "),
            columns: raw.headers.join(", "),
        });
    }
    Ok(())
}

/// The clusters a duplicate-rate check counts, at its match probability.
fn duplicate_clusters(
    raw: &crate::table::Table,
    normalized: &crate::table::Table,
    roles: &[Role],
    rules: &RuleFile,
    (input_path, rules_path): (&std::path::Path, &std::path::Path),
    progress: &dyn Progress,
) -> Result<Option<Vec<u32>>, ValidateError> {
    let threshold = rules
        .checks
        .iter()
        .find_map(|c| match c.kind {
            Kind::DuplicateRate { match_probability } => Some(match_probability),
            _ => None,
        })
        .unwrap_or(crate::matching::DEFAULT_THRESHOLD);
    let clusters =
        crate::matching::cluster_rows(raw, normalized, roles, rules, threshold, progress)?;
    if clusters.is_none() {
        return Err(ValidateError::NothingToMatch {
            rules: rules_path.display().to_string(),
            input: input_path.display().to_string(),
        });
    }
    Ok(clusters)
}
