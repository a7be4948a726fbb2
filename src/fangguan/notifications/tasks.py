"""Sending notifications through SMS / WeChat in the background (huey; eager under tests)."""

from huey.contrib.djhuey import db_task


@db_task(retries=3, retry_delay=60)
def send_channels_task(ids: list[int]) -> None:
    from .services import send_channels

    send_channels(ids)
