#!/usr/bin/env bash
# Verify the Docker image without a Docker engine (none runs here, and the base image cannot be pulled):
# replay the Dockerfile's steps in a fresh Python 3.11 virtual environment standing in for the
# python:3.11-slim base — the dependency RUN line verbatim, the COPY lines, the ENV, then the CMD
# as uid 1000 with HOME set as in the image — and check that Streamlit answers on 7860 and that
# the HEALTHCHECK command passes. Usage: bash scripts/verify_image.sh   (about 5 minutes)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
root=$(mktemp -d)
trap 'kill "${pid:-0}" 2>/dev/null || true; rm -rf "$root"' EXIT
python3.11 -m venv "$root/venv"
export PATH="$root/venv/bin:$PATH" PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
app="$root/home/user/app"; mkdir -p "$app"
cp "$repo/pyproject.toml" "$repo/README.md" "$app/"
# the RUN line that installs the dependencies, exactly as written in the Dockerfile
run=$(python - "$repo/Dockerfile" <<'PY'
import re, sys
text = re.sub(r"\\\n", " ", open(sys.argv[1]).read())
print(next(l[4:] for l in text.splitlines() if l.startswith("RUN ") and "pip install" in l))
PY
)
echo "== RUN $run"
(cd "$app" && bash -c "$run")
echo "== COPY"
for src in core api dashboard assets examples; do cp -r "$repo/$src" "$app/$src"; done
find "$app" -name __pycache__ -prune -exec rm -rf {} +
echo "== installed: $(pip list 2>/dev/null | wc -l) packages; $(du -sh "$root/venv" | cut -f1) venv"
echo "== CMD as uid 1000"
chown -R 1000:1000 "$root/home" 2>/dev/null || true
chmod -R a+rX "$root"
cd "$app"
env -i PATH="$PATH" HOME="$root/home/user" HF_HOME="$root/home/user/.cache/huggingface" PYTHONPATH="$app" BUNDLE_SOURCE=local \
  setpriv --reuid=1000 --regid=1000 --clear-groups \
  streamlit run dashboard/app.py --server.port=7860 --server.address=0.0.0.0 --server.headless=true >"$root/streamlit.log" 2>&1 &
pid=$!
for _ in $(seq 120); do curl -fsS http://127.0.0.1:7860/_stcore/health >/dev/null 2>&1 && break; sleep 1; done
curl -fsS http://127.0.0.1:7860/_stcore/health && echo
python -c "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://localhost:7860/_stcore/health', timeout=4).status == 200 else 1)" \
  && echo "HEALTHCHECK ok"
ps -o user=,uid=,cmd= -p "$pid" | cut -c1-100
echo "== API from the same files"
python -c "import api.main, core; b = core.load_configured_bundle(); print('api imports; bundle', b.name, b.version, len(b.schema.names), 'features')"
echo "verified"
