"""The benchmark serves the bridge (and the minimal relying party beside it) the way
gunicorn.conf.py, and so the image, serves it: a figure measured in another serving model
would not be the one a plan sizes from (issue 26: four processes cost 9-15 % more CPU per
registration than one with threads)."""

import ast
from pathlib import Path

import yaml

from bench import stack

CONFIG = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"


def _settings() -> dict[str, object]:
    """The config's top-level constants, read without running it (running it would point
    Prometheus at a multiprocess directory for the rest of the test session)."""
    tree = ast.parse(CONFIG.read_text())
    return {target.id: ast.literal_eval(node.value)
            for node in tree.body if isinstance(node, ast.Assign)
            for target in node.targets if isinstance(target, ast.Name)
            and isinstance(node.value, ast.Constant)}


def test_the_bench_serves_the_bridge_as_its_config_does() -> None:
    settings = _settings()
    assert (settings["workers"], settings["worker_class"], settings["threads"]) == (
        stack.GUNICORN_WORKERS, stack.GUNICORN_WORKER_CLASS, stack.GUNICORN_THREADS)


def test_the_image_leaves_the_serving_model_to_the_config() -> None:
    command = (CONFIG.parent / "Dockerfile").read_text().split("CMD", 1)[1]
    assert "gunicorn -c gunicorn.conf.py" in command
    assert " -w " not in command and "--workers" not in command
    assert "--threads" not in command
    compose = yaml.safe_load((CONFIG.parent / "docker-compose.yml").read_text())
    argv = compose["services"]["bridge"]["command"]
    assert argv[:3] == ["gunicorn", "-c", "gunicorn.conf.py"]
    assert not {"-w", "--workers", "--threads", "-k"} & set(argv)
