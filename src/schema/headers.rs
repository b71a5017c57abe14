//! Header spellings → roles. Headers are folded (lower case, only letters and
//! digits kept, CJK kept) and looked up exactly first, then by the words they
//! contain.

use super::{meaning, Role};

use meaning::fold;

const EXACT: &[(&str, Role)] = &[
    // ids
    ("id", Role::Id),
    ("recid", Role::Id),
    ("recordid", Role::Id),
    ("customerid", Role::Id),
    ("contactid", Role::Id),
    ("clientid", Role::Id),
    ("custid", Role::Id),
    ("accountid", Role::Id),
    ("leadid", Role::Id),
    ("crmid", Role::Id),
    ("externalid", Role::Id),
    ("uid", Role::Id),
    ("uuid", Role::Id),
    ("客户编号", Role::Id),
    ("编号", Role::Id),
    ("客户id", Role::Id),
    ("序号", Role::Id),
    ("kundennummer", Role::Id),
    ("customernumber", Role::Id),
    // names
    ("firstname", Role::FirstName),
    ("givenname", Role::FirstName),
    ("forename", Role::FirstName),
    ("fname", Role::FirstName),
    ("first", Role::FirstName),
    ("名", Role::FirstName),
    ("名字", Role::FirstName),
    ("vorname", Role::FirstName),
    ("prenom", Role::FirstName),
    ("prénom", Role::FirstName),
    ("nombre", Role::FirstName),
    ("primeironome", Role::FirstName),
    ("nome", Role::FirstName),
    ("lastname", Role::LastName),
    ("surname", Role::LastName),
    ("familyname", Role::LastName),
    ("lname", Role::LastName),
    ("last", Role::LastName),
    ("姓", Role::LastName),
    ("姓氏", Role::LastName),
    ("nachname", Role::LastName),
    ("nom", Role::LastName),
    ("apellido", Role::LastName),
    ("apellidos", Role::LastName),
    ("sobrenome", Role::LastName),
    ("familienname", Role::LastName),
    ("name", Role::FullName),
    ("fullname", Role::FullName),
    ("contactname", Role::FullName),
    ("customername", Role::FullName),
    ("姓名", Role::FullName),
    ("联系人", Role::FullName),
    ("客户姓名", Role::FullName),
    ("displayname", Role::FullName),
    ("氏名", Role::FullName),
    ("名前", Role::FullName),
    ("nomecompleto", Role::FullName),
    ("nombrecompleto", Role::FullName),
    // contact
    ("email", Role::Email),
    ("mail", Role::Email),
    ("emailaddress", Role::Email),
    ("邮箱", Role::Email),
    ("电子邮件", Role::Email),
    ("电子邮箱", Role::Email),
    ("邮件", Role::Email),
    ("メール", Role::Email),
    ("phone", Role::Phone),
    ("tel", Role::Phone),
    ("telephone", Role::Phone),
    ("mobile", Role::Phone),
    ("cell", Role::Phone),
    ("手机", Role::Phone),
    ("电话", Role::Phone),
    ("手机号", Role::Phone),
    ("手机号码", Role::Phone),
    ("联系电话", Role::Phone),
    ("電話", Role::Phone),
    ("電話番号", Role::Phone),
    ("telefon", Role::Phone),
    ("téléphone", Role::Phone),
    ("telefone", Role::Phone),
    ("teléfono", Role::Phone),
    ("telefono", Role::Phone),
    ("celular", Role::Phone),
    ("handy", Role::Phone),
    ("fax", Role::Phone),
    ("座机", Role::Phone),
    // organisation and address
    ("company", Role::Company),
    ("companyname", Role::Company),
    ("account", Role::Company),
    ("accountname", Role::Company),
    ("organization", Role::Company),
    ("organisation", Role::Company),
    ("employer", Role::Company),
    ("公司", Role::Company),
    ("公司名称", Role::Company),
    ("单位", Role::Company),
    ("firma", Role::Company),
    ("société", Role::Company),
    ("societe", Role::Company),
    ("empresa", Role::Company),
    ("会社", Role::Company),
    ("会社名", Role::Company),
    ("street", Role::Street),
    ("address", Role::Street),
    ("address1", Role::Street),
    ("addressline1", Role::Street),
    ("street1", Role::Street),
    ("streetaddress", Role::Street),
    ("mailingstreet", Role::Street),
    ("地址", Role::Street),
    ("街道", Role::Street),
    ("详细地址", Role::Street),
    ("住所", Role::Street),
    ("strasse", Role::Street),
    ("straße", Role::Street),
    ("rue", Role::Street),
    ("rua", Role::Street),
    ("calle", Role::Street),
    ("adresse", Role::Street),
    ("endereco", Role::Street),
    ("endereço", Role::Street),
    ("direccion", Role::Street),
    ("dirección", Role::Street),
    ("address2", Role::Street),
    ("city", Role::City),
    ("town", Role::City),
    ("城市", Role::City),
    ("市", Role::City),
    ("stadt", Role::City),
    ("ort", Role::City),
    ("ville", Role::City),
    ("cidade", Role::City),
    ("ciudad", Role::City),
    ("suburb", Role::City),
    ("locality", Role::City),
    ("mailingcity", Role::City),
    ("市区町村", Role::City),
    ("state", Role::Region),
    ("province", Role::Region),
    ("region", Role::Region),
    ("county", Role::Region),
    ("省", Role::Region),
    ("省份", Role::Region),
    ("stateprovince", Role::Region),
    ("bundesland", Role::Region),
    ("mailingstate", Role::Region),
    ("都道府県", Role::Region),
    ("estado", Role::Region),
    ("zip", Role::PostalCode),
    ("zipcode", Role::PostalCode),
    ("postcode", Role::PostalCode),
    ("postalcode", Role::PostalCode),
    ("postleitzahl", Role::PostalCode),
    ("plz", Role::PostalCode),
    ("cep", Role::PostalCode),
    ("codigopostal", Role::PostalCode),
    ("codepostal", Role::PostalCode),
    ("邮编", Role::PostalCode),
    ("邮政编码", Role::PostalCode),
    ("郵便番号", Role::PostalCode),
    ("mailingpostalcode", Role::PostalCode),
    ("pincode", Role::PostalCode),
    ("country", Role::Country),
    ("countryregion", Role::Country),
    ("countrycode", Role::Country),
    ("nation", Role::Country),
    ("国家", Role::Country),
    ("国家地区", Role::Country),
    ("国家或地区", Role::Country),
    ("land", Role::Country),
    ("pays", Role::Country),
    ("país", Role::Country),
    ("pais", Role::Country),
    ("mailingcountry", Role::Country),
    ("国", Role::Country),
    // dates
    ("dob", Role::Date),
    ("dateofbirth", Role::Date),
    ("birthdate", Role::Date),
    ("birthday", Role::Date),
    ("出生日期", Role::Date),
    ("生日", Role::Date),
    ("geburtsdatum", Role::Date),
    ("生年月日", Role::Date),
    // text
    ("notes", Role::Text),
    ("note", Role::Text),
    ("comment", Role::Text),
    ("comments", Role::Text),
    ("description", Role::Text),
    ("remarks", Role::Text),
    ("remark", Role::Text),
    ("备注", Role::Text),
    ("memo", Role::Text),
    ("bemerkung", Role::Text),
    ("notiz", Role::Text),
    ("说明", Role::Text),
    ("title", Role::Text),
    ("salutation", Role::Text),
];

