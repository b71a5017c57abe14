//! What a column's header says beyond its role — one home for these
//! meanings, used by matching (birth dates), merge (created / updated dates,
//! identity conflicts), segments (last purchase, order count, lifetime
//! value), role inference and exports (e-mail consent and its polarity).
//! Headers are compared lower-cased, by substring, in the languages CRM
//! exports use.

/// A birth date (`Date of Birth`, `DOB`, `出生日期`, `Geburtsdatum`).
pub const BIRTH: &[&str] = &[
    "birth",
    "dob",
    "born",
    "出生",
    "生日",
    "geburt",
    "naissance",
    "nascimento",
    "nacimiento",
    "生年月日",
];

/// When the record was created (`Created At`, `Signup Date`, `创建时间`).
pub const CREATED: &[&str] = &[
    "created",
    "signup",
    "sign up",
    "registered",
    "first seen",
    "创建",
];

/// When the record last changed (`Updated`, `Last Modified`, `更新时间`).
pub const UPDATED: &[&str] = &["updated", "modified", "last", "changed", "更新", "最后"];

/// The last purchase (`Last Purchase Date`, `最后购买`).
pub const LAST_PURCHASE: &[&str] = &[
    "last purchase",
    "last order",
    "last bought",
    "最后购买",
    "最近购买",
    "最后下单",
    "最近下单",
];

/// How many orders (`Orders`, `Number of Orders`, `订单数`).
pub const ORDER_COUNT: &[&str] = &[
    "orders",
    "order count",
    "purchases",
    "number of orders",
    "购买次数",
    "订单数",
    "下单次数",
];

/// What the customer spent (`Lifetime Value`, `LTV`, `累计消费`).
pub const LIFETIME_VALUE: &[&str] = &[
    "lifetime value",
    "ltv",
    "total spent",
    "total spend",
    "revenue",
    "消费金额",
    "累计消费",
    "总消费",
];

/// A consent column that says the person opted OUT of e-mail (`Email Opt
/// Out`, `Unsubscribed`, `Do Not Email`, `DNC`, `退订`, `拒收`); compared
/// folded (letters and digits only: `Opt-Out` → `optout`).
pub const OPT_OUT: &[&str] = &[
    "optout", "optedout", "unsub", "donot", "dnc", "nomail", "noemail", "退订", "拒收",
];

/// A consent column that says the person opted IN (`Opt In`, `Marketing
/// Consent`, `Subscribed`, `同意`, `订阅`); compared folded.
pub const OPT_IN: &[&str] = &[
    "optin",
    "optedin",
    "consent",
    "subscribed",
    "marketingok",
    "同意",
    "订阅",
];

/// Lower case, letters and digits only (CJK kept): `E-mail Opt Out` →
/// `emailoptout`.
pub fn fold(header: &str) -> String {
    header
        .chars()
        .flat_map(char::to_lowercase)
        .filter(|c| c.is_alphanumeric())
        .collect()
}

/// Whether a consent header means opted out (`Some(true)`) or opted in
/// (`Some(false)`); None when it is not a consent header. Opt-out words
/// win: `Unsubscribed` contains `subscribed`.
pub fn opts_out(header: &str) -> Option<bool> {
    let key = fold(header);
    if OPT_OUT.iter().any(|w| key.contains(w)) {
        Some(true)
    } else if OPT_IN.iter().any(|w| key.contains(w)) {
        Some(false)
    } else {
        None
    }
}

/// Whether a header (as written) contains one of `words`, case ignored.
pub fn says(header: &str, words: &[&str]) -> bool {
    let lower = header.to_lowercase();
    words.iter().any(|w| lower.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consent_headers_say_which_way() {
        assert_eq!(opts_out("Email Opt-Out"), Some(true));
        assert_eq!(opts_out("Unsubscribed"), Some(true));
        assert_eq!(opts_out("HasOptedOutOfEmail"), Some(true));
        assert_eq!(opts_out("是否退订邮件"), Some(true));
        assert_eq!(opts_out("Marketing Consent"), Some(false));
        assert_eq!(opts_out("Newsletter subscribed"), Some(false));
        assert_eq!(opts_out("同意营销邮件"), Some(false));
        assert_eq!(opts_out("Subscription Plan"), None);
        assert_eq!(opts_out("Email"), None);
    }

    #[test]
    fn headers_say_what_they_hold() {
        assert!(says("Date of Birth", BIRTH));
        assert!(says("Geburtsdatum", BIRTH));
        assert!(says("Created At", CREATED));
        assert!(says("Last Modified", UPDATED));
        assert!(says("Last Purchase Date", LAST_PURCHASE));
        assert!(says("订单数", ORDER_COUNT));
        assert!(!says("Email", BIRTH));
    }
}
