//! Person names: trimmed, whitespace collapsed, and re-cased only when the
//! value is all upper or all lower case (a name typed with intent, like
//! `DeShawn` or `da Silva`, is left alone). Casing knows `Mc`/`Mac`, `O'`,
//! hyphenated names and lower-case particles (`van der Berg`, `de la Cruz`,
//! `da Silva`, `von`). Honorifics (`Dr.`, `Mr`, `Mrs`, `先生`, `女士`) are removed
//! only when a rule asks (`strip-honorifics = true`). Scripts without case
//! (Chinese, Japanese) pass through.

use std::borrow::Cow;

const PARTICLES: &[&str] = &[
    "van", "der", "den", "de", "la", "le", "du", "da", "das", "dos", "do", "di", "del", "della",
    "von", "zu", "ten", "ter", "y", "e", "bin", "al",
];

const HONORIFICS: &[&str] = &[
    "mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "madam", "mme", "mlle", "m", "herr",
    "frau", "sr", "sra", "srta", "dott", "ing",
];

const CJK_HONORIFICS: &[&str] = &[
    "先生", "女士", "小姐", "老师", "博士", "教授", "经理", "总", "様", "さん", "殿", "님", "씨",
];

/// The name without its titles (`Ms. Erica` → `Erica`, `鈴木 翼様` →
/// `鈴木 翼`); `None` when it has none.
pub fn without_titles(value: &str) -> Option<String> {
    strip_titles(value)
}

/// Normalizes a name; `strip_honorifics` removes titles.
pub fn normalize(raw: &str, strip_honorifics: bool) -> Cow<'_, str> {
    let cleaned = super::text::clean(raw);
    let mut value: Cow<'_, str> = cleaned;
    if strip_honorifics {
        if let Some(stripped) = strip_titles(&value) {
            value = Cow::Owned(stripped);
        }
    }
    let has_upper = value.chars().any(char::is_uppercase);
    let has_lower = value.chars().any(char::is_lowercase);
    if has_upper == has_lower {
        // Mixed case was typed on purpose; no cased letters at all (CJK) → as is.
        return value;
    }
    Cow::Owned(recase(&value))
}

fn strip_titles(value: &str) -> Option<String> {
    let mut words: Vec<&str> = value.split(' ').collect();
    let mut changed = false;
    while words.len() > 1 {
        let first = words[0].trim_end_matches('.').to_lowercase();
        if HONORIFICS.contains(&first.as_str()) {
            words.remove(0);
            changed = true;
        } else {
            break;
        }
    }
    let mut joined = words.join(" ");
    for title in CJK_HONORIFICS {
        if let Some(stripped) = joined.strip_suffix(title) {
            if !stripped.trim().is_empty() {
                joined = stripped.trim_end().to_string();
                changed = true;
            }
        }
    }
    changed.then_some(joined)
}

fn recase(value: &str) -> String {
    let lower = value.to_lowercase();
    let mut out = String::with_capacity(value.len());
    for (index, word) in lower.split(' ').enumerate() {
        if index > 0 {
            out.push(' ');
        }
        if index > 0 && PARTICLES.contains(&word) {
            out.push_str(word);
        } else {
            recase_word(word, &mut out);
        }
    }
    out
}

/// Capitalizes each part of a word split at `-` and `'`, with `Mc`/`Mac`.
fn recase_word(word: &str, out: &mut String) {
    let mut capitalize_next = true;
    let mut part_start = out.len();
    for c in word.chars() {
        if capitalize_next && c.is_alphabetic() {
            out.extend(c.to_uppercase());
            capitalize_next = false;
        } else {
            out.push(c);
        }
        if matches!(c, '-' | '\'' | '’' | '.') {
            capitalize_next = true;
            part_start = out.len();
        }
        let part = &out[part_start..];
        if (part == "Mc" || (part == "Mac" && word.len() > 5 && !word.ends_with("mac")))
            && !capitalize_next
        {
            capitalize_next = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn recases_all_caps_and_all_lower() {
        let cases = [
            ("JOHN SMITH", "John Smith"),
            ("john smith", "John Smith"),
            ("MCDONALD", "McDonald"),
            ("o'brien", "O'Brien"),
            ("MARY-JANE WATSON", "Mary-Jane Watson"),
            ("VAN DER BERG", "Van der Berg"),
            ("jan van der berg", "Jan van der Berg"),
            ("maria da silva", "Maria da Silva"),
            ("MACDONALD", "MacDonald"),
            ("ÉMILE ZOLA", "Émile Zola"),
            ("josé de la cruz", "José de la Cruz"),
            ("  ANNA   MÜLLER ", "Anna Müller"),
            ("j. r. r. tolkien", "J. R. R. Tolkien"),
        ];
        for (raw, want) in cases {
            assert_eq!(normalize(raw, false), want, "{raw}");
        }
    }

    #[test]
    fn intentional_casing_and_cjk_are_kept() {
        for raw in [
            "DeShawn Jones",
            "Leonardo da Vinci",
            "McKenzie",
            "王伟",
            "山田 太郎",
            "Mack",
        ] {
            assert_eq!(normalize(raw, false), raw, "{raw}");
        }
        assert_eq!(normalize("MACK", false), "Mack");
    }

    #[test]
    fn honorifics_only_when_asked() {
        assert_eq!(normalize("Dr. Jane Doe", false), "Dr. Jane Doe");
        assert_eq!(normalize("Dr. Jane Doe", true), "Jane Doe");
        assert_eq!(normalize("MR JOHN SMITH", true), "John Smith");
        assert_eq!(normalize("王先生", true), "王");
        assert_eq!(normalize("张伟 女士", true), "张伟");
        assert_eq!(normalize("Dr", true), "Dr");
    }
}
