# Ruledesk: one image for the web server, the django-q2 worker and one-shot
# management commands (see docker-compose.yml and docs/runbooks/deploy.md).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    RULEDESK_DATA_DIR=/var/lib/ruledesk \
    PORT=8000

# libmagic: attachment types are detected from their bytes (python-magic).
RUN apt-get update \
    && apt-get install -y --no-install-recommends libmagic1 \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 ruledesk \
    && useradd --system --uid 10001 --gid ruledesk --home-dir /app --shell /usr/sbin/nologin ruledesk \
    && mkdir -p /app /var/lib/ruledesk/static \
    && chown -R ruledesk:ruledesk /var/lib/ruledesk

WORKDIR /app

# Dependencies first, so code changes do not reinstall them.
COPY pyproject.toml ./
RUN pip install .

COPY --chown=ruledesk:ruledesk . .

USER ruledesk

# Static files are baked into the image and served by WhiteNoise. Settings
# need no environment for this (development defaults; no database is touched).
RUN python manage.py collectstatic --noinput -v 0

EXPOSE 8000

HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-m", "ruledesk.ops.probe", "/healthz"]

# The default process is the web server; the worker runs `python manage.py qcluster`.
# --access-logformat: the path without its query string (signed file URLs are never logged).
# --limit-request-line: gunicorn's maximum, as in ruledesk/runner.py (docs/api.md, limits).
CMD ["sh", "-c", "exec gunicorn ruledesk.wsgi:application --bind 0.0.0.0:${PORT} --workers ${RULEDESK_WEB_WORKERS:-2} --access-logfile - --access-logformat '%(h)s %(l)s %(u)s %(t)s \"%(m)s %(U)s %(H)s\" %(s)s %(b)s \"%(f)s\" \"%(a)s\"' --graceful-timeout 10 --limit-request-line 8190"]
