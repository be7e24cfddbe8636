# Kundenfokus in a container: docker build -t kundenfokus . && docker run --env-file .env kundenfokus
# Provided, not tested in our CI (it has no Docker engine): tests/ops/test_container.py checks what can be
# checked without one — the files it copies exist, the commands exist, the HEALTHCHECK works on a bot.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY bot ./bot
COPY handlers ./handlers
COPY models ./models
COPY migrations ./migrations
RUN pip install . \
    && useradd --system --uid 10001 --user-group --home-dir /data --create-home kundenfokus

# Runs as an unprivileged user; /data holds a SQLite database if you use one (mount a volume there).
USER kundenfokus
WORKDIR /data
ENV PORT=3000 \
    KUNDENFOKUS_HEALTH_PORT=3000 \
    DATABASE_URL=sqlite:////data/kundenfokus.db
EXPOSE 3000

# /healthz answers as long as the process does; readiness (/readyz) is for load balancers and Kubernetes.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % (os.environ.get('KUNDENFOKUS_HEALTH_PORT') or os.environ.get('PORT') or '3000'), timeout=4)"]

# SIGTERM stops gracefully within 8 s (Docker's default grace period is 10 s).
STOPSIGNAL SIGTERM
CMD ["kundenfokus", "run"]
