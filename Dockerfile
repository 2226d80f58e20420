# Prêt à dépenser — dashboard image for a Hugging Face Space (Docker SDK, port 7860).
# The same image serves the API with: uvicorn api.main:app --host 0.0.0.0 --port 8000
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Hugging Face Spaces run the container as uid 1000 and need a writable home.
RUN useradd --create-home --uid 1000 user
ENV HOME=/home/user \
    HF_HOME=/home/user/.cache/huggingface \
    PYTHONPATH=/home/user/app \
    BUNDLE_SOURCE=local
WORKDIR /home/user/app

# 1) Dependencies only: this layer stays cached while pyproject.toml does not change.
#    Every dependency ships as a wheel, so no compiler is installed or left behind.
COPY pyproject.toml README.md ./
# Versions are bounded in pyproject.toml (lower bounds verified together; mlflow pinned).
# hadolint ignore=DL3013
RUN mkdir -p core dashboard api \
    && touch core/__init__.py dashboard/__init__.py api/__init__.py \
    && pip install --no-cache-dir ".[api]" \
    && pip uninstall -y pret-a-depenser \
    && rm -rf core dashboard api build ./*.egg-info

# 2) The code (with the Streamlit configuration, dashboard/.streamlit) and the demo bundle.
COPY --chown=user:user core ./core
COPY --chown=user:user api ./api
COPY --chown=user:user dashboard ./dashboard
COPY --chown=user:user assets ./assets
COPY --chown=user:user examples ./examples

USER 1000
EXPOSE 7860
# The check follows what runs: healthy when the dashboard (7860) or the API (8000, as the README runs
# it) answers its health route; the timeout leaves room for importing the package.
HEALTHCHECK --interval=30s --timeout=20s --start-period=60s --retries=3 \
    CMD ["python", "-m", "core.cli", "healthcheck", "--dashboard-port", "7860", "--api-port", "8000"]
CMD ["streamlit", "run", "dashboard/app.py", "--server.port=7860", "--server.address=0.0.0.0", "--server.headless=true"]
