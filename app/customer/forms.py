"""The callback form: three fields and an optional topic, with clear messages."""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from app.domain import phone_policy
from app.domain.contacts import InvalidContact, normalize_phone


class CallbackForm(FlaskForm):
    name = StringField(
        _l("Your name"),
        validators=[DataRequired(_l("Please write your name.")), Length(max=120)],
    )
    phone = StringField(
        _l("Your phone number"),
        validators=[DataRequired(_l("Please write the number we should call."))],
    )
    when = RadioField(
        _l("When should we call?"),
        choices=[
            ("asap", _l("As soon as possible")),
            ("today_morning", _l("Today, morning (8–12)")),
            ("today_afternoon", _l("Today, afternoon (12–17)")),
            ("tomorrow_morning", _l("Tomorrow, morning (8–12)")),
            ("tomorrow_afternoon", _l("Tomorrow, afternoon (12–17)")),
        ],
        default="asap",
        validators=[DataRequired(_l("Please choose when we should call."))],
    )
    topic = StringField(
        _l("What is it about? (you can leave this empty)"), validators=[Length(max=200)]
    )

    def validate_phone(self, field) -> None:
        try:
            field.data = normalize_phone(field.data, current_app.config["PHONE_DEFAULT_REGION"])
        except InvalidContact as error:
            raise ValidationError(
                _l("That does not look like a phone number. Please check the digits.")
            ) from error
        if not phone_policy.destination_allowed(field.data):
            raise ValidationError(
                _l("Sorry, we can only call and text numbers in: %(countries)s.")
                % {"countries": ", ".join(phone_policy.allowed_countries())}
            )
