"""Forms of the identity panel and the customer's code page."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.domain import identity


class CodeForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=20)])


class ContactForm(FlaskForm):
    email = StringField("Email", validators=[Optional(), Length(max=254)])
    phone = StringField("Phone", validators=[Optional(), Length(max=30)])
    address = TextAreaField("Address", validators=[Optional(), Length(max=500)])


class PrivacySettingsForm(FlaskForm):
    private_fields = SelectMultipleField(choices=[(f, f) for f in identity.PRIVATE_FIELDS])
    callback_unlocks = SelectMultipleField(choices=[(f, f) for f in identity.PRIVATE_FIELDS])
    phone_unlocks = SelectMultipleField(choices=[(f, f) for f in identity.PRIVATE_FIELDS])
    mailbox_unlocks = SelectMultipleField(choices=[(f, f) for f in identity.PRIVATE_FIELDS])


class HelperForm(FlaskForm):
    """A relative or carer the customer names (see app.domain.trusted_helpers)."""

    name = StringField(_l("Helper's name"), validators=[DataRequired(), Length(max=120)])
    phone = StringField(_l("Helper's own phone"), validators=[Optional(), Length(max=30)])
    email = StringField(_l("Helper's own email"), validators=[Optional(), Length(max=254)])
    may_see = SelectMultipleField(
        _l("What the helper may hear"),
        choices=[(f, f) for f in identity.PRIVATE_FIELDS],
        validators=[Optional()],
    )
    scope = RadioField(
        _l("For"),
        choices=[("ticket", _l("this ticket only")), ("all", _l("all the customer's tickets"))],
        default="ticket",
    )
    days = IntegerField(
        _l("Days it is valid"), default=90, validators=[DataRequired(), NumberRange(1, 365)]
    )
