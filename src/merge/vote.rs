//! Survivorship by vote, one cluster at a time.
//!
//! - **Valid beats invalid**: a value that is not in its role's normalized
//!   form (a phone that stayed as typed because it is not a valid number, an
//!   e-mail or date that could not be read) never wins over one that is.
//! - **Variants vote together**: values equal after canonicalization (case,
//!   accents, spaces and punctuation, titles, Gmail dots and `+tags`) form
//!   one group; the group with the most members wins; a tie goes to the
//!   most recent member where the rule is `most-recent`, else to the
//!   earliest member. Within the group the best-formed spelling wins: no
//!   title over a title, then the most frequent exact spelling, then
//!   accents over their ASCII fold, then the earliest. Length never breaks
//!   a tie: a typo is not better for being longer.
//! - **Misspellings vote with the spelling**: names and places one edit
//!   apart (two for long ones: `Casron`/`Carson`) join the group with more
//!   support; a nickname that stands for several names (`Nick`) joins the
//!   name present (`Nicholas`). Among spellings, one that other people in
//!   the file share beats one only this cluster has (`Tomás` over
//!   `Toomás`); a short form never beats the formal name (`Kate` →
//!   `Katherine`); an extension completes an office number but is noise on
//!   a mobile.
//! - **Coherent fields**: last, first and full name are chosen in that
//!   order, each among the members that agree (misspellings agree) with the
//!   names already chosen, so the golden person is one member's person;
//!   street, postal code, city and region likewise. Members whose first and
//!   last name are swapped do not vote on names; which way round is right
//!   is read from the file (how often each name is a first or a last name).
//! - **Derived fills**: a full name no member has is built from the chosen
//!   first and last name (family name first, without a space, in CJK); a
//!   country no member has comes from a phone's calling code when only one
//!   country uses it. Lineage marks them `derived`.

use super::Survivorship;
use crate::matching::features::{email_key, fold_name};
use crate::matching::nicknames;
use crate::normalize::{date, email, name, phone};
use crate::schema::Role;
use crate::table::Table;
use std::borrow::Cow;

/// Where one golden field comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Choice {
    /// No member has a value.
    Empty,
    /// This member row's value.
    Member(usize),
    /// Built from other chosen fields.
    Derived(String),
}

/// Whether a value is in its role's normalized form (a value the
/// normalizer rejected stays as typed, so it is not).
pub fn well_formed(role: Role, value: &str) -> bool {
    match role {
        Role::Phone => value.starts_with('+') || value.starts_with("tel:+"),
        Role::Email => email::normalize(value).is_ok_and(|v| v == value),
        Role::Date | Role::Datetime => value.get(..10).is_some_and(date::is_iso_date),
        Role::Country => value.len() == 2 && value.bytes().all(|b| b.is_ascii_uppercase()),
        _ => true,
    }
}

/// The key variants share: `Horst-Günter` and `Horst Gunter`, `Ms. Erica`
/// and `Erica`, `John.Smith@gmail.com` and `johnsmith+crm@googlemail.com`.
///
/// Borrowed where the key is the value itself, trimmed (phones, dates,
/// free text): those are most of the fields a cluster's members spell
/// differently, and a long note copied once per member was the vote's
/// largest allocation.
pub fn canonical(role: Role, value: &str) -> Cow<'_, str> {
    match role {
        // `+447406656376` and `+447406656376;ext=435` are one number.
        Role::Phone => Cow::Borrowed(value.split(";ext=").next().unwrap_or("").trim()),
        Role::Id
        | Role::Country
        | Role::Date
        | Role::Datetime
        | Role::Boolean
        | Role::Money
        | Role::Text => Cow::Borrowed(value.trim()),
        _ => Cow::Owned(canonical_owned(role, value)),
    }
}

