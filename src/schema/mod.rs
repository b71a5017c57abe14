//! Column roles: what each column holds, inferred from its header (English,
//! Chinese and common CRM spellings) and confirmed by a sample of its content.
//!
//! Header first, because a header is the exporter's intent; content decides
//! when the header says nothing (`contact`, `info`) and overrides it only when
//! the content clearly contradicts it (a `phone` column full of e-mail
//! addresses). Free-text headers (`notes`, `备注`) stay text whatever they hold.
//! A rule file may set any role; that always wins.

pub(crate) mod headers;
pub mod meaning;
pub mod resolve;

use crate::normalize::{date, email, phone, placeholder};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Id,
    FirstName,
    LastName,
    FullName,
    Email,
    Phone,
    Company,
    Street,
    City,
    Region,
    PostalCode,
    Country,
    Date,
    Datetime,
    Boolean,
    Money,
    Text,
}

impl Role {
    pub const ALL: [Role; 17] = [
        Role::Id,
        Role::FirstName,
        Role::LastName,
        Role::FullName,
        Role::Email,
        Role::Phone,
        Role::Company,
        Role::Street,
        Role::City,
        Role::Region,
        Role::PostalCode,
        Role::Country,
        Role::Date,
        Role::Datetime,
        Role::Boolean,
        Role::Money,
        Role::Text,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Role::Id => "id",
            Role::FirstName => "first_name",
            Role::LastName => "last_name",
            Role::FullName => "full_name",
            Role::Email => "email",
            Role::Phone => "phone",
            Role::Company => "company",
            Role::Street => "street",
            Role::City => "city",
            Role::Region => "region",
            Role::PostalCode => "postal_code",
            Role::Country => "country",
            Role::Date => "date",
            Role::Datetime => "datetime",
            Role::Boolean => "boolean",
            Role::Money => "money",
            Role::Text => "text",
        }
    }
}

/// Where a role came from, reported so a steward can check the inference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Header,
    Content,
    Rule,
    Default,
}

