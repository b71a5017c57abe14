//! Phone numbers → E.164 (`+14155550132`, extension as `;ext=123`).
//!
//! Two steps: [`clean`] turns what people type (`(415) 555-0132`,
//! `tel:+1-650-253-0000`, `1-800-FLOWERS`, full-width `１３８…`, `转123`,
//! `ext. 45`) into digits, a `+` flag and an extension; [`metadata`] then
//! parses and validates with libphonenumber's rules for the row's region.
//! Numbers that are not valid are rejected (the caller keeps the raw value).
//! [`Normalizer`] caches results per distinct (value, region): CRM exports
//! repeat numbers (shared office lines, re-imports), and the cache makes those
//! free.

pub mod format;
pub mod metadata;

pub use format::Format as PhoneFormat;

use rustc_hash::FxHashMap;
use unicode_normalization::UnicodeNormalization;

/// A typed-in number reduced to what parsing needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cleaned {
    pub plus: bool,
    pub digits: String,
    pub extension: Option<String>,
}

/// Keypad letters, as in libphonenumber's alpha mappings.
fn keypad(letter: u8) -> u8 {
    match letter.to_ascii_uppercase() {
        b'A'..=b'C' => b'2',
        b'D'..=b'F' => b'3',
        b'G'..=b'I' => b'4',
        b'J'..=b'L' => b'5',
        b'M'..=b'O' => b'6',
        b'P'..=b'S' => b'7',
        b'T'..=b'V' => b'8',
        _ => b'9',
    }
}

/// Splits a trailing extension off: `x123`, `ext. 45`, `extension 7`, `#12`,
/// `转123`, `分机 123`, `;ext=123`.
fn split_extension(value: &str) -> (&str, Option<String>) {
    // Most numbers have no extension: skip the marker search unless a marker
    // character is present at all.
    let maybe = value.bytes().any(|b| {
        matches!(
            b,
            b'x' | b'X' | b'e' | b'E' | b'#' | b';' | b'~' | b'a' | b'A' | b'i' | b'I'
        ) || b >= 0x80
    });
    if !maybe {
        return (value, None);
    }
    let lower = value.to_ascii_lowercase();
    // Markers and digit limits as in libphonenumber's extension patterns
    // (words up to 20 digits, `x`/`#`/`~`/`int` up to 9), plus Chinese `转`/`分机`.
    const MARKERS: [(&str, usize); 15] = [
        (";ext=", 20),
        ("extensión", 20),
        ("extension", 20),
        ("extensao", 20),
        ("ext.", 20),
        ("extn", 20),
        ("ext", 20),
        ("anexo", 20),
        ("转", 20),
        ("轉", 20),
        ("分机", 20),
        ("int", 9),
        ("x", 9),
        ("#", 9),
        ("~", 9),
    ];
    for (marker, max_digits) in MARKERS {
        let Some(at) = lower.rfind(marker) else {
            continue;
        };
        let tail = lower[at + marker.len()..].trim_start_matches([' ', ':', '.', '\t', ',', '-']);
        let tail = tail.trim_end_matches(['#', ' ']);
        if tail.is_empty() || tail.len() > max_digits || !tail.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let head = value[..at].trim_end_matches([' ', ',', ';', '\t']);
        // `x` alone must follow the number, not be part of a vanity word.
        if marker == "x" && head.bytes().last().is_some_and(|b| b.is_ascii_alphabetic()) {
            continue;
        }
        if head.bytes().filter(u8::is_ascii_digit).count() < 3 {
            continue;
        }
        return (head, Some(tail.to_string()));
    }
    (value, None)
}

/// Reduces a typed-in number to digits; `None` when it cannot be a number.
pub fn clean(raw: &str) -> Option<Cleaned> {
    let folded: std::borrow::Cow<'_, str> = if raw.is_ascii() {
        raw.into()
    } else {
        // Full-width digits, `＋`, `（）` and ideographic spaces → ASCII.
        raw.nfkc().collect::<String>().into()
    };
    let mut value = folded.trim();
    for scheme in ["tel:", "TEL:", "Tel:"] {
        if let Some(rest) = value.strip_prefix(scheme) {
            value = rest.trim();
        }
    }
    let (number, extension) = split_extension(value);
    // RFC 3966 parameters other than ext (`;phone-context=…`) are dropped.
    let number = number.split(';').next().unwrap_or(number);
    // Like libphonenumber, start at the first `+` or digit; a label such as
    // `Mobile:` before the number is not part of it.
    let start = number.find(|c: char| c == '+' || c.is_ascii_digit())?;
    let body = number[start..].trim_end_matches(|c: char| !c.is_ascii_alphanumeric());
    let plus = body.starts_with('+');
    let body = body.trim_start_matches('+');
    let letters = body.bytes().filter(u8::is_ascii_alphabetic).count();
    let mut digits = String::with_capacity(body.len());
    for b in body.bytes() {
        match b {
            b'0'..=b'9' => digits.push(b as char),
            b'a'..=b'z' | b'A'..=b'Z' if letters >= 3 => digits.push(keypad(b) as char),
            b'a'..=b'z' | b'A'..=b'Z' => {}
            b' ' | b'-' | b'.' | b'(' | b')' | b'/' | b'[' | b']' | b'~' | b'*' | b'\t' => {}
            _ if !b.is_ascii() => {}
            _ => return None,
        }
    }
    // Dashes and other punctuation outside ASCII (e.g. `‐`, `－`) are allowed;
    // anything else that is not punctuation makes it not a number.
    if !body
        .chars()
        .all(|c| c.is_ascii() || is_phone_punctuation(c))
    {
        return None;
    }
    if digits.len() < 2 {
        return None;
    }
    Some(Cleaned {
        plus,
        digits,
        extension,
    })
}

