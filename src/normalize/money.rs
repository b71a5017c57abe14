//! Money → a plain decimal with `.` (`$1,234.50` → `1234.50`,
//! `1.234,50 €` → `1234.50`, `R$ 99,90` → `99.90`, `(12.00)` → `-12.00`).
//!
//! Currency symbols and codes are dropped (a currency column, if any, keeps
//! the currency). Which of `.`/`,` is the decimal mark: with both, the last
//! one; with one that repeats, it groups thousands; a single `,` followed by
//! exactly three digits groups thousands, otherwise it is the decimal mark. The
//! digits written are kept (no rounding, no added decimals).

use std::borrow::Cow;

pub fn normalize(raw: &str) -> Result<Cow<'_, str>, &'static str> {
    if let Cow::Owned(folded) = super::text::fold_width(raw) {
        return normalize(&folded).map(|v| Cow::Owned(v.into_owned()));
    }
    let value = raw.trim();
    let (negative, body) = strip_sign(value);
    let number: String = body
        .chars()
        .filter(|c| c.is_ascii_digit() || matches!(c, '.' | ','))
        .collect();
    let junk = body.chars().any(|c| {
        !(c.is_ascii_digit()
            || matches!(c, '.' | ',' | ' ' | '\u{a0}' | '\u{202f}' | '\'' | '-')
            || is_currency(c))
    });
    if number.is_empty()
        || !number.bytes().any(|b| b.is_ascii_digit())
        || (junk && !has_currency_code(body))
    {
        return Err("not an amount");
    }
    let commas = number.matches(',').count();
    let dots = number.matches('.').count();
    let decimal = match (commas, dots) {
        (0, 0) => None,
        (_, 0) if commas > 1 => None,
        (1, 0) => {
            let after = number.len() - number.find(',').unwrap_or(0) - 1;
            if after == 3 {
                None
            } else {
                Some(',')
            }
        }
        (0, _) if dots > 1 => None,
        (0, 1) => Some('.'),
        _ => {
            let last_comma = number.rfind(',').unwrap_or(0);
            let last_dot = number.rfind('.').unwrap_or(0);
            let mark = if last_comma > last_dot { ',' } else { '.' };
            if number.matches(mark).count() > 1 {
                return Err("not an amount");
            }
            Some(mark)
        }
    };
    let mut out = String::with_capacity(number.len() + 1);
    if negative {
        out.push('-');
    }
    for c in number.chars() {
        match c {
            '0'..='9' => out.push(c),
            c if Some(c) == decimal => out.push('.'),
            _ => {}
        }
    }
    if out.ends_with('.') || out.starts_with('.') || out.starts_with("-.") {
        return Err("not an amount");
    }
    if out == value {
        Ok(Cow::Borrowed(value))
    } else {
        Ok(Cow::Owned(out))
    }
}

/// Accounting parentheses, a leading `-` (before or after the currency) or a
/// trailing `-` make the amount negative.
fn strip_sign(value: &str) -> (bool, &str) {
    if let Some(inner) = value.strip_prefix('(').and_then(|v| v.strip_suffix(')')) {
        return (true, inner);
    }
    if let Some(rest) = value.strip_suffix('-') {
        return (true, rest);
    }
    let first_digit = value
        .find(|c: char| c.is_ascii_digit())
        .unwrap_or(value.len());
    match value[..first_digit].find('-') {
        Some(_) => (true, value),
        None => (false, value),
    }
}

fn is_currency(c: char) -> bool {
    matches!(
        c,
        '$' | '€'
            | '£'
            | '¥'
            | '￥'
            | '₹'
            | '₩'
            | '₽'
            | '₺'
            | '元'
            | '円'
            | 'R'
            | '¢'
            | '₱'
            | '₫'
            | '₪'
    )
}

fn has_currency_code(body: &str) -> bool {
    let letters: String = body.chars().filter(|c| c.is_alphabetic()).collect();
    matches!(
        letters.to_ascii_uppercase().as_str(),
        "USD"
            | "EUR"
            | "GBP"
            | "CNY"
            | "RMB"
            | "JPY"
            | "BRL"
            | "INR"
            | "CHF"
            | "CAD"
            | "AUD"
            | "HKD"
            | "SGD"
            | "MXN"
            | "KRW"
            | "RUB"
            | "SEK"
            | "NOK"
            | "DKK"
            | "PLN"
            | "ZAR"
            | "TWD"
            | "NZD"
            | "RS"
            | "CHFR"
            | "A"
            | "C"
            | "US"
            | "HK"
            | "S"
            | "NT"
    )
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn amounts_in_many_locales() {
        let cases = [
            ("$1,234.50", "1234.50"),
            ("1.234,50 €", "1234.50"),
            ("R$ 99,90", "99.90"),
            ("1 234,50", "1234.50"),
            ("1,234", "1234"),
            ("1,5", "1.5"),
            ("12.5", "12.5"),
            ("1.234.567", "1234567"),
            ("1,234,567.89", "1234567.89"),
            ("CHF 1'234.50", "1234.50"),
            ("USD 1,234", "1234"),
            ("¥1,000", "1000"),
            ("￥1,000元", "1000"),
            ("-12.00", "-12.00"),
            ("(12.00)", "-12.00"),
            ("-$5.00", "-5.00"),
            ("£0.99", "0.99"),
            ("1234", "1234"),
            ("€ 2.500,00", "2500.00"),
            ("₹1,23,456.00", "123456.00"),
        ];
        for (raw, want) in cases {
            assert_eq!(normalize(raw).as_deref(), Ok(want), "{raw}");
        }
    }

    #[test]
    fn non_amounts_are_rejected() {
        for raw in ["abc", "", "$", "12 apples", "1.2.3,4,5", ".", "1,2,3.4.5"] {
            assert!(normalize(raw).is_err(), "{raw}");
        }
    }
}
