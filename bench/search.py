"""Community search at scale: seed N published articles (bulk insert), then time searches
through HTTP (the Flask test client, the whole request path) and the query alone.

    .venv/bin/python bench/search.py [--articles 1000000] [--queries 500]
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench .venv/bin/python bench/search.py
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, insert, select

from app.domain import community
from app.extensions import db
from app.models import Article

sys.path[0] = str(Path(__file__).resolve().parent.parent)  # the project, not bench/ (queue.py!)

from bench._common import bench_app, percentile  # noqa: E402

WORDS = """
router wifi modem connection internet slow drops evening night light red green cable socket
fiber tv box remote channel screen black picture sound update firmware restart reset password
login account invoice bill payment refund charge card bank phone call voicemail sim mobile
signal antenna bedroom kitchen floor wall power adapter battery printer email inbox spam
attachment app tablet laptop computer bluetooth speaker subscription price discount contract
move address technician visit appointment
""".split()  # noqa: SIM905 - a word list reads best as text
SWEDISH = """
fungerar inte kväll långsam bredband kanal fjärrkontroll faktura betalning lösenord inloggning
uppkoppling ström nätverk
""".split()  # noqa: SIM905 - a word list reads best as text


def sentence(rng: random.Random, n: int) -> str:
    vocab = WORDS + SWEDISH
    return " ".join(rng.choice(vocab) for _ in range(n)).capitalize() + "."


def seed(app, count: int, batch: int = 20000) -> float:

    rng = random.Random(7)
    now = datetime(2026, 11, 1)
    started = time.perf_counter()
    with app.app_context():
        for first in range(0, count, batch):
            rows = [
                {
                    "slug": f"answer-{i}",
                    "title": sentence(rng, 6),
                    "problem": sentence(rng, 25),
                    "resolution": sentence(rng, 25),
                    "category": rng.choice(["internet", "tv", "phone", "billing", "account"]),
                    "language": "en",
                    "status": "published",
                    "helpful_yes": rng.randint(0, 50),
                    "helpful_no": rng.randint(0, 10),
                    "created_at": now,
                    "updated_at": now,
                    "published_at": now,
                }
                for i in range(first, min(first + batch, count))
            ]
            db.session.execute(insert(Article), rows)
            db.session.commit()
            print(f"  seeded {min(first + batch, count):>9,}", end="\r", flush=True)
    print()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=500)
    args = parser.parse_args()

    app, backend = bench_app("search", WTF_CSRF_ENABLED=False)
    with app.app_context():
        existing = db.session.scalar(select(func.count()).select_from(Article))
    if existing < args.articles:
        print(f"seeding {args.articles - existing:,} articles …")
        seconds = seed(app, args.articles - existing)
        print(f"seeded in {seconds:.0f} s")
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            db.session.execute(db.text("ANALYZE articles"))
            db.session.commit()
    rng = random.Random(11)
    queries = [" ".join(rng.sample(WORDS, rng.choice([1, 2, 2, 3]))) for _ in range(args.queries)]
    client = app.test_client()
    for q in queries[:20]:
        client.get("/search", query_string={"q": q})  # warm caches
    http, direct, hits = [], [], 0
    for q in queries:
        started = time.perf_counter()
        response = client.get("/search", query_string={"q": q})
        http.append(time.perf_counter() - started)
        assert response.status_code == 200
        with app.app_context():
            started = time.perf_counter()
            hits += bool(community.search(q))
            direct.append(time.perf_counter() - started)
    print(f"database        {backend}, {max(existing, args.articles):,} published articles")
    print(f"queries         {len(queries)} (1–3 words), {hits} with results")
    print(
        f"HTTP /search    p50 {percentile(http, 0.5):.1f} ms   p99 {percentile(http, 0.99):.1f} ms"
    )
    p50, p99 = percentile(direct, 0.5), percentile(direct, 0.99)
    print(f"query only      p50 {p50:.1f} ms   p99 {p99:.1f} ms")


if __name__ == "__main__":
    main()
