//! A trained model as a Splink settings file, so the same model runs on
//! Splink's engines when a file outgrows one machine: comparisons over the
//! columns of `tidyrec features` whose levels reproduce ours (the same
//! conditions, in the same order, as SQL), our m and u fixed, our prior,
//! our blocking rules, term-frequency adjustment where we apply it, and the
//! different-people guard as one more comparison whose "different people"
//! level carries a fixed, decisive negative weight.
//!
//! Written in DuckDB's SQL (Splink's DuckDB backend) or Spark SQL (Splink's
//! Spark backend, with the similarity functions of the jar Splink ships:
//! `jaro_winkler`, `damerau_levenshtein`); Athena and Postgres are refused
//! rather than guessed (their string functions have not been checked
//! against Splink here). Both written dialects are checked against Splink
//! by `scripts/splink_parity.sh` (`docs/splink.md`). What does not carry over is said in
//! `docs/splink.md`: blocks larger than `max-block` are not skipped and
//! large blocks are paired in full (tidyrec pairs neighbours only), term
//! frequencies are Splink's own (capped at +6 bits as ours, not floored),
//! and the guard adds a large negative weight where tidyrec caps the
//! weight.

use super::compare::{self, level_names};
use super::features::Kind;
use super::model::Model;
use serde_json::{json, Value};

/// The guard level's m: with u = 1, about −66 bits, decisive at any
/// threshold (tidyrec caps such pairs at −10 bits).
const GUARD_M: f64 = 1e-20;

/// The SQL dialects Splink settings can be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    DuckDb,
    Spark,
    Athena,
    Postgres,
}

