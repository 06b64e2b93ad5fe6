"""bench/interpreter.py: every run says which Python measured the bridge, and how fast it runs
Python code, and RESULTS.md shows it beside each results file (issue 26, eighth pass)."""

from __future__ import annotations

import json
import subprocess
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


def test_the_calibration_follows_the_work_it_times(monkeypatch):
    """Twice the work reads about twice the figure: it measures the work, not a constant."""
    once = interpreter.calibration_ms(rounds=3)
    real = interpreter._work
    monkeypatch.setattr(interpreter, "_work", lambda: real() + real())
    twice = interpreter.calibration_ms(rounds=3)
    assert 1.4 < twice / once < 2.8


def test_a_slower_interpreter_reads_a_larger_figure():
    """The same work in a child process slowed by a trace function (every line traced):
    the figure grows with the interpreter's cost per line, as a plain build's would."""
    code = ("import sys; from bench import interpreter; "
            "sys.settrace((lambda f, e, a: None)) if sys.argv[1] == 'slow' else None; "
            "print(interpreter.calibration_ms(rounds=2))")
    def figure(mode: str) -> float:
        out = subprocess.run([sys.executable, "-c", code, mode], capture_output=True,
                             text=True, check=True, cwd=Path(__file__).parents[2])
        return float(out.stdout)
    assert figure("slow") > 1.3 * figure("plain")


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
