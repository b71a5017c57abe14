//! `tidyrec-gen`: writes a synthetic, messy, multi-locale CRM export of any
//! size, and the ground truth for it — for benchmarks and accuracy checks, not
//! for users' data.
//!
//! Each row is a customer from one of 15 countries (US, GB, DE, FR, CN, JP,
//! PT, BR, IN, ES, IT, AU, CA, NL, MX), with values written the way that
//! country's exports write them: phones national, international, with `00`,
//! `(0)`, dots, dashes, `tel:`, extensions, full-width digits; dates in the
//! local order, with month names in the local language, `年月日`, `YYYYMMDD`,
//! Excel serials, ISO datetimes; countries as codes, English or local names;
//! e-mails in mixed case with stray spaces; placeholders and a few broken
//! values. The truth file gives, per row, the intended country, e-mail and ISO
//! dates (empty for placeholders; the raw value for deliberately broken ones).
//! Phone truth is computed from the raw values by libphonenumber itself in
//! `scripts/accuracy.py`, since "agrees with libphonenumber" is the target.
//!
//! With `--duplicates`, rows are records of people instead (see [`people`]):
//! about 30% of people appear 2–5 times with typos, nicknames, swapped
//! names, new e-mails, other phone spellings, moves; households share an
//! address and landline; common names recur. The truth file then gives each
//! row's entity, for pairwise precision/recall (`scripts/pairwise_f1.py`).
//!
//! With `--duplicates --golden-truth FILE`, also each entity's true values
//! (names, e-mail, mobile in E.164, birth date, street, city, postcode,
//! country): what a golden record should say (`scripts/golden_accuracy.py`).
//!
//! Usage: `tidyrec-gen --rows N [--seed S] [--duplicates [--golden-truth G.csv]] -o export.csv --truth truth.csv`

use tidyrec::rng::SplitMix;

/// Test-data randomness on the library's SplitMix64 (same seed, same file).
struct Rng(SplitMix);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(SplitMix(seed))
    }
    fn next(&mut self) -> u64 {
        self.0.next_u64()
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 1000 < percent * 10
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    fn digits(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b'0' + self.below(10) as u8))
            .collect()
    }
}

struct Locale {
    code: &'static str,
    spellings: &'static [&'static str],
    month_first: bool,
    first_names: &'static [&'static str],
    last_names: &'static [&'static str],
    cities: &'static [(&'static str, &'static str)],
    domains: &'static [&'static str],
    months: Option<&'static [&'static str; 12]>,
    /// Local month-name date pattern: `{d}`, `{m}`, `{y}`.
    month_pattern: &'static str,
}

const EN_MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const EN_ABBR: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const DE_MONTHS: [&str; 12] = [
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
];
const FR_MONTHS: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];
const PT_MONTHS: [&str; 12] = [
    "janeiro",
    "fevereiro",
    "março",
    "abril",
    "maio",
    "junho",
    "julho",
    "agosto",
    "setembro",
    "outubro",
    "novembro",
    "dezembro",
];
const ES_MONTHS: [&str; 12] = [
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
];
const IT_MONTHS: [&str; 12] = [
    "gennaio",
    "febbraio",
    "marzo",
    "aprile",
    "maggio",
    "giugno",
    "luglio",
    "agosto",
    "settembre",
    "ottobre",
    "novembre",
    "dicembre",
];

