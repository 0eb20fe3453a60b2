# One image for every Burnblack process; compose.yaml picks the command.
FROM python:3.11-slim-bookworm
RUN apt-get update \
    && apt-get install -y --no-install-recommends tesseract-ocr tesseract-ocr-eng \
    && rm -rf /var/lib/apt/lists/*
RUN pip install --no-cache-dir uv==0.13.9
WORKDIR /app
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project
COPY . .
RUN uv sync --frozen --no-dev
ENV PATH="/app/.venv/bin:$PATH" PYTHONUNBUFFERED=1
# The documents volume (compose.yaml) starts as this folder: owned by the user we run as.
RUN mkdir -p /var/lib/burnblack/documents && chown nobody:nogroup /var/lib/burnblack/documents
USER nobody
CMD ["burnblack", "api", "--host", "0.0.0.0", "--port", "8000"]
