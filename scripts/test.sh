#!/usr/bin/env bash
# Install (into .venv) and run the linter and every test: bash scripts/test.sh
# The browser tests need Chromium at /usr/bin/chromium (Debian: apt-get install -y chromium);
# without it they are skipped with a message.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-test.txt -r requirements-scale.txt
.venv/bin/python -m ruff check .
exec .venv/bin/python -m pytest "$@"
