//! Given names whose bearers are overwhelmingly of one gender, from the US
//! Census 1990 first-name lists (public domain; extracted by
//! `scripts/given_names.py` into `given_name_genders.tsv`, with the full
//! frequencies in `fixtures/given_names/census1990.tsv`).
//!
//! What it is for: telling two names from a typo of one. `Paul` / `Paula`,
//! `John` / `Joan`, `Eric` / `Erica`, `Mario` / `Maria` are one edit apart,
//! so a string comparison calls them similar; a household holds both. When
//! both first names are known names of different genders the matcher
//! compares them as different names (see `compare::first_name`).
//!
//! Guarantees: a gender only for a name the lists agree on (one gender at
//! least ten times as frequent as the other: `Jean`, `Chris`, `Robin` have
//! none), of at least four letters (short names collide across languages:
//! `Jan` is a man in Amsterdam), and written in Latin script (the lists
//! describe Latin-script names; a transliterated Chinese `娟` is `juan`, not
//! the Spanish man's name). Anything else is unknown, never guessed.
//!
//! The same lists say which names are names at all ([`known`], of any
//! gender and length): one letter replaced in a short name is a typo when
//! one side is no name we know (`Yni` / `Yui`), two names when both are
//! (`Ava` / `Ana`).
//!
//! Known limit: the lists are US usage. A few names change gender across
//! languages (`Adrien` is a French man's name, a US woman's; `Simone` an
//! Italian man's): such a record compared with another language's spelling
//! of the same name (`Adrian`) counts as a different first name, which the
//! other fields can still outweigh unless a household guard applies. Names
//! that the nickname table joins (`Andrea` / `Andreas` / `Andrew`) are
//! compared as one name before genders are read.

use std::collections::HashMap;
use std::sync::OnceLock;

const TABLE: &str = include_str!("given_name_genders.tsv");

/// Shortest name that gets a gender, in bytes of its folded form.
const MIN_LETTERS: usize = 4;

fn table() -> &'static HashMap<&'static str, &'static str> {
    static MAP: OnceLock<HashMap<&'static str, &'static str>> = OnceLock::new();
    MAP.get_or_init(|| {
        TABLE
            .lines()
            .filter_map(|line| line.split_once('\t'))
            .collect()
    })
}

/// `"m"` or `"f"` for a folded first name written as `raw`, `""` when
/// unknown (not on the lists, not dominant, too short, or `raw` not in
/// Latin script).
pub fn gender(raw: &str, folded: &str) -> &'static str {
    if folded.len() < MIN_LETTERS || !is_latin(raw) {
        return "";
    }
    // `u`: on both lists without a majority, no gender.
    table()
        .get(folded)
        .copied()
        .filter(|&gender| gender != "u")
        .unwrap_or_default()
}

/// Whether one letter off this folded first name (written as `raw`) is
/// another name rather than a typing slip: it is a given name we know (on
/// the census lists, of any gender and length, or in the nickname table),
/// or it is not written in Latin script (a transliteration one letter off
/// is another character, not a slip of the finger). `Ava` / `Ana` are two
/// names; `Yni` is none, so `Yni` / `Yui` is a typo.
pub fn known(raw: &str, folded: &str) -> bool {
    !folded.is_empty()
        && (!is_latin(raw)
            || table().contains_key(folded)
            || !super::nicknames::heads(folded).is_empty())
}

/// Only Latin letters (with their accents), digits, spaces and punctuation.
fn is_latin(raw: &str) -> bool {
    raw.chars()
        .all(|c| c.is_ascii() || ('\u{00C0}'..='\u{024F}').contains(&c) || !c.is_alphabetic())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn genders_by_dominance_only() {
        assert_eq!(gender("Paul", "paul"), "m");
        assert_eq!(gender("Paula", "paula"), "f");
        assert_eq!(gender("John", "john"), "m");
        assert_eq!(gender("Joan", "joan"), "f");
        assert_eq!(gender("María", "maria"), "f");
        // On both lists without a tenfold majority.
        assert_eq!(gender("Jean", "jean"), "");
        assert_eq!(gender("Chris", "chris"), "");
        // Too short, not on the lists, or not Latin script.
        assert_eq!(gender("Jan", "jan"), "");
        assert_eq!(gender("Xzavqor", "xzavqor"), "");
        assert_eq!(gender("娟", "juan"), "");
        // On both lists, written `u` in the table: no gender.
        assert_eq!(table().get("jean").copied(), Some("u"));
    }

    #[test]
    fn known_names_are_the_lists_the_nicknames_and_other_scripts() {
        // Census names of any gender and length, nickname-table names.
        for name in [
            "ava", "ana", "eva", "tom", "tim", "jean", "kim", "paul", "bob", "léo",
        ] {
            let folded = super::super::features::fold_name(name);
            assert!(known(name, &folded), "{name}");
        }
        // Not Latin script: never taken for a typo.
        assert!(known("娟", "juan"));
        // Neither: a slip, or a name the lists do not hold.
        for name in ["yni", "ssm", "lto", "yui", "sem", "aoi"] {
            assert!(!known(name, name), "{name}");
        }
        assert!(!known("", ""));
    }

    /// The embedded table is the census reference under the stated rule:
    /// every name it gives a gender has a tenfold majority there, every
    /// name with one is in it, and every other census name is `u`.
    #[test]
    fn table_follows_the_census_reference() {
        let reference = include_str!("../../fixtures/given_names/census1990.tsv");
        let mut checked = 0;
        for line in reference.lines().skip(1) {
            let cells: Vec<&str> = line.split('\t').collect();
            let (male, female): (f64, f64) = (cells[1].parse().unwrap(), cells[2].parse().unwrap());
            let expected = if male > 0.0 && male >= 10.0 * female {
                Some("m")
            } else if female > 0.0 && female >= 10.0 * male {
                Some("f")
            } else {
                Some("u")
            };
            assert_eq!(table().get(cells[0]).copied(), expected, "{line}");
            checked += 1;
        }
        assert!(checked > 5000, "{checked}");
    }
}
