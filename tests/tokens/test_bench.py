"""bench/tokens.py runs and reports what `make bench` tabulates (figures, not targets)."""

from __future__ import annotations

import pytest

from bench import tokens as bench_tokens


@pytest.mark.slow
def test_the_token_benchmark_reports_both_sides_at_1_and_4_threads():
    report = bench_tokens.run(quick=True)
    assert [row["threads"] for row in report["results"]] == [1, 4]
    for row in report["results"]:
        assert row["verify_per_s"] > 0 and row["raw_per_s"] > 0
        # The ratio is taken before the rates are rounded to whole checks a second, so the
        # rounded rates may give a third decimal one off.
        assert row["ratio"] == pytest.approx(row["verify_per_s"] / row["raw_per_s"], abs=0.0015)
    assert report["target"] == 0.8


def test_the_profile_names_the_verifier_hot_path():
    assert "_verify" in bench_tokens.profile(count=500)


def test_the_gil_analysis_reports_each_check_at_1_and_4_threads():
    rows = bench_tokens.gil(seconds=0.05, rounds=1)
    assert [(row["check"].split(" ")[0], row["threads"]) for row in rows] == [
        ("raw", 1), ("raw", 4), ("verify", 1), ("verify", 4), ("verify", 1), ("verify", 4),
        ("floor", 1), ("floor", 4)]
    assert all(row["per_s"] > 0 and row["cpu_us_per_check"] > 0 for row in rows)
