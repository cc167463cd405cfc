"""The customer's "How did we do?" answer from the resolution mail: no login, a signed link.

The link in the mail opens a page with the chosen answer ready and one button: link
scanners in mail systems fetch links on their own, so a plain visit never records an answer.
"""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request, session
from flask_babel import gettext as _

from app.domain import surveys
from app.extensions import db

bp = Blueprint("surveys", __name__)


@bp.route("/survey/<token>", methods=["GET", "POST"])
def answer(token: str):
    survey = surveys.survey_for_token(token)
    if survey is None:
        abort(404)
    session["lang"] = survey.language  # the customer's language on the public pages
    chosen = request.values.get("score", type=int)
    if request.method == "POST":
        if chosen not in surveys.SCORES:
            return render_template(
                "surveys/answer.html",
                survey=survey,
                chosen=None,
                error=_("Choose one of the answers."),
            ), 400
        try:
            surveys.answer(survey, chosen, "email")
        except surveys.SurveyError:
            db.session.rollback()
            return render_template("surveys/closed.html"), 410
        db.session.commit()
        return render_template("surveys/thanks.html")
    return render_template(
        "surveys/answer.html",
        survey=survey,
        chosen=chosen if chosen in surveys.SCORES else None,
        error=None,
    )
