//! Matching features, computed once per record from the normalized table:
//! folded names (accents and CJK transliterated), nickname-resolved first
//! names, phonetic codes, canonical e-mail keys, phone digits, street tokens
//! with abbreviations expanded, company names without legal suffixes.
//!
//! Guarantees: one value per record per feature, empty when the record has
//! nothing usable; the same table gives the same features on any thread
//! count (records are processed in fixed order, columns in parallel).

use super::{given_names, nicknames};
use crate::schema::Role;
use crate::table::{Column, Table};
use rayon::prelude::*;

/// What the matcher compares; each kind has its own comparator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    FirstName,
    LastName,
    BirthDate,
    Email,
    Phone,
    Street,
    City,
    PostalCode,
    Identifier,
    Company,
}

impl Kind {
    /// How many kinds there are (`kind as usize` is below it).
    pub const COUNT: usize = Kind::Company as usize + 1;

    pub fn name(self) -> &'static str {
        match self {
            Kind::FirstName => "first_name",
            Kind::LastName => "last_name",
            Kind::BirthDate => "birth_date",
            Kind::Email => "email",
            Kind::Phone => "phone",
            Kind::Street => "street",
            Kind::City => "city",
            Kind::PostalCode => "postal_code",
            Kind::Identifier => "identifier",
            Kind::Company => "company",
        }
    }
}

/// Which input columns feed which feature.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    pub first: Option<usize>,
    pub last: Option<usize>,
    pub full: Option<usize>,
    pub birth: Option<usize>,
    pub email: Vec<usize>,
    pub phone: Vec<usize>,
    pub street: Vec<usize>,
    pub city: Option<usize>,
    pub postal: Option<usize>,
    pub identifier: Option<usize>,
    pub company: Option<usize>,
}

impl Sources {
    /// Picks feature columns from roles. `identifiers` are columns that hold
    /// another system's id for the person (a social security or customer
    /// number), as opposed to the record's own id.
    pub fn from_roles(headers: &[String], roles: &[Role], identifiers: &[usize]) -> Sources {
        let first_of = |role: Role| roles.iter().position(|&r| r == role);
        let all_of = |role: Role| -> Vec<usize> {
            roles
                .iter()
                .enumerate()
                .filter(|(_, &r)| r == role)
                .map(|(i, _)| i)
                .collect()
        };
        let birth = roles
            .iter()
            .enumerate()
            .find(|(i, &r)| r == Role::Date && is_birth_header(&headers[*i]))
            .map(|(i, _)| i);
        Sources {
            first: first_of(Role::FirstName),
            last: first_of(Role::LastName),
            full: first_of(Role::FullName),
            birth,
            email: all_of(Role::Email),
            phone: all_of(Role::Phone),
            street: all_of(Role::Street),
            city: first_of(Role::City),
            postal: first_of(Role::PostalCode),
            identifier: identifiers.first().copied(),
            company: first_of(Role::Company),
        }
    }
}

fn is_birth_header(header: &str) -> bool {
    crate::schema::meaning::says(header, crate::schema::meaning::BIRTH)
}

/// Per-record features, one column per feature (empty = unknown).
pub struct Features {
    pub rows: usize,
    /// Folded first name as written, and resolved through the nickname
    /// table ([`nicknames::resolve`]: every name a nickname may stand
    /// for, `|`-joined; a mistyped formal name as the name it is one typo
    /// of).
    pub first: Column,
    pub first_canonical: Column,
    /// `m` / `f` when the first name is a known given name of one gender
    /// ([`super::given_names::gender`]), else empty.
    pub first_gender: Column,
    /// `1` when one letter off the first name is another name rather than
    /// a typo ([`super::given_names::known`]), else empty.
    pub first_known: Column,
    pub last: Column,
    pub last_phonetic: Column,
    pub birth: Column,
    pub email: Column,
    /// Up to two phones per record (digits only), `second` empty if none.
    pub phone: Column,
    pub phone_second: Column,
    pub street: Column,
    pub city: Column,
    pub postal: Column,
    pub identifier: Column,
    pub company: Column,
    /// The kinds this table can compare (a source column exists).
    pub kinds: Vec<Kind>,
    /// The same fields record by record, for comparing pairs.
    pub packed: super::packed::Packed,
}

impl Features {
    /// The features of every record, with the packed copy comparisons read.
    pub fn compute(table: &Table, sources: &Sources) -> Features {
        let mut features = Features::columns(table, sources);
        features.pack();
        features
    }

