#!/usr/bin/env bash
# Install (into .venv) and run the linter, the import contracts and every test: bash scripts/test.sh
# The browser tests need Chromium at /usr/bin/chromium (Debian: apt-get install -y chromium);
# without it they are skipped with a message.
# Every test runs here, in parallel (pytest-xdist, COLORIZER_TEST_WORKERS processes, default 2); a bare
# `.venv/bin/python -m pytest` is the quick run, without the browser, load, Ray, training and slow tests.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-test.txt -r requirements-scale.txt
# The project itself, editable (the colorization-studio command): again only when pyproject.toml changes.
if ! { [ -f .venv/.project-installed ] && cmp -s pyproject.toml .venv/.project-installed; }; then
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
  cp pyproject.toml .venv/.project-installed
fi
.venv/bin/python -m ruff check .
.venv/bin/lint-imports --no-cache
exec .venv/bin/python -m pytest -m "" -n "${COLORIZER_TEST_WORKERS:-2}" --dist loadgroup "$@"