impl Source {
    /// As written in reports (the same as its JSON form).
    pub fn name(self) -> &'static str {
        match self {
            Source::Header => "header",
            Source::Content => "content",
            Source::Rule => "rule",
            Source::Default => "default",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Inferred {
    pub role: Role,
    pub source: Source,
}

/// Shares of a content sample that look like each typed role.
#[derive(Debug, Default, Clone, Copy)]
struct Shape {
    sampled: usize,
    email: usize,
    phone: usize,
    date: usize,
    /// Yes/no values (`yes`, `N`, `是`, `true`, `0`).
    boolean: usize,
}

/// How many values of a column content inference looks at: the first
/// this many that [`is_sampled`].
pub const SAMPLE: usize = 400;

/// Whether content inference looks at `value` (filled, not a placeholder).
pub fn is_sampled(value: &str) -> bool {
    let value = value.trim();
    !value.is_empty() && !placeholder::is_placeholder(value, &[])
}

fn shape<'a>(values: impl Iterator<Item = &'a str>) -> Shape {
    let mut shape = Shape::default();
    for value in values.filter(|v| is_sampled(v)).map(str::trim).take(SAMPLE) {
        shape.sampled += 1;
        if crate::normalize::boolean::normalize(value).is_ok() {
            shape.boolean += 1;
        }
        if value.contains('@') && email::normalize(value).is_ok() {
            shape.email += 1;
        } else if !value.bytes().all(|b| b.is_ascii_digit())
            && date::normalize(value, date::Order::DayFirst, None).is_ok()
        {
            // Dates before phones: `2024-05-02` has phone-like digits and dashes.
            shape.date += 1;
        } else if looks_like_phone(value) {
            shape.phone += 1;
        }
    }
    shape
}

/// Formatted like a phone number: 7–15 digits with phone punctuation or a
/// leading `+`. Bare digit strings are not enough (they are usually ids).
fn looks_like_phone(value: &str) -> bool {
    let Some(cleaned) = phone::clean(value) else {
        return false;
    };
    let digits = cleaned.digits.len();
    let formatted = value.starts_with('+')
        || value.contains([' ', '-', '(', '.'])
        || cleaned.extension.is_some();
    // Letters are a phone's only as an extension marker (`x12`, `ext. 4`):
    // `C-2125550147` and `SF-4155550132` are codes with a prefix, not phones.
    let letters = value.bytes().filter(u8::is_ascii_alphabetic).count();
    (7..=15).contains(&digits)
        && formatted
        && !value.contains(':')
        && (letters == 0 || (cleaned.extension.is_some() && letters < 10))
}

fn majority(count: usize, shape: &Shape) -> bool {
    shape.sampled >= 3 && count * 10 >= shape.sampled * 9
}

/// Infers the role of one column from its header and values.
pub fn infer<'a>(header: &str, values: impl Iterator<Item = &'a str>) -> Inferred {
    let from_header = headers::role(header);
    if from_header == Some(Role::Text) {
        return Inferred {
            role: Role::Text,
            source: Source::Header,
        };
    }
    let shape = shape(values);
    let from_content = if majority(shape.email, &shape) {
        Some(Role::Email)
    } else if majority(shape.phone, &shape) {
        Some(Role::Phone)
    } else if majority(shape.date, &shape) {
        Some(Role::Date)
    } else {
        None
    };
    match (from_header, from_content) {
        // An identifier is never rewritten: content can confirm other
        // roles, but never turn an id-headed column into phone, date, money.
        (Some(Role::Id), _) => Inferred {
            role: Role::Id,
            source: Source::Header,
        },
        (Some(role), Some(content)) if role != content && contradicts(role, &shape) => Inferred {
            role: content,
            source: Source::Content,
        },
        // A yes/no column whose header only looks like a contact field
        // (`同意营销邮件`, "agreed to marketing e-mail"): its values say what
        // it is. Only against a header: a header-less column of 0/1 stays
        // text, since counts and codes look the same.
        (Some(role @ (Role::Email | Role::Phone | Role::Date | Role::Datetime)), None)
            if contradicts(role, &shape) && majority(shape.boolean, &shape) =>
        {
            Inferred {
                role: Role::Boolean,
                source: Source::Content,
            }
        }
        (Some(role), _) => Inferred {
            role,
            source: Source::Header,
        },
        (None, Some(role)) => Inferred {
            role,
            source: Source::Content,
        },
        (None, None) => Inferred {
            role: Role::Text,
            source: Source::Default,
        },
    }
}

/// The content shows almost none of what the header promises.
fn contradicts(role: Role, shape: &Shape) -> bool {
    let matching = match role {
        Role::Email => shape.email,
        Role::Phone => shape.phone,
        Role::Date | Role::Datetime => shape.date,
        // Names, addresses and the rest have no shape to contradict, except
        // that e-mails or phones alone in them mean the header is misleading.
        _ => 0,
    };
    matching * 10 < shape.sampled
}

#[cfg(test)]
mod tests {
    use super::*;

    fn role(header: &str, values: &[&str]) -> Role {
        infer(header, values.iter().copied()).role
    }

