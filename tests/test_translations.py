"""Every text a person reads goes through Flask-Babel, and Swedish has all of them. Pure."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from flask_babel import force_locale

from app import create_app
from app.domain import sms
from tests import support

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}


def _msgids() -> set[str]:
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        found.add(message if isinstance(message, str) else message[0])
    return {m for m in found if m}


def test_every_msgid_has_a_swedish_translation_in_the_catalogue():
    catalog_path = ROOT / "app" / "translations" / "sv" / "LC_MESSAGES" / "messages.po"
    with catalog_path.open("rb") as handle:
        catalog = read_po(handle, locale="sv")
    missing = sorted(m for m in _msgids() if catalog.get(m) is None or not catalog.get(m).string)
    assert missing == [], "add them to scripts/sv_translations.py and run it:\n" + "\n".join(
        missing
    )


def test_the_extraction_sees_workers_templates_and_mails():
    msgids = _msgids()
    assert "Your code" in msgids  # workers/identity.py
    assert "Type it on this page:" in msgids  # a mail template (mail/code.txt)
    assert "That is not allowed." in msgids  # the DomainError default


def test_sms_answers_follow_the_customers_language(tmp_path, compiled_translations, migrated):
    # a migrated database: every SMS ends with our number and opening hours (settings)
    application = create_app(support.test_config(migrated, tmp_path))
    with application.app_context():
        assert sms.text("new", "sv", ref="HD-1").startswith("Tack, vi har fått ditt meddelande")
        assert sms.text("new", None, ref="HD-1").startswith("Thank you, we got your message")
        with force_locale("sv"):  # the customer's language wins over the surrounding one
            answer = sms.text("start", "en")
            assert answer.startswith("You will get texts from us again. Send STOP to stop.")
            assert "\nCall us: " in answer  # the signature, in English too
