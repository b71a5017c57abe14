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
    if value.is_empty() {
        return false;
    }
    is_builtin(value) || extra.iter().any(|p| same_ignoring_case(p.trim(), value))
}

/// Case-insensitive equality that allocates only for non-ASCII text (rule
/// placeholders are checked against every cell).
fn same_ignoring_case(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        a.eq_ignore_ascii_case(b)
    } else {
        a.to_lowercase() == b.to_lowercase()
    }
}

/// This runs for every cell, so it rejects on the first byte when it can and
/// compares ASCII case-insensitively without allocating (every built-in
/// placeholder is ASCII or caseless CJK).
fn is_builtin(value: &str) -> bool {
    let bytes = value.as_bytes();
    if bytes.len() > LONGEST {
        return false;
    }
    let first = bytes[0].to_ascii_lowercase();
    if first.is_ascii()
        && !matches!(
            first,
            b'n' | b'#' | b'-' | b'?' | b'u' | b'(' | b'<' | b't' | b'x' | b'/' | b'.'
        )
    {
        return false;
    }
    PLACEHOLDERS
        .iter()
        .any(|p| p.len() == bytes.len() && p.as_bytes().eq_ignore_ascii_case(bytes))
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
        assert!(is_placeholder(" Unbekannt ", &["unbekannt".into()]));
        assert!(is_placeholder("ÜBERALL", &["überall".into()]));
        assert!(!is_placeholder("TBD-1", &["tbd".into()]));
    }
}
