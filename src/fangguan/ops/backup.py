"""Backups into one archive, and restoring one into an empty database.

An archive is a tar file ``fangguan-<UTC time>.tar`` holding, in this order:

- ``manifest.json``: when, which engine, the record count of every table (counted inside the
  same snapshot the dump was taken from), the SHA-256 of every other member, the key ring's
  public metadata (algorithm, active key id, key ids — never a key), the audit chains' heads and
  the last migration of each app;
- ``database.dump`` (PostgreSQL: ``pg_dump`` custom format, taken from an exported snapshot so
  the counts and the dump see the same data) or ``database.sqlite3`` (SQLite: the online backup
  API, a consistent copy while the server writes);
- ``media/…``: the uploaded files (photos, scans, import files, error sheets).

It is written under a ``.partial`` name and renamed when complete, so a backup killed half-way
never looks like a good one. ``restore`` checks every checksum before touching anything, then
loads the database into an empty one, puts the files back, and proves the result: every table's
count equals the manifest's and the audit hash chain verifies.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.db import connection, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

FORMAT = 1
NAME_FORMAT = "fangguan-%Y%m%dT%H%M%SZ.tar"
MANIFEST = "manifest.json"


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why (in English, for operators)."""


def backup_dir() -> Path:
    return Path(getattr(settings, "FANGGUAN_BACKUP_DIR", settings.VAR_DIR / "backups"))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _engine() -> str:
    return "postgresql" if connection.vendor == "postgresql" else "sqlite"


def _tables(cursor, vendor: str) -> list[str]:
    if vendor == "postgresql":
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1")
    else:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY 1")
    return [row[0] for row in cursor.fetchall()]


def _counts(cursor, vendor: str) -> dict[str, int]:
    counts = {}
    for table in _tables(cursor, vendor):
        cursor.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608 — names from the catalogue
        counts[table] = cursor.fetchone()[0]
    return counts


def keyring_metadata() -> dict:
    """What a restore needs to know about the keys, and nothing that decrypts: the data keys are
    backed up separately (docs/operations.md)."""
    from fangguan.core.crypto import ALGORITHM, keyring

    ring = keyring()
    return {"algorithm": ALGORITHM, "active": ring.active, "key_ids": sorted(ring.keys)}


def _audit_heads() -> dict[str, str]:
    from fangguan.core.models import AuditSeal
    from fangguan.core.sealing import SEALED

    heads = {}
    for table in SEALED:
        last = AuditSeal.objects.filter(table=table).order_by("-id").first()
        heads[table] = last.hash if last else ""
    return heads


def _migrations() -> dict[str, str]:
    last: dict[str, str] = {}
    for app, name in MigrationRecorder.Migration.objects.order_by("app", "name").values_list("app", "name"):
        last[app] = name
    return last


def _pg_env() -> tuple[list[str], dict[str, str]]:
    db = connection.settings_dict
    args = []
    if db.get("HOST"):
        args += ["-h", db["HOST"]]
    if db.get("PORT"):
        args += ["-p", str(db["PORT"])]
    if db.get("USER"):
        args += ["-U", db["USER"]]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return args, env


def _pg_tool(name: str) -> str:
    """``pg_dump``/``pg_restore`` from FANGGUAN_PG_BIN (a folder) or the PATH; their major version
    must be at least the server's."""
    folder = os.environ.get("FANGGUAN_PG_BIN", "")
    path = str(Path(folder) / name) if folder else shutil.which(name)
    if not path or not Path(path).exists():
        raise BackupError(f"{name} not found: install the PostgreSQL client or set FANGGUAN_PG_BIN")
    return path


