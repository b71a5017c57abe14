//! Which of the different-people guards ([`super::different_people`]) a
//! file needs, asked of the file itself.
//!
//! Each guard clause claims that a pair showing its pattern (first names
//! and birth dates apart, one name in one town with another birth date…)
//! is two people however much else the pair shares: a household, a
//! namesake. Whether that is so depends on the file. In an export with
//! households, look-alike pairs show the pattern far more often than
//! typing errors explain; in a file without relatives (FEBRL), every such
//! pair is one person whose record was mistyped twice.
//!
//! The test ([`Calibration::guards`]): among the pairs whose fields alone
//! make them a match, those confirmed by an id number within one typo
//! (which no guard questions) show how often the *file's own duplicates*
//! carry each pattern in their names, birth dates and addresses (the
//! pattern read with e-mail and id left out). From that rate, the pairs
//! with neither an id number nor an e-mail in common should carry the
//! pattern `E` times if they were all duplicates; they carry it `O` times.
//! A clause whose `O` stays within one and a half times `E` plus three
//! (room for chance in small counts, and for duplicates that lack an id
//! being more corrupted than those that have one) is the file's typing
//! errors, and is relaxed; a clause seen more often is relatives or
//! namesakes, and stays. Pairs sharing only an e-mail are left out of both
//! counts: a shared e-mail is also a family's mailbox ([`tag`]). Without
//! 100 confirmed pairs (a file without an id column) nothing is relaxed.
//!
//! Guarantees: every clause stays unless the file's counts relax it; the
//! decision is made once per file, from counts (the same for any thread
//! count), saved in the model (`relaxed_guards`) so a saved model and its
//! Splink export apply the same guards; a saved model is never
//! recalibrated.

use super::features::Kind;
use serde::{Deserialize, Serialize};

/// The guard clauses in force, as bits ([`GuardSet::HOUSEHOLD`] …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "Vec<String>", try_from = "Vec<String>")]
pub struct GuardSet(u8);

impl GuardSet {
    pub const HOUSEHOLD: u8 = 1;
    pub const NAMESAKE: u8 = 2;
    pub const BIRTH_APART: u8 = 4;
    pub const SURNAME_APART: u8 = 8;
    pub const SURNAME_LOOSE: u8 = 16;
    pub const FIRST_APART: u8 = 32;
    const ALL: u8 = 63;

    /// Each clause's bit and name (the name the model file and the report
    /// use).
    pub const CLAUSES: [(u8, &'static str); 6] = [
        (Self::HOUSEHOLD, "household"),
        (Self::NAMESAKE, "namesake"),
        (Self::BIRTH_APART, "birth dates apart"),
        (Self::SURNAME_APART, "surnames apart"),
        (Self::SURNAME_LOOSE, "surnames loosely alike"),
        (Self::FIRST_APART, "first names apart"),
    ];

    /// Every clause in force.
    pub const fn all() -> GuardSet {
        GuardSet(Self::ALL)
    }

    /// The bits of the clauses in force.
    pub fn active(self) -> u8 {
        self.0
    }

    pub fn is_all(&self) -> bool {
        self.0 == Self::ALL
    }

    /// Names of the relaxed clauses, in [`GuardSet::CLAUSES`] order.
    pub fn relaxed(self) -> Vec<&'static str> {
        Self::CLAUSES
            .iter()
            .filter(|(bit, _)| self.0 & bit == 0)
            .map(|&(_, name)| name)
            .collect()
    }
}

impl Default for GuardSet {
    fn default() -> Self {
        GuardSet::all()
    }
}

/// Saved as the names of the relaxed clauses (`[]`: all in force), so a
/// model written before the guards were calibrated reads as all in force.
impl From<GuardSet> for Vec<String> {
    fn from(set: GuardSet) -> Self {
        set.relaxed().into_iter().map(String::from).collect()
    }
}

