# syntax=docker/dockerfile:1.7
# Two stages: the builder installs the locked dependencies with uv and collects the
# static files; the runtime image holds only the virtualenv, the code and a non-root user.
ARG PYTHON_IMAGE=python:3.12-slim

FROM ${PYTHON_IMAGE} AS builder
COPY --from=ghcr.io/astral-sh/uv:0.6 /uv /usr/local/bin/uv
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv
WORKDIR /app
# Dependencies first, so a code change does not reinstall them.
COPY pyproject.toml uv.lock ./
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-install-project
COPY . .
# A build-only key: collectstatic needs settings to load; the image never runs with it.
RUN DEBUG=false HTTPS_ONLY=false \
    DATABASE_URL=postgres://build-only/unused REDIS_URL=redis://build-only:6379/0 \
    SECRET_KEY=build-only-key-for-collectstatic-never-used-at-runtime-0123456789 \
    /app/.venv/bin/python manage.py collectstatic --noinput -v 0

FROM ${PYTHON_IMAGE} AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH="/app/.venv/bin:${PATH}" \
    PORT=8000
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home --shell /usr/sbin/nologin app
WORKDIR /app
COPY --from=builder --chown=root:root /app /app
USER app
EXPOSE 8000
# /health needs no database and is exempt from the HTTPS redirect; the Host header is
# the first ALLOWED_HOSTS entry so Django accepts it.
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
    CMD python -c "import os, sys, urllib.request as u; host = os.environ.get('ALLOWED_HOSTS', 'localhost').split(',')[0].strip().lstrip('*.') or 'localhost'; r = u.urlopen(u.Request('http://127.0.0.1:%s/health' % os.environ.get('PORT', '8000'), headers={'Host': host}), timeout=3); sys.exit(0 if r.status == 200 else 1)"
CMD ["gunicorn", "payments_platform.wsgi:application", "--config", "gunicorn.conf.py"]
