//! Text encoding detection and decoding for CSV/TSV input.
//!
//! Order of evidence: a byte-order mark wins (UTF-8, UTF-16LE/BE); then input
//! that is valid UTF-8 is UTF-8; otherwise `chardetng` guesses among legacy
//! encodings (GBK/GB18030 and Windows-1252 are the ones CRM exports use).
//! Decoding never silently replaces bytes: if the chosen encoding cannot map
//! some bytes, the caller learns the 1-based line of the first bad byte.

use encoding_rs::{Encoding, GB18030, UTF_16BE, UTF_16LE, UTF_8, WINDOWS_1252};
use std::borrow::Cow;

/// The result of decoding: the text and the name of the encoding used.
pub struct Decoded<'a> {
    pub text: Cow<'a, str>,
    pub encoding: &'static str,
    /// 1-based line of the first byte that could not be decoded, if any.
    pub first_bad_line: Option<usize>,
}

/// Resolves a user-supplied encoding label (`utf-8`, `gbk`, `latin1`, …).
pub fn by_label(label: &str) -> Option<&'static Encoding> {
    let label = label.trim().to_ascii_lowercase();
    match label.as_str() {
        "utf8" => Some(UTF_8),
        "latin1" | "latin-1" | "cp1252" => Some(WINDOWS_1252),
        "gbk" | "gb2312" | "gb18030" => Some(GB18030),
        "utf16" | "utf-16" => Some(UTF_16LE),
        _ => Encoding::for_label(label.as_bytes()),
    }
}

/// UTF-8 validation: simdutf8 for the common valid case (several times
/// faster than the standard library on non-ASCII text), the standard library
/// for the error position when the bytes are not UTF-8.
fn utf8(bytes: &[u8]) -> Result<&str, std::str::Utf8Error> {
    simdutf8::basic::from_utf8(bytes).or_else(|_| std::str::from_utf8(bytes))
}

/// Decodes `bytes`, detecting the encoding unless `forced` is given.
pub fn decode<'a>(bytes: &'a [u8], forced: Option<&'static Encoding>) -> Decoded<'a> {
    let (encoding, body) = match forced {
        Some(enc) => {
            let body = match Encoding::for_bom(bytes) {
                Some((bom_enc, len)) if bom_enc == enc => &bytes[len..],
                _ => bytes,
            };
            (enc, body)
        }
        None => match Encoding::for_bom(bytes) {
            Some((enc, bom_len)) => (enc, &bytes[bom_len..]),
            // No BOM: valid UTF-8 is UTF-8 (validated once, here).
            None => match utf8(bytes) {
                Ok(text) => {
                    return Decoded {
                        text: Cow::Borrowed(text),
                        encoding: "UTF-8",
                        first_bad_line: None,
                    }
                }
                Err(_) => (guess_legacy(bytes), bytes),
            },
        },
    };
    if encoding == UTF_8 {
        return match utf8(body) {
            Ok(text) => Decoded {
                text: Cow::Borrowed(text),
                encoding: "UTF-8",
                first_bad_line: None,
            },
            Err(err) => {
                let bad_at = err.valid_up_to();
                Decoded {
                    text: String::from_utf8_lossy(body),
                    encoding: "UTF-8",
                    first_bad_line: Some(line_of(body, bad_at)),
                }
            }
        };
    }
    let (text, had_errors) = encoding.decode_without_bom_handling(body);
    let first_bad_line = if had_errors {
        Some(first_unmappable_line(encoding, body))
    } else {
        None
    };
    Decoded {
        text: Cow::Owned(text.into_owned()),
        encoding: display_name(encoding),
        first_bad_line,
    }
}