impl TryFrom<Vec<String>> for GuardSet {
    type Error = String;
    fn try_from(names: Vec<String>) -> Result<Self, Self::Error> {
        let mut bits = GuardSet::ALL;
        for name in &names {
            let Some(&(bit, _)) = GuardSet::CLAUSES.iter().find(|(_, n)| n == name) else {
                return Err(format!(
                    "unknown guard `{name}` in relaxed_guards (known: {})",
                    GuardSet::CLAUSES.map(|(_, n)| n).join(", ")
                ));
            };
            bits &= !bit;
        }
        Ok(GuardSet(bits))
    }
}

/// Confirmed pairs needed before any clause is relaxed.
pub const MIN_CONFIRMED: u64 = 100;

/// A clause is relaxed when it fires on unconfirmed look-alike pairs at
/// most this many times as often as the confirmed duplicates' rate
/// predicts, plus [`RELAX_SLACK`]. Measured (`docs/accuracy.md`, "Asking
/// the file which guards it needs"): clauses whose firings were all true
/// pairs came in at 0.1–1.8 times the prediction (FEBRL 4's birth dates,
/// 10 where 5.6: duplicates without a shared id are the more corrupted
/// ones), clauses that caught relatives at 1.8 and up (the 1.5M file's
/// surnames apart, 620 where 350) to several hundred (households: 1,918
/// where 44). 1.5 with a slack of 3 for small counts keeps every clause of
/// the second kind and relaxes every clause of the first.
const RELAX_FACTOR: f64 = 1.5;
const RELAX_SLACK: f64 = 3.0;
/// A clause beyond that is kept only when chance cannot explain its
/// excess: fewer than one time in a hundred would typing errors at
/// [`RELAX_FACTOR`] times the predicted rate fire it as often (a Poisson
/// count). The slack above stands in for this at the smallest counts;
/// between them, FEBRL 4's birth dates went from 10 to 12 firings where
/// 5.6 were predicted when a new blocking rule found two more of its
/// heavily corrupted duplicates (chance: one in seven), and a clause
/// whose every firing was a true pair came back into force. Every clause
/// that caught relatives in the measured files is beyond chance by far
/// (the 1.5M file's surnames apart, the closest: 620 where at most 525,
/// one in 35,000).
const SIGNIFICANCE: f64 = 0.01;

/// P(X ≥ `observed`) for X Poisson with mean `mean`: summed in log space
/// relative to the largest term, so that neither e^−mean (underflows past
/// a mean of 745) nor the terms near the mode (overflow) leave f64.
pub fn poisson_at_least(observed: u64, mean: f64) -> f64 {
    if observed == 0 {
        return 1.0;
    }
    if mean <= 0.0 {
        return 0.0;
    }
    let log_terms = || {
        (0..observed).scan(-mean, move |log_term, k| {
            if k > 0 {
                *log_term += mean.ln() - (k as f64).ln();
            }
            Some(*log_term)
        })
    };
    let largest = log_terms().fold(f64::NEG_INFINITY, f64::max);
    let below = largest.exp() * log_terms().map(|l| (l - largest).exp()).sum::<f64>();
    (1.0 - below).max(0.0)
}

/// What the test counted, per clause in [`GuardSet::CLAUSES`] order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Calibration {
    /// Pairs whose fields alone reach the threshold, confirmed by an id
    /// number / sharing neither an id number nor an e-mail.
    pub confirmed: u64,
    pub unconfirmed: u64,
    /// Per clause: confirmed pairs carrying its pattern (read without
    /// e-mail and id), unconfirmed pairs it fires on.
    pub confirmed_with_pattern: [u64; 6],
    pub unconfirmed_fired: [u64; 6],
}

