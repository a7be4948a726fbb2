"""Drill fixtures: one migrated installation with the Jinshan demo (sample homes), uploaded files
and a sealed audit chain, built once per test session; each drill gets a copy of it."""

from __future__ import annotations

import shutil
import uuid

import pytest

from .site import Site, server_url

SEED_FILES = {
    "repairs/photos/2026/11/leak.jpg": b"\xff\xd8\xff\xe0" + bytes(range(256)) * 8,
    "votes/ballots/2026/11/ballot-scan.pdf": b"%PDF-1.4\n% a scanned ballot\n" + b"x" * 3000,
    "imports/2026/11/upload.csv": "楼栋,房号\n1号楼,101\n".encode(),
}

# The audit rows the demo wrote, plus a few written now, sealed into the chain (as the worker
# does every minute) so that a restore must keep the chain intact.
SEAL = """
import datetime as dt
from django.utils import timezone
from fangguan.core.sealing import SEALED, seal_pending
for table in SEALED:
    seal_pending(table, now=timezone.now() + dt.timedelta(minutes=2))
"""


@pytest.fixture(scope="session")
def site_template(tmp_path_factory):
    root = tmp_path_factory.mktemp("site-template")
    server = server_url()
    site = Site(root, pg_server=server, name=f"fg_drill_tpl_{uuid.uuid4().hex[:8]}")
    site.create_empty()
    try:
        site.manage("migrate", "--noinput", "-v0", timeout=600)
        site.manage("load_demo", "--homes", "sample", timeout=600)
        site.shell(SEAL)
        for name, content in SEED_FILES.items():
            path = site.media / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
        yield site
    finally:
        site.drop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def template_archive(site_template):
    """One backup of the template installation, for the tests that only read or refuse one."""
    site_template.manage("backup")
    return next((site_template.root / "backups").glob("fangguan-*.tar"))


@pytest.fixture
def site(site_template, tmp_path):
    """A fresh copy of the template installation, removed (database too) after the test."""
    copy = Site(tmp_path / "site", pg_server=site_template.pg_server)
    if copy.pg_server:
        copy.create_empty(template=site_template.name)
    else:
        shutil.copyfile(site_template.sqlite_path, copy.sqlite_path)
    shutil.copytree(site_template.media, copy.media)
    yield copy
    copy.close()