impl Dialect {
    pub fn parse(name: &str) -> Option<Dialect> {
        match name.to_ascii_lowercase().as_str() {
            "duckdb" => Some(Dialect::DuckDb),
            "spark" => Some(Dialect::Spark),
            "athena" => Some(Dialect::Athena),
            "postgres" | "postgresql" => Some(Dialect::Postgres),
            _ => None,
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SplinkError {
    #[error("--dialect {0}: not yet — tidyrec writes Splink settings in DuckDB's and Spark's SQL only, the ones checked against Splink (Jaro-Winkler, Damerau-Levenshtein and list functions differ by engine); use --dialect duckdb or spark")]
    Unsupported(&'static str),
    #[error("the model has a field `{0}` that tidyrec cannot express for Splink")]
    UnknownField(String),
}

/// The Splink settings (a JSON object) for `model`, over feature files whose
/// record id column is `id_column`.
pub fn settings(model: &Model, id_column: &str, dialect: Dialect) -> Result<Value, SplinkError> {
    let sql = match dialect {
        Dialect::DuckDb | Dialect::Spark => Sql(dialect),
        Dialect::Athena => return Err(SplinkError::Unsupported("athena")),
        Dialect::Postgres => return Err(SplinkError::Unsupported("postgres")),
    };
    let kinds = model.kinds();
    if let Some(field) = model
        .fields
        .iter()
        .find(|f| !kinds.iter().any(|k| k.name() == f.field))
    {
        return Err(SplinkError::UnknownField(field.field.clone()));
    }
    let mut comparisons: Vec<Value> = model
        .fields
        .iter()
        .zip(&kinds)
        .map(|(field, &kind)| comparison(sql, kind, &kinds, field))
        .collect();
    comparisons.push(guard(sql, &kinds, model.guards));
    Ok(json!({
        "link_type": "dedupe_only",
        "unique_id_column_name": id_column,
        "probability_two_random_records_match": model.lambda,
        "sql_dialect": sql.name(),
        "retain_matching_columns": true,
        "retain_intermediate_calculation_columns": true,
        "blocking_rules_to_generate_predictions": blocking_rules(sql, &kinds),
        "comparisons": comparisons,
    }))
}

/// SQL in one dialect: the few functions and quotes that differ between
/// DuckDB and Spark SQL (Splink's Spark backend registers `jaro_winkler`
/// and `damerau_levenshtein` from its jar).
#[derive(Debug, Clone, Copy)]
struct Sql(Dialect);

impl Sql {
    fn name(self) -> &'static str {
        match self.0 {
            Dialect::Spark => "spark",
            _ => "duckdb",
        }
    }

    fn spark(self) -> bool {
        self.0 == Dialect::Spark
    }

    /// A column name, quoted.
    fn ident(self, name: &str) -> String {
        if self.spark() {
            format!("`{name}`")
        } else {
            format!("\"{name}\"")
        }
    }

    /// `"col_l"` or `"col_r"`.
    fn side(self, column: &str, side: char) -> String {
        self.ident(&format!("{column}_{side}"))
    }

    /// Both sides of a column.
    fn lr(self, column: &str) -> (String, String) {
        (self.side(column, 'l'), self.side(column, 'r'))
    }

    /// A feature is missing when NULL or empty (feature files write "").
    fn missing(self, column: &str) -> String {
        let (l, r) = self.lr(column);
        format!("({l} IS NULL OR {r} IS NULL OR {l} = '' OR {r} = '')")
    }

    fn present(self, column: &str) -> String {
        format!("NOT {}", self.missing(column))
    }

    fn jaro_winkler(self, a: &str, b: &str) -> String {
        if self.spark() {
            format!("jaro_winkler({a}, {b})")
        } else {
            format!("jaro_winkler_similarity({a}, {b})")
        }
    }

    /// Equal, or one edit or adjacent transposition apart (`within_one_edit`).
    fn one_edit(self, a: &str, b: &str) -> String {
        format!("damerau_levenshtein({a}, {b}) <= 1")
    }

    /// Two adjacent letters swapped or one dropped, the shorter keeping two
    /// (`compare::swapped_or_dropped_letter`): one Damerau–Levenshtein edit
    /// that is not a replaced letter.
    fn swapped_or_dropped_letter(self, a: &str, b: &str) -> String {
        format!(
            "(least(length({a}), length({b})) >= 2 AND damerau_levenshtein({a}, {b}) = 1 \
             AND (length({a}) <> length({b}) OR levenshtein({a}, {b}) = 2))"
        )
    }

    /// The mailbox name of an e-mail: before the last `@` (the whole value
    /// without one), dots dropped (`compare::mailbox_name`).
    fn mailbox_name(self, e: &str) -> String {
        format!(
            "replace((CASE WHEN contains({e}, '@') THEN regexp_extract({e}, '^(.*)@', 1) ELSE {e} END), '.', '')"
        )
    }

    /// Two e-mails with one mailbox name, long enough to say who the
    /// mailbox is (`compare::LOCAL_PART_MIN` bytes), and no role account's
    /// (`compare::ROLE_ACCOUNTS`).
    fn same_local_part(self, a: &str, b: &str) -> String {
        let roles: Vec<String> = compare::ROLE_ACCOUNTS
            .iter()
            .map(|role| format!("'{role}'"))
            .collect();
        format!(
            "{} = {} AND {} >= {} AND {} NOT IN ({})",
            self.mailbox_name(a),
            self.mailbox_name(b),
            self.bytes(&self.mailbox_name(a)),
            compare::LOCAL_PART_MIN,
            self.mailbox_name(a),
            roles.join(", ")
        )
    }

    /// Length in bytes (as `str::len`).
    fn bytes(self, a: &str) -> String {
        if self.spark() {
            format!("octet_length({a})")
        } else {
            format!("strlen({a})")
        }
    }

    /// Whether `a` matches the regular expression `pattern`.
    fn matches(self, a: &str, pattern: &str) -> String {
        if self.spark() {
            format!("({a} RLIKE '{pattern}')")
        } else {
            format!("regexp_matches({a}, '{pattern}')")
        }
    }

    /// The `|`-separated canonical names of a first name
    /// (`nicknames::heads_key`), as a list.
    fn split_heads(self, a: &str) -> String {
        if self.spark() {
            format!("split({a}, '[|]')")
        } else {
            format!("string_split({a}, '|')")
        }
    }

    /// Whether two lists have an element in common.
    fn lists_meet(self, a: &str, b: &str) -> String {
        if self.spark() {
            format!("arrays_overlap({a}, {b})")
        } else {
            format!("list_has_any({a}, {b})")
        }
    }

    /// The space-separated words of `a`, as a list.
    fn words(self, a: &str) -> String {
        if self.spark() {
            format!("split({a}, ' ')")
        } else {
            format!("string_split({a}, ' ')")
        }
    }

    /// The elements `w` of `list` for which `condition` (over `w`) holds.
    fn filter(self, list: &str, condition: &str) -> String {
        if self.spark() {
            format!("filter({list}, w -> {condition})")
        } else {
            format!("list_filter({list}, lambda w: {condition})")
        }
    }

    fn list_len(self, list: &str) -> String {
        if self.spark() {
            format!("size({list})")
        } else {
            format!("len({list})")
        }
    }

    fn list_contains(self, list: &str, item: &str) -> String {
        if self.spark() {
            format!("array_contains({list}, {item})")
        } else {
            format!("list_contains({list}, {item})")
        }
    }
}

/// The condition of each level after "missing" and before the last
/// ("different"), in order, as SQL over the feature columns.
fn level_conditions(sql: Sql, kind: Kind) -> Vec<String> {
    match kind {
        Kind::FirstName => {
            let (f_l, f_r) = sql.lr("first_name");
            let (c_l, c_r) = sql.lr("first_name_canonical");
            let swapped = names_swapped(sql);
            let initial = |short: &str, long: &str| {
                // An initial is one ASCII letter (`is_initial_of` counts bytes).
                format!(
                    "({} = 1 AND substr({long}, 1, 1) = {short})",
                    sql.bytes(short)
                )
            };
            // Known given names of different genders: two names, however
            // close their spellings (`first_name`'s check after the
            // nickname level).
            let (g_l, g_r) = sql.lr("first_name_gender");
            // (NULL-safe: a CSV reader may turn an empty cell into NULL.)
            let same_or_unknown_gender =
                format!("(coalesce({g_l}, '') = '' OR coalesce({g_r}, '') = '' OR {g_l} = {g_r})");
            vec![
                format!("{f_l} = {f_r} AND NOT {swapped}"),
                format!(
                    "({c_l} = {c_r} OR {}) AND NOT {swapped}",
                    sql.lists_meet(&sql.split_heads(&c_l), &sql.split_heads(&c_r))
                ),
                format!(
                    "{swapped} OR ({same_or_unknown_gender} AND {} >= 0.92)",
                    sql.jaro_winkler(&f_l, &f_r)
                ),
                format!(
                    "{same_or_unknown_gender} AND ({} >= 0.8 OR {} OR {})",
                    sql.jaro_winkler(&f_l, &f_r),
                    sql.swapped_or_dropped_letter(&f_l, &f_r),
                    one_letter_replaced_in_a_slip(sql)
                ),
                format!("{} OR {}", initial(&f_l, &f_r), initial(&f_r, &f_l)),
            ]
        }
        Kind::LastName => {
            let (l_l, l_r) = sql.lr("last_name");
            let (p_l, p_r) = sql.lr("last_name_phonetic");
            let swapped = names_swapped(sql);
            vec![
                format!("{l_l} = {l_r} AND NOT {swapped}"),
                format!("{swapped} OR {} >= 0.92", sql.jaro_winkler(&l_l, &l_r)),
                format!(
                    "{} >= 0.8 OR ({p_l} <> '' AND {p_l} = {p_r})",
                    sql.jaro_winkler(&l_l, &l_r)
                ),
            ]
        }
        Kind::BirthDate => {
            let (b_l, b_r) = sql.lr("birth_date");
            let iso = |d: &str| sql.matches(d, "^[0-9]+-[0-9]+-[0-9]{2}");
            let part = |d: &str, n: u8| match n {
                3 => format!("CAST(substr(split_part({d}, '-', 3), 1, 2) AS BIGINT)"),
                n => format!("CAST(split_part({d}, '-', {n}) AS BIGINT)"),
            };
            let both_iso = format!("{} AND {}", iso(&b_l), iso(&b_r));
            vec![
                format!("{b_l} = {b_r}"),
                format!(
                    "{both_iso} AND {} = {} AND {} = {} AND {} = {}",
                    part(&b_l, 1),
                    part(&b_r, 1),
                    part(&b_l, 2),
                    part(&b_r, 3),
                    part(&b_l, 3),
                    part(&b_r, 2)
                ),
                sql.one_edit(&b_l, &b_r),
                format!("{both_iso} AND {} = {}", part(&b_l, 1), part(&b_r, 1)),
            ]
        }
        Kind::Email => {
            let (e_l, e_r) = sql.lr("email");
            vec![format!("{e_l} = {e_r}"), sql.same_local_part(&e_l, &e_r)]
        }
        Kind::Phone => {
            let phones = ["phone", "phone_2"];
            let mut exact = Vec::new();
            let mut last7 = Vec::new();
            for a in phones {
                for b in phones {
                    let (x, y) = (sql.side(a, 'l'), sql.side(b, 'r'));
                    exact.push(format!("({x} <> '' AND {x} = {y})"));
                    last7.push(format!(
                        "({} >= 7 AND {} >= 7 AND right({x}, 7) = right({y}, 7))",
                        sql.bytes(&x),
                        sql.bytes(&y)
                    ));
                }
            }
            vec![exact.join(" OR "), last7.join(" OR ")]
        }
        Kind::Street => {
            let (s_l, s_r) = sql.lr("street");
            let words = |s: &str| sql.words(s);
            let numbers = |s: &str| sql.filter(&words(s), &sql.matches("w", "^[0-9]"));
            let (nl, nr) = (numbers(&s_l), numbers(&s_r));
            let same_numbers = format!(
                "({} = 0 OR {} = 0 OR {nl} = {nr})",
                sql.list_len(&nl),
                sql.list_len(&nr)
            );
            // Counted from both sides, the fewer kept (as `compare::street`).
            let found_in = |x: &str, y: &str| {
                sql.list_len(&sql.filter(&words(x), &sql.list_contains(&words(y), "w")))
            };
            let shared = format!("least({}, {})", found_in(&s_l, &s_r), found_in(&s_r, &s_l));
            let fewer = format!(
                "least({}, {})",
                sql.list_len(&words(&s_l)),
                sql.list_len(&words(&s_r))
            );
            vec![
                format!("{s_l} = {s_r}"),
                format!("{same_numbers} AND {} >= 0.9", sql.jaro_winkler(&s_l, &s_r)),
                format!("{shared} * 2 >= greatest({fewer}, 1) AND {shared} > 0"),
            ]
        }
        Kind::City | Kind::Company => {
            let column = if kind == Kind::City {
                "city"
            } else {
                "company"
            };
            let (l, r) = sql.lr(column);
            vec![
                format!("{l} = {r}"),
                format!("{} >= 0.9", sql.jaro_winkler(&l, &r)),
            ]
        }
        Kind::PostalCode => {
            let (p_l, p_r) = sql.lr("postal_code");
            let (c_l, c_r) = sql.lr("city");
            let both = sql.present("postal_code");
            vec![
                format!("{both} AND {p_l} = {p_r}"),
                format!(
                    "{both} AND {} >= 3 AND {}",
                    sql.bytes(&p_l),
                    sql.one_edit(&p_l, &p_r)
                ),
                format!("{c_l} <> '' AND {c_r} <> '' AND {c_l} = {c_r}"),
            ]
        }
        Kind::Identifier => {
            let (l, r) = sql.lr("identifier");
            vec![
                format!("{l} = {r}"),
                format!("{} >= 3 AND {}", sql.bytes(&l), sql.one_edit(&l, &r)),
            ]
        }
    }
}

/// One letter replaced in first names of three letters or more, one of
/// which is no name we know (`compare::one_letter_replaced` with the
/// `first_name_known` flags).
fn one_letter_replaced_in_a_slip(sql: Sql) -> String {
    let (f_l, f_r) = sql.lr("first_name");
    let (k_l, k_r) = sql.lr("first_name_known");
    format!(
        "(length({f_l}) = length({f_r}) AND length({f_l}) >= 3 AND levenshtein({f_l}, {f_r}) = 1 \
         AND NOT (coalesce({k_l}, '') = '1' AND coalesce({k_r}, '') = '1'))"
    )
}

/// When a comparison has no usable values on one side (among `kinds`).
fn null_condition(sql: Sql, kind: Kind, kinds: &[Kind]) -> String {
    match kind {
        // Compared only where the postcodes agree
        // (`compare::city_where_postcodes_agree`).
        Kind::City if kinds.contains(&Kind::PostalCode) => {
            let (p_l, p_r) = sql.lr("postal_code");
            format!(
                "({} OR {} OR {p_l} <> {p_r})",
                sql.missing("city"),
                sql.missing("postal_code")
            )
        }
        Kind::FirstName => sql.missing("first_name"),
        Kind::LastName => sql.missing("last_name"),
        Kind::BirthDate => sql.missing("birth_date"),
        Kind::Email => sql.missing("email"),
        // The first phone of each record (a second only with a first).
        Kind::Phone => sql.missing("phone"),
        Kind::Street => sql.missing("street"),
        Kind::City => sql.missing("city"),
        Kind::Company => sql.missing("company"),
        // Missing only when neither postcodes nor cities can be compared.
        Kind::PostalCode => format!("{} AND {}", sql.missing("postal_code"), sql.missing("city")),
        Kind::Identifier => sql.missing("identifier"),
    }
}

/// First and last name the other way round, each possibly with one typo
/// (`names_swapped`; `close` needs 4 characters for a typo).
fn names_swapped(sql: Sql) -> String {
    let (f_l, f_r) = sql.lr("first_name");
    let (l_l, l_r) = sql.lr("last_name");
    let close = |a: &str, b: &str| {
        format!(
            "({a} = {b} OR (length({a}) >= 4 AND length({b}) >= 4 AND {}))",
            sql.one_edit(a, b)
        )
    };
    format!(
        "({f_l} <> '' AND {l_l} <> '' AND {f_r} <> '' AND {l_r} <> '' AND {f_l} <> {l_l} AND {f_l} <> {f_r} AND (({f_l} = {l_r} AND {l_l} = {f_r}) OR ({} AND {})))",
        close(&f_l, &l_r),
        close(&l_l, &f_r)
    )
}

/// The column whose value frequencies adjust an exact match (as ours).
fn tf_column(kind: Kind, kinds: &[Kind]) -> Option<&'static str> {
    compare::tf_field(kind, kinds).map(|_| match kind {
        Kind::FirstName => "first_name_canonical",
        Kind::LastName => "last_name",
        Kind::City => "city",
        _ => "postal_code",
    })
}

fn comparison(sql: Sql, kind: Kind, kinds: &[Kind], field: &super::model::FieldModel) -> Value {
    let names = level_names(kind);
    let conditions = level_conditions(sql, kind);
    let mut levels = vec![json!({
        "sql_condition": null_condition(sql, kind, kinds),
        "label_for_charts": format!("{} {}", kind.name(), names[0]),
        "is_null_level": true,
    })];
    let last = names.len() - 1;
    for (level, name) in names.iter().enumerate().skip(1) {
        let condition = if level == last {
            "ELSE".to_string()
        } else {
            conditions[level - 1].clone()
        };
        let m = &field.levels[level];
        let mut entry = json!({
            "sql_condition": condition,
            "label_for_charts": format!("{} {name}", kind.name()),
            "m_probability": m.m,
            "u_probability": m.u,
            "fix_m_probability": true,
            "fix_u_probability": true,
        });
        if level == 1 {
            if let Some(column) = tf_column(kind, kinds) {
                entry["tf_adjustment_column"] = json!(column);
                entry["tf_adjustment_weight"] = json!(1.0);
                // The base is this level's u, as ours (not a separate
                // exact-match level Splink would look for).
                entry["disable_tf_exact_match_detection"] = json!(true);
                // Ours is capped at +6 bits (a unique value is not
                // infinite evidence): Splink's floor on the value's u
                // caps it the same way. (The −6-bit floor has no Splink
                // counterpart; no value is that common in real files.)
                entry["tf_minimum_u_value"] = json!(m.u * (-super::model::TF_MAX_BITS).exp2());
            }
        }
        if level == last && kind == Kind::PostalCode && kinds.contains(&Kind::Street) {
            // A move (`compare::counted_by_street`): the postcode differs
            // and so does the street, which counts it; here the postcode
            // weighs nothing (m = u). Labelled as the level it is ours.
            levels.push(json!({
                "sql_condition": format!(
                    "{} = {}",
                    level_expression(sql, Kind::Street, kinds),
                    compare::STREET_DIFFERENT
                ),
                "label_for_charts": format!("{} {name}", kind.name()),
                "m_probability": m.u,
                "u_probability": m.u,
                "fix_m_probability": true,
                "fix_u_probability": true,
            }));
        }
        levels.push(entry);
    }
    json!({
        "output_column_name": kind.name(),
        "comparison_description": format!("tidyrec {}", kind.name()),
        "comparison_levels": levels,
    })
}

/// Our level of `kind` as one SQL expression (0 missing … n−1 different).
fn level_expression(sql: Sql, kind: Kind, kinds: &[Kind]) -> String {
    let mut case = format!("CASE WHEN {} THEN 0", null_condition(sql, kind, kinds));
    for (i, condition) in level_conditions(sql, kind).iter().enumerate() {
        case.push_str(&format!(" WHEN {condition} THEN {}", i + 1));
    }
    case.push_str(&format!(" ELSE {} END", level_names(kind).len() - 1));
    format!("({case})")
}

/// `different_people` over the level expressions: the pairs tidyrec never
/// joins, as a level with a decisive negative weight. Only the clauses the
/// model keeps in force (`guards`: those its file did not relax).
fn guard(sql: Sql, kinds: &[Kind], guards: super::guards::GuardSet) -> Value {
    let level = |kind: Kind| {
        kinds
            .contains(&kind)
            .then(|| level_expression(sql, kind, kinds))
    };
    let is = |kind: Kind, values: &[u8]| -> String {
        match level(kind) {
            Some(expr) => {
                let list: Vec<String> = values.iter().map(u8::to_string).collect();
                format!("({expr} IN ({}))", list.join(", "))
            }
            None => "FALSE".to_string(),
        }
    };
    let last = |kind: Kind| level_names(kind).len() as u8 - 1;
    let not = |sql: String| format!("(NOT {sql})");
    let any = |parts: Vec<String>| format!("({})", parts.join(" OR "));
    let all = |parts: Vec<String>| format!("({})", parts.join(" AND "));
    use Kind::*;
    let exact = |kind: Kind| is(kind, &[1]);
    let first_differs = is(FirstName, &[compare::FIRST_NAME_DIFFERENT]);
    let birth_agrees = is(BirthDate, &[1, 2, 3]);
    let birth_differs = is(BirthDate, &[compare::BIRTH_DATE_DIFFERENT]);
    // `birth.is_some_and(|level| level != 1)`: a birth-date column, and
    // any level but exact.
    let birth_not_exact = match level(BirthDate) {
        Some(_) => not(is(BirthDate, &[1])),
        None => "FALSE".to_string(),
    };
    let household = all(vec![
        first_differs.clone(),
        not(birth_agrees.clone()),
        not(is(Identifier, &[1, 2])),
    ]);
    let shares_contact = any(vec![
        is(Email, &[1, 2]),
        exact(Phone),
        is(Identifier, &[1, 2]),
        is(Street, &[1, 2]),
    ]);
    let contact_differs = any([Email, Phone, Street, Identifier]
        .into_iter()
        .map(|k| is(k, &[last(k)]))
        .collect());
    let namesake = all(vec![
        birth_not_exact,
        any(vec![birth_differs.clone(), contact_differs.clone()]),
        not(shares_contact.clone()),
    ]);
    let strong_id = is(Identifier, &[1, 2]);
    let names_agree = all(vec![is(FirstName, &[1, 2]), is(LastName, &[1])]);
    let one_household = any(vec![exact(Email), exact(Phone)]);
    let birth_apart = all(vec![
        birth_differs,
        not(strong_id.clone()),
        any(vec![contact_differs, not(names_agree), one_household]),
    ]);
    let surname_apart = all(vec![
        is(LastName, &[compare::LAST_NAME_DIFFERENT]),
        not(birth_agrees),
        not(strong_id),
    ]);
    let changed_surname_at_home = all(vec![is(BirthDate, &[1]), is(Street, &[3])]);
    let surname_loose = all(vec![
        is(LastName, &[3, compare::LAST_NAME_DIFFERENT]),
        not(shares_contact.clone()),
        not(changed_surname_at_home),
    ]);
    let street_unrelated = not(is(Street, &[1, 2, 3]));
    let first_apart = all(vec![first_differs, not(shares_contact), street_unrelated]);
    use super::guards::GuardSet as G;
    let in_force: Vec<String> = [
        (G::HOUSEHOLD, household),
        (G::NAMESAKE, namesake),
        (G::BIRTH_APART, birth_apart),
        (G::SURNAME_APART, surname_apart),
        (G::SURNAME_LOOSE, surname_loose),
        (G::FIRST_APART, first_apart),
    ]
    .into_iter()
    .filter(|(clause, _)| guards.active() & clause != 0)
    .map(|(_, sql)| sql)
    .collect();
    let different = if in_force.is_empty() {
        "FALSE".to_string()
    } else {
        any(in_force)
    };
    json!({
        "output_column_name": "tidyrec_guard",
        "comparison_description": "tidyrec: different people (household, namesake, colleagues), however much else they share",
        "comparison_levels": [
            {
                "sql_condition": different,
                "label_for_charts": "different people",
                "m_probability": GUARD_M,
                "u_probability": 1.0,
                "fix_m_probability": true,
                "fix_u_probability": true,
            },
            {
                "sql_condition": "ELSE",
                "label_for_charts": "no contradiction",
                "m_probability": 1.0,
                "u_probability": 1.0,
                "fix_m_probability": true,
                "fix_u_probability": true,
            }
        ],
    })
}

/// Our blocking rules as Splink's, from each rule's key parts: one Splink
/// rule per way the key can agree (a record's two phones give four rules,
/// "names in either order" two); empty keys never block. Every part has
/// its SQL here, so a new part cannot be dropped silently.
fn blocking_rules(sql: Sql, kinds: &[Kind]) -> Vec<Value> {
    use super::blocking::Part;
    let q = |name: &str| sql.ident(name);
    let eq = |a: &str, b: &str| format!("l.{} = r.{} AND l.{} <> ''", q(a), q(b), q(a));
    let initial = format!(
        "substr(l.{f}, 1, 1) = substr(r.{f}, 1, 1) AND l.{f} <> ''",
        f = q("first_name")
    );
    let year = format!(
        "substr(l.{b}, 1, 4) = substr(r.{b}, 1, 4) AND l.{b} <> ''",
        b = q("birth_date")
    );
    let mut rules: Vec<String> = Vec::new();
    for rule in super::blocking::rules_for(kinds) {
        // The ways each part can agree; a rule is one choice per part.
        let mut variants: Vec<Vec<String>> = vec![Vec::new()];
        for part in rule.parts() {
            let ways: Vec<String> = match part {
                Part::Email => vec![eq("email", "email")],
                Part::EmailLocal => {
                    vec![sql.same_local_part(
                        &format!("l.{}", q("email")),
                        &format!("r.{}", q("email")),
                    )]
                }
                Part::Phone => [
                    ("phone", "phone"),
                    ("phone", "phone_2"),
                    ("phone_2", "phone"),
                    ("phone_2", "phone_2"),
                ]
                .iter()
                .map(|(a, b)| eq(a, b))
                .collect(),
                Part::LastPhonetic => vec![eq("last_name_phonetic", "last_name_phonetic")],
                Part::FirstInitial => vec![initial.to_string()],
                Part::Birth => vec![eq("birth_date", "birth_date")],
                Part::BirthYear => vec![year.to_string()],
                Part::Postal => vec![eq("postal_code", "postal_code")],
                Part::SortedNames => vec![
                    format!(
                        "{} AND {}",
                        eq("first_name", "first_name"),
                        eq("last_name", "last_name")
                    ),
                    format!(
                        "{} AND {}",
                        eq("first_name", "last_name"),
                        eq("last_name", "first_name")
                    ),
                ],
                Part::Identifier => vec![eq("identifier", "identifier")],
                Part::Company => vec![eq("company", "company")],
                Part::Street => vec![eq("street", "street")],
                Part::HouseNumbers => {
                    let numbers = |side: &str| {
                        sql.filter(
                            &sql.words(&format!("{side}.{}", q("street"))),
                            &sql.matches("w", "^[0-9]"),
                        )
                    };
                    let (l, r) = (numbers("l"), numbers("r"));
                    vec![format!("{l} = {r} AND {} > 0", sql.list_len(&l))]
                }
                Part::FirstName => vec![eq("first_name_canonical", "first_name_canonical")],
            };
            variants = variants
                .iter()
                .flat_map(|chosen| {
                    ways.iter().map(move |way| {
                        let mut next = chosen.clone();
                        next.push(way.clone());
                        next
                    })
                })
                .collect();
        }
        rules.extend(
            variants
                .into_iter()
                .map(|conditions| conditions.join(" AND ")),
        );
    }
    rules
        .into_iter()
        .map(|rule| json!({ "blocking_rule": rule, "sql_dialect": sql.name() }))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_one_condition_per_level_between_missing_and_different() {
        use Kind::*;
        for kind in [
            FirstName, LastName, BirthDate, Email, Phone, Street, City, PostalCode, Identifier,
            Company,
        ] {
            assert_eq!(
                level_conditions(Sql(Dialect::DuckDb), kind).len(),
                level_names(kind).len() - 2,
                "{kind:?}"
            );
        }
    }

    #[test]
    fn unchecked_dialects_are_refused_not_guessed() {
        let model = Model {
            version: crate::matching::model::MODEL_VERSION,
            lambda: 0.01,
            fields: Vec::new(),
            guards: Default::default(),
        };
        assert_eq!(
            settings(&model, "id", Dialect::Athena),
            Err(SplinkError::Unsupported("athena"))
        );
        assert!(settings(&model, "id", Dialect::DuckDb).is_ok());
        assert!(settings(&model, "id", Dialect::Spark).is_ok());
    }

    /// The guard level carries only the clauses the model keeps in force.
    #[test]
    fn relaxed_guard_clauses_leave_the_guard_level() {
        use crate::matching::guards::GuardSet;
        let kinds = [
            Kind::FirstName,
            Kind::LastName,
            Kind::BirthDate,
            Kind::Email,
        ];
        let condition = |guards: GuardSet| {
            guard(Sql(Dialect::DuckDb), &kinds, guards)["comparison_levels"][0]["sql_condition"]
                .as_str()
                .unwrap()
                .to_string()
        };
        let all = condition(GuardSet::all());
        let none: GuardSet =
            serde_json::from_value(json!(GuardSet::CLAUSES.map(|(_, n)| n))).unwrap();
        assert_eq!(condition(none), "FALSE");
        let household_only: GuardSet = serde_json::from_value(json!(GuardSet::CLAUSES[1..]
            .iter()
            .map(|(_, n)| *n)
            .collect::<Vec<_>>()))
        .unwrap();
        let household = condition(household_only);
        assert!(household.len() < all.len() && household != "FALSE");
    }

    #[test]
    fn spark_sql_uses_backticks_and_spark_functions() {
        let spark = Sql(Dialect::Spark);
        for kind in [Kind::FirstName, Kind::BirthDate, Kind::Street, Kind::Email] {
            let text = level_conditions(spark, kind).join(" ");
            assert!(!text.contains('"'), "{kind:?}: {text}");
            for duckdb_only in [
                "jaro_winkler_similarity",
                "strlen(",
                "regexp_matches",
                "list_filter",
                "string_split",
                "lambda",
            ] {
                assert!(!text.contains(duckdb_only), "{kind:?}: {duckdb_only}");
            }
        }
        let rules = blocking_rules(spark, &[Kind::Email, Kind::FirstName, Kind::BirthDate]);
        assert!(rules
            .iter()
            .all(|r| r["sql_dialect"] == "spark"
                && !r["blocking_rule"].as_str().unwrap().contains('"')));
    }
}
