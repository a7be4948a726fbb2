"""Notifications: the inbox row always, the channels after commit through the worker (console
backends log a masked phone), one's own only — over the API and on the page."""

from __future__ import annotations

import logging

import pytest
from django.test import override_settings

from fangguan.notifications.models import Notification
from fangguan.notifications.services import notify

pytestmark = pytest.mark.django_db


class Recording:
    sent: list[tuple[str, str]] = []

    def send(self, user, notification):
        Recording.sent.append((user.username, notification.title))
        return "recorded"


class Broken:
    def send(self, user, notification):
        raise ConnectionError("gateway down")


def test_notify_writes_inbox_rows_and_sends_channels_only_after_commit(users, django_capture_on_commit_callbacks):
    Recording.sent = []
    with override_settings(FANGGUAN_NOTIFY_CHANNELS="sms,wechat", FANGGUAN_NOTIFY_BACKENDS={
            "sms": "tests.notifications.test_notifications.Broken",
            "wechat": "tests.notifications.test_notifications.Recording"}):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            rows = notify([users["yezhu"], users["yezhu"], users["wuye"]], title="报修已受理", url="/repairs/1/",
                          topic="repairs.accepted")
        assert len(rows) == 2  # one per distinct user
        assert Recording.sent == [] and len(callbacks) == 1  # nothing sent before commit
        callbacks[0]()  # the commit: the (eager) worker sends
    assert sorted(Recording.sent) == [("wuye", "报修已受理"), ("yezhu", "报修已受理")]
    channels = Notification.objects.get(recipient=users["yezhu"]).channels
    assert channels["wechat"]["status"] == "sent"
    assert channels["sms"] == {"status": "failed", "detail": "ConnectionError"}  # the other channel still went


def test_console_sms_logs_a_masked_phone(users, caplog, django_capture_on_commit_callbacks):
    from fangguan.registry.models import Person

    owner = Person.objects.get(user=users["yezhu"])
    owner.set_phone("13812345678")
    owner.save()
    with (override_settings(FANGGUAN_NOTIFY_CHANNELS="sms,wechat"),
          caplog.at_level(logging.INFO, "fangguan.notifications"),
          django_capture_on_commit_callbacks(execute=True)):
        notify([users["yezhu"], users["admin"]], title="报修已完成")
    text = caplog.text
    assert "SMS to 138****5678: 报修已完成" in text and "13812345678" not in text
    assert Notification.objects.get(recipient=users["admin"]).channels["sms"]["status"] == "skipped"  # no phone


def test_no_channels_means_inbox_only(users, django_capture_on_commit_callbacks):
    with override_settings(FANGGUAN_NOTIFY_CHANNELS=""), django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify([users["yezhu"]], title="t")
    assert callbacks == [] and Notification.objects.filter(recipient=users["yezhu"]).count() == 1


def test_api_lists_and_marks_only_ones_own(api, users):
    mine = notify([users["yezhu"]], title="给业主", topic="repairs.created")[0]
    other = notify([users["wuye"]], title="给物业")[0]
    answer = api("yezhu").get("/api/v1/notifications")
    assert answer.status_code == 200
    body = answer.json()
    assert body["count"] == 1 and body["unread"] == 1 and body["items"][0]["title"] == "给业主"
    assert api("yezhu").post(f"/api/v1/notifications/{other.pk}/read").status_code == 404  # not hers
    read = api("yezhu").post(f"/api/v1/notifications/{mine.pk}/read")
    assert read.status_code == 200 and read.json()["read_at"] is not None
    assert api("yezhu").get("/api/v1/notifications", unread="true").json()["count"] == 0
    assert Notification.objects.get(pk=other.pk).read_at is None
    assert api("wuye").post("/api/v1/notifications/read-all").json() == {"marked": 1}
    assert api(None).get("/api/v1/notifications").status_code == 401


def test_inbox_page_shows_unread_count_and_marks_read(client, users):
    n = notify([users["yezhu"]], title="报修已派工", url="/notifications/")[0]
    notify([users["wuye"]], title="别人的通知")
    client.force_login(users["yezhu"])
    page = client.get("/notifications/")
    text = page.content.decode()
    assert page.status_code == 200 and "报修已派工" in text and "别人的通知" not in text
    assert "1 条未读" in text  # the menu's unread count (Chinese by default)
    assert client.post(f"/notifications/{n.pk}/read/").status_code == 302
    n.refresh_from_db()
    assert n.read_at is not None
    other = Notification.objects.get(recipient=users["wuye"])
    assert client.post(f"/notifications/{other.pk}/read/").status_code == 404


def test_channels_off_keeps_the_inbox_only(users, django_capture_on_commit_callbacks):
    from fangguan.notifications.services import channels_off

    with (override_settings(FANGGUAN_NOTIFY_CHANNELS="sms"), django_capture_on_commit_callbacks() as callbacks,
          channels_off()):
        notify([users["yezhu"]], title="历史数据")
    assert callbacks == [] and Notification.objects.filter(recipient=users["yezhu"], title="历史数据").exists()
