"""``read()``'s gauges in Prometheus' text format (prometheus-client), for ``/metrics``.

A fresh registry per scrape with one collector that reads the database then: no value is kept
between scrapes or in a process, so every app server answers alike. Names and the alert each one
feeds are listed in docs/operations.md.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily

from . import gauges

# The text format every Prometheus reads (2.x and 3.x); generate_latest writes it.
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class _Collector:
    def collect(self):
        g = gauges.read()
        yield GaugeMetricFamily("fangguan_database_size_bytes", "Size of the database", value=g.database_bytes)
        yield GaugeMetricFamily("fangguan_outbox_unsent_deliveries", "Outbox deliveries not yet sent (pending)",
                                value=g.outbox_unsent)
        yield GaugeMetricFamily("fangguan_outbox_oldest_unsent_age_seconds",
                                "Age of the oldest outbox event with a delivery not yet sent (0: none)",
                                value=g.outbox_oldest_unsent_seconds)
        yield GaugeMetricFamily("fangguan_queue_length", "Tasks waiting in the huey queue", value=g.queue_length)
        yield GaugeMetricFamily("fangguan_backup_last_success_timestamp_seconds",
                                "Unix time of the newest complete backup archive (0: none)",
                                value=g.last_backup_at.timestamp() if g.last_backup_at else 0)
        yield GaugeMetricFamily("fangguan_disk_free_bytes", "Free space on the disk of the uploaded files",
                                value=g.disk_free_bytes)
        jobs = GaugeMetricFamily("fangguan_import_jobs", "Import jobs by status", labels=["status"])
        from fangguan.imports.choices import JobStatus

        for status in JobStatus.values:
            jobs.add_metric([status], g.import_jobs.get(status, 0))
        yield jobs


def render() -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Collector())
    return generate_latest(registry)