    #[test]
    fn headers_in_many_spellings() {
        let cases = [
            ("First Name", Role::FirstName),
            ("given_name", Role::FirstName),
            ("FirstName", Role::FirstName),
            ("Vorname", Role::FirstName),
            ("名", Role::FirstName),
            ("surname", Role::LastName),
            ("Last Name", Role::LastName),
            ("姓", Role::LastName),
            ("姓名", Role::FullName),
            ("Name", Role::FullName),
            ("Full Name", Role::FullName),
            ("Mobile", Role::Phone),
            ("Tel", Role::Phone),
            ("手机", Role::Phone),
            ("电话", Role::Phone),
            ("Phone Number", Role::Phone),
            ("Mobile Phone", Role::Phone),
            ("邮箱", Role::Email),
            ("E-mail", Role::Email),
            ("Email Address", Role::Email),
            ("出生日期", Role::Date),
            ("DOB", Role::Date),
            ("date_of_birth", Role::Date),
            ("Zip", Role::PostalCode),
            ("Postcode", Role::PostalCode),
            ("ZIP Code", Role::PostalCode),
            ("Country/Region", Role::Country),
            ("国家", Role::Country),
            ("Mailing Street", Role::Street),
            ("Address Line 1", Role::Street),
            ("City", Role::City),
            ("State/Province", Role::Region),
            ("Company", Role::Company),
            ("Account Name", Role::Company),
            ("customer_id", Role::Id),
            ("Id", Role::Id),
            ("rec_id", Role::Id),
            ("Account Number", Role::Id),
            ("Client No.", Role::Id),
            ("Record Key", Role::Id),
            ("Mitgliedsnummer", Role::Id),
            ("Kundennummer", Role::Id),
            ("Loyalty Number", Role::Id),
            ("客户号", Role::Id),
            ("会员编号", Role::Id),
            ("顧客番号", Role::Id),
            ("Ref", Role::Id),
            ("Phone Number", Role::Phone),
            ("Mobile No", Role::Phone),
            ("手机号", Role::Phone),
            ("電話番号", Role::Phone),
            ("Zip Code", Role::PostalCode),
            ("House Number", Role::Text),
            ("Created Date", Role::Date),
            ("created_at", Role::Datetime),
            ("Email Opt Out", Role::Boolean),
            ("退订", Role::Boolean),
            ("是否退订邮件", Role::Boolean),
            ("同意营销邮件", Role::Boolean),
            ("is_active", Role::Boolean),
            ("Lifetime Value", Role::Money),
            ("Annual Revenue", Role::Money),
            ("Notes", Role::Text),
            ("备注", Role::Text),
            ("Hotel", Role::Text),
            ("suburb", Role::City),
            ("postleitzahl", Role::PostalCode),
        ];
        let mut failures = Vec::new();
        for (header, want) in cases {
            let got = role(header, &[]);
            if got != want {
                failures.push(format!("{header:?} -> {got:?}, want {want:?}"));
            }
        }
        assert!(failures.is_empty(), "{failures:#?}");
    }

    #[test]
    fn yes_no_values_under_a_contact_header_are_a_flag_but_0_1_alone_are_not() {
        assert_eq!(
            role("Newsletter E-mail", &["yes", "no", "Y", "no"]),
            Role::Boolean
        );
        assert_eq!(role("营销邮件", &["是", "否", "是"]), Role::Boolean);
        assert_eq!(
            role("Email", &["a@x.com", "b@y.org", "c@z.net"]),
            Role::Email
        );
        // A column without a header meaning keeps 0/1 as text (counts).
        assert_eq!(role("Orders", &["0", "1", "1", "0"]), Role::Text);
    }

    #[test]
    fn content_decides_unknown_headers_but_not_notes() {
        let emails = ["a@x.com", "b@y.org", "c@z.net", "d@w.io"];
        let phones = [
            "(415) 555-0132",
            "+44 20 7946 0958",
            "138-1234-5678",
            "+49 30 1234567",
        ];
        let dates = ["2024-05-02", "02.05.2024", "3 May 2021", "2020/1/5"];
        assert_eq!(role("contact", &phones), Role::Phone);
        assert_eq!(role("contact", &emails), Role::Email);
        assert_eq!(role("when", &dates), Role::Date);
        assert_eq!(role("notes", &emails), Role::Text);
        assert_eq!(role("phone", &emails), Role::Email);
        assert_eq!(role("code", &["1001", "1002", "1003", "1004"]), Role::Text);
        // Codes with a letter prefix are not phones, whatever the header.
        let codes = [
            "C-2125550147",
            "C-4155550132",
            "C-3035550199",
            "C-6175550100",
        ];
        assert_eq!(role("contact", &codes), Role::Text);
        assert_eq!(role("Customer ID", &codes), Role::Id);
        let phones_in_id = ["(415) 555-0132", "+44 20 7946 0958", "138-1234-5678"];
        assert_eq!(role("Customer ID", &phones_in_id), Role::Id);
        assert_eq!(
            role(
                "tel",
                &[
                    "+1 415 555 0132 ext. 12",
                    "415-555-0100 x7",
                    "(415) 555-0199"
                ]
            ),
            Role::Phone
        );
        assert_eq!(role("x", &["hello", "world", "foo", "bar"]), Role::Text);
        // One odd value does not overturn a header.
        assert_eq!(
            role(
                "phone",
                &["(415) 555-0132", "n/a", "call later", "+44 20 7946 0958"]
            ),
            Role::Phone
        );
    }
}
