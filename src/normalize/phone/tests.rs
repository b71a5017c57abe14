use super::*;

/// Where we deliberately go further than libphonenumber: the normalize issue
/// asks for Chinese extension markers (`转`), which libphonenumber rejects.
const BEYOND_LIBPHONENUMBER: &[(&str, &str)] =
    &[("138 1234 5678 转 123", "+8613812345678;ext=123")];

/// Every case of `fixtures/phones_reference.tsv` (expected values from
/// libphonenumber, see `scripts/phone_reference.py`) must agree.
#[test]
fn agrees_with_libphonenumber_reference() {
    let reference = include_str!("../../../fixtures/phones_reference.tsv");
    let mut failures = Vec::new();
    let mut cases = 0;
    for line in reference.lines().skip(1) {
        let mut fields = line.split('\t');
        let (raw, region_code, expected) = (
            fields.next().unwrap(),
            fields.next().unwrap(),
            fields.next().unwrap_or(""),
        );
        cases += 1;
        let expected = BEYOND_LIBPHONENUMBER
            .iter()
            .find(|(r, _)| *r == raw)
            .map_or(expected, |(_, ours)| *ours);
        let got = normalize(raw, region(region_code), ExtensionStyle::Rfc3966).unwrap_or_default();
        if got != expected {
            failures.push(format!(
                "{raw:?} [{region_code}] -> {got:?}, libphonenumber {expected:?}"
            ));
        }
    }
    assert!(cases > 100);
    assert!(
        failures.is_empty(),
        "{} of {cases} differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn clean_extracts_extensions_in_many_spellings() {
    let ext = |s: &str| clean(s).and_then(|c| c.extension);
    assert_eq!(ext("+1 415 555 0132 x123").as_deref(), Some("123"));
    assert_eq!(ext("650-253-0000 ext. 45").as_deref(), Some("45"));
    assert_eq!(ext("650-253-0000 extension 7").as_deref(), Some("7"));
    assert_eq!(ext("138 1234 5678 转 123").as_deref(), Some("123"));
    assert_eq!(ext("138 1234 5678转123").as_deref(), Some("123"));
    assert_eq!(ext("tel:+1-650-253-0000;ext=9").as_deref(), Some("9"));
    assert_eq!(ext("212 555 0100 #204").as_deref(), Some("204"));
    assert_eq!(ext("1-800-FLOWERS"), None);
}

#[test]
fn clean_handles_labels_fullwidth_and_vanity() {
    let c = clean("Mobile: +44 7911 123456").unwrap();
    assert!(c.plus);
    assert_eq!(c.digits, "447911123456");
    assert_eq!(
        clean("１３８１２３４５６７８").unwrap().digits,
        "13812345678"
    );
    assert_eq!(clean("1-800-FLOWERS").unwrap().digits, "18003569377");
    assert_eq!(clean("tel:+1-650-253-0000").unwrap().digits, "16502530000");
    assert!(clean("call me").is_none());
    assert!(clean("a@b.com").is_none());
    assert!(clean("").is_none());
}

#[test]
fn extension_styles() {
    let r = region("US");
    assert_eq!(
        normalize("415 555 0132 x12", r, ExtensionStyle::X).unwrap(),
        "+14155550132 x12"
    );
    assert_eq!(
        normalize("415 555 0132 x12", r, ExtensionStyle::Drop).unwrap(),
        "+14155550132"
    );
}

#[test]
fn missing_region_is_explained() {
    assert_eq!(
        normalize("+44 20 7946 0958", None, ExtensionStyle::Rfc3966).unwrap(),
        "+442079460958"
    );
    let err = normalize("020 7946 0958", None, ExtensionStyle::Rfc3966).unwrap_err();
    assert!(err.contains("default-region"), "{err}");
}

#[test]
fn cache_returns_same_answers() {
    let mut n = Normalizer::new(ExtensionStyle::Rfc3966);
    let us = region("US");
    let gb = region("GB");
    assert_eq!(n.normalize("020 7946 0958", gb), Ok("+442079460958"));
    assert!(n.normalize("020 7946 0958", us).is_err());
    assert_eq!(n.normalize("020 7946 0958", gb), Ok("+442079460958"));
}

#[test]
fn answers_stay_the_same_after_the_cache_switches_itself_off() {
    let mut n = Normalizer::new(ExtensionStyle::Rfc3966);
    let us = region("US");
    // More distinct numbers than the sample: the cache turns itself off.
    for i in 0..(Normalizer::SAMPLE + 10) {
        let raw = format!("(415) 555-{:04}", i % 10_000);
        let expected = format!("+1415555{:04}", i % 10_000);
        assert_eq!(n.normalize(&raw, us), Ok(expected.as_str()));
    }
    assert!(!n.caching);
    assert_eq!(
        n.normalize("020 7946 0958", region("GB")),
        Ok("+442079460958")
    );
    assert!(n.normalize("not a number", us).is_err());
}
