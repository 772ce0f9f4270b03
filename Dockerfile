# syntax=docker/dockerfile:1
# Production image: the core, push and every module under modules/, installed from wheels into a
# virtualenv by deploy/install-wheels (the script deploy/smoke runs too). Any failed step fails
# the build: the scripts run under `set -euo pipefail`, and RUN uses the same options.
FROM python:3.12-slim AS wheels
SHELL ["/bin/bash", "-euo", "pipefail", "-c"]
WORKDIR /src
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
COPY pyproject.toml README.md ./
COPY core ./core
COPY push ./push
COPY schemas ./schemas
COPY modules ./modules
COPY deploy/build-wheels ./deploy/
RUN deploy/build-wheels /wheels

FROM python:3.12-slim
SHELL ["/bin/bash", "-euo", "pipefail", "-c"]
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/stadtkern/bin:$PATH
COPY deploy/install-wheels /usr/local/bin/install-wheels
RUN --mount=type=bind,from=wheels,source=/wheels,target=/wheels \
    python -m venv /opt/stadtkern && install-wheels /opt/stadtkern /wheels
# A fixed unprivileged id (not nobody: files it writes stay apart from every other service's);
# /var/lib/stadtkern holds what must outlive a container: a named volume mounted on ideas-photos
# takes this folder's owner, so the unprivileged user can write the Ideenpool's photos.
RUN useradd --system --uid 10001 --home-dir /var/lib/stadtkern --create-home --shell /usr/sbin/nologin stadtkern \
    && install -d -o stadtkern -g stadtkern /var/lib/stadtkern/ideas-photos
USER stadtkern
WORKDIR /var/lib/stadtkern
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health/ready', timeout=2)"]
CMD ["stadtkern", "serve", "--host", "0.0.0.0", "--port", "8000"]