/// [`canonical`] of the roles whose key is built (any other role: its
/// trimmed value).
fn canonical_owned(role: Role, value: &str) -> String {
    match role {
        Role::Email => email_key(value),
        Role::FirstName => {
            // `Liz`, `Beth` and `Elizabeth` are one first name.
            let untitled = name::without_titles(value);
            let folded = fold_name(untitled.as_deref().unwrap_or(value));
            nicknames::canonical(&folded).replace(' ', "")
        }
        Role::Street => street_key(value),
        Role::LastName | Role::FullName | Role::Company | Role::City | Role::Region => {
            let untitled = name::without_titles(value);
            let folded = fold_name(untitled.as_deref().unwrap_or(value));
            folded.replace(' ', "")
        }
        Role::PostalCode => value
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_uppercase())
            .collect(),
        _ => value.trim().to_string(),
    }
}

/// A street with its abbreviations spelled out: `Oak Ave` and `Oak
/// Avenue`, `Hauptstr.` and `Hauptstraße` are one street.
fn street_key(value: &str) -> String {
    fold_name(value)
        .split(' ')
        .map(|word| {
            let long = match word {
                "st" => "street",
                "rd" => "road",
                "ave" | "av" => "avenue",
                "blvd" => "boulevard",
                "ln" => "lane",
                "dr" => "drive",
                "ct" => "court",
                "pl" => "place",
                "sq" => "square",
                "hwy" => "highway",
                "str" => "strasse",
                w => w,
            };
            match long.strip_suffix("str") {
                Some(stem) => format!("{stem}strasse"),
                None => long.to_string(),
            }
        })
        .collect()
}

