"""Customer-facing pages: the "please call me back" form. Large type, no JavaScript needed."""

from flask import Blueprint

bp = Blueprint("customer", __name__)

from app.customer import routes  # noqa: E402,F401
from app.customer.contact import template_globals  # noqa: E402

bp.app_context_processor(template_globals)  # our number and hours on every page

from app.customer import errors  # noqa: E402

errors.register(bp)  # bilingual 404/410/500 pages for the whole site
