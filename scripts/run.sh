#!/usr/bin/env bash
# Install (into .venv) and start the app: bash scripts/run.sh
# Linux and macOS: in a terminal. Windows: in Git Bash. Stop the app with Ctrl+C; start it again the same way.
set -euo pipefail
cd "$(dirname "$0")/.."

NEED_MB=${COLORIZER_INSTALL_MB:-3000}      # the packages take about 2.4 GB; pip needs some room on top

say() { printf '%s\n' "$*"; }
fail() { printf 'error: %s\n' "$*" >&2; exit 1; }

# The Python that makes .venv: $PYTHON, else python3, else python (Windows).
if [ -n "${PYTHON:-}" ]; then
  PY=$PYTHON
elif command -v python3 >/dev/null 2>&1; then
  PY=python3
else
  PY=python
fi
if [ -x .venv/bin/python ]; then
  VPY=.venv/bin/python
elif [ -x .venv/Scripts/python.exe ]; then
  VPY=.venv/Scripts/python.exe
else
  VPY=""
fi

# 1. A supported Python (TensorFlow 2.21 and the pinned packages: Python 3.11 or 3.12; numpy 2.4, SciPy 1.17 and astropy 8 need 3.11).
CHECK=${VPY:-$PY}
command -v "$CHECK" >/dev/null 2>&1 || fail "$CHECK was not found. Install Python 3.11 or 3.12 \
(https://www.python.org/downloads/) and run this again, or name it: PYTHON=python3.12 bash scripts/run.sh"
VERSION=$("$CHECK" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null) \
  || fail "$CHECK does not run. Install Python 3.11 or 3.12 and run this again."
case "$VERSION" in
  3.11|3.12) ;;
  *)
    if [ -n "$VPY" ]; then
      fail "the .venv folder was made with Python $VERSION, which is not supported (Python 3.11 or 3.12 \
is needed). Delete the .venv folder and run: PYTHON=python3.12 bash scripts/run.sh"
    fi
    fail "Python $VERSION ($CHECK) is not supported: the app needs Python 3.11 or 3.12 (TensorFlow has \
no packages for other versions). Install one of them and run, for example: PYTHON=python3.12 bash scripts/run.sh"
    ;;
esac

# 2. The packages, once (again only when requirements.txt changes).
STAMP=.venv/.requirements-installed
if [ -n "$VPY" ] && [ -f "$STAMP" ] && cmp -s requirements.txt "$STAMP"; then
  say "Colorization Studio: Python $VERSION, packages already installed in .venv/."
else
  FREE_MB=$(df -Pk . 2>/dev/null | awk 'NR == 2 { print int($4 / 1024) }')
  if [ -n "$FREE_MB" ] && [ "$FREE_MB" -lt "$NEED_MB" ]; then
    fail "installing needs about $((NEED_MB / 1000)) GB of free disk space here, but only ${FREE_MB} MB are \
free. Free some space and run this again."
  fi
  say "Colorization Studio: first start with Python $VERSION."
  say "Installing TensorFlow, OpenCV, Streamlit and the other packages into .venv/ (in this folder)."
  say "This downloads several hundred MB and takes about 2.4 GB of disk; it takes 2 to 10 minutes depending on"
  say "your connection, and happens only once. pip's progress follows."
  if [ -z "$VPY" ]; then
    "$PY" -m venv .venv || fail "could not create .venv with $PY (Debian/Ubuntu: sudo apt-get install python3-venv)"
    if [ -x .venv/bin/python ]; then VPY=.venv/bin/python; else VPY=.venv/Scripts/python.exe; fi
  fi
  "$VPY" -m pip install --disable-pip-version-check --progress-bar on -r requirements.txt \
    || fail "installing the packages failed (see pip's message above). Check the internet connection and \
the free disk space, then run this again."
  cp requirements.txt "$STAMP"
  say "Installed."
fi
# The project itself, editable (its command colorization-studio, usable from any folder): once, again only
# when pyproject.toml changes.
if ! { [ -f .venv/.project-installed ] && cmp -s pyproject.toml .venv/.project-installed; }; then
  "$VPY" -m pip install --quiet --disable-pip-version-check --no-deps -e . \
    || fail "installing the project into .venv failed (see pip's message above)."
  cp pyproject.toml .venv/.project-installed
fi

# 3. The app, on the port given to streamlit (--server.port N or =N, or STREAMLIT_SERVER_PORT), else 8501.
PORT=${STREAMLIT_SERVER_PORT:-8501}
prev=""
for arg in "$@"; do
  case "$arg" in
    --server.port=*) PORT=${arg#--server.port=} ;;
  esac
  if [ "$prev" = "--server.port" ]; then PORT=$arg; fi
  prev=$arg
done
say ""
say "Starting Colorization Studio: open http://localhost:$PORT in your browser."
say "The first page takes a few seconds while the model loads."
say "To stop the app, press Ctrl+C here. To start it again: bash scripts/run.sh"
say ""
exec "$VPY" -m streamlit run streamlit_app.py "$@"