const LOCALES: &[Locale] = &[
    Locale {
        code: "US",
        spellings: &[
            "US",
            "USA",
            "U.S.A.",
            "United States",
            "united states",
            "U.S.",
            "United States of America",
            "us",
        ],
        month_first: true,
        first_names: &[
            "James",
            "Mary",
            "Robert",
            "Patricia",
            "John",
            "Jennifer",
            "Michael",
            "Linda",
            "David",
            "Elizabeth",
        ],
        last_names: &[
            "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis",
            "McDonald", "O'Brien",
        ],
        cities: &[
            ("New York", "10001"),
            ("Boston", "02134"),
            ("San Francisco", "94105"),
            ("Chicago", "60601"),
            ("Newark", "07102"),
        ],
        domains: &["gmail.com", "yahoo.com", "outlook.com", "acme.com"],
        months: Some(&EN_MONTHS),
        month_pattern: "{m} {d}, {y}",
    },
    Locale {
        code: "GB",
        spellings: &[
            "GB",
            "UK",
            "United Kingdom",
            "GBR",
            "England",
            "Great Britain",
            "U.K.",
        ],
        month_first: false,
        first_names: &[
            "Oliver", "Amelia", "George", "Isla", "Harry", "Ava", "Jack", "Emily",
        ],
        last_names: &[
            "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Evans", "Thomas",
        ],
        cities: &[
            ("London", "SW1A 1AA"),
            ("Manchester", "M1 1AE"),
            ("Leeds", "LS1 4AP"),
            ("Bristol", "BS1 4DJ"),
        ],
        domains: &[
            "btinternet.com",
            "gmail.com",
            "hotmail.co.uk",
            "example.co.uk",
        ],
        months: Some(&EN_MONTHS),
        month_pattern: "{d} {m} {y}",
    },
    Locale {
        code: "DE",
        spellings: &[
            "DE",
            "Deutschland",
            "Germany",
            "DEU",
            "germany",
            "DEUTSCHLAND",
        ],
        month_first: false,
        first_names: &[
            "Lukas",
            "Anna",
            "Maximilian",
            "Lea",
            "Paul",
            "Hannah",
            "Jonas",
            "Sophie",
        ],
        last_names: &[
            "Müller",
            "Schmidt",
            "Schneider",
            "Fischer",
            "Weber",
            "Meyer",
            "Wagner",
            "Becker",
        ],
        cities: &[
            ("Berlin", "10115"),
            ("München", "80331"),
            ("Hamburg", "20095"),
            ("Köln", "50667"),
        ],
        domains: &["web.de", "gmx.de", "t-online.de", "firma.de"],
        months: Some(&DE_MONTHS),
        month_pattern: "{d}. {m} {y}",
    },
    Locale {
        code: "FR",
        spellings: &["FR", "France", "FRA", "france", "République française"],
        month_first: false,
        first_names: &[
            "Gabriel", "Emma", "Léo", "Jade", "Raphaël", "Louise", "Arthur", "Alice",
        ],
        last_names: &[
            "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand",
        ],
        cities: &[
            ("Paris", "75008"),
            ("Lyon", "69001"),
            ("Marseille", "13001"),
            ("Toulouse", "31000"),
        ],
        domains: &["orange.fr", "free.fr", "laposte.net", "gmail.com"],
        months: Some(&FR_MONTHS),
        month_pattern: "{d} {m} {y}",
    },
    Locale {
        code: "CN",
        spellings: &[
            "CN",
            "中国",
            "China",
            "CHN",
            "中华人民共和国",
            "PRC",
            "china",
        ],
        month_first: false,
        first_names: &["伟", "芳", "娜", "敏", "静", "磊", "强", "洋"],
        last_names: &["王", "李", "张", "刘", "陈", "杨", "黄", "赵"],
        cities: &[
            ("北京", "100000"),
            ("上海", "200000"),
            ("广州", "510000"),
            ("深圳", "518000"),
        ],
        domains: &["qq.com", "163.com", "126.com", "sina.com"],
        months: None,
        month_pattern: "",
    },
    Locale {
        code: "JP",
        spellings: &["JP", "Japan", "日本", "JPN", "japan"],
        month_first: false,
        first_names: &["Haruto", "Yui", "Sota", "Hina", "Yuto", "Aoi"],
        last_names: &["Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Ito"],
        cities: &[
            ("Tokyo", "150-0001"),
            ("Osaka", "530-0001"),
            ("Kyoto", "600-8216"),
        ],
        domains: &["docomo.ne.jp", "yahoo.co.jp", "gmail.com"],
        months: None,
        month_pattern: "",
    },
    Locale {
        code: "PT",
        spellings: &["PT", "Portugal", "PRT", "portugal"],
        month_first: false,
        first_names: &["João", "Maria", "Francisco", "Beatriz", "Tomás", "Leonor"],
        last_names: &[
            "Silva", "Santos", "Ferreira", "Pereira", "Oliveira", "Costa",
        ],
        cities: &[
            ("Lisboa", "1000-001"),
            ("Porto", "4000-001"),
            ("Braga", "4700-001"),
        ],
        domains: &["sapo.pt", "gmail.com", "exemplo.pt"],
        months: Some(&PT_MONTHS),
        month_pattern: "{d} de {m} de {y}",
    },
    Locale {
        code: "BR",
        spellings: &["BR", "Brasil", "Brazil", "BRA", "brasil"],
        month_first: false,
        first_names: &["Miguel", "Helena", "Arthur", "Alice", "Heitor", "Laura"],
        last_names: &[
            "da Silva",
            "Santos",
            "Oliveira",
            "Souza",
            "Rodrigues",
            "Ferreira",
        ],
        cities: &[
            ("São Paulo", "01310-100"),
            ("Rio de Janeiro", "20040-002"),
            ("Curitiba", "80010-000"),
        ],
        domains: &["uol.com.br", "gmail.com", "bol.com.br"],
        months: Some(&PT_MONTHS),
        month_pattern: "{d} de {m} de {y}",
    },
    Locale {
        code: "IN",
        spellings: &["IN", "India", "IND", "india", "भारत"],
        month_first: false,
        first_names: &["Aarav", "Priya", "Vivaan", "Ananya", "Aditya", "Diya"],
        last_names: &["Sharma", "Verma", "Gupta", "Patel", "Singh", "Kumar"],
        cities: &[
            ("Mumbai", "400001"),
            ("Delhi", "110001"),
            ("Bengaluru", "560001"),
        ],
        domains: &["gmail.com", "rediffmail.com", "yahoo.co.in"],
        months: Some(&EN_MONTHS),
        month_pattern: "{d} {m} {y}",
    },
    Locale {
        code: "ES",
        spellings: &["ES", "España", "Spain", "ESP", "espana"],
        month_first: false,
        first_names: &["Hugo", "Lucía", "Martín", "Sofía", "Mateo", "Martina"],
        last_names: &[
            "García",
            "Fernández",
            "González",
            "Rodríguez",
            "López",
            "Martínez",
        ],
        cities: &[
            ("Madrid", "28013"),
            ("Barcelona", "08001"),
            ("Valencia", "46001"),
        ],
        domains: &["telefonica.es", "gmail.com", "correo.es"],
        months: Some(&ES_MONTHS),
        month_pattern: "{d} de {m} de {y}",
    },
    Locale {
        code: "IT",
        spellings: &["IT", "Italia", "Italy", "ITA"],
        month_first: false,
        first_names: &[
            "Leonardo",
            "Sofia",
            "Francesco",
            "Giulia",
            "Alessandro",
            "Aurora",
        ],
        last_names: &["Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano"],
        cities: &[("Roma", "00184"), ("Milano", "20121"), ("Napoli", "80133")],
        domains: &["libero.it", "gmail.com", "tiscali.it"],
        months: Some(&IT_MONTHS),
        month_pattern: "{d} {m} {y}",
    },
    Locale {
        code: "AU",
        spellings: &["AU", "Australia", "AUS", "australia"],
        month_first: false,
        first_names: &["Oliver", "Charlotte", "Noah", "Olivia", "William", "Mia"],
        last_names: &["Smith", "Jones", "Williams", "Brown", "Wilson", "Taylor"],
        cities: &[
            ("Sydney", "2000"),
            ("Melbourne", "3000"),
            ("Brisbane", "4000"),
        ],
        domains: &["bigpond.com", "gmail.com", "optusnet.com.au"],
        months: Some(&EN_MONTHS),
        month_pattern: "{d} {m} {y}",
    },
    Locale {
        code: "CA",
        spellings: &["CA", "Canada", "CAN", "canada"],
        month_first: false,
        first_names: &["Liam", "Olivia", "Noah", "Emma", "Lucas", "Charlotte"],
        last_names: &["Smith", "Brown", "Tremblay", "Martin", "Roy", "Wilson"],
        cities: &[
            ("Toronto", "M5V 2T6"),
            ("Montréal", "H2Y 1C6"),
            ("Vancouver", "V6B 1A1"),
        ],
        domains: &["rogers.com", "gmail.com", "videotron.ca"],
        months: Some(&EN_MONTHS),
        month_pattern: "{d} {m} {y}",
    },
    Locale {
        code: "NL",
        spellings: &[
            "NL",
            "Netherlands",
            "Nederland",
            "NLD",
            "The Netherlands",
            "Holland",
        ],
        month_first: false,
        first_names: &["Daan", "Emma", "Sem", "Julia", "Lucas", "Mila"],
        last_names: &[
            "de Jong",
            "Jansen",
            "de Vries",
            "van den Berg",
            "van Dijk",
            "Bakker",
        ],
        cities: &[
            ("Amsterdam", "1012 JS"),
            ("Rotterdam", "3011 AD"),
            ("Utrecht", "3511 LX"),
        ],
        domains: &["ziggo.nl", "gmail.com", "kpnmail.nl"],
        months: Some(&EN_MONTHS),
        month_pattern: "{d} {m} {y}",
    },
    Locale {
        code: "MX",
        spellings: &["MX", "México", "Mexico", "MEX"],
        month_first: false,
        first_names: &[
            "Santiago",
            "Sofía",
            "Mateo",
            "Valentina",
            "Sebastián",
            "Regina",
        ],
        last_names: &[
            "Hernández",
            "García",
            "Martínez",
            "López",
            "González",
            "Pérez",
        ],
        cities: &[
            ("Ciudad de México", "06000"),
            ("Guadalajara", "44100"),
            ("Monterrey", "64000"),
        ],
        domains: &["prodigy.net.mx", "gmail.com", "hotmail.com"],
        months: Some(&ES_MONTHS),
        month_pattern: "{d} de {m} de {y}",
    },
];

