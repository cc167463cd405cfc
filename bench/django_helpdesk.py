"""Direct ingest against django-helpdesk's mailbox import, on the same mails, interleaved.

django-helpdesk (2.6.1 unless --version says otherwise) is installed into a throwaway
virtualenv under /tmp that this script creates — it is NOT a dependency of the project.
Its own mailbox import (`helpdesk.email.process_queue` on a queue of type "local", what
`manage.py get_email` runs) reads the mails from a directory; the project ingests the same
mails directly: parse → intake → commit, no socket, a savepoint per mail and one commit per
chunk (as the IMAP import does) through the SMTP server's GroupCommitter.

Both use SQLite in WAL mode with synchronous=NORMAL (the project's pragmas) unless
`--django-sqlite default` leaves django-helpdesk on Django's own SQLite settings. The mails are
split into rounds; each round runs django-helpdesk, then the project, on the same mails, so
the machine's load hits both alike.

    .venv/bin/python bench/django_helpdesk.py [--messages 1000] [--rounds 5]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parent.parent)  # the project, not bench/ (queue.py!)

import argparse  # noqa: E402
import json  # noqa: E402
import logging  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import venv  # noqa: E402

from sqlalchemy import func, select  # noqa: E402

from app.extensions import db  # noqa: E402
from app.models import Ticket  # noqa: E402
from bench._common import bench_app  # noqa: E402
from bench.smtp_intake import build  # noqa: E402
from inbound.server import HelpdeskHandler  # noqa: E402

DRIVER = r"""
import json, logging, os, sys, time
import django
from django.conf import settings

work = sys.argv[1]
pragmas = {"init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}
settings.configure(
    DEBUG=False,
    SECRET_KEY="bench-only-not-secret",
    USE_TZ=True,
    SITE_ID=1,
    ALLOWED_HOSTS=["*"],
    INSTALLED_APPS=[
        "django.contrib.admin", "django.contrib.auth", "django.contrib.contenttypes",
        "django.contrib.sessions", "django.contrib.messages", "django.contrib.sites",
        "django.contrib.humanize", "rest_framework", "helpdesk",
    ],
    DATABASES={"default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.path.join(work, "django.sqlite3"),
        "OPTIONS": pragmas if sys.argv[2] == "wal" else {},
    }},
    EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    MEDIA_ROOT=os.path.join(work, "media"),
    DEFAULT_AUTO_FIELD="django.db.models.AutoField",
    TEMPLATES=[{"BACKEND": "django.template.backends.django.DjangoTemplates",
                "APP_DIRS": True, "OPTIONS": {"context_processors": []}}],
    LOGGING_CONFIG=None,
    HELPDESK_TEAMS_MODE_ENABLED=False,  # teams need pinax-teams; not used by the import
)
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from helpdesk.email import process_queue
from helpdesk.models import Queue, Ticket
queue, _ = Queue.objects.get_or_create(
    slug="support", defaults=dict(
        title="Support", email_address="support@helpdesk.test", email_box_type="local",
        allow_email_submission=True, email_box_local_dir=os.path.join(work, "none")))
logger = logging.getLogger("helpdesk-bench")
logger.setLevel(logging.WARNING)
print(json.dumps({"ready": True}), flush=True)
for line in sys.stdin:
    folder = line.strip()
    queue.email_box_local_dir = folder
    queue.save()
    before = Ticket.objects.count()
    started = time.perf_counter()
    process_queue(queue, logger)
    elapsed = time.perf_counter() - started
    left = len(os.listdir(folder))
    print(json.dumps({"elapsed": elapsed, "stored": Ticket.objects.count() - before,
                      "left": left}), flush=True)
