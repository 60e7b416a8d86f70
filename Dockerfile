# article3: two stages, runtime dependencies only, a non-root user, a health check.
FROM python:3.11-slim AS build
WORKDIR /src
# The locked versions first, each checked against its hash (a layer that changes only with the lock),
# then article3 itself, built by the locked setuptools, without resolving anything again.
# PyICU (ICU's transforms, and followthemoney's name handling) has no wheels: it compiles against ICU.
RUN apt-get update && apt-get install -y --no-install-recommends g++ pkg-config libicu-dev \
    && rm -rf /var/lib/apt/lists/*
COPY requirements.txt ./
RUN python -m venv /venv && /venv/bin/pip install --no-cache-dir --require-hashes -r requirements.txt
COPY pyproject.toml README.md ./
COPY app ./app
COPY alembic ./alembic
RUN /venv/bin/pip install --no-cache-dir --no-deps --no-build-isolation . && /venv/bin/pip check

FROM python:3.11-slim
# ICU's runtime library, which the compiled PyICU links to (the version of Debian's release the image uses).
RUN apt-get update && apt-get install -y --no-install-recommends "$(apt-cache search --names-only '^libicu[0-9]+$' | cut -d' ' -f1)" \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --create-home --uid 10001 article3 && install -d -o article3 -m 0700 /home/article3/data
COPY --from=build /venv /venv
# The migrations come with the package (app/migrations): `article3 migrate` runs from any directory.
WORKDIR /home/article3
ENV PATH="/venv/bin:$PATH" \
    PYTHONDONTWRITEBYTECODE=1 \
    ARTICLE3_DATABASE_URL=sqlite:////home/article3/data/article3.db
USER article3
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --retries=3 \
  CMD python -c "import urllib.request as u; u.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"
CMD ["article3", "serve", "--host", "0.0.0.0", "--port", "8000"]