/// A date as (year, month, day).
type Ymd = (i32, u32, u32);

fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn random_date(rng: &mut Rng, from: i32, to: i32) -> Ymd {
    let y = from + rng.below((to - from + 1) as usize) as i32;
    let m = 1 + rng.below(12) as u32;
    let d = 1 + rng.below(days_in_month(y, m) as usize) as u32;
    (y, m, d)
}

fn iso((y, m, d): Ymd) -> String {
    format!("{y:04}-{m:02}-{d:02}")
}

/// Days since 1899-12-30 (Excel serial).
fn excel_serial((y, m, d): Ymd) -> i64 {
    let days_from_civil = |y: i64, m: i64, d: i64| {
        let y = if m <= 2 { y - 1 } else { y };
        let era = if y >= 0 { y } else { y - 399 } / 400;
        let yoe = y - era * 400;
        let mp = (m + 9) % 12;
        let doy = (153 * mp + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    };
    days_from_civil(y as i64, m as i64, d as i64) - days_from_civil(1899, 12, 30)
}

/// Writes a date the way `locale` writes it; returns (raw, truth).
fn render_date(rng: &mut Rng, locale: &Locale, date: Ymd, with_time: bool) -> (String, String) {
    let (y, m, d) = date;
    let truth = iso(date);
    let roll = rng.below(100);
    if roll < 3 {
        // Placeholders: the truth is an empty cell.
        return (
            rng.pick(&["N/A", "", "-", "null", "unknown"]).to_string(),
            String::new(),
        );
    }
    if with_time && roll < 15 {
        let (h, mi, s) = (rng.below(24), rng.below(60), rng.below(60));
        return match rng.below(3) {
            0 => (
                format!("{truth}T{h:02}:{mi:02}:{s:02}Z"),
                format!("{truth}T{h:02}:{mi:02}:{s:02}Z"),
            ),
            1 => (
                format!("{truth} {h:02}:{mi:02}"),
                format!("{truth}T{h:02}:{mi:02}:00"),
            ),
            _ => (
                format!("{truth}T{h:02}:{mi:02}:{s:02}+08:00"),
                format!("{truth}T{h:02}:{mi:02}:{s:02}+08:00"),
            ),
        };
    }
    let raw = match (locale.code, roll) {
        (_, 3..=8) => truth.clone(),
        (_, 9..=11) => format!("{y:04}{m:02}{d:02}"),
        (_, 12..=14) if y >= 1928 => excel_serial(date).to_string(),
        ("CN", _) | ("JP", _) => match rng.below(4) {
            0 => format!("{y}年{m}月{d}日"),
            1 => format!("{y}/{m}/{d}"),
            2 => format!("{y}/{m:02}/{d:02}"),
            _ => format!("{y}-{m:02}-{d:02}"),
        },
        _ => {
            let numeric_sep = match locale.code {
                "DE" | "NL" => ".",
                "IN" => "-",
                _ => "/",
            };
            let (a, b) = if locale.month_first { (m, d) } else { (d, m) };
            match rng.below(10) {
                0..=3 => format!("{a:02}{numeric_sep}{b:02}{numeric_sep}{y}"),
                4 | 5 => format!("{a}{numeric_sep}{b}{numeric_sep}{y}"),
                6 => format!("{a}{numeric_sep}{b}{numeric_sep}{:02}", y % 100),
                7 | 8 => match locale.months {
                    Some(months) => {
                        let day = if locale.code == "FR" && d == 1 {
                            "1er".to_string()
                        } else {
                            d.to_string()
                        };
                        locale
                            .month_pattern
                            .replace("{d}", &day)
                            .replace("{m}", months[(m - 1) as usize])
                            .replace("{y}", &y.to_string())
                    }
                    None => truth.clone(),
                },
                _ => format!("{d}-{}-{y}", EN_ABBR[(m - 1) as usize]),
            }
        }
    };
    // Two-digit years follow Excel's pivot (00–29 → 20xx); the generator only
    // writes them for years where that is right.
    if raw.len() < 10 && raw.matches(['/', '.', '-']).count() == 2 && !(1930..=2029).contains(&y) {
        return (truth.clone(), truth);
    }
    (raw, truth)
}

fn grouped(digits: &str, rng: &mut Rng, sep: &str) -> String {
    let sizes: &[usize] = match digits.len() {
        0..=7 => &[3, 4],
        8 => &[4, 4],
        9 => &[3, 3, 3],
        10 => &[3, 3, 4],
        _ => &[3, 4, 4],
    };
    let mut out = String::new();
    let mut pos = 0;
    for (i, size) in sizes.iter().enumerate() {
        if pos >= digits.len() {
            break;
        }
        let end = if i == sizes.len() - 1 {
            digits.len()
        } else {
            (pos + size).min(digits.len())
        };
        if i > 0 {
            out.push_str(if rng.chance(90) { sep } else { " " });
        }
        out.push_str(&digits[pos..end]);
        pos = end;
    }
    out
}

fn fullwidth(value: &str) -> String {
    value
        .chars()
        .map(|c| match c {
            '0'..='9' => char::from_u32(c as u32 - '0' as u32 + 0xFF10).unwrap_or(c),
            '+' => '＋',
            _ => c,
        })
        .collect()
}

/// A phone number of `locale` written in one of many ways (raw only: truth is
/// libphonenumber's reading of it).
fn render_phone(rng: &mut Rng, locale: &Locale, mobile: bool) -> String {
    let nsn = phone_nsn(rng, locale, mobile);
    format_phone(rng, locale, &nsn, mobile, false)
}

/// A valid national significant number of `locale` (mobile or fixed line).
fn phone_nsn(rng: &mut Rng, locale: &Locale, mobile: bool) -> String {
    let meta = phonenumber::metadata::DATABASE
        .by_id(locale.code)
        .expect("metadata");
    let descriptors = meta.descriptors();
    let desc = if mobile {
        descriptors.mobile()
    } else {
        descriptors.fixed_line()
    };
    let example = desc.and_then(|d| d.example()).unwrap_or("2015550123");
    // Vary up to 7 subscriber digits, as many as keep the number valid: real
    // numbers are one person's (or one household's), so a file of millions
    // of people must not reuse a few thousand numbers among strangers.
    let region = tidyrec::normalize::phone::region(locale.code);
    for vary in [7usize, 6, 5] {
        let keep = example.len().saturating_sub(vary).max(1);
        for _ in 0..16 {
            let candidate = format!("{}{}", &example[..keep], rng.digits(example.len() - keep));
            let valid = tidyrec::normalize::phone::normalize(
                &candidate,
                region,
                tidyrec::normalize::phone::ExtensionStyle::Drop,
            )
            .is_ok();
            if valid {
                return candidate;
            }
        }
    }
    let keep = example.len().saturating_sub(4);
    format!("{}{}", &example[..keep], rng.digits(example.len() - keep))
}

/// `nsn` written in one of many ways; `international` forces a `+CC` form
/// (for rows whose country is blank, read with the default region).
fn format_phone(
    rng: &mut Rng,
    locale: &Locale,
    nsn: &str,
    mobile: bool,
    international: bool,
) -> String {
    let nsn = nsn.to_string();
    let meta = phonenumber::metadata::DATABASE
        .by_id(locale.code)
        .expect("metadata");
    let cc = meta.country_code();
    let trunk = meta.national_prefix().unwrap_or("");
    let sep = *rng.pick(&[" ", "-", ".", " "]);
    let roll = if international {
        2 + rng.below(28)
    } else {
        rng.below(100)
    };
    let mut raw = match roll {
        0..=1 => {
            return rng
                .pick(&["N/A", "", "-", "none", "call me", "12345"])
                .to_string()
        }
        2..=21 => format!("+{cc} {}", grouped(&nsn, rng, sep)),
        22..=29 => format!("+{cc}{nsn}"),
        30..=33 => format!("00{cc} {}", grouped(&nsn, rng, " ")),
        34..=36 if !trunk.is_empty() && locale.code != "US" && locale.code != "CA" => {
            format!("+{cc} ({trunk}){}", grouped(&nsn, rng, " "))
        }
        37..=39 => format!("tel:+{cc}-{}", grouped(&nsn, rng, "-")),
        40..=44 if locale.code == "US" || locale.code == "CA" => {
            format!("({}) {}-{}", &nsn[..3], &nsn[3..6], &nsn[6..])
        }
        45..=47 if locale.code == "US" => format!("1-{}", grouped(&nsn, rng, "-")),
        _ => {
            let national = if locale.code == "CN" && mobile {
                nsn.clone()
            } else {
                format!("{trunk}{nsn}")
            };
            grouped(&national, rng, sep)
        }
    };
    if rng.chance(2) {
        raw.push_str(&format!(
            " {}{}",
            rng.pick(&["x", "ext. ", "ext "]),
            10 + rng.below(990)
        ));
    }
    if (locale.code == "CN" || locale.code == "JP") && rng.chance(3) {
        raw = fullwidth(&raw);
    }
    if rng.chance(2) {
        raw = format!(" {raw} ");
    }
    raw
}

fn ascii_fold(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'á' | 'à' | 'ã' | 'â' | 'ä' => 'a',
            'é' | 'è' | 'ê' => 'e',
            'í' => 'i',
            'ó' | 'ô' | 'õ' | 'ö' => 'o',
            'ú' | 'ü' => 'u',
            'ç' => 'c',
            'ñ' => 'n',
            c => c,
        })
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_lowercase()
}

