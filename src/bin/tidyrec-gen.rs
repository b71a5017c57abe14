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
//! Usage: `tidyrec-gen --rows N [--seed S] -o export.csv --truth truth.csv`

/// SplitMix64: tiny, fast, deterministic; good enough for test data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
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
    // Keep the prefix that makes the number valid; vary the subscriber digits.
    let keep = example.len().saturating_sub(4);
    let nsn = format!("{}{}", &example[..keep], rng.digits(example.len() - keep));
    let cc = meta.country_code();
    let trunk = meta.national_prefix().unwrap_or("");
    let sep = *rng.pick(&[" ", "-", ".", " "]);
    let roll = rng.below(100);
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
        eprintln!("usage: tidyrec-gen --rows N [--seed S] -o export.csv --truth truth.csv");
        std::process::exit(2);
    };
    if let Err(err) = generate(rows, seed, &output, &truth_path) {
        eprintln!("error: {err}");
        std::process::exit(2);
    }
}

fn generate(rows: usize, seed: u64, output: &str, truth_path: &str) -> std::io::Result<()> {
    let mut rng = Rng(seed);
    let mut out = csv::Writer::from_writer(std::io::BufWriter::new(std::fs::File::create(output)?));
    let mut truth =
        csv::Writer::from_writer(std::io::BufWriter::new(std::fs::File::create(truth_path)?));
    out.write_record([
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
    ])
    .map_err(std::io::Error::other)?;
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
