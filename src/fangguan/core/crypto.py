"""Encryption of personal data at rest, and blind indexes for exact search.

Each ciphertext names its algorithm and key: ``A256GCM$<key id>$<base64 nonce+ciphertext>``,
so keys can rotate (old ciphertexts stay readable until re-encrypted) and another algorithm
(for instance SM4 for a 密评 assessment) can be added beside AES-GCM without a data migration.
The blind index is an HMAC of the normalised value under a separate key: equal values give
equal indexes, so exact search works without decrypting, and the index reveals nothing else.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

ALGORITHM = "A256GCM"
_TEST_KEYS = {
    "active": "test1",
    "keys": {"test1": base64.b64encode(b"\x01" * 32).decode()},
    "index_key": base64.b64encode(b"\x02" * 32).decode(),
}


@dataclass(frozen=True)
class KeyRing:
    active: str
    keys: dict[str, bytes]
    index_key: bytes


def _generate() -> dict:
    return {
        "active": "k1",
        "keys": {"k1": base64.b64encode(os.urandom(32)).decode()},
        "index_key": base64.b64encode(os.urandom(32)).decode(),
    }


@lru_cache(maxsize=1)
def keyring() -> KeyRing:
    """Keys from FANGGUAN_DATA_KEYS, else the key file; generated for development only."""
    raw = settings.DATA_KEYS_JSON
    if not raw and settings.ENV == "test":
        raw = json.dumps(_TEST_KEYS)  # never the developer's key file beside the test run
    if not raw:
        path = settings.DATA_KEYS_FILE
        if path.exists():
            raw = path.read_text()
        elif settings.ENV == "development":
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(_generate(), indent=2))
            path.chmod(0o600)
            raw = path.read_text()
        else:
            raise ImproperlyConfigured("personal-data keys missing: set FANGGUAN_DATA_KEYS or the key file")
    spec = json.loads(raw)
    keys = {kid: base64.b64decode(k) for kid, k in spec["keys"].items()}
    if spec["active"] not in keys or any(len(k) != 32 for k in keys.values()):
        raise ImproperlyConfigured("personal-data keys: the active key must exist and keys be 256-bit")
    return KeyRing(active=spec["active"], keys=keys, index_key=base64.b64decode(spec["index_key"]))


@lru_cache(maxsize=16)
def _aesgcm(key: bytes) -> AESGCM:
    """One cipher object per key: bulk loaders encrypt millions of values."""
    return AESGCM(key)


class AesGcm:
    """AES-256-GCM with a 96-bit random nonce (the ``cryptography`` package)."""

    name = "A256GCM"

    @staticmethod
    def seal(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
        nonce = os.urandom(12)
        return nonce + _aesgcm(key).encrypt(nonce, plaintext, aad)

    @staticmethod
    def open(key: bytes, blob: bytes, aad: bytes) -> bytes:
        return _aesgcm(key).decrypt(blob[:12], blob[12:], aad)


# Algorithms by the id written into each ciphertext. A national algorithm (e.g. SM4-GCM for a
# 密评 assessment) is added here with its own id; existing ciphertexts keep decrypting, and
# `rotate_keys` re-encrypts them under whatever ALGORITHM is then current.
ALGORITHMS = {AesGcm.name: AesGcm}


def encrypt(plaintext: str, *, purpose: str) -> str:
    """Encrypt under the active key; ``purpose`` (e.g. ``person.id_number``) is bound as AAD."""
    ring = keyring()
    blob = ALGORITHMS[ALGORITHM].seal(ring.keys[ring.active], plaintext.encode(), purpose.encode())
    return f"{ALGORITHM}${ring.active}${base64.b64encode(blob).decode()}"


def key_id_of(token: str) -> str:
    return token.split("$", 2)[1]


def decrypt(token: str, *, purpose: str) -> str:
    algorithm, key_id, body = token.split("$", 2)
    if algorithm not in ALGORITHMS:
        raise ValueError(f"unknown algorithm {algorithm}")
    return ALGORITHMS[algorithm].open(keyring().keys[key_id], base64.b64decode(body), purpose.encode()).decode()


@dataclass(frozen=True)
class EncryptedField:
    """Where a model keeps one encrypted value: its ciphertext field, AAD purpose, and the blind
    index field and normaliser if it is searchable."""

    model: type
    cipher: str
    purpose: str
    index: str | None = None
    normalise: Callable[[str], str] = str


ENCRYPTED: list[EncryptedField] = []


def register_encrypted(field: EncryptedField) -> None:
    """Apps declare their encrypted fields, so key rotation finds every ciphertext."""
    ENCRYPTED.append(field)


def blind_index(normalised: str, *, purpose: str) -> str:
    """128 bits of HMAC-SHA256 over ``purpose`` and the normalised value, in hex."""
    mac = hmac.new(keyring().index_key, f"{purpose}\x00{normalised}".encode(), hashlib.sha256)
    return mac.hexdigest()[:32]