    /// Builds the packed copy comparisons read from the feature columns
    /// (apart from [`Features::columns`], so a caller can free the table
    /// the columns came from first: the two copies of the features and
    /// the table are then never resident together).
    pub fn pack(&mut self) {
        // In `packed::Field` order.
        self.packed = super::packed::Packed::build(
            [
                &self.first,
                &self.first_canonical,
                &self.first_gender,
                &self.last,
                &self.last_phonetic,
                &self.birth,
                &self.email,
                &self.phone,
                &self.phone_second,
                &self.street,
                &self.city,
                &self.postal,
                &self.identifier,
                &self.company,
                &self.first_known,
            ],
            self.rows,
        );
    }

    /// The feature columns only (no packed copy: nothing will be compared),
    /// for `tidyrec features`.
    pub fn columns(table: &Table, sources: &Sources) -> Features {
        let rows = table.row_count();
        let column = |c: Option<usize>| c.map(|c| &table.columns[c]);
        // Names: first/last columns, else split the full name.
        let (first, last): (Column, Column) = match (sources.first, sources.last, sources.full) {
            (None, None, Some(full)) => {
                let split: Vec<(String, String)> = table.columns[full]
                    .iter()
                    .collect::<Vec<_>>()
                    .par_iter()
                    .map(|v| split_full_name(v))
                    .collect();
                (
                    split.iter().map(|(f, _)| f.as_str()).collect(),
                    split.iter().map(|(_, l)| l.as_str()).collect(),
                )
            }
            (first, last, _) => rayon::join(
                || map_repeated(rows, column(first), fold_name),
                || map_repeated(rows, column(last), fold_name),
            ),
        };
        let jobs: Vec<Box<dyn Fn() -> Column + Sync + Send + '_>> = vec![
            Box::new(|| {
                map_repeated(rows, Some(&first), |name| {
                    let is_given_name = |word: &str| !given_names::gender(word, word).is_empty();
                    nicknames::resolve(name, is_given_name).to_string()
                })
            }),
            Box::new(|| first_genders(rows, &first, column(sources.first.or(sources.full)))),
            Box::new(|| first_known(rows, &first, column(sources.first.or(sources.full)))),
            Box::new(|| map_repeated(rows, Some(&last), phonetic)),
            Box::new(|| map_column(rows, column(sources.birth), |v| v.trim().to_string())),
            Box::new(|| map_first(rows, table, &sources.email, email_key)),
            Box::new(|| nth_phone(rows, table, &sources.phone, 0)),
            Box::new(|| nth_phone(rows, table, &sources.phone, 1)),
            Box::new(|| street_key(rows, table, &sources.street)),
            Box::new(|| map_repeated(rows, column(sources.city), fold_name)),
            Box::new(|| map_repeated(rows, column(sources.postal), postal_key)),
            Box::new(|| map_column(rows, column(sources.identifier), identifier_key)),
            Box::new(|| map_repeated(rows, column(sources.company), company_key)),
        ];
        let mut done: Vec<Column> = jobs.par_iter().map(|job| job()).collect();
        drop(jobs);
        let mut take = || done.remove(0);
        let first_canonical = take();
        let first_gender = take();
        let first_known = take();
        let last_phonetic = take();
        let birth = take();
        let email = take();
        let phone = take();
        let phone_second = take();
        let street = take();
        let city = take();
        let postal = take();
        let identifier = take();
        let company = take();
        let mut kinds = Vec::new();
        let has_names = sources.first.is_some() || sources.full.is_some();
        if has_names {
            kinds.push(Kind::FirstName);
        }
        if sources.last.is_some() || sources.full.is_some() {
            kinds.push(Kind::LastName);
        }
        let present = [
            (sources.birth.is_some(), Kind::BirthDate),
            (!sources.email.is_empty(), Kind::Email),
            (!sources.phone.is_empty(), Kind::Phone),
            (!sources.street.is_empty(), Kind::Street),
            // With a postcode, the city is compared only where the
            // postcodes agree (`compare::city_where_postcodes_agree`):
            // compared everywhere, the two would count one town twice.
            (sources.city.is_some(), Kind::City),
            (sources.postal.is_some(), Kind::PostalCode),
            (sources.identifier.is_some(), Kind::Identifier),
            (sources.company.is_some(), Kind::Company),
        ];
        kinds.extend(present.iter().filter(|(p, _)| *p).map(|(_, k)| *k));
        Features {
            rows,
            first,
            first_canonical,
            first_gender,
            first_known,
            last,
            last_phonetic,
            birth,
            email,
            phone,
            phone_second,
            street,
            city,
            postal,
            identifier,
            company,
            kinds,
            packed: super::packed::Packed::default(),
        }
    }
}

