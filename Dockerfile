# Tradedesk API: migrations on start, then uvicorn. Configure with DATABASE_URL and TRADEDESK_*.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    TRADEDESK_DATA_DIR=/app/data

RUN groupadd --system --gid 10001 tradedesk \
    && useradd --system --uid 10001 --gid tradedesk --home-dir /app tradedesk

WORKDIR /app
COPY requirements.lock ./
RUN pip install --no-cache-dir --require-hashes -r requirements.lock
COPY pyproject.toml README.md alembic.ini ./
COPY tradedesk ./tradedesk
RUN pip install --no-cache-dir --no-deps . && mkdir -p /app/data && chown tradedesk:tradedesk /app/data

USER 10001:10001
WORKDIR /app/data
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s CMD ["python", "-c", "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"]
# `serve` applies pending migrations, then runs uvicorn in the foreground.
CMD ["tradedesk", "serve", "--host", "0.0.0.0", "--port", "8000"]
