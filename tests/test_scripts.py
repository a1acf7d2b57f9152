"""scripts/run.sh, the first thing a user runs: it checks Python, says what it installs, how long it
takes and how much disk it needs, and how to stop and restart the app.

Run on a copy of the script in a temporary project with stand-in Pythons (no install, no network).
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
from conftest import ROOT

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")

# A stand-in ``python``: reports VERSION, makes a stand-in venv, logs what pip and streamlit were asked.
FAKE_PYTHON = r"""#!/usr/bin/env bash
if [ "$1" = "-c" ]; then echo "@VERSION@"; exit 0; fi
if [ "$1" = "-m" ] && [ "$2" = "venv" ]; then
  mkdir -p "$3/bin"; cp "$0" "$3/bin/python"; exit 0
fi
if [ "$1" = "-m" ]; then echo "$2 $*" >> "@LOG@"; echo "[$2 ran]"; exit 0; fi
exit 3
"""


def _project(tmp_path: Path, version: str) -> tuple[Path, Path, Path]:
    proj = tmp_path / "clone"
    (proj / "scripts").mkdir(parents=True)
    shutil.copy(ROOT / "scripts" / "run.sh", proj / "scripts" / "run.sh")
    shutil.copy(ROOT / "requirements.txt", proj / "requirements.txt")
    shutil.copy(ROOT / "pyproject.toml", proj / "pyproject.toml")
    log = tmp_path / "calls.log"
    fake = tmp_path / f"python{version}"
    fake.write_text(FAKE_PYTHON.replace("@VERSION@", version).replace("@LOG@", str(log)))
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    return proj, fake, log


def _run(proj: Path, fake: Path, **env) -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items() if not k.startswith("COLORIZER_")}
    full.update(PYTHON=str(fake), **env)
    return subprocess.run(["bash", "scripts/run.sh"], cwd=proj, env=full, capture_output=True, text=True,
                          timeout=60)


@pytest.mark.parametrize("version", ["3.10", "3.13"])
def test_an_unsupported_python_is_named_before_anything_is_installed(tmp_path, version):
    proj, fake, log = _project(tmp_path, version)
    r = _run(proj, fake)
    assert r.returncode == 1
    assert f"Python {version}" in r.stderr and "3.11 or 3.12" in r.stderr
    assert "PYTHON=python3.12 bash scripts/run.sh" in r.stderr
    assert not (proj / ".venv").exists() and not log.exists()


def test_a_missing_python_is_named(tmp_path):
    proj, _, _ = _project(tmp_path, "3.11")
    r = _run(proj, tmp_path / "no-such-python")
    assert r.returncode == 1 and "was not found" in r.stderr and "3.11 or 3.12" in r.stderr


def test_first_run_says_what_it_does_then_starts_and_the_second_run_skips_the_install(tmp_path):
    proj, fake, log = _project(tmp_path, "3.11")
    r = _run(proj, fake)
    assert r.returncode == 0, r.stderr
    out = r.stdout
    for words in ("first start with Python 3.11", "2.4 GB of disk", "2 to 10 minutes", "Installing",
                  "http://localhost:8501", "press Ctrl+C", "To start it again: bash scripts/run.sh"):
        assert words in out, (words, out)
    assert out.index("Installing") < out.index("[pip ran]") < out.index("[streamlit ran]")
    calls = log.read_text().splitlines()
    assert calls[0].startswith("pip ") and "-r requirements.txt" in calls[0]
    assert calls[1].startswith("pip ") and calls[1].endswith("--no-deps -e .")      # the project, editable
    assert calls[2].startswith("streamlit ") and "streamlit_app.py" in calls[2]

    log.unlink()
    again = _run(proj, fake)
    assert again.returncode == 0
    assert "packages already installed" in again.stdout and "Installing" not in again.stdout
    assert log.read_text().startswith("streamlit ")                      # no pip this time

    log.unlink()
    (proj / "pyproject.toml").write_text((proj / "pyproject.toml").read_text() + "\n# a new command\n")
    third = _run(proj, fake)
    assert third.returncode == 0 and "packages already installed" in third.stdout
    assert [c.split()[0] for c in log.read_text().splitlines()] == ["pip", "streamlit"]   # only the project again


def test_too_little_disk_is_said_before_installing(tmp_path):
    proj, fake, log = _project(tmp_path, "3.12")
    r = _run(proj, fake, COLORIZER_INSTALL_MB=str(10**12))
    assert r.returncode == 1 and "free disk space" in r.stderr and "GB" in r.stderr
    assert not log.exists()


@pytest.mark.parametrize("args,env,port", [
    (["--server.port", "8600"], {}, "8600"),
    (["--server.port=8601"], {}, "8601"),
    ([], {"STREAMLIT_SERVER_PORT": "8602"}, "8602"),
    (["--server.headless", "true"], {}, "8501"),
])
def test_the_address_said_is_the_port_streamlit_is_given(tmp_path, args, env, port):
    """Issue 24: run.sh said 8501 even with --server.port."""
    proj, fake, log = _project(tmp_path, "3.11")
    full = {k: v for k, v in os.environ.items() if not k.startswith(("COLORIZER_", "STREAMLIT_"))}
    full.update(PYTHON=str(fake), **env)
    r = subprocess.run(["bash", "scripts/run.sh", *args], cwd=proj, env=full, capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0, r.stderr
    assert f"open http://localhost:{port} in your browser" in r.stdout, r.stdout
    assert all(a in log.read_text().splitlines()[-1] for a in args)          # passed on to streamlit
