//! Text encoding detection and decoding for CSV/TSV input.
//!
//! Order of evidence: a byte-order mark wins (UTF-8, UTF-16LE/BE); then input
//! that is valid UTF-8 is UTF-8. Input that is *not* valid UTF-8 is weighed
//! line by line over the whole file: when lines that only UTF-8 explains
//! (three or more multi-byte characters, all valid) are more than a chance
//! share of the lines with invalid bytes, the file is UTF-8 with errors — a
//! few damaged bytes never turn a UTF-8 file into Windows-1252 mojibake.
//! Only when the evidence is legacy throughout does `chardetng` guess among
//! legacy encodings (GBK/GB18030 and Windows-1252 are the ones CRM exports
//! use), and the guess is flagged so the summary can say so.
//! Decoding never silently replaces bytes: if the chosen encoding cannot map
//! some bytes, the caller learns the line and byte of the first bad one.

use encoding_rs::{Encoding, GB18030, UTF_16BE, UTF_16LE, UTF_8, WINDOWS_1252};
use std::borrow::Cow;

/// The result of decoding: the text and the name of the encoding used.
pub struct Decoded<'a> {
    pub text: Cow<'a, str>,
    pub encoding: &'static str,
    /// 1-based line of the first byte that could not be decoded, if any.
    pub first_bad_line: Option<usize>,
    /// 0-based offset in the file of that byte.
    pub first_bad_byte: Option<usize>,
    /// A legacy encoding was guessed from the content (no BOM, not UTF-8).
    pub guessed: bool,
    /// For UTF-8 with errors: how many lines were damaged.
    pub bad_lines: usize,
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
pub(crate) fn utf8(bytes: &[u8]) -> Result<&str, std::str::Utf8Error> {
    simdutf8::basic::from_utf8(bytes).or_else(|_| std::str::from_utf8(bytes))
}

/// Decodes `bytes`, detecting the encoding unless `forced` is given.
pub fn decode<'a>(bytes: &'a [u8], forced: Option<&'static Encoding>) -> Decoded<'a> {
    let mut guessed = false;
    let (encoding, body, bom_len) = match forced {
        Some(enc) => match Encoding::for_bom(bytes) {
            Some((bom_enc, len)) if bom_enc == enc => (enc, &bytes[len..], len),
            _ => (enc, bytes, 0),
        },
        None => match Encoding::for_bom(bytes) {
            Some((enc, bom_len)) => (enc, &bytes[bom_len..], bom_len),
            // No BOM: valid UTF-8 is UTF-8 (validated once, here).
            None => match utf8(bytes) {
                Ok(text) => return clean(text, "UTF-8"),
                Err(_) => {
                    let evidence = Evidence::of(bytes);
                    if evidence.is_utf8_with_errors() {
                        (UTF_8, bytes, 0)
                    } else {
                        guessed = true;
                        (guess_legacy(bytes), bytes, 0)
                    }
                }
            },
        },
    };
    if encoding == UTF_8 {
        return match utf8(body) {
            Ok(text) => clean(text, "UTF-8"),
            Err(err) => {
                let bad_at = err.valid_up_to();
                Decoded {
                    text: String::from_utf8_lossy(body),
                    encoding: "UTF-8",
                    first_bad_line: Some(line_of(body, bad_at)),
                    first_bad_byte: Some(bom_len + bad_at),
                    guessed: false,
                    bad_lines: Evidence::of(body).bad_lines,
                }
            }
        };
    }
    let (text, had_errors) = encoding.decode_without_bom_handling(body);
    let (first_bad_line, first_bad_byte) = if had_errors {
        let (line, byte) = first_unmappable(encoding, body);
        (Some(line), Some(bom_len + byte))
    } else {
        (None, None)
    };
    Decoded {
        text: Cow::Owned(text.into_owned()),
        encoding: display_name(encoding),
        first_bad_line,
        first_bad_byte,
        guessed,
        bad_lines: 0,
    }
}

fn clean<'a>(text: &'a str, encoding: &'static str) -> Decoded<'a> {
    Decoded {
        text: Cow::Borrowed(text),
        encoding,
        first_bad_line: None,
        first_bad_byte: None,
        guessed: false,
        bad_lines: 0,
    }
}

