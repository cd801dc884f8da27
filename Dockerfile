# syntax=docker/dockerfile:1
# Floorwatch: the wall display built with Node, served with the API by Python 3.11 slim.
# Untested here (no Docker engine in the project's sandbox); see docs/operations.md.

# -- 1. the wall display (frontend/ -> frontend/dist) ------------------------------------------
FROM node:22-slim AS frontend
WORKDIR /src/frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY frontend/ ./
RUN npm run build

# -- 2. the Python environment: exactly uv.lock, then the project as a built wheel ------------
FROM python:3.11-slim AS python
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 UV_PYTHON_DOWNLOADS=never
WORKDIR /src
COPY requirements/uv.txt requirements/uv.txt
RUN pip install --require-hashes --no-deps -r requirements/uv.txt
COPY pyproject.toml uv.lock README.md ./
COPY app ./app
# The runtime dependencies as locked (hashes checked, nothing re-resolved), then the wheel alone.
RUN uv export --frozen --no-emit-project --format requirements-txt --output-file /tmp/locked.txt \
    && python -m venv /opt/venv \
    && /opt/venv/bin/pip install --require-hashes --no-deps -r /tmp/locked.txt \
    && uv build --wheel --out-dir /tmp/dist \
    && /opt/venv/bin/pip install --no-deps /tmp/dist/floorwatch-*.whl

# -- 3. the runtime ---------------------------------------------------------------------------
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH \
    FLOORWATCH_HOST=0.0.0.0 \
    FLOORWATCH_PORT=8000 \
    FLOORWATCH_LOG_JSON=true \
    FLOORWATCH_DATABASE_URL=sqlite+aiosqlite:////data/floorwatch.sqlite3 \
    FLOORWATCH_ROOT=/app
# The image is production: secure cookies and HSTS; `serve` refuses to start without
# FLOORWATCH_SECRET_KEY (docs/operations.md, Docker)
ENV FLOORWATCH_ENVIRONMENT=production
RUN groupadd --system --gid 10001 floorwatch \
    && useradd --system --uid 10001 --gid floorwatch --home-dir /app --shell /usr/sbin/nologin floorwatch \
    && mkdir /data && chown floorwatch:floorwatch /data
WORKDIR /app
COPY --from=python /opt/venv /opt/venv
COPY alembic.ini ./
COPY migrations ./migrations
COPY --from=frontend /src/frontend/dist ./frontend/dist
USER floorwatch
VOLUME ["/data"]
EXPOSE 8000
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/readyz' % os.environ.get('FLOORWATCH_PORT', '8000'), timeout=4)"]
CMD ["floorwatch", "serve"]
