//! Country → ISO 3166-1 alpha-2.
//!
//! Accepts alpha-2, alpha-3, the ISO English names (with or without their
//! parenthetical, `Korea (Republic of)` → `Korea`), and a table of common
//! variants and local names (`U.S.A.`, `UK`, `Deutschland`, `中国`, `日本`,
//! `Brasil`, `Россия` …). Matching ignores case, accents, dots, commas and
//! surrounding whitespace. Unknown spellings are rejected,
//! never guessed.

use rustc_hash::FxHashMap as HashMap;
use std::sync::OnceLock;
use unicode_normalization::UnicodeNormalization;

/// Variants and local names not covered by the ISO list.
const ALIASES: &[(&str, &str)] = &[
    // United States
    ("usa", "US"),
    ("us", "US"),
    ("u s a", "US"),
    ("united states", "US"),
    ("america", "US"),
    ("united states of america", "US"),
    ("estados unidos", "US"),
    ("etats unis", "US"),
    ("états unis", "US"),
    ("vereinigte staaten", "US"),
    ("美国", "US"),
    ("美國", "US"),
    ("アメリカ", "US"),
    ("アメリカ合衆国", "US"),
    ("eua", "US"),
    ("eeuu", "US"),
    // United Kingdom
    ("uk", "GB"),
    ("u k", "GB"),
    ("united kingdom", "GB"),
    ("great britain", "GB"),
    ("britain", "GB"),
    ("england", "GB"),
    ("scotland", "GB"),
    ("wales", "GB"),
    ("northern ireland", "GB"),
    ("gb", "GB"),
    ("英国", "GB"),
    ("英國", "GB"),
    ("イギリス", "GB"),
    ("royaume uni", "GB"),
    ("reino unido", "GB"),
    ("vereinigtes königreich", "GB"),
    ("grossbritannien", "GB"),
    ("großbritannien", "GB"),
    // China and neighbours
    ("china", "CN"),
    ("prc", "CN"),
    ("people's republic of china", "CN"),
    ("peoples republic of china", "CN"),
    ("中国", "CN"),
    ("中國", "CN"),
    ("中华人民共和国", "CN"),
    ("中華人民共和國", "CN"),
    ("中國大陸", "CN"),
    ("中国大陆", "CN"),
    ("mainland china", "CN"),
    ("chine", "CN"),
    ("volksrepublik china", "CN"),
    ("中国香港", "HK"),
    ("香港", "HK"),
    ("hong kong", "HK"),
    ("hong kong sar", "HK"),
    ("澳门", "MO"),
    ("澳門", "MO"),
    ("macau", "MO"),
    ("macao", "MO"),
    ("台湾", "TW"),
    ("台灣", "TW"),
    ("taiwan", "TW"),
    ("中国台湾", "TW"),
    ("republic of china", "TW"),
    ("japan", "JP"),
    ("日本", "JP"),
    ("nippon", "JP"),
    ("japon", "JP"),
    ("japão", "JP"),
    ("japao", "JP"),
    ("south korea", "KR"),
    ("korea", "KR"),
    ("republic of korea", "KR"),
    ("韩国", "KR"),
    ("韓国", "KR"),
    ("大韩民国", "KR"),
    ("north korea", "KP"),
    ("朝鲜", "KP"),
    ("新加坡", "SG"),
    ("马来西亚", "MY"),
    ("泰国", "TH"),
    ("越南", "VN"),
    ("vietnam", "VN"),
    ("viet nam", "VN"),
    ("印度", "IN"),
    ("印度尼西亚", "ID"),
    ("菲律宾", "PH"),
    ("澳大利亚", "AU"),
    ("新西兰", "NZ"),
    ("加拿大", "CA"),
    ("墨西哥", "MX"),
    ("巴西", "BR"),
    ("阿根廷", "AR"),
    ("俄罗斯", "RU"),
    ("德国", "DE"),
    ("德國", "DE"),
    ("法国", "FR"),
    ("法國", "FR"),
    ("意大利", "IT"),
    ("西班牙", "ES"),
    ("葡萄牙", "PT"),
    ("荷兰", "NL"),
    ("比利时", "BE"),
    ("瑞士", "CH"),
    ("奥地利", "AT"),
    ("瑞典", "SE"),
    ("挪威", "NO"),
    ("丹麦", "DK"),
    ("芬兰", "FI"),
    ("爱尔兰", "IE"),
    ("波兰", "PL"),
    ("土耳其", "TR"),
    ("以色列", "IL"),
    ("阿联酋", "AE"),
    ("沙特阿拉伯", "SA"),
    ("南非", "ZA"),
    ("埃及", "EG"),
    ("ドイツ", "DE"),
    ("フランス", "FR"),
    ("中国 (china)", "CN"),
    ("インド", "IN"),
    ("ブラジル", "BR"),
    ("ポルトガル", "PT"),
    ("スペイン", "ES"),
    ("イタリア", "IT"),
    ("カナダ", "CA"),
    ("オーストラリア", "AU"),
    ("メキシコ", "MX"),
    ("韓国", "KR"),
    ("オランダ", "NL"),
    ("スイス", "CH"),
    ("日本国", "JP"),
    ("英國", "GB"),
    ("中華民國", "TW"),
    ("印度尼西亞", "ID"),
    ("新加坡共和国", "SG"),
    ("brasilien", "BR"),
    ("mexiko", "MX"),
    ("kanada", "CA"),
    ("japón", "JP"),
    ("índia", "IN"),
    ("korea republic of", "KR"),
    ("russland", "RU"),
    ("russie", "RU"),
    // Europe, local names
    ("deutschland", "DE"),
    ("germany", "DE"),
    ("allemagne", "DE"),
    ("alemania", "DE"),
    ("alemanha", "DE"),
    ("brd", "DE"),
    ("bundesrepublik deutschland", "DE"),
    ("france", "FR"),
    ("république française", "FR"),
    ("republique francaise", "FR"),
    ("frankreich", "FR"),
    ("francia", "FR"),
    ("frança", "FR"),
    ("franca", "FR"),
    ("españa", "ES"),
    ("espana", "ES"),
    ("spain", "ES"),
    ("spanien", "ES"),
    ("espagne", "ES"),
    ("espanha", "ES"),
    ("italia", "IT"),
    ("italien", "IT"),
    ("italie", "IT"),
    ("itália", "IT"),
    ("portugal", "PT"),
    ("nederland", "NL"),
    ("netherlands", "NL"),
    ("the netherlands", "NL"),
    ("holland", "NL"),
    ("niederlande", "NL"),
    ("pays bas", "NL"),
    ("países bajos", "NL"),
    ("belgië", "BE"),
    ("belgique", "BE"),
    ("belgien", "BE"),
    ("schweiz", "CH"),
    ("suisse", "CH"),
    ("svizzera", "CH"),
    ("österreich", "AT"),
    ("oesterreich", "AT"),
    ("autriche", "AT"),
    ("sverige", "SE"),
    ("norge", "NO"),
    ("danmark", "DK"),
    ("suomi", "FI"),
    ("polska", "PL"),
    ("česko", "CZ"),
    ("czech republic", "CZ"),
    ("czechia", "CZ"),
    ("ελλάδα", "GR"),
    ("ellada", "GR"),
    ("greece", "GR"),
    ("magyarország", "HU"),
    ("éire", "IE"),
    ("eire", "IE"),
    ("россия", "RU"),
    ("russia", "RU"),
    ("türkiye", "TR"),
    ("turkey", "TR"),
    ("turkiye", "TR"),
    ("ukraina", "UA"),
    ("україна", "UA"),
    ("moldova", "MD"),
    ("macedonia", "MK"),
    ("kosovo", "XK"),
    ("vatican", "VA"),
    // Americas and elsewhere
    ("brasil", "BR"),
    ("brazil", "BR"),
    ("brésil", "BR"),
    ("méxico", "MX"),
    ("mexico", "MX"),
    ("perú", "PE"),
    ("bolivia", "BO"),
    ("venezuela", "VE"),
    ("canada", "CA"),
    ("canadá", "CA"),
    ("india", "IN"),
    ("bharat", "IN"),
    ("भारत", "IN"),
    ("indien", "IN"),
    ("inde", "IN"),
    ("iran", "IR"),
    ("syria", "SY"),
    ("laos", "LA"),
    ("tanzania", "TZ"),
    ("uae", "AE"),
    ("united arab emirates", "AE"),
    ("saudi arabia", "SA"),
    ("ksa", "SA"),
    ("south africa", "ZA"),
    ("rsa", "ZA"),
    ("ivory coast", "CI"),
    ("côte d'ivoire", "CI"),
    ("cote d'ivoire", "CI"),
    ("cape verde", "CV"),
    ("swaziland", "SZ"),
    ("burma", "MM"),
    ("east timor", "TL"),
    ("palestine", "PS"),
    ("brunei", "BN"),
    ("micronesia", "FM"),
    ("dr congo", "CD"),
    ("drc", "CD"),
    ("democratic republic of the congo", "CD"),
    ("republic of the congo", "CG"),
    ("congo", "CG"),
    ("the gambia", "GM"),
    ("gambia", "GM"),
    ("the bahamas", "BS"),
    ("bahamas", "BS"),
    ("st lucia", "LC"),
    ("saint lucia", "LC"),
    ("australia", "AU"),
    ("aus", "AU"),
    ("new zealand", "NZ"),
    ("aotearoa", "NZ"),
];

