"""The restore drill: records and files exist, a backup is taken, the database and the files are
lost, the archive is restored into an empty database, and every record (each table's rows,
compared by a digest the test computes itself), every file and the audit chain come back.
On SQLite in the normal suite; on PostgreSQL (a throwaway database) when DATABASE_URL is."""

from __future__ import annotations

import base64
import json
import shutil
import tarfile
import time

import pytest

from fangguan.core.crypto import _TEST_KEYS

pytestmark = pytest.mark.drill


def _archive(site):
    archives = sorted((site.root / "backups").glob("fangguan-*.tar"))
    assert len(archives) == 1, archives
    return archives[0]


def test_backup_drop_restore_finds_every_record_file_and_an_intact_chain(site):
    before = site.fingerprint()
    files = site.files()
    assert sum(n for n, _ in before.values()) > 40_000 and len(files) == 3
    assert before["core_auditseal"][0] >= 1  # the chain has links to check

    out = site.manage("backup").stdout
    archive = _archive(site)
    assert archive.name in out

    site.drop()
    shutil.rmtree(site.media)
    site.create_empty()

    started = time.monotonic()
    result = site.manage("restore", str(archive))
    seconds = time.monotonic() - started
    assert "counts match the manifest" in result.stdout and "audit chain intact" in result.stdout
    print(f"restore drill: {sum(n for n, _ in before.values())} records, {len(files)} files, "
          f"restore command {seconds:.1f} s")

    assert site.fingerprint() == before
    assert site.files() == files
    verified = site.manage("verify_audit")
    assert "changelog: intact" in verified.stdout and "chain head -" not in verified.stdout.split("\n")[0]


def test_the_manifest_counts_match_the_database_and_the_archive_holds_no_key(site, template_archive):
    archive = template_archive
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = json.loads(tar.extractfile("manifest.json").read())
        blobs = [tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()]
    assert names[0] == "manifest.json"
    counts = {table: n for table, (n, _) in site.fingerprint().items()}
    assert manifest["tables"] == counts
    assert set(manifest["files"]) == {f"media/{name}" for name in site.files()}
    assert manifest["keyring"] == {"algorithm": "A256GCM", "active": "test1", "key_ids": ["test1"]}
    secrets = [_TEST_KEYS["keys"]["test1"], _TEST_KEYS["index_key"]]
    secrets += [base64.b64decode(s).hex() for s in list(secrets)]
    for blob in blobs:
        for secret in secrets:
            assert secret.encode() not in blob


def test_restore_refuses_a_damaged_archive_and_a_database_that_is_not_empty(site, template_archive):
    archive = template_archive
    # Not empty: the site's own database still holds everything.
    refused = site.manage("restore", str(archive), check=False)
    assert refused.returncode != 0 and "not empty" in refused.stderr

    # One byte of the database member changed: caught by its checksum before anything is written.
    damaged = site.root / "damaged.tar"
    data = bytearray(archive.read_bytes())
    with tarfile.open(archive) as tar:
        member = tar.getmember(next(n for n in tar.getnames() if n.startswith("database.")))
    data[member.offset_data + 5000] ^= 0xFF
    damaged.write_bytes(bytes(data))
    site.drop()
    shutil.rmtree(site.media)
    site.create_empty()
    refused = site.manage("restore", str(damaged), check=False)
    assert refused.returncode != 0 and "checksum mismatch" in refused.stderr
    assert site.tables() == [] and site.files() == {}


def test_restore_refuses_when_the_data_keys_are_missing(site, template_archive):
    archive = template_archive
    site.drop()
    site.create_empty()
    other = json.dumps({"active": "k9", "keys": {"k9": base64.b64encode(b"\x07" * 32).decode()},
                        "index_key": base64.b64encode(b"\x08" * 32).decode()})
    refused = site.manage("restore", str(archive), check=False, FANGGUAN_DATA_KEYS=other)
    assert refused.returncode != 0 and "test1" in refused.stderr and "key file" in refused.stderr
    assert site.tables() == []
