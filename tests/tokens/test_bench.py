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
        assert row["ratio"] == round(row["verify_per_s"] / row["raw_per_s"], 3)
    assert report["target"] == 0.8


def test_the_profile_names_the_verifier_hot_path():
    assert "_verify" in bench_tokens.profile(count=500)
