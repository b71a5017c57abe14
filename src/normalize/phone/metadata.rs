//! libphonenumber's parse and validity rules over the `phonenumber` crate's
//! metadata, with our own compiled regexes.
//!
//! Why not call `phonenumber::parse` directly: the crate (0.3.10) mis-parses
//! `+CC` numbers when given a default region (`+86 138 1234 5678` with region
//! US → `+863812345678`), keeps the trunk `(0)` of `+49 (0)30 …`, and keeps its
//! compiled regexes in one small shared LRU cache behind a lock, so a
//! mixed-country export thrashes it (≈1k numbers/s measured). Here each
//! region's patterns are compiled once, on first use, into a lock-free table,
//! and the steps follow libphonenumber's `PhoneNumberUtil.parse` and
//! `isValidNumber` (Google's reference implementation) step by step:
//! IDD stripping, country-code extraction, national-prefix stripping with the
//! transform rule, possible-length tests, and number-type matching.

use phonenumber::metadata::{Metadata, DATABASE};
use regex::{Regex, RegexBuilder};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::OnceLock;

/// Shortest and longest national significant number libphonenumber accepts.
const MIN_NSN: usize = 2;
const MAX_NSN: usize = 17;

/// A parsed, not yet validated number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    pub country_code: u16,
    pub national: String,
}

/// Why a string is not a phone number (mirrors libphonenumber's parse errors).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParseFailure {
    InvalidCountryCode,
    TooShortAfterIdd,
    TooShortNsn,
    TooLong,
}

#[derive(Clone)]
struct Desc {
    pattern: Regex,
    lengths: Vec<u16>,
}

impl Desc {
    fn matches(&self, nsn: &str) -> bool {
        (self.lengths.is_empty() || self.lengths.contains(&(nsn.len() as u16)))
            && self.pattern.is_match(nsn)
    }
}

/// One region's rules, compiled.
#[derive(Clone)]
struct Compiled {
    idd: Option<Regex>,
    national_prefix: Option<Regex>,
    transform: Option<String>,
    leading_digits: Option<Regex>,
    general: Desc,
    /// Number-type patterns (mobile and fixed line first).
    types: Vec<Desc>,
    /// The mobile pattern alone.
    mobile: Option<Desc>,
    lengths: Vec<u16>,
    local_lengths: Vec<u16>,
}

struct RegionEntry {
    meta: &'static Metadata,
    compiled: OnceLock<Option<Compiled>>,
}

struct Book {
    regions: Vec<RegionEntry>,
    by_id: HashMap<&'static str, usize>,
    /// Country calling code → regions, main region first.
    by_code: HashMap<u16, Vec<usize>>,
}

fn book() -> &'static Book {
    static BOOK: OnceLock<Book> = OnceLock::new();
    BOOK.get_or_init(|| {
        let database: &'static phonenumber::metadata::Database = &DATABASE;
        let mut book = Book {
            regions: Vec::new(),
            by_id: HashMap::new(),
            by_code: HashMap::new(),
        };
        for code in 1..1000u16 {
            let Some(metas) = database.by_code(&code) else {
                continue;
            };
            for meta in metas {
                let index = book.regions.len();
                book.regions.push(RegionEntry {
                    meta,
                    compiled: OnceLock::new(),
                });
                if meta.id() != "001" {
                    book.by_id.entry(meta.id()).or_insert(index);
                }
                book.by_code.entry(code).or_default().push(index);
            }
        }
        book
    })
}

pub(super) fn anchored(pattern: &str, whole: bool) -> Option<Regex> {
    let source = if whole {
        format!("^(?:{pattern})$")
    } else {
        format!("^(?:{pattern})")
    };
    RegexBuilder::new(&source)
        .ignore_whitespace(true)
        .unicode(false)
        .size_limit(1 << 24)
        .build()
        .ok()
}