/// The export's columns, in both modes.
const HEADERS: [&str; 20] = [
    "Customer ID",
    "First Name",
    "Last Name",
    "Email",
    "Mobile",
    "Phone",
    "Country",
    "Date of Birth",
    "Created At",
    "Last Purchase Date",
    "Street",
    "City",
    "Postcode",
    "Company",
    "Email Opt Out",
    "Lifetime Value",
    "Orders",
    "Lead Source",
    "Gender",
    "Notes",
];

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let rows: usize = value("--rows")
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let seed: u64 = value("--seed").and_then(|v| v.parse().ok()).unwrap_or(1);
    let (Some(output), Some(truth_path)) = (value("-o"), value("--truth")) else {
        eprintln!(
            "usage: tidyrec-gen --rows N [--seed S] [--duplicates] -o export.csv --truth truth.csv"
        );
        std::process::exit(2);
    };
    let result = if args.iter().any(|a| a == "--duplicates") {
        people::generate(
            rows,
            seed,
            &output,
            &truth_path,
            value("--golden-truth").as_deref(),
        )
    } else {
        generate(rows, seed, &output, &truth_path)
    };
    if let Err(err) = result {
        eprintln!("error: {err}");
        std::process::exit(2);
    }
}

fn generate(rows: usize, seed: u64, output: &str, truth_path: &str) -> std::io::Result<()> {
    let mut rng = Rng::new(seed);
    let mut out = csv::Writer::from_writer(std::io::BufWriter::new(std::fs::File::create(output)?));
    let mut truth =
        csv::Writer::from_writer(std::io::BufWriter::new(std::fs::File::create(truth_path)?));
    out.write_record(HEADERS).map_err(std::io::Error::other)?;
    truth
        .write_record([
            "row",
            "country",
            "email",
            "date_of_birth",
            "created_at",
            "last_purchase_date",
        ])
        .map_err(std::io::Error::other)?;
    for row in 0..rows {
        let locale = &LOCALES[rng.below(LOCALES.len())];
        let first = *rng.pick(locale.first_names);
        let last = *rng.pick(locale.last_names);
        let (first_raw, last_raw) = match rng.below(10) {
            0 => (first.to_uppercase(), last.to_uppercase()),
            1 => (first.to_lowercase(), last.to_lowercase()),
            2 => (format!(" {first}"), format!("{last}  ")),
            _ => (first.to_string(), last.to_string()),
        };
        // E-mail: the truth is the trimmed, lower-cased address.
        let domain = *rng.pick(locale.domains);
        let local = if locale.code == "CN" {
            format!("user{}", rng.digits(6))
        } else {
            format!(
                "{}.{}{}",
                ascii_fold(first),
                ascii_fold(last),
                rng.below(100)
            )
        };
        let email_truth = format!("{local}@{domain}");
        let (email_raw, email_truth) = match rng.below(100) {
            0 => ("N/A".to_string(), String::new()),
            1 => (String::new(), String::new()),
            2 => {
                let broken = format!("{local}@{}", domain.replace('.', ""));
                (broken.clone(), broken)
            }
            3..=20 => (email_truth.to_uppercase(), email_truth),
            21..=30 => (format!(" {} ", capitalize_email(&email_truth)), email_truth),
            31..=33 => (format!("mailto:{email_truth}"), email_truth),
            _ => (email_truth.clone(), email_truth),
        };
        let (country_raw, country_truth) = match rng.below(100) {
            0 => (String::new(), String::new()),
            _ => {
                let spelling = rng.pick(locale.spellings).to_string();
                let spelling = if rng.chance(5) {
                    format!(" {spelling} ")
                } else {
                    spelling
                };
                (spelling, locale.code.to_string())
            }
        };
        // Rows without a country are read with the default region (US): give
        // them US data so the truth stays meaningful.
        let locale = if country_truth.is_empty() {
            &LOCALES[0]
        } else {
            locale
        };
        let mobile = render_phone(&mut rng, locale, true);
        let phone = if rng.chance(60) {
            render_phone(&mut rng, locale, false)
        } else {
            String::new()
        };
        let dob = random_date(&mut rng, 1940, 2005);
        let created = random_date(&mut rng, 2015, 2026);
        let purchase = random_date(&mut rng, 2018, 2026);
        let (dob_raw, dob_truth) = render_date(&mut rng, locale, dob, false);
        let (created_raw, created_truth) = render_date(&mut rng, locale, created, true);
        let (purchase_raw, purchase_truth) = render_date(&mut rng, locale, purchase, false);
        let (city, postcode) = *rng.pick(locale.cities);
        let postcode = if locale.code == "US" && postcode.starts_with('0') && rng.chance(30) {
            postcode.trim_start_matches('0').to_string()
        } else {
            postcode.to_string()
        };
        let street = format!(
            "{} {}",
            1 + rng.below(200),
            rng.pick(&[
                "Main St",
                "High Street",
                "Hauptstraße",
                "Rue de la Paix",
                "Rua Augusta",
                "长安街"
            ])
        );
        let company = rng
            .pick(&[
                "Acme Inc.",
                "Globex GmbH",
                "Initech Ltd",
                "  Umbrella  Corp ",
                "阿里巴巴有限公司",
                "",
                "N/A",
            ])
            .to_string();
        let opt_out = rng
            .pick(&[
                "yes", "no", "Y", "N", "true", "false", "1", "0", "是", "否", "ja", "nein", "",
                "oui",
            ])
            .to_string();
        let amount = rng.below(1_000_000) as f64 / 100.0;
        let value = match rng.below(5) {
            0 => format!("${amount:.2}"),
            1 => format!("{} €", format!("{amount:.2}").replace('.', ",")),
            2 => format!("{amount:.2}"),
            3 => format!("R$ {}", format!("{amount:.2}").replace('.', ",")),
            _ => format!("¥{}", amount as u64),
        };
        let orders = rng.below(50).to_string();
        let source = rng
            .pick(&[
                "Web",
                "Trade show",
                "Referral",
                "  Partner ",
                "N/A",
                "Cold call",
            ])
            .to_string();
        let gender = rng
            .pick(&["F", "M", "", "female", "male", "女", "男"])
            .to_string();
        let notes = rng
            .pick(&[
                "",
                "",
                "VIP",
                "call after 5pm",
                "prefers e-mail:  see history",
                "=cmd|' /C calc'!A0",
                "重要客户",
            ])
            .to_string();
        out.write_record([
            format!("C{:07}", row + 1),
            first_raw,
            last_raw,
            email_raw,
            mobile,
            phone,
            country_raw,
            dob_raw,
            created_raw,
            purchase_raw,
            street,
            city.to_string(),
            postcode,
            company,
            opt_out,
            value,
            orders,
            source,
            gender,
            notes,
        ])
        .map_err(std::io::Error::other)?;
        truth
            .write_record([
                (row + 1).to_string(),
                country_truth,
                email_truth,
                dob_truth,
                created_truth,
                purchase_truth,
            ])
            .map_err(std::io::Error::other)?;
    }
    out.flush()?;
    truth.flush()?;
    Ok(())
}

