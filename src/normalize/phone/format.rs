//! Phone output formats beyond E.164, as libphonenumber writes them:
//! international (`+86 10 6552 9988`), national (`010 6552 9988`), RFC 3966
//! (`tel:+86-10-6552-9988`), and the dashed form the seeds ask for
//! (`+86-10-6552-9988`, the `+国家代码-区号-号码` layout).
//!
//! libphonenumber's `formatNsn`, step by step, over the `phonenumber`
//! crate's metadata: the calling code's main region's formats, the first
//! whose last leading-digits pattern matches the start of the national
//! number and whose pattern matches all of it; the national prefix
//! formatting rule applied to the first group in national format; the
//! region's preferred extension prefix (` ext. ` by default, ` x` in GB).
//! Why not the crate's own formatter: it skips the whole-number pattern test
//! when a format has no leading digits, and its regexes sit behind one
//! shared lock (see `metadata.rs`). Checked against libphonenumber's output
//! for every region's example numbers (`fixtures/phones_formats.tsv`).

use super::metadata::{self, Parsed};
use phonenumber::metadata::{Format as NumberFormat, Metadata};
use regex::Regex;
use serde::Deserialize;
use std::cell::RefCell;
use std::collections::HashMap;

/// How phone numbers are written (`phone-format` in a rule file).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// `+8610655299888` (the default).
    #[default]
    E164,
    /// `+86 10 6552 9988`.
    International,
    /// `010 6552 9988`: the number as dialled inside its country.
    National,
    /// `tel:+86-10-6552-9988`.
    Rfc3966,
    /// `+86-10-6552-9988`.
    Dashed,
}

thread_local! {
    /// Compiled format patterns, per thread (no lock on the hot path).
    static PATTERNS: RefCell<HashMap<String, Option<Regex>>> = RefCell::new(HashMap::new());
}

fn with_pattern<T>(source: &str, whole: bool, f: impl FnOnce(&Regex) -> T) -> Option<T> {
    let key = format!("{}{source}", if whole { '$' } else { '^' });
    PATTERNS.with(|cache| {
        let mut cache = cache.borrow_mut();
        let regex = cache
            .entry(key)
            .or_insert_with(|| metadata::anchored(source, whole));
        regex.as_ref().map(f)
    })
}

/// `$1`, `$2` … in a format rule (compiled once).
fn group_reference() -> &'static Regex {
    static GROUP: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    GROUP.get_or_init(|| Regex::new(r"\$(\d)").expect("a valid pattern"))
}

/// The format libphonenumber chooses for `nsn` among `formats`.
fn choose<'f>(nsn: &str, formats: &'f [NumberFormat]) -> Option<&'f NumberFormat> {
    formats.iter().find(|format| {
        let leading_ok = format.leading_digits().last().is_none_or(|leading| {
            with_pattern(leading.as_str(), false, |re| re.is_match(nsn)).unwrap_or(false)
        });
        leading_ok
            && with_pattern(format.pattern().as_str(), true, |re| re.is_match(nsn)).unwrap_or(false)
    })
}

/// `nsn` grouped by `format` (national: with the national prefix rule).
fn grouped(nsn: &str, meta: &Metadata, format: &NumberFormat, national: bool) -> String {
    let mut rule = format.format().to_string();
    if national {
        if let Some(prefix_rule) = format.national_prefix().filter(|r| !r.is_empty()) {
            let first_group = group_reference();
            if let Some(group) = first_group.captures(&rule).and_then(|c| c.get(1)) {
                let with_prefix = prefix_rule
                    .replace("$NP", meta.national_prefix().unwrap_or(""))
                    .replace("$FG", &format!("${}", group.as_str()));
                rule = first_group
                    .replace(&rule, regex::NoExpand(&with_prefix))
                    .into_owned();
            }
        }
    }
    // `$1` followed by a digit or letter would read as `$1x`: use `${1}`.
    let rule = group_reference()
        .replace_all(&rule, "$${${1}}")
        .into_owned();
    with_pattern(format.pattern().as_str(), true, |re| {
        re.replace(nsn, rule.as_str()).into_owned()
    })
    .unwrap_or_else(|| nsn.to_string())
}

