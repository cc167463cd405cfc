"""Forms of the identity panel and the customer's code page."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

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
