use super::*;
use crate::progress::Silent;

fn plan_for(table: &Table, roles: &[Role]) -> Plan {
    assert_eq!(roles.len(), table.headers.len());
    Plan {
        columns: roles
            .iter()
            .map(|&role| ColumnPlan {
                role,
                enabled: true,
                date_order: None,
                strip_honorifics: false,
                empty_invalid: false,
            })
            .collect(),
        country_column: roles.iter().position(|r| *r == Role::Country),
        default_region: Some("US"),
        date_order: None,
        date_format: None,
        extension_style: phone::ExtensionStyle::Rfc3966,
        phone_format: Default::default(),
        placeholders: Vec::new(),
        file_evidence: None,
    }
}

fn table(headers: &[&str], rows: &[&[&str]]) -> Table {
    Table::from_rows(headers, rows)
}

#[test]
fn row_country_drives_phone_region_and_date_order() {
    let input = table(
        &["country", "phone", "dob"],
        &[
            &["US", "(415) 555-0132", "05/02/1990"],
            &["Deutschland", "030 1234567", "05.02.1990"],
            &["United Kingdom", "020 7946 0958", "05/02/1990"],
            &["", "415.555.0132", "05/02/1990"],
        ],
    );
    let plan = plan_for(&input, &[Role::Country, Role::Phone, Role::Date]);
    let out = run(&input, &plan, true, &Silent);
    let col = |c: usize| out.table.columns[c].iter().collect::<Vec<_>>();
    assert_eq!(col(0), ["US", "DE", "GB", ""]);
    assert_eq!(
        col(1),
        [
            "+14155550132",
            "+49301234567",
            "+442079460958",
            "+14155550132"
        ]
    );
    assert_eq!(
        col(2),
        ["1990-05-02", "1990-02-05", "1990-02-05", "1990-05-02"]
    );
}

#[test]
fn column_evidence_fixes_order_per_country_group() {
    // US rows written day-first by some system: 25/12 proves it for US rows.
    let input = table(
        &["country", "date"],
        &[
            &["US", "25/12/2020"],
            &["US", "05/02/2021"],
            &["FR", "05/02/2021"],
        ],
    );
    let out = run(
        &input,
        &plan_for(&input, &[Role::Country, Role::Date]),
        false,
        &Silent,
    );
    assert_eq!(
        out.table.columns[1].iter().collect::<Vec<_>>(),
        ["2020-12-25", "2021-02-05", "2021-02-05"]
    );
}

#[test]
fn rejected_values_are_kept_raw_and_counted() {
    let input = table(
        &["email", "phone"],
        &[&["Bob@X.com", "N/A"], &[" not an email ", "12345"]],
    );
    let out = run(
        &input,
        &plan_for(&input, &[Role::Email, Role::Phone]),
        true,
        &Silent,
    );
    assert_eq!(out.table.columns[0].get(1), " not an email ");
    assert_eq!(out.table.columns[1].get(1), "12345");
    assert_eq!(out.table.columns[1].get(0), "");
    assert_eq!(out.stats[0].changed, 1);
    assert_eq!(out.stats[0].rejected, 1);
    assert_eq!(out.stats[1].emptied, 1);
    assert_eq!(out.stats[1].rejected, 1);
    let actions: Vec<_> = out
        .findings
        .iter()
        .map(|f| (f.row, f.column, f.action))
        .collect();
    assert_eq!(
        actions,
        [
            (0, 0, Action::Changed),
            (0, 1, Action::Emptied),
            (1, 0, Action::Rejected),
            (1, 1, Action::Rejected)
        ]
    );
}

#[test]
fn disabled_columns_are_untouched() {
    let input = table(&["email"], &[&[" A@B.COM "]]);
    let mut plan = plan_for(&input, &[Role::Email]);
    plan.columns[0].enabled = false;
    let out = run(&input, &plan, true, &Silent);
    assert_eq!(out.table.columns[0].get(0), " A@B.COM ");
    assert!(out.findings.is_empty());
}

mod idempotence {
    use super::*;
    use proptest::prelude::*;

