"""Compile the zh-Hans (and any other) .po catalogues to .mo with Babel, so a fresh machine
needs no GNU gettext. Only recompiles what changed."""

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent / "src" / "fangguan"

# one catalogue per app: src/fangguan/<app>/locale/<lang>/LC_MESSAGES/django.po
for po_path in ROOT.glob("*/locale/*/LC_MESSAGES/*.po"):
    mo_path = po_path.with_suffix(".mo")
    if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
        continue
    with po_path.open("rb") as fh:
        catalog = read_po(fh)
    with mo_path.open("wb") as fh:
        write_mo(fh, catalog, use_fuzzy=False)
    print(f"compiled {mo_path.relative_to(ROOT.parent.parent)}")
