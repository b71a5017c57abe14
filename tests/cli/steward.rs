//! The steward's loop from the command line: the review band, decisions
//! obeyed by dedupe, link (an unmerge) and the nightly pipeline, and bad
//! decisions files refused with their row.

use crate::common::{
    column, demo_pipeline, febrl_without_truth, fixture, records, stderr_of, Workdir,
};
use std::collections::{BTreeSet, HashMap};

fn dedupe(w: &Workdir, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "dedupe",
        "febrl1.csv",
        "-o",
        "golden.csv",
        "--id-column",
        "rec_id",
        "--clusters",
        "clusters.csv",
    ];
    args.extend_from_slice(extra);
    let out = w.run(&args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    out
}

/// Record id → cluster id.
fn clusters(w: &Workdir, file: &str, id: &str, cluster: &str) -> HashMap<String, String> {
    let (headers, rows) = records(&w.path(file));
    column(&headers, &rows, id)
        .into_iter()
        .zip(column(&headers, &rows, cluster))
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

/// Cluster id → its members.
fn members(of: &HashMap<String, String>) -> HashMap<String, BTreeSet<String>> {
    let mut groups: HashMap<String, BTreeSet<String>> = HashMap::new();
    for (record, cluster) in of {
        groups
            .entry(cluster.clone())
            .or_default()
            .insert(record.clone());
    }
    groups
}

#[test]
fn dedupe_obeys_every_decision_and_leaves_other_clusters_alone() {
    let w = Workdir::new();
    febrl_without_truth(&w);
    dedupe(&w, &[]);
    let before = clusters(&w, "clusters.csv", "rec_id", "cluster_id");
    let groups = members(&before);
    let mut merged: Vec<&BTreeSet<String>> = groups.values().filter(|m| m.len() >= 2).collect();
    merged.sort();
    // 12 merges the steward overrules (the scores say one person) and 12
    // joins of records from two other clusters that share nothing:
    // decisions win either way.
    let mut text = String::from("id_a,id_b,decision,note\n");
    let mut decided = BTreeSet::new();
    for m in merged.iter().take(12) {
        let (a, b) = (m.iter().next().unwrap(), m.iter().last().unwrap());
        text.push_str(&format!("{a},{b},different,overruled\n"));
        decided.extend(m.iter().cloned());
    }
    for two in merged[12..36].chunks(2) {
        let (a, b) = (two[0].iter().next().unwrap(), two[1].iter().next().unwrap());
        text.push_str(&format!("{a},{b},same,\n"));
        decided.extend(two.iter().flat_map(|m| m.iter().cloned()));
    }
    // An id no longer in the file is counted, not an error.
    text.push_str("rec-gone-org,rec-1-org,different,\n");
    w.write("decisions.csv", &text);
    let out = dedupe(
        &w,
        &["--decisions", "decisions.csv", "--report", "report.json"],
    );
    let after = clusters(&w, "clusters.csv", "rec_id", "cluster_id");
    let mut reader = csv::Reader::from_path(w.path("decisions.csv")).unwrap();
    for row in reader.records().map(Result::unwrap) {
        let (Some(a), Some(b)) = (after.get(&row[0]), after.get(&row[1])) else {
            continue;
        };
        assert_eq!(a == b, &row[2] == "same", "decision {row:?} not obeyed");
    }
    // Clusters without a decided record are the same sets of records.
    let untouched = |of: &HashMap<String, String>| -> BTreeSet<BTreeSet<String>> {
        members(of)
            .into_values()
            .filter(|m| m.is_disjoint(&decided))
            .collect()
    };
    assert_eq!(untouched(&before), untouched(&after));
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(w.path("report.json")).unwrap()).unwrap();
    let d = &report["decisions"];
    assert_eq!(d["read"], 25);
    assert_eq!(d["joined"], 12);
    assert_eq!(d["kept_apart"], 12);
    assert_eq!(d["not_in_this_run"], 1);
    assert!(stderr_of(&out).contains("decisions: 25 from"));
}

