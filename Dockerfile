# Production image: the core, push and every module under modules/.
FROM python:3.12-slim
WORKDIR /app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
COPY pyproject.toml README.md module_manifest.toml ./
COPY core ./core
COPY push ./push
COPY schemas ./schemas
COPY modules ./modules
RUN pip install --no-cache-dir . && \
    for m in modules/*/; do [ -f "$m/pyproject.toml" ] && pip install --no-cache-dir "$m"; done; true
USER nobody
EXPOSE 8000
CMD ["stadtkern", "serve", "--host", "0.0.0.0", "--port", "8000"]
