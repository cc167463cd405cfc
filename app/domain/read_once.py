"""Reads a batch of intakes may share.

Inside one batch transaction (the SMTP server's group commit, a mailbox chunk) the automatic
assignment mode and the active webhook endpoints are read once for the batch, not once per
mail: the transaction sees one state of them anyway. Outside a batch every call reads.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from app.extensions import db

KEY = "read_once"
T = TypeVar("T")


def start_batch() -> None:
    db.session.info[KEY] = {}


def end_batch() -> None:
    db.session.info.pop(KEY, None)


def read(name: str, load: Callable[[], T]) -> T:
    cache = db.session.info.get(KEY)
    if cache is None:
        return load()
    if name not in cache:
        cache[name] = load()
    return cache[name]
