//! `tidyrec init INPUT -o RULES.toml`: a starter rule file for an export.
//!
//! Profiles the export (roles inferred from headers and content, how full
//! and how valid each column is), then writes a rule file a steward can
//! read and confirm: every column's inferred role as a `[columns."…"]`
//! table with where the role came from and what the data looks like, the
//! normalize options (commented), and checks by role — required where a
//! column is at least 99 % filled, formats for e-mail, phone and date
//! columns, uniqueness for the id, a filled-share floor for the other
//! contact columns, a row-count floor and a duplicate-rate ceiling.
//!
//! Thresholds come from the data: the checks are run on the export itself
//! and each gets the smallest tolerance that lets today's file pass, so
//! `tidyrec validate INPUT --rules RULES.toml` exits 0 on the same export
//! and fails when a later export gets worse. The file is written
//! atomically, and checked by parsing it back before it is written.

use super::args::InputArgs;
use super::{Log, Status};
use crate::config::RuleFile;
use crate::io::{self, write};
use crate::profile;
use crate::schema::resolve::{default_id_column, resolve_roles};
use crate::schema::Role;
use anyhow::{Context, Result};
use clap::Args;
use std::fmt::Write as _;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct InitArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// The rule file to write (TOML).
    #[arg(short, long, value_name = "RULES.toml")]
    pub output: PathBuf,
    /// Skip the duplicate-rate check (it runs the matching engine).
    #[arg(long)]
    pub no_duplicates: bool,
}

pub const EXAMPLES: &str = "Examples:
  # A starter rule file for an export, then the CI gate with it
  tidyrec init crm_export.csv -o rules/crm.toml
  tidyrec validate crm_export.csv --rules rules/crm.toml      # exits 0 today

  # Review the roles (each says where it came from), adjust, commit the file";

/// Contact roles whose filled share is worth a floor.
const CONTACT_ROLES: [Role; 6] = [
    Role::FirstName,
    Role::LastName,
    Role::FullName,
    Role::Email,
    Role::Phone,
    Role::Company,
];

pub fn run(args: &InitArgs, log: &Log, progress: &dyn crate::progress::Progress) -> Result<Status> {
    let input_path = &args.input.input;
    let mut plan = io::paths::Plan::new();
    plan.read("INPUT", Some(input_path))
        .write("-o", Some(&args.output))
        .check()?;
    let read = io::read(input_path, &super::read_options(&args.input))?;
    super::note_read(log, input_path, &read);
    let raw = &read.table;
    let rules = RuleFile::default();
    let inferred = resolve_roles(raw, &rules, None, input_path)?;
    let roles: Vec<Role> = inferred.iter().map(|i| i.role).collect();
    let id_column = default_id_column(raw, &roles);
    let plan = crate::normalize::plan::build_plan(raw, &inferred, &rules, None, None);
    let normalized = crate::normalize::run(raw, &plan, false, progress);
    let columns = profile::columns(raw, &normalized.table, &inferred, &normalized.stats);

    let draft = Draft {
        input: input_path.display().to_string(),
        rows: raw.row_count(),
        columns: &columns,
        roles: &roles,
        id_column: id_column.map(|c| raw.headers[c].as_str()),
        duplicates: !args.no_duplicates && raw.row_count() >= 2,
    };
    // Run the checks at zero tolerance on the export itself, then give each
    // the tolerance today's file needs.
    let strict = draft.text(&[]);
    let strict_rules = RuleFile::parse(&args.output, &strict)
        .context("the starter rule file does not parse (a bug: please report it)")?;
    let as_of = chrono::Utc::now().date_naive();
    let validated = crate::validate::stage::validate_table(
        raw,
        &strict_rules,
        None,
        None,
        as_of,
        input_path,
        &args.output,
        progress,
    )?;
    let observed: Vec<Observed> = validated
        .results
        .iter()
        .map(|r| Observed {
            failing: r.failing,
            evaluated: r.evaluated,
        })
        .collect();
    let text = draft.text(&observed);
    let final_rules = RuleFile::parse(&args.output, &text)
        .context("the starter rule file does not parse (a bug: please report it)")?;
    write::atomic(&args.output, |out| out.write_all(text.as_bytes()))?;
    log.event(
        "info",
        "initialized",
        &format!(
            "{} column(s), {} check(s) → {} (confirm the roles, then: tidyrec validate {} --rules {})",
            columns.len(),
            final_rules.checks.len(),
            args.output.display(),
            input_path.display(),
            args.output.display()
        ),
        serde_json::json!({
            "columns": columns.len(),
            "checks": final_rules.checks.len(),
            "output": args.output,
        }),
    );
    Ok(Status::Success)
}

