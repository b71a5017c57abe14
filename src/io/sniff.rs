//! Delimiter sniffing for delimited text.
//!
//! Counts each candidate (`,` `;` `\t` `|`) outside quotes on the first lines
//! and picks the one whose count is the same, and non-zero, on the most lines;
//! ties go to the higher count, then to the order above. A file with a single
//! column has no delimiter at all, so the fallback is `,`.

const CANDIDATES: [u8; 4] = [b',', b';', b'\t', b'|'];
const SAMPLE_LINES: usize = 50;

pub fn delimiter(text: &str) -> u8 {
    let lines = logical_lines(text, SAMPLE_LINES);
    if lines.is_empty() {
        return b',';
    }
    let mut best = (b',', 0usize, 0usize); // (delimiter, consistent lines, count)
    for &candidate in &CANDIDATES {
        let counts: Vec<usize> = lines
            .iter()
            .map(|l| count_outside_quotes(l, candidate))
            .collect();
        let header_count = counts[0];
        if header_count == 0 {
            continue;
        }
        let consistent = counts.iter().filter(|&&c| c == header_count).count();
        if consistent > best.1 || (consistent == best.1 && header_count > best.2) {
            best = (candidate, consistent, header_count);
        }
    }
    best.0
}

/// Whether `text`, the start of a longer file, holds every line
/// [`delimiter`] looks at: then the sniffed delimiter is the whole file's.
pub fn settled_by(text: &str) -> bool {
    let bytes = text.as_bytes();
    let (mut lines, mut start, mut in_quotes) = (0, 0, false);
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'"' => in_quotes = !in_quotes,
            b'\n' if !in_quotes => {
                if !text[start..i].trim_end_matches('\r').is_empty() {
                    lines += 1;
                    if lines == SAMPLE_LINES {
                        return true;
                    }
                }
                start = i + 1;
            }
            _ => {}
        }
    }
    false
}

/// Splits into lines, keeping quoted newlines inside a line.
fn logical_lines(text: &str, limit: usize) -> Vec<&str> {
    let mut lines = Vec::new();
    let bytes = text.as_bytes();
    let (mut start, mut in_quotes) = (0, false);
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'"' => in_quotes = !in_quotes,
            b'\n' if !in_quotes => {
                let line = text[start..i].trim_end_matches('\r');
                if !line.is_empty() {
                    lines.push(line);
                }
                start = i + 1;
                if lines.len() == limit {
                    return lines;
                }
            }
            _ => {}
        }
    }
    if start < text.len() && !text[start..].trim().is_empty() {
        lines.push(&text[start..]);
    }
    lines
}

fn count_outside_quotes(line: &str, delimiter: u8) -> usize {
    let mut in_quotes = false;
    let mut count = 0;
    for &b in line.as_bytes() {
        if b == b'"' {
            in_quotes = !in_quotes;
        } else if b == delimiter && !in_quotes {
            count += 1;
        }
    }
    count
}

#[cfg(test)]
mod tests {
    use super::delimiter;

    #[test]
    fn picks_comma() {
        assert_eq!(delimiter("a,b,c\n1,2,3\n"), b',');
    }

    #[test]
    fn picks_semicolon_even_with_decimal_commas() {
        assert_eq!(delimiter("name;amount\nAnna;1,50\nBen;2,75\n"), b';');
    }

    #[test]
    fn picks_tab_and_pipe() {
        assert_eq!(delimiter("a\tb\n1\t2\n"), b'\t');
        assert_eq!(delimiter("a|b|c\n1|2|3\n"), b'|');
    }

    #[test]
    fn ignores_delimiters_inside_quotes() {
        assert_eq!(
            delimiter("name;note\n\"Smith, John\";\"a, b, c\"\nX;Y\n"),
            b';'
        );
    }

    #[test]
    fn single_column_and_empty_default_to_comma() {
        assert_eq!(delimiter("email\na@b.com\n"), b',');
        assert_eq!(delimiter(""), b',');
    }
}
