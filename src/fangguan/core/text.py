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


def ascii_digits(value: str, max_digits: int = 18) -> bool:
    """Whether ``value`` is 1 to ``max_digits`` ASCII digits — what ids, timestamps and other numbers
    read from URLs and headers must be. ``str.isdigit`` also accepts ² and Arabic-Indic ١, and a
    400-digit number overflows whatever it is compared with."""
    return 0 < len(value) <= max_digits and all("0" <= ch <= "9" for ch in value)


def has_control_characters(text: str) -> bool:
    """Whether a one-line text holds control characters or lone surrogates (category Cc or Cs):
    nothing a person types, and what a spreadsheet, a PDF or a log line cannot hold."""
    import unicodedata

    return any(unicodedata.category(ch) in ("Cc", "Cs") for ch in text)