/// The member row that wins `column` among `pool` (rows with a value).
pub fn vote(
    table: &Table,
    column: usize,
    role: Role,
    pool: &[usize],
    rule: Survivorship,
    recency: Option<usize>,
    in_file: Option<&Frequencies>,
) -> Option<usize> {
    let values = &table.columns[column];
    // Members that all spell it alike (most fields of most clusters): one
    // group, and every tie-break below ends at the earliest row. Checked
    // before the well-formed filter, which cannot change the answer here
    // (alike values are all well formed or all not) and costs an e-mail
    // normalization per member.
    let all_alike = |pool: &[usize]| {
        pool.split_first().is_some_and(|(&first, rest)| {
            let value = values.get(first);
            rest.iter().all(|&r| values.get(r) == value)
        })
    };
    if all_alike(pool) {
        return pool.iter().copied().min();
    }
    let valid: Vec<usize> = pool
        .iter()
        .copied()
        .filter(|&r| well_formed(role, values.get(r)))
        .collect();
    let pool = if valid.is_empty() { pool } else { &valid[..] };
    if all_alike(pool) {
        return pool.iter().copied().min();
    }
    // How often a group's spellings occur in the whole column.
    let common = |rows: &[usize]| -> u64 {
        let Some(counts) = in_file else { return 0 };
        let mut seen: Vec<&str> = Vec::new();
        let mut total = 0u64;
        for &r in rows {
            let value = values.get(r);
            if !seen.contains(&value) {
                seen.push(value);
                total += u64::from(counts.get(&value_hash(value)).copied().unwrap_or(0));
            }
        }
        total
    };
    // Each row's canonical key, computed once per spelling (it folds and
    // strips titles; members mostly repeat one another's spellings).
    let mut keyed: Vec<(usize, Cow<str>)> = Vec::with_capacity(pool.len());
    for (i, &r) in pool.iter().enumerate() {
        let value = values.get(r);
        let key = match pool[..i].iter().position(|&o| values.get(o) == value) {
            Some(earlier) => keyed[earlier].1.clone(),
            None => canonical(role, value),
        };
        keyed.push((r, key));
    }
    let key_of = |r: usize| -> &str {
        keyed
            .iter()
            .find(|(row, _)| *row == r)
            .map_or("", |(_, key)| key.as_ref())
    };
    // Groups of variants, in order of first appearance.
    let mut groups: Vec<(Cow<str>, Vec<usize>)> = Vec::new();
    for (r, key) in &keyed {
        match groups.iter_mut().find(|(k, _)| k == key) {
            Some((_, rows)) => rows.push(*r),
            None => groups.push((key.clone(), vec![*r])),
        }
    }
    merge_variant_groups(&mut groups, role, values, &common);
    // A first-name initial (`M.`) supports the full names it may abbreviate
    // (by their spelling: `L.` supports `Liam`, whose key is `william`) but
    // is never the spelling chosen while a full name is there.
    let initial_of = |rows: &[usize]| -> Option<char> {
        rows.first()
            .and_then(|&r| fold_name(values.get(r)).chars().next())
    };
    let mut initials: Vec<char> = Vec::new();
    // (Only where some group is an initial: the spellings are folded here.)
    let has_initial = groups.iter().any(|(k, _)| k.chars().nth(1).is_none());
    if role == Role::FirstName && has_initial {
        let full_starts: Vec<char> = groups
            .iter()
            .filter(|(k, _)| k.chars().count() > 1)
            .filter_map(|(_, rows)| initial_of(rows))
            .collect();
        groups.retain(|(key, rows)| {
            let mut chars = key.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) if full_starts.contains(&c) => {
                    initials.extend(std::iter::repeat_n(c, rows.len()));
                    false
                }
                _ => true,
            }
        });
    }
    // Each group's support, latest member and spelling count, computed once
    // (the comparisons below would otherwise redo them, folding names and
    // allocating, for every pair of groups they compare).
    let support: Vec<usize> = groups
        .iter()
        .map(|(key, rows)| {
            if initials.is_empty() {
                return rows.len();
            }
            let first = if key.chars().count() > 1 {
                initial_of(rows)
            } else {
                key.chars().next()
            };
            rows.len() + initials.iter().filter(|&&c| Some(c) == first).count()
        })
        .collect();
    let by_recency = rule == Survivorship::MostRecent && recency.is_some();
    let latest: Vec<&str> = groups
        .iter()
        .map(|(_, rows)| match recency {
            Some(c) if by_recency => rows
                .iter()
                .map(|&r| table.columns[c].get(r))
                .max()
                .unwrap_or(""),
            _ => "",
        })
        .collect();
    let commonness: Vec<u64> = groups.iter().map(|(_, rows)| common(rows)).collect();
    // Most support; then (most-recent) the latest member; then the spelling
    // more common in the whole column (`Richard` over a one-off `Richrad`,
    // a first name over a surname in the first-name column); then the first.
    let winners = (0..groups.len()).max_by(|&i, &j| {
        support[i]
            .cmp(&support[j])
            .then_with(|| latest[i].cmp(latest[j]))
            .then_with(|| commonness[i].cmp(&commonness[j]))
            .then_with(|| j.cmp(&i))
    })?;
    let winners = &groups[winners];
    let winners = &winners.1;
    best_spelling(values, winners, role, in_file, key_of)
}

/// Whether two canonical keys are one value misspelled: equal, or (names
/// and places of four letters or more) one edit apart — two for long
/// values (`Casron`/`Carson`, `Jseph`/`Joseph`, `Kaaherine`/`Katherine`).
pub fn variant(role: Role, a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    if !matches!(
        role,
        Role::FirstName | Role::LastName | Role::FullName | Role::City | Role::Company
    ) {
        return false;
    }
    let (a_len, b_len) = (a.chars().count(), b.chars().count());
    let allowed = match a_len.min(b_len) {
        0..=3 => return false,
        4..=7 => 1,
        _ => 2,
    };
    // Cheap exact answers before the general distance (a table and a hash
    // map per call): lengths further apart than the edits allowed, and one
    // edit on ASCII keys (where bytes are characters).
    if a_len.abs_diff(b_len) > allowed {
        return false;
    }
    if allowed == 1 && a.is_ascii() && b.is_ascii() {
        return crate::matching::compare::within_one_edit(a, b);
    }
    strsim::damerau_levenshtein(a, b) <= allowed
}

