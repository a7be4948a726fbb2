"""Channels beyond the inbox. ``FANGGUAN_NOTIFY_CHANNELS`` names the ones in use (e.g.
``sms,wechat``; empty = inbox only); each channel's backend is a dotted path
(``FANGGUAN_NOTIFY_BACKENDS = {"sms": "...", "wechat": "..."}``), the console backends by default.

A backend is a class with ``send(user, notification) -> str`` returning a short result, or
raising ``ChannelSkipped`` (no address for this user) or any exception (failure, logged).
Console backends write one log line each, the phone masked.
"""

from __future__ import annotations

import logging
import os
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from fangguan.core.identity import mask_phone

log = logging.getLogger("fangguan.notifications")

DEFAULT_BACKENDS = {
    "sms": "fangguan.notifications.channels.ConsoleSms",
    "wechat": "fangguan.notifications.channels.ConsoleWechat",
}


class ChannelSkipped(Exception):
    """This user cannot be reached on this channel (no phone, no WeChat binding)."""


def phone_of(user) -> str:
    """The user's phone, from the registry person linked to the account (encrypted there)."""
    from fangguan.accounts.roles import person_of

    person = person_of(user)
    return person.phone_clear() if person is not None else ""


class ConsoleSms:
    def send(self, user, notification) -> str:
        phone = phone_of(user)
        if not phone:
            raise ChannelSkipped("no phone")
        log.info("SMS to %s: %s", mask_phone(phone), notification.title)
        return f"console {mask_phone(phone)}"


class ConsoleWechat:
    """A real adapter sends a template message to the user's openid (bound at login through the
    identity provider); the console one logs the user id."""

    def send(self, user, notification) -> str:
        log.info("WeChat to user %s: %s", user.pk, notification.title)
        return "console"


def enabled() -> list[str]:
    raw = getattr(settings, "FANGGUAN_NOTIFY_CHANNELS", None)
    if raw is None:
        raw = os.environ.get("FANGGUAN_NOTIFY_CHANNELS", "sms,wechat")
    if isinstance(raw, str):
        raw = raw.split(",")
    return [c.strip() for c in raw if c.strip()]


@lru_cache(maxsize=16)
def _backend_class(path: str):
    return import_string(path)


def backend(channel: str):
    paths = {**DEFAULT_BACKENDS, **(getattr(settings, "FANGGUAN_NOTIFY_BACKENDS", None) or {})}
    if channel not in paths:
        raise ImproperlyConfigured(f"notification channel {channel!r} has no backend (FANGGUAN_NOTIFY_BACKENDS)")
    return _backend_class(paths[channel])()


def check_settings() -> None:
    """A channel without an importable backend stops start-up, not the first message."""
    for channel in enabled():
        try:
            backend(channel)
        except ImportError as exc:
            raise ImproperlyConfigured(f"notification channel {channel!r}: {exc}") from exc