def _dump(workdir: Path) -> tuple[str, Path, dict[str, int], dict, dict]:
    """The database into ``workdir`` and the counts of that very state."""
    vendor = _engine()
    if vendor == "postgresql":
        target = workdir / "database.dump"
        args, env = _pg_env()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            # pg_dump reads the snapshot this transaction holds: dump and counts agree exactly.
            result = subprocess.run(  # noqa: S603
                [_pg_tool("pg_dump"), "-Fc", "--no-owner", "--no-privileges", f"--snapshot={snapshot}", *args,
                 "-f", str(target), connection.settings_dict["NAME"]],
                env=env, capture_output=True, text=True, check=False)
            if result.returncode != 0:
                raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
            counts = _counts(cursor, vendor)
            heads, migrations = _audit_heads(), _migrations()
        return "database.dump", target, counts, heads, migrations
    target = workdir / "database.sqlite3"
    connection.ensure_connection()
    copy = sqlite3.connect(target)
    try:
        connection.connection.backup(copy)  # the online backup API: a consistent copy
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        cursor = copy.cursor()
        counts = _counts(cursor, vendor)
        cursor.execute("SELECT \"table\", hash FROM core_auditseal ORDER BY id")
        heads = dict(cursor.fetchall())
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
        migrations = dict(cursor.fetchall())
    finally:
        copy.close()
    from fangguan.core.sealing import SEALED

    heads = {table: heads.get(table, "") for table in SEALED}
    return "database.sqlite3", target, counts, heads, migrations


def _media_files() -> list[tuple[str, Path]]:
    root = Path(settings.MEDIA_ROOT)
    if not root.exists():
        return []
    files = []
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            files.append(("media/" + path.relative_to(root).as_posix(), path))
    return files


@dataclass
class Result:
    path: Path
    manifest: dict
    seconds: float
    problems: list[str] = field(default_factory=list)


def backup(*, to: Path | None = None, now: dt.datetime | None = None) -> Result:
    """Write one archive into ``to`` (the backup folder by default) and return it."""
    started = time.monotonic()
    now = now or timezone.now()
    directory = Path(to) if to else backup_dir()
    directory.mkdir(parents=True, exist_ok=True)
    name = now.astimezone(dt.UTC).strftime(NAME_FORMAT)
    final = directory / name
    partial = directory / f".{name}.partial"
    with tempfile.TemporaryDirectory(dir=directory, prefix=".work-") as tmp:
        member, dump, counts, heads, migrations = _dump(Path(tmp))
        media = _media_files()
        checksums = {}
        sizes = {}
        for arcname, path in [(member, dump), *media]:
            try:
                checksums[arcname] = _sha256(path)
                sizes[arcname] = path.stat().st_size
            except FileNotFoundError:  # removed while we were copying (an applied import's upload)
                continue
        manifest = {
            "format": FORMAT,
            "created_at": now.astimezone(dt.UTC).isoformat(),
            "engine": _engine(),
            "database": member,
            "tables": counts,
            "records": sum(counts.values()),
            "files": {k: v for k, v in checksums.items() if k.startswith("media/")},
            "checksums": checksums,
            "sizes": sizes,
            "keyring": keyring_metadata(),
            "audit_heads": heads,
            "migrations": migrations,
        }
        with tarfile.open(partial, "w") as tar:
            data = json.dumps(manifest, indent=1, ensure_ascii=False, sort_keys=True).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime = len(data), int(now.timestamp())
            tar.addfile(info, io.BytesIO(data))
            for arcname, path in [(member, dump), *media]:
                if arcname in checksums:
                    tar.add(path, arcname=arcname, recursive=False)
        with partial.open("rb") as fh:
            os.fsync(fh.fileno())
        partial.rename(final)
    return Result(final, manifest, time.monotonic() - started)


# --- reading and restoring ---------------------------------------------------------------------


def _safe_member(name: str) -> bool:
    path = PurePosixPath(name)
    return not path.is_absolute() and ".." not in path.parts and bool(path.parts)


def read_manifest(archive: Path) -> dict:
    with tarfile.open(archive, "r") as tar:
        member = tar.getmember(MANIFEST)
        return json.loads(tar.extractfile(member).read())


