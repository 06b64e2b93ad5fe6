FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY idp_bridge ./idp_bridge
COPY migrations ./migrations
COPY gunicorn.conf.py ./
RUN pip install --no-cache-dir '.[postgres]'
EXPOSE 5000
# The process answers (/healthz); whether it can serve is /readyz, which compose's health
# check and the load balancer ask (docs/deploy.md).
HEALTHCHECK --interval=15s --timeout=5s --retries=3 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:5000/healthz', timeout=3)"]
# Migrations first, then gunicorn as gunicorn.conf.py sets it (one process, eight threads;
# Prometheus multiprocess mode, metrics on IDP_METRICS_PORT when set). The bridge keeps no
# state outside the database: scale with containers.
CMD ["sh", "-c", "flask --app idp_bridge db upgrade && exec gunicorn -c gunicorn.conf.py -b 0.0.0.0:5000 'idp_bridge:create_app()'"]
