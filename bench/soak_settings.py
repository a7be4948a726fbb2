"""The server's settings for bench/soak.py: the project's, with the resident's daily report limit
raised (one demo resident files hundreds of reports in a soak)."""

from fangguan.settings import *  # noqa: F403

REPAIRS_DAILY_LIMIT = 1_000_000
