//! Property: when blocking is exhaustive (every pair of records is a
//! candidate), [`run`](super::run) gives the clusters and weights that
//! scoring every pair directly gives. Catches pairs and levels falling out
//! of step, per-record term-frequency adjustments that differ from the
//! per-pair lookup, and clustering that depends on anything but the scores.
//! Also: the scorer's explanation of a move (street and postcode both
//! different) weighs the street once.

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

/// Settings that train a model on the table (every pair of a small table
/// is a candidate).
fn training() -> Settings {
    Settings {
        threshold: 0.9,
        max_block: 1000,
        model: None,
        blocking: None,
        anchors: 0,
        keep_pairs: true,
        decisions: Vec::new(),
        review_below: None,
    }
}

/// A model trained once on a varied table, reused for every case (training
/// itself is not what this property is about).
fn model() -> Model {
    let rows: Vec<(usize, usize, usize, usize)> = (0..40)
        .map(|i| (i % 4, (i / 4) % 2, (i / 3) % 4, (i / 5) % 4))
        .collect();
    let table = table(&rows);
    run(&features(&table), &training(), &Silent).unwrap().model
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

/// A move (street and postcode both different) weighs the street's
/// "different" once: the postcode adds nothing, in the scorer's explanation
/// as in its total. Another postcode under the same street still counts.
#[test]
fn a_move_weighs_the_street_once() {
    let headers = ["First Name", "Last Name", "Street", "Postcode"];
    let roles = [
        Role::FirstName,
        Role::LastName,
        Role::Street,
        Role::PostalCode,
    ];
    let mut table = Table::new(headers.iter().map(|h| h.to_string()).collect());
    const FIRST: [&str; 5] = ["anna", "ben", "carla", "dario", "eva"];
    const LAST: [&str; 4] = ["berg", "costa", "dahl", "evans"];
    const STREET: [&str; 3] = ["1 main st", "9 oak rd", "4 elm ave"];
    const POSTAL: [&str; 3] = ["10115", "80331", "20095"];
    for i in 0..60 {
        let street = STREET[(i / 2) % 3];
        let postal = POSTAL[(i / 2 + i % 2) % 3];
        table.push_row([FIRST[i % 5], LAST[(i / 5) % 4], street, postal]);
    }
    // Rows 0 and 1: same person; moved (both differ), or another postcode
    // under the same street.
    table.push_row(["zoe", "quist", "1 main st", "10115"]);
    table.push_row(["zoe", "quist", "9 oak rd", "80331"]);
    table.push_row(["zoe", "quist", "1 main st", "20095"]);
    let features = Features::compute(
        &table,
        &features::Sources::from_roles(&table.headers, &roles, &[]),
    );
    let outcome = run(&features, &training(), &Silent).unwrap();
    let kinds = &outcome.kinds;
    let street = kinds.iter().position(|&k| k == Kind::Street).unwrap();
    let postal = kinds.iter().position(|&k| k == Kind::PostalCode).unwrap();
    let scorer = Scorer {
        features: &features,
        kinds,
        model: &outcome.model,
        tf: &outcome.tf,
        tf_by_row: None,
        level_weights: None,
    };
    let explained = |a: usize, b: usize| {
        let mut levels = vec![0u8; kinds.len()];
        let mut weights = vec![0.0; kinds.len()];
        let total = scorer.weigh_unguarded(
            a,
            &{
                compare::compare(&features, kinds, a, b, &mut levels);
                levels.clone()
            },
            |field, w| weights[field] = w,
        );
        assert!((total - outcome.model.prior_weight() - weights.iter().sum::<f64>()).abs() < 1e-9);
        (levels, weights)
    };
    let (moved, moved_weights) = explained(60, 61);
    assert_eq!(moved[street], compare::STREET_DIFFERENT);
    assert_eq!(moved[postal], compare::POSTAL_DIFFERENT, "the level stays");
    assert_eq!(moved_weights[postal], 0.0);
    assert_eq!(
        moved_weights[street],
        outcome.model.weight(street, compare::STREET_DIFFERENT)
    );
    let (same_street, same_street_weights) = explained(60, 62);
    assert_eq!(same_street[street], 1);
    assert_eq!(same_street[postal], compare::POSTAL_DIFFERENT);
    let postal_different = outcome.model.weight(postal, compare::POSTAL_DIFFERENT);
    assert_ne!(postal_different, 0.0, "a move would otherwise count it");
    assert_eq!(same_street_weights[postal], postal_different);
}
