//! `tidyrec validate` from the command line: exit codes, each output format
//! (text and JUnit as insta snapshots), the JSON report's shape, the failing
//! rows file, and rule-file errors.

use crate::common::*;

/// A work dir holding the validate fixtures under short relative names, so
/// reports (which name the files) are the same on every machine.
fn workdir() -> Workdir {
    let wd = Workdir::new();
    for name in ["contacts.csv", "pass.toml", "fail.toml", "bad.toml"] {
        let bytes = std::fs::read(fixture("validate").join(name)).expect("fixture");
        wd.write(name, bytes);
    }
    wd
}

fn stdout_of(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// `tidyrec validate contacts.csv --rules RULES EXTRA… --as-of 2024-06-05`
/// (a fixed "today", so freshness checks give the same answer every day).
fn validate(wd: &Workdir, rules: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["validate", "contacts.csv", "--rules", rules];
    args.extend_from_slice(extra);
    args.extend_from_slice(&["--as-of", "2024-06-05"]);
    wd.run(&args)
}

#[test]
fn passing_rules_exit_0() {
    let wd = workdir();
    let output = validate(&wd, "pass.toml", &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let text = stdout_of(&output);
    assert!(
        text.contains("0 failed, 0 warned, 8 passed (8 checks) → exit 0"),
        "{text}"
    );
}

#[test]
fn failing_rules_exit_1_with_a_readable_table() {
    let wd = workdir();
    let output = validate(&wd, "fail.toml", &[]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr_of(&output));
    insta::assert_snapshot!("validate_text", stdout_of(&output));
}

#[test]
fn junit_has_one_test_case_per_check() {
    let wd = workdir();
    let output = validate(
        &wd,
        "fail.toml",
        &["--format", "junit", "--output", "report.xml"],
    );
    assert_eq!(output.status.code(), Some(1), "{}", stderr_of(&output));
    let xml = std::fs::read_to_string(wd.path("report.xml")).unwrap();
    assert_eq!(xml.matches("<testcase ").count(), 11);
    // Stdout stays empty when the report goes to a file; stderr has the outcome.
    assert!(output.stdout.is_empty());
    assert!(
        stderr_of(&output).contains("failed"),
        "{}",
        stderr_of(&output)
    );
    insta::assert_snapshot!("validate_junit", xml);
}

#[test]
fn json_report_is_versioned_and_complete() {
    let wd = workdir();
    let output = validate(&wd, "fail.toml", &["--format", "json"]);
    assert_eq!(output.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["version"], 1);
    assert_eq!(report["command"], "validate");
    assert_eq!(report["rows"], 6);
    assert_eq!(report["status"], "fail");
    let checks = report["checks"].as_array().unwrap();
    assert_eq!(checks.len(), 11);
    for check in checks {
        for key in [
            "name",
            "type",
            "severity",
            "columns",
            "rule_line",
            "status",
            "evaluated",
            "failing",
            "failing_percent",
            "threshold",
            "examples",
        ] {
            assert!(check.get(key).is_some(), "{key} missing in {check}");
        }
    }
    let unique = &checks[0];
    assert_eq!(unique["type"], "unique");
    assert_eq!(unique["failing"], 2);
    assert_eq!(unique["examples"][1]["reason"], "same value as row 5");
    assert_eq!(unique["examples"][1]["value"], "C-5");
    let email = &checks[1];
    assert_eq!(email["failing"], 1);
    assert_eq!(email["examples"][0]["value"], "ann@example");
    let summary = &report["summary"];
    assert_eq!(
        summary["failed"].as_u64().unwrap()
            + summary["warned"].as_u64().unwrap()
            + summary["passed"].as_u64().unwrap(),
        11
    );
}

#[test]
fn github_annotations_and_failures_file() {
    let wd = workdir();
    let output = validate(
        &wd,
        "fail.toml",
        &["--format", "github", "--failures", "failing.csv"],
    );
    assert_eq!(output.status.code(), Some(1));
    let annotations = stdout_of(&output);
    assert!(
        annotations
            .lines()
            .any(|l| l.starts_with("::error file=contacts.csv,title=unique%3A Customer ID::")),
        "{annotations}"
    );
    assert!(
        annotations.lines().any(|l| l.starts_with("::warning ")),
        "{annotations}"
    );
    assert!(annotations.lines().last().unwrap().starts_with("::notice "));
    let (headers, rows) = records(&wd.path("failing.csv"));
    assert_eq!(
        headers,
        ["row", "id", "check", "severity", "column", "value", "reason"]
    );
    let phone: Vec<&Vec<String>> = rows
        .iter()
        .filter(|r| r[2] == "format: Phone is phone")
        .collect();
    assert_eq!(phone.len(), 1);
    assert_eq!(phone[0][..2], ["5".to_string(), "C-5".to_string()]);
    assert_eq!(phone[0][5], "12345");
    // Every failing row of every check is listed (not only examples).
    let born: Vec<&str> = rows
        .iter()
        .filter(|r| r[2] == "plausible birth dates")
        .map(|r| r[0].as_str())
        .collect();
    assert_eq!(born, ["5"]);
}

#[test]
fn rule_file_errors_exit_2_with_file_line_and_key() {
    let wd = workdir();
    let output = wd.run(&["validate", "contacts.csv", "--rules", "bad.toml"]);
    assert_eq!(output.status.code(), Some(2));
    let err = stderr_of(&output);
    assert!(
        err.contains("bad.toml") && err.contains("line 8") && err.contains("formt"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");

    wd.write(
        "missing.toml",
        "[[check]]\ntype = \"required\"\ncolumn = \"E-mail\"\n",
    );
    let output = wd.run(&["validate", "contacts.csv", "--rules", "missing.toml"]);
    assert_eq!(output.status.code(), Some(2));
    let err = stderr_of(&output);
    assert!(
        err.contains("line 1") && err.contains("`E-mail`") && err.contains("Email"),
        "{err}"
    );

    wd.write("empty.toml", "[normalize]\ndefault-region = \"US\"\n");
    let output = wd.run(&["validate", "contacts.csv", "--rules", "empty.toml"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr_of(&output).contains("no [[check]]"));

    let output = wd.run(&["validate", "nope.csv", "--rules", "pass.toml"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr_of(&output).contains("nope.csv"));
}

#[test]
fn duplicate_rate_uses_the_matching_engine() {
    let wd = Workdir::new();
    let rules = wd.write(
        "dupes.toml",
        "[[check]]\ntype = \"duplicate-rate\"\nmax-percent = 10\n",
    );
    let input = fixture("demo/customers_dupes.csv");
    let output = wd.run(&[
        "validate",
        input.to_str().unwrap(),
        "--rules",
        rules.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr_of(&output));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    // 15 records of 10 customers: 5 duplicates.
    assert_eq!(report["checks"][0]["failing"], 5);
    assert_eq!(report["checks"][0]["evaluated"], 15);
}

/// The generic rule file names columns by role: it runs (exit 0 or 1, never
/// 2) on exports whose headers differ from ours in every way.
#[test]
fn the_generic_rule_file_runs_on_any_contact_export() {
    let wd = Workdir::new();
    wd.write(
        "zh.csv",
        "客户编号,姓名,手机,邮箱,国家\nK1,王伟,138-1234-5678,wang@example.cn,中国\nK2,张丽,139 1234 5678,zhang@example,中国\n",
    );
    wd.write(
        "hubspot.csv",
        "Record ID,First Name,Last Name,Email,Phone Number,Country/Region\n51,Ann,Lee,ann@x.com,+1 415 555 0132,United States\n",
    );
    let rules = fixture("../rules/crm-contacts.toml");
    for file in [
        wd.path("zh.csv"),
        wd.path("hubspot.csv"),
        fixture("ids/crm_ids.csv"),
        fixture("demo/crm_export.csv"),
        fixture("febrl/febrl1.csv"),
    ] {
        let out = wd.run(&[
            "validate",
            file.to_str().unwrap(),
            "--rules",
            rules.to_str().unwrap(),
        ]);
        let code = out.status.code();
        assert!(
            matches!(code, Some(0 | 1)),
            "{}: {:?} {}",
            file.display(),
            code,
            stderr_of(&out)
        );
    }
}

#[test]
fn every_missing_column_of_a_rule_file_is_reported_at_once() {
    let wd = Workdir::new();
    wd.write("in.csv", "Email\na@x.com\n");
    wd.write(
        "r.toml",
        "[[check]]\ntype = \"required\"\ncolumn = \"Mobile\"\n[[check]]\ntype = \"format\"\ncolumn = \"Birthday\"\nformat = \"date\"\n",
    );
    let out = wd.run(&["validate", "in.csv", "--rules", "r.toml"]);
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("`Mobile` (line 1") && err.contains("`Birthday` (line 4"),
        "{err}"
    );
}