/// Lower case, accents removed (`République` → `republique`), punctuation
/// dropped, separators collapsed to one space, a leading `the ` removed.
fn fold_key(raw: &str) -> String {
    let mut key = String::with_capacity(raw.len());
    let mut last_space = true;
    let folded = raw
        .trim()
        .nfd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .flat_map(char::to_lowercase);
    for ch in folded {
        match ch {
            '.' | ',' | '(' | ')' => {}
            '-' | '_' | '/' | ' ' | '\u{a0}' | '\u{3000}' => {
                if !last_space {
                    key.push(' ');
                    last_space = true;
                }
            }
            _ => {
                key.push(ch);
                last_space = false;
            }
        }
    }
    if key.ends_with(' ') {
        key.pop();
    }
    key.strip_prefix("the ").map(str::to_string).unwrap_or(key)
}

fn table() -> &'static HashMap<String, &'static str> {
    static TABLE: OnceLock<HashMap<String, &'static str>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut map = HashMap::default();
        for country in rust_iso3166::ALL {
            map.insert(fold_key(country.alpha2), country.alpha2);
            map.insert(fold_key(country.alpha3), country.alpha2);
            map.insert(fold_key(country.name), country.alpha2);
            if let Some((short, _)) = country.name.split_once(" (") {
                map.entry(fold_key(short)).or_insert(country.alpha2);
            }
        }
        // Not in ISO 3166-1 but used by CRMs and phone metadata.
        map.insert("xk".into(), "XK");
        for (alias, code) in ALIASES {
            map.insert(fold_key(alias), code);
        }
        map
    })
}

