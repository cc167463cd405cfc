"""Community articles: drafted from resolved tickets, anonymized, reviewed, published.

Nothing reaches the public pages without an agent's approval (unless an admin turns on
auto-publish). Public queries select only published articles and only public columns.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
import unicodedata
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from app import textsearch
from app.domain import audit, gate, lexicon, outbox, settings
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


_PLACEHOLDER = re.compile(r"\[[a-zA-Z ]{2,20}\]")


def categorize(*texts: str) -> str:
    """By the words of the article, placeholders ignored ("[phone]" is not about phones)."""
    words = _PLACEHOLDER.sub(" ", " ".join(texts)).lower()
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


_QUOTE_START = re.compile(
    r"(?im)^[ \t]*(?:>|-{2,}\s*(?:original message|ursprungligt meddelande|forwarded message|"
    r"vidarebefordrat meddelande)|_{5,}|(?:from|från)\s*:|(?:on|den)\b.{4,200}\b(?:wrote|skrev)"
    r"\s*:?\s*$)"
)
_SIGNATURE_START = re.compile(
    r"(?m)^[ \t]*(?:--[ \t]*$|(?i:best(?: regards| wishes)?|kind regards|warm regards|regards|"
    r"thanks|thank you|many thanks|cheers|sincerely|yours|mvh|med vänlig(?:a)? hälsning(?:ar)?|"
    r"vänlig(?:a)? hälsning(?:ar)?|hälsningar|hälsning|vi hörs|ha en (?:fin|bra|trevlig) dag|"
    r"allt gott|take care|all the best)\b[ \t,.!]*(?:$|[A-ZÅÄÖ/\-–—])|(?i:sent from|skickat från)"
    r"\b|[/\-–—]{1,2}[ \t]*[A-ZÅÄÖ][\w'-]*[ \t]*$)"
)
_GREETING_LINE = re.compile(
    r"(?i)^[ \t]*(?:hi|hello|hey|dear|good (?:morning|afternoon|evening)|hej|hejsan|hallå|"
    r"god (?:morgon|dag|kväll)|kära|tjena)\b[^\n]{0,60}?(?:[,!.:]|$)[ \t]*\n?"
)
_LETTER_PHRASES = re.compile(
    r"(?i)^[ \t]*(?:thank you for (?:contacting|your (?:email|message|patience)|getting in touch)|"
    r"tack för (?:ditt|ert) (?:mejl|mail|meddelande|tålamod)|tack för att du (?:hörde|kontaktade)"
    r"[^.!\n]*|i hope this helps|hoppas (?:det|detta) hjälper)[^.!\n]*[.!]?[ \t]*"
)


def strip_letter(text: str) -> str:
    """The steps of a resolution without the letter around them: no greeting, no thanks for
    writing, no sign-off or signature, no quoted or forwarded history."""
    text = (text or "").replace("\r\n", "\n").strip()
    quote = _QUOTE_START.search(text)
    if quote:
        text = text[: quote.start()]
    signature = _SIGNATURE_START.search(text)
    if signature and signature.start() > 0:
        text = text[: signature.start()]
    text = _GREETING_LINE.sub("", text, count=1).strip()
    text = _LETTER_PHRASES.sub("", text).strip()
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def prefill_question(subject: str) -> str:
    """A short neutral question from the ticket's subject (Re:/Fwd: and [refs] removed)."""
    title = re.sub(r"^\s*((re|sv|fw|fwd|vb|aw)\s*:\s*)+", "", subject or "", flags=re.I)
    title = re.sub(r"\[[^\]]*\]|\bHD-\d+\b", "", title).strip(" -:")
    title = re.sub(r"\s+", " ", title)
    return (title[:1].upper() + title[1:])[:200]


def prefill_answer(summary: str) -> str:
    return strip_letter(summary)[:4000]


def public_sources(ticket: Ticket) -> tuple[str, str]:
    """What may become public: the question and answer the agent wrote or accepted at
    resolution, else the prefill (subject; resolution summary stripped of the letter).
    Never the customer's message or the agent's reply."""
    question = (ticket.public_question or "").strip() or prefill_question(ticket.subject)
    answer = (ticket.public_answer or "").strip() or prefill_answer(ticket.resolution_summary)
    return question[:1000], answer[:4000]


