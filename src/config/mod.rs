//! Rule files (TOML) → validated settings, before any row is read.
//!
//! The schema rejects unknown keys (`deny_unknown_fields`) so a typo is an
//! error with its line, not a silently ignored setting. Keys are kebab-case.
//!
//! ```toml
//! [normalize]
//! default-region = "GB"        # phone region / date order for rows without a country
//! date-order = "day-first"     # or "month-first"; default: per row from the country
//! date-format = "%Y-%m-%d"     # chrono format for date-only values
//! phone-extension = "rfc3966"  # "+14155550132;ext=123"; or "x", "drop"
//! placeholders = ["TBD"]       # extra values that mean "empty"
//!
//! [columns."Mobile Phone"]
//! role = "phone"               # any role; overrides inference
//! date-order = "month-first"
//! strip-honorifics = true      # names: drop Dr., Mr, 先生 …
//! normalize = false            # leave this column exactly as it is
//!
//! [dedupe]
//! threshold = 0.99
//! max-block = 50
//! blocking = ["email", "phone"] # built-in rules by name (default: all that apply)
//!
//! [segment]                     # RFM segments (default columns found by header)
//! recency = "Last Purchase Date"
//! names = { high-value = "高价值客户", frequent-buyers = "高频购买者", potential = "潜在客户" }
//!
//! [[check]]                     # validate: see config::checks
//! type = "required"
//! column = "Email"
//! ```

pub mod checks;

use crate::normalize::date::Order;
use crate::normalize::phone::ExtensionStyle;
use crate::schema::Role;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Which of tidyrec's TOML files a message is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TomlKind {
    RuleFile,
    PipelineFile,
    ExportProfile,
}

impl std::fmt::Display for TomlKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            TomlKind::RuleFile => "rule file",
            TomlKind::PipelineFile => "pipeline file",
            TomlKind::ExportProfile => "export profile",
        })
    }
}

/// A TOML file (rule file, pipeline file, export profile) that cannot be
/// used: unreadable, not TOML or not our keys (with the line, the key and
/// "did you mean"), or a value out of range.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    // The I/O error is part of the message, not a separate cause: said once.
    #[error("cannot read {kind} `{path}`: {error}")]
    Io {
        kind: TomlKind,
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("{kind} `{path}`: {message}")]
    Parse {
        kind: TomlKind,
        path: PathBuf,
        message: String,
    },
    #[error("{kind} `{path}`: {message}")]
    Invalid {
        kind: TomlKind,
        path: PathBuf,
        message: String,
    },
    #[error("unknown export target `{target}`; use one of {known} or the path of a profile file (.toml, see rules/export/)")]
    UnknownTarget { target: String, known: String },
    /// A file another one names (a pipeline's rule file or export profile).
    #[error("{kind} `{path}`: {within}")]
    Within {
        kind: TomlKind,
        path: PathBuf,
        within: String,
        source: Box<ConfigError>,
    },
}

impl ConfigError {
    pub fn invalid(kind: TomlKind, path: &Path, message: impl Into<String>) -> ConfigError {
        ConfigError::Invalid {
            kind,
            path: path.to_path_buf(),
            message: message.into(),
        }
    }
}

/// The one way tidyrec reads its TOML files: the text of `path`.
pub fn read_toml_text(kind: TomlKind, path: &Path) -> Result<String, ConfigError> {
    std::fs::read_to_string(path).map_err(|error| ConfigError::Io {
        kind,
        path: path.to_path_buf(),
        error,
    })
}

