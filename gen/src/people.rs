//! Records of people (`--duplicates`): about 30 % of people appear 2–5
//! times with typos, nicknames, swapped names, new e-mails, other phone
//! spellings and moves; households share an address and landline, and
//! some couples one e-mail.

use crate::locales::*;
use crate::plain::HEADERS;
use crate::render::*;
use crate::rng::Rng;

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
const CN_GIVEN: &str =
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华玉萍红鹏建飞鑫宇浩然欣怡梓涵子轩晨曦思雨嘉";

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
    /// same family name; everything personal different, but for the
    /// e-mail in `family_mailboxes` percent of partners: a family mailbox
    /// (drawn last, so every other value is the same whatever the share).
    fn partner(&self, rng: &mut Rng, family_mailboxes: u8) -> Person {
        let (first, other_last) = name_pair(rng, self.locale);
        let last = if rng.chance(60) {
            self.last.clone()
        } else {
            other_last
        };
        let email_local = email_local(rng, self.locale, &first, &last);
        let mut partner = Person {
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
        };
        if rng.chance(u64::from(family_mailboxes)) {
            partner.email_local = self.email_local.clone();
            partner.domain = self.domain;
        }
        partner
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

fn person(entity: &Entity, options: &Options) -> Person {
    match *entity {
        Entity::Alone(seed) => Person::new(&mut Rng::new(seed)),
        Entity::Partner(base, seed) => {
            Person::new(&mut Rng::new(base)).partner(&mut Rng::new(seed), options.family_mailboxes)
        }
    }
}

/// How the people are drawn, beyond their number and seed.
#[derive(Debug, Clone)]
pub struct Options {
    /// Percent of partners who share their partner's e-mail (a family
    /// mailbox: one e-mail, two people).
    pub family_mailboxes: u8,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            family_mailboxes: 30,
        }
    }
}

/// [`generate_with`] the default [`Options`].
pub fn generate(
    rows: usize,
    seed: u64,
    output: &str,
    truth_path: &str,
    golden_truth: Option<&str>,
) -> std::io::Result<()> {
    generate_with(
        rows,
        seed,
        output,
        truth_path,
        golden_truth,
        &Options::default(),
    )
}

/// Writes `rows` records of people (some several times) to `output`, each
/// record's entity to `truth_path`, and each entity's true values to
/// `golden_truth`.
pub fn generate_with(
    rows: usize,
    seed: u64,
    output: &str,
    truth_path: &str,
    golden_truth: Option<&str>,
    options: &Options,
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
    let mut out = csv::Writer::from_writer(std::io::BufWriter::new(std::fs::File::create(output)?));
    let mut truth =
        csv::Writer::from_writer(std::io::BufWriter::new(std::fs::File::create(truth_path)?));
    out.write_record(HEADERS).map_err(std::io::Error::other)?;
    truth
        .write_record(["Customer ID", "entity"])
        .map_err(std::io::Error::other)?;
    for (row, &(entity, copy)) in records.iter().enumerate() {
        let person = person(&entities[entity as usize], options);
        let mut r = Rng::new(
            seed ^ (u64::from(entity) << 8 | u64::from(copy)).wrapping_mul(0x9E37_79B9_7F4A_7C15),
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
        write_golden_truth(path, &entities, options)?;
    }
    Ok(())
}

/// Each entity's true values, as a golden record should give them.
fn write_golden_truth(path: &str, entities: &[Entity], options: &Options) -> std::io::Result<()> {
    let mut out = csv::Writer::from_writer(std::io::BufWriter::new(std::fs::File::create(path)?));
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
        let p = person(entity, options);
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
        (street(rng), rng.below(locale.cities.len()))
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
