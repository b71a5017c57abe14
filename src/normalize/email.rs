//! E-mail addresses: trimmed, `mailto:` and angle brackets removed, lower-cased.
//! Syntax is checked (one `@`, a sane local part, a dotted domain with
//! alphanumeric labels, no spaces); an invalid address is rejected and kept
//! raw. Provider-specific canonical keys (gmail dots, `+tags`) are a matching
//! concern and are not applied to the written value.

use std::borrow::Cow;

pub fn normalize(raw: &str) -> Result<Cow<'_, str>, &'static str> {
    let mut value = raw.trim();
    if let Some(rest) = value
        .strip_prefix("mailto:")
        .or_else(|| value.strip_prefix("MAILTO:"))
    {
        value = rest.trim();
    }
    // `"John Smith" <john@x.com>` → the address inside the brackets.
    if let (Some(open), true) = (value.rfind('<'), value.ends_with('>')) {
        value = value[open + 1..value.len() - 1].trim();
    }
    let value = value.trim_end_matches(['.', ',', ';']);
    validate(value)?;
    if value.len() == raw.len() && !value.bytes().any(|b| b.is_ascii_uppercase()) {
        Ok(Cow::Borrowed(raw))
    } else {
        Ok(Cow::Owned(value.to_lowercase()))
    }
}

fn validate(value: &str) -> Result<(), &'static str> {
    let (local, domain) = value
        .rsplit_once('@')
        .ok_or("not an e-mail address (no @)")?;
    if local.is_empty() || local.len() > 64 || local.contains('@') {
        return Err("invalid e-mail local part");
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return Err("invalid e-mail local part");
    }
    let local_ok = local
        .chars()
        .all(|c| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
    if !local_ok {
        return Err("invalid e-mail local part");
    }
    if domain.len() > 253 || !domain.contains('.') {
        return Err("invalid e-mail domain");
    }
    for label in domain.split('.') {
        let ok = !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(|c| c.is_alphanumeric() || c == '-');
        if !ok {
            return Err("invalid e-mail domain");
        }
    }
    let tld = domain.rsplit('.').next().unwrap_or("");
    if tld.len() < 2 || tld.chars().all(|c| c.is_ascii_digit()) {
        return Err("invalid e-mail domain");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn valid_addresses_are_lower_cased_and_trimmed() {
        let cases = [
            ("John.Smith@Example.COM", "john.smith@example.com"),
            ("  anna@firma.de ", "anna@firma.de"),
            ("mailto:Bob@x.org", "bob@x.org"),
            ("\"John Smith\" <John@X.com>", "john@x.com"),
            ("o'brien+crm@mail.co.uk", "o'brien+crm@mail.co.uk"),
            ("wang.wei@qq.com", "wang.wei@qq.com"),
            ("user@sub-domain.example.io.", "user@sub-domain.example.io"),
            ("josé@exemplo.com.br", "josé@exemplo.com.br"),
            ("用户@例子.中国", "用户@例子.中国"),
        ];
        for (raw, want) in cases {
            assert_eq!(normalize(raw).as_deref(), Ok(want), "{raw}");
        }
    }

    #[test]
    fn invalid_addresses_are_rejected() {
        for raw in [
            "john.smith",
            "john@",
            "@example.com",
            "john@example",
            "john smith@example.com",
            "john@@x.com",
            "john..smith@x.com",
            ".john@x.com",
            "john@-x.com",
            "john@x..com",
            "john@x.c",
            "john@1.2.3.4",
            "john@exa mple.com",
            "john@example.com, mary@example.com",
            "N/A",
        ] {
            assert!(normalize(raw).is_err(), "{raw}");
        }
    }
}
