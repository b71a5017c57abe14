//! Blocking: candidate pairs are the records that share a key under at
//! least one rule (same e-mail; same phone; same surname sound and first
//! initial; same birth date and postcode; …). Only these pairs are scored.
//!
//! Guarantees: each pair once (`a < b`), in sorted order, whatever the thread
//! count; a block larger than the cap (a shared office phone, a very common
//! name) is skipped and counted, never allowed to explode the pair count.

use super::features::{Features, Kind};
use rayon::prelude::*;
use serde::Serialize;
use std::hash::{Hash, Hasher};

/// A blocking rule: its name and the key parts it joins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub name: &'static str,
    parts: &'static [Part],
    /// The neighbourhood order of a large block: its records sorted by
    /// these parts (ones the key does not fix), each paired with its
    /// nearest neighbours only.
    order: &'static [Part],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Part {
    Email,
    /// The e-mail's mailbox name (local part without dots,
    /// [`super::compare::mailbox_name`]).
    EmailLocal,
    Phone,
    LastPhonetic,
    FirstInitial,
    Birth,
    BirthYear,
    Postal,
    SortedNames,
    Identifier,
    Company,
    Street,
    /// The street's house numbers: its words that start with a digit, in
    /// order (`12`, `12 4`), as the street comparison reads them.
    HouseNumbers,
    /// The first name, nicknames resolved (orders blocks; no rule keys on it).
    FirstName,
}

impl Rule {
    /// The key parts, in order (for exporting the rule, e.g. to Splink).
    pub(crate) fn parts(&self) -> &'static [Part] {
        self.parts
    }

    /// The feature kinds this rule's key is made of (their agreement is
    /// forced among the rule's pairs, so they are left out when training
    /// on those pairs).
    pub fn kinds(&self) -> Vec<Kind> {
        let mut kinds: Vec<Kind> = self.parts.iter().map(|p| p.kind()).collect();
        if self.parts.contains(&Part::SortedNames) {
            kinds.push(Kind::FirstName);
        }
        kinds
    }
}

impl Part {
    fn kind(self) -> Kind {
        match self {
            Part::Email | Part::EmailLocal => Kind::Email,
            Part::Phone => Kind::Phone,
            Part::LastPhonetic | Part::SortedNames => Kind::LastName,
            Part::FirstInitial | Part::FirstName => Kind::FirstName,
            Part::Birth | Part::BirthYear => Kind::BirthDate,
            Part::Postal => Kind::PostalCode,
            Part::Identifier => Kind::Identifier,
            Part::Company => Kind::Company,
            Part::Street | Part::HouseNumbers => Kind::Street,
        }
    }
}

