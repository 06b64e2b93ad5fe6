"""gunicorn's settings for the bridge: ``gunicorn -c gunicorn.conf.py -b 0.0.0.0:5000
'idp_bridge:create_app()'`` (gunicorn also reads this file by itself from the directory it
starts in; the image's /app).

One process with eight threads per container (``gthread``), not four single-threaded
processes. A request spends most of its time waiting on Keycloak or the database, which
threads do in parallel; its CPU is what they share. On a 2-vCPU host, four processes taking
turns with one user's requests cost 9-15 % more CPU per registration than one process
serving them all (two bridges side by side on one Keycloak, registrations alternated:
bench/NOTES.md, issue 26, ninth pass), most likely because each request found the CPU's
caches full of another process's copies. One process's Python needs 5-7 ms of a core per
sign-in against Keycloak's 40-70, so the GIL is never what limits a container; add
containers for availability and capacity (docs/deploy.md). ``-w`` and ``--threads`` on the
command line override these.

Prometheus in several workers: each worker writes its counters to files in
PROMETHEUS_MULTIPROC_DIR (set here before any worker imports prometheus-client, emptied at
start so a restart does not count old workers twice); the master serves their sum on
IDP_METRICS_PORT (its own port, never the public one) and marks a dead worker's files.
Workers come and go; the master's listener stays.
"""

import gc
import os
import shutil
import tempfile

_metrics_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or tempfile.mkdtemp(
    prefix="idp-bridge-metrics-")
os.environ["PROMETHEUS_MULTIPROC_DIR"] = _metrics_dir

workers = 1
worker_class = "gthread"
threads = 8  # at most SQLAlchemy's pool (5 + 10 overflow) connections at once
accesslog = None  # the bridge logs one line per request itself (operations/logs.py)


def on_starting(server):  # type: ignore[no-untyped-def]
    shutil.rmtree(_metrics_dir, ignore_errors=True)
    os.makedirs(_metrics_dir, exist_ok=True)


def when_ready(server):  # type: ignore[no-untyped-def]
    if not os.environ.get("IDP_METRICS_PORT"):
        return
    from idp_bridge import create_app
    from idp_bridge.operations.metrics import serve_metrics

    port = serve_metrics(create_app())
    if port:
        server.log.info("metrics on port %s", port)


def child_exit(server, worker):  # type: ignore[no-untyped-def]
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def post_worker_init(worker):  # type: ignore[no-untyped-def]
    from flask import Flask

    from idp_bridge.operations.warm import compile_templates

    if isinstance(worker.wsgi, Flask):
        # Pages compiled now, not in the first response of each page on each worker.
        compile_templates(worker.wsgi)
    # The app's modules, templates and mappings live as long as the worker: out of the
    # collector's sight they are not walked again by every full collection (one per few
    # dozen sign-ins, ~60-90 ms each with them in; bench/NOTES.md).
    gc.freeze()