def check(archive: Path, workdir: Path) -> dict:
    """Unpack ``archive`` into ``workdir`` and check every member against the manifest."""
    with tarfile.open(archive, "r") as tar:
        manifest = json.loads(tar.extractfile(tar.getmember(MANIFEST)).read())
        if manifest.get("format") != FORMAT:
            raise BackupError(f"unknown archive format {manifest.get('format')!r}")
        expected = manifest["checksums"]
        seen = set()
        for member in tar.getmembers():
            if member.name == MANIFEST:
                continue
            if not member.isfile() or not _safe_member(member.name) or member.name not in expected:
                raise BackupError(f"unexpected member in the archive: {member.name}")
            target = workdir / member.name
            target.parent.mkdir(parents=True, exist_ok=True)
            with tar.extractfile(member) as src, target.open("wb") as dst:
                shutil.copyfileobj(src, dst)
            if _sha256(target) != expected[member.name]:
                raise BackupError(f"checksum mismatch: {member.name}")
            seen.add(member.name)
        missing = sorted(set(expected) - seen)
        if missing:
            raise BackupError(f"members missing from the archive: {', '.join(missing[:5])}")
    return manifest


def _empty_database() -> bool:
    with connection.cursor() as cursor:
        return not _tables(cursor, connection.vendor)


def restore(archive: Path, *, verify: bool = True) -> Result:
    """Restore ``archive`` into the configured database, which must be empty, and its files into
    MEDIA_ROOT (an existing file with other content stops the restore before anything changes)."""
    started = time.monotonic()
    archive = Path(archive)
    with tempfile.TemporaryDirectory(prefix="fangguan-restore-") as tmp:
        workdir = Path(tmp)
        manifest = check(archive, workdir)
        if manifest["engine"] != _engine():
            raise BackupError(f"the archive is from {manifest['engine']}, the database is {_engine()}")
        missing_keys = set(manifest["keyring"]["key_ids"]) - set(keyring_metadata()["key_ids"])
        if missing_keys:
            raise BackupError("the data keys " + ", ".join(sorted(missing_keys)) + " are not in this "
                              "server's key ring: restore the key file first (docs/operations.md)")
        if not _empty_database():
            raise BackupError("the database is not empty: restore only into a new, empty database")
        media_root = Path(settings.MEDIA_ROOT)
        for arcname, digest in manifest["files"].items():
            target = media_root / arcname.removeprefix("media/")
            if target.exists() and _sha256(target) != digest:
                raise BackupError(f"{target} exists with other content; move it away first")
        _load(workdir / manifest["database"])
        for arcname in manifest["files"]:
            target = media_root / arcname.removeprefix("media/")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(workdir / arcname, target)
    result = Result(archive, manifest, 0.0)
    if verify:
        result.problems = verify_restored(manifest)
    result.seconds = time.monotonic() - started
    return result


def _load(path: Path) -> None:
    if connection.vendor == "postgresql":
        args, env = _pg_env()
        connection.close()
        result = subprocess.run(  # noqa: S603
            [_pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction", *args,
             "-d", connection.settings_dict["NAME"], str(path)],
            env=env, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise BackupError(f"pg_restore failed: {result.stderr.strip()}")
        return
    connection.ensure_connection()
    source = sqlite3.connect(path)
    try:
        source.backup(connection.connection)
    finally:
        source.close()
    connection.close()


def verify_restored(manifest: dict) -> list[str]:
    """What differs between the restored database and files and the manifest, and any break in
    the audit chain; empty when the restore is whole."""
    from fangguan.core.sealing import SEALED
    from fangguan.core.sealing import verify as verify_chain

    problems = []
    with connection.cursor() as cursor:
        counts = _counts(cursor, connection.vendor)
    for table, expected in sorted(manifest["tables"].items()):
        if counts.get(table) != expected:
            problems.append(f"{table}: {counts.get(table)} records, the backup had {expected}")
    for table in sorted(set(counts) - set(manifest["tables"])):
        problems.append(f"{table}: not in the backup")
    media_root = Path(settings.MEDIA_ROOT)
    for arcname, digest in manifest["files"].items():
        target = media_root / arcname.removeprefix("media/")
        if not target.exists() or _sha256(target) != digest:
            problems.append(f"{arcname}: missing or different")
    for table in SEALED:
        for problem in verify_chain(table):
            problems.append(f"audit chain: {problem}")
            break
    return problems
