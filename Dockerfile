# Reply Coach: the runtime dependencies only, from the hashed lock; runs as a non-root user.
#   docker build -t reply-coach .
#   docker run -p 8000:8000 -e REPLY_COACH_API_KEYS=... -e REPLY_COACH_REDIS_URL=redis://redis:6379/0 reply-coach
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 \
    HOST=0.0.0.0 PORT=8000

WORKDIR /app
COPY requirements.lock ./
RUN python -m pip install --require-hashes --no-deps -r requirements.lock

# The prompts are read from beside the package, so the checkout is installed in place.
COPY pyproject.toml README.md ./
COPY api ./api
COPY evals ./evals
COPY prompts ./prompts
RUN python -m pip install --no-deps --no-build-isolation -e . \
    && useradd --system --uid 10001 --home-dir /nonexistent --shell /usr/sbin/nologin coach

USER coach
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ.get(\"PORT\", \"8000\")}/healthz', timeout=2)"]
CMD ["reply-coach", "serve"]