impl Features {
    /// The features as plain, named columns (for `tidyrec features`, the
    /// input of matching on another engine): only those the sources can
    /// fill, in a fixed order. The names are part of the contract.
    pub fn into_named_columns(self, sources: &Sources) -> Vec<(&'static str, Column)> {
        let names = sources.first.is_some() || sources.full.is_some();
        let last = sources.last.is_some() || sources.full.is_some();
        [
            (names, "first_name", self.first),
            (names, "first_name_canonical", self.first_canonical),
            (names, "first_name_gender", self.first_gender),
            (last, "last_name", self.last),
            (last, "last_name_phonetic", self.last_phonetic),
            (sources.birth.is_some(), "birth_date", self.birth),
            (!sources.email.is_empty(), "email", self.email),
            (!sources.phone.is_empty(), "phone", self.phone),
            (!sources.phone.is_empty(), "phone_2", self.phone_second),
            (!sources.street.is_empty(), "street", self.street),
            (sources.city.is_some(), "city", self.city),
            (sources.postal.is_some(), "postal_code", self.postal),
            (sources.identifier.is_some(), "identifier", self.identifier),
            (sources.company.is_some(), "company", self.company),
            // Last: added after the others (the order is part of the
            // contract).
            (names, "first_name_known", self.first_known),
        ]
        .into_iter()
        .filter(|(present, _, _)| *present)
        .map(|(_, name, column)| (name, column))
        .collect()
    }
}

/// The gender of each record's folded first name, read from the column it
/// came from (a first-name or a full-name column) for its script.
fn first_genders(rows: usize, first: &Column, raw: Option<&Column>) -> Column {
    let mut out = Column::with_capacity(rows, rows / 2);
    for row in 0..rows {
        let raw = raw.map_or("", |column| column.get(row));
        out.push(given_names::gender(raw, first.get(row)));
    }
    out
}

/// Whether each record's folded first name is a name we know
/// ([`given_names::known`]: `1`, else empty), read with the column it came
/// from for its script.
fn first_known(rows: usize, first: &Column, raw: Option<&Column>) -> Column {
    let mut out = Column::with_capacity(rows, rows);
    for row in 0..rows {
        let raw = raw.map_or("", |column| column.get(row));
        out.push(if given_names::known(raw, first.get(row)) {
            "1"
        } else {
            ""
        });
    }
    out
}

/// Applies `f` to each value of `source` (all empty when there is none).
fn map_column(rows: usize, source: Option<&Column>, f: impl Fn(&str) -> String) -> Column {
    let mut out = Column::with_capacity(rows, source.map_or(0, Column::byte_len));
    for row in 0..rows {
        match source.map(|s| s.get(row)) {
            Some(value) if !value.is_empty() => out.push(&f(value)),
            _ => out.push(""),
        }
    }
    out
}

/// [`map_column`] for columns whose values repeat (names, places,
/// companies): `f` runs once per distinct value, which a table of a
/// million customers holds tens of thousands of. Same output: `f` is a
/// pure function of the value.
fn map_repeated(rows: usize, source: Option<&Column>, f: impl Fn(&str) -> String) -> Column {
    let Some(source) = source else {
        return map_column(rows, None, f);
    };
    let mut out = Column::with_capacity(rows, source.byte_len());
    let mut done: rustc_hash::FxHashMap<&str, String> = Default::default();
    for row in 0..rows {
        let value = source.get(row);
        if value.is_empty() {
            out.push("");
            continue;
        }
        let mapped = done.entry(value).or_insert_with(|| f(value));
        out.push(mapped);
    }
    out
}

/// The first non-empty value over several columns, through `f`.
fn map_first(rows: usize, table: &Table, sources: &[usize], f: fn(&str) -> String) -> Column {
    let mut out = Column::with_capacity(rows, rows * 16);
    for row in 0..rows {
        let value = sources
            .iter()
            .map(|&c| table.columns[c].get(row))
            .find(|v| !v.trim().is_empty())
            .map(f)
            .unwrap_or_default();
        out.push(&value);
    }
    out
}

