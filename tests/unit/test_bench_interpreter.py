"""bench/interpreter.py: every run says which Python measured the bridge, and how fast it runs
Python code, and RESULTS.md shows it beside each results file (issue 26, eighth pass)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from bench import interpreter
from bench.__main__ import _latest_full_runs
from bench.report import markdown


def test_the_record_names_this_interpreter_and_times_its_work():
    record = interpreter.describe()
    assert record["executable"] == sys.executable
    assert record["version"] == ".".join(map(str, sys.version_info[:3]))
    assert 0 < record["calibration_ms"] < 5_000


def test_the_calibration_is_the_fastest_round_of_the_work(monkeypatch):
    """Read from a clock the test drives (no timing in tests): each round of the work moves
    it by the next figure; the warm-up round is not counted; the fastest round is reported."""
    rounds = iter([0.050, 0.012, 0.009, 0.011])  # warm-up, then three rounds (seconds)
    now = [0.0]
    monkeypatch.setattr(interpreter, "_work", lambda: now.__setitem__(0, now[0] + next(rounds)))
    monkeypatch.setattr(interpreter.time, "process_time", lambda: now[0])
    assert interpreter.calibration_ms(rounds=3) == 9.0


def test_the_work_is_the_same_every_time():
    """The figure compares interpreters only if the work does not change between runs."""
    assert interpreter._work() == interpreter._work() > 0


def _run(tmp_path: Path, hour: str, section: str, record: dict | None) -> None:
    name = f"2026-12-07-vm-postgres-production-{hour}00-{section}.json"
    data = {"started": f"2026-12-07T{hour}:00:00+00:00", "host": "vm", "cpus": 2,
            "python": "3.11.2", "database": "postgresql", "keycloak_mode": "production",
            "quick": False, "sizes": [], "sections": {section: {"rows": []}}, "errors": {},
            "only": [section],
            "load_average_before": [0.1, 0, 0], "load_average_after": [0.2, 0, 0]}
    if record is not None:
        data["interpreter"] = record
    (tmp_path / name).write_text(json.dumps(data))


def test_results_md_names_the_interpreter_of_each_file(tmp_path: Path):
    _run(tmp_path, "06", "registration",
         {"version": "3.11.2", "base": "/usr", "calibration_ms": 31.5,
          "executable": "/x/bin/python"})
    # A section from a run made before runs recorded their interpreter.
    _run(tmp_path, "05", "approvals", None)
    text = markdown(_latest_full_runs(tmp_path))
    assert "Python 3.11.2 at /usr (calibration 31.5 ms)" in text
    assert "Python 3.11.2, its build not recorded" in text


def test_a_single_runs_page_names_its_own_interpreter():
    """The quick run's own page (one run, not merged with others) shows its record too."""
    record = {"version": "3.11.2", "base": "/usr", "calibration_ms": 6.5, "executable": "x"}
    page = markdown([{"host": "vm", "cpus": 2, "python": "3.11.2", "file": "quick.json",
                      "sections": {}, "errors": {}, "interpreter": record}])
    assert "`bench/results/quick.json` (Python 3.11.2 at /usr (calibration 6.5 ms))" in page
