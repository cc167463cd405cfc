"""Community articles: drafted from resolved tickets, anonymized, reviewed, published.

Nothing reaches the public pages without an agent's approval (unless an admin turns on
auto-publish). Public queries select only published articles and only public columns.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import unicodedata

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from app.domain import attempts, audit, outbox, settings
from app.domain.anonymize import Anonymized, KnownEntities, anonymize
from app.domain.audit import SYSTEM, Actor
from app.domain.errors import DomainError
from app.extensions import db
from app.models import Agent, Article, ArticleVote, Message, Ticket
from app.models.base import utcnow
from app.models.enums import ArticleStatus, TicketStatus

CATEGORIES = {
    "internet": (
        "internet",
        "wifi",
        "wi-fi",
        "router",
        "modem",
        "bredband",
        "uppkoppling",
        "connection",
        "network",
        "nätverk",
    ),
    "phone": ("phone", "telefon", "mobile", "mobil", "sim", "call", "samtal", "voicemail"),
    "tv": ("tv", "channel", "kanal", "remote", "fjärrkontroll", "box", "decoder"),
    "billing": (
        "invoice",
        "faktura",
        "bill",
        "payment",
        "betalning",
        "refund",
        "charge",
        "price",
        "pris",
        "autogiro",
    ),
    "account": (
        "password",
        "lösenord",
        "login",
        "log in",
        "logga in",
        "account",
        "konto",
        "bankid",
        "address",
        "adress",
    ),
}
CATEGORY_NAMES = {
    "internet": ("Internet and Wi-Fi", "Internet och wifi"),
    "phone": ("Phone", "Telefon"),
    "tv": ("TV", "TV"),
    "billing": ("Bills and payments", "Fakturor och betalning"),
    "account": ("Your account", "Ditt konto"),
    "general": ("Other questions", "Övriga frågor"),
}


class CommunityError(DomainError):
    pass


def categorize(*texts: str) -> str:
    words = " ".join(texts).lower()
    scores = {
        category: sum(len(re.findall(rf"\b{re.escape(k)}\b", words)) for k in keywords)
        for category, keywords in CATEGORIES.items()
    }
    best = max(scores, key=scores.get)
    return best if scores[best] else "general"


def slugify(title: str) -> str:
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:80] or "answer"
    return f"{slug}-{secrets.token_hex(3)}"


def known_entities(ticket: Ticket) -> KnownEntities:
    customer = ticket.customer
    agent_names = db.session.scalars(
        select(Agent.name).where(
            Agent.id.in_(select(Message.author_agent_id).where(Message.ticket_id == ticket.id))
        )
    ).all()
    if ticket.assignee is not None:
        agent_names.append(ticket.assignee.name)
    senders = db.session.scalars(
        select(Message.sender).where(Message.ticket_id == ticket.id, Message.sender.is_not(None))
    ).all()
    return KnownEntities(
        names=[n for n in [customer.name, *agent_names] if n],
        emails=[e for e in {customer.email, *[s for s in senders if "@" in s]} if e],
        phones=[p for p in {customer.phone, *[s for s in senders if s.startswith("+")]} if p],
        addresses=[customer.address] if customer.address else [],
        account_numbers=[customer.account_number] if customer.account_number else [],
    )


def _neutral_title(subject: str, problem: str) -> str:
    title = re.sub(r"^\s*((re|sv|fw|fwd|vb)\s*:\s*)+", "", subject or "", flags=re.IGNORECASE)
    title = re.sub(r"\[[^\]]*\]", "", title).strip(" -:")
    if len(title) < 8 or title.count("[") > 0:
        first = re.split(r"(?<=[.!?])\s", problem.strip(), maxsplit=1)[0]
        title = first[:120]
    return (title[:1].upper() + title[1:])[:200] or "A question from a customer"


def sources(ticket: Ticket) -> tuple[str, str]:
    """The ticket's first customer message and its resolution (summary + last agent reply)."""
    messages = [m for m in ticket.messages if not m.is_internal]
    first = next((m.body_text for m in messages if m.direction == "in"), "")
    last_reply = next(
        (
            m.body_text
            for m in reversed(messages)
            if m.direction == "out" and m.author_agent_id and m.channel in ("email", "sms")
        ),
        "",
    )
    resolution = ticket.resolution_summary or ""
    if last_reply and last_reply.strip() not in resolution:
        resolution = f"{resolution}\n\n{last_reply}".strip()
    return first[:4000], resolution[:4000]


