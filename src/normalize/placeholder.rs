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

/// Is `value` (already trimmed by the caller or not) a placeholder?
/// `extra` holds rule-file additions, compared case-insensitively.
pub fn is_placeholder(value: &str, extra: &[String]) -> bool {
    let value = value.trim();
    if value.is_empty() || value.len() > 16 {
        return false;
    }
    // Every built-in placeholder is ASCII or caseless (CJK), so an ASCII
    // case-insensitive comparison is exact and allocation-free.
    PLACEHOLDERS.iter().any(|p| p.eq_ignore_ascii_case(value))
        || extra
            .iter()
            .any(|p| p.to_lowercase() == value.to_lowercase())
}

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
