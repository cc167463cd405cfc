"""Our own 404/410/500 pages: in both languages at once (a lost visitor may not find the
language switch), on a phone-sized screen, with our number and a way back."""

from __future__ import annotations

import logging

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _

log = logging.getLogger(__name__)

STATUS_NAMES = {404: "not_found", 410: "gone", 500: "error"}


def _texts(status: int) -> dict[str, str]:
    if status == 404:
        return {
            "title": _("We cannot find that page"),
            "lead": _("The address may be mistyped, or the page has moved."),
        }
    if status == 410:
        return {
            "title": _("This page is no longer here"),
            "lead": _("What was here has been taken away on purpose."),
        }
    return {
        "title": _("Something went wrong on our side"),
        "lead": _("It is not your fault. Please try again in a few minutes."),
    }


def render_error(status: int):
    sections = []
    for locale in ("en", "sv"):
        with force_locale(locale):
            sections.append(
                {
                    "lang": locale,
                    **_texts(status),
                    "start": _("Go to the start page"),
                    "callback": _("Ask us to call you"),
                    "call": _("Or call us:"),
                }
            )
    try:
        return render_template("errors/error.html", sections=sections, status=status), status
    except Exception:  # the page about an error must not fail itself (e.g. database down)
        log.exception("error page could not be rendered")
        return sections[0]["title"], status


def register(blueprint) -> None:
    for status in STATUS_NAMES:
        blueprint.app_errorhandler(status)(lambda error, status=status: render_error(status))
