#!/usr/bin/env python3
"""Runs a tidyrec model on Splink (DuckDB backend, or Spark in local mode
with BACKEND=spark) and compares it with tidyrec itself, pair by pair.

    scripts/splink_parity.py FEATURES.parquet SETTINGS.json PAIRS.csv ID_COLUMN [CLUSTERS_OUT.csv]

FEATURES from `tidyrec features`, SETTINGS from `tidyrec model export
--to splink`, PAIRS from `tidyrec dedupe --pairs` with the same model
(`--save-model`). Prints: candidate pairs each engine found, per field how
often Splink's comparison level equals tidyrec's on the pairs both found,
and how often the two agree on "match at 0.99". With CLUSTERS_OUT, writes
Splink's clusters at 0.99 (unique id, cluster_id) for `tidyrec merge`.
Needs splink (5.x), duckdb, pandas, pyarrow; with BACKEND=spark also
pyspark (4.x) and a Java 17+ runtime.
"""
import json
import os
import sys

import pandas as pd
from splink import Linker


def main():
    features, settings_path, pairs_path, id_column = sys.argv[1:5]
    clusters_out = sys.argv[5] if len(sys.argv) > 5 else None
    settings = json.load(open(settings_path))
    if os.environ.get("BACKEND", "duckdb") == "spark":
        # Spark in local mode, with the similarity functions of the jar
        # Splink ships (jaro_winkler, damerau_levenshtein).
        from pyspark.sql import SparkSession
        from splink.backends.spark import SparkAPI, similarity_jar_location

        spark = (
            SparkSession.builder.master("local[2]")
            .config("spark.jars", similarity_jar_location())
            .config("spark.driver.memory", "6g")
            .config("spark.sql.shuffle.partitions", "8")
            .config("spark.ui.enabled", "false")
            .getOrCreate()
        )
        spark.sparkContext.setLogLevel("ERROR")
        spark.sparkContext.setCheckpointDir(os.path.join(os.getcwd(), "spark-checkpoints"))
        db = SparkAPI(spark_session=spark)
        table = db.register(spark.read.parquet(features))
    else:
        from splink.backends.duckdb import DuckDBAPI

        db = DuckDBAPI()
        table = db.register(pd.read_parquet(features))
    linker = Linker(table, settings)
    predictions = linker.inference.predict().as_pandas_dataframe()
    left, right = f"{id_column}_l", f"{id_column}_r"
    ours = pd.read_csv(pairs_path, dtype=str, keep_default_na=False)

    def key(frame):
        return frame.apply(lambda r: tuple(sorted((r[left], r[right]))), axis=1)

    predictions["pair"] = key(predictions)
    ours["pair"] = key(ours)
    both = predictions.merge(ours, on="pair", suffixes=("_splink", "_tidyrec"))
    print(f"candidate pairs: tidyrec {len(ours)}, splink {len(predictions)}, both {len(both)}")
    names = {}
    for comparison in settings["comparisons"]:
        levels = comparison["comparison_levels"]
        # Splink numbers levels from the last (ELSE = 0), null level -1.
        names[comparison["output_column_name"]] = {
            len(levels) - 1 - i if not level.get("is_null_level") else -1: level["label_for_charts"]
            for i, level in enumerate(levels)
        }
    worst = 1.0
    for field, labels in names.items():
        if field == "tidyrec_guard":
            continue
        gamma = both[f"gamma_{field}"].map(labels).str.removeprefix(f"{field} ")
        agree = (gamma == both[f"{field}_level"]).mean()
        worst = min(worst, agree)
        print(f"  {field:<12} levels equal on {agree:.4%} of shared pairs")
        if agree < 1:
            bad = both[gamma != both[f"{field}_level"]].head(3)
            for _, row in bad.iterrows():
                print(f"      e.g. {row['pair']}: splink {gamma[_]!r}, tidyrec {row[f'{field}_level']!r}")
    delta = (both["match_weight_splink"].astype(float) - both["match_weight_tidyrec"].astype(float)).abs()
    guarded = both["gamma_tidyrec_guard"] == 1 if "gamma_tidyrec_guard" in both else delta < 0
    close = (delta <= 0.01).mean()
    close_unguarded = (delta[~guarded] <= 0.01).mean() if (~guarded).any() else 1.0
    print(f"match weight within 0.01: {close:.4%} of shared pairs, "
          f"{close_unguarded:.4%} of those the guard does not mark as different people")
    apart = both[~guarded & (delta > 0.01)]
    for _, row in apart.head(3).iterrows():
        print(f"      e.g. {row['pair']}: splink {float(row['match_weight_splink']):.3f}, "
              f"tidyrec {float(row['match_weight_tidyrec']):.3f}")
    ours_match = both["match_probability_tidyrec"].astype(float) >= 0.99
    splink_match = both["match_probability_splink"].astype(float) >= 0.99
    print(f"match at 0.99: tidyrec {ours_match.sum()}, splink {splink_match.sum()}, "
          f"agree on {(ours_match == splink_match).mean():.4%} of shared pairs")
    if os.environ.get("PARITY_CHECK"):
        # The gate CI runs: Splink finds every pair tidyrec scores (it may
        # find more: tidyrec pairs a large block by neighbours only), the
        # levels and the match decisions agree, and so do the weights of
        # pairs the guard does not set apart (those differ by design: the
        # guard is -66 bits in Splink, tidyrec caps a weight at -10).
        failures = []
        if len(both) != len(ours):
            failures.append(f"Splink misses {len(ours) - len(both)} of tidyrec's candidate pairs")
        if worst < 0.995:
            failures.append(f"a field's levels agree on only {worst:.4%} of pairs (< 99.5 %)")
        if (ours_match == splink_match).mean() < 0.999:
            failures.append("match decisions agree on fewer than 99.9 % of pairs")
        if close_unguarded < 0.999:
            failures.append(f"weights within 0.01 on only {close_unguarded:.4%} of unguarded pairs (< 99.9 %)")
        for failure in failures:
            print(f"PARITY FAILED: {failure}")
        if failures:
            sys.exit(1)
        print("parity: OK")
    if clusters_out:
        clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
            linker.inference.predict(threshold_match_probability=0.99), 0.99
        ).as_pandas_dataframe()
        clusters[[id_column, "cluster_id"]].to_csv(clusters_out, index=False)
        print(f"clusters at 0.99 → {clusters_out} ({clusters['cluster_id'].nunique()} clusters)")


if __name__ == "__main__":
    main()