/// Every rule tidyrec knows; those whose features the table lacks are dropped.
pub const RULES: &[Rule] = &[
    Rule {
        name: "email",
        parts: &[Part::Email],
        order: &[Part::LastPhonetic, Part::FirstName, Part::Birth],
    },
    Rule {
        name: "phone",
        parts: &[Part::Phone],
        order: &[Part::LastPhonetic, Part::FirstName, Part::Birth],
    },
    // Surname sound + initial alone makes huge blocks in big files (every
    // "J. Smith"); a third part keeps them small, two rules keep recall when
    // one of postcode and birth year is missing or mistyped.
    Rule {
        name: "surname sound + first initial + postcode",
        parts: &[Part::LastPhonetic, Part::FirstInitial, Part::Postal],
        order: &[Part::FirstName, Part::Birth],
    },
    Rule {
        name: "surname sound + first initial + birth year",
        parts: &[Part::LastPhonetic, Part::FirstInitial, Part::BirthYear],
        order: &[Part::Birth, Part::FirstName],
    },
    Rule {
        name: "birth date + postcode",
        parts: &[Part::Birth, Part::Postal],
        order: &[Part::LastPhonetic, Part::FirstName],
    },
    Rule {
        name: "birth date + first initial",
        parts: &[Part::Birth, Part::FirstInitial],
        order: &[Part::LastPhonetic, Part::FirstName],
    },
    // The birth date alone reaches duplicates whose names and postcode all
    // have errors (FEBRL 2 and 3: 0.9977 → 0.9979 and 0.9964 → 0.9973 F1,
    // precision 1.0000). It stays cheap as files grow: a date is shared by
    // n / 27,000 records or so, so past about 1.4M records most of its
    // blocks exceed `--max-block` and are skipped (reported), and the
    // other rules pair their records (1.5M: same F1, 0.8M more pairs).
    Rule {
        name: "birth date",
        parts: &[Part::Birth],
        order: &[Part::LastPhonetic, Part::FirstName],
    },
    Rule {
        name: "names in either order",
        parts: &[Part::SortedNames],
        order: &[Part::Birth, Part::Postal],
    },
    Rule {
        name: "identifier",
        parts: &[Part::Identifier],
        order: &[Part::LastPhonetic, Part::FirstName],
    },
    Rule {
        name: "company + surname sound + first initial",
        parts: &[Part::Company, Part::LastPhonetic, Part::FirstInitial],
        order: &[Part::FirstName, Part::Birth],
    },
    Rule {
        name: "street + postcode",
        parts: &[Part::Street, Part::Postal],
        order: &[Part::LastPhonetic, Part::FirstName, Part::Birth],
    },
    // One mailbox name at another provider (`hazel.blackson36065@yahoo.co.jp`
    // / `@gmail.com`): people keep the name when they change provider, and
    // after a move with a mistyped surname nothing else may be shared. A
    // common local part (`info`, `john`) makes a large block, whose records
    // meet their neighbours only.
    Rule {
        name: "e-mail local part",
        parts: &[Part::EmailLocal],
        order: &[Part::LastPhonetic, Part::FirstName, Part::Birth],
    },
    // One door: the house number and postcode, however the street's name
    // is spelled (`14 wuronga hill st` / `14 wurunga hill street`), for a
    // duplicate whose names, street and id all have errors and whose birth
    // date is missing. A building of many flats makes a large block,
    // whose records meet their neighbours (by surname sound) only.
    Rule {
        name: "house number + postcode",
        parts: &[Part::HouseNumbers, Part::Postal],
        order: &[Part::LastPhonetic, Part::FirstName, Part::Birth],
    },
];

/// The rules usable on a table with these feature kinds.
pub fn rules_for(kinds: &[Kind]) -> Vec<Rule> {
    RULES
        .iter()
        .filter(|rule| rule.parts.iter().all(|p| kinds.contains(&p.kind())))
        .copied()
        .collect()
}

/// Counts per rule, for the report.
#[derive(Debug, Clone, Serialize)]
pub struct RuleStats {
    pub rule: &'static str,
    pub pairs: u64,
    /// Blocks over the cap, skipped, and the records in them.
    pub oversized_blocks: u64,
    pub records_in_oversized_blocks: u64,
    /// Blocks larger than [`ALL_PAIRS_UP_TO`] (and within the cap), whose
    /// records were paired with their [`WINDOW`] nearest neighbours only.
    pub neighbourhood_blocks: u64,
}

/// Blocks up to this size pair every two of their records.
pub const ALL_PAIRS_UP_TO: usize = 12;
/// In a larger block, each record is paired with the next `WINDOW - 1`
/// records in the rule's order (so with at most `2 × (WINDOW - 1)`): the
/// pairs a record gets stay the same however large the file grows. 4, not
/// the 6 of the first version: at 10M records 29 % fewer candidate pairs
/// (141M → 101M, compare 72 s → 46 s) for 953 of 8.5M true pairs; at 1.5M
/// 30 of 1.28M; FEBRL and 300k unchanged (`docs/dedupe.md`).
pub const WINDOW: usize = 4;

pub struct Candidates {
    /// `(a, b)` with `a < b`, sorted, unique.
    pub pairs: Vec<(u32, u32)>,
    pub stats: Vec<RuleStats>,
    /// Per rule, an evenly spread sample of its own pairs (for training).
    pub samples: Vec<Vec<(u32, u32)>>,
}

/// Pairs per rule kept for training.
const TRAINING_SAMPLE: usize = 200_000;