fn compile(meta: &Metadata) -> Option<Compiled> {
    let descriptors = meta.descriptors();
    let desc = |d: &phonenumber::metadata::Descriptor| -> Option<Desc> {
        Some(Desc {
            pattern: anchored(d.national_number().as_str(), true)?,
            lengths: d.possible_length().to_vec(),
        })
    };
    // Validity only asks whether *some* type matches, so the order is free:
    // mobile and fixed line first, because nearly every CRM number is one.
    let ordered = [
        descriptors.mobile(),
        descriptors.fixed_line(),
        descriptors.toll_free(),
        descriptors.premium_rate(),
        descriptors.shared_cost(),
        descriptors.voip(),
        descriptors.personal_number(),
        descriptors.pager(),
        descriptors.uan(),
        descriptors.voicemail(),
    ];
    let mut lengths: Vec<u16> = Vec::new();
    let mut local_lengths: Vec<u16> = Vec::new();
    for d in ordered
        .iter()
        .flatten()
        .chain(descriptors.no_international().iter())
    {
        lengths.extend_from_slice(d.possible_length());
        local_lengths.extend_from_slice(d.possible_local_length());
    }
    lengths.extend_from_slice(descriptors.general().possible_length());
    lengths.sort_unstable();
    lengths.dedup();
    local_lengths.sort_unstable();
    local_lengths.dedup();
    let national_prefix = match meta.national_prefix_for_parsing() {
        Some(re) => anchored(re.as_str(), false),
        None => meta
            .national_prefix()
            .and_then(|p| anchored(&regex::escape(p), false)),
    };
    Some(Compiled {
        idd: meta
            .international_prefix()
            .and_then(|re| anchored(re.as_str(), false)),
        national_prefix,
        transform: meta
            .national_prefix_transform_rule()
            .map(|rule| rule.replace("$1", "${1}").replace("$2", "${2}")),
        leading_digits: meta
            .leading_digits()
            .and_then(|re| anchored(re.as_str(), false)),
        general: desc(descriptors.general())?,
        types: ordered.iter().flatten().filter_map(|d| desc(d)).collect(),
        mobile: descriptors.mobile().and_then(desc),
        lengths,
        local_lengths,
    })
}

/// Region `index`'s rules, this thread's copy. A `Regex` used by several
/// threads lends its scratch space out through a lock to every thread but
/// the first (4–5 % of `normalize` on a phone-heavy file went to that);
/// a clone shares the compiled program and has scratch space of its own.
fn compiled(index: usize) -> Option<Rc<Compiled>> {
    thread_local! {
        static LOCAL: RefCell<Vec<Option<Option<Rc<Compiled>>>>> = const { RefCell::new(Vec::new()) };
    }
    LOCAL.with(|local| {
        let mut local = local.borrow_mut();
        if local.len() <= index {
            local.resize(book().regions.len().max(index + 1), None);
        }
        local[index]
            .get_or_insert_with(|| shared(index).map(|c| Rc::new(c.clone())))
            .clone()
    })
}

/// Region `index`'s rules, compiled once for all threads.
fn shared(index: usize) -> Option<&'static Compiled> {
    let entry = &book().regions[index];
    entry.compiled.get_or_init(|| compile(entry.meta)).as_ref()
}

/// Index of a region by ISO code (`US`, `GB`, …), if it has phone metadata.
pub fn region_index(id: &str) -> Option<usize> {
    book().by_id.get(id).copied()
}

fn main_region_for_code(code: u16) -> Option<usize> {
    book().by_code.get(&code).and_then(|v| v.first().copied())
}

/// The one country a calling code belongs to (`49` → `DE`); `None` for
/// codes several countries share (`1`, `7`, `44`) or none.
pub fn sole_region_for_code(code: u16) -> Option<&'static str> {
    let regions = book().by_code.get(&code)?;
    match regions.as_slice() {
        [only] => Some(book().regions[*only].meta.id()).filter(|id| *id != "001"),
        _ => None,
    }
}

/// The metadata libphonenumber formats a calling code's numbers with: its
/// main region's (`US` for +1, `GB` for +44).
pub fn main_metadata_for_code(code: u16) -> Option<&'static Metadata> {
    let regions = book().by_code.get(&code)?;
    let main = regions
        .iter()
        .find(|&&i| book().regions[i].meta.is_main_country_for_code())
        .or_else(|| regions.first())?;
    Some(book().regions[*main].meta)
}

#[derive(PartialEq, Eq)]
enum Length {
    Possible,
    LocalOnly,
    TooShort,
    TooLong,
    Invalid,
}

