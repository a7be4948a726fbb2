"""Accessibility (WCAG 2.1 A and AA) of each role's main pages, checked by axe-core — vendored
from npm into the static files (web/static/vendor/axe-core, tests only) and loaded from our own
server, so the page's Content-Security-Policy allows it. A serious or critical violation fails
the test; every finding is written to test-artifacts/axe/ for the record. Also: the skip link is
the first thing a keyboard reaches, and the focus ring is drawn."""

from __future__ import annotations

import json

import pytest

from .conftest import ARTIFACTS, login

pytestmark = pytest.mark.browser

PAGES = {
    None: ["/login/"],
    "yezhu": ["/", "/repairs/new/", "/repairs/mine/", "/votes/"],
    "wuye": ["/", "/repairs/", "/r/estates/"],
    "zhujing": ["/", "/repairs/overdue/", "/r/estates/", "/plans/"],
    "admin": ["/", "/r/homes/", "/audit/changes/"],
    "auditor": ["/", "/audit/security/"],
}
BLOCKING = {"serious", "critical"}
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def _axe(page, server) -> list[dict]:
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(url=server + "/static/vendor/axe-core/axe.min.js")
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", TAGS)
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [n["target"] for n in v["nodes"]][:10]} for v in result["violations"]]


@pytest.mark.parametrize("username", list(PAGES), ids=lambda u: u or "anonymous")
def test_main_pages_have_no_serious_accessibility_violations(page, server, username):
    if username:
        login(page, server, username)
    found = {}
    for path in PAGES[username]:
        page.goto(server + path)
        page.wait_for_load_state("networkidle")
        found[path] = _axe(page, server)
    out = ARTIFACTS / "axe"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{username or 'anonymous'}.json").write_text(json.dumps(found, ensure_ascii=False, indent=1))
    blocking = {path: [v for v in violations if v["impact"] in BLOCKING] for path, violations in found.items()}
    assert all(not v for v in blocking.values()), json.dumps(blocking, ensure_ascii=False, indent=1)


def test_the_skip_link_comes_first_and_the_focus_ring_shows(page, server):
    login(page, server, "zhujing")
    page.goto(server + "/r/estates/")
    page.keyboard.press("Tab")
    focused = page.evaluate("[document.activeElement.className, document.activeElement.getAttribute('href')]")
    assert "app-skip-link" in focused[0] and focused[1] == "#main"
    assert page.locator(".app-skip-link").is_visible()
    ring = page.evaluate("getComputedStyle(document.activeElement).outlineStyle + ' ' + "
                         "getComputedStyle(document.activeElement).outlineWidth")
    assert ring.startswith("solid") and float(ring.split()[1].rstrip("px")) >= 2
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_axe_finds_what_it_should(page, server):
    """The check itself: a picture without a text alternative and grey-on-white text at 2.3:1,
    put into a page, are reported (so an empty report above means something)."""
    page.goto(server + "/login/")
    page.evaluate("""() => {
        const img = document.createElement('img'); img.src = '/static/web/favicon.svg';
        const p = document.createElement('p'); p.textContent = '低对比度文字'; p.style.color = '#aaaaaa';
        p.style.backgroundColor = '#ffffff'; document.querySelector('main').append(img, p);
    }""")
    found = {v["id"]: v["impact"] for v in _axe(page, server)}
    assert found.get("image-alt") == "critical" and found.get("color-contrast") == "serious", found