/// Guesses the legacy encoding of text that is not UTF-8.
fn guess_legacy(bytes: &[u8]) -> &'static Encoding {
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    // A few MB are plenty to tell GBK from Windows-1252.
    let sample = &bytes[..bytes.len().min(4 << 20)];
    detector.feed(sample, sample.len() == bytes.len());
    let guess = detector.guess(None, chardetng::Utf8Detection::Deny);
    // GBK is a subset of GB18030; decode with the superset so nothing is lost.
    if guess.name() == "GBK" {
        GB18030
    } else {
        guess
    }
}

fn display_name(encoding: &'static Encoding) -> &'static str {
    if encoding == UTF_16LE {
        "UTF-16LE"
    } else if encoding == UTF_16BE {
        "UTF-16BE"
    } else {
        encoding.name()
    }
}

fn line_of(bytes: &[u8], offset: usize) -> usize {
    1 + bytes[..offset.min(bytes.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
}

/// Finds the line of the first undecodable byte by decoding line by line.
/// Only runs on the error path, so its cost does not matter.
fn first_unmappable_line(encoding: &'static Encoding, body: &[u8]) -> usize {
    let mut decoder = encoding.new_decoder_without_bom_handling();
    let mut out = String::with_capacity(4096);
    for (index, line) in body.split_inclusive(|&b| b == b'\n').enumerate() {
        out.clear();
        out.reserve(line.len() * 3 + 16);
        let (_, _, had_errors) = decoder.decode_to_string(line, &mut out, false);
        if had_errors {
            return index + 1;
        }
    }
    1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_with_bom_is_stripped() {
        let decoded = decode(b"\xEF\xBB\xBFname\nJos\xC3\xA9\n", None);
        assert_eq!(decoded.encoding, "UTF-8");
        assert_eq!(decoded.text, "name\nJosé\n");
    }

    #[test]
    fn utf16le_with_bom_is_decoded() {
        let mut bytes = vec![0xFF, 0xFE];
        for unit in "a,b\n1,2\n".encode_utf16() {
            bytes.extend_from_slice(&unit.to_le_bytes());
        }
        let decoded = decode(&bytes, None);
        assert_eq!(decoded.encoding, "UTF-16LE");
        assert_eq!(decoded.text, "a,b\n1,2\n");
    }

    #[test]
    fn gbk_is_detected() {
        let (bytes, _, _) =
            GB18030.encode("姓名,手机,城市\n王伟,13812345678,北京市\n张丽,13912345678,上海市\n");
        let decoded = decode(&bytes, None);
        assert_eq!(decoded.encoding, "gb18030");
        assert!(decoded.text.contains("王伟"));
        assert!(decoded.first_bad_line.is_none());
    }

    #[test]
    fn windows_1252_is_detected() {
        let bytes = b"name,city\nJos\xE9 M\xFCller,K\xF6ln\nFran\xE7ois,Orl\xE9ans\n";
        let decoded = decode(bytes, None);
        assert_eq!(decoded.encoding, "windows-1252");
        assert!(decoded.text.contains("José Müller"));
    }

    #[test]
    fn latin1_late_in_a_long_ascii_file_is_still_detected() {
        let mut bytes = b"name,city\n".to_vec();
        for _ in 0..100_000 {
            bytes.extend_from_slice(b"Smith,London\n");
        }
        bytes.extend_from_slice(b"Jos\xE9,K\xF6ln\n");
        let decoded = decode(&bytes, None);
        assert_eq!(decoded.encoding, "windows-1252");
        assert!(decoded.text.ends_with("José,Köln\n"));
    }

    #[test]
    fn forced_utf8_reports_line_of_bad_byte() {
        let decoded = decode(b"a\nb\nc\xFF\n", Some(UTF_8));
        assert_eq!(decoded.first_bad_line, Some(3));
    }

    #[test]
    fn labels_resolve() {
        assert_eq!(by_label("GBK"), Some(GB18030));
        assert_eq!(by_label("latin1"), Some(WINDOWS_1252));
        assert_eq!(by_label("utf-8"), Some(UTF_8));
        assert!(by_label("klingon").is_none());
    }
}
