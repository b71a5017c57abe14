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

/// The ASCII case of [`is_clean`], byte by byte (most cells are ASCII).
fn is_clean_ascii(bytes: &[u8]) -> bool {
    let Some((&first, &last)) = bytes.first().zip(bytes.last()) else {
        return true;
    };
    if first.is_ascii_whitespace() || last.is_ascii_whitespace() {
        return false;
    }
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

#[cfg(test)]
mod tests {
    use super::clean;

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
