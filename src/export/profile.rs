//! Export profiles: a target CRM's import conventions as data.
//!
//! A profile is a TOML file (`rules/export/*.toml`; the five shipped ones are
//! built into the binary) naming the import headers, where each one takes
//! its value from (a column role and/or header keywords), the date and phone
//! formats, the encoding and the per-file limits. Unknown keys are errors
//! with their line, so a user can add a CRM without code and without typos.

use crate::config::ConfigError;
use crate::config::TomlKind;
use crate::schema::Role;
use serde::Deserialize;
use std::path::Path;

/// The profiles shipped with tidyrec, by target name.
pub const BUILT_IN: &[(&str, &str)] = &[
    (
        "salesforce",
        include_str!("../../rules/export/salesforce.toml"),
    ),
    ("hubspot", include_str!("../../rules/export/hubspot.toml")),
    ("dynamics", include_str!("../../rules/export/dynamics.toml")),
    ("zoho", include_str!("../../rules/export/zoho.toml")),
    ("fxiaoke", include_str!("../../rules/export/fxiaoke.toml")),
    (
        "salesforce-leads",
        include_str!("../../rules/export/salesforce-leads.toml"),
    ),
    (
        "zoho-leads",
        include_str!("../../rules/export/zoho-leads.toml"),
    ),
];

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Profile {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub encoding: OutputEncoding,
    /// chrono format for date values (`%Y-%m-%d`, `%m/%d/%Y` …).
    pub date_format: String,
    pub phone_format: PhoneFormat,
    /// Rows per file (header not counted); larger outputs are split.
    pub max_rows: usize,
    /// Bytes per file; larger outputs are split (default: no limit).
    #[serde(default = "no_byte_limit")]
    pub max_bytes: u64,
    /// Records one merge call can take (Salesforce: 3), for `--merge-plan`.
    pub merge_batch: Option<usize>,
    /// The target takes e-mail opt-outs as a separate list, not as a field
    /// (HubSpot: "Import an opt-out list"): the e-mail addresses whose
    /// consent column says opted out are written to `OUTPUT.opt-out.csv`
    /// under this header.
    pub opt_out_list: Option<String>,
    #[serde(rename = "field")]
    pub fields: Vec<Field>,
}

/// A profile without `max-bytes` never splits by size.
fn no_byte_limit() -> u64 {
    u64::MAX
}

/// One import column.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Field {
    /// The header the importer expects.
    pub header: String,
    /// Take the first not yet used input column with this role …
    pub role: Option<Role>,
    /// … or, first, a column whose header contains one of these words
    /// (case, spaces, `_` and `-` ignored).
    #[serde(default)]
    pub keywords: Vec<String>,
    /// … or, before anything else, a column with exactly one of these
    /// headers (case ignored): for ids, where a loose match would send
    /// another system's id to the CRM's record id.
    #[serde(default)]
    pub headers: Vec<String>,
    /// Rows without a value here are set aside (the importer rejects them).
    #[serde(default)]
    pub required: bool,
    /// Rows with no value in *any* field of this group are set aside
    /// (HubSpot creates a contact from an e-mail, a first or a last name).
    pub required_group: Option<String>,
    /// An e-mail consent field, and what `true` means in it: `opt-out`
    /// (Salesforce `HasOptedOutOfEmail`) or `opt-in`. A consent column of
    /// the other polarity is inverted; one whose polarity its header does
    /// not tell is not exported (never guessed).
    pub consent: Option<Consent>,
    /// How `true` and `false` are written in this field (Dynamics 365:
    /// `["Do Not Allow", "Allow"]`); default `true` / `false`.
    pub labels: Option<[String; 2]>,
    /// Written when a required field is empty and cannot be derived, the
    /// importer's own placeholder (Salesforce leads without a company:
    /// `[not provided]`); the rows filled are counted in the summary.
    pub when_empty: Option<String>,
    /// An id column for upserts: `record` (the source record's id) or
    /// `entity` (tidyrec's entity id), reported in the summary.
    pub upsert: Option<Upsert>,
}

/// Which id an upsert column carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Upsert {
    Record,
    Entity,
}

/// What `true` means in a consent field or column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Consent {
    OptOut,
    OptIn,
}

