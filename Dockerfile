FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY idp_bridge ./idp_bridge
COPY migrations ./migrations
RUN pip install --no-cache-dir '.[postgres]'
EXPOSE 5000
# Migrations first, then several workers: the bridge keeps no state outside the database.
CMD ["sh", "-c", "flask --app idp_bridge db upgrade && exec gunicorn -w 4 -b 0.0.0.0:5000 'idp_bridge:create_app()'"]