fn test_length(nsn: &str, region: &Compiled) -> Length {
    let len = nsn.len() as u16;
    if region.local_lengths.contains(&len) {
        return Length::LocalOnly;
    }
    let (Some(&min), Some(&max)) = (region.lengths.first(), region.lengths.last()) else {
        return Length::Invalid;
    };
    if len == min {
        Length::Possible
    } else if len < min {
        Length::TooShort
    } else if len > max {
        Length::TooLong
    } else if region.lengths.contains(&len) {
        Length::Possible
    } else {
        Length::Invalid
    }
}

/// libphonenumber's `maybeStripNationalPrefixAndCarrierCode`.
fn strip_national_prefix(number: &str, region: &Compiled) -> String {
    let Some(prefix) = &region.national_prefix else {
        return number.to_string();
    };
    // Capture groups matter only for a transform rule; a plain search is
    // much cheaper, and most regions have no rule.
    let candidate = match region.transform.as_deref().filter(|rule| !rule.is_empty()) {
        None => {
            let Some(found) = prefix.find(number) else {
                return number.to_string();
            };
            number[found.end()..].to_string()
        }
        Some(rule) => {
            let Some(caps) = prefix.captures(number) else {
                return number.to_string();
            };
            let whole = caps.get(0).map_or(0, |m| m.end());
            if caps.len() > 1 && caps.get(caps.len() - 1).is_some() {
                let mut transformed = String::new();
                caps.expand(rule, &mut transformed);
                transformed.push_str(&number[whole..]);
                transformed
            } else {
                number[whole..].to_string()
            }
        }
    };
    let viable_before = region.general.pattern.is_match(number);
    if viable_before && !region.general.pattern.is_match(&candidate) {
        return number.to_string();
    }
    candidate
}

fn known_code(code: u16) -> bool {
    book().by_code.contains_key(&code)
}

/// Splits a leading country calling code (1 to 3 digits) off `digits`.
fn extract_country_code(digits: &str) -> Option<(u16, &str)> {
    if digits.starts_with('0') {
        return None;
    }
    (1..=3.min(digits.len())).find_map(|len| {
        let code: u16 = digits[..len].parse().ok()?;
        known_code(code).then(|| (code, &digits[len..]))
    })
}

/// Parses a digits-only number. `plus` says the number was written with a
/// leading `+`; `default_region` is the region index used when it was not.
pub fn parse(
    digits: &str,
    plus: bool,
    default_region: Option<usize>,
) -> Result<Parsed, ParseFailure> {
    let default = default_region.and_then(compiled);
    let default = default.as_deref();
    let mut international: Option<&str> = None;
    if plus {
        international = Some(digits);
    } else if let Some(idd) = default.and_then(|r| r.idd.as_ref()) {
        if let Some(m) = idd.find(digits) {
            let rest = &digits[m.end()..];
            // A `0` right after the IDD cannot start a country code: libphonenumber
            // then reads the digits as a national number.
            if !rest.starts_with('0') {
                international = Some(rest);
            }
        }
    }

    let (country_code, mut national) = match international {
        Some(full) => {
            if full.len() <= MIN_NSN {
                return Err(ParseFailure::TooShortAfterIdd);
            }
            match extract_country_code(full) {
                Some((code, rest)) => (code, rest.to_string()),
                // A `+` number whose code is unknown is retried as national.
                None if plus => match (default, default_region) {
                    (Some(region), Some(index)) => national_with_default(
                        full,
                        region,
                        book().regions[index].meta.country_code(),
                    ),
                    _ => return Err(ParseFailure::InvalidCountryCode),
                },
                None => return Err(ParseFailure::InvalidCountryCode),
            }
        }
        None => match (default, default_region) {
            (Some(region), Some(index)) => {
                national_with_default(digits, region, book().regions[index].meta.country_code())
            }
            _ => return Err(ParseFailure::InvalidCountryCode),
        },
    };

    if national.len() < MIN_NSN {
        return Err(ParseFailure::TooShortNsn);
    }
    if let Some(region) = main_region_for_code(country_code).and_then(compiled) {
        let stripped = strip_national_prefix(&national, &region);
        if !matches!(
            test_length(&stripped, &region),
            Length::TooShort | Length::LocalOnly | Length::Invalid
        ) {
            national = stripped;
        }
    }
    if national.len() < MIN_NSN {
        return Err(ParseFailure::TooShortNsn);
    }
    if national.len() > MAX_NSN {
        return Err(ParseFailure::TooLong);
    }
    Ok(Parsed {
        country_code,
        national,
    })
}