/// Folds groups into the group they are a variant of: a misspelling into
/// the spelling with more support (or, at equal support, the one more
/// common in the file), and a first-name nickname that stands for several
/// names (`Nick`) into the group of a name present (`Nicholas`).
fn merge_variant_groups(
    groups: &mut Vec<(Cow<str>, Vec<usize>)>,
    role: Role,
    values: &crate::table::Column,
    common: &dyn Fn(&[usize]) -> u64,
) {
    if groups.len() < 2 {
        return;
    }
    if role == Role::FirstName {
        let mut k = 0;
        while k < groups.len() {
            let heads: Vec<&str> = groups[k]
                .1
                .iter()
                .flat_map(|&r| nicknames::heads(&fold_name(values.get(r)).replace(' ', "")))
                .copied()
                .collect();
            let into = (0..groups.len()).find(|&h| h != k && heads.contains(&&*groups[h].0));
            match into {
                Some(h) => {
                    let rows = std::mem::take(&mut groups[k].1);
                    groups[h].1.extend(rows);
                    groups.remove(k);
                }
                None => k += 1,
            }
        }
    }
    // Strongest first; each weaker group joins the first stronger variant.
    let strength: Vec<(usize, u64)> = groups
        .iter()
        .map(|(_, rows)| (rows.len(), common(rows)))
        .collect();
    let mut order: Vec<usize> = (0..groups.len()).collect();
    order.sort_by(|&a, &b| strength[b].cmp(&strength[a]).then(a.cmp(&b)));
    let mut target: Vec<Option<usize>> = vec![None; groups.len()];
    for (i, &g) in order.iter().enumerate() {
        target[g] = order[..i]
            .iter()
            .copied()
            .filter(|&s| target[s].is_none())
            .find(|&s| variant(role, &groups[s].0, &groups[g].0));
    }
    if target.iter().all(Option::is_none) {
        return;
    }
    for g in 0..groups.len() {
        if let Some(s) = target[g] {
            let rows = std::mem::take(&mut groups[g].1);
            groups[s].1.extend(rows);
        }
    }
    groups.retain(|(_, rows)| !rows.is_empty());
}

/// The best-formed spelling among one group's rows: no title; the formal
/// first name over a nickname; the spelled-out street over an abbreviation;
/// then the most frequent exact spelling; then accents over their fold;
/// then the spelling more common in the whole column.
fn best_spelling<'k>(
    values: &crate::table::Column,
    rows: &[usize],
    role: Role,
    in_file: Option<&Frequencies>,
    key_of: impl Fn(usize) -> &'k str,
) -> Option<usize> {
    // One spelling among the winners (the usual case): every criterion
    // below ties, and the earliest row wins.
    if let Some((&first, rest)) = rows.split_first() {
        let spelling = values.get(first);
        if rest.iter().all(|&r| values.get(r) == spelling) {
            return rows.iter().copied().min();
        }
    }
    // Per row, computed once: its canonical key (from the vote), how often
    // its exact spelling occurs in the cluster, and whether other people in
    // the file write it so too.
    let keys: Vec<&str> = rows.iter().map(|&r| key_of(r)).collect();
    let in_cluster: Vec<usize> = rows
        .iter()
        .map(|&r| {
            rows.iter()
                .filter(|&&o| values.get(o) == values.get(r))
                .count()
        })
        .collect();
    let known_elsewhere: Vec<bool> = rows
        .iter()
        .zip(&in_cluster)
        .map(|(&r, &n)| in_file.is_some_and(|counts| count(counts, values.get(r)) as usize > n))
        .collect();
    (0..rows.len())
        .min_by_key(|&i| {
            let r = rows[i];
            let value = values.get(r);
            let titled = name::without_titles(value).is_some();
            let nickname = role == Role::FirstName
                && nicknames::is_diminutive(&fold_name(value).replace(' ', ""));
            let file_count = in_file.map_or(0, |counts| count(counts, value));
            // An extension completes an office number; on a mobile number,
            // which has none, it is noise.
            let extension = role == Role::Phone && value.contains(";ext=");
            let noise = extension && phone_is_mobile(value);
            let spelled_out = match role {
                Role::Street => value.chars().count(),
                Role::Phone => usize::from(extension),
                _ => 0,
            };
            let frequency = in_cluster[i];
            // A spelling other people in the file share (`Tomás`) beats one
            // only this cluster has (`Toomás`), whatever the count inside it.
            let seen_elsewhere = (0..rows.len()).any(|o| known_elsewhere[o] && keys[o] == keys[i]);
            let accents = value.chars().filter(|c| !c.is_ascii()).count();
            (
                noise,
                titled,
                nickname,
                std::cmp::Reverse(spelled_out),
                !seen_elsewhere,
                std::cmp::Reverse(frequency),
                std::cmp::Reverse(accents),
                std::cmp::Reverse(file_count),
                r,
            )
        })
        .map(|i| rows[i])
}

