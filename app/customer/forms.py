"""The callback form: three fields and an optional topic, with clear messages.

The time choices are built per request from the business hours: only windows still ahead
are offered, and "as soon as possible" says when that is while we are closed."""

from __future__ import annotations

from datetime import datetime

from babel.dates import format_date
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from app.domain import hours, phone_policy
from app.domain.contacts import InvalidContact, PhoneHasLetters, normalize_phone
from app.models.base import utcnow


def window_label(window: hours.Window, now: datetime, locale: str) -> str:
    today = hours.to_local(now).date()
    if window.day == today:
        day = _("Today")
    elif (window.day - today).days == 1:
        day = _("Tomorrow")
    else:
        day = format_date(window.day, "EEEE d MMMM", locale=locale).capitalize()
    part = _("morning") if window.part == "morning" else _("afternoon")
    return _(
        "%(day)s, %(part)s (%(start)s–%(end)s)",
        day=day,
        part=part,
        start=window.start_hour,
        end=window.end_hour,
    )


def when_choices(now: datetime, locale: str) -> list[tuple[str, str]]:
    """ "As soon as possible" first, then the next four windows that have not passed."""
    windows = hours.next_windows(now, 4)
    if hours.is_open(now):
        asap = _("As soon as possible (we are open now)")
    elif windows:
        asap = _(
            "As soon as we open (%(when)s)", when=hours.describe_window(windows[0], now, locale)
        )
    else:
        asap = _("As soon as we open")
    return [("asap", asap)] + [(w.key, window_label(w, now, locale)) for w in windows]


class CallbackForm(FlaskForm):
    name = StringField(
        _l("Your name"),
        validators=[DataRequired(_l("Please write your name.")), Length(max=120)],
    )
    phone = StringField(
        _l("Your phone number"),
        validators=[DataRequired(_l("Please write the number we should call.")), Length(max=40)],
    )
    when = RadioField(
        _l("When should we call?"),
        choices=[("asap", _l("As soon as possible"))],
        default="asap",
        validate_choice=False,  # choices move with the clock: validate_when checks the key
        validators=[DataRequired(_l("Please choose when we should call."))],
    )
    topic = StringField(
        _l("What is it about? (you can leave this empty)"), validators=[Length(max=200)]
    )

    def __init__(self, *args, locale: str = "en", now: datetime | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.now = now or utcnow()
        self.when.choices = when_choices(self.now, locale)
        self.phone_e164: str | None = None

    def validate_phone(self, field) -> None:
        """Keep what the customer typed as typed; the E.164 form goes to `phone_e164`."""
        try:
            self.phone_e164 = normalize_phone(
                field.data, current_app.config["PHONE_DEFAULT_REGION"]
            )
        except PhoneHasLetters as error:
            raise ValidationError(
                _l("A phone number has only digits. Please write it without letters.")
            ) from error
        except InvalidContact as error:
            raise ValidationError(
                _l("That does not look like a phone number. Please check the digits.")
            ) from error
        if not phone_policy.destination_allowed(self.phone_e164):
            raise ValidationError(
                _l("Sorry, we can only call and text numbers in: %(countries)s.")
                % {"countries": ", ".join(phone_policy.allowed_countries())}
            )

    def validate_when(self, field) -> None:
        if field.data != "asap" and hours.window_by_key(field.data, self.now) is None:
            raise ValidationError(_l("That time has passed. Please choose another time."))
