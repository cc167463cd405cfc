"""Forms of issue 17's agent pages (assignment, tags, care notes, merges, phone tickets).

Kept apart from the views so the ticket-page panels (`app.workflow.panels`) can build them
without importing the views."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from app.domain import care_notes, phone_tickets


class VersionedForm(FlaskForm):
    """As app.agent.forms.VersionedForm: the ticket version the agent saw."""

    version = HiddenField()


class AssignForm(VersionedForm):
    assignee = SelectField(_l("Give to"), choices=[], validate_choice=False)
    note = TextAreaField(
        _l("Note for your colleague (optional, internal)"), validators=[Length(max=2000)]
    )


class AvailabilityForm(FlaskForm):
    available = HiddenField()


class AutoAssignForm(FlaskForm):
    mode = SelectField(
        _l("Give new tickets automatically"),
        choices=[
            ("off", _l("No, agents take tickets themselves")),
            ("round_robin", _l("Yes, in turn among available agents")),
            ("least_loaded", _l("Yes, to the available agent with the fewest open tickets")),
        ],
    )


class TagForm(FlaskForm):
    tags = StringField(
        _l("Add tags (separate with commas)"), validators=[DataRequired(), Length(max=400)]
    )


class CareNoteForm(FlaskForm):
    note = StringField(
        _l("Care note (shown on every ticket, no private details)"),
        validators=[Length(max=care_notes.CARE_NOTE_LENGTH)],
    )


class MergeForm(FlaskForm):
    other_id = HiddenField()
    keep = RadioField(
        _l("Which customer is kept?"),
        choices=[("this", _l("This customer")), ("other", _l("The other customer"))],
        default="this",
    )
    reason = TextAreaField(
        _l("Why are they the same person?"), validators=[Optional(), Length(max=2000)]
    )
    confirm = BooleanField(_l("I have checked: merge them anyway"))


class SplitForm(FlaskForm):
    reason = TextAreaField(
        _l("Why was the merge wrong?"), validators=[Optional(), Length(max=2000)]
    )


class CallerForm(FlaskForm):
    phone = StringField(_l("Caller's phone number"), validators=[Optional(), Length(max=30)])
    identified_by = RadioField(
        _l("How was the caller identified?"),
        choices=list(phone_tickets.IDENTIFIED_BY.items()),
        default="stated",
    )
    name = StringField(_l("Name (if they told you)"), validators=[Optional(), Length(max=200)])
    subject = StringField(
        _l("What is the call about?"), validators=[DataRequired(), Length(max=300)]
    )
    notes = TextAreaField(_l("Notes from the call"), validators=[Optional(), Length(max=20000)])
    priority = SelectField(
        _l("Priority"),
        choices=[("0", _l("Low")), ("1", _l("Normal")), ("2", _l("High")), ("3", _l("Urgent"))],
        default="1",
    )


class TokenForm(FlaskForm):
    name = StringField(_l("Integration name"), validators=[DataRequired(), Length(max=120)])


class WebhookForm(FlaskForm):
    url = StringField(_l("Address to POST events to"), validators=[DataRequired(), Length(max=500)])