def draft_from_ticket(ticket_id: int) -> Article | None:
    """Idempotent: one article per ticket (unique source_ticket_id)."""
    ticket = db.session.get(Ticket, ticket_id)
    if ticket is None or ticket.status not in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
        return None
    existing = db.session.scalar(select(Article).where(Article.source_ticket_id == ticket.id))
    if existing is not None:
        return existing
    known = known_entities(ticket)
    problem_raw, resolution_raw = sources(ticket)
    problem = anonymize(problem_raw, known)
    resolution = anonymize(resolution_raw, known)
    title = anonymize(_neutral_title(ticket.subject, problem.text), known)
    auto = bool(settings.get("community_auto_publish"))
    article = Article(
        slug=slugify(title.text),
        title=title.text[:200],
        problem=problem.text,
        resolution=resolution.text,
        category=categorize(title.text, problem.text, resolution.text),
        language=ticket.language or "en",
        status=ArticleStatus.PUBLISHED if auto else ArticleStatus.DRAFT,
        source_ticket_id=ticket.id,
        redaction_report={
            "title": title.report(),
            "problem": problem.report(),
            "resolution": resolution.report(),
        },
        published_at=utcnow() if auto else None,
    )
    try:
        with db.session.begin_nested():
            db.session.add(article)
    except IntegrityError:  # a concurrent run of this job won
        return db.session.scalar(select(Article).where(Article.source_ticket_id == ticket.id))
    audit.record(SYSTEM, "article.drafted", ticket_id=ticket.id, auto_published=auto)
    return article


def review_view(article: Article) -> dict[str, Anonymized] | None:
    """For the agents' review page: the originals with what the anonymizer found in them."""
    ticket = db.session.get(Ticket, article.source_ticket_id) if article.source_ticket_id else None
    if ticket is None:
        return None
    known = known_entities(ticket)
    problem, resolution = sources(ticket)
    return {
        "problem": (problem, anonymize(problem, known)),
        "resolution": (resolution, anonymize(resolution, known)),
    }


def edit(
    article: Article, agent: Agent, *, title: str, problem: str, resolution: str, category: str
) -> None:
    if category not in CATEGORY_NAMES:
        raise CommunityError(_l("Unknown category."))
    if not (title.strip() and problem.strip() and resolution.strip()):
        raise CommunityError(_l("Title, problem and resolution are all needed."))
    article.title, article.problem, article.resolution = (
        title.strip(),
        problem.strip(),
        resolution.strip(),
    )
    article.category = category
    audit.record(Actor.agent(agent.id), "article.edited", article_id=article.id)


def approve(article: Article, agent: Agent) -> None:
    if article.status not in (ArticleStatus.DRAFT, ArticleStatus.RETRACTED, ArticleStatus.REJECTED):
        raise CommunityError(_l("Only drafts can be approved."))
    article.status, article.approved_by_id, article.approved_at = (
        ArticleStatus.APPROVED,
        agent.id,
        utcnow(),
    )
    outbox.enqueue("article.publish", article_id=article.id)
    audit.record(Actor.agent(agent.id), "article.approved", article_id=article.id)


def publish(article_id: int) -> None:
    """Job body: approved → published (idempotent)."""
    article = db.session.get(Article, article_id)
    if article is None or article.status != ArticleStatus.APPROVED:
        return
    article.status, article.published_at, article.retracted_at = (
        ArticleStatus.PUBLISHED,
        utcnow(),
        None,
    )


def reject(article: Article, agent: Agent) -> None:
    article.status = ArticleStatus.REJECTED
    audit.record(Actor.agent(agent.id), "article.rejected", article_id=article.id)


def retract(article: Article, agent: Agent) -> None:
    """Gone from the public pages at once (the next request)."""
    article.status, article.retracted_at = ArticleStatus.RETRACTED, utcnow()
    audit.record(Actor.agent(agent.id), "article.retracted", article_id=article.id)


# --- public side ----------------------------------------------------------------------


def published():
    return select(Article).where(Article.status == ArticleStatus.PUBLISHED)


def most_helpful(limit: int = 5) -> list[Article]:
    return db.session.scalars(
        published()
        .order_by((Article.helpful_yes - Article.helpful_no).desc(), Article.published_at.desc())
        .limit(limit)
    ).all()


def category_counts() -> dict[str, int]:
    rows = db.session.execute(
        select(Article.category, func.count())
        .where(Article.status == ArticleStatus.PUBLISHED)
        .group_by(Article.category)
    )
    return dict(rows.all())


def _fts_query(query: str) -> str:
    """User words → an FTS5 query of quoted terms, all of which must match.

    Quoting keeps the user's text from being read as FTS5 operators. No prefix terms: a
    prefix expands to every word that starts with it and made searches ~3x slower."""
    words = re.findall(r"\w+", query.lower())[:8]
    return " ".join(f'"{w}"' for w in words)