#[test]
fn the_review_band_is_a_decisions_file_once_filled_in() {
    let w = Workdir::new();
    // FEBRL and the fixtures have no pair between 0.01 and 0.99: generated
    // records with households and namesakes have a few.
    let path = |n: &str| w.path(n).to_string_lossy().into_owned();
    tidyrec_gen::people::generate(5_000, 3, &path("people.csv"), &path("truth.csv"), None).unwrap();
    let run = |extra: &[&str]| {
        let mut args = vec![
            "dedupe",
            "people.csv",
            "-o",
            "golden.csv",
            "--clusters",
            "clusters.csv",
        ];
        args.extend_from_slice(extra);
        let out = w.run(&args);
        assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    };
    run(&[
        "--review",
        "review.csv",
        "--review-html",
        "review.html",
        "--review-below",
        "0.01",
    ]);
    let cluster_of = clusters(&w, "clusters.csv", "Customer ID", "cluster_id");
    let (headers, rows) = records(&w.path("review.csv"));
    assert!(rows.len() >= 2, "the generated file has uncertain pairs");
    let probability = column(&headers, &rows, "match_probability");
    let affected = column(&headers, &rows, "records_affected");
    let (ids_a, ids_b) = (
        column(&headers, &rows, "id_a"),
        column(&headers, &rows, "id_b"),
    );
    for r in 0..rows.len() {
        let p: f64 = probability[r].parse().unwrap();
        let apart = cluster_of[ids_a[r]] != cluster_of[ids_b[r]];
        assert!(p >= 0.01 && (p < 0.99 || apart), "row {r}: {p} {apart}");
        if r > 0 {
            let (prev, this): (usize, usize) = (
                affected[r - 1].parse().unwrap(),
                affected[r].parse().unwrap(),
            );
            assert!(prev >= this, "not sorted by records affected");
        }
    }
    assert!(column(&headers, &rows, "decision")
        .iter()
        .all(|d| d.is_empty()));
    assert!(headers.contains(&"a: Last Name".to_string()));
    assert!(headers.contains(&"weight_last_name".to_string()));
    let page = std::fs::read_to_string(w.path("review.html")).unwrap();
    assert_eq!(page.matches("class=\"pair\"").count(), rows.len());
    assert!(!page.contains("<script"));

    // The steward says `same` to the first pair and `different` to the
    // second, in the review file itself, and re-runs with it.
    let decision = headers.iter().position(|h| h == "decision").unwrap();
    let mut filled = rows.clone();
    filled[0][decision] = "same".into();
    filled[1][decision] = "different".into();
    let mut writer = csv::Writer::from_path(w.path("decided.csv")).unwrap();
    writer.write_record(&headers).unwrap();
    for r in &filled {
        writer.write_record(r).unwrap();
    }
    writer.flush().unwrap();
    run(&["--decisions", "decided.csv"]);
    let after = clusters(&w, "clusters.csv", "Customer ID", "cluster_id");
    assert_eq!(after[ids_a[0]], after[ids_b[0]]);
    assert_ne!(after[ids_a[1]], after[ids_b[1]]);
}

