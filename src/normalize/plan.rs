//! The normalize stage's settings, resolved before a row is read: the
//! per-column plan from the resolved roles and the rule file's options, and
//! the default region (the flag's, else the rule file's, else US).

use super::{date, phone, ColumnPlan, Plan};
use crate::config::RuleFile;
use crate::schema::{Inferred, Role};

/// The stage plan from the resolved roles and the rule file's options.
pub fn build_plan(
    table: &crate::table::Table,
    roles: &[Inferred],
    rules: &RuleFile,
    default_region: Option<&'static str>,
    date_order: Option<date::Order>,
) -> Plan {
    Plan {
        columns: roles
            .iter()
            .zip(&table.headers)
            .map(|(inferred, header)| {
                let options = rules.columns.get(header);
                ColumnPlan {
                    role: inferred.role,
                    enabled: options.and_then(|o| o.normalize).unwrap_or(true),
                    date_order: options.and_then(|o| o.date_order),
                    strip_honorifics: options.is_some_and(|o| o.strip_honorifics),
                    empty_invalid: options
                        .and_then(|o| o.on_invalid)
                        .or(rules.normalize.on_invalid)
                        .unwrap_or_default()
                        == crate::config::OnInvalid::Empty,
                }
            })
            .collect(),
        country_column: roles.iter().position(|r| r.role == Role::Country),
        default_region,
        date_order: date_order.or(rules.normalize.date_order),
        date_format: rules.normalize.date_format.clone(),
        phone_format: rules.normalize.phone_format.unwrap_or_default(),
        extension_style: rules
            .normalize
            .phone_extension
            .map(Into::into)
            .unwrap_or_default(),
        placeholders: rules.normalize.placeholders.clone(),
        file_evidence: None,
    }
}

/// A `--default-region` (or the rule file's) that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum RegionError {
    #[error("--default-region `{value}` ({code}) has no phone numbering plan; use the country the numbers belong to")]
    NoNumberingPlan { value: String, code: &'static str },
    #[error("--default-region `{0}` is not a country; use an ISO code such as US, GB, DE or CN")]
    NotACountry(String),
}

/// `--default-region` (or the rule file's), checked; US when neither is set.
pub fn resolve_region(
    flag: Option<&str>,
    rules: &RuleFile,
) -> Result<Option<&'static str>, RegionError> {
    let raw = flag.or(rules.normalize.default_region.as_deref());
    match raw {
        Some(value) => match super::country::lookup(value) {
            Some(code) => {
                if phone::region(code).is_none() {
                    return Err(RegionError::NoNumberingPlan {
                        value: value.to_string(),
                        code,
                    });
                }
                Ok(Some(code))
            }
            None => Err(RegionError::NotACountry(value.to_string())),
        },
        // Without a hint, national numbers are read as US numbers, as most CRMs do.
        None => Ok(Some("US")),
    }
}