def set_public_text(ticket: Ticket, question: str | None, answer: str | None) -> None:
    """Called at resolution with what the agent wrote or accepted for the public."""
    ticket.public_question = (question or "").strip()[:1000] or None
    ticket.public_answer = (answer or "").strip()[:4000] or None


_vocabulary_cache: dict[str, tuple[float, frozenset[str]]] = {}
VOCABULARY_SECONDS = 600
VOCABULARY_MESSAGES = 5000


def site_vocabulary() -> frozenset[str]:
    """Words the gate accepts beyond common words: the admins' glossary, and uncommon words
    that customers use in tickets of at least k different customers (product names, model
    numbers). Person names are never vocabulary, however often they occur. Recomputed from
    the most recent messages at most every few minutes per process."""
    cached = _vocabulary_cache.get("words")
    if cached and time.monotonic() - cached[0] < VOCABULARY_SECONDS:
        return cached[1]
    k = int(settings.get("community_vocabulary_customers") or 5)
    rows = db.session.execute(
        select(Ticket.customer_id, Message.body_text)
        .join(Message, Message.ticket_id == Ticket.id)
        .where(Message.direction == "in")
        .order_by(Message.id.desc())
        .limit(VOCABULARY_MESSAGES)
    ).all()
    customers: dict[str, set[int]] = {}
    for customer_id, body in rows:
        for word in set(re.findall(r"[^\W_][\w\-.]*[^\W_]", (body or "").lower())):
            if not lexicon.is_common(word) and not lexicon.name_kind(word.capitalize()):
                customers.setdefault(word, set()).add(customer_id)
    words = {w for w, who in customers.items() if len(who) >= k}
    words |= {str(w).strip().lower() for w in settings.get("community_glossary") or [] if w}
    vocabulary = frozenset(words)
    _vocabulary_cache["words"] = (time.monotonic(), vocabulary)
    return vocabulary


def clear_vocabulary_cache() -> None:
    _vocabulary_cache.clear()


def _flags_of(fields: dict[str, Anonymized], previous: list | None = None) -> list[dict]:
    """One flag per distinct (field, token); earlier decisions on the same token are kept."""
    decided = {(f["field"], f["token"]): f.get("decision") for f in previous or []}
    flags, seen = [], set()
    for field_name, result in fields.items():
        for token in result.flagged_tokens:
            if (field_name, token) in seen:
                continue
            seen.add((field_name, token))
            decision = decided.get((field_name, token))
            flags.append({"field": field_name, "token": token, "decision": decision})
    return flags


def draft_from_ticket(ticket_id: int) -> Article | None:
    """Idempotent: one article per ticket (unique source_ticket_id)."""
    ticket = db.session.get(Ticket, ticket_id)
    if ticket is None or ticket.status not in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
        return None
    existing = db.session.scalar(select(Article).where(Article.source_ticket_id == ticket.id))
    if existing is not None:
        return existing
    known = known_entities(ticket)
    vocabulary = site_vocabulary()
    question_raw, answer_raw = public_sources(ticket)
    if not answer_raw:
        return None
    question = anonymize(question_raw, known, vocabulary)
    answer = anonymize(answer_raw, known, vocabulary)
    title = question.text.split("\n", 1)[0][:200] or "A question from a customer"
    flags = _flags_of({"problem": question, "resolution": answer})
    auto = bool(settings.get("community_auto_publish")) and not flags
    article = Article(
        slug=slugify(title),
        title=title,
        problem=question.text,
        resolution=answer.text,
        category=categorize(question.text, answer.text),
        language=ticket.language or "en",
        status=ArticleStatus.PUBLISHED if auto else ArticleStatus.DRAFT,
        source_ticket_id=ticket.id,
        redaction_report={"problem": question.report(), "resolution": answer.report()},
        flags=flags,
        published_at=utcnow() if auto else None,
        checked_at=utcnow() if auto else None,
    )
    if auto:
        article.search_stems = search_stems(article)
    try:
        with db.session.begin_nested():
            db.session.add(article)
    except IntegrityError:  # a concurrent run of this job won
        return db.session.scalar(select(Article).where(Article.source_ticket_id == ticket.id))
    audit.record(
        SYSTEM, "article.drafted", ticket_id=ticket.id, auto_published=auto, flags=len(flags)
    )
    return article