/// The one way tidyrec parses its TOML files: unknown keys and wrong
/// types are errors with the line, the key and the keys it could mean.
pub fn parse_toml<T: serde::de::DeserializeOwned>(
    kind: TomlKind,
    path: &Path,
    text: &str,
) -> Result<T, ConfigError> {
    toml::from_str(text).map_err(|e| ConfigError::Parse {
        kind,
        path: path.to_path_buf(),
        message: describe_toml_error(text, &e),
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RuleFile {
    #[serde(default)]
    pub normalize: NormalizeOptions,
    #[serde(default)]
    pub columns: BTreeMap<String, ColumnOptions>,
    #[serde(default)]
    pub dedupe: DedupeOptions,
    #[serde(default)]
    pub segment: SegmentOptions,
    #[serde(default)]
    pub profile: ProfileOptions,
    /// `[[check]]` tables as written, with their place in the file.
    #[serde(default, rename = "check")]
    pub check_specs: Vec<toml::Spanned<checks::CheckSpec>>,
    /// The checks, resolved and verified by [`RuleFile::parse`].
    #[serde(skip)]
    pub checks: Vec<crate::validate::Check>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct NormalizeOptions {
    pub default_region: Option<String>,
    pub date_order: Option<Order>,
    pub date_format: Option<String>,
    pub phone_extension: Option<ExtensionOption>,
    /// How phones are written: e164 (default), international, national,
    /// rfc3966 or dashed (`+86-10-6552-9988`).
    pub phone_format: Option<crate::normalize::phone::PhoneFormat>,
    /// What becomes of a value that cannot be normalized: `keep` it as
    /// written (default) or write it `empty`; either way it is reported and
    /// the original goes to the audit.
    pub on_invalid: Option<OnInvalid>,
    #[serde(default)]
    pub placeholders: Vec<String>,
}

/// `on-invalid` in `[normalize]` or `[columns."…"]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OnInvalid {
    #[default]
    Keep,
    Empty,
}

/// `[dedupe]`: matching settings (command-line flags win over these).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct DedupeOptions {
    /// Match probability from which two records are one entity.
    pub threshold: Option<f64>,
    /// Blocks with more records are skipped and reported.
    pub max_block: Option<usize>,
    /// The blocking rules to use, by name (default: every rule whose fields
    /// the file has).
    pub blocking: Option<Vec<String>>,
}

/// `[segment]`: which columns give recency, frequency and money (default:
/// found by header), and segment names (e.g. `high-value = "高价值客户"`).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct SegmentOptions {
    pub recency: Option<String>,
    pub frequency: Option<String>,
    pub monetary: Option<String>,
    #[serde(default)]
    pub names: BTreeMap<String, String>,
}

/// `[profile]`: how much a metric may get worse, since the profile given
/// to `profile --compare`, before `--fail-on-regression` fails the run.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ProfileOptions {
    #[serde(default)]
    pub tolerance: Tolerances,
}

/// Allowed worsening per metric (default 0: any worsening fails).
#[derive(Debug, Default, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Tolerances {
    /// Percentage points of completeness a column may lose.
    pub completeness: Option<f64>,
    /// Percentage points of validity a column may lose.
    pub validity: Option<f64>,
    /// Percentage points the duplicate rate may rise.
    pub duplicate_rate: Option<f64>,
    /// Percent of the rows the file may lose.
    pub rows_percent: Option<f64>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ExtensionOption {
    Rfc3966,
    X,
    Drop,
}

impl From<ExtensionOption> for ExtensionStyle {
    fn from(option: ExtensionOption) -> Self {
        match option {
            ExtensionOption::Rfc3966 => ExtensionStyle::Rfc3966,
            ExtensionOption::X => ExtensionStyle::X,
            ExtensionOption::Drop => ExtensionStyle::Drop,
        }
    }
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ColumnOptions {
    pub role: Option<Role>,
    pub date_order: Option<Order>,
    #[serde(default)]
    pub strip_honorifics: bool,
    pub normalize: Option<bool>,
    /// This column's `on-invalid` (else `[normalize]`'s).
    pub on_invalid: Option<OnInvalid>,
    /// How `dedupe` picks this column's golden value.
    pub survivorship: Option<crate::merge::Survivorship>,
}

impl RuleFile {
    /// Reads and checks a rule file.
    pub fn load(path: &Path) -> Result<RuleFile, ConfigError> {
        let text = read_toml_text(TomlKind::RuleFile, path)?;
        Self::parse(path, &text)
    }

