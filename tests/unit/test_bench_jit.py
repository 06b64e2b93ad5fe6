"""bench/stack.compiler_seconds: Keycloak's JIT compiling, told apart from its other CPU by
the threads' names in /proc (issue 26, sixth pass), and the registration row that uses it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from bench import report, stack


def _fake_jvm(root: Path, threads: dict[str, tuple[int, int]]) -> int:
    """A /proc/<pid>/task tree with these thread names and (utime, stime) ticks. As Linux
    serves it, /proc/<tid>/stat is the whole process's: only task/<tid>/stat is the thread's."""
    def stat(tid: int, name: str, user: int, system: int) -> str:
        fields = ["S"] + ["0"] * 10 + [str(user), str(system)] + ["0"] * 5
        return f"{tid} ({name}) " + " ".join(fields) + "\n"

    whole = [sum(ticks[i] for ticks in threads.values()) for i in (0, 1)]
    for tid, (name, (user, system)) in enumerate(threads.items(), start=100):
        task = root / "4242" / "task" / str(tid)
        task.mkdir(parents=True)
        (task / "comm").write_text(name + "\n")
        (task / "stat").write_text(stat(tid, name, user, system))
        (root / str(tid)).mkdir()
        (root / str(tid) / "stat").write_text(stat(tid, name, *whole))
    return 4242


def test_only_the_compiler_threads_count(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    pid = _fake_jvm(tmp_path, {"C2 CompilerThre": (300, 20), "C1 CompilerThre": (50, 5),
                               "executor-thread": (900, 100), "GC Thread#0": (40, 0)})
    real_path = stack.Path
    monkeypatch.setattr(stack, "Path", lambda p: real_path(str(p).replace("/proc", str(tmp_path))))
    assert stack.compiler_seconds(pid) == pytest.approx(375 / os.sysconf("SC_CLK_TCK"))


SPINNING_COMPILER = """
import threading, time
spun = threading.Barrier(3)
def spin(name, seconds):
    if name:  # a thread may rename itself, as HotSpot names its compiler threads
        with open(f"/proc/self/task/{threading.get_native_id()}/comm", "w") as comm:
            comm.write(name)
    end = time.thread_time() + seconds
    while time.thread_time() < end:
        pass
    spun.wait()
    time.sleep(30)  # alive, as the JVM keeps its compiler threads
for name, seconds in (("C2 CompilerThre", 0.4), ("", 1.2)):
    threading.Thread(target=spin, args=(name, seconds), daemon=True).start()
spun.wait()
print("done", flush=True)
time.sleep(30)
"""


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux /proc")
def test_a_real_compiler_thread_counts_its_own_cpu_not_its_processes():
    child = subprocess.Popen([sys.executable, "-c", SPINNING_COMPILER], stdout=subprocess.PIPE,
                             text=True)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "done"
        compiling, whole = stack.compiler_seconds(child.pid), stack.cpu_seconds(child.pid)
        assert whole >= 1.5
        assert 0.3 <= compiling <= 0.6, (compiling, whole)
    finally:
        child.kill()
        child.wait()


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux /proc")
def test_a_process_without_compiler_threads_spent_nothing_compiling():
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        time.sleep(0.2)
        assert stack.compiler_seconds(child.pid) == 0.0
    finally:
        child.kill()
        child.wait()


def _registration(jit_alone: float, jit_wizard: float) -> dict[str, Any]:
    def side(keycloak: float, jit: float, bridge: float) -> dict[str, Any]:
        return {"wall_s_mean": 0.2, "cpu_s_total": keycloak + bridge,
                "cpu_s_per_registration": {"keycloak": keycloak, "keycloak_jit": jit,
                                           "bridge": bridge}}
    alone, wizard = side(0.20, jit_alone, 0.0), side(0.20, jit_wizard, 0.08)
    steady = (0.28 - jit_wizard - (0.20 - jit_alone)) / (0.20 - jit_alone)
    return {"keycloak_alone": alone, "wizard": wizard, "cpu_added_fraction": 0.4,
            "cpu_added_fraction_steady": steady}


def test_the_registration_row_shows_the_share_without_jit_beside_its_verdict():
    row = report.rows({"sections": {"registration": _registration(0.06, 0.05)}})[0]
    assert "40%" in row[1] and "without Keycloak's JIT compiling (60 vs 50 ms): 64%" in row[1]
    assert row[3] == "**short**"


def test_a_registration_met_with_jit_but_not_without_is_short():
    met_with_jit = {**_registration(0.09, 0.0), "cpu_added_fraction": 0.20}
    assert met_with_jit["cpu_added_fraction_steady"] > 0.25
    assert report.rows({"sections": {"registration": met_with_jit}})[0][3] == "**short**"
    fine = {**_registration(0.0, 0.0), "cpu_added_fraction": 0.20,
            "cpu_added_fraction_steady": 0.20}
    assert report.rows({"sections": {"registration": fine}})[0][3] == "met"