def review_view(article: Article) -> dict[str, tuple[str, Anonymized]] | None:
    """For the agents' review page: the public sources with what the anonymizer removed."""
    ticket = db.session.get(Ticket, article.source_ticket_id) if article.source_ticket_id else None
    if ticket is None:
        return None
    known = known_entities(ticket)
    question, answer = public_sources(ticket)
    return {
        "problem": (question, anonymize(question, known)),
        "resolution": (answer, anonymize(answer, known)),
    }


def pending_flags(article: Article) -> list[dict]:
    return [f for f in article.flags or [] if f.get("decision") not in ("keep", "redact")]


def _regate(article: Article) -> None:
    """After an edit: the gate looks at the new text; decisions on unchanged tokens stay."""
    vocabulary = site_vocabulary()
    fields = {
        name: anonymize_gate_only(getattr(article, name), vocabulary)
        for name in ("problem", "resolution")
    }
    article.flags = _flags_of(fields, article.flags)


def anonymize_gate_only(text: str, vocabulary: frozenset[str]) -> Anonymized:
    """The gate's view of text a person wrote on the review page (nothing is replaced)."""
    return Anonymized(text, [], gate.check(text, vocabulary))


def decide(article: Article, agent: Agent, decisions: dict[int, str]) -> None:
    """Keep or redact each flagged token (by its index in article.flags)."""
    flags = [dict(f) for f in article.flags or []]
    for index, decision in decisions.items():
        if 0 <= index < len(flags) and decision in ("keep", "redact"):
            flags[index]["decision"] = decision
    for flag in flags:
        if flag["decision"] == "redact":
            pattern = rf"(?<![\w]){re.escape(flag['token'])}(?![\w])"
            value = getattr(article, flag["field"])
            setattr(article, flag["field"], re.sub(pattern, "[removed]", value))
            if flag["field"] == "problem":
                article.title = re.sub(pattern, "[removed]", article.title)
    article.flags = flags
    audit.record(Actor.agent(agent.id), "article.flags_decided", article_id=article.id)


def edit(
    article: Article, agent: Agent, *, title: str, problem: str, resolution: str, category: str
) -> None:
    if category not in CATEGORY_NAMES:
        raise CommunityError(_l("Unknown category."))
    if not (title.strip() and problem.strip() and resolution.strip()):
        raise CommunityError(_l("Title, problem and resolution are all needed."))
    changed = (article.problem, article.resolution) != (problem.strip(), resolution.strip())
    article.title, article.problem, article.resolution = (
        title.strip(),
        problem.strip(),
        resolution.strip(),
    )
    article.category = category
    article.search_stems = search_stems(article)
    if changed:
        _regate(article)
    audit.record(Actor.agent(agent.id), "article.edited", article_id=article.id)


def approve(article: Article, agent: Agent) -> None:
    if article.status not in (
        ArticleStatus.DRAFT,
        ArticleStatus.RETRACTED,
        ArticleStatus.REJECTED,
        ArticleStatus.REVIEW,
    ):
        raise CommunityError(_l("Only drafts can be approved."))
    if pending_flags(article):
        raise CommunityError(_l("Decide for every flagged word first: keep it or redact it."))
    article.status, article.approved_by_id, article.approved_at = (
        ArticleStatus.APPROVED,
        agent.id,
        utcnow(),
    )
    article.review_reason = None
    outbox.enqueue("article.publish", article_id=article.id)
    audit.record(Actor.agent(agent.id), "article.approved", article_id=article.id)


def publish(article_id: int) -> None:
    """Job body: approved → published (idempotent). Publishing is the check the page shows."""
    article = db.session.get(Article, article_id)
    if article is None or article.status != ArticleStatus.APPROVED:
        return
    now = utcnow()
    article.status, article.published_at, article.retracted_at = ArticleStatus.PUBLISHED, now, None
    article.checked_at, article.helpful_no_at_check = now, article.helpful_no
    article.search_stems = search_stems(article)


def reject(article: Article, agent: Agent) -> None:
    article.status = ArticleStatus.REJECTED
    audit.record(Actor.agent(agent.id), "article.rejected", article_id=article.id)


def retract(article: Article, agent: Agent, superseded_by: Article | None = None) -> None:
    """Gone from the public pages at once (the next request); its page says so and points to
    the answer that replaces it, if any."""
    article.status, article.retracted_at = ArticleStatus.RETRACTED, utcnow()
    if superseded_by is not None and superseded_by.id != article.id:
        article.superseded_by_id = superseded_by.id
    audit.record(Actor.agent(agent.id), "article.retracted", article_id=article.id)