# Ranking every match of a common word costs time in proportion to the whole collection
# (FTS5's bm25() even counts each term's documents across the whole table on every query).
# Instead both engines walk their posting lists newest-first to the CANDIDATES most recent
# matches, which stays cheap at any size, and we rank those by relevance.
CANDIDATES = 150
FIELD_WEIGHTS = (("title", 5.0), ("problem", 2.0), ("resolution", 1.0))


def relevance(fields: tuple[str, str, str], helpful: int, terms: list[str]) -> float:
    """Weighted term frequency per field (title, problem, resolution), damped by field
    length; helpful votes break ties. Every candidate already contains every term (the
    full-text index said so), so substring counts are a fair and fast frequency."""
    score = 0.0
    for text_value, (_, weight) in zip(fields, FIELD_WEIGHTS, strict=True):
        if text_value:
            lowered = text_value.lower()
            hits = sum(lowered.count(term) for term in terms)
            score += weight * hits / (1.0 + lowered.count(" ") / 50.0)
    return score + 0.01 * helpful


def search(query: str, limit: int = 20) -> list[Article]:
    """Full-text search over published articles, best match first (see CANDIDATES)."""
    terms = re.findall(r"\w+", (query or "").lower())[:8]
    if not terms:
        return []
    if db.session.get_bind().dialect.name == "sqlite":
        ids = (
            db.session.execute(
                text(
                    "SELECT rowid FROM articles_fts WHERE articles_fts MATCH :q "
                    "ORDER BY rowid DESC LIMIT :candidates"
                ),
                {"q": _fts_query(query), "candidates": CANDIDATES},
            )
            .scalars()
            .all()
        )
        # By primary key, status checked here: with "status = 'published'" in SQL, SQLite
        # prefers the status index and walks every published article (300 ms at 1M).
        # Plain tuples for scoring; ORM objects only for the page of results.
        rows = db.session.execute(
            select(
                Article.id,
                Article.status,
                Article.title,
                Article.problem,
                Article.resolution,
                Article.helpful_yes - Article.helpful_no,
            ).where(Article.id.in_(ids))
        ).all()
        scored = sorted(
            (
                (relevance(row[2:5], row[5], terms), row[0])
                for row in rows
                if row[1] == ArticleStatus.PUBLISHED
            ),
            reverse=True,
        )[:limit]
        top = [article_id for _, article_id in scored]
        found = {a.id: a for a in db.session.scalars(select(Article).where(Article.id.in_(top)))}
        return [found[i] for i in top if i in found]
    rows = db.session.execute(
        text(
            "SELECT id FROM (SELECT id, search_vector FROM articles "
            "WHERE search_vector @@ websearch_to_tsquery('simple', :q) "
            "AND status = 'published' ORDER BY id DESC LIMIT :candidates) recent "
            "ORDER BY ts_rank(search_vector, websearch_to_tsquery('simple', :q)) DESC, "
            "id DESC LIMIT :limit"
        ),
        {"q": query[:200], "limit": limit, "candidates": CANDIDATES},
    )
    ids = [row[0] for row in rows]
    found = {a.id: a for a in db.session.scalars(select(Article).where(Article.id.in_(ids)))}
    return [found[i] for i in ids if i in found]


def vote(article: Article, voter_token: str, helpful: bool, address: str | None = None) -> bool:
    """One vote per browser (the token is a random cookie; only its hash is kept), and a few
    per network address a day, so dropping the cookie does not let one person stuff votes."""

    voter_hash = hashlib.sha256(f"{article.id}:{voter_token}".encode()).hexdigest()
    if db.session.scalar(
        select(ArticleVote.id).where(
            ArticleVote.article_id == article.id, ArticleVote.voter_hash == voter_hash
        )
    ):
        return False
    if address is not None:
        key = (
            "vote-addr:"
            + hmac.new(
                current_app.config["SECRET_KEY"].encode(),
                f"{article.id}:{address}".encode(),
                hashlib.sha256,
            ).hexdigest()[:32]
        )
        limit = current_app.config["VOTES_PER_ADDRESS_PER_DAY"]
        if not attempts.claim(key, limit, 86400):
            return False
    try:
        with db.session.begin_nested():
            db.session.add(
                ArticleVote(article_id=article.id, voter_hash=voter_hash, helpful=helpful)
            )
    except IntegrityError:
        return False
    if helpful:
        article.helpful_yes += 1
    else:
        article.helpful_no += 1
    return True