impl Calibration {
    /// Counts one pair whose unguarded weight reached the threshold, by
    /// its [`tag`].
    pub fn add(&mut self, tag: u8) {
        if tag & SHARED_EMAIL != 0 {
            return;
        }
        let (count, per_clause) = match tag & CONFIRMED != 0 {
            true => (&mut self.confirmed, &mut self.confirmed_with_pattern),
            false => (&mut self.unconfirmed, &mut self.unconfirmed_fired),
        };
        *count += 1;
        for (i, (bit, _)) in GuardSet::CLAUSES.iter().enumerate() {
            per_clause[i] += u64::from(tag & bit != 0);
        }
    }

    /// Clause `i`'s expected firings among unconfirmed pairs were they all
    /// duplicates.
    pub fn expected(&self, i: usize) -> f64 {
        if self.confirmed == 0 {
            return 0.0;
        }
        self.unconfirmed as f64 * self.confirmed_with_pattern[i] as f64 / self.confirmed as f64
    }

    /// The clauses the counts keep in force (see the module header).
    pub fn guards(&self) -> GuardSet {
        if self.confirmed < MIN_CONFIRMED {
            return GuardSet::all();
        }
        let mut bits = GuardSet::ALL;
        for (i, (bit, _)) in GuardSet::CLAUSES.iter().enumerate() {
            let (fired, tolerated) = (self.unconfirmed_fired[i], RELAX_FACTOR * self.expected(i));
            if fired as f64 <= tolerated + RELAX_SLACK
                || poisson_at_least(fired, tolerated) >= SIGNIFICANCE
            {
                bits &= !bit;
            }
        }
        GuardSet(bits)
    }
}

impl Calibration {
    /// For `--report`: the counts and, per clause, firings, expectation
    /// and verdict.
    pub fn report(&self) -> serde_json::Value {
        let set = self.guards();
        serde_json::json!({
            "confirmed_pairs": self.confirmed,
            "unconfirmed_pairs": self.unconfirmed,
            "clauses": (0..6).map(|i| serde_json::json!({
                "clause": GuardSet::CLAUSES[i].1,
                "confirmed_with_pattern": self.confirmed_with_pattern[i],
                "unconfirmed_fired": self.unconfirmed_fired[i],
                "expected": (self.expected(i) * 10.0).round() / 10.0,
                "in_force": set.active() & GuardSet::CLAUSES[i].0 != 0,
            })).collect::<Vec<_>>(),
        })
    }

    /// One line for `-v`: the counts and each clause's verdict.
    pub fn describe(&self) -> String {
        let set = self.guards();
        let clause = |i: usize| {
            format!(
                "{} ({} where {:.0} expected)",
                GuardSet::CLAUSES[i].1,
                self.unconfirmed_fired[i],
                self.expected(i)
            )
        };
        let (kept, relaxed): (Vec<usize>, Vec<usize>) =
            (0..6).partition(|&i| set.active() & GuardSet::CLAUSES[i].0 != 0);
        let list = |clauses: Vec<usize>| match clauses.is_empty() {
            true => "none".to_string(),
            false => clauses
                .into_iter()
                .map(clause)
                .collect::<Vec<_>>()
                .join(", "),
        };
        if self.confirmed < MIN_CONFIRMED {
            return format!(
                "guards: all in force ({} look-alike pairs confirmed by an id number, fewer than {MIN_CONFIRMED} to tell)",
                self.confirmed
            );
        }
        format!(
            "guards: {} look-alike pairs confirmed by an id number, {} sharing neither id nor e-mail; kept: {}; relaxed (the file's typing errors): {}",
            self.confirmed,
            self.unconfirmed,
            list(kept),
            list(relaxed)
        )
    }
}

/// The [`tag`] bit of a pair confirmed by an id number.
pub const CONFIRMED: u8 = 0x80;
/// The [`tag`] bit of a pair sharing an e-mail but no id number: it is not
/// counted (a family's shared mailbox is not a confirmation), and the
/// clauses it trips fire as on any other pair.
pub const SHARED_EMAIL: u8 = 0x40;

