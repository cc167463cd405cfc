from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    submit = SubmitField(_l("Log in"))


class PasswordChangeForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=200)])
    new = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=200)])
    repeat = PasswordField(_l("New password again"), validators=[DataRequired(), Length(max=200)])
    submit = SubmitField(_l("Change password"))


class LogoutForm(FlaskForm):
    submit = SubmitField(_l("Log out"))