    /// The rule file at `path`, or the defaults when there is none.
    pub fn load_optional(path: Option<&Path>) -> Result<RuleFile, ConfigError> {
        path.map_or_else(|| Ok(RuleFile::default()), RuleFile::load)
    }

    pub fn parse(path: &Path, text: &str) -> Result<RuleFile, ConfigError> {
        let rules: RuleFile = parse_toml(TomlKind::RuleFile, path, text)?;
        let invalid = |message: String| ConfigError::invalid(TomlKind::RuleFile, path, message);
        if let Some(region) = &rules.normalize.default_region {
            if crate::normalize::country::lookup(region).is_none() {
                return Err(invalid(format!(
                    "[normalize] default-region = \"{region}\" is not a country; use an ISO code such as \"US\" or \"GB\""
                )));
            }
        }
        if let Some(format) = &rules.normalize.date_format {
            check_date_format(format).map_err(invalid)?;
        }
        let dedupe = &rules.dedupe;
        if let Some(p) = dedupe.threshold {
            if !(p > 0.0 && p < 1.0) {
                return Err(invalid(format!(
                    "[dedupe] threshold = {p}: a probability strictly between 0 and 1, e.g. 0.99"
                )));
            }
        }
        if dedupe.max_block.is_some_and(|n| n < 2) {
            return Err(invalid(
                "[dedupe] max-block must be at least 2 (a block of one record has no pairs)".into(),
            ));
        }
        if let Some(n) = dedupe
            .max_block
            .filter(|&n| n > crate::matching::MAX_BLOCK_LIMIT)
        {
            return Err(invalid(format!(
                "[dedupe] max-block = {n} is more than {}: one such block alone makes billions of pairs; use a value up to {} (default {})",
                crate::matching::MAX_BLOCK_LIMIT,
                crate::matching::MAX_BLOCK_LIMIT,
                crate::matching::MAX_BLOCK
            )));
        }
        if let Some(names) = &dedupe.blocking {
            let known: Vec<&str> = crate::matching::blocking::RULES
                .iter()
                .map(|r| r.name)
                .collect();
            if names.is_empty() {
                return Err(invalid(format!(
                    "[dedupe] blocking is empty; list rules among: {}",
                    known.join(", ")
                )));
            }
            if let Some(unknown) = names.iter().find(|n| !known.contains(&n.as_str())) {
                return Err(invalid(format!(
                    "[dedupe] blocking: no rule named \"{unknown}\"; the rules are: {}",
                    known.join(", ")
                )));
            }
        }
        let mut rules = rules;
        for spec in &rules.check_specs {
            let line = line_of(text, spec.span().start);
            let check = checks::resolve(spec.get_ref(), line)
                .map_err(|message| invalid(format!("[[check]] at line {line}: {message}")))?;
            rules.checks.push(check);
        }
        Ok(rules)
    }
}

/// Checks a chrono format string without formatting (which would panic on a
/// bad specifier).
pub fn check_date_format(format: &str) -> Result<(), String> {
    use chrono::format::{Item, StrftimeItems};
    if StrftimeItems::new(format).any(|item| matches!(item, Item::Error)) {
        return Err(format!(
            "date-format \"{format}\" is not a valid format; use strftime codes such as \"%Y-%m-%d\" or \"%d/%m/%Y\""
        ));
    }
    Ok(())
}

/// 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// toml's message plus the line it points at, as `line N: …`, and for an
/// unknown key the nearest known one (`did you mean `default-region`?`).
/// The one way every TOML file of tidyrec (rule files, pipeline files,
/// export profiles) reports a syntax or key error.
pub fn describe_toml_error(text: &str, error: &toml::de::Error) -> String {
    let message = error.message().trim().to_string();
    let hint = did_you_mean(&message)
        .map(|key| format!("; did you mean `{key}`?"))
        .unwrap_or_default();
    match error.span() {
        Some(span) => {
            let line = line_of(text, span.start);
            let source_line = text.lines().nth(line - 1).unwrap_or("").trim();
            format!("line {line}: {message} (in `{source_line}`){hint}")
        }
        None => format!("{message}{hint}"),
    }
}

/// From serde's "unknown field `x`, expected one of `a`, `b`" (or
/// "unknown variant"), the expected name closest to `x`, if one is close.
fn did_you_mean(message: &str) -> Option<String> {
    let rest = message
        .strip_prefix("unknown field `")
        .or_else(|| message.strip_prefix("unknown variant `"))?;
    let (given, rest) = rest.split_once('`')?;
    let expected: Vec<&str> = rest.split('`').skip(1).step_by(2).collect();
    expected
        .into_iter()
        .map(|known| (strsim::damerau_levenshtein(given, known), known))
        .filter(|&(distance, known)| distance <= 2.max(known.len() / 4))
        .min()
        .map(|(_, known)| known.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<RuleFile, ConfigError> {
        RuleFile::parse(Path::new("rules.toml"), text)
    }

    #[test]
    fn full_rule_file_parses() {
        let rules = parse(
            "[normalize]\ndefault-region = \"GB\"\ndate-order = \"dmy\"\nphone-extension = \"x\"\nplaceholders = [\"TBD\"]\n\n[columns.\"Mobile\"]\nrole = \"phone\"\n[columns.notes]\nnormalize = false\n",
        )
        .unwrap();
        assert_eq!(rules.normalize.default_region.as_deref(), Some("GB"));
        assert_eq!(rules.normalize.date_order, Some(Order::DayFirst));
        assert_eq!(rules.columns["Mobile"].role, Some(Role::Phone));
        assert_eq!(rules.columns["notes"].normalize, Some(false));
    }

    #[test]
    fn an_unknown_key_suggests_the_nearest_known_one() {
        let err = parse("[normalize]\ndefault-regoin = \"DE\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("did you mean `default-region`?"), "{err}");
        let err = parse("[normalize]\nzzz = 1\n").unwrap_err().to_string();
        assert!(!err.contains("did you mean"), "{err}");
    }

    #[test]
    fn unknown_key_names_line_and_key() {
        let err = parse("[normalize]\ndefault-region = \"US\"\ndate-ordr = \"dmy\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 3"), "{err}");
        assert!(err.contains("date-ordr"), "{err}");
    }

    #[test]
    fn bad_values_are_explained() {
        let err = parse("[columns.x]\nrole = \"telephone\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 2"), "{err}");
        let err = parse("[normalize]\ndefault-region = \"Atlantis\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("not a country"), "{err}");
        let err = parse("[normalize]\ndate-format = \"%Q\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("not a valid format"), "{err}");
    }

    #[test]
    fn dedupe_options_are_checked() {
        let rules = parse(
            "[dedupe]\nthreshold = 0.95\nmax-block = 50\nblocking = [\"email\", \"phone\"]\n",
        )
        .unwrap();
        assert_eq!(rules.dedupe.threshold, Some(0.95));
        assert_eq!(
            rules.dedupe.blocking.as_deref().map(<[String]>::len),
            Some(2)
        );
        let err = parse("[dedupe]\nblocking = [\"emial\"]\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("no rule named \"emial\"") && err.contains("surname sound"),
            "{err}"
        );
        let err = parse("[dedupe]\nthreshold = 1.5\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("strictly between 0 and 1"), "{err}");
    }

    #[test]
    fn every_shipped_rule_file_loads() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
        let mut loaded = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "toml") {
                let rules = RuleFile::load(&path).unwrap_or_else(|e| panic!("{e}"));
                assert!(!rules.checks.is_empty(), "{} has no checks", path.display());
                loaded += 1;
            }
        }
        assert!(loaded >= 6, "expected the generic and five CRM rule files");
    }

    #[test]
    fn check_errors_name_the_line() {
        let err = parse("[normalize]\n\n[[check]]\ntype = \"unique\"\ncolumn = \"a\"\n\n[[check]]\ntype = \"format\"\ncolumn = \"a\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 7"), "{err}");
        assert!(err.contains("needs `format"), "{err}");
        let err = parse("[[check]]\ntype = \"unique\"\ncolumn = \"a\"\ncolum = \"b\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 4") && err.contains("colum"), "{err}");
    }
}