/// Line-by-line evidence for or against UTF-8 in a file that is not valid
/// UTF-8 as a whole.
#[derive(Debug, Default, PartialEq, Eq)]
struct Evidence {
    /// Lines with three or more multi-byte characters, all valid UTF-8:
    /// legacy text forms such lines only by rare chance (a GBK line of
    /// three hanzi about 0.3 % of the time, Windows-1252 practically never).
    utf8_lines: usize,
    /// Lines with bytes that are not valid UTF-8.
    bad_lines: usize,
}

impl Evidence {
    fn of(bytes: &[u8]) -> Evidence {
        let mut evidence = Evidence::default();
        for line in bytes.split(|&b| b == b'\n') {
            if line.is_ascii() {
                continue;
            }
            match std::str::from_utf8(line) {
                Ok(text) => {
                    if text.chars().filter(|c| !c.is_ascii()).nth(2).is_some() {
                        evidence.utf8_lines += 1;
                    }
                }
                Err(_) => evidence.bad_lines += 1,
            }
        }
        evidence
    }

    /// UTF-8 lines beyond what chance explains (2 % of the damaged lines)
    /// mean the file is UTF-8 and the rest is damage, not another encoding.
    fn is_utf8_with_errors(&self) -> bool {
        self.utf8_lines > 0 && self.utf8_lines * 50 > self.bad_lines
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

/// Finds the line and byte offset of the first undecodable byte by decoding
/// line by line. Only runs on the error path, so its cost does not matter.
fn first_unmappable(encoding: &'static Encoding, body: &[u8]) -> (usize, usize) {
    let mut decoder = encoding.new_decoder_without_bom_handling();
    let mut out = String::with_capacity(4096);
    let mut offset = 0;
    for (index, line) in body.split_inclusive(|&b| b == b'\n').enumerate() {
        out.clear();
        out.reserve(line.len() * 3 + 16);
        let (_, _, had_errors) = decoder.decode_to_string(line, &mut out, false);
        if had_errors {
            return (index + 1, offset);
        }
        offset += line.len();
    }
    (1, 0)
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
        assert_eq!(decoded.first_bad_byte, Some(5));
    }

    #[test]
    fn one_bad_byte_in_a_utf8_file_is_utf8_with_errors_not_a_legacy_file() {
        let mut text = String::from("id,street\n");
        for i in 0..20_000 {
            text.push_str(&format!("{i},长安街 {i} 号\n"));
        }
        let mut bytes = text.into_bytes();
        let at = bytes.len() / 10;
        let at = at + bytes[at..].iter().position(|&b| b == b'\n').unwrap() + 1;
        bytes.insert(at, 0xFF);
        let decoded = decode(&bytes, None);
        assert_eq!(decoded.encoding, "UTF-8");
        assert!(!decoded.guessed);
        assert_eq!(decoded.first_bad_byte, Some(at));
        assert_eq!(decoded.bad_lines, 1);
        assert_eq!(decoded.first_bad_line, Some(line_of(&bytes, at)));
        // Every other line decodes as written.
        assert!(decoded.text.contains("19999,长安街 19999 号"));
    }

    #[test]
    fn a_gbk_file_of_short_names_stays_gbk() {
        // Names of two or three hanzi: some happen to be valid UTF-8 byte
        // pairs, which must not outvote the file.
        let names = [
            "王伟",
            "张丽",
            "李娜",
            "刘洋",
            "陈静",
            "杨勇",
            "赵敏",
            "黄磊",
            "周杰",
            "吴霞",
            "徐明华",
            "孙建国",
        ];
        let mut text = String::from("姓名,城市\n");
        for i in 0..5_000 {
            text.push_str(&format!("{},北京\n", names[i % names.len()]));
        }
        let (bytes, _, _) = GB18030.encode(&text);
        let decoded = decode(&bytes, None);
        assert_eq!(decoded.encoding, "gb18030");
        assert!(decoded.guessed);
        assert!(decoded.first_bad_line.is_none());
    }

    #[test]
    fn labels_resolve() {
        assert_eq!(by_label("GBK"), Some(GB18030));
        assert_eq!(by_label("latin1"), Some(WINDOWS_1252));
        assert_eq!(by_label("utf-8"), Some(UTF_8));
        assert!(by_label("klingon").is_none());
    }
}