    fn messy() -> impl Strategy<Value = String> {
        prop_oneof![
            "[ a-zA-Z0-9.,@+()/-]{0,20}",
            "(\\+?[0-9]{1,3}[ -]?)?\\(?[0-9]{3}\\)?[ .-][0-9]{3}[ .-][0-9]{4}",
            "[0-3]?[0-9][/.-][01]?[0-9][/.-](19|20)?[0-9]{2}",
            "[A-Za-z]{1,8}\\.?[a-z]{0,5}@[a-zA-Z]{1,6}\\.(com|DE|org)",
            "(N/A|null|-|none|无|  )",
            "[A-ZÄÖÜ][a-zäöü]{1,8} ?(van der|O'|Mc)?[A-Za-z]{0,8}",
            "[0-9]{1,2} (May|Mai|maio|Dec|décembre) [0-9]{4}",
            "\\$?[0-9]{1,3}([,.][0-9]{3})*([,.][0-9]{2})? ?€?",
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        /// Normalizing a normalized table changes nothing.
        #[test]
        fn normalizing_twice_equals_once(rows in proptest::collection::vec(
            (messy(), messy(), messy(), messy(), messy(), messy(), "(US|DE|gb|中国|Brasil|)"), 1..20)) {
            let headers = ["phone", "date", "email", "name", "money", "zip", "country"];
            let roles = [Role::Phone, Role::Date, Role::Email, Role::FullName, Role::Money, Role::PostalCode, Role::Country];
            let mut input = Table::new(headers.iter().map(|h| h.to_string()).collect());
            for r in &rows {
                input.push_row([r.0.as_str(), r.1.as_str(), r.2.as_str(), r.3.as_str(), r.4.as_str(), r.5.as_str(), r.6.as_str()]);
            }
            let plan = plan_for(&input, &roles);
            let once = run(&input, &plan, false, &Silent).table;
            let twice = run(&once, &plan, false, &Silent).table;
            prop_assert_eq!(once, twice);
        }
    }
}

#[test]
fn an_unrecognised_country_never_falls_back_to_the_default_region() {
    let input = table(
        &["country", "phone"],
        &[
            &["P.R. China", "151 6600 9348"],
            &["Mainland", "151 6600 9348"],
            &["Narnia", "151 6600 9348"],
            &["Narnia", "+86 151 6600 9348"],
            &["", "(415) 555-0132"],
            &["N/A", "(415) 555-0132"],
        ],
    );
    let plan = plan_for(&input, &[Role::Country, Role::Phone]);
    let out = run(&input, &plan, true, &Silent);
    let phones: Vec<&str> = out.table.columns[1].iter().collect();
    assert_eq!(
        phones,
        [
            "+8615166009348",
            "+8615166009348",
            // Unknown country: the national number is kept as written …
            "151 6600 9348",
            // … an international one needs no country.
            "+8615166009348",
            // Empty (or a placeholder): the default region applies.
            "+14155550132",
            "+14155550132",
        ]
    );
    assert_eq!(
        out.stats[1].reasons[0],
        ("the row's country is not recognised".into(), 1)
    );
    assert_eq!(out.stats[0].unrecognised, [("Narnia".to_string(), 2)]);
}

#[test]
fn full_width_digits_are_read_in_dates_postal_codes_and_money() {
    assert_eq!(
        date::normalize("１９５０-０６-０７", date::Order::DayFirst, None).unwrap(),
        "1950-06-07"
    );
    assert_eq!(
        date::normalize("２０２４年９月２１日", date::Order::DayFirst, None).unwrap(),
        "2024-09-21"
    );
    assert_eq!(
        date::normalize("２０２４／５／２", date::Order::DayFirst, None).unwrap(),
        "2024-05-02"
    );
    assert_eq!(
        postal::normalize("〒２７５-６６８３", Some("JP")).unwrap(),
        "275-6683"
    );
    assert_eq!(postal::normalize("〒100-0001", None).unwrap(), "100-0001");
    assert_eq!(postal::normalize("D-71067", Some("DE")).unwrap(), "71067");
    // Another country's prefix is not guessed away.
    assert_eq!(postal::normalize("D-71067", Some("FR")).unwrap(), "D-71067");
    assert_eq!(money::normalize("￥１,２３４").unwrap(), "1234");
}
