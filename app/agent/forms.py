"""Agent forms. Each carries the ticket version so a stale form cannot overwrite newer work."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from app.domain.contacts import InvalidContact, normalize_email
from app.models.enums import Role


class VersionedForm(FlaskForm):
    version = HiddenField()


class ReplyForm(VersionedForm):
    body = TextAreaField(
        _l("Reply to the customer"), validators=[DataRequired(), Length(max=20000)]
    )
    channel = SelectField(
        _l("Send by"),
        choices=[
            ("email", _l("Email")),
            ("sms", _l("SMS")),
            ("voice", _l("Phone call: read aloud")),
        ],
    )


class JargonForm(FlaskForm):
    sv = TextAreaField(
        _l("Swedish: one per line, word = plain alternative"), validators=[Length(max=20000)]
    )
    en = TextAreaField(
        _l("English: one per line, word = plain alternative"), validators=[Length(max=20000)]
    )


class NoteForm(VersionedForm):
    body = TextAreaField(
        _l("Internal note (the customer never sees it)"),
        validators=[DataRequired(), Length(max=20000)],
    )


class StatusForm(VersionedForm):
    status = HiddenField(validators=[DataRequired()])
    summary = TextAreaField(
        _l("How was it resolved? (one or two sentences)"), validators=[Length(max=4000)]
    )
    public_question = TextAreaField(
        _l("Public question (a short neutral question anyone could ask)"),
        validators=[Length(max=1000)],
    )
    public_answer = TextAreaField(
        _l("Public answer: the steps that solved it (empty: the summary above, without greeting)"),
        validators=[Length(max=4000)],
    )


class ClaimForm(VersionedForm):
    pass


class PriorityForm(VersionedForm):
    priority = SelectField(
        _l("Priority"),
        choices=[("0", _l("Low")), ("1", _l("Normal")), ("2", _l("High")), ("3", _l("Urgent"))],
    )


class CannedReplyForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=120)])
    body = TextAreaField(
        _l("Text ({customer_name}, {reference}, {agent_name} are filled in)"),
        validators=[DataRequired(), Length(max=5000)],
    )
    language = SelectField(_l("Language"), choices=[("en", "English"), ("sv", "Svenska")])


class InviteAgentForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    phone = StringField(
        _l("Own phone (for click-to-call)"), validators=[Optional(), Length(max=30)]
    )
    role = SelectField(
        _l("Role"), choices=[(Role.AGENT.value, _l("Agent")), (Role.ADMIN.value, _l("Admin"))]
    )

    def validate_email(self, field) -> None:
        try:
            field.data = normalize_email(field.data)
        except InvalidContact as error:
            raise ValidationError(_l("That is not an email address.")) from error


class AgentUpdateForm(FlaskForm):
    role = SelectField(
        _l("Role"), choices=[(Role.AGENT.value, _l("Agent")), (Role.ADMIN.value, _l("Admin"))]
    )
    active = BooleanField(_l("Active"))


class SettingsForm(FlaskForm):
    recipient_addresses = TextAreaField(_l("Addresses we receive mail on (one per line)"))
    phone_numbers = TextAreaField(_l("Our phone numbers (one per line)"))
    opening_hour = IntegerField(_l("We open at (hour)"), validators=[Optional()])
    closing_hour = IntegerField(_l("We close at (hour)"), validators=[Optional()])
    open_days = SelectMultipleField(
        _l("Open on"),
        choices=[
            ("0", _l("Monday")),
            ("1", _l("Tuesday")),
            ("2", _l("Wednesday")),
            ("3", _l("Thursday")),
            ("4", _l("Friday")),
            ("5", _l("Saturday")),
            ("6", _l("Sunday")),
        ],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validate_choice=True,
    )
    closed_days = TextAreaField(
        _l("Other days we are closed, besides public holidays (one date per line, 2026-12-27)")
    )

    def validate_closed_days(self, field) -> None:
        for line in (field.data or "").split():
            try:
                date.fromisoformat(line.strip())
            except ValueError as error:
                raise ValidationError(
                    _l("Write each closed day as year-month-day, for example 2026-12-27.")
                ) from error

    community_auto_publish = BooleanField(
        _l("Publish community answers without an agent's approval (not recommended)")
    )
    require_two_factor = BooleanField(
        _l("Every agent must log in with a code from their phone (two-factor sign-in)")
    )
    sms_countries = StringField(
        _l("Countries we text and call back (two-letter codes, e.g. SE, NO)"),
        validators=[Optional(), Length(max=200)],
    )
    community_review_after_days = IntegerField(
        _l("Check public answers again after this many days (0: never)"),
        validators=[Optional()],
    )
    community_not_helpful_limit = IntegerField(
        _l("Send an answer back to review after this many “did not help” votes (0: never)"),
        validators=[Optional()],
    )
    community_vocabulary_customers = IntegerField(
        _l("A word is site vocabulary when this many different customers used it"),
        validators=[Optional()],
    )
    community_glossary = TextAreaField(
        _l("Product words the checker may accept in public answers (one per line)")
    )


class LanguageForm(FlaskForm):
    language = SelectField(_l("Language"), choices=[("en", "English"), ("sv", "Svenska")])
