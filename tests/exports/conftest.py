"""Background exports: a small threshold (so the demo's lists are "big"), files in a temporary
media root, and the jobs run when the test's transaction would have committed."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def small_threshold(settings, tmp_path):
    settings.FANGGUAN_EXPORT_BACKGROUND_ROWS = 20
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return settings