/// What one pair tells the calibration and the guards, in a byte: for a
/// pair confirmed by an id number within one typo (which trips no
/// clause), [`CONFIRMED`] and the clauses its other fields carry; for a
/// pair sharing only an e-mail, [`SHARED_EMAIL`] and the clauses it trips;
/// for any other pair, the clauses it trips ([`super::guard_clauses`]).
///
/// Only id numbers confirm: a shared e-mail is also a couple's family
/// mailbox. Counted as confirmed, family mailboxes carried the household
/// pattern into the "duplicates' typing errors" and relaxed the household
/// clause on a generated file where three in five partners shared one
/// (precision 0.9326 → 0.9135); a file without an id column keeps every
/// clause.
pub fn tag(kinds: &[Kind], levels: &[u8]) -> u8 {
    let (mut id, mut email) = (None, None);
    for (&kind, &level) in kinds.iter().zip(levels).rev() {
        match kind {
            Kind::Identifier => id = Some(level),
            Kind::Email => email = Some(level),
            _ => {}
        }
    }
    if matches!(id, Some(1 | 2)) {
        CONFIRMED | pattern_without_ids(kinds, levels)
    } else if email == Some(1) {
        SHARED_EMAIL | super::guard_clauses(kinds, levels)
    } else {
        super::guard_clauses(kinds, levels)
    }
}

/// Whether a pair of this [`tag`] is refused by a clause in force.
pub fn fires(tag: u8, guards: GuardSet) -> bool {
    tag & CONFIRMED == 0 && tag & guards.active() != 0
}

