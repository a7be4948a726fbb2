"""Running test code on a database connection of its own, as another process would."""

from __future__ import annotations

import threading

from django.db import connections


def in_thread(fn, *args):
    """Run ``fn`` in a thread, on its own connection (autocommit: what it writes is committed,
    what it reads is what is committed), and return its value or raise its error."""
    out: dict = {}

    def run():
        try:
            out["value"] = fn(*args)
        except BaseException as exc:  # noqa: BLE001 - handed back to the test
            out["error"] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if "error" in out:
        raise out["error"]
    return out.get("value")