/// A file with at most this many record pairs has every pair compared,
/// whatever the rules say (about 1 s of comparing on 2 cores): blocking
/// exists to keep large files affordable, and on a small one it only loses
/// the duplicates whose every key has an error (a swapped and mistyped
/// name, a transposed postcode and a mistyped id at once). About 2,000
/// records; FEBRL 1 (1,000): recall 0.9940 → 0.9980, precision 1.0000.
pub const EVERY_PAIR_UP_TO: f64 = 2_000_000.0;

/// The name the report gives the pairs added by [`EVERY_PAIR_UP_TO`].
pub const EVERY_PAIR: &str = "every pair (a small file)";

/// Candidate pairs of all `rules`; blocks with more than `max_block` records
/// are skipped. Records below `anchors` (a master's entities, when linking)
/// are not paired with each other. With `every_pair`, every other pair is
/// a candidate too (see [`EVERY_PAIR_UP_TO`]); training still reads each
/// rule's own pairs only.
pub fn candidates(
    features: &Features,
    rules: &[Rule],
    max_block: usize,
    anchors: usize,
    every_pair: bool,
) -> Candidates {
    let per_rule: Vec<(Vec<(u32, u32)>, RuleStats)> = rules
        .par_iter()
        .map(|rule| rule_pairs(features, rule, max_block, anchors as u32))
        .collect();
    let mut stats = Vec::with_capacity(rules.len());
    let mut samples = Vec::with_capacity(rules.len());
    let total: usize = per_rule.iter().map(|(p, _)| p.len()).sum();
    // One buffer of every rule's pairs, each rule's own freed as it is
    // copied, sorted and deduplicated in place: the peak is one copy of
    // the pairs, not two.
    let mut pairs: Vec<(u32, u32)> = Vec::with_capacity(total);
    for (rule_pairs, rule_stats) in per_rule {
        let step = rule_pairs.len().div_ceil(TRAINING_SAMPLE).max(1);
        samples.push(rule_pairs.iter().step_by(step).copied().collect());
        pairs.extend_from_slice(&rule_pairs);
        stats.push(rule_stats);
    }
    if every_pair {
        let rows = features.rows as u32;
        let before = pairs.len();
        for b in (anchors as u32).max(1)..rows {
            pairs.extend((0..b).map(|a| (a, b)));
        }
        stats.push(RuleStats {
            rule: EVERY_PAIR,
            pairs: (pairs.len() - before) as u64,
            oversized_blocks: 0,
            records_in_oversized_blocks: 0,
            neighbourhood_blocks: 0,
        });
    }
    pairs.par_sort_unstable();
    pairs.dedup();
    pairs.shrink_to_fit();
    Candidates {
        pairs,
        stats,
        samples,
    }
}