/// Word rules in order; the first whose test matches wins.
const CONTAINS: &[(&[&str], Role)] = &[
    // Consent headers (their words and polarity live in schema::meaning)
    // and other yes/no headers; 是否 ("whether": 是否退订邮件, 是否会员).
    // Before 邮件, which would make them e-mail.
    (meaning::OPT_OUT, Role::Boolean),
    (meaning::OPT_IN, Role::Boolean),
    (&["isactive", "active", "verified", "是否"], Role::Boolean),
    (&["email", "邮箱", "邮件"], Role::Email),
    (
        &[
            "phone", "mobile", "cellular", "telefon", "手机", "电话", "fax",
        ],
        Role::Phone,
    ),
    (&["firstname", "givenname", "forename"], Role::FirstName),
    (&["lastname", "surname", "familyname"], Role::LastName),
    (&["zip", "postcode", "postal", "邮编"], Role::PostalCode),
    (&["country", "国家"], Role::Country),
    (&["birth", "dob", "出生", "生日"], Role::Date),
    (
        &["companyname", "accountname", "company", "organi", "公司"],
        Role::Company,
    ),
    (&["street", "address", "地址"], Role::Street),
    (&["city", "城市"], Role::City),
    (&["state", "province", "省"], Role::Region),
    (
        &[
            "amount", "revenue", "value", "spend", "spent", "price", "balance", "金额", "消费",
            "sales", "ltv",
        ],
        Role::Money,
    ),
    (&["date", "日期"], Role::Date),
    (&["time", "timestamp", "时间"], Role::Datetime),
    (&["name", "姓名"], Role::FullName),
    (
        &["note", "comment", "remark", "description", "备注"],
        Role::Text,
    ),
];

