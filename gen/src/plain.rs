//! The plain export (one row per customer): every column messy the way
//! real exports are, with the truth for each normalizable value.

use crate::locales::*;
use crate::render::*;
use crate::rng::Rng;

/// The export's columns, in both modes.
pub(crate) const HEADERS: [&str; 20] = [
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

pub fn generate(rows: usize, seed: u64, output: &str, truth_path: &str) -> std::io::Result<()> {
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
        let (email_raw, email_truth) = messy_email(&mut rng, locale, first, last);
        let (country_raw, country_truth) = messy_country(&mut rng, locale);
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
        let [company, opt_out, value, orders, source, gender, notes] = other_columns(&mut rng);
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

/// An e-mail as exports write it (case, spaces, `mailto:`, placeholders,
/// a domain without its dot) and the address it stands for.
fn messy_email(rng: &mut Rng, locale: &Locale, first: &str, last: &str) -> (String, String) {
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
    match rng.below(100) {
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
    }
}

/// A country as exports spell it (names, codes, padding; 1 % empty) and
/// its ISO code.
fn messy_country(rng: &mut Rng, locale: &Locale) -> (String, String) {
    match rng.below(100) {
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
    }
}

/// Company, e-mail opt-out, lifetime value, orders, lead source, gender
/// and notes, in the spellings exports use.
fn other_columns(rng: &mut Rng) -> [String; 7] {
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
            "yes", "no", "Y", "N", "true", "false", "1", "0", "是", "否", "ja", "nein", "", "oui",
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
    [company, opt_out, value, orders, source, gender, notes]
}

pub(crate) fn capitalize_email(email: &str) -> String {
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