/// How often each exact value occurs in a whole column, by a 64-bit hash of
/// the value (no copy of the column's text).
pub type Frequencies = rustc_hash::FxHashMap<u64, u32>;

/// Whether a normalized (E.164) phone value is a mobile number.
fn phone_is_mobile(value: &str) -> bool {
    let digits: String = value
        .split(";ext=")
        .next()
        .unwrap_or("")
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    phone::metadata::parse(&digits, true, None)
        .is_ok_and(|parsed| phone::metadata::is_mobile(&parsed))
}

/// How often `value` occurs in the column `counts` were taken of.
pub fn count(counts: &Frequencies, value: &str) -> u32 {
    counts.get(&value_hash(value)).copied().unwrap_or(0)
}

fn value_hash(value: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = rustc_hash::FxHasher::default();
    value.hash(&mut hasher);
    hasher.finish()
}

/// Whether a role's ties are broken by how common a value is in the file:
/// names and places, where a one-off spelling is likely a typo.
pub fn uses_frequencies(role: Role) -> bool {
    matches!(
        role,
        Role::FirstName | Role::LastName | Role::Street | Role::City | Role::Company
    )
}

/// Exact-value counts of one column (in parallel pieces, merged). Exact,
/// not canonical: folding every value of a large file costs more than the
/// tie-break is worth, and the spellings in a tie are what is compared.
/// Adds the spellings of `values` to `counts` (the external merge counts a
/// column block by block; the same counts as [`frequencies`] on the whole).
pub fn count_into(counts: &mut Frequencies, values: &crate::table::Column) {
    for value in values.iter() {
        if !value.is_empty() {
            *counts.entry(value_hash(value)).or_default() += 1;
        }
    }
}

pub fn frequencies(table: &Table, column: usize) -> Frequencies {
    use rayon::prelude::*;
    let values = &table.columns[column];
    let rows = values.len();
    (0..rows.div_ceil(65_536))
        .into_par_iter()
        .map(|k| {
            let mut counts = Frequencies::default();
            for r in k * 65_536..((k + 1) * 65_536).min(rows) {
                let value = values.get(r);
                if !value.is_empty() {
                    *counts.entry(value_hash(value)).or_default() += 1;
                }
            }
            counts
        })
        .reduce(Frequencies::default, |mut a, b| {
            for (key, n) in b {
                *a.entry(key).or_default() += n;
            }
            a
        })
}

/// Columns chosen together, anchor first: names, then addresses.
pub fn coherent_groups(roles: &[Role]) -> Vec<Vec<usize>> {
    let ordered = |order: &[Role]| -> Vec<usize> {
        order
            .iter()
            .flat_map(|role| (0..roles.len()).filter(move |&c| roles[c] == *role))
            .collect()
    };
    [
        ordered(&[Role::LastName, Role::FirstName, Role::FullName]),
        ordered(&[Role::Street, Role::PostalCode, Role::City, Role::Region]),
    ]
    .into_iter()
    .filter(|g| g.len() > 1)
    .collect()
}

