"""Django merges every app's catalogue into one: when two apps translate the same English words
differently, the app listed first wins everywhere — a repair "started" read "发起时间" (an
import's start), the figures page's "from/to" read "任职起/任职止" (a committee member's term).
Words that mean different things get a context (``pgettext``); this test finds any clash."""

from collections import defaultdict
from pathlib import Path

from babel.messages.pofile import read_po

APPS = Path(__file__).resolve().parents[1] / "src" / "fangguan"


def test_no_two_apps_translate_the_same_words_differently():
    found: dict[tuple, dict[str, str]] = defaultdict(dict)
    for po in sorted(APPS.glob("*/locale/zh_Hans/LC_MESSAGES/django.po")):
        with po.open("rb") as fh:
            for message in read_po(fh):
                if not message.id or not message.string or message.fuzzy:
                    continue
                msgid = message.id if isinstance(message.id, str) else message.id[0]
                msgstr = message.string if isinstance(message.string, str) else message.string[0]
                if msgstr:
                    found[(message.context, msgid)][po.parts[-5]] = msgstr
    clashes = {f"{ctx or ''}|{msgid}": by_app for (ctx, msgid), by_app in found.items()
               if len(set(by_app.values())) > 1}
    assert clashes == {}, "\n".join(f"{k}: {v}" for k, v in sorted(clashes.items()))


def test_our_catalogues_win_over_django_admins():
    """Django's admin translates "Filter" as 过滤器; it is listed last, so the pages say 筛选."""
    from django.utils import translation
    from django.utils.translation import gettext

    with translation.override("zh-hans"):
        assert gettext("Filter") == "筛选"
        assert gettext("Action") == "操作"
