//! Placeholders: values that mean "no value" (`N/A`, `NULL`, `-`, `无` …).
//! They become empty cells; the audit keeps the original.

const PLACEHOLDERS: &[&str] = &[
    "n/a",
    "na",
    "n.a.",
    "#n/a",
    "null",
    "nil",
    "none",
    "-",
    "--",
    "---",
    "?",
    "unknown",
    "not available",
    "not applicable",
    "(null)",
    "(blank)",
    "<null>",
    "nan",
    "undefined",
    "tbd",
    "xxx",
    "无",
    "暂无",
    "空",
    "未知",
    "不详",
    "/",
    "—",
    "–",
    ".",
];

/// Is `value` (trimmed or not) a placeholder? `extra` holds rule-file
/// additions, compared case-insensitively.
pub fn is_placeholder(value: &str, extra: &[String]) -> bool {
    let value = value.trim();
    if value.is_empty() || value.len() > LONGEST {
        return extra
            .iter()
            .any(|p| p.trim().to_lowercase() == value.to_lowercase())
            && !value.is_empty();
    }
    // Every built-in placeholder is ASCII or caseless (CJK), so lower-casing
    // ASCII into a stack buffer gives an exact, allocation-free comparison.
    let mut buffer = [0u8; LONGEST];
    let lower = &mut buffer[..value.len()];
    lower.copy_from_slice(value.as_bytes());
    lower.make_ascii_lowercase();
    let builtin = std::str::from_utf8(lower).is_ok_and(|lower| PLACEHOLDERS.contains(&lower));
    builtin
        || (!extra.is_empty()
            && extra
                .iter()
                .any(|p| p.trim().to_lowercase() == value.to_lowercase()))
}

/// Length in bytes of the longest built-in placeholder.
const LONGEST: usize = 16;

#[cfg(test)]
mod tests {
    use super::is_placeholder;

    #[test]
    fn recognizes_placeholders() {
        for v in [
            "N/A", "n/a", "NULL", "null", "-", "none", "None", "#N/A", "无", " N/A ", "NaN", "—",
            "unknown",
        ] {
            assert!(is_placeholder(v, &[]), "{v}");
        }
        for v in ["", "Nancy", "nab", "0", "no", "Anna", "-5", "N/A N/A"] {
            assert!(!is_placeholder(v, &[]), "{v}");
        }
        assert!(is_placeholder("TBC", &["tbc".into()]));
    }
}