def send_to_review(article: Article, reason: str, actor: Actor = SYSTEM) -> None:
    """A public answer that may no longer be true leaves the public pages until re-checked."""
    if article.status != ArticleStatus.PUBLISHED:
        return
    article.status, article.review_reason = ArticleStatus.REVIEW, reason
    audit.record(actor, "article.sent_to_review", article_id=article.id, reason=reason)


def mark_contradicted(article: Article, agent: Agent, ticket_reference: str) -> None:
    """An agent says a newer ticket shows this answer is wrong."""
    ticket = db.session.scalar(
        select(Ticket).where(func.upper(Ticket.reference) == (ticket_reference or "").upper())
    )
    if ticket is None:
        raise CommunityError(_l("No ticket with that reference."))
    send_to_review(article, "contradicted", Actor.agent(agent.id))
    audit.record(
        Actor.agent(agent.id), "article.contradicted", article_id=article.id, ticket_id=ticket.id
    )


_last_recheck: list[float] = []
RECHECK_SECONDS = 600


def recheck_due() -> int:
    """At most every few minutes per process (no scheduler needed): stale answers → review."""
    if _last_recheck and time.monotonic() - _last_recheck[0] < RECHECK_SECONDS:
        return 0
    _last_recheck[:] = [time.monotonic()]
    return send_stale_to_review()


def send_stale_to_review(now=None) -> int:
    """Answers checked longer ago than the admins allow go back to review."""
    days = int(settings.get("community_review_after_days") or 0)
    if days <= 0:
        return 0
    cutoff = (now or utcnow()) - timedelta(days=days)
    stale = db.session.scalars(
        select(Article)
        .where(Article.status == ArticleStatus.PUBLISHED, Article.checked_at < cutoff)
        .limit(500)
    ).all()
    for article in stale:
        send_to_review(article, "age")
    return len(stale)


def search_stems(article: Article) -> str:
    """Swedish and English stems of the public text (SQLite's search index reads these)."""
    return textsearch.stems_text(f"{article.title} {article.problem} {article.resolution}")


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
    """User words → an FTS5 query over the stems column: each word must match by one of its
    Swedish or English stems. Quoting keeps the user's text from being read as operators."""
    groups = []
    for options in textsearch.query_terms(query):
        quoted = " OR ".join(f'"{stem}"' for stem in options)
        groups.append(f"({quoted})" if len(options) > 1 else quoted)
    return " AND ".join(groups)


_PG_SEARCH = text(
    "SELECT id FROM (SELECT id, search_vector FROM articles "
    "WHERE search_vector @@ (websearch_to_tsquery('english', :q) || "
    "websearch_to_tsquery('swedish', :q) || to_tsquery('simple', :stems)) "
    "AND status = 'published' ORDER BY id DESC LIMIT :candidates) recent "
    "ORDER BY ts_rank(search_vector, (websearch_to_tsquery('english', :q) || "
    "websearch_to_tsquery('swedish', :q) || to_tsquery('simple', :stems))) DESC, "
    "id DESC LIMIT :limit"
)


def _pg_stem_query(query: str) -> str:
    groups = []
    for options in textsearch.query_terms(query):
        clean = [re.sub(r"[^\w]", "", s) for s in options]
        clean = [c for c in clean if c]
        if clean:
            groups.append("(" + " | ".join(clean) + ")")
    return " & ".join(groups)


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
    # The shortest stem of each word: substring counts then also find "printers", "routern".
    terms = [min(options, key=len) for options in textsearch.query_terms(query)]
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
        _PG_SEARCH,
        {
            "q": query[:200],
            "stems": _pg_stem_query(query) or "''",
            "limit": limit,
            "candidates": CANDIDATES,
        },
    )
    ids = [row[0] for row in rows]
    found = {a.id: a for a in db.session.scalars(select(Article).where(Article.id.in_(ids)))}
    return [found[i] for i in ids if i in found]


def vote(article: Article, voter_token: str, helpful: bool) -> bool:
    """One vote per browser (the token is a random cookie; only its hash is kept)."""

    voter_hash = hashlib.sha256(f"{article.id}:{voter_token}".encode()).hexdigest()
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
        since_check = article.helpful_no - (article.helpful_no_at_check or 0)
        limit = int(settings.get("community_not_helpful_limit") or 0)
        if limit and since_check >= limit and since_check > article.helpful_yes:
            send_to_review(article, "not helpful")
    return True
