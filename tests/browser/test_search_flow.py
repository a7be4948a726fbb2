"""A town officer finds records from the top bar: a repair request by its number goes straight to
the request; an estate's pinyin initials list it, and its link opens the estate."""

from __future__ import annotations

import json
import re
import urllib.request

import pytest

from fangguan.core.text import pinyin_key

from .conftest import ARTIFACTS, login

pytestmark = pytest.mark.browser


def _call(server, path, body=None, token=None):
    req = urllib.request.Request(server + path, data=json.dumps(body).encode() if body else None,
                                 headers={"Content-Type": "application/json",
                                          **({"Authorization": f"Bearer {token}"} if token else {})})
    with urllib.request.urlopen(req, timeout=20) as r:  # noqa: S310 - our own server
        return json.loads(r.read())


def _token(server, username):
    return _call(server, "/api/v1/auth/token", {"username": username, "password": "Fangguan-demo-2026"})["token"]


def _request_in_zhujing(server) -> tuple[int, dict]:
    """wuye's dispatcher files a request, by phone, in an estate of 朱泾镇 it serves (over the API):
    one whose pinyin initials few other estates the town office sees share (the page shows five)."""
    token = _token(server, "wuye")
    theirs = [e for e in _call(server, "/api/v1/estates?limit=500", token=token)["items"]
              if (e.get("town") or {}).get("name") == "朱泾镇"]
    town = _call(server, "/api/v1/estates?limit=500", token=_token(server, "zhujing"))["items"]
    keys = [pinyin_key(e["name"]) for e in town]

    def sharing(e):
        return sum(pinyin_key(e["name"]).split()[1] in key for key in keys)

    estate = min(theirs, key=sharing)
    assert sharing(estate) <= 5
    made = _call(server, "/api/v1/repairs", {"estate": estate["id"], "category": "roof-leak", "channel": "phone",
                                            "description": "搜索测试：楼道顶灯不亮", "place": "grounds"}, token=token)
    return made["id"], estate


def test_a_town_officer_finds_a_request_and_an_estate_from_the_top_bar(page, server):
    request_id, estate = _request_in_zhujing(server)
    login(page, server, "zhujing")
    page.wait_for_url(re.compile(r"/$"))
    box = page.get_by_role("searchbox", name="搜索全部记录")
    box.fill(f"#{request_id}")
    box.press("Enter")
    page.wait_for_load_state("load")
    if "/search/" in page.url:  # another record of that number too (an application): pick the request
        page.locator(f"#group-repairs a[href='/repairs/{request_id}/']").click()
    page.wait_for_url(re.compile(rf"/repairs/{request_id}/$"))
    assert "楼道顶灯不亮" in page.content()

    initials = pinyin_key(estate["name"]).split()[1]
    box = page.get_by_role("searchbox", name="搜索全部记录")
    box.fill(initials)
    box.press("Enter")
    page.wait_for_url(re.compile(r"/search/\?q="))
    estates = page.locator("#group-estates")
    assert estates.count() == 1
    page.screenshot(path=str(ARTIFACTS / "search-initials.png"), full_page=True)
    estates.locator(f"a[href='/r/estates/{estate['id']}/']").click()
    page.wait_for_url(re.compile(rf"/r/estates/{estate['id']}/$"))
    assert estate["name"] in page.locator("h1").inner_text()


def test_an_identity_number_typed_in_the_top_bar_never_reaches_a_url(page, server):
    """The number goes by POST: no address the browser visits or requests holds it, and the
    results are those ``GET /search/?q=`` gives for the same number."""
    from stdnum.cn import ric

    body = "31022819820304157"  # 310228: 金山县, the code stdnum knows the district by
    number = body + ric.calc_check_digit(body + "0")  # it reads the first 17 of 18
    made = _call(server, "/api/v1/people", {"name": "搜索测试人", "id_number": number, "phone": "13900001234"},
                 token=_token(server, "admin"))
    seen: list[str] = []
    page.on("request", lambda r: seen.append(r.url))
    page.on("framenavigated", lambda frame: seen.append(frame.url))
    login(page, server, "admin")
    box = page.get_by_role("searchbox", name="搜索全部记录")
    box.fill(number)
    with page.expect_navigation():
        box.press("Enter")
    results = page.locator("a.app-search-result")
    results.first.wait_for()
    posted = sorted(results.evaluate_all("links => links.map(a => a.getAttribute('href'))"))
    assert f"/r/people/{made['id']}/" in posted
    page.screenshot(path=str(ARTIFACTS / "search-identity-number.png"), full_page=True)
    page.locator(f"a.app-search-result[href='/r/people/{made['id']}/']").click()
    page.wait_for_url(re.compile(rf"/r/people/{made['id']}/$"))
    assert number not in page.content()  # the record page shows the masked copy
    leaks = [url for url in seen if number in url or number.lower() in url]
    assert seen and leaks == []
    page.goto(f"{server}/search/?q={number}")  # the same query by GET, on purpose
    assert sorted(page.locator("a.app-search-result").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))")) == posted
