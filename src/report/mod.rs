//! Reports rendered from stage results: text for people, JSON for machines.
//! JSON reports carry a `version` field; fields are only ever added.

pub mod normalize;
pub mod profile;
pub mod validate;

/// Version of the JSON report layout.
pub const VERSION: u32 = 1;

/// Text made safe for a terminal or a log file: control characters (an
/// escape sequence that clears the screen or retitles the window, a
/// carriage return that overwrites the line) and the Unicode bidirectional
/// overrides that reorder what is shown become visible `\u{..}` escapes.
/// Line breaks and tabs of multi-line messages are kept.
pub fn escape_terminal(text: &str) -> std::borrow::Cow<'_, str> {
    let unsafe_char = |c: char| {
        (c.is_control() && c != '\n' && c != '\t')
            || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
    };
    if !text.chars().any(unsafe_char) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if unsafe_char(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Text made safe inside XML or HTML elements and attributes: markup
/// characters become entities, and control characters XML 1.0 cannot hold
/// become U+FFFD.
pub fn escape_markup(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Characters XML 1.0 cannot hold at all.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// Phase timings of a matching command, in order, ending with the total.
pub fn phase_timings(
    before: [(&'static str, std::time::Duration); 3],
    matching: &crate::matching::Stats,
    after: &[(&'static str, std::time::Duration)],
    total: std::time::Duration,
) -> Vec<(&'static str, std::time::Duration)> {
    let mut timings = before.to_vec();
    timings.extend(matching.timings.iter().copied());
    timings.extend_from_slice(after);
    timings.push(("total", total));
    timings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_is_escaped() {
        assert_eq!(
            escape_markup("a<b & \"c\" 'd'\u{1}"),
            "a&lt;b &amp; &quot;c&quot; &#39;d&#39;\u{fffd}"
        );
    }
}
