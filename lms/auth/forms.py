"""Sign-in and account forms."""

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

from lms.forms import Form


class LoginForm(Form):
    """Sign in with a service number (matricule) or academy number."""

    login = StringField(_l("Service number or academy number"),
                        validators=[DataRequired(), Length(max=40)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    submit = SubmitField(_l("Sign in"))


class PasswordForm(Form):
    """Change one's own password."""

    current = PasswordField(_l("Current password or one-time code"),
                            validators=[DataRequired(), Length(max=200)])
    new = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=8, max=200)])
    confirm = PasswordField(_l("New password again"),
                            validators=[DataRequired(), EqualTo("new")])
    submit = SubmitField(_l("Change password"))
