//! `tidyrec merge`: golden records from a clustering made elsewhere
//! (Splink's `unique_id`/`cluster_id`) equal dedupe's when the clustering
//! is dedupe's own, whatever the other engine's cluster ids and row order.

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