fn capitalize_email(email: &str) -> String {
    let mut out = String::with_capacity(email.len());
    let mut up = true;
    for c in email.chars() {
        out.extend(if up {
            c.to_uppercase().collect::<Vec<_>>()
        } else {
            vec![c]
        });
        up = matches!(c, '.' | '@');
    }
    out
}

/// People mode: records of people, some of them several times.
mod people {
    use super::*;

    const NICKNAMES: &[(&str, &str)] = &[
        ("Robert", "Bob"),
        ("William", "Bill"),
        ("Elizabeth", "Liz"),
        ("Margaret", "Peggy"),
        ("James", "Jim"),
        ("Michael", "Mike"),
        ("Katherine", "Kate"),
        ("Thomas", "Tom"),
        ("Richard", "Rick"),
        ("Jennifer", "Jen"),
        ("Christopher", "Chris"),
        ("Daniel", "Dan"),
        ("Alexander", "Alex"),
        ("Joseph", "Joe"),
        ("Matthew", "Matt"),
        ("John", "Jack"),
        ("David", "Dave"),
        ("Patricia", "Pat"),
        ("Francisco", "Paco"),
        ("Alessandro", "Sandro"),
        ("Johannes", "Hans"),
        ("Nicholas", "Nick"),
        ("Samantha", "Sam"),
        ("Rebecca", "Becky"),
    ];

