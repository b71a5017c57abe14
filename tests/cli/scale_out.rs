//! Matching on another engine: `tidyrec features` is row-wise (shards add
//! up to the whole), and `tidyrec merge` turns a clustering made elsewhere
//! (Splink's `unique_id`/`cluster_id`) into dedupe's golden records when
//! the clustering is dedupe's own, whatever the other engine's cluster ids
//! and row order.

use crate::common::{column, fixture, records, stderr_of, Workdir};

#[test]
fn a_splink_style_clustering_gives_dedupes_golden_records() {
    let wd = Workdir::new();
    wd.command()
        .args(["--quiet", "dedupe"])
        .arg(fixture("demo/customers_dupes.csv"))
        .args(["-o", "golden.csv", "--clusters", "clusters.csv"])
        .args(["--lineage", "lineage.csv"])
        .assert()
        .success();
    // Splink's shape: other column names, string cluster ids, any order;
    // one record left out (it must come back as its own golden record).
    let (headers, rows) = records(&wd.path("clusters.csv"));
    let ids = column(&headers, &rows, "Customer ID");
    let clusters = column(&headers, &rows, "cluster_id");
    let mut splink = String::from("cluster_id,unique_id\n");
    let singleton = ids
        .iter()
        .zip(&clusters)
        .find(|(_, c)| clusters.iter().filter(|x| x == c).count() == 1)
        .map(|(id, _)| id.to_string())
        .expect("a record alone in its cluster");
    for (id, cluster) in ids.iter().zip(&clusters).rev() {
        if **id != singleton {
            splink.push_str(&format!(
                "sp-{}-x,{id}\n",
                900 - cluster.parse::<i32>().unwrap()
            ));
        }
    }
    wd.write("splink.csv", splink);
    let out = wd
        .command()
        .args(["merge"])
        .arg(fixture("demo/customers_dupes.csv"))
        .args(["--clusters", "splink.csv", "-o", "golden2.csv"])
        .args(["--lineage", "lineage2.csv"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(
        stderr_of(&out).contains("1 input record(s) are not in the clusters file"),
        "{}",
        stderr_of(&out)
    );
    assert_eq!(
        records(&wd.path("golden2.csv")),
        records(&wd.path("golden.csv"))
    );
    assert_eq!(
        records(&wd.path("lineage2.csv")),
        records(&wd.path("lineage.csv"))
    );
}

#[test]
fn a_record_in_two_clusters_is_refused_with_its_line() {
    let wd = Workdir::new();
    wd.write(
        "in.csv",
        "Customer ID,First Name,Email\nC-1,Ann,ann@x.com\nC-2,Ann,ann@x.com\n",
    );
    wd.write("cl.csv", "unique_id,cluster_id\nC-1,a\nC-2,a\nC-1,b\n");
    let out = wd
        .command()
        .args(["merge", "in.csv", "--clusters", "cl.csv", "-o", "g.csv"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr_of(&out);
    assert!(err.contains("line 4") && err.contains("line 2"), "{err}");
    assert!(!wd.path("g.csv").exists());
    wd.write("nocl.csv", "unique_id,group\nC-1,a\n");
    let out = wd
        .command()
        .args(["merge", "in.csv", "--clusters", "nocl.csv", "-o", "g.csv"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr_of(&out).contains("no `cluster_id` column"));
}

#[test]
fn features_are_row_wise_so_shards_add_up_to_the_whole() {
    let wd = Workdir::new();
    let text = std::fs::read_to_string(fixture("demo/customers_dupes.csv")).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let rows: Vec<&str> = lines.collect();
    let (a, b) = rows.split_at(rows.len() / 2);
    wd.write("a.csv", format!("{header}\n{}\n", a.join("\n")));
    wd.write("b.csv", format!("{header}\n{}\n", b.join("\n")));
    for (input, output) in [
        (fixture("demo/customers_dupes.csv"), "whole.csv"),
        (wd.path("a.csv"), "a-features.csv"),
        (wd.path("b.csv"), "b-features.csv"),
        (wd.path("b.csv"), "b-features.parquet"),
    ] {
        wd.command()
            .args(["--quiet", "features"])
            .arg(input)
            .args(["-o", output, "--id-column", "Customer ID"])
            .assert()
            .success();
    }
    assert!(wd.path("b-features.parquet").metadata().unwrap().len() > 0);
    let (headers, whole) = records(&wd.path("whole.csv"));
    assert_eq!(headers[0], "Customer ID");
    assert!(headers.iter().any(|h| h == "first_name_canonical"));
    let (a_headers, a_rows) = records(&wd.path("a-features.csv"));
    assert_eq!(a_headers, headers);
    let (b_headers, b_rows) = records(&wd.path("b-features.csv"));
    assert_eq!(b_headers, headers);
    assert_eq!([a_rows, b_rows].concat(), whole);
    // Nickname resolution and phone digits, as the matcher sees them.
    let canonical = column(&headers, &whole, "first_name_canonical");
    let first = column(&headers, &whole, "first_name");
    assert!(first.iter().zip(&canonical).any(|(f, c)| f != c));
    assert!(column(&headers, &whole, "phone")
        .iter()
        .all(|p| p.chars().all(|c| c.is_ascii_digit())));
}

#[test]
fn a_saved_model_exports_as_splink_settings_over_the_feature_columns() {
    let wd = Workdir::new();
    wd.command()
        .args(["--quiet", "dedupe"])
        .arg(fixture("demo/customers_dupes.csv"))
        .args(["-o", "golden.csv", "--save-model", "model.json"])
        .assert()
        .success();
    wd.command()
        .args(["--quiet", "features"])
        .arg(fixture("demo/customers_dupes.csv"))
        .args(["-o", "features.csv", "--id-column", "Customer ID"])
        .assert()
        .success();
    wd.command()
        .args(["--quiet", "model", "export", "model.json", "--to", "splink"])
        .args([
            "--dialect",
            "duckdb",
            "--id-column",
            "Customer ID",
            "-o",
            "s.json",
        ])
        .assert()
        .success();
    let settings: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(wd.path("s.json")).unwrap()).unwrap();
    assert_eq!(settings["unique_id_column_name"], "Customer ID");
    assert_eq!(settings["link_type"], "dedupe_only");
    let model: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(wd.path("model.json")).unwrap()).unwrap();
    assert_eq!(
        settings["probability_two_random_records_match"],
        model["lambda"]
    );
    // One comparison per model field, then the guard; m and u fixed.
    let comparisons = settings["comparisons"].as_array().unwrap();
    let fields = model["fields"].as_array().unwrap();
    assert_eq!(comparisons.len(), fields.len() + 1);
    assert_eq!(
        comparisons.last().unwrap()["output_column_name"],
        "tidyrec_guard"
    );
    for (comparison, field) in comparisons.iter().zip(fields) {
        let levels = comparison["comparison_levels"].as_array().unwrap();
        let ours = field["levels"].as_array().unwrap().len();
        if field["field"] == "postal_code" && fields.iter().any(|f| f["field"] == "street") {
            // A move's postcode (street different too) weighs nothing:
            // one more level before the last, m = u, labelled as ours.
            assert_eq!(levels.len(), ours + 1);
            let moved = &levels[ours - 1];
            assert_eq!(moved["m_probability"], moved["u_probability"]);
            assert_eq!(moved["label_for_charts"], levels[ours]["label_for_charts"]);
            assert_eq!(levels[ours]["sql_condition"], "ELSE");
        } else {
            assert_eq!(levels.len(), ours);
        }
        assert_eq!(levels[1]["m_probability"], field["levels"][1]["m"]);
        assert!(levels[1..].iter().all(|l| l["fix_m_probability"] == true));
        // A term-frequency level caps the adjustment at +6 bits, as ours.
        if let Some(u_min) = levels[1]["tf_minimum_u_value"].as_f64() {
            let u = levels[1]["u_probability"].as_f64().unwrap();
            assert!((u / u_min - 64.0).abs() < 1e-9, "{u} / {u_min}");
            assert!(levels[1]["tf_adjustment_column"].is_string());
        }
    }
    let capped = comparisons
        .iter()
        .filter(|c| c["comparison_levels"][1]["tf_minimum_u_value"].is_f64())
        .count();
    assert!(capped >= 2, "first and last name are adjusted by frequency");
    // Every column the SQL names is one `features` writes.
    let (headers, _) = records(&wd.path("features.csv"));
    let text = std::fs::read_to_string(wd.path("s.json")).unwrap();
    let named: Vec<&str> = text
        .split("\\\"")
        .filter_map(|s| s.strip_suffix("_l"))
        .collect();
    assert!(named.len() > 10, "{named:?}");
    for name in named {
        assert!(
            headers.iter().any(|h| h == name),
            "{name} is not a feature column"
        );
    }
    // Spark: the same columns, backtick-quoted, Spark's functions.
    let out = wd
        .command()
        .args(["model", "export", "model.json", "--to", "splink"])
        .args(["--dialect", "spark", "-o", "spark.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let spark: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(wd.path("spark.json")).unwrap()).unwrap();
    assert_eq!(spark["sql_dialect"], "spark");
    let spark_text = spark.to_string();
    assert!(spark_text.contains("`first_name_l`") && spark_text.contains("jaro_winkler("));
    assert!(!spark_text.contains("jaro_winkler_similarity"));
    // An unchecked dialect is refused, not guessed.
    let out = wd
        .command()
        .args(["model", "export", "model.json", "--to", "splink"])
        .args(["--dialect", "athena", "-o", "s2.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr_of(&out).contains("athena"));
    assert!(!wd.path("s2.json").exists());
}

#[test]
fn dedupe_past_its_memory_budget_sets_the_table_aside_and_gives_the_same_result() {
    let wd = Workdir::new();
    let input = fixture("febrl/febrl1.csv");
    std::fs::create_dir_all(wd.path("small")).unwrap();
    for (dir, budget) in [("", "8G"), ("small/", "64K")] {
        let out = wd
            .command()
            .args(["-v", "dedupe", "--id-column", "rec_id"])
            .arg(&input)
            .args(["-o", &format!("{dir}golden.csv")])
            .args(["--clusters", &format!("{dir}clusters.csv")])
            .args(["--report", &format!("{dir}report.json")])
            .args(["--max-memory", budget])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr_of(&out));
        let spilled = budget == "64K";
        assert_eq!(
            stderr_of(&out).contains("set aside on disk while matching"),
            spilled,
            "{}",
            stderr_of(&out)
        );
        let report: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(wd.path(&format!("{dir}report.json"))).unwrap(),
        )
        .unwrap();
        assert_eq!(report["memory"]["table_spilled_bytes"].is_u64(), spilled);
    }
    for name in ["golden.csv", "clusters.csv"] {
        assert_eq!(
            records(&wd.path(&format!("small/{name}"))),
            records(&wd.path(name))
        );
    }
    // Nothing but the outputs is left where the table was set aside.
    let mut left: Vec<String> = std::fs::read_dir(wd.path("small"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, ["clusters.csv", "golden.csv", "report.json"]);
    let out = wd
        .command()
        .arg("dedupe")
        .arg(&input)
        .args(["-o", "x.csv", "--max-memory", "lots"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr_of(&out).contains("not a size"),
        "{}",
        stderr_of(&out)
    );
}