/// The clauses a pair's names, birth dates and addresses carry, its e-mail
/// and id number read as missing.
fn pattern_without_ids(kinds: &[Kind], levels: &[u8]) -> u8 {
    let mut on_stack = [0u8; 4 * Kind::COUNT];
    let mut on_heap = Vec::new();
    let masked: &mut [u8] = match on_stack.get_mut(..levels.len()) {
        Some(slice) => slice,
        None => {
            on_heap.resize(levels.len(), 0);
            &mut on_heap
        }
    };
    for ((slot, &kind), &level) in masked.iter_mut().zip(kinds).zip(levels) {
        *slot = match kind {
            Kind::Email | Kind::Identifier => super::compare::MISSING,
            _ => level,
        };
    }
    super::guard_clauses(kinds, masked)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A shared e-mail confirms nothing (a family mailbox: the household
    /// clause still fires) and is not counted; an id number within one
    /// typo confirms, and the pair is counted with the pattern its other
    /// fields carry.
    #[test]
    fn only_id_numbers_confirm() {
        use Kind::*;
        let kinds = [FirstName, LastName, BirthDate, Email, Identifier];
        // A couple: other first name, no birth date, one mailbox.
        let couple = tag(&kinds, &[6, 1, 0, 1, 0]);
        assert_eq!(couple, SHARED_EMAIL | GuardSet::HOUSEHOLD);
        assert!(fires(couple, GuardSet::all()), "the household clause");
        assert!(!fires(
            couple,
            GuardSet(GuardSet::ALL & !GuardSet::HOUSEHOLD)
        ));
        let mut counts = Calibration::default();
        counts.add(couple);
        assert_eq!((counts.confirmed, counts.unconfirmed), (0, 0));
        // With one id number: confirmed, household pattern.
        let confirmed = tag(&kinds, &[6, 1, 0, 3, 1]);
        assert_ne!(confirmed & CONFIRMED, 0);
        assert_ne!(confirmed & GuardSet::HOUSEHOLD, 0);
        assert!(!fires(confirmed, GuardSet::all()));
        counts.add(confirmed);
        assert_eq!(counts.confirmed_with_pattern[0], 1);
        // Neither: the household clause fires.
        let strangers = tag(&kinds, &[6, 1, 5, 3, 3]);
        assert!(fires(strangers, GuardSet::all()));
    }

    #[test]
    fn saved_as_the_relaxed_clauses_and_read_back() {
        let set = GuardSet(GuardSet::ALL & !GuardSet::NAMESAKE & !GuardSet::FIRST_APART);
        let json = serde_json::to_string(&set).unwrap();
        assert_eq!(json, r#"["namesake","first names apart"]"#);
        assert_eq!(serde_json::from_str::<GuardSet>(&json).unwrap(), set);
        assert_eq!(
            serde_json::from_str::<GuardSet>("[]").unwrap(),
            GuardSet::all()
        );
        assert!(serde_json::from_str::<GuardSet>(r#"["twins"]"#).is_err());
    }

    /// Against values computed independently (Python, exact sums of the
    /// Poisson terms), from small means to one where e^−mean underflows.
    #[test]
    fn poisson_tails() {
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 + 1e-6 * b;
        assert!(close(poisson_at_least(12, 8.4), 0.142_934_297_725_151_43));
        assert!(close(poisson_at_least(8, 3.0), 0.011_904_503_856_357_329));
        assert_eq!(poisson_at_least(0, 5.0), 1.0);
        assert_eq!(poisson_at_least(3, 0.0), 0.0);
        // Mean 1,000: the median is about the mean, far tails are 0 / 1.
        assert!((poisson_at_least(1_000, 1_000.0) - 0.5).abs() < 0.02);
        assert!(poisson_at_least(1_200, 1_000.0) < 1e-8);
        assert!(poisson_at_least(800, 1_000.0) > 1.0 - 1e-8);
        assert!(poisson_at_least(240_453, 9_169.5) == 0.0);
    }

    /// The counts of `docs/accuracy.md` ("Asking the file which guards it
    /// needs"): a file with households keeps the household and birth-date
    /// clauses, a file without relatives relaxes every clause.
    #[test]
    fn households_keep_their_clauses_typing_errors_do_not() {
        // A file with households (the 75k generated file's counts, with
        // e-mails standing in for id numbers): household pairs fire far
        // beyond the confirmed duplicates' rate; namesake firings are fewer.
        let generated = Calibration {
            confirmed: 43_981,
            unconfirmed: 22_252,
            confirmed_with_pattern: [87, 225, 0, 29, 25, 8],
            unconfirmed_fired: [1_918, 38, 1_778, 76, 8, 6],
        };
        let kept = generated.guards();
        assert_eq!(
            kept.relaxed(),
            ["namesake", "surnames loosely alike", "first names apart"]
        );
        // The same at 1.5M records: surnames apart 620 times where 350
        // were expected (colleagues on one line among them): kept.
        let large = Calibration {
            confirmed: 872_672,
            unconfirmed: 412_661,
            confirmed_with_pattern: [1_994, 1_353, 0, 740, 230, 44],
            unconfirmed_fired: [6_692, 171, 4_104, 620, 16, 8],
        };
        assert_eq!(
            large.guards().relaxed(),
            ["namesake", "surnames loosely alike", "first names apart"]
        );
        // FEBRL 4: birth dates apart 10 times where 5.6 were expected.
        let febrl = Calibration {
            confirmed: 4_800,
            unconfirmed: 192,
            confirmed_with_pattern: [47, 75, 139, 38, 16, 14],
            unconfirmed_fired: [0, 3, 10, 0, 0, 0],
        };
        assert_eq!(febrl.guards().active(), 0);
        // With two more of its corrupted duplicates found: 12 where at most
        // 8.4 — chance, one in seven; relaxed still. Thirty would not be.
        let mut twelve = febrl.clone();
        twelve.unconfirmed_fired[2] = 12;
        assert_eq!(twelve.guards().active(), 0);
        let mut thirty = febrl.clone();
        thirty.unconfirmed_fired[2] = 30;
        assert_eq!(thirty.guards().relaxed().len(), 5);
        // Too few confirmed pairs to tell: everything stays.
        let small = Calibration {
            confirmed: 99,
            ..febrl.clone()
        };
        assert!(small.guards().is_all());
    }
}