/// The no-IDD case of `maybeExtractCountryCode`: a national number that may
/// still start with the default region's own country code (`1 415 555 0132`).
fn national_with_default(full: &str, region: &Compiled, code: u16) -> (u16, String) {
    let code_text = code.to_string();
    if let Some(rest) = full.strip_prefix(code_text.as_str()) {
        let potential = strip_national_prefix(rest, region);
        if (!region.general.pattern.is_match(full) && region.general.pattern.is_match(&potential))
            || test_length(full, region) == Length::TooLong
        {
            return (code, potential);
        }
    }
    (code, full.to_string())
}

fn has_type(nsn: &str, region: &Compiled) -> bool {
    region.general.matches(nsn) && region.types.iter().any(|d| d.matches(nsn))
}

/// libphonenumber's `isValidNumber`.
pub fn is_valid(number: &Parsed) -> bool {
    let Some(candidates) = book().by_code.get(&number.country_code) else {
        return false;
    };
    let nsn = number.national.as_str();
    if candidates.len() == 1 {
        return compiled(candidates[0]).is_some_and(|r| has_type(nsn, &r));
    }
    for &index in candidates {
        let Some(region) = compiled(index) else {
            continue;
        };
        let chosen = match &region.leading_digits {
            Some(leading) => leading.is_match(nsn),
            None => has_type(nsn, &region),
        };
        if chosen {
            return has_type(nsn, &region);
        }
    }
    false
}

/// Whether a valid number is a mobile number (libphonenumber's
/// `getNumberType` = MOBILE or FIXED_LINE_OR_MOBILE).
pub fn is_mobile(number: &Parsed) -> bool {
    let Some(candidates) = book().by_code.get(&number.country_code) else {
        return false;
    };
    let nsn = number.national.as_str();
    candidates.iter().any(|&index| {
        compiled(index).is_some_and(|region| {
            has_type(nsn, &region) && region.mobile.as_ref().is_some_and(|m| m.matches(nsn))
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e164(digits: &str, plus: bool, region: &str) -> Option<String> {
        let parsed = parse(digits, plus, region_index(region)).ok()?;
        is_valid(&parsed).then(|| format!("+{}{}", parsed.country_code, parsed.national))
    }

    #[test]
    fn plus_numbers_ignore_the_default_region() {
        assert_eq!(
            e164("8613812345678", true, "US").as_deref(),
            Some("+8613812345678")
        );
        assert_eq!(
            e164("33142685300", true, "US").as_deref(),
            Some("+33142685300")
        );
    }

    #[test]
    fn trunk_zero_after_country_code_is_dropped() {
        assert_eq!(
            e164("490301234567", true, "US").as_deref(),
            Some("+49301234567")
        );
        assert_eq!(
            e164("4402079460958", true, "US").as_deref(),
            Some("+442079460958")
        );
    }

    #[test]
    fn idd_prefix_depends_on_region() {
        assert_eq!(
            e164("00442079460958", false, "GB").as_deref(),
            Some("+442079460958")
        );
        assert_eq!(
            e164("011442079460958", false, "US").as_deref(),
            Some("+442079460958")
        );
        assert_eq!(e164("00442079460958", false, "US"), None);
    }

    #[test]
    fn national_numbers_use_the_region() {
        assert_eq!(
            e164("4155550132", false, "US").as_deref(),
            Some("+14155550132")
        );
        assert_eq!(
            e164("14155550132", false, "US").as_deref(),
            Some("+14155550132")
        );
        assert_eq!(
            e164("02079460958", false, "GB").as_deref(),
            Some("+442079460958")
        );
        assert_eq!(
            e164("13812345678", false, "CN").as_deref(),
            Some("+8613812345678")
        );
        assert_eq!(
            e164("0301234567", false, "DE").as_deref(),
            Some("+49301234567")
        );
        assert_eq!(
            e164("0612345678", false, "IT").as_deref(),
            Some("+390612345678")
        );
    }

    #[test]
    fn invalid_numbers_are_not_valid() {
        assert_eq!(e164("12345", true, "US"), None);
        assert_eq!(e164("5550132", false, "US"), None);
        assert!(parse("1", false, region_index("US")).is_err());
    }
}
