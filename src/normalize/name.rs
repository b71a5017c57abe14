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

/// A full name's given and family name, and whether the split is certain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameParts {
    pub given: String,
    pub family: String,
    /// False when the split is one reading of several (`Gabriel García
    /// Márquez`, an unspaced 4-character CJK name): fine for an import
    /// field that must be filled, not for a golden record's own fields.
    pub certain: bool,
}

/// Chinese two-character family names (复姓).
const COMPOUND_SURNAMES: &[&str] = &[
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒",
    "令狐", "夏侯", "轩辕", "端木", "独孤", "南宫", "西门", "百里", "呼延", "澹台", "司空", "钟离",
    "歐陽", "諸葛", "東方", "長孫", "軒轅", "獨孤", "鍾離",
];

fn is_cjk_char(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x9FFF | 0xF900..=0xFAFF | 0x3040..=0x30FF | 0xAC00..=0xD7AF)
        || c == '·'
}

/// Splits a full name as written, titles removed: `Smith, John`; `John
/// Smith`; `Ludwig van Beethoven` (particles stay with the family name);
/// CJK family name first — `鈴木 翼` at its space, `王伟` and `王小明` after
/// one character, `欧阳娜娜` after a compound surname. A single word is a
/// family name (what an import that requires one needs).
pub fn split_full(full: &str) -> NameParts {
    let untitled = strip_titles(full);
    let full = untitled.as_deref().unwrap_or(full).trim();
    let parts = |given: &str, family: &str, certain: bool| NameParts {
        given: given.trim().to_string(),
        family: family.trim().to_string(),
        certain,
    };
    if full.is_empty() {
        return parts("", "", true);
    }
    if full.chars().any(is_cjk_char) && full.chars().all(|c| is_cjk_char(c) || c.is_whitespace()) {
        let words: Vec<&str> = full.split_whitespace().collect();
        if let [family, given] = words[..] {
            return parts(given, family, true);
        }
        if words.len() > 2 {
            return parts("", full, false);
        }
        if let Some(compound) = COMPOUND_SURNAMES
            .iter()
            .find(|s| full.starts_with(**s) && full.chars().count() > 2)
        {
            return parts(&full[compound.len()..], compound, true);
        }
        let count = full.chars().count();
        let first_len = full.chars().next().map_or(0, char::len_utf8);
        // Kana or four characters: Japanese (2 + 1, 2 + 2) or a compound
        // name we do not know — one reading of several.
        let kana = full.chars().any(|c| matches!(c as u32, 0x3040..=0x30FF));
        if (2..=3).contains(&count) && !kana {
            return parts(&full[first_len..], &full[..first_len], true);
        }
        // Not knowing where the family name ends, the whole name is the
        // family name (an importer's last name keeps it intact).
        return parts("", full, false);
    }
    if let Some((family, given)) = full.split_once(',') {
        return parts(given, family, !given.trim().is_empty());
    }
    let words: Vec<&str> = full.split_whitespace().collect();
    match words.len() {
        1 => parts("", words[0], false),
        2 => parts(words[0], words[1], true),
        n => {
            // The family name starts at the first particle after the first
            // word (`Juan Carlos de la Cruz`), else it is the last word.
            let start = (1..n - 1)
                .find(|&k| PARTICLES.contains(&words[k].to_lowercase().as_str()))
                .unwrap_or(n - 1);
            parts(
                &words[..start].join(" "),
                &words[start..].join(" "),
                start < n - 1,
            )
        }
    }
}

/// A full name from its parts: `John Smith`; CJK (Chinese, Japanese,
/// Korean) family name first without a space: `王伟`, `김민준`. An empty part
/// is left out (`Smith`).
pub fn join_full(given: &str, family: &str) -> String {
    let (given, family) = (given.trim(), family.trim());
    let cjk = |s: &str| !s.is_empty() && s.chars().all(is_cjk_char);
    if cjk(given) && cjk(family) {
        format!("{family}{given}")
    } else {
        [given, family]
            .iter()
            .filter(|s| !s.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::{join_full, normalize, split_full};

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

    #[test]
    fn full_names_split_where_it_is_certain() {
        let split = |s: &str| {
            let p = split_full(s);
            (p.given, p.family, p.certain)
        };
        let yes = |g: &str, f: &str| (g.to_string(), f.to_string(), true);
        let maybe = |g: &str, f: &str| (g.to_string(), f.to_string(), false);
        assert_eq!(split("John Smith"), yes("John", "Smith"));
        assert_eq!(split("Smith, John"), yes("John", "Smith"));
        assert_eq!(split("Dr. John Smith"), yes("John", "Smith"));
        assert_eq!(
            split("Ludwig van Beethoven"),
            yes("Ludwig", "van Beethoven")
        );
        assert_eq!(
            split("Juan Carlos de la Cruz"),
            yes("Juan Carlos", "de la Cruz")
        );
        assert_eq!(
            split("Gabriel García Márquez"),
            maybe("Gabriel García", "Márquez")
        );
        assert_eq!(split("Madonna"), maybe("", "Madonna"));
        assert_eq!(split("王伟"), yes("伟", "王"));
        assert_eq!(split("王小明"), yes("小明", "王"));
        assert_eq!(split("欧阳娜娜"), yes("娜娜", "欧阳"));
        assert_eq!(split("鈴木 翼様"), yes("翼", "鈴木"));
        assert_eq!(split("김민준"), yes("민준", "김"));
        assert_eq!(split("佐々木希"), maybe("", "佐々木希"));
        assert_eq!(split("さとう はなこ"), yes("はなこ", "さとう"));
        assert_eq!(split("司马相如"), yes("相如", "司马"));
        assert_eq!(split("田中太郎"), maybe("", "田中太郎"));
        assert_eq!(join_full("伟", "王"), "王伟");
        assert_eq!(join_full("민준", "김"), "김민준");
        assert_eq!(join_full("John", "Smith"), "John Smith");
        assert_eq!(join_full("", "Smith"), "Smith");
    }
}