/// The `n`-th distinct phone of the record, digits only.
fn nth_phone(rows: usize, table: &Table, sources: &[usize], n: usize) -> Column {
    let mut out = Column::with_capacity(rows, rows * 12);
    let mut seen: Vec<String> = Vec::new();
    for row in 0..rows {
        seen.clear();
        for &c in sources {
            let digits = phone_digits(table.columns[c].get(row));
            if digits.len() >= 6 && !seen.contains(&digits) {
                seen.push(digits);
            }
        }
        out.push(seen.get(n).map_or("", String::as_str));
    }
    out
}

/// Digits of a phone without its extension (`+14155550132;ext=12` → `14155550132`).
pub fn phone_digits(value: &str) -> String {
    let number = value.split([';', 'x', 'X', ',']).next().unwrap_or_default();
    number.chars().filter(char::is_ascii_digit).collect()
}

/// Lower-case ASCII letters, digits and single spaces: accents folded, CJK
/// transliterated (`王伟` → `wang wei`), punctuation dropped.
pub fn fold_name(value: &str) -> String {
    let ascii = if value.is_ascii() {
        std::borrow::Cow::Borrowed(value)
    } else {
        std::borrow::Cow::Owned(deunicode::deunicode(value))
    };
    let mut out = String::with_capacity(ascii.len());
    for word in ascii
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '\'')
        .filter(|w| !w.is_empty())
    {
        let word: String = word
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_lowercase())
            .collect();
        if word.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&word);
    }
    out
}

/// Splits a full name into (first, last), folded: `Smith, John` and `John
/// Smith` → (`john`, `smith`); CJK names put the family name first
/// (`王伟` → (`wei`, `wang`)).
pub fn split_full_name(value: &str) -> (String, String) {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return (String::new(), String::new());
    }
    let is_cjk = trimmed.chars().all(|c| {
        matches!(c as u32, 0x3400..=0x9FFF | 0xF900..=0xFAFF | 0x3040..=0x30FF) || c == '·'
    });
    if is_cjk {
        let mut chars = trimmed.chars();
        let family: String = chars.next().into_iter().collect();
        let given: String = chars.collect();
        return (fold_name(&given), fold_name(&family));
    }
    if let Some((last, first)) = trimmed.split_once(',') {
        return (fold_name(first), fold_name(last));
    }
    let folded = fold_name(trimmed);
    match folded.rsplit_once(' ') {
        Some((first, last)) => (
            first.split(' ').next().unwrap_or_default().to_string(),
            last.to_string(),
        ),
        None => (folded, String::new()),
    }
}

/// Double Metaphone primary code of the first word (ASCII only: the crate
/// panics on other text, and names are folded first).
pub fn phonetic(folded: &str) -> String {
    let word = folded.split(' ').next().unwrap_or_default();
    if word.is_empty() || !word.is_ascii() {
        return String::new();
    }
    thread_local! {
        static ENCODER: rphonetic::DoubleMetaphone = rphonetic::DoubleMetaphone::default();
    }
    ENCODER.with(|e| e.double_metaphone(word).primary())
}

/// Canonical e-mail: lower case, `+tag` removed; for Gmail also the dots
/// (Gmail ignores them) and `googlemail.com` → `gmail.com`.
pub fn email_key(value: &str) -> String {
    let value = value.trim().to_lowercase();
    let Some((local, domain)) = value.rsplit_once('@') else {
        return value;
    };
    let local = local.split('+').next().unwrap_or_default();
    let domain = if domain == "googlemail.com" {
        "gmail.com"
    } else {
        domain
    };
    if domain == "gmail.com" {
        format!("{}@{domain}", local.replace('.', ""))
    } else {
        format!("{local}@{domain}")
    }
}