/// Writes a valid parsed number (and its extension) in `style`.
pub fn render(parsed: &Parsed, extension: Option<&str>, style: Format) -> String {
    let nsn = parsed.national.as_str();
    let code = parsed.country_code;
    let meta = metadata::main_metadata_for_code(code);
    let national_formats = meta.map_or(&[][..], |m| m.formats());
    let international_formats = meta.map_or(&[][..], |m| {
        if m.international_formats().is_empty() {
            m.formats()
        } else {
            m.international_formats()
        }
    });
    let ext_prefix = meta
        .and_then(|m| m.preferred_extension_prefix())
        .unwrap_or(" ext. ");
    let international = || match (meta, choose(nsn, international_formats)) {
        (Some(m), Some(f)) => grouped(nsn, m, f, false),
        _ => nsn.to_string(),
    };
    let mut out = match style {
        Format::E164 => format!("+{code}{nsn}"),
        Format::International => format!("+{code} {}", international()),
        Format::Dashed => format!("+{code}-{}", dashes(&international())),
        Format::National => match (meta, choose(nsn, national_formats)) {
            (Some(m), Some(f)) => grouped(nsn, m, f, true),
            _ => nsn.to_string(),
        },
        Format::Rfc3966 => format!("tel:+{code}-{}", dashes(&international())),
    };
    if let Some(ext) = extension.filter(|e| !e.is_empty()) {
        match style {
            Format::Rfc3966 | Format::E164 => {
                out.push_str(";ext=");
                out.push_str(ext);
            }
            _ => {
                out.push_str(ext_prefix);
                out.push_str(ext);
            }
        }
    }
    out
}

/// Separators (spaces, dots, slashes, brackets) as single dashes.
fn dashes(grouped: &str) -> String {
    let mut out = String::with_capacity(grouped.len());
    for c in grouped.chars() {
        if c.is_ascii_digit() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// libphonenumber's international, national and RFC 3966 formats of every
    /// region's example numbers (`scripts/phone_format_reference.py`).
    #[test]
    fn formats_match_libphonenumber() {
        let reference = include_str!("../../../fixtures/phones_formats.tsv");
        let mut failures = Vec::new();
        let mut total = 0;
        for line in reference.lines().skip(1) {
            let f: Vec<&str> = line.split('\t').collect();
            let (e164, ext, intl, national, rfc) = (f[0], f[1], f[2], f[3], f[4]);
            let parsed = metadata::parse(&e164[1..], true, None).expect(e164);
            let ext = (!ext.is_empty()).then_some(ext);
            for (style, want) in [
                (Format::International, intl),
                (Format::National, national),
                (Format::Rfc3966, rfc),
            ] {
                total += 1;
                let got = render(&parsed, ext, style);
                if got != want {
                    failures.push(format!(
                        "{e164} {style:?}: {got:?}, libphonenumber {want:?}"
                    ));
                }
            }
        }
        assert!(total > 2000, "{total}");
        assert!(
            failures.is_empty(),
            "{} of {total} differ: {failures:#?}",
            failures.len()
        );
    }

    #[test]
    fn dashed_is_the_international_grouping_with_dashes() {
        let cn = metadata::parse("861065529988", true, None).unwrap();
        assert_eq!(render(&cn, None, Format::Dashed), "+86-10-6552-9988");
        let us = metadata::parse("14155550132", true, None).unwrap();
        assert_eq!(render(&us, None, Format::Dashed), "+1-415-555-0132");
        assert_eq!(
            render(&us, Some("12"), Format::Dashed),
            "+1-415-555-0132 ext. 12"
        );
        assert_eq!(render(&us, None, Format::E164), "+14155550132");
    }
}
