"""Public pages. Only published articles, only public columns; URLs use slugs."""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import format_date
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from sqlalchemy import select

from app.community import bp
from app.domain import community
from app.extensions import db
from app.models import Article
from app.models.enums import ArticleStatus

VOTER_COOKIE = "hd_voter"


def _remember_language() -> None:
    if request.args.get("lang") in ("en", "sv"):
        session["lang"] = request.args["lang"]


def _published_or_404(slug: str) -> Article:
    article = db.session.scalar(community.published().where(Article.slug == slug))
    if article is None:
        retracted = db.session.scalar(
            select(Article.id).where(Article.slug == slug, Article.status == "retracted")
        )
        abort(410 if retracted else 404)  # taken down on purpose: "gone", not "mistyped"
    return article


@bp.get("/")
def home():
    _remember_language()
    if community.recheck_due():
        db.session.commit()
    return render_template(
        "community/home.html",
        helpful=community.most_helpful(6),
        recent=db.session.scalars(
            community.published().order_by(Article.published_at.desc()).limit(6)
        ).all(),
        categories=community.category_counts(),
        names=community.CATEGORY_NAMES,
    )


@bp.get("/search")
def search():
    _remember_language()
    query = request.args.get("q", "")[:200]
    results = community.search(query) if query.strip() else []
    return render_template(
        "community/search.html", query=query, results=results, names=community.CATEGORY_NAMES
    )


@bp.get("/topics/<category>")
def category(category: str):
    _remember_language()
    if category not in community.CATEGORY_NAMES:
        abort(404)
    articles = db.session.scalars(
        community.published()
        .where(Article.category == category)
        .order_by(Article.helpful_yes.desc(), Article.published_at.desc())
        .limit(100)
    ).all()
    return render_template(
        "community/category.html",
        category=category,
        articles=articles,
        names=community.CATEGORY_NAMES,
    )


@bp.get("/answers/<slug>")
def article(slug: str):
    _remember_language()
    item = db.session.scalar(select(Article).where(Article.slug == slug))
    if item is None or item.status not in ("published", "review", "retracted"):
        abort(404)
    if item.status != "published":
        # Said plainly instead of a bare 404: readers arrive here from old links and searches.
        newer = db.session.get(Article, item.superseded_by_id) if item.superseded_by_id else None
        if newer is not None and newer.status != "published":
            newer = None
        page = render_template(
            "community/outdated.html", article=item, newer=newer, names=community.CATEGORY_NAMES
        )
        return page, 410
    return render_template(
        "community/article.html",
        article=item,
        form=FlaskForm(),
        names=community.CATEGORY_NAMES,
        voted=session.get(f"voted-{item.id}"),
        checked_on=format_date(item.checked_at, "long") if item.checked_at else None,
    )


@bp.post("/answers/<slug>/vote")
def vote(slug: str):
    item = _published_or_404(slug)
    if not FlaskForm().validate_on_submit() or request.form.get("helpful") not in ("yes", "no"):
        abort(400)
    token = request.cookies.get(VOTER_COOKIE) or secrets.token_urlsafe(16)
    counted = community.vote(item, token, request.form["helpful"] == "yes")
    db.session.commit()
    session[f"voted-{item.id}"] = True
    flash(
        _("Thank you for telling us.") if counted else _("You have already answered. Thank you."),
        "info",
    )
    response = redirect(url_for("community.article", slug=slug) + "#feedback")
    response.set_cookie(
        VOTER_COOKIE,
        token,
        max_age=int(timedelta(days=365).total_seconds()),
        httponly=True,
        samesite="Lax",
        secure=request.is_secure,
    )
    return response


@bp.get("/sitemap.xml")
def sitemap():
    rows = db.session.execute(
        select(Article.slug, Article.updated_at)
        .where(Article.status == ArticleStatus.PUBLISHED)
        .order_by(Article.id)
        .limit(50000)
    ).all()
    base = request.url_root.rstrip("/")

    base = current_app.config["PUBLIC_BASE_URL"] or base
    body = render_template("community/sitemap.xml", rows=rows, base=base)
    return Response(body, mimetype="application/xml")


@bp.get("/robots.txt")
def robots():

    base = current_app.config["PUBLIC_BASE_URL"]
    return Response(
        f"User-agent: *\nDisallow: /agent/\nDisallow: /login\nSitemap: {base}/sitemap.xml\n",
        mimetype="text/plain",
    )
