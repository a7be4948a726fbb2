"""The lists (and reports) that can be exported in the background, registered by the modules that
own them (their ``exports.py``, found when the apps are ready).

This app sits below the modules (docs/architecture.md): it cannot read a module's list itself, so
each module gives a ``Source`` — how to read the list again as the job's owner, from the filters
as given, and turn it into a file's header and rows. The module's own export code builds both the
immediate file and the background one, so they are the same file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Table:
    """What a job writes: the header, the rows (an iterator, read once, row by row), how many
    rows there are (for the progress bar) and the file's base name."""

    headers: list[str]
    rows: Iterator[list[Any]]
    total: int
    name: str
    preamble: list[str] | None = None
    sheet: str | None = None  # the .xlsx sheet's title in the user's words (default: the name)


@dataclass(frozen=True)
class Source:
    """A list: ``table(job)`` reads it as ``job.owner`` with ``job.filters`` / ``job.ordering``
    (raising ``django.core.exceptions.ValidationError`` for filters no longer valid); ``label`` is
    what 我的导出 calls it; ``start(user, params, fmt)`` asks for a job from a page's query
    parameters (the list's filters and ordering, checked by the list), returning the job."""

    name: str
    label: Any
    table: Callable[[Any], Table]
    start: Callable[[Any, dict, str], Any]


_sources: dict[str, Source] = {}


def register(source: Source) -> None:
    _sources[source.name] = source


def get_source(name: str) -> Source:
    return _sources[name]


def label_of(name: str) -> str:
    source = _sources.get(name)
    return str(source.label) if source else name
