//! Survivorship rules: which rule picks each golden field (a rule file's
//! `[survivorship]`, else a default by role and header meaning), and the
//! recency column that breaks ties.

use crate::schema::Role;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Survivorship {
    /// Like `most-frequent`; a tie goes to the most recent member.
    MostRecent,
    /// The value most members give, variants voting together (see [`vote`]).
    MostFrequent,
    /// The longest non-empty value.
    Longest,
    /// The smallest date (ISO text order).
    Earliest,
    /// The largest date.
    Latest,
    /// The largest number.
    Max,
    /// The smallest number.
    Min,
    /// The first member's (by input row) non-empty value.
    First,
    /// `true` if any member says true (consent withdrawn stays withdrawn).
    AnyTrue,
}

impl Survivorship {
    pub fn name(self) -> &'static str {
        match self {
            Survivorship::MostRecent => "most-recent",
            Survivorship::MostFrequent => "most-frequent",
            Survivorship::Longest => "longest",
            Survivorship::Earliest => "earliest",
            Survivorship::Latest => "latest",
            Survivorship::Max => "max",
            Survivorship::Min => "min",
            Survivorship::First => "first",
            Survivorship::AnyTrue => "any-true",
        }
    }
}

/// Each column's survivorship rule: the rule file's, else the default for
/// its role and header.
pub fn survivorship_rules(
    headers: &[String],
    roles: &[Role],
    rules: &crate::config::RuleFile,
    has_recency: bool,
) -> Vec<Survivorship> {
    headers
        .iter()
        .zip(roles)
        .map(|(header, &role)| {
            rules
                .columns
                .get(header)
                .and_then(|o| o.survivorship)
                .unwrap_or_else(|| default_rule(role, header, has_recency))
        })
        .collect()
}

/// The default rule for a column, from its role and header.
pub fn default_rule(role: Role, header: &str, has_recency: bool) -> Survivorship {
    let h = header.to_lowercase();
    let recent_or_frequent = if has_recency {
        Survivorship::MostRecent
    } else {
        Survivorship::MostFrequent
    };
    match role {
        Role::Id => Survivorship::First,
        Role::Email | Role::Phone => recent_or_frequent,
        Role::Money => Survivorship::Max,
        Role::Date | Role::Datetime if is_created(&h) => Survivorship::Earliest,
        Role::Date | Role::Datetime if is_recency(&h) => Survivorship::Latest,
        Role::Boolean
            if ["opt", "unsub", "do not", "dnc", "consent"]
                .iter()
                .any(|k| h.contains(k)) =>
        {
            Survivorship::AnyTrue
        }
        _ => Survivorship::MostFrequent,
    }
}

// Headers arrive lower-cased here.
fn is_created(header: &str) -> bool {
    crate::schema::meaning::says(header, crate::schema::meaning::CREATED)
}

fn is_recency(header: &str) -> bool {
    crate::schema::meaning::says(header, crate::schema::meaning::UPDATED)
}

/// The column that says how recent a record is: an updated/modified/last
/// date, else a created date.
pub fn recency_column(headers: &[String], roles: &[Role]) -> Option<usize> {
    let dates: Vec<usize> = (0..headers.len())
        .filter(|&c| matches!(roles[c], Role::Date | Role::Datetime))
        .collect();
    let lower = |c: usize| headers[c].to_lowercase();
    dates
        .iter()
        .copied()
        .find(|&c| is_recency(&lower(c)))
        .or_else(|| dates.iter().copied().find(|&c| is_created(&lower(c))))
}