fn postal_key(value: &str) -> String {
    value
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

fn identifier_key(value: &str) -> String {
    value
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Street tokens, folded, abbreviations expanded, several columns joined
/// (`12 Main St.` and `12 main street` give the same key).
fn street_key(rows: usize, table: &Table, sources: &[usize]) -> Column {
    let mut out = Column::with_capacity(rows, rows * 24);
    let mut key = String::new();
    for row in 0..rows {
        key.clear();
        for &c in sources {
            for word in fold_name(table.columns[c].get(row)).split(' ') {
                if word.is_empty() {
                    continue;
                }
                if !key.is_empty() {
                    key.push(' ');
                }
                key.push_str(expand_street_word(word));
            }
        }
        out.push(&key);
    }
    out
}

fn expand_street_word(word: &str) -> &str {
    match word {
        "st" | "str" => "street",
        "rd" => "road",
        "ave" | "av" => "avenue",
        "dr" => "drive",
        "ln" => "lane",
        "pl" => "place",
        "ct" => "court",
        "cres" | "cr" => "crescent",
        "blvd" => "boulevard",
        "hwy" => "highway",
        "pde" => "parade",
        "tce" => "terrace",
        "sq" => "square",
        "cl" => "close",
        "cct" => "circuit",
        "pkwy" => "parkway",
        "apt" => "apartment",
        "ste" => "suite",
        "n" => "north",
        "s" => "south",
        "e" => "east",
        "w" => "west",
        "strasse" | "str." => "strasse",
        _ => word,
    }
}

/// Company name folded, without legal-form suffixes (`Acme Inc.` = `ACME`;
/// `阿里巴巴有限公司` = `阿里巴巴`).
pub fn company_key(value: &str) -> String {
    const CJK_SUFFIXES: &[&str] = &[
        "股份有限公司",
        "有限责任公司",
        "有限公司",
        "集团",
        "公司",
        "株式会社",
    ];
    let mut value = value.trim();
    for suffix in CJK_SUFFIXES {
        if let Some(stripped) = value.strip_suffix(suffix) {
            value = stripped;
        }
    }
    const LEGAL: &[&str] = &[
        "inc",
        "incorporated",
        "ltd",
        "limited",
        "llc",
        "llp",
        "plc",
        "corp",
        "corporation",
        "co",
        "company",
        "gmbh",
        "ag",
        "kg",
        "sa",
        "sas",
        "sarl",
        "srl",
        "spa",
        "bv",
        "nv",
        "ab",
        "oy",
        "as",
        "pty",
        "kk",
        "the",
        "and",
    ];
    fold_name(value)
        .split(' ')
        .filter(|w| !LEGAL.contains(w))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_fold_accents_and_cjk() {
        assert_eq!(fold_name("  José-María O'Neil "), "jose maria oneil");
        assert_eq!(fold_name("O'Neil"), fold_name("ONeil"));
        assert_eq!(fold_name("Müller"), "muller");
        assert_eq!(fold_name("王伟"), "wang wei");
    }

    #[test]
    fn full_names_split_both_ways() {
        assert_eq!(
            split_full_name("John Smith"),
            ("john".into(), "smith".into())
        );
        assert_eq!(
            split_full_name("Smith, John"),
            ("john".into(), "smith".into())
        );
        assert_eq!(split_full_name("王伟"), ("wei".into(), "wang".into()));
        assert_eq!(
            split_full_name("Madonna"),
            ("madonna".into(), String::new())
        );
    }

    #[test]
    fn email_keys_follow_gmail_rules() {
        assert_eq!(
            email_key("John.Smith+news@GoogleMail.com"),
            "johnsmith@gmail.com"
        );
        assert_eq!(
            email_key("john.smith+x@example.com"),
            "john.smith@example.com"
        );
        assert_eq!(email_key("not-an-email"), "not-an-email");
    }

    #[test]
    fn phonetic_codes_group_spellings() {
        assert_eq!(phonetic("muller"), phonetic("mueller"));
        assert_eq!(phonetic("catherine"), phonetic("kathryn"));
        assert_eq!(phonetic(""), "");
    }

    #[test]
    fn companies_lose_legal_forms() {
        assert_eq!(company_key("Acme Inc."), "acme");
        assert_eq!(company_key("ACME, Ltd"), "acme");
        assert_eq!(company_key("Siemens AG"), "siemens");
        assert_eq!(company_key("阿里巴巴有限公司"), company_key("阿里巴巴"));
    }

    #[test]
    fn phone_digits_drop_extensions() {
        assert_eq!(phone_digits("+14155550132;ext=12"), "14155550132");
        assert_eq!(phone_digits("+14155550132 x12"), "14155550132");
    }

    #[test]
    fn birth_columns_are_found_by_header() {
        assert!(is_birth_header("Date of Birth"));
        assert!(is_birth_header("DOB"));
        assert!(is_birth_header("出生日期"));
        assert!(!is_birth_header("Created At"));
    }
}
