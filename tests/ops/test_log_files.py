"""Log files rotate: a fresh process configured with FANGGUAN_LOG_FILE and a small
FANGGUAN_LOG_MAX_BYTES writes past the size and leaves the file plus at most
FANGGUAN_LOG_BACKUPS old ones, none over the size; personal data is masked in the file too."""

from __future__ import annotations

import subprocess

from .site import MANAGE, PYTHON, ROOT

SCRIPT = """
import logging
log = logging.getLogger("fangguan.test")
for i in range(400):
    log.warning("line %04d phone 13812345678 " + "x" * 60, i)
"""


def run(tmp_path, **env):
    import os

    full = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    full.update(FANGGUAN_ENV="test", FANGGUAN_VAR_DIR=str(tmp_path / "var"), **env)
    subprocess.run([PYTHON, MANAGE, "shell", "-c", SCRIPT], cwd=ROOT, env=full, check=True, capture_output=True,
                   timeout=120)


def test_the_log_file_rotates_by_size_and_keeps_the_configured_number(tmp_path):
    log = tmp_path / "logs" / "fangguan.log"
    run(tmp_path, FANGGUAN_LOG_FILE=str(log), FANGGUAN_LOG_MAX_BYTES="4000", FANGGUAN_LOG_BACKUPS="3")
    files = sorted(p.name for p in log.parent.iterdir())
    assert files == ["fangguan.log", "fangguan.log.1", "fangguan.log.2", "fangguan.log.3"]
    assert all(p.stat().st_size <= 4000 for p in log.parent.iterdir())
    text = log.read_text(encoding="utf-8")
    assert "line 0399" in text and "13812345678" not in text and "138****5678" in text


def test_without_a_log_file_nothing_is_written(tmp_path):
    run(tmp_path)
    assert not list((tmp_path / "var").rglob("*.log"))
