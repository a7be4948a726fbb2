"""Developer aid: list untranslated or fuzzy entries of the apps' catalogues, or fill them from
a JSON file mapping msgid (or "context\\x04msgid") to the translation.

    .venv/bin/python scripts/po_todo.py                 # list what is missing
    .venv/bin/python scripts/po_todo.py --fill t.json   # fill from t.json, then compile with make
"""

import json
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent / "src" / "fangguan"


def key(message) -> str:
    msgid = message.id if isinstance(message.id, str) else message.id[0]
    return f"{message.context}\x04{msgid}" if message.context else msgid


def main() -> None:
    fill = json.loads(Path(sys.argv[2]).read_text()) if sys.argv[1:2] == ["--fill"] else None
    for path in sorted(ROOT.glob("*/locale/*/LC_MESSAGES/django.po")):
        with path.open("rb") as fh:
            catalog = read_po(fh)
        changed = False
        for message in catalog:
            if not message.id:
                continue
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            if all(strings) and not message.fuzzy:
                continue
            if fill is not None and key(message) in fill:
                value = fill[key(message)]
                message.string = tuple([value] * len(strings)) if isinstance(message.string, tuple) else value
                message.flags.discard("fuzzy")
                changed = True
            else:
                print(f"{path.relative_to(ROOT)}: {key(message)!r}")
        if changed:
            with path.open("wb") as fh:
                write_po(fh, catalog, width=100)


if __name__ == "__main__":
    main()
