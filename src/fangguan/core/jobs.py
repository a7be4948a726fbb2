"""Background jobs (imports, exports): a job's status moves only along its module's table of
allowed changes. The check and the save are here once; each module says which times it stamps."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models


def move(job: models.Model, to: str, transitions: dict[str, frozenset[str]], refused: str, **fields: Any):
    """Move ``job`` to status ``to`` if ``transitions`` allows it from its present status, and save
    ``fields`` with it; otherwise ``refused`` (a message with ``%(from)s`` and ``%(to)s``)."""
    if to not in transitions[job.status]:
        labels = dict(job._meta.get_field("status").flatchoices)
        raise ValidationError(refused % {"from": job.get_status_display(), "to": labels.get(to, to)})
    job.status = to
    for name, value in fields.items():
        setattr(job, name, value)
    job.save()
    return job