    /// Real given names for the long tail of Western locales.
    const GIVEN: &[&str] = &[
        "Robert",
        "William",
        "Elizabeth",
        "Margaret",
        "Katherine",
        "Thomas",
        "Richard",
        "Christopher",
        "Daniel",
        "Alexander",
        "Joseph",
        "Matthew",
        "Nicholas",
        "Samantha",
        "Rebecca",
        "Olivia",
        "Emma",
        "Sophia",
        "Isabella",
        "Charlotte",
        "Amelia",
        "Harper",
        "Evelyn",
        "Abigail",
        "Emily",
        "Ella",
        "Scarlett",
        "Grace",
        "Chloe",
        "Victoria",
        "Lucas",
        "Henry",
        "Benjamin",
        "Theodore",
        "Samuel",
        "Oliver",
        "Elijah",
        "Sebastian",
        "Julian",
        "Gabriel",
        "Isaac",
        "Anthony",
        "Andrew",
        "Joshua",
        "Nathan",
        "Aaron",
        "Hannah",
        "Natalie",
        "Zoe",
        "Leah",
        "Hazel",
        "Violet",
        "Aurora",
        "Savannah",
        "Audrey",
        "Brooklyn",
        "Bella",
        "Claire",
        "Lucy",
        "Paisley",
        "Anna",
        "Caroline",
        "Nova",
        "Genesis",
        "Felix",
        "Hugo",
        "Arthur",
        "Louis",
        "Oscar",
        "Leon",
        "Paul",
        "Simon",
        "Marco",
        "Luca",
        "Matteo",
        "Pablo",
        "Diego",
        "Javier",
        "Carmen",
        "Lucia",
        "Sofia",
        "Marta",
    ];

    const SURNAME_HEADS: &[&str] = &[
        "Ash", "Bel", "Black", "Brad", "Brook", "Cal", "Car", "Chad", "Clay", "Cole", "Dal", "Dun",
        "El", "Fair", "Fern", "Gar", "Glen", "Hal", "Har", "Hart", "Hol", "Kel", "Kings", "Lang",
        "Lin", "Mar", "Mid", "Mor", "New", "Nor", "Ock", "Pem", "Ral", "Red", "Ros", "Rut", "Sal",
        "Shel", "Stan", "Stock", "Sut", "Thorn", "Wal", "War", "Wes", "Whit", "Win", "Wood", "Wyn",
        "York",
    ];
    const SURNAME_TAILS: &[&str] = &[
        "ton", "ford", "ley", "wood", "by", "man", "son", "well", "more", "field", "worth", "ham",
        "wick", "stone", "bridge", "dale", "brook", "hurst", "land", "croft",
    ];
    const CN_FAMILY: &str = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤";
    const CN_GIVEN: &str = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华玉萍红鹏建飞鑫宇浩然欣怡梓涵子轩晨曦思雨嘉";