fn is_phone_punctuation(c: char) -> bool {
    matches!(
        c,
        '\u{2010}'
            ..='\u{2015}'
                | '\u{2212}'
                | '\u{30FC}'
                | '\u{FF0D}'
                | '\u{FF0F}'
                | '\u{00A0}'
                | '\u{00AD}'
                | '\u{200B}'
                | '\u{2060}'
                | '\u{3000}'
                | '\u{FF08}'
                | '\u{FF09}'
                | '\u{FF3B}'
                | '\u{FF3D}'
                | '\u{FF0E}'
                | '\u{2053}'
                | '\u{223C}'
                | '\u{FF5E}'
    )
}

/// How extensions are written in the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ExtensionStyle {
    /// `+14155550132;ext=123` (RFC 3966).
    #[default]
    Rfc3966,
    /// ` x123`.
    X,
    /// Dropped from the value (reported in the audit as changed).
    Drop,
}

/// Normalizes one number for a region (`None`: no region known).
pub fn normalize(
    raw: &str,
    region: Option<usize>,
    style: ExtensionStyle,
) -> Result<String, &'static str> {
    normalize_as(raw, region, style, PhoneFormat::E164)
}

/// Like [`normalize`], written in `format` (E.164 honours `style` for the
/// extension; the other formats write it as libphonenumber does).
pub fn normalize_as(
    raw: &str,
    region: Option<usize>,
    style: ExtensionStyle,
    format: PhoneFormat,
) -> Result<String, &'static str> {
    let cleaned = clean(raw).ok_or("not a phone number")?;
    let parsed =
        metadata::parse(&cleaned.digits, cleaned.plus, region).map_err(
            |failure| match failure {
                metadata::ParseFailure::InvalidCountryCode if region.is_none() => {
                    "no country for this row: set a country column or --default-region"
                }
                metadata::ParseFailure::InvalidCountryCode => "unknown country calling code",
                _ => "wrong number of digits",
            },
        )?;
    if !metadata::is_valid(&parsed) {
        return Err("not a valid number for its country");
    }
    if format != PhoneFormat::E164 {
        let extension = match style {
            ExtensionStyle::Drop => None,
            _ => cleaned.extension.as_deref(),
        };
        return Ok(format::render(&parsed, extension, format));
    }
    let mut out = String::with_capacity(24);
    out.push('+');
    out.push_str(&parsed.country_code.to_string());
    out.push_str(&parsed.national);
    match (cleaned.extension, style) {
        (Some(ext), ExtensionStyle::Rfc3966) => {
            out.push_str(";ext=");
            out.push_str(&ext);
        }
        (Some(ext), ExtensionStyle::X) => {
            out.push_str(" x");
            out.push_str(&ext);
        }
        _ => {}
    }
    Ok(out)
}

/// A cached answer: the E.164 value or why there is none.
type Cached = Result<String, &'static str>;

/// A caching normalizer for one batch of values (not shared across threads,
/// so there is no lock on the hot path).
pub struct Normalizer {
    style: ExtensionStyle,
    format: PhoneFormat,
    /// Region → raw value → result; nested so a lookup borrows the raw `&str`
    /// instead of allocating a key.
    cache: FxHashMap<Option<usize>, FxHashMap<Box<str>, Cached>>,
    /// The cache is dropped when a sample shows mostly distinct values (a
    /// typical mobile column): hashing and storing them would cost more
    /// than it saves.
    caching: bool,
    lookups: u32,
    misses: u32,
    /// The last result when not caching.
    last: Cached,
}

impl Normalizer {
    /// Lookups before the cache judges whether it pays.
    const SAMPLE: u32 = 4096;

    pub fn new(style: ExtensionStyle) -> Self {
        Normalizer {
            style,
            format: PhoneFormat::E164,
            cache: FxHashMap::default(),
            caching: true,
            lookups: 0,
            misses: 0,
            last: Err("not a phone number"),
        }
    }

    /// Writes valid numbers in `format` instead of E.164.
    pub fn with_format(mut self, format: PhoneFormat) -> Self {
        self.format = format;
        self
    }

    pub fn normalize(&mut self, raw: &str, region: Option<usize>) -> Result<&str, &'static str> {
        let (style, format) = (self.style, self.format);
        if !self.caching {
            self.last = normalize_as(raw, region, style, format);
            return self.last.as_deref().map_err(|reason| *reason);
        }
        self.lookups += 1;
        if self.lookups == Self::SAMPLE && self.misses * 2 > self.lookups {
            self.caching = false;
            self.cache = FxHashMap::default();
            return self.normalize(raw, region);
        }
        let by_value = self.cache.entry(region).or_default();
        if !by_value.contains_key(raw) {
            self.misses += 1;
            let result = normalize_as(raw, region, style, format);
            by_value.insert(raw.into(), result);
        }
        match by_value.get(raw) {
            Some(Ok(value)) => Ok(value),
            Some(Err(reason)) => Err(reason),
            None => Err("not a phone number"),
        }
    }
}

/// Region index for an ISO alpha-2 code, if phone metadata knows it.
pub fn region(code: &str) -> Option<usize> {
    metadata::region_index(code)
}

#[cfg(test)]
mod tests;