fn rule_pairs(
    features: &Features,
    rule: &Rule,
    max_block: usize,
    anchors: u32,
) -> (Vec<(u32, u32)>, RuleStats) {
    let mut keyed: Vec<(u64, u32)> = Vec::with_capacity(features.rows);
    let mut key = String::new();
    for row in 0..features.rows {
        for variant in 0..2 {
            key.clear();
            if !build_key(features, rule, row, variant, &mut key) {
                continue;
            }
            let mut hasher = std::hash::DefaultHasher::new();
            key.hash(&mut hasher);
            keyed.push((hasher.finish(), row as u32));
        }
    }
    keyed.sort_unstable();
    keyed.dedup();
    let mut stats = RuleStats {
        rule: rule.name,
        pairs: 0,
        oversized_blocks: 0,
        records_in_oversized_blocks: 0,
        neighbourhood_blocks: 0,
    };
    let mut pairs = Vec::new();
    let mut arena: Vec<u8> = Vec::new();
    let mut ordered: Vec<(usize, usize, u32)> = Vec::new();
    for block in keyed.chunk_by(|a, b| a.0 == b.0) {
        // Blocks are sorted by record, so a block whose last record is an
        // anchor holds nothing new to pair.
        if block.len() < 2 || block[block.len() - 1].1 < anchors {
            continue;
        }
        if block.len() > max_block {
            stats.oversized_blocks += 1;
            stats.records_in_oversized_blocks += block.len() as u64;
            continue;
        }
        let mut pair = |a: u32, b: u32| {
            let (a, b) = if a < b { (a, b) } else { (b, a) };
            if a != b && b >= anchors {
                pairs.push((a, b));
            }
        };
        if block.len() <= ALL_PAIRS_UP_TO {
            for (i, &(_, a)) in block.iter().enumerate() {
                for &(_, b) in &block[i + 1..] {
                    pair(a, b);
                }
            }
            continue;
        }
        // A large block (a street with many households, a common birth
        // date): every two of its records would grow with the file, so
        // each record meets only its neighbours in the rule's order (a
        // duplicate sorts next to the record it repeats).
        stats.neighbourhood_blocks += 1;
        // Order keys written one after another into one buffer (reused for
        // every block of the rule), sorted as (key bytes, row): the order of
        // sorting `(String, row)` tuples, without a `String` per record.
        arena.clear();
        ordered.clear();
        for &(_, row) in block {
            let start = arena.len();
            write_order_key(features, rule, row as usize, &mut arena);
            ordered.push((start, arena.len(), row));
        }
        ordered.sort_unstable_by(|x, y| arena[x.0..x.1].cmp(&arena[y.0..y.1]).then(x.2.cmp(&y.2)));
        for (i, &(_, _, a)) in ordered.iter().enumerate() {
            for &(_, _, b) in &ordered[i + 1..(i + WINDOW).min(ordered.len())] {
                pair(a, b);
            }
        }
    }
    stats.pairs = pairs.len() as u64;
    (pairs, stats)
}

/// Writes the key of `row` under `rule` into `key`; false when a part is
/// empty. `variant` 1 is the record's second phone (other parts have one).
fn build_key(features: &Features, rule: &Rule, row: usize, variant: u8, key: &mut String) -> bool {
    if variant == 1 && !rule.parts.contains(&Part::Phone) {
        return false;
    }
    for part in rule.parts {
        let value: &str = match part {
            Part::Email => features.email.get(row),
            Part::EmailLocal => {
                let email = features.email.get(row);
                if super::compare::mailbox_name(email).is_none() {
                    return false;
                }
                key.extend(
                    super::compare::local_part(email)
                        .chars()
                        .filter(|&c| c != '.'),
                );
                key.push('\u{1F}');
                continue;
            }
            Part::Phone if variant == 1 => features.phone_second.get(row),
            Part::Phone => features.phone.get(row),
            Part::LastPhonetic => features.last_phonetic.get(row),
            Part::FirstInitial => {
                let first = features.first.get(row);
                first
                    .get(..first.chars().next().map_or(0, char::len_utf8))
                    .unwrap_or("")
            }
            Part::Birth => features.birth.get(row),
            Part::BirthYear => features.birth.get(row).get(..4).unwrap_or_default(),
            Part::Postal => features.postal.get(row),
            Part::Identifier => features.identifier.get(row),
            Part::Company => features.company.get(row),
            Part::Street => features.street.get(row),
            Part::HouseNumbers => {
                let start = key.len();
                for number in features
                    .street
                    .get(row)
                    .split(' ')
                    .filter(|w| w.starts_with(|c: char| c.is_ascii_digit()))
                {
                    key.push_str(number);
                    key.push(' ');
                }
                if key.len() == start {
                    return false;
                }
                key.push('\u{1F}');
                continue;
            }
            Part::FirstName => features.first_canonical.get(row),
            Part::SortedNames => {
                let (a, b) = (features.first.get(row), features.last.get(row));
                if a.is_empty() || b.is_empty() {
                    return false;
                }
                let (x, y) = if a <= b { (a, b) } else { (b, a) };
                key.push_str(x);
                key.push('\u{1F}');
                y
            }
        };
        if value.is_empty() {
            return false;
        }
        key.push_str(value);
        key.push('\u{1F}');
    }
    true
}