"""


def make_venv(path: Path, version: str) -> Path:
    python = path / "bin" / "python"
    if not python.exists():
        print(f"creating a throwaway virtualenv in {path} …", flush=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(path)
    requirement = f"django-helpdesk=={version}" if version else "django-helpdesk"
    installed = subprocess.run(  # noqa: S603 - our own venv's pip
        [str(python), "-m", "pip", "show", "django-helpdesk"], capture_output=True, text=True
    )
    if version and f"Version: {version}" not in installed.stdout:
        print(f"pip install {requirement} …", flush=True)
        subprocess.run(  # noqa: S603
            [str(python), "-m", "pip", "install", "-q", requirement], check=True
        )
    shown = subprocess.run(  # noqa: S603
        [str(python), "-m", "pip", "show", "django-helpdesk", "django"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    versions = [line for line in shown.splitlines() if line.startswith(("Name:", "Version:"))]
    print("  " + ", ".join(versions), flush=True)
    return python


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--chunk", type=int, default=50, help="project: mails per commit")
    parser.add_argument("--version", default="2.6.1", help="django-helpdesk version")
    parser.add_argument("--venv", default="/tmp/bench-django-helpdesk-venv")
    parser.add_argument(
        "--django-sqlite",
        choices=["wal", "default"],
        default="wal",
        help="wal: the project's pragmas for django-helpdesk too (fair); default: Django's "
        "own SQLite settings (rollback journal, synchronous=FULL)",
    )
    args = parser.parse_args()

    python = make_venv(Path(args.venv), args.version)
    work = Path(tempfile.mkdtemp(prefix="bench-django-helpdesk-"))
    mails = [build(n, "dh") for n in range(args.messages)]
    per_round = -(-args.messages // args.rounds)

    driver_path = work / "driver.py"
    driver_path.write_text(DRIVER)
    django = subprocess.Popen(  # noqa: S603
        [str(python), str(driver_path), str(work), args.django_sqlite],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert json.loads(django.stdout.readline())["ready"]

    app, _ = bench_app("dh", INBOUND_AUTH="off")
    logging.getLogger().setLevel(logging.WARNING)
    handler = HelpdeskHandler(app)
    # warm both up on mails outside the measurement
    warm = work / "warm"
    warm.mkdir()
    for n in range(20):
        (warm / f"{n}.eml").write_bytes(build(-1 - n, "dhwarm"))
    django.stdin.write(f"{warm}\n")
    django.stdin.flush()
    json.loads(django.stdout.readline())
    handler.committer.store(
        [
            handler.prepare(
                build(-1 - n, "pwarm"),
                "x@example.test",
                ["support@helpdesk.test"],
                "127.0.0.1",
                "bench",
            )
            for n in range(20)
        ]
    )

    totals = {"django-helpdesk": [0.0, 0, 0], "project": [0.0, 0, 0]}
    django_db = "WAL, synchronous=NORMAL" if args.django_sqlite == "wal" else "Django's defaults"
    print(
        f"\n{args.messages} mails in {args.rounds} rounds, interleaved; project SQLite WAL, "
        f"synchronous=NORMAL; django-helpdesk SQLite {django_db}"
    )
    for round_number in range(args.rounds):
        chunk = mails[round_number * per_round : (round_number + 1) * per_round]
        folder = work / f"round{round_number}"
        folder.mkdir()
        for i, raw in enumerate(chunk):
            (folder / f"{i:05d}.eml").write_bytes(raw)
        django.stdin.write(f"{folder}\n")
        django.stdin.flush()
        result = json.loads(django.stdout.readline())
        totals["django-helpdesk"][0] += result["elapsed"]
        totals["django-helpdesk"][1] += result["stored"]
        totals["django-helpdesk"][2] += len(chunk)

        with app.app_context():
            before = db.session.scalar(select(func.count()).select_from(Ticket))
            db.session.remove()
        started = time.perf_counter()
        for first in range(0, len(chunk), args.chunk):
            batch = []
            for raw in chunk[first : first + args.chunk]:
                prepared = handler.prepare(
                    raw, "customer@example.test", ["support@helpdesk.test"], "127.0.0.1", "bench"
                )
                batch.append(prepared)
            replies = handler.committer.store(batch)
            assert all(r.startswith("250") for r in replies), replies[:3]
        elapsed = time.perf_counter() - started
        with app.app_context():
            stored = db.session.scalar(select(func.count()).select_from(Ticket)) - before
            db.session.remove()
        totals["project"][0] += elapsed
        totals["project"][1] += stored
        totals["project"][2] += len(chunk)
        print(
            f"  round {round_number + 1}: django-helpdesk {len(chunk) / result['elapsed']:6.1f}"
            f" msg/s ({result['stored']} tickets, {result['left']} left in the folder)   "
            f"project {len(chunk) / elapsed:6.1f} msg/s ({stored} tickets)",
            flush=True,
        )
    django.stdin.close()
    django.wait()
    handler.close()
    rates = {name: mails / elapsed for name, (elapsed, _, mails) in totals.items()}
    print()
    for name, rate in rates.items():
        print(f"  {name:<16} {rate:7.1f} msg/s  ({totals[name][1]} tickets stored)")
    print(f"  project / django-helpdesk = {rates['project'] / rates['django-helpdesk']:.1f}x")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
