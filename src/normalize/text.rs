//! Text: trimmed, inner runs of whitespace (including NBSP, ideographic and
//! zero-width spaces) collapsed to one space, Unicode NFC. Line breaks inside a
//! value are kept (a note may have paragraphs); spaces around them are not.

use std::borrow::Cow;
use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};

fn is_space(c: char) -> bool {
    c != '\n' && (c.is_whitespace() || matches!(c, '\u{200B}' | '\u{FEFF}' | '\u{2060}'))
}

/// Full-width and other compatibility forms folded to their plain form
/// (NFKC: `２０２４年５月２日` → `2024年5月2日`, `＋８６` → `+86`, ideographic
/// space → space) for the normalizers that read digits: dates, postal
/// codes, money. Borrows when the value has no full-width character.
pub fn fold_width(raw: &str) -> Cow<'_, str> {
    let wide =
        |c: char| matches!(c, '\u{FF01}'..='\u{FF5E}' | '\u{3000}' | '\u{FFE0}'..='\u{FFE6}');
    if raw.is_ascii() || !raw.chars().any(wide) {
        Cow::Borrowed(raw)
    } else {
        Cow::Owned(raw.nfkc().collect())
    }
}

/// Cleans a text value; borrows when nothing changes (the common case).
pub fn clean(raw: &str) -> Cow<'_, str> {
    let needs_nfc = !raw.is_ascii() && is_nfc_quick(raw.chars()) != IsNormalized::Yes;
    if !needs_nfc && is_clean(raw) {
        return Cow::Borrowed(raw);
    }
    let mut out = String::with_capacity(raw.len());
    let mut pending_space = false;
    for c in raw.chars() {
        if c == '\r' {
            continue;
        }
        if c == '\n' {
            while out.ends_with(' ') {
                out.pop();
            }
            out.push('\n');
            pending_space = false;
        } else if is_space(c) {
            pending_space = !out.is_empty() && !out.ends_with('\n');
        } else {
            if pending_space {
                out.push(' ');
                pending_space = false;
            }
            out.push(c);
        }
    }
    let trimmed = out.trim_matches(|c: char| c == '\n' || c == ' ');
    let trimmed = if trimmed.len() == out.len() {
        out
    } else {
        trimmed.to_string()
    };
    if needs_nfc {
        Cow::Owned(trimmed.nfc().collect())
    } else {
        Cow::Owned(trimmed)
    }
}

fn is_clean(raw: &str) -> bool {
    if raw.is_ascii() {
        return is_clean_ascii(raw.as_bytes());
    }
    if raw.starts_with(char::is_whitespace) || raw.ends_with(char::is_whitespace) {
        return false;
    }
    let mut previous = 'x';
    for c in raw.chars() {
        if c == '\r' || (c != ' ' && c != '\n' && is_space(c)) {
            return false;
        }
        let both_breaks = c == '\n' && previous == '\n';
        if matches!(c, ' ' | '\n') && matches!(previous, ' ' | '\n') && !both_breaks {
            return false;
        }
        previous = c;
    }
    true
}

/// The ASCII case of [`is_clean`] (most cells are ASCII).
fn is_clean_ascii(bytes: &[u8]) -> bool {
    let Some((&first, &last)) = bytes.first().zip(bytes.last()) else {
        return true;
    };
    if first.is_ascii_whitespace() || last.is_ascii_whitespace() {
        return false;
    }
    // Without a byte below 0x0E there is no tab, CR or line break, and two
    // spaces in a row are the only flaw left: both are looked for eight
    // bytes at a time (long notes and descriptions are most of the bytes).
    if has_control_byte(bytes) {
        return is_clean_ascii_bytewise(bytes);
    }
    !has_two_spaces(bytes)
}

/// [`is_clean_ascii`] past its first test, a byte at a time.
fn is_clean_ascii_bytewise(bytes: &[u8]) -> bool {
    let mut previous = b'x';
    for &b in bytes {
        match b {
            b'\t' | b'\r' | b'\x0b' | b'\x0c' => return false,
            b' ' if matches!(previous, b' ' | b'\n') => return false,
            b'\n' if previous == b' ' => return false,
            _ => {}
        }
        previous = b;
    }
    true
}

const ONES: u64 = u64::from_le_bytes([0x01; 8]);
const LOWS: u64 = u64::from_le_bytes([0x7F; 8]);
const HIGHS: u64 = u64::from_le_bytes([0x80; 8]);

fn word_at(bytes: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(bytes[at..at + 8].try_into().expect("eight bytes"))
}

/// Whether an ASCII value holds a byte below 0x0E.
fn has_control_byte(bytes: &[u8]) -> bool {
    let mut words = bytes.chunks_exact(8);
    for word in &mut words {
        let word = u64::from_le_bytes(word.try_into().expect("eight bytes"));
        // Non-zero exactly when some byte (all below 0x80) is below 0x0E.
        if word.wrapping_sub(ONES * 0x0E) & !word & HIGHS != 0 {
            return true;
        }
    }
    words.remainder().iter().any(|&b| b < 0x0E)
}

/// Whether two spaces stand side by side: words eight bytes wide taken
/// seven bytes apart, so every pair of neighbours lies inside one word.
fn has_two_spaces(bytes: &[u8]) -> bool {
    let mut at = 0;
    while at + 8 <= bytes.len() {
        let x = word_at(bytes, at) ^ (ONES * u64::from(b' '));
        // 0x80 in exactly the bytes that were spaces (no borrow between
        // bytes, unlike the shorter zero-byte test).
        let spaces = !(((x & LOWS) + LOWS) | x | LOWS);
        if spaces & (spaces >> 8) != 0 {
            return true;
        }
        at += 7;
    }
    bytes[at.min(bytes.len())..]
        .windows(2)
        .any(|pair| pair == b"  ")
}

#[cfg(test)]
mod tests {
    use super::clean;

    proptest::proptest! {
        /// The word-at-a-time tests answer what the byte loop answers, on
        /// ASCII text rich in spaces, breaks and control bytes.
        #[test]
        fn ascii_cleanliness_is_judged_as_byte_by_byte(
            text in proptest::prop_oneof![
                "[a \\n\\t\\r\\x0b\\x0c\\x01\\x0e\\x7f]{0,40}",
                "[ab ]{0,40}",
            ],
        ) {
            let bytes = text.as_bytes();
            let bytewise = match bytes.first().zip(bytes.last()) {
                None => true,
                Some((first, last)) if first.is_ascii_whitespace() || last.is_ascii_whitespace() => false,
                Some(_) => super::is_clean_ascii_bytewise(bytes),
            };
            proptest::prop_assert_eq!(super::is_clean_ascii(bytes), bytewise);
        }
    }

    #[test]
    fn cleans_whitespace_and_normalizes() {
        let cases = [
            ("  Acme   Corp ", "Acme Corp"),
            ("Acme\u{a0}Corp", "Acme Corp"),
            ("a\t\tb", "a b"),
            ("\u{3000}東京\u{3000}", "東京"),
            ("zero\u{200B}width", "zero width"),
            ("line one  \r\n  line two", "line one\nline two"),
            ("Cafe\u{301}", "Café"),
            ("\n\nx\n", "x"),
            ("", ""),
            ("   ", ""),
        ];
        for (raw, want) in cases {
            assert_eq!(clean(raw), want, "{raw:?}");
        }
    }

    #[test]
    fn clean_values_are_borrowed() {
        for raw in ["Acme Corp", "line one\nline two", "Müller", "x"] {
            assert!(
                matches!(clean(raw), std::borrow::Cow::Borrowed(_)),
                "{raw:?}"
            );
        }
    }
}
