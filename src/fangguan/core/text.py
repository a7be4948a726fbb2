"""Chinese text helpers: pinyin keys so people can search 朱泾 as "zhujing" or "zj"."""

from __future__ import annotations

from functools import lru_cache

from pypinyin import Style, lazy_pinyin


@lru_cache(maxsize=65536)
def pinyin_key(text: str) -> str:
    """Full pinyin and initials, lower case: ``"zhujingxinyuan zjxy"`` for 朱泾新苑."""
    if not text:
        return ""
    full = "".join(lazy_pinyin(text)).lower()
    initials = "".join(lazy_pinyin(text, style=Style.FIRST_LETTER)).lower()
    return f"{full} {initials}"[:200]
