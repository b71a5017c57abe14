//! `tidyrec profile` from the command line: the table, the JSON profile,
//! `--compare`, and the HTML report's content (rendering in a real browser is
//! checked by scripts/check_html_report.sh).

use crate::common::*;

fn profile_json(wd: &Workdir, input: &str, json: &str, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["profile", input, "--json", json];
    args.extend_from_slice(extra);
    let output = wd.run(&args);
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    serde_json::from_str(&std::fs::read_to_string(wd.path(json)).unwrap()).unwrap()
}

#[test]
fn profile_reports_roles_completeness_validity_and_duplicates() {
    let wd = Workdir::new();
    let input = fixture("demo/customers_dupes.csv");
    let output = wd.run(&[
        "profile",
        input.to_str().unwrap(),
        "--json",
        "p.json",
        "--html",
        "p.html",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let table = String::from_utf8_lossy(&output.stdout);
    assert!(
        table.contains("COMPLETE") && table.contains("likely duplicates 5 of 15 records"),
        "{table}"
    );

    let profile: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(wd.path("p.json")).unwrap()).unwrap();
    assert_eq!(profile["version"], 1);
    assert_eq!(profile["rows"], 15);
    let duplicates = &profile["duplicates"];
    assert_eq!(duplicates["duplicate_records"], 5);
    assert_eq!(duplicates["clusters"], 10);
    let columns = profile["columns"].as_array().unwrap();
    let email = columns
        .iter()
        .find(|c| c["role"] == "email")
        .expect("an email column");
    for key in [
        "name",
        "role_source",
        "filled",
        "completeness",
        "invalid",
        "validity",
        "distinct",
        "top_values",
        "length",
    ] {
        assert!(email.get(key).is_some(), "{key} missing");
    }
    assert!(email["completeness"].as_f64().unwrap() <= 100.0);

    let html = std::fs::read_to_string(wd.path("p.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert_eq!(
        html.matches("class=\"completeness\"").count(),
        columns.len()
    );
    assert!(html.contains("class=\"validity\""));
    assert!(
        html.contains("class=\"cluster-size\""),
        "duplicate histogram"
    );
    assert!(html.contains("Likely duplicate customers"));
    assert!(!html.contains("<script") && !html.contains("http://") && !html.contains("https://"));
}

#[test]
fn compare_says_what_got_better_or_worse() {
    let wd = Workdir::new();
    wd.write(
        "old.csv",
        "id,Email,Phone\n1,a@x.com,+1 415 555 0132\n2,b@x.com,+1 415 555 0133\n3,c@x.com,+1 415 555 0134\n4,d@x.com,+1 415 555 0135\n",
    );
    wd.write(
        "new.csv",
        "id,Email,Phone\n1,a@x.com,+1 415 555 0132\n2,,+1 415 555 0133\n3,not-an-email,+1 415 555 0134\n4,d@x.com,+1 415 555 0135\n5,e@x.com,+1 415 555 0136\n",
    );
    profile_json(&wd, "old.csv", "old.json", &["--no-duplicates"]);
    let output = wd.run(&[
        "profile",
        "new.csv",
        "--no-duplicates",
        "--compare",
        "old.json",
        "--json",
        "new.json",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("compared with old.csv"), "{text}");
    let worse = text
        .lines()
        .find(|l| l.contains("WORSE") && l.contains("Email") && l.contains("completeness"))
        .expect("email completeness got worse");
    assert!(worse.contains("100 → 80"), "{worse}");
    assert!(
        text.lines()
            .any(|l| l.contains("BETTER") && l.contains("rows")),
        "{text}"
    );
    let new: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(wd.path("new.json")).unwrap()).unwrap();
    assert!(new["changes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["verdict"] == "worse"));

    wd.write("junk.json", "{\"not\": \"a profile\"}");
    let output = wd.run(&["profile", "new.csv", "--compare", "junk.json"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr_of(&output).contains("is not a tidyrec profile"));
}

#[test]
fn profile_is_identical_across_thread_counts() {
    let wd = Workdir::new();
    let input = fixture("demo/crm_export.csv");
    let input = input.to_str().unwrap();
    for threads in ["1", "2"] {
        let output = wd.run(&[
            "--threads",
            threads,
            "profile",
            input,
            "--json",
            &format!("p{threads}.json"),
            "--html",
            &format!("p{threads}.html"),
        ]);
        assert_eq!(output.status.code(), Some(0));
    }
    assert_eq!(
        std::fs::read(wd.path("p1.json")).unwrap(),
        std::fs::read(wd.path("p2.json")).unwrap()
    );
    assert_eq!(
        std::fs::read(wd.path("p1.html")).unwrap(),
        std::fs::read(wd.path("p2.html")).unwrap()
    );
}

#[test]
fn empty_and_header_only_files_are_profiled_without_inventing_figures() {
    let wd = Workdir::new();
    wd.write("empty.csv", "");
    wd.write("header.csv", "Email,Phone\n");
    // No header at all is an input error, not a 0×0 profile.
    let out = wd.run(&["profile", "empty.csv", "--json", "empty.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(!wd.path("empty.json").exists());
    let header = profile_json(&wd, "header.csv", "header.json", &["--html", "header.html"]);
    let columns = header["columns"].as_array().unwrap();
    assert_eq!(columns.len(), 2);
    // Nothing filled: completeness 0%, validity unknown (not 0%).
    assert_eq!(columns[0]["completeness"], 0.0);
    assert!(columns[0]["validity"].is_null());
    assert!(wd.path("header.html").exists());
}