/// How a check did on the export at zero tolerance.
#[derive(Clone, Copy)]
struct Observed {
    failing: usize,
    evaluated: usize,
}

/// What the rule file says, before thresholds are known.
struct Draft<'a> {
    input: String,
    rows: usize,
    columns: &'a [profile::ColumnProfile],
    roles: &'a [Role],
    id_column: Option<&'a str>,
    duplicates: bool,
}

/// A check to write: its comment, its TOML keys (without a tolerance),
/// and how a tolerance is written for it.
struct CheckDraft {
    comment: String,
    keys: Vec<(String, String)>,
    tolerance: Tolerance,
}

enum Tolerance {
    /// `max-failures-percent`, from the observed failures.
    FailuresPercent,
    /// None needed (the threshold is part of the keys).
    Fixed,
    /// `max-percent` of duplicate records, from the observed ones.
    DuplicatePercent,
}

fn quote(value: &str) -> String {
    toml::Value::String(value.to_string()).to_string()
}

impl Draft<'_> {
    fn checks(&self) -> Vec<CheckDraft> {
        let mut checks = Vec::new();
        let min_rows = self.rows.div_ceil(2).max(1);
        checks.push(CheckDraft {
            comment: format!(
                "The export is not cut short: at least half of today's {} rows.",
                self.rows
            ),
            keys: vec![
                ("type".into(), quote("row-count")),
                ("min".into(), min_rows.to_string()),
            ],
            tolerance: Tolerance::Fixed,
        });
        if let Some(id) = self.id_column {
            checks.push(CheckDraft {
                comment: format!("Every record has its own id in `{id}`."),
                keys: vec![
                    ("type".into(), quote("unique")),
                    ("column".into(), quote(id)),
                ],
                tolerance: Tolerance::FailuresPercent,
            });
        }
        for (column, &role) in self.columns.iter().zip(self.roles) {
            let name = column.name.as_str();
            if column.filled == 0 {
                continue;
            }
            if column.completeness >= 99.0 {
                checks.push(CheckDraft {
                    comment: format!("`{name}` is filled ({:.1} % today).", column.completeness),
                    keys: vec![
                        ("type".into(), quote("required")),
                        ("column".into(), quote(name)),
                    ],
                    tolerance: Tolerance::FailuresPercent,
                });
            } else if CONTACT_ROLES.contains(&role) && column.completeness >= 20.0 {
                let floor = (column.completeness * 10.0).floor() / 10.0;
                checks.push(CheckDraft {
                    comment: format!(
                        "`{name}` stays at least as filled as today ({:.1} %).",
                        column.completeness
                    ),
                    keys: vec![
                        ("type".into(), quote("not-empty-percent")),
                        ("column".into(), quote(name)),
                        ("min-percent".into(), format!("{floor:.1}")),
                    ],
                    tolerance: Tolerance::Fixed,
                });
            }
            let format = match role {
                Role::Email => Some("email"),
                Role::Phone => Some("phone"),
                Role::Date | Role::Datetime => Some("date"),
                _ => None,
            };
            if let Some(format) = format {
                checks.push(CheckDraft {
                    comment: format!("`{name}` holds valid {format} values."),
                    keys: vec![
                        ("type".into(), quote("format")),
                        ("column".into(), quote(name)),
                        ("format".into(), quote(format)),
                    ],
                    tolerance: Tolerance::FailuresPercent,
                });
            }
        }
        if self.duplicates {
            checks.push(CheckDraft {
                comment: "Likely duplicate customers stay below today's share.".into(),
                keys: vec![("type".into(), quote("duplicate-rate"))],
                tolerance: Tolerance::DuplicatePercent,
            });
        }
        checks
    }

    /// The rule file; `observed` (one per check, in order) sets the
    /// tolerances, none given: every tolerance zero.
    fn text(&self, observed: &[Observed]) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# tidyrec rule file for `{}` ({} rows), written by `tidyrec init`.\n\
             # Confirm each column's role below (tidyrec inferred it: `from` says how),\n\
             # then use it with: tidyrec validate EXPORT --rules THIS_FILE\n\
             # Every key is explained in the README's rule-file reference.\n",
            self.input.replace('\n', " "),
            self.rows
        );
        out.push_str(
            "[normalize]\n\
             # default-region = \"US\"      # country for phones and addresses without one\n\
             # date-order = \"dmy\"         # how to read 05/02/2024 when the data cannot tell: dmy, mdy or ymd\n\
             # phone-format = \"e164\"      # e164, international, national, rfc3966 or dashed (+86-10-6552-9988)\n\
             # on-invalid = \"keep\"        # keep a value that does not normalize (it goes to the audit), or \"empty\"\n\n",
        );
        out.push_str(
            "# Each column's role: id, first_name, last_name, full_name, email, phone, company,\n\
             # street, city, region, postal_code, country, date, datetime, boolean, money, text.\n\
             # A role decides how values are normalized, matched and checked.\n",
        );
        for column in self.columns {
            let validity = column
                .validity
                .map_or(String::new(), |v| format!(", {v:.1} % valid"));
            let _ = writeln!(
                out,
                "[columns.{}]\nrole = {}    # from {}: {:.1} % filled{validity}",
                quote(&column.name),
                quote(&column.role),
                column.role_source,
                column.completeness
            );
        }
        out.push('\n');
        for (i, check) in self.checks().iter().enumerate() {
            let _ = writeln!(out, "# {}", check.comment);
            out.push_str("[[check]]\n");
            for (key, value) in &check.keys {
                let _ = writeln!(out, "{key} = {value}");
            }
            match (&check.tolerance, observed.get(i)) {
                (Tolerance::FailuresPercent, Some(o)) if o.failing > 0 => {
                    let percent = ceil_percent(o.failing, o.evaluated);
                    let _ = writeln!(
                        out,
                        "max-failures-percent = {percent}    # {} of {} failing today",
                        o.failing, o.evaluated
                    );
                }
                (Tolerance::DuplicatePercent, Some(o)) => {
                    let percent = ceil_percent(o.failing, o.evaluated);
                    let _ = writeln!(
                        out,
                        "max-percent = {percent}    # {} likely duplicate record(s) of {} today",
                        o.failing, o.evaluated
                    );
                }
                (Tolerance::DuplicatePercent, None) => {
                    out.push_str("max-percent = 0\n");
                }
                _ => {}
            }
            out.push('\n');
        }
        out
    }
}

/// `failing` of `evaluated` in percent, rounded up to two decimals (so the
/// threshold lets exactly today's share pass).
fn ceil_percent(failing: usize, evaluated: usize) -> String {
    if evaluated == 0 {
        return "0".into();
    }
    let hundredths = (failing as f64 * 10_000.0 / evaluated as f64).ceil();
    format!("{:.2}", hundredths / 100.0)
}

#[cfg(test)]
mod tests {
    use super::ceil_percent;

    #[test]
    fn tolerances_round_up_so_today_passes() {
        assert_eq!(ceil_percent(1, 3), "33.34");
        assert_eq!(ceil_percent(1, 100), "1.00");
        assert_eq!(ceil_percent(0, 10), "0.00");
        assert_eq!(ceil_percent(2, 0), "0");
    }
}
