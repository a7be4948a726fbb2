"""Add msgid/msgstr pairs to an app's zh_Hans catalogue when missing (a maintainer's helper:
``python scripts/po_add.py src/fangguan/core 'English' '中文' ...``)."""

import sys
from pathlib import Path


def main(app: str, pairs: list[str]) -> None:
    po = Path(app) / "locale/zh_Hans/LC_MESSAGES/django.po"
    text = po.read_text(encoding="utf-8")
    added = 0
    for msgid, msgstr in zip(pairs[::2], pairs[1::2], strict=True):
        quoted = msgid.replace("\\", "\\\\").replace('"', '\\"')
        if f'msgid "{quoted}"\n' in text:
            continue
        flag = "#, python-format\n" if "%(" in msgid else ""
        text = text.rstrip("\n") + f'\n\n{flag}msgid "{quoted}"\nmsgstr "{msgstr.replace(chr(34), chr(92) + chr(34))}"\n'
        added += 1
    po.write_text(text, encoding="utf-8")
    print(f"{po}: {added} added")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