/// Spellings as they are usually written (`US`, `Germany`, `中国`), looked up
/// before any folding: most values of a country column hit here.
fn verbatim() -> &'static HashMap<String, &'static str> {
    static VERBATIM: OnceLock<HashMap<String, &'static str>> = OnceLock::new();
    VERBATIM.get_or_init(|| {
        let mut map = HashMap::default();
        for country in rust_iso3166::ALL {
            for spelling in [country.alpha2, country.alpha3, country.name] {
                map.insert(spelling.to_string(), country.alpha2);
                map.insert(spelling.to_lowercase(), country.alpha2);
                map.insert(spelling.to_uppercase(), country.alpha2);
            }
        }
        for (alias, code) in ALIASES {
            // Aliases are stored lower-case; the first letter capitalized is
            // how names are usually written (`Deutschland`, `United States`).
            let mut title = String::with_capacity(alias.len());
            let mut up = true;
            for c in alias.chars() {
                if up {
                    title.extend(c.to_uppercase());
                } else {
                    title.push(c);
                }
                up = c == ' ';
            }
            map.insert(alias.to_string(), code);
            map.insert(alias.to_uppercase(), code);
            map.insert(title, code);
        }
        map
    })
}

/// Looks a country up; `None` when the spelling is unknown.
pub fn lookup(raw: &str) -> Option<&'static str> {
    let trimmed = raw.trim();
    if let Some(code) = verbatim().get(trimmed) {
        return Some(code);
    }
    table().get(&fold_key(trimmed)).copied()
}

