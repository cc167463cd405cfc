"""The feature blueprints beyond login and the queue. One line per feature."""

from __future__ import annotations

from flask import Blueprint


def blueprints() -> list[Blueprint]:
    found: list[Blueprint] = []
    return found