    /// One of the first `n` items, small indexes much more likely (a rough
    /// Zipf: a few very common names, a long tail).
    fn pick_str(rng: &mut Rng, items: &[&'static str]) -> &'static str {
        items[rng.below(items.len())]
    }

    fn zipf(rng: &mut Rng, n: usize) -> usize {
        let bound = rng.below(n) + 1;
        rng.below(bound)
    }

    fn name_pair(rng: &mut Rng, locale: &Locale) -> (String, String) {
        if locale.code == "CN" {
            let family: Vec<char> = CN_FAMILY.chars().collect();
            let given: Vec<char> = CN_GIVEN.chars().collect();
            let last = family[zipf(rng, family.len())].to_string();
            let mut first = given[rng.below(given.len())].to_string();
            if rng.chance(60) {
                first.push(given[rng.below(given.len())]);
            }
            return (first, last);
        }
        let first = if rng.chance(35) {
            rng.pick(locale.first_names).to_string()
        } else {
            GIVEN[zipf(rng, GIVEN.len())].to_string()
        };
        let last = if rng.chance(35) {
            rng.pick(locale.last_names).to_string()
        } else {
            format!(
                "{}{}",
                SURNAME_HEADS[zipf(rng, SURNAME_HEADS.len())],
                SURNAME_TAILS[rng.below(SURNAME_TAILS.len())]
            )
        };
        (first, last)
    }

    struct Person {
        locale: &'static Locale,
        first: String,
        last: String,
        email_local: String,
        domain: &'static str,
        mobile: String,
        landline: Option<String>,
        dob: Ymd,
        street: String,
        city: usize,
        company: &'static str,
    }

    fn street(rng: &mut Rng) -> String {
        format!(
            "{} {}",
            1 + rng.below(400),
            rng.pick(&[
                "Main St",
                "High Street",
                "Hauptstraße",
                "Rue de la Paix",
                "Rua Augusta",
                "长安街",
                "Oak Avenue",
                "Park Road",
                "Church Lane",
                "Station Rd",
                "Victoria Street",
                "Mill Lane",
            ])
        )
    }

    fn email_local(rng: &mut Rng, locale: &Locale, first: &str, last: &str) -> String {
        if locale.code == "CN" {
            format!("user{}", rng.digits(7))
        } else {
            // A mailbox is one person's: the number after the name comes
            // from a space large enough that namesakes rarely share one.
            format!(
                "{}.{}{}",
                ascii_fold(first),
                ascii_fold(last),
                rng.below(100_000)
            )
        }
    }

    impl Person {
        fn new(rng: &mut Rng) -> Person {
            let locale = &LOCALES[rng.below(LOCALES.len())];
            let (first, last) = name_pair(rng, locale);
            let email_local = email_local(rng, locale, &first, &last);
            Person {
                locale,
                domain: pick_str(rng, locale.domains),
                mobile: phone_nsn(rng, locale, true),
                landline: rng.chance(50).then(|| phone_nsn(rng, locale, false)),
                dob: random_date(rng, 1940, 2005),
                street: street(rng),
                city: rng.below(locale.cities.len()),
                company: pick_str(
                    rng,
                    &[
                        "Acme Inc.",
                        "Globex GmbH",
                        "Initech Ltd",
                        "阿里巴巴有限公司",
                        "",
                        "",
                        "",
                    ],
                ),
                first,
                last,
                email_local,
            }
        }

        /// Someone living with `self`: same address and landline, often the
        /// same family name; everything personal different.
        fn partner(&self, rng: &mut Rng) -> Person {
            let (first, other_last) = name_pair(rng, self.locale);
            let last = if rng.chance(60) {
                self.last.clone()
            } else {
                other_last
            };
            let email_local = email_local(rng, self.locale, &first, &last);
            Person {
                locale: self.locale,
                domain: pick_str(rng, self.locale.domains),
                mobile: phone_nsn(rng, self.locale, true),
                landline: Some(
                    self.landline
                        .clone()
                        .unwrap_or_else(|| phone_nsn(rng, self.locale, false)),
                ),
                dob: random_date(rng, 1940, 2005),
                street: self.street.clone(),
                city: self.city,
                company: self.company,
                first,
                last,
                email_local,
            }
        }
    }

    /// One typo: a character replaced, dropped, doubled or swapped with the next.
    fn typo(rng: &mut Rng, value: &str) -> String {
        let mut chars: Vec<char> = value.chars().collect();
        if chars.len() < 3 {
            return value.to_string();
        }
        let i = 1 + rng.below(chars.len() - 2);
        match rng.below(4) {
            0 => chars[i] = *rng.pick(&['a', 'e', 'i', 'o', 'n', 'r', 's', 't']),
            1 => {
                chars.remove(i);
            }
            2 => chars.insert(i, chars[i]),
            _ => chars.swap(i, i + 1),
        }
        chars.into_iter().collect()
    }

    enum Entity {
        Alone(u64),
        /// Partner of the person generated from the first seed.
        Partner(u64, u64),
    }

    fn person(entity: &Entity) -> Person {
        match *entity {
            Entity::Alone(seed) => Person::new(&mut Rng::new(seed)),
            Entity::Partner(base, seed) => {
                Person::new(&mut Rng::new(base)).partner(&mut Rng::new(seed))
            }
        }
    }

    pub fn generate(
        rows: usize,
        seed: u64,
        output: &str,
        truth_path: &str,
        golden_truth: Option<&str>,
    ) -> std::io::Result<()> {
        let mut rng = Rng::new(seed);
        let mut entities: Vec<Entity> = Vec::new();
        let mut records: Vec<(u32, u8)> = Vec::with_capacity(rows + 8);
        while records.len() < rows {
            let base = rng.next();
            let mut group = vec![Entity::Alone(base)];
            if rng.chance(8) {
                group.push(Entity::Partner(base, rng.next()));
            }
            for entity in group {
                let copies = if rng.chance(30) { 2 + rng.below(4) } else { 1 };
                for copy in 0..copies {
                    records.push((entities.len() as u32, copy as u8));
                }
                entities.push(entity);
            }
        }
        records.truncate(rows);
        // Fisher–Yates: duplicates are scattered through the file.
        for i in (1..records.len()).rev() {
            let j = rng.below(i + 1);
            records.swap(i, j);
        }
        let mut out =
            csv::Writer::from_writer(std::io::BufWriter::new(std::fs::File::create(output)?));
        let mut truth =
            csv::Writer::from_writer(std::io::BufWriter::new(std::fs::File::create(truth_path)?));
        out.write_record(HEADERS).map_err(std::io::Error::other)?;
        truth
            .write_record(["Customer ID", "entity"])
            .map_err(std::io::Error::other)?;
        for (row, &(entity, copy)) in records.iter().enumerate() {
            let person = person(&entities[entity as usize]);
            let mut r = Rng::new(
                seed ^ (u64::from(entity) << 8 | u64::from(copy))
                    .wrapping_mul(0x9E37_79B9_7F4A_7C15),
            );
            let id = format!("C{:07}", row + 1);
            let record = render(&mut r, &person, copy, &id);
            out.write_record(&record).map_err(std::io::Error::other)?;
            truth
                .write_record([id, format!("E{entity}")])
                .map_err(std::io::Error::other)?;
        }
        out.flush()?;
        truth.flush()?;
        if let Some(path) = golden_truth {
            write_golden_truth(path, &entities)?;
        }
        Ok(())
    }

    /// Each entity's true values, as a golden record should give them.
    fn write_golden_truth(path: &str, entities: &[Entity]) -> std::io::Result<()> {
        let mut out =
            csv::Writer::from_writer(std::io::BufWriter::new(std::fs::File::create(path)?));
        out.write_record([
            "entity",
            "First Name",
            "Last Name",
            "Email",
            "Mobile",
            "Date of Birth",
            "Street",
            "City",
            "Postcode",
            "Country",
        ])
        .map_err(std::io::Error::other)?;
        for (k, entity) in entities.iter().enumerate() {
            let p = person(entity);
            let cc = phonenumber::metadata::DATABASE
                .by_id(p.locale.code)
                .map(|m| m.country_code())
                .unwrap_or(0);
            let (city, postcode) = p.locale.cities[p.city];
            out.write_record([
                format!("E{k}"),
                p.first.clone(),
                p.last.clone(),
                format!("{}@{}", p.email_local, p.domain).to_lowercase(),
                format!("+{cc}{}", p.mobile),
                iso(p.dob),
                p.street.clone(),
                city.to_string(),
                postcode.to_string(),
                p.locale.code.to_string(),
            ])
            .map_err(std::io::Error::other)?;
        }
        out.flush()
    }

    /// One record of `person`; copies after the first vary the way records
    /// of one customer entered by different channels do.
    fn render(rng: &mut Rng, p: &Person, copy: u8, id: &str) -> Vec<String> {
        let dup = copy > 0;
        let locale = p.locale;
        let mut first = p.first.clone();
        let mut last = p.last.clone();
        if dup {
            match rng.below(100) {
                0..=14 => first = typo(rng, &first),
                15..=29 => last = typo(rng, &last),
                30..=39 => {
                    if let Some((_, nick)) = NICKNAMES.iter().find(|(n, _)| *n == first) {
                        first = nick.to_string();
                    }
                }
                40..=43 => std::mem::swap(&mut first, &mut last),
                44..=47 => {
                    first = first
                        .chars()
                        .next()
                        .map(|c| format!("{c}."))
                        .unwrap_or_default()
                }
                48..=51 => first.clear(),
                _ => {}
            }
        }
        let (first, last) = match rng.below(10) {
            0 => (first.to_uppercase(), last.to_uppercase()),
            1 => (first.to_lowercase(), last.to_lowercase()),
            2 => (format!(" {first}"), format!("{last}  ")),
            _ => (first, last),
        };
        let email = if dup && rng.chance(20) {
            // A new address: another provider, or a work address.
            format!("{}@{}", p.email_local, rng.pick(locale.domains))
        } else if dup && rng.chance(12) {
            String::new()
        } else {
            format!("{}@{}", p.email_local, p.domain)
        };
        let email = match rng.below(10) {
            0 => email.to_uppercase(),
            1 => format!(" {email} "),
            _ => email,
        };
        let blank_country = rng.chance(2);
        let country = if blank_country {
            String::new()
        } else {
            rng.pick(locale.spellings).to_string()
        };
        let mobile = if dup && rng.chance(10) {
            String::new()
        } else {
            format_phone(rng, locale, &p.mobile, true, blank_country)
        };
        let phone = match &p.landline {
            Some(nsn) if !(dup && rng.chance(30)) => {
                format_phone(rng, locale, nsn, false, blank_country)
            }
            _ => String::new(),
        };
        let date_locale = if blank_country { &LOCALES[0] } else { locale };
        let mut dob = p.dob;
        if dup && rng.chance(5) {
            dob.2 = if dob.2 > 1 { dob.2 - 1 } else { dob.2 + 1 };
        }
        let dob = if dup && rng.chance(8) {
            String::new()
        } else {
            render_date(rng, date_locale, dob, false).0
        };
        let created = random_date(rng, 2015, 2026);
        let created = render_date(rng, date_locale, created, true).0;
        let purchase = random_date(rng, 2018, 2026);
        let purchase = render_date(rng, date_locale, purchase, false).0;
        let moved = dup && rng.chance(12);
        let (street, city) = if moved {
            (super::people::street(rng), rng.below(locale.cities.len()))
        } else {
            (p.street.clone(), p.city)
        };
        let street = if dup && rng.chance(10) {
            street
                .replace("Street", "St")
                .replace("Road", "Rd")
                .replace("Avenue", "Ave")
        } else {
            street
        };
        let (city, postcode) = locale.cities[city];
        let amount = rng.below(1_000_000) as f64 / 100.0;
        vec![
            id.to_string(),
            first,
            last,
            email,
            mobile,
            phone,
            country,
            dob,
            created,
            purchase,
            street,
            city.to_string(),
            postcode.to_string(),
            p.company.to_string(),
            rng.pick(&["yes", "no", "Y", "N", "true", "false", ""])
                .to_string(),
            format!("{amount:.2}"),
            rng.below(50).to_string(),
            rng.pick(&["Web", "Trade show", "Referral", "Partner", "Cold call"])
                .to_string(),
            rng.pick(&["F", "M", ""]).to_string(),
            rng.pick(&["", "", "VIP", "call after 5pm"]).to_string(),
        ]
    }
}