#[test]
fn link_unmerges_a_member_into_a_new_never_used_entity() {
    let w = Workdir::new();
    febrl_without_truth(&w);
    dedupe(&w, &[]);
    let (headers, rows) = records(&w.path("golden.csv"));
    let ids = column(&headers, &rows, "member_ids");
    let entities = column(&headers, &rows, "cluster_id");
    let (row, members): (usize, Vec<&str>) = ids
        .iter()
        .enumerate()
        .map(|(r, m)| (r, m.split(';').collect::<Vec<_>>()))
        .find(|(_, m)| m.len() == 2)
        .unwrap();
    let entity = entities[row];
    w.write(
        "decisions.csv",
        format!(
            "id_a,id_b,decision\n{},{},different\n",
            members[0], members[1]
        ),
    );
    let out = w.run(&[
        "link",
        "--master",
        "golden.csv",
        "febrl1.csv",
        "--id-column",
        "rec_id",
        "-o",
        "golden-2.csv",
        "--crosswalk",
        "crosswalk.csv",
        "--decisions",
        "decisions.csv",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let (cw_headers, cw_rows) = records(&w.path("crosswalk.csv"));
    let record = column(&cw_headers, &cw_rows, "record_id");
    let entity_of = column(&cw_headers, &cw_rows, "entity_id");
    let status = column(&cw_headers, &cw_rows, "status");
    let split: Vec<usize> = (0..cw_rows.len())
        .filter(|&r| status[r] == "split")
        .collect();
    assert_eq!(split.len(), 1, "{}", stderr_of(&out));
    let leaver = record[split[0]];
    assert!(members.contains(&leaver));
    let highest: u64 = entities
        .iter()
        .map(|e| e.parse::<u64>().unwrap())
        .max()
        .unwrap();
    assert_eq!(entity_of[split[0]].parse::<u64>().unwrap(), highest + 1);
    assert!(column(&cw_headers, &cw_rows, "explanation")[split[0]].contains("decisions row 1"));
    // Every other record keeps its entity.
    let before = clusters(&w, "clusters.csv", "rec_id", "cluster_id");
    for r in 0..cw_rows.len() {
        if r != split[0] {
            assert_eq!(before[record[r]], entity_of[r], "{} moved", record[r]);
        }
    }
    // The entity that lost a member lists only the one that stayed.
    let (g_headers, g_rows) = records(&w.path("golden-2.csv"));
    let g_ids = column(&g_headers, &g_rows, "member_ids");
    let g_entities = column(&g_headers, &g_rows, "cluster_id");
    let kept = g_entities.iter().position(|e| *e == entity).unwrap();
    assert_eq!(g_ids[kept].split(';').count(), 1);
    assert!(!g_ids[kept].contains(leaver));
}

#[test]
fn a_decisions_file_with_a_typo_is_refused_with_its_row() {
    let w = Workdir::new();
    febrl_without_truth(&w);
    w.write(
        "decisions.csv",
        "id_a,id_b,decision\nrec-1-org,rec-2-org,same\nrec-3-org,rec-4-org,differnt\n",
    );
    let out = w.run(&[
        "dedupe",
        "febrl1.csv",
        "-o",
        "golden.csv",
        "--decisions",
        "decisions.csv",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr_of(&out);
    assert!(err.contains("row 2") && err.contains("`differnt`"), "{err}");
    assert!(!w.path("golden.csv").exists());
    // A review file cannot overwrite the decisions it is run with.
    let out = w.run(&[
        "dedupe",
        "febrl1.csv",
        "-o",
        "golden.csv",
        "--decisions",
        "decisions.csv",
        "--review",
        "decisions.csv",
    ]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn the_nightly_pipeline_obeys_decisions_in_dedupe_and_link_nights() {
    let wd = Workdir::new();
    demo_pipeline_with(&wd, "");
    let output = wd.run(&["run", "nightly.toml"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let night1 = clusters(&wd, "out/crosswalk.csv", "record_id", "entity_id");
    let groups = members(&night1);
    let mut merged: Vec<&BTreeSet<String>> = groups.values().filter(|m| m.len() == 2).collect();
    merged.sort();
    let mut singles: Vec<&String> = groups
        .values()
        .filter(|m| m.len() == 1)
        .map(|m| m.iter().next().unwrap())
        .collect();
    singles.sort();
    let split: Vec<&String> = merged[0].iter().collect();
    let (join_a, join_b) = (singles[0], singles[1]);
    wd.write(
        "decisions.csv",
        format!(
            "id_a,id_b,decision\n{},{},different\n{join_a},{join_b},same\n",
            split[0], split[1]
        ),
    );
    let config = std::fs::read_to_string(wd.path("nightly.toml"))
        .unwrap()
        .replace(
            "master = \"golden.csv\"",
            "master = \"golden.csv\"\ndecisions = \"decisions.csv\"",
        );
    wd.write("nightly.toml", config);
    // Night 2 links: the `different` pair is split (one side gets a new
    // entity id), the `same` pair's entities become one (the later id is
    // retired); nobody else moves.
    let output = wd.run(&["run", "nightly.toml"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let night2 = clusters(&wd, "out/crosswalk.csv", "record_id", "entity_id");
    assert_ne!(night2[split[0]], night2[split[1]]);
    assert_eq!(night2[join_a], night2[join_b]);
    let moved: BTreeSet<&String> = night1.keys().filter(|r| night1[*r] != night2[*r]).collect();
    assert_eq!(moved.len(), 2, "{moved:?}");
    assert!(moved
        .iter()
        .all(|r| [split[0], split[1], join_a, join_b].contains(r)));
    let highest: u64 = night1
        .values()
        .map(|e| e.parse::<u64>().unwrap())
        .max()
        .unwrap();
    let leaver = moved.iter().find(|r| split.contains(r)).unwrap();
    assert_eq!(night2[*leaver].parse::<u64>().unwrap(), highest + 1);
    // Night 3 changes nothing: decisions already obeyed stay obeyed.
    let output = wd.run(&["run", "nightly.toml"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    assert_eq!(
        clusters(&wd, "out/crosswalk.csv", "record_id", "entity_id"),
        night2
    );
    // From scratch (dedupe mode), both decisions hold.
    std::fs::remove_dir_all(wd.path("out")).unwrap();
    let output = wd.run(&["run", "nightly.toml"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let fresh = clusters(&wd, "out/crosswalk.csv", "record_id", "entity_id");
    assert_ne!(fresh[split[0]], fresh[split[1]]);
    assert_eq!(fresh[join_a], fresh[join_b]);
}

#[test]
fn completions_man_pages_and_a_version_with_its_commit() {
    let w = Workdir::new();
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let out = w.run(&["completions", shell]);
        assert_eq!(out.status.code(), Some(0), "{shell}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("dedupe") && text.contains("--review-below"),
            "{shell}"
        );
    }
    let out = w.run(&["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(2));
    let out = w.run(&["man", "--dir", "man1"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let page = std::fs::read_to_string(w.path("man1/tidyrec-dedupe.1")).unwrap();
    assert!(page.contains(".TH tidyrec-dedupe") && page.contains("decisions"));
    assert!(w.path("man1/tidyrec.1").exists());
    let out = w.run(&["--version"]);
    let version = String::from_utf8_lossy(&out.stdout);
    assert!(
        version.starts_with(&format!("tidyrec {}", env!("CARGO_PKG_VERSION"))),
        "{version}"
    );
}

#[test]
fn profile_fails_on_a_regression_beyond_its_tolerance() {
    let w = Workdir::new();
    let good = "id,Email,Phone\n1,a@example.com,+14155550132\n2,b@example.com,+14155550133\n3,c@example.com,+14155550134\n4,d@example.com,+14155550135\n";
    let worse = "id,Email,Phone\n1,a@example.com,+14155550132\n2,,+14155550133\n3,c@example.com,+14155550134\n4,d@example.com,+14155550135\n";
    w.write("yesterday.csv", good);
    w.write("today.csv", worse);
    let run = |file: &str, extra: &[&str]| {
        let mut args = vec!["profile", file, "--no-duplicates"];
        args.extend_from_slice(extra);
        w.run(&args)
    };
    assert_eq!(
        run("yesterday.csv", &["--json", "old.json"]).status.code(),
        Some(0)
    );
    // Without the flag a comparison only reports.
    assert_eq!(
        run("today.csv", &["--compare", "old.json"]).status.code(),
        Some(0)
    );
    let out = run(
        "today.csv",
        &[
            "--compare",
            "old.json",
            "--fail-on-regression",
            "--json",
            "new.json",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    assert!(stderr_of(&out).contains("Email completeness %"));
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(w.path("new.json")).unwrap()).unwrap();
    assert_eq!(report["regressions"].as_array().unwrap().len(), 1);
    // The same file again: nothing got worse.
    let out = run(
        "yesterday.csv",
        &["--compare", "old.json", "--fail-on-regression"],
    );
    assert_eq!(out.status.code(), Some(0));
    // A tolerance of 30 points lets a 25-point drop pass.
    w.write("rules.toml", "[profile.tolerance]\ncompleteness = 30\n");
    let out = run(
        "today.csv",
        &[
            "--compare",
            "old.json",
            "--fail-on-regression",
            "--rules",
            "rules.toml",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
}

#[test]
fn the_validate_fixture_passes_on_any_day() {
    // The freshness check pins its own `as-of`: no --as-of needed.
    let w = Workdir::new();
    let out = w.run(&[
        "validate",
        fixture("validate/contacts.csv").to_str().unwrap(),
        "--rules",
        fixture("validate/pass.toml").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
}

#[test]
fn customers_without_a_purchase_date_are_not_at_risk() {
    let w = Workdir::new();
    w.write(
        "golden.csv",
        "id,Last Purchase Date,Orders,Lifetime Value\n\
         1,2024-05-01,9,900\n2,2024-01-01,8,800\n3,,7,700\n4,2023-01-01,1,10\n5,2024-04-01,2,20\n",
    );
    let out = w.run(&["segment", "golden.csv", "-o", "segments.csv"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let (headers, rows) = records(&w.path("segments.csv"));
    let segment = column(&headers, &rows, "segment");
    assert_eq!(segment[2], "no-purchase-date");
    assert!(segment
        .iter()
        .enumerate()
        .all(|(r, s)| r == 2 || *s != "no-purchase-date"));
}

/// The demo pipeline in `wd`, its checks extended by `extra_checks`.
fn demo_pipeline_with(wd: &Workdir, extra_checks: &str) {
    demo_pipeline(wd);
    let checks = std::fs::read_to_string(wd.path("checks.toml")).unwrap() + extra_checks;
    wd.write("checks.toml", checks);
}

#[test]
fn a_stopped_night_names_its_failed_check_and_publishes_its_report() {
    let wd = Workdir::new();
    demo_pipeline_with(
        &wd,
        "\n[[check]]\nname = \"company filled\"\ntype = \"not-empty-percent\"\ncolumn = \"Company\"\nmin-percent = 95\n",
    );
    let out = wd.run(&["run", "nightly.toml"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr_of(&out);
    assert!(
        err.contains("check failed: `company filled` (Company)"),
        "{err}"
    );
    let log = std::fs::read_to_string(wd.path("out/runs.log")).unwrap();
    assert!(
        log.contains("status=stopped") && log.contains("company filled"),
        "{log}"
    );
    let report: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(wd.path("out/validation.failed.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(report["summary"]["failed"], 1, "{report}");
    assert!(!wd.path("out/golden.csv").exists());
    // Fixed: the next night publishes, and the stale failed report goes.
    demo_pipeline_with(&wd, "");
    let out = wd.run(&["run", "nightly.toml"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert!(!wd.path("out/validation.failed.json").exists());
    assert!(wd.path("out/golden.csv").exists());
}

#[test]
fn dry_run_resolves_every_named_column_and_reports_all_problems() {
    let wd = Workdir::new();
    demo_pipeline_with(
        &wd,
        "\n[[check]]\ntype = \"required\"\ncolumn = \"Emial\"\n",
    );
    let config = std::fs::read_to_string(wd.path("nightly.toml"))
        .unwrap()
        .replace(
            "\"Given Name\" = \"First Name\"",
            "\"Givn Name\" = \"First Name\"",
        );
    wd.write("nightly.toml", config);
    let out = wd.run(&["run", "nightly.toml", "--dry-run"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr_of(&out);
    assert!(err.contains("2 problem(s)"), "{err}");
    assert!(err.contains("rename names column `Givn Name`"), "{err}");
    assert!(err.contains("column `Emial`"), "{err}");
    assert!(!wd.path("out").exists() || !wd.path("out/golden.csv").exists());
}

#[test]
fn json_logs_are_events_with_fields_and_the_run_log_keeps_one_format() {
    let wd = Workdir::new();
    demo_pipeline_with(&wd, "");
    let out = wd.run(&["run", "nightly.toml"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let out = wd.run(&["--log-format", "json", "-v", "run", "nightly.toml"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let mut events = BTreeSet::new();
    for line in stderr_of(&out).lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("one JSON object a line");
        assert!(v["ts"].is_string() && v["level"].is_string(), "{line}");
        events.insert(v["event"].as_str().unwrap().to_string());
        if v["event"] == "gathered" {
            assert_eq!(v["records"], 400);
        }
        if v["event"] == "timings" {
            assert!(v["seconds"]["total"].is_number(), "{line}");
        }
    }
    for event in [
        "gathered",
        "validated",
        "linked",
        "exported",
        "published",
        "timings",
    ] {
        assert!(events.contains(event), "{event} missing from {events:?}");
    }
    // The run log was started as text: it stays text.
    let log = std::fs::read_to_string(wd.path("out/runs.log")).unwrap();
    assert!(log.lines().all(|l| !l.starts_with('{')), "{log}");
    assert_eq!(log.lines().count(), 2);
}

#[test]
fn pipeline_messages_never_show_the_staging_folder() {
    let wd = Workdir::new();
    wd.write("leads.csv", "Lead Source,Orders\nWeb,3\nAd,4\n");
    wd.write(
        "p.toml",
        "[pipeline]\nname = \"p\"\noutput-dir = \"out\"\n[[input]]\nsource = \"x\"\npath = \"leads.csv\"\n[match]\nmode = \"dedupe\"\n",
    );
    let out = wd.run(&["run", "p.toml"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr_of(&out);
    assert!(err.contains("no column to match on"), "{err}");
    assert!(!err.contains(".tidyrec-staging"), "{err}");
    let log = std::fs::read_to_string(wd.path("out/runs.log")).unwrap();
    assert!(!log.contains(".tidyrec-staging"), "{log}");
}

#[test]
fn init_writes_a_rule_file_that_the_same_export_passes() {
    let w = Workdir::new();
    for (fixture_name, column, role) in [
        ("pipeline/webshop.csv", "Email", "email"),
        ("multilocale/contacts.csv", "", ""),
        ("export/expected/fxiaoke.csv", "手机", "phone"),
        ("export/expected/salesforce.csv", "MobilePhone", "phone"),
        ("export/expected/hubspot.csv", "Email", "email"),
    ] {
        let input = fixture(fixture_name);
        let input = input.to_str().unwrap();
        let out = w.run(&["init", input, "-o", "rules.toml"]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{fixture_name}: {}",
            stderr_of(&out)
        );
        let text = std::fs::read_to_string(w.path("rules.toml")).unwrap();
        let parsed: toml::Value = toml::from_str(&text).expect("valid TOML");
        assert!(
            !parsed["check"].as_array().unwrap().is_empty(),
            "{fixture_name}"
        );
        if !column.is_empty() {
            assert_eq!(
                parsed["columns"][column]["role"].as_str(),
                Some(role),
                "{fixture_name}"
            );
        }
        assert!(text.contains("# from "), "roles say where they came from");
        let out = w.run(&["validate", input, "--rules", "rules.toml"]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{fixture_name}: {}",
            stderr_of(&out)
        );
    }
    // A later export that lost its e-mails fails the same rules.
    let webshop = fixture("pipeline/webshop.csv");
    w.run(&["init", webshop.to_str().unwrap(), "-o", "rules.toml"]);
    let (headers, rows) = records(&webshop);
    let email = headers.iter().position(|h| h == "Email").unwrap();
    let mut writer = csv::Writer::from_path(w.path("worse.csv")).unwrap();
    writer.write_record(&headers).unwrap();
    for (i, row) in rows.iter().enumerate() {
        let mut row = row.clone();
        if i % 3 == 0 {
            row[email] = String::new();
        }
        writer.write_record(&row).unwrap();
    }
    writer.flush().unwrap();
    let out = w.run(&["validate", "worse.csv", "--rules", "rules.toml"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
}