/// A country from an E.164 phone whose calling code only one country uses.
pub fn country_of_phone(value: &str) -> Option<&'static str> {
    let digits = value
        .strip_prefix("tel:")
        .unwrap_or(value)
        .strip_prefix('+')?;
    let digits: String = digits.chars().take_while(|c| c.is_ascii_digit()).collect();
    let parsed = phone::metadata::parse(&digits, true, None).ok()?;
    phone::metadata::sole_region_for_code(parsed.country_code)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(column: &[&str]) -> Table {
        let mut t = Table::new(vec!["c".into()]);
        for v in column {
            t.push_row([*v]);
        }
        t
    }

    fn pick(values: &[&str], role: Role) -> Option<usize> {
        let t = table(values);
        let rows: Vec<usize> = (0..values.len())
            .filter(|&r| !values[r].is_empty())
            .collect();
        vote(&t, 0, role, &rows, Survivorship::MostFrequent, None, None)
    }

    /// `vote` with whole-column frequencies of `file` (the other people).
    fn pick_in_file(values: &[&str], file: &[&str], role: Role) -> Option<usize> {
        let mut all: Vec<&str> = values.to_vec();
        all.extend_from_slice(file);
        let t = table(&all);
        let counts = frequencies(&t, 0);
        let rows: Vec<usize> = (0..values.len())
            .filter(|&r| !values[r].is_empty())
            .collect();
        vote(
            &t,
            0,
            role,
            &rows,
            Survivorship::MostFrequent,
            None,
            Some(&counts),
        )
    }

    #[test]
    fn misspellings_vote_with_the_spelling_and_the_file_knows_which_is_right() {
        // `Nicholsa` and `Nichloas` are `Nicholas` misspelled; `Nick` is
        // (also) Nicholas: four votes for Nicholas, spelled right.
        assert_eq!(
            pick_in_file(
                &["Nick", "Nicholsa", "Nick", "Nicholas", "Nichloas"],
                &["Nicholas"],
                Role::FirstName
            ),
            Some(3)
        );
        // One each: the spelling other people share wins over a one-off.
        assert_eq!(
            pick_in_file(&["Toomás", "Tomás"], &["Tomás", "Tomás"], Role::FirstName),
            Some(1)
        );
        // An initial supports the name it abbreviates by its spelling
        // (`Liam`, whose nickname key is William), and the file breaks the tie.
        assert_eq!(
            pick_in_file(&["Lim", "L.", "Liam"], &["Liam"], Role::FirstName),
            Some(2)
        );
        // Short names are not fuzzy: `Ann` and `Amy` stay two names.
        assert!(!variant(Role::FirstName, "ann", "amy"));
        assert!(variant(Role::LastName, "carson", "casron"));
        assert!(!variant(Role::Email, "a@x.com", "a@x.co"));
    }

    #[test]
    fn a_formal_spelling_is_not_a_nickname() {
        // `Katherine` is a spelling of Catherine, `Kate` a short form.
        assert_eq!(pick(&["Kate", "Katherine"], Role::FirstName), Some(1));
        assert_eq!(
            pick(&["Kate", "Kate", "Katherine"], Role::FirstName),
            Some(2)
        );
    }

    #[test]
    fn an_extension_completes_an_office_number_but_not_a_mobile() {
        // +44 7406 … is a UK mobile: the extension is noise.
        assert_eq!(
            pick(&["+447406656376;ext=435", "+447406656376"], Role::Phone),
            Some(1)
        );
        // +44 20 7946 … is a London line: the extension is more complete.
        assert_eq!(
            pick(&["+442079460958", "+442079460958;ext=12"], Role::Phone),
            Some(1)
        );
    }

    #[test]
    fn the_majority_spelling_wins_and_a_longer_typo_does_not() {
        assert_eq!(pick(&["Smith", "Smitnn", "Smith"], Role::LastName), Some(0));
        assert_eq!(pick(&["Smitnn", "Smith", "Smith"], Role::LastName), Some(1));
        // A tie is not won by length: the earliest member's spelling stays.
        assert_eq!(pick(&["Smith", "Smitnn"], Role::LastName), Some(0));
    }

    #[test]
    fn variants_vote_together_and_the_best_spelling_wins() {
        assert_eq!(
            pick(&["Horst-Gunter", "Horst-Günter"], Role::FirstName),
            Some(1)
        );
        assert_eq!(pick(&["Ms. Erica", "Erica"], Role::FirstName), Some(1));
        assert_eq!(pick(&["鈴木 翼様", "鈴木翼"], Role::FullName), Some(1));
        // Two Gmail spellings of one mailbox outvote a third address.
        assert_eq!(
            pick(
                &[
                    "jimenez.robert@gmail.com",
                    "jimenez.robe.rt@googlemail.com",
                    "jimenezrobert@gmail.com"
                ],
                Role::Email
            ),
            Some(0)
        );
    }

    #[test]
    fn formal_names_and_spelled_out_streets_beat_nicknames_initials_and_abbreviations() {
        assert_eq!(pick(&["Liz", "Elizabeth"], Role::FirstName), Some(1));
        assert_eq!(pick(&["M.", "Margaret"], Role::FirstName), Some(1));
        // The initial supports Margaret against one Tom (and, ambiguous,
        // both Mary and Margaret: then the earliest).
        assert_eq!(pick(&["Tom", "M.", "Margaret"], Role::FirstName), Some(2));
        assert_eq!(pick(&["Mary", "M.", "Margaret"], Role::FirstName), Some(0));
        assert_eq!(
            pick(&["192 Oak Ave", "192 Oak Avenue"], Role::Street),
            Some(1)
        );
        assert_eq!(
            pick(&["Hauptstr. 5", "Hauptstraße 5"], Role::Street),
            Some(1)
        );
    }

    #[test]
    fn a_tie_goes_to_the_spelling_common_in_the_file() {
        let mut t = table(&["Richrad", "Richard"]);
        for _ in 0..5 {
            t.push_row(["Richard"]);
        }
        let counts = frequencies(&t, 0);
        let tie = vote(
            &t,
            0,
            Role::FirstName,
            &[0, 1],
            Survivorship::MostFrequent,
            None,
            Some(&counts),
        );
        assert_eq!(tie, Some(1));
    }

    #[test]
    fn an_invalid_value_never_wins_over_a_valid_one() {
        assert_eq!(
            pick(&["9999999999", "9999999999", "+14075550100"], Role::Phone),
            Some(2)
        );
        assert_eq!(pick(&["not a date", "1980-02-01"], Role::Date), Some(1));
        // All invalid: the vote still picks one, never nothing.
        assert_eq!(pick(&["9999999999", "123"], Role::Phone), Some(0));
    }

    #[test]
    fn derived_values() {
        let full_name = crate::normalize::name::join_full;
        assert_eq!(full_name("John", "Smith"), "John Smith");
        assert_eq!(full_name("伟", "王"), "王伟");
        assert_eq!(country_of_phone("+4930123456"), Some("DE"));
        assert_eq!(country_of_phone("+14155550132"), None);
    }

    proptest::proptest! {
        #[test]
        fn variant_shortcuts_agree_with_the_full_distance(
            a in "[a-eé ]{0,12}",
            b in "[a-eé ]{0,12}",
        ) {
            let full = |a: &str, b: &str| {
                if a == b {
                    return true;
                }
                let shorter = a.chars().count().min(b.chars().count());
                let allowed = match shorter {
                    0..=3 => return false,
                    4..=7 => 1,
                    _ => 2,
                };
                strsim::damerau_levenshtein(a, b) <= allowed
            };
            proptest::prop_assert_eq!(variant(Role::LastName, &a, &b), full(&a, &b));
        }
    }
}