/// Normalizes a country value to its alpha-2 code.
pub fn normalize(raw: &str) -> Result<&'static str, &'static str> {
    lookup(raw).ok_or("unknown country")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_names_and_variants() {
        let cases = [
            ("US", "US"),
            ("us", "US"),
            ("USA", "US"),
            ("U.S.A.", "US"),
            ("U.S.", "US"),
            ("United States", "US"),
            ("United States of America", "US"),
            ("美国", "US"),
            ("UK", "GB"),
            ("GBR", "GB"),
            ("United Kingdom", "GB"),
            ("England", "GB"),
            ("Great Britain", "GB"),
            ("中国", "CN"),
            ("China", "CN"),
            ("CHN", "CN"),
            ("P.R.C.", "CN"),
            ("中華人民共和國", "CN"),
            ("Deutschland", "DE"),
            ("Germany", "DE"),
            ("DEU", "DE"),
            ("deutschland ", "DE"),
            ("France", "FR"),
            ("FRA", "FR"),
            ("Frankreich", "FR"),
            ("日本", "JP"),
            ("Japan", "JP"),
            ("Brasil", "BR"),
            ("Brazil", "BR"),
            ("BRA", "BR"),
            ("Portugal", "PT"),
            ("PRT", "PT"),
            ("India", "IN"),
            ("IND", "IN"),
            ("भारत", "IN"),
            ("South Korea", "KR"),
            ("Korea (Republic of)", "KR"),
            ("Russian Federation", "RU"),
            ("Россия", "RU"),
            ("Viet Nam", "VN"),
            ("Vietnam", "VN"),
            ("The Netherlands", "NL"),
            ("Netherlands", "NL"),
            ("Côte d'Ivoire", "CI"),
            ("Türkiye", "TR"),
            ("Turkey", "TR"),
            ("España", "ES"),
            ("Österreich", "AT"),
            ("Schweiz", "CH"),
            ("香港", "HK"),
            ("Hong Kong", "HK"),
            ("台灣", "TW"),
            ("Taiwan", "TW"),
            ("Mexico", "MX"),
            ("México", "MX"),
            ("  canada  ", "CA"),
            ("new-zealand", "NZ"),
            ("Åland Islands", "AX"),
            ("Bolivia", "BO"),
        ];
        let mut failures = Vec::new();
        for (raw, want) in cases {
            if lookup(raw) != Some(want) {
                failures.push(format!("{raw:?} -> {:?}, want {want}", lookup(raw)));
            }
        }
        assert!(failures.is_empty(), "{failures:#?}");
    }

    #[test]
    fn accents_and_case_are_ignored() {
        for raw in [
            "République française",
            "REPUBLIQUE FRANCAISE",
            " république  française ",
        ] {
            assert_eq!(lookup(raw), Some("FR"), "{raw}");
        }
        assert_eq!(lookup("ESPANA"), Some("ES"));
        assert_eq!(lookup("osterreich"), Some("AT"));
    }

    #[test]
    fn unknown_is_rejected() {
        assert_eq!(normalize("Atlantis"), Err("unknown country"));
        assert_eq!(normalize("ZZ"), Err("unknown country"));
        assert_eq!(normalize(""), Err("unknown country"));
    }
}
