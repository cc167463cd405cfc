"""The agents' review of drafted articles: see what was removed, edit, approve or reject."""

from __future__ import annotations

import re

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from sqlalchemy import select
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from app.community import bp
from app.domain import community
from app.extensions import db
from app.models import Article
from app.models.enums import ArticleStatus

# Why an answer came back to review, in words (Article.review_reason → label).
REASONS = {
    "age": _l("it was checked long ago"),
    "not helpful": _l("readers said it did not help"),
    "contradicted": _l("a newer ticket contradicts it"),
    "migrated": _l("it was written before public answers were checked this way"),
}


class ArticleForm(FlaskForm):
    title = StringField(validators=[DataRequired(), Length(max=200)])
    problem = TextAreaField(validators=[DataRequired(), Length(max=8000)])
    resolution = TextAreaField(validators=[DataRequired(), Length(max=8000)])
    category = SelectField(choices=[(k, v[0]) for k, v in community.CATEGORY_NAMES.items()])


def highlight_placeholders(text: str) -> Markup:
    escaped = str(escape(text))
    marked = re.sub(r"\[([a-zA-Z ]{2,20})\]", r'<mark class="redaction">[\1]</mark>', escaped)
    return Markup(marked)  # noqa: S704 - escaped above; only our own <mark> tags added


def highlight_flags(text: str, flags: list[dict], field: str) -> Markup:
    """The public text with the gate's flagged words marked (numbered like the decisions)."""
    marked = str(highlight_placeholders(text))
    for number, flag in enumerate(flags, start=1):
        if flag["field"] != field:
            continue
        token = str(escape(flag["token"]))
        marked = re.sub(
            rf"(?<![\w>]){re.escape(token)}(?![\w<])",
            f'<mark class="flagged">{token}<sup>{number}</sup></mark>',
            marked,
        )
    return Markup(marked)  # noqa: S704 - escaped above; only our own tags added


def highlight_original(original: str, anonymized) -> Markup:
    pieces, position = [], 0
    for span in anonymized.spans:
        pieces.append(str(escape(original[position : span.start])))
        pieces.append(
            f'<mark class="removed" title="{span.kind}">'
            f"{escape(original[span.start : span.end])}</mark>"
        )
        position = span.end
    pieces.append(str(escape(original[position:])))
    return Markup("".join(pieces))  # noqa: S704 - every piece of text was escaped


@bp.get("/agent/community/")
@login_required
def drafts():
    status = request.args.get("status", ArticleStatus.DRAFT)
    articles = db.session.scalars(
        select(Article)
        .where(Article.status == status)
        .order_by(Article.created_at.desc())
        .limit(200)
    ).all()
    return render_template(
        "community/drafts.html", articles=articles, status=status, reasons=REASONS
    )


def _decisions() -> dict[int, str]:
    return {
        int(key.removeprefix("flag-")): value
        for key, value in request.form.items()
        if key.startswith("flag-") and key.removeprefix("flag-").isdigit()
    }


@bp.route("/agent/community/<int:article_id>", methods=["GET", "POST"])
@login_required
def review(article_id: int):
    article = db.get_or_404(Article, article_id)
    form = ArticleForm(obj=article)
    if form.validate_on_submit():
        action = request.form.get("action", "save")
        try:
            community.edit(
                article,
                current_user,
                title=form.title.data,
                problem=form.problem.data,
                resolution=form.resolution.data,
                category=form.category.data,
            )
            community.decide(article, current_user, _decisions())
            if action == "approve":
                community.approve(article, current_user)
                flash(_("Approved. It will be on the public pages in a moment."), "info")
            elif action == "reject":
                community.reject(article, current_user)
                flash(_("Rejected."), "info")
            else:
                flash(_("Saved."), "info")
        except community.CommunityError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
        return redirect(url_for("community.review", article_id=article.id))
    view = community.review_view(article)
    flags = article.flags or []
    return render_template(
        "community/review.html",
        article=article,
        form=form,
        flags=flags,
        pending=len(community.pending_flags(article)),
        reasons=REASONS,
        preview_problem=highlight_flags(article.problem, flags, "problem"),
        preview_resolution=highlight_flags(article.resolution, flags, "resolution"),
        original_problem=highlight_original(*view["problem"]) if view else None,
        original_resolution=highlight_original(*view["resolution"]) if view else None,
    )


@bp.post("/agent/community/<int:article_id>/contradicted")
@login_required
def contradicted(article_id: int):
    article = db.get_or_404(Article, article_id)
    if FlaskForm().validate_on_submit():
        try:
            community.mark_contradicted(article, current_user, request.form.get("reference", ""))
        except community.CommunityError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(_("Sent back to review: it is no longer public."), "info")
    return redirect(url_for("community.review", article_id=article.id))


@bp.post("/agent/community/<int:article_id>/retract")
@login_required
def retract(article_id: int):
    article = db.get_or_404(Article, article_id)
    if FlaskForm().validate_on_submit():
        slug = request.form.get("superseded_by", "").strip().rsplit("/", 1)[-1]
        newer = (
            db.session.scalar(community.published().where(Article.slug == slug)) if slug else None
        )
        community.retract(article, current_user, superseded_by=newer)
        db.session.commit()
        flash(_("Retracted: it is no longer public."), "info")
    return redirect(url_for("community.review", article_id=article.id))
