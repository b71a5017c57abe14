//! Property: when blocking is exhaustive (every pair of records is a
//! candidate), [`run`](super::run) gives the clusters and weights that
//! scoring every pair directly gives. Catches pairs and levels falling out
//! of step, per-record term-frequency adjustments that differ from the
//! per-pair lookup, and clustering that depends on anything but the scores.

use super::*;
use crate::progress::Silent;
use crate::schema::Role;
use crate::table::Table;
use proptest::prelude::*;

const HEADERS: [&str; 5] = [
    "First Name",
    "Last Name",
    "Email",
    "Date of Birth",
    "Postcode",
];
const ROLES: [Role; 5] = [
    Role::FirstName,
    Role::LastName,
    Role::Email,
    Role::Date,
    Role::PostalCode,
];

/// One postcode and surnames of one sound and first names of one initial:
/// the "surname sound + first initial + postcode" rule puts every record in
/// one block, so every pair is a candidate (up to the size from which a
/// block pairs neighbours only).
fn table(rows: &[(usize, usize, usize, usize)]) -> Table {
    const FIRST: [&str; 4] = ["john", "jon", "joan", "jonathan"];
    const LAST: [&str; 2] = ["smith", "smyth"];
    const EMAIL: [&str; 4] = ["", "j.smith@x.com", "js@y.org", "john@z.net"];
    const BIRTH: [&str; 4] = ["", "1980-01-02", "1980-02-01", "1975-06-30"];
    let mut table = Table::new(HEADERS.iter().map(|h| h.to_string()).collect());
    for &(f, l, e, b) in rows {
        table.push_row([FIRST[f], LAST[l], EMAIL[e], BIRTH[b], "02134"]);
    }
    table
}

fn features(table: &Table) -> Features {
    let sources = features::Sources::from_roles(&table.headers, &ROLES, &[]);
    Features::compute(table, &sources)
}

/// A model trained once on a varied table, reused for every case (training
/// itself is not what this property is about).
fn model() -> Model {
    let rows: Vec<(usize, usize, usize, usize)> = (0..40)
        .map(|i| (i % 4, (i / 4) % 2, (i / 3) % 4, (i / 5) % 4))
        .collect();
    let table = table(&rows);
    let settings = Settings {
        threshold: 0.9,
        max_block: 1000,
        model: None,
        blocking: None,
        anchors: 0,
        keep_pairs: true,
        decisions: Vec::new(),
        review_below: None,
    };
    run(&features(&table), &settings, &Silent).unwrap().model
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    #[test]
    fn blocking_and_clustering_equal_all_pairs_scoring(
        rows in proptest::collection::vec((0..4usize, 0..2usize, 0..4usize, 0..4usize), 2..=blocking::ALL_PAIRS_UP_TO),
        threshold in prop::sample::select(vec![0.5, 0.9, 0.99]),
    ) {
        static MODEL: std::sync::OnceLock<Model> = std::sync::OnceLock::new();
        let model = MODEL.get_or_init(model).clone();
        let table = table(&rows);
        let features = features(&table);
        let settings = Settings { threshold, max_block: 1000, model: Some(model), blocking: None, anchors: 0, keep_pairs: true, decisions: Vec::new(), review_below: None };
        let outcome = run(&features, &settings, &Silent).unwrap();
        let n = rows.len();
        prop_assert_eq!(outcome.pairs.len(), n * (n - 1) / 2, "blocking is exhaustive here");

        // Score every pair directly, with the per-pair term-frequency lookup.
        let scorer = Scorer {
            features: &features,
            kinds: &outcome.kinds,
            model: &outcome.model,
            tf: &outcome.tf,
            tf_by_row: None,
            level_weights: None,
        };
        let width = outcome.kinds.len();
        let mut buffer = vec![0u8; width];
        let mut links = Vec::new();
        for (i, &(a, b)) in outcome.pairs.iter().enumerate() {
            let weight = scorer.score(a as usize, b as usize, &mut buffer, |_, _| {});
            prop_assert_eq!(&buffer[..], &outcome.levels[i * width..(i + 1) * width]);
            prop_assert!((weight - outcome.weights[i]).abs() < 1e-9);
            let p = probability(weight);
            if p >= threshold {
                links.push((a, b, p));
            }
        }
        let brute = cluster::cluster(n, 0, &links, threshold, |a, b| {
            let mut levels = vec![0u8; width];
            probability(scorer.score(a, b, &mut levels, |_, _| {}))
        }, &[], &crate::progress::Silent);
        prop_assert_eq!(&outcome.clusters.cluster_of, &brute.cluster_of);
    }
}
