"""The feature blueprints beyond login and the queue. One line per feature."""

from __future__ import annotations

from flask import Blueprint


def blueprints() -> list[Blueprint]:
    from app.ops import bp as ops_bp

    found: list[Blueprint] = [ops_bp]
    return found