impl Consent {
    /// The polarity a column's header states: `Email Opt Out`,
    /// `unsubscribed`, `Do Not Email`, `退订` say opt-out; `opt_in`,
    /// `Marketing Consent`, `subscribed`, `同意` say opt-in.
    pub fn of_header(header: &str) -> Option<Consent> {
        crate::schema::meaning::opts_out(header).map(|out| match out {
            true => Consent::OptOut,
            false => Consent::OptIn,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OutputEncoding {
    #[serde(rename = "utf-8")]
    Utf8,
    #[serde(rename = "utf-8-bom")]
    Utf8Bom,
    Gbk,
    Gb18030,
}

impl OutputEncoding {
    pub fn parse(label: &str) -> Option<OutputEncoding> {
        match label.to_ascii_lowercase().replace('_', "-").as_str() {
            "utf-8" | "utf8" => Some(OutputEncoding::Utf8),
            "utf-8-bom" | "utf8-bom" | "utf-8-sig" => Some(OutputEncoding::Utf8Bom),
            "gbk" | "cp936" => Some(OutputEncoding::Gbk),
            "gb18030" => Some(OutputEncoding::Gb18030),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            OutputEncoding::Utf8 => "utf-8",
            OutputEncoding::Utf8Bom => "utf-8-bom",
            OutputEncoding::Gbk => "gbk",
            OutputEncoding::Gb18030 => "gb18030",
        }
    }
}

/// How phone numbers (E.164 after normalization) are written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PhoneFormat {
    /// `+14155550132`
    E164,
    /// National digits for numbers of this calling code's country
    /// (`national:CN`: `+8613812345678` → `13812345678`), E.164 otherwise.
    NationalIn { calling_code: &'static str },
}

impl<'de> Deserialize<'de> for PhoneFormat {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        PhoneFormat::parse(&text).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "phone-format `{text}` is unknown; use \"e164\" or \"national:CC\" (CC one of {})",
                NATIONAL_CODES
                    .iter()
                    .map(|(c, _)| *c)
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })
    }
}

/// Countries whose importers commonly expect national numbers.
const NATIONAL_CODES: &[(&str, &str)] = &[
    ("CN", "86"),
    ("US", "1"),
    ("GB", "44"),
    ("DE", "49"),
    ("FR", "33"),
    ("JP", "81"),
    ("IN", "91"),
];

impl PhoneFormat {
    fn parse(text: &str) -> Option<PhoneFormat> {
        if text.eq_ignore_ascii_case("e164") {
            return Some(PhoneFormat::E164);
        }
        let country = text.strip_prefix("national:")?;
        NATIONAL_CODES
            .iter()
            .find(|(c, _)| c.eq_ignore_ascii_case(country))
            .map(|&(_, calling_code)| PhoneFormat::NationalIn { calling_code })
    }
}

impl Profile {
    /// A built-in profile by name, or a profile file by path.
    pub fn load(target: &str) -> Result<Profile, ConfigError> {
        if let Some((_, text)) = BUILT_IN
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(target))
        {
            return Profile::parse(text, Path::new(&format!("<built-in {target}>")));
        }
        let path = Path::new(target);
        if path.extension().is_some_and(|e| e == "toml") {
            let text = crate::config::read_toml_text(TomlKind::ExportProfile, path)?;
            return Profile::parse(&text, path);
        }
        Err(ConfigError::UnknownTarget {
            target: target.to_string(),
            known: BUILT_IN
                .iter()
                .map(|(n, _)| *n)
                .collect::<Vec<_>>()
                .join(", "),
        })
    }

    pub fn parse(text: &str, path: &Path) -> Result<Profile, ConfigError> {
        let invalid =
            |message: String| ConfigError::invalid(TomlKind::ExportProfile, path, message);
        let profile: Profile = crate::config::parse_toml(TomlKind::ExportProfile, path, text)?;
        if profile.fields.is_empty() {
            return Err(invalid("no [[field]]; add one per import column".into()));
        }
        if profile.max_rows == 0 || profile.max_bytes < 1024 {
            return Err(invalid(
                "max-rows must be at least 1 and max-bytes at least 1024".into(),
            ));
        }
        if let Some(field) = profile
            .fields
            .iter()
            .find(|f| f.role.is_none() && f.keywords.is_empty() && f.headers.is_empty())
        {
            return Err(invalid(format!(
                "field `{}` has no `role`, `keywords` or `headers`, so no column can fill it",
                field.header
            )));
        }
        let mut seen = std::collections::HashSet::new();
        if let Some(field) = profile.fields.iter().find(|f| !seen.insert(&f.header)) {
            return Err(invalid(format!("header `{}` appears twice", field.header)));
        }
        // A bad strftime pattern would panic while formatting: check it once.
        if chrono::format::StrftimeItems::new(&profile.date_format)
            .any(|item| matches!(item, chrono::format::Item::Error))
        {
            return Err(invalid(format!(
                "date-format `{}` is not a valid chrono format (e.g. \"%Y-%m-%d\", \"%m/%d/%Y\")",
                profile.date_format
            )));
        }
        Ok(profile)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_profile_loads() {
        for (name, _) in BUILT_IN {
            let profile = Profile::load(name).unwrap();
            assert_eq!(&profile.name, name);
        }
    }

    #[test]
    fn profile_errors_name_the_problem() {
        let err = Profile::parse("name = \"x\"\nencoding = \"latin9\"", Path::new("p.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("p.toml") && err.contains("latin9"), "{err}");
        let text = "name='x'\nencoding='utf-8'\ndate-format='%Q'\nphone-format='e164'\nmax-rows=10\nmax-bytes=100000\n[[field]]\nheader='A'\nrole='email'";
        let err = Profile::parse(text, Path::new("p.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("date-format"), "{err}");
        assert!(Profile::load("nosuchcrm").is_err());
    }

    #[test]
    fn a_user_profile_need_not_give_max_bytes() {
        let text = "name='x'\nencoding='utf-8'\ndate-format='%Y-%m-%d'\nphone-format='e164'\nmax-rows=10\n[[field]]\nheader='A'\nrole='email'";
        let profile = Profile::parse(text, Path::new("p.toml")).unwrap();
        assert_eq!(profile.max_bytes, u64::MAX);
    }

    #[test]
    fn phone_formats_parse() {
        assert_eq!(PhoneFormat::parse("e164"), Some(PhoneFormat::E164));
        assert_eq!(
            PhoneFormat::parse("national:CN"),
            Some(PhoneFormat::NationalIn { calling_code: "86" })
        );
        assert_eq!(PhoneFormat::parse("national:XX"), None);
    }
}