/// Appends the sort key of `row` in a large block of `rule` to `key` (its
/// order parts, each followed by U+001F; an empty part sorts first).
fn write_order_key(features: &Features, rule: &Rule, row: usize, key: &mut Vec<u8>) {
    for part in rule.order {
        key.extend_from_slice(
            match part {
                Part::LastPhonetic => features.last_phonetic.get(row),
                Part::FirstName => features.first_canonical.get(row),
                Part::Birth => features.birth.get(row),
                Part::Postal => features.postal.get(row),
                _ => "",
            }
            .as_bytes(),
        );
        key.push(0x1F);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matching::features::Sources;
    use crate::schema::Role;
    use crate::table::Table;

    /// `people` records at one street and postcode: person `i` is named
    /// after `i`, and the records in `twins` repeat the person before them.
    fn street_block(people: usize, twins: &[usize]) -> Features {
        const FIRST: [&str; 8] = [
            "anna", "bruno", "carla", "dmitri", "elena", "farid", "greta", "hugo",
        ];
        const LAST: [&str; 8] = [
            "abbott", "becker", "castro", "dietrich", "eriksen", "fischer", "garcia", "huber",
        ];
        let headers = ["First Name", "Last Name", "Street", "Postcode"];
        let roles = [
            Role::FirstName,
            Role::LastName,
            Role::Street,
            Role::PostalCode,
        ];
        let mut table = Table::new(headers.iter().map(|h| h.to_string()).collect());
        let mut person = 0;
        for i in 0..people {
            if !twins.contains(&i) {
                person = i;
            }
            table.push_row([
                FIRST[person % 8],
                LAST[(person / 8) % 8],
                "12 high street",
                "02134",
            ]);
        }
        let sources = Sources::from_roles(&table.headers, &roles, &[]);
        Features::compute(&table, &sources)
    }

    fn street_rule() -> Rule {
        *RULES
            .iter()
            .find(|r| r.name == "street + postcode")
            .unwrap()
    }

    /// One mailbox name at two providers is a key; a short local part
    /// (`info`) or a role account (`sales`) is none, nor is an e-mail
    /// shared only by its domain.
    #[test]
    fn one_mailbox_name_at_two_providers_is_a_candidate_pair() {
        let headers = ["First Name", "Last Name", "Email"];
        let roles = [Role::FirstName, Role::LastName, Role::Email];
        let rows = [
            ["hazel", "blackson", "hazel.blackson36065@yahoo.co.jp"],
            // Keyed without its dots, as Gmail reads it.
            ["hazel", "blacksn", "hazel.blackson36065@gmail.com"],
            ["ann", "ito", "info@ito.jp"],
            ["ben", "ono", "info@ono.jp"],
            ["carl", "sato", "carl.sato@gmail.com"],
            // Two companies' sales desks: a role, not a mailbox name.
            ["dana", "kim", "sales@kim.com"],
            ["eve", "ray", "sales@ray.com"],
        ];
        let pairs = pairs_of_rule("e-mail local part", &headers, &roles, &rows);
        assert_eq!(pairs, vec![(0, 1)]);
    }

    /// The candidate pairs of the rule named `name` alone on a table of
    /// `rows` (the rule must apply to the table's kinds).
    fn pairs_of_rule<const N: usize>(
        name: &str,
        headers: &[&str; N],
        roles: &[Role; N],
        rows: &[[&str; N]],
    ) -> Vec<(u32, u32)> {
        let mut table = Table::new(headers.iter().map(|h| h.to_string()).collect());
        for row in rows {
            table.push_row(row.iter().copied());
        }
        let sources = Sources::from_roles(&table.headers, roles, &[]);
        let features = Features::compute(&table, &sources);
        let rule = *RULES.iter().find(|r| r.name == name).unwrap();
        assert!(rules_for(&features.kinds).contains(&rule));
        candidates(&features, &[rule], 50, 0, false).pairs
    }

    /// One door however the street is spelled: the house numbers and the
    /// postcode key the pair; another number, another postcode or a street
    /// without a number (`rue de la paix`) keys none.
    #[test]
    fn one_house_number_in_one_postcode_is_a_candidate_pair() {
        let headers = ["First Name", "Last Name", "Street", "Postcode"];
        let roles = [
            Role::FirstName,
            Role::LastName,
            Role::Street,
            Role::PostalCode,
        ];
        let rows = [
            ["charlotte", "campbell", "14 wuronga hill street", "3084"],
            ["charldotte", "cmapbell", "14 tenison-woods circuit", "3084"],
            ["ann", "ito", "141 wuronga hill street", "3084"],
            ["ben", "ono", "14 wuronga hill street", "3085"],
            ["carl", "sato", "rue de la paix", "75002"],
            ["dana", "kim", "rue de la paix", "75002"],
            ["eve", "ray", "apartment 4 12 main street", "10001"],
            ["eva", "rae", "12 main street apartment 4", "10001"],
        ];
        let pairs = pairs_of_rule("house number + postcode", &headers, &roles, &rows);
        // Flat 4 at number 12 and number 12, flat 4: the numbers in
        // another order are another key (as the street level reads them).
        assert_eq!(pairs, vec![(0, 1)]);
    }

    #[test]
    fn small_blocks_pair_every_two_records() {
        let features = street_block(ALL_PAIRS_UP_TO, &[]);
        let found = candidates(&features, &[street_rule()], 50, 0, false);
        assert_eq!(
            found.pairs.len(),
            ALL_PAIRS_UP_TO * (ALL_PAIRS_UP_TO - 1) / 2
        );
        assert_eq!(found.stats[0].neighbourhood_blocks, 0);
    }

    #[test]
    fn large_blocks_pair_each_record_with_its_neighbours_only() {
        let features = street_block(40, &[]);
        let found = candidates(&features, &[street_rule()], 50, 0, false);
        assert_eq!(found.stats[0].neighbourhood_blocks, 1);
        let mut per_record = [0usize; 40];
        for &(a, b) in &found.pairs {
            per_record[a as usize] += 1;
            per_record[b as usize] += 1;
        }
        assert!(per_record.iter().all(|&n| n <= 2 * (WINDOW - 1)));
        // Each record is paired with every neighbour in the order: 40
        // records in a row give 39 + 38 + … pairs within the window.
        let expected: usize = (0..40).map(|i| (WINDOW - 1).min(39 - i)).sum();
        assert_eq!(found.pairs.len(), expected);
    }

    #[test]
    fn a_repeated_person_in_a_large_block_is_paired_wherever_the_rows_are() {
        // Rows 37 and 39 repeat the people of rows 36 and 38: in a block of
        // 40 only neighbours meet, and the name order makes them neighbours.
        let features = street_block(40, &[37, 39]);
        let found = candidates(&features, &[street_rule()], 50, 0, false);
        assert!(found.pairs.contains(&(36, 37)));
        assert!(found.pairs.contains(&(38, 39)));
    }

    #[test]
    fn pair_order_is_sorted_and_unique() {
        let features = street_block(45, &[10, 20, 30]);
        let found = candidates(&features, &rules_for(&features.kinds), 50, 0, false);
        assert!(found.pairs.windows(2).all(|w| w[0] < w[1]));
        assert!(found.pairs.iter().all(|&(a, b)| a < b));
    }

    /// A small file's candidates are every pair (none twice), reported as
    /// their own line; training samples stay the rules' own pairs. When
    /// linking, the master's records are still never paired together.
    #[test]
    fn every_pair_of_a_small_file() {
        let features = street_block(45, &[10, 20, 30]);
        let rules = rules_for(&features.kinds);
        let blocked = candidates(&features, &rules, 50, 0, false);
        let every = candidates(&features, &rules, 50, 0, true);
        assert!(blocked.pairs.len() < 45 * 44 / 2);
        assert_eq!(every.pairs.len(), 45 * 44 / 2);
        assert!(every.pairs.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(every.samples, blocked.samples);
        let last = every.stats.last().unwrap();
        assert_eq!((last.rule, last.pairs), (EVERY_PAIR, 45 * 44 / 2));
        let linked = candidates(&features, &rules, 50, 20, true);
        assert_eq!(linked.pairs.len(), 45 * 44 / 2 - 20 * 19 / 2);
        assert!(linked.pairs.iter().all(|&(_, b)| b >= 20));
    }
}