/// What an identifier's header starts with (folded): whose number it is.
const ID_OWNERS: &[&str] = &[
    "customer",
    "client",
    "contact",
    "account",
    "member",
    "membership",
    "loyalty",
    "record",
    "lead",
    "crm",
    "external",
    "user",
    "person",
    "party",
    "partner",
    "kunden",
    "mitglieds",
    "cliente",
    "socio",
    "numero",
    "order",
    "invoice",
    "ref",
    "reference",
    "sf",
    "salesforce",
    "hubspot",
    "zoho",
    "dynamics",
    "source",
    "legacy",
];
/// How an identifier's header ends (folded): `… Number`, `… No`, `… Key`.
const ID_ENDINGS: &[&str] = &[
    "id", "key", "number", "no", "nr", "num", "nummer", "code", "ref", "guid", "uuid",
];

/// A header that names an identifier: `Account Number`, `Client No.`,
/// `Record Key`, `Mitgliedsnummer`, `客户号`, `会员编号`, `顧客番号` — but
/// not `Phone Number` or `手机号` (phone words are checked by the caller's
/// later rules only when this says no, so they are excluded here).
fn is_identifier(key: &str) -> bool {
    const NOT_IDS: &[&str] = &[
        "phone", "mobile", "tel", "fax", "cell", "zip", "postal", "post", "country", "手机",
        "电话", "電話", "号码", "邮编", "house", "street", "vat", "tax",
    ];
    if NOT_IDS.iter().any(|w| key.contains(w)) {
        return false;
    }
    if matches!(key, "no" | "nr" | "key" | "ref" | "reference" | "guid") {
        return true;
    }
    let cjk = ["编号", "番号", "客户号", "会员号", "订单号", "档案号"];
    if cjk.iter().any(|w| key.contains(w)) {
        return true;
    }
    ID_OWNERS.iter().any(|owner| {
        key.strip_prefix(owner)
            .is_some_and(|rest| ID_ENDINGS.contains(&rest))
    })
}

/// The role a header names, if it names one.
pub fn role(header: &str) -> Option<Role> {
    let key = fold(header);
    if key.is_empty() {
        return None;
    }
    if let Some((_, role)) = EXACT.iter().find(|(name, _)| *name == key) {
        return Some(*role);
    }
    let lower = header.trim().to_lowercase();
    // `created_at`, `updatedAt`, `Last Modified At`
    if lower.ends_with("_at") || lower.ends_with(" at") || header.trim().ends_with("At") {
        return Some(Role::Datetime);
    }
    // `customer_id`, `Contact ID`, `accountId`
    if lower.ends_with("_id")
        || lower.ends_with(" id")
        || lower.ends_with("-id")
        || header.trim().ends_with("Id")
    {
        return Some(Role::Id);
    }
    if key.starts_with("is") || key.starts_with("has") {
        let rest = key.trim_start_matches("is").trim_start_matches("has");
        if !rest.is_empty()
            && (lower.starts_with("is_") || lower.starts_with("has_") || lower.starts_with("is "))
        {
            return Some(Role::Boolean);
        }
    }
    if is_identifier(&key) {
        return Some(Role::Id);
    }
    // `tel` only as a whole word: `hotel` is not a phone.
    if lower
        .split(|c: char| !c.is_alphanumeric())
        .any(|w| w == "tel" || w == "cell")
    {
        return Some(Role::Phone);
    }
    CONTAINS
        .iter()
        .find(|(words, _)| words.iter().any(|w| key.contains(w)))
        .map(|(_, role)| *role)
}
